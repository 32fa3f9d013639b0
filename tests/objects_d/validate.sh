#!/bin/sh
# validate.sh - checks the shipped object definitions (objects.d/*.xml) against the
# OMA LWM2M-v1_1.xsd schema, and that each file is named after its ObjectID and
# declares no resource ID twice (the schema cannot express either).
#
# Usage: validate.sh [OBJECTS_DIR [XSD_DIR]]
# Defaults: <source root>/objects.d and <source root>/../shared/oma-registry.
# Exits 77 (Meson's "skipped") when the schema or xmllint is not available.

set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
objects_dir=${1:-"$root/objects.d"}
xsd_dir=${2:-"$root/../shared/oma-registry"}
xsd="$xsd_dir/LWM2M-v1_1.xsd"

if [ ! -d "$xsd_dir" ] || [ ! -f "$xsd" ]; then
        echo "SKIP: schema $xsd not found (the OMA registry copy is absent)"
        exit 77
fi
if ! command -v xmllint >/dev/null 2>&1; then
        echo "SKIP: xmllint not found (install libxml2-utils)"
        exit 77
fi

passed=0
failed=0
fail() {
        echo "FAIL: $1"
        failed=$((failed + 1))
}

for f in "$objects_dir"/*.xml; do
        if [ ! -f "$f" ]; then
                fail "no definitions found in $objects_dir"
                break
        fi
        name=$(basename "$f" .xml)
        if ! out=$(xmllint --noout --schema "$xsd" "$f" 2>&1); then
                fail "$f does not validate against $xsd"
                printf '%s\n' "$out"
                continue
        fi
        id=$(xmllint --xpath 'string(/LWM2M/Object/ObjectID)' "$f" 2>/dev/null)
        if [ "$id" != "$name" ]; then
                fail "$f declares ObjectID '$id', expected '$name'"
                continue
        fi
        dups=$(xmllint --xpath \
                'count(/LWM2M/Object/Resources/Item[@ID = preceding-sibling::Item/@ID])' \
                "$f" 2>/dev/null)
        if [ "$dups" != "0" ]; then
                fail "$f declares $dups resource ID(s) more than once"
                continue
        fi
        echo "ok: $f"
        passed=$((passed + 1))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
