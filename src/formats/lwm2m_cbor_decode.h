/* lwm2m_cbor_decode.h - reading LwM2M CBOR (content-format 11544): libcbor's streaming decoder
 * item by item, nested maps of path IDs into records typed by the resolver. */
#pragma once

#include "formats/codec.h"

int lwm2m_cbor_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out);
