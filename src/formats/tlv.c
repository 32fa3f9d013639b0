/* tlv.c - OMA TLV (content-format 11542): object, instance, resource and multiple-resource TLVs.
 * Integers in 1/2/4/8 bytes, floats in 4 or 8, 8/16/24-bit lengths, as LwM2M TS Core 7.4.3 says. */
#include "formats/tlv.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* Bits 7-6 of the type byte. */
enum tlv_kind {
        TLV_INSTANCE = 0,
        TLV_RESOURCE_INSTANCE = 1,
        TLV_MULTIPLE_RESOURCE = 2,
        TLV_RESOURCE = 3,
};

/* Type byte, 16-bit identifier, 24-bit length: the largest header. */
#define TLV_HEADER_MAX 6
#define TLV_LENGTH_MAX 0xFFFFFFu

typedef struct tlv_header {
        enum tlv_kind kind;
        uint16_t id;
        const uint8_t *value;
        size_t len;
        size_t total; /* header and value */
} tlv_header;

typedef struct tlv_decoder {
        const lwm2m_path *base;
        const lwm2m_resolver *resolver;
        lwm2m_record_list *out;
} tlv_decoder;

/* The path depth an element of each kind names. */
static uint8_t kind_level(enum tlv_kind kind)
{
        switch (kind) {
        case TLV_INSTANCE:
                return LWM2M_PATH_INSTANCE;
        case TLV_MULTIPLE_RESOURCE:
        case TLV_RESOURCE:
                return LWM2M_PATH_RESOURCE;
        case TLV_RESOURCE_INSTANCE:
        default:
                return LWM2M_PATH_RESOURCE_INSTANCE;
        }
}

static uint64_t read_be(const uint8_t *p, size_t n)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v = (v << 8) | p[i];
        return v;
}

static void write_be(uint8_t *p, uint64_t v, size_t n)
{
        for (size_t i = n; i > 0; i--) {
                p[i - 1] = (uint8_t)v;
                v >>= 8;
        }
}

static int read_header(const uint8_t *p, size_t avail, tlv_header *h)
{
        if (avail < 2)
                return -EBADMSG;
        uint8_t type = p[0];
        size_t id_len = (type & 0x20) ? 2 : 1;
        size_t len_len = (type >> 3) & 0x3;
        size_t header = 1 + id_len + len_len;
        if (avail < header)
                return -EBADMSG;

        uint64_t id = read_be(p + 1, id_len);
        if (id >= LWM2M_ID_INVALID)
                return -EBADMSG;
        /* Bits 2-0 only count when there is no length field; like most
         * decoders we ignore them otherwise. */
        size_t len = len_len ? (size_t)read_be(p + 1 + id_len, len_len) : (size_t)(type & 0x7);
        if (len > avail - header)
                return -EBADMSG;

        *h = (tlv_header){
                .kind = (enum tlv_kind)(type >> 6),
                .id = (uint16_t)id,
                .value = p + header,
                .len = len,
                .total = header + len,
        };
        return 0;
}

static lwm2m_path path_child(const lwm2m_path *parent, uint16_t id)
{
        lwm2m_path p = *parent;
        p.id[p.len++] = id;
        return p;
}

/* Without a resolver the payload's own structure is believed: `structural`
 * says whether it holds the resource as a multiple one. */
static int resolve(const tlv_decoder *d, const lwm2m_path *path, bool structural, lwm2m_type *type,
                   bool *multiple)
{
        if (!d->resolver || !d->resolver->resource) {
                *type = LWM2M_TYPE_OPAQUE;
                *multiple = structural;
                return 0;
        }
        return d->resolver->resource(d->resolver->userdata, path, type, multiple);
}

static int decode_signed(const uint8_t *p, size_t len, int64_t *out)
{
        if (len != 1 && len != 2 && len != 4 && len != 8)
                return -EBADMSG;
        uint64_t u = read_be(p, len);
        /* Sign-extend from the top bit of the last byte read. */
        if (len < 8 && (u >> (len * 8 - 1)))
                u |= UINT64_MAX << (len * 8);
        *out = (int64_t)u;
        return 0;
}

