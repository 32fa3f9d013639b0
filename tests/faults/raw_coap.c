/* raw_coap.c - CoAP messages as bytes for the fault tests: an encoder that writes
 * whatever it is told (also invalid messages) and a strict RFC 7252 parser. */
#include "raw_coap.h"

#include <string.h>

static size_t put_ext(uint8_t *p, unsigned v, uint8_t *nibble)
{
        if (v < 13) {
                *nibble = (uint8_t)v;
                return 0;
        }
        if (v < 269) {
                *nibble = 13;
                p[0] = (uint8_t)(v - 13);
                return 1;
        }
        *nibble = 14;
        p[0] = (uint8_t)((v - 269) >> 8);
        p[1] = (uint8_t)(v - 269);
        return 2;
}

size_t raw_encode(const raw_msg *m, uint8_t *buf, size_t size)
{
        size_t tkl = m->token_len & 15;
        size_t need = 4 + (tkl < sizeof(m->token) ? tkl : sizeof(m->token));
        if (need > size)
                return 0;
        buf[0] = (uint8_t)((m->version & 3) << 6 | (m->type & 3) << 4 | tkl);
        buf[1] = m->code;
        buf[2] = (uint8_t)(m->mid >> 8);
        buf[3] = (uint8_t)m->mid;
        memcpy(buf + 4, m->token, need - 4);
        size_t pos = need;
        uint16_t prev = 0;
        for (size_t i = 0; i < m->n_opts; i++) {
                const raw_option *o = &m->opts[i];
                /* A number below the previous one wraps: the delta field says what it says. */
                unsigned delta = (uint16_t)(o->number - prev) & 0xffff;
                if (delta > 269 + 0xffff)
                        delta = 269 + 0xffff;
                uint8_t ext[4], dn, ln;
                size_t n = put_ext(ext, delta, &dn);
                n += put_ext(ext + n, o->len, &ln);
                if (pos + 1 + n + o->len > size)
                        return 0;
                buf[pos++] = (uint8_t)(dn << 4 | ln);
                memcpy(buf + pos, ext, n);
                pos += n;
                if (o->len)
                        memcpy(buf + pos, o->value, o->len);
                pos += o->len;
                prev = o->number;
        }
        if (m->marker || m->len > 0) {
                if (pos + 1 + m->len > size)
                        return 0;
                buf[pos++] = 0xff;
                if (m->len)
                        memcpy(buf + pos, m->payload, m->len);
                pos += m->len;
        }
        return pos;
}

/* Reads an option delta or length nibble with its extension; false on 15. */
static bool get_ext(unsigned nibble, const uint8_t **p, const uint8_t *end, unsigned *out)
{
        if (nibble < 13) {
                *out = nibble;
                return true;
        }
        if (nibble == 13) {
                if (*p + 1 > end)
                        return false;
                *out = 13u + **p;
                *p += 1;
                return true;
        }
        if (nibble == 14) {
                if (*p + 2 > end)
                        return false;
                *out = 269u + ((unsigned)(*p)[0] << 8 | (*p)[1]);
                *p += 2;
                return true;
        }
        return false;
}

bool raw_parse(const uint8_t *buf, size_t len, raw_msg *m)
{
        memset(m, 0, sizeof(*m));
        if (len < 4)
                return false;
        m->version = buf[0] >> 6;
        m->type = (buf[0] >> 4) & 3;
        m->token_len = buf[0] & 15;
        m->code = buf[1];
        m->mid = (uint16_t)(buf[2] << 8 | buf[3]);
        if (m->version != 1 || m->token_len > 8 || 4u + m->token_len > len)
                return false;
        /* Code class 1, 6 and 7 are reserved; an empty message is only the header. */
        unsigned cls = m->code >> 5;
        if (cls == 1 || cls == 6 || cls == 7)
                return false;
        if (m->code == 0 && (len != 4 || m->token_len != 0))
                return false;
        memcpy(m->token, buf + 4, m->token_len);
        const uint8_t *p = buf + 4 + m->token_len, *end = buf + len;
        unsigned number = 0;
        while (p < end && *p != 0xff) {
                unsigned dn = *p >> 4, ln = *p & 15, delta, olen;
                p++;
                if (!get_ext(dn, &p, end, &delta) || !get_ext(ln, &p, end, &olen))
                        return false;
                number += delta;
                if (number > 0xffff || p + olen > end || m->n_opts == RAW_MAX_OPTIONS)
                        return false;
                m->opts[m->n_opts++] =
                        (raw_option){.number = (uint16_t)number, .len = (uint16_t)olen, .value = p};
                p += olen;
        }
        if (p < end) { /* the marker */
                m->marker = true;
                p++;
                if (p == end)
                        return false; /* a marker with no payload is a format error */
                m->payload = p;
                m->len = (size_t)(end - p);
        }
        return true;
}

void raw_uri_path(const raw_msg *m, char *out, size_t size)
{
        size_t pos = 0;
        out[0] = 0;
        for (size_t i = 0; i < m->n_opts && pos + 1 < size; i++) {
                if (m->opts[i].number != 11)
                        continue;
                if (pos)
                        out[pos++] = '/';
                size_t n = m->opts[i].len;
                if (pos + n + 1 > size)
                        n = size - pos - 1;
                memcpy(out + pos, m->opts[i].value, n);
                pos += n;
                out[pos] = 0;
        }
}

bool raw_add_option(raw_msg *m, uint16_t number, const void *value, uint16_t len)
{
        if (m->n_opts == RAW_MAX_OPTIONS)
                return false;
        m->opts[m->n_opts++] = (raw_option){.number = number, .len = len, .value = value};
        return true;
}

uint16_t raw_uint(uint32_t v, uint8_t buf[4])
{
        uint16_t n = 0;
        uint8_t tmp[4];
        while (v) {
                tmp[n++] = (uint8_t)v;
                v >>= 8;
        }
        for (uint16_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        return n;
}
