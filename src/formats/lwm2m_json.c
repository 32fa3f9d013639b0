/* lwm2m_json.c - OMA LwM2M JSON (content-format 11543), the LwM2M 1.0 JSON format, via json-c.
 * bn/e/n with v, sv, bv, ov; kept for 1.0 servers. */
#include "formats/lwm2m_json.h"

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "formats/base64.h"
#include "formats/decimal.h"
#include "formats/json_write.h"
#include "util/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)

/* Doubles hold every integer up to 2^53 exactly; beyond, a JSON float may
 * have been rounded from a different integer, so it is not taken as one. */
#define EXACT_INTEGER_MAX 9007199254740992.0

/* Opaque values travel in "sv" as canonical base64 (RFC 4648 section 4, padded). */
static int base64_decode_value(const char *s, size_t len, lwm2m_value *v)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n = 0;
        int r = base64_decode(s, len, BASE64_CANONICAL, LWM2M_VALUE_MAX_BYTES, &bytes, &n);
        if (r < 0)
                return r;
        return lwm2m_value_set_bytes(v, LWM2M_TYPE_OPAQUE, bytes, n);
}

/* --- encoding --- */

/* An entry besides a string or opaque value: braces, three keys, a name and two numbers. */
#define ENTRY_HEAD_MAX (48 + LWM2M_PATH_STRLEN + 2 * JSON_NUMBER_MAX)

/* {"n":"6/0","v":1,"t":...}: the name ("6/0" for /3/0/6/0 under "/3/0/") left out when
 * empty, at the base itself. Floats always look like floats ("25.0", not "25", which would
 * read back as an integer where no resolver gives the type); times need no such care. */
static int put_entry(lwm2m_buf *out, const lwm2m_path *base, const lwm2m_record *rec,
                     bool first_entry)
{
        char head[ENTRY_HEAD_MAX], *p = head;
        const lwm2m_value *v = &rec->value;

        if (!first_entry)
                *p++ = ',';
        *p++ = '{';
        char name[LWM2M_PATH_STRLEN];
        size_t len = lwm2m_codec_ids_text(&rec->path, base->len, rec->path.len, name);
        if (len)
                p = json_put_name(json_put_key(p, "n", true), name, len);
        bool first = len == 0;

        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
        case LWM2M_TYPE_OPAQUE:
                p = json_put_key(p, "sv", first);
                break;
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                p = json_put_int(json_put_key(p, "v", first), v->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                p = json_put_uint(json_put_key(p, "v", first), v->u);
                break;
        case LWM2M_TYPE_FLOAT:
                /* JSON has no NaN or infinity: another format must carry them. */
                if (!isfinite(v->f))
                        return -EMEDIUMTYPE;
                p = json_put_double(json_put_key(p, "v", first), v->f, DECIMAL_FLOAT_MARK);
                break;
        case LWM2M_TYPE_BOOLEAN:
                p = json_put_key(p, "bv", first);
                p = v->b ? json_put_raw(p, "true", 4) : json_put_raw(p, "false", 5);
                break;
        case LWM2M_TYPE_OBJLNK: {
                char text[16];
                size_t n = lwm2m_codec_decimal(v->lnk.oid, text);
                text[n++] = ':';
                n += lwm2m_codec_decimal(v->lnk.iid, text + n);
                p = json_put_name(json_put_key(p, "ov", first), text, n);
                break;
        }
        default:
                return -EINVAL;
        }
        if (rec->has_time && !isfinite(rec->time))
                return -EINVAL;

        bool string = v->type == LWM2M_TYPE_STRING || v->type == LWM2M_TYPE_CORELNK ||
                      v->type == LWM2M_TYPE_OPAQUE;
        int r = json_write_raw(out, head, (size_t)(p - head));
        if (r >= 0 && string)
                r = v->type == LWM2M_TYPE_OPAQUE
                            ? json_write_base64(out, v->buf.data, v->buf.len, false, true)
                            : json_write_string(out, v->buf.data, v->buf.len);
        if (r < 0)
                return r;
        p = head;
        if (rec->has_time)
                p = json_put_double(json_put_key(p, "t", false), rec->time, 0);
        *p++ = '}';
        return json_write_raw(out, head, (size_t)(p - head));
}

