/* test_lwm2mctl.c - unit tests of lwm2mctl's bus-free half: the command line, values
 * parsed by resource type and formatted back, operations strings and resource lookup. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/definition.h"
#include "tools/ctl_parse.h"

#define ARGS(...)   ((char *const[]){"lwm2mctl", __VA_ARGS__})
#define N_ARGS(...) ((int)(sizeof((char *const[]){"lwm2mctl", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(out, ...)                                                                            \
        ctl_parse_args(N_ARGS(__VA_ARGS__), ARGS(__VA_ARGS__), out, why, sizeof(why))

static void test_args_defaults_and_global_options(void **state)
{
        ctl_args a;
        char why[256] = "";
        assert_int_equal(PARSE(&a, "status"), 0);
        assert_int_equal(a.command, CTL_CMD_STATUS);
        assert_string_equal(a.bus, "system");
        assert_false(a.json);

        assert_int_equal(PARSE(&a, "--bus", "user", "--json", "servers"), 0);
        assert_int_equal(a.command, CTL_CMD_SERVERS);
        assert_string_equal(a.bus, "user");
        assert_true(a.json);

        /* Options after the command, and the --bus=ADDRESS spelling. */
        assert_int_equal(PARSE(&a, "list", "--bus=unix:path=/run/x", "--json"), 0);
        assert_int_equal(a.command, CTL_CMD_LIST);
        assert_string_equal(a.bus, "unix:path=/run/x");
        assert_true(a.json);

        assert_int_equal(PARSE(&a, "objects", "--all"), 0);
        assert_int_equal(a.command, CTL_CMD_OBJECTS);
        assert_true(a.all);

        assert_int_equal(PARSE(&a, "--help"), 0);
        assert_int_equal(a.command, CTL_CMD_HELP);
        assert_int_equal(PARSE(&a, "read", "/3/0", "-h"), 0);
        assert_int_equal(a.command, CTL_CMD_HELP);
        assert_int_equal(PARSE(&a, "help"), 0);
        assert_int_equal(a.command, CTL_CMD_HELP);
        assert_int_equal(PARSE(&a, "--version"), 0);
        assert_int_equal(a.command, CTL_CMD_VERSION);
}

static void test_args_errors(void **state)
{
        ctl_args a;
        char why[256];
        assert_int_equal(ctl_parse_args(1, ARGS(NULL), &a, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "no command"));

        assert_int_equal(PARSE(&a, "frobnicate"), -EINVAL);
        assert_non_null(strstr(why, "unknown command \"frobnicate\""));

        assert_int_equal(PARSE(&a, "--frob", "status"), -EINVAL);
        assert_non_null(strstr(why, "unknown option \"--frob\""));

        assert_int_equal(PARSE(&a, "status", "--bus"), -EINVAL);
        assert_non_null(strstr(why, "--bus needs an argument"));
        assert_int_equal(PARSE(&a, "--bus=", "status"), -EINVAL);

        assert_int_equal(PARSE(&a, "read"), -EINVAL);
        assert_non_null(strstr(why, "read: missing argument"));
        assert_int_equal(PARSE(&a, "status", "extra"), -EINVAL);
        assert_non_null(strstr(why, "too many arguments (\"extra\")"));
        assert_int_equal(PARSE(&a, "write", "/3/0/1", "a", "b"), -EINVAL);
        assert_int_equal(PARSE(&a, "exec", "/3/0/4", "a", "b"), -EINVAL);

        assert_int_equal(PARSE(&a, "list", "--all"), -EINVAL);
        assert_non_null(strstr(why, "--all"));
}

