/* test_constraint.c - unit tests for DDF RangeEnumeration constraints (model/constraint).
 * Every form the OMA registry uses, exact 64-bit edges, lengths, enumerations, formatting. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/constraint.h"

/* The distinct (RangeEnumeration, Type) pairs of the OMA registry (../shared/oma-registry,
 * 333 files), with the outcome this module promises: the canonical text, NULL (nothing to
 * check), or -EINVAL (prose; the loader warns). */
static const struct registry_case {
        const char *text;
        lwm2m_type type;
        int rc;
        const char *canonical;
} registry_cases[] = {
        {"", LWM2M_TYPE_NONE, 0, NULL},
        {"\n        ", LWM2M_TYPE_NONE, 0, NULL},
        {"", LWM2M_TYPE_BOOLEAN, 0, NULL},
        {"\n        ", LWM2M_TYPE_BOOLEAN, 0, NULL},
        {"0..65535", LWM2M_TYPE_BOOLEAN, 0, NULL},
        {"", LWM2M_TYPE_CORELNK, 0, NULL},
        {"", LWM2M_TYPE_FLOAT, 0, NULL},
        {"-1..1", LWM2M_TYPE_FLOAT, 0, "-1..1"},
        {"-100.0..100.0", LWM2M_TYPE_FLOAT, 0, "-100..100"},
        {"0..1", LWM2M_TYPE_FLOAT, 0, "0..1"},
        {"0..100", LWM2M_TYPE_FLOAT, 0, "0..100"},
        {"0..12800", LWM2M_TYPE_FLOAT, 0, "0..12800"},
        {"0..360", LWM2M_TYPE_FLOAT, 0, "0..360"},
        {"0.0..1.0", LWM2M_TYPE_FLOAT, 0, "0..1"},
        {"0.0..100.0", LWM2M_TYPE_FLOAT, 0, "0..100"},
        {"0.0..86400.0", LWM2M_TYPE_FLOAT, 0, "0..86400"},
        {"0.00..100.00", LWM2M_TYPE_FLOAT, 0, "0..100"},
        {"0.000001..1.0", LWM2M_TYPE_FLOAT, 0, "1e-06..1"},
        {"0; 3.8..20.5", LWM2M_TYPE_FLOAT, 0, "0;3.8..20.5"},
        {"3.8..20.5", LWM2M_TYPE_FLOAT, 0, "3.8..20.5"},
        {"ON;OFF", LWM2M_TYPE_FLOAT, -EINVAL, NULL},
        {"", LWM2M_TYPE_INTEGER, 0, NULL},
        {"\n        ", LWM2M_TYPE_INTEGER, 0, NULL},
        {"\n                ", LWM2M_TYPE_INTEGER, 0, NULL},
        {"-10..30", LWM2M_TYPE_INTEGER, 0, "-10..30"},
        {"-110..-48", LWM2M_TYPE_INTEGER, 0, "-110..-48"},
        {"-120..-25", LWM2M_TYPE_INTEGER, 0, "-120..-25"},
        {"-128..127", LWM2M_TYPE_INTEGER, 0, "-128..127"},
        {"-140..-44", LWM2M_TYPE_INTEGER, 0, "-140..-44"},
        {"-158..-44", LWM2M_TYPE_INTEGER, 0, "-158..-44"},
        {"-180..180", LWM2M_TYPE_INTEGER, 0, "-180..180"},
        {"-24..24", LWM2M_TYPE_INTEGER, 0, "-24..24"},
        {"-30..-120", LWM2M_TYPE_INTEGER, 0, "-120..-30"},
        {"-30..46", LWM2M_TYPE_INTEGER, 0, "-30..46"},
        {"0,1,2", LWM2M_TYPE_INTEGER, 0, "0;1;2"},
        {"0..1", LWM2M_TYPE_INTEGER, 0, "0..1"},
        {"0..10", LWM2M_TYPE_INTEGER, 0, "0..10"},
        {"0..100", LWM2M_TYPE_INTEGER, 0, "0..100"},
        {"0..1023", LWM2M_TYPE_INTEGER, 0, "0..1023"},
        {"0..11", LWM2M_TYPE_INTEGER, 0, "0..11"},
        {"0..111", LWM2M_TYPE_INTEGER, 0, "0..111"},
        {"0..13", LWM2M_TYPE_INTEGER, 0, "0..13"},
        {"0..15", LWM2M_TYPE_INTEGER, 0, "0..15"},
        {"0..16", LWM2M_TYPE_INTEGER, 0, "0..16"},
        {"0..17", LWM2M_TYPE_INTEGER, 0, "0..17"},
        {"0..180", LWM2M_TYPE_INTEGER, 0, "0..180"},
        {"0..19", LWM2M_TYPE_INTEGER, 0, "0..19"},
        {"0..2", LWM2M_TYPE_INTEGER, 0, "0..2"},
        {"0..200", LWM2M_TYPE_INTEGER, 0, "0..200"},
        {"0..23", LWM2M_TYPE_INTEGER, 0, "0..23"},
        {"0..247, 255", LWM2M_TYPE_INTEGER, 0, "0..247;255"},
        {"0..255", LWM2M_TYPE_INTEGER, 0, "0..255"},
        {"0..268435455", LWM2M_TYPE_INTEGER, 0, "0..268435455"},
        {"0..3", LWM2M_TYPE_INTEGER, 0, "0..3"},
        {"0..3, 99", LWM2M_TYPE_INTEGER, 0, "0..3;99"},
        {"0..31", LWM2M_TYPE_INTEGER, 0, "0..31"},
        {"0..32", LWM2M_TYPE_INTEGER, 0, "0..32"},
        {"0..4", LWM2M_TYPE_INTEGER, 0, "0..4"},
        {"0..4294967295", LWM2M_TYPE_INTEGER, 0, "0..4294967295"},
        {"0..5", LWM2M_TYPE_INTEGER, 0, "0..5"},
        {"0..50", LWM2M_TYPE_INTEGER, 0, "0..50"},
        {"0..503", LWM2M_TYPE_INTEGER, 0, "0..503"},
        {"0..6", LWM2M_TYPE_INTEGER, 0, "0..6"},
        {"0..63", LWM2M_TYPE_INTEGER, 0, "0..63"},
        {"0..65535", LWM2M_TYPE_INTEGER, 0, "0..65535"},
        {"0..66635", LWM2M_TYPE_INTEGER, 0, "0..66635"},
        {"0..7", LWM2M_TYPE_INTEGER, 0, "0..7"},
        {"0..8", LWM2M_TYPE_INTEGER, 0, "0..8"},
        {"0..86399", LWM2M_TYPE_INTEGER, 0, "0..86399"},
        {"0..86400", LWM2M_TYPE_INTEGER, 0, "0..86400"},
        {"0..9223372036854775807", LWM2M_TYPE_INTEGER, 0, "0..9223372036854775807"},
        {"0..97", LWM2M_TYPE_INTEGER, 0, "0..97"},
        {"0..999", LWM2M_TYPE_INTEGER, 0, "0..999"},
        {"0: disabled\n\t\t\t\t1: normal\n\t\t\t\t2: remote\n\t\t\t\t3: local\n\t\t\t\t255: "
         "non_responsive",
         LWM2M_TYPE_INTEGER, 0, "0;1;2;3;255"},
        {"1 bytes", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"1...15", LWM2M_TYPE_INTEGER, 0, "1..15"},
        {"1...25", LWM2M_TYPE_INTEGER, 0, "1..25"},
        {"1...3", LWM2M_TYPE_INTEGER, 0, "1..3"},
        {"1...63", LWM2M_TYPE_INTEGER, 0, "1..63"},
        {"1..10", LWM2M_TYPE_INTEGER, 0, "1..10"},
        {"1..2", LWM2M_TYPE_INTEGER, 0, "1..2"},
        {"1..2000", LWM2M_TYPE_INTEGER, 0, "1..2000"},
        {"1..3", LWM2M_TYPE_INTEGER, 0, "1..3"},
        {"1..4", LWM2M_TYPE_INTEGER, 0, "1..4"},
        {"1..5", LWM2M_TYPE_INTEGER, 0, "1..5"},
        {"1..65534", LWM2M_TYPE_INTEGER, 0, "1..65534"},
        {"1..864000", LWM2M_TYPE_INTEGER, 0, "1..864000"},
        {"1..9", LWM2M_TYPE_INTEGER, 0, "1..9"},
        {"100..255", LWM2M_TYPE_INTEGER, 0, "100..255"},
        {"128..1023", LWM2M_TYPE_INTEGER, 0, "128..1023"},
        {"1: normal\n\t\t\t\t2: remote\n\t\t\t\t3: local", LWM2M_TYPE_INTEGER, 0, "1;2;3"},
        {"2 Instances", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"2 bytes", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"2..6", LWM2M_TYPE_INTEGER, 0, "2..6"},
        {"255", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"5, 10, 15, 20", LWM2M_TYPE_INTEGER, 0, "5;10;15;20"},
        {"8-Bits", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"<7 to >12.5", LWM2M_TYPE_INTEGER, -EINVAL, NULL},
        {"", LWM2M_TYPE_OBJLNK, 0, NULL},
        {"", LWM2M_TYPE_OPAQUE, 0, NULL},
        {"\n        ", LWM2M_TYPE_OPAQUE, 0, NULL},
        {"0..255", LWM2M_TYPE_OPAQUE, 0, "0..255 bytes"},
        {"0..65535", LWM2M_TYPE_OPAQUE, 0, "0..65535 bytes"},
        {"16,32,48", LWM2M_TYPE_OPAQUE, 0, "16;32;48 bytes"},
        {"6", LWM2M_TYPE_OPAQUE, 0, "0..6 bytes"},
        {"", LWM2M_TYPE_STRING, 0, NULL},
        {"\n        ", LWM2M_TYPE_STRING, 0, NULL},
        {"\n                ", LWM2M_TYPE_STRING, 0, NULL},
        {"0..100", LWM2M_TYPE_STRING, 0, "0..100 bytes"},
        {"0..127", LWM2M_TYPE_STRING, 0, "0..127 bytes"},
        {"0..255", LWM2M_TYPE_STRING, 0, "0..255 bytes"},
        {"0..255 bytes", LWM2M_TYPE_STRING, 0, "0..255 bytes"},
        {"0..256", LWM2M_TYPE_STRING, 0, "0..256 bytes"},
        {"0..63", LWM2M_TYPE_STRING, 0, "0..63 bytes"},
        {"0..64 bytes", LWM2M_TYPE_STRING, 0, "0..64 bytes"},
        {"1..128", LWM2M_TYPE_STRING, 0, "1..128 bytes"},
        {"1..256", LWM2M_TYPE_STRING, 0, "1..256 bytes"},
        {"1..32", LWM2M_TYPE_STRING, 0, "1..32 bytes"},
        {"1..64", LWM2M_TYPE_STRING, 0, "1..64 bytes"},
        {"1..64 Bytes", LWM2M_TYPE_STRING, 0, "1..64 bytes"},
        {"1..64 bytes", LWM2M_TYPE_STRING, 0, "1..64 bytes"},
        {"10,26", LWM2M_TYPE_STRING, 0, "10;26 bytes"},
        {"12", LWM2M_TYPE_STRING, 0, "0..12 bytes"},
        {"15", LWM2M_TYPE_STRING, 0, "0..15 bytes"},
        {"3", LWM2M_TYPE_STRING, 0, "0..3 bytes"},
        {"32 bytes", LWM2M_TYPE_STRING, 0, "0..32 bytes"},
        {"4..63", LWM2M_TYPE_STRING, 0, "4..63 bytes"},
        {"64", LWM2M_TYPE_STRING, 0, "0..64 bytes"},
        {"The possible values are those listed in the LwM2M Core Specification", LWM2M_TYPE_STRING,
         -EINVAL, NULL},
        {"", LWM2M_TYPE_TIME, 0, NULL},
        {"", LWM2M_TYPE_UNSIGNED, 0, NULL},
        {"0..10000", LWM2M_TYPE_UNSIGNED, 0, "0..10000"},
        {"0..18446744073709551615", LWM2M_TYPE_UNSIGNED, 0, "0..18446744073709551615"},
        {"0..2", LWM2M_TYPE_UNSIGNED, 0, "0..2"},
        {"0..255", LWM2M_TYPE_UNSIGNED, 0, "0..255"},
        {"0..3", LWM2M_TYPE_UNSIGNED, 0, "0..3"},
        {"0..4", LWM2M_TYPE_UNSIGNED, 0, "0..4"},
        {"0..4294967295", LWM2M_TYPE_UNSIGNED, 0, "0..4294967295"},
        {"0..5", LWM2M_TYPE_UNSIGNED, 0, "0..5"},
        {"0..60000", LWM2M_TYPE_UNSIGNED, 0, "0..60000"},
        {"0..65535", LWM2M_TYPE_UNSIGNED, 0, "0..65535"},
        {"0: CONFIGURED_ON\n\t\t\t\t1: FULL_ON\n\t\t\t\t2: RECALL", LWM2M_TYPE_UNSIGNED, 0,
         "0;1;2"},
        {"0: RELEASE\n\t\t\t\t1: CLICK\n\t\t\t\t2: HOLD\n\t\t\t\t3: DOUBLE-CLICK\n\t\t\t\t255: "
         "STUCK",
         LWM2M_TYPE_UNSIGNED, 0, "0;1;2;3;255"},
        {"0: RELEASED\n\t\t\t\t1: PRESSED\n\t\t\t\t2: FAULT", LWM2M_TYPE_UNSIGNED, 0, "0;1;2"},
        {"1..600", LWM2M_TYPE_UNSIGNED, 0, "1..600"},
        {"100..60000", LWM2M_TYPE_UNSIGNED, 0, "100..60000"},
        {"300..60000", LWM2M_TYPE_UNSIGNED, 0, "300..60000"},
};

