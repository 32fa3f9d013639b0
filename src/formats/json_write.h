/* json_write.h - JSON text written straight into an output buffer, for the JSON encoders (SenML
 * JSON, LwM2M JSON): strings escaped as json-c escapes them, numbers in their shortest form. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Each appends to `out` and returns 0 or -ENOMEM/-E2BIG; nothing allocates once `out` has
 * grown. A string is any bytes (UTF-8 is the caller's business): '"', '\\' and control
 * characters escaped, '/' and everything else as it is. */
int json_write_raw(lwm2m_buf *out, const char *text, size_t len);
int json_write_string(lwm2m_buf *out, const void *data, size_t len);
/* `"key":` after a ',' unless `first`. The key is written as it is (a literal). */
int json_write_key(lwm2m_buf *out, const char *key, bool first);
int json_write_int(lwm2m_buf *out, int64_t v);
int json_write_uint(lwm2m_buf *out, uint64_t v);
/* The shortest exact decimal; `flags` as decimal_format_double_ex. -EINVAL if not finite. */
int json_write_double(lwm2m_buf *out, double d, unsigned flags);
/* Standard or url-safe base64 in quotes. */
int json_write_base64(lwm2m_buf *out, const uint8_t *data, size_t len, bool url, bool pad);
