/* engine.h - the LwM2M client engine: one libcoap context, a connection per
 * server found in the Security and Server objects, registration and device management. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/server_state.h"
#include "model/attributes.h"
#include "model/path.h"
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
        /* Told when the list of management servers has been replaced (at start and
         * after a Bootstrap-Finish), before the new servers' first server_changed;
         * lwm2m_engine_server_count/_info give the new list. May be NULL. */
        void (*servers_changed)(void *userdata);
        void *userdata;
        /* The largest request body a server may send (block-wise); 0: 4 MiB. */
        size_t max_request_body;
        /* Where server writes, creates, deletes, executes and on-demand reads go
         * (model/request.h); it must outlive the engine. */
        lwm2m_requests *requests;
        /* Stored notifications and Send payloads per server while it cannot be reached
         * (Notification Storing, /1/x/6): the bound in count and in bytes, oldest
         * dropped first. 0: LWM2M_STORED_DEFAULT_COUNT / _BYTES. */
        size_t stored_max_count;
        size_t stored_max_bytes;
        /* Queue mode (binding with Q): how long after the last exchange the daemon
         * stops listening for the server. 0: CoAP's MAX_TRANSMIT_WAIT (93 s). */
        uint32_t queue_idle_ms;
        /* Told when the written notification attributes change (a Write-Attributes
         * applied, an instance's forgotten with it), for persistence; may be NULL. */
        void (*attributes_changed)(void *userdata);
        /* Called before the answer to a server's request leaves (libcoap sends it when
         * the handler returns), so that what the request changed can be made durable
         * first: a server told 2.04 must find the change after a power cut. Only for
         * requests that ran something outside the engine and the model (changed the
         * tree, asked an owner): a read of stored values does not call it. */
        void (*answering)(void *userdata);
        /* How long a bootstrap may take from Bootstrap-Request to Bootstrap-Finish before
         * it is abandoned and retried after the back-off. 0: the Security object's
         * Bootstrap-Server Account Timeout (/0/x/12) if set, else 120 s. */
        uint32_t bootstrap_timeout_s;
        /* Whether notifications of an observation of `path` go out confirmable, whatever
         * its attributes say: values a server must not miss (the firmware update's State
         * and Update Result). May be NULL. */
        bool (*confirmable)(void *userdata, const lwm2m_path *path);
} lwm2m_engine_config;

#define LWM2M_STORED_DEFAULT_COUNT 1000u
#define LWM2M_STORED_DEFAULT_BYTES (256u * 1024u)

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
        size_t observations;    /* the server's observations (Observe and Observe-Composite) */
        bool sleeping;          /* queue mode: not listening until there is something to send */
        /* Stored notifications and Send payloads: kept now, delivered after being
         * kept, and dropped (past the bound, or their observation ended first). */
        uint64_t stored_queued;
        uint64_t stored_delivered;
        uint64_t stored_dropped;
} lwm2m_server_info;

/* The engine keeps pointers to the tree; the strings of `cfg` are copied. */
lwm2m_engine *lwm2m_engine_new(lwm2m_tree *tree, const lwm2m_engine_config *cfg);
void lwm2m_engine_free(lwm2m_engine *e);
/* Reads the servers from the Security (0) and Server (1) objects and starts
 * registering with each; with no usable management server but a bootstrap server,
 * bootstraps (after the Client Hold Off Time, /0/x/11). -ENOENT when neither. */
int lwm2m_engine_start(lwm2m_engine *e);
/* Starts a client-initiated bootstrap now (Bootstrap-Request Trigger, D-Bus): the
 * management servers go idle until Bootstrap-Finish. -ENOENT when no Security
 * instance is a bootstrap server's. */
int lwm2m_engine_bootstrap(lwm2m_engine *e);
/* A bootstrap is under way (from its request, or the hold-off, to its Finish). */
bool lwm2m_engine_bootstrapping(const lwm2m_engine *e);
/* The engine's epoll descriptor (libcoap's, holding the sessions' sockets). A loop
 * that waits in lwm2m_engine_wait needs nothing else from it. */
int lwm2m_engine_fd(const lwm2m_engine *e);
/* Adds the caller's own descriptor (another event loop's epoll descriptor) to the
 * engine's epoll set, so that one wait serves both: lwm2m_engine_wait reports it
 * ready and leaves it alone. 0 or a negative errno. */
int lwm2m_engine_nest_fd(lwm2m_engine *e, int fd);

typedef struct lwm2m_wakeup {
        /* Milliseconds until the engine wants to run again without input; -1: only
         * input can wake it. */
        int64_t next_ms;
        bool nested_ready; /* the descriptor of lwm2m_engine_nest_fd is readable */
        /* Code outside the engine and the model ran (a hook, an owner, a tree listener,
         * the request timer): it may have changed the caller's other event sources. */
        bool called_out;
} lwm2m_wakeup;

