/* engine.c - the LwM2M client engine: one libcoap context, a connection per
 * server found in the Security and Server objects, registration and device management. */
#include "lwm2m/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "formats/format.h"
#include "formats/link.h"
#include "lwm2m/coap_msg.h"
#include "lwm2m/engine-internal.h"
#include "util/macro.h"

/* Server object (1) resources. */
enum {
        SRV_SHORT_ID = 0,
        SRV_LIFETIME = 1,
        SRV_DISABLE = 4,
        SRV_DISABLE_TIMEOUT = 5,
        SRV_BINDING = 7,
        SRV_UPDATE_TRIGGER = 8,
        SRV_BOOTSTRAP_TRIGGER = 9,
        SRV_RETRY_TIMER = 18,
        SRV_SEQUENCE_DELAY = 19,
};
/* Security object (0) resources. */
enum { SEC_URI = 0, SEC_BOOTSTRAP = 1, SEC_SHORT_ID = 10 };

/* Retry defaults where the Server object leaves them out: quicker than the
 * specification's 60 s, since a gateway should come back soon after an outage. */
#define RETRY_BASE_MS      5000u
#define RETRY_MAX_MS       (10u * 60 * 1000)
#define DEREGISTER_WAIT_MS 5000u

static const char *const state_names[_LWM2M_SERVER_STATE_MAX] = {
        [LWM2M_SERVER_IDLE] = "idle",
        [LWM2M_SERVER_REGISTERING] = "registering",
        [LWM2M_SERVER_REGISTERED] = "registered",
        [LWM2M_SERVER_BACKOFF] = "waiting-to-retry",
        [LWM2M_SERVER_DISABLED] = "disabled",
        [LWM2M_SERVER_DEREGISTERING] = "deregistering",
        [LWM2M_SERVER_DEREGISTERED] = "deregistered",
};

const char *lwm2m_server_state_to_string(lwm2m_server_state s)
{
        return (unsigned)s < _LWM2M_SERVER_STATE_MAX ? state_names[s] : "invalid";
}

uint64_t engine_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void engine_log(lwm2m_engine *e, int priority, const char *fmt, ...)
{
        if (!e->cfg.log)
                return;
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        e->cfg.log(e->cfg.log_userdata, priority, msg);
}

static void server_changed(server *s)
{
        if (s->e->cfg.server_changed)
                s->e->cfg.server_changed(s->e->cfg.userdata, s->short_id);
}

static void set_state(server *s, lwm2m_server_state state)
{
        if (s->state == state)
                return;
        engine_log(s->e, LOG_DEBUG, "server %u: %s -> %s", s->short_id,
                   lwm2m_server_state_to_string(s->state), lwm2m_server_state_to_string(state));
        s->state = state;
        server_changed(s);
}

server *engine_server_by_session(lwm2m_engine *e, coap_session_t *session)
{
        server *s = coap_session_get_app_data(session);
        for (size_t i = 0; i < e->n_servers; i++)
                if (&e->servers[i] == s)
                        return s;
        return NULL;
}

static const lwm2m_value *server_value(lwm2m_engine *e, uint16_t iid, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(1, iid, rid);
        return lwm2m_tree_get(e->tree, &p);
}

static uint64_t server_uint(lwm2m_engine *e, uint16_t iid, uint16_t rid, uint64_t fallback)
{
        const lwm2m_value *v = server_value(e, iid, rid);
        if (v && v->type == LWM2M_TYPE_UNSIGNED)
                return v->u;
        if (v && (v->type == LWM2M_TYPE_INTEGER || v->type == LWM2M_TYPE_TIME) && v->i >= 0)
                return (uint64_t)v->i;
        return fallback;
}

/* Re-reads lifetime and binding from the Server object instance. */
static void load_server_params(server *s)
{
        lwm2m_engine *e = s->e;
        uint64_t lt = server_uint(e, s->server_iid, SRV_LIFETIME, 86400);
        s->lifetime = lt == 0 || lt > UINT32_MAX ? 86400 : (uint32_t)lt;
        const lwm2m_value *b = server_value(e, s->server_iid, SRV_BINDING);
        snprintf(s->binding, sizeof(s->binding), "%s",
                 b && b->type == LWM2M_TYPE_STRING && b->buf.len > 0 && b->buf.len < 4
                         ? (const char *)b->buf.data
                         : "U");
}

void engine_retire_session(lwm2m_engine *e, coap_session_t *session)
{
        coap_session_set_app_data(session, NULL);
        coap_session_t **more = reallocarray(e->retired, e->n_retired + 1, sizeof(*more));
        if (!more) {
                /* Cannot wait: libcoap frees it once its queued messages are done. */
                coap_session_release(session);
                return;
        }
        e->retired = more;
        e->retired[e->n_retired++] = session;
}

/* Outside libcoap's callbacks and our request handler (a request may retire its own
 * session, and its owners' consent is still in use): cancel what waits for owners,
 * drop what is queued on each retired session (which holds references to it), so
 * that the release frees it and closes its socket. */
