/* dm.c - device management and service enablement: Read, Discover, Write,
 * Write-Attributes, Execute, Create, Delete and the composite forms, checked against the DDF. */
#include <errno.h>
#include <math.h>
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
#include "lwm2m/server.h"
#include "util/macro.h"

/* Owners a single request may need consent from (Write-Composite touches several). */
#define DM_MAX_OWNERS 16

/* A request waiting for owners: found again by session and token when libcoap
 * hands the request back after coap_async_trigger(). */
typedef struct dm_pending {
        struct dm_pending *next;
        lwm2m_engine *e;
        coap_session_t *session;
        uint8_t token[8];
        size_t token_len;
        coap_async_t *async;
        unsigned outstanding; /* replies still to come */
        int error;            /* the first refusal */
        bool done;
        uint64_t deadline_ms;
        const lwm2m_owner *asked[DM_MAX_OWNERS];
        size_t n_asked;
} dm_pending;

/* What one pass of the handler has to say about a consent it needed. */
typedef enum consent_state {
        CONSENT_GIVEN,   /* carry on */
        CONSENT_REFUSED, /* answer with the error */
        CONSENT_WAITING, /* the answer comes later: respond with nothing now */
} consent_state;

typedef struct dm_request {
        lwm2m_engine *e;
        server *s;
        coap_session_t *session;
        const coap_pdu_t *pdu;
        const coap_string_t *query;
        coap_pdu_t *response;
        lwm2m_path path;
        int64_t accept;
        int64_t content_format;
        const uint8_t *payload;
        size_t payload_len;
        dm_pending *pending; /* this request's consent, when one was asked before */
        int consent_error;
} dm_request;

/* ---- answering ---- */

static void respond(dm_request *r, coap_pdu_code_t code)
{
        coap_pdu_set_code(r->response, code);
}

static void respond_error(dm_request *r, int error, bool encoding, const char *what)
{
        coap_pdu_code_t code = coap_msg_code_for_errno(error, encoding);
        char path[LWM2M_PATH_STRLEN], cs[8];
        lwm2m_path_format(&r->path, path, sizeof(path));
        engine_log(r->e, LOG_INFO, "server %u: %s %s: %s (%s)", r->s->short_id, what, path,
                   coap_msg_code_str(code, cs), strerror(-error));
        respond(r, code);
}

/* The body is copied into the response (block.h's ownership rule): `buf` stays ours. */
static void respond_payload(dm_request *r, coap_pdu_code_t code, uint16_t format,
                            const lwm2m_buf *buf)
{
        coap_pdu_set_code(r->response, code);
        int err = block_respond(r->session, r->pdu, r->response, format, buf->data, buf->len);
        if (err == -ERANGE || err == -EBADMSG) {
                engine_log(r->e, LOG_INFO, "server %u: %s", r->s->short_id,
                           err == -ERANGE ? "Block2 asks for a block past the end"
                                          : "malformed Block2 option");
                coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_BAD_OPTION);
        } else if (err < 0) {
                coap_pdu_set_code(r->response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
        }
}

/* ---- definitions ---- */

static int resolve_resource(void *userdata, const lwm2m_path *path, lwm2m_type *type,
                            bool *multiple)
{
        const lwm2m_registry *reg = userdata;
        const lwm2m_object_def *obj = lwm2m_registry_find(reg, path->id[0]);
        const lwm2m_resource_def *res =
                obj ? lwm2m_object_def_find_resource(obj, path->id[2]) : NULL;
        if (!res)
                return -ENOENT;
        *type = res->type;
        *multiple = res->multiple;
        return 0;
}

static const lwm2m_resource_def *resource_def(lwm2m_engine *e, const lwm2m_path *p)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        return obj && p->len >= 3 ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
}

/* Checks that what `p` names exists: object defined, instance present,
 * resource defined (and present unless `defined_is_enough`). */
static int path_exists(lwm2m_engine *e, const lwm2m_path *p, bool defined_is_enough)
{
        if (p->len == 0)
                return 0;
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        if (!obj)
                return -ENOENT;
        if (p->len >= 2 && !lwm2m_tree_has_instance(e->tree, p->id[0], p->id[1]))
                return -ENOENT;
        if (p->len >= 3) {
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, p->id[2]);
                if (!res)
                        return -ENOENT;
                if (p->len == 4 && !res->multiple)
                        return -ENOENT;
                if (!defined_is_enough && res->type != LWM2M_TYPE_NONE &&
                    !lwm2m_tree_get(e->tree, p)) {
                        /* A multiple resource exists if a read finds it, even empty. */
                        lwm2m_record_list l = {0};
                        int rr = lwm2m_tree_read(e->tree, p, &l);
                        lwm2m_record_list_free(&l);
                        if (rr < 0)
                                return -ENOENT;
                }
        }
        return 0;
}

/* ---- owners' consent, synchronous or not ---- */

static void consent_reply(void *request, int error)
{
        dm_pending *p = request;
        if (error < 0 && p->error == 0)
                p->error = error;
        if (p->outstanding > 0 && --p->outstanding == 0) {
                p->done = true;
                if (p->async)
                        coap_async_trigger(p->async);
        }
}

