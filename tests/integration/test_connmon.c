/* test_connmon.c - integration: /4/0 against what the kernel says of loopback and of a
 * network namespace the test makes, and radio figures from a stand-in ModemManager. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"

extern char **environ;

#define CONTENT   69  /* 2.05 */
#define NOT_FOUND 132 /* 4.04 */
#define TEXT      0

static bool wait_text(ts_server *s, const char *path, const char *want, int timeout_ms)
{
        char got[128] = "";
        for (int waited = 0; waited < timeout_ms; waited += 200) {
                if (fixture_read_text(s, path, got, sizeof(got)) == CONTENT &&
                    strcmp(got, want) == 0)
                        return true;
                ts_process(s, 200);
        }
        fprintf(stderr, "%s is '%s', wanted '%s'\n", path, got, want);
        return false;
}

/* The strings of a multiple resource, "a b c" in instance order. */
static void read_multi(ts_server *s, const char *resource, char *out, size_t size)
{
        out[0] = 0;
        for (unsigned i = 0; i < 16; i++) {
                char path[64], v[128];
                snprintf(path, sizeof(path), "%s/%u", resource, i);
                if (fixture_read_text(s, path, v, sizeof(v)) != CONTENT)
                        break;
                size_t n = strlen(out);
                snprintf(out + n, size - n, "%s%s", n ? " " : "", v);
        }
}

/* Addresses of `ifname` as the test itself sees them (link-local IPv6 left
 * out, as the daemon does when there are others). */
static void own_addresses(const char *ifname, char *out, size_t size)
{
        struct ifaddrs *list;
        out[0] = 0;
        assert_int_equal(getifaddrs(&list), 0);
        for (struct ifaddrs *i = list; i; i = i->ifa_next) {
                if (!i->ifa_addr || strcmp(i->ifa_name, ifname) != 0)
                        continue;
                char a[64];
                if (i->ifa_addr->sa_family == AF_INET)
                        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
                                  a, sizeof(a));
                else if (i->ifa_addr->sa_family == AF_INET6) {
                        struct in6_addr *v6 =
                                &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
                        if (IN6_IS_ADDR_LINKLOCAL(v6))
                                continue;
                        inet_ntop(AF_INET6, v6, a, sizeof(a));
                } else
                        continue;
                size_t n = strlen(out);
                snprintf(out + n, size - n, "%s%s", n ? " " : "", a);
        }
        freeifaddrs(list);
}

static void start(daemon_fixture *f, const char *connectivity)
{
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\n%s",
                 ts_uri(f->server), connectivity);
        assert_int_equal(fixture_write_config(f, extra), 0);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
        assert_non_null(ts_wait_register(f->server, 0, 15000));
}

static void stop(daemon_fixture *f)
{
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
        fixture_cleanup(f);
}

static void test_loopback(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        start(&f, "[connectivity]\ninterface = lo\n");
        char got[512], want[512];
        assert_int_equal(fixture_read_text(f.server, "/4/0/0", got, sizeof(got)), CONTENT);
        assert_string_equal(got, "41"); /* loopback reads as wireline */
        read_multi(f.server, "/4/0/4", got, sizeof(got));
        own_addresses("lo", want, sizeof(want));
        assert_non_null(strstr(want, "127.0.0.1"));
        assert_string_equal(got, want);
        /* Loopback has no default route, and without a modem no radio figures. */
        assert_int_equal(fixture_read_text(f.server, "/4/0/5/0", got, sizeof(got)), NOT_FOUND);
        assert_int_equal(fixture_read_text(f.server, "/4/0/2", got, sizeof(got)), NOT_FOUND);
        assert_int_equal(fixture_read_text(f.server, "/4/0/9", got, sizeof(got)), NOT_FOUND);
        stop(&f);
}

static pid_t start_fake_modem(const char *address, const char *ready)
{
        pid_t pid;
        char *argv[] = {(char *)"/usr/bin/python3",
                        (char *)SOURCE_ROOT "/tests/integration/fake_modemmanager.py",
                        (char *)address, (char *)ready, NULL};
        assert_int_equal(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ), 0);
        for (int waited = 0; waited < 20000; waited += 100) {
                char *text = fixture_read_file(ready);
                bool ok = text && strstr(text, "ready");
                free(text);
                if (ok)
                        return pid;
                usleep(100 * 1000);
        }
        fail_msg("the stand-in ModemManager did not start");
        return -1;
}

