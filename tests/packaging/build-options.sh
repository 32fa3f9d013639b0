#!/bin/bash
# build-options.sh - configures and compiles lwm2md with optional parts left out, one build
# directory each, to show that every Meson option really can be turned off. No tests run.
#
# Usage: build-options.sh [--target TARGET] SOURCE_DIR WORK_DIR [CONFIG...]
#   CONFIG: no-man, no-http, no-dbus, no-rauc, all-off (all four off); default: all five.
#   --target: build only that ninja target (e.g. src/lwm2md), not everything.
# By hand (some minutes each on two cores):
#   tests/packaging/build-options.sh . /tmp/lwm2md-options
# The meson test "build-options-all-off" runs only the all-off configuration, daemon only.
set -euo pipefail

target=()
if [ "${1:-}" = --target ]; then
        target=("$2")
        shift 2
fi
source_dir=$1 work_dir=$2
shift 2
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(no-man no-http no-dbus no-rauc all-off)

# Without RAUC the daemon refuses "backend = rauc" at configuration load, naming file:line.
check_rauc_refused() {
        local daemon=$1 conf=$work_dir/rauc.conf out
        printf '[lwm2md]\nendpoint = options-check\n\n[firmware]\nbackend = rauc\n' >"$conf"
        if out=$("$daemon" --config "$conf" 2>&1); then
                echo "$daemon started with backend = rauc"
                return 1
        fi
        grep -q "$conf:5: backend rauc: this lwm2md is built without RAUC" <<<"$out" || {
                printf '%s\n' "$out"
                echo "$daemon: no refusal of backend = rauc naming $conf:5"
                return 1
        }
}

mkdir -p "$work_dir"
failed=()
for name in "${configs[@]}"; do
        case $name in
        no-man) opts=(-Dman=false) ;;
        no-http) opts=(-Dhttp-download=disabled) ;;
        no-dbus) opts=(-Ddbus-api=false) ;;
        no-rauc) opts=(-Drauc=false) ;;
        all-off) opts=(-Dman=false -Dhttp-download=disabled -Ddbus-api=false -Drauc=false) ;;
        *)
                echo "unknown configuration '$name'" >&2
                exit 2
                ;;
        esac
        dir=$work_dir/$name
        start=$(date +%s)
        log=$work_dir/$name.log
        # The tests and benchmarks need the bus API; what is checked here is the product.
        setup=(meson setup "$dir" "$source_dir" -Dtests=false -Dbenchmarks=false "${opts[@]}")
        [ ! -f "$dir/build.ninja" ] || setup=(meson setup --reconfigure "$dir" "$source_dir"
                -Dtests=false -Dbenchmarks=false "${opts[@]}")
        checks=true
        [[ " ${opts[*]} " != *" -Drauc=false "* ]] || checks="check_rauc_refused $dir/src/lwm2md"
        if "${setup[@]}" >"$log" 2>&1 && ninja -C "$dir" -j2 "${target[@]}" >>"$log" 2>&1 &&
                $checks >>"$log" 2>&1; then
                echo "ok: $name (${opts[*]}): built in $(($(date +%s) - start)) s"
        else
                tail -n 40 "$log"
                echo "FAIL: $name (${opts[*]}): see $log"
                failed+=("$name")
        fi
done
[ ${#failed[@]} -eq 0 ] || exit 1
