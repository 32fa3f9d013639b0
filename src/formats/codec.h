/* codec.h - what every content-format codec shares: the format numbers, the resolver that
 * tells decoders a resource's type, the error convention and the encode/decode signatures. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/record.h"
#include "util/buf.h"

enum {
        LWM2M_FORMAT_TEXT = 0,
        LWM2M_FORMAT_LINK = 40,
        LWM2M_FORMAT_OPAQUE = 42,
        LWM2M_FORMAT_SENML_JSON = 110,
        LWM2M_FORMAT_SENML_CBOR = 112,
        LWM2M_FORMAT_TLV = 11542,
        LWM2M_FORMAT_LWM2M_JSON = 11543,
        LWM2M_FORMAT_LWM2M_CBOR = 11544,
};

/* How decoders learn a resource's type: the caller answers from its registry.
 * `path` is a resource (len 3) or resource instance (len 4). Returns 0, or
 * -ENOENT when no such resource is defined. */
typedef struct lwm2m_resolver {
        int (*resource)(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple);
        void *userdata;
} lwm2m_resolver;

/* Error convention for every codec:
 *   -EBADMSG      malformed payload, or a value that does not fit its type (4.00)
 *   -ENOENT       the payload names a resource the resolver does not know (4.04)
 *   -EMEDIUMTYPE  the format cannot carry this request (text for an instance,
 *                 opaque for a non-opaque resource): 4.06 on encode, 4.15 on decode
 *   -EPROTONOSUPPORT  no codec for this content-format (4.06 / 4.15)
 *   -E2BIG        over a size or count limit (4.13)
 *   -EDOM         (lwm2m_format_encode) the one resource asked for holds a value
 *                 no format may carry (5.00: the client's fault)
 *   -ENOMEM
 *
 * Encoders take records sorted by path (lwm2m_record_list_sort), all under
 * `base` (the request URI), and append to `out`. Decoders append absolute-path
 * records to `out`; with a resolver every value has its resource's type (a
 * number converted exactly, or -EBADMSG); without one, each value keeps the
 * type its encoding implies (TLV and opaque: OPAQUE; text: STRING). */
typedef int (*lwm2m_encode_fn)(const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                               lwm2m_buf *out);
typedef int (*lwm2m_decode_fn)(const lwm2m_path *base, const uint8_t *data, size_t len,
                               const lwm2m_resolver *resolver, lwm2m_record_list *out);

/* Deepest nesting any decoder follows (CBOR maps, TLV, JSON). */
#define LWM2M_FORMAT_MAX_DEPTH 16

/* The single-value formats (text, opaque) carry exactly one value at exactly the request path,
 * a resource or resource instance. Checks records to encode: 0, or -EMEDIUMTYPE when the format
 * cannot carry them (-EINVAL for a record outside `base`). */
int lwm2m_codec_check_single(const lwm2m_path *base, const lwm2m_record *recs, size_t n);
/* Checks the target of a single value to decode and, with a resolver, sets `type` to the
 * resource's; `required` (LWM2M_TYPE_NONE: any) is the one type the format can carry.
 * Returns 0, -EMEDIUMTYPE, -ENOENT or the resolver's error. */
int lwm2m_codec_resolve_single(const lwm2m_path *base, const lwm2m_resolver *resolver,
                               lwm2m_type required, lwm2m_type *type);
/* Appends the record `base` = `v`, taking `v` (cleared on failure). */
int lwm2m_codec_add_single(lwm2m_record_list *out, const lwm2m_path *base, lwm2m_value *v);

/* 10^0 .. 10^19, every power of ten a uint64_t holds. */
extern const uint64_t lwm2m_codec_pow10[20];
/* Writes `v` in decimal at `p` (room for 20), without a terminator; returns the length. */
size_t lwm2m_codec_decimal(uint64_t v, char *p);
/* Writes the IDs path->id[from..to) as "3/0/5700" at `p` (room for 6 per ID), without a
 * terminator; returns the length. What SenML and LwM2M JSON names are made of. */
size_t lwm2m_codec_ids_text(const lwm2m_path *path, unsigned from, unsigned to, char *p);
