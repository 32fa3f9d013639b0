/* buf.h - a growable byte buffer, the output type of every encoder.
 * Grows geometrically and refuses to exceed a caller-chosen limit. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct lwm2m_buf {
        uint8_t *data;
        size_t len;
        size_t cap;
} lwm2m_buf;

/* Largest buffer any encoder may produce; a guard against runaway output. */
#define LWM2M_BUF_MAX ((size_t)64 * 1024 * 1024)

void lwm2m_buf_free(lwm2m_buf *b);
void lwm2m_buf_reset(lwm2m_buf *b);
/* Makes room for `extra` more bytes: 0, -ENOMEM, or -E2BIG past LWM2M_BUF_MAX. */
int lwm2m_buf_reserve(lwm2m_buf *b, size_t extra);
int lwm2m_buf_append(lwm2m_buf *b, const void *data, size_t len);
int lwm2m_buf_append_byte(lwm2m_buf *b, uint8_t byte);
int lwm2m_buf_printf(lwm2m_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (who frees them) and empties the buffer. */
uint8_t *lwm2m_buf_steal(lwm2m_buf *b, size_t *len);

/* A NUL-terminated copy of `len` bytes that need not be NUL-terminated themselves (a
 * CoAP payload, a value's bytes): strndup() would look for a NUL past them. NULL on
 * allocation failure; `data` may be NULL when `len` is 0. */
char *lwm2m_bytes_to_string(const void *data, size_t len);
