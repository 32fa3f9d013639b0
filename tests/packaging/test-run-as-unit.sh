#!/bin/bash
# test-run-as-unit.sh - the installed daemon run as lwm2md.service runs it: as the
# user lwm2md made by the shipped sysusers file, with no capabilities and no way to
# gain any, its state and configuration directories its own (0700), on a bus with
# the shipped D-Bus policy. It must register with the test server, take org.lwm2md1,
# send the server's Reboot (/3/0/4) to logind and its Factory Reset (/3/0/5) to systemd
# (StartUnit of lwm2md-factory-reset.service): stand-ins on a private bus
# ([device] logind-bus, systemd-bus).
#
# Usage: test-run-as-unit.sh SOURCE_ROOT BUILD_DIR TEST_SERVER
# Needs root (to install the user and drop to it): skipped (77) otherwise.
#
# It creates the system user and group "lwm2md" on this machine with
# systemd-sysusers and the package's own sysusers file, and leaves them: what
# installing the package does. systemd-sysusers is idempotent, so a second run
# changes nothing. Meant for CI machines and developers' containers.
set -euo pipefail

src=$1
build=$2
server=$3

skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to create the lwm2md user and to drop to it"
for tool in setpriv systemd-sysusers dbus-daemon meson; do
        command -v "$tool" >/dev/null 2>&1 || skip "no $tool"
done
/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null || skip "no python3-dbus / python3-gi"

work=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-unit.XXXXXX")
# The daemon, as lwm2md, must reach its files and the bus sockets in here.
chmod 0755 "$work"
pids=()
daemon_pid=
cleanup() {
        # The daemon first: under strace it is not this shell's child.
        for pid in $daemon_pid "${pids[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        sleep 0.5
        for pid in $daemon_pid "${pids[@]}"; do
                kill -KILL "$pid" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        exec 3>&- 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*"
        for f in lwm2md.log server.out logind.record; do
                [ -f "$work/$f" ] && { echo "--- $f"; cat "$work/$f"; }
        done
        exit 1
}
wait_for() { # FILE PATTERN TENTHS
        for _ in $(seq "$3"); do
                grep -q -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}

# The installed tree, as a package would lay it out.
root=$work/root
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >"$work/install.log" 2>&1 ||
        { cat "$work/install.log"; fail "meson install"; }
