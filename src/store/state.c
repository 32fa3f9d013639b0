/* state.c - the daemon's persistent state: the instances of Security, Server and Access
 * Control and the written notification attributes, as one CBOR document (docs/persistence.md). */
#include "store/state.h"

#include <assert.h>
#include <cbor.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/access.h"
#include "model/oma.h"
#include "model/policy.h"
#include "util/cbor_token.h"
#include "util/diag.h"
#include "util/macro.h"

/*
 * Format version 1, a CBOR map with three text keys in this order:
 *   "version":    1
 *   "instances":  [[oid, iid, [resource...]]...], ascending by (oid, iid)
 *       resource: [rid, "Type", value]                single resource
 *                 [rid, "Type", {riid: value, ...}]   multiple resource (ascending riid;
 *                                                      {} when it has no instances)
 *       "Type" is the DDF spelling (lwm2m_type_to_string); values: String and Corelnk
 *       text, Integer and Time integers, Unsigned Integer an unsigned integer, Float a
 *       float, Boolean a bool, Opaque bytes, Objlnk [oid, iid].
 *   "attributes": [[ssid, [ids...], {"pmin": 10, "gt": 2.5, "edge": true, ...}]...],
 *       ascending by (ssid, path) as model/attributes.c keeps them.
 * Everything is definite-length; the decoder takes nothing else, no duplicate and
 * nothing out of order, so a file has one reading.
 */

/* ---- encoding ---- */

static void cbor_decrefp(cbor_item_t **item)
{
        if (*item)
                cbor_decref(item);
}
#define _cleanup_cbor_ _cleanup_(cbor_decrefp)

/* Moves `item` into `array` (or frees it): -ENOMEM when either failed. */
static int push(cbor_item_t *array, cbor_item_t *item)
{
        if (!item)
                return -ENOMEM;
        bool ok = cbor_array_push(array, item);
        cbor_decref(&item);
        return ok ? 0 : -ENOMEM;
}

static int put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
        bool ok = key && value && cbor_map_add(map, (struct cbor_pair){key, value});
        if (key)
                cbor_decref(&key);
        if (value)
                cbor_decref(&value);
        return ok ? 0 : -ENOMEM;
}

static cbor_item_t *build_int(int64_t i)
{
        return i >= 0 ? cbor_build_uint64((uint64_t)i) : cbor_build_negint64((uint64_t)(-1 - i));
}

static cbor_item_t *build_value(const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return cbor_build_stringn((const char *)v->buf.data, v->buf.len);
        case LWM2M_TYPE_OPAQUE:
                return cbor_build_bytestring(v->buf.data, v->buf.len);
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return build_int(v->i);
        case LWM2M_TYPE_UNSIGNED:
                return cbor_build_uint64(v->u);
        case LWM2M_TYPE_FLOAT:
                return cbor_build_float8(v->f);
        case LWM2M_TYPE_BOOLEAN:
                return cbor_build_bool(v->b);
        case LWM2M_TYPE_OBJLNK: {
                cbor_item_t *a = cbor_new_definite_array(2);
                if (a && (push(a, cbor_build_uint16(v->lnk.oid)) < 0 ||
                          push(a, cbor_build_uint16(v->lnk.iid)) < 0))
                        cbor_decref(&a);
                return a;
        }
        default:
                return NULL;
        }
}

/* [rid, "Type", value or {riid: value}] for the records of one resource. */
static cbor_item_t *build_resource(const lwm2m_resource_def *def, const lwm2m_record *recs,
                                   size_t n)
{
        _cleanup_cbor_ cbor_item_t *res = cbor_new_definite_array(3);
        if (!res)
                return NULL;
        lwm2m_type type = recs[0].value.type != LWM2M_TYPE_NONE ? recs[0].value.type
                          : def                                 ? def->type
                                                                : LWM2M_TYPE_NONE;
        if (push(res, cbor_build_uint16(recs[0].path.id[2])) < 0 ||
            push(res, cbor_build_string(lwm2m_type_to_string(type))) < 0)
                return NULL;
        bool multiple = recs[0].path.len == LWM2M_PATH_RESOURCE_INSTANCE ||
                        recs[0].value.type == LWM2M_TYPE_NONE;
        if (!multiple) {
                if (push(res, build_value(&recs[0].value)) < 0)
                        return NULL;
        } else {
                size_t count = recs[0].value.type == LWM2M_TYPE_NONE ? 0 : n;
                cbor_item_t *map = cbor_new_definite_map(count);
                if (!map)
                        return NULL;
                for (size_t i = 0; i < count; i++)
                        if (put(map, cbor_build_uint16(recs[i].path.id[3]),
                                build_value(&recs[i].value)) < 0) {
                                cbor_decref(&map);
                                return NULL;
                        }
                if (push(res, map) < 0)
                        return NULL;
        }
        cbor_item_t *out = res;
        res = NULL;
        return out;
}

