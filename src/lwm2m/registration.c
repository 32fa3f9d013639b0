/* registration.c - the registration interface of one server: Register (its link
 * payload, in Block1 slices when large), Update, De-register, answers, failures, back-off. */
#include "lwm2m/registration.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "formats/format.h"
#include "formats/link.h"
#include "lwm2m/block.h"
#include "lwm2m/coap_msg.h"
#include "lwm2m/context.h"
#include "lwm2m/observe.h"
#include "lwm2m/retry.h"
#include "lwm2m/security.h"
#include "lwm2m/session.h"
#include "model/oma.h"
#include "util/log.h"

/* The Server object's Communication Retry Timer and Sequence Delay Timer. */
static retry_policy server_retry_policy(server *s)
{
        return (retry_policy){
                .first_ms = server_uint(s->e, s->server_iid, LWM2M_SRV_RETRY_TIMER,
                                        RETRY_DEFAULT_FIRST_MS / 1000) *
                            1000,
                .max_ms = server_uint(s->e, s->server_iid, LWM2M_SRV_SEQUENCE_DELAY,
                                      RETRY_DEFAULT_MAX_MS / 1000) *
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
        if (e->shutting_down) {
                session_release(s);
                server_set_state(s, LWM2M_SERVER_DEREGISTERED);
                return;
        }
        s->retry_at_ms = engine_now_ms() + delay;
        if (why)
                snprintf(s->last_error, sizeof(s->last_error), "%s", why);
        lwm2m_logf(&e->log, LOG_WARNING,
                   "server %u (%s): %s; attempt %u failed, next try in %.1f s", s->short_id, s->uri,
                   s->last_error, s->attempts, (double)delay / 1000.0);
        session_release(s);
        s->location[0] = 0;
        server_set_state(s, LWM2M_SERVER_BACKOFF);
        server_changed(s);
}

static void registration_settled(server *s);

/* The Server object's Communication Retry Count and Sequence Retry Count (spec
 * defaults 5 and 1). */
static retry_sequence server_retry_sequence(server *s)
{
        uint64_t attempts = server_uint(s->e, s->server_iid, LWM2M_SRV_RETRY_COUNT, 5);
        uint64_t sequences = server_uint(s->e, s->server_iid, LWM2M_SRV_SEQUENCE_RETRY_COUNT, 1);
        return (retry_sequence){
                .attempts = attempts == 0    ? 1
                            : attempts > 255 ? 255
                                             : (unsigned)attempts,
                .sequences = sequences == 0    ? 1
                             : sequences > 255 ? 255
                                               : (unsigned)sequences,
        };
}

void registration_schedule_retry(server *s, const char *why)
{
        assert(s);
        retry_policy p = server_retry_policy(s);
        retry_sequence seq = server_retry_sequence(s);
        retry_step step = retry_after_failure(&p, &seq, ++s->attempts, arc4random());
        retry_register_after(s, why, step.delay_ms);
        if (step.exhausted && !s->registration_failed) {
                s->registration_failed = true;
                lwm2m_logf(&s->e->log, LOG_ERR,
                           "server %u (%s): registration failed: %u attempts in %u sequence%s; "
                           "still retrying every %.0f s",
                           s->short_id, s->uri, s->attempts, seq.sequences,
                           seq.sequences == 1 ? "" : "s", (double)p.max_ms / 1000.0);
                registration_settled(s);
        }
}

/* ---- the order of registrations (Server object resources 13 to 16) ---- */

#define NO_PRIORITY UINT64_MAX

static uint64_t priority_of(server *s)
{
        return server_uint(s->e, s->server_iid, LWM2M_SRV_PRIORITY_ORDER, NO_PRIORITY);
}

static uint64_t initial_delay_ms(server *s)
{
        uint64_t seconds = server_uint(s->e, s->server_iid, LWM2M_SRV_INITIAL_DELAY, 0);
        return seconds > RETRY_LONGEST_MS / 1000 ? RETRY_LONGEST_MS : seconds * 1000;
}

/* Registration Priority Order: servers that have one register one at a time, the
 * lowest value first; the next waits until the one before has registered or its
 * registration has failed, and waits for good while a failed one before it has
 * Registration Failure Block set (and has not registered since). Servers without
 * one register at once. */
static void start_next_in_order(lwm2m_engine *e)
{
        server *next = NULL;
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                uint64_t prio = priority_of(s);
                if (prio == NO_PRIORITY)
                        continue;
                if (!s->first_pass_done) {
                        if (s->start_at_ms != UINT64_MAX)
                                return; /* on its way: the next waits for it */
                        if (!next || prio < priority_of(next))
                                next = s;
                } else if (s->registration_failed &&
                           server_bool(e, s->server_iid, LWM2M_SRV_FAILURE_BLOCK, false)) {
                        return;
                }
        }
        if (!next)
                return;
        next->start_at_ms = engine_now_ms() + initial_delay_ms(next);
        lwm2m_logf(&e->log, LOG_DEBUG, "server %u: its turn in the registration order",
                   next->short_id);
}

