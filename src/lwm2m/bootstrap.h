/* bootstrap.h - the bootstrap interface (LwM2M Core 6.1, 5.2): Bootstrap-Request to the
 * bootstrap server, its Write, Read, Discover, Delete and Finish, timeout and back-off. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"

/* The default for how long a bootstrap may take from its request to Bootstrap-Finish,
 * when neither the configuration nor the Security object (/0/x/12) says. */
#define BOOTSTRAP_TIMEOUT_DEFAULT_S 120u

typedef enum bootstrap_phase {
        BOOTSTRAP_IDLE,       /* not bootstrapping */
        BOOTSTRAP_HOLD_OFF,   /* waiting the Client Hold Off Time (/0/x/11) */
        BOOTSTRAP_REQUESTING, /* Bootstrap-Request in flight */
        BOOTSTRAP_WAITING,    /* the server configures us until Bootstrap-Finish */
        BOOTSTRAP_BACKOFF,    /* failed or timed out: the next request after the back-off */
        BOOTSTRAP_FINISHED,   /* Finish accepted: the engine takes the new servers */
} bootstrap_phase;

typedef struct bootstrap {
        server srv; /* the bootstrap server's session, request in flight, failures */
        bootstrap_phase phase;
        uint64_t at_ms;       /* hold-off or back-off end */
        uint64_t deadline_ms; /* requesting or waiting: when the bootstrap is given up */
        uint32_t timeout_s;   /* configured; 0: /0/x/12 or BOOTSTRAP_TIMEOUT_DEFAULT_S */
} bootstrap;

/* Finds the bootstrap server's Security instance (/0/x/1 true) and makes e->bs for it;
 * -ENOENT when there is none. */
int bootstrap_setup(lwm2m_engine *e);
void bootstrap_free(lwm2m_engine *e);
/* Starts a client-initiated bootstrap: after the Client Hold Off Time when `hold_off`,
 * else at once. Management servers go idle meanwhile. -ENOENT without a bootstrap server. */
int bootstrap_begin(lwm2m_engine *e, bool hold_off);
bool bootstrap_active(const lwm2m_engine *e);
/* Timers: the hold-off, the back-off, the bootstrap's deadline, a DTLS handshake that
 * does not complete. Returns the next time it wants to run (UINT64_MAX: none). */
uint64_t bootstrap_run(lwm2m_engine *e, uint64_t now);
/* True when `received` answers our Bootstrap-Request (and is handled). */
bool bootstrap_on_response(lwm2m_engine *e, server *s, const coap_pdu_t *received);
bool bootstrap_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent,
                       coap_nack_reason_t reason);
/* One request of the bootstrap server (whole body in `body`). */
void bootstrap_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                              const uint8_t *body, size_t body_len, coap_pdu_t *response);
/* Whether the Security and Server objects name a management server the daemon can
 * register with; if not, `why` says what is missing. */
bool bootstrap_config_usable(lwm2m_engine *e, char *why, size_t size);