static int encode_instance(const lwm2m_tree *t, uint16_t oid, uint16_t iid, cbor_item_t *list)
{
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list recs = {0};
        lwm2m_path ip = lwm2m_path_instance(oid, iid);
        int r = lwm2m_tree_read(t, &ip, &recs);
        if (r < 0)
                return r;
        const lwm2m_object_def *obj = lwm2m_registry_find(lwm2m_tree_registry(t), oid);
        _cleanup_cbor_ cbor_item_t *resources = cbor_new_definite_array(recs.n);
        _cleanup_cbor_ cbor_item_t *inst = cbor_new_definite_array(3);
        if (!resources || !inst)
                return -ENOMEM;
        for (size_t i = 0; i < recs.n;) {
                const lwm2m_record *first = &recs.items[i];
                if (first->path.len < LWM2M_PATH_RESOURCE) {
                        i++; /* an instance with no values */
                        continue;
                }
                size_t n = 1;
                while (i + n < recs.n &&
                       recs.items[i + n].path.len == LWM2M_PATH_RESOURCE_INSTANCE &&
                       recs.items[i + n].path.id[2] == first->path.id[2])
                        n++;
                const lwm2m_resource_def *def =
                        obj ? lwm2m_object_def_find_resource(obj, first->path.id[2]) : NULL;
                r = push(resources, build_resource(def, first, n));
                if (r < 0)
                        return r;
                i += n;
        }
        if (push(inst, cbor_build_uint16(oid)) < 0 || push(inst, cbor_build_uint16(iid)) < 0 ||
            !cbor_array_push(inst, resources))
                return -ENOMEM;
        return cbor_array_push(list, inst) ? 0 : -ENOMEM;
}

static int encode_attr_set(const lwm2m_attr_set *s, cbor_item_t **out)
{
        size_t count = 0;
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1)
                count += (s->present & bit) != 0;
        cbor_item_t *map = cbor_new_definite_map(count);
        if (!map)
                return -ENOMEM;
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1) {
                if (!(s->present & bit))
                        continue;
                double v = lwm2m_attr_value(s, bit);
                cbor_item_t *value;
                switch (lwm2m_attr_kind_of(bit)) {
                case LWM2M_ATTR_KIND_UNSIGNED:
                        value = cbor_build_uint32((uint32_t)v);
                        break;
                case LWM2M_ATTR_KIND_BOOLEAN:
                        value = cbor_build_bool(v != 0);
                        break;
                default:
                        value = cbor_build_float8(v);
                        break;
                }
                if (put(map, cbor_build_string(lwm2m_attr_name(bit)), value) < 0) {
                        cbor_decref(&map);
                        return -ENOMEM;
                }
        }
        *out = map;
        return 0;
}

static int encode_attribute(void *userdata, uint16_t ssid, const lwm2m_path *path,
                            const lwm2m_attr_set *set)
{
        cbor_item_t *list = userdata;
        _cleanup_cbor_ cbor_item_t *entry = cbor_new_definite_array(3);
        _cleanup_cbor_ cbor_item_t *ids = cbor_new_definite_array(path->len);
        if (!entry || !ids)
                return -ENOMEM;
        for (uint8_t i = 0; i < path->len; i++)
                if (push(ids, cbor_build_uint16(path->id[i])) < 0)
                        return -ENOMEM;
        cbor_item_t *map = NULL;
        if (push(entry, cbor_build_uint16(ssid)) < 0 || !cbor_array_push(entry, ids) ||
            encode_attr_set(set, &map) < 0 || push(entry, map) < 0)
                return -ENOMEM;
        return cbor_array_push(list, entry) ? 0 : -ENOMEM;
}

