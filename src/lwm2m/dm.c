/* dm.c - device management and service enablement: Read, Discover, Write,
 * Write-Attributes, Execute, Create, Delete and the composite forms, checked against the DDF. */
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
#include "lwm2m/discover.h"
#include "lwm2m/dm.h"
#include "lwm2m/observe.h"
#include "lwm2m/readout.h"
#include "lwm2m/server.h"
#include "model/policy.h"
#include "model/request.h"
#include "util/macro.h"

/* What a waiting Read-Composite answers with once the owners have refreshed: the
 * request's body is not kept, so its decoded paths are. */
typedef struct dm_composite {
        lwm2m_path root;
        lwm2m_path *paths; /* owned by the dm_wait */
        size_t n;
        uint16_t format;
} dm_composite;

/* A server request whose answer waits for the model's request: libcoap keeps it
 * (coap_register_async) and hands the request back once `done`; it is found
 * again by session and token (coap_find_async), with this as its app data. */
typedef struct dm_wait {
        lwm2m_engine *e;
        coap_session_t *session; /* referenced */
        coap_async_t *async;     /* NULL until registered */
        lwm2m_request_kind kind;
        const char *what; /* the operation, for the log */
        bool done;
        int error;
        uint16_t iid;
        char why[200];
        dm_composite composite; /* a Read-Composite's, else empty */
} dm_wait;

/* What the handler has to say about a request it put to the model. */
typedef enum consent_state {
        CONSENT_GIVEN,   /* done and committed: carry on */
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

/* The access policy's word for this server (model/policy.h). */
static int server_may(const dm_request *r, lwm2m_operation op, const lwm2m_path *p)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = r->s->short_id};
        return lwm2m_policy_check(r->e->tree, &origin, op, p, NULL, 0);
}

static const lwm2m_resource_def *resource_def(lwm2m_engine *e, const lwm2m_path *p)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        return obj && p->len >= 3 ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
}

/* ---- the model's request lifecycle ---- */

static lwm2m_origin server_origin(const dm_request *r)
{
        return (lwm2m_origin){.kind = LWM2M_ORIGIN_SERVER, .short_id = r->s->short_id, .tag = r->e};
}

static void dm_wait_free(dm_wait *w)
{
        coap_session_release(w->session);
        free(w->composite.paths);
        free(w);
}

static void on_request_done(void *userdata, const lwm2m_request_result *res)
{
        dm_wait *w = userdata;
        w->done = true;
        w->error = res->error;
        w->iid = res->iid;
        snprintf(w->why, sizeof(w->why), "%s", res->why);
        if (!w->async)
                return; /* still inside lwm2m_request_start: dm_consent reads it */
        if (res->error == -ECANCELED) {
                /* The session goes (dm_cancel_session): nobody to answer. */
                coap_free_async(w->session, w->async);
                dm_wait_free(w);
                return;
        }
        coap_async_trigger(w->async);
}

/* Puts `spec` to the model; GIVEN or REFUSED (with *error) when it is done at
 * once, else WAITING: libcoap answers the server later, through dm_answer_waited.
 * A Read-Composite's `composite` is taken when WAITING, left to the caller otherwise. */
static consent_state dm_consent_composite(dm_request *r, lwm2m_request_spec *spec, const char *what,
                                          int *error, uint16_t *iid, dm_composite *composite)
{
        dm_wait *w = calloc(1, sizeof(*w));
        if (!w) {
                lwm2m_record_list_free(&spec->records);
                *error = -ENOMEM;
                return CONSENT_REFUSED;
        }
        *w = (dm_wait){.e = r->e,
                       .session = coap_session_reference(r->session),
                       .kind = spec->kind,
                       .what = what};
        spec->origin = server_origin(r);
        spec->group = r->session;
        spec->done = on_request_done;
        spec->userdata = w;
        lwm2m_request *waiting = lwm2m_request_start(r->e->requests, spec);
        if (!waiting) {
                *error = w->error;
                if (iid)
                        *iid = w->iid;
                if (w->error < 0 && w->why[0])
                        engine_log(r->e, LOG_INFO, "server %u: %s refused: %s", r->s->short_id,
                                   what, w->why);
                dm_wait_free(w);
                return *error < 0 ? CONSENT_REFUSED : CONSENT_GIVEN;
        }
        w->async = coap_register_async(r->session, r->pdu, 0);
        if (!w->async) {
                lwm2m_request_cancel(waiting); /* done sees no async and leaves w to us */
                dm_wait_free(w);
                *error = -ENOMEM;
                return CONSENT_REFUSED;
        }
        coap_async_set_app_data(w->async, w);
        if (composite) {
                w->composite = *composite;
                *composite = (dm_composite){0};
        }
        return CONSENT_WAITING;
}

