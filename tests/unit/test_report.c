/* test_report.c - unit tests for the decisions of notification reporting (model/report):
 * the periods in force over the Server object's defaults, and the change conditions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/report.h"

/* ---- periods ---- */

static lwm2m_report_periods resolve(lwm2m_attr_set eff, uint32_t dmin, uint32_t dmax)
{
        lwm2m_report_periods p;
        memset(&p, 0xa5, sizeof(p));
        lwm2m_report_resolve_periods(&eff, dmin, dmax, &p);
        return p;
}

static void test_periods_nothing_set(void **state)
{
        (void)state;
        lwm2m_report_periods p = resolve((lwm2m_attr_set){0}, 0, 0);
        assert_int_equal(p.pmin_ms, 0);
        assert_int_equal(p.pmax_ms, 0);
        assert_int_equal(p.epmin_ms, 0);
        assert_int_equal(p.epmax_ms, 0);
}

static void test_periods_defaults(void **state)
{
        (void)state;
        /* Nothing set: the Server object's defaults. */
        lwm2m_report_periods p = resolve((lwm2m_attr_set){0}, 5, 60);
        assert_int_equal(p.pmin_ms, 5000);
        assert_int_equal(p.pmax_ms, 60000);
        /* Attributes win over the defaults, each on its own. */
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMIN, .pmin = 2}, 5, 60);
        assert_int_equal(p.pmin_ms, 2000);
        assert_int_equal(p.pmax_ms, 60000);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMAX, .pmax = 30}, 5, 60);
        assert_int_equal(p.pmin_ms, 5000);
        assert_int_equal(p.pmax_ms, 30000);
        /* A pmin of 0 set by the server is a pmin of 0, not "use the default". */
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMIN, .pmin = 0}, 5, 60);
        assert_int_equal(p.pmin_ms, 0);
        assert_int_equal(p.pmax_ms, 60000);
        /* Seconds to milliseconds without overflow. */
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMAX | LWM2M_ATTR_EPMAX,
                                     .pmax = UINT32_MAX,
                                     .epmax = UINT32_MAX},
                    0, 0);
        assert_true(p.pmax_ms == (uint64_t)UINT32_MAX * 1000);
        assert_true(p.epmax_ms == (uint64_t)UINT32_MAX * 1000);
}

static void test_periods_pmax_ignored(void **state)
{
        (void)state;
        /* pmax < pmin: ignored, whichever level each comes from. */
        lwm2m_report_periods p = resolve(
                (lwm2m_attr_set){
                        .present = LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX, .pmin = 30, .pmax = 10},
                0, 0);
        assert_int_equal(p.pmin_ms, 30000);
        assert_int_equal(p.pmax_ms, 0);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMAX, .pmax = 10}, 30, 0);
        assert_int_equal(p.pmin_ms, 30000);
        assert_int_equal(p.pmax_ms, 0);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMIN, .pmin = 30}, 0, 10);
        assert_int_equal(p.pmax_ms, 0);
        /* pmax == pmin holds. */
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMIN, .pmin = 10}, 0, 10);
        assert_int_equal(p.pmin_ms, 10000);
        assert_int_equal(p.pmax_ms, 10000);
        /* pmax = 0 set by the server: no pmax, even over a default. */
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_PMAX, .pmax = 0}, 1, 60);
        assert_int_equal(p.pmin_ms, 1000);
        assert_int_equal(p.pmax_ms, 0);
}

static void test_periods_epmin_epmax(void **state)
{
        (void)state;
        /* No defaults for these. */
        lwm2m_report_periods p = resolve(
                (lwm2m_attr_set){
                        .present = LWM2M_ATTR_EPMIN | LWM2M_ATTR_EPMAX, .epmin = 3, .epmax = 9},
                5, 60);
        assert_int_equal(p.epmin_ms, 3000);
        assert_int_equal(p.epmax_ms, 9000);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_EPMAX, .epmax = 9}, 5, 60);
        assert_int_equal(p.epmin_ms, 0);
        assert_int_equal(p.epmax_ms, 9000);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_EPMIN | LWM2M_ATTR_EPMAX,
                                     .epmin = 9,
                                     .epmax = 3},
                    0, 0);
        assert_int_equal(p.epmin_ms, 9000);
        assert_int_equal(p.epmax_ms, 0);
        p = resolve((lwm2m_attr_set){.present = LWM2M_ATTR_EPMAX, .epmax = 0}, 0, 0);
        assert_int_equal(p.epmax_ms, 0);
        /* A field without its bit counts for nothing. */
        p = resolve((lwm2m_attr_set){.epmin = 4, .epmax = 8, .pmin = 1, .pmax = 2}, 0, 0);
        assert_int_equal(p.pmin_ms, 0);
        assert_int_equal(p.pmax_ms, 0);
        assert_int_equal(p.epmin_ms, 0);
        assert_int_equal(p.epmax_ms, 0);
}

