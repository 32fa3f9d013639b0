/* ddf_report.h - diagnostics of a DDF load: the caller's callback, positions in the file, and
 * helpers that word a message (quotes cut short, valid UTF-8) and keep the first error. */
#pragma once

#include <stddef.h>

#include "util/macro.h"

typedef enum lwm2m_diag_level {
        LWM2M_DIAG_ERROR,   /* the file (or object) was rejected */
        LWM2M_DIAG_WARNING, /* loaded, but something was ignored or overridden */
        LWM2M_DIAG_NOTICE,  /* informational: skipped non-object files, overrides */
} lwm2m_diag_level;

/* Receives every diagnostic; `line` and `column` are 0 when not applicable. */
typedef void (*lwm2m_diag_fn)(void *userdata, lwm2m_diag_level level, const char *file,
                              unsigned line, unsigned column, const char *message);

typedef struct ddf_position {
        unsigned line;
        unsigned column;
} ddf_position;

/* Where the diagnostics of one file go, and how its load has failed. */
typedef struct ddf_reporter {
        const char *name; /* the file, as messages name it */
        lwm2m_diag_fn diag;
        void *userdata;
        int error; /* 0, -EBADMSG (reported) or -ENOMEM */
} ddf_reporter;

/* Passes one message on (nothing without a callback). */
_printf_(5, 6) void ddf_emit(const ddf_reporter *r, lwm2m_diag_level level, unsigned line,
                             unsigned column, const char *fmt, ...);
/* Rejects the file: the first error is reported and sets `error` (-EBADMSG); later ones are
 * not, since they mostly follow from the first. */
_printf_(3, 4) void ddf_fail_at(ddf_reporter *r, ddf_position at, const char *fmt, ...);
/* As ddf_fail_at, with -ENOMEM. */
void ddf_fail_oom(ddf_reporter *r);

/* Quoted file text in messages is cut short: the message is about the file, not a copy of it. */
typedef struct ddf_excerpt_buf {
        char s[80];
} ddf_excerpt_buf;

const char *ddf_excerpt(const char *s, ddf_excerpt_buf *b);
/* Copies a name, cut short at a character boundary if it does not fit. */
void ddf_copy_cut(char *dst, size_t size, const char *src);