static consent_state dm_consent(dm_request *r, lwm2m_request_spec *spec, const char *what,
                                int *error, uint16_t *iid)
{
        return dm_consent_composite(r, spec, what, error, iid, NULL);
}

void dm_cancel_session(lwm2m_engine *e, coap_session_t *session)
{
        lwm2m_requests_cancel_group(e->requests, session);
}

/* ---- Read ---- */

/* Whether the owner of `p` must refresh before `p` is read: a request (and its
 * allocations) only then, stored and static values are read at once. */
static bool wants_refresh(const lwm2m_engine *e, const lwm2m_path *p)
{
        return p->len >= LWM2M_PATH_INSTANCE &&
               lwm2m_owner_refreshes(lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]), p);
}

static void read_respond(dm_request *r);

static void dm_read(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len == 0) {
                respond_error(r, -EPERM, false, "Read");
                return;
        }
        /* Observe 1: the observation with this token ends; the answer is a Read. */
        if (coap_msg_uint_option(r->pdu, COAP_OPTION_OBSERVE) == COAP_OBSERVE_CANCEL)
                observe_cancel(e, r->s, coap_pdu_get_token(r->pdu), "cancelled by the server");
        int err = lwm2m_tree_path_exists(e->tree, p, true);
        err = err ?: server_may(r, LWM2M_OPERATION_READ, p);
        if (err < 0) {
                respond_error(r, err, false, "Read");
                return;
        }
        if (r->accept >= 0 && !lwm2m_format_supported((uint16_t)r->accept)) {
                respond_error(r, -EPROTONOSUPPORT, true, "Read");
                return;
        }

        /* Values read on demand: the owner of an instance refreshes them first
         * (a request only then: stored values are read at once). */
        if (wants_refresh(e, p)) {
                lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_READ, .path = *p};
                int cerr = 0;
                consent_state st = dm_consent(r, &spec, "Read", &cerr, NULL);
                if (st == CONSENT_WAITING)
                        return;
                if (st == CONSENT_REFUSED) {
                        respond_error(r, cerr, false, "Read");
                        return;
                }
        }
        read_respond(r);
}

/* The answer to a Read whose checks passed and whose values are fresh; with
 * Observe 0 in the request, the observation starts with this answer. */
static void read_respond(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = readout_values(e, r->s->short_id, p, &l);
        if (err < 0) {
                respond_error(r, err, false, "Read");
                return;
        }
        uint16_t format = readout_format(r->s, resource_def(e, p), p, r->accept);
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = lwm2m_format_encode(format, p, l.items, l.n, &out);
        if (err < 0) {
                respond_error(r, err, true, "Read");
                return;
        }
        if (coap_msg_uint_option(r->pdu, COAP_OPTION_OBSERVE) == COAP_OBSERVE_ESTABLISH &&
            observe_start(e, r->s, r->pdu, p, 1, false, format, r->response) == -EINVAL) {
                respond_error(r, -EINVAL, false, "Observe");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, format, &out);
}

/* ---- Discover ---- */

static void dm_discover(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        if (p->len == 0 || p->len == 4) {
                respond_error(r, -EPERM, true, "Discover");
                return;
        }
        int err = lwm2m_tree_path_exists(e->tree, p, false);
        if (err < 0) {
                respond_error(r, err, true, "Discover");
                return;
        }
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = discover_links(e->tree, e->attrs, r->s->short_id, p, &out);
        if (err < 0) {
                respond_error(r, err, true, "Discover");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, LWM2M_FORMAT_LINK, &out);
}

/* ---- Write ---- */