static void test_args_paths(void **state)
{
        ctl_args a;
        char why[256];
        assert_int_equal(PARSE(&a, "read", "/3303"), 0);
        assert_int_equal(a.command, CTL_CMD_READ);
        assert_int_equal(a.path.len, 1);
        assert_int_equal(a.path.id[0], 3303);
        assert_int_equal(PARSE(&a, "read", "3/0"), 0);
        assert_int_equal(a.path.len, 2);
        assert_int_equal(PARSE(&a, "read", "/3/0/7/1"), 0);
        assert_int_equal(a.path.len, 4);
        assert_int_equal(a.path.id[3], 1);

        /* The root is not something to read, nor are malformed paths. */
        assert_int_equal(PARSE(&a, "read", "/"), -EINVAL);
        assert_non_null(strstr(why, "must be a path from /object to"));
        assert_int_equal(PARSE(&a, "read", "/3/x"), -EINVAL);
        assert_non_null(strstr(why, "is not an LwM2M path"));
        assert_int_equal(PARSE(&a, "read", "/65535"), -EINVAL);
        assert_int_equal(PARSE(&a, "read", "/3/0/1/2/3"), -EINVAL);

        assert_int_equal(PARSE(&a, "write", "/3/0/13", "1700000000"), 0);
        assert_int_equal(a.command, CTL_CMD_WRITE);
        assert_int_equal(a.path.len, 3);
        assert_string_equal(a.value, "1700000000");
        assert_int_equal(PARSE(&a, "write", "/3/0/7/2", "5"), 0);
        assert_int_equal(a.path.len, 4);
        assert_int_equal(PARSE(&a, "write", "/3/0", "5"), -EINVAL);
        assert_non_null(
                strstr(why, "write: \"/3/0\" must be a path from /object/instance/resource"));

        assert_int_equal(PARSE(&a, "exec", "/3/0/4"), 0);
        assert_int_equal(a.command, CTL_CMD_EXEC);
        assert_null(a.exec_args);
        assert_int_equal(PARSE(&a, "exec", "/5/0/2", "0='a',1"), 0);
        assert_string_equal(a.exec_args, "0='a',1");
        assert_int_equal(PARSE(&a, "exec", "/3/0/4/0"), -EINVAL);
        assert_non_null(strstr(why, "must be a path /object/instance/resource"));
}

static void test_args_negative_values_are_not_options(void **state)
{
        ctl_args a;
        char why[256];
        assert_int_equal(PARSE(&a, "write", "/3303/0/5750", "-5"), 0);
        assert_string_equal(a.value, "-5");
        assert_int_equal(PARSE(&a, "write", "/3303/0/5750", "-.5"), 0);
        assert_string_equal(a.value, "-.5");
        /* A value that looks like an option needs "--". */
        assert_int_equal(PARSE(&a, "write", "/3303/0/5750", "--json"), -EINVAL);
        assert_int_equal(PARSE(&a, "write", "/3303/0/5750", "--", "--json"), 0);
        assert_string_equal(a.value, "--json");
        assert_false(a.json);
        assert_int_equal(PARSE(&a, "--json", "--", "write", "/3303/0/5750", "--all"), 0);
        assert_string_equal(a.value, "--all");
        assert_true(a.json);
        assert_false(a.all);
        assert_int_equal(PARSE(&a, "write", "/3303/0/5750", "-"), 0);
        assert_string_equal(a.value, "-");
}

static void test_args_update(void **state)
{
        ctl_args a;
        char why[256];
        assert_int_equal(PARSE(&a, "update"), 0);
        assert_int_equal(a.command, CTL_CMD_UPDATE);
        assert_int_equal(a.short_id, 0);
        assert_int_equal(PARSE(&a, "update", "101"), 0);
        assert_int_equal(a.short_id, 101);
        assert_int_equal(PARSE(&a, "update", "0"), -EINVAL);
        assert_int_equal(PARSE(&a, "update", "65535"), -EINVAL);
        assert_int_equal(PARSE(&a, "update", "1x"), -EINVAL);
        assert_int_equal(PARSE(&a, "update", "+1"), -EINVAL);
        assert_int_equal(PARSE(&a, "bootstrap"), 0);
        assert_int_equal(a.command, CTL_CMD_BOOTSTRAP);
        assert_int_equal(PARSE(&a, "bootstrap", "1"), -EINVAL);
}

