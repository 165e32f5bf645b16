#!/usr/bin/env bash
# Description: runs every zeroipc command and every error path: exit codes
# (0 ok, 1 failed, 2 usage), one-line "zeroipc: ..." errors, value ranges and
# formats, blocking push/pop between processes, untyped entries made by hand
# (as another implementation would), and segments that are not ours.
# serve and close are checked against Python processes (the zeroipc package
# under /usr/bin/python3) when ZEROIPC_LIBRARY and PYTHONPATH point at the
# build's library and package (meson test sets them); else they are skipped.
# Usage: cli_test.sh PATH_TO_ZEROIPC
set -euo pipefail

Z=${1:?usage: cli_test.sh PATH_TO_ZEROIPC}
P=zt_cli_$$
S=${P}_main   # the segment most checks use
R=${P}_raw    # written byte by byte: untagged entries
BAD=${P}_bad  # zeroipc magic, impossible header
JUNK=${P}_junk # not zeroipc at all
tmp=$(mktemp -d)

cleanup() {
	# only background jobs of this script that are still running
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
	done
	rm -f /dev/shm/"$P"_*
	rm -rf "$tmp"
}
trap cleanup EXIT
umask 022

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	# the line of the check in the main script, however deep the helpers go
	printf 'FAIL (line %s): %s\n' "${BASH_LINENO[${#BASH_LINENO[@]} - 2]}" "$*" >&2
}

