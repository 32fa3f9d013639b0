/* test_record.c - unit tests for record lists (model/record): ownership of
 * values, the stable sort by path, and the count limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/record.h"

static void test_add_copies_value(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, "hello", 5), 0);
        lwm2m_path p = lwm2m_path_resource(3, 0, 0);
        assert_int_equal(lwm2m_record_list_add_value(&l, &p, &v), 0);
        lwm2m_value_clear(&v); /* the list holds its own copy */
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_STRING);
        assert_memory_equal(l.items[0].value.buf.data, "hello", 5);
        assert_false(l.items[0].has_time);
        lwm2m_record_list_clear(&l);
        assert_int_equal(l.n, 0);
        assert_non_null(l.items); /* allocation kept for reuse */
        lwm2m_record_list_free(&l);
        assert_null(l.items);
}

static void test_sort_orders_depth_first_and_is_stable(void **state)
{
        lwm2m_record_list l = {0};
        /* Enough records to take the merge-sort path, with repeated paths whose
         * order (by the integer value) must survive. */
        const unsigned n = 500;
        for (unsigned k = 0; k < n; k++) {
                unsigned oid = (k * 7919u) % 5u, iid = (k * 104729u) % 3u;
                lwm2m_path p = k % 4 == 0 ? lwm2m_path_instance((uint16_t)oid, (uint16_t)iid)
                                          : lwm2m_path_resource((uint16_t)oid, (uint16_t)iid, 1);
                lwm2m_value v = lwm2m_value_integer(k);
                assert_int_equal(lwm2m_record_list_add_value(&l, &p, &v), 0);
        }
        lwm2m_record_list_sort(&l);
        for (size_t i = 1; i < l.n; i++) {
                int c = lwm2m_path_compare(&l.items[i - 1].path, &l.items[i].path);
                assert_true(c <= 0);
                if (c == 0)
                        assert_true(l.items[i - 1].value.i < l.items[i].value.i);
        }
        /* /0/0 (len 2) sorts before /0/0/1 (len 3). */
        assert_int_equal(l.items[0].path.len, 2);
        lwm2m_record_list_free(&l);
}

static void test_small_sort_is_stable(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path a = lwm2m_path_resource(3303, 0, 5700), b = lwm2m_path_resource(3303, 0, 5601);
        lwm2m_value v1 = lwm2m_value_float(1), v2 = lwm2m_value_float(2), v3 = lwm2m_value_float(3);
        assert_int_equal(lwm2m_record_list_add_value(&l, &a, &v1), 0);
        assert_int_equal(lwm2m_record_list_add_value(&l, &b, &v2), 0);
        assert_int_equal(lwm2m_record_list_add_value(&l, &a, &v3), 0);
        lwm2m_record_list_sort(&l);
        assert_int_equal(l.items[0].path.id[2], 5601);
        assert_true(l.items[1].value.f == 1.0);
        assert_true(l.items[2].value.f == 3.0);
        lwm2m_record_list_free(&l);
}

static void test_count_limit(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path p = lwm2m_path_resource(1, 2, 3);
        for (size_t k = 0; k < LWM2M_RECORDS_MAX; k++)
                assert_non_null(lwm2m_record_list_add(&l, &p));
        errno = 0;
        assert_null(lwm2m_record_list_add(&l, &p));
        assert_int_equal(errno, E2BIG);
        lwm2m_value v = lwm2m_value_boolean(true);
        assert_int_equal(lwm2m_record_list_add_value(&l, &p, &v), -E2BIG);
        assert_int_equal(l.n, LWM2M_RECORDS_MAX);
        lwm2m_record_list_free(&l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_copies_value),
                cmocka_unit_test(test_sort_orders_depth_first_and_is_stable),
                cmocka_unit_test(test_small_sort_is_stable),
                cmocka_unit_test(test_count_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
