/* log.c - the daemon's log: one line per message on stderr with a "<N>" syslog
 * priority prefix, which journald reads; messages above the chosen level are dropped. */
#include "daemon/log.h"

#include <errno.h>
#include <stdio.h>

/* The daemon's one piece of process-wide state outside its main context:
 * every module logs through here. */
static int max_level = LOG_INFO;

void log_set_max_level(int priority)
{
        max_level = priority;
}

int log_get_max_level(void)
{
        return max_level;
}

void log_msgv(int priority, const char *fmt, va_list ap)
{
        if (priority > max_level)
                return;
        int saved = errno;
        char msg[1024];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        /* One write per line so that concurrent writers do not interleave. */
        fprintf(stderr, "<%d>%s\n", priority & LOG_PRIMASK, msg);
        errno = saved;
}

void log_msg(int priority, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_msgv(priority, fmt, ap);
        va_end(ap);
}