void engine_release_retired_sessions(lwm2m_engine *e)
{
        for (size_t i = 0; i < e->n_retired; i++) {
                dm_cancel_session(e, e->retired[i]);
                coap_session_disconnected(e->retired[i], COAP_NACK_NOT_DELIVERABLE);
                coap_session_release(e->retired[i]);
        }
        free(e->retired);
        e->retired = NULL;
        e->n_retired = 0;
}

/* libcoap 4.3.1 does not report a client's completed handshake as an event. */
static bool handshake_pending(const server *s)
{
        return s->session && s->secure && s->handshake_deadline_ms != 0 &&
               coap_session_get_state(s->session) != COAP_SESSION_STATE_ESTABLISHED;
}

static void release_session(server *s)
{
        if (s->session) {
                engine_retire_session(s->e, s->session);
                s->session = NULL;
        }
        s->in_flight = REG_NONE;
        s->handshake_deadline_ms = 0;
        s->session_fd = -1;
        lwm2m_buf_free(&s->out_body);
        block_forget_all(s);
        dedup_clear(&s->dedup);
}

/* The Server object's Communication Retry Timer and Sequence Delay Timer. */
static retry_policy server_retry_policy(server *s)
{
        return (retry_policy){
                .first_ms =
                        server_uint(s->e, s->server_iid, SRV_RETRY_TIMER, RETRY_BASE_MS / 1000) *
                        1000,
                .max_ms =
                        server_uint(s->e, s->server_iid, SRV_SEQUENCE_DELAY, RETRY_MAX_MS / 1000) *
                        1000,
        };
}

/* Counts a failure and says how long to wait before the next try. */
static uint64_t next_retry_delay(server *s)
{
        retry_policy p = server_retry_policy(s);
        return retry_delay_ms(&p, ++s->attempts, arc4random());
}

/* Gives the session up and waits `delay` (counted by next_retry_delay) before
 * registering again. */
static void retry_register_after(server *s, const char *why, uint64_t delay)
{
        lwm2m_engine *e = s->e;
        s->retry_at_ms = engine_now_ms() + delay;
        if (why)
                snprintf(s->last_error, sizeof(s->last_error), "%s", why);
        engine_log(e, LOG_WARNING, "server %u (%s): %s; attempt %u failed, next try in %.1f s",
                   s->short_id, s->uri, s->last_error, s->attempts, (double)delay / 1000.0);
        release_session(s);
        s->location[0] = 0;
        set_state(s, LWM2M_SERVER_BACKOFF);
        server_changed(s);
}

static void schedule_retry(server *s, const char *why)
{
        retry_register_after(s, why, next_retry_delay(s));
}

/* ---- the Register payload ---- */

static int append_object_links(lwm2m_engine *e, lwm2m_buf *out)
{
        /* Objects with instances, plus those someone stands behind (they can
         * get instances by Create); never Security (0), which is not for DM servers. */
        size_t n = lwm2m_registry_count(e->reg);
        uint16_t *iids = NULL;
        size_t iids_cap = 0;
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const lwm2m_object_def *def = lwm2m_registry_at(e->reg, i);
                if (def->id == 0)
                        continue;
                size_t count = lwm2m_tree_instance_count(e->tree, def->id);
                if (count == 0 && !lwm2m_tree_get_object_owner(e->tree, def->id))
                        continue;
                if (count > iids_cap) {
                        uint16_t *p = reallocarray(iids, count, sizeof(uint16_t));
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        iids = p;
                        iids_cap = count;
                }
                size_t k = 0;
                for (int iid = lwm2m_tree_next_instance(e->tree, def->id, -1);
                     iid >= 0 && k < count; iid = lwm2m_tree_next_instance(e->tree, def->id, iid))
                        iids[k++] = (uint16_t)iid;
                r = link_append_register_object(def->id, def->version, iids, k, NULL, out);
        }
        free(iids);
        return r;
}

static int build_register_payload(server *s, lwm2m_buf *out)
{
        int r = 0;
        /* 1.0 servers predate the root link's ct; 1.1 and later name the
         * preferred SenML format there, as the specification's examples do. */
        if (strcmp(s->version, "1.0") != 0)
                r = link_append_register_root(NULL, LWM2M_FORMAT_SENML_JSON, out);
        if (r >= 0)
                r = append_object_links(s->e, out);
        return r;
}

/* ---- registration interface requests ---- */