int lwm2m_json_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        assert(base);
        for (size_t i = 0; i < n; i++)
                if (!lwm2m_path_starts_with(&recs[i].path, base))
                        return -EINVAL;

        /* The base name ends in a slash so that bn + n spells each path. */
        char bn[LWM2M_PATH_STRLEN + 1];
        size_t bn_len = 1;
        bn[0] = '/';
        if (base->len > 0) {
                bn_len += lwm2m_codec_ids_text(base, 0, base->len, bn + 1);
                bn[bn_len++] = '/';
        }

        size_t start = out->len;
        char head[16 + LWM2M_PATH_STRLEN + 1], *p = head;
        *p++ = '{';
        p = json_put_name(json_put_key(p, "bn", true), bn, bn_len);
        p = json_put_key(p, "e", false);
        *p++ = '[';
        int r = json_write_raw(out, head, (size_t)(p - head));
        bool first = true;
        for (size_t i = 0; i < n && r >= 0; i++) {
                /* Empty instances and "no value" markers have no JSON form. */
                if (recs[i].value.type == LWM2M_TYPE_NONE)
                        continue;
                if (recs[i].path.len < LWM2M_PATH_RESOURCE) {
                        r = -EINVAL;
                        break;
                }
                r = put_entry(out, base, &recs[i], first);
                first = false;
        }
        if (r >= 0)
                r = json_write_raw(out, "]}", 2);
        /* A failure leaves `out` as it was. */
        if (r < 0)
                out->len = start;
        return r;
}

/* --- decoding --- */

typedef struct json_decoder {
        const lwm2m_path *base;
        const lwm2m_resolver *resolver;
        lwm2m_record_list *out;
        const char *bn; /* NULL: names are relative to the base */
        size_t bn_len;
        double bt;
        bool has_bt;
} json_decoder;

/* json-c silently clamps integer literals beyond 64 bits to INT64_MIN or
 * UINT64_MAX; this pass finds them in the raw text so that a clamped number
 * is refused instead of stored. It only skips strings and compares digit runs
 * (json-c still parses the document; this is no JSON parser). */
static int check_integer_literals(const char *s, size_t len)
{
        size_t i = 0;
        while (i < len) {
                char c = s[i];
                if (c == '"') {
                        for (i++; i < len && s[i] != '"'; i++)
                                if (s[i] == '\\')
                                        i++;
                        i++;
                        continue;
                }
                /* json-c takes 'single-quoted' keys even in strict mode. */
                if (c == '\'')
                        return -EBADMSG;
                if (c != '-' && !decimal_is_digit(c)) {
                        i++;
                        continue;
                }
                bool negative = c == '-';
                size_t start = i + negative;
                i = start;
                while (i < len && decimal_is_digit(s[i]))
                        i++;
                if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
                        /* A float: json-c keeps doubles; skip the rest of it. */
                        while (i < len && (decimal_is_digit(s[i]) || strchr(".eE+-", s[i])))
                                i++;
                        continue;
                }
                const char *limit = negative ? "9223372036854775808" : "18446744073709551615";
                size_t digits = i - start, limit_len = strlen(limit);
                if (digits > limit_len ||
                    (digits == limit_len && memcmp(s + start, limit, limit_len) > 0))
                        return -EBADMSG;
        }
        return 0;
}

static int json_number(json_object *o, double *out)
{
        if (!json_object_is_type(o, json_type_int) && !json_object_is_type(o, json_type_double))
                return -EBADMSG;
        double d = json_object_get_double(o);
        if (!isfinite(d))
                return -EBADMSG;
        *out = d;
        return 0;
}

/* An integer-typed JSON number, split by sign: json-c holds values over
 * INT64_MAX as uint64 and reports them clamped through get_int64. */
static bool json_int_negative(json_object *o, int64_t *i, uint64_t *u)
{
        *i = json_object_get_int64(o);
        *u = json_object_get_uint64(o);
        return *i < 0;
}

static bool double_is_exact_integer(double d)
{
        return isfinite(d) && floor(d) == d && fabs(d) <= EXACT_INTEGER_MAX;
}

/* "v": a number converted exactly to the resource's numeric type. */
static int number_to_value(json_object *o, lwm2m_type type, lwm2m_value *v)
{
        bool is_int = json_object_is_type(o, json_type_int);
        if (!is_int && !json_object_is_type(o, json_type_double))
                return -EBADMSG;
        int64_t i = 0;
        uint64_t u = 0;
        bool negative = false;
        double d = 0;
        if (is_int) {
                negative = json_int_negative(o, &i, &u);
        } else {
                d = json_object_get_double(o);
                if (!isfinite(d))
                        return -EBADMSG;
        }

        switch (type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                if (is_int) {
                        if (!negative && u > INT64_MAX)
                                return -EBADMSG;
                } else {
                        if (!double_is_exact_integer(d))
                                return -EBADMSG;
                        i = (int64_t)d;
                }
                v->type = type;
                v->i = i;
                return 0;
        case LWM2M_TYPE_UNSIGNED:
                if (is_int) {
                        if (negative)
                                return -EBADMSG;
                } else {
                        if (!double_is_exact_integer(d) || d < 0)
                                return -EBADMSG;
                        u = (uint64_t)d;
                }
                *v = lwm2m_value_unsigned(u);
                return 0;
        case LWM2M_TYPE_FLOAT:
                if (is_int) {
                        /* Only integers a double holds exactly; 2^63 and 2^64
                         * are compared before converting back, which would overflow. */
                        if (negative) {
                                d = (double)i;
                                if (d < -9223372036854775808.0 || (int64_t)d != i)
                                        return -EBADMSG;
                        } else {
                                d = (double)u;
                                if (d >= 18446744073709551616.0 || (uint64_t)d != u)
                                        return -EBADMSG;
                        }
                }
                *v = lwm2m_value_float(d);
                return 0;
        default:
                return -EBADMSG;
        }
}

