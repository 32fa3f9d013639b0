/* lwm2m_cbor.h - LwM2M CBOR (content-format 11544), the LwM2M 1.2 nested-map format, via libcbor.
 * Maps keyed by path IDs, with path arrays where a level is shared. */
#pragma once

#include "formats/codec.h"
#include "formats/lwm2m_cbor_decode.h" /* the decoder, declared with the format */

int lwm2m_cbor_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
