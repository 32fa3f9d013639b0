/* buf.h - a growable byte buffer, the output type of every encoder.
 * Grows geometrically and refuses to exceed a caller-chosen limit. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct lwm2m_buf {
        uint8_t *data;
        size_t len;
        size_t cap;
} lwm2m_buf;

/* Largest buffer any encoder may produce; a guard against runaway output. */
#define LWM2M_BUF_MAX ((size_t)64 * 1024 * 1024)

void lwm2m_buf_free(lwm2m_buf *b);
void lwm2m_buf_reset(lwm2m_buf *b);
/* The slow half of lwm2m_buf_reserve: grows the allocation. */
int lwm2m_buf_grow(lwm2m_buf *b, size_t extra);
int lwm2m_buf_append_slow(lwm2m_buf *b, const void *data, size_t len);

/* Makes room for `extra` more bytes: 0, -ENOMEM, or -E2BIG past LWM2M_BUF_MAX. Inline
 * because encoders call it per field: once the buffer has grown it is a comparison. */
static inline int lwm2m_buf_reserve(lwm2m_buf *b, size_t extra)
{
        /* cap never exceeds LWM2M_BUF_MAX, so fitting in cap is within the limit. */
        if (extra <= b->cap - b->len)
                return 0;
        return lwm2m_buf_grow(b, extra);
}

static inline int lwm2m_buf_append(lwm2m_buf *b, const void *data, size_t len)
{
        if (len <= b->cap - b->len && len > 0) {
                memcpy(b->data + b->len, data, len);
                b->len += len;
                return 0;
        }
        return lwm2m_buf_append_slow(b, data, len);
}

static inline int lwm2m_buf_append_byte(lwm2m_buf *b, uint8_t byte)
{
        if (b->len < b->cap) {
                b->data[b->len++] = byte;
                return 0;
        }
        return lwm2m_buf_append_slow(b, &byte, 1);
}
int lwm2m_buf_printf(lwm2m_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (who frees them) and empties the buffer. */
uint8_t *lwm2m_buf_steal(lwm2m_buf *b, size_t *len);

/* A NUL-terminated copy of `len` bytes that need not be NUL-terminated themselves (a
 * CoAP payload, a value's bytes): strndup() would look for a NUL past them. NULL on
 * allocation failure; `data` may be NULL when `len` is 0. */
char *lwm2m_bytes_to_string(const void *data, size_t len);
