/* test_location.c - integration: /6/0 from the configuration, then from a fake gpsd
 * on 127.0.0.1 (read, observed, gone and back) while the daemon stays up with flat fds. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"

#define CONTENT 69 /* 2.05 */
#define TEXT    0  /* text/plain */
#define OPAQUE  42 /* application/octet-stream */

/* A listening socket on 127.0.0.1:port (0: any free port, written back). */
static int listen_on(uint16_t *port)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(*port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        socklen_t len = sizeof(sa);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        *port = ntohs(sa.sin_port);
        return fd;
}

/* Accepts the daemon's connection while keeping the CoAP server running, and
 * checks that it asks for JSON reports. */
static int accept_daemon(ts_server *s, int lfd, int timeout_ms)
{
        int cfd = -1;
        for (int waited = 0; waited < timeout_ms && cfd < 0; waited += 100) {
                struct pollfd p = {.fd = lfd, .events = POLLIN};
                if (poll(&p, 1, 0) == 1)
                        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                else
                        ts_process(s, 100);
        }
        assert_true(cfd >= 0);
        char buf[256] = {0};
        size_t got = 0;
        for (int waited = 0; waited < 5000 && !strchr(buf, '\n'); waited += 100) {
                struct pollfd p = {.fd = cfd, .events = POLLIN};
                if (poll(&p, 1, 100) == 1) {
                        ssize_t n = read(cfd, buf + got, sizeof(buf) - 1 - got);
                        assert_true(n > 0);
                        got += (size_t)n;
                }
        }
        assert_non_null(strstr(buf, "?WATCH={\"enable\":true,\"json\":true}"));
        return cfd;
}

static void say(int fd, const char *line)
{
        size_t n = strlen(line);
        assert_int_equal(write(fd, line, n), (ssize_t)n);
}

static void tpv(int fd, const char *lat)
{
        char line[256];
        snprintf(line, sizeof(line),
                 "{\"class\":\"TPV\",\"device\":\"/dev/ttyACM0\",\"mode\":3,"
                 "\"time\":\"2026-12-06T22:55:02.000Z\",\"lat\":%s,\"lon\":13.5,"
                 "\"altMSL\":34.5,\"eph\":5.0,\"speed\":0.5,\"track\":45.0}\r\n",
                 lat);
        say(fd, line);
}

/* Reads a resource as text into buf; false when it is not 2.05. */
static bool read_text(ts_server *s, const char *path, char *buf, size_t size)
{
        return fixture_read_text(s, path, buf, size) == CONTENT;
}

static bool read_latitude(ts_server *s, char *buf, size_t size)
{
        return read_text(s, "/6/0/0", buf, size);
}

/* The first Error Code of /3/0/11. */
static void expect_error_code(ts_server *s, const char *want)
{
        char got[16];
        assert_true(read_text(s, "/3/0/11/0", got, sizeof(got)));
        assert_string_equal(got, want);
}

static bool wait_latitude(ts_server *s, const char *want, int timeout_ms)
{
        char got[64] = "";
        for (int waited = 0; waited < timeout_ms; waited += 100) {
                if (read_latitude(s, got, sizeof(got)) && strcmp(got, want) == 0)
                        return true;
                ts_process(s, 100);
        }
        fprintf(stderr, "latitude '%s', wanted '%s'\n", got, want);
        return false;
}

