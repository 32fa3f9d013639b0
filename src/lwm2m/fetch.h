/* fetch.h - block-wise GETs of coap:// and coaps:// URIs on sessions of their own
 * (lwm2m_engine_fetch: a firmware Package URI), block by block with one block in memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/context.h"

typedef struct lwm2m_fetch lwm2m_fetch;

/* lwm2m_engine_fetch (engine.h), with lwm2m_fetch_ops's members. */
lwm2m_fetch *fetch_start(lwm2m_engine *e, const char *uri, uint64_t offset, uint16_t short_id,
                         int (*data)(void *userdata, uint64_t offset, const uint8_t *bytes,
                                     size_t len, uint64_t total),
                         void (*done)(void *userdata, int error), void *userdata);
/* lwm2m_fetch_cancel. */
void fetch_cancel(lwm2m_fetch *f);

/* An answer on a fetch's session (true: it was one, taken). */
bool fetch_on_response(lwm2m_engine *e, coap_session_t *session, const coap_pdu_t *received);
/* A request of a fetch that failed (true: it was one). */
bool fetch_on_nack(lwm2m_engine *e, coap_session_t *session, const coap_pdu_t *sent,
                   coap_nack_reason_t reason);
/* Ends fetches whose answer is overdue (a server that acknowledged and went quiet);
 * returns when the next one would be (UINT64_MAX for none). */
uint64_t fetch_run_timers(lwm2m_engine *e, uint64_t now);
/* Cancels every fetch (engine free): no `done`. */
void fetch_cancel_all(lwm2m_engine *e);
/* For the fuzz target: the fetch's session, and the token of the block asked for. */
coap_session_t *fetch_session(const lwm2m_fetch *f, coap_bin_const_t *token);
/* For tests: CoAP's ACK_TIMEOUT (ms, libcoap takes nothing under 1000) and MAX_RETRANSMIT
 * on the fetch's session, so that a silent server is given up sooner. */
void fetch_set_transmission(lwm2m_fetch *f, unsigned ack_timeout_ms, unsigned max_retransmit);
