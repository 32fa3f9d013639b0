/* context.h - the engine's context as its modules (engine, session, security,
 * registration, block, dm) share it: the libcoap context, the servers, the tree, the log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <coap3/coap.h>

#include "model/attributes.h"
#include "model/request.h"
#include "model/tree.h"
#include "util/log.h"

typedef struct lwm2m_engine lwm2m_engine;
struct server;
struct observe_set;

struct lwm2m_engine {
        lwm2m_tree *tree;
        const lwm2m_registry *reg;
        char *endpoint;
        char version[4];
        lwm2m_log log;
        /* Told whenever a server's state, registration or last error changes. */
        void (*server_changed)(void *userdata, uint16_t short_id);
        void (*servers_changed)(void *userdata); /* see lwm2m_engine_config */
        /* Told when the written attributes change (see lwm2m_engine_config). */
        void (*attributes_changed)(void *userdata);
        void (*answering)(void *userdata);                           /* see lwm2m_engine_config */
        bool (*confirmable)(void *userdata, const lwm2m_path *path); /* lwm2m_engine_config */
        void *userdata;
        /* Calls of the hooks above (but the pure `confirmable`) and of fetch callbacks:
         * with the tree's callouts, what lwm2m_engine_wait reports as called_out. */
        uint64_t callouts;
        char nested; /* its address tags the caller's descriptor (lwm2m_engine_nest_fd) */
        size_t max_request_body;  /* 0: BLOCK_DEFAULT_MAX_BODY */
        lwm2m_requests *requests; /* where requests that owners may refuse go */
        coap_context_t *ctx;
        struct server *servers;
        size_t n_servers;
        lwm2m_attributes *attrs;
        struct observe_set *observe; /* every server's observations */
        size_t stored_max_count;     /* per server, see lwm2m_engine_config */
        size_t stored_max_bytes;
        uint32_t queue_idle_ms;
        /* Sessions given up, released after libcoap's processing returns: never from
         * inside its callbacks, which may still use them (see engine_retire_session). */
        coap_session_t **retired;
        size_t n_retired;
        bool shutting_down;
        /* Registration failed as the Server object's rules say: bootstrap, at the
         * next engine processing (see registration.c, consider_bootstrap). */
        bool bootstrap_fallback;
        uint64_t shutdown_deadline_ms;
        /* The bootstrap server and where a bootstrap stands (bootstrap.h); NULL when no
         * Security instance is a bootstrap server's. bs_server is its record, for
         * engine_server_by_session. */
        struct bootstrap *bs;
        struct lwm2m_fetch *fetches;     /* lwm2m_engine_fetch's, under way (fetch.h) */
        struct security_borrow *borrows; /* sessions using a server's credentials (security.h) */
        struct server *bs_server;
        uint32_t bootstrap_timeout_s; /* lwm2m_engine_config.bootstrap_timeout_s */
};

/* The management servers the Security and Server objects describe: a new array in
 * *out (free() it) of records not yet started. With `why`, when none is usable it
 * says what is missing; without, what is unusable is logged. 0 or -ENOMEM. */
int engine_scan_servers(lwm2m_engine *e, struct server **out, size_t *n, char *why, size_t size);
/* Bootstrap is starting: every management server stops (observations end, sessions
 * go) and waits idle. */
void engine_idle_servers(lwm2m_engine *e);
/* Bootstrap finished: the old server records go and the engine registers with the
 * servers the objects describe now. */
int engine_rebuild_servers(lwm2m_engine *e);

/* Everything the engine and the model have called out to so far (hooks, owners,
 * listeners, the request timer): see lwm2m_engine_wait. */
static inline uint64_t engine_callouts(const lwm2m_engine *e)
{
        return e->callouts + lwm2m_tree_callouts(e->tree);
}

/* The monotonic clock every deadline of the engine is on. */
static inline uint64_t engine_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
