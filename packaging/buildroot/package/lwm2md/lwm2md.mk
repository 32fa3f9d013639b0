################################################################################
#
# lwm2md
#
################################################################################

# The integrator sets the repository and the commit or tag to build (and adds the
# tarball's hash to lwm2md.hash, see there).
LWM2MD_VERSION = main
LWM2MD_SITE = https://git.example.invalid/lwm2md.git
LWM2MD_SITE_METHOD = git
LWM2MD_LICENSE = LGPL-2.1+
LWM2MD_LICENSE_FILES = LICENSE

# meson.build: libcoap-3-gnutls gnutls libsystemd libcbor expat json-c inih.
LWM2MD_DEPENDENCIES = host-pkgconf libcoap gnutls systemd libcbor expat json-c libinih

# Buildroot removes man pages from the target file system anyway.
LWM2MD_CONF_OPTS = \
	-Dtests=false \
	-Dbenchmarks=false \
	-Dfuzzing=false \
	-Dman=false

ifeq ($(BR2_PACKAGE_LWM2MD_HTTP_DOWNLOAD),y)
LWM2MD_DEPENDENCIES += libcurl
LWM2MD_CONF_OPTS += -Dhttp-download=enabled
else
LWM2MD_CONF_OPTS += -Dhttp-download=disabled
endif

ifeq ($(BR2_PACKAGE_LWM2MD_DBUS_API),y)
LWM2MD_CONF_OPTS += -Ddbus-api=true
else
LWM2MD_CONF_OPTS += -Ddbus-api=false
endif

# RAUC is reached over D-Bus at run time: no build dependency.
ifeq ($(BR2_PACKAGE_LWM2MD_RAUC),y)
LWM2MD_CONF_OPTS += -Drauc=true
else
LWM2MD_CONF_OPTS += -Drauc=false
endif

# The same user and group as systemd/lwm2md.sysusers, created in the image so a
# read-only root file system needs no systemd-sysusers run at boot.
LWM2MD_USERS = lwm2md -1 lwm2md -1 * /var/lib/lwm2md - - lwm2md LwM2M client daemon

# meson install places lwm2md.service in the systemd unit directory; enabling it
# at boot is this hook's job (Buildroot does not run `systemctl enable`).
define LWM2MD_INSTALL_INIT_SYSTEMD
	$(INSTALL) -d $(TARGET_DIR)/usr/lib/systemd/system/multi-user.target.wants
	ln -sf ../lwm2md.service \
		$(TARGET_DIR)/usr/lib/systemd/system/multi-user.target.wants/lwm2md.service
endef

$(eval $(meson-package))
