/* engine-request.h - the engine's entry for one request of a server below libcoap's
 * handler: for the engine itself and the fuzz target, which feeds it datagrams. */
#pragma once

#include <coap3/coap.h>

#include "lwm2m/server.h"

/* Answers one request from server `s`: its body reassembled from Block1 slices
 * first (a retransmission answered as the first time), then the operation (dm.c). */
void engine_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                           const coap_string_t *query, coap_pdu_t *response);
