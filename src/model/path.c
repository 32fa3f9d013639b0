/* path.c - LwM2M paths: /object/instance/resource/resource-instance.
 * Parsing, formatting and ordering; IDs are 0..65534 (65535 is reserved). */
#include "model/path.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int lwm2m_path_parse_n(const char *s, size_t len, lwm2m_path *out)
{
        assert(out);
        lwm2m_path p = {0};
        size_t i = 0;

        if (i < len && s[i] == '/')
                i++;
        while (i < len) {
                if (p.len == 4)
                        return -EINVAL;
                uint32_t id = 0;
                size_t digits = 0;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        id = id * 10 + (uint32_t)(s[i] - '0');
                        if (id >= LWM2M_ID_INVALID)
                                return -EINVAL;
                        i++;
                        digits++;
                }
                if (digits == 0)
                        return -EINVAL; /* empty segment, sign, or other junk */
                /* A leading zero would give one ID two spellings ("/03" and "/3"). */
                if (digits > 1 && s[i - digits] == '0')
                        return -EINVAL;
                p.id[p.len++] = (uint16_t)id;
                if (i < len) {
                        if (s[i] != '/')
                                return -EINVAL;
                        i++; /* a trailing slash ends the path */
                }
        }
        *out = p;
        return 0;
}

int lwm2m_path_parse(const char *s, lwm2m_path *out)
{
        return lwm2m_path_parse_n(s, strlen(s), out);
}

int lwm2m_path_format(const lwm2m_path *p, char *buf, size_t size)
{
        assert(p);
        if (p->len > 4)
                return -EINVAL;
        if (p->len == 0) {
                if (size < 2)
                        return -ENOBUFS;
                buf[0] = '/';
                buf[1] = 0;
                return 1;
        }
        size_t off = 0;
        for (unsigned k = 0; k < p->len; k++) {
                int n = snprintf(buf + off, size - off, "/%u", (unsigned)p->id[k]);
                if (n < 0 || (size_t)n >= size - off)
                        return -ENOBUFS;
                off += (size_t)n;
        }
        return (int)off;
}

int lwm2m_path_compare(const lwm2m_path *a, const lwm2m_path *b)
{
        assert(a && b);
        unsigned common = a->len < b->len ? a->len : b->len;
        for (unsigned k = 0; k < common; k++) {
                if (a->id[k] != b->id[k])
                        return a->id[k] < b->id[k] ? -1 : 1;
        }
        if (a->len != b->len)
                return a->len < b->len ? -1 : 1;
        return 0;
}

bool lwm2m_path_equal(const lwm2m_path *a, const lwm2m_path *b)
{
        return lwm2m_path_compare(a, b) == 0;
}

bool lwm2m_path_starts_with(const lwm2m_path *p, const lwm2m_path *prefix)
{
        assert(p && prefix);
        if (prefix->len > p->len)
                return false;
        for (unsigned k = 0; k < prefix->len; k++)
                if (p->id[k] != prefix->id[k])
                        return false;
        return true;
}

lwm2m_path lwm2m_path_truncate(const lwm2m_path *p, uint8_t len)
{
        assert(p);
        lwm2m_path r = {0};
        if (len > p->len)
                len = p->len;
        for (unsigned k = 0; k < len; k++)
                r.id[k] = p->id[k];
        r.len = len;
        return r;
}

bool lwm2m_path_valid(const lwm2m_path *p)
{
        assert(p);
        if (p->len > 4)
                return false;
        for (unsigned k = 0; k < p->len; k++)
                if (p->id[k] >= LWM2M_ID_INVALID)
                        return false;
        return true;
}