static lwm2m_constraint *parse_ok(const char *text, lwm2m_type type)
{
        lwm2m_constraint *c = NULL;
        int r = lwm2m_constraint_parse(text, type, &c);
        if (r != 0 || !c)
                fail_msg("\"%s\" (%s): rc %d, %s", text, lwm2m_type_to_string(type), r,
                         c ? "constraint" : "NULL");
        return c;
}

static void assert_refused(const char *text, lwm2m_type type)
{
        lwm2m_constraint *c = (lwm2m_constraint *)(uintptr_t)1;
        int r = lwm2m_constraint_parse(text, type, &c);
        if (r != -EINVAL)
                fail_msg("\"%s\" (%s): rc %d, wanted -EINVAL", text, lwm2m_type_to_string(type), r);
        assert_null(c);
}

static void assert_unconstrained(const char *text, lwm2m_type type)
{
        lwm2m_constraint *c = (lwm2m_constraint *)(uintptr_t)1;
        assert_int_equal(lwm2m_constraint_parse(text, type, &c), 0);
        assert_null(c);
}

static void assert_canonical(const char *text, lwm2m_type type, const char *want)
{
        lwm2m_constraint *c = parse_ok(text, type);
        char buf[512];
        int n = lwm2m_constraint_format(c, buf, sizeof(buf));
        assert_int_equal(n, (int)strlen(want));
        assert_string_equal(buf, want);
        lwm2m_constraint_free(c);
}

