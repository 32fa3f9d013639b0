/* senml_cbor.h - SenML CBOR (content-format 112, RFC 8428) as LwM2M 1.1 uses it, via libcbor.
 * The SenML JSON model with integer labels; integers stay integers. */
#pragma once

#include "formats/codec.h"

int senml_cbor_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int senml_cbor_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out);
