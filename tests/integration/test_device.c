/* test_device.c - integration: the Device object's identity from a fake tree of system
 * files (LWM2MD_SYSROOT), and Error Code raised by the daemon and reset by the server. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "tests/unit/sysroot_fixture.h"

#define CHANGED   68  /* 2.04 */
#define CONTENT   69  /* 2.05 */
#define NOT_FOUND 132 /* 4.04 */
#define TEXT      0

/* A file of the fake system tree under the scratch directory. */
#define PUT(f, path, lit)                                                                          \
        do {                                                                                       \
                char root_[300];                                                                   \
                snprintf(root_, sizeof(root_), "%s/root", (f)->dir);                               \
                SYSROOT_PUT(root_, path, lit);                                                     \
        } while (0)

static void start(daemon_fixture *f, const char *extra_device)
{
        char root[300];
        snprintf(root, sizeof(root), "%s/root", f->dir);
        mkdir(root, 0755);
        setenv("LWM2MD_SYSROOT", root, 1);
        f->system_identity = true;
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        char extra[512];
        snprintf(extra, sizeof(extra), "[device]\n%s[server 1]\nuri = %s\nlifetime = 300\n",
                 extra_device, ts_uri(f->server));
        assert_int_equal(fixture_write_config(f, extra), 0);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
        unsetenv("LWM2MD_SYSROOT");
        assert_non_null(ts_wait_register(f->server, 0, 15000));
}

static void stop(daemon_fixture *f)
{
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
        fixture_cleanup(f);
}

static void expect(daemon_fixture *f, const char *path, const char *want)
{
        char got[256];
        int code = fixture_read_text(f->server, path, got, sizeof(got));
        if (!want) {
                assert_int_equal(code, NOT_FOUND);
                return;
        }
        assert_int_equal(code, CONTENT);
        assert_string_equal(got, want);
}

/* The server executes Reset Error Code (/3/0/12). */
static void reset_error_code(daemon_fixture *f)
{
        ts_response r;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/3/0/12", -1, -1, -1, NULL,
                                    0, 5000, &r),
                         0);
        assert_int_equal(r.code, CHANGED);
        ts_response_free(&r);
}

static void test_dmi_and_errors(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        PUT(&f, "/sys/class/dmi/id/sys_vendor", "Advantech\n");
        PUT(&f, "/sys/class/dmi/id/product_name", "UNO-2271G \xff\n");
        PUT(&f, "/sys/class/dmi/id/product_serial", "ADV\x01-123\n");
        PUT(&f, "/proc/device-tree/model", "Not this one\0");
        PUT(&f, "/etc/os-release", "NAME=Yocto\nIMAGE_VERSION=\"2026.12.1\"\n");
        /* 99%: 1000 of 1000000 kB available is under it. */
        PUT(&f, "/proc/meminfo",
            "MemTotal:        1000000 kB\nMemFree:            900 kB\n"
            "MemAvailable:       1000 kB\n");
        start(&f, "low-memory-percent = 99\n");
        expect(&f, "/3/0/0", "Advantech");
        expect(&f, "/3/0/1", "UNO-2271G");
        expect(&f, "/3/0/2", "ADV-123");
        expect(&f, "/3/0/3", "2026.12.1");

        /* Memory is checked when it is read; the server resets, it comes back when seen. */
        expect(&f, "/3/0/10", "1000");
        expect(&f, "/3/0/21", "1000000");
        expect(&f, "/3/0/11/0", "5");
        expect(&f, "/3/0/11/1", NULL);
        reset_error_code(&f);
        expect(&f, "/3/0/11/0", "0");
        expect(&f, "/3/0/10", "1000");
        expect(&f, "/3/0/11/0", "5");
        /* Read when read: more memory now, and the error is not raised again. */
        PUT(&f, "/proc/meminfo",
            "MemTotal:        1000000 kB\nMemFree:         900000 kB\n"
            "MemAvailable:     995000 kB\n");
        reset_error_code(&f);
        expect(&f, "/3/0/10", "995000");
        expect(&f, "/3/0/11/0", "0");
        /* A Read-Composite reads memory when read, too. */
        PUT(&f, "/proc/meminfo",
            "MemTotal:        1000000 kB\nMemFree:         900000 kB\n"
            "MemAvailable:     990000 kB\n");
        ts_response r;
        const char *paths = "[{\"n\":\"/3/0/10\"},{\"n\":\"/3/0/13\"},{\"n\":\"/3/0/0\"}]";
        assert_int_equal(ts_request(f.server, COAP_REQUEST_CODE_FETCH, "/", 110, -1, -1, paths,
                                    strlen(paths), 5000, &r),
                         0);
        assert_int_equal(r.code, CONTENT);
        char text[512];
        snprintf(text, sizeof(text), "%.*s", (int)r.len, (const char *)r.payload);
        ts_response_free(&r);
        assert_non_null(strstr(text, "\"v\":990000"));
        assert_non_null(strstr(text, "\"vs\":\"Advantech\""));
        stop(&f);
}

