/* test_opaque.c - unit tests for the application/octet-stream codec (formats/opaque).
 * Raw bytes both ways, refusal of other types and targets, the size limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/opaque.h"

/* Firmware Package (5/0/0) is opaque; Package URI (5/0/1) a string; 9000/0/1 a
 * multiple opaque resource. */
static int test_resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple)
{
        *multiple = false;
        if (path->id[0] == 5 && path->id[2] == 0) {
                *type = LWM2M_TYPE_OPAQUE;
        } else if (path->id[0] == 5 && path->id[2] == 1) {
                *type = LWM2M_TYPE_STRING;
        } else if (path->id[0] == 9000 && path->id[2] == 1) {
                *type = LWM2M_TYPE_OPAQUE;
                *multiple = true;
        } else {
                return -ENOENT;
        }
        return 0;
}

static const lwm2m_resolver resolver = {.resource = test_resolve};

static const uint8_t sample[] = {0x00, 0xff, 0x10, 0x00, '<', '>', 0x80, 0x7f};

static void test_encode_raw_bytes(void **state)
{
        lwm2m_path p = lwm2m_path_resource(5, 0, 0);
        lwm2m_record rec = {.path = p};
        assert_int_equal(
                lwm2m_value_set_bytes(&rec.value, LWM2M_TYPE_OPAQUE, sample, sizeof(sample)), 0);
        lwm2m_buf b = {0};
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), 0);
        assert_int_equal(b.len, sizeof(sample));
        assert_memory_equal(b.data, sample, sizeof(sample));

        /* Encoders append. */
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), 0);
        assert_int_equal(b.len, 2 * sizeof(sample));
        assert_memory_equal(b.data + sizeof(sample), sample, sizeof(sample));
        lwm2m_buf_free(&b);

        /* Empty value, empty payload. */
        lwm2m_value_clear(&rec.value);
        assert_int_equal(lwm2m_value_set_bytes(&rec.value, LWM2M_TYPE_OPAQUE, "", 0), 0);
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), 0);
        assert_int_equal(b.len, 0);
        lwm2m_value_clear(&rec.value);
        lwm2m_buf_free(&b);
}

static void test_encode_refusals(void **state)
{
        lwm2m_buf b = {0};
        lwm2m_path p = lwm2m_path_resource(5, 0, 1);
        lwm2m_record rec = {.path = p};
        assert_int_equal(lwm2m_value_set_string(&rec.value, "coap://fw", 9), 0);
        /* Not opaque. */
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), -EMEDIUMTYPE);
        lwm2m_value_clear(&rec.value);
        rec.value = lwm2m_value_integer(1);
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), -EMEDIUMTYPE);
        rec.value = (lwm2m_value){0};
        assert_int_equal(opaque_encode(&p, &rec, 1, &b), -EMEDIUMTYPE);

        /* Not one resource: an instance, several records, a multiple resource. */
        lwm2m_record ok = {.path = lwm2m_path_resource(5, 0, 0)};
        assert_int_equal(lwm2m_value_set_bytes(&ok.value, LWM2M_TYPE_OPAQUE, "ab", 2), 0);
        lwm2m_path inst = lwm2m_path_instance(5, 0);
        assert_int_equal(opaque_encode(&inst, &ok, 1, &b), -EMEDIUMTYPE);
        lwm2m_record two[2] = {ok, ok};
        assert_int_equal(opaque_encode(&ok.path, two, 2, &b), -EMEDIUMTYPE);
        assert_int_equal(opaque_encode(&ok.path, two, 0, &b), -EMEDIUMTYPE);
        lwm2m_record ri = {.path = lwm2m_path_resource_instance(9000, 0, 1, 3), .value = ok.value};
        lwm2m_path multi = lwm2m_path_resource(9000, 0, 1);
        assert_int_equal(opaque_encode(&multi, &ri, 1, &b), -EMEDIUMTYPE);
        /* ... but one of its instances is fine. */
        assert_int_equal(opaque_encode(&ri.path, &ri, 1, &b), 0);
        assert_int_equal(b.len, 2);
        /* A record somewhere else entirely is the caller's mistake. */
        assert_int_equal(opaque_encode(&p, &ok, 1, &b), -EINVAL);
        lwm2m_value_clear(&ok.value);
        lwm2m_buf_free(&b);
}

