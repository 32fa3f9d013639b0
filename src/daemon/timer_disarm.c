/* timer_disarm.c - the daemon's timerfd_settime, which skips disarming a timer that is
 * disarmed already: the one system call libcoap 4.3.1 adds to every request it reads. */
#include "daemon/timer_disarm.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* libcoap 4.3.1 hands input over only in coap_io_do_epoll, which ends in
 * coap_io_prepare_epoll: timerfd_settime on libcoap's timer whether or not its
 * deadline moved. The daemon keeps that timer disarmed (libcoap's deadline joins
 * the loop's wait instead, lwm2m_engine_wait), so every request would pay for
 * disarming a disarmed timer. Defined in the executable, this function takes the
 * place of the C library's for the shared libraries (symbol interposition): libcoap
 * and sd-event call it. It is exact: a disarmed timer cannot arm or expire by
 * itself, and every arming goes through here, so a second disarm changes nothing;
 * an armed or expired timer, and any call that wants the old value, go to the
 * kernel. A descriptor closed and reused starts a new timer disarmed, which the
 * bit already says or leads to one real call; reused for something other than a
 * timer, a disarm of it would be answered 0 rather than EINVAL, which no caller
 * relies on. Built only where time_t is 64 bits
 * wide and the call is the plain system call (LP64); elsewhere the C library's runs
 * and libcoap's call costs what it costs. */
#if __SIZEOF_POINTER__ == 8 && defined(SYS_timerfd_settime)

/* Descriptors below this are tracked; others always go to the kernel. */
#define TRACKED_FDS 1024

/* Bit fd: the last call through here on fd disarmed its timer. */
static _Atomic uint64_t disarmed[TRACKED_FDS / 64];
static _Atomic uint64_t skipped;

int timerfd_settime(int fd, int flags, const struct itimerspec *value, struct itimerspec *old)
{
        bool tracked = fd >= 0 && fd < TRACKED_FDS;
        uint64_t bit = tracked ? UINT64_C(1) << (fd % 64) : 0;
        bool disarm = value && value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0;
        if (tracked && disarm && !old && (atomic_load(&disarmed[fd / 64]) & bit)) {
                atomic_fetch_add(&skipped, 1);
                return 0;
        }
        long r = syscall(SYS_timerfd_settime, fd, flags, value, old);
        if (tracked) {
                if (r == 0 && disarm)
                        atomic_fetch_or(&disarmed[fd / 64], bit);
                else
                        atomic_fetch_and(&disarmed[fd / 64], ~bit);
        }
        return (int)r;
}

uint64_t timer_disarm_skipped(void)
{
        return atomic_load(&skipped);
}

#else

uint64_t timer_disarm_skipped(void)
{
        return 0;
}

#endif
