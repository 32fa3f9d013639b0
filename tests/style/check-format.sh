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
# Many files per clang-format run, a run per CPU: one process per file took longer than
# the test's timeout on a loaded two-core machine.
bad=$(printf '%s\n' $files | xargs -P "$(nproc)" -n 50 clang-format --dry-run -Werror 2>&1 |
        sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u)
[ -z "$bad" ] && exit 0
for f in $bad; do
        echo "$f: not formatted as .clang-format says (clang-format -i $f)"
done
exit 1