static dm_pending *pending_find(lwm2m_engine *e, coap_session_t *session, coap_bin_const_t token)
{
        for (dm_pending *p = e->pending; p; p = p->next)
                if (p->session == session && p->token_len == token.length &&
                    memcmp(p->token, token.s, token.length) == 0)
                        return p;
        return NULL;
}

static void pending_free(dm_pending *p)
{
        lwm2m_engine *e = p->e;
        for (dm_pending **pp = &e->pending; *pp; pp = &(*pp)->next)
                if (*pp == p) {
                        *pp = p->next;
                        break;
                }
        if (p->async)
                coap_free_async(p->session, p->async);
        coap_session_release(p->session);
        free(p);
}

static dm_pending *pending_new(dm_request *r)
{
        dm_pending *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        coap_bin_const_t tok = coap_pdu_get_token(r->pdu);
        p->e = r->e;
        p->session = coap_session_reference(r->session);
        p->token_len = tok.length < sizeof(p->token) ? tok.length : sizeof(p->token);
        memcpy(p->token, tok.s, p->token_len);
        p->outstanding = 1; /* a guard until every owner has been asked */
        p->next = r->e->pending;
        r->e->pending = p;
        return p;
}

/* Starts asking: returns the pending consent to pass owners. */
static dm_pending *consent_begin(dm_request *r)
{
        return pending_new(r);
}

/* Records that `owner` was asked (so a timeout can cancel it) and counts its
 * reply; call before invoking the owner's operation with consent_reply. */
static void consent_asking(dm_pending *p, const lwm2m_owner *owner)
{
        p->outstanding++;
        if (p->n_asked < DM_MAX_OWNERS)
                p->asked[p->n_asked++] = owner;
}

/* The owner refused at once (the operation returned an error). */
static void consent_refused_now(dm_pending *p, int error)
{
        if (p->error == 0)
                p->error = error;
        p->outstanding--;
        p->n_asked--;
}

static consent_state consent_end(dm_request *r, dm_pending *p, int *error)
{
        p->outstanding--; /* drop the guard */
        if (p->outstanding == 0) {
                *error = p->error;
                pending_free(p);
                return *error < 0 ? CONSENT_REFUSED : CONSENT_GIVEN;
        }
        /* Someone answers later: answer the server separately once they have. */
        p->async = coap_register_async(r->session, r->pdu, 0);
        if (!p->async) {
                for (size_t i = 0; i < p->n_asked; i++)
                        if (p->asked[i]->ops->cancel)
                                p->asked[i]->ops->cancel(p->asked[i]->userdata, p);
                pending_free(p);
                *error = -ENOMEM;
                return CONSENT_REFUSED;
        }
        p->deadline_ms = engine_now_ms() + DM_OWNER_TIMEOUT_MS;
        return CONSENT_WAITING;
}

/* On the second pass, the stored outcome; CONSENT_WAITING if there was none. */
static consent_state consent_result(dm_request *r, int *error)
{
        dm_pending *p = r->pending;
        if (!p || !p->done)
                return CONSENT_WAITING;
        *error = p->error;
        r->pending = NULL;
        /* This is the triggered pass: libcoap frees the async when the handler returns. */
        p->async = NULL;
        pending_free(p);
        return *error < 0 ? CONSENT_REFUSED : CONSENT_GIVEN;
}

uint64_t dm_run_timers(lwm2m_engine *e, uint64_t now)
{
        uint64_t next = UINT64_MAX;
        for (dm_pending *p = e->pending; p; p = p->next) {
                if (p->done || !p->async)
                        continue;
                if (now >= p->deadline_ms) {
                        for (size_t i = 0; i < p->n_asked; i++)
                                if (p->asked[i]->ops->cancel)
                                        p->asked[i]->ops->cancel(p->asked[i]->userdata, p);
                        engine_log(e, LOG_WARNING, "an owner did not answer within %u ms",
                                   DM_OWNER_TIMEOUT_MS);
                        p->error = -ETIMEDOUT;
                        p->outstanding = 0;
                        p->done = true;
                        coap_async_trigger(p->async);
                } else if (p->deadline_ms < next) {
                        next = p->deadline_ms;
                }
        }
        return next;
}

static void pending_cancel(dm_pending *p)
{
        if (!p->done)
                for (size_t i = 0; i < p->n_asked; i++)
                        if (p->asked[i]->ops->cancel)
                                p->asked[i]->ops->cancel(p->asked[i]->userdata, p);
        pending_free(p);
}

void dm_cancel_all(lwm2m_engine *e)
{
        while (e->pending)
                pending_cancel(e->pending);
}

void dm_cancel_session(lwm2m_engine *e, coap_session_t *session)
{
        dm_pending *p = e->pending;
        while (p) {
                dm_pending *following = p->next;
                if (p->session == session)
                        pending_cancel(p);
                p = following;
        }
}

/* Runs `ask` for one owner operation the first time through, or picks up the
 * outcome the second time. `ask` returns the operation's immediate result. */
