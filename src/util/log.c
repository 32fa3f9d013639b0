/* log.c - the one log sink type: formats a line (cut at 512 bytes on a whole
 * UTF-8 character) and hands it to the sink the daemon wired in. */
#include "util/log.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/diag.h"

bool lwm2m_log_enabled(const lwm2m_log *log, int priority)
{
        assert(log);
        assert(log);
        int max = log->max_priority ? log->max_priority : LOG_DEBUG;
        return log->fn && priority <= max;
}

void lwm2m_logv(const lwm2m_log *log, int priority, const char *fmt, va_list ap)
{
        assert(log && fmt);
        if (!lwm2m_log_enabled(log, priority))
                return;
        char msg[512];
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        log->fn(log->userdata, priority, msg);
}

void lwm2m_logf(const lwm2m_log *log, int priority, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        lwm2m_logv(log, priority, fmt, ap);
        va_end(ap);
}
