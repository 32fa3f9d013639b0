#!/bin/sh
# switch-provider.sh - an example lwm2md provider in shell with busctl only: an On/Off switch
# (3342) instance whose state comes in on stdin ("on"/"off" lines) and is pushed with SetValues.
#
# Usage: switch-provider.sh [--bus system|user|ADDRESS] [--name APPLICATION-TYPE] < events
#   e.g. gpiomon --num-events=0 --format=%e gpiochip0 17 | sed 's/1/on/;s/0/off/' |
#        switch-provider.sh --name "Front door"
#
# What busctl can and cannot do for a provider:
#  - It can call: AddInstance, SetValues (several resources as one change, so the server
#    gets one notification), set-property on the typed interface (Application Type, 5750).
#  - It cannot export an object, so this provider has no org.lwm2md1.Owner interface. For
#    lwm2md that means: a server Write to the instance is committed without asking anyone
#    (this script never hears of it), a server Execute is refused (4.05), a server Delete
#    just removes the instance. The script polls nothing.
#  - It cannot keep a connection open between two commands, and lwm2md ties an instance to
#    the bus connection of the AddInstance caller (when that connection closes, the instance
#    goes). With the current daemon the instance therefore disappears as soon as the
#    AddInstance call returns; the script checks for that and says so (exit status 1).
#    A provider that has to keep its instance needs one long-lived connection: see
#    examples/temperature-sensor.py.
set -eu

bus_opt=--system
name="On/Off switch"
while [ $# -gt 0 ]; do
        case $1 in
        --bus)
                [ $# -ge 2 ] || { echo "--bus needs an argument" >&2; exit 2; }
                case $2 in
                system) bus_opt=--system ;;
                user) bus_opt=--user ;;
                *) bus_opt="--address=$2" ;;
                esac
                shift 2 ;;
        --name)
                [ $# -ge 2 ] || { echo "--name needs an argument" >&2; exit 2; }
                name=$2
                shift 2 ;;
        -h|--help)
                sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
                exit 0 ;;
        *)
                echo "unknown argument: $1" >&2
                exit 2 ;;
        esac
done

say() { echo "switch-provider: $*" >&2; }
lwm2md() { busctl "$bus_opt" "$@"; }

# 3342 On/Off switch: 5500 Digital Input State (Boolean), 5501 Digital Input Counter
# (Integer), 5518 Timestamp (Time), 5750 Application Type (String). 65535: the daemon
# picks the instance ID.
reply=$(lwm2md call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager AddInstance 'qqa{qv}' \
        3342 65535 3 5500 b false 5501 x 0 5518 x "$(date +%s)") || exit 1
path=$(printf '%s\n' "$reply" | sed -n 's/^o "\(.*\)"$/\1/p')
[ -n "$path" ] || { say "unexpected answer to AddInstance: $reply"; exit 1; }

if ! lwm2md get-property org.lwm2md1 "$path" org.lwm2md1.Instance Owner >/dev/null 2>&1; then
        say "lwm2md removed $path again when busctl's connection closed:"
        say "an instance lives as long as the connection that added it. Use a provider"
        say "with a long-lived connection (examples/temperature-sensor.py)."
        exit 1
fi
say "added $path"

cleanup() {
        lwm2md call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager RemoveInstance o "$path" \
                >/dev/null 2>&1 || true
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

# A property of the typed interface, named after the resource (Application Type).
lwm2md set-property org.lwm2md1 "$path" org.lwm2md1.Object3342 ApplicationType s "$name"

state=false
counter=0
while IFS= read -r line; do
        case $line in
        on|1|true|high) new=true ;;
        off|0|false|low) new=false ;;
        "") continue ;;
        *) say "ignoring \"$line\" (expected on or off)"; continue ;;
        esac
        [ "$new" = "$state" ] && continue
        state=$new
        [ "$state" = true ] && counter=$((counter + 1))
        # State, counter and time as one change: one notification to the server.
        lwm2md call org.lwm2md1 "$path" org.lwm2md1.Instance SetValues 'a{qv}' \
                3 5500 b "$state" 5501 x "$counter" 5518 x "$(date +%s)" ||
                { say "SetValues failed; is lwm2md still running?"; exit 1; }
done
