#!/bin/sh
# test-dbus-activation.sh - D-Bus activation of lwm2md: the activation file names the bus
# name the unit takes (BusName=) and the unit itself (SystemdService=, which the unit's
# Alias=dbus-org.lwm2md1.service matches), runs as the unit's user, and a system-type
# dbus-daemon that reads it (as its servicedir) lists org.lwm2md1 as activatable.
#
# Usage: test-dbus-activation.sh ACTIVATION_FILE LWM2MD_SERVICE
set -eu
activation=$1
unit=$2
status=0
check() { # WHAT GOT WANT
        if [ "$2" = "$3" ]; then
                echo "ok: $1 = $2"
        else
                echo "FAIL: $1 is '$2', want '$3'"
                status=1
        fi
}
key() { sed -n "s/^$1=//p" "$2"; }
check "section" "$(sed -n '/^\[/p' "$activation")" "[D-BUS Service]"
check "Name= of the activation file" "$(key Name "$activation")" "$(key BusName "$unit")"
check "BusName= of the unit" "$(key BusName "$unit")" "org.lwm2md1"
check "SystemdService=" "$(key SystemdService "$activation")" "lwm2md.service"
check "User= of the activation file" "$(key User "$activation")" "$(key User "$unit")"
check "Alias= of the unit" "$(key Alias "$unit")" "dbus-org.lwm2md1.service"
# Never run outside the unit: the bus hands the start to systemd.
check "Exec=" "$(key Exec "$activation")" "/bin/false"

if command -v dbus-daemon >/dev/null 2>&1 && command -v dbus-send >/dev/null 2>&1; then
        work=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-activation.XXXXXX")
        pid=
        trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
        mkdir "$work/services"
        cp "$activation" "$work/services/org.lwm2md1.service"
        cat >"$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$work/services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow send_type="method_return"/>
    <allow receive_type="method_return"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$work/bus.conf" --address="unix:path=$work/bus" --nofork \
                --print-address=1 >"$work/address" 2>"$work/bus.log" &
        pid=$!
        for _ in $(seq 50); do
                [ -s "$work/address" ] && break
                sleep 0.1
        done
        names=$(dbus-send --bus="unix:path=$work/bus" --print-reply --dest=org.freedesktop.DBus \
                /org/freedesktop/DBus org.freedesktop.DBus.ListActivatableNames 2>&1) || true
        if echo "$names" | grep -q '"org.lwm2md1"'; then
                echo "ok: a system bus lists org.lwm2md1 as activatable"
        else
                echo "$names"
                cat "$work/bus.log"
                echo "FAIL: org.lwm2md1 is not activatable on a bus that reads the file"
                status=1
        fi
fi
exit $status
