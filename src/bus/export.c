/* export.c - the object tree on D-Bus: object definitions, instances with the
 * generic org.lwm2md1.Instance and the typed org.lwm2md1.Object<oid>, value conversion.
 *
 * Nothing here is registered per instance or per resource: one fallback vtable
 * per interface under /org/lwm2md1/object, whose find function accepts only
 * paths that exist in the tree, and node enumerators for `busctl tree`. A typed
 * interface is an sd_bus_vtable array built at run time, once per object
 * definition, the first time an instance of that object appears. */
#include "bus/export.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus/access.h"
#include "bus/bus-internal.h"
#include "bus/owner.h"

/* One member (property or method) of a typed interface. sd-bus hands a
 * property's or method's handler `found + offset`: the find function returns
 * the member array and each entry's offset is its index, so handlers get
 * their member directly. */
typedef struct export_member {
        export_object *obj;
        const lwm2m_resource_def *res;
        const char *name;
} export_member;

struct export_object {
        lwm2m_bus *b;
        const lwm2m_object_def *def;
        char iface[32]; /* org.lwm2md1.Object65534 */
        size_t n_members;
        export_member *members; /* in resource ID order */
        sd_bus_vtable *vtable;
        char *names;
        sd_bus_slot *slot;
};

/* ---- D-Bus signatures of LwM2M types ---- */

typedef struct type_signature {
        const char *single;   /* "d" */
        const char *multiple; /* "a{qd}" */
        const char *array;    /* "{qd}": what the array of a multiple resource holds */
        const char *entry;    /* "qd" */
} type_signature;

static const type_signature signatures[_LWM2M_TYPE_MAX] = {
        [LWM2M_TYPE_STRING] = {"s", "a{qs}", "{qs}", "qs"},
        [LWM2M_TYPE_INTEGER] = {"x", "a{qx}", "{qx}", "qx"},
        [LWM2M_TYPE_UNSIGNED] = {"t", "a{qt}", "{qt}", "qt"},
        [LWM2M_TYPE_FLOAT] = {"d", "a{qd}", "{qd}", "qd"},
        [LWM2M_TYPE_BOOLEAN] = {"b", "a{qb}", "{qb}", "qb"},
        [LWM2M_TYPE_OPAQUE] = {"ay", "a{qay}", "{qay}", "qay"},
        [LWM2M_TYPE_TIME] = {"x", "a{qx}", "{qx}", "qx"},
        [LWM2M_TYPE_OBJLNK] = {"(qq)", "a{q(qq)}", "{q(qq)}", "q(qq)"},
        [LWM2M_TYPE_CORELNK] = {"s", "a{qs}", "{qs}", "qs"},
};

static const type_signature *signature_of(lwm2m_type t)
{
        return t > LWM2M_TYPE_NONE && t < _LWM2M_TYPE_MAX ? &signatures[t] : NULL;
}

static const char *resource_signature(const lwm2m_resource_def *res)
{
        const type_signature *s = signature_of(res->type);
        return s ? (res->multiple ? s->multiple : s->single) : NULL;
}

/* A resource that holds a value and may appear on D-Bus at all. */
static bool resource_is_exported_value(uint16_t oid, const lwm2m_resource_def *res)
{
        return signature_of(res->type) && !(res->operations & LWM2M_OP_EXECUTE) &&
               !bus_resource_is_secret(oid, res->id);
}

/* ---- paths ---- */

void export_instance_path(uint16_t oid, uint16_t iid, char *buf, size_t size)
{
        snprintf(buf, size, BUS_OBJECT_PATH "/%u/%u", (unsigned)oid, (unsigned)iid);
}

/* "/org/lwm2md1/object/<oid>" exactly. */
static int parse_object_path(const char *path, uint16_t *oid)
{
        uint16_t iid;
        char buf[64];
        /* Reuse the instance parser with a dummy instance: one canonical form. */
        if (snprintf(buf, sizeof(buf), "%s/0", path) >= (int)sizeof(buf))
                return -EINVAL;
        return bus_parse_instance_path(buf, oid, &iid);
}

/* ---- values to D-Bus ---- */

static int append_value(sd_bus_message *m, const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return sd_bus_message_append_basic(m, 's',
                                                   v->buf.data ? (const char *)v->buf.data : "");
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return sd_bus_message_append_basic(m, 'x', &v->i);
        case LWM2M_TYPE_UNSIGNED:
                return sd_bus_message_append_basic(m, 't', &v->u);
        case LWM2M_TYPE_FLOAT:
                return sd_bus_message_append_basic(m, 'd', &v->f);
        case LWM2M_TYPE_BOOLEAN: {
                int b = v->b;
                return sd_bus_message_append_basic(m, 'b', &b);
        }
        case LWM2M_TYPE_OPAQUE:
                return sd_bus_message_append_array(m, 'y', v->buf.data ? v->buf.data : (void *)"",
                                                   v->buf.len);
        case LWM2M_TYPE_OBJLNK:
                return sd_bus_message_append(m, "(qq)", v->lnk.oid, v->lnk.iid);
        default:
                return -EINVAL;
        }
}

/* Appends `v` as the resource's type (stored values already are; records
 * from a server are converted where that loses nothing). */
static int append_value_as(sd_bus_message *m, const lwm2m_resource_def *res, const lwm2m_value *v)
{
        if (v->type == res->type)
                return append_value(m, v);
        lwm2m_value c = {0};
        int r = lwm2m_value_copy(&c, v);
        if (r >= 0)
                r = lwm2m_value_convert(&c, res->type);
        if (r >= 0)
                r = append_value(m, &c);
        lwm2m_value_clear(&c);
        return r < 0 ? -EINVAL : r;
}

/* The type's zero value: what a property shows before the resource has a value
 * (a getter error would break GetAll and GetManagedObjects; Read() tells). */
static int append_zero(sd_bus_message *m, lwm2m_type t)
{
        lwm2m_value z = {.type = t};
        return append_value(m, &z);
}

/* The resource's value(s), in the resource's D-Bus type; *present tells
 * whether there was a value (a multiple resource: whether it exists). */