static int check_value(const lwm2m_constraint *c, lwm2m_value v)
{
        return lwm2m_constraint_check(c, &v);
}

static int check_i(const lwm2m_constraint *c, int64_t i)
{
        return check_value(c, lwm2m_value_integer(i));
}

static int check_u(const lwm2m_constraint *c, uint64_t u)
{
        return check_value(c, lwm2m_value_unsigned(u));
}

static int check_f(const lwm2m_constraint *c, double f)
{
        return check_value(c, lwm2m_value_float(f));
}

static int check_bytes(const lwm2m_constraint *c, lwm2m_type type, const char *data, size_t len)
{
        lwm2m_value v = {.type = type, .buf = {.data = (uint8_t *)data, .len = len}};
        return lwm2m_constraint_check(c, &v);
}

static int check_str(const lwm2m_constraint *c, const char *s)
{
        return check_bytes(c, LWM2M_TYPE_STRING, s, strlen(s));
}

static void test_registry_table(void **state)
{
        for (size_t k = 0; k < sizeof(registry_cases) / sizeof(registry_cases[0]); k++) {
                const struct registry_case *t = &registry_cases[k];
                lwm2m_constraint *c = (lwm2m_constraint *)(uintptr_t)1;
                int r = lwm2m_constraint_parse(t->text, t->type, &c);
                if (r != t->rc)
                        fail_msg("\"%s\" (%s): rc %d, wanted %d", t->text,
                                 lwm2m_type_to_string(t->type), r, t->rc);
                if (!t->canonical) {
                        assert_null(c);
                        continue;
                }
                assert_non_null(c);
                char buf[256];
                int n = lwm2m_constraint_format(c, buf, sizeof(buf));
                if (n < 0 || strcmp(buf, t->canonical) != 0)
                        fail_msg("\"%s\" (%s): formats as \"%s\", wanted \"%s\"", t->text,
                                 lwm2m_type_to_string(t->type), n < 0 ? "" : buf, t->canonical);
                /* The canonical text reads back as itself. */
                lwm2m_constraint *again = parse_ok(buf, t->type);
                char buf2[256];
                assert_int_equal(lwm2m_constraint_format(again, buf2, sizeof(buf2)), n);
                assert_string_equal(buf2, buf);
                lwm2m_constraint_free(again);
                lwm2m_constraint_free(c);
        }
}

