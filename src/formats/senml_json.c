/* senml_json.c - SenML JSON (content-format 110, RFC 8428) as LwM2M 1.1 uses it, via json-c.
 * Base name and time, relative names, v, vs, vb, vd (base64url), vlo. */
#include "formats/senml_json.h"

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/base64.h"
#include "formats/decimal.h"
#include "formats/json_write.h"
#include "formats/senml.h"
#include "util/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)

/* An integer literal (without its '-') that int64_t (negative) or uint64_t holds. */
static bool int_literal_fits(const char *s, size_t len, bool negative)
{
        const char *limit = negative ? "9223372036854775808" : "18446744073709551615";
        size_t limit_len = strlen(limit);
        if (len != limit_len)
                return len < limit_len;
        return memcmp(s, limit, len) <= 0;
}

/* json-c 0.16 clamps integers that overflow 64 bits, keeps the last of repeated keys, and
 * cuts keys at an escaped NUL, all silently. This pass over the text json-c has already
 * accepted (so strings are double-quoted and well-formed) finds those cases: integer literals
 * out of range, records with fewer members than the text wrote, and keys with "\u0000". */
static int json_check_text(const char *s, size_t len, json_object *root)
{
        char open[LWM2M_FORMAT_MAX_DEPTH + 1];
        unsigned depth = 0;
        size_t element = 0, members = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '"') {
                        bool nul = false;
                        for (i++; i < len && s[i] != '"'; i++) {
                                if (s[i] != '\\')
                                        continue;
                                if (len - i > 5 && memcmp(s + i + 1, "u0000", 5) == 0)
                                        nul = true;
                                i++;
                        }
                        size_t j = i + 1;
                        while (j < len && strchr(" \t\r\n", s[j]))
                                j++;
                        if (nul && j < len && s[j] == ':')
                                return -EBADMSG;
                } else if (c == '{' || c == '[') {
                        if (depth >= sizeof(open))
                                return -EBADMSG;
                        open[depth++] = c;
                        if (depth == 2)
                                members = 0;
                } else if (c == '}' || c == ']') {
                        if (depth == 0)
                                return -EBADMSG;
                        if (depth == 2 && c == '}') {
                                json_object *rec = json_object_array_get_idx(root, element);
                                if (json_object_is_type(rec, json_type_object) &&
                                    (size_t)json_object_object_length(rec) != members)
                                        return -EBADMSG; /* a repeated field */
                        }
                        depth--;
                } else if (c == ':' && depth == 2 && open[1] == '{') {
                        members++;
                } else if (c == ',' && depth == 1) {
                        element++;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                        bool negative = c == '-';
                        size_t start = negative ? i + 1 : i, end = start;
                        bool integer = true;
                        while (end < len && strchr("0123456789.eE+-", s[end])) {
                                if (s[end] == '.' || s[end] == 'e' || s[end] == 'E')
                                        integer = false;
                                end++;
                        }
                        if (integer && !int_literal_fits(s + start, end - start, negative))
                                return -EBADMSG;
                        i = end - 1;
                }
        }
        return 0;
}

static int json_number(json_object *o, senml_number *num)
{
        if (json_object_is_type(o, json_type_double)) {
                double d = json_object_get_double(o);
                if (!isfinite(d))
                        return -EBADMSG; /* json-c reads NaN, Infinity and 1e400; JSON has none */
                *num = (senml_number){.kind = SENML_NUMBER_FLOAT, .f = d};
                return 0;
        }
        int64_t i = json_object_get_int64(o);
        if (i == INT64_MAX) {
                /* json-c holds integers above INT64_MAX as uint64 and clamps get_int64. */
                uint64_t u = json_object_get_uint64(o);
                if (u > INT64_MAX) {
                        *num = (senml_number){.kind = SENML_NUMBER_UINT, .u = u};
                        return 0;
                }
        }
        *num = (senml_number){.kind = SENML_NUMBER_INT, .i = i};
        return 0;
}

static int json_record(senml_decoder *d, json_object *obj)
{
        _cleanup_free_ uint8_t *data = NULL;
        senml_record rec = {0};
        senml_number num;
        int r;

        if (!json_object_is_type(obj, json_type_object))
                return -EBADMSG;
        json_object_object_foreach(obj, key, val)
        {
                senml_field f = senml_field_from_name(key, strlen(key));
                switch (json_object_get_type(val)) {
                case json_type_string:
                        if (f == SENML_VD && !data) {
                                size_t n;
                                /* RFC 8428: base64url without padding; the standard
                                 * alphabet and correct padding are accepted too. */
                                r = base64_decode(json_object_get_string(val),
                                                  (size_t)json_object_get_string_len(val),
                                                  BASE64_LENIENT, LWM2M_VALUE_MAX_BYTES, &data, &n);
                                if (r < 0)
                                        return r;
                                r = senml_record_set_data(&rec, f, data, n);
                        } else {
                                r = senml_record_set_text(&rec, f, json_object_get_string(val),
                                                          (size_t)json_object_get_string_len(val));
                        }
                        break;
                case json_type_int:
                case json_type_double:
                        r = json_number(val, &num);
                        if (r >= 0)
                                r = senml_record_set_number(&rec, f, &num);
                        break;
                case json_type_boolean:
                        r = senml_record_set_bool(&rec, f, json_object_get_boolean(val));
                        break;
                default:
                        r = senml_record_set_other(&rec, f);
                        break;
                }
                if (r < 0)
                        return r;
        }
        return senml_decoder_add(d, &rec);
}