/* The objects kept, less the Access Control instances made from a template: they
 * are made again with their instance, which is not kept (docs/access-control.md). */
static bool kept(const lwm2m_tree *t, uint16_t oid, uint16_t iid)
{
        if (!lwm2m_policy_is_provisioned(oid))
                return false;
        return oid != LWM2M_OBJ_ACCESS_CONTROL || !lwm2m_access_from_template(t, iid);
}

int store_state_encode(const lwm2m_tree *t, const lwm2m_attributes *attrs, lwm2m_buf *out)
{
        assert(t && out);
        size_t n_instances = 0;
        for (int oid = lwm2m_tree_next_object(t, -1); oid >= 0;
             oid = lwm2m_tree_next_object(t, oid))
                for (int iid = lwm2m_tree_next_instance(t, (uint16_t)oid, -1); iid >= 0;
                     iid = lwm2m_tree_next_instance(t, (uint16_t)oid, iid))
                        n_instances += kept(t, (uint16_t)oid, (uint16_t)iid);
        _cleanup_cbor_ cbor_item_t *root = cbor_new_definite_map(3);
        _cleanup_cbor_ cbor_item_t *instances = cbor_new_definite_array(n_instances);
        _cleanup_cbor_ cbor_item_t *attributes =
                cbor_new_definite_array(attrs ? lwm2m_attributes_count(attrs) : 0);
        if (!root || !instances || !attributes)
                return -ENOMEM;
        for (int oid = lwm2m_tree_next_object(t, -1); oid >= 0;
             oid = lwm2m_tree_next_object(t, oid)) {
                for (int iid = lwm2m_tree_next_instance(t, (uint16_t)oid, -1); iid >= 0;
                     iid = lwm2m_tree_next_instance(t, (uint16_t)oid, iid)) {
                        if (!kept(t, (uint16_t)oid, (uint16_t)iid))
                                continue;
                        int r = encode_instance(t, (uint16_t)oid, (uint16_t)iid, instances);
                        if (r < 0)
                                return r;
                }
        }
        if (attrs) {
                int r = lwm2m_attributes_foreach(attrs, encode_attribute, attributes);
                if (r < 0)
                        return r;
        }
        if (put(root, cbor_build_string("version"), cbor_build_uint8(STORE_STATE_VERSION)) < 0 ||
            put(root, cbor_build_string("instances"), cbor_incref(instances)) < 0 ||
            put(root, cbor_build_string("attributes"), cbor_incref(attributes)) < 0)
                return -ENOMEM;
        unsigned char *bytes = NULL;
        size_t size = 0;
        size_t len = cbor_serialize_alloc(root, &bytes, &size);
        if (len == 0) {
                free(bytes);
                return -ENOMEM;
        }
        int r = lwm2m_buf_append(out, bytes, len);
        free(bytes);
        return r;
}

/* ---- decoding ---- */

typedef struct decoder {
        const uint8_t *start;
        const uint8_t *p;
        size_t left;
        char *why;
        size_t why_size;
        char where[96]; /* the item being read, for messages */
} decoder;

