#!/usr/bin/env bash
# What a plain `meson setup` of this source tree gets, read from meson.build without
# configuring: a debugoptimized build (as GLib's own), debug info and so GLib's cast checks
# kept (meson.build drops them only without debug), NDEBUG not defined.
#   test-build-defaults.sh MESON SOURCE_ROOT
set -euo pipefail

"$1" introspect --buildoptions "$2/meson.build" | /usr/bin/python3 -c '
import json, sys
options = {o["name"]: o["value"] for o in json.load(sys.stdin)}
want = {"buildtype": "debugoptimized", "debug": True, "optimization": "2", "b_ndebug": "false"}
wrong = {k: options.get(k) for k, v in want.items() if options.get(k) != v}
if wrong:
    sys.exit(f"test-build-defaults.sh: a plain meson setup gets {wrong}, not {want}")
print(f"test-build-defaults.sh: a plain meson setup gets {want}")'