static int append_resource(lwm2m_bus *b, sd_bus_message *m, const lwm2m_resource_def *res,
                           uint16_t oid, uint16_t iid, bool *present)
{
        lwm2m_path rp = lwm2m_path_resource(oid, iid, res->id);
        const type_signature *sig = signature_of(res->type);
        if (!sig)
                return -EINVAL;
        if (!res->multiple) {
                const lwm2m_value *v = lwm2m_tree_get(b->tree, &rp);
                if (present)
                        *present = v != NULL;
                return v && v->type == res->type ? append_value(m, v) : append_zero(m, res->type);
        }

        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int rr = lwm2m_tree_read(b->tree, &rp, &l);
        if (present)
                *present = rr >= 0;
        int r = sd_bus_message_open_container(m, 'a', sig->array);
        for (size_t i = 0; r >= 0 && rr >= 0 && i < l.n; i++) {
                const lwm2m_record *rec = &l.items[i];
                if (rec->path.len != LWM2M_PATH_RESOURCE_INSTANCE || rec->value.type != res->type)
                        continue;
                r = sd_bus_message_open_container(m, 'e', sig->entry);
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 'q', &rec->path.id[3]);
                if (r >= 0)
                        r = append_value(m, &rec->value);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int export_append_records(sd_bus_message *m, const lwm2m_object_def *obj, const lwm2m_record *recs,
                          size_t n)
{
        int r = sd_bus_message_open_container(m, 'a', "{qv}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                uint16_t rid = recs[i].path.id[2];
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = recs[j].path.id[2] == rid;
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
                const type_signature *sig = res ? signature_of(res->type) : NULL;
                if (seen || !sig || recs[i].path.len < LWM2M_PATH_RESOURCE)
                        continue;
                r = sd_bus_message_open_container(m, 'e', "qv");
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 'q', &rid);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', resource_signature(res));
                if (r >= 0 && res->multiple) {
                        r = sd_bus_message_open_container(m, 'a', sig->array);
                        for (size_t j = i; r >= 0 && j < n; j++) {
                                const lwm2m_record *rec = &recs[j];
                                if (rec->path.id[2] != rid ||
                                    rec->path.len != LWM2M_PATH_RESOURCE_INSTANCE ||
                                    rec->value.type == LWM2M_TYPE_NONE)
                                        continue;
                                r = sd_bus_message_open_container(m, 'e', sig->entry);
                                if (r >= 0)
                                        r = sd_bus_message_append_basic(m, 'q', &rec->path.id[3]);
                                if (r >= 0)
                                        r = append_value_as(m, res, &rec->value);
                                if (r >= 0)
                                        r = sd_bus_message_close_container(m);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                } else if (r >= 0) {
                        /* Of a path given twice the last record counts, as in the tree. */
                        const lwm2m_value *v = NULL;
                        for (size_t j = i; j < n; j++)
                                if (recs[j].path.id[2] == rid &&
                                    recs[j].path.len == LWM2M_PATH_RESOURCE)
                                        v = &recs[j].value;
                        r = v && v->type != LWM2M_TYPE_NONE ? append_value_as(m, res, v)
                                                            : append_zero(m, res->type);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* ---- values from D-Bus ---- */

/* The D-Bus type at the read position, as text for messages: "s", "a{qs}". */
static void describe_next_type(char type, const char *contents, char *out, size_t size)
{
        if (type == 'a')
                snprintf(out, size, "a%s", contents ? contents : "");
        else if (type == 'r')
                snprintf(out, size, "(%s)", contents ? contents : "");
        else if (type == 'e')
                snprintf(out, size, "{%s}", contents ? contents : "");
        else
                snprintf(out, size, "%c", type ? type : '?');
}

_printf_(3, 4) static void why_printf(char *why, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
}

/* A String or Opaque value over max-value-size: what a local caller pushes is
 * kept in memory until it is replaced. */
static int too_big(const char *who, size_t len, size_t max_bytes, char *why, size_t why_size)
{
        why_printf(why, why_size, "%s: %zu bytes, more than max-value-size (%zu)", who, len,
                   max_bytes);
        return -EINVAL;
}

/* Reads one value of any D-Bus type that can carry it (integers of every
 * width, doubles, booleans, strings, byte arrays, (qq), or a variant of
 * these) and converts it to the resource's type without loss. */
static int read_scalar(sd_bus_message *m, const lwm2m_object_def *obj,
                       const lwm2m_resource_def *res, size_t max_bytes, lwm2m_value *out, int depth,
                       char *why, size_t why_size)
{
        char who[256], got[64];
        bus_describe_resource(obj, res, who, sizeof(who));
        char type = 0;
        const char *contents = NULL;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0) {
                why_printf(why, why_size, "%s: no value given", who);
                return -EINVAL;
        }
        describe_next_type(type, contents, got, sizeof(got));

        lwm2m_value v = {.type = LWM2M_TYPE_NONE};
        bool mismatch = false;
        union {
                uint8_t y;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                int b;
                const char *s;
        } x;
        switch (type) {
        case 'v':
                if (depth > 0) {
                        mismatch = true;
                        break;
                }
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = read_scalar(m, obj, res, max_bytes, out, depth + 1, why, why_size);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        case 'y':
                r = sd_bus_message_read_basic(m, type, &x.y);
                v = lwm2m_value_unsigned(x.y);
                break;
        case 'n':
                r = sd_bus_message_read_basic(m, type, &x.n);
                v = lwm2m_value_integer(x.n);
                break;
        case 'q':
                r = sd_bus_message_read_basic(m, type, &x.q);
                v = lwm2m_value_unsigned(x.q);
                break;
        case 'i':
                r = sd_bus_message_read_basic(m, type, &x.i);
                v = lwm2m_value_integer(x.i);
                break;
        case 'u':
                r = sd_bus_message_read_basic(m, type, &x.u);
                v = lwm2m_value_unsigned(x.u);
                break;
        case 'x':
                r = sd_bus_message_read_basic(m, type, &x.x);
                v = lwm2m_value_integer(x.x);
                break;
        case 't':
                r = sd_bus_message_read_basic(m, type, &x.t);
                v = lwm2m_value_unsigned(x.t);
                break;
        case 'd':
                r = sd_bus_message_read_basic(m, type, &x.d);
                v = lwm2m_value_float(x.d);
                break;
        case 'b':
                r = sd_bus_message_read_basic(m, type, &x.b);
                v = lwm2m_value_boolean(x.b);
                break;
        case 's':
                r = sd_bus_message_read_basic(m, type, &x.s);
                if (r >= 0 && strlen(x.s) > max_bytes)
                        return too_big(who, strlen(x.s), max_bytes, why, why_size);
                if (r >= 0) {
                        r = lwm2m_value_set_string(&v, x.s, strlen(x.s));
                        if (r == -E2BIG) {
                                why_printf(why, why_size, "%s: the text is too long", who);
                                return -EINVAL;
                        }
                }
                break;
        case 'a':
                if (contents && strcmp(contents, "y") == 0) {
                        const void *p = NULL;
                        size_t len = 0;
                        r = sd_bus_message_read_array(m, 'y', &p, &len);
                        if (r >= 0 && len > max_bytes)
                                return too_big(who, len, max_bytes, why, why_size);
                        if (r >= 0) {
                                r = lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, p, len);
                                if (r == -E2BIG) {
                                        why_printf(why, why_size, "%s: the data is too long", who);
                                        return -EINVAL;
                                }
                        }
                } else {
                        mismatch = true;
                }
                break;
        case 'r':
                if (contents && strcmp(contents, "qq") == 0) {
                        uint16_t o, i;
                        r = sd_bus_message_read(m, "(qq)", &o, &i);
                        v = lwm2m_value_objlnk(o, i);
                } else {
                        mismatch = true;
                }
                break;
        default:
                mismatch = true;
                break;
        }
        if (r < 0)
                return r;

        const type_signature *want = signature_of(res->type);
        if (mismatch || (v.type == LWM2M_TYPE_BOOLEAN) != (res->type == LWM2M_TYPE_BOOLEAN) ||
            lwm2m_value_convert(&v, res->type) == -EINVAL) {
                lwm2m_value_clear(&v);
                why_printf(why, why_size, "%s: expected %s (D-Bus '%s'), got D-Bus '%s'", who,
                           lwm2m_type_to_string(res->type), want ? want->single : "?", got);
                return -EINVAL;
        }
        if (v.type != res->type) {
                lwm2m_value_clear(&v);
                why_printf(why, why_size, "%s: the D-Bus '%s' value does not fit %s", who, got,
                           lwm2m_type_to_string(res->type));
                return -ERANGE;
        }
        r = lwm2m_resource_validate(obj, res, &v, why, why_size);
        if (r < 0) {
                lwm2m_value_clear(&v);
                return r;
        }
        *out = v;
        return 0;
}

/* Reads one resource's value(s) at the read position: a value for a single
 * resource, a{qT} for a multiple one (the resource itself is recorded first
 * without a value, so that an empty dictionary empties it). */
static int read_resource(sd_bus_message *m, const lwm2m_object_def *obj,
                         const lwm2m_resource_def *res, size_t max_bytes, const lwm2m_path *rp,
                         lwm2m_record_list *out, char *why, size_t why_size)
{
        lwm2m_value v;
        int r;
        if (!res->multiple) {
                r = read_scalar(m, obj, res, max_bytes, &v, 0, why, why_size);
                if (r < 0)
                        return r;
                lwm2m_record *rec = lwm2m_record_list_add(out, rp);
                if (!rec) {
                        lwm2m_value_clear(&v);
                        return -errno;
                }
                rec->value = v;
                return 0;
        }

        char who[256], got[64];
        bus_describe_resource(obj, res, who, sizeof(who));
        char type = 0;
        const char *contents = NULL;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        size_t clen = contents ? strlen(contents) : 0;
        if (r == 0 || type != 'a' || clen < 4 || contents[0] != '{' || contents[1] != 'q' ||
            clen >= 64) {
                describe_next_type(type, contents, got, sizeof(got));
                why_printf(why, why_size,
                           "%s is a multiple resource: expected D-Bus '%s' (instance ID -> "
                           "value), got '%s'",
                           who, resource_signature(res), got);
                return -EINVAL;
        }
        char entry[64];
        memcpy(entry, contents + 1, clen - 2);
        entry[clen - 2] = '\0';

        if (!lwm2m_record_list_add(out, rp))
                return -errno;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
                uint16_t riid;
                r = sd_bus_message_read_basic(m, 'q', &riid);
                if (r < 0)
                        return r;
                if (riid == LWM2M_ID_INVALID) {
                        why_printf(why, why_size, "%s: instance ID %u is reserved", who, riid);
                        return -EINVAL;
                }
                r = read_scalar(m, obj, res, max_bytes, &v, 0, why, why_size);
                if (r < 0)
                        return r;
                lwm2m_path ip = lwm2m_path_resource_instance(rp->id[0], rp->id[1], rp->id[2], riid);
                lwm2m_record *rec = lwm2m_record_list_add(out, &ip);
                if (!rec) {
                        lwm2m_value_clear(&v);
                        return -errno;
                }
                rec->value = v;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* May whoever calls set this resource? The owner may set any value resource
 * (it pushes readings into R resources); others only those with W. */
static int check_settable(const lwm2m_object_def *obj, const lwm2m_resource_def *res, bool as_owner,
                          sd_bus_error *error)
{
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (bus_resource_is_secret(obj->id, res->id))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "%s holds a credential: not available over D-Bus", who);
        if (!signature_of(res->type) || (res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is executable and holds no value", who);
        if (!as_owner && !(res->operations & LWM2M_OP_WRITE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is not writable; only the instance's owner sets it",
                                         who);
        return 0;
}

int export_read_values(lwm2m_bus *b, sd_bus_message *m, const lwm2m_object_def *obj, uint16_t iid,
                       bool as_owner, lwm2m_record_list *out, sd_bus_error *error)
{
        char why[512] = "";
        int r = sd_bus_message_enter_container(m, 'a', "{qv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "qv")) > 0) {
                uint16_t rid;
                r = sd_bus_message_read_basic(m, 'q', &rid);
                if (r < 0)
                        return r;
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
                if (!res)
                        return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                                 "%s (%u) defines no resource %u",
                                                 obj->name ? obj->name : "?", obj->id, rid);
                r = check_settable(obj, res, as_owner, error);
                if (r < 0)
                        return r;
                const char *contents = NULL;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                lwm2m_path rp = lwm2m_path_resource(obj->id, iid, rid);
                r = read_resource(m, obj, res, access_max_value_size(b), &rp, out, why,
                                  sizeof(why));
                if (r < 0)
                        return bus_error_from_errno(error, r, why[0] ? why : NULL);
                r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* ---- calls answered when their request is done ---- */

/* A D-Bus call whose answer waits for the model's request (model/request.h). */
typedef struct bus_call {
        lwm2m_bus *b;
        sd_bus_message *call;
        lwm2m_request_kind kind;
        lwm2m_path path;
} bus_call;

static int reply_error_errno(sd_bus_message *call, int err, const char *message)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bus_error_from_errno(&e, err, message);
        if (!sd_bus_error_is_set(&e))
                return sd_bus_reply_method_errno(call, err, NULL);
        return sd_bus_reply_method_error(call, &e);
}

/* Answers Read(q) -> v from the stored value. */
static int reply_read(lwm2m_bus *b, sd_bus_message *call, const lwm2m_object_def *obj,
                      const lwm2m_resource_def *res, uint16_t iid)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool present = false;
        int r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', resource_signature(res));
        if (r >= 0)
                r = append_resource(b, reply, res, obj->id, iid, &present);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        if (!present && !res->multiple) {
                char who[256];
                bus_describe_resource(obj, res, who, sizeof(who));
                return sd_bus_reply_method_errorf(call, BUS_ERROR_NO_VALUE, "%s has no value yet",
                                                  who);
        }
        return sd_bus_send(NULL, reply, NULL);
}

static void on_request_done(void *userdata, const lwm2m_request_result *res)
{
        bus_call *bc = userdata;
        lwm2m_bus *b = bc->b;
        /* Cancelled only when the connection goes: nobody is left to answer. */
        if (!b->bus || res->error == -ECANCELED) {
        } else if (res->error < 0) {
                reply_error_errno(bc->call, res->error, res->why[0] ? res->why : NULL);
        } else if (bc->kind == LWM2M_REQUEST_READ) {
                const lwm2m_object_def *obj = lwm2m_registry_find(b->reg, bc->path.id[0]);
                const lwm2m_resource_def *def =
                        obj ? lwm2m_object_def_find_resource(obj, bc->path.id[2]) : NULL;
                if (!def || !lwm2m_tree_has_instance(b->tree, bc->path.id[0], bc->path.id[1]))
                        reply_error_errno(bc->call, -ENOENT, "the instance went away");
                else if (reply_read(b, bc->call, obj, def, bc->path.id[1]) < 0)
                        reply_error_errno(bc->call, -EIO, NULL);
        } else {
                sd_bus_reply_method_return(bc->call, NULL);
        }
        sd_bus_message_unref(bc->call);
        free(bc);
}

lwm2m_origin export_origin(lwm2m_bus *b, bool as_owner)
{
        return (lwm2m_origin){.kind = as_owner ? LWM2M_ORIGIN_OWNER : LWM2M_ORIGIN_LOCAL, .tag = b};
}

int export_start_request(lwm2m_bus *b, sd_bus_message *call, lwm2m_request_spec *spec)
{
        bus_call *bc = calloc(1, sizeof(*bc));
        if (!bc) {
                lwm2m_record_list_free(&spec->records);
                return -ENOMEM;
        }
        *bc = (bus_call){
                .b = b, .call = sd_bus_message_ref(call), .kind = spec->kind, .path = spec->path};
        spec->group = b;
        spec->done = on_request_done;
        spec->userdata = bc;
        lwm2m_request_start(b->requests, spec);
        return 1;
}

/* Stores what a D-Bus caller wrote. The owner pushes straight into the tree;
 * anyone else's write is first put to the owner, as a server's would be, so
 * that an owner refusing a value (the Device object's clock, a provider's
 * actuator) refuses it whoever sends it. Takes the records. Returns 1 when
 * the answer to `call` is sent or will be. */
static int commit_write(lwm2m_bus *b, sd_bus_message *call, const lwm2m_path *base,
                        lwm2m_record_list *l, lwm2m_write_mode mode, bool as_owner)
{
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE,
                .origin = export_origin(b, as_owner),
                .path = *base,
                .mode = mode,
                .records = *l,
        };
        *l = (lwm2m_record_list){0};
        return export_start_request(b, call, &spec);
}

/* ---- shared method logic ---- */

/* The object, instance and resource a call on an instance path names. */
static int resolve(lwm2m_bus *b, const char *path, uint16_t rid, uint16_t *oid, uint16_t *iid,
                   const lwm2m_object_def **obj, const lwm2m_resource_def **res,
                   sd_bus_error *error)
{
        if (bus_parse_instance_path(path, oid, iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, *oid, *iid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "no instance at %s", path);
        *obj = lwm2m_registry_find(b->reg, *oid);
        if (!*obj)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "object %u is not defined",
                                         *oid);
        if (!res)
                return 0;
        *res = lwm2m_object_def_find_resource(*obj, rid);
        if (!*res)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                         "%s (%u) defines no resource %u",
                                         (*obj)->name ? (*obj)->name : "?", *oid, rid);
        return 0;
}

/* Reads one resource from the value at the read position (property Set,
 * Write) into `l`, refusing what the caller may not set. */
static int read_settable(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                         const lwm2m_object_def *obj, const lwm2m_resource_def *res, bool as_owner,
                         lwm2m_record_list *l, sd_bus_error *error)
{
        int r = check_settable(obj, res, as_owner, error);
        if (r < 0)
                return r;
        char why[512] = "";
        lwm2m_path rp = lwm2m_path_resource(oid, iid, res->id);
        r = read_resource(m, obj, res, access_max_value_size(b), &rp, l, why, sizeof(why));
        if (r < 0)
                return bus_error_from_errno(error, r, why[0] ? why : NULL);
        return 0;
}

static int start_execute(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                         const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                         const char *args, sd_bus_error *error)
{
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (!(res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED, "%s is not executable", who);
        bool as_owner;
        int r = access_check(b, m, oid, iid, res->id, ACCESS_EXECUTE, &as_owner, error);
        if (r < 0)
                return r;
        const lwm2m_owner *owner = lwm2m_tree_get_owner(b->tree, oid, iid);
        if (!owner || !owner->ops || !owner->ops->execute)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s: nobody stands behind the instance to execute it",
                                         who);
        if (strlen(args) > 4096)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "%s: the arguments are too long", who);
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_EXECUTE,
                .origin = export_origin(b, as_owner),
                .path = lwm2m_path_resource(oid, iid, res->id),
                .args = (const uint8_t *)args,
                .args_len = strlen(args),
        };
        return export_start_request(b, m, &spec);
}

