#!/bin/bash
# Side by side with the go command: assemble installing Go builds, and the
# go command doing the same builds with the same caches, -trimpath and
# CGO_ENABLED=0, in one module requiring the same versions (the floor).
# Each cell alternates the two RUNS times (default 3) and prints the
# medians (wall seconds), the ratio, and the spread of each. The cold
# cell empties both caches before every run and compares processor time
# too. Cells on real public tools run when proxy.golang.org answers.
# Usage: ASSEMBLE=bin/assemble bench/gocmp.sh   (COLD=0 skips the cold cell)
set -euo pipefail
[ -n "${TRACE:-}" ] && set -x
repo=$(cd "$(dirname "$0")/.." && pwd)
: "${ASSEMBLE:?set ASSEMBLE to the assemble binary}"
A=$(realpath "$ASSEMBLE")
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$repo/configs" "$work/configs"
ln -s "$repo/testdata" "$work/testdata"
export GOMODCACHE="$work/modcache" GOCACHE="$work/gocache" GOFLAGS= GOTOOLCHAIN=local GOSUMDB=off CGO_ENABLED=0
export GOPROXY="file://$repo/testdata/proxy"
root="$work/root"
cfg="$work/configs/buildout.hcl"
pkgs=(example.com/lava/server/cmd/lava-server example.com/lava/dispatcher/cmd/lava-dispatcher example.com/lava/lavacli/v2)

# Every go command assemble starts goes through a wrapper that counts it.
realgo=$(command -v go)
mkdir -p "$work/wrap"
cat >"$work/wrap/go" <<EOF
#!/bin/sh
echo "\$*" >>"$work/go-calls"
exec $realgo "\$@"
EOF
chmod +x "$work/wrap/go"
export PATH="$work/wrap:$PATH"

# m CMD… runs CMD and prints its wall and processor seconds.
m() {
  /usr/bin/time -f '%e %U %S' -o "$work/.t" "$@" >"$work/.log" 2>&1 || { cat "$work/.log" >&2; exit 1; }
  awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/.t"
}
# stats COL VALUES… prints the median and the spread of one column.
stats() {
  local col=$1; shift
  printf '%s\n' "$@" | awk -v c="$col" '{print $c}' | sort -n |
    awk '{a[NR]=$1} END{printf "%.2f %.2f-%.2f", a[int((NR+1)/2)], a[1], a[NR]}'
}
# row NAME COL assemble-results go-results (as "wall cpu" lines)
row() {
  local name=$1 col=$2 a g
  read -r am as <<<"$(stats "$col" "${@:3:runs}")"
  read -r gm gs <<<"$(stats "$col" "${@:3+runs:runs}")"
  printf '%-40s %6s %6s %6.2f   %s / %s\n' "$name" "$am" "$gm" "$(awk -v a="$am" -v b="$gm" 'BEGIN{print (b>0)?a/b:0}')" "$as" "$gs"
}
calls() { if [ -f "$work/go-calls" ]; then wc -l <"$work/go-calls"; else echo 0; fi; }