static void test_location_from_config_and_gpsd(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        f.server = ts_new(&cfg);
        assert_non_null(f.server);
        uint16_t port = 0;
        int lfd = listen_on(&port);
        char extra[512];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = %s\nlifetime = 300\n"
                 "[location]\nlatitude = 52.52\nlongitude = 13.405\ngpsd = 127.0.0.1:%u\n",
                 ts_uri(f.server), port);
        assert_int_equal(fixture_write_config(&f, extra), 0);
        assert_int_equal(fixture_start_daemon(&f, NULL), 0);
        assert_non_null(ts_wait_register(f.server, 0, 15000));

        /* Before gpsd says anything: the configured position. */
        char lat[64];
        assert_true(read_latitude(f.server, lat, sizeof(lat)));
        assert_string_equal(lat, "52.52");

        int cfd = accept_daemon(f.server, lfd, 10000);
        say(cfd, "{\"class\":\"VERSION\",\"release\":\"3.25\",\"rev\":\"3.25\","
                 "\"proto_major\":3,\"proto_minor\":15}\n");
        say(cfd, "garbage that is not JSON\n");
        tpv(cfd, "10.5");
        assert_true(wait_latitude(f.server, "10.5", 10000));
        expect_error_code(f.server, "0"); /* garbage alone would be a GPS failure (3) */
        /* Velocity from speed and track (TS 23.032): bearing 45, 0.5 m/s = 1.8 km/h -> 1. */
        ts_response vel;
        assert_int_equal(ts_request(f.server, COAP_REQUEST_CODE_GET, "/6/0/4", -1, OPAQUE, -1, NULL,
                                    0, 5000, &vel),
                         0);
        assert_int_equal(vel.code, CONTENT);
        assert_int_equal((int)vel.len, 4);
        assert_memory_equal(vel.payload, "\x00\x2d\x00\x01", 4);
        ts_response_free(&vel);

        /* An observer gets the next report. */
        ts_response first;
        unsigned handle = 0;
        assert_int_equal(ts_observe(f.server, "/6/0/0", TEXT, 5000, &first, &handle), 0);
        assert_int_equal(first.code, CONTENT);
        ts_response_free(&first);
        assert_true(handle > 0);
        tpv(cfd, "11.25");
        ts_notification n;
        assert_int_equal(ts_wait_observation(f.server, handle, 10000, &n), 0);
        assert_int_equal((int)n.resp.len, 5);
        assert_memory_equal(n.resp.payload, "11.25", 5);
        ts_response_free(&n.resp);

        /* gpsd goes away: the daemon stays up, retries without piling up sockets and
         * says so once. */
        int fds_connected = fixture_fd_count(f.pid);
        close(cfd);
        close(lfd);
        assert_true(fixture_wait_log(&f, "connection closed", 10000));
        expect_error_code(f.server, "3"); /* GPS failure while gpsd is away */
        ts_process(f.server, 3500);       /* retries at about 1 s and 3 s */
        assert_true(fixture_daemon_running(&f));
        int fds_gone = fixture_fd_count(f.pid);
        assert_true(fds_gone >= 0 && fds_gone < fds_connected);
        assert_int_equal(fixture_log_count(&f, "retrying"), 1);
        assert_true(read_latitude(f.server, lat, sizeof(lat)));
        assert_string_equal(lat, "11.25"); /* the last fix stays */

        /* Back again: values flow to the observer. */
        lfd = listen_on(&port);
        cfd = accept_daemon(f.server, lfd, 15000);
        tpv(cfd, "12.5");
        for (;;) {
                assert_int_equal(ts_wait_observation(f.server, handle, 10000, &n), 0);
                bool done = n.resp.len == 4 && memcmp(n.resp.payload, "12.5", 4) == 0;
                ts_response_free(&n.resp);
                if (done)
                        break;
        }
        assert_true(fixture_wait_log(&f, "connected again", 5000));
        expect_error_code(f.server, "0");
        assert_int_equal(fixture_fd_count(f.pid), fds_connected);

        close(cfd);
        close(lfd);
        assert_int_equal(fixture_stop_daemon(&f, 10000), 0);
        fixture_assert_clean_log(&f);
        fixture_cleanup(&f);
}

static void test_no_location_configured(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        f.server = ts_new(&cfg);
        assert_non_null(f.server);
        char extra[256];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\n", ts_uri(f.server));
        assert_int_equal(fixture_write_config(&f, extra), 0);
        assert_int_equal(fixture_start_daemon(&f, NULL), 0);
        assert_non_null(ts_wait_register(f.server, 0, 15000));
        ts_response r;
        assert_int_equal(
                ts_request(f.server, COAP_REQUEST_CODE_GET, "/6/0", -1, -1, -1, NULL, 0, 5000, &r),
                0);
        assert_int_equal(r.code, 132); /* 4.04 */
        ts_response_free(&r);
        assert_int_equal(fixture_stop_daemon(&f, 10000), 0);
        fixture_assert_clean_log(&f);
        fixture_cleanup(&f);
}

/* A host name would need a lookup that blocks the loop: refused at start, saying why. */
static void test_gpsd_host_name_refused(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        assert_int_equal(fixture_write_config(&f, "[server 1]\nuri = coap://127.0.0.1:9\n"
                                                  "[location]\ngpsd = gps.invalid:2947\n"),
                         0);
        assert_int_equal(fixture_start_daemon(&f, NULL), 0);
        assert_true(fixture_wait_log(&f, "expected an IP address and port", 10000));
        for (int waited = 0; waited < 10000 && fixture_daemon_running(&f); waited += 100)
                usleep(100 * 1000);
        assert_false(fixture_daemon_running(&f));
        fixture_assert_clean_log(&f);
        fixture_cleanup(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_location_from_config_and_gpsd),
                cmocka_unit_test(test_no_location_configured),
                cmocka_unit_test(test_gpsd_host_name_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
