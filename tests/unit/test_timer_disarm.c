/* test_timer_disarm.c - the daemon's timerfd_settime: a disarm of a disarmed timer is
 * skipped, everything else reaches the kernel and does what it always did. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/timer_disarm.h"

static const struct itimerspec off = {{0, 0}, {0, 0}};

static bool readable(int fd, int timeout_ms)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        return poll(&p, 1, timeout_ms) == 1;
}

static void test_second_disarm_skipped(void **state)
{
#if __SIZEOF_POINTER__ != 8
        skip(); /* the C library's timerfd_settime runs there (timer_disarm.c) */
#endif
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        assert_true(fd >= 0);
        uint64_t before = timer_disarm_skipped();
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        assert_int_equal(timer_disarm_skipped(), before); /* not known disarmed yet */
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        assert_int_equal(timer_disarm_skipped(), before + 2);

        /* Armed, then disarmed before it expires: the disarm is real. */
        struct itimerspec soon = {{0, 0}, {0, 50 * 1000 * 1000}};
        assert_int_equal(timerfd_settime(fd, 0, &soon, NULL), 0);
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        assert_int_equal(timer_disarm_skipped(), before + 2);
        assert_false(readable(fd, 120));

        /* Expired: the disarm that follows clears the expiration, as the kernel's does. */
        struct itimerspec now = {{0, 0}, {0, 1000}};
        assert_int_equal(timerfd_settime(fd, 0, &now, NULL), 0);
        assert_true(readable(fd, 1000));
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        assert_false(readable(fd, 0));
        assert_int_equal(timer_disarm_skipped(), before + 2);

        /* Asked for the old value, the kernel answers, disarmed or not. */
        struct itimerspec old = {{1, 1}, {1, 1}};
        assert_int_equal(timerfd_settime(fd, 0, &off, &old), 0);
        assert_int_equal(old.it_value.tv_sec, 0);
        assert_int_equal(old.it_value.tv_nsec, 0);
        assert_int_equal(timer_disarm_skipped(), before + 2);
        close(fd);
}

static void test_errors_still_reported(void **state)
{
        /* Not a timer: the kernel's EINVAL. (The descriptor may be one a disarmed timer
         * had before: then only a disarm would be taken for a timer's, timer_disarm.c.) */
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        struct itimerspec soon = {{0, 0}, {1, 0}};
        errno = 0;
        assert_int_equal(timerfd_settime(fds[0], 0, &soon, NULL), -1);
        assert_int_equal(errno, EINVAL);
        for (int i = 0; i < 2; i++) {
                errno = 0;
                assert_int_equal(timerfd_settime(fds[0], 0, &off, NULL), -1);
                assert_int_equal(errno, EINVAL);
        }
        close(fds[0]);
        close(fds[1]);
        errno = 0;
        assert_int_equal(timerfd_settime(-1, 0, &off, NULL), -1);
        assert_int_equal(errno, EBADF);
}

/* A descriptor closed and reused by a new timer: the new timer starts disarmed, and an
 * arming of it is not mistaken for anything else. */
static void test_reused_descriptor(void **state)
{
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        assert_true(fd >= 0);
        struct itimerspec soon = {{0, 0}, {0, 1000}};
        assert_int_equal(timerfd_settime(fd, 0, &off, NULL), 0);
        close(fd);
        int again = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        assert_int_equal(again, fd);
        assert_int_equal(timerfd_settime(again, 0, &soon, NULL), 0);
        assert_true(readable(again, 1000));
        assert_int_equal(timerfd_settime(again, 0, &off, NULL), 0);
        assert_false(readable(again, 0));
        close(again);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_second_disarm_skipped),
                cmocka_unit_test(test_errors_still_reported),
                cmocka_unit_test(test_reused_descriptor),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