#define CONSENT(r, owner, call_expr, out_state, out_error)                                         \
        do {                                                                                       \
                if ((r)->pending) {                                                                \
                        out_state = consent_result((r), &(out_error));                             \
                } else {                                                                           \
                        dm_pending *_p = consent_begin(r);                                         \
                        if (!_p) {                                                                 \
                                out_error = -ENOMEM;                                               \
                                out_state = CONSENT_REFUSED;                                       \
                                break;                                                             \
                        }                                                                          \
                        consent_asking(_p, (owner));                                               \
                        int _rr = (call_expr);                                                     \
                        if (_rr < 0)                                                               \
                                consent_refused_now(_p, _rr);                                      \
                        out_state = consent_end((r), _p, &(out_error));                            \
                }                                                                                  \
        } while (0)

/* ---- Read ---- */

uint16_t dm_default_format(const server *s, const lwm2m_path *path, bool single_value)
{
        if (single_value)
                return LWM2M_FORMAT_TEXT;
        return strcmp(s->version, "1.0") == 0 ? LWM2M_FORMAT_TLV : LWM2M_FORMAT_SENML_JSON;
}

/* Drops what a server may not read: values of resources without R. */
static void keep_readable(lwm2m_engine *e, lwm2m_record_list *l)
{
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
                lwm2m_record *rec = &l->items[i];
                if (rec->path.len >= 3) {
                        const lwm2m_resource_def *res = resource_def(e, &rec->path);
                        if (!res || !(res->operations & LWM2M_OP_READ)) {
                                lwm2m_value_clear(&rec->value);
                                continue;
                        }
                }
                l->items[kept++] = *rec;
        }
        l->n = kept;
}

static bool wants_refresh(const lwm2m_owner *o)
{
        return o && o->ops && o->ops->refresh;
}

static void dm_read(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len == 0) {
                respond_error(r, -EPERM, false, "Read");
                return;
        }
        int err = path_exists(e, p, true);
        if (err < 0) {
                respond_error(r, err, false, "Read");
                return;
        }
        const lwm2m_resource_def *res = resource_def(e, p);
        if (res && !(res->operations & LWM2M_OP_READ)) {
                respond_error(r, -EPERM, false, "Read");
                return;
        }
        if (r->accept >= 0 && !lwm2m_format_supported((uint16_t)r->accept)) {
                respond_error(r, -EPROTONOSUPPORT, true, "Read");
                return;
        }

        /* Values read on demand: ask the owner of an instance to refresh them. */
        if (p->len >= 2) {
                const lwm2m_owner *o = lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]);
                if (wants_refresh(o)) {
                        consent_state st;
                        int cerr = 0;
                        CONSENT(r, o, o->ops->refresh(o->userdata, p, consent_reply, _p), st, cerr);
                        if (st == CONSENT_WAITING)
                                return;
                        if (st == CONSENT_REFUSED) {
                                respond_error(r, cerr, false, "Read");
                                return;
                        }
                }
        }

        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        err = lwm2m_tree_read(e->tree, p, &l);
        if (err < 0) {
                respond_error(r, err, false, "Read");
                return;
        }
        keep_readable(e, &l);
        if (p->len >= 3 && (l.n == 0 || (l.n == 1 && l.items[0].value.type == LWM2M_TYPE_NONE &&
                                         !res->multiple))) {
                respond_error(r, -ENOENT, false, "Read"); /* defined, but holds no value */
                return;
        }
        bool single = p->len == 4 || (p->len == 3 && !res->multiple);
        uint16_t format;
        if (r->accept >= 0)
                format = (uint16_t)r->accept;
        else if (single && res->type == LWM2M_TYPE_OPAQUE)
                format = LWM2M_FORMAT_OPAQUE;
        else
                format = dm_default_format(r->s, p, single);
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = lwm2m_format_encode(format, p, l.items, l.n, &out);
        if (err < 0) {
                respond_error(r, err, true, "Read");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, format, &out);
}

/* ---- Discover ---- */

static void add_attribute_links(lwm2m_engine *e, uint16_t ssid, const lwm2m_path *p, link_entry *le)
{
        const lwm2m_attr_set *a = lwm2m_attributes_get(e->attrs, ssid, p);
        if (!a)
                return;
        if (a->present & LWM2M_ATTR_PMIN)
                link_entry_add_uint(le, "pmin", a->pmin);
        if (a->present & LWM2M_ATTR_PMAX)
                link_entry_add_uint(le, "pmax", a->pmax);
        if (a->present & LWM2M_ATTR_GT)
                link_entry_add_double(le, "gt", a->gt);
        if (a->present & LWM2M_ATTR_LT)
                link_entry_add_double(le, "lt", a->lt);
        if (a->present & LWM2M_ATTR_ST)
                link_entry_add_double(le, "st", a->st);
        if (a->present & LWM2M_ATTR_EPMIN)
                link_entry_add_uint(le, "epmin", a->epmin);
        if (a->present & LWM2M_ATTR_EPMAX)
                link_entry_add_uint(le, "epmax", a->epmax);
}

