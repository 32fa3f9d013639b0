/* test_attributes.c - unit tests for notification attributes (model/attributes): names,
 * Write-Attributes query items, where attributes apply, consistency, clearing, inheritance. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/attributes.h"

/* Parses one item given as a C string. */
static int parse(const char *item, lwm2m_attr_set *set, unsigned *clear)
{
        return lwm2m_attr_parse_item(item, strlen(item), set, clear);
}

/* Parses a whole query ("a=1&b"), as dm.c does with its Uri-Query options. */
static int parse_query(const char *query, lwm2m_attr_set *set, unsigned *clear)
{
        *set = (lwm2m_attr_set){0};
        *clear = 0;
        for (const char *p = query;;) {
                const char *amp = strchr(p, '&');
                size_t len = amp ? (size_t)(amp - p) : strlen(p);
                int r = lwm2m_attr_parse_item(p, len, set, clear);
                if (r < 0 || !amp)
                        return r;
                p = amp + 1;
        }
}

static void test_names(void **state)
{
        (void)state;
        static const char *const want[] = {"pmin",  "pmax",  "gt",   "lt",  "st",
                                           "epmin", "epmax", "edge", "con", "hqmax"};
        unsigned all = 0;
        for (unsigned i = 0; i < 10; i++) {
                unsigned bit = 1u << i;
                assert_string_equal(lwm2m_attr_name(bit), want[i]);
                assert_int_equal(lwm2m_attr_from_name(want[i], strlen(want[i])), bit);
                all |= bit;
        }
        assert_int_equal(all, LWM2M_ATTR_ALL);
        assert_int_equal(LWM2M_ATTR_EDGE, 1 << 7);
        assert_int_equal(LWM2M_ATTR_CON, 1 << 8);
        assert_int_equal(LWM2M_ATTR_HQMAX, 1 << 9);
        assert_null(lwm2m_attr_name(1u << 10));
        assert_null(lwm2m_attr_name(LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX));
        assert_null(lwm2m_attr_name(0));
        assert_int_equal(lwm2m_attr_from_name("edg", 3), 0);
        assert_int_equal(lwm2m_attr_from_name("edges", 5), 0);
        assert_int_equal(lwm2m_attr_from_name("EDGE", 4), 0);
        /* A prefix of the buffer is the name. */
        assert_int_equal(lwm2m_attr_from_name("hqmax=3", 5), LWM2M_ATTR_HQMAX);
}

static void test_parse_every_attribute(void **state)
{
        (void)state;
        lwm2m_attr_set s;
        unsigned clear;
        assert_int_equal(parse_query("pmin=1&pmax=4294967295&gt=2.5&lt=-1e3&st=0&epmin=0&"
                                     "epmax=7&edge=1&con=0&hqmax=12",
                                     &s, &clear),
                         0);
        assert_int_equal(s.present, LWM2M_ATTR_ALL);
        assert_int_equal(clear, 0);
        assert_int_equal(s.pmin, 1);
        assert_int_equal(s.pmax, UINT32_MAX);
        assert_true(s.gt == 2.5);
        assert_true(s.lt == -1000.0);
        assert_true(s.st == 0.0);
        assert_int_equal(s.epmin, 0);
        assert_int_equal(s.epmax, 7);
        assert_true(s.edge);
        assert_false(s.con);
        assert_int_equal(s.hqmax, 12);

        assert_int_equal(parse_query("edge=0&con=1&hqmax=0", &s, &clear), 0);
        assert_false(s.edge);
        assert_true(s.con);
        assert_int_equal(s.hqmax, 0);
        assert_int_equal(s.present, LWM2M_ATTR_EDGE | LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX);
}

static void test_kinds_and_values(void **state)
{
        (void)state;
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1) {
                lwm2m_attr_kind want = (bit & LWM2M_ATTR_NUMERIC) ? LWM2M_ATTR_KIND_DECIMAL
                                       : (bit & (LWM2M_ATTR_EDGE | LWM2M_ATTR_CON))
                                               ? LWM2M_ATTR_KIND_BOOLEAN
                                               : LWM2M_ATTR_KIND_UNSIGNED;
                assert_int_equal(lwm2m_attr_kind_of(bit), want);
        }
        lwm2m_attr_set s = {.pmin = 1,
                            .pmax = UINT32_MAX,
                            .gt = -2.5,
                            .lt = 1e-3,
                            .st = 7,
                            .epmin = 4,
                            .epmax = 5,
                            .edge = true,
                            .con = false,
                            .hqmax = 9};
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_PMIN) == 1);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_PMAX) == 4294967295.0);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_GT) == -2.5);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_LT) == 1e-3);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_ST) == 7);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_EPMIN) == 4);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_EPMAX) == 5);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_EDGE) == 1);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_CON) == 0);
        assert_true(lwm2m_attr_value(&s, LWM2M_ATTR_HQMAX) == 9);
}

