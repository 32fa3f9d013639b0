#!/bin/sh
# Cross build of lwm2md and lwm2mctl for aarch64 with Debian's multiarch packages, and
# a smoke run of the daemon under qemu-user where it is installed. Run by hand (slow).
#
#   tests/cross-build.sh [--install-deps] [BUILD_DIR]
#
# --install-deps (root, Debian) adds the arm64 architecture and installs the cross
# compiler, the arm64 -dev packages and qemu-user, after checking that apt's plan
# removes nothing.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
cross_file="$srcdir/packaging/cross/aarch64-linux-gnu.ini"
triplet=aarch64-linux-gnu
arm64_libs=/usr/lib/$triplet:/lib/$triplet

install_deps=0
if [ "${1:-}" = "--install-deps" ]; then
        install_deps=1
        shift
fi
builddir=${1:-"$srcdir/build-aarch64"}

if [ "$install_deps" = 1 ]; then
        pkgs="gcc-aarch64-linux-gnu libcoap3-dev:arm64 libgnutls28-dev:arm64
              libsystemd-dev:arm64 libcbor-dev:arm64 libexpat1-dev:arm64
              libjson-c-dev:arm64 libinih-dev:arm64 libcurl4-gnutls-dev:arm64"
        dpkg --add-architecture arm64
        apt-get update -q
        # arm64 -dev packages must not push out their amd64 twins (Multi-Arch: same
        # needs equal versions): refuse any plan that removes a package.
        # shellcheck disable=SC2086
        if apt-get install -s -y $pkgs | grep -q '^Remv '; then
                echo "cross-build: apt would remove packages; not installing:" >&2
                # shellcheck disable=SC2086
                apt-get install -s -y $pkgs | grep '^Remv ' >&2
                exit 1
        fi
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs
        # qemu-user is optional: the build stands without it.
        if apt-get install -s -y qemu-user | grep -q '^Remv '; then
                echo "cross-build: qemu-user would remove packages; skipping it" >&2
        else
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-user || true
        fi
fi

if ! command -v $triplet-gcc >/dev/null; then
        echo "cross-build: $triplet-gcc missing (apt-get install gcc-aarch64-linux-gnu," \
             "or run with --install-deps)" >&2
        exit 77
fi

if [ ! -f "$builddir/build.ninja" ]; then
        meson setup "$builddir" "$srcdir" --cross-file "$cross_file" \
                --buildtype=release -Dtests=false -Dbenchmarks=false -Dfuzzing=false
fi
# With tests and benchmarks off: the daemon, lwm2mctl and, with libcurl, lwm2md-http.so.
ninja -C "$builddir"

file "$builddir/src/lwm2md" "$builddir/src/lwm2mctl"
if [ -f "$builddir/src/lwm2md-http.so" ]; then
        file "$builddir/src/lwm2md-http.so"
fi
case $(file -b "$builddir/src/lwm2md") in
*"ARM aarch64"*) ;;
*)
        echo "cross-build: src/lwm2md is not an aarch64 binary" >&2
        exit 1
        ;;
esac

if ! command -v qemu-aarch64 >/dev/null; then
        echo "cross-build: qemu-aarch64 not installed; built, not run"
        exit 0
fi

run() {
        echo "+ qemu-aarch64 $*"
        qemu-aarch64 -L /usr/$triplet -E LD_LIBRARY_PATH=$arm64_libs "$@"
}
run "$builddir/src/lwm2md" --version
run "$builddir/src/lwm2md" --check-objects "$srcdir/objects.d"
run "$builddir/src/lwm2mctl" --help >/dev/null
echo "cross-build: aarch64 lwm2md and lwm2mctl built and run under qemu"
