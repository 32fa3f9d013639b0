/* bootstrap.c - the bootstrap interface: Bootstrap-Request (POST /bs) on a session of the
 * bootstrap server's Security instance, its Write, Read, Discover, Delete and Finish. */
#include "lwm2m/bootstrap.h"

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
#include "lwm2m/dm.h"
#include "lwm2m/readout.h"
#include "lwm2m/retry.h"
#include "lwm2m/security.h"
#include "lwm2m/session.h"
#include "model/oma.h"
#include "model/policy.h"
#include "model/request.h"
#include "util/macro.h"

/* ---- the bootstrap server's Security instance ---- */

static const lwm2m_value *security_value(lwm2m_engine *e, uint16_t iid, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SECURITY, iid, rid);
        return lwm2m_tree_get(e->tree, &p);
}

static uint64_t security_uint(lwm2m_engine *e, uint16_t iid, uint16_t rid, uint64_t fallback)
{
        const lwm2m_value *v = security_value(e, iid, rid);
        if (v && v->type == LWM2M_TYPE_UNSIGNED)
                return v->u;
        if (v && v->type == LWM2M_TYPE_INTEGER && v->i >= 0)
                return (uint64_t)v->i;
        return fallback;
}

static int find_bootstrap_instance(lwm2m_engine *e)
{
        for (int iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SECURITY, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(e->tree, LWM2M_OBJ_SECURITY, iid)) {
                const lwm2m_value *v = security_value(e, (uint16_t)iid, LWM2M_SEC_BOOTSTRAP);
                const lwm2m_value *uri = security_value(e, (uint16_t)iid, LWM2M_SEC_URI);
                if (v && v->type == LWM2M_TYPE_BOOLEAN && v->b && uri &&
                    uri->type == LWM2M_TYPE_STRING)
                        return iid;
        }
        return -ENOENT;
}

int bootstrap_setup(lwm2m_engine *e)
{
        assert(e);
        int iid = find_bootstrap_instance(e);
        if (iid < 0)
                return iid;
        if (!e->bs) {
                e->bs = calloc(1, sizeof(*e->bs));
                if (!e->bs)
                        return -ENOMEM;
                e->bs->srv = (server){.e = e, .bootstrap = true, .session_fd = -1};
                e->bs_server = &e->bs->srv;
        }
        server *s = &e->bs->srv;
        s->security_iid = (uint16_t)iid;
        snprintf(s->uri, sizeof(s->uri), "%s",
                 (const char *)security_value(e, s->security_iid, LWM2M_SEC_URI)->buf.data);
        snprintf(s->version, sizeof(s->version), "%s", e->version);
        e->bs->timeout_s = e->bootstrap_timeout_s;
        return 0;
}

void bootstrap_free(lwm2m_engine *e)
{
        if (!e->bs)
                return;
        session_release(&e->bs->srv);
        lwm2m_buf_free(&e->bs->srv.out_body);
        free(e->bs);
        e->bs = NULL;
        e->bs_server = NULL;
}

bool bootstrap_active(const lwm2m_engine *e)
{
        return e->bs && e->bs->phase != BOOTSTRAP_IDLE;
}

/* How long one bootstrap may take: the configuration's, else the Bootstrap-Server
 * Account Timeout of the Security instance, else the default. */
