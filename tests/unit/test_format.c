/* test_format.c - unit tests for the content-format dispatch point: codec lookup, and
 * what a Read looks like when a record holds a value no format may carry. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "senml_fixture.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Resource 3 of the fixture object is a Float, 13 a multiple Float, 0 a String. */
static const uint16_t value_formats[] = {
        LWM2M_FORMAT_TLV,        LWM2M_FORMAT_SENML_JSON, LWM2M_FORMAT_SENML_CBOR,
        LWM2M_FORMAT_LWM2M_JSON, LWM2M_FORMAT_LWM2M_CBOR,
};

static lwm2m_path res(uint16_t iid, uint16_t rid)
{
        return lwm2m_path_resource(FIXTURE_OID, iid, rid);
}

static lwm2m_path res_inst(uint16_t iid, uint16_t rid, uint16_t riid)
{
        return lwm2m_path_resource_instance(FIXTURE_OID, iid, rid, riid);
}

static const lwm2m_record *find(const lwm2m_record_list *l, lwm2m_path p)
{
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_equal(&l->items[i].path, &p))
                        return &l->items[i];
        return NULL;
}

static bool any_under(const lwm2m_record_list *l, lwm2m_path p)
{
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_starts_with(&l->items[i].path, &p))
                        return true;
        return false;
}

/* Encodes `in` under `base` in `format`, then decodes what came out. */
static void encode_decode(uint16_t format, lwm2m_path base, const lwm2m_record_list *in,
                          lwm2m_record_list *out)
{
        lwm2m_buf b = {0};
        int r = lwm2m_format_encode(format, &base, in->items, in->n, &b);
        if (r < 0)
                fail_msg("format %u: encode: %s", format, strerror(-r));
        r = lwm2m_format_decode(format, &base, b.data, b.len, &fixture_resolver, out);
        if (r < 0)
                fail_msg("format %u: decode: %s", format, strerror(-r));
        lwm2m_buf_free(&b);
}

/* Two instances; instance 0 has a NaN in one resource and an infinity in one
 * instance of a multiple resource. */
static void faulty_object(lwm2m_record_list *l)
{
        fixture_add(l, res(0, 0), fixture_string(LWM2M_TYPE_STRING, "ok", 2));
        fixture_add(l, res(0, 1), lwm2m_value_integer(7));
        fixture_add(l, res(0, 3), lwm2m_value_float(NAN));
        fixture_add(l, res_inst(0, 13, 0), lwm2m_value_float(1.5));
        fixture_add(l, res_inst(0, 13, 1), lwm2m_value_float(-INFINITY));
        fixture_add(l, res(1, 3), lwm2m_value_float(21.5));
        lwm2m_record_list_sort(l);
}

/* A Read of an object, an instance or the root leaves out each resource that
 * holds an unencodable value, whole, and shows everything else, in every format. */
static void test_bad_value_costs_only_its_resource(void **state)
{
        (void)state;
        lwm2m_record_list in = {0};
        faulty_object(&in);
        const lwm2m_path bases[] = {
                lwm2m_path_object(FIXTURE_OID),
                lwm2m_path_instance(FIXTURE_OID, 0),
                {.len = LWM2M_PATH_ROOT},
        };
        for (size_t f = 0; f < ELEMENTSOF(value_formats); f++) {
                for (size_t b = 0; b < ELEMENTSOF(bases); b++) {
                        /* TLV has no spelling for the root. */
                        if (value_formats[f] == LWM2M_FORMAT_TLV && bases[b].len == 0)
                                continue;
                        lwm2m_record_list out = {0};
                        /* The instance read gets instance 0's records only. */
                        size_t n = bases[b].len == LWM2M_PATH_INSTANCE ? in.n - 1 : in.n;
                        lwm2m_record_list part = {.items = in.items, .n = n, .cap = n};
                        encode_decode(value_formats[f], bases[b], &part, &out);
                        const lwm2m_record *r = find(&out, res(0, 0));
                        assert_non_null(r);
                        assert_memory_equal(r->value.buf.data, "ok", 2);
                        r = find(&out, res(0, 1));
                        assert_non_null(r);
                        assert_int_equal(r->value.i, 7);
                        assert_false(any_under(&out, res(0, 3)));
                        /* The multiple resource goes whole, its good instance too. */
                        assert_false(any_under(&out, res(0, 13)));
                        if (bases[b].len != LWM2M_PATH_INSTANCE) {
                                r = find(&out, res(1, 3));
                                assert_non_null(r);
                                assert_true(r->value.f == 21.5);
                        }
                        lwm2m_record_list_free(&out);
                }
        }
        lwm2m_record_list_free(&in);
}

/* Asked for the resource itself (or one of its instances) there is nothing
 * else to show: -EDOM, in every format, text and opaque included, nothing written. */
