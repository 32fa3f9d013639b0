/* session.h - the libcoap sessions of the servers: which server a session is for,
 * and giving sessions up safely (never released from inside libcoap's callbacks). */
#pragma once

#include <stdbool.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"

/* The server `session` belongs to; NULL for a session given up. */
server *engine_server_by_session(lwm2m_engine *e, coap_session_t *session);
/* Gives a session up: it no longer belongs to a server; engine_release_retired_sessions
 * later cancels the requests on it that wait for owners, disconnects and releases it
 * (its socket closed, its queued messages dropped). */
void engine_retire_session(lwm2m_engine *e, coap_session_t *session);
/* Runs after libcoap's processing has returned, never from a callback. */
void engine_release_retired_sessions(lwm2m_engine *e);
/* Gives the server's session up, with what was in flight or half received on it. */
void session_release(server *s);
/* A DTLS handshake is under way (libcoap 4.3.1 does not report a client's completed
 * handshake as an event). */
bool session_handshake_pending(const server *s);
