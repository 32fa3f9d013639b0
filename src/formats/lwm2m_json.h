/* lwm2m_json.h - OMA LwM2M JSON (content-format 11543), the LwM2M 1.0 JSON format, via json-c.
 * bn/e/n with v, sv, bv, ov; kept for 1.0 servers. */
#pragma once

#include "formats/codec.h"

int lwm2m_json_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int lwm2m_json_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out);