static int discover_resources(lwm2m_engine *e, server *s, const lwm2m_object_def *obj, uint16_t iid,
                              int only_rid, lwm2m_buf *out)
{
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        lwm2m_path ip = lwm2m_path_instance(obj->id, iid);
        int r = lwm2m_tree_read(e->tree, &ip, &l);
        if (r < 0)
                return r;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (only_rid >= 0 && res->id != only_rid)
                        continue;
                /* Present: holds a value (or instances), or is executable. */
                unsigned dim = 0;
                bool present = res->type == LWM2M_TYPE_NONE && (res->operations & LWM2M_OP_EXECUTE);
                for (size_t i = 0; i < l.n; i++) {
                        const lwm2m_record *rec = &l.items[i];
                        if (rec->path.len >= 3 && rec->path.id[2] == res->id) {
                                present = true;
                                if (rec->path.len == 4)
                                        dim++;
                        }
                }
                if (!present)
                        continue;
                link_entry le = {.path = lwm2m_path_resource(obj->id, iid, res->id)};
                if (res->multiple)
                        link_entry_add_uint(&le, "dim", dim);
                add_attribute_links(e, s->short_id, &le.path, &le);
                r = link_append(&le, NULL, out);
                link_entry_clear(&le);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void dm_discover(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len == 0 || p->len == 4) {
                respond_error(r, -EPERM, true, "Discover");
                return;
        }
        int err = path_exists(e, p, false);
        if (err < 0) {
                respond_error(r, err, true, "Discover");
                return;
        }
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        link_entry le = {.path = *p};
        if (p->len == 1 && strcmp(obj->version, "1.0") != 0)
                err = link_entry_add_token(&le, "ver", obj->version);
        if (p->len == 3 && resource_def(e, p)->multiple) {
                /* the resource link carries dim; written by discover_resources */
        } else {
                add_attribute_links(e, r->s->short_id, p, &le);
                err = err ?: link_append(&le, NULL, &out);
        }
        link_entry_clear(&le);
        if (p->len == 1) {
                for (int iid = lwm2m_tree_next_instance(e->tree, obj->id, -1); iid >= 0 && err >= 0;
                     iid = lwm2m_tree_next_instance(e->tree, obj->id, iid)) {
                        link_entry ie = {.path = lwm2m_path_instance(obj->id, (uint16_t)iid)};
                        add_attribute_links(e, r->s->short_id, &ie.path, &ie);
                        err = link_append(&ie, NULL, &out);
                        link_entry_clear(&ie);
                        if (err >= 0)
                                err = discover_resources(e, r->s, obj, (uint16_t)iid, -1, &out);
                }
        } else if (p->len == 2) {
                err = discover_resources(e, r->s, obj, p->id[1], -1, &out);
        } else if (p->len == 3 && resource_def(e, p)->multiple) {
                err = discover_resources(e, r->s, obj, p->id[1], p->id[2], &out);
        }
        if (err < 0) {
                respond_error(r, err, true, "Discover");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, LWM2M_FORMAT_LINK, &out);
}

/* ---- Write ---- */

static int check_writable(lwm2m_engine *e, const lwm2m_record_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                const lwm2m_resource_def *res = resource_def(e, &l->items[i].path);
                if (!res)
                        return -ENOENT;
                if (!(res->operations & LWM2M_OP_WRITE))
                        return -EPERM;
        }
        return 0;
}

/* An Object Instance TLV without resources decodes to a value-less record of the
 * instance itself: for a write to that instance it says "nothing", so it goes. */
static void drop_instance_marks(const lwm2m_path *base, lwm2m_record_list *l)
{
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
                const lwm2m_record *rec = &l->items[i];
                if (base->len == 2 && rec->value.type == LWM2M_TYPE_NONE &&
                    lwm2m_path_equal(&rec->path, base))
                        continue;
                l->items[kept++] = *rec;
        }
        l->n = kept;
}

static int check_under(const lwm2m_path *base, const lwm2m_record_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                if (!lwm2m_path_starts_with(&l->items[i].path, base) || l->items[i].path.len < 3)
                        return -EBADMSG;
        return 0;
}

static int decode_payload(dm_request *r, const lwm2m_path *base, lwm2m_record_list *out)
{
        if (r->content_format < 0)
                return -EPROTONOSUPPORT;
        lwm2m_resolver resolver = {.resource = resolve_resource, .userdata = (void *)r->e->reg};
        return lwm2m_format_decode((uint16_t)r->content_format, base, r->payload, r->payload_len,
                                   &resolver, out);
}