static void test_args_send(void **state)
{
        ctl_args a;
        char why[256];
        assert_int_equal(PARSE(&a, "send", "/3303/0/5700", "3/0", "/3303"), 0);
        assert_int_equal(a.command, CTL_CMD_SEND);
        assert_int_equal(a.short_id, 0);
        assert_int_equal(a.n_send_paths, 3);
        lwm2m_path want = lwm2m_path_resource(3303, 0, 5700);
        assert_true(lwm2m_path_equal(&a.send_paths[0], &want));
        want = lwm2m_path_instance(3, 0);
        assert_true(lwm2m_path_equal(&a.send_paths[1], &want));
        want = lwm2m_path_object(3303);
        assert_true(lwm2m_path_equal(&a.send_paths[2], &want));

        assert_int_equal(PARSE(&a, "send", "--server", "7", "/3/0/9"), 0);
        assert_int_equal(a.short_id, 7);
        assert_int_equal(a.n_send_paths, 1);
        assert_int_equal(PARSE(&a, "--server=65534", "send", "/3/0/9/1"), 0);
        assert_int_equal(a.short_id, 65534);

        assert_int_equal(PARSE(&a, "send"), -EINVAL);
        assert_non_null(strstr(why, "send: missing argument"));
        assert_int_equal(PARSE(&a, "send", "/"), -EINVAL);
        assert_non_null(strstr(why, "send: \"/\" must be a path from /object to"));
        assert_int_equal(PARSE(&a, "send", "/3/0", "/3/x"), -EINVAL);
        assert_non_null(strstr(why, "\"/3/x\" is not an LwM2M path"));
        assert_int_equal(PARSE(&a, "send", "--server", "0", "/3/0"), -EINVAL);
        assert_non_null(strstr(why, "send --server: \"0\" is not a server short ID"));
        assert_int_equal(PARSE(&a, "send", "/3/0", "--server"), -EINVAL);
        assert_non_null(strstr(why, "--server needs a server short ID"));
        assert_int_equal(PARSE(&a, "update", "--server", "1"), -EINVAL);
        assert_non_null(strstr(why, "--server only goes with the send command"));

        /* As many paths as CTL_SEND_MAX_PATHS, and not one more. */
        char *argv[2 + CTL_SEND_MAX_PATHS + 1] = {"lwm2mctl", "send"};
        for (int i = 0; i < CTL_SEND_MAX_PATHS + 1; i++)
                argv[2 + i] = "/3/0";
        assert_int_equal(ctl_parse_args(2 + CTL_SEND_MAX_PATHS, argv, &a, why, sizeof(why)), 0);
        assert_int_equal(a.n_send_paths, CTL_SEND_MAX_PATHS);
        assert_int_equal(ctl_parse_args(3 + CTL_SEND_MAX_PATHS, argv, &a, why, sizeof(why)),
                         -EINVAL);
        assert_non_null(strstr(why, "too many"));
}

/* Parses and formats back; the result must be `expected` (NULL: the input). */
static void round_trip(const char *text, lwm2m_type type, const char *expected)
{
        lwm2m_value v;
        char why[256] = "";
        int r = ctl_parse_value(text, type, &v, why, sizeof(why));
        if (r != 0)
                fail_msg("\"%s\" as %s: %s", text, lwm2m_type_to_string(type), why);
        assert_int_equal(v.type, type);
        char *s = ctl_format_value(&v, false);
        assert_non_null(s);
        assert_string_equal(s, expected ? expected : text);
        free(s);
        lwm2m_value_clear(&v);
}

static void rejected(const char *text, lwm2m_type type, int err, const char *why_part)
{
        lwm2m_value v;
        char why[256] = "";
        assert_int_equal(ctl_parse_value(text, type, &v, why, sizeof(why)), err);
        assert_int_equal(v.type, LWM2M_TYPE_NONE);
        if (why_part && !strstr(why, why_part))
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, why, why_part);
}

static void test_value_integer_and_unsigned(void **state)
{
        round_trip("42", LWM2M_TYPE_INTEGER, NULL);
        round_trip("-9223372036854775808", LWM2M_TYPE_INTEGER, NULL);
        round_trip("+7", LWM2M_TYPE_INTEGER, "7");
        rejected("9223372036854775808", LWM2M_TYPE_INTEGER, -ERANGE, "out of range");
        rejected("4.5", LWM2M_TYPE_INTEGER, -EINVAL, "expected a whole number");
        rejected("", LWM2M_TYPE_INTEGER, -EINVAL, NULL);
        rejected(" 4", LWM2M_TYPE_INTEGER, -EINVAL, NULL);
        rejected("4 ", LWM2M_TYPE_INTEGER, -EINVAL, NULL);
        rejected("0x10", LWM2M_TYPE_INTEGER, -EINVAL, NULL);

        round_trip("18446744073709551615", LWM2M_TYPE_UNSIGNED, NULL);
        rejected("18446744073709551616", LWM2M_TYPE_UNSIGNED, -ERANGE, NULL);
        rejected("-1", LWM2M_TYPE_UNSIGNED, -EINVAL, "Unsigned Integer");
        rejected("+", LWM2M_TYPE_UNSIGNED, -EINVAL, NULL);
}