static void test_bad_resource_asked_for_fails(void **state)
{
        (void)state;
        lwm2m_record_list in = {0};
        faulty_object(&in);
        static const uint16_t all_formats[] = {
                LWM2M_FORMAT_TEXT,       LWM2M_FORMAT_OPAQUE,     LWM2M_FORMAT_TLV,
                LWM2M_FORMAT_SENML_JSON, LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_LWM2M_JSON,
                LWM2M_FORMAT_LWM2M_CBOR,
        };
        const lwm2m_record *nan_rec = find(&in, res(0, 3));
        const lwm2m_record *inf_rec = find(&in, res_inst(0, 13, 1));
        lwm2m_path multi = res(0, 13);
        const lwm2m_record *multi_recs = find(&in, res_inst(0, 13, 0));
        for (size_t f = 0; f < ELEMENTSOF(all_formats); f++) {
                lwm2m_buf b = {0};
                assert_int_equal(
                        lwm2m_format_encode(all_formats[f], &nan_rec->path, nan_rec, 1, &b), -EDOM);
                assert_int_equal(
                        lwm2m_format_encode(all_formats[f], &inf_rec->path, inf_rec, 1, &b), -EDOM);
                assert_int_equal(lwm2m_format_encode(all_formats[f], &multi, multi_recs, 2, &b),
                                 -EDOM);
                assert_int_equal(b.len, 0);
                lwm2m_buf_free(&b);
        }
        lwm2m_record_list_free(&in);
}

/* An instance whose every resource is left out still shows, as an empty one. */
static void test_instance_left_empty_still_shows(void **state)
{
        (void)state;
        lwm2m_record_list in = {0};
        fixture_add(&in, res(0, 1), lwm2m_value_integer(1));
        fixture_add(&in, res(1, 3), lwm2m_value_float(NAN));
        fixture_add(&in, res_inst(1, 13, 4), lwm2m_value_float(INFINITY));
        fixture_add(&in, res(2, 1), lwm2m_value_integer(2));
        lwm2m_record_list_sort(&in);
        lwm2m_path obj = lwm2m_path_object(FIXTURE_OID);

        lwm2m_record_list out = {0};
        encode_decode(LWM2M_FORMAT_TLV, obj, &in, &out);
        assert_int_equal(out.n, 3);
        assert_true(lwm2m_path_equal(&out.items[1].path, &(lwm2m_path){{FIXTURE_OID, 1}, 2}));
        assert_int_equal(out.items[1].value.type, LWM2M_TYPE_NONE);
        assert_int_equal(out.items[2].value.i, 2);
        lwm2m_record_list_free(&out);
        /* The formats that cannot show an empty instance still carry the rest. */
        for (size_t f = 0; f < ELEMENTSOF(value_formats); f++) {
                encode_decode(value_formats[f], obj, &in, &out);
                assert_non_null(find(&out, res(0, 1)));
                assert_non_null(find(&out, res(2, 1)));
                assert_false(any_under(&out, res(1, 3)));
                assert_false(any_under(&out, res(1, 13)));
                lwm2m_record_list_free(&out);
        }
        lwm2m_record_list_free(&in);
}

/* A SenML time that is not a number is no more carried than a NaN value. */
static void test_non_finite_time_left_out(void **state)
{
        (void)state;
        lwm2m_record_list in = {0};
        fixture_add_timed(&in, res(0, 1), lwm2m_value_integer(1), 1700000000);
        fixture_add_timed(&in, res(0, 2), lwm2m_value_unsigned(2), NAN);
        lwm2m_path base = lwm2m_path_instance(FIXTURE_OID, 0);
        lwm2m_record_list out = {0};
        encode_decode(LWM2M_FORMAT_SENML_JSON, base, &in, &out);
        assert_int_equal(out.n, 1);
        assert_true(lwm2m_path_equal(&out.items[0].path, &in.items[0].path));
        assert_true(out.items[0].has_time);
        lwm2m_record_list_free(&out);
        lwm2m_record_list_free(&in);
}

/* Without bad values the dispatcher adds nothing: the codec's own bytes. */
static void test_clean_records_untouched(void **state)
{
        (void)state;
        lwm2m_record_list in = {0};
        fixture_add(&in, res(0, 1), lwm2m_value_integer(-3));
        fixture_add(&in, res(0, 3), lwm2m_value_float(2.25));
        fixture_add(&in, res_inst(0, 13, 2), lwm2m_value_float(1e300));
        lwm2m_path base = lwm2m_path_instance(FIXTURE_OID, 0);
        for (size_t f = 0; f < ELEMENTSOF(value_formats); f++) {
                lwm2m_record_list out = {0};
                encode_decode(value_formats[f], base, &in, &out);
                assert_true(fixture_lists_equal(&in, &out));
                lwm2m_record_list_free(&out);
        }
        lwm2m_buf b = {0};
        assert_int_equal(lwm2m_format_encode(9999, &base, in.items, in.n, &b), -EPROTONOSUPPORT);
        assert_int_equal(lwm2m_format_decode(9999, &base, (const uint8_t *)"x", 1, NULL, &in),
                         -EPROTONOSUPPORT);
        lwm2m_record_list_free(&in);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_value_costs_only_its_resource),
                cmocka_unit_test(test_bad_resource_asked_for_fails),
                cmocka_unit_test(test_instance_left_empty_still_shows),
                cmocka_unit_test(test_non_finite_time_left_out),
                cmocka_unit_test(test_clean_records_untouched),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
