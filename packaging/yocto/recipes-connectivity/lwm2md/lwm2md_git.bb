SUMMARY = "OMA LwM2M client daemon for embedded Linux gateways"
DESCRIPTION = "lwm2md registers a Linux gateway with an OMA LwM2M server over \
CoAP/DTLS (libcoap with GnuTLS) and exposes its object model on the D-Bus \
system bus (org.lwm2md1) to the local applications that provide the data."
HOMEPAGE = "https://lwm2md.example.invalid/"
SECTION = "net"
LICENSE = "LGPL-2.1-or-later"
LIC_FILES_CHKSUM = "file://LICENSE;md5=4fbd65380cdd255951079008b364516c"

# The integrator points these at the repository and the commit to build, in a
# bbappend or local.conf. ${AUTOREV} follows the branch head (needs the network
# at parse time and is not reproducible); a release build pins a commit:
#   LWM2MD_GIT_URI = "git://git.example.com/lwm2md.git;protocol=https"
#   SRCREV:pn-lwm2md = "<40-hex commit>"
LWM2MD_GIT_URI ??= "git://git.example.invalid/lwm2md.git;protocol=https"
LWM2MD_GIT_BRANCH ??= "main"
SRC_URI = "${LWM2MD_GIT_URI};branch=${LWM2MD_GIT_BRANCH}"
SRCREV ??= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

# sd-bus and sd-event come from libsystemd: a systemd distribution only.
inherit meson pkgconfig systemd useradd features_check
REQUIRED_DISTRO_FEATURES = "systemd"

# meson.build: libcoap-3-gnutls gnutls libsystemd libcbor expat json-c inih.
# libcoap must be built with GnuTLS (recipes-connectivity/libcoap/libcoap_%.bbappend).
DEPENDS = "libcoap gnutls systemd libcbor expat json-c libinih"

# One PACKAGECONFIG per meson option (meson_options.txt); checked by
# tests/packaging/test-recipes.py.
PACKAGECONFIG ??= "man http-download dbus-api"
PACKAGECONFIG[man] = "-Dman=true,-Dman=false"
# The HTTP(S) firmware fetcher is a module (lwm2md-http.so) that alone links libcurl.
PACKAGECONFIG[http-download] = "-Dhttp-download=enabled,-Dhttp-download=disabled,curl"
PACKAGECONFIG[dbus-api] = "-Ddbus-api=true,-Ddbus-api=false"
# The RAUC backend talks to rauc over D-Bus at run time: nothing to build against,
# the service is recommended (meta-rauc).
PACKAGECONFIG[rauc] = "-Drauc=true,-Drauc=false,,,rauc"

EXTRA_OEMESON = "-Dtests=false -Dbenchmarks=false -Dfuzzing=false"

SYSTEMD_SERVICE:${PN} = "lwm2md.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

# The same user and group as systemd/lwm2md.sysusers (installed too): created at
# rootfs time here, so read-only root file systems need no systemd-sysusers run.
USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --user-group --no-create-home \
    --home-dir ${localstatedir}/lib/lwm2md --shell ${base_sbindir}/nologin lwm2md"

FILES:${PN} += " \
    ${libdir}/lwm2md/lwm2md-http.so \
    ${datadir}/lwm2md/objects.d \
    ${systemd_system_unitdir}/lwm2md-factory-reset.service \
    ${nonarch_libdir}/sysusers.d/lwm2md.conf \
    ${nonarch_libdir}/tmpfiles.d/lwm2md.conf \
    ${datadir}/dbus-1/system.d/org.lwm2md1.conf \
    ${datadir}/dbus-1/system-services/org.lwm2md1.service \
    ${datadir}/polkit-1/rules.d/50-lwm2md.rules \
"
# The D-Bus interface descriptions are for developers of the applications that
# provide data to the daemon.
FILES:${PN}-dev += "${datadir}/dbus-1/interfaces/org.lwm2md1.*.xml"

# lwm2md-http.so is a dlopen()ed module, not a library: it has no lib prefix and no
# unversioned symlink, so the default -dev split leaves it in ${PN}; the dev-so
# check only looks at .so symlinks. Nothing to skip.

# The polkit rule lets the lwm2md user reboot through logind and set the time and
# time zone through timedated; without polkit those requests are denied.
RRECOMMENDS:${PN} += "polkit"

# No /etc/lwm2md/lwm2md.conf is installed (the example is in ${PN}-doc): a bbappend
# that installs one adds it to CONFFILES:${PN} so package upgrades keep local edits.
