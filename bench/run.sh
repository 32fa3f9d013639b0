#!/bin/bash
# run.sh - the benchmark command: a release build (no sanitizers) in build-bench, then every
# benchmark in bench/ (DDF loader, content formats, the daemon end to end, its D-Bus side,
# Observe/Notify), each
# printing its table.
#
# Usage: bench/run.sh [bench_engine options, e.g. -n 5000 for a quicker run]
# Environment: BUILD_DIR (default build-bench); BENCH_BUS_ARGS, BENCH_NOTIFY_ARGS, options for
# bench_bus and bench_notify (e.g. "--quick").
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
build=${BUILD_DIR:-build-bench}
registry="$src/../shared/oma-registry"

if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" --buildtype=release -Dtests=true -Dbenchmarks=true
else
        # An existing directory may have been configured otherwise: figures come from release only.
        meson configure "$build" -Dbuildtype=release -Db_sanitize=none -Dtests=true \
                -Dbenchmarks=true >/dev/null
fi
# Only what the benchmarks run: a broken test elsewhere must not hold them up.
if ! out=$(ninja -C "$build" src/lwm2md bench/bench_ddf bench/bench_formats bench/bench_engine \
        bench/bench_bus bench/bench_notify 2>&1); then
        echo "$out" >&2
        exit 1
fi

echo "== bench_ddf: loading object definitions (DDF XML) =="
"$build/bench/bench_ddf" "$src/objects.d"
if [ -d "$registry" ]; then
        "$build/bench/bench_ddf" "$registry"
else
        echo "($registry is absent: the registry load is skipped)"
fi
echo
echo "== bench_formats: content format codecs =="
"$build/bench/bench_formats"
echo
echo "== bench_engine: the daemon on loopback, its Reads timed by a lean probe server =="
"$build/bench/bench_engine" "$@"
echo
echo "== bench_bus: the daemon's D-Bus side on a private dbus-daemon, with a provider =="
# Word splitting wanted: BENCH_BUS_ARGS holds options.
# shellcheck disable=SC2086
"$build/bench/bench_bus" ${BENCH_BUS_ARGS:-}
echo
echo "== bench_notify: Observe/Notify, 1000 observations fed by a provider over D-Bus =="
# shellcheck disable=SC2086
"$build/bench/bench_notify" ${BENCH_NOTIFY_ARGS:-}
