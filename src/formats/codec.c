/* codec.c - checks and steps the codecs share: where a single-value format (text, opaque)
 * may carry its one value, adding that value to the decoded records, and writing names. */
#include "formats/codec.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

static int check_single_target(const lwm2m_path *base)
{
        if (base->len != LWM2M_PATH_RESOURCE && base->len != LWM2M_PATH_RESOURCE_INSTANCE)
                return -EMEDIUMTYPE;
        return 0;
}

int lwm2m_codec_check_single(const lwm2m_path *base, const lwm2m_record *recs, size_t n)
{
        assert(base);
        assert(recs || n == 0);
        int r = check_single_target(base);
        if (r < 0)
                return r;
        if (n != 1)
                return -EMEDIUMTYPE;
        if (!lwm2m_path_equal(&recs[0].path, base))
                /* A record below the base is an instance of a multiple resource. */
                return lwm2m_path_starts_with(&recs[0].path, base) ? -EMEDIUMTYPE : -EINVAL;
        return 0;
}

int lwm2m_codec_resolve_single(const lwm2m_path *base, const lwm2m_resolver *resolver,
                               lwm2m_type required, lwm2m_type *type)
{
        assert(type);
        assert(base);
        assert(type);
        int r = check_single_target(base);
        if (r < 0 || !resolver)
                return r;
        bool multiple = false;
        r = resolver->resource(resolver->userdata, base, type, &multiple);
        if (r < 0)
                return r;
        if (required != LWM2M_TYPE_NONE && *type != required)
                return -EMEDIUMTYPE;
        /* One value cannot replace all instances of a multiple resource at once. */
        if (multiple && base->len == LWM2M_PATH_RESOURCE)
                return -EMEDIUMTYPE;
        /* A single resource has no instances to address. */
        if (!multiple && base->len == LWM2M_PATH_RESOURCE_INSTANCE)
                return -ENOENT;
        return 0;
}

int lwm2m_codec_add_single(lwm2m_record_list *out, const lwm2m_path *base, lwm2m_value *v)
{
        assert(out && base && v);
        lwm2m_record *rec = lwm2m_record_list_add(out, base);
        if (!rec) {
                int r = -errno;
                lwm2m_value_clear(v);
                return r;
        }
        rec->value = *v;
        return 0;
}

const uint64_t lwm2m_codec_pow10[20] = {
        1ull,
        10ull,
        100ull,
        1000ull,
        10000ull,
        100000ull,
        1000000ull,
        10000000ull,
        100000000ull,
        1000000000ull,
        10000000000ull,
        100000000000ull,
        1000000000000ull,
        10000000000000ull,
        100000000000000ull,
        1000000000000000ull,
        10000000000000000ull,
        100000000000000000ull,
        1000000000000000000ull,
        10000000000000000000ull,
};

/* "00" to "99": two digits per division, from the end. Names and numbers are most of a
 * JSON payload. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                  "31323334353637383940414243444546474849505152535455565758596061"
                                  "62636465666768697071727374757677787980818283848586878889909192"
                                  "93949596979899";

/* Writes the `n` digits of `v` backwards from `end`. */
#define PUT_DIGITS_BACKWARDS(v, end)                                                               \
        do {                                                                                       \
                char *q_ = (end);                                                                  \
                while ((v) >= 100) {                                                               \
                        unsigned k_ = (unsigned)((v) % 100) * 2;                                   \
                        (v) /= 100;                                                                \
                        *--q_ = digit_pairs[k_ + 1];                                               \
                        *--q_ = digit_pairs[k_];                                                   \
                }                                                                                  \
                if ((v) >= 10) {                                                                   \
                        *--q_ = digit_pairs[(v)*2 + 1];                                            \
                        *--q_ = digit_pairs[(v)*2];                                                \
                } else {                                                                           \
                        *--q_ = (char)('0' + (v));                                                 \
                }                                                                                  \
        } while (0)

size_t lwm2m_codec_decimal(uint64_t v, char *p)
{
        /* The digit count from the bit length (log10(2) ~ 1233 / 4096), one off at most. */
        unsigned bits = v ? 64 - (unsigned)__builtin_clzll(v) : 1;
        size_t n = (bits * 1233) >> 12;
        n += n < 20 && v >= lwm2m_codec_pow10[n];
        n += n == 0;
        PUT_DIGITS_BACKWARDS(v, p + n);
        return n;
}

/* An ID: at most five digits, in 32-bit arithmetic. */
static size_t id_text(unsigned v, char *p)
{
        size_t n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
        PUT_DIGITS_BACKWARDS(v, p + n);
        return n;
}

size_t lwm2m_codec_ids_text(const lwm2m_path *path, unsigned from, unsigned to, char *p)
{
        assert(path && to <= path->len);
        size_t n = 0;
        for (unsigned k = from; k < to; k++) {
                if (k > from)
                        p[n++] = '/';
                n += id_text(path->id[k], p + n);
        }
        return n;
}
