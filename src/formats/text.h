/* text.h - text/plain (content-format 0): one resource or resource instance as text.
 * Numbers in decimal, booleans 0/1, Time as integer seconds, Objlnk as oid:iid, opaque in base64.
 */
#pragma once

#include "formats/codec.h"

int text_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out);
int text_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                const lwm2m_resolver *resolver, lwm2m_record_list *out);
