/* convert.c - LwM2M values as D-Bus values and back: one D-Bus signature per
 * LwM2M type, a{qv} for an instance's values, and which resources cross D-Bus at all.
 *
 * Both directions are tables: `lwm2m_types` says how each LwM2M type is
 * written, `dbus_numbers` how each D-Bus number is read; a caller may send any
 * D-Bus type that carries the value without loss. */
#include "bus/convert.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/context.h"
#include "bus/errors.h"
#include "model/policy.h"
#include "util/buf.h"
#include "util/diag.h"

/* ---- LwM2M types on D-Bus ---- */

typedef int (*append_fn)(sd_bus_message *m, const lwm2m_value *v);

typedef struct lwm2m_type_on_bus {
        const char *single;   /* "d" */
        const char *multiple; /* "a{qd}" */
        const char *array;    /* "{qd}": what the array of a multiple resource holds */
        const char *entry;    /* "qd" */
        append_fn append;
} lwm2m_type_on_bus;

static int append_text(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append_basic(m, 's', v->buf.data ? (const char *)v->buf.data : "");
}

static int append_integer(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append_basic(m, 'x', &v->i);
}

static int append_unsigned(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append_basic(m, 't', &v->u);
}

static int append_float(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append_basic(m, 'd', &v->f);
}

static int append_boolean(sd_bus_message *m, const lwm2m_value *v)
{
        int b = v->b;
        return sd_bus_message_append_basic(m, 'b', &b);
}

static int append_bytes(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append_array(m, 'y', v->buf.data ? v->buf.data : (void *)"",
                                           v->buf.len);
}

static int append_objlnk(sd_bus_message *m, const lwm2m_value *v)
{
        return sd_bus_message_append(m, "(qq)", v->lnk.oid, v->lnk.iid);
}

static const lwm2m_type_on_bus lwm2m_types[_LWM2M_TYPE_MAX] = {
        [LWM2M_TYPE_STRING] = {"s", "a{qs}", "{qs}", "qs", append_text},
        [LWM2M_TYPE_INTEGER] = {"x", "a{qx}", "{qx}", "qx", append_integer},
        [LWM2M_TYPE_UNSIGNED] = {"t", "a{qt}", "{qt}", "qt", append_unsigned},
        [LWM2M_TYPE_FLOAT] = {"d", "a{qd}", "{qd}", "qd", append_float},
        [LWM2M_TYPE_BOOLEAN] = {"b", "a{qb}", "{qb}", "qb", append_boolean},
        [LWM2M_TYPE_OPAQUE] = {"ay", "a{qay}", "{qay}", "qay", append_bytes},
        [LWM2M_TYPE_TIME] = {"x", "a{qx}", "{qx}", "qx", append_integer},
        [LWM2M_TYPE_OBJLNK] = {"(qq)", "a{q(qq)}", "{q(qq)}", "q(qq)", append_objlnk},
        [LWM2M_TYPE_CORELNK] = {"s", "a{qs}", "{qs}", "qs", append_text},
};

static const lwm2m_type_on_bus *type_on_bus(lwm2m_type t)
{
        return t > LWM2M_TYPE_NONE && t < _LWM2M_TYPE_MAX ? &lwm2m_types[t] : NULL;
}

const char *convert_signature(const lwm2m_resource_def *res)
{
        assert(res);
        const lwm2m_type_on_bus *t = type_on_bus(res->type);
        return t ? (res->multiple ? t->multiple : t->single) : NULL;
}

bool bus_resource_is_secret(uint16_t oid, uint16_t rid)
{
        return lwm2m_policy_is_secret(oid, rid);
}

bool convert_is_exported_value(uint16_t oid, const lwm2m_resource_def *res)
{
        assert(res);
        return type_on_bus(res->type) && !(res->operations & LWM2M_OP_EXECUTE) &&
               !bus_resource_is_secret(oid, res->id);
}