/* One wait of at most `timeout_ms` (-1: no limit) on the engine's descriptor, then
 * what came in and what fell due is handled. In the steady state a server's request
 * costs this epoll_wait, libcoap's receive and its send, and one timerfd_settime that
 * libcoap 4.3.1 forces: coap_io_do_epoll, the only call that hands it input, ends in
 * coap_io_prepare_epoll, which sets libcoap's timer whether or not it changed. The
 * timer stays disarmed (libcoap's deadline is in next_ms instead), and the daemon's
 * own timerfd_settime (daemon/timer_disarm.c) keeps that disarm from the kernel.
 * 0 or a negative errno of epoll_wait (then nothing was handled). */
int lwm2m_engine_wait(lwm2m_engine *e, int timeout_ms, lwm2m_wakeup *out);
/* Handles pending input and due timers without waiting. Returns milliseconds until
 * it wants to run again without input, or -1 when only input can wake it. */
int64_t lwm2m_engine_process(lwm2m_engine *e);
/* Acts on what changed outside the engine (tree changes, owners' answers, queued
 * Sends) and on due timers, without reading input; returns as lwm2m_engine_process. */
int64_t lwm2m_engine_run_due(lwm2m_engine *e);
/* Sends a Registration Update to one server (0: all) as soon as possible. */
void lwm2m_engine_request_update(lwm2m_engine *e, uint16_t short_id);
/* The server's Disable (/1/x/4), once answered: de-registers from it and stays away
 * for `seconds`. -ENOENT when no server has that short ID. */
int lwm2m_engine_disable_server(lwm2m_engine *e, uint16_t short_id, uint64_t seconds);
/* LwM2M Send (POST /dp): the current values at `paths` (objects, instances,
 * resources, resource instances), to server `short_id` or, with 0, to every server
 * that may take it. The values go in the server's preferred format (SenML CBOR unless
 * it asked otherwise), with the time their provider gave them. While the server
 * cannot be reached they are stored when its Notification Storing (/1/x/6) is on.
 * 0 once handed over or stored; -ENOENT no such server or nothing at the paths,
 * -EPERM Mute Send (/1/x/23) is on (or every server has it on), -EPROTONOSUPPORT
 * the server registered with LwM2M 1.0, -ENOTCONN unreachable and not storing,
 * -EINVAL a path is the root or the Security object. */
int lwm2m_engine_send(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *paths, size_t n);
/* Starts de-registering from every server; lwm2m_engine_finished() tells when done. */
void lwm2m_engine_shutdown(lwm2m_engine *e);
bool lwm2m_engine_finished(const lwm2m_engine *e);
size_t lwm2m_engine_server_count(const lwm2m_engine *e);
/* Information on the server at `index` (0 .. count-1), valid until the next call
 * into the engine. -ENOENT past the end. */
int lwm2m_engine_server_info(const lwm2m_engine *e, size_t index, lwm2m_server_info *out);
/* The notification attributes servers have written, for persistence. */
const lwm2m_attributes *lwm2m_engine_attributes(const lwm2m_engine *e);
/* Sets attributes kept from an earlier run, before lwm2m_engine_start: each entry
 * is written as a Write-Attributes would. 0, -EINVAL (an inconsistent set) or
 * -ENOMEM; attributes_changed is not called. */
int lwm2m_engine_restore_attributes(lwm2m_engine *e, const lwm2m_attributes *saved);

/* ---- fetching a resource from a CoAP server (a firmware Package URI) ---- */

typedef struct lwm2m_fetch lwm2m_fetch;
typedef struct lwm2m_fetch_ops {
        /* Bytes of the resource in order: `offset` is where the previous call ended
         * (the resume offset at first); `total` is the size the server announced
         * (Size2), or UINT64_MAX. 0 to go on, or a negative errno to stop: the fetch
         * then ends with that error. */
        int (*data)(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                    uint64_t total);
        /* The end, exactly once unless cancelled: 0 when every byte came, else
         * -ETIMEDOUT or -ECONNRESET (the connection was lost: resumable), -ENOENT (4.04),
         * -ESTALE (the resource changed between blocks: its ETag), -EPROTO (an answer
         * that makes no sense), -ECONNREFUSED (a DTLS handshake or an ICMP refusal),
         * or what `data` returned. The fetch is freed after `done` returns. */
        void (*done)(void *userdata, int error);
        void *userdata;
} lwm2m_fetch_ops;

/* Starts a block-wise GET (Block2) of a coap:// or coaps:// URI on its own session,
 * from byte `offset` (resuming: the block holding it is asked for first and the bytes
 * before `offset` are dropped). coaps uses the credentials of the Security instance
 * of management server `short_id` (0: the first server), whatever its mode. NULL with
 * errno: EINVAL (a malformed URI), EPROTONOSUPPORT (another scheme, or coaps without
 * DTLS credentials), EHOSTUNREACH (a host name that does not resolve: a name is
 * looked up with getaddrinfo, which blocks; an address never does), EIO, ENOMEM.
 * Runs on the engine's own loop; lwm2m_engine_free cancels what is left. */
lwm2m_fetch *lwm2m_engine_fetch(lwm2m_engine *e, const char *uri, uint64_t offset,
                                uint16_t short_id, const lwm2m_fetch_ops *ops);
/* Stops a fetch that has not ended; `done` is not called (a call from inside `done`
 * changes nothing: the fetch is freed when `done` returns). */
void lwm2m_fetch_cancel(lwm2m_fetch *f);
