/* bench_probe.h - a lean LwM2M server on 127.0.0.1 that times a client's Read path: it takes
 * the Register (over NoSec or DTLS 1.2 PSK) and sends one confirmable GET at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_probe bench_probe;

typedef struct bench_probe_config {
        bool dtls; /* DTLS 1.2 with a pre-shared key, GnuTLS as the server */
        const char *psk_identity;
        const uint8_t *psk_key;
        size_t psk_key_len;
} bench_probe_config;

/* Binds a UDP socket on 127.0.0.1 (a free port); NULL with errno set if it cannot. */
bench_probe *bench_probe_new(const bench_probe_config *cfg);
void bench_probe_free(bench_probe *p);
uint16_t bench_probe_port(const bench_probe *p);

/* Waits up to `timeout_ms` for the first client (after the DTLS handshake, if any) to
 * register, answering 2.01 with Location-Path rd/<n>; from then on the probe talks only to
 * that client. 0, or a negative errno with bench_probe_error() saying what went wrong. */
int bench_probe_wait_register(bench_probe *p, int timeout_ms);
/* The endpoint name of the registered client, its Register count (a re-registration
 * in the middle of a measurement is worth knowing), and the DTLS cipher suite ("" NoSec). */
const char *bench_probe_endpoint(const bench_probe *p);
unsigned bench_probe_registrations(const bench_probe *p);
const char *bench_probe_cipher(const bench_probe *p);

/* Encodes the GET of `path` ("/3/0/0") with Accept `accept` once; each bench_probe_get()
 * then only writes a fresh message ID and token into it. */
int bench_probe_prepare_get(bench_probe *p, const char *path, int accept);
/* One confirmable GET, nothing else in flight: `rtt_ns` from the send to the response that
 * matches it (piggybacked, or the separate one after an empty ACK). A response other than
 * 2.05 with the Content-Format asked for, a Reset or no answer in `timeout_ms` is an error
 * (-EPROTO, -ECONNRESET, -ETIMEDOUT), explained by bench_probe_error(). Requests the client
 * sends meanwhile (an Update) are answered. */
int bench_probe_get(bench_probe *p, int timeout_ms, int64_t *rtt_ns);
/* How many GETs were answered by a separate response: a client that does so is measured
 * doing something else than the piggybacked answer the figures are about. */
unsigned bench_probe_separate_responses(const bench_probe *p);

/* Answers what the client sends for up to `timeout_ms` (Update, De-register): while it shuts
 * down. True once it has de-registered. */
bool bench_probe_serve(bench_probe *p, int timeout_ms);

const char *bench_probe_error(const bench_probe *p);
