/* observe.h - information reporting: the observations of each server (Observe and
 * Observe-Composite), when their notifications are due, and sending or storing them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwm2m/server.h"
#include "model/change.h"
#include "model/path.h"

typedef struct observe_set observe_set;

observe_set *observe_set_new(void);
void observe_set_free(observe_set *set);

/* A Read (GET) or Read-Composite (FETCH) with Observe 0 answered 2.05 with the
 * values of `paths` in `format`: the observation starts (replacing one of the same
 * server with the same token), and `response` gets its Observe option. The
 * request's Uri-Query may carry attributes for this observation only (LwM2M 1.2).
 * -EINVAL for attributes in the query that do not hold together (answer 4.00); on
 * any failure the answer stays a plain Read (no Observe option). */
int observe_start(lwm2m_engine *e, server *s, const coap_pdu_t *request, const lwm2m_path *paths,
                  size_t n_paths, bool composite, uint16_t format, coap_pdu_t *response);
/* Ends the server's observation with `token`, if any. */
void observe_cancel(lwm2m_engine *e, server *s, coap_bin_const_t token, const char *why);
/* Ends every observation of the server (a new Register, a De-register, the server
 * gone); their stored notifications are dropped and counted. */
void observe_end_server(lwm2m_engine *e, server *s, const char *why);
/* The tree changed: the observations it concerns note it. */
void observe_tree_changed(lwm2m_engine *e, const lwm2m_change *c);
/* The attributes in force may have changed for the server's observations
 * (Write-Attributes, its Server object's default periods or notification mode). */
void observe_attributes_changed(lwm2m_engine *e, uint16_t short_id);
/* Sends or stores the notifications that are due. Returns when it next needs to
 * run (monotonic ms), UINT64_MAX when only a change can make anything due. */
uint64_t observe_run(lwm2m_engine *e, uint64_t now);
/* The server can be sent to again (an Update or Register answered): the stored
 * notifications and Send payloads go out in order, then what is pending. */
void observe_server_reachable(lwm2m_engine *e, server *s);
/* A notification of ours was not acknowledged (libcoap's NACK for a confirmable
 * one): a Reset ends the observation; anything else sets *unreachable (the caller
 * takes the connection-loss path). True when `sent` was a notification. */
bool observe_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent, coap_nack_reason_t reason,
                     bool *unreachable);