/* ---- org.lwm2md1.Instance ---- */

static int instance_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                         void **found, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, oid, iid))
                return 0;
        *found = b;
        return 1;
}

static int instance_get_owner(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        const char *name = owner_bus_name(lwm2m_tree_get_owner(b->tree, oid, iid));
        return sd_bus_message_append_basic(reply, 's', name ? name : "");
}

static int instance_get_id(sd_bus *bus, const char *path, const char *interface,
                           const char *property, sd_bus_message *reply, void *userdata,
                           sd_bus_error *error)
{
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        uint16_t id = strcmp(property, "Object") == 0 ? oid : iid;
        return sd_bus_message_append_basic(reply, 'q', &id);
}

static int method_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = sd_bus_message_read_basic(m, 'q', &rid);
        if (r < 0)
                return r;
        r = resolve(b, sd_bus_message_get_path(m), rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (bus_resource_is_secret(oid, rid))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "%s holds a credential: not readable over D-Bus", who);
        if (!signature_of(res->type) || (res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is executable and holds no value", who);
        /* Values kept by the owner itself are fetched, unless the owner asks:
         * it would be waiting for us while we wait for it. */
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_READ,
                .origin = export_origin(b,
                                        owner_is_sender(b, oid, iid, sd_bus_message_get_sender(m))),
                .path = lwm2m_path_resource(oid, iid, rid),
        };
        return export_start_request(b, m, &spec);
}