static uint64_t timeout_ms(lwm2m_engine *e)
{
        bootstrap *b = e->bs;
        uint64_t s = b->timeout_s;
        if (!s)
                s = security_uint(e, b->srv.security_iid, LWM2M_SEC_BOOTSTRAP_TIMEOUT, 0);
        return (s ?: BOOTSTRAP_TIMEOUT_DEFAULT_S) * 1000;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

/* ---- Bootstrap-Request and its failures ---- */

static void fail(lwm2m_engine *e, const char *why)
{
        bootstrap *b = e->bs;
        server *s = &b->srv;
        retry_policy p = {.first_ms = RETRY_DEFAULT_FIRST_MS, .max_ms = RETRY_DEFAULT_MAX_MS};
        uint64_t delay = retry_delay_ms(&p, ++s->attempts, arc4random());
        snprintf(s->last_error, sizeof(s->last_error), "%s", why);
        lwm2m_logf(&e->log, LOG_WARNING,
                   "bootstrap server %s: %s; attempt %u failed, next Bootstrap-Request in %.1f s",
                   s->uri, why, s->attempts, (double)delay / 1000.0);
        session_release(s);
        b->phase = BOOTSTRAP_BACKOFF;
        b->at_ms = engine_now_ms() + delay;
        server_changed(s);
}

static int send_request(lwm2m_engine *e)
{
        server *s = &e->bs->srv;
        coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                                        coap_new_message_id(s->session),
                                        coap_session_max_pdu_size(s->session));
        if (!pdu)
                return -ENOMEM;
        coap_session_new_token(s->session, &s->token_len, s->token);
        coap_add_token(pdu, s->token_len, s->token);
        coap_optlist_t *opts = NULL;
        char q[300];
        snprintf(q, sizeof(q), "ep=%s", e->endpoint);
        int r = coap_msg_add_uri_path(&opts, "bs");
        r = r ?: coap_msg_add_string(&opts, COAP_OPTION_URI_QUERY, q);
        if (strcmp(s->version, "1.0") != 0) {
                /* 1.1: the format we would like the configuration in. */
                lwm2m_path root = {0};
                snprintf(q, sizeof(q), "pct=%u", readout_default_format(s, &root, false));
                r = r ?: coap_msg_add_string(&opts, COAP_OPTION_URI_QUERY, q);
        }
        if (r < 0 || !coap_add_optlist_pdu(pdu, &opts)) {
                coap_delete_optlist(opts);
                coap_delete_pdu(pdu);
                return r < 0 ? r : -ENOMEM;
        }
        coap_delete_optlist(opts);
        if (coap_send(s->session, pdu) == COAP_INVALID_MID)
                return -EIO;
        s->in_flight = REG_BOOTSTRAP;
        return 0;
}

static void request_now(lwm2m_engine *e)
{
        bootstrap *b = e->bs;
        server *s = &b->srv;
        session_release(s);
        /* The account may have been rewritten since: the URI and credentials anew. */
        if (bootstrap_setup(e) < 0) {
                /* Nobody to ask: the servers the objects name, if any, are what there is. */
                b->phase = BOOTSTRAP_IDLE;
                lwm2m_logf(&e->log, LOG_ERR, "the bootstrap server's Security instance is gone");
                server_changed(s);
                if (engine_rebuild_servers(e) < 0)
                        lwm2m_logf(&e->log, LOG_ERR, "bootstrap: no server to register with");
                return;
        }
        b->phase = BOOTSTRAP_REQUESTING;
        b->deadline_ms = engine_now_ms() + timeout_ms(e);
        int r = security_open_session(e, s);
        if (r < 0) {
                fail(e, s->last_error[0] ? s->last_error : "cannot open a session");
                return;
        }
        lwm2m_logf(&e->log, LOG_INFO, "bootstrap: Bootstrap-Request to %s as '%s'", s->uri,
                   e->endpoint);
        if (send_request(e) < 0)
                fail(e, "cannot send the Bootstrap-Request");
}

int bootstrap_begin(lwm2m_engine *e, bool hold_off)
{
        assert(e);
        if (!e->bs)
                return -ENOENT;
        bootstrap *b = e->bs;
        if (b->phase == BOOTSTRAP_REQUESTING || b->phase == BOOTSTRAP_WAITING ||
            b->phase == BOOTSTRAP_HOLD_OFF)
                return 0; /* one is under way */
        engine_idle_servers(e);
        b->srv.attempts = 0;
        b->phase = BOOTSTRAP_HOLD_OFF;
        uint64_t wait_s =
                hold_off ? security_uint(e, b->srv.security_iid, LWM2M_SEC_HOLD_OFF, 0) : 0;
        b->at_ms = engine_now_ms() + wait_s * 1000;
        if (wait_s)
                lwm2m_logf(&e->log, LOG_INFO, "bootstrap: Client Hold Off Time %llu s",
                           (unsigned long long)wait_s);
        server_changed(&b->srv);
        return 0;
}