int bus_execute_arguments(const uint8_t *args, size_t len, char **out)
{
        assert((args || len == 0) && out);
        /* D-Bus strings are UTF-8 without NUL; a server's payload need not be. */
        if (len > 0 && (!lwm2m_utf8_valid(args, len) || memchr(args, 0, len)))
                return -EINVAL;
        *out = lwm2m_bytes_to_string(args, len);
        return *out ? 0 : -ENOMEM;
}

/* ---- values to D-Bus ---- */

int convert_append_value(sd_bus_message *m, const lwm2m_resource_def *res, const lwm2m_value *v)
{
        assert(m && res);
        const lwm2m_type_on_bus *t = type_on_bus(res->type);
        if (!t)
                return -EINVAL;
        if (!v || v->type == LWM2M_TYPE_NONE) {
                lwm2m_value zero = {.type = res->type};
                return t->append(m, &zero);
        }
        if (v->type == res->type)
                return t->append(m, v);
        /* Records from a server are converted where that loses nothing. */
        lwm2m_value c = {0};
        int r = lwm2m_value_copy(&c, v);
        if (r >= 0)
                r = lwm2m_value_convert(&c, res->type);
        if (r >= 0)
                r = t->append(m, &c);
        lwm2m_value_clear(&c);
        return r < 0 ? -EINVAL : r;
}

int convert_append_instances(sd_bus_message *m, const lwm2m_resource_def *res,
                             const lwm2m_record *recs, size_t n, bool exact)
{
        assert(m && res && (recs || n == 0));
        const lwm2m_type_on_bus *t = type_on_bus(res->type);
        if (!t)
                return -EINVAL;
        int r = sd_bus_message_open_container(m, 'a', t->array);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const lwm2m_record *rec = &recs[i];
                if (rec->path.id[2] != res->id || rec->path.len != LWM2M_PATH_RESOURCE_INSTANCE ||
                    rec->value.type == LWM2M_TYPE_NONE || (exact && rec->value.type != res->type))
                        continue;
                r = sd_bus_message_open_container(m, 'e', t->entry);
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 'q', &rec->path.id[3]);
                if (r >= 0)
                        r = convert_append_value(m, res, &rec->value);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* The value a single resource has among `recs`: of a path given twice the
 * last record counts, as in the tree. */
static const lwm2m_value *last_value(const lwm2m_record *recs, size_t n, uint16_t rid)
{
        const lwm2m_value *v = NULL;
        for (size_t j = 0; j < n; j++)
                if (recs[j].path.id[2] == rid && recs[j].path.len == LWM2M_PATH_RESOURCE)
                        v = &recs[j].value;
        return v;
}

