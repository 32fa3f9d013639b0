/* config.h - the daemon's configuration: /etc/lwm2md/lwm2md.conf (INI, via inih)
 * and command-line overrides, checked with errors that name the file and line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/access.h"
#include "model/path.h"
#include "util/macro.h"

/* LwM2M Security object resource 2 (Security Mode) values. */
typedef enum config_security_mode {
        CONFIG_SECURITY_PSK = 0,
        CONFIG_SECURITY_RPK = 1,
        CONFIG_SECURITY_X509 = 2,
        CONFIG_SECURITY_NOSEC = 3,
} config_security_mode;

/* A String or Opaque value a local caller may store, and the instances one D-Bus
 * connection may own or hold. */
#define CONFIG_DEFAULT_MAX_VALUE_SIZE           65536u
#define CONFIG_DEFAULT_MAX_INSTANCES_PER_CALLER 1024u
#define CONFIG_MAX_VALUE_SIZE_LIMIT             (16u * 1024 * 1024)
#define CONFIG_MAX_INSTANCES_LIMIT              65535u

/* What a configuration file may be: bigger files, longer lines or more problems are
 * refused rather than read to the end (a device or a binary given by mistake). */
#define CONFIG_FILE_MAX     (1024 * 1024) /* bytes */
#define CONFIG_LINE_MAX     4096          /* bytes, not counting the newline */
#define CONFIG_ERRORS_MAX   20            /* problems reported before giving up */
#define CONFIG_SERVERS_MAX  64            /* server sections */
#define CONFIG_ENDPOINT_MAX 255           /* bytes */
#define CONFIG_SENDS_MAX    64            /* send sections */
#define CONFIG_ACCESS_MAX   1024          /* access-control sections */

/* Bounds of the [lwm2md] keys for stored notifications and queue mode. */
#define CONFIG_STORE_COUNT_LIMIT          1000000u
#define CONFIG_STORE_BYTES_LIMIT          (64u * 1024 * 1024)
#define CONFIG_QUEUE_IDLE_LIMIT           86400u /* seconds */
#define CONFIG_DEFAULT_LOW_MEMORY_PERCENT 5u

typedef struct config_server {
        char *section; /* "server NAME" as written, for messages */
        unsigned line; /* where the section starts */
        bool bootstrap;
        char *uri;
        uint16_t short_id;
        uint32_t lifetime;
        char binding[4]; /* "U" or "UQ" */
        config_security_mode security;
        char *psk_identity;
        uint8_t *psk_key;
        size_t psk_key_len;
        char *certificate;        /* our certificate (X.509) or public key (RPK), a PEM file */
        char *private_key;        /* a PEM file */
        char *server_certificate; /* the server's certificate (X.509, pinned) or public key (RPK) */
        char *ca_file;            /* CA bundle to verify the server's certificate chain */
        uint32_t default_pmin;
        uint32_t default_pmax;
        uint32_t hold_off; /* bootstrap: Client Hold Off Time */
        /* bootstrap: seconds from Bootstrap-Request to Finish before it is retried
         * (0: the engine's default) */
        uint32_t bootstrap_timeout;
        uint32_t retry_timer; /* first retry after a failure, seconds (0: engine default) */
        uint32_t retry_max;   /* longest wait between retries, seconds (0: engine default) */
        /* The Server object's registration rules (resources 13 to 17 and 20). */
        bool has_priority;
        uint32_t priority;           /* Registration Priority Order */
        uint32_t initial_delay;      /* Initial Registration Delay Timer, seconds */
        int8_t failure_block;        /* Registration Failure Block; -1: not given */
        int8_t bootstrap_on_failure; /* Bootstrap on Registration Failure; -1: not given */
        uint32_t retry_count;        /* Communication Retry Count; 0: not given */
        uint32_t sequence_retries;   /* Communication Sequence Retry Count; 0: not given */
} config_server;

