/* context.h - the state the D-Bus layer's parts share: the connection, the
 * tree, typed exports per object, the providers that own instances; the names on the bus. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "bus/wiring.h"
#include "model/owner.h"
#include "model/tree.h"
#include "util/log.h"

#define BUS_NAME        "org.lwm2md1"
#define BUS_ROOT_PATH   "/org/lwm2md1"
#define BUS_OBJECT_PATH "/org/lwm2md1/object"
#define BUS_SERVER_PATH "/org/lwm2md1/server"

#define BUS_IFACE_MANAGER  "org.lwm2md1.Manager"
#define BUS_IFACE_SERVER   "org.lwm2md1.Server"
#define BUS_IFACE_OBJECT   "org.lwm2md1.Object"
#define BUS_IFACE_INSTANCE "org.lwm2md1.Instance"
#define BUS_IFACE_OWNER    "org.lwm2md1.Owner"

typedef struct lwm2m_bus lwm2m_bus;
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
        lwm2m_log log;
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
        /* The short IDs of the servers exported on the connection as it knows them:
         * what bus_servers_changed compares the engine's new list with. */
        uint16_t *shown_servers;
        size_t n_shown_servers;
};

/* True for an instance made with CreateInstance. */
static inline bool bus_instance_is_held(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        return lwm2m_tree_get_owner(b->tree, oid, iid) == &b->held;
}
