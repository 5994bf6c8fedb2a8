#!/usr/bin/env bash
# One entry point for README's quick start and for CI:
#   bash build-aux/run.sh demo   installs what is missing, builds, runs gsock-demo
#   bash build-aux/run.sh test   installs what is missing, builds, runs the whole suite
set -euo pipefail

cd "$(dirname "$0")/.."
what=${1:-test}
build=${GSOCK_BUILD_DIR:-_build}

# Debian 12 packages the build, the demos and the tests need.
packages=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libglib2.0-bin
  python3 socat netcat-openbsd
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 python3-gi gjs
  valac gi-docgen
  libgtk-4-dev xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: run as root (or with sudo) to install the packages above" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=debugoptimized -Ddocs=true
fi
ninja -C "$build"

case "$what" in
  demo)
    exec "$build/demos/gsock-demo"
    ;;
  test)
    status=0
    meson test -C "$build" --print-errorlogs --num-processes 2 || status=$?
    # A closing line any CI reader understands, counted from meson's own log.
    /usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif result == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"gsock: {passed} passed, {failed} failed, {skipped} skipped")
PY
    exit $status
    ;;
  *)
    echo "usage: bash build-aux/run.sh demo|test" >&2
    exit 2
    ;;
esac