static void test_modem(void **state)
{
        daemon_fixture f;
        fixture_bus bus = {0};
        assert_int_equal(fixture_init(&f), 0);
        char log[320], ready[320];
        snprintf(log, sizeof(log), "%s/dbus.log", f.dir);
        assert_int_equal(
                fixture_bus_start(&bus, SOURCE_ROOT "/tests/integration/dbus-test.conf", log), 0);
        snprintf(ready, sizeof(ready), "%s/modem.ready", f.dir);
        pid_t modem = start_fake_modem(bus.address, ready);
        f.modem_bus = bus.address;
        start(&f, "[connectivity]\ninterface = lo\n");

        /* The bearer on "lo" is the modem's: cellular, with the radio's figures. */
        assert_true(wait_text(f.server, "/4/0/0", "6", 10000)); /* LTE-FDD */
        assert_true(wait_text(f.server, "/4/0/2", "-65", 5000));
        assert_true(wait_text(f.server, "/4/0/3", "63", 5000));
        assert_true(wait_text(f.server, "/4/0/7/0", "internet.fake", 5000));
        assert_true(wait_text(f.server, "/4/0/8", "12648430", 5000)); /* 0x00C0FFEE */
        assert_true(wait_text(f.server, "/4/0/9", "1", 5000));
        assert_true(wait_text(f.server, "/4/0/10", "262", 5000));
        assert_true(wait_text(f.server, "/4/0/11", "12", 5000));
        assert_true(wait_text(f.server, "/4/0/12", "6699", 5000)); /* 0x1A2B */

        /* A PropertiesChanged brings the new figure without a poll. */
        ts_response first;
        unsigned handle = 0;
        assert_int_equal(ts_observe(f.server, "/4/0/2", TEXT, 5000, &first, &handle), 0);
        ts_response_free(&first);
        kill(modem, SIGUSR1);
        assert_true(wait_text(f.server, "/4/0/2", "-71", 10000));

        /* ModemManager goes: the radio figures go with it, the bearer is loopback's. */
        kill(modem, SIGTERM);
        waitpid(modem, NULL, 0);
        assert_true(wait_text(f.server, "/4/0/0", "41", 10000));
        char got[128];
        assert_int_equal(fixture_read_text(f.server, "/4/0/9", got, sizeof(got)), NOT_FOUND);
        assert_int_equal(fixture_read_text(f.server, "/4/0/7/0", got, sizeof(got)), NOT_FOUND);
        stop(&f);
        fixture_bus_stop(&bus);
}

/* Last: it moves the test process into a network namespace of its own. */
static void test_namespace(void **state)
{
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: test_namespace needs root and network namespaces (%s)\n",
                       geteuid() != 0 ? "not root" : strerror(errno));
                skip();
        }
        /* Addresses from the documentation ranges, in a namespace nothing leaves. */
        if (fixture_run("ip link set lo up && "
                        "ip link add veth-lwm type veth peer name veth-peer && "
                        "ip addr add 192.0.2.10/24 dev veth-lwm && "
                        "ip -6 addr add 2001:db8::10/64 dev veth-lwm nodad && "
                        "ip link set veth-peer up && ip link set veth-lwm up && "
                        "ip route add default via 192.0.2.1 dev veth-lwm && "
                        "ip -6 route add default via 2001:db8::1 dev veth-lwm") != 0) {
                printf("SKIP: test_namespace cannot make a veth pair here\n");
                skip();
        }
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        start(&f, ""); /* the interface is the default route's */
        char got[512];
        read_multi(f.server, "/4/0/4", got, sizeof(got));
        assert_string_equal(got, "192.0.2.10 2001:db8::10");
        read_multi(f.server, "/4/0/5", got, sizeof(got));
        assert_string_equal(got, "192.0.2.1 2001:db8::1");
        assert_int_equal(fixture_read_text(f.server, "/4/0/0", got, sizeof(got)), CONTENT);
        assert_string_equal(got, "41");

        /* A route that goes is gone at the next read. */
        assert_int_equal(fixture_run("ip -6 route del default via 2001:db8::1 dev veth-lwm"), 0);
        read_multi(f.server, "/4/0/5", got, sizeof(got));
        assert_string_equal(got, "192.0.2.1");
        stop(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_loopback),
                cmocka_unit_test(test_modem),
                cmocka_unit_test(test_namespace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