/* Spot checks that the registry's forms mean what they say, not only that they parse. */
static void test_registry_meanings(void **state)
{
        lwm2m_constraint *c = parse_ok("0; 3.8..20.5", LWM2M_TYPE_FLOAT);
        assert_int_equal(check_f(c, 0.0), 0);
        assert_int_equal(check_f(c, 1.0), -ERANGE);
        assert_int_equal(check_f(c, 3.8), 0);
        assert_int_equal(check_f(c, nextafter(3.8, 0)), -ERANGE);
        assert_int_equal(check_f(c, 20.5), 0);
        assert_int_equal(check_f(c, nextafter(20.5, 100)), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("0..3, 99", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, 3), 0);
        assert_int_equal(check_i(c, 4), -ERANGE);
        assert_int_equal(check_i(c, 98), -ERANGE);
        assert_int_equal(check_i(c, 99), 0);
        assert_int_equal(check_i(c, 100), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("0: RELEASE\n\t\t\t\t1: CLICK\n\t\t\t\t2: HOLD\n\t\t\t\t3: DOUBLE-CLICK\n"
                     "\t\t\t\t255: STUCK",
                     LWM2M_TYPE_UNSIGNED);
        assert_int_equal(check_u(c, 3), 0);
        assert_int_equal(check_u(c, 255), 0);
        assert_int_equal(check_u(c, 4), -ERANGE);
        assert_int_equal(check_u(c, 254), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("5, 10, 15, 20", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, 10), 0);
        assert_int_equal(check_i(c, 11), -ERANGE);
        assert_int_equal(check_i(c, 0), -ERANGE);
        lwm2m_constraint_free(c);

        /* WEP keys: 10 or 26 hex digits. */
        c = parse_ok("10,26", LWM2M_TYPE_STRING);
        assert_int_equal(check_str(c, "0123456789"), 0);
        assert_int_equal(check_str(c, "012345678"), -ERANGE);
        assert_int_equal(check_str(c, "0123456789abcdef0123456789"), 0);
        assert_int_equal(check_str(c, "0123456789a"), -ERANGE);
        lwm2m_constraint_free(c);

        /* Signal strength written weakest first. */
        c = parse_ok("-30..-120", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, -120), 0);
        assert_int_equal(check_i(c, -30), 0);
        assert_int_equal(check_i(c, -75), 0);
        assert_int_equal(check_i(c, -29), -ERANGE);
        assert_int_equal(check_i(c, -121), -ERANGE);
        assert_int_equal(check_i(c, 0), -ERANGE);
        lwm2m_constraint_free(c);
}

static void test_separators(void **state)
{
        static const char *const one_to_eight[] = {"1..8",     "1...8",  "1-8",      "1 - 8",
                                                   " 1 .. 8 ", "{1..8}", "\"1..8\"", "'1-8'",
                                                   "+1..+8",   "8..1",   "1.0..8.0"};
        for (size_t k = 0; k < sizeof(one_to_eight) / sizeof(one_to_eight[0]); k++) {
                lwm2m_constraint *c = parse_ok(one_to_eight[k], LWM2M_TYPE_INTEGER);
                assert_int_equal(check_i(c, 0), -ERANGE);
                assert_int_equal(check_i(c, 1), 0);
                assert_int_equal(check_i(c, 8), 0);
                assert_int_equal(check_i(c, 9), -ERANGE);
                char buf[32];
                assert_int_equal(lwm2m_constraint_format(c, buf, sizeof(buf)), 4);
                assert_string_equal(buf, "1..8");
                lwm2m_constraint_free(c);
        }

        static const char *const minus_forty[] = {"-40..85",  "-40...85", "-40-85",
                                                  "-40 - 85", "85..-40",  "-40.0..85.0"};
        for (size_t k = 0; k < sizeof(minus_forty) / sizeof(minus_forty[0]); k++) {
                lwm2m_constraint *c = parse_ok(minus_forty[k], LWM2M_TYPE_INTEGER);
                assert_int_equal(check_i(c, -41), -ERANGE);
                assert_int_equal(check_i(c, -40), 0);
                assert_int_equal(check_i(c, 85), 0);
                assert_int_equal(check_i(c, 86), -ERANGE);
                lwm2m_constraint_free(c);
        }
        assert_canonical("-30 - -120", LWM2M_TYPE_INTEGER, "-120..-30");
        assert_canonical("-90.0..90.0", LWM2M_TYPE_FLOAT, "-90..90");
        assert_canonical("-90.5..90.25", LWM2M_TYPE_FLOAT, "-90.5..90.25");
        assert_canonical("0,1,2", LWM2M_TYPE_INTEGER, "0;1;2");
        assert_canonical("0;1;2", LWM2M_TYPE_INTEGER, "0;1;2");
        assert_canonical("{0,1}", LWM2M_TYPE_UNSIGNED, "0;1");
        assert_canonical("\"{ 2 ; 1 ; 0 }\"", LWM2M_TYPE_INTEGER, "0;1;2");
        assert_canonical("1e3..2E+3", LWM2M_TYPE_FLOAT, "1000..2000");
        assert_canonical("2.5e-1..1", LWM2M_TYPE_FLOAT, "0.25..1");
}

