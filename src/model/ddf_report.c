/* ddf_report.c - diagnostics of a DDF load: the caller's callback, positions in the file, and
 * helpers that word a message (quotes cut short, valid UTF-8) and keep the first error. */
#include "model/ddf_report.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/diag.h"

void ddf_emit(const ddf_reporter *p, lwm2m_diag_level level, unsigned line, unsigned column,
              const char *fmt, ...)
{
        assert(p);
        char msg[512];
        va_list ap;

        if (!p->diag)
                return;
        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        p->diag(p->userdata, level, p->name, line, column, msg);
}

void ddf_fail_at(ddf_reporter *p, ddf_position at, const char *fmt, ...)
{
        assert(p);
        assert(p);
        char msg[512];
        va_list ap;

        if (p->error)
                return;
        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p->diag)
                p->diag(p->userdata, LWM2M_DIAG_ERROR, p->name, at.line, at.column, msg);
        p->error = -EBADMSG;
}

void ddf_fail_oom(ddf_reporter *p)
{
        assert(p);
        if (p->error)
                return;
        ddf_emit(p, LWM2M_DIAG_ERROR, 0, 0, "out of memory");
        p->error = -ENOMEM;
}

const char *ddf_excerpt(const char *s, ddf_excerpt_buf *b)
{
        assert(s && b);
        size_t cut = 64;

        if (strlen(s) <= cut + 8)
                return s;
        while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
                cut--; /* not inside a character */
        snprintf(b->s, sizeof(b->s), "%.*s...", (int)cut, s);
        return b->s;
}

void ddf_copy_cut(char *dst, size_t size, const char *src)
{
        assert(dst || size == 0);
        assert(src);
        size_t len = strlen(src);

        if (len >= size) {
                len = size - 1;
                while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
                        len--;
        }
        memcpy(dst, src, len);
        dst[len] = '\0';
}
