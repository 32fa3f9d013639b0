/* base64.h - base64 (RFC 4648 section 4) and base64url (section 5) for the text, LwM2M JSON
 * and SenML JSON codecs: one encoder and one strict decoder with the variants they need. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Appends the encoding of `data`: standard or url alphabet, with or without '=' padding. */
int base64_append(lwm2m_buf *out, const uint8_t *data, size_t len, bool url, bool pad);

typedef enum base64_mode {
        /* Standard alphabet, padding required: one spelling per byte string. */
        BASE64_CANONICAL,
        /* Either alphabet (they never clash), padding optional but correct if present. */
        BASE64_LENIENT,
} base64_mode;

/* Decodes `len` characters into a malloc'd buffer (one spare byte). White space and
 * leftover bits that are not zero are refused in every mode. Returns 0, -EBADMSG,
 * -E2BIG (more than `max` bytes) or -ENOMEM. */
int base64_decode(const char *s, size_t len, base64_mode mode, size_t max, uint8_t **out,
                  size_t *out_len);
