/* engine.c - the LwM2M client engine: one libcoap context, a connection per
 * server found in the Security and Server objects, registration and device management. */
#include "lwm2m/engine.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>

#include "lwm2m/block.h"
#include "lwm2m/bootstrap.h"
#include "lwm2m/coap_msg.h"
#include "lwm2m/context.h"
#include "lwm2m/dedup.h"
#include "lwm2m/dm.h"
#include "lwm2m/engine-request.h"
#include "lwm2m/fetch.h"
#include "lwm2m/observe.h"
#include "lwm2m/registration.h"
#include "lwm2m/security.h"
#include "lwm2m/send.h"
#include "lwm2m/server.h"
#include "lwm2m/session.h"
#include "model/attributes.h"
#include "model/oma.h"
#include "util/log.h"
#include "util/macro.h"

#define DEREGISTER_WAIT_MS 5000u
/* CoAP's MAX_TRANSMIT_WAIT (RFC 7252 4.8.2): the default idle time of queue mode. */
#define QUEUE_IDLE_DEFAULT_MS 93000u

static int on_event(coap_session_t *session, const coap_event_t event)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s)
                return 0;
        if (event == COAP_EVENT_DTLS_ERROR) {
                if (!s->last_error[0] || strstr(s->last_error, "DTLS") == NULL)
                        snprintf(s->last_error, sizeof(s->last_error),
                                 "DTLS handshake with %.100s failed (wrong key or certificate?)",
                                 s->uri);
                lwm2m_logf(&e->log, LOG_ERR, "server %u: %s", s->short_id, s->last_error);
        } else if (event == COAP_EVENT_DTLS_CONNECTED) {
                lwm2m_logf(&e->log, LOG_INFO, "server %u: DTLS session with %s established",
                           s->short_id, s->uri);
        }
        return 0;
}

/* One debug line per server request: what a missed or late answer is traced by. */
static void log_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                        const coap_pdu_t *response)
{
        coap_string_t *path = coap_get_uri_path(request);
        char code[8];
        coap_pdu_code_t answer = coap_pdu_get_code(response);
        lwm2m_logf(&e->log, LOG_DEBUG, "server %u: %s /%.*s (message %d): %s", s->short_id,
                   coap_msg_method_str(coap_pdu_get_code(request)), path ? (int)path->length : 0,
                   path ? (const char *)path->s : "", coap_pdu_get_mid(request),
                   answer ? coap_msg_code_str(answer, code) : "answered later");
        coap_delete_string(path);
}

void engine_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                           const coap_string_t *query, coap_pdu_t *response)
{
        assert(e && s && request && response);
        /* The second pass of a request that waited for an owner. */
        if (dm_answer_waited(e, s, request, response))
                return;
        uint64_t now = engine_now_ms();
        if (dedup_replay(&s->dedup, request, response, now))
                return;
        const uint8_t *body = NULL;
        size_t body_len = 0;
        block_rx *transfer = NULL;
        size_t max_body = e->max_request_body ? e->max_request_body : BLOCK_DEFAULT_MAX_BODY;
        if (block_wants_stream(s, request)) {
                block_stream_request(s, request, response);
        } else if (block_request_body(s, request, response, max_body, &body, &body_len,
                                      &transfer) == BLOCK_BODY_READY) {
                if (s->bootstrap)
                        bootstrap_handle_request(e, s, request, body, body_len, response);
                else
                        dm_handle_request(e, s, request, query, body, body_len, response);
                block_request_done(s, transfer, response);
        }
        dedup_remember(&s->dedup, request, response, now);
}

static void on_request(coap_resource_t *resource, coap_session_t *session,
                       const coap_pdu_t *request, const coap_string_t *query, coap_pdu_t *response)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s || s->state == LWM2M_SERVER_DEREGISTERED) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_UNAUTHORIZED);
                return;
        }
        s->last_exchange_ms = engine_now_ms();
        uint64_t before = engine_callouts(e);
        engine_handle_request(e, s, request, query, response);
        /* A request that ran nothing outside the engine and the model changed nothing
         * that needs making durable: a read of stored values, the hot path, skips it. */
        if (e->answering && engine_callouts(e) != before) {
                e->callouts++;
                e->answering(e->userdata);
        }
        if (lwm2m_log_enabled(&e->log, LOG_DEBUG))
                log_request(e, s, request, response);
}