static int check_writable(const dm_request *r, const lwm2m_record_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                if (!resource_def(r->e, &l->items[i].path))
                        return -ENOENT;
                int err = server_may(r, LWM2M_OPERATION_WRITE, &l->items[i].path);
                if (err < 0)
                        return err;
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

int dm_decode(lwm2m_engine *e, int64_t format, const lwm2m_path *base, const uint8_t *data,
              size_t len, lwm2m_record_list *out)
{
        if (format < 0)
                return -EPROTONOSUPPORT;
        lwm2m_resolver resolver = {.resource = resolve_resource, .userdata = (void *)e->reg};
        return lwm2m_format_decode((uint16_t)format, base, data, len, &resolver, out);
}

static int decode_payload(dm_request *r, const lwm2m_path *base, lwm2m_record_list *out)
{
        return dm_decode(r->e, r->content_format, base, r->payload, r->payload_len, out);
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
        int err = lwm2m_tree_path_exists(e->tree, p, true);
        if (err < 0) {
                respond_error(r, err, false, what);
                return;
        }
        err = server_may(r, LWM2M_OPERATION_WRITE, p);
        if (err < 0) {
                respond_error(r, err, false, what);
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
        err = err ?: check_writable(r, &l);
        if (err < 0) {
                respond_error(r, err, false, what);
                return;
        }
        /* Checked, put to the owner and committed by the model's request. */
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE, .path = *p, .mode = mode, .records = TAKE_STRUCT(l)};
        consent_state st = dm_consent(r, &spec, what, &err, NULL);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
                respond_error(r, err, false, what);
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- Write-Attributes ---- */

/* The Uri-Query options, each one attribute item (model/attributes.h). */
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
                int err = lwm2m_attr_parse_item((const char *)coap_opt_value(opt),
                                                coap_opt_length(opt), set, clear);
                if (err < 0)
                        return err;
        }
        return set->present || *clear ? 0 : -EINVAL;
}

/* Whether the attributes set may go on the target: thresholds and steps on a number,
 * edge on a boolean, either only where one value is compared with the last one. */
static int check_attributes_apply(lwm2m_engine *e, const lwm2m_path *p, const lwm2m_attr_set *set)
{
        const lwm2m_resource_def *res = resource_def(e, p);
        lwm2m_type type = res ? res->type : LWM2M_TYPE_NONE;
        bool single_value = res && (p->len == 4 || !res->multiple);
        return lwm2m_attr_inapplicable(set->present, type, single_value) ? -EINVAL : 0;
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
        int err = lwm2m_tree_path_exists(e->tree, p, p->len < 4);
        err = err ?: server_may(r, LWM2M_OPERATION_WRITE_ATTRIBUTES, p);
        if (err < 0) {
                respond_error(r, err, false, "Write-Attributes");
                return;
        }
        lwm2m_attr_set set;
        unsigned clear;
        err = parse_attributes(r->pdu, &set, &clear);
        err = err ?: check_attributes_apply(e, p, &set);
        err = err ?: lwm2m_attributes_write(e->attrs, r->s->short_id, p, &set, clear);
        if (err < 0) {
                respond_error(r, err, false, "Write-Attributes");
                return;
        }
        observe_attributes_changed(e, r->s->short_id);
        if (e->attributes_changed) {
                e->callouts++;
                e->attributes_changed(e->userdata);
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
        int err = lwm2m_tree_path_exists(e->tree, p, true);
        if (err < 0) {
                respond_error(r, err, false, "Execute");
                return;
        }
        err = p->len != 3 ? -EPERM : server_may(r, LWM2M_OPERATION_EXECUTE, p);
        if (err < 0) {
                respond_error(r, err, false, "Execute");
                return;
        }
        if (!execute_args_valid(r->payload, r->payload_len)) {
                respond_error(r, -EINVAL, false, "Execute");
                return;
        }
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_EXECUTE,
                                   .path = *p,
                                   .args = r->payload,
                                   .args_len = r->payload_len};
        consent_state st = dm_consent(r, &spec, "Execute", &err, NULL);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
                respond_error(r, err, false, "Execute");
                return;
        }
        respond(r, COAP_RESPONSE_CODE_CHANGED);
}

/* ---- Create and Delete ---- */

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

