/* buf.c - a growable byte buffer, the output type of every encoder.
 * Grows geometrically and refuses to exceed a caller-chosen limit. */
#include "util/buf.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lwm2m_buf_free(lwm2m_buf *b)
{
        assert(b);
        free(b->data);
        *b = (lwm2m_buf){0};
}

void lwm2m_buf_reset(lwm2m_buf *b)
{
        assert(b);
        b->len = 0;
}

int lwm2m_buf_grow(lwm2m_buf *b, size_t extra)
{
        assert(b);
        assert(b->len <= b->cap);
        if (extra > LWM2M_BUF_MAX - b->len)
                return -E2BIG;
        size_t need = b->len + extra;
        if (need <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->cap = cap;
        return 0;
}

int lwm2m_buf_append_slow(lwm2m_buf *b, const void *data, size_t len)
{
        assert(b);
        if (len == 0)
                return 0;
        int r = lwm2m_buf_reserve(b, len);
        if (r < 0)
                return r;
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

int lwm2m_buf_printf(lwm2m_buf *b, const char *fmt, ...)
{
        assert(b);
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        /* +1 for vsnprintf's terminator, which is not counted in len. */
        int r = lwm2m_buf_reserve(b, (size_t)n + 1);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return 0;
}

uint8_t *lwm2m_buf_steal(lwm2m_buf *b, size_t *len)
{
        assert(b);
        uint8_t *p = b->data;
        if (len)
                *len = b->len;
        *b = (lwm2m_buf){0};
        return p;
}

char *lwm2m_bytes_to_string(const void *data, size_t len)
{
        if (len == SIZE_MAX)
                return NULL;
        char *s = malloc(len + 1);
        if (!s)
                return NULL;
        if (len)
                memcpy(s, data, len);
        s[len] = '\0';
        return s;
}