/* A [send NAME] section: the values at `paths` sent every `interval` seconds. */
typedef struct config_send {
        char *section; /* "send NAME" as written, for messages */
        unsigned line; /* where the section starts */
        lwm2m_path *paths;
        size_t n_paths;
        uint32_t interval;    /* seconds; 0 until given */
        uint16_t short_id;    /* 0: every server that takes it */
        char *short_id_where; /* "FILE:LINE" of the server key, for messages */
} config_send;

/* One ACL entry of an [access-control OID/IID] section: the rights (LWM2M_ACL_*
 * bits) of the server with this Short Server ID, 0 for the default entry. */
typedef lwm2m_acl_entry config_acl_entry;

/* An [access-control OID/IID] section, or [access-control OID] for the object's
 * Create rights: one Access Control (2) instance. With a star for the instance
 * ID (and perhaps the object ID), a template: what the Access Control instance
 * of each instance that appears without one gets. */
typedef struct config_access {
        char *section;       /* "access-control 3303/0" as written, for messages */
        unsigned line;       /* where the section starts */
        uint16_t oid;        /* LWM2M_ACL_ANY_OBJECT in a template: every object */
        uint16_t iid;        /* LWM2M_ACL_OBJECT_ITSELF (65535): the object; 0 in a template */
        bool every_instance; /* a template */
        uint16_t owner;      /* Access Control Owner; LWM2M_ACL_OWNER_BOOTSTRAP by default */
        char *owner_where;   /* "FILE:LINE" of the owner key, for messages */
        config_acl_entry *acl;
        size_t n_acl;
        char *acl_where; /* "FILE:LINE" of the acl key, for messages */
} config_access;

typedef struct config_device {
        char *manufacturer;
        char *model;
        char *serial_number;
        char *firmware_version;
        char *hardware_version;
        char *software_version;
        char *device_type;
        char *reboot_command;        /* run by /bin/sh; NULL: reboot through logind */
        char *factory_reset_command; /* NULL: factory reset is refused */
        char *time_bus;              /* where timedated is: NULL is the system bus */
        char *logind_bus;            /* where logind is: NULL is the system bus */
        char *factory_reset_unit;    /* started through systemd; wins over the command */
        char *systemd_bus;           /* where systemd is: NULL is the system bus */
        unsigned low_memory_percent; /* Error Code 5 under this much MemAvailable; 0 never */
} config_device;

/* [location]: where /6/0 comes from (lwm2md.conf(5)). */
typedef struct config_location {
        char *gpsd;     /* "HOST:PORT" or a UNIX socket path; NULL: no gpsd */
        bool has_fixed; /* latitude and longitude both given */
        bool has_latitude, has_longitude, has_altitude, has_radius;
        double latitude, longitude, altitude, radius;
        char *where; /* "FILE:LINE" of the first [location] key, for messages */
} config_location;

/* [firmware]: the Firmware Update object /5/0 and its updater (lwm2md.conf(5)). */
typedef enum config_fw_backend {
        CONFIG_FW_NONE = 0, /* no /5/0 at all */
        CONFIG_FW_RAUC,
        CONFIG_FW_COMMAND,
} config_fw_backend;

typedef struct config_firmware {
        config_fw_backend backend;
        char *command;          /* run with the image path as its last argument (no shell) */
        char *rauc_bus;         /* where RAUC is: NULL is the system bus */
        bool rauc_streaming;    /* https:// Package URIs go to RAUC as they are */
        char *spool;            /* the image file; default <state-dir>/firmware.spool */
        uint64_t spool_reserve; /* bytes left free beside the image */
        int reboot;             /* -1: default (yes for rauc, no for command) */
        bool push, pull;        /* delivery; both by default */
        char *where;            /* "FILE:LINE" of the first [firmware] key, for messages */
} config_firmware;
/* [connectivity]: what /4/0 watches (lwm2md.conf(5)). */
typedef struct config_connectivity {
        char *interface; /* NULL: the default route's */
        char *modem_bus; /* where ModemManager is: NULL is the system bus, "none" no modem */
} config_connectivity;

