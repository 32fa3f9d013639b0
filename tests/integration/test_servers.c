/* test_servers.c - integration: several servers at once, each with its own registration:
 * the Server object's priority order, initial delay, failure block, Disable and Update. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "daemon_fixture.h"

typedef struct env {
        daemon_fixture f; /* f.server is server A (short ID 1, /1/0) */
        ts_server *b;     /* server B (short ID 2, /1/1) */
        uint16_t dead_port;
} env;

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
        env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        assert_int_equal(fixture_init(&e->f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        e->f.server = ts_new(&cfg);
        e->b = ts_new(&cfg);
        assert_non_null(e->f.server);
        assert_non_null(e->b);
        /* A port where nobody listens: a third server, gone at once. */
        ts_server *gone = ts_new(&cfg);
        assert_non_null(gone);
        e->dead_port = ts_port(gone);
        ts_free(gone);
        *state = e;
        return 0;
}

static int teardown(void **state)
{
        env *e = *state;
        fixture_cleanup(&e->f);
        ts_free(e->b);
        free(e);
        return 0;
}

/* Server A and server B, each with its own extra keys; `b_uri` NULL: B's test server. */
static void start(env *e, const char *a_extra, const char *b_extra, const char *b_uri)
{
        char extra[2048];
        snprintf(extra, sizeof(extra),
                 "[server a]\nuri = %s\nshort-id = 1\nlifetime = 60\nretry-timer = 1\n"
                 "retry-max = 2\n%s\n"
                 "[server b]\nuri = %s\nshort-id = 2\nlifetime = 60\nretry-timer = 1\n"
                 "retry-max = 2\n%s\n"
                 /* With two servers Access Control applies: both may read the Device. */
                 "[access-control 3/0]\nacl = default:R\n",
                 ts_uri(e->f.server), a_extra ? a_extra : "", b_uri ? b_uri : ts_uri(e->b),
                 b_extra ? b_extra : "");
        assert_int_equal(fixture_write_config(&e->f, extra), 0);
        assert_int_equal(fixture_start_daemon(&e->f, NULL), 0);
}

/* Serves both servers until `registers` of `which` have been taken, or the timeout. */
static bool wait_registers(env *e, ts_server *which, unsigned registers, int timeout_ms)
{
        for (int64_t end = now_ms() + timeout_ms; now_ms() < end;) {
                ts_process(e->f.server, 10);
                ts_process(e->b, 10);
                if (ts_register_count(which) >= registers)
                        return true;
                if (!fixture_daemon_running(&e->f))
                        return false;
        }
        return false;
}

/* Serves both servers for `ms`. */
static void serve(env *e, int ms)
{
        for (int64_t end = now_ms() + ms; now_ms() < end;) {
                ts_process(e->f.server, 10);
                ts_process(e->b, 10);
        }
}

static uint8_t request(env *e, ts_server *s, coap_pdu_code_t method, const char *path,
                       const char *text)
{
        ts_response resp;
        int r = ts_request(s, method, path, text ? 0 : -1, -1, -1, text, text ? strlen(text) : 0,
                           5000, &resp);
        assert_int_equal(r, 0);
        uint8_t code = resp.code;
        ts_response_free(&resp);
        return code;
}

static void test_priority_order_and_initial_delay(void **state)
{
        env *e = *state;
        /* B comes first (order 1); A (order 2) only once B has registered, and then
         * after its own initial delay. */
        start(e, "priority = 2\ninitial-delay = 2\n", "priority = 1\n", NULL);
        assert_true(wait_registers(e, e->b, 1, 10000));
        int64_t b_at = now_ms();
        assert_int_equal(ts_register_count(e->f.server), 0);
        assert_true(wait_registers(e, e->f.server, 1, 10000));
        int64_t waited = now_ms() - b_at;
        assert_true(waited >= 1800);
        assert_int_equal(ts_register_count(e->b), 1);
        fixture_assert_clean_log(&e->f);
}

static void test_next_in_order_after_a_failed_registration(void **state)
{
        env *e = *state;
        char dead[64];
        snprintf(dead, sizeof(dead), "coap://127.0.0.1:%u", e->dead_port);
        /* B (order 1) is gone; after its two attempts in one sequence its registration
         * has failed, and A (order 2) goes next. */
        start(e, "priority = 2\n", "priority = 1\nretry-count = 2\nsequence-retries = 1\n", dead);
        assert_true(wait_registers(e, e->f.server, 1, 20000));
        /* Written before A's Register was sent. */
        assert_true(fixture_log_contains(&e->f, "server 2 (coap://127.0.0.1"));
        assert_true(fixture_log_contains(&e->f, "registration failed: 2 attempts in 1 sequence"));
        /* A has not failed, and B blocks nobody: no reason to bootstrap. */
        assert_false(fixture_log_contains(&e->f, "bootstrap"));
        /* B is still tried, now at the sequence delay. */
        assert_true(fixture_wait_log(&e->f, "attempt 3 failed", 10000));
}

static void test_failure_block_stops_the_order(void **state)
{
        env *e = *state;
        char dead[64];
        snprintf(dead, sizeof(dead), "coap://127.0.0.1:%u", e->dead_port);
        start(e, "priority = 2\n",
              "priority = 1\nretry-count = 2\nsequence-retries = 1\nfailure-block = true\n", dead);
        assert_true(fixture_wait_log(&e->f, "registration failed: 2 attempts", 20000));
        /* A failure that blocks the order calls for bootstrap; there is none here. */
        assert_true(fixture_wait_log(&e->f, "no bootstrap server to fall back to", 2000));
        /* A must wait for B for good: nothing reaches it while B keeps failing. */
        serve(e, 4000);
        assert_int_equal(ts_register_count(e->f.server), 0);
        assert_true(fixture_daemon_running(&e->f));
}

static void test_unordered_servers_register_at_once(void **state)
{
        env *e = *state;
        char dead[64];
        snprintf(dead, sizeof(dead), "coap://127.0.0.1:%u", e->dead_port);
        /* Without a priority order, a server that is down delays nobody. */
        start(e, NULL, NULL, dead);
        int64_t t0 = now_ms();
        assert_true(wait_registers(e, e->f.server, 1, 10000));
        assert_true(now_ms() - t0 < 5000);
}

static void test_one_disabled_while_the_other_works(void **state)
{
        env *e = *state;
        start(e, NULL, NULL, NULL);
        assert_true(wait_registers(e, e->f.server, 1, 10000));
        assert_true(wait_registers(e, e->b, 1, 10000));
        /* A sets its Disable Timeout and disables itself: it de-registers and stays
         * away that long, while B goes on. */
        assert_int_equal(request(e, e->f.server, COAP_REQUEST_CODE_PUT, "/1/0/5", "3"),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(request(e, e->f.server, COAP_REQUEST_CODE_POST, "/1/0/4", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        int64_t disabled_at = now_ms();
        assert_true(ts_wait_deregister(e->f.server, 0, 5000));
        assert_int_equal(request(e, e->b, COAP_REQUEST_CODE_GET, "/3/0/0", NULL),
                         COAP_RESPONSE_CODE_CONTENT);
        unsigned b_updates = ts_update_count(e->b);
        assert_int_equal(request(e, e->b, COAP_REQUEST_CODE_POST, "/1/1/8", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_non_null(ts_wait_update(e->b, b_updates, 5000));
        /* A comes back after its timeout, with a new Register. */
        assert_true(wait_registers(e, e->f.server, 2, 15000));
        assert_true(now_ms() - disabled_at >= 2800);
        assert_int_equal(ts_register_count(e->b), 1);
        fixture_assert_clean_log(&e->f);
}

static void test_update_trigger_is_per_server(void **state)
{
        env *e = *state;
        start(e, NULL, NULL, NULL);
        assert_true(wait_registers(e, e->f.server, 1, 10000));
        assert_true(wait_registers(e, e->b, 1, 10000));
        unsigned a_updates = ts_update_count(e->f.server);
        unsigned b_updates = ts_update_count(e->b);
        assert_int_equal(request(e, e->b, COAP_REQUEST_CODE_POST, "/1/1/8", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_non_null(ts_wait_update(e->b, b_updates, 5000));
        serve(e, 1000);
        assert_int_equal(ts_update_count(e->f.server), a_updates);
        fixture_assert_clean_log(&e->f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_priority_order_and_initial_delay, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_next_in_order_after_a_failed_registration,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_block_stops_the_order, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_unordered_servers_register_at_once, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_one_disabled_while_the_other_works, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_update_trigger_is_per_server, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
