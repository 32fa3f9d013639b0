/* bus.h - the D-Bus face of lwm2md: the org.lwm2md1 name, the Manager, the
 * object tree exported for local services and operators, and owned instances. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "model/tree.h"
#include "util/log.h"

/* One LwM2M server as the engine sees it; strings valid until the next call
 * into the engine. */
typedef struct bus_server_info {
        uint16_t short_id;
        const char *state;
        const char *uri;
        const char *location;
        const char *lwm2m_version;
        const char *binding;
        uint32_t lifetime;
        const char *last_error;
} bus_server_info;

/* What the bus needs from the engine, filled in by the daemon (the bus layer
 * never includes src/lwm2m/). */
typedef struct bus_engine_ops {
        size_t (*server_count)(void *userdata);
        int (*server_info)(void *userdata, size_t index, bus_server_info *out);
        int (*request_update)(void *userdata, uint16_t short_id /* 0: all */);
        const char *(*state)(void *userdata); /* "registered", "registering", "offline"... */
} bus_engine_ops;

typedef struct bus_config {
        const char *address; /* "system", "user" or a D-Bus address */
        const char *endpoint;
        const char *lwm2m_version;
        const bus_engine_ops *ops;
        void *ops_userdata;
        lwm2m_log log; /* where the bus says what it does and what went wrong */
        /* What local callers may push and keep, and who besides root administers
         * the device over D-Bus (a group name or number; NULL: root only). */
        size_t max_value_size;             /* bytes of one String or Opaque value */
        unsigned max_instances_per_caller; /* per connection, and per uid for held ones */
        const char *admin_group;
} bus_config;

typedef struct lwm2m_bus lwm2m_bus;

/* Connects, exports the tree, takes the name org.lwm2md1 and attaches to
 * `event`. When the bus cannot be reached or the name is taken, or later when
 * the connection is lost, it logs why and tries again (1 s, doubling to 30 s);
 * providers' instances go with a lost connection, held ones stay. Fails only
 * when it cannot set itself up (a negative errno, a sentence in `why`). The
 * tree must outlive the bus. */
int bus_new(sd_event *event, lwm2m_tree *tree, const bus_config *cfg, lwm2m_bus **out, char *why,
            size_t why_size);
/* Removes what providers own from the tree, then closes the connection. */
void bus_free(lwm2m_bus *b);
/* The engine's word that a server's state, registration or last error changed. */
void bus_server_changed(lwm2m_bus *b, uint16_t short_id);
/* The unique name of the connection (for logs and tests), or NULL. */
const char *bus_unique_name(lwm2m_bus *b);
