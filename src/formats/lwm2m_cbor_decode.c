/* lwm2m_cbor_decode.c - reading LwM2M CBOR (content-format 11544): libcbor's streaming decoder
 * item by item, nested maps of path IDs into records typed by the resolver. */
#include "formats/lwm2m_cbor_decode.h"

#include <assert.h>
#include <cbor.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cbor_token.h"
#include "util/macro.h"

/*
 * The format is described in lwm2m_cbor.c. Decoding is strict: keys are IDs 0..65534 or non-empty
 * arrays of them, at most four levels in total; values only at resource or resource-instance depth;
 * null (or an empty nested map) is a path without a value; no path twice and no path below another
 * one; duplicate keys in a map are malformed. Time may also come as an integer or integral float
 * under tag 1 (epoch time) or as an RFC 3339 string under tag 0 (whole seconds); no other tag is
 * accepted. Nothing is allocated from a declared size.
 */

/* A key as written: one ID or a path fragment. */
typedef struct path_key {
        uint32_t map; /* which map it was found in (numbered in reading order) */
        uint8_t len;
        uint16_t id[4];
} path_key;

typedef struct decoder {
        const uint8_t *p;
        size_t left;
        const lwm2m_path *base;
        const lwm2m_resolver *resolver;
        lwm2m_record_list *out;
        uint32_t maps;  /* maps seen so far */
        path_key *keys; /* every key read, for the duplicate check */
        size_t n_keys;
        size_t cap_keys;
        bool keys_unordered; /* some map's keys were not in ascending order */
} decoder;

static int next_token(decoder *d, cbor_token *t)
{
        return cbor_token_next(&d->p, &d->left, t);
}

static int read_id(decoder *d, uint16_t *id)
{
        cbor_token t;
        int r = next_token(d, &t);
        if (r < 0)
                return r;
        if (t.kind != CBOR_TOK_UINT || t.u >= LWM2M_ID_INVALID)
                return -EBADMSG;
        *id = (uint16_t)t.u;
        return 0;
}