static void test_parse_clear(void **state)
{
        (void)state;
        lwm2m_attr_set s;
        unsigned clear;
        assert_int_equal(parse_query("edge&con&hqmax&pmin=3", &s, &clear), 0);
        assert_int_equal(clear, LWM2M_ATTR_EDGE | LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX);
        assert_int_equal(s.present, LWM2M_ATTR_PMIN);
        assert_int_equal(s.pmin, 3);
}

static void assert_item_refused(const char *item)
{
        lwm2m_attr_set s = {.present = LWM2M_ATTR_PMIN, .pmin = 9};
        unsigned clear = LWM2M_ATTR_PMAX;
        int r = parse(item, &s, &clear);
        if (r != -EINVAL)
                fail_msg("\"%s\": %d, wanted -EINVAL", item, r);
        /* Nothing changes on a refusal. */
        assert_int_equal(s.present, LWM2M_ATTR_PMIN);
        assert_int_equal(s.pmin, 9);
        assert_int_equal(clear, LWM2M_ATTR_PMAX);
}

static void test_parse_refused(void **state)
{
        (void)state;
        static const char *const bad[] = {
                "",
                "=",
                "=1",
                "foo=1",
                "foo",
                "PMIN=1",
                "pmin=1",
                "pmin",
                "pmax=3",
                "pmax", /* repeated */
                "epmin=",
                "epmin=-1",
                "epmin=+1",
                "epmin= 1",
                "epmin=1 ",
                "epmin=0x1",
                "epmin=1.0",
                "epmin=abc",
                "epmax=4294967296",
                "gt=",
                "gt=nan",
                "gt=inf",
                "gt=-inf",
                "gt=1e999",
                "gt= 1",
                "gt=1x",
                "gt=x",
                "lt=--1",
                "st=",
                "edge=",
                "edge=2",
                "edge=01",
                "edge=true",
                "edge=-0",
                "edge=1.0",
                "con=",
                "con=yes",
                "con=10",
                "hqmax=",
                "hqmax=-1",
                "hqmax=1.5",
                "hqmax=4294967296",
                "hqmax=99999999999999999999999",
                "edge==1",
                /* a value longer than any number worth reading */
                "gt=1.00000000000000000000000000000000000000000000000000000000000000000",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_item_refused(bad[i]);
}

static void test_parse_limits(void **state)
{
        (void)state;
        lwm2m_attr_set s = {0};
        unsigned clear = 0;
        assert_int_equal(parse("hqmax=4294967295", &s, &clear), 0);
        assert_int_equal(s.hqmax, UINT32_MAX);
        assert_int_equal(parse("gt=+.5", &s, &clear), 0);
        assert_true(s.gt == 0.5);
        assert_int_equal(parse("lt=-0", &s, &clear), 0);
        assert_true(s.lt == 0.0);
        assert_int_equal(parse("pmin=0007", &s, &clear), 0);
        assert_int_equal(s.pmin, 7);
}

/* The length bounds the item: what follows is not part of it, and a NUL inside a
 * value is not the end of the value. */
static void test_parse_length(void **state)
{
        (void)state;
        lwm2m_attr_set s = {0};
        unsigned clear = 0;
        assert_int_equal(lwm2m_attr_parse_item("edge=1junk", 6, &s, &clear), 0);
        assert_true(s.edge);
        assert_int_equal(lwm2m_attr_parse_item("conx", 3, &s, &clear), 0);
        assert_int_equal(clear, LWM2M_ATTR_CON);
        static const char with_nul[] = "hqmax=5\0"
                                       "9";
        assert_int_equal(lwm2m_attr_parse_item(with_nul, sizeof(with_nul) - 1, &s, &clear),
                         -EINVAL);
        assert_false(s.present & LWM2M_ATTR_HQMAX);
        assert_int_equal(lwm2m_attr_parse_item(NULL, 0, &s, &clear), -EINVAL);
}

static void test_inapplicable(void **state)
{
        (void)state;
        const unsigned periods = LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX | LWM2M_ATTR_EPMIN |
                                 LWM2M_ATTR_EPMAX | LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX;
        /* Periods, con and hqmax go anywhere. */
        assert_int_equal(lwm2m_attr_inapplicable(periods, LWM2M_TYPE_NONE, false), 0);
        assert_int_equal(lwm2m_attr_inapplicable(periods, LWM2M_TYPE_STRING, true), 0);

        static const lwm2m_type numbers[] = {LWM2M_TYPE_INTEGER, LWM2M_TYPE_UNSIGNED,
                                             LWM2M_TYPE_FLOAT, LWM2M_TYPE_TIME};
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_NUMERIC, numbers[i], true), 0);
                assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_ALL, numbers[i], true),
                                 LWM2M_ATTR_EDGE);
                /* A whole multiple resource is not one value. */
                assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_ALL, numbers[i], false),
                                 LWM2M_ATTR_CONDITIONS);
        }
        static const lwm2m_type others[] = {LWM2M_TYPE_NONE, LWM2M_TYPE_STRING, LWM2M_TYPE_OPAQUE,
                                            LWM2M_TYPE_OBJLNK, LWM2M_TYPE_CORELNK};
        for (size_t i = 0; i < 5; i++)
                assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_ALL, others[i], true),
                                 LWM2M_ATTR_CONDITIONS);

        assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_ALL, LWM2M_TYPE_BOOLEAN, true),
                         LWM2M_ATTR_NUMERIC);
        assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_EDGE, LWM2M_TYPE_BOOLEAN, true), 0);
        assert_int_equal(lwm2m_attr_inapplicable(LWM2M_ATTR_EDGE, LWM2M_TYPE_BOOLEAN, false),
                         LWM2M_ATTR_EDGE);
        /* Only the bits asked about come back. */
        assert_int_equal(
                lwm2m_attr_inapplicable(LWM2M_ATTR_GT | LWM2M_ATTR_PMIN, LWM2M_TYPE_STRING, true),
                LWM2M_ATTR_GT);
        assert_int_equal(lwm2m_attr_inapplicable(0, LWM2M_TYPE_NONE, false), 0);
}

