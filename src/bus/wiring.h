/* wiring.h - what the daemon hands the bus: the engine's operations (the bus
 * never includes src/lwm2m/), the log sink and the settings, in a bus_config. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "model/request.h"
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
        uint32_t observations; /* Observe and Observe-Composite of the server */
        bool sleeping;         /* queue mode: not listening until there is something to send */
        /* Stored notifications and Send payloads: kept now, delivered after being
         * kept, dropped (past the bound, or their observation ended first). */
        uint64_t notifications_queued;
        uint64_t notifications_delivered;
        uint64_t notifications_dropped;
} bus_server_info;

/* What the bus needs from the engine, filled in by the daemon (the bus layer
 * never includes src/lwm2m/). */
typedef struct bus_engine_ops {
        size_t (*server_count)(void *userdata);
        int (*server_info)(void *userdata, size_t index, bus_server_info *out);
        int (*request_update)(void *userdata, uint16_t short_id /* 0: all */);
        /* Starts a bootstrap (lwm2m_engine_bootstrap): -ENOENT no bootstrap server. */
        int (*bootstrap)(void *userdata);
        const char *(*state)(void *userdata); /* "registered", "registering", "offline"... */
        /* LwM2M Send of the current values at `paths` (existing, none the root or
         * the Security object) to one server (0: every server that takes it); the
         * engine's errors (lwm2m_engine_send): -ENOENT, -EPERM (Mute Send),
         * -EPROTONOSUPPORT (LwM2M 1.0), -ENOTCONN, -EINVAL, -ENOSYS. */
        int (*send)(void *userdata, uint16_t short_id, const lwm2m_path *paths, size_t n);
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
        /* Where the bus's writes, creates, deletes, executes and on-demand reads
         * go (model/request.h); it must outlive the bus. */
        lwm2m_requests *requests;
} bus_config;