static void test_device_tree_only(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        PUT(&f, "/proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\0");
        PUT(&f, "/proc/device-tree/serial-number", "10000000abcdef01\0");
        PUT(&f, "/proc/device-tree/compatible", "raspberrypi,4-model-b\0brcm,bcm2711\0");
        start(&f, "low-memory-percent = 0\n");
        expect(&f, "/3/0/0", "raspberrypi");
        expect(&f, "/3/0/1", "Raspberry Pi 4 Model B Rev 1.4");
        expect(&f, "/3/0/2", "10000000abcdef01");
        expect(&f, "/3/0/3", NULL);
        expect(&f, "/3/0/11/0", "0");
        stop(&f);
}

static void test_nothing(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        start(&f, "");
        for (int rid = 0; rid <= 3; rid++) {
                char path[16];
                snprintf(path, sizeof(path), "/3/0/%d", rid);
                expect(&f, path, NULL);
        }
        expect(&f, "/3/0/17", "Gateway"); /* the rest still has its defaults */
        stop(&f);
}

/* lwm2mctl read PATH against the daemon on `bus`; its output, or NULL. */
static char *ctl_read(daemon_fixture *f, const char *bus, const char *path)
{
        char ctl[512], cmd[2048], out[400];
        snprintf(ctl, sizeof(ctl), "%s", LWM2MD_PATH);
        snprintf(strrchr(ctl, '/') + 1, sizeof(ctl) - (size_t)(strrchr(ctl, '/') + 1 - ctl),
                 "lwm2mctl");
        snprintf(out, sizeof(out), "%s/ctl.out", f->dir);
        snprintf(cmd, sizeof(cmd), "'%s' --bus '%s' read %s >'%s' 2>&1", ctl, bus, path, out);
        fixture_run(cmd);
        return fixture_read_file(out);
}

/* Error Code 7 while the only server refuses to register, gone once it takes it. */
static void test_ip_connectivity_failure(void **state)
{
        daemon_fixture f;
        fixture_bus bus = {0};
        assert_int_equal(fixture_init(&f), 0);
        char log[320];
        snprintf(log, sizeof(log), "%s/dbus.log", f.dir);
        assert_int_equal(
                fixture_bus_start(&bus, SOURCE_ROOT "/tests/integration/dbus-test.conf", log), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        f.server = ts_new(&cfg);
        assert_non_null(f.server);
        ts_fail_next(f.server, COAP_RESPONSE_CODE(503), 1000);
        char extra[256];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n",
                 ts_uri(f.server));
        assert_int_equal(fixture_write_config(&f, extra), 0);
        const char *args[] = {"--bus", bus.address, NULL};
        assert_int_equal(fixture_start_daemon(&f, args), 0);
        bool raised = false;
        for (int waited = 0; waited < 15000 && !raised; waited += 200) {
                ts_process(f.server, 200);
                char *out = ctl_read(&f, bus.address, "/3/0/11");
                raised = out && strcmp(out, "Error Code[0] = 7\n") == 0;
                free(out);
        }
        assert_true(raised);

        ts_fail_next(f.server, 0, 0);
        assert_non_null(ts_wait_register(f.server, 0, 15000));
        expect(&f, "/3/0/11/0", "0");
        expect(&f, "/3/0/11/1", NULL);
        stop(&f);
        fixture_bus_stop(&bus);
}

/* The time zone follows /etc/localtime as timedated replaces it (a new link renamed
 * over the old one), though the daemon reads the link only when told it changed. */
static void test_timezone_follows_localtime(void **state)
{
        daemon_fixture f;
        assert_int_equal(fixture_init(&f), 0);
        PUT(&f, "/etc/os-release", "NAME=Test\n");
        char link[400], fresh[400];
        snprintf(link, sizeof(link), "%s/root/etc/localtime", f.dir);
        snprintf(fresh, sizeof(fresh), "%s/root/etc/.localtime.new", f.dir);
        assert_int_equal(symlink("../usr/share/zoneinfo/Europe/Berlin", link), 0);
        start(&f, "");
        expect(&f, "/3/0/15", "Europe/Berlin");
        expect(&f, "/3/0/15", "Europe/Berlin");
        for (int i = 0; i < 3; i++) {
                const char *zone = i % 2 ? "Europe/Berlin" : "America/Chicago";
                char target[128];
                snprintf(target, sizeof(target), "../usr/share/zoneinfo/%s", zone);
                assert_int_equal(symlink(target, fresh), 0);
                assert_int_equal(rename(fresh, link), 0);
                /* The watch's event is handled in the daemon's next turn. */
                char got[256] = "";
                for (int tries = 0; tries < 100; tries++) {
                        assert_int_equal(fixture_read_text(f.server, "/3/0/15", got, sizeof(got)),
                                         CONTENT);
                        if (strcmp(got, zone) == 0)
                                break;
                        usleep(20000);
                }
                assert_string_equal(got, zone);
        }
        stop(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dmi_and_errors),
                cmocka_unit_test(test_device_tree_only),
                cmocka_unit_test(test_nothing),
                cmocka_unit_test(test_ip_connectivity_failure),
                cmocka_unit_test(test_timezone_follows_localtime),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
