/* json_write.c - JSON text written straight into an output buffer, for the JSON encoders (SenML
 * JSON, LwM2M JSON): strings escaped as json-c escapes them, numbers in their shortest form. */
#include "formats/json_write.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "formats/base64.h"
#include "formats/codec.h"
#include "formats/decimal.h"

int json_write_raw(lwm2m_buf *out, const char *text, size_t len)
{
        return lwm2m_buf_append(out, text, len);
}

/* What json-c writes for byte `c` when it must be escaped (its output with
 * JSON_C_TO_STRING_NOSLASHESCAPE, which the decoders have always read). */
static size_t escape(uint8_t c, char esc[static 6])
{
        static const char hex[] = "0123456789abcdef";
        char short_form = c == '"'    ? '"'
                          : c == '\\' ? '\\'
                          : c == '\b' ? 'b'
                          : c == '\f' ? 'f'
                          : c == '\n' ? 'n'
                          : c == '\r' ? 'r'
                          : c == '\t' ? 't'
                                      : 0;
        esc[0] = '\\';
        if (short_form) {
                esc[1] = short_form;
                return 2;
        }
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xf];
        return 6;
}

int json_write_string(lwm2m_buf *out, const void *data, size_t len)
{
        const uint8_t *s = data;
        /* Most strings need no escape: room for them and the quotes at once. */
        if (len > SIZE_MAX - 2)
                return -E2BIG;
        int r = lwm2m_buf_reserve(out, len + 2);
        if (r < 0)
                return r;
        out->data[out->len++] = '"';
        size_t run = 0; /* bytes from s + run onwards not yet copied */
        for (size_t i = 0; i < len; i++) {
                if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
                        continue;
                char esc[6];
                size_t n = escape(s[i], esc);
                r = lwm2m_buf_append(out, s + run, i - run);
                if (r >= 0)
                        r = lwm2m_buf_append(out, esc, n);
                if (r < 0)
                        return r;
                run = i + 1;
        }
        r = lwm2m_buf_append(out, s + run, len - run);
        if (r < 0)
                return r;
        return lwm2m_buf_append_byte(out, '"');
}

int json_write_key(lwm2m_buf *out, const char *key, bool first)
{
        size_t len = strlen(key);
        int r = lwm2m_buf_reserve(out, len + 4);
        if (r < 0)
                return r;
        uint8_t *p = out->data + out->len;
        if (!first)
                *p++ = ',';
        *p++ = '"';
        memcpy(p, key, len);
        p += len;
        *p++ = '"';
        *p++ = ':';
        out->len = (size_t)(p - out->data);
        return 0;
}

int json_write_uint(lwm2m_buf *out, uint64_t v)
{
        char buf[20];
        return lwm2m_buf_append(out, buf, lwm2m_codec_decimal(v, buf));
}

int json_write_int(lwm2m_buf *out, int64_t v)
{
        char buf[21];
        size_t n = 0;
        if (v < 0)
                buf[n++] = '-';
        /* -(v + 1) + 1 stays inside uint64_t for INT64_MIN too. */
        uint64_t magnitude = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
        n += lwm2m_codec_decimal(magnitude, buf + n);
        return lwm2m_buf_append(out, buf, n);
}

int json_write_double(lwm2m_buf *out, double d, unsigned flags)
{
        char buf[DECIMAL_DOUBLE_STRLEN];
        int n = decimal_format_double_ex(d, flags, buf);
        if (n < 0)
                return n;
        return lwm2m_buf_append(out, buf, (size_t)n);
}

int json_write_base64(lwm2m_buf *out, const uint8_t *data, size_t len, bool url, bool pad)
{
        int r = lwm2m_buf_append_byte(out, '"');
        if (r >= 0)
                r = base64_append(out, data, len, url, pad);
        if (r >= 0)
                r = lwm2m_buf_append_byte(out, '"');
        return r;
}