/* Fills `v` (zeroed by the caller) from value bytes, by the resource's type. */
static int decode_value(lwm2m_type type, const uint8_t *p, size_t len, lwm2m_value *v)
{
        int r;

        switch (type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
        case LWM2M_TYPE_OPAQUE:
                r = lwm2m_value_set_bytes(v, type, p, len);
                return r == -EILSEQ ? -EBADMSG : r;
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                r = decode_signed(p, len, &v->i);
                if (r < 0)
                        return r;
                v->type = type;
                return 0;
        case LWM2M_TYPE_UNSIGNED:
                /* Zero-extended: an encoder may well have used 0xC8 for 200. */
                if (len != 1 && len != 2 && len != 4 && len != 8)
                        return -EBADMSG;
                *v = lwm2m_value_unsigned(read_be(p, len));
                return 0;
        case LWM2M_TYPE_FLOAT:
                if (len == 4) {
                        uint32_t bits = (uint32_t)read_be(p, 4);
                        float f;
                        memcpy(&f, &bits, sizeof(f));
                        *v = lwm2m_value_float((double)f);
                } else if (len == 8) {
                        uint64_t bits = read_be(p, 8);
                        double f;
                        memcpy(&f, &bits, sizeof(f));
                        *v = lwm2m_value_float(f);
                } else {
                        return -EBADMSG;
                }
                /* IEEE 754 bytes can spell NaN and infinities; a Float holds
                 * neither (value.h), so they are malformed here. */
                if (!isfinite(v->f))
                        return -EBADMSG;
                return 0;
        case LWM2M_TYPE_BOOLEAN:
                if (len != 1 || p[0] > 1)
                        return -EBADMSG;
                *v = lwm2m_value_boolean(p[0] == 1);
                return 0;
        case LWM2M_TYPE_OBJLNK:
                if (len != 4)
                        return -EBADMSG;
                *v = lwm2m_value_objlnk((uint16_t)read_be(p, 2), (uint16_t)read_be(p + 2, 2));
                return 0;
        case LWM2M_TYPE_NONE:
        default:
                /* Executable resources carry no value. */
                return -EBADMSG;
        }
}

static int add_record(tlv_decoder *d, const lwm2m_path *path, lwm2m_record **out)
{
        lwm2m_record *rec = lwm2m_record_list_add(d->out, path);
        if (!rec)
                return -errno;
        *out = rec;
        return 0;
}

/* An element that holds nothing still says that its instance or multiple
 * resource exists; a wrapper above the base that holds nothing names nothing.
 * An empty instance that is the base itself says no more than an empty
 * payload (and encodes as one), so it adds no record either. */
static int add_empty(tlv_decoder *d, const lwm2m_path *path)
{
        if (path->len < d->base->len)
                return -EBADMSG;
        if (path->len == d->base->len && path->len == LWM2M_PATH_INSTANCE)
                return 0;
        lwm2m_record *rec;
        return add_record(d, path, &rec);
}

static int decode_sequence(tlv_decoder *d, const lwm2m_path *parent, const uint8_t *data,
                           size_t len);

/* Decodes one element whose header is `h`, below `parent`. Levels strictly
 * increase, so recursion is at most three deep. */
