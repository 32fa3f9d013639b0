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
/* Waits for the next notification of an observation started by ts_request. */
int ts_wait_notification(ts_server *s, int timeout_ms, ts_response *out);
void ts_response_free(ts_response *r);
/* "2.05" style text for a code. */
const char *ts_code_str(uint8_t code, char buf[8]);
