/* test_encode.c - unit tests for what every encoder must keep: no heap allocation per call once
 * the caller's buffer has grown, JSON escaped as json-c escaped it, and values that come back. */
#include <errno.h>
#include <float.h>
#include <json-c/json.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_count.h"
#include "formats/format.h"
#include "formats/json_write.h"
#include "formats/senml_cbor.h"
#include "formats/senml_json.h"
#include "senml_fixture.h"

static const struct {
        uint16_t format;
        const char *name;
        bool times; /* carries a record's time */
} multi_formats[] = {
        {LWM2M_FORMAT_TLV, "TLV", false},
        {LWM2M_FORMAT_SENML_JSON, "SenML JSON", true},
        {LWM2M_FORMAT_SENML_CBOR, "SenML CBOR", true},
        {LWM2M_FORMAT_LWM2M_CBOR, "LwM2M CBOR", false},
        {LWM2M_FORMAT_LWM2M_JSON, "LwM2M JSON", true},
};
#define N_MULTI (sizeof(multi_formats) / sizeof(multi_formats[0]))

/* A Read of /3303: 100 temperature readings, some needing 17 digits, some few. */
static void hundred_readings(lwm2m_record_list *l)
{
        for (uint16_t i = 0; i < 100; i++)
                fixture_add(l, lwm2m_path_resource(3303, i, 5700),
                            lwm2m_value_float(18.25 + i * 0.137));
}

/* Every type twice (both fixture samples), single and multiple, in /9999/0. */
static void every_type(lwm2m_record_list *l)
{
        for (unsigned t = 0; t < FIXTURE_NTYPES; t++) {
                if (fixture_types[t] == LWM2M_TYPE_NONE)
                        continue;
                fixture_add(l, lwm2m_path_resource(FIXTURE_OID, 0, (uint16_t)t),
                            fixture_sample(fixture_types[t], 0));
                for (uint16_t k = 0; k < 2; k++)
                        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10 + t, k),
                                    fixture_sample(fixture_types[t], k));
        }
        lwm2m_record_list_sort(l);
}

/* Allocations one encode makes into `out`, which an encode of the same records grew. */
static unsigned long allocations_of(uint16_t format, const lwm2m_path *base,
                                    const lwm2m_record_list *l)
{
        lwm2m_buf out = {0};
        assert_int_equal(lwm2m_format_encode(format, base, l->items, l->n, &out), 0);
        lwm2m_buf_reset(&out);
        unsigned long before = alloc_count();
        assert_int_equal(lwm2m_format_encode(format, base, l->items, l->n, &out), 0);
        unsigned long made = alloc_count() - before;
        lwm2m_buf_free(&out);
        return made;
}

static void require_counter(void)
{
        if (!alloc_count_available())
                skip();
}

/* The counter sees what the test would miss otherwise: our own calls and a library's. */
static void test_counter_counts(void **state)
{
        require_counter();
        unsigned long before = alloc_count();
        void *p = malloc(16);
        assert_non_null(p);
        free(p);
        assert_true(alloc_count() > before);

        before = alloc_count();
        json_object *o = json_object_new_string("allocated inside json-c");
        assert_non_null(o);
        json_object_put(o);
        assert_true(alloc_count() > before);
}

static void test_hundred_values_allocate_nothing(void **state)
{
        require_counter();
        lwm2m_record_list l = {0};
        hundred_readings(&l);
        lwm2m_path base = lwm2m_path_object(3303);
        for (size_t f = 0; f < N_MULTI; f++) {
                unsigned long n = allocations_of(multi_formats[f].format, &base, &l);
                if (n != 0)
                        fail_msg("%s: %lu allocations encoding 100 values", multi_formats[f].name,
                                 n);
        }
        lwm2m_record_list_free(&l);
}

static void test_every_type_allocates_nothing(void **state)
{
        require_counter();
        lwm2m_record_list l = {0};
        every_type(&l);
        lwm2m_path base = lwm2m_path_instance(FIXTURE_OID, 0);
        for (size_t f = 0; f < N_MULTI; f++) {
                unsigned long n = allocations_of(multi_formats[f].format, &base, &l);
                if (n != 0)
                        fail_msg("%s: %lu allocations encoding every type", multi_formats[f].name,
                                 n);
        }
        /* text/plain: one value at a time. */
        for (unsigned t = 0; t < FIXTURE_NTYPES; t++) {
                if (fixture_types[t] == LWM2M_TYPE_NONE)
                        continue;
                lwm2m_record_list one = {0};
                lwm2m_path p = lwm2m_path_resource(FIXTURE_OID, 0, (uint16_t)t);
                fixture_add(&one, p, fixture_sample(fixture_types[t], 0));
                unsigned long n = allocations_of(LWM2M_FORMAT_TEXT, &p, &one);
                if (n != 0)
                        fail_msg("text: %lu allocations encoding type %u", n, t);
                lwm2m_record_list_free(&one);
        }
        lwm2m_record_list_free(&l);
}

