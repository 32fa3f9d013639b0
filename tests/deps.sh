#!/bin/bash
# deps.sh - installs the Debian 12 packages lwm2md needs to build and test.
# Sourced by tests/run.sh and examples/demo.sh; only installs what is missing.

lwm2md_build_packages=(
        meson ninja-build pkg-config gcc
        libcoap3-dev libgnutls28-dev libsystemd-dev libcbor-dev libexpat1-dev
        libjson-c-dev libinih-dev libcurl4-gnutls-dev
)
lwm2md_test_packages=(
        libcmocka-dev clang clang-format libclang-rt-14-dev gnutls-bin libxml2-utils dbus systemd
        python3 python3-cbor2 python3-dbus python3-gi iproute2 groff-base strace util-linux
)
# Node.js and npm run the interoperability test (tests/interop). A machine that has them from
# elsewhere keeps its own: NodeSource's nodejs conflicts with Debian's npm package.
command -v npm >/dev/null 2>&1 || lwm2md_test_packages+=(nodejs npm)

# Installs the named packages that dpkg does not already have.
lwm2md_install_missing() {
        local missing=() p
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                        missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        echo "Installing: ${missing[*]}"
        local sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