/* The options of a registration-interface request: the same on every slice. */
static int registration_options(server *s, reg_request kind, bool with_body, coap_optlist_t **opts)
{
        lwm2m_engine *e = s->e;
        char q[300];
        int r = 0;
        bool queue = strchr(s->binding, 'Q') != NULL;
        bool v10 = strcmp(s->version, "1.0") == 0;
        if (kind == REG_REGISTER) {
                r = coap_msg_add_uri_path(opts, "rd");
                snprintf(q, sizeof(q), "ep=%s", e->endpoint);
                r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, q);
                snprintf(q, sizeof(q), "lt=%u", s->lifetime);
                r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, q);
                snprintf(q, sizeof(q), "lwm2m=%s", s->version);
                r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, q);
        } else {
                r = coap_msg_add_uri_path(opts, s->location);
        }
        if (kind == REG_REGISTER || (kind == REG_UPDATE && s->out_params)) {
                if (kind == REG_UPDATE) {
                        snprintf(q, sizeof(q), "lt=%u", s->lifetime);
                        r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, q);
                }
                /* 1.0 spells queue mode as binding UQ; 1.1 as b=U plus a Q flag. */
                snprintf(q, sizeof(q), "b=%s", v10 ? s->binding : "U");
                r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, q);
                if (queue && !v10)
                        r = r ?: coap_msg_add_string(opts, COAP_OPTION_URI_QUERY, "Q");
        }
        if (with_body)
                r = r ?: coap_msg_add_uint(opts, COAP_OPTION_CONTENT_FORMAT, LWM2M_FORMAT_LINK);
        return r;
}

/* Sends slice `num` of the request in flight (the whole of it when it fits one
 * datagram), under a new token so that a late answer to an earlier slice is not
 * taken for this one's. */
static int send_registration_slice(server *s, reg_request kind, unsigned num)
{
        coap_pdu_code_t code =
                kind == REG_DEREGISTER ? COAP_REQUEST_CODE_DELETE : COAP_REQUEST_CODE_POST;
        coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, code, coap_new_message_id(s->session),
                                        coap_session_max_pdu_size(s->session));
        if (!pdu)
                return -ENOMEM;
        coap_session_new_token(s->session, &s->token_len, s->token);
        coap_add_token(pdu, s->token_len, s->token);

        const lwm2m_buf *body = &s->out_body;
        coap_optlist_t *opts = NULL;
        int r = registration_options(s, kind, body->len > 0, &opts);
        if (r < 0 || !coap_add_optlist_pdu(pdu, &opts)) {
                coap_delete_optlist(opts);
                coap_delete_pdu(pdu);
                return r < 0 ? r : -ENOMEM;
        }
        coap_delete_optlist(opts);
        if (body->len > ((size_t)1 << (s->out_szx + 4)) || num > 0)
                r = block_add_request_slice(pdu, body->data, body->len, num, s->out_szx);
        else if (body->len > 0 && !coap_add_data(pdu, body->len, body->data))
                r = -ENOMEM;
        if (r < 0) {
                coap_delete_pdu(pdu);
                return r;
        }
        if (coap_send(s->session, pdu) == COAP_INVALID_MID)
                return -EIO;
        s->in_flight = kind;
        s->out_num = num;
        return 0;
}

/* Room for the header, the token and the options of a Register besides its body. */
static size_t registration_overhead(const server *s)
{
        return 128 + strlen(s->e->endpoint) + strlen(s->location);
}

static int send_registration_request(server *s, reg_request kind)
{
        lwm2m_buf_free(&s->out_body);
        s->out_params = kind == REG_UPDATE && s->update_params;
        int r = 0;
        if (kind == REG_REGISTER || (kind == REG_UPDATE && s->update_links))
                r = build_register_payload(s, &s->out_body);
        if (r < 0)
                return r;
        s->out_szx = block_szx_for_session(s->session, registration_overhead(s));
        r = send_registration_slice(s, kind, 0);
        if (r < 0)
                return r;
        /* What changes from now on is news to the server, even if the answer is slow. */
        if (kind == REG_UPDATE || kind == REG_REGISTER) {
                s->update_links = false;
                s->update_params = false;
                s->update_wanted = false;
        }
        return 0;
}

/* 2.31 Continue to a slice: sends the next, in the block size the server asked
 * for if smaller. Returns false when this answer is no such thing. */
static bool continue_registration_body(server *s, reg_request kind, const coap_pdu_t *received)
{
        unsigned num = 0, szx = 0;
        bool more = false;
        if (coap_pdu_get_code(received) != COAP_RESPONSE_CODE_CONTINUE || s->out_body.len == 0)
                return false;
        size_t next_offset = ((size_t)s->out_num + 1) << (s->out_szx + 4);
        if (block_response_block1(received, &num, &more, &szx) < 0 ||
            next_offset >= s->out_body.len)
                return false;
        if (szx < s->out_szx)
                s->out_szx = szx;
        if (send_registration_slice(s, kind, (unsigned)(next_offset >> (s->out_szx + 4))) < 0)
                return false;
        return true;
}

static void start_register(server *s)
{
        lwm2m_engine *e = s->e;
        release_session(s);
        load_server_params(s);
        int r = security_open_session(e, s);
        if (r < 0) {
                schedule_retry(s, NULL);
                return;
        }
        set_state(s, LWM2M_SERVER_REGISTERING);
        engine_log(e, LOG_INFO,
                   "server %u: registering with %s as '%s' (LwM2M %s, lifetime %u s, binding %s)",
                   s->short_id, s->uri, e->endpoint, s->version, s->lifetime, s->binding);
        r = send_registration_request(s, REG_REGISTER);
        if (r < 0)
                schedule_retry(s, "cannot send the Register request");
}