static const lwm2m_path res10 = {.len = 3, .id = {3, 0, 10}};
static const lwm2m_path inst0 = {.len = 2, .id = {3, 0}};
static const lwm2m_path obj3 = {.len = 1, .id = {3}};

static int write_query(lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *p, const char *q)
{
        lwm2m_attr_set s;
        unsigned clear;
        int r = parse_query(q, &s, &clear);
        return r < 0 ? r : lwm2m_attributes_write(a, ssid, p, &s, clear);
}

static void test_write_new_attributes(void **state)
{
        (void)state;
        lwm2m_attributes *a = lwm2m_attributes_new();
        assert_non_null(a);
        assert_int_equal(write_query(a, 1, &res10, "edge=1&con=1&hqmax=100"), 0);
        const lwm2m_attr_set *s = lwm2m_attributes_get(a, 1, &res10);
        assert_non_null(s);
        assert_int_equal(s->present, LWM2M_ATTR_EDGE | LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX);
        assert_true(s->edge);
        assert_true(s->con);
        assert_int_equal(s->hqmax, 100);

        /* Changing one keeps the others. */
        assert_int_equal(write_query(a, 1, &res10, "edge=0&pmin=2"), 0);
        s = lwm2m_attributes_get(a, 1, &res10);
        assert_false(s->edge);
        assert_true(s->con);
        assert_int_equal(s->hqmax, 100);
        assert_int_equal(s->pmin, 2);

        /* Another server has its own. */
        assert_null(lwm2m_attributes_get(a, 2, &res10));

        /* Clearing each, then the last one, forgets the path. */
        assert_int_equal(write_query(a, 1, &res10, "hqmax&con"), 0);
        s = lwm2m_attributes_get(a, 1, &res10);
        assert_int_equal(s->present, LWM2M_ATTR_EDGE | LWM2M_ATTR_PMIN);
        assert_int_equal(write_query(a, 1, &res10, "edge&pmin"), 0);
        assert_null(lwm2m_attributes_get(a, 1, &res10));
        assert_int_equal(lwm2m_attributes_count(a), 0);
        lwm2m_attributes_free(a);
}