bool bootstrap_on_response(lwm2m_engine *e, server *s, const coap_pdu_t *received)
{
        if (!e->bs || !server_in_flight_token(s, received))
                return false;
        s->in_flight = REG_NONE;
        coap_pdu_code_t code = coap_pdu_get_code(received);
        if (code == COAP_RESPONSE_CODE_CHANGED) {
                lwm2m_logf(&e->log, LOG_INFO, "bootstrap: request accepted by %s", s->uri);
                if (e->bs->phase == BOOTSTRAP_REQUESTING)
                        e->bs->phase = BOOTSTRAP_WAITING;
                return true;
        }
        char cs[8], why[64];
        snprintf(why, sizeof(why), "Bootstrap-Request refused with %s",
                 coap_msg_code_str(code, cs));
        fail(e, why);
        return true;
}

bool bootstrap_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent,
                       coap_nack_reason_t reason)
{
        if (!e->bs || !server_in_flight_token(s, sent))
                return false;
        s->in_flight = REG_NONE;
        char why[200];
        snprintf(why, sizeof(why), "Bootstrap-Request failed: %s",
                 coap_msg_nack_reason_str(reason));
        fail(e, why);
        return true;
}

uint64_t bootstrap_run(lwm2m_engine *e, uint64_t now)
{
        bootstrap *b = e->bs;
        if (!b || e->shutting_down)
                return UINT64_MAX;
        server *s = &b->srv;
        /* Request bodies half received from the bootstrap server expire. */
        uint64_t blocks = block_run_timers(s, now);
        switch (b->phase) {
        case BOOTSTRAP_HOLD_OFF:
        case BOOTSTRAP_BACKOFF:
                if (now >= b->at_ms)
                        request_now(e);
                break;
        case BOOTSTRAP_REQUESTING:
        case BOOTSTRAP_WAITING:
                if (session_handshake_pending(s) && now >= s->handshake_deadline_ms) {
                        char why[200], what[sizeof(why) + 32];
                        security_diagnose_handshake(s, why, sizeof(why));
                        snprintf(what, sizeof(what), "the DTLS handshake failed: %s", why);
                        fail(e, what);
                } else if (now >= b->deadline_ms) {
                        fail(e, "the bootstrap did not finish in time");
                }
                break;
        case BOOTSTRAP_FINISHED:
                session_release(s);
                s->attempts = 0;
                s->last_error[0] = 0;
                b->phase = BOOTSTRAP_IDLE;
                server_changed(s);
                if (engine_rebuild_servers(e) < 0)
                        lwm2m_logf(&e->log, LOG_ERR, "bootstrap: no server to register with");
                return UINT64_MAX;
        case BOOTSTRAP_IDLE:
                return blocks;
        }
        uint64_t next = blocks;
        switch (b->phase) {
        case BOOTSTRAP_HOLD_OFF:
        case BOOTSTRAP_BACKOFF:
                next = min_u64(next, b->at_ms);
                break;
        case BOOTSTRAP_REQUESTING:
        case BOOTSTRAP_WAITING:
                next = min_u64(next, b->deadline_ms);
                if (session_handshake_pending(s))
                        next = min_u64(next, s->handshake_deadline_ms);
                break;
        default:
                break;
        }
        return next;
}

/* ---- the bootstrap server's requests ---- */

typedef struct bs_request {
        lwm2m_engine *e;
        server *s;
        const coap_pdu_t *pdu;
        coap_pdu_t *response;
        lwm2m_path path;
        int64_t accept;
        int64_t content_format;
        const uint8_t *payload;
        size_t payload_len;
} bs_request;