static void test_value_float(void **state)
{
        round_trip("21.5", LWM2M_TYPE_FLOAT, NULL);
        round_trip("0.1", LWM2M_TYPE_FLOAT, NULL);
        round_trip("-3", LWM2M_TYPE_FLOAT, NULL);
        round_trip("1e+100", LWM2M_TYPE_FLOAT, NULL);
        round_trip("2.5e-3", LWM2M_TYPE_FLOAT, "0.0025");
        /* The shortest text that reads back as the same double. */
        lwm2m_value v = lwm2m_value_float(1.0 / 3.0);
        char *s = ctl_format_value(&v, false);
        assert_true(strtod(s, NULL) == 1.0 / 3.0);
        assert_int_equal(strlen(s), strlen("0.3333333333333333"));
        free(s);
        rejected("1e999", LWM2M_TYPE_FLOAT, -ERANGE, NULL);
        rejected("inf", LWM2M_TYPE_FLOAT, -ERANGE, NULL);
        rejected("nan", LWM2M_TYPE_FLOAT, -EINVAL, NULL);
        rejected("21,5", LWM2M_TYPE_FLOAT, -EINVAL, "expected a finite number");
        rejected("", LWM2M_TYPE_FLOAT, -EINVAL, NULL);
}

/* --json: every Float is a number with a fraction or exponent, however round. */
static void test_value_float_json(void **state)
{
        const struct {
                double d;
                const char *json;
        } cases[] = {{21.0, "21.0"},    {-3.0, "-3.0"},     {0.0, "0.0"},   {21.5, "21.5"},
                     {1e100, "1e+100"}, {2.5e-3, "0.0025"}, {1e15, "1e+15"}};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *s = ctl_format_json_float(cases[i].d);
                assert_non_null(s);
                assert_string_equal(s, cases[i].json);
                assert_true(strtod(s, NULL) == cases[i].d);
                free(s);
        }
        assert_null(ctl_format_json_float(INFINITY));
        assert_null(ctl_format_json_float(NAN));
}

static void test_value_boolean(void **state)
{
        const char *yes[] = {"true", "TRUE", "1", "yes", "on"};
        const char *no[] = {"false", "0", "No", "off"};
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                round_trip(yes[i], LWM2M_TYPE_BOOLEAN, "true");
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                round_trip(no[i], LWM2M_TYPE_BOOLEAN, "false");
        rejected("2", LWM2M_TYPE_BOOLEAN, -EINVAL, "expected true or false");
        rejected("", LWM2M_TYPE_BOOLEAN, -EINVAL, NULL);
}

static void test_value_time(void **state)
{
        round_trip("1700000000", LWM2M_TYPE_TIME, NULL);
        round_trip("2023-11-14T22:13:20Z", LWM2M_TYPE_TIME, "1700000000");
        round_trip("-1", LWM2M_TYPE_TIME, NULL);
        rejected("2023-11-14 22:13:20", LWM2M_TYPE_TIME, -EINVAL, "YYYY-MM-DDTHH:MM:SSZ");
        rejected("2023-11-14T22:13:20Zx", LWM2M_TYPE_TIME, -EINVAL, NULL);

        lwm2m_value v = lwm2m_value_time(1700000000);
        char *s = ctl_format_value(&v, true);
        assert_string_equal(s, "1700000000 (2023-11-14T22:13:20Z)");
        free(s);
}

