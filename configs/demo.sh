#!/bin/sh
# The bundled lab, end to end, offline: what `make demo` runs. A
# developer's instance is installed and its server answers HTTP; the
# production config is installed too where this host can take it (root,
# a PostgreSQL server the libpq environment reaches), else planned, and
# the demo says what it left out.
set -eu
bin=$1 root=$2
port=${DEMO_PORT:-18000}

"$bin" install dev --root "$root" -c configs/buildout.hcl --var http_port="$port"
"$bin" status dev --root "$root"
"$root/instances/dev/bin/lava-server" --version

echo "== the server serves HTTP on port $port; the dispatcher asks it for its health"
"$bin" exec --root "$root" dev -- sh -c '
  lava-server --config etc/lava-server/settings.conf & pid=$!
  trap "kill $pid" EXIT
  for i in $(seq 50); do
    lava-dispatcher --config etc/lava-dispatcher/dispatcher.conf --once 2>/dev/null && exit 0
    sleep 0.1
  done
  exit 1'

"$bin" versions -c configs/buildout-production.hcl
left=""
if [ "$(id -u)" != 0 ]; then
  left="production makes a system user per instance, which needs root"
elif ! command -v pg_isready >/dev/null || ! pg_isready -q; then
  left="production makes its database on a PostgreSQL server, and none answers here (PGHOST…)"
fi
if [ -n "$left" ]; then
  echo "== left out: $left; what its install would do:"
  "$bin" plan prod --root "$root" -c configs/buildout-production.hcl
  exit 0
fi
# Services are written under the demo, not started: a demo starts no
# service on the host.
"$bin" install prod --root "$root" -c configs/buildout-production.hcl --var unit_dir="$root/units" --no-services
"$root/instances/prod/bin/lava-server" --version
"$bin" verify prod --root "$root"
echo "== left out: starting the services; their units are in $root/units"
