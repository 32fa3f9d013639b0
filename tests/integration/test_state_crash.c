/* test_state_crash.c - integration: the daemon SIGKILLed at random moments during bursts of
 * Lifetime writes; each time the state file must decode, hold a value written, and be used. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "state_helpers.h"

/*
 * What the test holds the daemon to (docs/persistence.md): a server's Write is
 * answered only once the state holding it is on disk. So after a kill the file holds
 * the value acknowledged last or one sent after it (written, its answer not yet
 * seen); never anything else, never an older value, and never a file that does not
 * decode.
 *
 * LWM2MD_CRASH_ITERATIONS (default 15: about half a minute under ASan) sets the
 * number of kills; LWM2MD_CRASH_SEED the random seed (printed).
 */

#define FIRST_LIFETIME 30   /* from the configuration */
#define BASE_LIFETIME  1000 /* written values: BASE_LIFETIME + n, increasing */
#define MAX_WRITES     100000

typedef struct killer {
        pid_t pid;
        unsigned delay_us;
} killer;

static void *kill_later(void *arg)
{
        killer *k = arg;
        usleep(k->delay_us);
        kill(k->pid, SIGKILL);
        return NULL;
}

static unsigned env_uint(const char *name, unsigned fallback)
{
        const char *v = getenv(name);
        return v && *v ? (unsigned)strtoul(v, NULL, 10) : fallback;
}

static void test_crash_loop(void **state)
{
        (void)state;
        unsigned iterations = env_uint("LWM2MD_CRASH_ITERATIONS", 15);
        unsigned seed = env_uint("LWM2MD_CRASH_SEED", (unsigned)time(NULL));
        srand(seed);
        print_message("state-crash: %u iterations, seed %u\n", iterations, seed);

        daemon_fixture f = {0};
        assert_int_equal(fixture_init(&f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .ack_timeout_ms = 1000};
        f.server = ts_new(&cfg);
        assert_non_null(f.server);
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = %d\nretry-timer = 1\n",
                 ts_uri(f.server), FIRST_LIFETIME);
        assert_int_equal(fixture_write_config(&f, extra), 0);

        static bool sent[MAX_WRITES];
        unsigned next = 0;                 /* the next value to write: BASE_LIFETIME + next */
        int64_t expected = FIRST_LIFETIME; /* what the daemon must register with */
        unsigned lost_inflight = 0, writes = 0;
        for (unsigned it = 0; it < iterations; it++) {
                unsigned seen = ts_register_count(f.server);
                assert_int_equal(fixture_start_daemon(&f, NULL), 0);
                ts_registration *reg = ts_wait_register(f.server, seen, 20000);
                if (!reg)
                        fixture_print_log(&f, 4000);
                assert_non_null(reg);
                if (reg->lifetime != expected)
                        fail_msg("iteration %u: registered with lt=%u, the state file holds %lld",
                                 it, reg->lifetime, (long long)expected);

                /* Kill at a random moment of a burst of writes, from another thread so
                 * that it lands anywhere: before a write, during it, or between the
                 * write and its answer. */
                killer k = {.pid = f.pid, .delay_us = 20000 + (unsigned)rand() % 400000};
                pthread_t th;
                assert_int_equal(pthread_create(&th, NULL, kill_later, &k), 0);
                int64_t acked = -1, acked_before = -1;
                for (;;) {
                        assert_true(next < MAX_WRITES);
                        int64_t value = BASE_LIFETIME + next;
                        sent[next++] = true;
                        char text[24];
                        int len = snprintf(text, sizeof(text), "%lld", (long long)value);
                        ts_response resp;
                        int r = ts_request(f.server, COAP_REQUEST_CODE_PUT, "/1/0/1", 0, -1, -1,
                                           text, (size_t)len, 1500, &resp);
                        if (r < 0)
                                break; /* the daemon is gone */
                        uint8_t code = resp.code;
                        ts_response_free(&resp);
                        assert_int_equal(code, COAP_RESPONSE_CODE_CHANGED);
                        acked_before = acked;
                        acked = value;
                        writes++;
                }
                pthread_join(th, NULL);
                int status;
                assert_int_equal(waitpid(f.pid, &status, 0), f.pid);
                assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
                f.pid = 0;

                int64_t lt = -1;
                char why[256] = "";
                int r = state_read_lifetime(&f, 0, &lt, why, sizeof(why));
                if (r == -ENOENT && acked < 0 && expected == FIRST_LIFETIME) {
                        /* Killed before the first flush ever: the configuration still rules. */
                        lt = FIRST_LIFETIME;
                } else if (r < 0) {
                        fail_msg("iteration %u: the state file does not decode: %s", it, why);
                }
                bool was_written = lt == FIRST_LIFETIME ||
                                   (lt >= BASE_LIFETIME && lt < BASE_LIFETIME + (int64_t)next &&
                                    sent[lt - BASE_LIFETIME]);
                if (!was_written)
                        fail_msg("iteration %u: the state holds %lld, never written", it,
                                 (long long)lt);
                /* The floor: the value acknowledged last, or what the daemon started
                 * with when none was acknowledged. */
                int64_t floor = acked >= 0 ? acked : expected;
                if (lt < floor)
                        fail_msg("iteration %u: the state holds %lld, older than %lld "
                                 "(acknowledged: last %lld, before it %lld)",
                                 it, (long long)lt, (long long)floor, (long long)acked,
                                 (long long)acked_before);
                if (lt > acked && acked >= 0)
                        lost_inflight++; /* written and flushed, the answer never seen */
                expected = lt;
        }
        /* The last state is used once more. */
        unsigned seen = ts_register_count(f.server);
        assert_int_equal(fixture_start_daemon(&f, NULL), 0);
        ts_registration *reg = ts_wait_register(f.server, seen, 20000);
        assert_non_null(reg);
        assert_int_equal(reg->lifetime, expected);
        assert_int_equal(fixture_stop_daemon(&f, 10000), 0);
        fixture_assert_clean_log(&f);
        print_message("state-crash: %u iterations, %u writes acknowledged: all states decoded, "
                      "none older than the last acknowledged, and were used; %u kills fell "
                      "after a write whose answer was not seen\n",
                      iterations, writes, lost_inflight);
        fixture_cleanup(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crash_loop),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
