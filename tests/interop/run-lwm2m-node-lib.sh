#!/bin/bash
# run-lwm2m-node-lib.sh - interoperability test: the real lwm2md against a server built on
# lwm2m-node-lib (npm), an LwM2M implementation written independently of ours.
#
# Usage: run-lwm2m-node-lib.sh LWM2MD SOURCE_ROOT [NODE_DEPS_DIR]
# Installs the npm dependencies pinned by package-lock.json into NODE_DEPS_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/lwm2md-interop) on first use, starts the Node server script on
# 127.0.0.1, starts lwm2md against it and lets the script drive and finally stop it.
# Exits 0 on success, 1 on failure, 77 (skip) when Node.js, npm or the packages are unavailable.
# LWM2MD_KEEP_TEST_DIR=1 keeps the scratch directory; LWM2MD_INTEROP_VERBOSE=1 shows library logs.

set -u

if [ $# -lt 2 ]; then
        echo "usage: $0 LWM2MD SOURCE_ROOT [NODE_DEPS_DIR]" >&2
        exit 2
fi
lwm2md=$1
source_root=$2
deps=${3:-${XDG_CACHE_HOME:-$HOME/.cache}/lwm2md-interop}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
endpoint=interop-test
manufacturer="lwm2md interop"

skip() {
        echo "SKIP: $*"
        exit 77
}

command -v node >/dev/null || skip "node (Debian package nodejs) is not installed"
command -v npm >/dev/null || skip "npm (Debian package npm) is not installed"
[ -x "$lwm2md" ] || { echo "FAIL: $lwm2md is not an executable"; exit 1; }

# lwm2m-node-lib lets LWM2M_* environment variables override its configuration.
unset "${!LWM2M_@}"

# Installs the pinned packages unless this very lock file was installed already. The lock on the
# directory keeps parallel builds sharing the cache from installing over each other.
install_deps() {
        local sum stamp
        sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
        mkdir -p "$deps" || return 1
        exec 9>"$deps/.install-lock"
        flock -w 240 9 || return 1
        stamp=$(cat "$deps/.installed-lock-sha256" 2>/dev/null)
        if [ "$stamp" = "$sum" ] && [ -f "$deps/node_modules/lwm2m-node-lib/package.json" ]; then
                exec 9>&-
                return 0
        fi
        echo "# installing npm packages into $deps"
        rm -f "$deps/.installed-lock-sha256"
        cp "$here/package.json" "$here/package-lock.json" "$deps/" || return 1
        if ! (cd "$deps" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
                >"$deps/npm-ci.log" 2>&1; then
                sed 's/^/# npm: /' "$deps/npm-ci.log"
                exec 9>&-
                return 1
        fi
        echo "$sum" >"$deps/.installed-lock-sha256"
        exec 9>&-
}
install_deps || skip "could not install the npm packages into $deps (offline?)"

work=$(mktemp -d "${TMPDIR:-/tmp}/lwm2md-interop.XXXXXX") || exit 1
node_pid=
lwm2md_pid=

# Stops whatever is still running, by the process ids this script started.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
        local pid
        for pid in $node_pid $lwm2md_pid; do
                if kill -0 "$pid" 2>/dev/null; then
                        kill -TERM "$pid" 2>/dev/null
                        sleep 0.5
                        kill -KILL "$pid" 2>/dev/null
                fi
                wait "$pid" 2>/dev/null
        done
        if [ -n "${LWM2MD_KEEP_TEST_DIR:-}" ]; then
                echo "# kept $work"
        else
                rm -rf "$work"
        fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

cat >"$work/lwm2md.conf" <<EOF
[lwm2md]
state-dir = $work/state

[device]
manufacturer = $manufacturer
model = interop-1
serial-number = INTEROP-0001
reboot-command = /bin/true
factory-reset-command = /bin/true
EOF

verbose=()
[ -n "${LWM2MD_INTEROP_VERBOSE:-}" ] && verbose=(--verbose)
node --no-warnings "$here/lwm2m-node-lib-server.js" --modules "$deps/node_modules" \
        --port-file "$work/port" --pid-file "$work/lwm2md.pid" \
        --endpoint "$endpoint" --manufacturer "$manufacturer" "${verbose[@]}" &
node_pid=$!

for _ in $(seq 300); do
        [ -s "$work/port" ] && break
        kill -0 "$node_pid" 2>/dev/null || break
        sleep 0.1
done
port=$(cat "$work/port" 2>/dev/null)
if [ -z "$port" ]; then
        echo "FAIL: the lwm2m-node-lib server did not start"
        exit 1
fi

"$lwm2md" --config "$work/lwm2md.conf" --endpoint "$endpoint" \
        --server "coap://127.0.0.1:$port" --objects-dir "$source_root/objects.d" \
        --lifetime 60 -v >"$work/lwm2md.log" 2>&1 &
lwm2md_pid=$!
echo "$lwm2md_pid" >"$work/lwm2md.pid.tmp" && mv "$work/lwm2md.pid.tmp" "$work/lwm2md.pid"

wait "$node_pid"
node_rc=$?
node_pid=

# The script has sent SIGTERM; lwm2md must de-register and exit on its own, with status 0.
lwm2md_rc=
for _ in $(seq 150); do
        kill -0 "$lwm2md_pid" 2>/dev/null || break
        sleep 0.1
done
if kill -0 "$lwm2md_pid" 2>/dev/null; then
        echo "FAIL: lwm2md still running 15 s after the test ended"
        kill -TERM "$lwm2md_pid"
        sleep 1
        kill -KILL "$lwm2md_pid" 2>/dev/null
        wait "$lwm2md_pid"
        lwm2md_rc=timeout
else
        wait "$lwm2md_pid"
        lwm2md_rc=$?
fi
lwm2md_pid=

echo "---- lwm2md log ----"
cat "$work/lwm2md.log"
echo "--------------------"

rc=0
if [ "$node_rc" -ne 0 ]; then
        echo "FAIL: the lwm2m-node-lib checks failed (exit $node_rc)"
        rc=1
fi
if [ "$lwm2md_rc" != 0 ]; then
        echo "FAIL: lwm2md exited with status $lwm2md_rc (0 expected after SIGTERM)"
        rc=1
fi
if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$work/lwm2md.log"; then
        echo "FAIL: sanitizer report in the lwm2md log"
        rc=1
fi
[ $rc -eq 0 ] && echo "PASS"
exit $rc