void registration_start_all(lwm2m_engine *e)
{
        assert(e);
        uint64_t now = engine_now_ms();
        for (size_t i = 0; i < e->n_servers; i++) {
                server *s = &e->servers[i];
                s->attempts = 0;
                s->first_pass_done = false;
                s->registration_failed = false;
                s->start_at_ms =
                        priority_of(s) == NO_PRIORITY ? now + initial_delay_ms(s) : UINT64_MAX;
        }
        start_next_in_order(e);
}

/* Every management server's registration has failed, or one whose failure blocks
 * the rest: the bootstrap server, if there is one and the Server object lets it
 * (Bootstrap on Registration Failure, /1/x/16, true when absent). */
static void consider_bootstrap(server *failed)
{
        lwm2m_engine *e = failed->e;
        if (!server_bool(e, failed->server_iid, LWM2M_SRV_BOOTSTRAP_ON_FAILURE, true))
                return;
        bool all_failed = true;
        for (size_t i = 0; i < e->n_servers; i++)
                if (!e->servers[i].registration_failed)
                        all_failed = false;
        bool blocks = server_bool(e, failed->server_iid, LWM2M_SRV_FAILURE_BLOCK, false) &&
                      priority_of(failed) != NO_PRIORITY;
        if (!all_failed && !blocks)
                return;
        /* Not from here: this runs inside libcoap's callbacks, and bootstrap may
         * replace the servers. The engine acts on it when its processing returns. */
        e->bootstrap_fallback = true;
}

/* The server registered, or its registration failed as the retry rules say: the
 * next in the priority order may start, and a failure may call for bootstrap. */