static int decode_element(tlv_decoder *d, const lwm2m_path *parent, const tlv_header *h)
{
        uint8_t level = kind_level(h->kind);
        if (level != parent->len + 1)
                return -EBADMSG;
        /* Above or at the base, the payload may only repeat the base's IDs. */
        if (level <= d->base->len && h->id != d->base->id[level - 1])
                return -EBADMSG;
        lwm2m_path path = path_child(parent, h->id);

        lwm2m_type type;
        bool multiple;
        lwm2m_record *rec = NULL;
        int r;

        switch (h->kind) {
        case TLV_INSTANCE:
                if (h->len == 0)
                        return add_empty(d, &path);
                return decode_sequence(d, &path, h->value, h->len);
        case TLV_MULTIPLE_RESOURCE:
                r = resolve(d, &path, true, &type, &multiple);
                if (r < 0)
                        return r;
                if (!multiple)
                        return -EBADMSG;
                if (h->len == 0)
                        return add_empty(d, &path);
                return decode_sequence(d, &path, h->value, h->len);
        case TLV_RESOURCE:
        case TLV_RESOURCE_INSTANCE:
                /* A value for the resource cannot answer a request for one of its instances. */
                if (level < d->base->len)
                        return -EBADMSG;
                r = resolve(d, &path, h->kind == TLV_RESOURCE_INSTANCE, &type, &multiple);
                if (r < 0)
                        return r;
                if (multiple != (h->kind == TLV_RESOURCE_INSTANCE))
                        return -EBADMSG;
                r = add_record(d, &path, &rec);
                if (r < 0)
                        return r;
                return decode_value(type, h->value, h->len, &rec->value);
        }
        return -EBADMSG;
}

static int decode_sequence(tlv_decoder *d, const lwm2m_path *parent, const uint8_t *data,
                           size_t len)
{
        while (len > 0) {
                tlv_header h;
                int r = read_header(data, len, &h);
                if (r < 0)
                        return r;
                r = decode_element(d, parent, &h);
                if (r < 0)
                        return r;
                data += h.total;
                len -= h.total;
        }
        return 0;
}

/* The top level may start above the base (wrappers repeating its IDs) or one
 * level below it. A Create on an object may also send bare resources: the
 * server leaves the instance ID to the client, so those records carry
 * LWM2M_ID_INVALID as their instance for the caller to assign. */
static int decode_top(tlv_decoder *d, const uint8_t *data, size_t len)
{
        bool saw_instance = false, saw_bare = false;

        while (len > 0) {
                tlv_header h;
                int r = read_header(data, len, &h);
                if (r < 0)
                        return r;

                uint8_t level = kind_level(h.kind);
                lwm2m_path parent;
                if (level - 1 <= d->base->len) {
                        parent = lwm2m_path_truncate(d->base, level - 1);
                } else if (d->base->len == LWM2M_PATH_OBJECT && level == LWM2M_PATH_RESOURCE) {
                        parent = lwm2m_path_instance(d->base->id[0], LWM2M_ID_INVALID);
                        saw_bare = true;
                } else {
                        return -EBADMSG;
                }
                if (h.kind == TLV_INSTANCE)
                        saw_instance = true;
                if (saw_instance && saw_bare)
                        return -EBADMSG;

                r = decode_element(d, &parent, &h);
                if (r < 0)
                        return r;
                data += h.total;
                len -= h.total;
        }
        return 0;
}

int tlv_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
               const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        assert(out);
        /* TLV has no element for an object: a root request cannot be carried. */
        if (base->len < LWM2M_PATH_OBJECT || base->len > LWM2M_PATH_RESOURCE_INSTANCE)
                return -EMEDIUMTYPE;
        if (len > 0 && !data)
                return -EINVAL;

        tlv_decoder d = {.base = base, .resolver = resolver, .out = out};
        size_t start = out->n;
        int r = decode_top(&d, data, len);
        if (r < 0) {
                /* Leave the list as it was: no half-decoded payload. */
                for (size_t i = start; i < out->n; i++)
                        lwm2m_value_clear(&out->items[i].value);
                out->n = start;
        }
        return r;
}

/* --- encoding --- */

/* Reserves room for the largest header; end_element() then writes the real
 * one and slides the content back, so nested lengths need no second pass. */
static int begin_element(lwm2m_buf *out, size_t *mark)
{
        static const uint8_t placeholder[TLV_HEADER_MAX];
        *mark = out->len;
        return lwm2m_buf_append(out, placeholder, sizeof(placeholder));
}