/* Strings every JSON encoder must escape, and bytes it must leave alone (instances from 100
 * on, clear of every_type's). */
static void add_hard_strings(lwm2m_record_list *l)
{
        char controls[40];
        size_t n = 0;
        for (char c = 1; c < 0x20; c++)
                controls[n++] = c;
        controls[n++] = 0x7f;
        controls[n++] = '"';
        controls[n++] = '\\';
        controls[n++] = '/';
        const char *utf8 = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad";
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10, 100),
                    fixture_string(LWM2M_TYPE_STRING, controls, n));
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10, 101),
                    fixture_string(LWM2M_TYPE_STRING, utf8, strlen(utf8)));
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10, 102),
                    fixture_string(LWM2M_TYPE_STRING, "</a/b>", 6));
}

static void add_hard_numbers(lwm2m_record_list *l)
{
        static const double floats[] = {0.1,  -1.5e300, 5e-324,     DBL_MAX, -DBL_MAX, -0.0,
                                        1e21, 1e-7,     123456.789, 0.5,     65504.0,  3 * 0x1p-24,
                                        1e16, 18.387,   -273.15,    1e100};
        for (uint16_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++)
                fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 13, 100 + k),
                            lwm2m_value_float(floats[k]));
        static const int64_t ints[] = {INT64_MIN, INT64_MIN + 1, -1,  0,         23,
                                       24,        -24,           -25, INT64_MAX, -4294967296};
        for (uint16_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
                fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 11, 100 + k),
                            lwm2m_value_integer(ints[k]));
        static const uint64_t uints[] = {0, (uint64_t)INT64_MAX + 1, UINT64_MAX};
        for (uint16_t k = 0; k < sizeof(uints) / sizeof(uints[0]); k++)
                fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 12, 100 + k),
                            lwm2m_value_unsigned(uints[k]));
        static const int64_t times[] = {0, 1732200000, INT64_MAX, -1};
        for (uint16_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
                fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 16, 100 + k),
                            lwm2m_value_time(times[k]));
        uint8_t bytes[256];
        for (size_t i = 0; i < sizeof(bytes); i++)
                bytes[i] = (uint8_t)i;
        for (uint16_t k = 0; k < 4; k++)
                fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 15, 100 + k),
                            fixture_string(LWM2M_TYPE_OPAQUE, (const char *)bytes, 253 + k));
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 17, 100),
                    lwm2m_value_objlnk(0, 0));
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 17, 101),
                    lwm2m_value_objlnk(65535, 65535));
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 17, 102),
                    lwm2m_value_objlnk(3303, 12));
}

static void assert_round_trip(uint16_t format, const char *name, const lwm2m_path *base,
                              const lwm2m_record_list *l)
{
        lwm2m_buf out = {0};
        lwm2m_record_list back = {0};
        int r = lwm2m_format_encode(format, base, l->items, l->n, &out);
        if (r < 0)
                fail_msg("%s: encode: %s", name, strerror(-r));
        r = lwm2m_format_decode(format, base, out.data, out.len, &fixture_resolver, &back);
        if (r < 0)
                fail_msg("%s: decoding what it wrote: %s (%.*s)", name, strerror(-r), (int)out.len,
                         (const char *)out.data);
        lwm2m_record_list_sort(&back);
        if (!fixture_lists_equal(l, &back))
                fail_msg("%s: the values that came back differ", name);
        lwm2m_record_list_free(&back);
        lwm2m_buf_free(&out);
}

