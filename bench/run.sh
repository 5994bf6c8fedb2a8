#!/usr/bin/env bash
# gsock's benchmark in one command, from a clean clone (README's "Benchmarks"):
#
#   bash bench/run.sh                 # ~12 min: 5 rounds x 6 servers x 5 workloads + profile
#   bash bench/run.sh --rounds 1 --seconds 1 --no-profile     # a quick look
#
# Installs what is missing (as root), builds the library, gsock-echo-server and the bench/
# programs into their own build dir (_build-bench, or $BENCH_BUILD_DIR), raises the
# open-files limit for the 10,000 connections, then runs bench/bench.py, which prints the
# table and writes bench/RESULTS.md. Other options: python3 bench/bench.py --help.
set -euo pipefail

cd "$(dirname "$0")/.."
build=${BENCH_BUILD_DIR:-_build-bench}

# Debian 12 packages: the build, the servers (libuv1-dev, nodejs, python3), pinning (taskset
# is in util-linux) and the per-message profile (valgrind).
packages=(gcc meson ninja-build pkg-config libglib2.0-dev libuv1-dev nodejs python3 util-linux
          valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: run as root (or with sudo) to install the packages above" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 10,000 connections: each side needs that many descriptors, plus a few.
want=12000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  echo "bench: ulimit -n is $(ulimit -n); the 10,000-connection storm needs $want" >&2
  exit 1
fi
# The listen backlog is capped by somaxconn, and one client address has the ephemeral range.
somaxconn=$(cat /proc/sys/net/core/somaxconn)
read -r low high < /proc/sys/net/ipv4/ip_local_port_range
[ "$somaxconn" -ge 4096 ] ||
  echo "bench: note: net.core.somaxconn is $somaxconn: a storm overflows the accept queue sooner" >&2
[ $((high - low)) -ge 11000 ] ||
  echo "bench: warning: only $((high - low)) ephemeral ports (net.ipv4.ip_local_port_range)" >&2

# A release build, as users ship it (no cast checks: see meson.build).
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release -Dbench=true \
    -Ddocs=false -Dintrospection=disabled -Dvapi=disabled >/dev/null
else
  meson configure "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" bench-programs >/dev/null

exec /usr/bin/python3 bench/bench.py --build "$build" --command "bash bench/run.sh${*:+ $*}" "$@"
