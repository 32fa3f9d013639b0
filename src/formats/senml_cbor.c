/* senml_cbor.c - SenML CBOR (content-format 112, RFC 8428) as LwM2M 1.1 uses it, via libcbor.
 * The SenML JSON model with integer labels; integers stay integers. */
#include "formats/senml_cbor.h"

#include <assert.h>
#include <cbor.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats/cbor_write.h"
#include "formats/senml.h"
#include "util/macro.h"

/* Decoding uses libcbor's streaming decoder: it reports one item head at a time and never
 * allocates, so a declared length of 2^64 costs nothing; cbor_load() would allocate for the
 * declared count before reading the items. The state machine below checks the shape. */

typedef enum frame_kind {
        FRAME_PACK,   /* the outer array */
        FRAME_RECORD, /* a map inside it */
        FRAME_SKIP,   /* an array or map under an unknown label: read and ignored */
        FRAME_CHUNKS, /* an indefinite-length string */
} frame_kind;

typedef struct frame {
        frame_kind kind;
        bool indefinite;
        bool map;      /* FRAME_SKIP */
        bool text;     /* FRAME_CHUNKS */
        uint64_t left; /* items still to come (maps count keys and values); parity if indefinite */
} frame;

typedef enum slot {
        SLOT_PACK,   /* nothing read yet: the pack */
        SLOT_RECORD, /* an element of the pack */
        SLOT_KEY,
        SLOT_VALUE,
        SLOT_SKIP, /* inside an ignored value */
        SLOT_CHUNK,
} slot;

typedef struct cbor_reader {
        int err;
        bool done;
        size_t avail; /* bytes from the current head to the end of the payload */
        frame stack[LWM2M_FORMAT_MAX_DEPTH];
        unsigned depth;
        bool want_key;
        senml_field field; /* the label just read */
        senml_record rec;
        uint8_t *owned[_SENML_FIELD_MAX]; /* indefinite strings the record points into */
        lwm2m_buf chunks;
        senml_decoder dec;
} cbor_reader;

static void reader_free_owned(cbor_reader *c)
{
        for (unsigned f = 0; f < _SENML_FIELD_MAX; f++) {
                free(c->owned[f]);
                c->owned[f] = NULL;
        }
}

static void fail(cbor_reader *c, int err)
{
        if (c->err == 0)
                c->err = err;
}

/* Records the error and leaves the callback; libcbor's callbacks return nothing. */
#define FAIL_RETURN(c, e)                                                                          \
        do {                                                                                       \
                fail((c), (e));                                                                    \
                return;                                                                            \
        } while (0)

static slot current_slot(const cbor_reader *c)
{
        if (c->depth == 0)
                return SLOT_PACK;
        switch (c->stack[c->depth - 1].kind) {
        case FRAME_PACK:
                return SLOT_RECORD;
        case FRAME_RECORD:
                return c->want_key ? SLOT_KEY : SLOT_VALUE;
        case FRAME_CHUNKS:
                return SLOT_CHUNK;
        default:
                return SLOT_SKIP;
        }
}

static void record_finish(cbor_reader *c)
{
        int r = senml_decoder_add(&c->dec, &c->rec);
        if (r < 0)
                fail(c, r);
        reader_free_owned(c);
        c->rec = (senml_record){0};
}

/* One item is complete: count it in its container, closing containers that are full. */
static void item_done(cbor_reader *c)
{
        while (c->err == 0) {
                if (c->depth == 0) {
                        c->done = true;
                        return;
                }
                frame *f = &c->stack[c->depth - 1];
                if (f->kind == FRAME_RECORD) {
                        /* After a value, forget its label; after a label, keep it. */
                        c->want_key = !c->want_key;
                        if (c->want_key)
                                c->field = SENML_UNKNOWN;
                }
                if (f->indefinite) {
                        f->left ^= 1;
                        return;
                }
                if (--f->left > 0)
                        return;
                c->depth--;
                if (f->kind == FRAME_RECORD)
                        record_finish(c);
        }
}

/* After a scalar went into its slot with result `r`. */
static void scalar_done(cbor_reader *c, int r)
{
        if (r < 0)
                fail(c, r);
        else
                item_done(c);
}

static bool push(cbor_reader *c, frame f)
{
        if (c->depth >= ELEMENTSOF(c->stack)) {
                fail(c, -EBADMSG);
                return false;
        }
        c->stack[c->depth++] = f;
        return true;
}