static void dm_write(dm_request *r, lwm2m_write_mode mode)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        const char *what = mode == LWM2M_WRITE_REPLACE ? "Write" : "Write (partial update)";
        if (p->len < 2 || (mode == LWM2M_WRITE_UPDATE && p->len == 4)) {
                respond_error(r, -EPERM, false, what);
                return;
        }
        int err = path_exists(e, p, true);
        if (err < 0) {
                respond_error(r, err, false, what);
                return;
        }
        const lwm2m_resource_def *res = resource_def(e, p);
        if (res && !(res->operations & LWM2M_OP_WRITE)) {
                respond_error(r, -EPERM, false, what);
                return;
        }
        if (r->content_format >= 0 && !lwm2m_format_supported((uint16_t)r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, what);
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        err = decode_payload(r, p, &l);
        if (err >= 0)
                drop_instance_marks(p, &l);
        err = err ?: check_under(p, &l);
        err = err ?: check_writable(e, &l);
        char why[200] = "";
        err = err ?: lwm2m_tree_check_write(e->tree, p, l.items, l.n, mode, why, sizeof(why));
        if (err < 0) {
                if (why[0])
                        engine_log(e, LOG_INFO, "server %u: %s refused: %s", r->s->short_id, what,
                                   why);
                respond_error(r, err, false, what);
                return;
        }
        const lwm2m_owner *o = lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]);
        if (o && o->ops && o->ops->write) {
                consent_state st;
                int cerr = 0;
                CONSENT(r, o, o->ops->write(o->userdata, p, l.items, l.n, mode, consent_reply, _p),
                        st, cerr);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, what);
                        return;
                }
        }
        err = lwm2m_tree_write(e->tree, p, l.items, l.n, mode, e, why, sizeof(why));
        if (err < 0) {
                respond_error(r, err, false, what);
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- Write-Attributes ---- */

static int parse_attributes(const coap_pdu_t *pdu, lwm2m_attr_set *set, unsigned *clear)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        *set = (lwm2m_attr_set){0};
        *clear = 0;
        coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_URI_QUERY)
                        continue;
                const char *q = (const char *)coap_opt_value(opt);
                size_t len = coap_opt_length(opt);
                const char *eq = memchr(q, '=', len);
                size_t nlen = eq ? (size_t)(eq - q) : len;
                unsigned bit = lwm2m_attr_from_name(q, nlen);
                if (!bit || (set->present & bit) || (*clear & bit))
                        return -EINVAL; /* unknown or repeated attribute */
                if (!eq) {
                        *clear |= bit;
                        continue;
                }
                char val[64];
                size_t vlen = len - nlen - 1;
                if (vlen == 0 || vlen >= sizeof(val))
                        return -EINVAL;
                memcpy(val, eq + 1, vlen);
                val[vlen] = 0;
                char *end;
                errno = 0;
                if (bit & LWM2M_ATTR_NUMERIC) {
                        double d = strtod(val, &end);
                        if (errno || *end || !isfinite(d) || !strchr("+-.0123456789", val[0]))
                                return -EINVAL;
                        if (bit == LWM2M_ATTR_GT)
                                set->gt = d;
                        else if (bit == LWM2M_ATTR_LT)
                                set->lt = d;
                        else
                                set->st = d;
                } else {
                        if (val[0] < '0' || val[0] > '9')
                                return -EINVAL;
                        unsigned long long u = strtoull(val, &end, 10);
                        if (errno || *end || u > UINT32_MAX)
                                return -EINVAL;
                        if (bit == LWM2M_ATTR_PMIN)
                                set->pmin = (uint32_t)u;
                        else if (bit == LWM2M_ATTR_PMAX)
                                set->pmax = (uint32_t)u;
                        else if (bit == LWM2M_ATTR_EPMIN)
                                set->epmin = (uint32_t)u;
                        else
                                set->epmax = (uint32_t)u;
                }
                set->present |= (uint8_t)bit;
        }
        return set->present || *clear ? 0 : -EINVAL;
}

static bool is_numeric(lwm2m_type t)
{
        return t == LWM2M_TYPE_INTEGER || t == LWM2M_TYPE_UNSIGNED || t == LWM2M_TYPE_FLOAT ||
               t == LWM2M_TYPE_TIME;
}

static void dm_write_attributes(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len == 0) {
                respond_error(r, -EPERM, false, "Write-Attributes");
                return;
        }
        /* A resource instance must exist: attributes are kept per path, and a server
         * must not make the daemon hold them for 65536 instances of every resource. */
        int err = path_exists(e, p, p->len < 4);
        if (err < 0) {
                respond_error(r, err, false, "Write-Attributes");
                return;
        }
        lwm2m_attr_set set;
        unsigned clear;
        err = parse_attributes(r->pdu, &set, &clear);
        if (err == 0 && (set.present & LWM2M_ATTR_NUMERIC)) {
                /* gt, lt and st compare numbers: only a numeric resource has them. */
                const lwm2m_resource_def *res = resource_def(e, p);
                if (!res || !is_numeric(res->type))
                        err = -EINVAL;
        }
        err = err ?: lwm2m_attributes_write(e->attrs, r->s->short_id, p, &set, clear);
        if (err < 0) {
                respond_error(r, err, false, "Write-Attributes");
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- Execute ---- */

/* An argchar of the Execute argument grammar: "!" / %x23-26 / %x28-5B / %x5D-7E
 * (no space, no '"', no '\'', no '\\'). */
static bool is_execute_argchar(uint8_t ch)
{
        return ch == '!' || (ch >= 0x23 && ch <= 0x26) || (ch >= 0x28 && ch <= 0x5B) ||
               (ch >= 0x5D && ch <= 0x7E);
}

/* Execute arguments (TS Core 5.4.5): `0='text',1,2='x'`, digits 0-9 each once. */
static bool execute_args_valid(const uint8_t *a, size_t len)
{
        size_t i = 0;
        bool seen[10] = {false};
        if (len == 0)
                return true;
        for (;;) {
                if (i >= len || a[i] < '0' || a[i] > '9' || seen[a[i] - '0'])
                        return false;
                seen[a[i] - '0'] = true;
                i++;
                if (i < len && a[i] == '=') {
                        if (++i >= len || a[i] != '\'')
                                return false;
                        i++;
                        while (i < len && a[i] != '\'') {
                                if (!is_execute_argchar(a[i]))
                                        return false;
                                i++;
                        }
                        if (i >= len)
                                return false;
                        i++;
                }
                if (i == len)
                        return true;
                if (a[i] != ',')
                        return false;
                i++;
        }
}

static void dm_execute(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        int err = path_exists(e, p, true);
        if (err < 0) {
                respond_error(r, err, false, "Execute");
                return;
        }
        const lwm2m_resource_def *res = resource_def(e, p);
        if (p->len != 3 || !res || !(res->operations & LWM2M_OP_EXECUTE)) {
                respond_error(r, -EPERM, false, "Execute");
                return;
        }
        if (!execute_args_valid(r->payload, r->payload_len)) {
                respond_error(r, -EINVAL, false, "Execute");
                return;
        }
        const lwm2m_owner *o = lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]);
        if (!o || !o->ops || !o->ops->execute) {
                respond_error(r, -EPERM, false, "Execute");
                return;
        }
        consent_state st;
        int cerr = 0;
        CONSENT(r, o,
                o->ops->execute(o->userdata, p, r->payload, r->payload_len, consent_reply, _p), st,
                cerr);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
                respond_error(r, cerr, false, "Execute");
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- Create and Delete ---- */