/* Answers to our requests: the registration interface's, or a Send's. */
static coap_response_t on_response(coap_session_t *session, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        if (fetch_on_response(e, session, received))
                return COAP_RESPONSE_OK;
        server *s = engine_server_by_session(e, session);
        if (s) {
                s->last_exchange_ms = engine_now_ms();
                if (s->bootstrap) {
                        bootstrap_on_response(e, s, received);
                        return COAP_RESPONSE_OK;
                }
                if (send_on_response(e, s, received))
                        return COAP_RESPONSE_OK;
        }
        return registration_on_response(session, sent, received, mid);
}

/* A confirmable message of ours that failed: a notification, a Send, or a request
 * of the registration interface. */
static void on_nack(coap_session_t *session, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        if (fetch_on_nack(e, session, sent, reason))
                return;
        server *s = engine_server_by_session(e, session);
        bool unreachable = false;
        const char *what = NULL;
        if (s && s->bootstrap) {
                if (sent)
                        bootstrap_on_nack(e, s, sent, reason);
                return;
        }
        if (s && sent && observe_on_nack(e, s, sent, reason, &unreachable))
                what = "a confirmable notification";
        else if (s && sent && send_on_nack(e, s, sent, reason, &unreachable))
                what = "a Send";
        if (!what) {
                registration_on_nack(session, sent, reason, mid);
                return;
        }
        /* The connection-loss path, as for a failed Update. */
        if (unreachable && s->state == LWM2M_SERVER_REGISTERED && s->reachable) {
                char why[200];
                snprintf(why, sizeof(why), "%s was not acknowledged (%s)", what,
                         coap_msg_nack_reason_str(reason));
                registration_update_failed(s, why);
        }
}

static server *server_by_server_iid(lwm2m_engine *e, uint16_t iid)
{
        for (size_t i = 0; i < e->n_servers; i++)
                if (e->servers[i].server_iid == iid)
                        return &e->servers[i];
        return NULL;
}

/* ---- tree changes ---- */

static void forget_attributes(lwm2m_engine *e, const lwm2m_path *instance)
{
        size_t before = lwm2m_attributes_count(e->attrs);
        lwm2m_attributes_forget(e->attrs, 0, instance);
        if (lwm2m_attributes_count(e->attrs) != before && e->attributes_changed) {
                e->callouts++;
                e->attributes_changed(e->userdata);
        }
}

static void on_tree_change(void *userdata, const lwm2m_change *c)
{
        lwm2m_engine *e = userdata;
        uint16_t oid = c->instance.id[0];
        observe_tree_changed(e, c);
        if (c->kind == LWM2M_CHANGE_INSTANCE_ADDED || c->kind == LWM2M_CHANGE_INSTANCE_REMOVED) {
                if (oid == LWM2M_OBJ_SECURITY)
                        return;
                if (c->kind == LWM2M_CHANGE_INSTANCE_REMOVED)
                        forget_attributes(e, &c->instance);
                for (size_t i = 0; i < e->n_servers; i++) {
                        e->servers[i].update_links = true;
                        e->servers[i].update_wanted = true;
                }
                return;
        }
        if (oid != LWM2M_OBJ_SERVER)
                return;
        server *s = server_by_server_iid(e, c->instance.id[1]);
        if (!s)
                return;
        for (size_t i = 0; i < c->n_paths; i++) {
                uint16_t rid = c->paths[i].id[2];
                if (rid == LWM2M_SRV_LIFETIME || rid == LWM2M_SRV_BINDING) {
                        server_load_params(s);
                        s->update_params = true;
                        s->update_wanted = true;
                }
                if (rid == LWM2M_SRV_DEFAULT_PMIN || rid == LWM2M_SRV_DEFAULT_PMAX ||
                    rid == LWM2M_SRV_DEFAULT_NOTIFY_MODE)
                        observe_attributes_changed(e, s->short_id);
        }
}