int convert_append_records(sd_bus_message *m, const lwm2m_object_def *obj, const lwm2m_record *recs,
                           size_t n)
{
        assert(m && obj && (recs || n == 0));
        int r = sd_bus_message_open_container(m, 'a', "{qv}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                uint16_t rid = recs[i].path.id[2];
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = recs[j].path.id[2] == rid;
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
                if (seen || !res || !type_on_bus(res->type) ||
                    recs[i].path.len < LWM2M_PATH_RESOURCE)
                        continue;
                r = sd_bus_message_open_container(m, 'e', "qv");
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 'q', &rid);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', convert_signature(res));
                if (r >= 0)
                        r = res->multiple ? convert_append_instances(m, res, recs + i, n - i, false)
                                          : convert_append_value(m, res,
                                                                 last_value(recs + i, n - i, rid));
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

/* A String or Opaque value over max-value-size: what a local caller pushes is
 * kept in memory until it is replaced. */
static int too_big(const char *who, size_t len, size_t max_bytes, char *why, size_t why_size)
{
        lwm2m_diag(why, why_size, "%s: %zu bytes, more than max-value-size (%zu)", who, len,
                   max_bytes);
        return -EINVAL;
}

/* Whatever D-Bus basic type a number comes in. */
typedef union dbus_basic {
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
} dbus_basic;

/* A D-Bus number and the LwM2M value it reads as before conversion. */
typedef struct dbus_number {
        char code;
        lwm2m_type type; /* INTEGER, UNSIGNED, FLOAT or BOOLEAN */
        unsigned width;  /* bytes, for the integers */
} dbus_number;

static const dbus_number dbus_numbers[] = {
        {'y', LWM2M_TYPE_UNSIGNED, 1}, {'n', LWM2M_TYPE_INTEGER, 2},  {'q', LWM2M_TYPE_UNSIGNED, 2},
        {'i', LWM2M_TYPE_INTEGER, 4},  {'u', LWM2M_TYPE_UNSIGNED, 4}, {'x', LWM2M_TYPE_INTEGER, 8},
        {'t', LWM2M_TYPE_UNSIGNED, 8}, {'d', LWM2M_TYPE_FLOAT, 8},    {'b', LWM2M_TYPE_BOOLEAN, 4},
};

static const dbus_number *dbus_number_of(char code)
{
        for (size_t i = 0; i < sizeof(dbus_numbers) / sizeof(dbus_numbers[0]); i++)
                if (dbus_numbers[i].code == code)
                        return &dbus_numbers[i];
        return NULL;
}

static lwm2m_value number_value(const dbus_number *num, const dbus_basic *x)
{
        switch (num->type) {
        case LWM2M_TYPE_FLOAT:
                return lwm2m_value_float(x->d);
        case LWM2M_TYPE_BOOLEAN:
                return lwm2m_value_boolean(x->b);
        case LWM2M_TYPE_INTEGER:
                return lwm2m_value_integer(num->width == 2 ? x->n : num->width == 4 ? x->i : x->x);
        default:
                return lwm2m_value_unsigned(num->width == 1   ? x->y
                                            : num->width == 2 ? x->q
                                            : num->width == 4 ? x->u
                                                              : x->t);
        }
}

/* Reads a string or a byte array at the read position into `v`; 1 when the
 * position holds neither. */
static int read_bytes(sd_bus_message *m, char type, const char *contents, const char *who,
                      size_t max_bytes, lwm2m_value *v, char *why, size_t why_size)
{
        if (type == 's') {
                const char *s = NULL;
                int r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                if (strlen(s) > max_bytes)
                        return too_big(who, strlen(s), max_bytes, why, why_size);
                r = lwm2m_value_set_string(v, s, strlen(s));
                if (r == -E2BIG) {
                        lwm2m_diag(why, why_size, "%s: the text is too long", who);
                        return -EINVAL;
                }
                return r < 0 ? r : 0;
        }
        if (type != 'a' || !contents || strcmp(contents, "y") != 0)
                return 1;
        const void *p = NULL;
        size_t len = 0;
        int r = sd_bus_message_read_array(m, 'y', &p, &len);
        if (r < 0)
                return r;
        if (len > max_bytes)
                return too_big(who, len, max_bytes, why, why_size);
        r = lwm2m_value_set_bytes(v, LWM2M_TYPE_OPAQUE, p, len);
        if (r == -E2BIG) {
                lwm2m_diag(why, why_size, "%s: the data is too long", who);
                return -EINVAL;
        }
        return r < 0 ? r : 0;
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
                lwm2m_diag(why, why_size, "%s: no value given", who);
                return -EINVAL;
        }
        describe_next_type(type, contents, got, sizeof(got));

        lwm2m_value v = {.type = LWM2M_TYPE_NONE};
        bool mismatch = false;
        const dbus_number *num = dbus_number_of(type);
        if (type == 'v' && depth == 0) {
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = read_scalar(m, obj, res, max_bytes, out, depth + 1, why, why_size);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        } else if (num) {
                dbus_basic x;
                r = sd_bus_message_read_basic(m, type, &x);
                v = number_value(num, &x);
        } else if (type == 'r' && contents && strcmp(contents, "qq") == 0) {
                uint16_t o, i;
                r = sd_bus_message_read(m, "(qq)", &o, &i);
                v = lwm2m_value_objlnk(o, i);
        } else {
                r = read_bytes(m, type, contents, who, max_bytes, &v, why, why_size);
                mismatch = r == 1;
        }
        if (r < 0)
                return r;

        const lwm2m_type_on_bus *want = type_on_bus(res->type);
        if (mismatch || (v.type == LWM2M_TYPE_BOOLEAN) != (res->type == LWM2M_TYPE_BOOLEAN) ||
            lwm2m_value_convert(&v, res->type) == -EINVAL) {
                lwm2m_value_clear(&v);
                lwm2m_diag(why, why_size, "%s: expected %s (D-Bus '%s'), got D-Bus '%s'", who,
                           lwm2m_type_to_string(res->type), want ? want->single : "?", got);
                return -EINVAL;
        }
        if (v.type != res->type) {
                lwm2m_value_clear(&v);
                lwm2m_diag(why, why_size, "%s: the D-Bus '%s' value does not fit %s", who, got,
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

/* After the last entry of a dictionary (`r` from entering the next one):
 * leaves it, or passes the error on. */
static int leave_dictionary(sd_bus_message *m, int r)
{
        return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* Reads one value at the read position and records it under `path`. */
static int read_record(sd_bus_message *m, const lwm2m_object_def *obj,
                       const lwm2m_resource_def *res, size_t max_bytes, const lwm2m_path *path,
                       lwm2m_record_list *out, char *why, size_t why_size)
{
        lwm2m_value v;
        int r = read_scalar(m, obj, res, max_bytes, &v, 0, why, why_size);
        if (r < 0)
                return r;
        lwm2m_record *rec = lwm2m_record_list_add(out, path);
        if (!rec) {
                lwm2m_value_clear(&v);
                return -errno;
        }
        rec->value = v;
        return 0;
}

int convert_read_resource(sd_bus_message *m, const lwm2m_object_def *obj,
                          const lwm2m_resource_def *res, size_t max_bytes, const lwm2m_path *rp,
                          lwm2m_record_list *out, char *why, size_t why_size)
{
        assert(m && obj && res && rp && out);
        if (!res->multiple)
                return read_record(m, obj, res, max_bytes, rp, out, why, why_size);

        char who[256], got[64];
        bus_describe_resource(obj, res, who, sizeof(who));
        char type = 0;
        const char *contents = NULL;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        size_t clen = contents ? strlen(contents) : 0;
        if (r == 0 || type != 'a' || clen < 4 || contents[0] != '{' || contents[1] != 'q' ||
            clen >= 64) {
                describe_next_type(type, contents, got, sizeof(got));
                lwm2m_diag(why, why_size,
                           "%s is a multiple resource: expected D-Bus '%s' (instance ID -> "
                           "value), got '%s'",
                           who, convert_signature(res), got);
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
                        lwm2m_diag(why, why_size, "%s: instance ID %u is reserved", who, riid);
                        return -EINVAL;
                }
                lwm2m_path ip = lwm2m_path_resource_instance(rp->id[0], rp->id[1], rp->id[2], riid);
                r = read_record(m, obj, res, max_bytes, &ip, out, why, why_size);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return leave_dictionary(m, r);
}

int convert_check_settable(const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                           bool as_owner, sd_bus_error *error)
{
        assert(obj && res && error);
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (bus_resource_is_secret(obj->id, res->id))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "%s holds a credential: not available over D-Bus", who);
        if (!type_on_bus(res->type) || (res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is executable and holds no value", who);
        if (!as_owner && !(res->operations & LWM2M_OP_WRITE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is not writable; only the instance's owner sets it",
                                         who);
        return 0;
}

int convert_read_values(lwm2m_bus *b, sd_bus_message *m, const lwm2m_object_def *obj, uint16_t iid,
                        bool as_owner, lwm2m_record_list *out, sd_bus_error *error)
{
        assert(b && m && obj && out && error);
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
                r = convert_check_settable(obj, res, as_owner, error);
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
                r = convert_read_resource(m, obj, res, b->max_value_size, &rp, out, why,
                                          sizeof(why));
                if (r < 0)
                        return bus_error_from_errno(error, r, why[0] ? why : NULL);
                r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return leave_dictionary(m, r);
}
