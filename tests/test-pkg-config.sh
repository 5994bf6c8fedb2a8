#!/usr/bin/env bash
# Reads the generated gsock-1.0.pc with pkg-config: its version is the project's, GLib,
# GObject and GIO are public requirements (the headers include theirs), and gio-unix-2.0,
# which only the library's sources use, is a private one.
#   test-pkg-config.sh PC_DIR VERSION
set -euo pipefail

export PKG_CONFIG_PATH=$1${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
version=$2
status=0

fail() { echo "test-pkg-config.sh: $*" >&2; status=1; }

modversion=$(pkg-config --modversion gsock-1.0)
[ "$modversion" = "$version" ] || fail "version $modversion, not $version"

requires=$(pkg-config --print-requires gsock-1.0 | awk '{print $1}' | sort | tr '\n' ' ')
[ "$requires" = "gio-2.0 glib-2.0 gobject-2.0 " ] || fail "Requires: $requires"

private=$(pkg-config --print-requires-private gsock-1.0 | awk '{print $1}' | tr '\n' ' ')
[ "$private" = "gio-unix-2.0 " ] || fail "Requires.private: $private"

# What a user's build asks for works: the flags resolve.
pkg-config --cflags --libs gsock-1.0 >/dev/null || fail "pkg-config --cflags --libs failed"

[ $status -ne 0 ] || echo "test-pkg-config.sh: Requires: $requires; Requires.private: $private"
exit $status
