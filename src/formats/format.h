/* format.h - the content-format dispatch point: picks the codec for a CoAP
 * Content-Format number and converts between records and payload bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/codec.h"

bool lwm2m_format_supported(uint16_t format);
/* "text/plain", "application/vnd.oma.lwm2m+tlv", ... or NULL. */
const char *lwm2m_format_name(uint16_t format);
/* Encodes with the codec of `format`. A record no format may carry (a value
 * outside lwm2m_value_in_domain, a SenML time that is not finite) costs only
 * its resource: under a base shallower than a resource the whole resource is
 * left out (an instance left empty still shows, without values); with the
 * resource or resource instance as base, -EDOM. */
int lwm2m_format_encode(uint16_t format, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                        lwm2m_buf *out);
int lwm2m_format_decode(uint16_t format, const lwm2m_path *base, const uint8_t *data, size_t len,
                        const lwm2m_resolver *resolver, lwm2m_record_list *out);