static size_t make_header(uint8_t *hdr, enum tlv_kind kind, uint16_t id, size_t len)
{
        uint8_t type = (uint8_t)(kind << 6);
        size_t n = 1;

        if (id > 0xFF) {
                type |= 0x20;
                write_be(hdr + n, id, 2);
                n += 2;
        } else {
                hdr[n++] = (uint8_t)id;
        }
        if (len <= 7) {
                type |= (uint8_t)len;
        } else {
                size_t len_len = len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : 3;
                type |= (uint8_t)(len_len << 3);
                write_be(hdr + n, len, len_len);
                n += len_len;
        }
        hdr[0] = type;
        return n;
}

static int end_element(lwm2m_buf *out, size_t mark, enum tlv_kind kind, uint16_t id)
{
        size_t content = out->len - mark - TLV_HEADER_MAX;
        if (content > TLV_LENGTH_MAX)
                return -E2BIG;
        uint8_t hdr[TLV_HEADER_MAX];
        size_t n = make_header(hdr, kind, id, content);
        memmove(out->data + mark + n, out->data + mark + TLV_HEADER_MAX, content);
        memcpy(out->data + mark, hdr, n);
        out->len = mark + n + content;
        return 0;
}

/* Shortest of 1/2/4/8 bytes holding `v` as two's complement. */
static size_t signed_width(int64_t v)
{
        if (v >= INT8_MIN && v <= INT8_MAX)
                return 1;
        if (v >= INT16_MIN && v <= INT16_MAX)
                return 2;
        if (v >= INT32_MIN && v <= INT32_MAX)
                return 4;
        return 8;
}

static int encode_leaf(lwm2m_buf *out, enum tlv_kind kind, uint16_t id, const lwm2m_value *v)
{
        uint8_t bytes[8];
        const uint8_t *p = bytes;
        size_t len;

        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_OPAQUE:
        case LWM2M_TYPE_CORELNK:
                p = v->buf.data;
                len = v->buf.len;
                break;
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                len = signed_width(v->i);
                write_be(bytes, (uint64_t)v->i, len);
                break;
        case LWM2M_TYPE_UNSIGNED:
                /* Keep the top bit clear where the value allows it, so that a
                 * server reading the bytes as a signed Integer sees the same number;
                 * only values of 2^63 and above need it set. */
                len = v->u <= INT64_MAX ? signed_width((int64_t)v->u) : 8;
                write_be(bytes, v->u, len);
                break;
        case LWM2M_TYPE_FLOAT: {
                double d = v->f;
                /* Four bytes only when they give back the very same double (NaN
                 * payloads included); a finite double beyond FLT_MAX must not even
                 * be converted, that is undefined. */
                bool fits = false;
                if (!isfinite(d) || fabs(d) <= FLT_MAX) {
                        double back = (double)(float)d;
                        fits = memcmp(&back, &d, sizeof(d)) == 0;
                }
                if (fits) {
                        float f = (float)d;
                        uint32_t bits;
                        memcpy(&bits, &f, sizeof(bits));
                        len = 4;
                        write_be(bytes, bits, 4);
                } else {
                        uint64_t bits;
                        memcpy(&bits, &d, sizeof(bits));
                        len = 8;
                        write_be(bytes, bits, 8);
                }
                break;
        }
        case LWM2M_TYPE_BOOLEAN:
                bytes[0] = v->b ? 1 : 0;
                len = 1;
                break;
        case LWM2M_TYPE_OBJLNK:
                write_be(bytes, v->lnk.oid, 2);
                write_be(bytes + 2, v->lnk.iid, 2);
                len = 4;
                break;
        case LWM2M_TYPE_NONE:
        default:
                return -EINVAL;
        }
        if (len > TLV_LENGTH_MAX)
                return -E2BIG;

        uint8_t hdr[TLV_HEADER_MAX];
        size_t n = make_header(hdr, kind, id, len);
        int r = lwm2m_buf_reserve(out, n + len);
        if (r < 0)
                return r;
        r = lwm2m_buf_append(out, hdr, n);
        if (r < 0)
                return r;
        return len ? lwm2m_buf_append(out, p, len) : 0;
}