static uint64_t update_interval_ms(uint32_t lifetime)
{
        /* Leave room for an exchange with retransmissions (up to ~93 s in CoAP)
         * on long lifetimes, and half the lifetime on short ones. */
        uint64_t lt = (uint64_t)lifetime * 1000;
        uint64_t margin = lifetime > 120 ? (lt / 10 > 60000 ? lt / 10 : 60000) : lt / 2;
        if (margin > lt / 2)
                margin = lt / 2;
        return lt - margin;
}

static void registered(server *s, const coap_pdu_t *response)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        size_t off = 0;
        s->location[0] = 0;
        coap_option_iterator_init(response, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_LOCATION_PATH)
                        continue;
                int n = snprintf(s->location + off, sizeof(s->location) - off, "%s%.*s",
                                 off ? "/" : "", (int)coap_opt_length(opt),
                                 (const char *)coap_opt_value(opt));
                if (n < 0 || (size_t)n >= sizeof(s->location) - off)
                        break;
                off += (size_t)n;
        }
        if (!s->location[0]) {
                schedule_retry(s, "the server accepted the registration but gave no location");
                return;
        }
        uint64_t now = engine_now_ms();
        s->attempts = 0;
        s->update_retry_at_ms = 0;
        s->last_error[0] = 0;
        s->next_update_ms = now + update_interval_ms(s->lifetime);
        s->registered_until_ms = now + (uint64_t)s->lifetime * 1000;
        engine_log(s->e, LOG_NOTICE, "server %u: registered at /%s (lifetime %u s)", s->short_id,
                   s->location, s->lifetime);
        set_state(s, LWM2M_SERVER_REGISTERED);
        server_changed(s);
}

/* An Update that failed (no answer, ICMP, DTLS, a server error): the registration
 * stands while the server holds it, and the next Update waits as the back-off policy
 * says, on a new session (a NAT may have dropped the old path). When the wait would
 * outlast the registration, register again instead. */
static void update_failed(server *s, const char *why)
{
        uint64_t now = engine_now_ms();
        uint64_t delay = next_retry_delay(s);
        snprintf(s->last_error, sizeof(s->last_error), "%s", why);
        s->update_wanted = true;
        if (now + delay >= s->registered_until_ms) {
                retry_register_after(s, why, delay);
                return;
        }
        s->update_retry_at_ms = now + delay;
        engine_log(s->e, LOG_WARNING, "server %u (%s): %s; attempt %u failed, next try in %.1f s",
                   s->short_id, s->uri, why, s->attempts, (double)delay / 1000.0);
        release_session(s);
        server_changed(s);
}

static void handle_registration_response(server *s, const coap_pdu_t *received)
{
        coap_pdu_code_t code = coap_pdu_get_code(received);
        char cs[8];
        reg_request kind = s->in_flight;
        if (continue_registration_body(s, kind, received))
                return;
        s->in_flight = REG_NONE;
        lwm2m_buf_free(&s->out_body);
        coap_msg_code_str(code, cs);

        if (kind == REG_REGISTER) {
                if (code == COAP_RESPONSE_CODE_CREATED) {
                        registered(s, received);
                } else if (code == COAP_RESPONSE_CODE_PRECONDITION_FAILED &&
                           strcmp(s->version, "1.0") != 0) {
                        /* 4.12: the server does not speak this version; offer the next lower. */
                        const char *lower = strcmp(s->version, "1.2") == 0 ? "1.1" : "1.0";
                        engine_log(s->e, LOG_NOTICE, "server %u refused LwM2M %s (4.12); trying %s",
                                   s->short_id, s->version, lower);
                        snprintf(s->version, sizeof(s->version), "%s", lower);
                        if (send_registration_request(s, REG_REGISTER) < 0)
                                schedule_retry(s, "cannot send the Register request");
                } else {
                        char why[64];
                        snprintf(why, sizeof(why), "Register refused with %s", cs);
                        schedule_retry(s, why);
                }
        } else if (kind == REG_UPDATE) {
                if (code == COAP_RESPONSE_CODE_CHANGED) {
                        uint64_t now = engine_now_ms();
                        s->attempts = 0;
                        s->update_retry_at_ms = 0;
                        s->next_update_ms = now + update_interval_ms(s->lifetime);
                        s->registered_until_ms = now + (uint64_t)s->lifetime * 1000;
                        engine_log(s->e, LOG_INFO, "server %u: registration updated", s->short_id);
                        if (s->last_error[0]) {
                                s->last_error[0] = 0;
                                server_changed(s);
                        }
                } else if (COAP_RESPONSE_CLASS(code) == 4) {
                        /* The server lost (or refuses) our registration: register anew. */
                        engine_log(s->e, LOG_NOTICE,
                                   "server %u: Update answered %s; registering again", s->short_id,
                                   cs);
                        snprintf(s->last_error, sizeof(s->last_error), "Update answered %s", cs);
                        s->location[0] = 0;
                        start_register(s);
                } else {
                        /* A server-side error: keep the registration and try again later. */
                        char why[64];
                        snprintf(why, sizeof(why), "Update answered %s", cs);
                        update_failed(s, why);
                }
        } else if (kind == REG_DEREGISTER) {
                engine_log(s->e, LOG_INFO, "server %u: de-registered (%s)", s->short_id, cs);
                s->location[0] = 0;
                release_session(s);
                set_state(s,
                          s->e->shutting_down ? LWM2M_SERVER_DEREGISTERED : LWM2M_SERVER_DISABLED);
        }
}

