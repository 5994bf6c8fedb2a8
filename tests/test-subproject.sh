#!/usr/bin/env bash
# Builds tests/subproject (a project whose dependency ('gsock-1.0', fallback: 'gsock') takes
# this source tree as its subproject) and runs its test. Fails when gsock does not provide the
# dependency as a subproject, or builds its demos or tests there despite demos=false and
# tests=false.
#   test-subproject.sh MESON SOURCE_ROOT WORK_DIR
set -euo pipefail

meson=$1 source_root=$(realpath "$2") work=$3

rm -rf "$work"
mkdir -p "$work/subprojects"
cp "$source_root"/tests/subproject/meson.build "$source_root"/tests/subproject/consumer.c "$work"
ln -s "$source_root" "$work/subprojects/gsock"

"$meson" setup "$work/build" "$work" --force-fallback-for=gsock-1.0
"$meson" compile -C "$work/build"
"$meson" test -C "$work/build" --print-errorlogs

# The consumer's own test is the only one, and nothing of gsock's demos or tests was built.
tests=$("$meson" introspect "$work/build" --tests | /usr/bin/python3 -c '
import json, sys
print(" ".join(t["name"] for t in json.load(sys.stdin)))')
if [ "$tests" != consumer ]; then
  echo "test-subproject.sh: the consumer's build has the tests: $tests" >&2
  exit 1
fi
if [ -e "$work/build/subprojects/gsock/demos" ] || [ -e "$work/build/subprojects/gsock/tests" ]; then
  echo "test-subproject.sh: gsock built its demos or tests as a subproject" >&2
  exit 1
fi
echo "test-subproject.sh: the consumer built against gsock as a subproject and passed"