typedef struct config {
        char *file; /* the file read, or NULL */
        char *endpoint;
        char lwm2m_version[4]; /* "1.0", "1.1" or "1.2" */
        char **objects_dirs;
        size_t n_objects_dirs;
        char *state_dir;
        char *bus; /* "system", "user" or a D-Bus address */
        /* Limits on what local D-Bus callers can make the daemon hold ([lwm2md] keys
         * max-value-size, max-instances-per-caller) and who may administer it (admin-group:
         * besides root, may execute Device resources and write Security/Server objects). */
        size_t max_value_size;
        unsigned max_instances_per_caller;
        char *admin_group;       /* NULL: root only */
        char *admin_group_where; /* "FILE:LINE" (or the option) that set it, for messages */
        config_device device;
        config_location location;
        config_firmware firmware;
        config_connectivity connectivity;
        config_server *servers;
        size_t n_servers;
        /* Stored notifications per server (notification-store-count, -bytes) and
         * queue mode's idle time (queue-idle-time, seconds); 0: the engine's defaults. */
        size_t notification_store_count;
        size_t notification_store_bytes;
        uint32_t queue_idle_time;
        config_send *sends;
        size_t n_sends;
        config_access *access;
        size_t n_access;
} config;

/* Receives each problem found, already prefixed with "file:line: ". */
typedef void (*config_error_fn)(void *userdata, const char *message);
/* Hands one problem, printf-formatted (cut on a whole UTF-8 character past 511 bytes), to
 * `error`; nothing when `error` is NULL. */
_printf_(3, 4) void config_report(config_error_fn error, void *userdata, const char *fmt, ...);

void config_init(config *c);
void config_free(config *c);
/* Reads an INI file into `c` (later keys override earlier ones). Every problem is
 * reported, up to CONFIG_ERRORS_MAX; returns 0, -EINVAL if there was any, -EFBIG for
 * a file over CONFIG_FILE_MAX, or -errno when the file cannot be read. Anything but
 * a regular file is refused before reading, and reading stops at the first line
 * that is not UTF-8 text (a NUL byte, a control character). */
int config_load_file(config *c, const char *path, config_error_fn error, void *userdata);
/* Reads INI text held in memory, `len` bytes that may hold NUL bytes (which are
 * refused as in a file); `name` is used in messages. */
int config_load_data(config *c, const char *name, const char *data, size_t len,
                     config_error_fn error, void *userdata);
/* The same for a NUL-terminated string. */
int config_load_string(config *c, const char *name, const char *text, config_error_fn error,
                       void *userdata);
/* Sets one [lwm2md] key as the file would ("endpoint", "bus", ...); `origin` names
 * the source in messages ("--endpoint"). */
int config_set_main_key(config *c, const char *key, const char *value, const char *origin,
                        config_error_fn error, void *userdata);
/* The first non-bootstrap server, created if there is none (for --server and
 * friends on the command line). NULL on allocation failure. */
config_server *config_default_server(config *c);
/* Sets one server key as the file would ("uri", "psk-key", ...); `origin`
 * names the source in messages ("--psk-key"). */
int config_set_server_key(config *c, config_server *s, const char *key, const char *value,
                          const char *origin, config_error_fn error, void *userdata);
int config_add_objects_dir(config *c, const char *dir);
/* Fills defaults (endpoint from the machine ID, directories) and checks that
 * the whole is consistent (a server to talk to, security matching the URI
 * scheme, keys present, the admin-group existing, each [send] section with
 * paths, an interval and a configured server, each [access-control] section
 * naming configured servers). Returns 0 or -EINVAL after
 * reporting each problem (up to CONFIG_ERRORS_MAX). */
int config_finish(config *c, config_error_fn error, void *userdata);
/* Parses hex ("0a1B..", optional "0x", ':' separators allowed). */
int config_parse_hex(const char *s, uint8_t **out, size_t *len);