/* ---- life cycle ---- */

lwm2m_engine *lwm2m_engine_new(lwm2m_tree *tree, const lwm2m_engine_config *cfg)
{
        assert(tree && cfg);
        coap_startup();
        lwm2m_engine *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->tree = tree;
        e->reg = lwm2m_tree_registry(tree);
        e->log = cfg->log;
        e->server_changed = cfg->server_changed;
        e->servers_changed = cfg->servers_changed;
        e->attributes_changed = cfg->attributes_changed;
        e->answering = cfg->answering;
        e->confirmable = cfg->confirmable;
        e->userdata = cfg->userdata;
        e->max_request_body = cfg->max_request_body;
        e->requests = cfg->requests;
        e->stored_max_count = cfg->stored_max_count ?: LWM2M_STORED_DEFAULT_COUNT;
        e->stored_max_bytes = cfg->stored_max_bytes ?: LWM2M_STORED_DEFAULT_BYTES;
        e->queue_idle_ms = cfg->queue_idle_ms;
        e->bootstrap_timeout_s = cfg->bootstrap_timeout_s;
        e->endpoint = strdup(cfg->endpoint ? cfg->endpoint : "");
        snprintf(e->version, sizeof(e->version), "%s",
                 cfg->lwm2m_version ? cfg->lwm2m_version : "1.1");
        e->attrs = lwm2m_attributes_new();
        e->observe = observe_set_new();
        e->ctx = coap_new_context(NULL);
        if (!e->endpoint || !e->attrs || !e->observe || !e->ctx)
                goto fail;
        coap_set_app_data(e->ctx, e);
        /* Block-wise transfers are block.c's: libcoap 4.3.1 keeps one Block1
         * reassembly for all paths and dereferences NULL on stale state. */
        coap_context_set_block_mode(e->ctx, 0);
        coap_register_response_handler(e->ctx, on_response);
        coap_register_nack_handler(e->ctx, on_nack);
        coap_register_event_handler(e->ctx, on_event);
        coap_resource_t *any = coap_resource_unknown_init2(on_request, 0);
        if (!any)
                goto fail;
        coap_register_request_handler(any, COAP_REQUEST_GET, on_request);
        coap_register_request_handler(any, COAP_REQUEST_POST, on_request);
        coap_register_request_handler(any, COAP_REQUEST_DELETE, on_request);
        coap_register_request_handler(any, COAP_REQUEST_FETCH, on_request);
        coap_register_request_handler(any, COAP_REQUEST_IPATCH, on_request);
        coap_add_resource(e->ctx, any);
        if (coap_context_get_coap_fd(e->ctx) < 0)
                goto fail; /* libcoap without epoll cannot join an event loop */
        if (lwm2m_tree_add_quiet_listener(tree, on_tree_change, e) < 0)
                goto fail;
        return e;
fail:
        lwm2m_engine_free(e);
        return NULL;
}

/* Every server record goes: its observations, Sends in flight (nothing is stored),
 * session, stored queue. observe.c and send.c hold pointers into e->servers, so
 * they let go first. */
static void end_servers(lwm2m_engine *e, const char *why)
{
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                if (e->observe)
                        observe_end_server(e, s, why);
                send_forget_all(s);
                session_release(s);
                lwm2m_buf_free(&s->out_body);
                stored_clear(&s->stored);
        }
        free(e->servers);
        e->servers = NULL;
        e->n_servers = 0;
}

void lwm2m_engine_free(lwm2m_engine *e)
{
        if (!e)
                return;
        lwm2m_tree_remove_listener(e->tree, on_tree_change, e);
        fetch_cancel_all(e);
        end_servers(e, "the daemon stops");
        bootstrap_free(e);
        engine_release_retired_sessions(e);
        if (e->ctx)
                coap_free_context(e->ctx);
        observe_set_free(e->observe);
        lwm2m_attributes_free(e->attrs);
        free(e->endpoint);
        free(e);
        coap_cleanup();
}