/* Opens a container whose head was just read; size is its item count (maps: pairs). */
static void container_start(cbor_reader *c, bool map, bool indefinite, uint64_t size)
{
        if (c->err)
                return;
        /* Every item takes at least a byte: a count the payload cannot hold is a lie. */
        uint64_t room = c->avail - 1;
        if (!indefinite && (map ? size > room / 2 : size > room)) {
                fail(c, -EBADMSG);
                return;
        }
        uint64_t items = map ? size * 2 : size;
        frame f = {.kind = FRAME_SKIP, .indefinite = indefinite, .map = map, .left = items};

        switch (current_slot(c)) {
        case SLOT_PACK:
                if (map)
                        FAIL_RETURN(c, -EBADMSG);
                if (!indefinite && size > LWM2M_RECORDS_MAX)
                        FAIL_RETURN(c, -E2BIG);
                f.kind = FRAME_PACK;
                break;
        case SLOT_RECORD:
                if (!map)
                        FAIL_RETURN(c, -EBADMSG);
                f.kind = FRAME_RECORD;
                c->want_key = true;
                c->rec = (senml_record){0};
                break;
        case SLOT_VALUE: {
                int r = senml_record_set_other(&c->rec, c->field);
                if (r < 0)
                        FAIL_RETURN(c, r);
                break;
        }
        case SLOT_SKIP:
                break;
        default:
                FAIL_RETURN(c, -EBADMSG);
        }

        if (!indefinite && items == 0) {
                if (f.kind == FRAME_RECORD)
                        record_finish(c);
                item_done(c);
                return;
        }
        push(c, f);
}

static void on_number(cbor_reader *c, const senml_number *num)
{
        if (c->err)
                return;
        int r = 0;
        switch (current_slot(c)) {
        case SLOT_KEY:
                if (num->kind == SENML_NUMBER_INT)
                        c->field = senml_field_from_cbor_label(num->i);
                else if (num->kind == SENML_NUMBER_UINT)
                        c->field = SENML_UNKNOWN;
                else
                        r = -EBADMSG;
                break;
        case SLOT_VALUE:
                r = senml_record_set_number(&c->rec, c->field, num);
                break;
        case SLOT_SKIP:
                break;
        default:
                r = -EBADMSG;
        }
        scalar_done(c, r);
}

static void on_uint(void *p, uint64_t u)
{
        senml_number num = {.kind = SENML_NUMBER_INT, .i = (int64_t)u};
        if (u > INT64_MAX)
                num = (senml_number){.kind = SENML_NUMBER_UINT, .u = u};
        on_number(p, &num);
}

static void on_negint(void *p, uint64_t x)
{
        cbor_reader *c = p;
        senml_number num = {.kind = SENML_NUMBER_INT};
        slot s = current_slot(c);
        if (x <= INT64_MAX) {
                num.i = -1 - (int64_t)x;
        } else if (s == SLOT_KEY) {
                num = (senml_number){.kind = SENML_NUMBER_UINT}; /* no label that far down */
        } else if (s == SLOT_VALUE) {
                /* Below INT64_MIN: a float, if one holds -1 - x exactly. */
                num.kind = SENML_NUMBER_FLOAT;
                if (x == UINT64_MAX) {
                        num.f = -18446744073709551616.0;
                } else {
                        uint64_t m = x + 1;
                        if (m >> __builtin_ctzll(m) >= (uint64_t)1 << DBL_MANT_DIG)
                                FAIL_RETURN(c, -EBADMSG);
                        num.f = -(double)m;
                }
        }
        on_number(c, &num);
}

static void on_uint8(void *p, uint8_t v)
{
        on_uint(p, v);
}
static void on_uint16(void *p, uint16_t v)
{
        on_uint(p, v);
}
static void on_uint32(void *p, uint32_t v)
{
        on_uint(p, v);
}
static void on_negint8(void *p, uint8_t v)
{
        on_negint(p, v);
}
static void on_negint16(void *p, uint16_t v)
{
        on_negint(p, v);
}
static void on_negint32(void *p, uint32_t v)
{
        on_negint(p, v);
}

static void on_double(void *p, double d)
{
        senml_number num = {.kind = SENML_NUMBER_FLOAT, .f = d};
        on_number(p, &num);
}

static void on_float(void *p, float f)
{
        on_double(p, f);
}

static void on_bool(void *p, bool b)
{
        cbor_reader *c = p;
        if (c->err)
                return;
        int r = 0;
        slot s = current_slot(c);
        if (s == SLOT_VALUE)
                r = senml_record_set_bool(&c->rec, c->field, b);
        else if (s != SLOT_SKIP)
                r = -EBADMSG;
        scalar_done(c, r);
}

static void on_null(void *p)
{
        cbor_reader *c = p;
        if (c->err)
                return;
        int r = 0;
        slot s = current_slot(c);
        if (s == SLOT_VALUE)
                r = senml_record_set_other(&c->rec, c->field);
        else if (s != SLOT_SKIP)
                r = -EBADMSG;
        scalar_done(c, r);
}