static void test_value_opaque_objlnk_string(void **state)
{
        round_trip("00ff10", LWM2M_TYPE_OPAQUE, NULL);
        round_trip("0xDEADbeef", LWM2M_TYPE_OPAQUE, "deadbeef");
        round_trip("", LWM2M_TYPE_OPAQUE, NULL);
        rejected("abc", LWM2M_TYPE_OPAQUE, -EINVAL, "hex digits");
        rejected("zz", LWM2M_TYPE_OPAQUE, -EINVAL, NULL);

        round_trip("3:0", LWM2M_TYPE_OBJLNK, NULL);
        round_trip("65535:65535", LWM2M_TYPE_OBJLNK, NULL);
        rejected("65536:0", LWM2M_TYPE_OBJLNK, -ERANGE, NULL);
        rejected("3", LWM2M_TYPE_OBJLNK, -EINVAL, "OBJECT:INSTANCE");
        rejected("3:", LWM2M_TYPE_OBJLNK, -EINVAL, NULL);
        rejected(":0", LWM2M_TYPE_OBJLNK, -EINVAL, NULL);
        rejected("3:0:1", LWM2M_TYPE_OBJLNK, -EINVAL, NULL);
        rejected("-3:0", LWM2M_TYPE_OBJLNK, -EINVAL, NULL);

        round_trip("Cel", LWM2M_TYPE_STRING, NULL);
        round_trip("", LWM2M_TYPE_STRING, NULL);
        round_trip("caf\xc3\xa9 -5 --json", LWM2M_TYPE_STRING, NULL);
        round_trip("</3/0>", LWM2M_TYPE_CORELNK, NULL);
        rejected("bad \xff utf-8", LWM2M_TYPE_STRING, -EINVAL, "UTF-8");

        rejected("1", LWM2M_TYPE_NONE, -EINVAL, "executed");
}

static void test_operations_and_find(void **state)
{
        uint8_t ops = 0xff;
        assert_int_equal(ctl_parse_operations("RW", &ops), 0);
        assert_int_equal(ops, LWM2M_OP_READ | LWM2M_OP_WRITE);
        assert_int_equal(ctl_parse_operations("E", &ops), 0);
        assert_int_equal(ops, LWM2M_OP_EXECUTE);
        assert_int_equal(ctl_parse_operations("", &ops), 0);
        assert_int_equal(ops, LWM2M_OP_NONE);
        assert_int_equal(ctl_parse_operations("WR", &ops), -EINVAL);
        assert_int_equal(ctl_parse_operations("r", &ops), -EINVAL);

        const ctl_resource res[] = {
                {.id = 5700, .name = "Sensor Value"},
                {.id = 5601, .name = "Min Measured Value"},
        };
        assert_string_equal(ctl_resource_find(res, 2, 5601)->name, "Min Measured Value");
        assert_string_equal(ctl_resource_find(res, 2, 5700)->name, "Sensor Value");
        assert_null(ctl_resource_find(res, 2, 5702));
        assert_null(ctl_resource_find(res, 0, 5700));
}

static void member_is(const char *resource_name, const char *expected)
{
        char out[64];
        ctl_member_name(resource_name, out, sizeof(out));
        assert_string_equal(out, expected);
}

static void test_member_names(void **state)
{
        /* The examples of the D-Bus contract (lwm2md.dbus(5)). */
        member_is("Sensor Value", "SensorValue");
        member_is("x", "X");
        member_is("Min Measured Value", "MinMeasuredValue");
        member_is("LWM2M Server URI", "LWM2MServerURI");
        member_is("On/Off", "OnOff");
        member_is("SMS Binding Secret Key(s)", "SMSBindingSecretKeyS");
        member_is("1st reading", "R1stReading");
        member_is("", "Resource");
        member_is("--", "Resource");
        member_is(NULL, "Resource");
        member_is("caf\xc3\xa9 au lait", "CafAuLait");
        /* Bounded by the buffer (keeping room for an "R" and the NUL). */
        char small[6];
        ctl_member_name("Sensor Value", small, sizeof(small));
        assert_string_equal(small, "Sens");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_args_defaults_and_global_options),
                cmocka_unit_test(test_args_errors),
                cmocka_unit_test(test_args_paths),
                cmocka_unit_test(test_args_negative_values_are_not_options),
                cmocka_unit_test(test_args_update),
                cmocka_unit_test(test_args_send),
                cmocka_unit_test(test_value_integer_and_unsigned),
                cmocka_unit_test(test_value_float),
                cmocka_unit_test(test_value_float_json),
                cmocka_unit_test(test_value_boolean),
                cmocka_unit_test(test_value_time),
                cmocka_unit_test(test_value_opaque_objlnk_string),
                cmocka_unit_test(test_operations_and_find),
                cmocka_unit_test(test_member_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