static const char *nack_reason_text(coap_nack_reason_t reason)
{
        switch (reason) {
        case COAP_NACK_RST:
                return "the server reset the exchange";
        case COAP_NACK_TLS_FAILED:
                return "the DTLS session failed";
        case COAP_NACK_TOO_MANY_RETRIES:
                return "no answer from the server";
        case COAP_NACK_ICMP_ISSUE:
                return "the server's port is unreachable (ICMP)";
        default:
                return "the request could not be delivered";
        }
}

/* The request in flight failed; `what` says why. */
static void handle_registration_failure(server *s, const char *what, bool server_lost_us)
{
        reg_request kind = s->in_flight;
        s->in_flight = REG_NONE;
        lwm2m_buf_free(&s->out_body);
        char why[sizeof(s->last_error)];
        if (kind == REG_REGISTER) {
                snprintf(why, sizeof(why), "Register failed: %s", what);
                schedule_retry(s, why);
        } else if (kind == REG_UPDATE) {
                snprintf(why, sizeof(why), "Update failed: %s", what);
                if (server_lost_us) {
                        /* A reset: the server has no state for this exchange; register anew. */
                        snprintf(s->last_error, sizeof(s->last_error), "%s", why);
                        engine_log(s->e, LOG_NOTICE, "server %u: %s; registering again",
                                   s->short_id, why);
                        start_register(s);
                } else {
                        update_failed(s, why);
                }
        } else if (kind == REG_DEREGISTER) {
                engine_log(s->e, LOG_WARNING, "server %u: De-register got no answer (%s)",
                           s->short_id, what);
                s->location[0] = 0;
                release_session(s);
                set_state(s,
                          s->e->shutting_down ? LWM2M_SERVER_DEREGISTERED : LWM2M_SERVER_DISABLED);
        }
}

static bool token_matches(const server *s, const coap_pdu_t *pdu)
{
        coap_bin_const_t tok = coap_pdu_get_token(pdu);
        return s->in_flight != REG_NONE && tok.length == s->token_len &&
               memcmp(tok.s, s->token, tok.length) == 0;
}

static coap_response_t on_response(coap_session_t *session, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s || !token_matches(s, received))
                return COAP_RESPONSE_OK;
        handle_registration_response(s, received);
        return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *session, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid)
{
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s || !sent || !token_matches(s, sent))
                return;
        const char *what = nack_reason_text(reason);
        if (reason == COAP_NACK_TLS_FAILED && handshake_pending(s))
                /* Before our own handshake timeout: the server sent an alert. */
                what = "the DTLS handshake failed: the server refused it (wrong PSK identity or "
                       "key, or a certificate it does not accept)";
        handle_registration_failure(s, what, reason == COAP_NACK_RST);
}

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
                engine_log(e, LOG_ERR, "server %u: %s", s->short_id, s->last_error);
        } else if (event == COAP_EVENT_DTLS_CONNECTED) {
                engine_log(e, LOG_INFO, "server %u: DTLS session with %s established", s->short_id,
                           s->uri);
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
        engine_log(e, LOG_DEBUG, "server %u: %s /%.*s (message %d): %s", s->short_id,
                   coap_msg_method_str(coap_pdu_get_code(request)), path ? (int)path->length : 0,
                   path ? (const char *)path->s : "", coap_pdu_get_mid(request),
                   answer ? coap_msg_code_str(answer, code) : "answered later");
        coap_delete_string(path);
}