/* ---- change conditions ---- */

static bool met(lwm2m_attr_set eff, lwm2m_value last, lwm2m_value now)
{
        return lwm2m_report_condition_met(&eff, &last, &now);
}

static void test_first_value(void **state)
{
        (void)state;
        lwm2m_attr_set gt = {.present = LWM2M_ATTR_GT, .gt = 100};
        lwm2m_value v = lwm2m_value_integer(1);
        assert_true(lwm2m_report_condition_met(&gt, NULL, &v));
        lwm2m_attr_set none = {0};
        assert_true(lwm2m_report_condition_met(&none, NULL, &v));
}

static void test_any_change(void **state)
{
        (void)state;
        lwm2m_attr_set none = {0};
        assert_false(met(none, lwm2m_value_integer(5), lwm2m_value_integer(5)));
        assert_true(met(none, lwm2m_value_integer(5), lwm2m_value_integer(6)));
        assert_false(met(none, lwm2m_value_float(2.5), lwm2m_value_float(2.5)));
        assert_true(met(none, lwm2m_value_float(2.5), lwm2m_value_float(2.25)));
        assert_false(met(none, lwm2m_value_boolean(true), lwm2m_value_boolean(true)));
        assert_true(met(none, lwm2m_value_boolean(true), lwm2m_value_boolean(false)));
        assert_true(met(none, lwm2m_value_objlnk(1, 2), lwm2m_value_objlnk(1, 3)));
        /* The same number in another type is a change of type. */
        assert_true(met(none, lwm2m_value_integer(5), lwm2m_value_unsigned(5)));

        lwm2m_value a = {0}, b = {0};
        assert_int_equal(lwm2m_value_set_string(&a, "abc", 3), 0);
        assert_int_equal(lwm2m_value_set_string(&b, "abc", 3), 0);
        assert_false(met(none, a, b));
        lwm2m_value_clear(&b);
        assert_int_equal(lwm2m_value_set_string(&b, "abd", 3), 0);
        assert_true(met(none, a, b));
        /* Periods, con and hqmax are no change conditions. */
        lwm2m_attr_set periods = {.present = LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX | LWM2M_ATTR_CON |
                                             LWM2M_ATTR_HQMAX | LWM2M_ATTR_EPMIN,
                                  .pmin = 1,
                                  .pmax = 2};
        assert_true(met(periods, a, b));
        assert_false(met(periods, a, a));
        lwm2m_value_clear(&a);
        lwm2m_value_clear(&b);
}

static void test_gt_crossing(void **state)
{
        (void)state;
        lwm2m_attr_set gt = {.present = LWM2M_ATTR_GT, .gt = 10};
        /* Upwards: last < gt <= now. */
        assert_true(met(gt, lwm2m_value_float(9.5), lwm2m_value_float(10.5)));
        assert_true(met(gt, lwm2m_value_float(9.5), lwm2m_value_float(10)));
        /* Downwards: last >= gt > now. */
        assert_true(met(gt, lwm2m_value_float(10.5), lwm2m_value_float(9.5)));
        assert_true(met(gt, lwm2m_value_float(10), lwm2m_value_float(9.99)));
        /* Changes on one side are not crossings. */
        assert_false(met(gt, lwm2m_value_float(11), lwm2m_value_float(12)));
        assert_false(met(gt, lwm2m_value_float(10), lwm2m_value_float(12)));
        assert_false(met(gt, lwm2m_value_float(12), lwm2m_value_float(10)));
        assert_false(met(gt, lwm2m_value_float(1), lwm2m_value_float(9)));
        assert_false(met(gt, lwm2m_value_float(9), lwm2m_value_float(1)));
        assert_false(met(gt, lwm2m_value_float(10), lwm2m_value_float(10)));
}