static void test_union_normalized(void **state)
{
        /* Overlaps merge and the parts are sorted... */
        assert_canonical("10, 3..7, 0..5", LWM2M_TYPE_INTEGER, "0..7;10");
        assert_canonical("1;1;1..1;2", LWM2M_TYPE_INTEGER, "1;2");
        /* What merges into one number is a lone number (see test_prose_refused). */
        assert_refused("1;1;1..1", LWM2M_TYPE_INTEGER);
        /* and what merges into one length is a maximum. */
        assert_canonical("12;12..12", LWM2M_TYPE_STRING, "0..12 bytes");
        assert_canonical("0..10, 2..3", LWM2M_TYPE_INTEGER, "0..10");
        /* ...but neighbours do not: on a Float, 0;1 is not 0..1. */
        lwm2m_constraint *c = parse_ok("0;1", LWM2M_TYPE_FLOAT);
        assert_int_equal(check_f(c, 0.5), -ERANGE);
        assert_int_equal(check_f(c, 1.0), 0);
        char buf[16];
        assert_int_equal(lwm2m_constraint_format(c, buf, sizeof(buf)), 3);
        assert_string_equal(buf, "0;1");
        lwm2m_constraint_free(c);
}

static void test_int64_edges(void **state)
{
        lwm2m_constraint *c =
                parse_ok("-9223372036854775808..9223372036854775807", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, INT64_MIN), 0);
        assert_int_equal(check_i(c, INT64_MAX), 0);
        assert_int_equal(check_u(c, (uint64_t)INT64_MAX), 0);
        assert_int_equal(check_u(c, (uint64_t)INT64_MAX + 1), -ERANGE);
        assert_int_equal(check_u(c, UINT64_MAX), -ERANGE);
        assert_int_equal(check_f(c, -9223372036854775808.0), 0);
        assert_int_equal(check_f(c, 9223372036854775808.0), -ERANGE); /* 2^63 > INT64_MAX */
        lwm2m_constraint_free(c);

        /* Next to the top: no rounding through double. */
        c = parse_ok("-9223372036854775807..9223372036854775806", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, INT64_MIN), -ERANGE);
        assert_int_equal(check_i(c, INT64_MIN + 1), 0);
        assert_int_equal(check_i(c, INT64_MAX - 1), 0);
        assert_int_equal(check_i(c, INT64_MAX), -ERANGE);
        lwm2m_constraint_free(c);

        assert_refused("-9223372036854775809..0", LWM2M_TYPE_INTEGER);
        assert_refused("0..99999999999999999999", LWM2M_TYPE_INTEGER);
        assert_refused("0..99999999999999999999", LWM2M_TYPE_UNSIGNED);

        /* 2^53 + 1 is not a double; the bound must stay exact. */
        c = parse_ok("0..9007199254740992", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, 9007199254740992), 0);
        assert_int_equal(check_i(c, 9007199254740993), -ERANGE);
        assert_int_equal(check_f(c, 9007199254740992.0), 0);
        assert_int_equal(check_f(c, 9007199254740994.0), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("9007199254740993..9007199254740995", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, 9007199254740992), -ERANGE);
        assert_int_equal(check_f(c, 9007199254740992.0), -ERANGE);
        assert_int_equal(check_f(c, 9007199254740994.0), 0);
        assert_int_equal(check_f(c, 9007199254740996.0), -ERANGE);
        lwm2m_constraint_free(c);
}

