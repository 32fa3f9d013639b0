/* timer_disarm.h - the daemon's timerfd_settime, which skips disarming a timer that is
 * disarmed already: the one system call libcoap 4.3.1 adds to every request it reads. */
#pragma once

#include <stdint.h>

/* How many disarms of a disarmed timer were skipped so far (0 where the daemon's
 * timerfd_settime is not built: see timer_disarm.c). */
uint64_t timer_disarm_skipped(void);
