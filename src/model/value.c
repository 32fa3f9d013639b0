/* value.c - typed LwM2M values: the data types of the specification and their storage.
 * A value owns its bytes; nothing here knows of any encoding or transport. */
#include "model/value.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[_LWM2M_TYPE_MAX] = {
        [LWM2M_TYPE_NONE] = "",           [LWM2M_TYPE_STRING] = "String",
        [LWM2M_TYPE_INTEGER] = "Integer", [LWM2M_TYPE_UNSIGNED] = "Unsigned Integer",
        [LWM2M_TYPE_FLOAT] = "Float",     [LWM2M_TYPE_BOOLEAN] = "Boolean",
        [LWM2M_TYPE_OPAQUE] = "Opaque",   [LWM2M_TYPE_TIME] = "Time",
        [LWM2M_TYPE_OBJLNK] = "Objlnk",   [LWM2M_TYPE_CORELNK] = "Corelnk",
};

const char *lwm2m_type_to_string(lwm2m_type t)
{
        if ((unsigned)t >= _LWM2M_TYPE_MAX)
                return "invalid";
        return type_names[t];
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int lwm2m_type_from_string(const char *s, lwm2m_type *out)
{
        assert(s && out);
        while (is_blank(*s))
                s++;
        size_t len = strlen(s);
        while (len > 0 && is_blank(s[len - 1]))
                len--;

        for (unsigned t = 0; t < _LWM2M_TYPE_MAX; t++) {
                if (strlen(type_names[t]) == len && strncasecmp(s, type_names[t], len) == 0) {
                        *out = (lwm2m_type)t;
                        return 0;
                }
        }
        /* Some 1.0-era files spell it with a hyphen or run the words together. */
        if ((len == 15 && strncasecmp(s, "UnsignedInteger", 15) == 0) ||
            (len == 16 && strncasecmp(s, "Unsigned-Integer", 16) == 0)) {
                *out = LWM2M_TYPE_UNSIGNED;
                return 0;
        }
        return -EINVAL;
}

bool lwm2m_utf8_valid(const uint8_t *s, size_t len)
{
        size_t i = 0;
        while (i < len) {
                uint8_t c = s[i];
                if (c < 0x80) {
                        i++;
                        continue;
                }
                size_t n;
                uint32_t cp;
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else {
                        return false; /* continuation byte, overlong lead, or > U+10FFFF */
                }
                if (len - i <= n)
                        return false;
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
                        return false; /* overlong, or out of Unicode */
                if (cp >= 0xd800 && cp <= 0xdfff)
                        return false; /* surrogates are not characters */
                i += n + 1;
        }
        return true;
}

static bool type_has_bytes(lwm2m_type t)
{
        return t == LWM2M_TYPE_STRING || t == LWM2M_TYPE_OPAQUE || t == LWM2M_TYPE_CORELNK;
}

void lwm2m_value_clear(lwm2m_value *v)
{
        assert(v);
        if (type_has_bytes(v->type))
                free(v->buf.data);
        *v = (lwm2m_value){0};
}

int lwm2m_value_set_bytes(lwm2m_value *v, lwm2m_type type, const void *data, size_t len)
{
        assert(v);
        if (!type_has_bytes(type))
                return -EINVAL;
        if (len > LWM2M_VALUE_MAX_BYTES)
                return -E2BIG;
        if (type != LWM2M_TYPE_OPAQUE && !lwm2m_utf8_valid(data, len))
                return -EILSEQ;
        /* One spare byte keeps strings NUL-terminated for printf-style users. */
        uint8_t *copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        if (len)
                memcpy(copy, data, len);
        copy[len] = 0;
        lwm2m_value_clear(v);
        v->type = type;
        v->buf.data = copy;
        v->buf.len = len;
        return 0;
}

int lwm2m_value_copy(lwm2m_value *dst, const lwm2m_value *src)
{
        assert(src);
        if (dst == src)
                return 0;
        if (type_has_bytes(src->type)) {
                lwm2m_value tmp = {0};
                if (src->buf.len > LWM2M_VALUE_MAX_BYTES)
                        return -E2BIG;
                uint8_t *copy = malloc(src->buf.len + 1);
                if (!copy)
                        return -ENOMEM;
                if (src->buf.len)
                        memcpy(copy, src->buf.data, src->buf.len);
                copy[src->buf.len] = 0;
                tmp.type = src->type;
                tmp.buf.data = copy;
                tmp.buf.len = src->buf.len;
                lwm2m_value_clear(dst);
                *dst = tmp;
                return 0;
        }
        lwm2m_value_clear(dst);
        *dst = *src;
        return 0;
}

bool lwm2m_value_equal(const lwm2m_value *a, const lwm2m_value *b)
{
        assert(b);
        if (a->type != b->type)
                return false;
        switch (a->type) {
        case LWM2M_TYPE_NONE:
                return true;
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return a->i == b->i;
        case LWM2M_TYPE_UNSIGNED:
                return a->u == b->u;
        case LWM2M_TYPE_FLOAT:
                /* Bitwise, so that NaN equals itself and -0.0 differs from 0.0:
                 * "equal" here means "a change would not be noticed". */
                return memcmp(&a->f, &b->f, sizeof(double)) == 0;
        case LWM2M_TYPE_BOOLEAN:
                return a->b == b->b;
        case LWM2M_TYPE_OBJLNK:
                return a->lnk.oid == b->lnk.oid && a->lnk.iid == b->lnk.iid;
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_OPAQUE:
        case LWM2M_TYPE_CORELNK:
                return a->buf.len == b->buf.len &&
                       (a->buf.len == 0 || memcmp(a->buf.data, b->buf.data, a->buf.len) == 0);
        default:
                return false;
        }
}

bool lwm2m_type_is_numeric(lwm2m_type t)
{
        return t == LWM2M_TYPE_INTEGER || t == LWM2M_TYPE_UNSIGNED || t == LWM2M_TYPE_FLOAT ||
               t == LWM2M_TYPE_TIME;
}

bool lwm2m_value_to_double(const lwm2m_value *v, double *out)
{
        assert(v && out);
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                *out = (double)v->i;
                return true;
        case LWM2M_TYPE_UNSIGNED:
                *out = (double)v->u;
                return true;
        case LWM2M_TYPE_FLOAT:
                *out = v->f;
                return true;
        default:
                return false;
        }
}

