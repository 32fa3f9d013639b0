#!/bin/bash
# test-all-off.sh - builds the daemon with every optional part left out (build-options.sh
# all-off) and checks what that build installs against install-tree.txt with no option tag.
#
# Usage: test-all-off.sh SOURCE_DIR WORK_DIR
set -euo pipefail

here=$(dirname "$0")
source_dir=$1 work_dir=$2
bash "$here/build-options.sh" --target src/lwm2md "$source_dir" "$work_dir" all-off
build_dir=$work_dir/all-off

# The placeholders of install-tree.txt as that build dir has them (its own defaults, not the
# ones of the build that runs this test); the unit directory as Meson found it.
mapfile -t dirs < <(meson introspect "$build_dir" --buildoptions --installed |
        /usr/bin/python3 -c '
import json, os, sys
data = json.load(sys.stdin)
installed = data["installed"]
values = {o["name"]: o["value"] for o in data["buildoptions"]}
prefix = values["prefix"]
for name in ("bindir", "sbindir", "libdir", "datadir", "mandir", "sysconfdir"):
    print(f"{name}=" + os.path.join(prefix, values[name]))
print(f"prefix={prefix}")
units = [d for d in installed.values() if d.endswith("/lwm2md.service")]
print("unitdir=" + os.path.dirname(units[0]))
')
[ ${#dirs[@]} -eq 8 ] || {
        echo "FAIL: cannot read the install directories of $build_dir"
        exit 1
}
bash "$here/test-install-tree.sh" "$build_dir" "$here/install-tree.txt" - "${dirs[@]}" \
        "srcdir=$source_dir"
