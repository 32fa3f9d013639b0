/* test_time.c - integration: the Device object's clock, UTC offset and time zone
 * written through a stand-in timedated on a private bus, and its refusals as 4.xx. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
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
#include "formats/format.h"

extern char **environ;

#define C(cls, detail) ((uint8_t)((cls)*32 + (detail)))
enum {
        CHANGED = C(2, 4),
        CONTENT = C(2, 5),
        BAD_REQUEST = C(4, 0),
        NOT_ALLOWED = C(4, 5),
        INTERNAL = C(5, 0),
};

#define PUT COAP_REQUEST_CODE_PUT
#define GET COAP_REQUEST_CODE_GET

typedef struct time_ctx {
        daemon_fixture f;
        fixture_bus bus;
        pid_t timedated;
        char calls[320]; /* what the stand-in was asked, a line a call */
} time_ctx;

/* Polls the stand-in's record for a line; false after `timeout_ms`. */
static bool wait_call(time_ctx *c, const char *line, int timeout_ms)
{
        char want[256];
        snprintf(want, sizeof(want), "%s\n", line);
        for (int waited = 0;; waited += 20) {
                char *text = fixture_read_file(c->calls);
                bool found = text && strstr(text, want);
                free(text);
                if (found)
                        return true;
                if (waited >= timeout_ms)
                        return false;
                usleep(20 * 1000);
        }
}

static unsigned call_count(time_ctx *c)
{
        char *text = fixture_read_file(c->calls);
        unsigned n = 0;
        for (const char *p = text; p && (p = strchr(p, '\n')); p++)
                n++;
        free(text);
        return n;
}

static int setup(void **state)
{
        time_ctx *c = calloc(1, sizeof(*c));
        if (!c || fixture_init(&c->f) < 0)
                return -1;
        *state = c;
        char log[320];
        snprintf(log, sizeof(log), "%s/dbus.log", c->f.dir);
        if (fixture_bus_start(&c->bus, SOURCE_ROOT "/tests/integration/dbus-test.conf", log) < 0)
                return -1;
        snprintf(c->calls, sizeof(c->calls), "%s/timedated.calls", c->f.dir);
        char *argv[] = {(char *)"/usr/bin/python3",
                        (char *)SOURCE_ROOT "/tests/integration/fake_timedated.py", c->bus.address,
                        c->calls, NULL};
        if (posix_spawn(&c->timedated, argv[0], NULL, NULL, argv, environ) != 0)
                return -1;
        if (!wait_call(c, "ready", 20000)) {
                fprintf(stderr, "the stand-in timedated did not start\n");
                return -1;
        }
        c->f.time_bus = c->bus.address;
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        c->f.server = ts_new(&cfg);
        if (!c->f.server)
                return -1;
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n",
                 ts_uri(c->f.server));
        if (fixture_write_config(&c->f, extra) < 0 || fixture_start_daemon(&c->f, NULL) < 0)
                return -1;
        if (!ts_wait_register(c->f.server, 0, 15000)) {
                fprintf(stderr, "the daemon did not register\n");
                return -1;
        }
        return 0;
}

static void stop_timedated(time_ctx *c)
{
        if (c->timedated > 0) {
                kill(c->timedated, SIGTERM);
                waitpid(c->timedated, NULL, 0);
                c->timedated = 0;
        }
}

static int teardown(void **state)
{
        time_ctx *c = *state;
        if (!c)
                return 0;
        int rc = fixture_stop_checked(&c->f);
        stop_timedated(c);
        fixture_bus_stop(&c->bus);
        fixture_cleanup(&c->f);
        free(c);
        return rc;
}

static void expect(time_ctx *c, coap_pdu_code_t method, const char *path, const char *text,
                   uint8_t code)
{
        ts_response r;
        int err = ts_request(c->f.server, method, path, text ? LWM2M_FORMAT_TEXT : -1, -1, -1, text,
                             text ? strlen(text) : 0, 10000, &r);
        assert_int_equal(err, 0);
        if (r.code != code) {
                char got[8], want[8];
                fprintf(stderr, "%s %s: got %s, expected %s\n", path, text ? text : "",
                        ts_code_str(r.code, got), ts_code_str(code, want));
                fixture_print_log(&c->f, 20);
        }
        assert_int_equal(r.code, code);
        ts_response_free(&r);
}

static void test_write_timezone(void **state)
{
        time_ctx *c = *state;
        expect(c, PUT, "/3/0/15", "Europe/Berlin", CHANGED);
        /* The reply came after timedated's: the call is already recorded. */
        assert_true(wait_call(c, "SetTimezone Europe/Berlin False", 0));
}

