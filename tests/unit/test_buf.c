/* test_buf.c - unit tests for the growable byte buffer (util/buf).
 * Growth, printf formatting, stealing and the size limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static void test_append_grows(void **state)
{
        lwm2m_buf b = {0};
        for (int i = 0; i < 1000; i++)
                assert_int_equal(lwm2m_buf_append_byte(&b, (uint8_t)i), 0);
        assert_int_equal(b.len, 1000);
        assert_true(b.cap >= 1000);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(b.data[i], (uint8_t)i);
        lwm2m_buf_free(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
}

static void test_printf_appends(void **state)
{
        lwm2m_buf b = {0};
        assert_int_equal(lwm2m_buf_printf(&b, "</%u/%u>", 3u, 0u), 0);
        assert_int_equal(lwm2m_buf_printf(&b, ",%s", "</4>"), 0);
        assert_int_equal(b.len, strlen("</3/0>,</4>"));
        assert_memory_equal(b.data, "</3/0>,</4>", b.len);
        lwm2m_buf_free(&b);
}

static void test_steal_empties(void **state)
{
        lwm2m_buf b = {0};
        assert_int_equal(lwm2m_buf_append(&b, "abc", 3), 0);
        size_t len = 0;
        uint8_t *p = lwm2m_buf_steal(&b, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(p, "abc", 3);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        free(p);
}

static void test_limit_refused(void **state)
{
        lwm2m_buf b = {0};
        assert_int_equal(lwm2m_buf_append(&b, "x", 1), 0);
        assert_int_equal(lwm2m_buf_reserve(&b, LWM2M_BUF_MAX), -E2BIG);
        assert_int_equal(lwm2m_buf_reserve(&b, SIZE_MAX), -E2BIG);
        assert_int_equal(b.len, 1);
        lwm2m_buf_reset(&b);
        assert_int_equal(b.len, 0);
        lwm2m_buf_free(&b);
}

/* Bytes from the network end where their length says, with no NUL after them: an exact
 * heap allocation makes ASan report any read past it. */
static void test_bytes_to_string(void **state)
{
        char *payload = malloc(7);
        assert_non_null(payload);
        memcpy(payload, "0='now'", 7);
        char *s = lwm2m_bytes_to_string(payload, 7);
        assert_string_equal(s, "0='now'");
        free(s);
        s = lwm2m_bytes_to_string(payload, 3);
        assert_string_equal(s, "0='");
        free(s);
        free(payload);
        s = lwm2m_bytes_to_string(NULL, 0);
        assert_string_equal(s, "");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append_grows),    cmocka_unit_test(test_printf_appends),
                cmocka_unit_test(test_steal_empties),   cmocka_unit_test(test_limit_refused),
                cmocka_unit_test(test_bytes_to_string),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
