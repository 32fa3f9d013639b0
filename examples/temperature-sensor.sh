#!/bin/bash
# temperature-sensor.sh - temperature-sensor.py done with busctl only: a Temperature (3303)
# instance whose readings come from /sys/class/thermal (or a simulation), pushed with SetValues.
#
# Usage: temperature-sensor.sh [--bus system|user|ADDRESS] [--interval SECONDS] [--simulate]
#
# What changes when the provider is busctl rather than a long-lived D-Bus connection:
#  - busctl's connection ends with each command, so the instance is made with
#    org.lwm2md1.Manager.CreateInstance: the daemon holds it until RemoveInstance (done on
#    exit here), instead of AddInstance's "owned by the caller's connection".
#  - busctl cannot export org.lwm2md1.Owner, so nothing asks this script before a server
#    operation: the daemon checks writes against the definition (only Application Type,
#    5750, is writable) and stores them, and announces Executes with the signal
#    org.lwm2md1.Instance.Executed. The script follows both with `busctl monitor`:
#    PropertiesChanged tells it of a new Application Type, Executed of Reset Min and Max
#    Measured Values (5605), InterfacesRemoved that a server deleted the instance.
# Prints the instance path on stdout once it exists; logs on stderr.
set -euo pipefail

bus_opt=(--system)
interval=10
simulate=false
while [ $# -gt 0 ]; do
        case $1 in
        --bus)
                [ $# -ge 2 ] || { echo "--bus needs an argument" >&2; exit 2; }
                case $2 in
                system) bus_opt=(--system) ;;
                user) bus_opt=(--user) ;;
                *) bus_opt=("--address=$2") ;;
                esac
                shift 2 ;;
        --interval)
                [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
                        { echo "--interval needs a number of seconds" >&2; exit 2; }
                interval=$2
                shift 2 ;;
        --simulate)
                simulate=true
                shift ;;
        -h|--help)
                sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
                exit 0 ;;
        *)
                echo "unknown argument: $1" >&2
                exit 2 ;;
        esac
done

say() { echo "temperature-sensor: $*" >&2; }
lwm2md() { busctl "${bus_opt[@]}" "$@"; }

thermal_zone=/sys/class/thermal/thermal_zone0/temp
[ "$simulate" = false ] && [ -r "$thermal_zone" ] || thermal_zone=
started=$(date +%s)

# Degrees Celsius with two decimals: the thermal zone, or a slow sine wave with some noise.
read_celsius() {
        if [ -n "$thermal_zone" ] && awk '{ printf "%.2f\n", $1 / 1000 }' "$thermal_zone" 2>/dev/null
        then
                return
        fi
        awk -v t="$(( $(date +%s) - started ))" -v seed="$RANDOM" \
                'BEGIN { srand(seed); printf "%.2f\n", 21 + 3 * sin(t / 60) + rand() * 0.4 - 0.2 }'
}
# "1" when $1 < $2 as numbers.
less() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? 1 : 0 }'; }

value=$(read_celsius)
min=$value
max=$value

# Server writes and executes arrive as signals: listen before the instance exists so that
# none is missed. The InterfacesRemoved match is for our instance going away.
exec 3< <(exec stdbuf -oL busctl "${bus_opt[@]}" --json=short monitor \
        --match="type='signal',interface='org.lwm2md1.Instance',member='Executed'" \
        --match="type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',arg0='org.lwm2md1.Object3303'" \
        --match="type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'" \
        2>/dev/null)
monitor=$!
sleep 0.2
kill -0 "$monitor" 2>/dev/null || { say "busctl monitor did not start (is the bus reachable?)"; exit 1; }

path=
cleanup() {
        kill "$monitor" 2>/dev/null || true
        [ -n "$path" ] || return 0
        lwm2md call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager RemoveInstance o "$path" \
                >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'say "stopping"; exit 0' INT TERM

# 65535: the daemon picks the instance ID.
reply=$(lwm2md call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager CreateInstance 'qqa{qv}' \
        3303 65535 5 5700 d "$value" 5701 s Cel 5601 d "$min" 5602 d "$max" \
        5518 x "$(date +%s)") || { say "CreateInstance failed; is lwm2md running?"; exit 1; }
path=$(printf '%s\n' "$reply" | sed -n 's/^o "\(.*\)"$/\1/p')
[ -n "$path" ] || { say "unexpected answer to CreateInstance: $reply"; exit 1; }
say "created $path, reading ${thermal_zone:-a simulated sensor} every ${interval}s"
echo "$path"

# Pushes several resources as one change (one notification to the server): SetValues
# with (resource, type, value) triples.
push() {
        local n=$(($# / 3))
        lwm2md call org.lwm2md1 "$path" org.lwm2md1.Instance SetValues 'a{qv}' "$n" "$@" ||
                say "SetValues failed"
}

sample() {
        value=$(read_celsius)
        local changed=(5700 d "$value" 5518 x "$(date +%s)")
        if [ "$(less "$value" "$min")" = 1 ]; then
                min=$value
                changed+=(5601 d "$min")
        fi
        if [ "$(less "$max" "$value")" = 1 ]; then
                max=$value
                changed+=(5602 d "$max")
        fi
        push "${changed[@]}"
}

# One line of busctl's JSON: {"type":"signal",...,"path":"...","member":"...",
# "payload":{"type":"...","data":[...]}}. Only the fields used here are picked out.
field() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

handle() {
        local line=$1 member sigpath
        member=$(field member "$line")
        sigpath=$(field path "$line")
        case $member in
        Executed)
                [ "$sigpath" = "$path" ] || return 0
                local rid
                rid=$(printf '%s\n' "$line" | sed -n 's/.*"data":\[\([0-9]*\),.*/\1/p')
                if [ "$rid" = 5605 ]; then
                        min=$value
                        max=$value
                        push 5601 d "$min" 5602 d "$max"
                        say "min and max reset to $value"
                else
                        say "ignoring an Execute of resource $rid"
                fi ;;
        PropertiesChanged)
                [ "$sigpath" = "$path" ] || return 0
                case $line in
                *'"ApplicationType":{"type":"s","data":"'*)
                        say "application type is now '$(printf '%s\n' "$line" |
                                sed -n 's/.*"ApplicationType":{"type":"s","data":"\([^"]*\)".*/\1/p')'" ;;
                esac ;;
        InterfacesRemoved)
                case $line in
                *"\"data\":[\"$path\","*)
                        say "the server deleted $path (or someone removed it): exiting"
                        path=
                        exit 0 ;;
                esac ;;
        esac
}

# Readings on a timer, signals as they come: read -t waits for whichever is first.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
interval_ms=$(awk -v s="$interval" 'BEGIN { printf "%d\n", s * 1000 }')
next=$(( $(now_ms) + interval_ms ))
while :; do
        left=$(( next - $(now_ms) ))
        if [ "$left" -le 0 ]; then
                sample
                next=$(( next + interval_ms ))
                continue
        fi
        status=0
        IFS= read -r -t "$(awk -v ms="$left" 'BEGIN { printf "%.3f\n", ms / 1000 }')" -u 3 line ||
                status=$?
        if [ "$status" -eq 0 ]; then
                handle "$line"
        elif [ "$status" -le 128 ]; then
                say "busctl monitor stopped (did lwm2md or the bus go away?)"
                exit 1
        fi
done
