#!/bin/sh
# test-unit-analyze.sh - systemd-analyze on lwm2md's units as the build configured them:
# `security` must rate lwm2md.service at an exposure of at most 2.0 and `verify` must
# find nothing wrong with it or with lwm2md-factory-reset.service.
#
# Usage: test-unit-analyze.sh LWM2MD_SERVICE FACTORY_RESET_SERVICE LWM2MD_BINARY
#   (the configured lwm2md.service of the build directory, the factory reset unit, the daemon)
# Exit 77 (skipped) where systemd-analyze is missing or lacks --offline (systemd < 250).
set -eu

unit=$1
reset_unit=$2
binary=$3
max_exposure=2.0

command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze: skipped"; exit 77; }
if ! systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
        echo "systemd-analyze has no --offline (systemd < 250): skipped"
        exit 77
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-analyze.XXXXXX")
trap 'rm -rf "$root"' EXIT

# A root directory like a device's: the units, the binary where ExecStart= says, the
# commands the units name, and systemd's own units for the targets they order against.
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/bin" "$root/etc/lwm2md"
cp "$unit" "$root/etc/systemd/system/lwm2md.service"
cp "$reset_unit" "$root/etc/systemd/system/lwm2md-factory-reset.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
case $exec_start in
/*) ;;
*) echo "ExecStart= of lwm2md.service is not an absolute path: '$exec_start'"; exit 1 ;;
esac
mkdir -p "$root$(dirname "$exec_start")"
cp "$binary" "$root$exec_start"
for dir in /usr/lib/systemd/system /lib/systemd/system; do
        if [ -d "$dir" ]; then
                cp -a "$dir" "$root/usr/lib/systemd/"
                break
        fi
done
cp "$(command -v kill)" "$root/bin/kill" 2>/dev/null || cp /bin/kill "$root/bin/kill"
# The integrator's factory reset program (lwm2md-factory-reset.service).
printf '#!/bin/sh\nexit 0\n' >"$root/etc/lwm2md/factory-reset"
chmod 0755 "$root/etc/lwm2md/factory-reset"

status=0

out=$(systemd-analyze security --offline=yes --threshold=100 \
        "$root/etc/systemd/system/lwm2md.service" 2>&1) || {
        echo "$out"
        echo "FAIL: systemd-analyze security failed"
        exit 1
}
echo "$out" | grep '^✗' || true
score=$(echo "$out" | sed -n 's/.*Overall exposure level for lwm2md.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
        echo "$out"
        echo "FAIL: no overall exposure level in systemd-analyze's output"
        exit 1
fi
echo "exposure of lwm2md.service: $score (at most $max_exposure)"
if ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
        echo "FAIL: exposure $score is above $max_exposure"
        status=1
fi

# verify prints nothing for a clean unit; anything it prints is a finding.
out=$(systemd-analyze verify --man=no --generators=no --root="$root" \
        lwm2md.service lwm2md-factory-reset.service 2>&1) || status=1
if [ -n "$out" ]; then
        echo "$out"
        echo "FAIL: systemd-analyze verify has findings"
        status=1
else
        echo "systemd-analyze verify: clean"
fi
exit $status