static void respond_created(dm_request *r, uint16_t oid, uint16_t iid)
{
        char num[2][8];
        snprintf(num[0], sizeof(num[0]), "%u", oid);
        snprintf(num[1], sizeof(num[1]), "%u", iid);
        coap_add_option(r->response, COAP_OPTION_LOCATION_PATH, strlen(num[0]),
                        (const uint8_t *)num[0]);
        coap_add_option(r->response, COAP_OPTION_LOCATION_PATH, strlen(num[1]),
                        (const uint8_t *)num[1]);
        respond(r, COAP_RESPONSE_CODE_CREATED);
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
        int err = server_may(r, LWM2M_OPERATION_CREATE, p);
        if (err < 0) {
                respond_error(r, err, false, "Create");
                return;
        }
        if (r->content_format >= 0 && !lwm2m_format_supported((uint16_t)r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Create");
                return;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        err = r->payload_len > 0 ? decode_payload(r, p, &l) : 0;
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
        if (err >= 0 && iid != LWM2M_ID_INVALID &&
            (lwm2m_tree_has_instance(e->tree, obj->id, iid) ||
             (!obj->multiple && lwm2m_tree_instance_count(e->tree, obj->id) > 0)))
                err = -EEXIST;
        err = err ?: create_filter(obj, &l);
        if (err < 0) {
                respond_error(r, err, false, "Create");
                return;
        }
        /* The values are checked, the object's owner asked and the instance
         * added with them at once by the model's request; without an ID in the
         * payload it takes the lowest free one. */
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_CREATE,
                .path = iid == LWM2M_ID_INVALID ? lwm2m_path_object(obj->id)
                                                : lwm2m_path_instance(obj->id, iid),
                .records = TAKE_STRUCT(l),
        };
        consent_state st = dm_consent(r, &spec, "Create", &err, &iid);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
                respond_error(r, err, false, "Create");
                return;
        }
        respond_created(r, obj->id, iid);
}

static void dm_delete(dm_request *r)
{
        lwm2m_engine *e = r->e;
        lwm2m_path *p = &r->path;
        int err = p->len != 2 ? -EPERM : server_may(r, LWM2M_OPERATION_DELETE, p);
        if (err < 0) {
                respond_error(r, err, false, "Delete");
                return;
        }
        if (!lwm2m_tree_has_instance(e->tree, p->id[0], p->id[1])) {
                respond_error(r, -ENOENT, false, "Delete");
                return;
        }
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_DELETE, .path = *p};
        consent_state st = dm_consent(r, &spec, "Delete", &err, NULL);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
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

/* The answer to a Read-Composite whose values are fresh; with Observe 0 in the
 * request, the observation starts with this answer. */
static void read_composite_respond(dm_request *r, const dm_composite *c)
{
        lwm2m_engine *e = r->e;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = readout_collect(e, r->s->short_id, c->paths, c->n, &l);
        _cleanup_(lwm2m_buf_free) lwm2m_buf out = {0};
        err = err ?: lwm2m_format_encode(c->format, &c->root, l.items, l.n, &out);
        if (err < 0) {
                respond_error(r, err, true, "Read-Composite");
                return;
        }
        if (coap_msg_uint_option(r->pdu, COAP_OPTION_OBSERVE) == COAP_OBSERVE_ESTABLISH &&
            observe_start(e, r->s, r->pdu, c->paths, c->n, true, c->format, r->response) ==
                    -EINVAL) {
                respond_error(r, -EINVAL, false, "Observe-Composite");
                return;
        }
        respond_payload(r, COAP_RESPONSE_CODE_CONTENT, c->format, &out);
}

/* Asks the owners of the paths whose values change by themselves to refresh them,
 * as one request (owner.h: lwm2m_ask.request); none asked, nothing allocated, when
 * no path needs it. GIVEN, REFUSED or WAITING (then `c` is taken). */
static consent_state read_composite_refresh(dm_request *r, dm_composite *c, int *error)
{
        size_t wanted = 0;
        for (size_t i = 0; i < c->n; i++)
                wanted += wants_refresh(r->e, &c->paths[i]);
        if (wanted == 0)
                return CONSENT_GIVEN;
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_READ};
        for (size_t i = 0; i < c->n; i++) {
                if (!wants_refresh(r->e, &c->paths[i]))
                        continue;
                if (!lwm2m_record_list_add(&spec.records, &c->paths[i])) {
                        lwm2m_record_list_free(&spec.records);
                        *error = -errno;
                        return CONSENT_REFUSED;
                }
        }
        return dm_consent_composite(r, &spec, "Read-Composite", error, NULL, c);
}

