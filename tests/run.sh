#!/bin/bash
# run.sh - the test command: installs what is missing (Debian 12), builds with
# AddressSanitizer and UndefinedBehaviorSanitizer, runs every test and a short fuzz run.
#
# Environment: FUZZ_SECONDS (per fuzz target, default 10; 0 skips fuzzing),
# BUILD_DIR (default build-test), FUZZ_BUILD_DIR (default build-fuzz),
# RELEASE_BUILD_DIR (default build-release; the optimised build without sanitizers,
# compiled only, since gcc warns there about what the sanitizer build hides).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
# shellcheck source=tests/deps.sh
. tests/deps.sh
lwm2md_install_missing "${lwm2md_build_packages[@]}" "${lwm2md_test_packages[@]}"

build=${BUILD_DIR:-build-test}
fuzz_build=${FUZZ_BUILD_DIR:-build-fuzz}
fuzz_seconds=${FUZZ_SECONDS:-10}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" -Db_sanitize=address,undefined -Dc_args=-fno-sanitize-recover=all \
                -Dtests=true -Dbenchmarks=true
fi
ninja -C "$build"

status=0
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" || status=1

# Warnings are errors in every build: the release build (what the demo and the
# packages compile) sees some that the sanitizer build does not.
release_build=${RELEASE_BUILD_DIR:-build-release}
if [ ! -f "$release_build/build.ninja" ]; then
        meson setup "$release_build" --buildtype=release -Dtests=true -Dbenchmarks=true
fi
ninja -C "$release_build" || status=1

fuzz_failed=0
fuzz_ran=0
if [ "$fuzz_seconds" != 0 ]; then
        if [ ! -f "$fuzz_build/build.ninja" ]; then
                CC=clang meson setup "$fuzz_build" -Dfuzzing=true -Db_lundef=false \
                        -Db_sanitize=address,undefined -Dc_args=-fno-sanitize-recover=all \
                        -Dbenchmarks=false
        fi
        ninja -C "$fuzz_build"
        for target in "$fuzz_build"/tests/fuzz/fuzz_*; do
                [ -f "$target" ] && [ -x "$target" ] || continue
                fuzz_ran=$((fuzz_ran + 1))
                tests/fuzz/run-fuzz.sh "$target" "$fuzz_seconds" || fuzz_failed=$((fuzz_failed + 1))
        done
        [ "$fuzz_failed" -eq 0 ] || status=1
fi

# One closing line that any reader understands, from Meson's own record.
/usr/bin/python3 - "$build/meson-logs/testlog.json" "$fuzz_ran" "$fuzz_failed" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0,
          "UNEXPECTEDPASS": 0}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
fuzz_ran, fuzz_failed = int(sys.argv[2]), int(sys.argv[3])
passed = counts["OK"] + counts["EXPECTEDFAIL"] + (fuzz_ran - fuzz_failed)
failed = (counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
          + fuzz_failed)
print(f"tests: {passed} passed, {failed} failed, {counts['SKIP']} skipped")
PY
exit $status