const lwm2m_attributes *lwm2m_engine_attributes(const lwm2m_engine *e)
{
        return e->attrs;
}

static int restore_attribute(void *userdata, uint16_t ssid, const lwm2m_path *path,
                             const lwm2m_attr_set *set)
{
        lwm2m_engine *e = userdata;
        return lwm2m_attributes_write(e->attrs, ssid, path, set, 0);
}

int lwm2m_engine_restore_attributes(lwm2m_engine *e, const lwm2m_attributes *saved)
{
        assert(e && saved);
        return lwm2m_attributes_foreach(saved, restore_attribute, e);
}

static int64_t find_server_instance(lwm2m_engine *e, uint16_t short_id)
{
        for (int iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SERVER, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SERVER, iid))
                if (server_uint(e, (uint16_t)iid, LWM2M_SRV_SHORT_ID, 0) == short_id)
                        return iid;
        return -ENOENT;
}

/* A URI the engine can open a session to: coap:// or coaps://, with a host. */
static bool uri_usable(const char *uri)
{
        coap_uri_t u;
        return coap_split_uri((const uint8_t *)uri, strlen(uri), &u) == 0 && u.host.length > 0 &&
               (u.scheme == COAP_URI_SCHEME_COAP || u.scheme == COAP_URI_SCHEME_COAPS);
}

int engine_scan_servers(lwm2m_engine *e, server **out, size_t *n, char *why, size_t size)
{
        assert(e && out && n);
        *out = NULL;
        *n = 0;
        char problem[200] = "no Security instance for a management server";
        for (int iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SECURITY, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SECURITY, iid)) {
                lwm2m_path p =
                        lwm2m_path_resource(LWM2M_OBJ_SECURITY, (uint16_t)iid, LWM2M_SEC_BOOTSTRAP);
                const lwm2m_value *bs = lwm2m_tree_get(e->tree, &p);
                if (bs && bs->type == LWM2M_TYPE_BOOLEAN && bs->b)
                        continue; /* bootstrap servers are not registered with */
                p = lwm2m_path_resource(LWM2M_OBJ_SECURITY, (uint16_t)iid, LWM2M_SEC_SHORT_ID);
                const lwm2m_value *sid = lwm2m_tree_get(e->tree, &p);
                p = lwm2m_path_resource(LWM2M_OBJ_SECURITY, (uint16_t)iid, LWM2M_SEC_URI);
                const lwm2m_value *uri = lwm2m_tree_get(e->tree, &p);
                if (!sid || !uri || uri->type != LWM2M_TYPE_STRING) {
                        snprintf(problem, sizeof(problem), "Security instance /0/%d has no %s", iid,
                                 !uri ? "LwM2M Server URI (/0/x/0)" : "Short Server ID (/0/x/10)");
                        if (!why) /* else the caller says it */
                                lwm2m_logf(&e->log, LOG_WARNING, "%s; ignored", problem);
                        continue;
                }
                const char *uri_s = (const char *)uri->buf.data;
                if (!uri_usable(uri_s)) {
                        snprintf(problem, sizeof(problem),
                                 "the URI '%.100s' of /0/%d is not a coap:// or coaps:// URI",
                                 uri_s, iid);
                        if (!why) /* else the caller says it */
                                lwm2m_logf(&e->log, LOG_WARNING, "%s; ignored", problem);
                        continue;
                }
                uint16_t short_id =
                        (uint16_t)(sid->type == LWM2M_TYPE_UNSIGNED ? sid->u : (uint64_t)sid->i);
                int64_t srv_iid = find_server_instance(e, short_id);
                if (srv_iid < 0) {
                        snprintf(problem, sizeof(problem),
                                 "no Server instance has Short Server ID %u (that of /0/%d)",
                                 short_id, iid);
                        if (!why) /* else the caller says it */
                                lwm2m_logf(&e->log, LOG_WARNING, "%s; ignored", problem);
                        continue;
                }
                server *servers = reallocarray(*out, *n + 1, sizeof(server));
                if (!servers) {
                        free(*out);
                        *out = NULL;
                        *n = 0;
                        return -ENOMEM;
                }
                *out = servers;
                server *s = &servers[(*n)++];
                *s = (server){.e = e,
                              .short_id = short_id,
                              .security_iid = (uint16_t)iid,
                              .server_iid = (uint16_t)srv_iid,
                              .session_fd = -1};
                snprintf(s->uri, sizeof(s->uri), "%s", uri_s);
                snprintf(s->version, sizeof(s->version), "%s", e->version);
                server_load_params(s);
        }
        if (*n == 0 && why)
                snprintf(why, size, "no usable LwM2M server: %s", problem);
        return 0;
}