prefix=$(meson introspect "$build" --buildoptions |
        /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
daemon=$root$prefix/sbin/lwm2md
sysusers=$root$prefix/lib/sysusers.d/lwm2md.conf
policy=$root$prefix/share/dbus-1/system.d/org.lwm2md1.conf
objects=$root$prefix/share/lwm2md/objects.d
for f in "$daemon" "$sysusers" "$policy" "$objects"; do
        [ -e "$f" ] || fail "not installed: ${f#"$root"}"
done
chmod -R a+rX "$root"

systemd-sysusers "$sysusers" || fail "systemd-sysusers $sysusers"
id lwm2md >/dev/null || fail "systemd-sysusers made no user lwm2md"
uid=$(id -u lwm2md)
[ "$uid" != 0 ] || fail "lwm2md is uid 0"

# StateDirectory= and ConfigurationDirectory= as systemd would make them for User=lwm2md
# (the unit says StateDirectoryMode=0700; UMask=0077 keeps what the daemon writes private).
state=$root/var/lib/lwm2md
conf=$root/etc/lwm2md
mkdir -p "$state" "$conf"
chown lwm2md:lwm2md "$state" "$conf"
chmod 0700 "$state" "$conf"

# The daemon's bus: a system bus's defaults with the installed policy, which must let
# user lwm2md own org.lwm2md1. The stand-in logind gets a bus of its own, so that only
# [device] logind-bus can lead the daemon there.
sed "s|<include>../../dbus/org.lwm2md1.conf</include>|<include>$policy</include>|" \
        "$src/tests/integration/dbus-policy-test.conf" >"$work/bus.conf"
grep -q "<include>$policy</include>" "$work/bus.conf" || fail "cannot point the bus at the policy"
start_bus() { # CONFIG NAME
        dbus-daemon --config-file="$1" --address="unix:path=$work/$2" --nofork \
                --print-address=1 >"$work/$2.address" 2>"$work/$2.log" &
        pids+=($!)
        wait_for "$work/$2.address" unix 50 || fail "dbus-daemon ($2) did not start"
        chmod 0666 "$work/$2"
}
start_bus "$work/bus.conf" bus
start_bus "$src/tests/integration/dbus-test.conf" logind-bus
bus=$(head -n1 "$work/bus.address")
logind_bus=$(head -n1 "$work/logind-bus.address")

/usr/bin/python3 "$src/tests/packaging/fake_logind.py" "$logind_bus" "$work/logind.record" \
        2>"$work/logind.log" &
pids+=($!)
wait_for "$work/logind.record" ready 50 || fail "the stand-in logind did not start"

mkfifo "$work/commands"
"$server" --objects-dir "$src/objects.d" <"$work/commands" >"$work/server.out" 2>&1 &
pids+=($!)
exec 3>"$work/commands"
wait_for "$work/server.out" '^listening on' 50 || fail "the test server did not start"
uri=$(sed -n 's/^listening on //p' "$work/server.out")

cat >"$conf/lwm2md.conf" <<CONF
[lwm2md]
endpoint = run-as-unit
objects-dir = $objects
state-dir = $state

[device]
manufacturer = lwm2md tests
model = unit-1
serial-number = SN-UNIT
logind-bus = $logind_bus
systemd-bus = $logind_bus
factory-reset-unit = lwm2md-factory-reset.service

[connectivity]
modem-bus = none

[server test]
uri = $uri
lifetime = 300
CONF
chown lwm2md:lwm2md "$conf/lwm2md.conf"

# What lwm2md.service sets up: User=, Group=, no supplementary groups,
# CapabilityBoundingSet= (empty), AmbientCapabilities= (none), NoNewPrivileges=yes.
# Under strace where there is one, to check the system calls against the unit's filter
# (setpriv cannot install it); strace, as root, traces what it started.
tracer=()
if command -v strace >/dev/null 2>&1 && command -v systemd-analyze >/dev/null 2>&1; then
        tracer=(strace -f -qq -o "$work/strace.txt")
        # LeakSanitizer cannot work under ptrace (a sanitized build); the other
        # integration tests check the daemon for leaks.
        export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
"${tracer[@]}" setpriv --reuid=lwm2md --regid=lwm2md --clear-groups --inh-caps=-all \
        --bounding-set=-all --no-new-privs \
        "$daemon" --config "$conf/lwm2md.conf" --bus "$bus" -v 2>"$work/lwm2md.log" &
pids+=($!)
daemon_pid=$!
if [ ${#tracer[@]} -gt 0 ]; then
        # strace's child becomes setpriv, then the daemon.
        for _ in $(seq 50); do
                daemon_pid=$(pgrep -P "$!" || true)
                [ -n "$daemon_pid" ] && break
                sleep 0.1
        done
        [ -n "$daemon_pid" ] || fail "strace started nothing"
fi

echo "wait-register 10000" >&3
wait_for "$work/server.out" '^registered: endpoint run-as-unit' 120 || fail "no registration"
echo "registered as uid $uid"
wait_for "$work/lwm2md.log" 'on D-Bus as org.lwm2md1' 50 ||
        fail "the daemon did not take org.lwm2md1 under the shipped policy"

# The process is the daemon itself (setpriv execs), as lwm2md, without capabilities.
status=/proc/$daemon_pid/status
grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid$" "$status" ||
        fail "not running as uid $uid: $(grep '^Uid:' "$status")"
grep -q "^Groups:[[:space:]]*$" "$status" || fail "has groups: $(grep '^Groups:' "$status")"
for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
        grep -q "^$cap:[[:space:]]*0000000000000000$" "$status" ||
                fail "capabilities left: $(grep "^$cap:" "$status")"
done
grep -q "^NoNewPrivs:[[:space:]]*1$" "$status" || fail "NoNewPrivs is not set"
[ "$(stat -c %U "$state")" = lwm2md ] || fail "state directory not lwm2md's"

# The server's Reboot: the daemon answers, then asks logind (interactive=false).
echo "exec /3/0/4" >&3
wait_for "$work/server.out" '<- 2.04' 50 || fail "Reboot not answered 2.04"
wait_for "$work/logind.record" '^Reboot ' 50 || fail "Reboot did not reach the stand-in logind"
grep -q "^Reboot interactive=False uid=$uid$" "$work/logind.record" ||
        fail "unexpected Reboot call: $(grep '^Reboot' "$work/logind.record")"
echo "logind got: $(grep '^Reboot' "$work/logind.record")"

# Factory Reset: systemd (a stand-in on the same private bus, [device] systemd-bus) is
# asked to start the factory reset unit, by the user lwm2md.
echo "exec /3/0/5" >&3
wait_for "$work/logind.record" '^StartUnit ' 50 || fail "Factory Reset did not reach systemd"
grep -q "^StartUnit lwm2md-factory-reset.service replace uid=$uid$" "$work/logind.record" ||
        fail "unexpected StartUnit call: $(grep '^StartUnit' "$work/logind.record")"
echo "systemd got: $(grep '^StartUnit' "$work/logind.record")"

# Whatever the daemon wrote is in its state directory, private to it.
if find "$state" -mindepth 1 ! -user lwm2md | grep -q .; then
        fail "files in the state directory not owned by lwm2md"
fi
if find "$state" -mindepth 1 -perm /077 | grep -q .; then
        fail "files in the state directory readable by others: $(find "$state" -mindepth 1 -perm /077)"
fi

kill -TERM "$daemon_pid"
# strace exits with the status of what it traced.
wait "${pids[-1]}" || fail "the daemon exited with status $?"

if [ ${#tracer[@]} -gt 0 ]; then
        # Every system call the daemon made is one the unit lets it make: the groups of its
        # SystemCallFilter= lines, less those of the ~ lines (systemd-analyze expands them).
        expand() {
                systemd-analyze syscall-filter "$1" | sed 's/^ *//' | grep -v '^#' | grep . |
                        tail -n +2 | while read -r x; do
                        case $x in
                        @*) expand "$x" ;;
                        *) echo "$x" ;;
                        esac
                done
        }
        unit_file=$(find "$root" -name lwm2md.service -path '*systemd/system*' | head -n1)
        [ -n "$unit_file" ] || fail "lwm2md.service not installed"
        : >"$work/allowed"
        : >"$work/denied"
        while read -r line; do
                case $line in
                "~"*) for g in ${line#"~"}; do expand "$g"; done >>"$work/denied" ;;
                *) for g in $line; do expand "$g"; done >>"$work/allowed" ;;
                esac
        done <<<"$(sed -n 's/^SystemCallFilter=//p' "$unit_file")"
        sort -u -o "$work/allowed" "$work/allowed"
        sort -u -o "$work/denied" "$work/denied"
        [ -s "$work/allowed" ] || fail "no SystemCallFilter= in $unit_file"
        awk -v exe="$daemon" 'index($0, "execve(\"" exe "\"") { on = 1 } on' "$work/strace.txt" |
                sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' | sort -u >"$work/used"
        [ -s "$work/used" ] || fail "strace recorded nothing of the daemon"
        outside=$(comm -23 "$work/used" "$work/allowed" | tr '\n' ' ')
        refused=$(comm -12 "$work/used" "$work/denied" | tr '\n' ' ')
        [ -z "$outside" ] || fail "system calls outside the unit's filter: $outside"
        [ -z "$refused" ] || fail "system calls the unit refuses: $refused"
        echo "$(wc -l <"$work/used") system calls used, all within the unit's SystemCallFilter="
fi
echo "PASS"