static void registration_settled(server *s)
{
        s->first_pass_done = true;
        start_next_in_order(s->e);
        if (s->registration_failed)
                consider_bootstrap(s);
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
                if (def->id == LWM2M_OBJ_SECURITY)
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

int registration_send(server *s, reg_request kind)
{
        assert(s);
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

void registration_start(server *s)
{
        assert(s);
        lwm2m_engine *e = s->e;
        session_release(s);
        server_load_params(s);
        int r = security_open_session(e, s);
        if (r < 0) {
                registration_schedule_retry(s, NULL);
                return;
        }
        server_set_state(s, LWM2M_SERVER_REGISTERING);
        lwm2m_logf(&e->log, LOG_INFO,
                   "server %u: registering with %s as '%s' (LwM2M %s, lifetime %u s, binding %s)",
                   s->short_id, s->uri, e->endpoint, s->version, s->lifetime, s->binding);
        r = registration_send(s, REG_REGISTER);
        if (r < 0)
                registration_schedule_retry(s, "cannot send the Register request");
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

/* The server answered a Register or Update: what waited for it goes now. */
static void became_reachable(server *s, uint64_t now)
{
        s->reachable = true;
        s->last_exchange_ms = now;
        if (s->sleeping) {
                s->sleeping = false;
                lwm2m_logf(&s->e->log, LOG_DEBUG, "server %u: queue mode: awake", s->short_id);
        }
        observe_server_reachable(s->e, s);
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
                registration_schedule_retry(
                        s, "the server accepted the registration but gave no location");
                return;
        }
        if (s->e->shutting_down) {
                /* Taken while shutting down: ended at once rather than left to expire. */
                if (registration_send(s, REG_DEREGISTER) == 0) {
                        server_set_state(s, LWM2M_SERVER_DEREGISTERING);
                } else {
                        session_release(s);
                        server_set_state(s, LWM2M_SERVER_DEREGISTERED);
                }
                return;
        }
        uint64_t now = engine_now_ms();
        s->attempts = 0;
        s->update_retry_at_ms = 0;
        s->last_error[0] = 0;
        s->next_update_ms = now + update_interval_ms(s->lifetime);
        s->registered_until_ms = now + (uint64_t)s->lifetime * 1000;
        lwm2m_logf(&s->e->log, LOG_NOTICE, "server %u: registered at /%s (lifetime %u s)",
                   s->short_id, s->location, s->lifetime);
        server_set_state(s, LWM2M_SERVER_REGISTERED);
        s->registration_failed = false;
        registration_settled(s);
        /* A new registration: the server observes anew what it wants. */
        observe_end_server(s->e, s, "registered again");
        became_reachable(s, now);
}

/* An Update that failed (no answer, ICMP, DTLS, a server error): the registration
 * stands while the server holds it, and the next Update waits as the back-off policy
 * says, on a new session (a NAT may have dropped the old path). When the wait would
 * outlast the registration, register again instead. */
void registration_update_failed(server *s, const char *why)
{
        assert(s && why);
        uint64_t now = engine_now_ms();
        uint64_t delay = next_retry_delay(s);
        snprintf(s->last_error, sizeof(s->last_error), "%s", why);
        s->update_wanted = true;
        if (now + delay >= s->registered_until_ms) {
                retry_register_after(s, why, delay);
                return;
        }
        s->update_retry_at_ms = now + delay;
        lwm2m_logf(&s->e->log, LOG_WARNING,
                   "server %u (%s): %s; attempt %u failed, next try in %.1f s", s->short_id, s->uri,
                   why, s->attempts, (double)delay / 1000.0);
        session_release(s);
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
                        lwm2m_logf(&s->e->log, LOG_NOTICE,
                                   "server %u refused LwM2M %s (4.12); trying %s", s->short_id,
                                   s->version, lower);
                        snprintf(s->version, sizeof(s->version), "%s", lower);
                        if (registration_send(s, REG_REGISTER) < 0)
                                registration_schedule_retry(s, "cannot send the Register request");
                } else {
                        char why[64];
                        snprintf(why, sizeof(why), "Register refused with %s", cs);
                        registration_schedule_retry(s, why);
                }
        } else if (kind == REG_UPDATE) {
                if (code == COAP_RESPONSE_CODE_CHANGED) {
                        uint64_t now = engine_now_ms();
                        s->attempts = 0;
                        s->update_retry_at_ms = 0;
                        s->next_update_ms = now + update_interval_ms(s->lifetime);
                        s->registered_until_ms = now + (uint64_t)s->lifetime * 1000;
                        lwm2m_logf(&s->e->log, LOG_INFO, "server %u: registration updated",
                                   s->short_id);
                        if (s->last_error[0]) {
                                s->last_error[0] = 0;
                                server_changed(s);
                        }
                        became_reachable(s, now);
                } else if (COAP_RESPONSE_CLASS(code) == 4) {
                        /* The server lost (or refuses) our registration: register anew. */
                        lwm2m_logf(&s->e->log, LOG_NOTICE,
                                   "server %u: Update answered %s; registering again", s->short_id,
                                   cs);
                        snprintf(s->last_error, sizeof(s->last_error), "Update answered %s", cs);
                        s->location[0] = 0;
                        registration_start(s);
                } else {
                        /* A server-side error: keep the registration and try again later. */
                        char why[64];
                        snprintf(why, sizeof(why), "Update answered %s", cs);
                        registration_update_failed(s, why);
                }
        } else if (kind == REG_DEREGISTER) {
                lwm2m_logf(&s->e->log, LOG_INFO, "server %u: de-registered (%s)", s->short_id, cs);
                observe_end_server(s->e, s, "de-registered");
                s->location[0] = 0;
                session_release(s);
                server_set_state(s, s->e->shutting_down ? LWM2M_SERVER_DEREGISTERED
                                                        : LWM2M_SERVER_DISABLED);
        }
}