/* Takes the servers the objects describe and registers with each. */
static int install_servers(lwm2m_engine *e)
{
        server *servers = NULL;
        size_t n = 0;
        int r = engine_scan_servers(e, &servers, &n, NULL, 0);
        if (r >= 0) {
                e->servers = servers;
                e->n_servers = n;
        }
        /* Also on failure: after a bootstrap the old list has gone all the same. Before
         * registration_start_all, so that the daemon shows a server before its state. */
        if (e->servers_changed) {
                e->callouts++;
                e->servers_changed(e->userdata);
        }
        if (r < 0)
                return r;
        registration_start_all(e);
        return 0;
}

int engine_rebuild_servers(lwm2m_engine *e)
{
        assert(e);
        end_servers(e, "bootstrapped");
        int r = install_servers(e);
        if (r >= 0 && e->n_servers == 0)
                r = -ENOENT;
        return r;
}

void engine_idle_servers(lwm2m_engine *e)
{
        assert(e);
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                observe_end_server(e, s, "bootstrapping");
                session_release(s);
                s->location[0] = 0;
                s->update_wanted = false;
                s->start_at_ms = UINT64_MAX; /* until the bootstrap has finished */
                server_set_state(s, LWM2M_SERVER_IDLE);
        }
}

int lwm2m_engine_start(lwm2m_engine *e)
{
        assert(e);
        int r = install_servers(e);
        if (r < 0)
                return r;
        int bs = bootstrap_setup(e);
        if (bs < 0 && bs != -ENOENT)
                return bs;
        if (e->n_servers > 0)
                return 0;
        if (bs == -ENOENT)
                return -ENOENT;
        return bootstrap_begin(e, true);
}

int lwm2m_engine_bootstrap(lwm2m_engine *e)
{
        assert(e);
        if (!e->bs) {
                int r = bootstrap_setup(e);
                if (r < 0)
                        return r;
        }
        return bootstrap_begin(e, false);
}

bool lwm2m_engine_bootstrapping(const lwm2m_engine *e)
{
        assert(e);
        return bootstrap_active(e);
}

int lwm2m_engine_fd(const lwm2m_engine *e)
{
        assert(e);
        return coap_context_get_coap_fd(e->ctx);
}

void lwm2m_engine_request_update(lwm2m_engine *e, uint16_t short_id)
{
        assert(e);
        for (size_t i = 0; i < e->n_servers; i++)
                if (short_id == 0 || e->servers[i].short_id == short_id)
                        e->servers[i].update_wanted = true;
}

int lwm2m_engine_disable_server(lwm2m_engine *e, uint16_t short_id, uint64_t seconds)
{
        assert(e);
        for (size_t i = 0; i < e->n_servers; i++)
                if (e->servers[i].short_id == short_id) {
                        registration_disable(&e->servers[i], seconds);
                        return 0;
                }
        return -ENOENT;
}

/* A DTLS handshake that has not completed in time is given up here rather than
 * after libcoap's own 31 s, with the reason as far as it can be told. */
static bool handshake_overdue(server *s, uint64_t now)
{
        if (!session_handshake_pending(s) || now < s->handshake_deadline_ms)
                return false;
        char why[200];
        security_diagnose_handshake(s, why, sizeof(why));
        lwm2m_logf(&s->e->log, LOG_ERR, "server %u: DTLS handshake with %s failed: %s", s->short_id,
                   s->uri, why);
        char what[sizeof(why) + 32];
        snprintf(what, sizeof(what), "the DTLS handshake failed: %s", why);
        if (s->in_flight != REG_NONE)
                registration_failed(s, what, false);
        else
                session_release(s);
        return true;
}

