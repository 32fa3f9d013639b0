/* lwm2m_cbor.c - writing LwM2M CBOR (content-format 11544), the LwM2M 1.2 nested-map format,
 * via libcbor: maps keyed by path IDs, with path arrays where a level is shared. */
#include "formats/lwm2m_cbor.h"

#include <cbor.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

/*
 * The format (TS Core 1.2, "LwM2M CBOR"): a CBOR map whose keys are path IDs
 * (unsigned integers) or arrays of IDs (a path fragment), and whose values are
 * either nested maps of the same kind or resource values. Paths are absolute:
 * the request path is not left out, so a Read of /3/0 answers
 * {[3, 0]: {0: "...", 1: "...", ...}}.
 *
 * Encoding choices (any conforming decoder accepts them):
 *   - definite-length maps, arrays and strings;
 *   - a chain of levels with a single child is one array key ([3, 0, 1]),
 *     otherwise one ID per map level;
 *   - Integer and Time as CBOR integers (Appendix C: Time is "an unsigned
 *     integer or a date/time string"), Unsigned as an unsigned integer;
 *   - Float in the shortest IEEE width that holds the value exactly (half,
 *     single, double: RFC 8949 preferred serialization); NaN as half 0x7e00;
 *   - Objlnk as the text "oid:iid", Corelnk and String as text, Opaque as bytes;
 *   - a record without a value (type NONE) as null: the paths of a
 *     Read-Composite or Observe-Composite request.
 * The record's SenML time, if any, is not carried: the format has no place for it.
 * The decoder is lwm2m_cbor_decode.c.
 */

/* Longest CBOR head: initial byte plus an 8-byte argument. */
#define CBOR_HEAD_MAX 9

/* Room for a head, then runs one libcbor encoder into the buffer's tail. */
#define EMIT(out, call)                                                                            \
        ({                                                                                         \
                int _r = lwm2m_buf_reserve((out), CBOR_HEAD_MAX);                                  \
                if (_r >= 0) {                                                                     \
                        unsigned char *p = (out)->data + (out)->len;                               \
                        size_t room = (out)->cap - (out)->len;                                     \
                        size_t _n = (call);                                                        \
                        if (_n == 0)                                                               \
                                _r = -ENOBUFS;                                                     \
                        else                                                                       \
                                (out)->len += _n;                                                  \
                }                                                                                  \
                _r;                                                                                \
        })

static int emit_uint(lwm2m_buf *out, uint64_t v)
{
        return EMIT(out, cbor_encode_uint(v, p, room));
}

static int emit_int(lwm2m_buf *out, int64_t v)
{
        if (v >= 0)
                return emit_uint(out, (uint64_t)v);
        /* CBOR stores -1 - v, which is never negative and never overflows. */
        return EMIT(out, cbor_encode_negint((uint64_t)(-(v + 1)), p, room));
}

static int emit_map_start(lwm2m_buf *out, size_t n)
{
        return EMIT(out, cbor_encode_map_start(n, p, room));
}

static int emit_array_start(lwm2m_buf *out, size_t n)
{
        return EMIT(out, cbor_encode_array_start(n, p, room));
}

static int emit_text(lwm2m_buf *out, const void *data, size_t len)
{
        int r = EMIT(out, cbor_encode_string_start(len, p, room));
        return r < 0 ? r : lwm2m_buf_append(out, data, len);
}

static int emit_bytes(lwm2m_buf *out, const void *data, size_t len)
{
        int r = EMIT(out, cbor_encode_bytestring_start(len, p, room));
        return r < 0 ? r : lwm2m_buf_append(out, data, len);
}

static void on_half(void *ctx, float f)
{
        *(double *)ctx = f;
}

/* True if `d` survives a trip through a CBOR half float. libcbor's half
 * encoder drops bits of subnormal halves, so the encoding is decoded again
 * and compared rather than predicted. */
static bool fits_half(double d)
{
        if (!(fabs(d) <= 65504.0) || (double)(float)d != d)
                return false;
        unsigned char tmp[3];
        if (cbor_encode_half((float)d, tmp, sizeof(tmp)) != 3)
                return false;
        struct cbor_callbacks cb = cbor_empty_callbacks;
        cb.float2 = on_half;
        double back = NAN;
        struct cbor_decoder_result res = cbor_stream_decode(tmp, sizeof(tmp), &cb, &back);
        return res.status == CBOR_DECODER_FINISHED && back == d && !signbit(back) == !signbit(d);
}