/* Objects a management server may not create or delete instances of. */
static bool object_is_protected(uint16_t oid)
{
        return oid == 0 || oid == 1 || oid == 3;
}

/* Create (TS Core 7.1.2.4): read-only values are the client's to set, so those
 * in the payload are dropped; a resource without a value (executable) cannot be
 * given; every mandatory writable resource must be. */
static int create_filter(const lwm2m_object_def *obj, lwm2m_record_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                const lwm2m_resource_def *res =
                        lwm2m_object_def_find_resource(obj, l->items[i].path.id[2]);
                if (!res)
                        return -ENOENT;
                if (!(res->operations & (LWM2M_OP_READ | LWM2M_OP_WRITE)))
                        return -EBADMSG;
        }
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
                lwm2m_record *rec = &l->items[i];
                const lwm2m_resource_def *res =
                        lwm2m_object_def_find_resource(obj, rec->path.id[2]);
                if (!(res->operations & LWM2M_OP_WRITE)) {
                        lwm2m_value_clear(&rec->value);
                        continue;
                }
                l->items[kept++] = *rec;
        }
        l->n = kept;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (!res->mandatory || !(res->operations & LWM2M_OP_WRITE) ||
                    res->type == LWM2M_TYPE_NONE)
                        continue;
                bool given = false;
                for (size_t i = 0; i < l->n && !given; i++)
                        given = l->items[i].path.id[2] == res->id;
                if (!given)
                        return -EBADMSG;
        }
        return 0;
}

static void dm_create(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        if (!obj) {
                respond_error(r, -ENOENT, false, "Create");
                return;
        }
        if (object_is_protected(obj->id)) {
                respond_error(r, -EPERM, false, "Create");
                return;
        }
        if (r->content_format >= 0 && !lwm2m_format_supported((uint16_t)r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Create");
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = r->payload_len > 0 ? decode_payload(r, p, &l) : 0;
        /* One new instance: the ID the payload gives, or the lowest free one
         * (TLV without an instance wrapper gives LWM2M_ID_INVALID). */
        uint16_t iid = l.n > 0 ? l.items[0].path.id[1] : LWM2M_ID_INVALID;
        for (size_t i = 0; i < l.n && err >= 0; i++) {
                const lwm2m_record *rec = &l.items[i];
                /* An instance without values (an empty Object Instance TLV) only names it. */
                bool names_instance = rec->path.len == 2 && rec->value.type == LWM2M_TYPE_NONE;
                if (rec->path.id[0] != obj->id || rec->path.id[1] != iid ||
                    (rec->path.len < 3 && !names_instance))
                        err = -EBADMSG;
        }
        size_t kept = 0;
        for (size_t i = 0; i < l.n && err >= 0; i++)
                if (l.items[i].path.len >= 3)
                        l.items[kept++] = l.items[i];
        if (err >= 0)
                l.n = kept; /* the dropped instance records hold no value to free */
        if (err >= 0 && iid == LWM2M_ID_INVALID) {
                int last = -1;
                for (int k = lwm2m_tree_next_instance(e->tree, obj->id, -1); k >= 0;
                     k = lwm2m_tree_next_instance(e->tree, obj->id, k)) {
                        if (k != last + 1)
                                break;
                        last = k;
                }
                iid = (uint16_t)(last + 1);
                for (size_t i = 0; i < l.n; i++)
                        l.items[i].path.id[1] = iid;
        }
        if (err >= 0 && (lwm2m_tree_has_instance(e->tree, obj->id, iid) ||
                         (!obj->multiple && lwm2m_tree_instance_count(e->tree, obj->id) > 0)))
                err = -EEXIST;
        err = err ?: create_filter(obj, &l);
        /* Values checked against the definition before anything exists. */
        for (size_t i = 0; i < l.n && err >= 0; i++) {
                lwm2m_record *rec = &l.items[i];
                const lwm2m_resource_def *res = resource_def(e, &rec->path);
                if (rec->value.type == LWM2M_TYPE_NONE)
                        continue;
                if (lwm2m_value_convert(&rec->value, res->type) < 0)
                        err = -EINVAL;
                else
                        err = lwm2m_resource_validate(obj, res, &rec->value, NULL, 0);
        }
        if (err < 0) {
                respond_error(r, err, false, "Create");
                return;
        }
        lwm2m_path ip = lwm2m_path_instance(obj->id, iid);
        const lwm2m_owner *o = lwm2m_tree_get_object_owner(e->tree, obj->id);
        if (o && o->ops && o->ops->create) {
                consent_state st;
                int cerr = 0;
                CONSENT(r, o, o->ops->create(o->userdata, &ip, l.items, l.n, consent_reply, _p), st,
                        cerr);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, "Create");
                        return;
                }
        }
        err = lwm2m_tree_create_instance(e->tree, obj->id, iid, e, NULL);
        if (err >= 0 && l.n > 0) {
                err = lwm2m_tree_write(e->tree, &ip, l.items, l.n, LWM2M_WRITE_UPDATE, e, NULL, 0);
                if (err < 0)
                        lwm2m_tree_delete_instance(e->tree, obj->id, iid, e);
        }
        if (err < 0) {
                respond_error(r, err, false, "Create");
                return;
        }
        char num[2][8];
        snprintf(num[0], sizeof(num[0]), "%u", obj->id);
        snprintf(num[1], sizeof(num[1]), "%u", iid);
        coap_add_option(r->response, COAP_OPTION_LOCATION_PATH, strlen(num[0]),
                        (const uint8_t *)num[0]);
        coap_add_option(r->response, COAP_OPTION_LOCATION_PATH, strlen(num[1]),
                        (const uint8_t *)num[1]);
        respond(r, COAP_RESPONSE_CODE_CREATED);
}