static void respond_error(bs_request *r, int error, bool encoding, const char *what,
                          const char *why)
{
        coap_pdu_code_t code = error == -EWOULDBLOCK ? COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE
                               : error == -EACCES    ? COAP_RESPONSE_CODE_UNAUTHORIZED
                                                     : coap_msg_code_for_errno(error, encoding);
        char path[LWM2M_PATH_STRLEN], cs[8];
        lwm2m_path_format(&r->path, path, sizeof(path));
        lwm2m_logf(&r->e->log, LOG_INFO, "bootstrap: %s %s: %s (%s)", what, path,
                   coap_msg_code_str(code, cs), why && *why ? why : strerror(-error));
        coap_pdu_set_code(r->response, code);
}

static void respond_payload(bs_request *r, uint16_t format, const lwm2m_buf *buf)
{
        coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_CONTENT);
        if (block_respond(r->s->session, r->pdu, r->response, format, buf->data, buf->len) < 0)
                coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
}

static int bootstrap_may(bs_request *r, lwm2m_operation op, const lwm2m_path *p, char *why,
                         size_t size)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_BOOTSTRAP, .tag = r->e};
        return lwm2m_policy_check(r->e->tree, &origin, op, p, why, size);
}

/* Puts one write, create or delete to the model's request lifecycle with the bootstrap
 * server as origin. The bootstrap interface answers at once: an owner that cannot
 * answer at once makes it -EWOULDBLOCK (5.03, the server may try again). */
static int put(bs_request *r, lwm2m_request_spec *spec, char *why, size_t size)
{
        spec->origin = (lwm2m_origin){.kind = LWM2M_ORIGIN_BOOTSTRAP, .tag = r->e};
        spec->group = r->s->session;
        return lwm2m_request_run(r->e->requests, spec, why, size);
}

/* Bootstrap-Write: every instance the payload names is written, or created when it
 * does not exist; resources given replace those there, others stay. */
