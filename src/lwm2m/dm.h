/* dm.h - device management: the engine hands dm.c each request of a server;
 * requests that wait for an owner are answered when libcoap hands them back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"
#include "model/definition.h"
#include "model/path.h"
#include "model/record.h"
#include "util/log.h"

/* dm.c's name for the engine's log (lwm2m_logf on lwm2m_engine.log). */
#define engine_log(e, ...) lwm2m_logf(&(e)->log, __VA_ARGS__)

/* Answers one request from a server, whose whole body (reassembled from blocks)
 * is `body` (libcoap calls again with the same request once an owner's
 * asynchronous answer is in). */
void dm_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                       const coap_string_t *query, const uint8_t *body, size_t body_len,
                       coap_pdu_t *response);
/* Answers a request that waited for an owner, when libcoap hands it back
 * after the model's request is done (true: answered, or still waiting). */
bool dm_answer_waited(lwm2m_engine *e, server *s, const coap_pdu_t *request, coap_pdu_t *response);
/* Decodes a request body in content-format `format` (-1: none given, -EPROTONOSUPPORT)
 * into records under `base`, typed by the object definitions. */
int dm_decode(lwm2m_engine *e, int64_t format, const lwm2m_path *base, const uint8_t *data,
              size_t len, lwm2m_record_list *out);
/* Cancels the requests that came on `session` and still wait for an owner. */
void dm_cancel_session(lwm2m_engine *e, coap_session_t *session);