/* "oid:iid", decimal, each 0..65535 (65535:65535 is the null link). */
static int parse_objlnk(const char *s, size_t len, lwm2m_value *v)
{
        const char *colon = memchr(s, ':', len);
        if (!colon)
                return -EBADMSG;
        uint64_t oid, iid;
        if (decimal_parse_u64(s, (size_t)(colon - s), &oid) < 0 ||
            decimal_parse_u64(colon + 1, len - (size_t)(colon - s) - 1, &iid) < 0)
                return -EBADMSG;
        if (oid > UINT16_MAX || iid > UINT16_MAX)
                return -EBADMSG;
        *v = lwm2m_value_objlnk((uint16_t)oid, (uint16_t)iid);
        return 0;
}

/* The type a value field implies when no resolver says otherwise. */
static lwm2m_type implied_type(const char *key, json_object *o)
{
        if (strcmp(key, "sv") == 0)
                return LWM2M_TYPE_STRING;
        if (strcmp(key, "bv") == 0)
                return LWM2M_TYPE_BOOLEAN;
        if (strcmp(key, "ov") == 0)
                return LWM2M_TYPE_OBJLNK;
        if (json_object_is_type(o, json_type_int)) {
                int64_t i;
                uint64_t u;
                if (!json_int_negative(o, &i, &u) && u > INT64_MAX)
                        return LWM2M_TYPE_UNSIGNED;
                return LWM2M_TYPE_INTEGER;
        }
        return LWM2M_TYPE_FLOAT;
}

/* Fills `v` (zeroed) from the entry's one value field, as `type` demands. */
static int value_from_json(const char *key, json_object *o, lwm2m_type type, lwm2m_value *v)
{
        bool want_string = type == LWM2M_TYPE_STRING || type == LWM2M_TYPE_CORELNK ||
                           type == LWM2M_TYPE_OPAQUE;
        bool want_number = type == LWM2M_TYPE_INTEGER || type == LWM2M_TYPE_UNSIGNED ||
                           type == LWM2M_TYPE_FLOAT || type == LWM2M_TYPE_TIME;

        if (strcmp(key, "v") == 0) {
                if (!want_number)
                        return -EBADMSG;
                return number_to_value(o, type, v);
        }
        if (strcmp(key, "bv") == 0) {
                if (type != LWM2M_TYPE_BOOLEAN || !json_object_is_type(o, json_type_boolean))
                        return -EBADMSG;
                *v = lwm2m_value_boolean(json_object_get_boolean(o));
                return 0;
        }
        if (!json_object_is_type(o, json_type_string))
                return -EBADMSG;
        const char *s = json_object_get_string(o);
        size_t len = (size_t)json_object_get_string_len(o);
        if (strcmp(key, "ov") == 0) {
                if (type != LWM2M_TYPE_OBJLNK)
                        return -EBADMSG;
                return parse_objlnk(s, len, v);
        }
        /* "sv" */
        if (!want_string)
                return -EBADMSG;
        if (type == LWM2M_TYPE_OPAQUE)
                return base64_decode_value(s, len, v);
        int r = lwm2m_value_set_bytes(v, type, s, len);
        return r == -EILSEQ ? -EBADMSG : r;
}

/* bn + n, with a slash between when bn lacks one, read as a path. */
static int entry_path(const json_decoder *d, json_object *name, lwm2m_path *path)
{
        char text[2 * LWM2M_PATH_STRLEN + 2];
        size_t w = 0;

        if (d->bn) {
                if (d->bn_len > LWM2M_PATH_STRLEN)
                        return -EBADMSG;
                memcpy(text, d->bn, d->bn_len);
                w = d->bn_len;
        } else {
                int r = lwm2m_path_format(d->base, text, sizeof(text));
                if (r < 0)
                        return r;
                w = (size_t)r;
        }
        if (name) {
                if (!json_object_is_type(name, json_type_string))
                        return -EBADMSG;
                size_t n_len = (size_t)json_object_get_string_len(name);
                if (n_len > LWM2M_PATH_STRLEN)
                        return -EBADMSG;
                if (n_len > 0 && w > 0 && text[w - 1] != '/')
                        text[w++] = '/';
                memcpy(text + w, json_object_get_string(name), n_len);
                w += n_len;
        }
        if (lwm2m_path_parse_n(text, w, path) < 0)
                return -EBADMSG;
        return 0;
}

