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

#include <cmocka.h>

#include "../../src/daemon/config.h"

typedef struct errors {
        char text[4096];
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
                           "manufacturer = ACME ; inline comments are not stripped by default\n"
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

static void test_bootstrap_refused_clearly(void **state)
{
        config c;
        errors e;
        const char *text = "[bootstrap-server]\nuri = coap://bs.example\nhold-off = 5\n";
        assert_int_equal(load(&c, text, &e), 0);
        assert_true(c.servers[0].bootstrap);
        assert_int_equal(c.servers[0].hold_off, 5);
        assert_int_equal(config_finish(&c, collect, &e), -EINVAL);
        assert_non_null(strstr(e.text, "bootstrap servers are not supported yet"));
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_file),
                cmocka_unit_test(test_errors_name_the_line),
                cmocka_unit_test(test_overlong_line),
                cmocka_unit_test(test_finish_checks_consistency),
                cmocka_unit_test(test_short_ids_numbered_around_explicit_ones),
                cmocka_unit_test(test_bootstrap_refused_clearly),
                cmocka_unit_test(test_empty_psk_identity),
                cmocka_unit_test(test_defaults_and_overrides),
                cmocka_unit_test(test_parse_hex),
                cmocka_unit_test(test_missing_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