static void dm_read_composite(dm_request *r)
{
        lwm2m_engine *e = r->e;
        if (is_composite_format(r->content_format))
                r->s->send_format = (uint16_t)r->content_format;
        if (!is_composite_format(r->content_format)) {
                respond_error(r, -EPROTONOSUPPORT, false, "Read-Composite");
                return;
        }
        int64_t format = r->accept >= 0 ? r->accept : r->content_format;
        if (!is_composite_format(format)) {
                respond_error(r, -EPROTONOSUPPORT, true, "Read-Composite");
                return;
        }
        if (coap_msg_uint_option(r->pdu, COAP_OPTION_OBSERVE) == COAP_OBSERVE_CANCEL)
                observe_cancel(e, r->s, coap_pdu_get_token(r->pdu), "cancelled by the server");
        dm_composite c = {.format = (uint16_t)format};
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list paths = {0};
        int err = decode_payload(r, &c.root, &paths);
        if (err < 0) {
                respond_error(r, err, false, "Read-Composite");
                return;
        }
        c.paths = calloc(paths.n ?: 1, sizeof(*c.paths));
        if (!c.paths) {
                respond_error(r, -ENOMEM, false, "Read-Composite");
                return;
        }
        c.n = paths.n;
        for (size_t i = 0; i < paths.n; i++)
                c.paths[i] = paths.items[i].path;
        consent_state st = read_composite_refresh(r, &c, &err);
        if (st == CONSENT_REFUSED)
                respond_error(r, err, false, "Read-Composite");
        else if (st == CONSENT_GIVEN)
                read_composite_respond(r, &c);
        free(c.paths); /* NULL when WAITING took it */
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
                if (server_may(r, LWM2M_OPERATION_WRITE, p) == -EACCES) {
                        /* The Security object, or no Write right: the whole is Unauthorized. */
                        respond(r, COAP_RESPONSE_CODE_UNAUTHORIZED);
                        return;
                }
                if (p->len < 3)
                        err = -EBADMSG;
                else if (!lwm2m_tree_has_instance(e->tree, p->id[0], p->id[1]))
                        err = -ENOENT;
        }
        err = err ?: check_writable(r, &l);
        if (err < 0) {
                respond_error(r, err, false, "Write-Composite");
                return;
        }
        /* Every owner of a touched instance must agree; the request asks them at once. */
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_WRITE,
                                   .path = root,
                                   .mode = LWM2M_WRITE_UPDATE,
                                   .records = TAKE_STRUCT(l)};
        consent_state st = dm_consent(r, &spec, "Write-Composite", &err, NULL);
        if (st == CONSENT_WAITING)
                return;
        if (st == CONSENT_REFUSED) {
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
        int err = coap_msg_lwm2m_path(request, &r.path);
        if (err < 0) {
                respond(&r, err == -ENOENT ? COAP_RESPONSE_CODE_NOT_FOUND
                                           : COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        /* The Security object holds credentials: never for management servers. */
        if (r.path.len > 0 && lwm2m_policy_is_bootstrap_only(r.path.id[0])) {
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
}

bool dm_answer_waited(lwm2m_engine *e, server *s, const coap_pdu_t *request, coap_pdu_t *response)
{
        assert(e && s && request && response);
        coap_async_t *async =
                s->session ? coap_find_async(s->session, coap_pdu_get_token(request)) : NULL;
        dm_wait *w = async ? coap_async_get_app_data(async) : NULL;
        if (!w)
                return false;
        if (!w->done)
                return true; /* sent again while the owner thinks: libcoap acknowledged it */
        /* libcoap frees the async when this handler returns. */
        coap_async_set_app_data(async, NULL);
        dm_request r = {
                .e = e,
                .s = s,
                .session = s->session,
                .pdu = request,
                .response = response,
                .accept = coap_msg_uint_option(request, COAP_OPTION_ACCEPT),
        };
        if (coap_msg_lwm2m_path(request, &r.path) < 0 || w->error < 0) {
                if (w->why[0])
                        engine_log(e, LOG_INFO, "server %u: %s refused: %s", s->short_id, w->what,
                                   w->why);
                respond_error(&r, w->error < 0 ? w->error : -EINVAL, false, w->what);
        } else if (w->kind == LWM2M_REQUEST_READ && w->composite.paths) {
                read_composite_respond(&r, &w->composite);
        } else if (w->kind == LWM2M_REQUEST_READ) {
                read_respond(&r);
        } else if (w->kind == LWM2M_REQUEST_CREATE) {
                respond_created(&r, r.path.id[0], w->iid);
        } else {
                respond(&r, w->kind == LWM2M_REQUEST_DELETE ? COAP_RESPONSE_CODE_DELETED
                                                            : COAP_RESPONSE_CODE_CHANGED);
        }
        dm_wait_free(w);
        return true;
}