/* Says what is wrong where, and returns -EBADMSG. */
_printf_(2, 3) static int fail(decoder *d, const char *fmt, ...)
{
        char what[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        lwm2m_diag(d->why, d->why_size, "byte %zu%s%s: %s", (size_t)(d->p - d->start),
                   d->where[0] ? ", " : "", d->where, what);
        return -EBADMSG;
}

static int next(decoder *d, cbor_token *t)
{
        if (d->left == 0)
                return fail(d, "the file ends early (truncated?)");
        if (cbor_token_next(&d->p, &d->left, t) < 0)
                return fail(d, "malformed or truncated CBOR");
        return 0;
}

/* The next item, which must be of `kind` (a definite array or map head: its size in t->u). */
static int expect(decoder *d, cbor_token_kind kind, const char *what, cbor_token *t)
{
        int r = next(d, t);
        if (r < 0)
                return r;
        return t->kind == kind ? 0 : fail(d, "%s expected", what);
}

static int expect_collection(decoder *d, cbor_token_kind kind, const char *what, uint64_t *count)
{
        cbor_token t;
        int r = expect(d, kind, what, &t);
        if (r >= 0)
                *count = t.u;
        return r;
}

static int expect_uint(decoder *d, uint64_t max, const char *what, uint64_t *out)
{
        cbor_token t;
        int r = expect(d, CBOR_TOK_UINT, what, &t);
        if (r < 0)
                return r;
        if (t.u > max)
                return fail(d, "%s: %" PRIu64 " is over %" PRIu64, what, t.u, max);
        *out = t.u;
        return 0;
}

static int expect_id(decoder *d, const char *what, uint16_t *out)
{
        uint64_t u = 0;
        int r = expect_uint(d, LWM2M_ID_INVALID - 1, what, &u);
        if (r >= 0)
                *out = (uint16_t)u;
        return r;
}

static int expect_key(decoder *d, const char *key)
{
        cbor_token t;
        int r = next(d, &t);
        if (r < 0)
                return r;
        if (t.kind != CBOR_TOK_TEXT || t.len != strlen(key) || memcmp(t.data, key, t.len) != 0)
                return fail(d, "the key \"%s\" expected", key);
        return 0;
}

static int read_value(decoder *d, lwm2m_type type, lwm2m_value *out)
{
        cbor_token t;
        int r = next(d, &t);
        if (r < 0)
                return r;
        const char *name = lwm2m_type_to_string(type);
        switch (type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
        case LWM2M_TYPE_OPAQUE: {
                cbor_token_kind want = type == LWM2M_TYPE_OPAQUE ? CBOR_TOK_BYTES : CBOR_TOK_TEXT;
                if (t.kind != want)
                        return fail(d, "a %s value expected (a definite %s string)", name,
                                    want == CBOR_TOK_BYTES ? "byte" : "text");
                r = lwm2m_value_set_bytes(out, type, t.data, t.len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(d, "%s value: %s", name,
                                    r == -EILSEQ ? "not UTF-8" : "too long");
                return 0;
        }
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                if ((t.kind != CBOR_TOK_UINT && t.kind != CBOR_TOK_NEGINT) || t.u > INT64_MAX)
                        return fail(d, "a %s value expected (a 64-bit signed integer)", name);
                out->type = type;
                out->i = t.kind == CBOR_TOK_UINT ? (int64_t)t.u : -1 - (int64_t)t.u;
                return 0;
        case LWM2M_TYPE_UNSIGNED:
                if (t.kind != CBOR_TOK_UINT)
                        return fail(d, "an Unsigned Integer value expected");
                *out = lwm2m_value_unsigned(t.u);
                return 0;
        case LWM2M_TYPE_FLOAT:
                if (t.kind != CBOR_TOK_FLOAT || !isfinite(t.f))
                        return fail(d, "a Float value expected (a finite CBOR float)");
                *out = lwm2m_value_float(t.f);
                return 0;
        case LWM2M_TYPE_BOOLEAN:
                if (t.kind != CBOR_TOK_BOOL)
                        return fail(d, "a Boolean value expected");
                *out = lwm2m_value_boolean(t.b);
                return 0;
        case LWM2M_TYPE_OBJLNK: {
                uint64_t oid, iid;
                if (t.kind != CBOR_TOK_ARRAY || t.u != 2)
                        return fail(d, "an Objlnk value expected ([oid, iid])");
                r = expect_uint(d, UINT16_MAX, "the Objlnk's object ID", &oid);
                r = r ?: expect_uint(d, UINT16_MAX, "the Objlnk's instance ID", &iid);
                if (r < 0)
                        return r;
                *out = lwm2m_value_objlnk((uint16_t)oid, (uint16_t)iid);
                return 0;
        }
        default:
                return fail(d, "no value can have type %d", (int)type);
        }
}

static int read_type(decoder *d, lwm2m_type *out)
{
        cbor_token t;
        int r = next(d, &t);
        if (r < 0)
                return r;
        char name[32];
        if (t.kind != CBOR_TOK_TEXT || t.len == 0 || t.len >= sizeof(name))
                return fail(d, "a type name expected");
        memcpy(name, t.data, t.len);
        name[t.len] = 0;
        if (lwm2m_type_from_string(name, out) < 0 || *out == LWM2M_TYPE_NONE ||
            strcmp(lwm2m_type_to_string(*out), name) != 0) {
                /* Quoted only when it is printable: the message goes to logs. */
                bool printable = true;
                for (size_t i = 0; i < t.len; i++)
                        printable &= name[i] >= 0x20 && name[i] < 0x7f;
                return fail(d, "\"%s\" is not a type a value can have",
                            printable ? name : "(unprintable)");
        }
        return 0;
}

/* One [rid, "Type", value or {riid: value}] into the instance's records. */
static int read_resource(decoder *d, store_instance *inst, int *last_rid)
{
        uint64_t n = 0;
        uint16_t rid = 0;
        lwm2m_type type;
        int r = expect_collection(d, CBOR_TOK_ARRAY, "a resource ([rid, type, value])", &n);
        if (r < 0)
                return r;
        if (n != 3)
                return fail(d, "a resource is [rid, type, value]");
        r = expect_id(d, "a resource ID", &rid);
        if (r < 0)
                return r;
        if (rid <= *last_rid)
                return fail(d, "resource %u is out of order or twice", rid);
        *last_rid = rid;
        snprintf(d->where, sizeof(d->where), "/%u/%u/%u", inst->oid, inst->iid, rid);
        r = read_type(d, &type);
        if (r < 0)
                return r;
        lwm2m_path rp = lwm2m_path_resource(inst->oid, inst->iid, rid);
        if (d->left > 0 && (d->p[0] >> 5) == 5 /* major type 5: a map */) {
                uint64_t count;
                r = expect_collection(d, CBOR_TOK_MAP, "a map of resource instances", &count);
                if (r < 0)
                        return r;
                if (count == 0)
                        return lwm2m_record_list_add(&inst->values, &rp) ? 0 : -errno;
                int last_riid = -1;
                for (uint64_t i = 0; i < count; i++) {
                        uint16_t riid;
                        r = expect_id(d, "a resource instance ID", &riid);
                        if (r < 0)
                                return r;
                        if (riid <= last_riid)
                                return fail(d, "resource instance %u is out of order or twice",
                                            riid);
                        last_riid = riid;
                        snprintf(d->where, sizeof(d->where), "/%u/%u/%u/%u", inst->oid, inst->iid,
                                 rid, riid);
                        lwm2m_path rip =
                                lwm2m_path_resource_instance(inst->oid, inst->iid, rid, riid);
                        lwm2m_record *rec = lwm2m_record_list_add(&inst->values, &rip);
                        if (!rec)
                                return errno == ENOMEM ? -ENOMEM
                                                       : fail(d, "too many values in one instance");
                        r = read_value(d, type, &rec->value);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        lwm2m_record *rec = lwm2m_record_list_add(&inst->values, &rp);
        if (!rec)
                return errno == ENOMEM ? -ENOMEM : fail(d, "too many values in one instance");
        return read_value(d, type, &rec->value);
}

static int read_instance(decoder *d, store_state *s)
{
        uint64_t n = 0, count = 0;
        int r = expect_collection(d, CBOR_TOK_ARRAY, "an instance ([oid, iid, resources])", &n);
        if (r < 0)
                return r;
        if (n != 3)
                return fail(d, "an instance is [oid, iid, resources]");
        uint16_t oid = 0, iid = 0;
        r = expect_id(d, "an object ID", &oid);
        r = r ?: expect_id(d, "an instance ID", &iid);
        if (r < 0)
                return r;
        if (!lwm2m_policy_is_provisioned(oid))
                return fail(d, "object %u is not one a state file keeps", oid);
        if (s->n_instances > 0) {
                const store_instance *prev = &s->instances[s->n_instances - 1];
                if (oid < prev->oid || (oid == prev->oid && iid <= prev->iid))
                        return fail(d, "instance /%u/%u is out of order or twice", oid, iid);
        }
        store_instance *grown =
                reallocarray(s->instances, s->n_instances + 1, sizeof(*s->instances));
        if (!grown)
                return -ENOMEM;
        s->instances = grown;
        store_instance *inst = &s->instances[s->n_instances++];
        *inst = (store_instance){.oid = oid, .iid = iid};
        snprintf(d->where, sizeof(d->where), "/%u/%u", oid, iid);
        r = expect_collection(d, CBOR_TOK_ARRAY, "the instance's resources (an array)", &count);
        if (r < 0)
                return r;
        int last_rid = -1;
        for (uint64_t i = 0; i < count; i++) {
                r = read_resource(d, inst, &last_rid);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_attr_set(decoder *d, lwm2m_attr_set *set)
{
        uint64_t count = 0;
        int r = expect_collection(d, CBOR_TOK_MAP, "an attribute map", &count);
        if (r < 0)
                return r;
        if (count == 0)
                return fail(d, "an empty attribute set");
        *set = (lwm2m_attr_set){0};
        for (uint64_t i = 0; i < count; i++) {
                cbor_token name, value;
                r = next(d, &name);
                if (r < 0)
                        return r;
                unsigned bit = name.kind == CBOR_TOK_TEXT
                                       ? lwm2m_attr_from_name((const char *)name.data, name.len)
                                       : 0;
                if (!bit)
                        return fail(d, "an attribute name expected");
                r = next(d, &value);
                if (r < 0)
                        return r;
                /* As a Write-Attributes query item, so the same checks apply. */
                char item[96];
                int len;
                lwm2m_attr_kind kind = lwm2m_attr_kind_of(bit);
                if (kind == LWM2M_ATTR_KIND_BOOLEAN && value.kind == CBOR_TOK_BOOL)
                        len = snprintf(item, sizeof(item), "%s=%d", lwm2m_attr_name(bit), value.b);
                else if (kind == LWM2M_ATTR_KIND_UNSIGNED && value.kind == CBOR_TOK_UINT)
                        len = snprintf(item, sizeof(item), "%s=%" PRIu64, lwm2m_attr_name(bit),
                                       value.u);
                else if (kind == LWM2M_ATTR_KIND_DECIMAL && value.kind == CBOR_TOK_FLOAT &&
                         isfinite(value.f))
                        len = snprintf(item, sizeof(item), "%s=%.17g", lwm2m_attr_name(bit),
                                       value.f);
                else
                        return fail(d, "attribute %s: a value of the wrong type",
                                    lwm2m_attr_name(bit));
                unsigned clear = 0;
                if (lwm2m_attr_parse_item(item, (size_t)len, set, &clear) < 0)
                        return fail(d, "attribute %s: out of range or given twice",
                                    lwm2m_attr_name(bit));
        }
        return 0;
}

static int read_attribute(decoder *d, lwm2m_attributes *attrs, uint16_t *last_ssid,
                          lwm2m_path *last_path)
{
        uint64_t n = 0, depth = 0;
        int r = expect_collection(d, CBOR_TOK_ARRAY, "an attribute entry ([ssid, path, set])", &n);
        if (r < 0)
                return r;
        if (n != 3)
                return fail(d, "an attribute entry is [ssid, path, set]");
        uint16_t ssid = 0;
        r = expect_id(d, "a short server ID", &ssid);
        if (r < 0)
                return r;
        if (ssid == 0)
                return fail(d, "short server ID 0 is reserved");
        r = expect_collection(d, CBOR_TOK_ARRAY, "a path (an array of IDs)", &depth);
        if (r < 0)
                return r;
        if (depth < 1 || depth > 4)
                return fail(d, "a path of 1 to 4 IDs expected");
        lwm2m_path p = {.len = (uint8_t)depth};
        for (uint8_t i = 0; i < p.len; i++) {
                r = expect_id(d, "a path ID", &p.id[i]);
                if (r < 0)
                        return r;
        }
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(&p, ps, sizeof(ps));
        if (ssid < *last_ssid || (ssid == *last_ssid && lwm2m_path_compare(&p, last_path) <= 0))
                return fail(d, "attributes of server %u at %s are out of order or twice", ssid, ps);
        *last_ssid = ssid;
        *last_path = p;
        snprintf(d->where, sizeof(d->where), "attributes of server %u at %s", ssid, ps);
        lwm2m_attr_set set;
        r = read_attr_set(d, &set);
        if (r < 0)
                return r;
        r = lwm2m_attributes_write(attrs, ssid, &p, &set, 0);
        if (r == -ENOMEM)
                return r;
        return r < 0 ? fail(d, "the attributes do not hold together (lt < gt, st, epmin <= epmax)")
                     : 0;
}

static int decode(decoder *d, store_state *s)
{
        uint64_t n = 0, version = 0, count = 0;
        int r = expect_collection(d, CBOR_TOK_MAP, "a map (is this a state file?)", &n);
        r = r ?: expect_key(d, "version");
        r = r ?: expect_uint(d, UINT32_MAX, "the format version", &version);
        if (r < 0)
                return r;
        if (version > STORE_STATE_VERSION) {
                lwm2m_diag(d->why, d->why_size,
                           "format version %" PRIu64
                           " is newer than this lwm2md understands (%d): written by a newer "
                           "lwm2md?",
                           version, STORE_STATE_VERSION);
                return -EPROTONOSUPPORT;
        }
        if (version == 0)
                return fail(d, "format version 0 does not exist");
        s->version = (uint32_t)version;
        if (n != 3)
                return fail(d, "the top-level map has %" PRIu64 " keys; version %d has 3", n,
                            STORE_STATE_VERSION);
        r = expect_key(d, "instances");
        r = r ?: expect_collection(d, CBOR_TOK_ARRAY, "the list of instances", &count);
        for (uint64_t i = 0; r >= 0 && i < count; i++) {
                snprintf(d->where, sizeof(d->where), "instance %" PRIu64, i);
                r = read_instance(d, s);
        }
        if (r < 0)
                return r;
        d->where[0] = 0;
        r = expect_key(d, "attributes");
        r = r ?: expect_collection(d, CBOR_TOK_ARRAY, "the list of attributes", &count);
        uint16_t last_ssid = 0;
        lwm2m_path last_path = {0};
        for (uint64_t i = 0; r >= 0 && i < count; i++) {
                snprintf(d->where, sizeof(d->where), "attribute entry %" PRIu64, i);
                r = read_attribute(d, s->attrs, &last_ssid, &last_path);
        }
        if (r < 0)
                return r;
        d->where[0] = 0;
        if (d->left > 0)
                return fail(d, "%zu bytes after the end of the state", d->left);
        return 0;
}

void store_state_clear(store_state *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_instances; i++)
                lwm2m_record_list_free(&s->instances[i].values);
        free(s->instances);
        lwm2m_attributes_free(s->attrs);
        *s = (store_state){0};
}

int store_state_decode(const uint8_t *data, size_t len, store_state *out, char *why,
                       size_t why_size)
{
        assert(data || len == 0);
        store_state_clear(out);
        out->attrs = lwm2m_attributes_new();
        if (!out->attrs)
                return -ENOMEM;
        decoder d = {.start = data, .p = data, .left = len, .why = why, .why_size = why_size};
        int r;
        if (len > STORE_STATE_MAX_BYTES)
                r = fail(&d, "the file is larger than %zu bytes", STORE_STATE_MAX_BYTES);
        else
                r = decode(&d, out);
        if (r == -ENOMEM)
                lwm2m_diag(why, why_size, "out of memory");
        if (r < 0)
                store_state_clear(out);
        return r;
}

int store_state_apply(const store_state *s, lwm2m_tree *t, const void *origin, size_t *skipped,
                      char *why, size_t why_size)
{
        assert(s && t);
        const lwm2m_registry *reg = lwm2m_tree_registry(t);
        size_t added = 0, skip = 0;
        int r = 0;
        for (; added < s->n_instances; added++) {
                const store_instance *inst = &s->instances[added];
                if (!lwm2m_registry_find(reg, inst->oid)) {
                        skip++;
                        continue;
                }
                char inner[200] = "";
                r = lwm2m_tree_add_instance(t, inst->oid, inst->iid, inst->values.items,
                                            inst->values.n, NULL, origin, inner, sizeof(inner),
                                            NULL);
                if (r < 0) {
                        lwm2m_diag(why, why_size, "instance /%u/%u: %s", inst->oid, inst->iid,
                                   inner[0] ? inner : strerror(-r));
                        break;
                }
        }
        if (r < 0) {
                while (added-- > 0)
                        lwm2m_tree_delete_instance(t, s->instances[added].oid,
                                                   s->instances[added].iid, origin);
                return r;
        }
        if (skipped)
                *skipped = skip;
        return 0;
}
