/* engine-internal.h - the engine's shared structures, for its own modules only
 * (engine.c, security.c, dm.c): servers, their sessions and pending exchanges. */
#pragma once

#include <coap3/coap.h>

#include "lwm2m/block.h"
#include "lwm2m/dedup.h"
#include "lwm2m/engine.h"
#include "lwm2m/retry.h"
#include "model/attributes.h"
#include "util/buf.h"

/* What the one in-flight registration-interface request of a server is. */
typedef enum reg_request {
        REG_NONE,
        REG_REGISTER,
        REG_UPDATE,
        REG_DEREGISTER,
} reg_request;

/* How long a DTLS handshake may take before it is given up and diagnosed: three
 * flights at GnuTLS's 1 s, 2 s and 4 s retransmission timers. */
#define DTLS_HANDSHAKE_TIMEOUT_MS 7000u

typedef struct server {
        lwm2m_engine *e;
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
        bool security_checked;        /* the handshake verified what the Security object pins */
        bool secure;                  /* the session is DTLS */
        int session_fd;               /* its socket, for security_drop_stray_datagrams */
        uint64_t strays;              /* datagrams dropped on it */
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
} server;

struct lwm2m_engine {
        lwm2m_tree *tree;
        const lwm2m_registry *reg;
        char *endpoint;
        char version[4];
        lwm2m_engine_config cfg;
        coap_context_t *ctx;
        server *servers;
        size_t n_servers;
        lwm2m_attributes *attrs;
        lwm2m_owner server_owner; /* the engine stands behind /1 instances */
        /* Sessions given up, released after libcoap's processing returns: never from
         * inside its callbacks, which may still use them (see engine_retire_session). */
        coap_session_t **retired;
        size_t n_retired;
        bool shutting_down;
        uint64_t shutdown_deadline_ms;
        uint64_t now_ms;
};

void engine_log(lwm2m_engine *e, int priority, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
uint64_t engine_now_ms(void);
server *engine_server_by_session(lwm2m_engine *e, coap_session_t *session);
/* Gives a session up: it no longer belongs to a server; engine_release_retired_sessions
 * later cancels the requests on it that wait for owners, disconnects and releases it
 * (its socket closed, its queued messages dropped). */
void engine_retire_session(lwm2m_engine *e, coap_session_t *session);
/* Runs after libcoap's processing has returned, never from a callback. */
void engine_release_retired_sessions(lwm2m_engine *e);

/* Answers one request from server `s`: its body reassembled from Block1 slices
 * first, then the operation (dm.c). The request handler, and the fuzz target's entry. */
void engine_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                           const coap_string_t *query, coap_pdu_t *response);

/* security.c: opens a client session to the server its Security instance names. */
int security_open_session(lwm2m_engine *e, server *s);
/* security.c: drops what waits on a DTLS session's socket that is not DTLS records
 * (garbage, stray plaintext), before GnuTLS can take it for the start of a record.
 * 0, or a negative errno the socket reported (-ECONNREFUSED: ICMP unreachable). */
int security_drop_stray_datagrams(server *s);
/* security.c: why a DTLS handshake with the server did not complete, as far as the
 * messages it got tell (no answer at all, or an answer that refused our credentials). */
void security_diagnose_handshake(server *s, char *why, size_t size);

/* dm.c: answers one request from a server, whose whole body (reassembled from
 * blocks) is `body` (libcoap calls again with the same request once an owner's
 * asynchronous answer is in). */
void dm_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                       const coap_string_t *query, const uint8_t *body, size_t body_len,
                       coap_pdu_t *response);
/* dm.c: answers a request that waited for an owner, when libcoap hands it back
 * after the model's request is done (true: answered, or still waiting). */
bool dm_answer_waited(lwm2m_engine *e, server *s, const coap_pdu_t *request, coap_pdu_t *response);
/* dm.c: cancels the requests that came on `session` and still wait for an owner. */
void dm_cancel_session(lwm2m_engine *e, coap_session_t *session);
/* dm.c: the content-format a server gets when it names none. */
uint16_t dm_default_format(const server *s, const lwm2m_path *path, bool single_value);