static void test_uint64_edges(void **state)
{
        lwm2m_constraint *c = parse_ok("0..18446744073709551615", LWM2M_TYPE_UNSIGNED);
        assert_int_equal(check_u(c, 0), 0);
        assert_int_equal(check_u(c, UINT64_MAX), 0);
        assert_int_equal(check_i(c, -1), -ERANGE);
        assert_int_equal(check_i(c, INT64_MIN), -ERANGE);
        assert_int_equal(check_f(c, -0.0), 0);
        /* The largest double below 2^64 fits; 2^64 itself does not. */
        assert_int_equal(check_f(c, 18446744073709549568.0), 0);
        assert_int_equal(check_f(c, 18446744073709551616.0), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("0..18446744073709551614", LWM2M_TYPE_UNSIGNED);
        assert_int_equal(check_u(c, UINT64_MAX - 1), 0);
        assert_int_equal(check_u(c, UINT64_MAX), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("9223372036854775808..18446744073709551615", LWM2M_TYPE_UNSIGNED);
        assert_int_equal(check_u(c, (uint64_t)INT64_MAX), -ERANGE);
        assert_int_equal(check_i(c, INT64_MAX), -ERANGE);
        assert_int_equal(check_u(c, (uint64_t)INT64_MAX + 1), 0);
        assert_int_equal(check_f(c, 9223372036854775808.0), 0);
        assert_int_equal(check_f(c, 9223372036854774784.0), -ERANGE); /* below 2^63 */
        lwm2m_constraint_free(c);

        assert_refused("0..18446744073709551616", LWM2M_TYPE_UNSIGNED);
        /* Negative parts of a range do not exist for an Unsigned Integer. */
        assert_canonical("-5..10", LWM2M_TYPE_UNSIGNED, "0..10");
        assert_refused("-10..-1", LWM2M_TYPE_UNSIGNED);
}

static void test_integer_with_uint64_range(void **state)
{
        /* An Integer resource declared 0..UINT64_MAX: "not negative", clamped to INT64_MAX. */
        lwm2m_constraint *c = parse_ok("0..18446744073709551615", LWM2M_TYPE_INTEGER);
        char buf[64];
        assert_int_equal(lwm2m_constraint_format(c, buf, sizeof(buf)), 22);
        assert_string_equal(buf, "0..9223372036854775807");
        assert_int_equal(check_i(c, 0), 0);
        assert_int_equal(check_i(c, INT64_MAX), 0);
        assert_int_equal(check_i(c, -1), -ERANGE);
        assert_int_equal(check_i(c, INT64_MIN), -ERANGE);
        lwm2m_constraint_free(c);

        /* Nothing an Integer can hold: refused rather than a resource that refuses all. */
        assert_refused("9223372036854775808..18446744073709551615", LWM2M_TYPE_INTEGER);
        assert_canonical("0..18446744073709551615", LWM2M_TYPE_TIME, "0..9223372036854775807");
        assert_canonical("-1e300..1e300", LWM2M_TYPE_INTEGER,
                         "-9223372036854775808..9223372036854775807");
}

static void test_float_values(void **state)
{
        lwm2m_constraint *c = parse_ok("0..100", LWM2M_TYPE_FLOAT);
        assert_int_equal(check_f(c, 0.0), 0);
        assert_int_equal(check_f(c, -0.0), 0);
        assert_int_equal(check_f(c, 100.0), 0);
        assert_int_equal(check_f(c, 50.5), 0);
        assert_int_equal(check_f(c, nextafter(100.0, 200.0)), -ERANGE);
        assert_int_equal(check_f(c, nextafter(0.0, -1.0)), -ERANGE);
        assert_int_equal(check_f(c, NAN), -ERANGE);
        assert_int_equal(check_f(c, -NAN), -ERANGE);
        assert_int_equal(check_f(c, INFINITY), -ERANGE);
        assert_int_equal(check_f(c, -INFINITY), -ERANGE);
        /* Integers are checked against float ranges too. */
        assert_int_equal(check_i(c, 100), 0);
        assert_int_equal(check_i(c, 101), -ERANGE);
        assert_int_equal(check_u(c, UINT64_MAX), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("0.000001..1.0", LWM2M_TYPE_FLOAT);
        assert_int_equal(check_f(c, 0.0), -ERANGE);
        assert_int_equal(check_f(c, 0.000001), 0);
        assert_int_equal(check_f(c, nextafter(0.000001, 0.0)), -ERANGE);
        assert_int_equal(check_f(c, 1.0), 0);
        assert_int_equal(check_i(c, 1), 0);
        assert_int_equal(check_i(c, 0), -ERANGE);
        lwm2m_constraint_free(c);

        /* A float value in an Integer resource's range compares by value. */
        c = parse_ok("0..1", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_f(c, 0.5), 0);
        assert_int_equal(check_f(c, 1.5), -ERANGE);
        assert_int_equal(check_f(c, -0.5), -ERANGE);
        assert_int_equal(check_f(c, NAN), -ERANGE);
        lwm2m_constraint_free(c);

        /* Fractional bounds on an Integer: the integers between them. */
        c = parse_ok("-0.5..2.5", LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, -1), -ERANGE);
        assert_int_equal(check_i(c, 0), 0);
        assert_int_equal(check_i(c, 2), 0);
        assert_int_equal(check_i(c, 3), -ERANGE);
        lwm2m_constraint_free(c);

        /* Infinite bounds do not exist; numbers too big for a double are refused. */
        assert_refused("0..1e999", LWM2M_TYPE_FLOAT);
        assert_refused("1e-999..1", LWM2M_TYPE_FLOAT);
        assert_refused("inf..1", LWM2M_TYPE_FLOAT);
        assert_refused("0..nan", LWM2M_TYPE_FLOAT);
        assert_refused("0x10..0x20", LWM2M_TYPE_FLOAT);
        assert_refused("-inf..inf", LWM2M_TYPE_FLOAT);
}

static void test_time_and_boolean(void **state)
{
        lwm2m_constraint *c = parse_ok("0..86400", LWM2M_TYPE_TIME);
        assert_int_equal(check_value(c, lwm2m_value_time(86400)), 0);
        assert_int_equal(check_value(c, lwm2m_value_time(86401)), -ERANGE);
        assert_int_equal(check_value(c, lwm2m_value_time(-1)), -ERANGE);
        lwm2m_constraint_free(c);

        assert_refused("Unix Time", LWM2M_TYPE_TIME);
        assert_unconstrained("0..1", LWM2M_TYPE_BOOLEAN);
        assert_unconstrained("0;1", LWM2M_TYPE_BOOLEAN);
        assert_unconstrained("{0,1}", LWM2M_TYPE_BOOLEAN);
        assert_unconstrained("0..65535", LWM2M_TYPE_BOOLEAN);
        assert_refused("1", LWM2M_TYPE_BOOLEAN);
        assert_refused("1..2", LWM2M_TYPE_BOOLEAN);
        assert_refused("0..1 bytes", LWM2M_TYPE_BOOLEAN);
        assert_refused("true;false", LWM2M_TYPE_BOOLEAN);
        assert_refused("0..65535", LWM2M_TYPE_OBJLNK);
        assert_refused("0..1", LWM2M_TYPE_NONE);
        assert_refused("0..1", (lwm2m_type)_LWM2M_TYPE_MAX);
        /* Nothing to check is nothing to refuse. */
        lwm2m_value v = lwm2m_value_boolean(true);
        assert_int_equal(lwm2m_constraint_check(NULL, &v), 0);
}

static void test_empty(void **state)
{
        assert_unconstrained("", LWM2M_TYPE_INTEGER);
        assert_unconstrained(" \t\r\n        ", LWM2M_TYPE_STRING);
        assert_unconstrained(NULL, LWM2M_TYPE_FLOAT);
        /* Empty is empty whatever the type. */
        assert_unconstrained("\n ", LWM2M_TYPE_OBJLNK);
        assert_unconstrained("", LWM2M_TYPE_NONE);
}

static void test_prose_refused(void **state)
{
        static const char *const prose[] = {
                "The possible values are those listed in the LwM2M Core Specification",
                "Unix Time",
                "8-Bits",
                "2 Instances",
                "<7 to >12.5",
                "&lt;7 to &gt;12.5",
                "0..100%",
                "0..100 percent",
                "1..",
                "..5",
                "..",
                "-",
                ",",
                "1,",
                "1,,2",
                ";1",
                "0..1..2",
                "1 2 3",
                "{}",
                "\"\"",
                "0..3 or 99",
                "N/A",
        };
        static const lwm2m_type types[] = {LWM2M_TYPE_INTEGER, LWM2M_TYPE_UNSIGNED,
                                           LWM2M_TYPE_FLOAT,   LWM2M_TYPE_TIME,
                                           LWM2M_TYPE_STRING,  LWM2M_TYPE_OPAQUE};
        for (size_t k = 0; k < sizeof(prose) / sizeof(prose[0]); k++)
                for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
                        assert_refused(prose[k], types[t]);

        /* Byte sizes of numbers, words on numbers, lone numbers (LogClass "255"). */
        assert_refused("1 bytes", LWM2M_TYPE_INTEGER);
        assert_refused("2 bytes", LWM2M_TYPE_UNSIGNED);
        assert_refused("0..8 bytes", LWM2M_TYPE_FLOAT);
        assert_refused("ON;OFF", LWM2M_TYPE_FLOAT);
        assert_refused("255", LWM2M_TYPE_INTEGER);
        assert_refused("{5}", LWM2M_TYPE_UNSIGNED);
        assert_refused("0.5", LWM2M_TYPE_FLOAT);
}

static void test_lengths(void **state)
{
        char data[300];
        memset(data, 'a', sizeof(data));

        lwm2m_constraint *c = parse_ok("0..255 bytes", LWM2M_TYPE_STRING);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 0), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 255), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 256), -ERANGE);
        /* Bytes, not characters: 128 two-byte characters are 256 bytes. */
        char utf8[300];
        for (size_t k = 0; k < 128; k++)
                memcpy(utf8 + 2 * k, "\xc3\xa9", 2);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, utf8, 256), -ERANGE);
        utf8[254] = 'x';
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, utf8, 255), 0);
        /* Also for the other byte types; a number is not a length. */
        assert_int_equal(check_bytes(c, LWM2M_TYPE_CORELNK, data, 255), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 256), -ERANGE);
        assert_int_equal(check_i(c, 5), -EINVAL);
        lwm2m_constraint_free(c);

        c = parse_ok("1..64 Bytes", LWM2M_TYPE_STRING);
        assert_int_equal(check_str(c, ""), -ERANGE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 1), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 64), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 65), -ERANGE);
        lwm2m_constraint_free(c);

        /* A lone length is a maximum. */
        c = parse_ok("32 bytes", LWM2M_TYPE_STRING);
        assert_int_equal(check_str(c, ""), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 32), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, data, 33), -ERANGE);
        lwm2m_constraint_free(c);
        c = parse_ok("8 bytes", LWM2M_TYPE_OPAQUE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, "\0\1\2\3\4\5\6\7", 8), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 9), -ERANGE);
        lwm2m_constraint_free(c);

        c = parse_ok("16,32,48", LWM2M_TYPE_OPAQUE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 16), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 17), -ERANGE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 48), 0);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, data, 0), -ERANGE);
        lwm2m_constraint_free(c);

        assert_canonical("0..255 BYTES", LWM2M_TYPE_OPAQUE, "0..255 bytes");
        assert_canonical("0..255bytes", LWM2M_TYPE_STRING, "0..255 bytes");
        assert_canonical("1 byte", LWM2M_TYPE_STRING, "0..1 bytes");
        assert_canonical("{10, 26} bytes", LWM2M_TYPE_CORELNK, "10;26 bytes");
        /* Lengths are whole and not negative. */
        assert_refused("-1..10", LWM2M_TYPE_STRING);
        assert_refused("-5..-1 bytes", LWM2M_TYPE_OPAQUE);
        assert_refused("0.5..10", LWM2M_TYPE_STRING);
        assert_refused("bytes", LWM2M_TYPE_STRING);
        assert_refused("many bytes", LWM2M_TYPE_STRING);
}