static int emit_float(lwm2m_buf *out, double d)
{
        if (isnan(d) || isinf(d) || fits_half(d))
                return EMIT(out, cbor_encode_half(isnan(d) ? NAN : (float)d, p, room));
        /* The range test keeps the float conversion defined. */
        if (fabs(d) <= FLT_MAX && (double)(float)d == d)
                return EMIT(out, cbor_encode_single((float)d, p, room));
        return EMIT(out, cbor_encode_double(d, p, room));
}

static int emit_value(lwm2m_buf *out, const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_NONE:
                return EMIT(out, cbor_encode_null(p, room));
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return emit_text(out, v->buf.data, v->buf.len);
        case LWM2M_TYPE_OPAQUE:
                return emit_bytes(out, v->buf.data, v->buf.len);
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return emit_int(out, v->i);
        case LWM2M_TYPE_UNSIGNED:
                return emit_uint(out, v->u);
        case LWM2M_TYPE_FLOAT:
                return emit_float(out, v->f);
        case LWM2M_TYPE_BOOLEAN:
                return EMIT(out, cbor_encode_bool(v->b, p, room));
        case LWM2M_TYPE_OBJLNK: {
                char s[sizeof("65535:65535")];
                int n = snprintf(s, sizeof(s), "%u:%u", (unsigned)v->lnk.oid, (unsigned)v->lnk.iid);
                return emit_text(out, s, (size_t)n);
        }
        default:
                return -EINVAL;
        }
}

/* The IDs path[from..to) as one key: a bare ID or an array of them. */
static int emit_key(lwm2m_buf *out, const lwm2m_path *path, unsigned from, unsigned to)
{
        if (to - from == 1)
                return emit_uint(out, path->id[from]);
        int r = emit_array_start(out, to - from);
        for (unsigned k = from; r >= 0 && k < to; k++)
                r = emit_uint(out, path->id[k]);
        return r;
}

/* Writes the map for recs[0..n), which share their first `depth` IDs, are
 * sorted, and of which none is a prefix of another (checked beforehand). */
static int encode_level(lwm2m_buf *out, const lwm2m_record *recs, size_t n, unsigned depth)
{
        size_t groups = 0;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || recs[i].path.id[depth] != recs[i - 1].path.id[depth])
                        groups++;
        int r = emit_map_start(out, groups);
        if (r < 0)
                return r;

        for (size_t start = 0; start < n;) {
                size_t end = start + 1;
                while (end < n && recs[end].path.id[depth] == recs[start].path.id[depth])
                        end++;

                const lwm2m_record *first = &recs[start];
                if (end - start == 1) {
                        /* A lone record: its whole remaining path is the key. */
                        r = emit_key(out, &first->path, depth, first->path.len);
                        if (r >= 0)
                                r = emit_value(out, &first->value);
                } else {
                        /* Several records: every one is deeper than `level`
                         * (none is a prefix of another), and since they are
                         * sorted, first and last agreeing means all agree. */
                        const lwm2m_record *last = &recs[end - 1];
                        unsigned level = depth + 1;
                        while (first->path.id[level] == last->path.id[level])
                                level++;
                        r = emit_key(out, &first->path, depth, level);
                        if (r >= 0)
                                r = encode_level(out, first, end - start, level);
                }
                if (r < 0)
                        return r;
                start = end;
        }
        return 0;
}

/* The shape encode_level relies on, and what the format can express. */
static int check_records(const lwm2m_path *base, const lwm2m_record *recs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const lwm2m_record *rec = &recs[i];
                if (rec->path.len == 0 || !lwm2m_path_valid(&rec->path) ||
                    !lwm2m_path_starts_with(&rec->path, base))
                        return -EINVAL;
                if (rec->value.type != LWM2M_TYPE_NONE && rec->path.len < LWM2M_PATH_RESOURCE)
                        return -EINVAL;
                /* Sorted, so a prefix or a duplicate sits right before. */
                if (i > 0 && (lwm2m_path_compare(&recs[i - 1].path, &rec->path) >= 0 ||
                              lwm2m_path_starts_with(&rec->path, &recs[i - 1].path)))
                        return -EINVAL;
        }
        return 0;
}

int lwm2m_cbor_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        if (!base || !out || (n > 0 && !recs) || !lwm2m_path_valid(base))
                return -EINVAL;
        int r = check_records(base, recs, n);
        if (r < 0)
                return r;
        size_t start = out->len;
        r = encode_level(out, recs, n, 0);
        if (r < 0)
                out->len = start;
        return r;
}