static int method_write(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = sd_bus_message_read_basic(m, 'q', &rid);
        if (r < 0)
                return r;
        r = resolve(b, sd_bus_message_get_path(m), rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        const char *contents = NULL;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        bool as_owner;
        r = access_check(b, m, oid, iid, rid, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = read_settable(b, m, oid, iid, obj, res, as_owner, &l, error);
        if (r < 0)
                return r;
        /* A multiple resource becomes exactly the instances given. */
        lwm2m_path rp = lwm2m_path_resource(oid, iid, rid);
        return commit_write(b, m, &rp, &l, LWM2M_WRITE_REPLACE, as_owner);
}

static int method_execute(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const char *args;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = sd_bus_message_read(m, "qs", &rid, &args);
        if (r < 0)
                return r;
        r = resolve(b, sd_bus_message_get_path(m), rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        return start_execute(b, m, oid, iid, obj, res, args, error);
}

static int method_set_values(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        int r = resolve(b, sd_bus_message_get_path(m), 0, &oid, &iid, &obj, NULL, error);
        if (r < 0)
                return r;
        bool as_owner;
        r = access_check(b, m, oid, iid, 0, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = export_read_values(b, m, obj, iid, as_owner, &l, error);
        if (r < 0)
                return r;
        lwm2m_path ip = lwm2m_path_instance(oid, iid);
        return commit_write(b, m, &ip, &l, LWM2M_WRITE_UPDATE, as_owner);
}

static int method_set_on_demand(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        int r = resolve(b, sd_bus_message_get_path(m), 0, &oid, &iid, &obj, NULL, error);
        if (r < 0)
                return r;
        if (!owner_is_sender(b, oid, iid, sd_bus_message_get_sender(m)))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "only the owner of %s chooses what is read from it",
                                         sd_bus_message_get_path(m));
        const void *p = NULL;
        size_t size = 0;
        r = sd_bus_message_read_array(m, 'q', &p, &size);
        if (r < 0)
                return r;
        size_t n = size / sizeof(uint16_t);
        _cleanup_free_ uint16_t *rids = n ? malloc(size) : NULL;
        if (n && !rids)
                return -ENOMEM;
        if (n)
                memcpy(rids, p, size);
        for (size_t i = 0; i < n; i++) {
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rids[i]);
                if (!res)
                        return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                                 "%s (%u) defines no resource %u",
                                                 obj->name ? obj->name : "?", oid, rids[i]);
                if (!resource_is_exported_value(oid, res)) {
                        char who[256];
                        bus_describe_resource(obj, res, who, sizeof(who));
                        return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                                 "%s holds no value to read on demand", who);
                }
        }
        bus_owner *o = NULL;
        r = owner_get(b, m, &o);
        if (r >= 0)
                r = owner_set_on_demand(o, oid, iid, rids, n);
        if (r < 0)
                return r;
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable instance_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Owner", "s", instance_get_owner, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Object", "q", instance_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Instance", "q", instance_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_NAMES("Read", "q", SD_BUS_PARAM(resource), "v", SD_BUS_PARAM(value),
                                 method_read, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Write", "qv", SD_BUS_PARAM(resource) SD_BUS_PARAM(value), "", ,
                                 method_write, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Execute", "qs", SD_BUS_PARAM(resource) SD_BUS_PARAM(arguments),
                                 "", , method_execute, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetValues", "a{qv}", SD_BUS_PARAM(values), "", ,
                                 method_set_values, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetOnDemand", "aq", SD_BUS_PARAM(resources), "", ,
                                 method_set_on_demand, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Executed", "qs", SD_BUS_PARAM(resource) SD_BUS_PARAM(arguments),
                                 0),
        SD_BUS_VTABLE_END,
};

