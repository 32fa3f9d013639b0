/* test_config.c - unit tests for the daemon's configuration (daemon/config):
 * every key, errors naming file and line, defaults and consistency checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"

typedef struct errors {
        char text[16384];
        unsigned n;
} errors;

static void collect(void *userdata, const char *message)
{
        errors *e = userdata;
        size_t len = strlen(e->text);
        snprintf(e->text + len, sizeof(e->text) - len, "%s\n", message);
        e->n++;
}

static int load(config *c, const char *text, errors *e)
{
        config_init(c);
        memset(e, 0, sizeof(*e));
        return config_load_string(c, "test.conf", text, collect, e);
}

static int load_data(config *c, const char *data, size_t len, errors *e)
{
        config_init(c);
        memset(e, 0, sizeof(*e));
        return config_load_data(c, "test.conf", data, len, collect, e);
}

static int load_file(config *c, const char *path, errors *e)
{
        config_init(c);
        memset(e, 0, sizeof(*e));
        return config_load_file(c, path, collect, e);
}

/* A private directory for the files of one test; removed by cleanup_dir. */
static char *make_dir(void)
{
        char *dir = strdup("/tmp/test_config.XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static char *path_in(const char *dir, const char *name)
{
        char *path;
        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

static double seconds_since(const struct timespec *start)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Bytes that look like a binary file: deterministic, so that a failure repeats. */
static void fill_random(uint8_t *buf, size_t len)
{
        uint32_t x = 2463534242u;
        for (size_t i = 0; i < len; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                buf[i] = (uint8_t)x;
        }
}

/* The system services a server's Reboot and Factory Reset go to (lwm2md(8), SYSTEMD). */
static void test_device_system_actions(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c,
                              "[device]\n"
                              "logind-bus = unix:path=/run/test/bus\n"
                              "factory-reset-unit = lwm2md-factory-reset.service\n"
                              "systemd-bus = user\n",
                              &e),
                         0);
        assert_string_equal(c.device.logind_bus, "unix:path=/run/test/bus");
        assert_string_equal(c.device.factory_reset_unit, "lwm2md-factory-reset.service");
        assert_string_equal(c.device.systemd_bus, "user");
        assert_null(c.device.factory_reset_command);
        config_free(&c);

        static const char *const bad[] = {"/etc/lwm2md/factory-reset", "reset.target", ".service",
                                          "a b.service", "reset"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                char text[128];
                snprintf(text, sizeof(text), "[device]\nfactory-reset-unit = %s\n", bad[i]);
                assert_int_equal(load(&c, text, &e), -EINVAL);
                assert_non_null(strstr(e.text, "test.conf:2: factory-reset-unit"));
                assert_non_null(strstr(e.text, "is not a service unit name"));
                config_free(&c);
        }
}

static void test_full_file(void **state)
{
        config c;
        errors e;
        const char *text = "# comment\n"
                           "[lwm2md]\n"
                           "endpoint = gw-1\n"
                           "lwm2m-version = 1.0\n"
                           "objects-dir = /a\n"
                           "objects-dir = /b\n"
                           "state-dir = /var/lib/x\n"
                           "bus = user\n"
                           "[device]\n"
                           "manufacturer = ACME ; an inline comment\n"
                           "serial-number = 42\n"
                           "reboot-command = /bin/true\n"
                           "[server main]\n"
                           "uri = coaps://lwm2m.example:5684\n"
                           "short-id = 7\n"
                           "lifetime = 300\n"
                           "binding = UQ\n"
                           "psk-identity = gw-1\n"
                           "psk-key = 00:11:22:AA\n"
                           "retry-timer = 2\n"
                           "[server second]\n"
                           "uri = coap://other.example\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(e.n, 0);
        assert_string_equal(c.endpoint, "gw-1");
        assert_string_equal(c.lwm2m_version, "1.0");
        assert_int_equal(c.n_objects_dirs, 2);
        assert_string_equal(c.objects_dirs[1], "/b");
        assert_string_equal(c.bus, "user");
        assert_string_equal(c.device.manufacturer, "ACME");
        assert_string_equal(c.device.serial_number, "42");
        assert_int_equal(c.n_servers, 2);
        config_server *s = &c.servers[0];
        assert_false(s->bootstrap);
        assert_int_equal(s->short_id, 7);
        assert_int_equal(s->lifetime, 300);
        assert_string_equal(s->binding, "UQ");
        assert_int_equal(s->psk_key_len, 4);
        assert_int_equal(s->psk_key[3], 0xaa);
        assert_int_equal(s->retry_timer, 2);
        assert_false(c.servers[1].bootstrap);

        /* The mode follows from the credentials given with a coaps:// URI. */
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(s->security, CONFIG_SECURITY_PSK);
        assert_int_equal(c.servers[1].security, CONFIG_SECURITY_NOSEC);
        config_free(&c);
}

static void test_errors_name_the_line(void **state)
{
        config c;
        errors e;
        const char *text = "[lwm2md]\n"
                           "endpoint = ok\n"
                           "colour = blue\n" /* line 3 */
                           "[server 1]\n"
                           "uri = http://example\n" /* line 5 */
                           "lifetime = -3\n"        /* line 6 */
                           "binding = T\n"          /* line 7 */
                           "short-id = 65535\n"     /* line 8 */
                           "security = tls\n"       /* line 9 */
                           "psk-key = xyz\n"        /* line 10 */
                           "[nonsense]\n"
                           "a = b\n"                         /* line 12 */
                           "this line has no equals sign\n"; /* line 13 */
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:3: unknown key 'colour' in [lwm2md]"));
        assert_non_null(strstr(e.text, "test.conf:5: uri must start with coap:// or coaps://"));
        assert_non_null(strstr(e.text, "test.conf:6: lifetime must be"));
        assert_non_null(strstr(e.text, "test.conf:7: binding must be U or UQ"));
        assert_non_null(strstr(e.text, "test.conf:8: short-id must be 1..65534"));
        assert_non_null(strstr(e.text, "test.conf:9: security must be"));
        assert_non_null(strstr(e.text, "test.conf:10: psk-key must be hexadecimal"));
        assert_non_null(strstr(e.text, "test.conf:12: unknown section [nonsense]"));
        assert_non_null(strstr(e.text, "test.conf:13: syntax error"));
        assert_int_equal(e.n, 9);
        config_free(&c);
}

static void test_overlong_line(void **state)
{
        config c;
        errors e;
        size_t n = 9000;
        char *text = malloc(n + 64);
        assert_non_null(text);
        strcpy(text, "[lwm2md]\nendpoint = ");
        size_t off = strlen(text);
        memset(text + off, 'x', n);
        strcpy(text + off + n, "\nstate-dir = /s\n");
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: line is too long"));
        /* Reported once, and the rest of the long line is not taken for a line. */
        assert_int_equal(e.n, 1);
        /* The line after it is still read, with its own number. */
        assert_string_equal(c.state_dir, "/s");
        free(text);
        config_free(&c);
}

static void test_finish_checks_consistency(void **state)
{
        config c;
        errors e;
        const char *text = "[server a]\n"
                           "uri = coaps://x\n" /* no credentials */
                           "[server b]\n"
                           "uri = coap://y\n"
                           "security = psk\n" /* psk over coap:// */
                           "[server c]\n"
                           "uri = coaps://z\n"
                           "security = x509\n" /* no certificate */
                           "[server d]\n"
                           "short-id = 3\n" /* no uri */
                           "[server e]\n"
                           "uri = coap://e\n"
                           "short-id = 9\n"
                           "[server f]\n"
                           "uri = coap://f\n"
                           "short-id = 9\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        /* Each problem names the section and the line of its first key. */
        assert_non_null(
                strstr(e.text, "configuration:2: [server a]: a coaps:// uri needs credentials"));
        assert_non_null(strstr(e.text, "[server b]: security psk needs a coaps:// uri"));
        assert_non_null(
                strstr(e.text, "[server c]: security x509 needs certificate and private-key"));
        assert_non_null(strstr(e.text, "[server d]: no uri"));
        assert_non_null(strstr(e.text, "short-id 9 is used twice"));
        config_free(&c);
}

static void test_location(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c,
                              "[server a]\nuri = coap://a\n"
                              "[location]\nlatitude = 52.52\nlongitude = 13.405\n"
                              "altitude = 34\nradius = 10\ngpsd = 127.0.0.1:2947\n",
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_true(c.location.has_fixed);
        assert_true(c.location.latitude == 52.52);
        assert_true(c.location.longitude == 13.405);
        assert_true(c.location.has_altitude && c.location.altitude == 34);
        assert_true(c.location.has_radius && c.location.radius == 10);
        assert_string_equal(c.location.gpsd, "127.0.0.1:2947");
        config_free(&c);

        assert_int_equal(load(&c,
                              "[location]\nlatitude = 90.5\n" /* line 2 */
                              "longitude = -181\n"            /* line 3 */
                              "radius = -1\n"                 /* line 4 */
                              "altitude = high\n"             /* line 5 */
                              "latitude = nan\n"              /* line 6 */
                              "colour = red\n",               /* line 7 */
                              &e),
                         -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: latitude '90.5': expected degrees from -90"));
        assert_non_null(strstr(e.text, "test.conf:3: longitude '-181'"));
        assert_non_null(strstr(e.text, "test.conf:4: radius '-1'"));
        assert_non_null(strstr(e.text, "test.conf:5: altitude 'high'"));
        assert_non_null(strstr(e.text, "test.conf:6: latitude 'nan'"));
        assert_non_null(strstr(e.text, "test.conf:7: unknown key 'colour' in [location]"));
        assert_int_equal(e.n, 6);
        config_free(&c);

        /* Half a position is a mistake, not a position. */
        assert_int_equal(load(&c, "[server a]\nuri = coap://a\n[location]\nlatitude = 1\n", &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:4: [location] fixed values need both latitude "
                                       "and longitude"));
        assert_false(c.location.has_fixed);
        config_free(&c);
}

static void test_firmware(void **state)
{
        config c;
        errors e;
        /* Without the section: no object 5. */
        assert_int_equal(load(&c, "[server a]\nuri = coap://a\n", &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(c.firmware.backend, CONFIG_FW_NONE);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[lwm2md]\nstate-dir = /var/lib/x\n[server a]\nuri = coap://a\n"
                              "[firmware]\nbackend = rauc\nrauc-bus = user\n"
                              "rauc-streaming = yes\nspool-reserve = 1048576\ndelivery = pull\n",
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(c.firmware.backend, CONFIG_FW_RAUC);
        assert_string_equal(c.firmware.rauc_bus, "user");
        assert_true(c.firmware.rauc_streaming);
        assert_int_equal(c.firmware.spool_reserve, 1048576);
        assert_string_equal(c.firmware.spool, "/var/lib/x/firmware.spool");
        assert_true(c.firmware.pull && !c.firmware.push);
        assert_int_equal(c.firmware.reboot, 1); /* RAUC's default */
        config_free(&c);

        assert_int_equal(load(&c,
                              "[server a]\nuri = coap://a\n"
                              "[firmware]\nbackend = command\ncommand = /usr/bin/install-fw\n"
                              "spool = /data/fw.img\n",
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(c.firmware.reboot, 0);
        assert_string_equal(c.firmware.command, "/usr/bin/install-fw");
        assert_string_equal(c.firmware.spool, "/data/fw.img");
        assert_true(c.firmware.pull && c.firmware.push);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[firmware]\nbackend = swupdate\n" /* line 2 */
                              "command = install-fw\n"           /* line 3 */
                              "spool-reserve = lots\n"           /* line 4 */
                              "reboot = maybe\n"                 /* line 5 */
                              "delivery = carrier pigeon\n"      /* line 6 */
                              "colour = red\n",                  /* line 7 */
                              &e),
                         -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: backend 'swupdate': expected rauc"));
        assert_non_null(strstr(e.text, "test.conf:3: command wants an absolute path"));
        assert_non_null(strstr(e.text, "test.conf:4: spool-reserve 'lots'"));
        assert_non_null(strstr(e.text, "test.conf:5: reboot 'maybe': expected yes or no"));
        assert_non_null(strstr(e.text, "test.conf:6: delivery 'carrier pigeon'"));
        assert_non_null(strstr(e.text, "test.conf:7: unknown key 'colour' in [firmware]"));
        config_free(&c);

        /* A command backend without its command; streaming without RAUC. */
        assert_int_equal(load(&c,
                              "[server a]\nuri = coap://a\n"
                              "[firmware]\nbackend = command\nrauc-streaming = yes\n",
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:4: [firmware] backend command needs command"));
        assert_non_null(
                strstr(e.text, "test.conf:4: [firmware] rauc-streaming needs backend rauc"));
        config_free(&c);
}

static void test_connectivity_and_device_limits(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c,
                              "[server a]\nuri = coap://a\n"
                              "[connectivity]\ninterface = wwan0\nmodem-bus = none\n",
                              &e),
                         0);
        assert_string_equal(c.connectivity.interface, "wwan0");
        assert_string_equal(c.connectivity.modem_bus, "none");
        assert_int_equal(c.device.low_memory_percent, 5); /* the default */
        config_free(&c);

        assert_int_equal(load(&c, "[device]\nlow-memory-percent = 0\n", &e), 0);
        assert_int_equal(c.device.low_memory_percent, 0);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[connectivity]\ninterface = ../etc\n"  /* line 2 */
                              "interface = a-name-much-too-long\n"    /* line 3 */
                              "modem-bus =\n"                         /* line 4 */
                              "colour = red\n"                        /* line 5 */
                              "[device]\nlow-memory-percent = 100\n", /* line 7 */
                              &e),
                         -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: interface '../etc' is not a network"));
        assert_non_null(strstr(e.text, "test.conf:3: interface 'a-name-much-too-long'"));
        assert_non_null(strstr(e.text, "test.conf:4: modem-bus wants system, user, none"));
        assert_non_null(strstr(e.text, "test.conf:5: unknown key 'colour' in [connectivity]"));
        assert_non_null(strstr(e.text, "test.conf:7: low-memory-percent '100': expected 0 to 99"));
        assert_int_equal(e.n, 5);
        config_free(&c);
}

static void test_short_ids_numbered_around_explicit_ones(void **state)
{
        config c;
        errors e;
        /* The first server has none, the second asks for 1: the first gets 2. */
        const char *text = "[server a]\nuri = coap://a\n[server b]\nuri = coap://b\nshort-id = 1\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(c.servers[0].short_id, 2);
        assert_int_equal(c.servers[1].short_id, 1);
        config_free(&c);
}

/* A factory configuration may name only the bootstrap server. */
static void test_bootstrap_only(void **state)
{
        config c;
        errors e;
        const char *text = "[bootstrap-server]\nuri = coaps://bs.example\npsk-identity = gw\n"
                           "psk-key = 00112233\nhold-off = 5\nbootstrap-timeout = 30\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(c.n_servers, 1);
        assert_true(c.servers[0].bootstrap);
        assert_int_equal(c.servers[0].hold_off, 5);
        assert_int_equal(c.servers[0].bootstrap_timeout, 30);
        assert_int_equal(c.servers[0].security, CONFIG_SECURITY_PSK);
        assert_int_equal(e.n, 0);
        config_free(&c);
}

/* The bootstrap keys mean nothing to a management server: checked, then ignored. */
static void test_bootstrap_keys_in_server_ignored(void **state)
{
        config c;
        errors e;
        const char *text = "[server a]\nuri = coap://a\nhold-off = 5\nbootstrap-timeout = 30\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_false(c.servers[0].bootstrap);
        config_free(&c);
        assert_int_equal(
                load(&c, "[bootstrap-server]\nuri = coap://bs\nbootstrap-timeout = x\n", &e),
                -EINVAL);
        assert_non_null(
                strstr(e.text, "test.conf:3: bootstrap-timeout must be a number of seconds"));
        config_free(&c);
}

static void test_empty_psk_identity(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c, "[server a]\npsk-identity =\n", &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: psk-identity must not be empty"));
        config_free(&c);
}

static void test_defaults_and_overrides(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c, "", &e), 0);
        /* Nothing to talk to is an error, but the defaults are filled in. */
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_non_null(strstr(e.text, "no server configured"));
        assert_non_null(c.endpoint);
        assert_true(strncmp(c.endpoint, "urn:uuid:", 9) == 0 || strlen(c.endpoint) > 0);
        assert_int_equal(c.n_objects_dirs, 2);
        assert_non_null(c.state_dir);
        assert_string_equal(c.bus, "system");

        /* What the command line does: a default server with its keys. */
        config_server *s = config_default_server(&c);
        assert_non_null(s);
        assert_int_equal(config_set_server_key(&c, s, "uri", "coap://127.0.0.1:5683", "--server",
                                               collect, &e),
                         0);
        assert_ptr_equal(config_default_server(&c), s);
        assert_int_equal(config_set_server_key(&c, s, "lifetime", "0", "--lifetime", collect, &e),
                         -EINVAL);
        assert_non_null(strstr(e.text, "--lifetime: lifetime must be"));
        memset(&e, 0, sizeof(e));
        assert_int_equal(config_finish(&c, collect, &e), 0);
        assert_int_equal(s->short_id, 1); /* numbered when not given */
        config_free(&c);
}

static void test_parse_hex(void **state)
{
        uint8_t *k = NULL;
        size_t len = 0;
        assert_int_equal(config_parse_hex("0x0aFF", &k, &len), 0);
        assert_int_equal(len, 2);
        assert_int_equal(k[0], 0x0a);
        assert_int_equal(k[1], 0xff);
        free(k);
        assert_int_equal(config_parse_hex("abc", &k, &len), -EINVAL); /* odd digit count */
        assert_int_equal(config_parse_hex("", &k, &len), -EINVAL);
        assert_int_equal(config_parse_hex("zz", &k, &len), -EINVAL);
}

static void test_missing_file(void **state)
{
        config c;
        errors e = {0};
        config_init(&c);
        assert_int_equal(config_load_file(&c, "/nonexistent/lwm2md.conf", collect, &e), -ENOENT);
        assert_non_null(strstr(e.text, "/nonexistent/lwm2md.conf: cannot open"));
        config_free(&c);
}

static void test_devices_refused_before_reading(void **state)
{
        config c;
        errors e;
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        assert_int_equal(load_file(&c, "/dev/zero", &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_string_equal(e.text, "/dev/zero: is a character device, not a configuration file\n");
        config_free(&c);

        assert_int_equal(load_file(&c, "/dev/urandom", &e), -EINVAL);
        assert_int_equal(e.n, 1);
        config_free(&c);

        /* Except /dev/null, the usual way of saying "no file": an empty configuration. */
        assert_int_equal(load_file(&c, "/dev/null", &e), 0);
        assert_int_equal(e.n, 0);
        assert_int_equal(c.n_servers, 0);
        config_free(&c);

        /* Opening a FIFO for reading would wait for a writer: refused without waiting. */
        char *dir = make_dir();
        char *fifo = path_in(dir, "fifo");
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(load_file(&c, fifo, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_non_null(strstr(e.text, ": is a FIFO, not a configuration file"));
        config_free(&c);

        assert_int_equal(load_file(&c, dir, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_non_null(strstr(e.text, ": is a directory, not a configuration file"));
        config_free(&c);
        assert_true(seconds_since(&start) < 2.0);

        unlink(fifo);
        rmdir(dir);
        free(fifo);
        free(dir);
}

static void test_nul_byte_stops_reading(void **state)
{
        config c;
        errors e;
        static const char text[] = "[lwm2md]\nstate-dir = /s\nendpoint = gw\0-1\nbus = user\n";
        assert_int_equal(load_data(&c, text, sizeof(text) - 1, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_string_equal(e.text, "test.conf:3: NUL byte at column 14: not a text file, "
                                    "reading stopped\n");
        /* Not "gw" cut at the NUL, and nothing after it. */
        assert_null(c.endpoint);
        assert_null(c.bus);
        assert_string_equal(c.state_dir, "/s");
        config_free(&c);
}

static void test_binary_refused_with_one_message(void **state)
{
        config c;
        errors e;
        size_t n = 256 * 1024;
        uint8_t *blob = malloc(n);
        assert_non_null(blob);
        fill_random(blob, n);
        assert_int_equal(load_data(&c, (const char *)blob, n, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_non_null(strstr(e.text, "test.conf:1: "));
        assert_non_null(strstr(e.text, "not a text file, reading stopped"));
        config_free(&c);

        /* The same from a file, and a file of text with binary after a few lines. */
        char *dir = make_dir();
        char *path = path_in(dir, "blob.conf");
        write_file(path, blob, n);
        assert_int_equal(load_file(&c, path, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        config_free(&c);

        static const char escape[] = "[lwm2md]\nendpoint = gw\nbus = \x1b[31muser\n";
        assert_int_equal(load_data(&c, escape, sizeof(escape) - 1, &e), -EINVAL);
        assert_string_equal(e.text, "test.conf:3: control character 0x1b at column 7: not a text "
                                    "file, reading stopped\n");
        assert_string_equal(c.endpoint, "gw");
        assert_null(c.bus);
        config_free(&c);

        static const char latin1[] = "[device]\nmanufacturer = Soci\xe9t\xe9\n[lwm2md]\nbus = x\n";
        assert_int_equal(load_data(&c, latin1, sizeof(latin1) - 1, &e), -EINVAL);
        assert_string_equal(e.text, "test.conf:2: not UTF-8: not a text file, reading stopped\n");
        assert_null(c.bus);
        config_free(&c);

        unlink(path);
        rmdir(dir);
        free(path);
        free(dir);
        free(blob);
}

static void test_text_accepted(void **state)
{
        config c;
        errors e;
        /* CRLF line ends, tabs and UTF-8 are text. */
        assert_int_equal(load(&c,
                              "[lwm2md]\r\nendpoint\t= gw-1\r\n[device]\r\n"
                              "manufacturer = Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac\r\n",
                              &e),
                         0);
        assert_string_equal(c.endpoint, "gw-1");
        assert_string_equal(c.device.manufacturer, "Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
        config_free(&c);
}

static void test_file_size_cap(void **state)
{
        config c;
        errors e;
        char *dir = make_dir();
        char *path = path_in(dir, "big.conf");
        /* Comment lines up to the limit exactly: read. */
        char *text = malloc(CONFIG_FILE_MAX + 1);
        assert_non_null(text);
        memset(text, '#', CONFIG_FILE_MAX + 1);
        for (size_t i = 99; i < CONFIG_FILE_MAX + 1; i += 100)
                text[i] = '\n';
        write_file(path, text, CONFIG_FILE_MAX);
        assert_int_equal(load_file(&c, path, &e), 0);
        assert_int_equal(e.n, 0);
        config_free(&c);

        /* One byte more: refused, with one message, before anything is parsed. */
        write_file(path, text, CONFIG_FILE_MAX + 1);
        assert_int_equal(load_file(&c, path, &e), -EFBIG);
        assert_int_equal(e.n, 1);
        assert_non_null(strstr(e.text, "big.conf: too large for a configuration file (more than "
                                       "1048576 bytes)"));
        config_free(&c);

        unlink(path);
        rmdir(dir);
        free(text);
        free(path);
        free(dir);
}

static char *endpoint_line(size_t n)
{
        char *text = malloc(n + 64);
        assert_non_null(text);
        strcpy(text, "[lwm2md]\nendpoint = ");
        size_t off = strlen(text);
        memset(text + off, 'e', n);
        strcpy(text + off + n, "\nbus = user\n");
        return text;
}

static void test_endpoint_length(void **state)
{
        config c;
        errors e;
        char *text = endpoint_line(255);
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(strlen(c.endpoint), 255);
        assert_string_equal(c.bus, "user"); /* the line after it is its own line */
        config_free(&c);
        free(text);

        text = endpoint_line(256);
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_int_equal(e.n, 1);
        assert_string_equal(e.text, "test.conf:2: endpoint must be 1..255 bytes, not 256\n");
        assert_null(c.endpoint);
        config_free(&c);
        free(text);

        /* On the command line too, where there is no line to check. */
        config_init(&c);
        memset(&e, 0, sizeof(e));
        assert_int_equal(
                config_set_main_key(&c, "endpoint", "gw\n[server x]", "--endpoint", collect, &e),
                -EINVAL);
        assert_non_null(strstr(e.text, "--endpoint: endpoint must be UTF-8 text without control"));
        assert_int_equal(config_set_main_key(&c, "endpoint", "gw-2", "--endpoint", collect, &e), 0);
        assert_string_equal(c.endpoint, "gw-2");
        config_free(&c);
}

static void test_long_values(void **state)
{
        config c;
        errors e;
        /* Lines up to CONFIG_LINE_MAX hold their whole value, far beyond inih's own line
         * buffer, trimmed and with an inline comment removed as on a short line. */
        size_t n = CONFIG_LINE_MAX - strlen("state-dir = ") - strlen(" ; c");
        char *text = malloc(CONFIG_LINE_MAX + 64);
        assert_non_null(text);
        strcpy(text, "[lwm2md]\nstate-dir = ");
        size_t off = strlen(text);
        memset(text + off, 'p', n);
        text[off] = '/';
        strcpy(text + off + n, " ; c\n");
        assert_int_equal(strlen(text), strlen("[lwm2md]\n") + CONFIG_LINE_MAX + 1);
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(strlen(c.state_dir), n);
        assert_true(c.state_dir[0] == '/' && c.state_dir[n - 1] == 'p');
        config_free(&c);

        /* One byte more is too long, and named. */
        strcpy(text + off + n, "  ; c\n");
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_string_equal(e.text, "test.conf:2: line is too long (more than 4096 bytes)\n");
        assert_null(c.state_dir);
        config_free(&c);

        /* A long continuation line, a long comment, a long section header. */
        memset(text, 0, CONFIG_LINE_MAX + 64);
        strcpy(text, "[device]\nmodel = short\n  ");
        off = strlen(text);
        memset(text + off, 'm', 300);
        strcat(text, "\n#");
        memset(text + strlen(text), 'c', 300);
        strcat(text, "\n[");
        memset(text + strlen(text), 's', 300);
        strcat(text, "]\nkey = v\n");
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_int_equal(strlen(c.device.model), 300);
        assert_int_equal(e.n, 1);
        /* The key under the long header is in that section, not in [device]. */
        assert_non_null(strstr(e.text, "test.conf:6: unknown section [sss"));
        config_free(&c);
        free(text);

        /* A long URI with a 253-byte host name (the most DNS allows), and one byte more. */
        char uri[300] = "[server a]\nuri = coap://";
        for (int label = 0; label < 4; label++) {
                off = strlen(uri);
                memset(uri + off, 'h', label < 3 ? 63 : 61);
                strcpy(uri + off + (label < 3 ? 63 : 61), label < 3 ? "." : ":5683\n");
        }
        assert_int_equal(load(&c, uri, &e), 0);
        assert_int_equal(strlen(c.servers[0].uri), strlen("coap://:5683") + 253);
        config_free(&c);
        memmove(uri + 25, uri + 24, strlen(uri + 24) + 1); /* one more 'h' */
        assert_int_equal(load(&c, uri, &e), -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: uri 'coap://hhh"));
        assert_non_null(strstr(e.text, "': the host must be a name"));
        config_free(&c);
}

static void test_long_line_at_end_of_data(void **state)
{
        config c;
        errors e;
        /* The data is not NUL-terminated (a file's bytes): a long last line without '='
         * must be read within its bounds, and is inih's syntax error. */
        size_t n = 9 + 500;
        char *data = malloc(n);
        assert_non_null(data);
        memcpy(data, "[lwm2md]\n", 9);
        memset(data + 9, 'k', 500);
        assert_int_equal(load_data(&c, data, n, &e), -EINVAL);
        assert_string_equal(e.text,
                            "test.conf:2: syntax error (expected [section] or key = value)\n");
        config_free(&c);

        /* Likewise a long value running to the end. */
        memcpy(data + 9, "bus=", 4);
        assert_int_equal(load_data(&c, data, n, &e), 0);
        assert_int_equal(strlen(c.bus), 496);
        config_free(&c);
        free(data);
}

static void test_too_many_errors(void **state)
{
        config c;
        errors e;
        size_t n = 1000;
        char *text = malloc(n * 16 + 16);
        assert_non_null(text);
        strcpy(text, "[lwm2md]\n");
        for (size_t i = 0; i < n; i++)
                strcat(text, "colour = blue\n");
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_int_equal(e.n, CONFIG_ERRORS_MAX + 1);
        assert_non_null(strstr(e.text, "test.conf:21: unknown key 'colour'"));
        assert_null(strstr(e.text, "test.conf:22:"));
        assert_non_null(strstr(e.text, "\ntest.conf: too many errors, giving up\n"));
        config_free(&c);
        free(text);

        /* Problems found when the whole is checked are bounded the same way. */
        text = malloc(CONFIG_SERVERS_MAX * 40 + 16);
        assert_non_null(text);
        text[0] = 0;
        for (int i = 0; i < CONFIG_SERVERS_MAX; i++)
                sprintf(text + strlen(text), "[server %d]\nlifetime = 5\n", i);
        assert_int_equal(load(&c, text, &e), 0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_int_equal(e.n, CONFIG_ERRORS_MAX + 1);
        assert_non_null(strstr(e.text, "configuration: too many errors, giving up"));
        config_free(&c);

        /* And the number of servers is bounded. */
        strcat(text, "[server last]\nlifetime = 5\n");
        assert_int_equal(load(&c, text, &e), -EINVAL);
        assert_string_equal(e.text, "test.conf:130: more than 64 server sections\n");
        config_free(&c);
        free(text);
}

static void test_uris(void **state)
{
        static const char *const good[] = {
                "coap://[::1]",           "coap://[::1]:5683",  "coaps://[2001:db8::1]:5684/",
                "coap://127.0.0.1",       "coap://localhost:1", "coap://lwm2m.example.net:65535",
                "coaps://a-b_c.example.",
        };
        static const struct {
                const char *uri;
                const char *problem;
        } bad[] = {
                {"coap://[::1", "the IPv6 address has no closing ']'"},
                {"coap://[::1:5683", "the IPv6 address has no closing ']'"},
                {"coap://[zz]", "not an IPv6 address between '[' and ']'"},
                {"coap://[]:5683", "not an IPv6 address between '[' and ']'"},
                {"coap://[127.0.0.1]", "not an IPv6 address between '[' and ']'"},
                {"coap://::1", "an IPv6 address must be in brackets"},
                {"coap://2001:db8::1:5683", "an IPv6 address must be in brackets"},
                {"coap://", "no host"},
                {"coap://:5683", "no host"},
                {"coap://h:", "the port must be a number 1..65535"},
                {"coap://h:0", "the port must be a number 1..65535"},
                {"coap://h:65536", "the port must be a number 1..65535"},
                {"coap://h:-1", "the port must be a number 1..65535"},
                {"coap://h:+1", "the port must be a number 1..65535"},
                {"coap://h:5683x", "the port must be a number 1..65535"},
                {"coap://h:99999999999999999999", "the port must be a number 1..65535"},
                {"coap://[::1]:0", "the port must be a number 1..65535"},
                {"coap://[::1]x", "a server URI has no path"},
                {"coap://h/rd", "a server URI has no path"},
                {"coap://h?ep=x", "a server URI has no path"},
                {"coap://user@h", "the host must be a name"},
                {"coap://h h", "the host must be a name"},
                {"coap://10.0.0", "the host must be a name"},
                {"coap://256.1.1.1", "the host must be a name"},
                {"coap://a..b", "the host must be a name"},
                {"coap://.a", "the host must be a name"},
        };
        config c;
        errors e;
        config_init(&c);
        config_server *s = config_default_server(&c);
        assert_non_null(s);
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                memset(&e, 0, sizeof(e));
                if (config_set_server_key(&c, s, "uri", good[i], "t", collect, &e) != 0)
                        fail_msg("%s refused: %s", good[i], e.text);
                assert_string_equal(s->uri, good[i]);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                memset(&e, 0, sizeof(e));
                assert_int_equal(config_set_server_key(&c, s, "uri", bad[i].uri, "t", collect, &e),
                                 -EINVAL);
                char expected[256];
                snprintf(expected, sizeof(expected), "t: uri '%s': %s", bad[i].uri, bad[i].problem);
                if (!strstr(e.text, expected))
                        fail_msg("%s: expected \"%s\", got \"%s\"", bad[i].uri, expected, e.text);
                assert_int_equal(e.n, 1);
        }
        config_free(&c);

        /* In a file, the message names the line; the scheme has its own message. */
        assert_int_equal(
                load(&c, "[server a]\nuri = coap://[::1\n[server b]\nuri = http://h\n", &e),
                -EINVAL);
        assert_string_equal(
                e.text, "test.conf:2: uri 'coap://[::1': the IPv6 address has no closing ']'\n"
                        "test.conf:4: uri must start with coap:// or coaps://, not 'http://h'\n");
        config_free(&c);
}

static void test_local_caller_keys(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c, "[lwm2md]\n", &e), 0);
        assert_int_equal(c.max_value_size, CONFIG_DEFAULT_MAX_VALUE_SIZE);
        assert_int_equal(c.max_instances_per_caller, CONFIG_DEFAULT_MAX_INSTANCES_PER_CALLER);
        assert_null(c.admin_group);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[lwm2md]\nmax-value-size = 16777216\n"
                              "max-instances-per-caller = 65535\nadmin-group = root\n"
                              "[server a]\nuri = coap://127.0.0.1\n",
                              &e),
                         0);
        assert_int_equal(c.max_value_size, 16777216);
        assert_int_equal(c.max_instances_per_caller, 65535);
        assert_string_equal(c.admin_group, "root");
        assert_int_equal(config_finish(&c, collect, &e), 0);
        config_free(&c);

        assert_int_equal(
                load(&c, "[lwm2md]\nmax-value-size = 1\nmax-instances-per-caller = 1\n", &e), 0);
        assert_int_equal(c.max_value_size, 1);
        assert_int_equal(c.max_instances_per_caller, 1);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[lwm2md]\n"
                              "max-value-size = 0\n"               /* line 2 */
                              "max-value-size = 16777217\n"        /* line 3 */
                              "max-value-size = 64k\n"             /* line 4 */
                              "max-instances-per-caller = 0\n"     /* line 5 */
                              "max-instances-per-caller = 65536\n" /* line 6 */
                              "max-instances-per-caller = -1\n"    /* line 7 */
                              "admin-group =\n",                   /* line 8 */
                              &e),
                         -EINVAL);
        assert_int_equal(e.n, 7);
        assert_non_null(strstr(e.text, "test.conf:2: max-value-size must be 1..16777216 bytes"));
        assert_non_null(strstr(e.text, "test.conf:3: max-value-size must be"));
        assert_non_null(strstr(e.text, "test.conf:4: max-value-size must be"));
        assert_non_null(
                strstr(e.text, "test.conf:5: max-instances-per-caller must be 1..65535, not '0'"));
        assert_non_null(strstr(e.text, "test.conf:6: max-instances-per-caller must be"));
        assert_non_null(strstr(e.text, "test.conf:7: max-instances-per-caller must be"));
        assert_non_null(strstr(e.text, "test.conf:8: admin-group must name a group"));
        assert_int_equal(c.max_value_size, CONFIG_DEFAULT_MAX_VALUE_SIZE);
        assert_int_equal(c.max_instances_per_caller, CONFIG_DEFAULT_MAX_INSTANCES_PER_CALLER);
        config_free(&c);

        /* A group that does not exist is found when the whole is checked, naming its line. */
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\nadmin-group = lwm2md-no-such-group-7x\n"
                              "[server a]\nuri = coap://127.0.0.1\n",
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_string_equal(e.text,
                            "test.conf:3: admin-group 'lwm2md-no-such-group-7x': no such group\n");
        config_free(&c);
}

/* Stored notifications, queue mode and periodic Send. */
static void test_reporting_keys(void **state)
{
        config c;
        errors e;
        assert_int_equal(load(&c, "[lwm2md]\n", &e), 0);
        assert_int_equal(c.notification_store_count, 0); /* the engine's defaults */
        assert_int_equal(c.notification_store_bytes, 0);
        assert_int_equal(c.queue_idle_time, 0);
        assert_int_equal(c.n_sends, 0);
        config_free(&c);

        assert_int_equal(load(&c,
                              "[lwm2md]\nnotification-store-count = 50\n"
                              "notification-store-bytes = 65536\nqueue-idle-time = 30\n"
                              "[server a]\nuri = coap://127.0.0.1\nshort-id = 7\n"
                              "[send temperature]\n" /* line 8 */
                              "paths = /3303/0/5700\t /3/0/9  3303/1\n"
                              "interval = 60\n"
                              "[send device]\n"
                              "interval = 1\nserver = 7\npaths = /3\n",
                              &e),
                         0);
        assert_int_equal(c.notification_store_count, 50);
        assert_int_equal(c.notification_store_bytes, 65536);
        assert_int_equal(c.queue_idle_time, 30);
        assert_int_equal(c.n_sends, 2);
        const config_send *t = &c.sends[0];
        assert_string_equal(t->section, "send temperature");
        assert_int_equal(t->line, 9); /* as for servers: the section's first key */
        assert_int_equal(t->interval, 60);
        assert_int_equal(t->short_id, 0);
        assert_int_equal(t->n_paths, 3);
        lwm2m_path want = lwm2m_path_resource(3303, 0, 5700);
        assert_true(lwm2m_path_equal(&t->paths[0], &want));
        want = lwm2m_path_resource(3, 0, 9);
        assert_true(lwm2m_path_equal(&t->paths[1], &want));
        want = lwm2m_path_instance(3303, 1);
        assert_true(lwm2m_path_equal(&t->paths[2], &want));
        assert_int_equal(c.sends[1].short_id, 7);
        assert_int_equal(c.sends[1].interval, 1);
        assert_int_equal(c.sends[1].n_paths, 1);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        config_free(&c);

        /* Bad values, each naming its line; nothing kept. */
        assert_int_equal(load(&c,
                              "[lwm2md]\n"
                              "notification-store-count = 0\n"        /* line 2 */
                              "notification-store-count = 1000001\n"  /* line 3 */
                              "notification-store-bytes = 64k\n"      /* line 4 */
                              "notification-store-bytes = 67108865\n" /* line 5 */
                              "queue-idle-time = 0\n"                 /* line 6 */
                              "queue-idle-time = 86401\n"             /* line 7 */
                              "[send x]\n"
                              "paths = /3303/0/5700 /3/x\n" /* line 9 */
                              "paths = /\n"                 /* line 10 */
                              "paths = /0/0/3\n"            /* line 11 */
                              "paths =\n"                   /* line 12 */
                              "interval = 0\n"              /* line 13 */
                              "interval = 4294967296\n"     /* line 14 */
                              "server = 65535\n"            /* line 15 */
                              "every = 5\n",                /* line 16 */
                              &e),
                         -EINVAL);
        assert_int_equal(e.n, 14);
        assert_non_null(strstr(e.text, "test.conf:2: notification-store-count must be 1..1000000, "
                                       "not '0'"));
        assert_non_null(strstr(e.text, "test.conf:3: notification-store-count must be"));
        assert_non_null(strstr(e.text, "test.conf:4: notification-store-bytes must be 1..67108864 "
                                       "bytes (64 MiB), not '64k'"));
        assert_non_null(strstr(e.text, "test.conf:5: notification-store-bytes must be"));
        assert_non_null(
                strstr(e.text, "test.conf:6: queue-idle-time must be 1..86400 seconds, not '0'"));
        assert_non_null(strstr(e.text, "test.conf:7: queue-idle-time must be"));
        assert_non_null(strstr(e.text, "test.conf:9: paths: '/3/x' is not an object, instance or "
                                       "resource path"));
        assert_non_null(strstr(e.text, "test.conf:10: paths: '/' is not an object"));
        assert_non_null(
                strstr(e.text, "test.conf:11: paths: '/0/0/3': the Security object is never sent"));
        assert_non_null(strstr(e.text, "test.conf:12: paths must list at least one path"));
        assert_non_null(
                strstr(e.text, "test.conf:13: interval must be 1..4294967295 seconds, not '0'"));
        assert_non_null(strstr(e.text, "test.conf:14: interval must be"));
        assert_non_null(
                strstr(e.text, "test.conf:15: server must be a short ID, 1..65534, not '65535'"));
        assert_non_null(strstr(e.text, "test.conf:16: unknown key 'every' in [send x] (expected "
                                       "paths, interval, server)"));
        assert_int_equal(c.notification_store_count, 0);
        assert_int_equal(c.queue_idle_time, 0);
        assert_int_equal(c.n_sends, 1);
        assert_int_equal(c.sends[0].n_paths, 0);
        assert_int_equal(c.sends[0].interval, 0);
        config_free(&c);

        /* A section missing its paths or interval, or naming a server not configured, is
         * found when the whole is checked ("configuration": text read from memory has no
         * file name, config_load_file sets it). */
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\n"
                              "[server a]\nuri = coap://127.0.0.1\n"
                              "[send a]\ninterval = 10\n"                           /* lines 5-6 */
                              "[send b]\npaths = /3/0\n"                            /* lines 7-8 */
                              "[send c]\npaths = /3/0\ninterval = 5\nserver = 2\n", /* lines 9-12 */
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_string_equal(e.text, "configuration:6: [send a]: no paths\n"
                                    "configuration:8: [send b]: no interval\n"
                                    "test.conf:12: server 2: no [server] section has that "
                                    "short-id\n");
        config_free(&c);

        /* More sections than CONFIG_SENDS_MAX are refused with the line of the first too many. */
        char text[8192] = "";
        size_t len = 0;
        for (int i = 0; i <= CONFIG_SENDS_MAX; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len,
                                        "[send s%d]\npaths = /3/0\ninterval = 9\n", i);
        assert_true(len < sizeof(text));
        assert_int_equal(load(&c, text, &e), -EINVAL);
        char want_text[64];
        snprintf(want_text, sizeof(want_text), "test.conf:%d: more than %d send sections",
                 3 * CONFIG_SENDS_MAX + 2, CONFIG_SENDS_MAX);
        assert_non_null(strstr(e.text, want_text));
        assert_int_equal(c.n_sends, CONFIG_SENDS_MAX);
        config_free(&c);
}

static void test_access_control_sections(void **state)
{
        (void)state;
        config c;
        errors e;
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\n"
                              "[server a]\nuri = coap://127.0.0.1\nshort-id = 1\n"
                              "[server b]\nuri = coap://127.0.0.2\nshort-id = 2\n"
                              "[access-control 3/0]\n"
                              "owner = 1\n"
                              "acl = 1:RWEDC, 2:r, default:0\n" /* C refused at finish */
                              "[access-control /3303]\n"
                              "acl = 2:C\n"
                              "[access-control 3/0]\n"
                              "acl = 1:RWE 2:R\n" /* the same section: the later acl wins */
                              "[access-control 5/1]\n"
                              "owner = bootstrap\n"
                              "acl = 2:15\n",
                              &e),
                         0);
        assert_string_equal(e.text, "");
        assert_int_equal(c.n_access, 3);
        const config_access *dev = &c.access[0];
        assert_int_equal(dev->oid, 3);
        assert_int_equal(dev->iid, 0);
        assert_int_equal(dev->owner, 1);
        assert_int_equal(dev->n_acl, 2);
        assert_int_equal(dev->acl[0].short_id, 1);
        assert_int_equal(dev->acl[0].rights, 7);
        assert_int_equal(dev->acl[1].short_id, 2);
        assert_int_equal(dev->acl[1].rights, 1);
        const config_access *obj = &c.access[1];
        assert_int_equal(obj->oid, 3303);
        assert_int_equal(obj->iid, 65535);
        assert_int_equal(obj->owner, 65535);
        assert_int_equal(obj->acl[0].rights, 16);
        assert_int_equal(c.access[2].owner, 65535);
        assert_int_equal(c.access[2].acl[0].rights, 15);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        config_free(&c);

        /* What cannot be read is said at its line. */
        assert_int_equal(load(&c,
                              "[access-control 0/0]\n"          /* line 1: the Security object */
                              "owner = 1\n"                     /* line 2 */
                              "[access-control x]\nacl = 1:R\n" /* lines 3-4 */
                              "[access-control 3/0/1]\n"        /* line 5: a resource */
                              "[access-control 3/0]\n"          /* line 6 */
                              "acl = 1:RQ\n"                    /* line 7 */
                              "acl = 1-R\n"                     /* line 8 */
                              "acl = 1:32\n"                    /* line 9 */
                              "acl = 1:R, 1:W\n"                /* line 10 */
                              "acl = 65535:R\n"                 /* line 11 */
                              "owner = 0\n"                     /* line 12 */
                              "colour = red\n",                 /* line 13 */
                              &e),
                         -EINVAL);
        /* A section is looked at with its first key. */
        assert_non_null(strstr(e.text, "test.conf:2: [access-control 0/0]: name an object"));
        assert_non_null(strstr(e.text, "test.conf:4: [access-control x]: name an object"));
        assert_null(strstr(e.text, "test.conf:5:")); /* a section without keys says nothing */
        assert_non_null(strstr(e.text, "test.conf:7: acl: '1:RQ' is not SHORT-ID:RIGHTS"));
        assert_non_null(strstr(e.text, "test.conf:8: acl: '1-R' is not"));
        assert_non_null(strstr(e.text, "test.conf:9: acl: '1:32' is not"));
        assert_non_null(strstr(e.text, "test.conf:10: acl: server 1 is given twice"));
        assert_non_null(strstr(e.text, "test.conf:11: acl: '65535:R' is not"));
        assert_non_null(strstr(e.text, "test.conf:12: owner must be a short ID"));
        assert_non_null(strstr(e.text, "test.conf:13: unknown key 'colour' in "
                                       "[access-control 3/0] (expected owner, acl)"));
        config_free(&c);

        /* The whole: configured servers only, an object's Create rights per server
         * and unowned, an instance's of R, W, E, D. */
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\n"
                              "[server a]\nuri = coap://127.0.0.1\nshort-id = 1\n" /* 3-5 */
                              "[access-control 3/0]\n"                             /* 6 */
                              "owner = 9\n"                                        /* 7 */
                              "acl = 1:RC, 8:R\n"                                  /* 8 */
                              "[access-control 3303]\n"                            /* 9 */
                              "owner = 1\n"                                        /* 10 */
                              "acl = 1:RC, default:C\n",                           /* 11 */
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_string_equal(e.text,
                            "test.conf:7: owner 9: no [server] section has that short-id\n"
                            "test.conf:8: acl: an instance's rights are of R, W, E, D\n"
                            "test.conf:8: acl: server 8: no [server] section has that short-id\n"
                            "test.conf:10: owner: an object's Create rights are the bootstrap "
                            "server's (or the configuration's) to change; leave owner out\n"
                            "test.conf:11: acl: an object's rights are C (Create) only\n"
                            "test.conf:11: acl: the default entry gives no Create right (Core TS "
                            "7.3.2.1): name each server\n");
        config_free(&c);
}

/* Sections with a star for the instance ID (and the object ID): templates, of
 * instance rights only. */
static void test_access_control_templates(void **state)
{
        (void)state;
        config c;
        errors e;
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\n"
                              "[server a]\nuri = coap://127.0.0.1\nshort-id = 1\n"
                              "[server b]\nuri = coap://127.0.0.2\nshort-id = 2\n"
                              "[access-control 3303/*]\n"
                              "acl = 1:RW, default:R\n"
                              "[access-control */*]\n"
                              "owner = 2\n"
                              "acl = 2:R\n"
                              "[access-control 3303/0]\n"
                              "acl = 1:R\n"
                              "[access-control 3303]\n"
                              "acl = 1:C\n",
                              &e),
                         0);
        assert_string_equal(e.text, "");
        assert_int_equal(c.n_access, 4);
        const config_access *temp = &c.access[0];
        assert_true(temp->every_instance);
        assert_int_equal(temp->oid, 3303);
        assert_int_equal(temp->owner, 65535);
        assert_int_equal(temp->n_acl, 2);
        assert_int_equal(temp->acl[0].rights, 3);
        assert_int_equal(temp->acl[1].short_id, 0);
        const config_access *any = &c.access[1];
        assert_true(any->every_instance);
        assert_int_equal(any->oid, LWM2M_ACL_ANY_OBJECT);
        assert_int_equal(any->owner, 2);
        /* The instance's and the object's sections are others. */
        assert_false(c.access[2].every_instance);
        assert_int_equal(c.access[2].iid, 0);
        assert_false(c.access[3].every_instance);
        assert_int_equal(c.access[3].iid, 65535);
        assert_int_equal(config_finish(&c, collect, &e), 0);
        config_free(&c);

        /* What cannot be a template is said at its line. */
        assert_int_equal(load(&c,
                              "[access-control 1/*]\n"   /* 1 */
                              "acl = 1:R\n"              /* 2 */
                              "[access-control 2/*]\n"   /* 3 */
                              "acl = 1:R\n"              /* 4 */
                              "[access-control 0/*]\n"   /* 5 */
                              "acl = 1:R\n"              /* 6 */
                              "[access-control */0]\n"   /* 7 */
                              "acl = 1:R\n"              /* 8 */
                              "[access-control 3/*/1]\n" /* 9 */
                              "acl = 1:R\n"              /* 10 */
                              "[access-control *]\n"     /* 11 */
                              "acl = 1:R\n",             /* 12 */
                              &e),
                         -EINVAL);
        assert_non_null(strstr(e.text, "test.conf:2: [access-control 1/*]: Server (1) instances "
                                       "come from the configuration or a bootstrap server"));
        assert_non_null(strstr(e.text, "test.conf:4: [access-control 2/*]: Access Control (2) "
                                       "instances come from"));
        assert_non_null(strstr(e.text, "test.conf:6: [access-control 0/*]: name an object"));
        assert_non_null(strstr(e.text, "test.conf:8: [access-control */0]: name an object"));
        assert_non_null(strstr(e.text, "test.conf:10: [access-control 3/*/1]: name an object"));
        assert_non_null(strstr(e.text, "test.conf:12: [access-control *]: name an object"));
        config_free(&c);

        /* Create is the object's: refused in a template, with the acl key's line. */
        assert_int_equal(load(&c,
                              "[lwm2md]\nendpoint = gw\n"
                              "[server a]\nuri = coap://127.0.0.1\nshort-id = 1\n" /* 3-5 */
                              "[access-control 3303/*]\n"                          /* 6 */
                              "acl = 1:RC\n"                                       /* 7 */
                              "[access-control */*]\n"                             /* 8 */
                              "owner = 4\n"                                        /* 9 */
                              "acl = default:C\n",                                 /* 10 */
                              &e),
                         0);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_string_equal(e.text,
                            "test.conf:7: acl: a template's rights are of R, W, E, D (Create is "
                            "the object's: [access-control 3303])\n"
                            "test.conf:9: owner 4: no [server] section has that short-id\n"
                            "test.conf:10: acl: a template's rights are of R, W, E, D (Create "
                            "is the object's: [access-control OID])\n");
        config_free(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_file),
                cmocka_unit_test(test_device_system_actions),
                cmocka_unit_test(test_access_control_sections),
                cmocka_unit_test(test_access_control_templates),
                cmocka_unit_test(test_errors_name_the_line),
                cmocka_unit_test(test_overlong_line),
                cmocka_unit_test(test_finish_checks_consistency),
                cmocka_unit_test(test_location),
                cmocka_unit_test(test_firmware),
                cmocka_unit_test(test_connectivity_and_device_limits),
                cmocka_unit_test(test_short_ids_numbered_around_explicit_ones),
                cmocka_unit_test(test_bootstrap_only),
                cmocka_unit_test(test_bootstrap_keys_in_server_ignored),
                cmocka_unit_test(test_empty_psk_identity),
                cmocka_unit_test(test_defaults_and_overrides),
                cmocka_unit_test(test_parse_hex),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_devices_refused_before_reading),
                cmocka_unit_test(test_nul_byte_stops_reading),
                cmocka_unit_test(test_binary_refused_with_one_message),
                cmocka_unit_test(test_text_accepted),
                cmocka_unit_test(test_file_size_cap),
                cmocka_unit_test(test_endpoint_length),
                cmocka_unit_test(test_long_values),
                cmocka_unit_test(test_long_line_at_end_of_data),
                cmocka_unit_test(test_too_many_errors),
                cmocka_unit_test(test_uris),
                cmocka_unit_test(test_local_caller_keys),
                cmocka_unit_test(test_reporting_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
