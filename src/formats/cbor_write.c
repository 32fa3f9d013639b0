/* cbor_write.c - CBOR items written in place at the end of an output buffer with libcbor's
 * streaming encoders, for the CBOR encoders (SenML CBOR, LwM2M CBOR). */
#include "formats/cbor_write.h"

#include <cbor.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>

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

/* RFC 8949 section 3: an argument below 24 sits in the initial byte itself. Labels, map
 * sizes and names are nearly always that small, and one byte is cheaper to write than a call
 * into libcbor, which writes the same byte. */
#define TINY_ARGUMENT 24
enum {
        MAJOR_UINT = 0,
        MAJOR_NEGINT = 1,
        MAJOR_BYTES = 2,
        MAJOR_TEXT = 3,
        MAJOR_ARRAY = 4,
        MAJOR_MAP = 5
};

static int tiny_head(lwm2m_buf *out, unsigned major, uint64_t v)
{
        return lwm2m_buf_append_byte(out, (uint8_t)(major << 5 | v));
}

int cbor_write_uint(lwm2m_buf *out, uint64_t v)
{
        if (v < TINY_ARGUMENT)
                return tiny_head(out, MAJOR_UINT, v);
        return EMIT(out, cbor_encode_uint(v, p, room));
}

int cbor_write_int(lwm2m_buf *out, int64_t v)
{
        if (v >= 0)
                return cbor_write_uint(out, (uint64_t)v);
        /* CBOR stores -1 - v, which is never negative and never overflows. */
        uint64_t arg = (uint64_t)(-(v + 1));
        if (arg < TINY_ARGUMENT)
                return tiny_head(out, MAJOR_NEGINT, arg);
        return EMIT(out, cbor_encode_negint(arg, p, room));
}

int cbor_write_array_start(lwm2m_buf *out, size_t n)
{
        if (n < TINY_ARGUMENT)
                return tiny_head(out, MAJOR_ARRAY, n);
        return EMIT(out, cbor_encode_array_start(n, p, room));
}

int cbor_write_map_start(lwm2m_buf *out, size_t n)
{
        if (n < TINY_ARGUMENT)
                return tiny_head(out, MAJOR_MAP, n);
        return EMIT(out, cbor_encode_map_start(n, p, room));
}

int cbor_write_string(lwm2m_buf *out, bool text, const void *data, size_t len)
{
        int r;
        if (len < TINY_ARGUMENT)
                r = tiny_head(out, text ? MAJOR_TEXT : MAJOR_BYTES, len);
        else if (text)
                r = EMIT(out, cbor_encode_string_start(len, p, room));
        else
                r = EMIT(out, cbor_encode_bytestring_start(len, p, room));
        return r < 0 ? r : lwm2m_buf_append(out, data, len);
}

int cbor_write_bool(lwm2m_buf *out, bool b)
{
        return EMIT(out, cbor_encode_bool(b, p, room));
}

int cbor_write_null(lwm2m_buf *out)
{
        return EMIT(out, cbor_encode_null(p, room));
}

/* IEEE 754 half precision, when it holds `d` exactly (NaN: the canonical 0x7e00). From the
 * bits: libcbor's half encoder drops bits of subnormal halves, and frexp and ldexp per
 * reading would cost more than the rest of a record. */
static bool double_to_half(double d, uint16_t *out)
{
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
        int biased = (int)((bits >> 52) & 0x7ff);
        uint64_t mant = bits & ((1ull << 52) - 1);
        if (biased == 0x7ff) {
                *out = mant ? 0x7e00 : sign | 0x7c00;
                return true;
        }
        if (biased == 0) {
                *out = sign; /* zero; subnormal doubles are far below any half */
                return mant == 0;
        }
        int e = biased - 1023; /* |d| = 1.mant * 2^e */
        if (e > 15 || e < -24)
                return false;
        if (e >= -14) {
                if (mant & ((1ull << 42) - 1))
                        return false;
                *out = sign | (uint16_t)((e + 15) << 10) | (uint16_t)(mant >> 42);
                return true;
        }
        /* A subnormal half: |d| = m * 2^-24 with m below 1024. */
        uint64_t m = mant | (1ull << 52);
        unsigned shift = (unsigned)(28 - e);
        if (m & ((1ull << shift) - 1))
                return false;
        *out = sign | (uint16_t)(m >> shift);
        return true;
}

int cbor_write_float(lwm2m_buf *out, double d)
{
        uint16_t h;
        if (double_to_half(d, &h)) {
                uint8_t bytes[3] = {0xf9, (uint8_t)(h >> 8), (uint8_t)h};
                return lwm2m_buf_append(out, bytes, sizeof(bytes));
        }
        /* The range test keeps the float conversion defined. */
        if (fabs(d) <= FLT_MAX && (double)(float)d == d)
                return EMIT(out, cbor_encode_single((float)d, p, room));
        return EMIT(out, cbor_encode_double(d, p, room));
}
