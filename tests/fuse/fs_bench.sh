#!/usr/bin/env bash
# Description: zeroipcfs benchmarks, each against its reference in the same run:
#   1. `seq 1 1000000 > q` with a concurrent binary reader of SEG/.raw/q,
#      vs the same through a kernel FIFO, medians of alternating runs
#      (target: at least 1/3 of it);
#   2. one-element write-then-read round trip vs an 8-byte read of a static
#      file (the control file) served by the same daemon, one of each in
#      turn, medians (target: at most 2x);
#   3. array file read() bandwidth (page cache) vs memcpy from the segment.
#   fs_bench.sh DAEMON HELPER
set -euo pipefail

daemon=$1 helper=$2
[ -c /dev/fuse ] && [ "$(id -u)" -eq 0 ] || { echo "needs root and /dev/fuse"; exit 77; }
pfx="zt_fsb_$$_"
mnt=$(mktemp -d /tmp/zeroipc-test.XXXXXX)
work=$(mktemp -d /tmp/zeroipc-test-work.XXXXXX)
daemon_pid=

cleanup() {
	mountpoint -q "$mnt" && { fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"; }
	[ -n "$daemon_pid" ] && wait "$daemon_pid" 2>/dev/null || true
	rmdir "$mnt" 2>/dev/null || true
	rm -rf "$work"
	rm -f /dev/shm/"$pfx"*
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

"$daemon" "$mnt" -f -o "prefix=$pfx,seg_size=128M" 2>"$work/log" &
daemon_pid=$!
for _ in $(seq 200); do mountpoint -q "$mnt" && break; sleep 0.05; done
s=$mnt/${pfx}bench
mkdir "$s"
printf 'queue q i64 65536\nqueue rt i64 64\narray a u8 67108864\n' >"$s/.new"

n=1000000
now() { date +%s%N; }
calc() { awk "BEGIN { print $1 }"; }

# 1. throughput: $reps alternating runs of each, medians (one run is at the
# mercy of where the scheduler puts three busy processes on few CPUs)
reps=7
mkfifo "$work/fifo"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
fs_runs=() fifo_runs=()
for _ in $(seq $reps); do
	t0=$(now)
	"$helper" rawread "$s/.raw/q" $n 8 >/dev/null &
	r=$!
	seq 1 $n >"$s/q"
	wait "$r"
	fs_runs+=($(( ($(now) - t0) / 1000 )))
	t0=$(now)
	cat "$work/fifo" >/dev/null &
	r=$!
	seq 1 $n >"$work/fifo"
	wait "$r"
	fifo_runs+=($(( ($(now) - t0) / 1000 )))
done
fs_us=$(median "${fs_runs[@]}") fifo_us=$(median "${fifo_runs[@]}")
printf '%-44s %8.1f ms  %6.2f M/s\n' "seq 1 1000000 > q, reader on .raw/q" \
	"$(calc "$fs_us / 1000")" "$(calc "$n / $fs_us")"
printf '%-44s %8.1f ms  %6.2f M/s\n' "seq 1 1000000 > kernel FIFO" \
	"$(calc "$fifo_us / 1000")" "$(calc "$n / $fifo_us")"
printf '%-44s %8.2f   (target >= 0.33; medians of %d runs)\n' "  ratio fs/fifo" \
	"$(calc "$fifo_us / $fs_us")" $reps

# 2. round trip
read -r rt st < <("$helper" rtt "$s/rt" "$s/.new" 20000)
printf '%-44s %8.2f us\n' "one element write+read round trip" "$rt"
printf '%-44s %8.2f us\n' "8-byte read of a static file, same daemon" "$st"
printf '%-44s %8.2f   (target <= 2; medians, interleaved)\n' "  ratio" "$(calc "$rt / $st")"

# 3. array bandwidth
read -r fsbw membw < <("$helper" arraybw "$s/a" "${pfx}bench" a)
printf '%-44s %8d MB/s\n' "array file read() (64 MiB, page cache)" "$fsbw"
printf '%-44s %8d MB/s\n' "direct memcpy from the segment" "$membw"
printf '%-44s %8.2f\n' "  ratio" "$(calc "$fsbw / $membw")"

fusermount3 -u "$mnt"
wait "$daemon_pid"
daemon_pid=
