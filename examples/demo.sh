#!/bin/bash
# demo.sh - README's first command: installs what is missing (Debian 12), builds, runs
# the test LwM2M server and lwm2md on 127.0.0.1, shows registration and device management,
# then a sensor service (examples/temperature-sensor.sh) joining over a private D-Bus.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
# shellcheck source=tests/deps.sh
. tests/deps.sh
# The test server lives with the tests, so the demo needs cmocka to configure them.
# dbus: the private bus; systemd: busctl, which the sensor example is written with.
lwm2md_install_missing "${lwm2md_build_packages[@]}" libcmocka-dev dbus systemd

build=${BUILD_DIR:-build-demo}
echo "Building in $build ..."
if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" -Dtests=true -Dbenchmarks=false >"$build.setup.log" 2>&1 ||
                { cat "$build.setup.log"; exit 1; }
        rm -f "$build.setup.log"
fi
out=$(ninja -C "$build" src/lwm2md src/lwm2mctl tests/server/lwm2m-test-server 2>&1) || { echo "$out"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-demo.XXXXXX")
server_pid= daemon_pid= bus_pid= sensor_pid=
cleanup() {
        [ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null || true
        [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
        [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
        exec 3>&- 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT

# A private bus, so that the demo needs neither root nor the system bus: anyone on it may
# own names and call anything (the shipped policy, dbus/org.lwm2md1.conf, is for the system
# bus).
cat >"$work/bus.conf" <<'BUSCONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <!-- dbus-daemon wants one; the address option below replaces it. -->
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
BUSCONF
dbus-daemon --config-file="$work/bus.conf" --address="unix:path=$work/bus" --nofork \
        --print-address=1 >"$work/bus.address" 2>"$work/bus.log" &
bus_pid=$!
for _ in $(seq 50); do
        [ -s "$work/bus.address" ] && break
        sleep 0.1
done
bus=$(head -n1 "$work/bus.address")
[ -n "$bus" ] || { echo "dbus-daemon did not start"; cat "$work/bus.log"; exit 1; }

# The server reads its commands from a FIFO so the script can talk to it as it goes.
mkfifo "$work/commands"
"$build/tests/server/lwm2m-test-server" --objects-dir objects.d <"$work/commands" >"$work/server.out" 2>&1 &
server_pid=$!
exec 3>"$work/commands"
for _ in $(seq 50); do
        grep -q '^listening on' "$work/server.out" 2>/dev/null && break
        sleep 0.1
done
uri=$(sed -n 's/^listening on //p' "$work/server.out")
[ -n "$uri" ] || { echo "the test server did not start"; cat "$work/server.out"; exit 1; }

cat >"$work/lwm2md.conf" <<CONF
[lwm2md]
endpoint = demo-gateway
objects-dir = $src/objects.d
state-dir = $work/state

[device]
manufacturer = Example Gateways Ltd
model = EG-100
serial-number = EG100-000042
firmware-version = 1.0.0
reboot-command = echo "(demo) the gateway would reboot now" >&2

[server demo]
uri = $uri
lifetime = 300
CONF

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Sends one command to the server and shows its answer as it arrives.
shown=0
run() {
        echo "$*" >&3
        local want=$1
        for _ in $(seq 100); do
                sleep 0.1
                # Each command's output ends before the next prompt-free line; wait
                # until the server has printed something new and gone quiet.
                local now
                now=$(wc -l <"$work/server.out")
                if [ "$now" -gt "$shown" ]; then
                        sleep 0.2
                        now=$(wc -l <"$work/server.out")
                        sed -n "$((shown + 1)),${now}p" "$work/server.out"
                        shown=$now
                        return 0
                fi
        done
        echo "(no answer to $want)"
}
shown=$(wc -l <"$work/server.out")

say "Starting lwm2md against the test server at $uri"
"$build/src/lwm2md" --config "$work/lwm2md.conf" --bus "$bus" 2>"$work/lwm2md.log" &
daemon_pid=$!
run wait-register 10000

say "Reading the Device object /3/0 (SenML JSON, then TLV)"
run read /3/0 senml-json
run read /3/0 tlv
say "Reading one resource as text: /3/0/0 Manufacturer"
run read /3/0/0 text
say "Discovering /3/0 (CoRE link format)"
run discover /3/0
say "Writing the registration lifetime /1/0/1 = 120 s: an Update follows"
run write /1/0/1 text 120
run wait-update 5000
run read /1/0/1 text
say "Refused operations get the right CoAP codes"
run write /3/0/0 text tampered
run read /0/0
run read /3/0/99
say "Executing Registration Update Trigger /1/0/8, then Reboot /3/0/4"
run exec /1/0/8
run wait-update 5000
run exec /3/0/4
sleep 1.5 # the daemon answers first, then runs the reboot command

ctl() {
        echo "\$ lwm2mctl $*"
        "$build/src/lwm2mctl" --bus "$bus" "$@" | sed 's/^/  /'
}
say "A sensor service joins over D-Bus: examples/temperature-sensor.sh (busctl only)"
examples/temperature-sensor.sh --bus "$bus" --interval 1 --simulate >"$work/sensor.out" \
        2>"$work/sensor.log" &
sensor_pid=$!
for _ in $(seq 100); do
        [ -s "$work/sensor.out" ] && break
        sleep 0.1
done
[ -s "$work/sensor.out" ] || { echo "the sensor did not start"; cat "$work/sensor.log"; exit 1; }
echo "the sensor created $(cat "$work/sensor.out"); lwm2md tells the server:"
run wait-update 5000
run read /3303/0 senml-json
say "The operator's view of the same, with lwm2mctl"
ctl list
ctl read /3303/0/5700
say "The server renames the sensor and resets its min/max; the sensor hears both"
run write /3303/0/5750 text "Boiler room"
run exec /3303/0/5605
sleep 1.5
sed 's/^/  /' "$work/sensor.log"
say "The sensor stops: its instance goes, and an Update tells the server"
kill -TERM "$sensor_pid"
wait "$sensor_pid" || true
sensor_pid=
run wait-update 5000
ctl read /3303/0 || true

say "Stopping lwm2md (SIGTERM): it de-registers"
kill -TERM "$daemon_pid"
run wait-deregister 10000
wait "$daemon_pid" || true
daemon_pid=

say "lwm2md's log"
sed 's/^<[0-9]>//' "$work/lwm2md.log"
