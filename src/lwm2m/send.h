/* send.h - the LwM2M Send operation (POST /dp): the values of chosen paths to a
 * server, now or, while it cannot be reached, stored for later. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"
#include "model/path.h"
#include "model/record.h"

/* Sends `records` (moved in on success: the list is left empty) to the server
 * now, confirmable, in its preferred format. 0 or a negative errno. */
int send_post(lwm2m_engine *e, server *s, lwm2m_record_list *records);
/* A Send to one server: the values at `paths`, sent now or stored. See
 * lwm2m_engine_send for the errors. */
int send_to_server(lwm2m_engine *e, server *s, const lwm2m_path *paths, size_t n);
/* libcoap's answer to a Send, or its failure: true when it was one. */
bool send_on_response(lwm2m_engine *e, server *s, const coap_pdu_t *received);
/* `*unreachable`: it got no answer at all (the caller takes the connection-loss path). */
bool send_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent, coap_nack_reason_t reason,
                  bool *unreachable);
/* The server's session is gone: the Sends awaiting an answer are stored again
 * (Notification Storing) or dropped. */
void send_session_gone(lwm2m_engine *e, server *s);
/* Forgets the Sends awaiting an answer. */
void send_forget_all(server *s);