static void test_round_trips(void **state)
{
        lwm2m_path base = lwm2m_path_instance(FIXTURE_OID, 0);
        lwm2m_record_list l = {0};
        add_hard_strings(&l);
        add_hard_numbers(&l);
        every_type(&l); /* sorts */
        for (size_t f = 0; f < N_MULTI; f++)
                assert_round_trip(multi_formats[f].format, multi_formats[f].name, &base, &l);

        /* Times, whole and fractional, from the formats that carry them. */
        for (size_t i = 0; i < l.n; i++) {
                l.items[i].has_time = true;
                l.items[i].time = i % 2 ? 1732200000.0 + (double)i : 1732200000.25 - (double)i;
        }
        for (size_t f = 0; f < N_MULTI; f++)
                if (multi_formats[f].times)
                        assert_round_trip(multi_formats[f].format, multi_formats[f].name, &base,
                                          &l);
        lwm2m_record_list_free(&l);

        /* The hundred readings through every format. */
        lwm2m_record_list h = {0};
        hundred_readings(&h);
        base = lwm2m_path_object(3303);
        for (size_t f = 0; f < N_MULTI; f++)
                assert_round_trip(multi_formats[f].format, multi_formats[f].name, &base, &h);
        lwm2m_record_list_free(&h);
}

/* JSON has no NaN or infinity: the codec refuses, the dispatch leaves the resource out of an
 * instance and answers -EDOM for the resource itself; CBOR writes them, as before. */
static void test_not_finite(void **state)
{
        lwm2m_record_list l = {0};
        fixture_add(&l, lwm2m_path_resource(FIXTURE_OID, 0, 1), lwm2m_value_integer(5));
        fixture_add(&l, lwm2m_path_resource(FIXTURE_OID, 0, 3), lwm2m_value_float(NAN));
        lwm2m_path inst = lwm2m_path_instance(FIXTURE_OID, 0);
        lwm2m_path res = lwm2m_path_resource(FIXTURE_OID, 0, 3);
        lwm2m_buf out = {0};

        assert_int_equal(lwm2m_buf_append(&out, "kept", 4), 0);
        assert_int_equal(senml_json_encode(&inst, l.items, l.n, &out), -EMEDIUMTYPE);
        assert_int_equal(out.len, 4); /* a failure leaves the buffer as it was */
        lwm2m_buf_reset(&out);
        assert_int_equal(lwm2m_format_encode(LWM2M_FORMAT_SENML_JSON, &inst, l.items, l.n, &out),
                         0);
        assert_int_equal(out.len, strlen("[{\"bn\":\"/9999/0/\",\"n\":\"1\",\"v\":5}]"));
        assert_memory_equal(out.data, "[{\"bn\":\"/9999/0/\",\"n\":\"1\",\"v\":5}]", out.len);
        lwm2m_buf_reset(&out);
        assert_int_equal(lwm2m_format_encode(LWM2M_FORMAT_SENML_JSON, &res, l.items + 1, 1, &out),
                         -EDOM);
        assert_int_equal(lwm2m_format_encode(LWM2M_FORMAT_LWM2M_JSON, &res, l.items + 1, 1, &out),
                         -EDOM);

        /* The codec itself, below the dispatch's guard: NaN as the canonical half. */
        lwm2m_buf_reset(&out);
        assert_int_equal(senml_cbor_encode(&res, l.items + 1, 1, &out), 0);
        assert_true(out.len >= 3);
        assert_memory_equal(out.data + out.len - 3, "\xf9\x7e\x00", 3);
        lwm2m_buf_free(&out);
        lwm2m_record_list_free(&l);
}

/* One escaping routine, byte for byte what json-c wrote when it wrote our JSON. */
static void test_escaping_matches_json_c(void **state)
{
        lwm2m_buf out = {0};
        for (unsigned c = 1; c < 256; c++) {
                char s[4] = {'a', (char)c, 'b', 0};
                json_object *o = json_object_new_string_len(s, 3);
                assert_non_null(o);
                const char *want = json_object_to_json_string_ext(
                        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                lwm2m_buf_reset(&out);
                assert_int_equal(json_write_string(&out, s, 3), 0);
                if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
                        fail_msg("byte 0x%02x: wrote %.*s, json-c %s", c, (int)out.len,
                                 (const char *)out.data, want);
                json_object_put(o);
        }
        /* The empty string, from no bytes at all. */
        lwm2m_buf_reset(&out);
        assert_int_equal(json_write_string(&out, NULL, 0), 0);
        assert_int_equal(out.len, 2);
        assert_memory_equal(out.data, "\"\"", 2);
        lwm2m_buf_free(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_counter_counts),
                cmocka_unit_test(test_hundred_values_allocate_nothing),
                cmocka_unit_test(test_every_type_allocates_nothing),
                cmocka_unit_test(test_round_trips),
                cmocka_unit_test(test_not_finite),
                cmocka_unit_test(test_escaping_matches_json_c),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
