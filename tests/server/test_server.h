/* test_server.h - a small LwM2M server on libcoap for the integration tests and
 * the demo: takes registrations on 127.0.0.1 and sends any operation in any format. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

typedef enum ts_security {
        TS_SECURITY_NOSEC,
        TS_SECURITY_PSK,
        TS_SECURITY_RPK,  /* key_file: a PEM EC private key; any client key (ts_peer_identity) */
        TS_SECURITY_X509, /* cert_file, key_file, ca_file (client certificates checked) */
} ts_security;

typedef struct ts_config {
        ts_security security;
        uint16_t port; /* 0: pick a free port on 127.0.0.1 */
        const char *psk_identity;
        const uint8_t *psk_key;
        size_t psk_key_len;
        const char *cert_file;
        const char *key_file;
        const char *ca_file;
        bool verbose; /* libcoap debug output on stderr */
        /* Without verbose: keep libcoap's last debug lines and print them when a request
         * of ts_request times out (costs some CPU per message: not for benchmarks). */
        bool trace_timeouts;
        /* First retransmission timeout of ts_request's messages (0: libcoap's 2 s;
         * libcoap takes nothing under 1000). */
        unsigned ack_timeout_ms;
        /* An Update from an address other than the one that registered is answered
         * 4.04, as servers do whose DTLS session or NAT mapping is keyed by address. */
        bool strict_address;
} ts_config;

typedef struct ts_registration {
        bool registered; /* false once de-registered */
        char endpoint[128];
        char location[16]; /* "rd/N" */
        char version[8];   /* lwm2m= */
        char binding[8];   /* b= */
        uint32_t lifetime;
        bool queue_mode;    /* Q */
        char *links;        /* the last Register or Update payload, NUL-terminated */
        char query[512];    /* the Register query string as received */
        unsigned registers; /* Register requests taken for this endpoint */
        unsigned updates;
        unsigned deregisters;
        coap_session_t *session;
} ts_registration;

typedef struct ts_response {
        uint8_t code;       /* CoAP class * 32 + detail, e.g. 69 for 2.05; 0 if none */
        int content_format; /* -1 when absent */
        int observe;        /* Observe option value, -1 when absent */
        uint8_t *payload;
        size_t len;
        char location[64]; /* Location-Path segments joined by '/' ("3303/0"), "" if none */
        int64_t block1;    /* Block1 and Block2 option values (num << 4 | m << 3 | szx), */
        int64_t block2;    /* -1 when absent */
        int64_t size1;     /* Size1, -1 when absent */
} ts_response;

/* An option with a uint value, for ts_request_raw. */
typedef struct ts_option {
        uint16_t number;
        uint64_t value;
} ts_option;

typedef struct ts_server ts_server;

ts_server *ts_new(const ts_config *cfg);
void ts_free(ts_server *s);
uint16_t ts_port(const ts_server *s);
/* The URI a client should use: "coap://127.0.0.1:PORT" or "coaps://...". */
const char *ts_uri(const ts_server *s);

/* Runs the CoAP machinery for up to `ms` milliseconds. */
void ts_process(ts_server *s, int ms);
/* Waits until the counter of Register requests (over all endpoints) exceeds
 * `seen`; returns the registration or NULL on timeout. */
ts_registration *ts_wait_register(ts_server *s, unsigned seen, int timeout_ms);
ts_registration *ts_wait_update(ts_server *s, unsigned seen, int timeout_ms);
bool ts_wait_deregister(ts_server *s, unsigned seen, int timeout_ms);
/* The registration of the most recently registered client, or NULL. */
ts_registration *ts_current(ts_server *s);
unsigned ts_register_count(const ts_server *s);
unsigned ts_update_count(const ts_server *s);
unsigned ts_deregister_count(const ts_server *s);
/* What the last DTLS client showed of itself in its handshake (DER): its certificate
 * (X.509) or its SubjectPublicKeyInfo (RPK). Returns the length, 0 if none. */
size_t ts_peer_identity(const ts_server *s, const uint8_t **der);
/* Makes the next `n` Register/Update requests fail with `code`. */
void ts_fail_next(ts_server *s, uint8_t code, unsigned n);
/* Forgets every registration (as a restarted server would). */
void ts_forget(ts_server *s);

/* Sends a confirmable request to the current registration and waits for the
 * response. `path` may carry a query ("/3/0?pmin=10"). content_format and
 * accept are -1 for none; observe is -1 for none, 0 to register, 1 to cancel.
 * Returns 0 with *out filled (free with ts_response_free), -ETIMEDOUT,
 * -ECONNRESET (reset or failure), -ENOTCONN (nobody registered). */
int ts_request(ts_server *s, coap_pdu_code_t method, const char *path, int content_format,
               int accept, int observe, const void *payload, size_t len, int timeout_ms,
               ts_response *out);
/* As ts_request, with the payload as it is in one datagram (no block-wise cutting by
 * libcoap) and `extra` options (Block1, Block2, Size1 ...) exactly as given. */
int ts_request_raw(ts_server *s, coap_pdu_code_t method, const char *path, int content_format,
                   const ts_option *extra, size_t n_extra, const void *payload, size_t len,
                   int timeout_ms, ts_response *out);
/* Waits for the next notification of any observation (started by ts_request or
 * ts_observe) and takes it off the queue. */
int ts_wait_notification(ts_server *s, int timeout_ms, ts_response *out);
void ts_response_free(ts_response *r);

