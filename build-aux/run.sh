#!/usr/bin/env bash
# One entry point for README's quick start and for CI:
#   bash build-aux/run.sh demo   installs what is missing, builds, runs gsock-demo
#   bash build-aux/run.sh test   installs what is missing, builds, runs the whole suite
#   bash build-aux/run.sh asan | tsan | valgrind | fuzz   the checks CI runs after `test` (see below)
set -euo pipefail

cd "$(dirname "$0")/.."
what=${1:-test}
build=${GSOCK_BUILD_DIR:-_build}

# Debian 12 packages the build, the demos and the tests need.
packages=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libglib2.0-bin
  python3 python3-twisted socat netcat-openbsd openssl glib-networking
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 python3-gi gjs
  valac gi-docgen
  libgtk-4-dev libadwaita-1-dev xvfb xauth desktop-file-utils appstream
  clang libclang-rt-14-dev libtsan2 valgrind
  libuv1-dev util-linux nodejs iproute2
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

# asan, tsan, valgrind and fuzz: each in its own build directory, ending with its own closing line
# ("gsock (asan): N passed, ..."; .ci/run adds them up). They build without introspection,
# Vala and docs and leave out the bindings, docs and gtk-chat tests: those run interpreters
# (python3, gjs) or GTK, fontconfig and Xvfb, whose own leaks and uninstrumented code would
# drown gsock's; the plain `test` run covers them.
checks_summary() {   # LABEL TESTLOG.json...: one closing line from meson's logs
  /usr/bin/python3 - "$@" <<'PY'
import json, os, sys
passed = failed = skipped = 0
for path in sys.argv[2:]:
    if not os.path.exists(path):
        failed += 1   # the run never wrote its log
        continue
    for line in open(path):
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"gsock ({sys.argv[1]}): {passed} passed, {failed} failed, {skipped} skipped")
PY
}
checks_options=(-Dintrospection=disabled -Dvapi=disabled -Ddocs=false)
case "$what" in
  asan)
    # The unit, demos, hostile, integrity and flow tests built with AddressSanitizer (leaks
    # included, but for test-dtls, see below) and UBSan; the first error fails the test. No
    # LeakSanitizer suppressions.
    b=_build-asan
    [ -f "$b/build.ninja" ] || meson setup "$b" --buildtype=debug "${checks_options[@]}" \
      -Db_sanitize=address,undefined -Db_lundef=false
    ninja -C "$b"
    # intercept_tls_get_addr=0: LeakSanitizer's tracer crashes on the thread-local storage of
    # dlopen()ed modules (GIO's TLS backend) with Debian 12's glibc (google/sanitizers#1322).
    export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:intercept_tls_get_addr=0
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export G_SLICE=always-malloc
    rm -f "$b"/meson-logs/asan-*.json
    status=0
    mapfile -t asan_unit < <(meson introspect "$b" --tests | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if any(s.endswith(":unit") for s in t["suite"]) and t["name"] != "test-dtls":
        print(t["name"])')
    meson test -C "$b" "${asan_unit[@]}" --logbase asan-unit --print-errorlogs --num-processes 2 \
      --timeout-multiplier 2 || status=$?
    # test-dtls without LeakSanitizer (memory errors still fail it): glib-networking's DTLS
    # handshakes leak a GCancellable source in their worker thread when a handshake is stopped
    # (inside libgiognutls, not gsock; valgrind shows the whole stack).
    ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} meson test -C "$b" test-dtls \
      --logbase asan-dtls --print-errorlogs --timeout-multiplier 2 || status=$?
    meson test -C "$b" demos hostile integrity flow tls-never-read chat --logbase asan-demos \
      --print-errorlogs \
      --timeout-multiplier 2 || status=$?
    checks_summary asan "$b/meson-logs/asan-unit.json" "$b/meson-logs/asan-dtls.json" \
      "$b/meson-logs/asan-demos.json"
    exit $status
    ;;
  tsan)
    # The unit tests (test-threads among them: senders on other threads, handler threads, a
    # server on a thread of its own) built with ThreadSanitizer; the first report fails the
    # test. GLib is not instrumented: build-aux/tsan-glib-sync.c, preloaded, tells
    # ThreadSanitizer what the GLib calls gsock makes synchronise (GMutex and GCond are
    # futexes, reference counts and a context's lock GLib's own atomics, all invisible to it),
    # and build-aux/tsan.supp holds the few reports left, each inside GLib (see there why).
    b=_build-tsan
    [ -f "$b/build.ninja" ] || meson setup "$b" --buildtype=debug "${checks_options[@]}" \
      -Db_sanitize=thread -Db_lundef=false
    ninja -C "$b"
    # Not instrumented itself: it only calls into ThreadSanitizer's runtime and GLib.
    # shellcheck disable=SC2046  # pkg-config's flags are several words
    cc -shared -fPIC -O1 -g -Wall -Wextra -Wno-unused-parameter -o "$b/libtsan-glib-sync.so" \
      build-aux/tsan-glib-sync.c $(pkg-config --cflags --libs gobject-2.0) -ldl
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/build-aux/tsan.supp"
    export G_SLICE=always-malloc
    # ThreadSanitizer's runtime (GCC 12's) wants the address space laid out as it expects: on
    # kernels with high-entropy mmap randomisation (vm.mmap_rnd_bits 32, which newer
    # distributions set) it aborts at start with "unexpected memory mapping". With address
    # randomisation off (setarch -R) it fits whatever the kernel; where setarch is not
    # allowed (a seccomp profile that refuses personality()), the tests run as they are.
    wrapper="env LD_PRELOAD=$PWD/$b/libtsan-glib-sync.so"
    if setarch "$(uname -m)" -R true 2>/dev/null; then
      wrapper="setarch $(uname -m) -R $wrapper"
    fi
    rm -f "$b"/meson-logs/tsan-unit*.json   # meson adds the wrapper's name
    status=0
    meson test -C "$b" --suite unit --logbase tsan-unit --print-errorlogs --num-processes 2 \
      --timeout-multiplier 3 --wrapper "$wrapper" || status=$?
    checks_summary tsan "$b"/meson-logs/tsan-unit*.json
    exit $status
    ;;
  valgrind)
    # The unit tests under memcheck: any error, or a definitely lost block, fails the test.
    # Only GLib's own suppressions (its type system and caches). Not test-tls nor test-dtls:
    # GnuTLS's handshakes under memcheck outlast the tests' timeouts, and glib-networking's DTLS
    # handshakes leak a GCancellable source when stopped (the asan run has both; their
    # no-backend variants run here). The demos test would put valgrind around python3 rather
    # than the demos; the asan run covers it.
    b=_build-vg
    [ -f "$b/build.ninja" ] || meson setup "$b" --buildtype=debug "${checks_options[@]}"
    ninja -C "$b"
    mapfile -t vg_tests < <(meson introspect "$b" --tests | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if any(s.endswith(":unit") for s in t["suite"]) and t["name"] not in ("test-tls", "test-dtls"):
        print(t["name"])')
    export G_SLICE=always-malloc   # the tests set G_DEBUG=gc-friendly themselves
    rm -f "$b"/meson-logs/valgrind-unit*.json   # meson adds the wrapper's name: -valgrind
    status=0
    meson test -C "$b" --suite unit "${vg_tests[@]}" --logbase valgrind-unit --print-errorlogs \
      --num-processes 2 --timeout-multiplier 4 \
      --wrapper "valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite
        --errors-for-leak-kinds=definite --track-origins=yes --num-callers=30
        --suppressions=/usr/share/glib-2.0/valgrind/glib.supp" || status=$?
    checks_summary valgrind "$b/meson-logs/valgrind-unit-valgrind.json"
    exit $status
    ;;
  fuzz)
    # Each libFuzzer target for GSOCK_FUZZ_SECONDS (30) from its seed corpus in fuzz/corpus;
    # what it finds new goes to _build-fuzz/corpus, a crash to _build-fuzz/crash-*.
    b=_build-fuzz
    [ -f "$b/build.ninja" ] || CC=clang meson setup "$b" --buildtype=debugoptimized \
      "${checks_options[@]}" -Dfuzzing=true
    targets=(fuzz-line-framer fuzz-length-framer fuzz-raw-framer fuzz-encoding)
    ninja -C "$b" "${targets[@]/#/fuzz/}"
    passed=0 failed=0
    for t in "${targets[@]}"; do
      mkdir -p "$b/corpus/$t"
      if "$b/fuzz/$t" -max_total_time="${GSOCK_FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=1024 \
           -artifact_prefix="$b/crash-$t-" "$b/corpus/$t" "fuzz/corpus/$t" >"$b/$t.log" 2>&1; then
        passed=$((passed + 1))
        echo "ok $t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$b/$t.log")"
      else
        failed=$((failed + 1))
        tail -n 60 "$b/$t.log"
        echo "FAIL $t: see $b/$t.log and $b/crash-$t-*"
      fi
    done
    echo "gsock (fuzz): $passed passed, $failed failed, 0 skipped"
    exit $((failed > 0))
    ;;
esac

if [ ! -f "$build/build.ninja" ]; then
  # -Dbench=true: the suite runs the benchmark programs' smoke pass (no timing).
  meson setup "$build" --buildtype=debugoptimized -Ddocs=true -Dbench=true
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
    echo "usage: bash build-aux/run.sh demo|test|asan|tsan|valgrind|fuzz" >&2
    exit 2
    ;;
esac