void engine_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                           const coap_string_t *query, coap_pdu_t *response)
{
        /* The second pass of a request that waited for an owner. */
        if (dm_answer_waited(e, s, request, response))
                return;
        uint64_t now = engine_now_ms();
        if (dedup_replay(&s->dedup, request, response, now))
                return;
        const uint8_t *body = NULL;
        size_t body_len = 0;
        block_rx *transfer = NULL;
        size_t max_body =
                e->cfg.max_request_body ? e->cfg.max_request_body : BLOCK_DEFAULT_MAX_BODY;
        if (block_request_body(s, request, response, max_body, &body, &body_len, &transfer) ==
            BLOCK_BODY_READY) {
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
        engine_handle_request(e, s, request, query, response);
        if (e->cfg.log && e->cfg.log_max_priority >= LOG_DEBUG)
                log_request(e, s, request, response);
}

/* ---- the engine as owner of Server object instances ---- */

static server *server_by_server_iid(lwm2m_engine *e, uint16_t iid)
{
        for (size_t i = 0; i < e->n_servers; i++)
                if (e->servers[i].server_iid == iid)
                        return &e->servers[i];
        return NULL;
}

static int server_object_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                                 size_t args_len, lwm2m_ask ask)
{
        lwm2m_engine *e = userdata;
        server *s = server_by_server_iid(e, resource->id[1]);
        if (!s)
                return -ENOENT;
        switch (resource->id[2]) {
        case SRV_UPDATE_TRIGGER:
                lwm2m_engine_request_update(e, s->short_id);
                lwm2m_ask_reply(ask, 0);
                return 0;
        case SRV_DISABLE: {
                uint64_t timeout = server_uint(e, s->server_iid, SRV_DISABLE_TIMEOUT, 86400);
                engine_log(e, LOG_NOTICE, "server %u: disabled by the server for %llu s",
                           s->short_id, (unsigned long long)timeout);
                lwm2m_ask_reply(ask, 0);
                /* De-register after answering, so the answer goes out first. */
                s->retry_at_ms = engine_now_ms() + timeout * 1000;
                s->update_wanted = false;
                if (s->state == LWM2M_SERVER_REGISTERED && s->session &&
                    send_registration_request(s, REG_DEREGISTER) == 0) {
                        set_state(s, LWM2M_SERVER_DEREGISTERING);
                } else {
                        release_session(s);
                        set_state(s, LWM2M_SERVER_DISABLED);
                }
                return 0;
        }
        default:
                return -EPERM;
        }
}

/* Values the DDF allows but a registration cannot use: refused with 4.00 rather
 * than stored and silently replaced by a default. */
