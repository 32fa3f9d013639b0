/* test_registration.c - integration: the daemon registers with the test server,
 * updates, re-registers when the server forgets it, and de-registers on SIGTERM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon_fixture.h"

static int setup(void **state)
{
        daemon_fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        assert_int_equal(fixture_init(f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        daemon_fixture *f = *state;
        fixture_cleanup(f);
        free(f);
        return 0;
}

static void start_with_server(daemon_fixture *f, const char *server_extra)
{
        char extra[1024];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 30\nretry-timer = 1\n%s",
                 ts_uri(f->server), server_extra ? server_extra : "");
        assert_int_equal(fixture_write_config(f, extra), 0);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
}

static void test_register_and_deregister(void **state)
{
        daemon_fixture *f = *state;
        start_with_server(f, NULL);
        ts_registration *r = ts_wait_register(f->server, 0, 10000);
        assert_non_null(r);
        assert_string_equal(r->endpoint, "itest");
        assert_int_equal(r->lifetime, 30);
        assert_string_equal(r->version, "1.1");
        assert_string_equal(r->binding, "U");
        assert_false(r->queue_mode);
        /* The root link names the preferred SenML format, never TLV. */
        assert_non_null(strstr(r->links, "</>;rt=\"oma.lwm2m\";ct=110"));
        assert_non_null(strstr(r->links, "</3/0>"));
        assert_non_null(strstr(r->links, "</1/0>"));
        assert_null(strstr(r->links, "</0"));

        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        assert_int_equal(ts_deregister_count(f->server), 1);
        fixture_assert_clean_log(f);
}

static void test_update_trigger_and_lifetime_write(void **state)
{
        daemon_fixture *f = *state;
        start_with_server(f, NULL);
        assert_non_null(ts_wait_register(f->server, 0, 10000));

        ts_response resp;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1, -1, NULL,
                                    0, 5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&resp);
        assert_non_null(ts_wait_update(f->server, 0, 5000));

        /* Writing the lifetime sends an Update carrying it at once. */
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_PUT, "/1/0/1", 0, -1, -1, "45", 2,
                                    5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&resp);
        ts_registration *r = ts_wait_update(f->server, 1, 5000);
        assert_non_null(r);
        assert_int_equal(r->lifetime, 45);
        fixture_assert_clean_log(f);
}

static void test_reregister_when_server_forgets(void **state)
{
        daemon_fixture *f = *state;
        start_with_server(f, NULL);
        assert_non_null(ts_wait_register(f->server, 0, 10000));
        /* A restarted server has lost the registration: it answers the next
         * Update with 4.04, and the daemon must register anew at once. */
        ts_fail_next(f->server, COAP_RESPONSE_CODE_NOT_FOUND, 1);
        ts_response resp;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1, -1, NULL,
                                    0, 5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&resp);
        assert_non_null(ts_wait_register(f->server, 1, 10000));
        assert_true(fixture_wait_log(f, "Update answered 4.04; registering again", 2000));
        fixture_assert_clean_log(f);
}

static void test_lost_update_keeps_registration(void **state)
{
        daemon_fixture *f = *state;
        start_with_server(f, NULL);
        assert_non_null(ts_wait_register(f->server, 0, 10000));
        /* A server error on Update (5.03) is not a reason to register again:
         * the daemon retries the Update while its registration is still valid. */
        ts_fail_next(f->server, COAP_RESPONSE_CODE(503), 1);
        ts_response resp;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1, -1, NULL,
                                    0, 5000, &resp),
                         0);
        ts_response_free(&resp);
        assert_non_null(ts_wait_update(f->server, 0, 15000));
        assert_int_equal(ts_register_count(f->server), 1);
        assert_true(fixture_log_contains(f, "Update answered 5.03"));
        fixture_assert_clean_log(f);
}

static void test_server_absent_at_start(void **state)
{
        daemon_fixture *f = *state;
        /* Point the daemon at a port where nobody listens yet. */
        uint16_t port = ts_port(f->server);
        ts_free(f->server);
        f->server = NULL;
        char extra[512];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = coap://127.0.0.1:%u\nlifetime = 30\nretry-timer = 1\nretry-max "
                 "= 2\n",
                 port);
        assert_int_equal(fixture_write_config(f, extra), 0);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
        assert_true(fixture_wait_log(f, "next try in", 15000));
        assert_true(fixture_daemon_running(f));

        ts_config cfg = {.security = TS_SECURITY_NOSEC, .port = port, .trace_timeouts = true};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        assert_non_null(ts_wait_register(f->server, 0, 15000));
        fixture_assert_clean_log(f);
}

/* A [send NAME] section sends every interval; a Send that keeps failing for the same
 * reason is logged once, not every period. (Nothing is at /3303: each period fails.
 * Sends that reach the server: test_observe.c.) */
static void test_periodic_send_failure_logged_once(void **state)
{
        daemon_fixture *f = *state;
        start_with_server(f, "[send nothing-there]\npaths = /3303\ninterval = 1\n");
        assert_non_null(ts_wait_register(f->server, 0, 10000));
        int64_t waited = 0;
        while (fixture_log_count(f, "[send nothing-there]: sending 1 path(s)") < 3 &&
               waited < 20000) {
                ts_process(f->server, 100);
                waited += 100;
        }
        if (fixture_log_count(f, "[send nothing-there]: sending 1 path(s)") < 3) {
                fixture_print_log(f, 4000);
                fail_msg("fewer than 3 periodic Sends in 20 s with interval = 1");
        }
        unsigned failures = fixture_log_count(f, "[send nothing-there]: cannot send: ");
        if (failures != 1) {
                fixture_print_log(f, 4000);
                fail_msg("the same Send failure was logged %u times, want once", failures);
        }
        assert_true(fixture_daemon_running(f));
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_register_and_deregister, setup, teardown),
                cmocka_unit_test_setup_teardown(test_update_trigger_and_lifetime_write, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_reregister_when_server_forgets, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_lost_update_keeps_registration, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_server_absent_at_start, setup, teardown),
                cmocka_unit_test_setup_teardown(test_periodic_send_failure_logged_once, setup,
                                                teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
