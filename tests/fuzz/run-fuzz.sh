#!/bin/bash
# run-fuzz.sh - runs one libFuzzer target for a while on a scratch copy of its
# seed corpus, so that findings never land in the repository. Long runs by hand:
#   tests/fuzz/run-fuzz.sh build-fuzz/tests/fuzz/fuzz_tlv 600
set -euo pipefail

target=$1
seconds=${2:-60}
name=$(basename "$target")
name=${name#fuzz_}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$here/corpus/$name" ]; then
        cp -r "$here/corpus/$name/." "$work/corpus/"
fi
# The DDF loader also starts from the definitions we ship.
if [ "$name" = ddf ]; then
        cp "$here/../../objects.d/"*.xml "$work/corpus/" 2>/dev/null || true
fi

echo "fuzz $name: ${seconds}s"
if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" \
        >"$work/log" 2>&1; then
        tail -n 60 "$work/log"
        for a in "$work"/artifacts/*; do
                [ -f "$a" ] || continue
                keep="${TMPDIR:-/tmp}/lwm2md-fuzz-finding-$name-$(basename "$a")"
                cp "$a" "$keep"
                echo "fuzz $name: FAILED, reproducer kept at $keep"
        done
        exit 1
fi
grep -E '^stat::number_of_executed_units|^Done' "$work/log" | tr '\n' ' '
echo
echo "fuzz $name: ok"