/* ---- observations (Observe, Observe-Composite) ---- */

/* A notification as received: kept per observation, in arrival order. */
typedef struct ts_notification {
        unsigned observation; /* the handle of ts_observe */
        bool confirmable;     /* CON (else NON) */
        uint8_t token[8];
        size_t token_len;
        int64_t at_ms;    /* receive time, CLOCK_MONOTONIC */
        bool after_end;   /* came after the observation was cancelled (answered with reset) */
        bool reset;       /* answered with reset (ts_set_reset_notifications or after_end) */
        ts_response resp; /* code, content format, Observe value, payload */
} ts_notification;

/* GET `path` (may carry a query) with Observe=0 and `accept` (-1: none). On a 2.05
 * with an Observe option, *handle (> 0) names the observation for the calls below;
 * on any other answer *handle is 0. Returns as ts_request; *first holds the answer. */
int ts_observe(ts_server *s, const char *path, int accept, int timeout_ms, ts_response *first,
               unsigned *handle);
/* Observe-Composite: FETCH / with Observe=0, `content_format` (110, 112 or 11544) and
 * a payload listing the paths; otherwise as ts_observe. */
int ts_observe_composite(ts_server *s, int content_format, const void *payload, size_t len,
                         int accept, int timeout_ms, ts_response *first, unsigned *handle);
/* Cancels with Observe=1 on the observation's token (GET, or FETCH with the same
 * payload for a composite one); *out is the answer. Notifications after it are
 * still recorded (after_end) and answered with reset. */
int ts_cancel_observe(ts_server *s, unsigned handle, int timeout_ms, ts_response *out);
/* Waits for the next notification of observation `handle` not taken yet. The
 * caller owns out->resp (ts_notification_free). -ETIMEDOUT, -ENOENT no such handle. */
int ts_wait_observation(ts_server *s, unsigned handle, int timeout_ms, ts_notification *out);
/* Notifications received for `handle` so far, taken or not (0 for an unknown handle). */
unsigned ts_notification_count(const ts_server *s, unsigned handle);
/* Notifications of all observations received so far. */
unsigned ts_notification_total(const ts_server *s);
/* The token of an observation (false for an unknown handle). */
bool ts_observation_token(const ts_server *s, unsigned handle, uint8_t token[8], size_t *len);
/* While on, every notification is answered with reset (libcoap sends RST) instead of
 * being accepted (ACK for CON). Notifications are recorded either way. */
void ts_set_reset_notifications(ts_server *s, bool on);
void ts_notification_free(ts_notification *n);

/* ---- LwM2M Send (POST /dp) ---- */

typedef struct ts_send {
        int content_format; /* -1 when absent */
        uint8_t *payload;   /* NUL-terminated copy */
        size_t len;
        int64_t at_ms;
} ts_send;

/* Every POST /dp is answered 2.04 and recorded. */
unsigned ts_send_count(const ts_server *s);
/* The i-th one (0-based, arrival order), NULL past the end; owned by the server. */
const ts_send *ts_send_get(const ts_server *s, unsigned i);
/* Waits until more than `seen` have come; returns the (seen)-th or NULL on timeout. */
const ts_send *ts_wait_send(ts_server *s, unsigned seen, int timeout_ms);

/* ---- as a bootstrap server ---- */

typedef struct ts_bootstrap_request {
        char endpoint[128]; /* ep= */
        int pct;            /* pct= (preferred content format), -1 when absent */
        char query[512];    /* as received */
        int64_t at_ms;      /* CLOCK_MONOTONIC */
} ts_bootstrap_request;

/* Every Bootstrap-Request (POST /bs?ep=...) is recorded and answered 2.04 (or with
 * ts_fail_bootstrap's code); its session becomes the one ts_request talks to (as
 * endpoint ep), so Bootstrap-Write, -Read, -Discover, -Delete and -Finish (POST /bs)
 * go through ts_request. Waits until more than `seen` have come; returns the latest
 * or NULL on timeout. */
const ts_bootstrap_request *ts_wait_bootstrap_request(ts_server *s, unsigned seen, int timeout_ms);
unsigned ts_bootstrap_request_count(const ts_server *s);
/* Answers the next `n` Bootstrap-Requests with `code` (recorded all the same). */
void ts_fail_bootstrap(ts_server *s, uint8_t code, unsigned n);

/* "2.05" style text for a code. */
const char *ts_code_str(uint8_t code, char buf[8]);

/* ---- a resource to fetch (a firmware image behind a Package URI) ---- */

/* GET `path` ("fw/image") is answered block-wise from a copy of `data`: the block
 * the request's Block2 asks for (at most 1024 bytes), with Block2, Size2 and an ETag
 * that changes with each call (calling again changes the blob). 0 or -ENOMEM. */
int ts_serve_blob(ts_server *s, const char *path, const uint8_t *data, size_t len);
/* After `n` more blocks of the blob the server goes silent: it reads nothing more
 * (requests time out at the client) until ts_set_silent(s, false). UINT_MAX: never. */
void ts_blob_drop_after(ts_server *s, unsigned n);
/* Blocks of the blob answered so far. */
unsigned ts_blob_blocks(const ts_server *s);
void ts_set_silent(ts_server *s, bool silent);
/* Called at each turn of the server's waiting loops (ts_process, ts_request, ...),
 * which then wait at most 2 ms at a time: drives a client engine in the same process. */
void ts_set_idle(ts_server *s, void (*fn)(void *userdata), void *userdata);
