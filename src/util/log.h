/* log.h - the one log sink type that every layer is given by the daemon: a
 * function taking a syslog priority and a finished line, and a printf front end to it. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "util/macro.h"

/* syslog priorities (LOG_ERR ... LOG_DEBUG); `message` is one line without a newline. */
typedef void (*lwm2m_log_fn)(void *userdata, int priority, const char *message);

typedef struct lwm2m_log {
        lwm2m_log_fn fn; /* NULL: messages are dropped */
        void *userdata;
        /* The least urgent priority `fn` takes; lines below it are not even formatted. 0
         * (LOG_EMERG) is read as LOG_DEBUG, so that a zeroed sink passes everything on. */
        int max_priority;
} lwm2m_log;

/* True when a line of this priority would reach the sink: for messages costly to build. */
bool lwm2m_log_enabled(const lwm2m_log *log, int priority);
_printf_(3, 4) void lwm2m_logf(const lwm2m_log *log, int priority, const char *fmt, ...);
_printf_(3, 0) void lwm2m_logv(const lwm2m_log *log, int priority, const char *fmt, va_list ap);
