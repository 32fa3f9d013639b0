/* base64.c - base64 (RFC 4648 section 4) and base64url (section 5) for the text, LwM2M JSON
 * and SenML JSON codecs: one encoder and one strict decoder with the variants they need. */
#include "formats/base64.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

static const char standard_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64_append(lwm2m_buf *out, const uint8_t *data, size_t len, bool url, bool pad)
{
        assert(out);
        if (len == 0)
                return 0; /* and out->data may still be NULL */
        if (len > SIZE_MAX / 4 * 3 - 2)
                return -E2BIG;
        int r = lwm2m_buf_reserve(out, (len + 2) / 3 * 4);
        if (r < 0)
                return r;
        const char *alphabet = url ? url_alphabet : standard_alphabet;
        uint8_t *p = out->data + out->len;
        for (size_t i = 0; i < len; i += 3) {
                size_t left = len - i;
                uint32_t v = (uint32_t)data[i] << 16;
                if (left > 1)
                        v |= (uint32_t)data[i + 1] << 8;
                if (left > 2)
                        v |= data[i + 2];
                *p++ = (uint8_t)alphabet[v >> 18 & 0x3f];
                *p++ = (uint8_t)alphabet[v >> 12 & 0x3f];
                if (left > 1)
                        *p++ = (uint8_t)alphabet[v >> 6 & 0x3f];
                else if (pad)
                        *p++ = '=';
                if (left > 2)
                        *p++ = (uint8_t)alphabet[v & 0x3f];
                else if (pad)
                        *p++ = '=';
        }
        out->len = (size_t)(p - out->data);
        return 0;
}

static int digit_value(char c, base64_mode mode)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        if (mode == BASE64_LENIENT && c == '-')
                return 62;
        if (mode == BASE64_LENIENT && c == '_')
                return 63;
        return -1;
}

int base64_decode(const char *s, size_t len, base64_mode mode, size_t max, uint8_t **out,
                  size_t *out_len)
{
        assert(out_len);
        if (mode == BASE64_CANONICAL && len % 4 != 0)
                return -EBADMSG;
        /* Padding, where present, must complete the last group of four. */
        if (len % 4 == 0 && len > 0 && s[len - 1] == '=') {
                len--;
                if (s[len - 1] == '=')
                        len--;
        }
        if (len % 4 == 1)
                return -EBADMSG;
        if (len / 4 * 3 > max + 2)
                return -E2BIG;
        uint8_t *buf = malloc(len / 4 * 3 + 3);
        if (!buf)
                return -ENOMEM;
        size_t n = 0;
        uint32_t acc = 0;
        unsigned bits = 0;
        for (size_t i = 0; i < len; i++) {
                int d = digit_value(s[i], mode);
                if (d < 0) {
                        free(buf);
                        return -EBADMSG;
                }
                acc = acc << 6 | (uint32_t)d;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        buf[n++] = (uint8_t)(acc >> bits);
                        acc &= (1u << bits) - 1;
                }
        }
        /* Leftover bits must be zero: otherwise two spellings would mean one value. */
        if (acc != 0 || n > max) {
                free(buf);
                return acc != 0 ? -EBADMSG : -E2BIG;
        }
        *out = buf;
        *out_len = n;
        return 0;
}