# The floor: a module requiring what the demo's revision requires.
floor="$work/floor"
cat >"$work/gob" <<EOF
#!/bin/sh
# A fresh output directory, as assemble's store entry is fresh, but for
# the no-op, where go build finds its outputs up to date.
[ -n "\${KEEP_OUT:-}" ] || rm -rf "$work/out"
cd "$floor" && exec $realgo build -trimpath -buildvcs=false -o "$work/out/" "\$@"
EOF
chmod +x "$work/gob"
gob="$work/gob"
setup_floor() {
  mkdir -p "$floor"
  cp "$root/instances/dev/code/current/build/server/go.mod" "$root/instances/dev/code/current/build/server/go.sum" "$floor/"
  chmod u+w "$floor"/*
}

printf '%-40s %6s %6s %6s   %s\n' cell assemble go ratio "spread: assemble / go"
"$A" install dev --root "$root" -c "$cfg" >/dev/null 2>&1
setup_floor

# First install of the demo, fresh root, warm caches.
a=(); g=()
for _ in $(seq "$runs"); do
  chmod -R u+w "$root" 2>/dev/null || true; rm -rf "$root"
  a+=("$(m "$A" install dev --root "$root" -c "$cfg")")
  g+=("$(m "$gob" "${pkgs[@]}")")
done
row "first install, warm caches" 1 "${a[@]}" "${g[@]}"

# The same, both caches emptied before every run: wall, then processor.
if [ "${COLD:-1}" = 1 ]; then
  a=(); g=()
  for _ in $(seq "$runs"); do
    chmod -R u+w "$root" "$GOMODCACHE" 2>/dev/null || true; rm -rf "$root" "$GOMODCACHE" "$GOCACHE"
    a+=("$(m "$A" install dev --root "$root" -c "$cfg")")
    chmod -R u+w "$GOMODCACHE"; rm -rf "$GOMODCACHE" "$GOCACHE"
    g+=("$(m "$gob" "${pkgs[@]}")")
  done
  row "first install, cold caches" 1 "${a[@]}" "${g[@]}"
  row "first install, cold caches (cpu)" 2 "${a[@]}" "${g[@]}"
  chmod -R u+w "$root"; rm -rf "$root"
  "$A" install dev --root "$root" -c "$cfg" >/dev/null 2>&1
fi

# Nothing changed; the go command builds the same packages again.
rm -f "$work/go-calls"
a=(); g=()
for _ in $(seq "$runs"); do
  a+=("$(m "$A" install dev --root "$root")")
  g+=("$(KEEP_OUT=1 m "$gob" "${pkgs[@]}")")
done
row "no-op ($(($(calls) / runs)) go commands)" 1 "${a[@]}" "${g[@]}"

# A second instance on the same inputs.
rm -f "$work/go-calls"
a=(); g=()
for _ in $(seq "$runs"); do
  chmod -R u+w "$root/instances/two" 2>/dev/null || true; rm -rf "$root/instances/two"
  a+=("$(m "$A" install two --root "$root" -c "$cfg")")
  g+=("$(m "$gob" "${pkgs[@]}")")
done
row "second instance ($(($(calls) / runs)) go commands)" 1 "${a[@]}" "${g[@]}"

# One option changed: the server linked again with other flags.
sed -i 's|^  packages = \["./cmd/lava-server"\]$|&\n  ldflags  = "-X main.bench=0"|' "$cfg"
"$A" install dev --root "$root" >/dev/null 2>&1
a=(); g=()
for i in $(seq "$runs"); do
  sed -i "s|-X main.bench=[0-9]*|-X main.bench=$i|" "$cfg"
  a+=("$(m "$A" install dev --root "$root")")
  g+=("$(m "$gob" -ldflags="-X main.bench=$i" "${pkgs[0]}")")
done
row "one option changed (one relink)" 1 "${a[@]}" "${g[@]}"
# Back to flags the three builds share, as the floor's one build does.
sed -i '/-X main.bench=/d' "$cfg"

# A developer's overlay of common, edited: three binaries rebuilt.
local="$root/instances/dev/code/local/common"
mkdir -p "$local" "$work/common"
for d in "$local" "$work/common"; do
  (cd "$d" && unzip -qo "$repo/testdata/proxy/example.com/lava/common/@v/v1.2.0.zip" && cp -r example.com/lava/common@v1.2.0/. . && rm -rf example.com && chmod -R u+w .)
done
echo "replace example.com/lava/common => $work/common" >>"$floor/go.mod"
"$A" install dev --root "$root" >/dev/null 2>&1
sed -i "s/^const Release = .*/const Release = \"local 0\"/" "$local/common.go"
"$A" install dev --root "$root" >/dev/null 2>&1 # the first with an overlay resolves again
a=(); g=()
for i in $(seq "$runs"); do
  # Each edits to its own new text: with the same, the second to build
  # would find the compiled package in the cache both share.
  sed -i "s/^const Release = .*/const Release = \"assemble $i\"/" "$local/common.go"
  sed -i "s/^const Release = .*/const Release = \"go $i\"/" "$work/common/common.go"
  a+=("$(m "$A" install dev --root "$root")")
  g+=("$(m "$gob" "${pkgs[@]}")")
done
row "overlay edited (3 binaries rebuilt)" 1 "${a[@]}" "${g[@]}"

# One go.build part, warm caches, fresh root.
cat >"$work/one.hcl" <<EOF
buildout {
  go_env = { GOPROXY = "file://$repo/testdata/proxy" }
}
part "server" {
  recipe   = "go.build"
  module   = "example.com/lava/server"
  version  = "^1.4"
  packages = ["./cmd/lava-server"]
}
EOF
sed -i '/^replace /d' "$floor/go.mod"
a=(); g=()
for _ in $(seq "$runs"); do
  chmod -R u+w "$work/root1" 2>/dev/null || true; rm -rf "$work/root1"
  a+=("$(m "$A" install one --root "$work/root1" -c "$work/one.hcl")")
  g+=("$(m "$gob" "${pkgs[0]}")")
done
row "one go.build part, warm caches" 1 "${a[@]}" "${g[@]}"

# Real public tools, from the public proxy.
if ! GOPROXY=https://proxy.golang.org go list -m golang.org/x/tools@latest >/dev/null 2>&1; then
  echo "proxy.golang.org does not answer: skipping the cells on real tools"
  exit 0
fi
export GOPROXY=https://proxy.golang.org GOSUMDB=sum.golang.org
cat >"$work/tools.hcl" <<'EOF'
part "stringer" {
  recipe   = "go.build"
  module   = "golang.org/x/tools"
  version  = "v0.30.0"
  packages = ["./cmd/stringer"]
}
part "gofumpt" {
  recipe  = "go.build"
  module  = "mvdan.cc/gofumpt"
  version = "v0.7.0"
}
EOF
"$A" install tools --root "$work/root2" -c "$work/tools.hcl" >/dev/null 2>&1
tfloor="$work/tfloor"
mkdir -p "$tfloor"
cat >"$tfloor/go.mod" <<'EOF'
module floor
go 1.23
require (
	golang.org/x/tools v0.30.0
	mvdan.cc/gofumpt v0.7.0
)
EOF
(cd "$tfloor" && go mod tidy -e >/dev/null 2>&1 || true; cp "$work/root2/instances/tools/code/current/build/stringer/go.mod" "$work/root2/instances/tools/code/current/build/stringer/go.sum" .)
a=(); g=()
for _ in $(seq "$runs"); do
  chmod -R u+w "$work/root2" 2>/dev/null || true; rm -rf "$work/root2"
  a+=("$(m "$A" install tools --root "$work/root2" -c "$work/tools.hcl")")
  rm -rf "$work/out"
  g+=("$(m sh -c "cd $tfloor && $realgo build -trimpath -buildvcs=false -o $work/out/ golang.org/x/tools/cmd/stringer mvdan.cc/gofumpt")")
done
row "real tools (stringer, gofumpt), warm" 1 "${a[@]}" "${g[@]}"
