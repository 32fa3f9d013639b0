/* lwm2m_cbor.h - LwM2M CBOR (content-format 11544), the LwM2M 1.2 nested-map format, via libcbor.
 * Maps keyed by path IDs, with path arrays where a level is shared. */
#pragma once

#include "formats/codec.h"

int lwm2m_cbor_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int lwm2m_cbor_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out);
