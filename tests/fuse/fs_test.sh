#!/usr/bin/env bash
# Description: zeroipcfs against a real mount, one case per run:
#   fs_test.sh DAEMON HELPER CASE [CLI]
# (CLI, the zeroipc tool, for the case "serve": zeroipc serve and close on
# the files.)
# Each run mounts its own temp dir (/tmp/zeroipc-test.*) showing only segments
# named zt_fs_<pid>_*, and always unmounts it and removes those segments.
# Timing bounds only prove that nothing hangs; they are generous on purpose.
set -euo pipefail

daemon=$1 helper=$2 case=$3 cli=${4:-}
[ -c /dev/fuse ] || { echo "no /dev/fuse"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (allow_other, setpriv)"; exit 77; }

pfx="zt_fs_$$_"
mnt=$(mktemp -d /tmp/zeroipc-test.XXXXXX)
log=$(mktemp /tmp/zeroipc-test-log.XXXXXX)
work=$(mktemp -d /tmp/zeroipc-test-work.XXXXXX)
daemon_pid=
daemon_env= # a command (env ...) to start the daemon with
bg_pids=()
py=/usr/bin/python3

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	if mountpoint -q "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null || true
	rmdir "$mnt" 2>/dev/null || true
	rm -rf "$work" "$log"
	rm -f /dev/shm/"$pfx"*
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP # so that a timed-out run still unmounts (EXIT trap)

fail() {
	echo "FAIL ($case): $*"
	echo "--- daemon log:"
	tail -n 20 "$log" || true
	exit 1
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

mount_fs() {
	$daemon_env "$daemon" "$mnt" -f -o "prefix=$pfx" "$@" 2>>"$log" &
	daemon_pid=$!
	for _ in $(seq 200); do
		mountpoint -q "$mnt" && return 0
		sleep 0.05
	done
	fail "mount did not appear"
}

unmount_fs() {
	fusermount3 -u "$mnt" || fail "fusermount3 -u failed"
	wait "$daemon_pid" || fail "daemon exited with $?"
	daemon_pid=
}

# new_seg NAME: a segment through mkdir; prints its directory.
new_seg() {
	mkdir "$mnt/$pfx$1" || fail "mkdir $1"
	echo "$mnt/$pfx$1"
}

expect_seq() { # expect_seq FILE FIRST LAST
	local want
	want=$(seq "$2" "$3" | md5sum)
	[ "$(md5sum <"$1")" = "$want" ] || fail "$1 is not exactly $2..$3 ($(wc -l <"$1") lines)"
}

count_of() { getfattr --only-values -n user.zeroipc.count "$1"; }

# ---- cases ----

case_shell() {
	local s q
	s=$(new_seg shell)
	echo 'queue q i64 131072' >"$s/.new"
	q=$s/q
	[ "$(getfattr --only-values -n user.zeroipc.kind "$q")" = queue ] || fail "kind xattr"
	echo 42 >"$q"
	printf '7\n8\n' >>"$q"
	[ "$(cat "$q" | tr '\n' ' ')" = "42 7 8 " ] || fail "echo/printf/>> then cat"

	seq 1 100000 >"$q" || fail "seq > q"
	cat "$q" >"$work/out"
	expect_seq "$work/out" 1 100000
	[ "$(count_of "$q")" = 0 ] || fail "queue not empty after cat"

	seq 1 10 >"$q"
	head -n 5 "$q" >"$work/head" || fail "head failed"
	expect_seq "$work/head" 1 5
	[ "$(count_of "$q")" = 5 ] || fail "head took more than 5 (left $(count_of "$q"))"
	: >"$work/read"
	while read -r x; do echo "$x" >>"$work/read"; done <"$q"
	expect_seq "$work/read" 6 10

	seq 1 1000 | dd of="$q" bs=4096 status=none || fail "dd of="
	dd if="$q" bs=65536 status=none >"$work/dd"
	expect_seq "$work/dd" 1 1000

	# one write(2) (bash's printf builtin writes line by line)
	printf '1\n2\nbad\n3\n' | dd of="$q" bs=64 status=none 2>/dev/null &&
		fail "a malformed element was accepted"
	[ "$(count_of "$q")" = 0 ] || fail "a failed write pushed something"
	printf '5' >"$q"; printf '6\n' >>"$q"
	{ printf '12'; printf '34\n'; } >"$q"
	[ "$(cat "$q" | tr '\n' ' ')" = "5 6 1234 " ] || fail "partial lines: $(cat "$q")"

	echo 11 >"$q"
	truncate -s 0 "$q" || fail "truncate -s 0 on a queue"
	[ "$(cat "$q")" = 11 ] || fail "truncate changed the queue"
	"$helper" nonblock "$q" >/dev/null || fail "O_NONBLOCK"
	[ -z "$(ls "$s")" ] && fail "ls shows nothing"
	echo 'stack st i32 16' >"$s/.new"
	printf '1\n2\n3\n' >"$s/st"
	[ "$(cat "$s/st" | tr '\n' ' ')" = "3 2 1 " ] || fail "stack order"
	echo 'queue q i64 8' >"$s/.new" 2>/dev/null && fail ".new reused an existing name"
	rm "$s/st" && [ ! -e "$s/st" ] || fail "rm of a structure"
	rm "$q"
	rmdir "$s" || fail "rmdir of an emptied segment"
	[ ! -e "/dev/shm/${pfx}shell" ] || fail "rmdir left the shm object"
}

case_sigint() {
	local s q p t0 rc
	s=$(new_seg sigint)
	echo 'queue q u32 64' >"$s/.new"
	q=$s/q
	env --default-signal=INT cat "$q" >"$work/cat" &
	p=$!
	bg_pids+=("$p")
	sleep 0.5
	kill -0 "$p" || fail "cat did not block"
	t0=$(date +%s%N)
	kill -INT "$p"
	rc=0
	wait "$p" || rc=$?
	echo "cat died on SIGINT after $(ms_since "$t0") ms (status $rc)"
	[ "$rc" -eq 130 ] || fail "cat exit status $rc, want 130"
	[ "$(ms_since "$t0")" -lt 2000 ] || fail "SIGINT took too long"
	printf '1\n2\n3\n' >"$q"
	[ "$(cat "$q" | tr '\n' ' ')" = "1 2 3 " ] || fail "elements lost after the interrupt"
}

case_poll() {
	local s p
	s=$(new_seg poll)
	echo 'queue q i64 64' >"$s/.new"
	"$helper" poll "$s/q" >"$work/poll" &
	p=$!
	bg_pids+=("$p")
	for _ in $(seq 100); do grep -q waiting "$work/poll" && break; sleep 0.05; done
	sleep 0.2
	echo 77 >"$s/q"
	wait "$p" || fail "poll helper failed"
	cat "$work/poll"
	grep -q "with 77" "$work/poll" || fail "poll woke without the element"
}

case_parked() {
	local s p t0 ms n=1000
	s=$(new_seg parked)
	echo "queue q i64 $((2 * n))" >"$s/.new"
	"$helper" parked $n "$s/q" >"$work/parked" &
	p=$!
	bg_pids+=("$p")
	for _ in $(seq 400); do grep -q parked "$work/parked" && break; sleep 0.05; done
	grep -q parked "$work/parked" || fail "readers did not start"
	sleep 1
	t0=$(date +%s%N)
	ls -l "$mnt" "$s" >/dev/null || fail "ls failed with $n parked readers"
	ms=$(ms_since "$t0")
	echo "ls answered in $ms ms with $n parked readers"
	[ "$ms" -lt 1000 ] || fail "ls took $ms ms"
	kill -0 "$p" || fail "readers returned before any push"
	seq 1 $n >"$s/q"
	wait "$p" || fail "parked readers failed"
	cat "$work/parked"
}

case_python() {
	local s
	s=$(new_seg py)
	printf 'queue q i64 1024\narray a f64 1024\n' >"$s/.new"
	"$py" - "$s" <<'EOF' || fail "python"
import mmap, os, struct, sys
s = sys.argv[1]
with open(f"{s}/q", "w") as f:
    for i in range(1, 101):
        f.write(f"{i}\n")
with open(f"{s}/q") as f:
    got = [int(x) for x in f]
assert got == list(range(1, 101)), got[:5]
with open(f"{s}/q", "w") as f:
    f.write("5\n6\n")
with open(f"{s}/q") as f:
    assert f.read() == "5\n6\n"
with open(f"{s}/.raw/q", "wb") as f:
    f.write(struct.pack("<3q", 7, -8, 9))
with open(f"{s}/q") as f:
    assert f.read() == "7\n-8\n9\n"
with open(f"{s}/q", "w") as f:
    f.write("1\n2\n")
with open(f"{s}/.raw/q", "rb") as f:
    assert struct.unpack("<2q", f.read()) == (1, 2)
with open(f"{s}/a", "r+b") as f:
    assert os.fstat(f.fileno()).st_size == 8 * 1024
    m = mmap.mmap(f.fileno(), 0)
    m[8:16] = struct.pack("<d", 2.5)
    m.flush()
    f.seek(8)
    assert struct.unpack("<d", f.read(8))[0] == 2.5
    m.close()
with open(f"{s}/.text/a") as f:
    lines = f.read().split()
assert lines[1] == "2.5" and len(lines) == 1024, lines[:3]
print("python: open/read/write/iterate/mmap ok")
EOF
}

case_array() {
	local s
	s=$(new_seg arr)
	echo 'array a i64 8192' >"$s/.new"
	[ "$(stat -c %s "$s/a")" = 65536 ] || fail "st_size"
	"$helper" mmap "$s/a" "${pfx}arr" a || fail "mmap coherence"
	"$helper" interleave "$s/a" "${pfx}arr" a 50 || fail "interleaved stores"
	"$helper" xattr-map "$s/a" "${pfx}arr" a || fail "zero-copy xattrs"
	printf '\x01\x00\x00\x00\x00\x00\x00\x00' | dd of="$s/a" bs=8 seek=2 conv=notrunc status=none
	[ "$(sed -n 3p "$s/.text/a")" = 1 ] || fail "pwrite via dd then .text"
	: >"$s/a" || fail "O_TRUNC on an array"
	[ "$(stat -c %s "$s/a")" = 65536 ] || fail "truncate changed the size"
}

case_xattr() {
	local s f
	s=$(new_seg xattr)
	printf 'future fu f64\nlazy lz i32 2\nqueue q u8 4\n' >"$s/.new"
	[ "$(getfattr --only-values -n user.zeroipc.state "$s/fu")" = pending ] || fail "future state"
	[ "$(getfattr --only-values -n user.zeroipc.type "$s/lz")" = i32 ] || fail "lazy type"
	[ "$(getfattr --only-values -n user.zeroipc.capacity "$s/q")" = 4 ] || fail "capacity"
	getfattr -d "$s/q" | grep -q 'user.zeroipc.shm_path="/dev/shm/'"$pfx"'xattr"' || fail "shm_path"
	# an entry made by another implementation: no tag, shown untyped until tagged
	"$py" - "/dev/shm/${pfx}foreign" <<'EOF' || fail "making a foreign segment"
import struct, sys
size, maxe = 65536, 64
table_end = 32 + 48 * maxe
cap, esz = 8, 8
qsize = 16 + cap * esz + 4 * cap
buf = bytearray(size)
struct.pack_into("<IIIIQQ", buf, 0, 0x5A49504D, 2, 1, maxe, size, table_end + qsize)
struct.pack_into("<32sQQ", buf, 32, b"fq", table_end, qsize)
struct.pack_into("<IIII", buf, table_end, 0, 0, cap, esz)
for i in range(cap):
    struct.pack_into("<I", buf, table_end + 16 + cap * esz + 4 * i, i)
open(sys.argv[1], "wb").write(buf)
EOF
	f=$mnt/${pfx}foreign/fq
	[ "$(getfattr --only-values -n user.zeroipc.kind "$f")" = untyped ] || fail "foreign entry kind"
	setfattr -n user.zeroipc.type -v i64 "$f" || fail "setfattr type"
	[ "$(getfattr --only-values -n user.zeroipc.kind "$f")" = queue ] || fail "tagged kind"
	printf '3\n4\n' >"$f"
	[ "$(cat "$f" | tr '\n' ' ')" = "3 4 " ] || fail "tagged foreign queue"
}

case_future() {
	local s p
	s=$(new_seg fut)
	echo 'future fu f64' >"$s/.new"
	cat "$s/fu" >"$work/fu" &
	p=$!
	bg_pids+=("$p")
	sleep 0.3
	kill -0 "$p" || fail "read of an unset future did not wait"
	echo 2.5 >"$s/fu"
	wait "$p" || fail "cat of the future failed"
	[ "$(cat "$work/fu")" = 2.5 ] || fail "future value $(cat "$work/fu")"
	echo 3 >"$s/fu" 2>/dev/null && fail "a future was set twice"
	[ "$(cat "$s/fu")" = 2.5 ] || fail "second read"
}

case_lazy() {
	local s p i
	s=$(new_seg lazy)
	echo 'lazy lz i64' >"$s/.new"
	"$helper" provider "${pfx}lazy" lz "$work/count" >"$work/prov" &
	p=$!
	bg_pids+=("$p")
	for i in $(seq 8); do cat "$s/lz" >"$work/lz$i" & bg_pids+=($!); done
	wait "$p" || fail "provider failed"
	for i in $(seq 8); do
		while kill -0 "${bg_pids[$i]}" 2>/dev/null; do sleep 0.05; done
		[ "$(cat "$work/lz$i")" = 42 ] || fail "cat $i got '$(cat "$work/lz$i")'"
	done
	[ "$(wc -l <"$work/count")" = 1 ] || fail "computed $(wc -l <"$work/count") times"
	echo "8 concurrent cats forced the lazy; computed once"
}

case_serve() {
	local s p i pids=()
	[ -x "$cli" ] || fail "the serve case needs the zeroipc tool"
	s=$(new_seg serve)
	printf 'lazy lz i64\nlazy lv f64 3\nlazy le i32\nchannel ch i64 0\nstream st i64 64\n' >"$s/.new"
	: >"$work/runs"
	"$cli" serve "${pfx}serve" lz -- sh -c "echo run >>'$work/runs'; sleep 0.2; echo 42" \
		>"$work/serve" 2>&1 &
	p=$!
	bg_pids+=("$p")
	for i in $(seq 8); do cat "$s/lz" >"$work/lz$i" & pids+=($!); done
	bg_pids+=("${pids[@]}")
	wait "$p" || fail "zeroipc serve failed: $(cat "$work/serve")"
	for i in $(seq 8); do
		wait "${pids[$((i - 1))]}" || fail "cat $i of the lazy failed"
		[ "$(cat "$work/lz$i")" = 42 ] || fail "cat $i got '$(cat "$work/lz$i")'"
	done
	[ "$(wc -l <"$work/runs")" = 1 ] || fail "the command ran $(wc -l <"$work/runs") times"
	[ "$(cat "$s/lz")" = 42 ] || fail "read after the computation"
	"$cli" serve "${pfx}serve" lz -- echo 1 2>/dev/null && fail "served a computed lazy again"

	cat "$s/lv" >"$work/lv" & p=$!
	bg_pids+=("$p")
	"$cli" serve "${pfx}serve" lv -- printf '1.5\n-2\n0x1p-2\n' || fail "serve of 3 values"
	wait "$p" || fail "cat of the 3 values"
	[ "$(tr '\n' ' ' <"$work/lv")" = "1.5 -2 0.25 " ] || fail "3 values: $(cat "$work/lv")"

	cat "$s/le" >"$work/le" 2>"$work/le.err" & p=$!
	bg_pids+=("$p")
	"$cli" serve "${pfx}serve" le -- sh -c 'exit 4' 2>/dev/null && fail "serve of a failing command exited 0"
	wait "$p" && fail "cat of a failed lazy succeeded"
	grep -q 'Input/output error' "$work/le.err" || fail "cat of a failed lazy: $(cat "$work/le.err")"
	[ "$(getfattr --absolute-names --only-values -n user.zeroipc.error "$s/le")" = "sh: exited with status 4" ] ||
		fail "error xattr: $(getfattr --absolute-names --only-values -n user.zeroipc.error "$s/le")"
	echo "8 concurrent cats forced the lazy; zeroipc serve ran its command once"

	cat "$s/ch" >"$work/ch" & p=$!
	bg_pids+=("$p")
	cat "$s/st" >"$work/st" & i=$!
	bg_pids+=("$i")
	sleep 0.3
	echo 5 >"$s/ch" || fail "send"
	echo 6 >"$s/st" || fail "emit"
	kill -0 "$p" && kill -0 "$i" || fail "a reader ended before close"
	"$cli" close "${pfx}serve" ch || fail "zeroipc close of a channel"
	"$cli" close "${pfx}serve" st || fail "zeroipc close of a stream"
	wait "$p" || fail "the channel's reader did not end at close"
	wait "$i" || fail "the stream's reader did not end at close"
	[ "$(cat "$work/ch")" = 5 ] && [ "$(cat "$work/st")" = 6 ] || fail "what was read before close"
	echo 7 >"$s/ch" 2>/dev/null && fail "send after zeroipc close"
	echo 7 >"$s/st" 2>/dev/null && fail "emit after zeroipc close"
	echo "zeroipc close ended a channel's and a stream's readers"
}

case_stream() {
	local s p1 p2
	s=$(new_seg stream)
	echo 'stream st i64 1024' >"$s/.new"
	echo 1 >"$s/st" # before any subscriber: nobody sees it
	cat "$s/st" >"$work/sub1" & p1=$!
	cat "$s/st" >"$work/sub2" & p2=$!
	bg_pids+=("$p1" "$p2")
	[ "$(getfattr --only-values -n user.zeroipc.count "$s/st")" = 1 ] || fail "count"
	sleep 0.5 # both subscribed (at open)
	seq 2 1000 >"$s/st"
	kill -0 "$p1" && kill -0 "$p2" || fail "a subscriber ended before close"
	setfattr -n user.zeroipc.state -v closed "$s/st" || fail "closing through the xattr"
	wait "$p1" && wait "$p2" || fail "subscribers did not end at close"
	expect_seq "$work/sub1" 2 1000
	expect_seq "$work/sub2" 2 1000
	echo 5 >"$s/st" 2>/dev/null && fail "emit after close"
	echo "two subscribers each saw 2..1000, then EOF at close"
}

case_channel() {
	local s p t0
	s=$(new_seg chan)
	printf 'channel ch i64 0\nchannel cb i32 4\n' >"$s/.new"
	cat "$s/ch" >"$work/ch" & p=$!
	bg_pids+=("$p")
	sleep 0.3
	t0=$(date +%s%N)
	for i in 1 2 3; do echo "$i" >"$s/ch" || fail "unbuffered send $i"; done
	echo "3 unbuffered sends to a waiting reader in $(ms_since "$t0") ms"
	setfattr -n user.zeroipc.state -v closed "$s/ch"
	wait "$p" || fail "receiver did not end at close"
	[ "$(tr '\n' ' ' <"$work/ch")" = "1 2 3 " ] || fail "received $(cat "$work/ch")"
	printf 'channel ch2 i64 0\n' >"$s/.new"
	echo 6 >"$s/ch2" & p=$!
	bg_pids+=("$p")
	sleep 0.5
	kill -0 "$p" || fail "an unbuffered send returned without a receiver"
	[ "$(head -n 1 "$s/ch2")" = 6 ] || fail "receiving a waiting send"
	wait "$p" || fail "the waiting send failed"
	( echo 9 >"$s/cb"; echo 10 >"$s/cb" ) || fail "buffered sends"
	setfattr -n user.zeroipc.state -v closed "$s/cb"
	[ "$(cat "$s/cb" | tr '\n' ' ')" = "9 10 " ] || fail "drain after close"
	echo 1 >"$s/cb" 2>/dev/null && fail "send after close"
	true
}

case_perms() {
	local priv pub as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	priv=$(new_seg priv)
	pub=$(new_seg pub)
	echo 'queue q i32 8' >"$priv/.new"
	echo 'queue q i32 8' >"$pub/.new"
	chmod 600 "$priv" && chmod 666 "$pub" || fail "chmod"
	[ "$(stat -c %a "/dev/shm/${pfx}priv")" = 600 ] || fail "chmod did not reach the shm object"
	[ "$(stat -c %a "$pub")" = 777 ] || fail "dir mode $(stat -c %a "$pub")"
	"${as[@]}" sh -c "echo 1 > '$priv/q'" 2>/dev/null && fail "uid 65534 wrote root's 0600 segment"
	"${as[@]}" ls "$priv" >/dev/null 2>&1 && fail "uid 65534 listed root's 0600 segment"
	"${as[@]}" sh -c "echo 5 > '$pub/q' && cat '$pub/q'" >"$work/pub" || fail "uid 65534 on a 0666 segment"
	[ "$(cat "$work/pub")" = 5 ] || fail "0666 segment round trip"
	"${as[@]}" mkdir "$mnt/${pfx}nobody" || fail "mkdir as uid 65534"
	[ "$(stat -c %u "/dev/shm/${pfx}nobody")" = 65534 ] || fail "new segment not owned by its creator"
	"${as[@]}" rmdir "$priv" 2>/dev/null && fail "uid 65534 removed root's segment"
	echo "permissions enforced from the shm objects"
}

case_corrupt() {
	local good bad
	good=$(new_seg good)
	bad=$(new_seg bad)
	echo 'queue q i64 8' >"$good/.new"
	echo 'queue q i64 8' >"$bad/.new"
	# entry 0's offset (at 32 + 32) pointed into the table: the table is corrupt
	printf '\x10\x00\x00\x00\x00\x00\x00\x00' | dd of="/dev/shm/${pfx}bad" bs=1 seek=64 conv=notrunc status=none
	fusermount3 -u "$mnt"; wait "$daemon_pid" || true; mount_fs
	ls "$mnt" | grep -q "${pfx}bad" || fail "the corrupt segment is not shown"
	ls "$bad" >/dev/null 2>"$work/err" && fail "listing a corrupt segment worked"
	grep -q "Input/output error" "$work/err" || fail "corrupt segment: $(cat "$work/err")"
	grep -q "${pfx}bad" "$log" || fail "no log line for the corrupt segment"
	echo 9 >"$good/q" && [ "$(cat "$good/q")" = 9 ] || fail "the good segment stopped working"
	rmdir "$bad" || fail "rmdir of a corrupt segment"
}

case_kill() {
	local s p acked
	s=$(new_seg kill)
	echo 'queue q i64 1048576' >"$s/.new"
	"$helper" writer "$s/q" 1 10000000 >"$work/acked" &
	p=$!
	bg_pids+=("$p")
	sleep 1
	kill -KILL "$daemon_pid"
	wait "$p" || true
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=
	umount -l "$mnt" 2>/dev/null || fusermount3 -u -z "$mnt"
	acked=$(tail -n 1 "$work/acked")
	[ -n "$acked" ] && [ "$acked" -gt 0 ] || fail "the writer committed nothing"
	mount_fs
	cat "$s/q" >"$work/got"
	head -n "$acked" "$work/got" >"$work/got_acked"
	expect_seq "$work/got_acked" 1 "$acked"
	[ "$(wc -l <"$work/got")" -le $((acked + 1)) ] || fail "more than one unacknowledged element"
	echo "daemon killed after $acked acknowledged elements; all of them survived"
}

# Each stop signal ends the daemon cleanly with any number of loop threads,
# while a reader is parked and another process keeps the loop busy. (A
# script's background jobs start with SIGINT ignored, and the daemon keeps
# it so, as libfuse does: that case is checked, then SIGINT is restored.)
case_unmount() {
	local s sig threads load parked i
	kill -INT "$daemon_pid"
	sleep 0.3
	mountpoint -q "$mnt" || fail "an ignored SIGINT unmounted"
	for sig in TERM INT HUP; do
		case $sig in
		TERM) threads= ;;
		INT) threads=1 ;;
		HUP) threads=4 ;;
		esac
		if [ -n "$threads" ]; then
			fusermount3 -u "$mnt" && wait "$daemon_pid" || fail "remount for threads=$threads"
			daemon_env="env --default-signal=INT" mount_fs -o "threads=$threads"
		fi
		s=$(new_seg "umount$sig")
		echo 'queue q i64 8' >"$s/.new"
		cat "$s/q" >"$work/parked" 2>&1 &
		parked=$!
		bg_pids+=("$parked")
		while :; do cat "$s/.new" >/dev/null 2>&1 || break; done &
		load=$!
		bg_pids+=("$load")
		sleep 0.3
		kill -"$sig" "$daemon_pid"
		for i in $(seq 200); do
			kill -0 "$daemon_pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$daemon_pid" 2>/dev/null && fail "SIG$sig (threads=${threads:-default}): daemon still running after 10 s"
		wait "$daemon_pid" || fail "daemon exited with $? on SIG$sig"
		daemon_pid=
		mountpoint -q "$mnt" && fail "still mounted after SIG$sig"
		[ -e "/dev/shm/${pfx}umount$sig" ] || fail "the segment went with the mount"
		wait "$parked" && fail "the parked reader ended with success after SIG$sig"
		kill "$load" 2>/dev/null || true
		wait "$load" 2>/dev/null || true
		echo "clean unmount on SIG$sig (threads=${threads:-default}) with a parked reader and load"
		mount_fs
	done
}

mount_fs
"case_$case"
[ -n "$daemon_pid" ] && unmount_fs
echo "ok: $case"
