#!/bin/bash
# test-man-lint.sh - every man page renders with groff without a single warning (-ww: all
# of them, e.g. undefined macros, unknown escapes, lines that cannot be broken).
#
# Usage: test-man-lint.sh PAGE|DIR...   (a DIR stands for its pages, *.[1-8], so that a new
# page is checked too)
set -uo pipefail
shopt -s nullglob

command -v groff >/dev/null || {
        echo "SKIP: groff is missing (Debian: groff-base)"
        exit 77
}
[ $# -gt 0 ] || {
        echo "FAIL: no man page given"
        exit 1
}
pages=()
for arg in "$@"; do
        if [ -d "$arg" ]; then pages+=("$arg"/*.[1-8]); else pages+=("$arg"); fi
done
[ ${#pages[@]} -gt 0 ] || {
        echo "FAIL: no man page in $*"
        exit 1
}
failed=0
for page in "${pages[@]}"; do
        # groff exits 0 on warnings: what it says is the verdict. -Tutf8 also lays out the
        # lines as man(1) would, where overfull lines and bad breaks show.
        out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
        rc=$?
        if [ $rc -ne 0 ] || [ -n "$out" ]; then
                printf '%s\n' "$out"
                echo "FAIL: $page: groff -man -ww: exit $rc, $(printf '%s\n' "$out" | grep -c .) line(s) of warnings"
                failed=1
        else
                echo "ok: $page"
        fi
done
exit $failed