static void on_tag(void *p, uint64_t tag)
{
        /* SenML defines no tags; an unexpected one could change a value's meaning. */
        fail(p, -EBADMSG);
}

/* A whole string, definite or joined from chunks. `keep` is a heap copy the record may own. */
static void on_whole_string(cbor_reader *c, const uint8_t *data, size_t len, bool text,
                            uint8_t *keep)
{
        _cleanup_free_ uint8_t *owned = keep;
        int r = 0;
        if (!data)
                data = (const uint8_t *)"";
        switch (current_slot(c)) {
        case SLOT_KEY:
                if (!text)
                        FAIL_RETURN(c, -EBADMSG);
                c->field = senml_field_from_cbor_text((const char *)data, len);
                break;
        case SLOT_VALUE:
                if (text)
                        r = senml_record_set_text(&c->rec, c->field, (const char *)data, len);
                else
                        r = senml_record_set_data(&c->rec, c->field, data, len);
                if (r == 0 && owned && c->field < _SENML_FIELD_MAX)
                        c->owned[c->field] = TAKE_PTR(owned);
                break;
        case SLOT_SKIP:
                break;
        default:
                r = -EBADMSG;
        }
        scalar_done(c, r);
}

static void on_string_data(cbor_reader *c, const uint8_t *data, size_t len, bool text)
{
        if (c->err)
                return;
        if (text && !lwm2m_utf8_valid(data, len))
                FAIL_RETURN(c, -EBADMSG);
        if (current_slot(c) == SLOT_CHUNK) {
                /* RFC 8949 3.2.3: chunks are definite strings of the same major type. */
                if (c->stack[c->depth - 1].text != text)
                        FAIL_RETURN(c, -EBADMSG);
                int r = lwm2m_buf_append(&c->chunks, data, len);
                if (r < 0)
                        fail(c, r);
                return;
        }
        on_whole_string(c, data, len, text, NULL);
}

static void on_text(void *p, cbor_data data, size_t len)
{
        on_string_data(p, data, len, true);
}

static void on_bytes(void *p, cbor_data data, size_t len)
{
        on_string_data(p, data, len, false);
}

static void on_chunks_start(cbor_reader *c, bool text)
{
        if (c->err)
                return;
        slot s = current_slot(c);
        if (s != SLOT_KEY && s != SLOT_VALUE && s != SLOT_SKIP)
                FAIL_RETURN(c, -EBADMSG);
        lwm2m_buf_reset(&c->chunks);
        push(c, (frame){.kind = FRAME_CHUNKS, .indefinite = true, .text = text});
}

static void on_text_start(void *p)
{
        on_chunks_start(p, true);
}

static void on_bytes_start(void *p)
{
        on_chunks_start(p, false);
}

static void on_array(void *p, size_t size)
{
        container_start(p, false, false, size);
}

static void on_indef_array(void *p)
{
        container_start(p, false, true, 0);
}

static void on_map(void *p, size_t size)
{
        container_start(p, true, false, size);
}

static void on_indef_map(void *p)
{
        container_start(p, true, true, 0);
}

static void on_break(void *p)
{
        cbor_reader *c = p;
        if (c->err)
                return;
        if (c->depth == 0 || !c->stack[c->depth - 1].indefinite)
                FAIL_RETURN(c, -EBADMSG);
        frame f = c->stack[--c->depth];
        if (f.kind == FRAME_CHUNKS) {
                size_t len = c->chunks.len;
                uint8_t *data = lwm2m_buf_steal(&c->chunks, &len);
                on_whole_string(c, data, len, f.text, data);
                return;
        }
        /* A map may not end between a key and its value. */
        if ((f.kind == FRAME_RECORD && !c->want_key) || (f.map && f.left != 0))
                FAIL_RETURN(c, -EBADMSG);
        if (f.kind == FRAME_RECORD)
                record_finish(c);
        item_done(c);
}

static const struct cbor_callbacks reader_callbacks = {
        .uint8 = on_uint8,
        .uint16 = on_uint16,
        .uint32 = on_uint32,
        .uint64 = on_uint,
        .negint8 = on_negint8,
        .negint16 = on_negint16,
        .negint32 = on_negint32,
        .negint64 = on_negint,
        /* libcbor's naming: byte_string is a definite string, *_start an indefinite one. */
        .byte_string = on_bytes,
        .byte_string_start = on_bytes_start,
        .string = on_text,
        .string_start = on_text_start,
        .array_start = on_array,
        .indef_array_start = on_indef_array,
        .map_start = on_map,
        .indef_map_start = on_indef_map,
        .tag = on_tag,
        .float2 = on_float,
        .float4 = on_float,
        .float8 = on_double,
        .undefined = on_null,
        .null = on_null,
        .boolean = on_bool,
        .indef_break = on_break,
};