/* Queue mode (binding with Q): when the server has been quiet for the idle time and
 * nothing is in flight, the daemon stops listening; what comes up meanwhile wakes it
 * with an Update (outbox_wake). */
static bool queue_mode(const server *s)
{
        return strchr(s->binding, 'Q') != NULL;
}

static uint64_t sleep_at_ms(const server *s)
{
        uint32_t idle = s->e->queue_idle_ms ?: QUEUE_IDLE_DEFAULT_MS;
        return s->last_exchange_ms + idle;
}

static bool may_sleep(const server *s)
{
        return queue_mode(s) && !s->sleeping && s->state == LWM2M_SERVER_REGISTERED &&
               s->reachable && s->session && s->in_flight == REG_NONE && !s->update_wanted &&
               !s->sends && !s->block_rx;
}

static void run_server_timers(server *s, uint64_t now)
{
        if (may_sleep(s) && now >= sleep_at_ms(s)) {
                lwm2m_logf(&s->e->log, LOG_INFO, "server %u: queue mode: sleeping", s->short_id);
                session_release(s);
                s->sleeping = true;
                server_changed(s);
        }
        block_run_timers(s, now);
        if (handshake_overdue(s, now))
                return;
        switch (s->state) {
        case LWM2M_SERVER_IDLE:
                if (!s->e->shutting_down && now >= s->start_at_ms)
                        registration_start(s);
                break;
        case LWM2M_SERVER_BACKOFF:
        case LWM2M_SERVER_DISABLED:
                if (!s->e->shutting_down && now >= s->retry_at_ms)
                        registration_start(s);
                break;
        case LWM2M_SERVER_REGISTERED:
                if (s->e->shutting_down)
                        break;
                /* Also when an Update is still being retransmitted: the server has
                 * dropped us by now, and a dead DTLS session needs a new handshake. */
                if (now >= s->registered_until_ms) {
                        lwm2m_logf(&s->e->log, LOG_WARNING,
                                   "server %u: registration expired; registering again",
                                   s->short_id);
                        registration_start(s);
                        break;
                }
                if (s->in_flight != REG_NONE || now < s->update_retry_at_ms)
                        break;
                if (s->update_wanted || now >= s->next_update_ms) {
                        if (!s->session && security_open_session(s->e, s) < 0) {
                                registration_schedule_retry(s, NULL);
                                break;
                        }
                        if (registration_send(s, REG_UPDATE) < 0)
                                registration_update_failed(s, "cannot send the Update request");
                }
                break;
        default:
                break;
        }
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static uint64_t server_deadline(server *s, uint64_t now)
{
        uint64_t next = block_run_timers(s, now);
        if (session_handshake_pending(s))
                next = min_u64(next, s->handshake_deadline_ms);
        switch (s->state) {
        case LWM2M_SERVER_IDLE:
                return s->e->shutting_down ? next : min_u64(next, s->start_at_ms);
        case LWM2M_SERVER_BACKOFF:
        case LWM2M_SERVER_DISABLED:
                return min_u64(next, s->retry_at_ms);
        case LWM2M_SERVER_REGISTERED: {
                if (may_sleep(s))
                        next = min_u64(next, sleep_at_ms(s));
                if (s->in_flight != REG_NONE)
                        return min_u64(next, s->registered_until_ms);
                uint64_t due = s->update_wanted ? 0 : s->next_update_ms;
                if (due < s->update_retry_at_ms)
                        due = s->update_retry_at_ms;
                return min_u64(next, min_u64(due, s->registered_until_ms));
        }
        default:
                return next;
        }
}

/* Everything due at `now` but input: sessions given up, the servers', observations',
 * fetches' and the bootstrap's timers, libcoap's retransmissions and delayed answers.
 * Returns milliseconds until the engine next wants to run, -1 when only input can wake it.
 *
 * libcoap's deadline joins the caller's wait rather than libcoap's timerfd:
 * coap_io_prepare_io runs its retransmissions and returns its next deadline without
 * the timerfd_settime coap_io_prepare_epoll makes on every call. libcoap 4.3.1 arms
 * that timerfd itself only from coap_update_epoll_timer, which after the first time
 * (its next_timeout left behind in the past) it never does again: one early wake-up in
 * the daemon's life, handled as input by coap_io_do_epoll. */
static int64_t run_due(lwm2m_engine *e)
{
        coap_tick_t ticks;
        coap_ticks(&ticks);
        engine_release_retired_sessions(e);
        uint64_t now = engine_now_ms();
        for (size_t i = 0; i < e->n_servers; i++)
                run_server_timers(&e->servers[i], now);
        if (e->bootstrap_fallback && !e->shutting_down) {
                e->bootstrap_fallback = false;
                int r = lwm2m_engine_bootstrap(e);
                if (r == -ENOENT)
                        lwm2m_logf(&e->log, LOG_WARNING,
                                   "registration failed and there is no bootstrap server to fall "
                                   "back to; registering goes on");
                else if (r < 0)
                        lwm2m_logf(&e->log, LOG_ERR, "cannot fall back to bootstrap: %s",
                                   strerror(-r));
                else
                        lwm2m_logf(&e->log, LOG_NOTICE,
                                   "registration failed: falling back to bootstrap");
        }
        if (e->shutting_down && now >= e->shutdown_deadline_ms) {
                for (size_t i = 0; i < e->n_servers; i++) {
                        server *s = &e->servers[i];
                        if (s->state != LWM2M_SERVER_DEREGISTERED) {
                                session_release(s);
                                server_set_state(s, LWM2M_SERVER_DEREGISTERED);
                        }
                }
        }

        uint64_t next = observe_run(e, now);
        next = min_u64(next, fetch_run_timers(e, now));
        next = min_u64(next, bootstrap_run(e, now));
        /* Sessions given up by the timers above go now, not at the next wake-up. */
        engine_release_retired_sessions(e);
        for (size_t i = 0; i < e->n_servers; i++)
                next = min_u64(next, server_deadline(&e->servers[i], now));
        if (e->shutting_down && !lwm2m_engine_finished(e) && e->shutdown_deadline_ms < next)
                next = e->shutdown_deadline_ms;
        coap_socket_t *unused[1];
        unsigned n_unused = 0;
        unsigned coap_ms = coap_io_prepare_io(e->ctx, unused, 1, &n_unused, ticks);
        int64_t wait = -1;
        if (next != UINT64_MAX)
                wait = next > now ? (int64_t)(next - now) : 0;
        if (coap_ms > 0 && (wait < 0 || (int64_t)coap_ms < wait))
                wait = coap_ms;
        return wait;
}

/* epoll_wait's events hold, in data.ptr, libcoap's socket or timer (NULL) or, for the
 * caller's nested descriptor, &e->nested. */
int lwm2m_engine_nest_fd(lwm2m_engine *e, int fd)
{
        assert(e && fd >= 0);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &e->nested};
        if (epoll_ctl(coap_context_get_coap_fd(e->ctx), EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        return 0;
}

#define WAIT_EVENTS 16

int lwm2m_engine_wait(lwm2m_engine *e, int timeout_ms, lwm2m_wakeup *out)
{
        assert(e && out);
        *out = (lwm2m_wakeup){0};
        struct epoll_event ev[WAIT_EVENTS];
        int n = epoll_wait(coap_context_get_coap_fd(e->ctx), ev, WAIT_EVENTS, timeout_ms);
        if (n < 0 && errno != EINTR)
                return -errno;
        uint64_t callouts = engine_callouts(e);
        size_t k = 0;
        for (int i = 0; i < n; i++) {
                if (ev[i].data.ptr == &e->nested)
                        out->nested_ready = true;
                else
                        ev[k++] = ev[i];
        }
        if (k > 0)
                coap_io_do_epoll(e->ctx, ev, k);
        out->next_ms = run_due(e);
        out->called_out = engine_callouts(e) != callouts;
        return 0;
}

int64_t lwm2m_engine_process(lwm2m_engine *e)
{
        assert(e);
        lwm2m_wakeup w;
        /* The nested descriptor stays ready for the caller's next wait. */
        if (lwm2m_engine_wait(e, 0, &w) < 0)
                return run_due(e);
        return w.next_ms;
}

int64_t lwm2m_engine_run_due(lwm2m_engine *e)
{
        assert(e);
        return run_due(e);
}

void lwm2m_engine_shutdown(lwm2m_engine *e)
{
        assert(e);
        if (e->shutting_down)
                return;
        e->shutting_down = true;
        e->shutdown_deadline_ms = engine_now_ms() + DEREGISTER_WAIT_MS;
        if (e->bs) {
                session_release(e->bs_server);
                e->bs->phase = BOOTSTRAP_IDLE;
        }
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                /* A Register in flight may yet be taken: its answer decides, and a
                 * registration it makes is ended at once (registration.c). */
                if (s->state == LWM2M_SERVER_REGISTERING && s->in_flight == REG_REGISTER &&
                    s->session)
                        continue;
                if (s->state == LWM2M_SERVER_REGISTERED && s->session && s->location[0]) {
                        s->in_flight = REG_NONE;
                        if (registration_send(s, REG_DEREGISTER) == 0) {
                                server_set_state(s, LWM2M_SERVER_DEREGISTERING);
                                continue;
                        }
                }
                session_release(s);
                server_set_state(s, LWM2M_SERVER_DEREGISTERED);
        }
}

bool lwm2m_engine_finished(const lwm2m_engine *e)
{
        assert(e);
        if (!e->shutting_down)
                return false;
        for (size_t i = 0; i < e->n_servers; i++)
                if (e->servers[i].state != LWM2M_SERVER_DEREGISTERED)
                        return false;
        return true;
}

size_t lwm2m_engine_server_count(const lwm2m_engine *e)
{
        assert(e);
        return e->n_servers;
}

int lwm2m_engine_server_info(const lwm2m_engine *e, size_t index, lwm2m_server_info *out)
{
        assert(e && out);
        if (index >= e->n_servers)
                return -ENOENT;
        const server *s = &e->servers[index];
        *out = (lwm2m_server_info){
                .short_id = s->short_id,
                .server_iid = s->server_iid,
                .state = s->state,
                .uri = s->uri,
                .location = s->location,
                .lwm2m_version = s->version,
                .binding = s->binding,
                .lifetime = s->lifetime,
                .last_error = s->last_error,
                .observations = s->observations,
                .sleeping = s->sleeping,
                .stored_queued = s->stored.count,
                .stored_delivered = s->stored.delivered,
                .stored_dropped = s->stored.dropped,
        };
        return 0;
}

int lwm2m_engine_send(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *paths, size_t n)
{
        assert(e && (paths || n == 0));
        for (size_t i = 0; i < n; i++)
                if (paths[i].len == 0 || paths[i].id[0] == LWM2M_OBJ_SECURITY)
                        return -EINVAL;
        /* With every server: the first error that is not "nothing to send here". */
        int result = short_id ? -ENOENT : -EPERM, sent = 0;
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                if (short_id && s->short_id != short_id)
                        continue;
                int r = send_to_server(e, s, paths, n);
                if (short_id)
                        return r;
                if (r == 0)
                        sent++;
                else if (r != -EPERM && r != -EPROTONOSUPPORT)
                        result = r;
        }
        return sent ? 0 : result;
}

lwm2m_fetch *lwm2m_engine_fetch(lwm2m_engine *e, const char *uri, uint64_t offset,
                                uint16_t short_id, const lwm2m_fetch_ops *ops)
{
        assert(e && uri && ops);
        return fetch_start(e, uri, offset, short_id, ops->data, ops->done, ops->userdata);
}

void lwm2m_fetch_cancel(lwm2m_fetch *f)
{
        fetch_cancel(f);
}