static void test_words(void **state)
{
        lwm2m_constraint *c = parse_ok("ON;OFF", LWM2M_TYPE_STRING);
        assert_int_equal(check_str(c, "ON"), 0);
        assert_int_equal(check_str(c, "OFF"), 0);
        assert_int_equal(check_str(c, "on"), -ERANGE);
        assert_int_equal(check_str(c, "O"), -ERANGE);
        assert_int_equal(check_str(c, "ONN"), -ERANGE);
        assert_int_equal(check_str(c, ""), -ERANGE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_STRING, "ON\0", 3), -ERANGE);
        assert_int_equal(check_bytes(c, LWM2M_TYPE_OPAQUE, "ON", 2), -EINVAL);
        char buf[16];
        assert_int_equal(lwm2m_constraint_format(c, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "ON;OFF");
        lwm2m_constraint_free(c);

        assert_canonical("\"ON\"; \"OFF\"; \"ON\"", LWM2M_TYPE_STRING, "ON;OFF");
        assert_canonical("{2G, 3G, 4G}", LWM2M_TYPE_CORELNK, "2G;3G;4G");
        assert_canonical("U,UQ,S,SQ,US,UQS", LWM2M_TYPE_STRING, "U;UQ;S;SQ;US;UQS");
        /* One word is a note, not a set; words do not mix with numbers or go on Opaque. */
        assert_refused("Hex", LWM2M_TYPE_STRING);
        assert_refused("ON;ON", LWM2M_TYPE_STRING);
        assert_canonical("A;5bytes", LWM2M_TYPE_STRING, "A;5bytes");
        assert_refused("1;2;auto", LWM2M_TYPE_STRING);
        assert_refused("ON;OFF", LWM2M_TYPE_OPAQUE);
        assert_refused("ON;OFF", LWM2M_TYPE_INTEGER);
        assert_refused("ON;OFF bytes", LWM2M_TYPE_STRING);
        assert_refused("ON;\xc3\xa9t\xc3\xa9", LWM2M_TYPE_STRING);
        assert_refused("0: disabled\n1: enabled", LWM2M_TYPE_STRING);
        assert_refused("0: disabled\n1: enabled", LWM2M_TYPE_OPAQUE);
        assert_refused("0: disabled\n1: enabled bytes", LWM2M_TYPE_STRING);
        assert_canonical("0: disabled\n1: enabled", LWM2M_TYPE_INTEGER, "0;1");
        /* A labelled line must start with its number. */
        assert_refused("0: disabled\nenabled: 1", LWM2M_TYPE_INTEGER);
        assert_refused("0: disabled\n1 enabled", LWM2M_TYPE_INTEGER);
}