/* The request in flight failed; `what` says why. */
void registration_failed(server *s, const char *what, bool server_lost_us)
{
        assert(s && what);
        reg_request kind = s->in_flight;
        s->in_flight = REG_NONE;
        lwm2m_buf_free(&s->out_body);
        char why[sizeof(s->last_error)];
        if (kind == REG_REGISTER) {
                snprintf(why, sizeof(why), "Register failed: %s", what);
                registration_schedule_retry(s, why);
        } else if (kind == REG_UPDATE) {
                snprintf(why, sizeof(why), "Update failed: %s", what);
                if (server_lost_us) {
                        /* A reset: the server has no state for this exchange; register anew. */
                        snprintf(s->last_error, sizeof(s->last_error), "%s", why);
                        lwm2m_logf(&s->e->log, LOG_NOTICE, "server %u: %s; registering again",
                                   s->short_id, why);
                        registration_start(s);
                } else {
                        registration_update_failed(s, why);
                }
        } else if (kind == REG_DEREGISTER) {
                lwm2m_logf(&s->e->log, LOG_WARNING, "server %u: De-register got no answer (%s)",
                           s->short_id, what);
                observe_end_server(s->e, s, "de-registered");
                s->location[0] = 0;
                session_release(s);
                server_set_state(s, s->e->shutting_down ? LWM2M_SERVER_DEREGISTERED
                                                        : LWM2M_SERVER_DISABLED);
        }
}

coap_response_t registration_on_response(coap_session_t *session, const coap_pdu_t *sent,
                                         const coap_pdu_t *received, const coap_mid_t mid)
{
        assert(session && received);
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s || !server_in_flight_token(s, received))
                return COAP_RESPONSE_OK;
        handle_registration_response(s, received);
        return COAP_RESPONSE_OK;
}

void registration_on_nack(coap_session_t *session, const coap_pdu_t *sent,
                          const coap_nack_reason_t reason, const coap_mid_t mid)
{
        assert(session);
        lwm2m_engine *e = coap_get_app_data(coap_session_get_context(session));
        server *s = engine_server_by_session(e, session);
        if (!s || !sent || !server_in_flight_token(s, sent))
                return;
        const char *what = coap_msg_nack_reason_str(reason);
        if (reason == COAP_NACK_TLS_FAILED && session_handshake_pending(s))
                /* Before our own handshake timeout: the server sent an alert. */
                what = "the DTLS handshake failed: the server refused it (wrong PSK identity or "
                       "key, or a certificate it does not accept)";
        registration_failed(s, what, reason == COAP_NACK_RST);
}
void registration_disable(server *s, uint64_t seconds)
{
        assert(s);
        lwm2m_logf(&s->e->log, LOG_NOTICE, "server %u: disabled by the server for %llu s",
                   s->short_id, (unsigned long long)seconds);
        s->retry_at_ms = engine_now_ms() + seconds * 1000;
        s->update_wanted = false;
        if (s->state == LWM2M_SERVER_REGISTERED && s->session &&
            registration_send(s, REG_DEREGISTER) == 0) {
                server_set_state(s, LWM2M_SERVER_DEREGISTERING);
        } else {
                observe_end_server(s->e, s, "disabled");
                session_release(s);
                server_set_state(s, LWM2M_SERVER_DISABLED);
        }
}