static void bs_write(bs_request *r)
{
        lwm2m_engine *e = r->e;
        const lwm2m_path *p = &r->path;
        char why[200] = "";
        if (p->len < 1 || p->len > 3) {
                respond_error(r, -EPERM, false, "Bootstrap-Write",
                              "not an object, instance or "
                              "resource");
                return;
        }
        if (!lwm2m_registry_find(e->reg, p->id[0])) {
                respond_error(r, -ENOENT, false, "Bootstrap-Write", "no such object");
                return;
        }
        int err = bootstrap_may(r, LWM2M_OPERATION_WRITE, p, why, sizeof(why));
        if (err < 0) {
                respond_error(r, err, false, "Bootstrap-Write", why);
                return;
        }
        if (r->content_format >= 0 && !lwm2m_format_supported((uint16_t)r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Bootstrap-Write", NULL);
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        err = dm_decode(e, r->content_format, p, r->payload, r->payload_len, &l);
        if (err < 0) {
                respond_error(r, err, false, "Bootstrap-Write", "the payload does not decode");
                return;
        }
        /* Instance marks (an empty Object Instance TLV) only name an instance. */
        size_t kept = 0;
        for (size_t i = 0; i < l.n; i++) {
                lwm2m_record *rec = &l.items[i];
                if (!lwm2m_path_starts_with(&rec->path, p)) {
                        respond_error(r, -EBADMSG, false, "Bootstrap-Write",
                                      "a value lies outside the target");
                        return;
                }
                if (rec->path.len < 3) {
                        lwm2m_value_clear(&rec->value);
                        continue;
                }
                err = bootstrap_may(r, LWM2M_OPERATION_WRITE, &rec->path, why, sizeof(why));
                if (err < 0) {
                        respond_error(r, err, false, "Bootstrap-Write", why);
                        return;
                }
                l.items[kept++] = *rec;
        }
        l.n = kept;
        lwm2m_record_list_sort(&l);
        /* One request per instance, in order. */
        for (size_t from = 0; from < l.n;) {
                uint16_t oid = l.items[from].path.id[0], iid = l.items[from].path.id[1];
                size_t to = from;
                while (to < l.n && l.items[to].path.id[0] == oid && l.items[to].path.id[1] == iid)
                        to++;
                lwm2m_record_list part = {0};
                for (size_t i = from; i < to && err >= 0; i++) {
                        lwm2m_record *rec = lwm2m_record_list_add(&part, &l.items[i].path);
                        if (!rec) {
                                err = -ENOMEM;
                                break;
                        }
                        *rec = l.items[i];
                        l.items[i].value = (lwm2m_value){0};
                }
                if (err < 0) {
                        lwm2m_record_list_free(&part);
                        break;
                }
                bool exists = lwm2m_tree_has_instance(e->tree, oid, iid);
                lwm2m_request_spec spec = {
                        .kind = exists ? LWM2M_REQUEST_WRITE : LWM2M_REQUEST_CREATE,
                        .path = exists && p->len == 3 ? *p : lwm2m_path_instance(oid, iid),
                        .mode = exists && p->len == 3 ? LWM2M_WRITE_REPLACE : LWM2M_WRITE_UPDATE,
                        .records = part,
                };
                err = put(r, &spec, why, sizeof(why));
                if (err < 0) {
                        respond_error(r, err, false, "Bootstrap-Write", why);
                        return;
                }
                from = to;
        }
        if (err < 0) {
                respond_error(r, err, false, "Bootstrap-Write", NULL);
                return;
        }
        coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_CHANGED);
}

/* Bootstrap-Read: the Server and Access Control objects only (the policy says). */
static void bs_read(bs_request *r)
{
        lwm2m_engine *e = r->e;
        const lwm2m_path *p = &r->path;
        char why[200] = "";
        int err =
                p->len == 0 ? -EPERM : bootstrap_may(r, LWM2M_OPERATION_READ, p, why, sizeof(why));
        if (err < 0) {
                respond_error(r, err, false, "Bootstrap-Read", why);
                return;
        }
        err = lwm2m_tree_path_exists(e->tree, p, true);
        if (err < 0) {
                respond_error(r, err, false, "Bootstrap-Read", NULL);
                return;
        }
        if (r->accept >= 0 && !lwm2m_format_supported((uint16_t)r->accept)) {
                respond_error(r, -EPROTONOSUPPORT, true, "Bootstrap-Read", NULL);
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        err = readout_values(e, 0, p, &l);
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        const lwm2m_resource_def *res =
                obj && p->len >= 3 ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
        uint16_t format = readout_format(r->s, res, p, r->accept);
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = err ?: lwm2m_format_encode(format, p, l.items, l.n, &out);
        if (err < 0) {
                respond_error(r, err, true, "Bootstrap-Read", NULL);
                return;
        }
        respond_payload(r, format, &out);
}

/* The short server ID and URI a Bootstrap-Discover shows for Security and Server
 * instances (LwM2M 1.1: ssid, uri). */
static int instance_attributes(lwm2m_engine *e, uint16_t oid, uint16_t iid, link_entry *l)
{
        int r = 0;
        if (oid == LWM2M_OBJ_SECURITY) {
                const lwm2m_value *bs = security_value(e, iid, LWM2M_SEC_BOOTSTRAP);
                const lwm2m_value *sid = security_value(e, iid, LWM2M_SEC_SHORT_ID);
                const lwm2m_value *uri = security_value(e, iid, LWM2M_SEC_URI);
                bool is_bs = bs && bs->type == LWM2M_TYPE_BOOLEAN && bs->b;
                if (!is_bs && sid && sid->type == LWM2M_TYPE_INTEGER)
                        r = link_entry_add_int(l, "ssid", sid->i);
                else if (!is_bs && sid && sid->type == LWM2M_TYPE_UNSIGNED)
                        r = link_entry_add_uint(l, "ssid", sid->u);
                if (r >= 0 && uri && uri->type == LWM2M_TYPE_STRING)
                        r = link_entry_add_string(l, "uri", (const char *)uri->buf.data);
        } else if (oid == LWM2M_OBJ_SERVER) {
                lwm2m_path p = lwm2m_path_resource(oid, iid, LWM2M_SRV_SHORT_ID);
                const lwm2m_value *sid = lwm2m_tree_get(e->tree, &p);
                if (sid && sid->type == LWM2M_TYPE_INTEGER)
                        r = link_entry_add_int(l, "ssid", sid->i);
                else if (sid && sid->type == LWM2M_TYPE_UNSIGNED)
                        r = link_entry_add_uint(l, "ssid", sid->u);
        }
        return r;
}

static int discover_object(lwm2m_engine *e, const lwm2m_object_def *def, lwm2m_buf *out)
{
        int r = 0;
        bool versioned = def->version[0] && strcmp(def->version, "1.0") != 0;
        size_t count = lwm2m_tree_instance_count(e->tree, def->id);
        if (versioned || count == 0) {
                _cleanup_(link_entry_clear) link_entry obj = {.path = lwm2m_path_object(def->id)};
                if (versioned)
                        r = link_entry_add_token(&obj, "ver", def->version);
                r = r ?: link_append(&obj, NULL, out);
        }
        for (int iid = lwm2m_tree_next_instance(e->tree, def->id, -1); iid >= 0 && r >= 0;
             iid = lwm2m_tree_next_instance(e->tree, def->id, iid)) {
                _cleanup_(link_entry_clear)
                        link_entry inst = {.path = lwm2m_path_instance(def->id, (uint16_t)iid)};
                r = instance_attributes(e, def->id, (uint16_t)iid, &inst);
                r = r ?: link_append(&inst, NULL, out);
        }
        return r;
}

/* Bootstrap-Discover on / or /oid: the objects and instances, with lwm2m= first. */
static void bs_discover(bs_request *r)
{
        lwm2m_engine *e = r->e;
        const lwm2m_path *p = &r->path;
        if (p->len > 1) {
                respond_error(r, -EINVAL, true, "Bootstrap-Discover", "only the root or an object");
                return;
        }
        const lwm2m_object_def *only = p->len == 1 ? lwm2m_registry_find(e->reg, p->id[0]) : NULL;
        if (p->len == 1 && !only) {
                respond_error(r, -ENOENT, true, "Bootstrap-Discover", "no such object");
                return;
        }
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        _cleanup_(link_entry_clear) link_entry root = {0};
        int err = link_entry_add_string(&root, "lwm2m", e->version);
        err = err ?: link_append(&root, NULL, &out);
        size_t n = lwm2m_registry_count(e->reg);
        for (size_t i = 0; i < n && err >= 0; i++) {
                const lwm2m_object_def *def = lwm2m_registry_at(e->reg, i);
                if (!only || def == only)
                        err = discover_object(e, def, &out);
        }
        if (err < 0) {
                respond_error(r, err, true, "Bootstrap-Discover", NULL);
                return;
        }
        respond_payload(r, LWM2M_FORMAT_LINK, &out);
}

/* Whether Bootstrap-Delete leaves this instance: the bootstrap server's own account,
 * the Device instance, and instances of other objects that a provider stands behind
 * (they are the provider's to remove, not configuration). */
static bool delete_spares(lwm2m_engine *e, uint16_t oid, uint16_t iid)
{
        if (oid == LWM2M_OBJ_SECURITY)
                return find_bootstrap_instance(e) == iid;
        if (oid == LWM2M_OBJ_DEVICE)
                return true;
        return !lwm2m_policy_is_provisioned(oid) && lwm2m_tree_get_owner(e->tree, oid, iid);
}

static void bs_delete(bs_request *r)
{
        lwm2m_engine *e = r->e;
        const lwm2m_path *p = &r->path;
        if (p->len > 2) {
                respond_error(r, -EINVAL, false, "Bootstrap-Delete", "not an object or instance");
                return;
        }
        size_t n = lwm2m_registry_count(e->reg);
        for (size_t i = 0; i < n; i++) {
                const lwm2m_object_def *def = lwm2m_registry_at(e->reg, i);
                if (p->len >= 1 && def->id != p->id[0])
                        continue;
                size_t count = lwm2m_tree_instance_count(e->tree, def->id);
                _cleanup_free_ uint16_t *iids = calloc(count ?: 1, sizeof(*iids));
                if (!iids) {
                        respond_error(r, -ENOMEM, false, "Bootstrap-Delete", NULL);
                        return;
                }
                size_t k = 0;
                for (int iid = lwm2m_tree_next_instance(e->tree, def->id, -1);
                     iid >= 0 && k < count; iid = lwm2m_tree_next_instance(e->tree, def->id, iid))
                        if ((p->len < 2 || iid == p->id[1]) &&
                            !delete_spares(e, def->id, (uint16_t)iid))
                                iids[k++] = (uint16_t)iid;
                for (size_t j = 0; j < k; j++) {
                        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_DELETE,
                                                   .path = lwm2m_path_instance(def->id, iids[j])};
                        char why[200] = "";
                        int err = put(r, &spec, why, sizeof(why));
                        if (err < 0 && err != -ENOENT) {
                                respond_error(r, err, false, "Bootstrap-Delete", why);
                                return;
                        }
                }
        }
        coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_DELETED);
}

