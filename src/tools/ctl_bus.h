/* ctl_bus.h - lwm2mctl's side of the daemon's D-Bus API: the connection, calls, property
 * walks, the contract's value types both ways, and fetching objects, instances and servers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "tools/ctl_parse.h"

#define CTL_BUS_NAME       "org.lwm2md1"
#define CTL_ROOT_PATH      "/org/lwm2md1"
#define CTL_IFACE_MANAGER  "org.lwm2md1.Manager"
#define CTL_IFACE_SERVER   "org.lwm2md1.Server"
#define CTL_IFACE_OBJECT   "org.lwm2md1.Object"
#define CTL_IFACE_INSTANCE "org.lwm2md1.Instance"
/* Longer than the 4 s the daemon gives an owner for an Execute or Write. */
#define CTL_CALL_TIMEOUT_USEC (10 * 1000 * 1000ULL)

typedef struct ctl {
        sd_bus *bus;
        const ctl_args *args;
        /* Set once the bus policy refused Instance.Read: read the typed properties. */
        bool *by_property;
} ctl;

/* What lwm2mctl knows of an object from org.lwm2md1.Object. */
typedef struct ctl_objdef {
        uint16_t id;
        char *name;
        char *version;
        char *urn;
        bool multiple;
        bool mandatory;
        ctl_resource *res;
        size_t n_res;
} ctl_objdef;

/* One instance from GetManagedObjects. */
typedef struct ctl_instance {
        uint16_t oid;
        uint16_t iid;
        char *owner;
} ctl_instance;

typedef struct ctl_managed {
        ctl_instance *inst;
        size_t n_inst;
        ctl_objdef *defs; /* every object with the Object interface */
        size_t n_defs;
} ctl_managed;

typedef struct ctl_server {
        char *path;
        uint16_t short_id;
        uint32_t lifetime;
        char *uri, *state, *binding, *location, *version, *last_error;
        uint32_t observations;
        bool sleeping;
        uint64_t notifications_queued, notifications_delivered, notifications_dropped;
} ctl_server;

typedef struct ctl_manager {
        char *endpoint, *state, *version;
        char **servers;
        size_t n_servers;
        uint16_t *objects;
        size_t n_objects;
} ctl_manager;

/* "system", "user" or a D-Bus address. */
int ctl_open_bus(const char *which, sd_bus **out);
/* A method call on the daemon; `types` (or NULL) and the arguments after it are appended. */
int ctl_call(const ctl *c, const char *path, const char *iface, const char *member,
             sd_bus_message **reply, sd_bus_error *e, const char *types, ...);

void ctl_objdef_done(ctl_objdef *d);
void ctl_managed_done(ctl_managed *mo);
void ctl_server_done(ctl_server *s);
void ctl_manager_done(ctl_manager *mi);

/* The fetches return an exit status, the failure reported already, or 0. */
int ctl_fetch_objdef(const ctl *c, uint16_t oid, ctl_objdef *d);
/* Every instance (sorted by path) and every object definition, from GetManagedObjects. */
int ctl_fetch_managed(const ctl *c, ctl_managed *mo);
int ctl_fetch_manager(const ctl *c, ctl_manager *mi);
int ctl_fetch_server(const ctl *c, const char *path, ctl_server *s);
const ctl_objdef *ctl_managed_find_def(const ctl_managed *mo, uint16_t oid);

/* The bus path of instance /oid/iid. */
void ctl_instance_path(char *buf, size_t size, uint16_t oid, uint16_t iid);
/* Instance.Read, or the typed property where the bus policy allows only properties; returns
 * 0, or the r of the call with `e` set. */
int ctl_read_resource(const ctl *c, uint16_t oid, uint16_t iid, const ctl_resource *res,
                      ctl_res_value *out, sd_bus_error *e);
/* The variant Instance.Write takes for `res`: one value, or a{qT} of its instances. */
int ctl_append_resource_variant(sd_bus_message *m, const ctl_resource *res,
                                const ctl_res_value *rv);
