/* opaque.h - application/octet-stream (content-format 42): one opaque resource as raw bytes.
 * Any other resource type is refused with -EMEDIUMTYPE. */
#pragma once

#include "formats/codec.h"

int opaque_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int opaque_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                  const lwm2m_resolver *resolver, lwm2m_record_list *out);
