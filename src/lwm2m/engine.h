/* engine.h - the LwM2M client engine: one libcoap context, a connection per
 * server found in the Security and Server objects, registration and device management. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/server_state.h"
#include "model/request.h"
#include "model/tree.h"
#include "util/log.h"

typedef struct lwm2m_engine lwm2m_engine;

typedef struct lwm2m_engine_config {
        const char *endpoint;
        const char *lwm2m_version; /* "1.0", "1.1" or "1.2": the highest to offer */
        /* The debug line for each server request is only built (a path copy, a format)
         * when log.max_priority lets LOG_DEBUG through. */
        lwm2m_log log;
        /* Told whenever a server's state, registration or last error changes. */
        void (*server_changed)(void *userdata, uint16_t short_id);
        void *userdata;
        /* The largest request body a server may send (block-wise); 0: 4 MiB. */
        size_t max_request_body;
        /* Where server writes, creates, deletes, executes and on-demand reads go
         * (model/request.h); it must outlive the engine. */
        lwm2m_requests *requests;
} lwm2m_engine_config;

typedef struct lwm2m_server_info {
        uint16_t short_id;
        uint16_t server_iid; /* its Server object instance (/1/server_iid) */
        lwm2m_server_state state;
        const char *uri;
        const char *location;      /* Registration location ("rd/5"), "" when unregistered */
        const char *lwm2m_version; /* the version registered with */
        const char *binding;
        uint32_t lifetime;
        const char *last_error; /* "" when none */
} lwm2m_server_info;

/* The engine keeps pointers to the tree; the strings of `cfg` are copied. */
lwm2m_engine *lwm2m_engine_new(lwm2m_tree *tree, const lwm2m_engine_config *cfg);
void lwm2m_engine_free(lwm2m_engine *e);
/* Reads the servers from the Security (0) and Server (1) objects and starts
 * registering with each. -ENOENT when no usable server is configured. */
int lwm2m_engine_start(lwm2m_engine *e);
/* The file descriptor to watch for input (libcoap's epoll fd). */
int lwm2m_engine_fd(const lwm2m_engine *e);
/* Handles pending input and due timers. Returns milliseconds until it wants to
 * run again without input, or -1 when only input can wake it. */
int64_t lwm2m_engine_process(lwm2m_engine *e);
/* Sends a Registration Update to one server (0: all) as soon as possible. */
void lwm2m_engine_request_update(lwm2m_engine *e, uint16_t short_id);
/* The server's Disable (/1/x/4), once answered: de-registers from it and stays away
 * for `seconds`. -ENOENT when no server has that short ID. */
int lwm2m_engine_disable_server(lwm2m_engine *e, uint16_t short_id, uint64_t seconds);
/* Starts de-registering from every server; lwm2m_engine_finished() tells when done. */
void lwm2m_engine_shutdown(lwm2m_engine *e);
bool lwm2m_engine_finished(const lwm2m_engine *e);
size_t lwm2m_engine_server_count(const lwm2m_engine *e);
/* Information on the server at `index` (0 .. count-1), valid until the next call
 * into the engine. -ENOENT past the end. */
int lwm2m_engine_server_info(const lwm2m_engine *e, size_t index, lwm2m_server_info *out);
