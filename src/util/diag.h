/* diag.h - the "why" sentences that checks hand back to their caller: printf
 * into a caller's buffer that may be absent, never leaving half a UTF-8 character. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util/macro.h"

/* Writes the sentence into `why` (nothing when `why` is NULL or `size` 0), cut
 * on a whole character when it does not fit. */
_printf_(3, 4) void lwm2m_diag(char *why, size_t size, const char *fmt, ...);
_printf_(3, 0) void lwm2m_diagv(char *why, size_t size, const char *fmt, va_list ap);
/* After a truncating snprintf of text that may hold UTF-8: drops a multi-byte
 * character cut in half at the end. */
void lwm2m_trim_partial_utf8(char *s);