static void test_lt_crossing(void **state)
{
        (void)state;
        lwm2m_attr_set lt = {.present = LWM2M_ATTR_LT, .lt = -5};
        assert_true(met(lt, lwm2m_value_integer(-4), lwm2m_value_integer(-6)));
        assert_true(met(lt, lwm2m_value_integer(-6), lwm2m_value_integer(-4)));
        assert_true(met(lt, lwm2m_value_integer(-6), lwm2m_value_integer(-5)));
        assert_true(met(lt, lwm2m_value_integer(-5), lwm2m_value_integer(-6)));
        assert_false(met(lt, lwm2m_value_integer(-4), lwm2m_value_integer(100)));
        assert_false(met(lt, lwm2m_value_integer(-7), lwm2m_value_integer(-100)));
        assert_false(met(lt, lwm2m_value_integer(-5), lwm2m_value_integer(0)));
}

static void test_st_step(void **state)
{
        (void)state;
        lwm2m_attr_set st = {.present = LWM2M_ATTR_ST, .st = 2};
        /* Exactly the step counts, either way. */
        assert_true(met(st, lwm2m_value_integer(10), lwm2m_value_integer(12)));
        assert_true(met(st, lwm2m_value_integer(10), lwm2m_value_integer(8)));
        assert_true(met(st, lwm2m_value_float(0.5), lwm2m_value_float(2.5)));
        assert_true(met(st, lwm2m_value_integer(10), lwm2m_value_integer(13)));
        assert_false(met(st, lwm2m_value_integer(10), lwm2m_value_integer(11)));
        assert_false(met(st, lwm2m_value_float(10), lwm2m_value_float(8.01)));
        assert_false(met(st, lwm2m_value_integer(10), lwm2m_value_integer(10)));
        /* A step of 0: any difference, but not the same value again. */
        lwm2m_attr_set st0 = {.present = LWM2M_ATTR_ST, .st = 0};
        assert_true(met(st0, lwm2m_value_float(1), lwm2m_value_float(1.0000001)));
        assert_false(met(st0, lwm2m_value_float(1), lwm2m_value_float(1)));
        /* Unsigned values step down without wrapping. */
        assert_true(met(st, lwm2m_value_unsigned(10), lwm2m_value_unsigned(8)));
        assert_false(met(st, lwm2m_value_unsigned(1), lwm2m_value_unsigned(0)));
        /* Time is a number of seconds. */
        assert_true(met(st, lwm2m_value_time(1000), lwm2m_value_time(1002)));
        assert_false(met(st, lwm2m_value_time(1000), lwm2m_value_time(1001)));
}

static void test_edge(void **state)
{
        (void)state;
        lwm2m_attr_set rising = {.present = LWM2M_ATTR_EDGE, .edge = true};
        assert_true(met(rising, lwm2m_value_boolean(false), lwm2m_value_boolean(true)));
        assert_false(met(rising, lwm2m_value_boolean(true), lwm2m_value_boolean(false)));
        assert_false(met(rising, lwm2m_value_boolean(true), lwm2m_value_boolean(true)));
        assert_false(met(rising, lwm2m_value_boolean(false), lwm2m_value_boolean(false)));
        lwm2m_attr_set falling = {.present = LWM2M_ATTR_EDGE, .edge = false};
        assert_true(met(falling, lwm2m_value_boolean(true), lwm2m_value_boolean(false)));
        assert_false(met(falling, lwm2m_value_boolean(false), lwm2m_value_boolean(true)));
        assert_false(met(falling, lwm2m_value_boolean(false), lwm2m_value_boolean(false)));
        assert_false(met(falling, lwm2m_value_boolean(true), lwm2m_value_boolean(true)));
}

