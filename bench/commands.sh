#!/bin/bash
# Times whole assemble commands on the bundled example, the way a user
# runs them: median of 5 runs each, wall seconds. The machine is noisy:
# compare figures taken side by side in one run, not across runs.
# Usage: ASSEMBLE=bin/assemble bench/commands.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
: "${ASSEMBLE:?set ASSEMBLE to the assemble binary}"
A=$(realpath "$ASSEMBLE")
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$repo/configs" "$work/configs"
ln -s "$repo/testdata" "$work/testdata"
export GOMODCACHE="$work/modcache"
root="$work/root"

t() { /usr/bin/time -f %e -o "$work/.t" "$@" >"$work/.log" 2>&1 || { cat "$work/.log" >&2; exit 1; }; cat "$work/.t"; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
row() { printf '%-44s %8s\n' "$1" "$(med "${@:2}")"; }

printf '%-44s %8s\n' command seconds
# The first install fetches from the proxy and builds (the build cache is
# warm after the first of the five).
v=(); for i in 1 2 3 4 5; do rm -rf "$root" "$GOMODCACHE"; v+=("$(t "$A" install dev --root "$root" -c "$work/configs/buildout.hcl")"); done
row "install, new instance" "${v[@]}"
v=(); for i in 1 2 3 4 5; do v+=("$(t "$A" install dev --root "$root")"); done
row "install, nothing changed (no go build)" "${v[@]}"
v=(); for i in 1 2 3 4 5; do
  sed -i "s/^\[server\].*/[server] # edit $i/" "$work/configs/templates/settings.conf.tmpl"
  v+=("$(t "$A" install dev --root "$root")"); done
row "install, a template changed" "${v[@]}"
local="$root/instances/dev/code/local/common"
mkdir -p "$local"
(cd "$local" && unzip -q "$repo/testdata/proxy/example.com/lava/common/@v/v1.2.0.zip" && mv example.com/lava/common@v1.2.0/* . && rm -rf example.com && chmod -R u+w .)
v=(); for i in 1 2 3 4 5; do
  sed -i "s/^const Release = .*/const Release = \"local $i\"/" "$local/common.go"
  v+=("$(t "$A" install dev --root "$root")"); done
row "install, an overlay edited (3 parts rebuilt)" "${v[@]}"
v=(); for i in 1 2 3 4 5; do v+=("$(t "$A" plan dev --root "$root")"); done
row "plan" "${v[@]}"
v=(); for i in 1 2 3 4 5; do v+=("$(t "$A" versions -c "$work/configs/buildout-production.hcl")"); done
row "versions, production" "${v[@]}"
v=(); for i in 1 2 3 4 5; do v+=("$(t "$A" annotate -c "$work/configs/buildout-production.hcl")"); done
row "annotate, production" "${v[@]}"
