/* bus-internal.h - the state the D-Bus layer's parts share: the connection,
 * the tree, typed exports per object and the providers that own instances. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "bus/bus.h"
#include "util/macro.h"

#define BUS_NAME        "org.lwm2md1"
#define BUS_ROOT_PATH   "/org/lwm2md1"
#define BUS_OBJECT_PATH "/org/lwm2md1/object"
#define BUS_SERVER_PATH "/org/lwm2md1/server"

#define BUS_IFACE_MANAGER  "org.lwm2md1.Manager"
#define BUS_IFACE_SERVER   "org.lwm2md1.Server"
#define BUS_IFACE_OBJECT   "org.lwm2md1.Object"
#define BUS_IFACE_INSTANCE "org.lwm2md1.Instance"
#define BUS_IFACE_OWNER    "org.lwm2md1.Owner"

#define BUS_ERROR_NOT_FOUND      "org.lwm2md1.Error.NotFound"
#define BUS_ERROR_INVALID_VALUE  "org.lwm2md1.Error.InvalidValue"
#define BUS_ERROR_ACCESS_DENIED  "org.lwm2md1.Error.AccessDenied"
#define BUS_ERROR_NOT_ALLOWED    "org.lwm2md1.Error.NotAllowed"
#define BUS_ERROR_NO_VALUE       "org.lwm2md1.Error.NoValue"
#define BUS_ERROR_FAILED         "org.lwm2md1.Error.Failed"
#define BUS_ERROR_LIMIT_EXCEEDED "org.lwm2md1.Error.LimitExceeded"

typedef struct export_object export_object;
typedef struct bus_owner bus_owner;
struct access_record;
struct access_count;

struct lwm2m_bus {
        sd_bus *bus; /* NULL while the bus is away */
        sd_event *event;
        char *address; /* "system", "user" or a D-Bus address */
        /* Reconnecting: the timer and the wait before the next attempt. */
        sd_event_source *retry;
        uint64_t retry_usec;
        lwm2m_tree *tree;
        const lwm2m_registry *reg;
        char *endpoint;
        char lwm2m_version[8];
        bus_engine_ops ops;
        void *ops_userdata;
        bus_log_fn log;
        void *log_userdata;
        /* Typed interfaces built so far, sorted by object ID. */
        export_object **exports;
        size_t n_exports;
        bus_owner *owners;
        /* The owner of CreateInstance's instances: the daemon itself. */
        lwm2m_owner held;
        /* Where every request on the tree goes (model/request.h). */
        lwm2m_requests *requests;
        bool listening;
        /* What local callers may do and keep (access.c). */
        uid_t daemon_uid;
        char *admin_group; /* as configured, for messages */
        gid_t admin_gid;
        bool has_admin_gid;
        size_t max_value_size;
        unsigned max_instances_per_caller;
        struct access_record *access_records; /* sorted by object and instance ID */
        size_t n_access_records;
        struct access_count *access_counts;
        size_t n_access_counts;
};

_printf_(3, 4) void bus_log(lwm2m_bus *b, int priority, const char *fmt, ...);

/* Sets `error` to the org.lwm2md1.Error for a negative errno and returns it. */
int bus_error_from_errno(sd_bus_error *error, int err, const char *message);
/* The reverse, for a provider's answer: our error names and D-Bus's own. */
int bus_errno_from_error(const sd_bus_error *error);

/* "Temperature (3303) resource Sensor Value (5700)" */
void bus_describe_resource(const lwm2m_object_def *obj, const lwm2m_resource_def *res, char *out,
                           size_t size);
/* Credentials and keys that never leave the daemon over D-Bus. */
bool bus_resource_is_secret(uint16_t oid, uint16_t rid);
/* An Execute's arguments as a D-Bus string (malloc'd): -EINVAL when they are
 * not UTF-8 or hold a NUL, -ENOMEM. */
int bus_execute_arguments(const uint8_t *args, size_t len, char **out);
/* True for an instance made with CreateInstance. */
bool bus_instance_is_held(lwm2m_bus *b, uint16_t oid, uint16_t iid);
/* Parses "/org/lwm2md1/object/<oid>/<iid>" (only that depth). */
int bus_parse_instance_path(const char *path, uint16_t *oid, uint16_t *iid);