/* ---- org.lwm2md1.Object: the definitions ---- */

static int object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **found, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid;
        if (parse_object_path(path, &oid) < 0)
                return 0;
        if (!lwm2m_registry_find(b->reg, oid))
                return 0;
        *found = b;
        return 1;
}

/* The definition behind a path object_find accepted. */
static const lwm2m_object_def *object_at(lwm2m_bus *b, const char *path)
{
        uint16_t oid = 0;
        return parse_object_path(path, &oid) < 0 ? NULL : lwm2m_registry_find(b->reg, oid);
}

static int object_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        const lwm2m_object_def *def = object_at(b, path);
        if (!def)
                return -ENOENT;
        if (strcmp(property, "Provider") == 0) {
                const char *name = owner_bus_name(lwm2m_tree_get_object_owner(b->tree, def->id));
                return sd_bus_message_append_basic(reply, 's', name ? name : "");
        }
        if (strcmp(property, "Id") == 0)
                return sd_bus_message_append_basic(reply, 'q', &def->id);
        if (strcmp(property, "Name") == 0)
                return sd_bus_message_append_basic(reply, 's', def->name ? def->name : "");
        if (strcmp(property, "Version") == 0)
                return sd_bus_message_append_basic(reply, 's', def->version);
        if (strcmp(property, "Urn") == 0)
                return sd_bus_message_append_basic(reply, 's', def->urn ? def->urn : "");
        int v = strcmp(property, "Multiple") == 0 ? def->multiple : def->mandatory;
        return sd_bus_message_append_basic(reply, 'b', &v);
}

