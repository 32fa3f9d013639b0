/* json_write.h - JSON text written straight into an output buffer, for the JSON encoders (SenML
 * JSON, LwM2M JSON): strings escaped as json-c escapes them, numbers in their shortest form. */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats/decimal.h"
#include "util/buf.h"

/*
 * Two layers. The json_put_* calls write at a cursor into memory the caller has made room
 * for and return the new cursor: a record's keys, names and numbers are bounded, so an
 * encoder writes them into a stack buffer and appends that once. The json_write_* calls
 * append what has no bound (strings, base64) to a lwm2m_buf, returning 0, -ENOMEM or -E2BIG.
 * Nothing allocates once the buffer has grown.
 */

/* Room json_put_int, json_put_uint or json_put_double may take. */
#define JSON_NUMBER_MAX DECIMAL_DOUBLE_STRLEN

static inline char *json_put_raw(char *p, const char *text, size_t len)
{
        memcpy(p, text, len);
        return p + len;
}

/* `"key":` after a ',' unless `first`; the key is a literal that needs no escape. */
static inline char *json_put_key(char *p, const char *key, bool first)
{
        if (!first)
                *p++ = ',';
        *p++ = '"';
        p = json_put_raw(p, key, strlen(key));
        *p++ = '"';
        *p++ = ':';
        return p;
}

/* A string of characters that need no escape (digits, '/', ':'), such as the names of paths
 * the encoders build themselves: len + 2 bytes. */
static inline char *json_put_name(char *p, const char *text, size_t len)
{
        *p++ = '"';
        p = json_put_raw(p, text, len);
        *p++ = '"';
        return p;
}

char *json_put_int(char *p, int64_t v);
char *json_put_uint(char *p, uint64_t v);
/* The shortest exact decimal of a finite `d`, `flags` as decimal_format_double_ex. */
char *json_put_double(char *p, double d, unsigned flags);

int json_write_raw(lwm2m_buf *out, const char *text, size_t len);
/* Any bytes (UTF-8 is the caller's business) in quotes: '"', '\\' and control characters
 * escaped, '/' and everything else as it is. */
int json_write_string(lwm2m_buf *out, const void *data, size_t len);
/* Standard or url-safe base64 in quotes. */
int json_write_base64(lwm2m_buf *out, const uint8_t *data, size_t len, bool url, bool pad);
