/* senml_json.h - SenML JSON (content-format 110, RFC 8428) as LwM2M 1.1 uses it, via json-c.
 * Base name and time, relative names, v, vs, vb, vd (base64url), vlo. */
#pragma once

#include "formats/codec.h"

int senml_json_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int senml_json_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                      const lwm2m_resolver *resolver, lwm2m_record_list *out);
