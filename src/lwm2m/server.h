/* server.h - the engine's record of one LwM2M server (its session, registration and
 * pending exchanges), and the helpers that act on one record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/dedup.h"
#include "lwm2m/server_state.h"
#include "lwm2m/stored.h"
#include "util/buf.h"

typedef struct lwm2m_engine lwm2m_engine;
typedef struct block_rx block_rx;

/* What the one in-flight registration-interface (or bootstrap) request of a server is. */
typedef enum reg_request {
        REG_NONE,
        REG_REGISTER,
        REG_UPDATE,
        REG_DEREGISTER,
        REG_BOOTSTRAP, /* the bootstrap server's record: Bootstrap-Request (bootstrap.c) */
} reg_request;

/* How long a DTLS handshake may take before it is given up and diagnosed: three
 * flights at GnuTLS's 1 s, 2 s and 4 s retransmission timers. */
#define DTLS_HANDSHAKE_TIMEOUT_MS 7000u

typedef struct server {
        lwm2m_engine *e;
        bool bootstrap; /* the bootstrap server's record (bootstrap.h), not a management server */
        uint16_t short_id;
        uint16_t security_iid;
        uint16_t server_iid;
        lwm2m_server_state state;
        char uri[256];
        char binding[4];
        char version[4]; /* the LwM2M version offered in Register */
        uint32_t lifetime;
        coap_session_t *session;
        char location[128]; /* Location-Path, segments joined by '/' */
        char last_error[256];

        reg_request in_flight;
        uint8_t token[8];
        size_t token_len;
        bool update_links;  /* the object list changed since the last Register/Update */
        bool update_params; /* lifetime or binding changed */
        bool update_wanted;
        uint64_t next_update_ms;      /* registered: when the next Update is due */
        uint64_t retry_at_ms;         /* backoff/disabled: when to try again */
        uint64_t registered_until_ms; /* when the server will drop us */
        uint64_t update_retry_at_ms;  /* registered: no Update before this (back-off) */
        unsigned attempts;            /* failures since the last success */
        /* The Server object's registration rules (registration.c): when it may start
         * (UINT64_MAX: waiting for a server before it in Registration Priority Order),
         * and whether its first registration has been settled either way. */
        uint64_t start_at_ms;
        bool first_pass_done;
        bool registration_failed; /* every sequence the retry rules allow has failed */
        bool security_checked;    /* the handshake verified what the Security object pins */
        bool secure;              /* the session is DTLS */
        int session_fd;           /* its socket: DTLS record filter, drop count */
        uint64_t handshake_deadline_ms;

        /* The body of the Register or Update in flight, sent in Block1 slices when
         * it does not fit one datagram. */
        lwm2m_buf out_body;
        bool out_params; /* the Update in flight carries lt= and b= */
        unsigned out_num;
        unsigned out_szx;

        block_rx *block_rx;   /* request bodies from this server, half received */
        block_rx *last_fetch; /* the body of its last FETCH (see block.c) */
        dedup_cache dedup;    /* answers to its recent requests, for their retransmissions */

        /* Information reporting (observe.c, send.c). */
        bool reachable; /* registered and the last exchange went through */
        bool sleeping;  /* queue mode: session given up until there is something to send */
        uint64_t last_exchange_ms; /* the last message to or from it, for queue mode */
        size_t observations;
        stored_queue stored;       /* what waits for it to be reachable */
        struct send_flight *sends; /* Send requests awaiting their answer */
        uint16_t send_format;      /* the format its composite requests used */
} server;

/* Tells the daemon (lwm2m_engine_config.server_changed) that the server's state,
 * registration or last error changed. */
void server_changed(server *s);
/* Moves the server to `state` (logged at debug level, and told when it changes). */
void server_set_state(server *s, lwm2m_server_state state);
/* A resource of Server object instance `iid` as an unsigned number; `fallback` when
 * absent, negative or not a number. */
uint64_t server_uint(lwm2m_engine *e, uint16_t iid, uint16_t rid, uint64_t fallback);
/* A Boolean resource of Server object instance `iid`; `fallback` when absent. */
bool server_bool(lwm2m_engine *e, uint16_t iid, uint16_t rid, bool fallback);
/* Re-reads lifetime and binding from the server's Server object instance. */
void server_load_params(server *s);
/* Whether `pdu` carries the token of the server's request in flight (Register, Update,
 * De-register, Bootstrap-Request): an answer to it, or the request itself NACKed. */
bool server_in_flight_token(const server *s, const coap_pdu_t *pdu);
