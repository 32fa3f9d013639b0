/* log.h - the daemon's log: one line per message on stderr with a "<N>" syslog
 * priority prefix, which journald reads; messages above the chosen level are dropped. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

void log_set_max_level(int priority);
int log_get_max_level(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_msgv(int priority, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)
