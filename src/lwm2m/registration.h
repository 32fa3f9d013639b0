/* registration.h - the registration interface of one server: Register, Update and
 * De-register, their answers and failures, and the back-off between tries. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"

/* Starts registering with every server as the Server object's registration rules
 * say: each after its Initial Registration Delay (/1/x/14), those with a
 * Registration Priority Order (/1/x/13) one at a time in that order. */
void registration_start_all(lwm2m_engine *e);
/* Opens a new session and sends Register; on failure, waits as the back-off says. */
void registration_start(server *s);
/* Sends a Register, Update or De-register on the server's session. */
int registration_send(server *s, reg_request kind);
/* The request in flight failed; `what` says why. `server_lost_us`: the server reset
 * the exchange, so an Update is replaced by a new Register. */
void registration_failed(server *s, const char *what, bool server_lost_us);
/* An Update that failed: the registration stands while the server holds it, and the
 * next Update waits as the back-off policy says. */
void registration_update_failed(server *s, const char *why);
/* Counts a failure, gives the session up and registers again after the back-off. */
void registration_schedule_retry(server *s, const char *why);
/* De-registers (or, without a registration, gives the session up) and stays
 * disabled for `seconds`: the server's Disable (/1/x/4). */
void registration_disable(server *s, uint64_t seconds);
/* libcoap's response and NACK handlers: answers to the registration requests. */
coap_response_t registration_on_response(coap_session_t *session, const coap_pdu_t *sent,
                                         const coap_pdu_t *received, const coap_mid_t mid);
void registration_on_nack(coap_session_t *session, const coap_pdu_t *sent,
                          const coap_nack_reason_t reason, const coap_mid_t mid);
