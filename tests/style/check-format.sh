#!/bin/sh
# check-format.sh - fails when a C file of the repository differs from what .clang-format
# makes of it, naming the files; skipped (77) without clang-format.
set -eu
root=$1
if ! command -v clang-format >/dev/null 2>&1; then
        echo "skipped: no clang-format (Debian: clang-format)"
        exit 77
fi
cd "$root"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src bench tests examples -name '*.[ch]')
bad=0
for f in $files; do
        if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
                echo "$f: not formatted as .clang-format says (clang-format -i $f)"
                bad=1
        fi
done
exit $bad