static void test_limits(void **state)
{
        char text[1024];
        size_t off = 0;
        for (int k = 0; k < 64; k++)
                off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d", k ? ";" : "",
                                        3 * k);
        lwm2m_constraint *c = parse_ok(text, LWM2M_TYPE_INTEGER);
        assert_int_equal(check_i(c, 189), 0);
        assert_int_equal(check_i(c, 190), -ERANGE);
        lwm2m_constraint_free(c);
        snprintf(text + off, sizeof(text) - off, ";%d", 3 * 64);
        assert_refused(text, LWM2M_TYPE_INTEGER);

        /* A long text is prose even when it is mostly blank. */
        memset(text, ' ', sizeof(text));
        memcpy(text, "0..1", 4);
        text[600] = 0;
        assert_refused(text, LWM2M_TYPE_INTEGER);
        text[400] = 0;
        c = parse_ok(text, LWM2M_TYPE_INTEGER);
        lwm2m_constraint_free(c);

        /* A number with more digits than any 64-bit one. */
        memset(text, '0', 100);
        memcpy(text + 100, "1..2", 5);
        assert_refused(text, LWM2M_TYPE_INTEGER);

        /* Many words, one over the limit. */
        off = 0;
        for (int k = 0; k < 65; k++)
                off += (size_t)snprintf(text + off, sizeof(text) - off, "%sw%d", k ? ";" : "", k);
        assert_refused(text, LWM2M_TYPE_STRING);
}

static void test_format(void **state)
{
        lwm2m_constraint *c = parse_ok("1;2;5..7", LWM2M_TYPE_INTEGER);
        char buf[16];
        assert_int_equal(lwm2m_constraint_format(c, buf, sizeof(buf)), 8);
        assert_string_equal(buf, "1;2;5..7");
        /* Exactly enough room, and one byte less. */
        assert_int_equal(lwm2m_constraint_format(c, buf, 9), 8);
        assert_int_equal(lwm2m_constraint_format(c, buf, 8), -ENOBUFS);
        assert_int_equal(lwm2m_constraint_format(c, buf, 1), -ENOBUFS);
        assert_int_equal(lwm2m_constraint_format(c, NULL, 0), -ENOBUFS);
        lwm2m_constraint_free(c);

        c = parse_ok("0..255 bytes", LWM2M_TYPE_OPAQUE);
        assert_int_equal(lwm2m_constraint_format(c, buf, 12), -ENOBUFS);
        assert_int_equal(lwm2m_constraint_format(c, buf, 13), 12);
        assert_string_equal(buf, "0..255 bytes");
        lwm2m_constraint_free(c);

        /* Floats print as the shortest text that reads back as the same double. */
        static const double floats[] = {0.1, 1.0 / 3.0, -2.5e-300,  1.7976931348623157e308,
                                        3.8, 1e30,      -123456.789};
        for (size_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++) {
                char text[128], out[128];
                snprintf(text, sizeof(text), "%.17g;1", floats[k]);
                c = parse_ok(text, LWM2M_TYPE_FLOAT);
                assert_int_equal(check_f(c, floats[k]), 0);
                assert_int_equal(check_f(c, nextafter(floats[k], -INFINITY)), -ERANGE);
                int n = lwm2m_constraint_format(c, out, sizeof(out));
                assert_true(n > 0);
                lwm2m_constraint *again = parse_ok(out, LWM2M_TYPE_FLOAT);
                assert_int_equal(check_f(again, floats[k]), 0);
                assert_int_equal(check_f(again, nextafter(floats[k], -INFINITY)), -ERANGE);
                char out2[128];
                assert_int_equal(lwm2m_constraint_format(again, out2, sizeof(out2)), n);
                assert_string_equal(out, out2);
                lwm2m_constraint_free(again);
                lwm2m_constraint_free(c);
        }
        assert_canonical("0.1..0.2", LWM2M_TYPE_FLOAT, "0.1..0.2");
        assert_canonical("-0.0..0;1", LWM2M_TYPE_FLOAT, "0;1");
        assert_canonical("0.000001..1.0", LWM2M_TYPE_FLOAT, "1e-06..1");
}

/* Parsing and formatting do not follow the process locale (decimal commas). */
static void test_locale_independent(void **state)
{
        static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                              "ru_RU.UTF-8", "nl_NL.UTF-8"};
        const char *found = NULL;
        for (size_t k = 0; k < sizeof(locales) / sizeof(locales[0]) && !found; k++)
                if (setlocale(LC_NUMERIC, locales[k]))
                        found = locales[k];
        if (!found) {
                print_message("no locale with a decimal comma installed; skipped\n");
                skip();
        }
        lwm2m_constraint *c = parse_ok("0; 3.8..20.5", LWM2M_TYPE_FLOAT);
        char buf[32];
        int n = lwm2m_constraint_format(c, buf, sizeof(buf));
        setlocale(LC_NUMERIC, "C");
        assert_int_equal(n, 11);
        assert_string_equal(buf, "0;3.8..20.5");
        assert_int_equal(check_f(c, 3.8), 0);
        lwm2m_constraint_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registry_table),
                cmocka_unit_test(test_registry_meanings),
                cmocka_unit_test(test_separators),
                cmocka_unit_test(test_union_normalized),
                cmocka_unit_test(test_int64_edges),
                cmocka_unit_test(test_uint64_edges),
                cmocka_unit_test(test_integer_with_uint64_range),
                cmocka_unit_test(test_float_values),
                cmocka_unit_test(test_time_and_boolean),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_prose_refused),
                cmocka_unit_test(test_lengths),
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_locale_independent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
