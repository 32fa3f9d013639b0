#!/bin/bash
# soak.sh - the bounded soak of the fault suite, by hand: 200 000 server Reads and 20 000
# D-Bus pushes with a 30 s server outage in the middle, against the sanitizer build;
# prints descriptors and private memory before and after.
#
# Usage: tests/faults/soak.sh [BUILD_DIR]   (default build-test)
# Environment: LWM2MD_SOAK_READS, LWM2MD_SOAK_PUSHES, LWM2MD_SOAK_OUTAGE (seconds),
# SOAK_TIMEOUT (seconds, default 3600: the soak is bounded).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-build-test}
case $build in /*) ;; *) build=$src/$build ;; esac
ninja -C "$build" tests/faults/fault_soak src/lwm2md >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export CMOCKA_MESSAGE_OUTPUT=stdout

dir=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-soak.XXXXXX")
bus_pid=
cleanup() {
        if [ -n "$bus_pid" ]; then
                kill "$bus_pid" 2>/dev/null || true
        fi
        rm -rf "$dir"
}
trap cleanup EXIT

# A private bus, stopped by its PID on the way out.
dbus-daemon --config-file="$src/tests/integration/dbus-test.conf" \
        --address="unix:path=$dir/bus" --fork --print-pid=3 3>"$dir/pid" >/dev/null
bus_pid=$(cat "$dir/pid")
export LWM2MD_SOAK_BUS="unix:path=$dir/bus"

timeout "${SOAK_TIMEOUT:-3600}" "$build/tests/faults/fault_soak"