int senml_cbor_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        cbor_reader c = {.field = SENML_UNKNOWN};
        senml_decoder_init(&c.dec, base, resolver, out);

        size_t off = 0;
        while (off < len && c.err == 0 && !c.done) {
                c.avail = len - off;
                struct cbor_decoder_result res =
                        cbor_stream_decode(data + off, len - off, &reader_callbacks, &c);
                if (res.status != CBOR_DECODER_FINISHED || res.read == 0)
                        fail(&c, -EBADMSG); /* truncated, or a reserved head */
                off += res.read;
        }
        if (c.err == 0 && (!c.done || off != len))
                fail(&c, -EBADMSG);

        reader_free_owned(&c);
        lwm2m_buf_free(&c.chunks);
        return senml_decoder_finish(&c.dec, c.err);
}

static int put_int(lwm2m_buf *b, int64_t i)
{
        return cbor_write_int(b, i);
}

static int put_text(lwm2m_buf *b, const char *s)
{
        return cbor_write_string(b, true, s, strlen(s));
}

static int put_label(lwm2m_buf *b, senml_field f)
{
        switch (f) {
        case SENML_BN:
                return put_int(b, -2);
        case SENML_BT:
                return put_int(b, -3);
        case SENML_N:
                return put_int(b, 0);
        case SENML_V:
                return put_int(b, 2);
        case SENML_VS:
                return put_int(b, 3);
        case SENML_VB:
                return put_int(b, 4);
        case SENML_VD:
                return put_int(b, 8);
        case SENML_VLO:
                return put_text(b, "vlo");
        default:
                return -EINVAL;
        }
}

static int put_value(lwm2m_buf *b, const lwm2m_value *v)
{
        char lnk[16];
        int r;

        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                r = put_label(b, SENML_V);
                return r < 0 ? r : put_int(b, v->i);
        case LWM2M_TYPE_UNSIGNED:
                r = put_label(b, SENML_V);
                return r < 0 ? r : cbor_write_uint(b, v->u);
        case LWM2M_TYPE_FLOAT:
                r = put_label(b, SENML_V);
                return r < 0 ? r : cbor_write_float(b, v->f);
        case LWM2M_TYPE_BOOLEAN:
                r = put_label(b, SENML_VB);
                return r < 0 ? r : cbor_write_bool(b, v->b);
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                r = put_label(b, SENML_VS);
                return r < 0 ? r : cbor_write_string(b, true, v->buf.data, v->buf.len);
        case LWM2M_TYPE_OPAQUE:
                r = put_label(b, SENML_VD);
                return r < 0 ? r : cbor_write_string(b, false, v->buf.data, v->buf.len);
        case LWM2M_TYPE_OBJLNK:
                senml_objlnk_format(&v->lnk, lnk, sizeof(lnk));
                r = put_label(b, SENML_VLO);
                return r < 0 ? r : put_text(b, lnk);
        default:
                return -EINVAL;
        }
}

static int put_record(lwm2m_buf *b, const senml_out *o)
{
        size_t pairs = (o->bn != NULL) + o->has_bt + o->has_n + (o->value != NULL);
        int r = cbor_write_map_start(b, pairs);
        if (r >= 0 && o->bn) {
                r = put_label(b, SENML_BN);
                if (r >= 0)
                        r = cbor_write_string(b, true, o->bn, o->bn_len);
        }
        if (r >= 0 && o->has_bt) {
                int64_t i;
                r = put_label(b, SENML_BT);
                if (r >= 0)
                        r = senml_double_to_int64(o->bt, &i) ? put_int(b, i)
                                                             : cbor_write_float(b, o->bt);
        }
        if (r >= 0 && o->has_n) {
                r = put_label(b, SENML_N);
                if (r >= 0)
                        r = cbor_write_string(b, true, o->n, o->n_len);
        }
        if (r >= 0 && o->value)
                r = put_value(b, o->value);
        return r;
}

int senml_cbor_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        assert(recs || n == 0);
        senml_encoder e;

        if (n > LWM2M_RECORDS_MAX)
                return -E2BIG;
        senml_encoder_init(&e, base);
        size_t start = out->len;
        int r = cbor_write_array_start(out, n);
        for (size_t i = 0; i < n && r >= 0; i++) {
                senml_out o;
                r = senml_encoder_next(&e, &recs[i], &o);
                if (r >= 0)
                        r = put_record(out, &o);
        }
        /* A failure leaves `out` as it was. */
        if (r < 0)
                out->len = start;
        return r;
}