static int server_object_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs,
                               size_t n, lwm2m_write_mode mode, lwm2m_ask ask)
{
        for (size_t i = 0; i < n; i++) {
                const lwm2m_record *rec = &recs[i];
                const lwm2m_value *v = &rec->value;
                if (rec->path.len < 3)
                        continue;
                if (rec->path.id[2] == SRV_LIFETIME) {
                        bool ok =
                                (v->type == LWM2M_TYPE_INTEGER && v->i >= 1 &&
                                 v->i <= UINT32_MAX) ||
                                (v->type == LWM2M_TYPE_UNSIGNED && v->u >= 1 && v->u <= UINT32_MAX);
                        if (!ok)
                                return -EINVAL;
                } else if (rec->path.id[2] == SRV_BINDING) {
                        if (v->type != LWM2M_TYPE_STRING || v->buf.len == 0 || v->buf.len > 3)
                                return -EINVAL;
                        /* This client speaks UDP, with or without queue mode. */
                        for (size_t k = 0; k < v->buf.len; k++)
                                if (v->buf.data[k] != 'U' && v->buf.data[k] != 'Q')
                                        return -EINVAL;
                        if (v->buf.data[0] != 'U')
                                return -EINVAL;
                }
        }
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static const lwm2m_owner_ops server_object_ops = {
        .write = server_object_write,
        .execute = server_object_execute,
};

/* ---- tree changes ---- */

static void on_tree_change(void *userdata, const lwm2m_change *c)
{
        lwm2m_engine *e = userdata;
        uint16_t oid = c->instance.id[0];
        if (c->kind == LWM2M_CHANGE_INSTANCE_ADDED || c->kind == LWM2M_CHANGE_INSTANCE_REMOVED) {
                if (oid == 0)
                        return;
                if (c->kind == LWM2M_CHANGE_INSTANCE_REMOVED)
                        lwm2m_attributes_forget(e->attrs, 0, &c->instance);
                for (size_t i = 0; i < e->n_servers; i++) {
                        e->servers[i].update_links = true;
                        e->servers[i].update_wanted = true;
                }
                return;
        }
        if (oid != 1)
                return;
        server *s = server_by_server_iid(e, c->instance.id[1]);
        if (!s)
                return;
        for (size_t i = 0; i < c->n_paths; i++) {
                uint16_t rid = c->paths[i].id[2];
                if (rid == SRV_LIFETIME || rid == SRV_BINDING) {
                        load_server_params(s);
                        s->update_params = true;
                        s->update_wanted = true;
                }
        }
}

/* ---- life cycle ---- */

lwm2m_engine *lwm2m_engine_new(lwm2m_tree *tree, const lwm2m_engine_config *cfg)
{
        coap_startup();
        lwm2m_engine *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->tree = tree;
        e->reg = lwm2m_tree_registry(tree);
        e->cfg = *cfg;
        e->endpoint = strdup(cfg->endpoint ? cfg->endpoint : "");
        snprintf(e->version, sizeof(e->version), "%s",
                 cfg->lwm2m_version ? cfg->lwm2m_version : "1.1");
        e->attrs = lwm2m_attributes_new();
        e->ctx = coap_new_context(NULL);
        if (!e->endpoint || !e->attrs || !e->ctx)
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
        e->server_owner = (lwm2m_owner){.ops = &server_object_ops, .userdata = e, .name = "engine"};
        if (lwm2m_tree_add_listener(tree, on_tree_change, e) < 0)
                goto fail;
        return e;
fail:
        lwm2m_engine_free(e);
        return NULL;
}

void lwm2m_engine_free(lwm2m_engine *e)
{
        if (!e)
                return;
        lwm2m_tree_remove_listener(e->tree, on_tree_change, e);
        for (size_t i = 0; i < e->n_servers; i++) {
                release_session(&e->servers[i]);
                lwm2m_buf_free(&e->servers[i].out_body);
                if (lwm2m_tree_get_owner(e->tree, 1, e->servers[i].server_iid) == &e->server_owner)
                        lwm2m_tree_set_owner(e->tree, 1, e->servers[i].server_iid, NULL);
        }
        engine_release_retired_sessions(e);
        free(e->servers);
        if (e->ctx)
                coap_free_context(e->ctx);
        lwm2m_attributes_free(e->attrs);
        free(e->endpoint);
        free(e);
        coap_cleanup();
}

static int64_t find_server_instance(lwm2m_engine *e, uint16_t short_id)
{
        for (int iid = lwm2m_tree_next_instance(e->tree, 1, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(e->tree, 1, iid))
                if (server_uint(e, (uint16_t)iid, SRV_SHORT_ID, 0) == short_id)
                        return iid;
        return -ENOENT;
}

int lwm2m_engine_start(lwm2m_engine *e)
{
        for (int iid = lwm2m_tree_next_instance(e->tree, 0, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(e->tree, 0, iid)) {
                lwm2m_path p = lwm2m_path_resource(0, (uint16_t)iid, SEC_BOOTSTRAP);
                const lwm2m_value *bs = lwm2m_tree_get(e->tree, &p);
                if (bs && bs->type == LWM2M_TYPE_BOOLEAN && bs->b)
                        continue; /* bootstrap servers are not registered with */
                p = lwm2m_path_resource(0, (uint16_t)iid, SEC_SHORT_ID);
                const lwm2m_value *sid = lwm2m_tree_get(e->tree, &p);
                p = lwm2m_path_resource(0, (uint16_t)iid, SEC_URI);
                const lwm2m_value *uri = lwm2m_tree_get(e->tree, &p);
                if (!sid || !uri || uri->type != LWM2M_TYPE_STRING) {
                        engine_log(e, LOG_WARNING,
                                   "Security instance /0/%d has no Short Server ID or URI; ignored",
                                   iid);
                        continue;
                }
                uint16_t short_id =
                        (uint16_t)(sid->type == LWM2M_TYPE_UNSIGNED ? sid->u : (uint64_t)sid->i);
                int64_t srv_iid = find_server_instance(e, short_id);
                if (srv_iid < 0) {
                        engine_log(e, LOG_WARNING,
                                   "no Server instance for short server ID %u (/0/%d); ignored",
                                   short_id, iid);
                        continue;
                }
                server *servers = reallocarray(e->servers, e->n_servers + 1, sizeof(server));
                if (!servers)
                        return -ENOMEM;
                e->servers = servers;
                server *s = &servers[e->n_servers++];
                *s = (server){.e = e,
                              .short_id = short_id,
                              .security_iid = (uint16_t)iid,
                              .server_iid = (uint16_t)srv_iid,
                              .session_fd = -1};
                snprintf(s->uri, sizeof(s->uri), "%s", (const char *)uri->buf.data);
                snprintf(s->version, sizeof(s->version), "%s", e->version);
                load_server_params(s);
        }
        /* reallocarray may have moved the servers: point sessions at the new place. */
        for (size_t i = 0; i < e->n_servers; i++) {
                lwm2m_tree_set_owner(e->tree, 1, e->servers[i].server_iid, &e->server_owner);
        }
        if (e->n_servers == 0)
                return -ENOENT;
        for (size_t i = 0; i < e->n_servers; i++)
                start_register(&e->servers[i]);
        return 0;
}

int lwm2m_engine_fd(const lwm2m_engine *e)
{
        return coap_context_get_coap_fd(e->ctx);
}

void lwm2m_engine_request_update(lwm2m_engine *e, uint16_t short_id)
{
        for (size_t i = 0; i < e->n_servers; i++)
                if (short_id == 0 || e->servers[i].short_id == short_id)
                        e->servers[i].update_wanted = true;
}

/* A DTLS handshake that has not completed in time is given up here rather than
 * after libcoap's own 31 s, with the reason as far as it can be told. */
static bool handshake_overdue(server *s, uint64_t now)
{
        if (!handshake_pending(s) || now < s->handshake_deadline_ms)
                return false;
        char why[200];
        security_diagnose_handshake(s, why, sizeof(why));
        engine_log(s->e, LOG_ERR, "server %u: DTLS handshake with %s failed: %s", s->short_id,
                   s->uri, why);
        char what[sizeof(why) + 32];
        snprintf(what, sizeof(what), "the DTLS handshake failed: %s", why);
        if (s->in_flight != REG_NONE)
                handle_registration_failure(s, what, false);
        else
                release_session(s);
        return true;
}

static void run_server_timers(server *s, uint64_t now)
{
        block_run_timers(s, now);
        if (handshake_overdue(s, now))
                return;
        switch (s->state) {
        case LWM2M_SERVER_BACKOFF:
        case LWM2M_SERVER_DISABLED:
                if (!s->e->shutting_down && now >= s->retry_at_ms)
                        start_register(s);
                break;
        case LWM2M_SERVER_REGISTERED:
                if (s->e->shutting_down)
                        break;
                /* Also when an Update is still being retransmitted: the server has
                 * dropped us by now, and a dead DTLS session needs a new handshake. */
                if (now >= s->registered_until_ms) {
                        engine_log(s->e, LOG_WARNING,
                                   "server %u: registration expired; registering again",
                                   s->short_id);
                        start_register(s);
                        break;
                }
                if (s->in_flight != REG_NONE || now < s->update_retry_at_ms)
                        break;
                if (s->update_wanted || now >= s->next_update_ms) {
                        if (!s->session && security_open_session(s->e, s) < 0) {
                                schedule_retry(s, NULL);
                                break;
                        }
                        if (send_registration_request(s, REG_UPDATE) < 0)
                                update_failed(s, "cannot send the Update request");
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
        if (handshake_pending(s))
                next = min_u64(next, s->handshake_deadline_ms);
        switch (s->state) {
        case LWM2M_SERVER_BACKOFF:
        case LWM2M_SERVER_DISABLED:
                return min_u64(next, s->retry_at_ms);
        case LWM2M_SERVER_REGISTERED: {
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

/* Peeking at a DTLS socket takes a pending ICMP error from libcoap, so it is acted
 * on here as libcoap would have. */
static void drop_stray_datagrams(lwm2m_engine *e)
{
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                int r = security_drop_stray_datagrams(s);
                if ((r == -ECONNREFUSED || r == -EHOSTUNREACH) && s->in_flight != REG_NONE)
                        handle_registration_failure(s, nack_reason_text(COAP_NACK_ICMP_ISSUE),
                                                    false);
        }
}

int64_t lwm2m_engine_process(lwm2m_engine *e)
{
        drop_stray_datagrams(e);
        coap_io_process(e->ctx, COAP_IO_NO_WAIT);
        engine_release_retired_sessions(e);
        uint64_t now = engine_now_ms();
        for (size_t i = 0; i < e->n_servers; i++)
                run_server_timers(&e->servers[i], now);
        if (e->shutting_down && now >= e->shutdown_deadline_ms) {
                for (size_t i = 0; i < e->n_servers; i++) {
                        server *s = &e->servers[i];
                        if (s->state != LWM2M_SERVER_DEREGISTERED) {
                                release_session(s);
                                set_state(s, LWM2M_SERVER_DEREGISTERED);
                        }
                }
        }

        uint64_t next = UINT64_MAX;
        /* Sessions given up by the timers above go now, not at the next wake-up. */
        engine_release_retired_sessions(e);
        for (size_t i = 0; i < e->n_servers; i++)
                next = min_u64(next, server_deadline(&e->servers[i], now));
        if (e->shutting_down && !lwm2m_engine_finished(e) && e->shutdown_deadline_ms < next)
                next = e->shutdown_deadline_ms;
        /* libcoap's own timers (retransmissions); 0 means it has none. */
        coap_tick_t ticks;
        coap_ticks(&ticks);
        unsigned coap_ms = coap_io_prepare_epoll(e->ctx, ticks);
        now = engine_now_ms();
        int64_t wait = -1;
        if (next != UINT64_MAX)
                wait = next > now ? (int64_t)(next - now) : 0;
        if (coap_ms > 0 && (wait < 0 || (int64_t)coap_ms < wait))
                wait = coap_ms;
        return wait;
}

void lwm2m_engine_shutdown(lwm2m_engine *e)
{
        if (e->shutting_down)
                return;
        e->shutting_down = true;
        e->shutdown_deadline_ms = engine_now_ms() + DEREGISTER_WAIT_MS;
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                if (s->state == LWM2M_SERVER_REGISTERED && s->session && s->location[0]) {
                        s->in_flight = REG_NONE;
                        if (send_registration_request(s, REG_DEREGISTER) == 0) {
                                set_state(s, LWM2M_SERVER_DEREGISTERING);
                                continue;
                        }
                }
                release_session(s);
                set_state(s, LWM2M_SERVER_DEREGISTERED);
        }
}

bool lwm2m_engine_finished(const lwm2m_engine *e)
{
        if (!e->shutting_down)
                return false;
        for (size_t i = 0; i < e->n_servers; i++)
                if (e->servers[i].state != LWM2M_SERVER_DEREGISTERED)
                        return false;
        return true;
}

size_t lwm2m_engine_server_count(const lwm2m_engine *e)
{
        return e->n_servers;
}

int lwm2m_engine_server_info(const lwm2m_engine *e, size_t index, lwm2m_server_info *out)
{
        if (index >= e->n_servers)
                return -ENOENT;
        const server *s = &e->servers[index];
        *out = (lwm2m_server_info){
                .short_id = s->short_id,
                .state = s->state,
                .uri = s->uri,
                .location = s->location,
                .lwm2m_version = s->version,
                .binding = s->binding,
                .lifetime = s->lifetime,
                .last_error = s->last_error,
        };
        return 0;
}
