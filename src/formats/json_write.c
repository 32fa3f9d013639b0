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
        if (len == 0)
                return lwm2m_buf_append_byte(out, '"'); /* and `data` may be NULL */
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

char *json_put_uint(char *p, uint64_t v)
{
        return p + lwm2m_codec_decimal(v, p);
}

char *json_put_int(char *p, int64_t v)
{
        if (v < 0)
                *p++ = '-';
        /* -(v + 1) + 1 stays inside uint64_t for INT64_MIN too. */
        return json_put_uint(p, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v);
}

char *json_put_double(char *p, double d, unsigned flags)
{
        int n = decimal_format_double_ex(d, flags, p);
        assert(n >= 0); /* the encoders refuse what is not finite before */
        return p + (n > 0 ? n : 0);
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