static int object_get_resources(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        const lwm2m_object_def *def = object_at(userdata, path);
        if (!def)
                return -ENOENT;
        int r = sd_bus_message_open_container(reply, 'a', "(qssssbbs)");
        for (size_t i = 0; r >= 0 && i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                char ops[4];
                size_t k = 0;
                if (res->operations & LWM2M_OP_READ)
                        ops[k++] = 'R';
                if (res->operations & LWM2M_OP_WRITE)
                        ops[k++] = 'W';
                if (res->operations & LWM2M_OP_EXECUTE)
                        ops[k++] = 'E';
                ops[k] = '\0';
                r = sd_bus_message_append(reply, "(qssssbbs)", res->id, res->name ? res->name : "",
                                          lwm2m_type_to_string(res->type), ops,
                                          res->units ? res->units : "", (int)res->multiple,
                                          (int)res->mandatory, res->range ? res->range : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static const sd_bus_vtable object_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "q", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Version", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Urn", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Multiple", "b", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mandatory", "b", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Resources", "a(qssssbbs)", object_get_resources, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Provider", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- node enumeration ---- */

static int strv_push(char ***v, size_t *n, size_t *cap, char *s)
{
        if (!s)
                return -ENOMEM;
        if (*n + 2 > *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                char **nv = realloc(*v, nc * sizeof(char *));
                if (!nv) {
                        free(s);
                        return -ENOMEM;
                }
                *v = nv;
                *cap = nc;
        }
        (*v)[(*n)++] = s;
        (*v)[*n] = NULL;
        return 0;
}

/* "/org/lwm2md1/object/<oid>" or, with an instance, ".../<oid>/<iid>". */
static char *node_path(unsigned oid, int iid)
{
        char *s = NULL;
        int r = iid < 0 ? asprintf(&s, BUS_OBJECT_PATH "/%u", oid)
                        : asprintf(&s, BUS_OBJECT_PATH "/%u/%d", oid, iid);
        return r < 0 ? NULL : s;
}

static void strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* sd-bus asks for the children of `prefix`: immediate children for
 * introspection, everything below for GetManagedObjects (asked at the root). */
static int object_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                            sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        char **v = NULL;
        size_t n = 0, cap = 0;
        int r = 0;
        uint16_t only = 0;
        bool one_object = parse_object_path(prefix, &only) >= 0;
        bool at_objects = strcmp(prefix, BUS_OBJECT_PATH) == 0;
        size_t plen = strlen(prefix);
        bool ancestor = strcmp(prefix, "/") == 0 || (strncmp(BUS_OBJECT_PATH, prefix, plen) == 0 &&
                                                     BUS_OBJECT_PATH[plen] == '/');
        bool defs = at_objects || ancestor;
        bool insts = one_object || ancestor;
        if (defs) {
                size_t count = lwm2m_registry_count(b->reg);
                for (size_t i = 0; r >= 0 && i < count; i++)
                        r = strv_push(&v, &n, &cap,
                                      node_path(lwm2m_registry_at(b->reg, i)->id, -1));
        }
        if (insts) {
                for (int oid = lwm2m_tree_next_object(b->tree, -1); r >= 0 && oid >= 0;
                     oid = lwm2m_tree_next_object(b->tree, oid)) {
                        if (one_object && oid != only)
                                continue;
                        for (int iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, -1);
                             r >= 0 && iid >= 0;
                             iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, iid))
                                r = strv_push(&v, &n, &cap, node_path((unsigned)oid, iid));
                }
        }
        if (r < 0) {
                strv_free(v);
                return r;
        }
        *nodes = v;
        return 0;
}

/* ---- typed interfaces ---- */

static export_object *export_find(lwm2m_bus *b, uint16_t oid)
{
        size_t lo = 0, hi = b->n_exports;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                uint16_t id = b->exports[mid]->def->id;
                if (id == oid)
                        return b->exports[mid];
                if (id < oid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static const export_member *member_of(const export_object *o, uint16_t rid)
{
        size_t lo = 0, hi = o->n_members;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                uint16_t id = o->members[mid].res->id;
                if (id == rid)
                        return &o->members[mid];
                if (id < rid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Longest property name taken from a resource name, before any "_<id>". */
#define MEMBER_NAME_MAX 200

/* "Sensor Value" -> "SensorValue": words of [A-Za-z0-9], each with its first
 * letter upper-cased and the rest kept; "R" before a leading digit; an empty
 * result is "Resource". */
static void member_base_name(const char *name, char out[MEMBER_NAME_MAX + 2])
{
        size_t k = 0;
        bool word_start = true;
        for (const char *p = name ? name : ""; *p && k < MEMBER_NAME_MAX; p++) {
                if (!is_alnum(*p)) {
                        word_start = true;
                        continue;
                }
                char c = *p;
                if (word_start && c >= 'a' && c <= 'z')
                        c = (char)(c - 'a' + 'A');
                if (k == 0 && c >= '0' && c <= '9')
                        out[k++] = 'R';
                out[k++] = c;
                word_start = false;
        }
        out[k] = '\0';
        if (k == 0)
                strcpy(out, "Resource");
}

static int typed_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                      void **found, sd_bus_error *error)
{
        export_object *o = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0 || oid != o->def->id ||
            !lwm2m_tree_has_instance(o->b->tree, oid, iid))
                return 0;
        *found = o->members;
        return 1;
}

static int typed_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        return append_resource(mem->obj->b, reply, mem->res, oid, iid, NULL);
}

typedef struct sync_result {
        int error;
        char why[256];
} sync_result;

static void on_sync_done(void *userdata, const lwm2m_request_result *res)
{
        sync_result *sr = userdata;
        sr->error = res->error;
        snprintf(sr->why, sizeof(sr->why), "%s", res->why);
}

static int typed_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *value, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        lwm2m_bus *b = mem->obj->b;
        bool as_owner;
        int r = access_check(b, value, oid, iid, mem->res->id, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        /* on_property_set takes every Set it can; a property setter cannot wait for the owner. */
        const lwm2m_owner *owner = lwm2m_tree_get_owner(b->tree, oid, iid);
        if (!as_owner && owner && owner->ops && owner->ops->write)
                return sd_bus_error_setf(error, BUS_ERROR_FAILED, "%s: cannot ask the owner", path);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = read_settable(b, value, oid, iid, mem->obj->def, mem->res, as_owner, &l, error);
        if (r < 0)
                return r;
        /* Nobody is asked, so the request is done when it returns. */
        sync_result res = {.error = -EINPROGRESS};
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE,
                .origin = export_origin(b, as_owner),
                .path = lwm2m_path_resource(oid, iid, mem->res->id),
                .mode = LWM2M_WRITE_REPLACE,
                .records = l,
                .done = on_sync_done,
                .userdata = &res,
        };
        l = (lwm2m_record_list){0};
        lwm2m_request *waiting = lwm2m_request_start(b->requests, &spec);
        assert(!waiting);
        if (res.error < 0)
                return bus_error_from_errno(error, res.error, res.why[0] ? res.why : NULL);
        return 0;
}