static void test_write_time(void **state)
{
        time_ctx *c = *state;
        expect(c, PUT, "/3/0/13", "1700000000", CHANGED);
        assert_true(wait_call(c, "SetTime 1700000000000000 False False", 0));
        /* Reads stay the system's clock, not the value written. */
        ts_response r;
        assert_int_equal(ts_request(c->f.server, GET, "/3/0/13", -1, LWM2M_FORMAT_TEXT, -1, NULL, 0,
                                    10000, &r),
                         0);
        assert_int_equal(r.code, CONTENT);
        char text[32] = {0};
        memcpy(text, r.payload, r.len < sizeof(text) - 1 ? r.len : sizeof(text) - 1);
        assert_true(llabs(strtoll(text, NULL, 10) - (long long)time(NULL)) < 60);
        ts_response_free(&r);
}

static void test_write_offset(void **state)
{
        time_ctx *c = *state;
        /* timedated sets zones only: whole hours become the Etc zone (POSIX signs). */
        expect(c, PUT, "/3/0/14", "+02:00", CHANGED);
        assert_true(wait_call(c, "SetTimezone Etc/GMT-2 False", 0));
        expect(c, PUT, "/3/0/14", "UTC-05:00", CHANGED);
        assert_true(wait_call(c, "SetTimezone Etc/GMT+5 False", 0));
        expect(c, PUT, "/3/0/14", "+1400", CHANGED);
        assert_true(wait_call(c, "SetTimezone Etc/GMT-14 False", 0));
        expect(c, PUT, "/3/0/14", "Z", CHANGED);
        assert_true(wait_call(c, "SetTimezone Etc/UTC False", 0));
        unsigned before = call_count(c);
        expect(c, PUT, "/3/0/14", "+05:30", BAD_REQUEST);
        assert_true(fixture_log_contains(&c->f, "UTC offset '+05:30' refused: only whole hours"));
        expect(c, PUT, "/3/0/14", "one hour", BAD_REQUEST);
        expect(c, PUT, "/3/0/14", "+15:00", BAD_REQUEST);
        expect(c, PUT, "/3/0/14", "-13:00", BAD_REQUEST);
        expect(c, PUT, "/3/0/14", "+01:00x", BAD_REQUEST);
        assert_int_equal(call_count(c), before);
}

static void test_malformed_timezone(void **state)
{
        time_ctx *c = *state;
        unsigned before = call_count(c);
        expect(c, PUT, "/3/0/15", "../../etc/passwd", BAD_REQUEST);
        expect(c, PUT, "/3/0/15", "Europe/Berlin; reboot", BAD_REQUEST);
        expect(c, PUT, "/3/0/15", "/Europe/Berlin", BAD_REQUEST);
        expect(c, PUT, "/3/0/15", "", BAD_REQUEST);
        assert_true(fixture_log_contains(&c->f, "not an IANA zone name"));
        assert_int_equal(call_count(c), before);
}

static void test_refused(void **state)
{
        time_ctx *c = *state;
        char refuse[340];
        snprintf(refuse, sizeof(refuse), "%s.refuse", c->calls);
        assert_int_equal(fixture_write_file(&c->f, "timedated.calls.refuse", "", NULL, 0), 0);
        unsigned before = call_count(c);
        expect(c, PUT, "/3/0/13", "1700000100", NOT_ALLOWED);
        assert_true(fixture_log_contains(
                &c->f, "timedated refused SetTime: Automatic time synchronization is enabled"));
        assert_int_equal(call_count(c), before);
        assert_int_equal(unlink(refuse), 0);
        expect(c, PUT, "/3/0/13", "1700000200", CHANGED);
}

/* Last: takes the stand-in away. */
static void test_timedated_absent(void **state)
{
        time_ctx *c = *state;
        stop_timedated(c);
        expect(c, PUT, "/3/0/15", "Europe/Paris", INTERNAL);
        assert_true(fixture_log_contains(&c->f, "cannot reach timedated for SetTimezone"));
        assert_true(fixture_daemon_running(&c->f));
        expect(c, GET, "/3/0/0", NULL, CONTENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_write_timezone), cmocka_unit_test(test_write_time),
                cmocka_unit_test(test_write_offset),   cmocka_unit_test(test_malformed_timezone),
                cmocka_unit_test(test_refused),        cmocka_unit_test(test_timedated_absent),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
