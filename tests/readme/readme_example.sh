#!/usr/bin/env bash
# Description: the C example in README.md compiles against the library and runs.
set -euo pipefail
readme=$1 include=$2 lib=$3
work=$(mktemp -d)
seg="zt_readme_$$"
trap 'rm -rf "$work"; rm -f "/dev/shm/$seg"' EXIT
# The example's segment name is replaced by one of this test's own.
awk '/^```c$/ {on = 1; next} /^```$/ {on = 0} on' "$readme" | sed "s/\"demo\"/\"$seg\"/g" >"$work/demo.c"
[ -s "$work/demo.c" ] || { echo "no C example in $readme"; exit 1; }
cc -std=c11 -Wall -Wextra -Werror -I"$include" "$work/demo.c" -o "$work/demo" "$lib" -lpthread
out=$("$work/demo")
[ "$out" = "popped 42" ] || { echo "unexpected output: $out"; exit 1; }
echo "README example: $out"