static void test_decode(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path p = lwm2m_path_resource(5, 0, 0);
        assert_int_equal(opaque_decode(&p, sample, sizeof(sample), &resolver, &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(lwm2m_path_equal(&l.items[0].path, &p));
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_OPAQUE);
        assert_int_equal(l.items[0].value.buf.len, sizeof(sample));
        assert_memory_equal(l.items[0].value.buf.data, sample, sizeof(sample));
        lwm2m_record_list_clear(&l);

        /* Without a resolver the bytes are opaque whatever the resource. */
        lwm2m_path s = lwm2m_path_resource(5, 0, 1);
        assert_int_equal(opaque_decode(&s, (const uint8_t *)"\xff\xfe", 2, NULL, &l), 0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_OPAQUE);
        lwm2m_record_list_clear(&l);

        /* Empty payload: an empty value. */
        assert_int_equal(opaque_decode(&p, NULL, 0, &resolver, &l), 0);
        assert_int_equal(l.items[0].value.buf.len, 0);
        lwm2m_record_list_clear(&l);

        /* A multiple opaque resource, by instance only. */
        lwm2m_path ri = lwm2m_path_resource_instance(9000, 0, 1, 7);
        assert_int_equal(opaque_decode(&ri, sample, 3, &resolver, &l), 0);
        assert_true(lwm2m_path_equal(&l.items[0].path, &ri));
        lwm2m_record_list_free(&l);
}

static void test_decode_refusals(void **state)
{
        lwm2m_record_list l = {0};
        /* A string resource does not take opaque bytes. */
        lwm2m_path s = lwm2m_path_resource(5, 0, 1);
        assert_int_equal(opaque_decode(&s, sample, sizeof(sample), &resolver, &l), -EMEDIUMTYPE);
        /* Unknown resource. */
        lwm2m_path u = lwm2m_path_resource(5, 0, 99);
        assert_int_equal(opaque_decode(&u, sample, sizeof(sample), &resolver, &l), -ENOENT);
        /* Instance, object, root. */
        lwm2m_path inst = lwm2m_path_instance(5, 0);
        assert_int_equal(opaque_decode(&inst, sample, 1, &resolver, &l), -EMEDIUMTYPE);
        lwm2m_path root = {.len = 0};
        assert_int_equal(opaque_decode(&root, sample, 1, NULL, &l), -EMEDIUMTYPE);
        /* All instances of a multiple resource at once. */
        lwm2m_path multi = lwm2m_path_resource(9000, 0, 1);
        assert_int_equal(opaque_decode(&multi, sample, 1, &resolver, &l), -EMEDIUMTYPE);
        /* An instance of a single resource does not exist. */
        lwm2m_path single_ri = lwm2m_path_resource_instance(5, 0, 0, 0);
        assert_int_equal(opaque_decode(&single_ri, sample, 1, &resolver, &l), -ENOENT);
        assert_int_equal(l.n, 0);
}

static void test_decode_size_limit(void **state)
{
        uint8_t *big = calloc(1, LWM2M_VALUE_MAX_BYTES + 1);
        assert_non_null(big);
        lwm2m_record_list l = {0};
        lwm2m_path p = lwm2m_path_resource(5, 0, 0);
        assert_int_equal(opaque_decode(&p, big, LWM2M_VALUE_MAX_BYTES + 1, &resolver, &l), -E2BIG);
        assert_int_equal(l.n, 0);
        assert_int_equal(opaque_decode(&p, big, LWM2M_VALUE_MAX_BYTES, &resolver, &l), 0);
        assert_int_equal(l.items[0].value.buf.len, LWM2M_VALUE_MAX_BYTES);
        lwm2m_record_list_free(&l);
        free(big);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_raw_bytes),
                cmocka_unit_test(test_encode_refusals),
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_decode_refusals),
                cmocka_unit_test(test_decode_size_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
