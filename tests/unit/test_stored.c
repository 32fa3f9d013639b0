/* test_stored.c - the stored-notification queue: order, the bound in count and in
 * bytes (oldest dropped first, counted), per-token takes and drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwm2m/stored.h"

static stored_entry *entry(stored_kind kind, uint8_t token, int64_t value, size_t text_len)
{
        lwm2m_record_list l = {0};
        lwm2m_path p = lwm2m_path_resource(3303, 0, 5700);
        lwm2m_record *r = lwm2m_record_list_add(&l, &p);
        assert_non_null(r);
        r->value = lwm2m_value_integer(value);
        if (text_len) {
                p = lwm2m_path_resource(3303, 0, 5701);
                r = lwm2m_record_list_add(&l, &p);
                assert_non_null(r);
                char text[4096];
                assert_true(text_len <= sizeof(text));
                memset(text, 'x', text_len);
                assert_int_equal(lwm2m_value_set_string(&r->value, text, text_len), 0);
        }
        stored_entry *en = stored_entry_new(kind, &token, kind == STORED_SEND ? 0 : 1, &l);
        assert_non_null(en);
        assert_int_equal(l.n, 0); /* moved in */
        lwm2m_record_list_free(&l);
        return en;
}

static int64_t first_value(const stored_entry *en)
{
        return en->records.items[0].value.i;
}

static void test_order_and_count_bound(void **state)
{
        (void)state;
        stored_queue q = {0};
        for (int i = 0; i < 10; i++)
                stored_push(&q, entry(STORED_NOTIFICATION, 1, i, 0), 4, SIZE_MAX);
        assert_int_equal(q.count, 4);
        assert_int_equal(q.dropped, 6);
        for (int i = 6; i < 10; i++) {
                stored_entry *en = stored_pop(&q);
                assert_non_null(en);
                assert_int_equal(first_value(en), i); /* the newest kept, oldest first */
                stored_entry_free(en);
        }
        assert_null(stored_pop(&q));
        assert_int_equal(q.bytes, 0);
        stored_clear(&q);
}

static void test_byte_bound(void **state)
{
        (void)state;
        stored_queue q = {0};
        stored_entry *probe = entry(STORED_NOTIFICATION, 1, 0, 1000);
        size_t one = probe->bytes;
        stored_entry_free(probe);
        assert_true(one > 1000);
        for (int i = 0; i < 5; i++)
                stored_push(&q, entry(STORED_NOTIFICATION, 1, i, 1000), SIZE_MAX, 3 * one);
        assert_int_equal(q.count, 3);
        assert_int_equal(q.dropped, 2);
        assert_true(q.bytes <= 3 * one);
        stored_entry *en = stored_pop(&q);
        assert_int_equal(first_value(en), 2);
        stored_entry_free(en);
        /* Larger than the whole bound: dropped at once, nothing else lost. */
        size_t before = q.count;
        assert_int_equal(stored_push(&q, entry(STORED_NOTIFICATION, 1, 9, 4000), SIZE_MAX, 2 * one),
                         1);
        assert_int_equal(q.count, before);
        assert_int_equal(q.dropped, 3);
        stored_clear(&q);
}

static void test_take_token_and_drop(void **state)
{
        (void)state;
        stored_queue q = {0};
        stored_push(&q, entry(STORED_NOTIFICATION, 1, 10, 0), SIZE_MAX, SIZE_MAX);
        stored_push(&q, entry(STORED_NOTIFICATION, 2, 20, 0), SIZE_MAX, SIZE_MAX);
        stored_push(&q, entry(STORED_SEND, 0, 30, 0), SIZE_MAX, SIZE_MAX);
        stored_push(&q, entry(STORED_NOTIFICATION, 1, 11, 0), SIZE_MAX, SIZE_MAX);
        stored_push(&q, entry(STORED_NOTIFICATION, 1, 12, 0), SIZE_MAX, SIZE_MAX);
        uint8_t t1 = 1;
        stored_entry *list = stored_take_token(&q, NULL, &t1, 1);
        int64_t want[] = {10, 11, 12};
        size_t n = 0;
        for (stored_entry *en = list; en; n++) {
                assert_true(n < 3);
                assert_int_equal(first_value(en), want[n]);
                stored_entry *next = en->next;
                stored_entry_free(en);
                en = next;
        }
        assert_int_equal(n, 3);
        assert_int_equal(q.count, 2);
        /* The end of a server's observations drops notifications, keeps Sends. */
        stored_drop(&q, false);
        assert_int_equal(q.count, 1);
        assert_int_equal(q.dropped, 1);
        stored_entry *en = stored_pop(&q);
        assert_int_equal(en->kind, STORED_SEND);
        assert_int_equal(first_value(en), 30);
        stored_entry_free(en);
        assert_null(q.head);
        assert_null(q.tail);
        stored_clear(&q);
}

static void test_trim_token(void **state)
{
        (void)state;
        stored_queue q = {0};
        for (int i = 0; i < 5; i++) {
                stored_push(&q, entry(STORED_NOTIFICATION, 1, i, 0), SIZE_MAX, SIZE_MAX);
                stored_push(&q, entry(STORED_NOTIFICATION, 2, 100 + i, 0), SIZE_MAX, SIZE_MAX);
        }
        uint8_t t1 = 1;
        assert_int_equal(stored_trim_token(&q, &t1, 1, 2), 3);
        assert_int_equal(q.count, 7);
        assert_int_equal(q.dropped, 3);
        /* Token 1 keeps its newest two (3, 4); token 2 keeps all five, in order. */
        int64_t want[] = {100, 101, 102, 3, 103, 4, 104};
        for (size_t i = 0; i < 7; i++) {
                stored_entry *en = stored_pop(&q);
                assert_int_equal(first_value(en), want[i]);
                stored_entry_free(en);
        }
        stored_clear(&q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_and_count_bound),
                cmocka_unit_test(test_byte_bound),
                cmocka_unit_test(test_take_token_and_drop),
                cmocka_unit_test(test_trim_token),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
