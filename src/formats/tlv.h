/* tlv.h - OMA TLV (content-format 11542): object, instance, resource and multiple-resource TLVs.
 * Integers in 1/2/4/8 bytes, floats in 4 or 8, 8/16/24-bit lengths, as LwM2M TS Core 7.4.3 says. */
#pragma once

#include "formats/codec.h"

int tlv_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int tlv_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
               const lwm2m_resolver *resolver, lwm2m_record_list *out);
