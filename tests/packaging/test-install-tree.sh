#!/bin/bash
# test-install-tree.sh - installs the build into a scratch DESTDIR and compares the files
# with install-tree.txt, whose entries follow the Meson options the build was configured with.
#
# Usage: test-install-tree.sh BUILD_DIR EXPECTED_LIST TAGS NAME=DIR...
#   TAGS: the optional parts built, comma-separated (man,dbus,http,rauc; "-" for none).
#   NAME=DIR: the absolute install directories the placeholders @NAME@ of the list stand for.
# A line of the list is "PATH" or "TAG[,TAG...]: PATH"; the latter only when every TAG is built.
# A PATH ending in "{DIR}" stands for every file of the source directory DIR (NAME=DIR srcdir),
# so that a file added there needs no second entry here.
set -euo pipefail

build_dir=$1 expected_list=$2 tags=$3
shift 3

declare -A built=()
IFS=, read -ra tag_list <<<"$tags"
for t in "${tag_list[@]}"; do [ "$t" = - ] || built[$t]=1; done

destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT

# --no-rebuild: meson test has built everything already, and other tests run meanwhile.
if ! meson install -C "$build_dir" --destdir "$destdir" --no-rebuild --quiet >"$destdir.log" 2>&1; then
        cat "$destdir.log"
        rm -f "$destdir.log"
        echo "FAIL: meson install --destdir failed"
        exit 1
fi
rm -f "$destdir.log"

expected=$(mktemp)
actual=$(mktemp)
trap 'rm -rf "$destdir" "$expected" "$actual"' EXIT

# Meson joins absolute option values as they are: the "//" it may leave would never match.
while IFS= read -r line; do
        case $line in '' | '#'*) continue ;; esac
        path=$line
        if [[ $line == *': '* ]]; then
                need=${line%%: *}
                path=${line#*: }
                IFS=, read -ra need_list <<<"$need"
                skip=
                for t in "${need_list[@]}"; do [ -n "${built[$t]:-}" ] || skip=1; done
                [ -z "$skip" ] || continue
        fi
        for kv in "$@"; do
                path=${path//@${kv%%=*}@/${kv#*=}}
        done
        if [[ $path == *@* ]]; then
                echo "FAIL: $expected_list: unknown placeholder in '$line'" >&2
                exit 1
        fi
        if [[ $path =~ ^(.*)\{([^}]+)\}$ ]]; then
                prefix_part=${BASH_REMATCH[1]} dir=${BASH_REMATCH[2]}
                [[ $dir == /* ]] || { echo "FAIL: '$line': {DIR} needs @srcdir@" >&2; exit 1; }
                (cd "$dir" && find . -type f) | sed "s:^\./:$prefix_part:"
        else
                printf '%s\n' "$path"
        fi
done <"$expected_list" | sed 's://*:/:g' | LC_ALL=C sort -u >"$expected"

(cd "$destdir" && find . -type f -o -type l) | sed 's:^\.::' | LC_ALL=C sort >"$actual"

if ! diff -u --label expected --label installed "$expected" "$actual"; then
        echo "FAIL: the installed tree differs from $expected_list ('-' missing, '+' unexpected)"
        exit 1
fi
echo "ok: $(wc -l <"$actual") files installed as expected"