bool lwm2m_value_in_domain(const lwm2m_value *v)
{
        assert(v);
        return v->type != LWM2M_TYPE_FLOAT || isfinite(v->f);
}

/* 2^63 and 2^64 as doubles: exact powers of two, so comparisons are exact. */
#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static bool is_signed_type(lwm2m_type t)
{
        return t == LWM2M_TYPE_INTEGER || t == LWM2M_TYPE_TIME;
}

/* Converts between the integer-like and float types exactly. */
static int convert_number(lwm2m_value *v, lwm2m_type to)
{
        lwm2m_value r = {.type = to};
        if (is_signed_type(v->type)) {
                int64_t i = v->i;
                if (is_signed_type(to))
                        r.i = i;
                else if (to == LWM2M_TYPE_UNSIGNED) {
                        if (i < 0)
                                return -ERANGE;
                        r.u = (uint64_t)i;
                } else {
                        double d = (double)i;
                        /* (int64_t)d is only defined below 2^63. */
                        if (d >= TWO_POW_63 || (int64_t)d != i)
                                return -ERANGE;
                        r.f = d;
                }
        } else if (v->type == LWM2M_TYPE_UNSIGNED) {
                uint64_t u = v->u;
                if (is_signed_type(to)) {
                        if (u > INT64_MAX)
                                return -ERANGE;
                        r.i = (int64_t)u;
                } else if (to == LWM2M_TYPE_UNSIGNED) {
                        r.u = u;
                } else {
                        double d = (double)u;
                        if (d >= TWO_POW_64 || (uint64_t)d != u)
                                return -ERANGE;
                        r.f = d;
                }
        } else { /* FLOAT */
                double d = v->f;
                if (to == LWM2M_TYPE_FLOAT) {
                        r.f = d;
                } else {
                        if (!isfinite(d) || d != trunc(d))
                                return -ERANGE;
                        if (is_signed_type(to)) {
                                if (d < -TWO_POW_63 || d >= TWO_POW_63)
                                        return -ERANGE;
                                r.i = (int64_t)d;
                        } else {
                                if (d < 0 || d >= TWO_POW_64)
                                        return -ERANGE;
                                r.u = (uint64_t)d;
                        }
                }
        }
        *v = r;
        return 0;
}

static bool is_number_type(lwm2m_type t)
{
        return is_signed_type(t) || t == LWM2M_TYPE_UNSIGNED || t == LWM2M_TYPE_FLOAT;
}

int lwm2m_value_convert(lwm2m_value *v, lwm2m_type to)
{
        assert(v);
        if (v->type == to)
                return 0;
        if (is_number_type(v->type) && is_number_type(to))
                return convert_number(v, to);
        if ((v->type == LWM2M_TYPE_STRING && to == LWM2M_TYPE_CORELNK) ||
            (v->type == LWM2M_TYPE_CORELNK && to == LWM2M_TYPE_STRING)) {
                v->type = to;
                return 0;
        }
        return -EINVAL;
}