static void dm_delete(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len != 2 || object_is_protected(p->id[0])) {
                respond_error(r, -EPERM, false, "Delete");
                return;
        }
        if (!lwm2m_tree_has_instance(e->tree, p->id[0], p->id[1])) {
                respond_error(r, -ENOENT, false, "Delete");
                return;
        }
        const lwm2m_owner *o = lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]);
        if (o && o->ops && o->ops->remove) {
                consent_state st;
                int cerr = 0;
                CONSENT(r, o, o->ops->remove(o->userdata, p, consent_reply, _p), st, cerr);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, "Delete");
                        return;
                }
        }
        int err = lwm2m_tree_delete_instance(e->tree, p->id[0], p->id[1], e);
        if (err < 0) {
                respond_error(r, err, false, "Delete");
                return;
        }
        respond(r, COAP_RESPONSE_CODE_DELETED);
}

/* ---- Read-Composite and Write-Composite ---- */

static bool is_composite_format(int64_t f)
{
        return f == LWM2M_FORMAT_SENML_JSON || f == LWM2M_FORMAT_SENML_CBOR ||
               f == LWM2M_FORMAT_LWM2M_CBOR;
}

static void dm_read_composite(dm_request *r)
{
        lwm2m_engine *e = r->e;
        if (!is_composite_format(r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Read-Composite");
                return;
        }
        int64_t format = r->accept >= 0 ? r->accept : r->content_format;
        if (!is_composite_format(format)) {
                respond_error(r, -EPROTONOSUPPORT, true, "Read-Composite");
                return;
        }
        lwm2m_path root = {0};
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list paths = {0};
        int err = decode_payload(r, &root, &paths);
        if (err < 0) {
                respond_error(r, err, false, "Read-Composite");
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        for (size_t i = 0; i < paths.n; i++) {
                const lwm2m_path *p = &paths.items[i].path;
                if (p->len == 0 || p->id[0] == 0)
                        continue; /* the Security object is not for management servers */
                const lwm2m_resource_def *res = resource_def(e, p);
                if (res && !(res->operations & LWM2M_OP_READ))
                        continue;
                /* Paths that name nothing are left out of the answer. */
                lwm2m_tree_read(e->tree, p, &l);
        }
        keep_readable(e, &l);
        lwm2m_record_list_sort(&l);
        /* Several requested paths may overlap; report each value once. */
        size_t kept = 0;
        for (size_t i = 0; i < l.n; i++) {
                if (kept > 0 && lwm2m_path_equal(&l.items[kept - 1].path, &l.items[i].path)) {
                        lwm2m_value_clear(&l.items[i].value);
                        continue;
                }
                l.items[kept++] = l.items[i];
        }
        l.n = kept;
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = lwm2m_format_encode((uint16_t)format, &root, l.items, l.n, &out);
        if (err < 0) {
                respond_error(r, err, true, "Read-Composite");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, (uint16_t)format, &out);
}

static void dm_write_composite(dm_request *r)
{
        lwm2m_engine *e = r->e;
        if (!is_composite_format(r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Write-Composite");
                return;
        }
        lwm2m_path root = {0};
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = decode_payload(r, &root, &l);
        for (size_t i = 0; i < l.n && err >= 0; i++) {
                const lwm2m_path *p = &l.items[i].path;
                if (p->len >= 1 && p->id[0] == 0) {
                        /* The Security object: as for a single path, never for servers. */
                        respond(r, COAP_RESPONSE_CODE_UNAUTHORIZED);
                        return;
                }
                if (p->len < 3)
                        err = -EBADMSG;
                else if (!lwm2m_tree_has_instance(e->tree, p->id[0], p->id[1]))
                        err = -ENOENT;
        }
        err = err ?: check_writable(e, &l);
        char why[200] = "";
        err = err
                      ?: lwm2m_tree_check_write(e->tree, &root, l.items, l.n, LWM2M_WRITE_UPDATE,
                                                why, sizeof(why));
        if (err < 0) {
                respond_error(r, err, false, "Write-Composite");
                return;
        }
        /* Every owner of a touched instance must agree; they are asked at once. */
        if (r->pending) {
                int cerr = 0;
                consent_state st = consent_result(r, &cerr);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, "Write-Composite");
                        return;
                }
        } else {
                lwm2m_record_list_sort(&l);
                dm_pending *pd = consent_begin(r);
                if (!pd) {
                        respond_error(r, -ENOMEM, false, "Write-Composite");
                        return;
                }
                for (size_t i = 0; i < l.n;) {
                        size_t j = i;
                        while (j < l.n && l.items[j].path.id[0] == l.items[i].path.id[0] &&
                               l.items[j].path.id[1] == l.items[i].path.id[1])
                                j++;
                        const lwm2m_owner *o = lwm2m_tree_get_owner(e->tree, l.items[i].path.id[0],
                                                                    l.items[i].path.id[1]);
                        if (o && o->ops && o->ops->write) {
                                lwm2m_path ip = lwm2m_path_truncate(&l.items[i].path, 2);
                                consent_asking(pd, o);
                                int rr = o->ops->write(o->userdata, &ip, &l.items[i], j - i,
                                                       LWM2M_WRITE_UPDATE, consent_reply, pd);
                                if (rr < 0)
                                        consent_refused_now(pd, rr);
                        }
                        i = j;
                }
                int cerr = 0;
                consent_state st = consent_end(r, pd, &cerr);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, "Write-Composite");
                        return;
                }
        }
        err = lwm2m_tree_write(e->tree, &root, l.items, l.n, LWM2M_WRITE_UPDATE, e, why,
                               sizeof(why));
        if (err < 0) {
                respond_error(r, err, false, "Write-Composite");
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- dispatch ---- */

static bool has_query(const coap_pdu_t *pdu)
{
        coap_opt_iterator_t it;
        return coap_check_option(pdu, COAP_OPTION_URI_QUERY, &it) != NULL;
}

void dm_handle_request(lwm2m_engine *e, server *s, const coap_pdu_t *request,
                       const coap_string_t *query, const uint8_t *body, size_t body_len,
                       coap_pdu_t *response)
{
        dm_request r = {
                .e = e,
                .s = s,
                .session = s->session,
                .pdu = request,
                .query = query,
                .response = response,
                .accept = coap_msg_uint_option(request, COAP_OPTION_ACCEPT),
                .content_format = coap_msg_uint_option(request, COAP_OPTION_CONTENT_FORMAT),
                .payload = body,
                .payload_len = body_len,
        };
        r.pending = pending_find(e, r.session, coap_pdu_get_token(request));

        int err = coap_msg_lwm2m_path(request, &r.path);
        if (err < 0) {
                respond(&r, err == -ENOENT ? COAP_RESPONSE_CODE_NOT_FOUND
                                           : COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        /* The Security object holds credentials: never for management servers. */
        if (r.path.len > 0 && r.path.id[0] == 0) {
                respond(&r, COAP_RESPONSE_CODE_UNAUTHORIZED);
                return;
        }

        switch (coap_pdu_get_code(request)) {
        case COAP_REQUEST_CODE_GET:
                if (r.accept == LWM2M_FORMAT_LINK)
                        dm_discover(&r);
                else
                        dm_read(&r);
                break;
        case COAP_REQUEST_CODE_PUT:
                if (r.payload_len == 0 && r.content_format < 0 && has_query(request))
                        dm_write_attributes(&r);
                else
                        dm_write(&r, LWM2M_WRITE_REPLACE);
                break;
        case COAP_REQUEST_CODE_POST: {
                const lwm2m_resource_def *res = resource_def(e, &r.path);
                if (r.path.len == 1)
                        dm_create(&r);
                else if (r.path.len == 3 && res && (res->operations & LWM2M_OP_EXECUTE))
                        dm_execute(&r);
                else if (r.path.len >= 3 && r.payload_len == 0 && r.content_format < 0)
                        dm_execute(&r); /* nothing to write: an Execute, refused */
                else
                        dm_write(&r, LWM2M_WRITE_UPDATE);
                break;
        }
        case COAP_REQUEST_CODE_DELETE:
                dm_delete(&r);
                break;
        case COAP_REQUEST_CODE_FETCH:
                dm_read_composite(&r);
                break;
        case COAP_REQUEST_CODE_IPATCH:
                dm_write_composite(&r);
                break;
        default:
                respond(&r, COAP_RESPONSE_CODE_NOT_ALLOWED);
                break;
        }
        /* A second pass that found its consent already freed it; one that found
         * none left (a stale token) must not leak. */
        if (r.pending && r.pending->done) {
                r.pending->async = NULL; /* libcoap frees it after this handler */
                pending_free(r.pending);
        }
}