bool bootstrap_config_usable(lwm2m_engine *e, char *why, size_t size)
{
        server *servers = NULL;
        size_t n = 0;
        if (engine_scan_servers(e, &servers, &n, why, size) < 0) {
                snprintf(why, size, "out of memory");
                return false;
        }
        free(servers);
        return n > 0;
}

/* Bootstrap-Finish: 2.04 when a management server can be registered with, else 4.06
 * with what is missing. */
static void bs_finish(bs_request *r)
{
        lwm2m_engine *e = r->e;
        char why[256];
        if (!bootstrap_config_usable(e, why, sizeof(why))) {
                lwm2m_logf(&e->log, LOG_WARNING, "bootstrap: Bootstrap-Finish refused: %s", why);
                coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_NOT_ACCEPTABLE);
                coap_add_data(r->response, strlen(why), (const uint8_t *)why);
                return;
        }
        lwm2m_logf(&e->log, LOG_NOTICE, "bootstrap: finished by %s", r->s->uri);
        coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_CHANGED);
        e->bs->phase = BOOTSTRAP_FINISHED; /* the engine takes the servers after answering */
}

void bootstrap_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                              const uint8_t *body, size_t body_len, coap_pdu_t *response)
{
        assert(e && s && request && response);
        bootstrap *b = e->bs;
        if (b->phase != BOOTSTRAP_REQUESTING && b->phase != BOOTSTRAP_WAITING) {
                /* Server-initiated: the server configures us without our request. */
                lwm2m_logf(&e->log, LOG_INFO, "bootstrap: initiated by %s", s->uri);
                engine_idle_servers(e);
                b->phase = BOOTSTRAP_WAITING;
                b->deadline_ms = engine_now_ms() + timeout_ms(e);
                server_changed(s);
        }
        bs_request r = {
                .e = e,
                .s = s,
                .pdu = request,
                .response = response,
                .accept = coap_msg_uint_option(request, COAP_OPTION_ACCEPT),
                .content_format = coap_msg_uint_option(request, COAP_OPTION_CONTENT_FORMAT),
                .payload = body,
                .payload_len = body_len,
        };
        coap_pdu_code_t method = coap_pdu_get_code(request);
        char uri_path[16];
        coap_msg_uri_path(request, uri_path, sizeof(uri_path));
        if (strcmp(uri_path, "bs") == 0) {
                if (method == COAP_REQUEST_CODE_POST)
                        bs_finish(&r);
                else
                        coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_ALLOWED);
                return;
        }
        int err = coap_msg_lwm2m_path(request, &r.path);
        if (err < 0) {
                coap_pdu_set_code(response, err == -ENOENT ? COAP_RESPONSE_CODE_NOT_FOUND
                                                           : COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        switch (method) {
        case COAP_REQUEST_CODE_GET:
                if (r.accept == LWM2M_FORMAT_LINK)
                        bs_discover(&r);
                else
                        bs_read(&r);
                break;
        case COAP_REQUEST_CODE_PUT:
                bs_write(&r);
                break;
        case COAP_REQUEST_CODE_DELETE:
                bs_delete(&r);
                break;
        default:
                /* No Execute, Create, composites or attributes in the bootstrap interface. */
                respond_error(&r, -EPERM, false, "bootstrap request", "not a bootstrap operation");
                break;
        }
}
