/* lwm2m_cbor.c - writing LwM2M CBOR (content-format 11544), the LwM2M 1.2 nested-map format,
 * via libcbor: maps keyed by path IDs, with path arrays where a level is shared. */
#include "formats/lwm2m_cbor.h"

#include <errno.h>

#include "formats/cbor_write.h"
#include "formats/codec.h"

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

static int emit_value(lwm2m_buf *out, const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_NONE:
                return cbor_write_null(out);
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return cbor_write_string(out, true, v->buf.data, v->buf.len);
        case LWM2M_TYPE_OPAQUE:
                return cbor_write_string(out, false, v->buf.data, v->buf.len);
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return cbor_write_int(out, v->i);
        case LWM2M_TYPE_UNSIGNED:
                return cbor_write_uint(out, v->u);
        case LWM2M_TYPE_FLOAT:
                return cbor_write_float(out, v->f);
        case LWM2M_TYPE_BOOLEAN:
                return cbor_write_bool(out, v->b);
        case LWM2M_TYPE_OBJLNK: {
                char s[sizeof("65535:65535")];
                size_t n = lwm2m_codec_decimal(v->lnk.oid, s);
                s[n++] = ':';
                n += lwm2m_codec_decimal(v->lnk.iid, s + n);
                return cbor_write_string(out, true, s, n);
        }
        default:
                return -EINVAL;
        }
}

/* The IDs path[from..to) as one key: a bare ID or an array of them. */
static int emit_key(lwm2m_buf *out, const lwm2m_path *path, unsigned from, unsigned to)
{
        if (to - from == 1)
                return cbor_write_uint(out, path->id[from]);
        int r = cbor_write_array_start(out, to - from);
        for (unsigned k = from; r >= 0 && k < to; k++)
                r = cbor_write_uint(out, path->id[k]);
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
        int r = cbor_write_map_start(out, groups);
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
