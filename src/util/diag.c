/* diag.c - diagnostic sentences for callers' buffers: one printf helper that
 * tolerates an absent buffer and keeps the text valid UTF-8 when it cuts. */
#include "util/diag.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void lwm2m_trim_partial_utf8(char *s)
{
        assert(s);
        size_t i = strlen(s), cont = 0;

        while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
                i--;
                cont++;
        }
        if (i == 0)
                return;
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
        if (need > cont)
                s[i - 1] = '\0';
}

void lwm2m_diagv(char *why, size_t size, const char *fmt, va_list ap)
{
        if (!why || size == 0)
                return;
        vsnprintf(why, size, fmt, ap);
        lwm2m_trim_partial_utf8(why);
}

void lwm2m_diag(char *why, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        lwm2m_diagv(why, size, fmt, ap);
        va_end(ap);
}