/* Properties.Set of a typed property: sd-bus wants a property setter's answer
 * at once, but an owner asked for its consent answers later, so such calls are
 * taken here, before the vtables see them (the owner's own pushes too: one
 * path and one access check for both). Returns 0 to leave a call to sd-bus
 * (message rewound). */
static int on_property_set(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        const char *iface = NULL, *property = NULL;
        if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Set") ||
            bus_parse_instance_path(sd_bus_message_get_path(m), &oid, &iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, oid, iid))
                return 0;
        const export_object *o = export_find(b, oid);
        int r = sd_bus_message_read(m, "ss", &iface, &property);
        if (r < 0 || !o || strcmp(iface, o->iface) != 0) {
                sd_bus_message_rewind(m, true);
                return 0;
        }
        const export_member *mem = NULL;
        for (size_t i = 0; i < o->n_members && !mem; i++)
                if (strcmp(o->members[i].name, property) == 0)
                        mem = &o->members[i];
        if (!mem || (mem->res->operations & LWM2M_OP_EXECUTE)) {
                sd_bus_message_rewind(m, true);
                return 0;
        }
        const char *contents = NULL;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r >= 0 && strcmp(contents, resource_signature(mem->res)) != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_SIGNATURE,
                                         "%s has type '%s', not '%s'", property,
                                         resource_signature(mem->res), contents);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        bool as_owner;
        r = access_check(b, m, oid, iid, mem->res->id, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = read_settable(b, m, oid, iid, o->def, mem->res, as_owner, &l, error);
        if (r < 0)
                return r;
        lwm2m_path rp = lwm2m_path_resource(oid, iid, mem->res->id);
        return commit_write(b, m, &rp, &l, LWM2M_WRITE_REPLACE, as_owner);
}

static int typed_execute(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        const char *args;
        int r = sd_bus_message_read_basic(m, 's', &args);
        if (r < 0)
                return r;
        if (bus_parse_instance_path(sd_bus_message_get_path(m), &oid, &iid) < 0)
                return -EINVAL;
        return start_execute(mem->obj->b, m, oid, iid, mem->obj->def, mem->res, args, error);
}

static void export_object_free(export_object *o)
{
        if (!o)
                return;
        sd_bus_slot_unref(o->slot);
        free(o->vtable);
        free(o->members);
        free(o->names);
        free(o);
}

/* Builds the typed interface of one object: members, names, the vtable. */
static int export_object_build(lwm2m_bus *b, const lwm2m_object_def *def, export_object **out)
{
        _cleanup_free_ char(*base)[MEMBER_NAME_MAX + 2] = NULL;
        export_object *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->b = b;
        o->def = def;
        snprintf(o->iface, sizeof(o->iface), "org.lwm2md1.Object%u", (unsigned)def->id);

        size_t n = 0;
        for (size_t i = 0; i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                if (resource_is_exported_value(def->id, res) ||
                    (res->operations & LWM2M_OP_EXECUTE))
                        n++;
        }
        if (n == 0) {
                *out = o;
                return 0;
        }
        o->members = calloc(n, sizeof(export_member));
        o->vtable = calloc(n + 2, sizeof(sd_bus_vtable));
        base = calloc(n, sizeof(*base));
        if (!o->members || !o->vtable || !base) {
                export_object_free(o);
                return -ENOMEM;
        }
        size_t k = 0, total = 0;
        for (size_t i = 0; i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                if (!resource_is_exported_value(def->id, res) &&
                    !(res->operations & LWM2M_OP_EXECUTE))
                        continue;
                o->members[k] = (export_member){.obj = o, .res = res};
                member_base_name(res->name, base[k]);
                total += strlen(base[k]) + 8; /* room for "_65534" and NUL */
                k++;
        }
        o->names = malloc(total);
        if (!o->names) {
                export_object_free(o);
                return -ENOMEM;
        }
        /* A name two resources share gets "_<id>" on all of them. */
        char *p = o->names;
        for (k = 0; k < n; k++) {
                bool shared = false;
                for (size_t j = 0; j < n && !shared; j++)
                        shared = j != k && strcmp(base[j], base[k]) == 0;
                int len = shared ? sprintf(p, "%s_%u", base[k], (unsigned)o->members[k].res->id)
                                 : sprintf(p, "%s", base[k]);
                o->members[k].name = p;
                p += len + 1;
        }

        o->vtable[0] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
        for (k = 0; k < n; k++) {
                const export_member *mem = &o->members[k];
                size_t offset = k * sizeof(export_member);
                if (mem->res->operations & LWM2M_OP_EXECUTE)
                        o->vtable[k + 1] = (sd_bus_vtable)SD_BUS_METHOD_WITH_NAMES_OFFSET(
                                mem->name, "s", SD_BUS_PARAM(arguments), "", , typed_execute,
                                offset, SD_BUS_VTABLE_UNPRIVILEGED);
                else
                        /* Writable for the owner, who pushes values even into
                         * read-only resources; the setter enforces W for others. */
                        o->vtable[k + 1] = (sd_bus_vtable)SD_BUS_WRITABLE_PROPERTY(
                                mem->name, resource_signature(mem->res), typed_get, typed_set,
                                offset,
                                SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE);
        }
        o->vtable[n + 1] = (sd_bus_vtable)SD_BUS_VTABLE_END;
        o->n_members = n;

        int r = sd_bus_add_fallback_vtable(b->bus, &o->slot, BUS_OBJECT_PATH, o->iface, o->vtable,
                                           typed_find, o);
        if (r < 0) {
                bus_log(b, LOG_WARNING, "cannot export %s on D-Bus: %s", o->iface, strerror(-r));
                export_object_free(o);
                return r;
        }
        *out = o;
        return 0;
}