static int decode_entry(json_decoder *d, json_object *entry)
{
        if (!json_object_is_type(entry, json_type_object))
                return -EBADMSG;

        json_object *name = NULL, *time = NULL, *value = NULL;
        const char *value_key = NULL;
        json_object_object_foreach(entry, key, member)
        {
                if (strcmp(key, "n") == 0) {
                        name = member;
                } else if (strcmp(key, "t") == 0) {
                        time = member;
                } else if (strcmp(key, "v") == 0 || strcmp(key, "sv") == 0 ||
                           strcmp(key, "bv") == 0 || strcmp(key, "ov") == 0) {
                        if (value)
                                return -EBADMSG; /* one value per entry */
                        value = member;
                        value_key = key;
                } else {
                        return -EBADMSG;
                }
        }
        if (!value)
                return -EBADMSG;

        lwm2m_path path;
        int r = entry_path(d, name, &path);
        if (r < 0)
                return r;
        if (path.len < LWM2M_PATH_RESOURCE || !lwm2m_path_starts_with(&path, d->base))
                return -EBADMSG;

        lwm2m_type type;
        bool multiple;
        if (d->resolver && d->resolver->resource) {
                r = d->resolver->resource(d->resolver->userdata, &path, &type, &multiple);
                if (r < 0)
                        return r;
                if (multiple != (path.len == LWM2M_PATH_RESOURCE_INSTANCE))
                        return -EBADMSG;
        } else {
                type = implied_type(value_key, value);
        }

        double t = 0;
        if (time) {
                r = json_number(time, &t);
                if (r < 0)
                        return r;
        }

        lwm2m_record *rec = lwm2m_record_list_add(d->out, &path);
        if (!rec)
                return -errno;
        r = value_from_json(value_key, value, type, &rec->value);
        if (r < 0)
                return r;
        if (time || d->has_bt) {
                rec->time = d->bt + t;
                rec->has_time = true;
                if (!isfinite(rec->time))
                        return -EBADMSG;
        }
        return 0;
}

static int decode_root(json_decoder *d, json_object *root)
{
        if (!json_object_is_type(root, json_type_object))
                return -EBADMSG;

        json_object *entries = NULL;
        json_object_object_foreach(root, key, member)
        {
                int r;
                if (strcmp(key, "bn") == 0) {
                        if (!json_object_is_type(member, json_type_string))
                                return -EBADMSG;
                        d->bn = json_object_get_string(member);
                        d->bn_len = (size_t)json_object_get_string_len(member);
                } else if (strcmp(key, "bt") == 0) {
                        r = json_number(member, &d->bt);
                        if (r < 0)
                                return r;
                        d->has_bt = true;
                } else if (strcmp(key, "e") == 0) {
                        if (!json_object_is_type(member, json_type_array))
                                return -EBADMSG;
                        entries = member;
                } else {
                        return -EBADMSG;
                }
        }
        if (!entries)
                return -EBADMSG;

        size_t n = json_object_array_length(entries);
        if (n > LWM2M_RECORDS_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                int r = decode_entry(d, json_object_array_get_idx(entries, i));
                if (r < 0)
                        return r;
        }
        return 0;
}

int lwm2m_json_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        assert(out);
        if (len > 0 && !data)
                return -EINVAL;
        if (len > INT_MAX)
                return -E2BIG;
        const char *text = (const char *)data;
        int r = check_integer_literals(text, len);
        if (r < 0)
                return r;

        _cleanup_(json_tokener_freep) struct json_tokener *tok =
                json_tokener_new_ex(LWM2M_FORMAT_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        _cleanup_(json_object_putp) json_object *root =
                json_tokener_parse_ex(tok, len ? text : "", (int)len);
        /* A complete document and nothing after it (json-c stops at a NUL). */
        if (!root || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len)
                return -EBADMSG;

        json_decoder d = {.base = base, .resolver = resolver, .out = out};
        size_t start = out->n;
        r = decode_root(&d, root);
        if (r < 0) {
                for (size_t i = start; i < out->n; i++)
                        lwm2m_value_clear(&out->items[i].value);
                out->n = start;
        }
        return r;
}