static void test_write_consistency(void **state)
{
        (void)state;
        lwm2m_attributes *a = lwm2m_attributes_new();
        assert_non_null(a);
        assert_int_equal(write_query(a, 1, &res10, "gt=10&lt=5&st=2&edge=1&hqmax=3"), 0);
        /* lt >= gt, lt + 2*st >= gt (exactly equal too), st < 0, epmin > epmax:
         * refused, also when one half is already stored. */
        assert_int_equal(write_query(a, 1, &res10, "lt=10"), -EINVAL);
        assert_int_equal(write_query(a, 1, &res10, "gt=4"), -EINVAL);
        assert_int_equal(write_query(a, 1, &res10, "st=2.5"), -EINVAL);
        assert_int_equal(write_query(a, 1, &res10, "st=-1"), -EINVAL);
        assert_int_equal(write_query(a, 1, &res10, "epmin=10&epmax=5"), -EINVAL);
        assert_int_equal(write_query(a, 1, &res10, "epmax=5"), 0);
        assert_int_equal(write_query(a, 1, &res10, "epmin=6&con=1"), -EINVAL);
        /* Nothing of a refused write is kept, the new attributes included. */
        const lwm2m_attr_set *s = lwm2m_attributes_get(a, 1, &res10);
        assert_int_equal(s->present, LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST |
                                             LWM2M_ATTR_EDGE | LWM2M_ATTR_HQMAX | LWM2M_ATTR_EPMAX);
        assert_true(s->gt == 10 && s->lt == 5 && s->st == 2);
        assert_true(s->edge);
        assert_int_equal(s->hqmax, 3);
        assert_int_equal(s->epmax, 5);
        /* epmin == epmax holds together; clearing a bound makes room. */
        assert_int_equal(write_query(a, 1, &res10, "epmin=5"), 0);
        assert_int_equal(write_query(a, 1, &res10, "st&lt=9.5"), 0);
        assert_int_equal(write_query(a, 1, &res10, "gt&lt=100"), 0);
        lwm2m_attributes_free(a);
}

static void test_effective_inherits_new(void **state)
{
        (void)state;
        lwm2m_attributes *a = lwm2m_attributes_new();
        assert_non_null(a);
        assert_int_equal(write_query(a, 1, &obj3, "con=1&hqmax=50&pmax=300"), 0);
        assert_int_equal(write_query(a, 1, &inst0, "con=0"), 0);
        assert_int_equal(write_query(a, 1, &res10, "edge=1&pmin=10"), 0);
        lwm2m_attr_set e;
        lwm2m_attributes_effective(a, 1, &res10, &e);
        assert_int_equal(e.present, LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX | LWM2M_ATTR_PMAX |
                                            LWM2M_ATTR_EDGE | LWM2M_ATTR_PMIN);
        assert_false(e.con); /* the instance's, nearer than the object's */
        assert_int_equal(e.hqmax, 50);
        assert_true(e.edge);
        assert_int_equal(e.pmin, 10);
        assert_int_equal(e.pmax, 300);

        lwm2m_attributes_effective(a, 1, &inst0, &e);
        assert_int_equal(e.present, LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX | LWM2M_ATTR_PMAX);
        lwm2m_attributes_effective(a, 2, &res10, &e);
        assert_int_equal(e.present, 0);

        lwm2m_attributes_forget(a, 0, &inst0);
        lwm2m_attributes_effective(a, 1, &res10, &e);
        assert_int_equal(e.present, LWM2M_ATTR_CON | LWM2M_ATTR_HQMAX | LWM2M_ATTR_PMAX);
        assert_true(e.con);
        lwm2m_attributes_free(a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_parse_every_attribute),
                cmocka_unit_test(test_kinds_and_values),
                cmocka_unit_test(test_parse_clear),
                cmocka_unit_test(test_parse_refused),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_parse_length),
                cmocka_unit_test(test_inapplicable),
                cmocka_unit_test(test_write_new_attributes),
                cmocka_unit_test(test_write_consistency),
                cmocka_unit_test(test_effective_inherits_new),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