int senml_json_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        if (len == 0)
                return -EBADMSG;
        if (len > INT_MAX)
                return -E2BIG;

        _cleanup_(json_tokener_freep) struct json_tokener *tok =
                json_tokener_new_ex(LWM2M_FORMAT_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        _cleanup_(json_object_putp) json_object *root =
                json_tokener_parse_ex(tok, (const char *)data, (int)len);
        /* Anything after the pack (a NUL, a second value) makes it malformed. */
        if (!root || json_tokener_get_parse_end(tok) != len)
                return -EBADMSG;
        if (!json_object_is_type(root, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(root);
        if (n > LWM2M_RECORDS_MAX)
                return -E2BIG;
        int r = json_check_text((const char *)data, len, root);
        if (r < 0)
                return r;

        senml_decoder d;
        senml_decoder_init(&d, base, resolver, out);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = json_record(&d, json_object_array_get_idx(root, i));
        return senml_decoder_finish(&d, r);
}

/* Numbers as floats always look like floats ("3.0"), so readers keep Float resources floats. */
#define SENML_JSON_FLOAT (DECIMAL_G_EXPONENT | DECIMAL_FLOAT_MARK)

/* What a record holds besides a string or opaque value: braces, four keys, two names, two
 * numbers (a time and a value) or an object link. */
#define RECORD_HEAD_MAX (48 + 2 * (SENML_NAME_MAX + 2) + 2 * JSON_NUMBER_MAX)

/* Writes a record: its names and numbers at once from the stack, a string or opaque value
 * (which has no bound) straight after. */
static int json_put_record(lwm2m_buf *out, const senml_out *o, bool first_record)
{
        char head[RECORD_HEAD_MAX], *p = head;
        bool first = true;
        int64_t i;

        if (!first_record)
                *p++ = ',';
        *p++ = '{';
        if (o->bn) {
                p = json_put_key(p, "bn", first);
                p = json_put_name(p, o->bn, o->bn_len);
                first = false;
        }
        if (o->has_bt) {
                p = json_put_key(p, "bt", first);
                p = senml_double_to_int64(o->bt, &i) ? json_put_int(p, i)
                                                     : json_put_double(p, o->bt, SENML_JSON_FLOAT);
                first = false;
        }
        if (o->has_n) {
                p = json_put_key(p, "n", first);
                p = json_put_name(p, o->n, o->n_len);
                first = false;
        }

        const lwm2m_value *v = o->value;
        const char *tail_key = NULL; /* the value goes after the head */
        switch (v ? v->type : LWM2M_TYPE_NONE) {
        case LWM2M_TYPE_NONE:
                break;
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                p = json_put_int(json_put_key(p, "v", first), v->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                p = json_put_uint(json_put_key(p, "v", first), v->u);
                break;
        case LWM2M_TYPE_FLOAT:
                if (!isfinite(v->f))
                        return -EMEDIUMTYPE; /* JSON has no NaN or infinity; CBOR has */
                p = json_put_double(json_put_key(p, "v", first), v->f, SENML_JSON_FLOAT);
                break;
        case LWM2M_TYPE_BOOLEAN:
                p = json_put_key(p, "vb", first);
                p = v->b ? json_put_raw(p, "true", 4) : json_put_raw(p, "false", 5);
                break;
        case LWM2M_TYPE_OBJLNK: {
                char lnk[16];
                int n = senml_objlnk_format(&v->lnk, lnk, sizeof(lnk));
                p = json_put_name(json_put_key(p, "vlo", first), lnk, (size_t)n);
                break;
        }
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                tail_key = "vs";
                break;
        case LWM2M_TYPE_OPAQUE:
                tail_key = "vd";
                break;
        default:
                return -EINVAL;
        }
        if (tail_key)
                p = json_put_key(p, tail_key, first);
        else
                *p++ = '}';
        assert((size_t)(p - head) <= sizeof(head));
        int r = json_write_raw(out, head, (size_t)(p - head));
        if (r < 0 || !tail_key)
                return r;
        if (v->type == LWM2M_TYPE_OPAQUE)
                r = json_write_base64(out, v->buf.data, v->buf.len, true, false);
        else
                r = json_write_string(out, v->buf.data, v->buf.len);
        return r < 0 ? r : json_write_raw(out, "}", 1);
}

int senml_json_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        assert(recs || n == 0);
        if (n > LWM2M_RECORDS_MAX)
                return -E2BIG;

        senml_encoder e;
        senml_encoder_init(&e, base);
        size_t start = out->len;
        int r = json_write_raw(out, "[", 1);
        for (size_t i = 0; i < n && r >= 0; i++) {
                senml_out o;
                r = senml_encoder_next(&e, &recs[i], &o);
                if (r >= 0)
                        r = json_put_record(out, &o, i == 0);
        }
        if (r >= 0)
                r = json_write_raw(out, "]", 1);
        /* A failure leaves `out` as it was. */
        if (r < 0)
                out->len = start;
        return r;
}