# run ARGS...: run zeroipc, set rc, out, err (and the files $tmp/out, $tmp/err).
run() {
	rc=0
	"$Z" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect_ok ARGS...: exit 0, stderr empty.
expect_ok() {
	run "$@"
	if [[ $rc -eq 0 && -z $err ]]; then ok; else bad "zeroipc $*: rc=$rc err=[$err]"; fi
}

# expect_out WANT ARGS...: exit 0, stderr empty, stdout exactly WANT.
expect_out() {
	local want=$1
	shift
	run "$@"
	if [[ $rc -eq 0 && -z $err && $out == "$want" ]]; then
		ok
	else
		bad "zeroipc $*: rc=$rc out=[$out] want=[$want] err=[$err]"
	fi
}

# expect_fail_out WANT CODE REGEX ARGS...: exit CODE, stdout exactly WANT, and
# stderr exactly one line that starts "zeroipc: " and matches REGEX.
expect_fail_out() {
	local want=$1 code=$2 re=$3 lines
	shift 3
	run "$@"
	lines=$(wc -l <"$tmp/err")
	if [[ $rc -eq $code && $lines -eq 1 && $err == "zeroipc: "* && $err =~ $re &&
		$out == "$want" ]]; then
		ok
	else
		bad "zeroipc $*: rc=$rc (want $code) out=[$out] want=[$want]" \
			"err=[$err] (want one line matching /$re/)"
	fi
}

# expect_fail CODE REGEX ARGS...: as expect_fail_out, with nothing on stdout.
expect_fail() {
	expect_fail_out "" "$@"
}

# check DESCRIPTION COMMAND...: a shell condition that must hold.
check() {
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}

# row NAME: the line of `zeroipc show`/`ls` output ($out) for NAME, without the name.
row() {
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print }' <<<"$out"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# le VALUE BYTES: VALUE as BYTES little-endian bytes.
le() {
	local i
	for ((i = 0; i < $2; i++)); do
		# shellcheck disable=SC2059
		printf "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"
	done
}

# put FILE OFFSET: write stdin into FILE at OFFSET.
put() { dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

echo "== global usage and help"
expect_fail 2 'missing command'
expect_fail 2 '^zeroipc: frob: unknown command' frob
expect_fail 2 'unknown command' -x
expect_fail 2 'unknown command' --help frob
expect_fail 2 'unexpected argument' --help push extra
run --help
check "--help lists every command" \
	[ "$rc" -eq 0 -a -z "$err" -a "$(grep -cE '^  (ls|show|create|new|push|pop|get|set|rm|tag|serve|close) ' <<<"$out")" -eq 12 ]
check "--help documents exit codes" grep -q 'Exit status: 0 ok, 1' "$tmp/out"
for cmd in ls show create new push pop get set rm tag serve close; do
	for h in --help -h; do
		run "$cmd" "$h"
		check "$cmd $h prints its usage" [ "$rc" -eq 0 -a -z "$err" -a "$(head -n1 <<<"$out" | cut -d' ' -f1-3)" = "usage: zeroipc $cmd" ]
	done
	run --help "$cmd"
	check "--help $cmd prints its usage" [ "$rc" -eq 0 -a "$(head -n1 <<<"$out" | cut -d' ' -f1-3)" = "usage: zeroipc $cmd" ]
done
for cmd in push pop get set; do
	run "$cmd" --help
	check "$cmd --help documents bytes values" grep -q 'bytes:N .*0x and up to 2N hex digits' "$tmp/out"
done
run --help
# shellcheck disable=SC2016 # $0 expands in the inner shell
check "a failed write of the output fails" bash -c '! "$0" --help >/dev/full 2>/dev/null' "$Z"
"$Z" --help >/dev/full 2>"$tmp/err" || true
check "... with a one-line message" grep -qx 'zeroipc: writing the output: .*' "$tmp/err"

echo "== create"
expect_fail 2 '^zeroipc: create: missing arguments' create
expect_fail 2 'create: --size is required' create "$S"
expect_fail 2 "size '12Q' is not a number" create "$S" --size 12Q
expect_fail 2 "size '12MB' is not a number" create "$S" --size 12MB
expect_fail 2 "size '-1M' is not a number" create "$S" --size -1M
expect_fail 2 "size '0' is out of range" create "$S" --size 0
expect_fail 2 "size '99999999999G' is out of range" create "$S" --size 99999999999G
expect_fail 2 "size '99999999999999999999' is out of range" create "$S" --size 99999999999999999999
expect_fail 2 "entries '0' is out of range" create "$S" --size 1M --entries 0
expect_fail 2 "entries 'x' is not a number" create "$S" --size 1M -e x
expect_fail 2 "entries '4294967296' is out of range" create "$S" --size 1M --entries 4294967296
expect_fail 2 "mode '0800' is not an octal number" create "$S" --size 1M --mode 0800
expect_fail 2 "mode '17777' is out of range" create "$S" --size 1M --mode 17777
expect_fail 2 "option '--size' given twice" create "$S" --size 1M --size 2M
expect_fail 2 "option '--size' needs a value" create "$S" --size
expect_fail 2 "unknown option '--timeout'" create "$S" --size 1M --timeout 1
expect_fail 2 "unknown option '--bogus'" create "$S" --size 1M --bogus=1
expect_fail 2 "unexpected argument 'extra'" create "$S" extra --size 1M
check "no segment was created by bad command lines" [ ! -e "/dev/shm/$S" ]
expect_fail 1 "create: $S: invalid argument" create "$S" --size 100
expect_fail 1 'create: a/b: invalid argument' create a/b --size 1M
expect_ok create "$S" --size 1M
check "create makes a segment of the size asked" [ "$(stat -c %s "/dev/shm/$S")" = 1048576 ]
check "create's default mode is 0600" [ "$(stat -c %a "/dev/shm/$S")" = 600 ]
expect_fail 1 "create: $S: already exists" create "$S" --size 1M
umask 077
expect_ok create "${P}_small" -s 64k --entries 8 --mode 0640
umask 022
check "K means 1024" [ "$(stat -c %s "/dev/shm/${P}_small")" = 65536 ]
check "--mode is set exactly, umask notwithstanding" [ "$(stat -c %a "/dev/shm/${P}_small")" = 640 ]
expect_ok create "${P}_two" --size=2M
check "M means 1024^2" [ "$(stat -c %s "/dev/shm/${P}_two")" = 2097152 ]

echo "== ls"
expect_fail 2 "ls: unexpected argument 'x'" ls x
run ls
check "ls succeeds" [ "$rc" -eq 0 ]
check "ls has a header" [ "$(head -n1 <<<"$out" | awk '{print $1, $2, $3, $4, $5, $6}')" = "NAME SIZE USED ENTRIES REMOVED MAX_ENTRIES" ]
check "ls shows a new segment: size, used, entries, removed, max" [ "$(row "$S")" = "1048576 3104 0 0 64" ]
check "ls shows --entries" [ "$(row "${P}_small" | awk '{print $1, $5}')" = "65536 8" ]

echo "== new"
expect_ok new "$S" q queue i32 3
expect_ok new "$S" st stack i64 2
expect_ok new "$S" arr array f64 4
expect_ok new "$S" b array bytes:4 2
expect_ok new "$S" u8q queue u8 4
expect_ok new "$S" fs stack f32 4
expect_ok new "$S" q64 queue u64 2
expect_fail 1 "new: $S/q: already exists" new "$S" q queue i32 3
expect_fail 1 "new: $S/q: already exists \\(kind queue\\)" new "$S" q stack i64 8
expect_fail 2 "kind 'heap' is not array, queue or stack" new "$S" h heap i32 3
expect_fail 2 "kind 'future' is not array, queue or stack" new "$S" h future i32 3
expect_fail 2 "kind 'untyped' is not array, queue or stack" new "$S" h untyped i32 3
expect_fail 2 "type 'i7' is not one of" new "$S" h queue i7 3
expect_fail 2 "type 'bytes:0' is not one of" new "$S" h queue bytes:0 3
expect_fail 2 "capacity '0' is out of range" new "$S" h queue i32 0
expect_fail 2 "capacity 'x' is not a number" new "$S" h queue i32 x
expect_fail 2 "capacity '-1' is not a number" new "$S" h array i32 -1
expect_fail 2 "capacity '1e3' is not a number" new "$S" h array i32 1e3
expect_fail 2 "capacity '1073741825' is out of range \\(1..1073741824\\)" new "$S" h queue i32 1073741825
expect_fail 2 "capacity '1073741825' is out of range" new "$S" h stack i32 1073741825
expect_fail 2 'new: missing arguments' new "$S" h queue i32
expect_fail 2 "unexpected argument 'x'" new "$S" h queue i32 3 x
expect_fail 1 "new: ${P}_none: no such segment" new "${P}_none" h queue i32 3
expect_fail 1 'name too long' new "$S" 0123456789abcdef0123456789abcdef queue i32 3
expect_fail 1 "new: $S/a/b: invalid argument" new "$S" a/b queue i32 3
expect_fail 1 "new: $S/huge: no space left" new "$S" huge array u64 1000000000

echo "== show"
expect_fail 2 'show: missing arguments' show
expect_fail 2 "unexpected argument 'x'" show "$S" x
expect_fail 1 "show: ${P}_none: no such segment" show "${P}_none"
run show "$S"
check "show succeeds" [ "$rc" -eq 0 -a -z "$err" ]
check "show starts with the segment's usage" grep -qE "^segment $S: 1048576 bytes, [0-9]+ used, 7 of 64 table entries used$" "$tmp/out"
check "show: header" [ "$(sed -n 2p "$tmp/out" | xargs)" = "NAME KIND TYPE CAPACITY COUNT SIZE HOLES RECLAIMED" ]
check "show: queue (capacity rounded up, format size, counters)" [ "$(row q)" = "queue i32 4 0 48 0 0" ]
check "show: stack with its counters" [ "$(row st)" = "stack i64 2 0 40 0 0" ]
check "show: array (no fill)" [ "$(row arr)" = "array f64 4 - 40 - -" ]
check "show: bytes array" [ "$(row b)" = "array bytes:4 2 - 16 - -" ]
check "show lists 7 structures" [ "$(wc -l <"$tmp/out")" -eq 9 ]

echo "== push and pop: queue of i32"
expect_ok push "$S" q 1 2 3
expect_ok push "$S" q 4
expect_fail 1 "push: $S/q: full; 0 of 1 values pushed" push "$S" q 5
run show "$S"
check "show counts the elements" [ "$(row q | awk '{print $4}')" = 4 ]
expect_out 1 pop "$S" q
expect_out $'2\n3' pop "$S" q -n 2
expect_fail_out 4 1 "pop: $S/q: empty; 1 of 3 values popped" pop "$S" q -n 3
expect_fail 1 "pop: $S/q: empty; 0 of 1 values popped" pop "$S" q
expect_ok push "$S" q 5 6 7
expect_fail 1 "push: $S/q: full; 1 of 2 values pushed" push "$S" q 8 9
expect_out $'5\n6\n7\n8' pop "$S" q --count=4
expect_fail 2 "value '2147483648' is out of range for i32 \\(-2147483648..2147483647\\)" push "$S" q 2147483648
expect_fail 2 "value '-2147483649' is out of range for i32" push "$S" q -2147483649
expect_fail 2 "value 'abc' is not an integer" push "$S" q abc
expect_fail 2 "value '' is not an integer" push "$S" q ''
expect_fail 2 "value ' 1' is not an integer" push "$S" q ' 1'
expect_fail 2 "value '1.5' is not an integer" push "$S" q 1.5
expect_fail 2 "value '0x' is not an integer" push "$S" q 0x
expect_fail 2 "value '\\+-1' is not an integer" push "$S" q +-1
expect_fail 2 "value 'x' is not an integer" push "$S" q 1 2 x
expect_fail 1 'empty; 0 of 1' pop "$S" q
expect_ok push "$S" q -2147483648 2147483647 0x10 -0x10
expect_out $'-2147483648\n2147483647\n16\n-16' pop "$S" q -n4
expect_ok push "$S" q +7 -0
expect_out $'7\n0' pop "$S" q -n 2
expect_fail 2 'push: missing arguments' push "$S" q
expect_fail 2 "unknown option '--force'" push "$S" q 1 --force
expect_fail 2 "unexpected argument 'x'" pop "$S" q x
expect_fail 2 "count '0' is out of range" pop "$S" q -n 0
expect_fail 2 "count 'x' is not a number" pop "$S" q -n x
expect_fail 2 "option '-n' needs a value" pop "$S" q -n
expect_fail 2 "option '-t' given twice" pop "$S" q -t 1 -t 2
expect_fail 2 "timeout '-1' is out of range" pop "$S" q -t -1
expect_fail 2 "timeout 'abc' is not a number of seconds" pop "$S" q -t abc
expect_fail 2 "timeout 'nan' is not a number of seconds" pop "$S" q -t nan
expect_fail 2 "timeout '1e10' is out of range" push "$S" q 1 -t 1e10
expect_fail 2 "unknown option '-x'" pop "$S" q -x

echo "== push and pop: timeouts"
t0=$(now_ms)
expect_fail 1 "pop: $S/q: still empty after the timeout; 0 of 1 values popped" pop "$S" q -t 0.3
t1=$(now_ms)
check "pop -t 0.3 waited about 0.3 s ($((t1 - t0)) ms)" [ $((t1 - t0)) -ge 290 -a $((t1 - t0)) -lt 5000 ]
expect_ok push "$S" q 1 2 3 4
t0=$(now_ms)
expect_fail 1 "push: $S/q: still full after the timeout; 0 of 1 values pushed" push "$S" q 5 --timeout=0.2
t1=$(now_ms)
check "push -t 0.2 waited about 0.2 s ($((t1 - t0)) ms)" [ $((t1 - t0)) -ge 190 -a $((t1 - t0)) -lt 5000 ]
expect_out $'1\n2\n3\n4' pop "$S" q -n 4 -t 0

echo "== push in one process, pop in another"
timeout 20 "$Z" pop "$S" q -t inf >"$tmp/bg.out" 2>"$tmp/bg.err" &
bg=$!
sleep 0.3
check "pop -t inf blocks while the queue is empty" kill -0 "$bg"
expect_ok push "$S" q 42
bg_rc=0
wait "$bg" || bg_rc=$?
check "the blocked pop got the value pushed by another process" [ "$bg_rc" -eq 0 -a "$(cat "$tmp/bg.out")" = 42 -a ! -s "$tmp/bg.err" ]
expect_ok push "$S" q 1 2 3 4
timeout 20 "$Z" push "$S" q 99 -t 10 >"$tmp/bg.out" 2>"$tmp/bg.err" &
bg=$!
sleep 0.3
check "push -t blocks while the queue is full" kill -0 "$bg"
expect_out 1 pop "$S" q
bg_rc=0
wait "$bg" || bg_rc=$?
check "the blocked push went in once another process made room" [ "$bg_rc" -eq 0 -a ! -s "$tmp/bg.out" -a ! -s "$tmp/bg.err" ]
expect_out $'2\n3\n4\n99' pop "$S" q -n 4
# several values pushed with waits from a background producer, popped here
timeout 20 "$Z" push "$S" q 10 20 30 40 50 60 70 -t 10 2>"$tmp/bg.err" &
bg=$!
expect_out $'10\n20\n30\n40\n50\n60\n70' pop "$S" q -n 7 -t 10
bg_rc=0
wait "$bg" || bg_rc=$?
check "a producer of 7 values through a queue of 4 finished" [ "$bg_rc" -eq 0 -a ! -s "$tmp/bg.err" ]

echo "== push and pop: stack of i64, queues of u8 and u64, stack of f32"
expect_ok push "$S" st 9223372036854775807 -9223372036854775808
expect_fail 1 "push: $S/st: full; 0 of 1 values pushed" push "$S" st 1
expect_out $'-9223372036854775808\n9223372036854775807' pop "$S" st -n 2
expect_fail 1 "pop: $S/st: empty" pop "$S" st
expect_fail 2 "value '9223372036854775808' is out of range for i64" push "$S" st 9223372036854775808
expect_fail 2 "value '-9223372036854775809' is out of range for i64" push "$S" st -9223372036854775809
expect_fail 2 "value '99999999999999999999' is out of range for i64" push "$S" st 99999999999999999999
expect_ok push "$S" u8q 255 0 -0 0xff
expect_fail 2 "value '256' is out of range for u8 \\(0..255\\)" push "$S" u8q 256
expect_fail 2 "value '-1' is out of range for u8" push "$S" u8q -1
expect_out $'255\n0\n0\n255' pop "$S" u8q -n 4
expect_ok push "$S" q64 18446744073709551615 0xFFFFFFFFFFFFFFFE
expect_fail 2 "value '18446744073709551616' is out of range for u64" push "$S" q64 18446744073709551616
expect_out $'18446744073709551615\n18446744073709551614' pop "$S" q64 -n 2
expect_fail 2 "value '1e39' is out of range for f32" push "$S" fs 0.1 1e39
expect_fail 2 "value '1.5x' is not a number" push "$S" fs 1.5x
expect_fail 2 "unknown option '-i'" push "$S" fs -inf
expect_ok push "$S" fs 0.1 -1.5 -- -inf nan
expect_out $'nan\n-inf\n-1.5\n0.1' pop "$S" fs -n 4

echo "== get and set"
expect_out 0 get "$S" arr 0
expect_ok set "$S" arr 1 3.25
expect_out 3.25 get "$S" arr 1
expect_ok set "$S" arr 2 0.1
expect_out 0.1 get "$S" arr 2
expect_ok set "$S" arr 3 -1e300
expect_out -1e+300 get "$S" arr 3
expect_fail 2 "value '1e400' is out of range for f64" set "$S" arr 3 1e400
expect_fail 2 "value 'abc' is not a number" set "$S" arr 0 abc
expect_fail 1 "set: $S/arr: index 4 out of range \\(capacity 4\\)" set "$S" arr 4 1
expect_fail 1 "get: $S/arr: index 4 out of range \\(capacity 4\\)" get "$S" arr 4
expect_fail 2 "index '-1' is not a number" get "$S" arr -1
expect_fail 2 "index 'x' is not a number" set "$S" arr x 1
expect_fail 2 "index '99999999999999999999' is out of range" get "$S" arr 99999999999999999999
expect_fail 2 'get: missing arguments' get "$S" arr
expect_fail 2 "set: unexpected argument '2'" set "$S" arr 0 1 2
expect_fail 1 "get: $S/nope: no such" get "$S" nope 0
expect_fail 1 "get: ${P}_none: no such segment" get "${P}_none" arr 0
expect_ok set "$S" b 0 abcd
expect_out abcd get "$S" b 0
expect_ok set "$S" b 1 ab
expect_out ab get "$S" b 1
expect_fail 2 "value 'abcde' is longer than 4 bytes" set "$S" b 0 abcde
expect_ok set "$S" b 1 0x0102
expect_out 0x01020000 get "$S" b 1
expect_ok set "$S" b 1 0x41424344
expect_out ABCD get "$S" b 1
expect_ok set "$S" b 1 ''
expect_out 0x00000000 get "$S" b 1
expect_ok set "$S" b 1 0x30783132
expect_out 0x30783132 get "$S" b 1
expect_fail 2 "value '0x123' is not 0x and an even number of hex digits" set "$S" b 1 0x123
expect_fail 2 "value '0xzz' is not 0x and an even number" set "$S" b 1 0xzz
expect_fail 2 "value '0x' is not 0x and an even number" set "$S" b 1 0x
expect_fail 2 "value '0x0102030405' is longer than 4 bytes" set "$S" b 1 0x0102030405
expect_out abcd get "$S" b 0

echo "== wrong kinds, missing names"
expect_fail 1 "push: $S/arr: is a structure of kind array; push works on queues and stacks" push "$S" arr 1
expect_fail 1 "pop: $S/arr: is a structure of kind array" pop "$S" arr
expect_fail 1 "get: $S/q: is a structure of kind queue; get works on arrays" get "$S" q 0
expect_fail 1 "set: $S/st: is a structure of kind stack" set "$S" st 0 1
expect_fail 1 "push: $S/nope: no such" push "$S" nope 1
expect_fail 1 "pop: ${P}_none: no such segment" pop "${P}_none" q

echo "== errors stay on one line"
expect_fail 2 "value '1\\?2' is not an integer" push "$S" q $'1\n2'
expect_fail 1 'show: a\?b: ' show $'a\nb'

echo "== rm"
expect_fail 2 'rm: missing arguments' rm
expect_fail 2 "rm: unexpected argument 'c'" rm "$S" st c
expect_fail 2 'rm: --force applies only to removing a whole segment' rm "$S" st --force
expect_ok rm "$S" st
expect_fail 1 "rm: $S/st: no such" rm "$S" st
expect_fail 1 "push: $S/st: no such" push "$S" st 1
run show "$S"
check "show no longer lists a removed structure" [ "$rc" -eq 0 -a -z "$(row st)" -a -n "$(row q)" ]
run ls
check "ls counts the removed entry" [ "$(row "$S" | awk '{print $3, $4}')" = "6 1" ]
expect_fail 1 "rm: ${P}_none: no such" rm "${P}_none"
head -c 4096 /dev/zero >"/dev/shm/$JUNK"
expect_fail 1 "rm: $JUNK: not a zeroipc segment, or corrupt \\(.*\\); use --force" rm "$JUNK"
check "rm left a foreign object alone" [ -e "/dev/shm/$JUNK" ]
expect_fail 1 "show: $JUNK: corrupt segment or not in the zeroipc format" show "$JUNK"
expect_ok rm "$JUNK" -f
check "rm --force removed it" [ ! -e "/dev/shm/$JUNK" ]

echo "== ls with a corrupt segment"
: >"/dev/shm/$BAD"
truncate -s 4096 "/dev/shm/$BAD"
{ le 0x5A49504D 4; le 2 4; le 0 4; le 64 4; le 1048576 8; le 3104 8; } | put "/dev/shm/$BAD" 0
run ls
check "ls still succeeds" [ "$rc" -eq 0 -a -n "$(row "$S")" -a -z "$(row "$BAD")" ]
check "ls warns about the corrupt segment on one line" grep -qE "^zeroipc: ls: $BAD: corrupt segment or not in the zeroipc format \\(.+\\)$" "$tmp/err"
expect_ok rm "$BAD" --force

echo "== untyped entries (as another implementation writes them) and tag"
: >"/dev/shm/$R"
truncate -s 8192 "/dev/shm/$R"
# header: magic, version 2, 2 entries of 64, 8192 bytes, next_offset 3208
{ le 0x5A49504D 4; le 2 4; le 2 4; le 64 4; le 8192 8; le 3208 8; } | put "/dev/shm/$R" 0
# entry 0: queue "rawq" at 3104, 64 bytes; entry 1: array "rawa" at 3168, 40 bytes
printf rawq | put "/dev/shm/$R" 32
{ le 3104 8; le 64 8; } | put "/dev/shm/$R" 64
printf rawa | put "/dev/shm/$R" 80
{ le 3168 8; le 40 8; } | put "/dev/shm/$R" 112
# the queue: head 0, tail 0, capacity 4, elem_size 8, 32 bytes of slots, seq 0..3
{ le 0 4; le 0 4; le 4 4; le 8 4; } | put "/dev/shm/$R" 3104
{ le 0 4; le 1 4; le 2 4; le 3 4; } | put "/dev/shm/$R" 3152
# the array: capacity 4 of 8 bytes
le 4 8 | put "/dev/shm/$R" 3168
run show "$R"
check "show: untagged entries are untyped" [ "$rc" -eq 0 -a "$(row rawq)" = "untyped - - - 64 - -" -a "$(row rawa)" = "untyped - - - 40 - -" ]
expect_fail 1 "push: $R/rawq: untyped entry; give it a kind and type first with 'zeroipc tag'" push "$R" rawq 1
expect_fail 1 "pop: $R/rawq: untyped entry" pop "$R" rawq
expect_out 0x0000000000000000 get "$R" rawa 3
expect_ok set "$R" rawa 1 0x0102
expect_out 0x0102000000000000 get "$R" rawa 1
expect_ok set "$R" rawa 2 hi
expect_out hi get "$R" rawa 2
expect_fail 2 "value 'abcdefghi' is longer than 8 bytes" set "$R" rawa 0 abcdefghi
expect_fail 2 'tag: missing arguments' tag "$R" rawq queue
expect_fail 2 "unexpected argument 'x'" tag "$R" rawq queue i64 x
expect_fail 2 "kind 'heap' is not a kind" tag "$R" rawq heap i64
expect_fail 2 "kind 'untyped' is not a kind" tag "$R" rawq untyped i64
expect_fail 2 "type 'i7' is not one of" tag "$R" rawq queue i7
expect_fail 1 "tag: $R/nope: no such" tag "$R" nope queue i64
expect_fail 1 "tag: ${P}_none: no such segment" tag "${P}_none" rawq queue i64
expect_fail 1 "tag: $R/rawq: invalid argument" tag "$R" rawq queue i32
expect_ok tag "$R" rawq queue i64
run show "$R"
check "show: a tagged entry has its kind and type" [ "$(row rawq)" = "queue i64 4 0 64 0 0" ]
expect_ok push "$R" rawq 7 -8
expect_out $'7\n-8' pop "$R" rawq -n 2
expect_ok tag "$R" rawa array u64
expect_out 513 get "$R" rawa 1
expect_fail 1 "tag: $S/q: already exists" tag "$S" q queue i32

echo "== serve and close"
L=${P}_lazy
expect_fail 2 'serve: missing arguments' serve "$L" lz
expect_fail 2 "timeout 'x' is not a number" serve "$L" lz -t x -- true
expect_fail 2 'close: missing arguments' close "$L"
expect_fail 2 "close: unexpected argument 'x'" close "$L" ch x
expect_fail 1 "serve: ${P}_none: no such segment" serve "${P}_none" lz -- true
expect_fail 1 "close: ${P}_none: no such segment" close "${P}_none" ch
expect_ok create "$L" --size 1M
expect_ok new "$L" q queue i64 4
expect_fail 1 "serve: $L/q: is a structure of kind queue; serve works on lazies" serve "$L" q -- true
expect_fail 1 "close: $L/q: is a structure of kind queue; close works on streams and channels" close "$L" q
expect_fail 1 "serve: $L/nope: no such" serve "$L" nope -- true
expect_fail 1 "close: $L/nope: no such" close "$L" nope
py=/usr/bin/python3
if [[ -z ${ZEROIPC_LIBRARY:-} || -z ${PYTHONPATH:-} || ! -x $py ]] ||
	! "$py" -c 'import numpy, zeroipc' 2>/dev/null; then
	echo "(no zeroipc Python package: serve and close against other processes skipped)"
else
	# pyrun CODE ARGS...: run CODE in /usr/bin/python3 with the segment open as m
	pyrun() {
		local code=$1
		shift
		"$py" -c "import sys, numpy as np, zeroipc
m = zeroipc.Memory(sys.argv[1])
$code" "$L" "$@"
	}
	pyrun "zeroipc.Lazy(m, 'lz', dtype=np.int64)
zeroipc.Lazy(m, 'lv', dtype=np.float64, shape=(3,))
for n in ('le', 'lp', 'lnr', 'lx'): zeroipc.Lazy(m, n, dtype=np.int32)
zeroipc.Lazy(m, 'lc', dtype=np.int64, shape=(2,))
zeroipc.Lazy(m, 'lb', dtype='V8')
zeroipc.Stream(m, 'st', dtype=np.int64, capacity=16)
zeroipc.Channel(m, 'ch', dtype=np.int64, capacity=0)"
	# force NAME: force the lazy from Python (no function: waits for a provider)
	# and print its value, or "error: MESSAGE"
	force() {
		pyrun "lz = zeroipc.Lazy(m, sys.argv[2])
try:
    v = lz.force(timeout=20)
    print(v.tobytes().hex() if v.dtype.kind == 'V' else ' '.join(str(x) for x in np.atleast_1d(v)))
except zeroipc.ComputeError as e:
    print('error:', e)" "$1"
	}

	t0=$(now_ms)
	expect_fail 1 "serve: $L/lz: no demand within the timeout; echo not run" serve "$L" lz -t 0.2 -- echo 1
	check "serve -t 0.2 gave up after about 0.2 s" [ $(($(now_ms) - t0)) -ge 150 ]
	: >"$tmp/runs"
	"$Z" serve "$L" lz -- sh -c "echo run >>'$tmp/runs'; sleep 0.2; echo 42" \
		>"$tmp/serve.out" 2>"$tmp/serve.err" &
	serve_pid=$!
	for i in 1 2 3 4; do force lz >"$tmp/f$i" 2>&1 & done
	src=0
	wait "$serve_pid" || src=$?
	wait # the forcers
	check "serve exits 0 once the value is published (err=[$(cat "$tmp/serve.err")])" \
		[ "$src" -eq 0 -a ! -s "$tmp/serve.out" -a ! -s "$tmp/serve.err" ]
	for i in 1 2 3 4; do
		check "forcer $i got the command's output ($(cat "$tmp/f$i"))" [ "$(cat "$tmp/f$i")" = 42 ]
	done
	check "the command ran once for 4 forcers ($(wc -l <"$tmp/runs") runs)" [ "$(wc -l <"$tmp/runs")" -eq 1 ]
	expect_fail 1 "serve: $L/lz: already computed; echo not run" serve "$L" lz -- echo 1
	check "a computed lazy is not computed again" [ "$(force lz)" = 42 ]

	# serve_and_force NAME -- CMD...: serve NAME in the background, force it
	# from Python into $forced; serve's rc, out, err as run sets them
	serve_and_force() {
		local name=$1
		shift 2
		"$Z" serve "$L" "$name" -- "$@" >"$tmp/out" 2>"$tmp/err" &
		local pid=$!
		forced=$(force "$name")
		rc=0
		wait "$pid" || rc=$?
		out=$(cat "$tmp/out")
		err=$(cat "$tmp/err")
	}
	serve_and_force lv -- printf '1.5\n-2\n0x1p4'
	check "three f64 values, one per line, the last without a newline ($forced, err=[$err])" \
		[ "$rc" -eq 0 -a -z "$err" -a "$forced" = "1.5 -2.0 16.0" ]
	serve_and_force lb -- printf 'hi\0\001'
	check "bytes:8: raw output, padded with NULs ($forced, err=[$err])" \
		[ "$rc" -eq 0 -a -z "$err" -a "$forced" = 6869000100000000 ]
	serve_and_force le -- sh -c 'echo 7; exit 3'
	check "a failing command: serve exits 1 (rc=$rc)" [ "$rc" -eq 1 ]
	check "... with one line (err=[$err])" \
		grep -qx "zeroipc: serve: $L/le: sh: exited with status 3; the forcers get this error" "$tmp/err"
	check "... and the forcers get its error ($forced)" [ "$forced" = "error: sh: exited with status 3" ]
	check "... for good" [ "$(force le)" = "error: sh: exited with status 3" ]
	serve_and_force lp -- echo abc
	check "output that is not a value fails the lazy ($forced)" \
		[ "$rc" -eq 1 -a "$forced" = "error: echo: output line 1 'abc' is not an integer" ]
	serve_and_force lc -- echo 5
	check "too few lines fail the lazy ($forced)" \
		[ "$rc" -eq 1 -a "$forced" = "error: echo: output has 1 line; the lazy holds 2 values" ]
	serve_and_force lnr -- "$tmp/no-such-command"
	check "a command that cannot run fails the lazy ($forced)" \
		[ "$rc" -eq 1 -a "$forced" = "error: $tmp/no-such-command: cannot run it: No such file or directory" ]
	serve_and_force lx -- sh -c 'kill -TERM $$'
	check "a killed command fails the lazy ($forced)" \
		[ "$rc" -eq 1 -a "${forced%% (*}" = "error: sh: killed by signal 15" ]

	# close: a receiver blocked on the channel and a subscriber of the
	# stream both end; sends and emits fail after it
	pyrun "print(sum(1 for _ in zeroipc.Channel(m, 'ch')), 'received')" >"$tmp/recv" 2>&1 &
	recv_pid=$!
	pyrun "s = zeroipc.Stream(m, 'st').subscribe(); print('subscribed', flush=True)
print(sum(int(v) for v in s), 'summed')" >"$tmp/sub" 2>&1 &
	sub_pid=$!
	for _ in $(seq 100); do grep -q subscribed "$tmp/sub" && break; sleep 0.05; done
	pyrun "st = zeroipc.Stream(m, 'st'); [st.emit(v) for v in (1, 2, 3)]"
	sleep 0.3
	check "the receiver and the subscriber wait before close" kill -0 "$recv_pid" "$sub_pid"
	expect_ok close "$L" ch
	expect_ok close "$L" st
	check "the channel's receiver ended at close" wait "$recv_pid"
	check "... having received nothing ($(cat "$tmp/recv"))" [ "$(cat "$tmp/recv")" = "0 received" ]
	check "the stream's subscriber ended at close" wait "$sub_pid"
	check "... after what was emitted ($(tr '\n' ' ' <"$tmp/sub"))" [ "$(tail -n 1 "$tmp/sub")" = "6 summed" ]
	check "both are closed" [ "$(pyrun "print(zeroipc.Stream(m, 'st').closed, zeroipc.Channel(m, 'ch').closed)")" = "True True" ]
	expect_ok close "$L" ch
	expect_ok close "$L" st
fi
expect_ok rm "$L"

echo "== rm a whole segment"
expect_ok rm "$S"
check "rm unlinked the segment" [ ! -e "/dev/shm/$S" ]
expect_fail 1 "show: $S: no such segment" show "$S"
run ls
check "ls no longer lists it" [ "$rc" -eq 0 -a -z "$(row "$S")" ]
expect_ok rm "${P}_small"
expect_ok rm "${P}_two"
expect_ok rm "$R"
check "every segment of this test is gone" [ -z "$(compgen -G "/dev/shm/${P}_*" || true)" ]

echo
if [[ $fail -ne 0 || $pass -eq 0 ]]; then
	echo "cli: FAILED: $fail of $((pass + fail)) checks failed"
	exit 1
fi
echo "cli: PASSED: all $pass checks passed"