int export_typed_ensure(lwm2m_bus *b, uint16_t oid)
{
        if (export_find(b, oid))
                return 0;
        const lwm2m_object_def *def = lwm2m_registry_find(b->reg, oid);
        if (!def)
                return -ENOENT;
        export_object **v = realloc(b->exports, (b->n_exports + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        b->exports = v;
        export_object *o = NULL;
        int r = export_object_build(b, def, &o);
        if (r < 0)
                return r;
        size_t at = 0;
        while (at < b->n_exports && b->exports[at]->def->id < oid)
                at++;
        memmove(&b->exports[at + 1], &b->exports[at], (b->n_exports - at) * sizeof(*v));
        b->exports[at] = o;
        b->n_exports++;
        return 0;
}

/* ---- signals ---- */

void export_emit_instance_added(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        char path[64];
        export_instance_path(oid, iid, path, sizeof(path));
        int r = sd_bus_emit_object_added(b->bus, path);
        if (r < 0)
                bus_log(b, LOG_DEBUG, "cannot announce %s: %s", path, strerror(-r));
}

void export_emit_provider_changed(lwm2m_bus *b, uint16_t oid)
{
        if (!b->bus)
                return;
        char path[48];
        snprintf(path, sizeof(path), BUS_OBJECT_PATH "/%u", (unsigned)oid);
        int r = sd_bus_emit_properties_changed(b->bus, path, BUS_IFACE_OBJECT, "Provider", NULL);
        if (r < 0)
                bus_log(b, LOG_DEBUG, "cannot announce the provider of %s: %s", path, strerror(-r));
}

static void emit_instance_removed(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        char path[64];
        export_instance_path(oid, iid, path, sizeof(path));
        export_object *o = export_find(b, oid);
        char *ifaces[] = {(char *)BUS_IFACE_INSTANCE, o && o->slot ? o->iface : NULL, NULL};
        int r = sd_bus_emit_interfaces_removed_strv(b->bus, path, ifaces);
        if (r < 0)
                bus_log(b, LOG_DEBUG, "cannot announce the removal of %s: %s", path, strerror(-r));
}

static void emit_values_changed(lwm2m_bus *b, const lwm2m_change *c)
{
        export_object *o = export_find(b, c->instance.id[0]);
        if (!o || !o->slot || c->n_paths == 0)
                return;
        _cleanup_free_ char **names = calloc(c->n_paths + 1, sizeof(char *));
        if (!names)
                return;
        size_t k = 0;
        for (size_t i = 0; i < c->n_paths; i++) {
                const export_member *mem = member_of(o, c->paths[i].id[2]);
                if (mem && !(mem->res->operations & LWM2M_OP_EXECUTE))
                        names[k++] = (char *)mem->name;
        }
        if (k == 0)
                return;
        char path[64];
        export_instance_path(c->instance.id[0], c->instance.id[1], path, sizeof(path));
        int r = sd_bus_emit_properties_changed_strv(b->bus, path, o->iface, names);
        if (r < 0)
                bus_log(b, LOG_DEBUG, "cannot announce the change of %s: %s", path, strerror(-r));
}

void export_on_change(lwm2m_bus *b, const lwm2m_change *c)
{
        uint16_t oid = c->instance.id[0], iid = c->instance.id[1];
        if (!b->bus) {
                /* Nobody to tell; the typed interfaces are built on reconnecting. */
                if (c->kind == LWM2M_CHANGE_INSTANCE_REMOVED)
                        owner_forget_instance(b, oid, iid);
                return;
        }
        switch (c->kind) {
        case LWM2M_CHANGE_INSTANCE_ADDED:
                if (export_typed_ensure(b, oid) == -ENOMEM)
                        bus_log(b, LOG_WARNING, "out of memory exporting object %u", oid);
                export_emit_instance_added(b, oid, iid);
                break;
        case LWM2M_CHANGE_INSTANCE_REMOVED:
                owner_forget_instance(b, oid, iid);
                emit_instance_removed(b, oid, iid);
                break;
        case LWM2M_CHANGE_VALUES:
                emit_values_changed(b, c);
                break;
        }
}

/* ---- registration ---- */

int export_register(lwm2m_bus *b)
{
        int r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_OBJECT_PATH, BUS_IFACE_OBJECT,
                                           object_vtable, object_find, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_OBJECT_PATH, BUS_IFACE_INSTANCE,
                                               instance_vtable, instance_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_OBJECT_PATH, object_enumerate, b);
        if (r >= 0)
                r = sd_bus_add_fallback(b->bus, NULL, BUS_OBJECT_PATH, on_property_set, b);
        for (int oid = lwm2m_tree_next_object(b->tree, -1); r >= 0 && oid >= 0;
             oid = lwm2m_tree_next_object(b->tree, oid))
                r = export_typed_ensure(b, (uint16_t)oid);
        return r;
}

void export_free(lwm2m_bus *b)
{
        lwm2m_requests_cancel_group(b->requests, b);
        for (size_t i = 0; i < b->n_exports; i++)
                export_object_free(b->exports[i]);
        free(b->exports);
        b->exports = NULL;
        b->n_exports = 0;
}
