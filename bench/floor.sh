#!/bin/bash
# Times assemble's first install of N trivial parts (the peer harness's
# assembly) beside bench/floor, which only makes the same directories and
# files and syncs them: the least any tool can do. Both run alternately,
# five times each, each after removing what the last run made, as the
# peer harness does. Prints medians (wall seconds) and their ratio.
# Usage: ASSEMBLE=bin/assemble FLOOR=bin/floor bench/floor.sh 100 1000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${ASSEMBLE:?set ASSEMBLE to the assemble binary}"
: "${FLOOR:?set FLOOR to the floor binary}"
A=$(realpath "$ASSEMBLE"); F=$(realpath "$FLOOR")
peer=${PEER_DIR:-$here/../../shared/bench/buildout-peer}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Milliseconds: /usr/bin/time's hundredths are too coarse at 100 parts.
t() {
  local s e
  s=$(date +%s%N)
  "$@" >"$work/.log" 2>&1 || { cat "$work/.log" >&2; exit 1; }
  e=$(date +%s%N)
  awk -v ns=$((e - s)) 'BEGIN{printf "%.3f\n", ns/1e9}'
}
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a/b; else print "inf" }'; }

printf '%-6s %10s %10s %8s\n' parts floor assemble ratio
for n in "$@"; do
  d=$work/n$n; mkdir -p "$d"
  /usr/bin/python3 "$peer/gen.py" "$n" "$d"
  f=(); a=()
  for i in 1 2 3 4 5; do
    rm -rf "$d/root"; f+=("$(t "$F" "$n" "$d/root")")
    rm -rf "$d/root"; a+=("$(t "$A" install bench --root "$d/root" -c "$d/buildout.hcl")")
  done
  fm=$(med "${f[@]}"); am=$(med "${a[@]}")
  printf '%-6s %10s %10s %8s\n' "$n" "$fm" "$am" "$(ratio "$am" "$fm")"
done