/* Length of the run of records from `i` that share IDs up to index `level`. */
static size_t group_end(const lwm2m_record *recs, size_t n, size_t i, uint8_t level)
{
        size_t j = i + 1;
        while (j < n && recs[j].path.len > level &&
               recs[j].path.id[level] == recs[i].path.id[level])
                j++;
        return j;
}

static int encode_instances_of_resource(const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        for (size_t i = 0; i < n; i++) {
                const lwm2m_record *rec = &recs[i];
                if (rec->path.len != LWM2M_PATH_RESOURCE_INSTANCE)
                        return -EINVAL;
                if (i > 0 && rec->path.id[3] == recs[i - 1].path.id[3])
                        return -EINVAL;
                int r = encode_leaf(out, TLV_RESOURCE_INSTANCE, rec->path.id[3], &rec->value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One resource: a value TLV, or a multiple-resource TLV for its instances. A
 * NONE record at the resource itself says the multiple resource is empty. */
static int encode_resource(const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        uint16_t rid = recs[0].path.id[2];
        bool marker =
                recs[0].path.len == LWM2M_PATH_RESOURCE && recs[0].value.type == LWM2M_TYPE_NONE;

        if (recs[0].path.len == LWM2M_PATH_RESOURCE && !marker) {
                if (n != 1)
                        return -EINVAL;
                return encode_leaf(out, TLV_RESOURCE, rid, &recs[0].value);
        }
        if (marker) {
                recs++;
                n--;
        }
        size_t mark;
        int r = begin_element(out, &mark);
        if (r < 0)
                return r;
        r = encode_instances_of_resource(recs, n, out);
        if (r < 0)
                return r;
        return end_element(out, mark, TLV_MULTIPLE_RESOURCE, rid);
}

static int encode_resources(const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        size_t i = 0;
        while (i < n) {
                if (recs[i].path.len < LWM2M_PATH_RESOURCE) {
                        /* An instance marker: says the instance exists, nothing more. */
                        if (recs[i].value.type != LWM2M_TYPE_NONE)
                                return -EINVAL;
                        i++;
                        continue;
                }
                size_t j = group_end(recs, n, i, 2);
                int r = encode_resource(recs + i, j - i, out);
                if (r < 0)
                        return r;
                i = j;
        }
        return 0;
}

static int encode_instances(const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        size_t i = 0;
        while (i < n) {
                if (recs[i].path.len < LWM2M_PATH_INSTANCE) {
                        if (recs[i].value.type != LWM2M_TYPE_NONE)
                                return -EINVAL;
                        i++;
                        continue;
                }
                size_t j = group_end(recs, n, i, 1);
                size_t mark;
                int r = begin_element(out, &mark);
                if (r < 0)
                        return r;
                r = encode_resources(recs + i, j - i, out);
                if (r < 0)
                        return r;
                r = end_element(out, mark, TLV_INSTANCE, recs[i].path.id[1]);
                if (r < 0)
                        return r;
                i = j;
        }
        return 0;
}

int tlv_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        assert(recs || n == 0);
        assert(out);
        if (base->len < LWM2M_PATH_OBJECT || base->len > LWM2M_PATH_RESOURCE_INSTANCE)
                return -EMEDIUMTYPE;
        for (size_t i = 0; i < n; i++) {
                if (!lwm2m_path_starts_with(&recs[i].path, base))
                        return -EINVAL;
                if (i > 0 && lwm2m_path_compare(&recs[i - 1].path, &recs[i].path) > 0)
                        return -EINVAL;
        }

        size_t start = out->len;
        int r;
        switch (base->len) {
        case LWM2M_PATH_OBJECT:
                r = encode_instances(recs, n, out);
                break;
        case LWM2M_PATH_INSTANCE:
                r = encode_resources(recs, n, out);
                break;
        case LWM2M_PATH_RESOURCE:
                r = n ? encode_resource(recs, n, out) : 0;
                break;
        default:
                r = encode_instances_of_resource(recs, n, out);
                break;
        }
        if (r < 0)
                out->len = start;
        return r;
}