static void test_several_conditions(void **state)
{
        (void)state;
        lwm2m_attr_set all = {.present = LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST,
                              .gt = 50,
                              .lt = 10,
                              .st = 15};
        /* gt alone. */
        assert_true(met(all, lwm2m_value_float(45), lwm2m_value_float(55)));
        /* lt alone. */
        assert_true(met(all, lwm2m_value_float(12), lwm2m_value_float(8)));
        /* st alone, between the thresholds. */
        assert_true(met(all, lwm2m_value_float(15), lwm2m_value_float(30)));
        /* None of them. */
        assert_false(met(all, lwm2m_value_float(15), lwm2m_value_float(29)));
        assert_false(met(all, lwm2m_value_float(60), lwm2m_value_float(70)));
        /* All at once. */
        assert_true(met(all, lwm2m_value_float(0), lwm2m_value_float(100)));

        /* edge alongside thresholds: each applies to its kind of value. */
        lwm2m_attr_set mixed = {.present = LWM2M_ATTR_GT | LWM2M_ATTR_EDGE, .gt = 5, .edge = true};
        assert_true(met(mixed, lwm2m_value_integer(4), lwm2m_value_integer(5)));
        assert_false(met(mixed, lwm2m_value_integer(5), lwm2m_value_integer(6)));
        assert_true(met(mixed, lwm2m_value_boolean(false), lwm2m_value_boolean(true)));
        assert_false(met(mixed, lwm2m_value_boolean(true), lwm2m_value_boolean(false)));
}

static void test_integer_vs_float(void **state)
{
        (void)state;
        lwm2m_attr_set gt = {.present = LWM2M_ATTR_GT, .gt = 10.5};
        assert_true(met(gt, lwm2m_value_integer(10), lwm2m_value_integer(11)));
        assert_true(met(gt, lwm2m_value_integer(10), lwm2m_value_float(10.5)));
        assert_true(met(gt, lwm2m_value_float(10.75), lwm2m_value_unsigned(10)));
        assert_false(met(gt, lwm2m_value_unsigned(11), lwm2m_value_integer(12)));
        lwm2m_attr_set st = {.present = LWM2M_ATTR_ST, .st = 0.5};
        assert_true(met(st, lwm2m_value_integer(5), lwm2m_value_float(5.5)));
        assert_false(met(st, lwm2m_value_integer(5), lwm2m_value_float(5.25)));
        assert_true(met(st, lwm2m_value_unsigned(3), lwm2m_value_integer(-3)));
        /* The same number in another type: no step, no crossing. */
        assert_false(met(st, lwm2m_value_integer(5), lwm2m_value_float(5)));
        lwm2m_attr_set lt = {.present = LWM2M_ATTR_LT, .lt = 0};
        assert_true(met(lt, lwm2m_value_integer(-1), lwm2m_value_unsigned(0)));
        /* Large integers compare as doubles. */
        lwm2m_attr_set gt_big = {.present = LWM2M_ATTR_GT, .gt = 1e19};
        assert_true(met(gt_big, lwm2m_value_unsigned(UINT64_MAX / 2),
                        lwm2m_value_unsigned(UINT64_MAX)));
}

/* Conditions that cannot apply to the values are left out; with none left, any
 * difference counts. */
static void test_conditions_not_applying(void **state)
{
        (void)state;
        lwm2m_attr_set gt = {.present = LWM2M_ATTR_GT | LWM2M_ATTR_ST, .gt = 5, .st = 100};
        assert_true(met(gt, lwm2m_value_boolean(false), lwm2m_value_boolean(true)));
        assert_false(met(gt, lwm2m_value_boolean(true), lwm2m_value_boolean(true)));
        lwm2m_attr_set edge = {.present = LWM2M_ATTR_EDGE, .edge = true};
        assert_true(met(edge, lwm2m_value_integer(1), lwm2m_value_integer(0)));
        assert_false(met(edge, lwm2m_value_integer(1), lwm2m_value_integer(1)));
        lwm2m_value a = {0}, b = {0};
        assert_int_equal(lwm2m_value_set_string(&a, "1", 1), 0);
        assert_int_equal(lwm2m_value_set_string(&b, "9", 1), 0);
        assert_true(met(gt, a, b));
        assert_false(met(gt, a, a));
        /* A number that became a string (a type change): a difference. */
        assert_true(met(gt, lwm2m_value_integer(1), a));
        lwm2m_value_clear(&a);
        lwm2m_value_clear(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_periods_nothing_set),
                cmocka_unit_test(test_periods_defaults),
                cmocka_unit_test(test_periods_pmax_ignored),
                cmocka_unit_test(test_periods_epmin_epmax),
                cmocka_unit_test(test_first_value),
                cmocka_unit_test(test_any_change),
                cmocka_unit_test(test_gt_crossing),
                cmocka_unit_test(test_lt_crossing),
                cmocka_unit_test(test_st_step),
                cmocka_unit_test(test_edge),
                cmocka_unit_test(test_several_conditions),
                cmocka_unit_test(test_integer_vs_float),
                cmocka_unit_test(test_conditions_not_applying),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