/* A key whose first item is `t`: an ID, or a non-empty array of at most four IDs. */
static int read_key(decoder *d, const cbor_token *t, path_key *key)
{
        key->len = 0;
        if (t->kind == CBOR_TOK_UINT) {
                if (t->u >= LWM2M_ID_INVALID)
                        return -EBADMSG;
                key->id[key->len++] = (uint16_t)t->u;
                return 0;
        }
        if (t->kind == CBOR_TOK_ARRAY) {
                if (t->u == 0 || t->u > 4)
                        return -EBADMSG;
                for (uint64_t k = 0; k < t->u; k++) {
                        int r = read_id(d, &key->id[key->len++]);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (t->kind == CBOR_TOK_ARRAY_INDEF) {
                for (;;) {
                        cbor_token item;
                        int r = next_token(d, &item);
                        if (r < 0)
                                return r;
                        if (item.kind == CBOR_TOK_BREAK)
                                return key->len > 0 ? 0 : -EBADMSG;
                        if (item.kind != CBOR_TOK_UINT || item.u >= LWM2M_ID_INVALID ||
                            key->len == 4)
                                return -EBADMSG;
                        key->id[key->len++] = (uint16_t)item.u;
                }
        }
        return -EBADMSG;
}

/* Orders keys by ID sequence, the shorter first where one begins the other. */
static int compare_key_ids(const path_key *x, const path_key *y)
{
        unsigned common = x->len < y->len ? x->len : y->len;
        for (unsigned k = 0; k < common; k++)
                if (x->id[k] != y->id[k])
                        return x->id[k] < y->id[k] ? -1 : 1;
        return x->len == y->len ? 0 : x->len < y->len ? -1 : 1;
}

static int compare_keys(const void *a, const void *b)
{
        const path_key *x = a, *y = b;
        if (x->map != y->map)
                return x->map < y->map ? -1 : 1;
        return compare_key_ids(x, y);
}

static int remember_key(decoder *d, const path_key *key)
{
        if (d->n_keys == d->cap_keys) {
                size_t cap = d->cap_keys ? d->cap_keys * 2 : 32;
                path_key *keys = reallocarray(d->keys, cap, sizeof(*keys));
                if (!keys)
                        return -ENOMEM;
                d->keys = keys;
                d->cap_keys = cap;
        }
        d->keys[d->n_keys++] = *key;
        return 0;
}

/* A leaf value before it is given its LwM2M type. */
typedef struct scalar {
        cbor_token_kind kind; /* CBOR_TOK_UINT, CBOR_TOK_NEGINT, CBOR_TOK_FLOAT, CBOR_TOK_BOOL,
                                 CBOR_TOK_TEXT or CBOR_TOK_BYTES */
        bool epoch;           /* a date: under tag 1, or a tag 0 string made a number */
        uint64_t u;
        double f;
        bool b;
        const uint8_t *data;
        size_t len;
        lwm2m_buf joined; /* the chunks of an indefinite-length string */
} scalar;

static void scalar_done(scalar *s)
{
        lwm2m_buf_free(&s->joined);
}

/* Joins the chunks of an indefinite-length string; each chunk is a definite
 * string of the same kind, and text chunks are UTF-8 on their own (RFC 8949). */
static int read_chunks(decoder *d, cbor_token_kind chunk_kind, scalar *s)
{
        for (;;) {
                cbor_token t;
                int r = next_token(d, &t);
                if (r < 0)
                        return r;
                if (t.kind == CBOR_TOK_BREAK)
                        break;
                if (t.kind != chunk_kind)
                        return -EBADMSG;
                if (chunk_kind == CBOR_TOK_TEXT && !lwm2m_utf8_valid(t.data, t.len))
                        return -EBADMSG;
                if (t.len > LWM2M_VALUE_MAX_BYTES - s->joined.len)
                        return -E2BIG;
                r = lwm2m_buf_append(&s->joined, t.data, t.len);
                if (r < 0)
                        return r;
        }
        s->kind = chunk_kind;
        s->data = s->joined.data;
        s->len = s->joined.len;
        return 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

static bool read_digits(const uint8_t *s, size_t n, unsigned *out)
{
        unsigned v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *out = v;
        return true;
}

/* An RFC 3339 date-time, "2013-05-02T10:40:15Z" or "...15.000+02:00", as
 * seconds since the epoch. Time has no unit below the second, so a fraction
 * must be zero; leap seconds have no epoch value and are refused. */
static bool parse_date_time(const uint8_t *s, size_t len, int64_t *out)
{
        unsigned year, month, day, hour, minute, second;
        if (len < 20 || !read_digits(s, 4, &year) || s[4] != '-' ||
            !read_digits(s + 5, 2, &month) || s[7] != '-' || !read_digits(s + 8, 2, &day) ||
            (s[10] != 'T' && s[10] != 't') || !read_digits(s + 11, 2, &hour) || s[13] != ':' ||
            !read_digits(s + 14, 2, &minute) || s[16] != ':' || !read_digits(s + 17, 2, &second))
                return false;
        size_t i = 19;
        if (s[i] == '.') {
                size_t digits = 0;
                for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
                        if (s[i] != '0')
                                return false;
                if (digits == 0)
                        return false;
        }
        int64_t offset = 0;
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
                i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
                unsigned oh, om;
                if (len - i < 6 || !read_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
                    !read_digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
                        return false;
                offset = (s[i] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
                i += 6;
        } else {
                return false;
        }
        static const unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (i != len || month < 1 || month > 12 || day < 1 ||
            day > month_days[month - 1] + (month == 2 && leap) || hour > 23 || minute > 59 ||
            second > 59)
                return false;
        *out = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
               offset;
        return true;
}

static int read_scalar(decoder *d, const cbor_token *first, scalar *s)
{
        cbor_token t = *first;
        if (t.kind == CBOR_TOK_TAG) {
                /* The two RFC 8949 forms of a date: tag 0, a date/time
                 * string, and tag 1, seconds since the epoch. */
                if (t.u != 0 && t.u != 1)
                        return -EBADMSG;
                bool string_form = t.u == 0;
                int r = next_token(d, &t);
                if (r < 0)
                        return r;
                s->epoch = true;
                if (string_form) {
                        int64_t secs;
                        if (t.kind != CBOR_TOK_TEXT || !parse_date_time(t.data, t.len, &secs))
                                return -EBADMSG;
                        s->kind = secs >= 0 ? CBOR_TOK_UINT : CBOR_TOK_NEGINT;
                        s->u = secs >= 0 ? (uint64_t)secs : (uint64_t)(-1 - secs);
                        return 0;
                }
                if (t.kind != CBOR_TOK_UINT && t.kind != CBOR_TOK_NEGINT &&
                    t.kind != CBOR_TOK_FLOAT)
                        return -EBADMSG;
        }
        switch (t.kind) {
        case CBOR_TOK_UINT:
        case CBOR_TOK_NEGINT:
        case CBOR_TOK_FLOAT:
        case CBOR_TOK_BOOL:
        case CBOR_TOK_TEXT:
        case CBOR_TOK_BYTES:
                s->kind = t.kind;
                s->u = t.u;
                s->f = t.f;
                s->b = t.b;
                s->data = t.data;
                s->len = t.len;
                return 0;
        case CBOR_TOK_TEXT_INDEF:
                return read_chunks(d, CBOR_TOK_TEXT, s);
        case CBOR_TOK_BYTES_INDEF:
                return read_chunks(d, CBOR_TOK_BYTES, s);
        default:
                return -EBADMSG;
        }
}

#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

/* The magnitude `m` as a double, if exactly representable. */
static bool u64_to_double_exact(uint64_t m, double *out)
{
        double d = (double)m;
        /* m < 2^64 may round up to 2^64, where the cast back is undefined. */
        if (d >= TWO_POW_64 || (uint64_t)d != m)
                return false;
        *out = d;
        return true;
}

/* The number as int64_t, if it is an integer in range. */
static bool scalar_to_i64(const scalar *s, int64_t *out)
{
        switch (s->kind) {
        case CBOR_TOK_UINT:
                if (s->u > INT64_MAX)
                        return false;
                *out = (int64_t)s->u;
                return true;
        case CBOR_TOK_NEGINT:
                if (s->u > INT64_MAX)
                        return false;
                *out = -1 - (int64_t)s->u;
                return true;
        case CBOR_TOK_FLOAT:
                if (!isfinite(s->f) || s->f != trunc(s->f) || s->f < -TWO_POW_63 ||
                    s->f >= TWO_POW_63)
                        return false;
                *out = (int64_t)s->f;
                return true;
        default:
                return false;
        }
}

static bool scalar_to_u64(const scalar *s, uint64_t *out)
{
        switch (s->kind) {
        case CBOR_TOK_UINT:
                *out = s->u;
                return true;
        case CBOR_TOK_FLOAT:
                if (!isfinite(s->f) || s->f != trunc(s->f) || s->f < 0 || s->f >= TWO_POW_64)
                        return false;
                *out = (uint64_t)s->f;
                return true;
        default:
                return false;
        }
}

static bool scalar_to_double(const scalar *s, double *out)
{
        switch (s->kind) {
        case CBOR_TOK_FLOAT:
                /* CBOR has NaN and infinities; a Float does not (value.h). */
                if (!isfinite(s->f))
                        return false;
                *out = s->f;
                return true;
        case CBOR_TOK_UINT:
                return u64_to_double_exact(s->u, out);
        case CBOR_TOK_NEGINT: {
                /* -1 - u == -(u + 1); u + 1 wraps only for u = 2^64 - 1, whose
                 * value -2^64 is a power of two and exact. */
                double m;
                if (s->u == UINT64_MAX)
                        m = TWO_POW_64;
                else if (!u64_to_double_exact(s->u + 1, &m))
                        return false;
                *out = -m;
                return true;
        }
        default:
                return false;
        }
}

/* "oid:iid", each 0..65535 in plain decimal (65535:65535 is the null link). */
static bool parse_objlnk(const uint8_t *s, size_t len, lwm2m_objlnk *out)
{
        uint32_t part[2] = {0, 0};
        unsigned which = 0;
        size_t digits = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == ':' && which == 0 && digits > 0) {
                        which = 1;
                        digits = 0;
                        continue;
                }
                if (s[i] < '0' || s[i] > '9' || digits == 5)
                        return false;
                part[which] = part[which] * 10 + (uint32_t)(s[i] - '0');
                digits++;
        }
        if (which != 1 || digits == 0 || part[0] > 65535 || part[1] > 65535)
                return false;
        *out = (lwm2m_objlnk){(uint16_t)part[0], (uint16_t)part[1]};
        return true;
}

static int bytes_value(lwm2m_value *v, lwm2m_type type, const scalar *s)
{
        int r = lwm2m_value_set_bytes(v, type, s->data ? (const void *)s->data : "", s->len);
        return r == -EILSEQ ? -EBADMSG : r;
}

/* The type a value has without a resolver: what its encoding implies. */
static int natural_value(const scalar *s, lwm2m_value *v)
{
        if (s->epoch) {
                int64_t i;
                if (!scalar_to_i64(s, &i))
                        return -EBADMSG;
                *v = lwm2m_value_time(i);
                return 0;
        }
        switch (s->kind) {
        case CBOR_TOK_UINT:
                *v = s->u <= INT64_MAX ? lwm2m_value_integer((int64_t)s->u)
                                       : lwm2m_value_unsigned(s->u);
                return 0;
        case CBOR_TOK_NEGINT: {
                int64_t i;
                /* Below INT64_MIN: no LwM2M integer type holds it. */
                if (!scalar_to_i64(s, &i))
                        return -EBADMSG;
                *v = lwm2m_value_integer(i);
                return 0;
        }
        case CBOR_TOK_FLOAT:
                if (!isfinite(s->f))
                        return -EBADMSG; /* no LwM2M value: see value.h */
                *v = lwm2m_value_float(s->f);
                return 0;
        case CBOR_TOK_BOOL:
                *v = lwm2m_value_boolean(s->b);
                return 0;
        case CBOR_TOK_TEXT:
                return bytes_value(v, LWM2M_TYPE_STRING, s);
        case CBOR_TOK_BYTES:
                return bytes_value(v, LWM2M_TYPE_OPAQUE, s);
        default:
                return -EBADMSG;
        }
}

/* The value as the resource's type, converted only where exact. */
static int typed_value(const scalar *s, lwm2m_type type, lwm2m_value *v)
{
        if (s->epoch && type != LWM2M_TYPE_TIME)
                return -EBADMSG;
        switch (type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME: {
                int64_t i;
                if (!scalar_to_i64(s, &i))
                        return -EBADMSG;
                *v = (lwm2m_value){.type = type, .i = i};
                return 0;
        }
        case LWM2M_TYPE_UNSIGNED: {
                uint64_t u;
                if (!scalar_to_u64(s, &u))
                        return -EBADMSG;
                *v = lwm2m_value_unsigned(u);
                return 0;
        }
        case LWM2M_TYPE_FLOAT: {
                double f;
                if (!scalar_to_double(s, &f))
                        return -EBADMSG;
                *v = lwm2m_value_float(f);
                return 0;
        }
        case LWM2M_TYPE_BOOLEAN:
                if (s->kind != CBOR_TOK_BOOL)
                        return -EBADMSG;
                *v = lwm2m_value_boolean(s->b);
                return 0;
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                if (s->kind != CBOR_TOK_TEXT)
                        return -EBADMSG;
                return bytes_value(v, type, s);
        case LWM2M_TYPE_OPAQUE:
                if (s->kind != CBOR_TOK_BYTES)
                        return -EBADMSG;
                return bytes_value(v, type, s);
        case LWM2M_TYPE_OBJLNK: {
                lwm2m_objlnk lnk;
                if (s->kind != CBOR_TOK_TEXT || !parse_objlnk(s->data, s->len, &lnk))
                        return -EBADMSG;
                *v = lwm2m_value_objlnk(lnk.oid, lnk.iid);
                return 0;
        }
        default:
                /* NONE: an executable resource has no value to write. */
                return -EBADMSG;
        }
}

static int add_record(decoder *d, const lwm2m_path *path, lwm2m_value *v)
{
        lwm2m_record *rec = lwm2m_record_list_add(d->out, path);
        if (!rec) {
                int r = errno == E2BIG ? -E2BIG : -ENOMEM;
                lwm2m_value_clear(v);
                return r;
        }
        rec->value = *v;
        return 0;
}

static int add_scalar(decoder *d, const lwm2m_path *path, const scalar *s)
{
        if (path->len < LWM2M_PATH_RESOURCE)
                return -EBADMSG;
        lwm2m_value v = {0};
        int r;
        if (d->resolver && d->resolver->resource) {
                lwm2m_type type = LWM2M_TYPE_NONE;
                bool multiple = false;
                r = d->resolver->resource(d->resolver->userdata, path, &type, &multiple);
                if (r < 0)
                        return r;
                /* A multiple resource holds instances, a single one a value. */
                if (multiple != (path->len == LWM2M_PATH_RESOURCE_INSTANCE))
                        return -EBADMSG;
                r = typed_value(s, type, &v);
        } else {
                r = natural_value(s, &v);
        }
        if (r < 0)
                return r;
        return add_record(d, path, &v);
}

static int parse_map(decoder *d, const cbor_token *head, const lwm2m_path *at, size_t *entries);

/* The value under a key that led to `path`: a nested map, null or a leaf. */
static int parse_value(decoder *d, const lwm2m_path *path)
{
        cbor_token t;
        int r = next_token(d, &t);
        if (r < 0)
                return r;

        if (t.kind == CBOR_TOK_MAP || t.kind == CBOR_TOK_MAP_INDEF) {
                /* Below a resource instance there is nothing to key. */
                if (path->len >= LWM2M_PATH_RESOURCE_INSTANCE)
                        return -EBADMSG;
                size_t entries = 0;
                r = parse_map(d, &t, path, &entries);
                if (r < 0 || entries > 0)
                        return r;
                /* An empty map: the node exists and holds nothing. */
                lwm2m_value none = {0};
                return add_record(d, path, &none);
        }
        if (t.kind == CBOR_TOK_NULL) {
                lwm2m_value none = {0};
                return add_record(d, path, &none);
        }

        _cleanup_(scalar_done) scalar s = {0};
        r = read_scalar(d, &t, &s);
        if (r < 0)
                return r;
        return add_scalar(d, path, &s);
}

static int parse_map(decoder *d, const cbor_token *head, const lwm2m_path *at, size_t *entries)
{
        bool indefinite = head->kind == CBOR_TOK_MAP_INDEF;
        /* Every entry takes at least two bytes: refuse absurd sizes at once. */
        if (!indefinite && head->u > d->left / 2)
                return -EBADMSG;
        if (d->maps == UINT32_MAX)
                return -E2BIG;
        uint32_t map = d->maps++;
        path_key prev = {0};

        for (uint64_t i = 0; indefinite || i < head->u; i++) {
                cbor_token t;
                int r = next_token(d, &t);
                if (r < 0)
                        return r;
                if (t.kind == CBOR_TOK_BREAK) {
                        if (!indefinite)
                                return -EBADMSG;
                        break;
                }
                path_key key = {.map = map};
                r = read_key(d, &t, &key);
                if (r < 0)
                        return r;
                if (i > 0 && compare_key_ids(&prev, &key) >= 0)
                        d->keys_unordered = true;
                prev = key;
                if (at->len + key.len > 4)
                        return -EBADMSG;
                r = remember_key(d, &key);
                if (r < 0)
                        return r;

                lwm2m_path child = *at;
                for (unsigned k = 0; k < key.len; k++)
                        child.id[child.len++] = key.id[k];
                r = parse_value(d, &child);
                if (r < 0)
                        return r;
                (*entries)++;
        }
        return 0;
}

/* RFC 8949 calls a map with a key twice invalid. Keys usually come in
 * ascending order, and then there can be none twice: only a map out of order
 * costs a sort. */
static int check_duplicate_keys(decoder *d)
{
        if (!d->keys_unordered)
                return 0;
        qsort(d->keys, d->n_keys, sizeof(d->keys[0]), compare_keys);
        for (size_t i = 1; i < d->n_keys; i++)
                if (compare_keys(&d->keys[i - 1], &d->keys[i]) == 0)
                        return -EBADMSG;
        return 0;
}

static int compare_paths(const void *a, const void *b)
{
        return lwm2m_path_compare(a, b);
}

/* Different keys can still spell one path twice ({[3, 0, 1]: 1, 3: {0: {1: 2}}}),
 * or put a path below another one: both are refused, and every path must lie
 * within the request's. */
static bool in_order(const lwm2m_path *a, const lwm2m_path *b)
{
        return lwm2m_path_compare(a, b) < 0 && !lwm2m_path_starts_with(b, a);
}

static int check_paths(const decoder *d, size_t start)
{
        size_t n = d->out->n - start;
        if (n == 0)
                return 0; /* and the list may not be allocated yet */
        const lwm2m_record *recs = d->out->items + start;
        for (size_t i = 0; i < n; i++)
                if (!lwm2m_path_starts_with(&recs[i].path, d->base))
                        return -EBADMSG;

        /* Sorted depth-first, a path's descendants would come right after it;
         * payloads written in path order need no sort to show that. */
        size_t sorted = 1;
        while (sorted < n && in_order(&recs[sorted - 1].path, &recs[sorted].path))
                sorted++;
        if (sorted >= n)
                return 0;

        _cleanup_free_ lwm2m_path *paths = malloc(n * sizeof(*paths));
        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                paths[i] = recs[i].path;
        qsort(paths, n, sizeof(*paths), compare_paths);
        for (size_t i = 1; i < n; i++)
                if (!in_order(&paths[i - 1], &paths[i]))
                        return -EBADMSG;
        return 0;
}

int lwm2m_cbor_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        static const lwm2m_path root = {0};
        if (!out || (len > 0 && !data) || (base && !lwm2m_path_valid(base)))
                return -EINVAL;
        decoder d = {
                .p = data,
                .left = len,
                .base = base ? base : &root,
                .resolver = resolver,
                .out = out,
        };
        size_t start = out->n;

        cbor_token t;
        int r = next_token(&d, &t);
        if (r >= 0 && t.kind != CBOR_TOK_MAP && t.kind != CBOR_TOK_MAP_INDEF)
                r = -EBADMSG;
        size_t entries = 0;
        if (r >= 0)
                r = parse_map(&d, &t, &root, &entries);
        if (r >= 0 && d.left != 0)
                r = -EBADMSG; /* trailing bytes after the map */
        if (r >= 0)
                r = check_duplicate_keys(&d);
        if (r >= 0)
                r = check_paths(&d, start);
        free(d.keys);

        if (r < 0) {
                for (size_t i = start; i < out->n; i++)
                        lwm2m_value_clear(&out->items[i].value);
                out->n = start;
        }
        return r;
}
