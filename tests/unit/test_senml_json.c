/* test_senml_json.c - unit tests for the SenML JSON codec (formats/senml_json).
 * TS Core 1.1 and RFC 8428 examples, round trips, typing through a resolver, hostile input. */
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

#include "formats/senml_json.h"
#include "senml_fixture.h"
#include "util/macro.h"

/* TS Core 1.1 section 7.4.4: Read on the Device object instance /3/0. */
static const char device_example[] =
        "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},"
        "{\"n\":\"1\",\"vs\":\"Lightweight M2M Client\"},"
        "{\"n\":\"2\",\"vs\":\"345000123\"},"
        "{\"n\":\"3\",\"vs\":\"1.0\"},"
        "{\"n\":\"6/0\",\"v\":1},"
        "{\"n\":\"6/1\",\"v\":5},"
        "{\"n\":\"7/0\",\"v\":3800},"
        "{\"n\":\"7/1\",\"v\":5000},"
        "{\"n\":\"8/0\",\"v\":125},"
        "{\"n\":\"8/1\",\"v\":900},"
        "{\"n\":\"9\",\"v\":100},"
        "{\"n\":\"10\",\"v\":15},"
        "{\"n\":\"11/0\",\"v\":0},"
        "{\"n\":\"13\",\"v\":1367491215},"
        "{\"n\":\"14\",\"vs\":\"+02:00\"},"
        "{\"n\":\"16\",\"vs\":\"U\"}]";

static int decode(const char *text, const lwm2m_path *base, const lwm2m_resolver *res,
                  lwm2m_record_list *out)
{
        return senml_json_decode(base, (const uint8_t *)text, strlen(text), res, out);
}

static int decode_root(const char *text, const lwm2m_resolver *res)
{
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        int r = decode(text, &root, res, &l);
        lwm2m_record_list_free(&l);
        return r;
}

static char *encode(const lwm2m_path *base, const lwm2m_record_list *l, int *err)
{
        lwm2m_buf b = {0};
        *err = senml_json_encode(base, l->items, l->n, &b);
        if (*err < 0) {
                lwm2m_buf_free(&b);
                return NULL;
        }
        lwm2m_buf_append_byte(&b, 0);
        size_t len;
        return (char *)lwm2m_buf_steal(&b, &len);
}

static void device_records(lwm2m_record_list *l)
{
        static const char *strings[] = {"Open Mobile Alliance", "Lightweight M2M Client",
                                        "345000123", "1.0"};
        for (uint16_t i = 0; i < 4; i++)
                fixture_add(l, lwm2m_path_resource(3, 0, i),
                            fixture_string(LWM2M_TYPE_STRING, strings[i], strlen(strings[i])));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 6, 0), lwm2m_value_integer(1));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 6, 1), lwm2m_value_integer(5));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 7, 0), lwm2m_value_integer(3800));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 7, 1), lwm2m_value_integer(5000));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 8, 0), lwm2m_value_integer(125));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 8, 1), lwm2m_value_integer(900));
        fixture_add(l, lwm2m_path_resource(3, 0, 9), lwm2m_value_integer(100));
        fixture_add(l, lwm2m_path_resource(3, 0, 10), lwm2m_value_integer(15));
        fixture_add(l, lwm2m_path_resource_instance(3, 0, 11, 0), lwm2m_value_integer(0));
        fixture_add(l, lwm2m_path_resource(3, 0, 13), lwm2m_value_time(1367491215));
        fixture_add(l, lwm2m_path_resource(3, 0, 14),
                    fixture_string(LWM2M_TYPE_STRING, "+02:00", 6));
        fixture_add(l, lwm2m_path_resource(3, 0, 16), fixture_string(LWM2M_TYPE_STRING, "U", 1));
}

static void test_ts_core_device_example_decodes(void **state)
{
        lwm2m_record_list got = {0}, want = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);
        assert_int_equal(decode(device_example, &base, &fixture_resolver, &got), 0);
        device_records(&want);
        assert_true(fixture_lists_equal(&got, &want));
        assert_int_equal(got.items[13].value.type, LWM2M_TYPE_TIME);
        lwm2m_record_list_free(&got);
        lwm2m_record_list_free(&want);
}

static void test_ts_core_device_example_encodes_exactly(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);
        device_records(&l);
        int err;
        char *text = encode(&base, &l, &err);
        assert_int_equal(err, 0);
        assert_string_equal(text, device_example);
        free(text);
        lwm2m_record_list_free(&l);
}

static void test_single_resource_and_object_naming(void **state)
{
        lwm2m_record_list l = {0};
        int err;

        lwm2m_path res = lwm2m_path_resource(3, 0, 0);
        fixture_add(&l, res, fixture_string(LWM2M_TYPE_STRING, "x", 1));
        char *text = encode(&res, &l, &err);
        assert_string_equal(text, "[{\"bn\":\"/3/0/0\",\"vs\":\"x\"}]");
        free(text);
        lwm2m_record_list_clear(&l);

        /* Object read: a base name per instance. */
        lwm2m_path obj = lwm2m_path_object(3);
        fixture_add(&l, lwm2m_path_resource(3, 0, 9), lwm2m_value_integer(1));
        fixture_add(&l, lwm2m_path_resource(3, 1, 9), lwm2m_value_integer(2));
        text = encode(&obj, &l, &err);
        assert_string_equal(text, "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":1},"
                                  "{\"bn\":\"/3/1/\",\"n\":\"9\",\"v\":2}]");
        free(text);
        lwm2m_record_list_clear(&l);

        /* Multiple-instance resource read: the resource is the base. */
        lwm2m_path multi = lwm2m_path_resource(3, 0, 7);
        fixture_add(&l, lwm2m_path_resource_instance(3, 0, 7, 0), lwm2m_value_integer(1));
        fixture_add(&l, lwm2m_path_resource_instance(3, 0, 7, 1), lwm2m_value_integer(2));
        text = encode(&multi, &l, &err);
        assert_string_equal(text,
                            "[{\"bn\":\"/3/0/7/\",\"n\":\"0\",\"v\":1},{\"n\":\"1\",\"v\":2}]");
        free(text);
        lwm2m_record_list_free(&l);
}

/* RFC 8428 section 5.1.2 (multiple data points, base time, relative time), with LwM2M names. */
static void test_rfc8428_base_time_and_relative_time(void **state)
{
        const char *text = "[{\"bn\":\"/3303/0/\",\"bt\":1.276020076001e+09,\"bu\":\"Cel\","
                           "\"bver\":5,\"n\":\"5700\",\"u\":\"Cel\",\"v\":23.5},"
                           "{\"n\":\"5700\",\"t\":-5,\"v\":23.625},"
                           "{\"n\":\"5700\",\"t\":-4,\"v\":24}]";
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        assert_int_equal(decode(text, &root, &fixture_resolver, &l), 0);
        assert_int_equal(l.n, 3);
        for (size_t i = 0; i < 3; i++) {
                assert_true(lwm2m_path_equal(&l.items[i].path, &(lwm2m_path){{3303, 0, 5700}, 3}));
                assert_int_equal(l.items[i].value.type, LWM2M_TYPE_FLOAT);
                assert_true(l.items[i].has_time);
        }
        assert_true(l.items[0].time == 1276020076.001);
        assert_true(l.items[1].time == 1276020076.001 - 5);
        assert_true(l.items[2].time == 1276020076.001 - 4);
        assert_true(l.items[1].value.f == 23.625);
        assert_true(l.items[2].value.f == 24.0); /* an integer literal for a Float resource */
        lwm2m_record_list_free(&l);
}

/* RFC 8428 section 5.1.1's record: its name is a URN, not an LwM2M path. */
static void test_rfc8428_urn_names_are_rejected(void **state)
{
        assert_int_equal(decode_root("[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"v\":23.1,"
                                     "\"u\":\"Cel\"}]",
                                     NULL),
                         -EBADMSG);
        assert_int_equal(decode_root("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"temp\","
                                     "\"v\":23.1}]",
                                     NULL),
                         -EBADMSG);
}

static void test_base_name_carries_and_changes(void **state)
{
        const char *text = "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":1},"
                           "{\"n\":\"10\",\"v\":2},"
                           "{\"bn\":\"/1/0/\",\"n\":\"1\",\"v\":3},"
                           "{\"n\":\"/3/0/9\",\"bn\":\"\",\"v\":4},"
                           "{\"bn\":\"/3/0/13\",\"v\":5}]";
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        assert_int_equal(decode(text, &root, &fixture_resolver, &l), 0);
        assert_int_equal(l.n, 5);
        assert_true(lwm2m_path_equal(&l.items[1].path, &(lwm2m_path){{3, 0, 10}, 3}));
        assert_true(lwm2m_path_equal(&l.items[2].path, &(lwm2m_path){{1, 0, 1}, 3}));
        assert_true(lwm2m_path_equal(&l.items[3].path, &(lwm2m_path){{3, 0, 9}, 3}));
        assert_true(lwm2m_path_equal(&l.items[4].path, &(lwm2m_path){{3, 0, 13}, 3}));
        assert_int_equal(l.items[4].value.type, LWM2M_TYPE_TIME);
        lwm2m_record_list_free(&l);
}

static void test_time_encoding_uses_bt(void **state)
{
        lwm2m_record_list l = {0}, back = {0};
        lwm2m_path root = {.len = 0};
        fixture_add_timed(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(1.5), 1e9);
        fixture_add_timed(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(2.5), 1e9);
        fixture_add_timed(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(3.5),
                          1e9 + 0.25);
        fixture_add(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(4.0));
        int err;
        char *text = encode(&root, &l, &err);
        assert_int_equal(err, 0);
        assert_string_equal(text, "[{\"bn\":\"/3303/0/\",\"bt\":1000000000,\"n\":\"5700\","
                                  "\"v\":1.5},"
                                  "{\"n\":\"5700\",\"v\":2.5},"
                                  "{\"bt\":1000000000.25,\"n\":\"5700\",\"v\":3.5},"
                                  "{\"bt\":0,\"n\":\"5700\",\"v\":4.0}]");
        assert_int_equal(decode(text, &root, NULL, &back), 0);
        assert_true(fixture_lists_equal(&l, &back));
        free(text);
        lwm2m_record_list_free(&l);
        lwm2m_record_list_free(&back);
}

/* Every type, at every depth from the root to the record's own path. */
static void test_round_trip_every_type_every_depth(void **state)
{
        for (unsigned t = 0; t < FIXTURE_NTYPES; t++) {
                if (fixture_types[t] == LWM2M_TYPE_NONE)
                        continue;
                for (unsigned variant = 0; variant < 2; variant++) {
                        for (uint8_t depth = 0; depth <= 4; depth++) {
                                lwm2m_record_list l = {0}, back = {0}, plain = {0};
                                lwm2m_path single = lwm2m_path_resource(FIXTURE_OID, 1, t);
                                lwm2m_path multi =
                                        lwm2m_path_resource_instance(FIXTURE_OID, 1, 10 + t, 7);
                                lwm2m_path base = lwm2m_path_truncate(&multi, depth);
                                if (depth <= 3) {
                                        base = lwm2m_path_truncate(&single, depth);
                                        fixture_add(&l, single,
                                                    fixture_sample(fixture_types[t], variant));
                                }
                                if (depth <= 2 || depth == 4) {
                                        base = lwm2m_path_truncate(&multi, depth);
                                        fixture_add(&l, multi,
                                                    fixture_sample(fixture_types[t], variant));
                                }
                                int err;
                                char *text = encode(&base, &l, &err);
                                assert_int_equal(err, 0);
                                assert_int_equal(decode(text, &base, &fixture_resolver, &back), 0);
                                if (!fixture_lists_equal(&l, &back))
                                        fail_msg("type %u variant %u depth %u: %s", t, variant,
                                                 depth, text);
                                /* Without a resolver, each value keeps its JSON type. */
                                assert_int_equal(decode(text, &base, NULL, &plain), 0);
                                assert_int_equal(plain.n, l.n);
                                lwm2m_type natural = fixture_types[t];
                                if (natural == LWM2M_TYPE_TIME ||
                                    (natural == LWM2M_TYPE_UNSIGNED && variant == 0))
                                        natural = LWM2M_TYPE_INTEGER;
                                if (natural == LWM2M_TYPE_CORELNK)
                                        natural = LWM2M_TYPE_STRING;
                                for (size_t i = 0; i < plain.n; i++)
                                        assert_int_equal(plain.items[i].value.type, natural);
                                free(text);
                                lwm2m_record_list_free(&l);
                                lwm2m_record_list_free(&back);
                                lwm2m_record_list_free(&plain);
                        }
                }
        }
}

static void test_composite_request_names_only(void **state)
{
        const char *text = "[{\"n\":\"/3/0/0\"},{\"n\":\"/3/0/9\"},{\"n\":\"/1/0\"},{\"n\":\"/5\"},"
                           "{\"bn\":\"/3/0/\",\"n\":\"6/1\"}]";
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        assert_int_equal(decode(text, &root, &fixture_resolver, &l), 0);
        assert_int_equal(l.n, 5);
        static const lwm2m_path want[] = {
                {{3, 0, 0}, 3}, {{3, 0, 9}, 3}, {{1, 0}, 2}, {{5}, 1}, {{3, 0, 6, 1}, 4}};
        for (size_t i = 0; i < 5; i++) {
                assert_true(lwm2m_path_equal(&l.items[i].path, &want[i]));
                assert_int_equal(l.items[i].value.type, LWM2M_TYPE_NONE);
                assert_false(l.items[i].has_time);
        }

        /* And the encoder writes names without values. */
        int err;
        char *out = encode(&root, &l, &err);
        assert_int_equal(err, 0);
        assert_string_equal(out, "[{\"bn\":\"/3/0/\",\"n\":\"0\"},{\"n\":\"9\"},"
                                 "{\"bn\":\"/1/\",\"n\":\"0\"},{\"bn\":\"/\",\"n\":\"5\"},"
                                 "{\"bn\":\"/3/0/\",\"n\":\"6/1\"}]");
        free(out);
        lwm2m_record_list_free(&l);
}

static void test_64bit_edges(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        assert_int_equal(decode("[{\"n\":\"/9999/0/2\",\"v\":18446744073709551615},"
                                "{\"n\":\"/9999/0/1\",\"v\":-9223372036854775808},"
                                "{\"n\":\"/9999/0/1\",\"v\":9223372036854775807},"
                                "{\"n\":\"/9999/0/2\",\"v\":9223372036854775808}]",
                                &root, &fixture_resolver, &l),
                         0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_UNSIGNED);
        assert_true(l.items[0].value.u == UINT64_MAX);
        assert_true(l.items[1].value.i == INT64_MIN);
        assert_true(l.items[2].value.i == INT64_MAX);
        assert_true(l.items[3].value.u == (uint64_t)INT64_MAX + 1);
        lwm2m_record_list_clear(&l);

        /* Natural types: above INT64_MAX is Unsigned, the rest Integer. */
        assert_int_equal(decode("[{\"n\":\"/9/0/1\",\"v\":18446744073709551615},"
                                "{\"n\":\"/9/0/1\",\"v\":-9223372036854775808}]",
                                &root, NULL, &l),
                         0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_UNSIGNED);
        assert_int_equal(l.items[1].value.type, LWM2M_TYPE_INTEGER);
        lwm2m_record_list_free(&l);

        /* json-c would clamp these silently. */
        assert_int_equal(decode_root("[{\"n\":\"/9/0/1\",\"v\":18446744073709551616}]", NULL),
                         -EBADMSG);
        assert_int_equal(decode_root("[{\"n\":\"/9/0/1\",\"v\":-9223372036854775809}]", NULL),
                         -EBADMSG);
        assert_int_equal(decode_root("[{\"n\":\"/9/0/1\",\"v\":99999999999999999999999}]", NULL),
                         -EBADMSG);
        /* Out of the resource's range. */
        assert_int_equal(
                decode_root("[{\"n\":\"/9999/0/1\",\"v\":9223372036854775808}]", &fixture_resolver),
                -EBADMSG);
        assert_int_equal(decode_root("[{\"n\":\"/9999/0/2\",\"v\":-1}]", &fixture_resolver),
                         -EBADMSG);
        assert_int_equal(decode_root("[{\"n\":\"/9999/0/1\",\"v\":9.3e18}]", &fixture_resolver),
                         -EBADMSG);
        /* 2^53 + 1 is no double. */
        assert_int_equal(
                decode_root("[{\"n\":\"/9999/0/3\",\"v\":9007199254740993}]", &fixture_resolver),
                -EBADMSG);
        assert_int_equal(
                decode_root("[{\"n\":\"/9999/0/3\",\"v\":9007199254740992}]", &fixture_resolver),
                0);

        /* And the encoder writes them as integers, never floats. */
        lwm2m_record_list e = {0};
        fixture_add(&e, lwm2m_path_resource(9999, 0, 1), lwm2m_value_integer(INT64_MIN));
        fixture_add(&e, lwm2m_path_resource(9999, 0, 2), lwm2m_value_unsigned(UINT64_MAX));
        int err;
        char *text = encode(&(lwm2m_path){{9999, 0}, 2}, &e, &err);
        assert_string_equal(text, "[{\"bn\":\"/9999/0/\",\"n\":\"1\",\"v\":-9223372036854775808},"
                                  "{\"n\":\"2\",\"v\":18446744073709551615}]");
        free(text);
        lwm2m_record_list_free(&e);
}

static void test_typing_through_resolver(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path root = {.len = 0};
        assert_int_equal(decode("[{\"bn\":\"/9999/0/\",\"n\":\"1\",\"v\":5.0},"
                                "{\"n\":\"3\",\"v\":5},"
                                "{\"n\":\"6\",\"v\":1.6e9},"
                                "{\"n\":\"7\",\"vlo\":\"3:0\"},"
                                "{\"n\":\"8\",\"vs\":\"</3>\"},"
                                "{\"n\":\"5\",\"vd\":\"AP8Q\"},"
                                "{\"n\":\"4\",\"vb\":true}]",
                                &root, &fixture_resolver, &l),
                         0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_INTEGER);
        assert_true(l.items[0].value.i == 5);
        assert_int_equal(l.items[1].value.type, LWM2M_TYPE_FLOAT);
        assert_true(l.items[1].value.f == 5.0);
        assert_int_equal(l.items[2].value.type, LWM2M_TYPE_TIME);
        assert_true(l.items[2].value.i == 1600000000);
        assert_int_equal(l.items[3].value.type, LWM2M_TYPE_OBJLNK);
        assert_int_equal(l.items[3].value.lnk.oid, 3);
        assert_int_equal(l.items[4].value.type, LWM2M_TYPE_CORELNK);
        assert_int_equal(l.items[5].value.type, LWM2M_TYPE_OPAQUE);
        assert_int_equal(l.items[5].value.buf.len, 3);
        assert_memory_equal(l.items[5].value.buf.data, "\x00\xff\x10", 3);
        assert_true(l.items[6].value.b);
        lwm2m_record_list_free(&l);

        static const char *mismatches[] = {
                "[{\"n\":\"/9999/0/1\",\"v\":5.5}]", /* Integer, not integral */
                "[{\"n\":\"/9999/0/1\",\"vs\":\"5\"}]",
                "[{\"n\":\"/9999/0/0\",\"v\":5}]",         /* String from a number */
                "[{\"n\":\"/9999/0/4\",\"v\":1}]",         /* Boolean from a number */
                "[{\"n\":\"/9999/0/5\",\"vs\":\"AP8Q\"}]", /* Opaque only from vd */
                "[{\"n\":\"/9999/0/7\",\"vs\":\"3:0\"}]",  /* Objlnk only from vlo */
                "[{\"n\":\"/9999/0/0\",\"vlo\":\"3:0\"}]",
                "[{\"n\":\"/9999/0/0\",\"vb\":false}]",
                "[{\"n\":\"/9999/0/6\",\"v\":1.5}]", /* Time, not integral */
                "[{\"n\":\"/9999/0/9\",\"v\":1}]",   /* executable */
                "[{\"n\":\"/9999/0/11\",\"v\":1}]",  /* multiple, no instance */
                "[{\"n\":\"/9999/0/1/0\",\"v\":1}]", /* single, with an instance */
                "[{\"n\":\"/9999/0\",\"v\":1}]",     /* instance with a value */
                "[{\"n\":\"/9999/0/7\",\"vlo\":\"3:65536\"}]",
                "[{\"n\":\"/9999/0/7\",\"vlo\":\"3\"}]",
                "[{\"n\":\"/9999/0/7\",\"vlo\":\"3:0:1\"}]",
                "[{\"n\":\"/9999/0/7\",\"vlo\":\"-3:0\"}]",
                "[{\"n\":\"/9999/0/7\",\"vlo\":\":0\"}]",
        };
        for (size_t i = 0; i < ELEMENTSOF(mismatches); i++)
                if (decode_root(mismatches[i], &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted %s", mismatches[i]);

        assert_int_equal(decode_root("[{\"n\":\"/9999/0/99\",\"v\":1}]", &fixture_resolver),
                         -ENOENT);
        assert_int_equal(decode_root("[{\"n\":\"/4/0/0\",\"v\":1}]", &fixture_resolver), -ENOENT);
}

static void test_names_must_be_paths_under_base(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);
        assert_int_equal(decode("[{\"n\":\"/4/0/0\",\"v\":1}]", &base, NULL, &l), -EBADMSG);
        assert_int_equal(decode("[{\"n\":\"/3/0/0\",\"v\":1}]", &base, NULL, &l), 0);
        lwm2m_record_list_free(&l);

        static const char *bad[] = {
                "[{\"n\":\"/3/0/65535\",\"v\":1}]",
                "[{\"n\":\"/3/0/1/2/3\",\"v\":1}]",
                "[{\"n\":\"/3//1\",\"v\":1}]",
                "[{\"bn\":\"/3/0/\",\"n\":\"/1\",\"v\":1}]",
                "[{\"n\":\"/3/0/01\",\"v\":1}]",
                "[{\"n\":\"/3/0/x\",\"v\":1}]",
                "[{\"n\":\" /3/0/1\",\"v\":1}]",
                "[{\"bn\":\"/3/0/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"v\":1}]",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_root(bad[i], NULL) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
}

static void test_fields(void **state)
{
        /* Unknown fields are ignored, even nested ones; '_' ones must be understood. */
        assert_int_equal(decode_root("[{\"n\":\"/3/0/9\",\"v\":1,\"foo\":{\"a\":[1,2]},"
                                     "\"bar\":null,\"u\":\"%\",\"ut\":5,\"bs\":0,\"bv\":0}]",
                                     &fixture_resolver),
                         0);
        static const char *bad[] = {
                "[{\"n\":\"/3/0/9\",\"v\":1,\"foo_\":1}]",
                "[{\"n\":\"/3/0/9\",\"v\":1,\"v\":2}]", /* duplicate */
                "[{\"n\":\"/3/0/9\",\"n\":\"/3/0/9\"}]",
                "[{\"n\":\"/3/0/9\",\"v\":1,\"vs\":\"1\"}]", /* two values */
                "[{\"n\":5,\"v\":1}]",
                "[{\"bn\":true,\"n\":\"/3/0/9\"}]",
                "[{\"n\":\"/3/0/9\",\"v\":\"1\"}]",
                "[{\"n\":\"/3/0/9\",\"v\":null}]",
                "[{\"n\":\"/3/0/9\",\"v\":[1]}]",
                "[{\"n\":\"/3/0/9\",\"vb\":1}]",
                "[{\"n\":\"/3/0/9\",\"vs\":1}]",
                "[{\"n\":\"/3/0/9\",\"vd\":1}]",
                "[{\"n\":\"/3/0/9\",\"t\":\"1\"}]",
                "[{\"n\":\"/3/0/9\",\"bt\":true}]",
                "[{\"n\":\"/3/0/9\",\"v\":1,\"bver\":11}]",
                "[{\"n\":\"/3/0/9\",\"v\":1,\"bv\":1}]",
                "[{\"n\":\"/3/0/9\",\"s\":1}]",
                "[{\"n\":\"/3/0/9\",\"v\":NaN}]",
                "[{\"n\":\"/3/0/9\",\"v\":Infinity}]",
                "[{\"n\":\"/3/0/9\",\"v\":1e400}]",
                "[{\"n\":\"/3/0/9\",\"bt\":1e308,\"t\":1e308}]", /* time overflows */
                "[{\"n\\u0000x\":\"/3/0/9\"}]",
                "[{\"n\":\"/3/0/9\\u0000\"}]",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_root(bad[i], &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
}

static void test_base64(void **state)
{
        struct {
                const char *vd;
                const char *bytes;
                size_t len;
        } good[] = {
                {"", "", 0},
                {"AA", "\0", 1},
                {"AAE", "\0\1", 2},
                {"-_8", "\xfb\xff", 2},
                {"+/8", "\xfb\xff", 2},
                {"AA==", "\0", 1},
                {"AAE=", "\0\1", 2},
                {"AAEC", "\0\1\2", 3},
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char text[128];
                snprintf(text, sizeof(text), "[{\"n\":\"/9999/0/5\",\"vd\":\"%s\"}]", good[i].vd);
                lwm2m_record_list l = {0};
                lwm2m_path root = {.len = 0};
                if (decode(text, &root, &fixture_resolver, &l) != 0)
                        fail_msg("rejected %s", text);
                assert_int_equal(l.items[0].value.buf.len, good[i].len);
                assert_memory_equal(l.items[0].value.buf.data, good[i].bytes, good[i].len);
                lwm2m_record_list_free(&l);
        }
        static const char *bad[] = {"A",   "AAAAA", "AB",      "AAF", "A=",   "AA=",   "AA===",
                                    "=AA", "AA AA", "AA\\nAA", "A*",  "AA=A", "AAAA=", "====="};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[128];
                snprintf(text, sizeof(text), "[{\"n\":\"/9999/0/5\",\"vd\":\"%s\"}]", bad[i]);
                if (decode_root(text, &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted %s", text);
        }

        /* Output: base64url, no padding. */
        lwm2m_record_list l = {0};
        fixture_add(&l, lwm2m_path_resource(9999, 0, 5),
                    fixture_string(LWM2M_TYPE_OPAQUE, "\xfb\xff\xfe\x01", 4));
        int err;
        char *text = encode(&(lwm2m_path){{9999, 0, 5}, 3}, &l, &err);
        assert_string_equal(text, "[{\"bn\":\"/9999/0/5\",\"vd\":\"-__-AQ\"}]");
        free(text);
        lwm2m_record_list_free(&l);
}

static void test_malformed(void **state)
{
        static const char *bad[] = {
                "",
                " ",
                "{}",
                "null",
                "[1]",
                "[[]]",
                "[{}]x",
                "[{}] [{}]",
                "[{},]",
                "[{\"n\":\"/3/0/9\",}]",
                "[{'n':'/3/0/9'}]",
                "[{\"n\":\"/3/0/9\"}/**/]",
                "[{\"n\":\"/3/0/9\",\"v\":01}]",
                "[{\"n\":\"/3/0/9\",\"v\":+1}]",
                "[{\"n\":\"/3/0/9\",\"v\":.5}]",
                "[{\"n\":\"/9999/0/0\",\"vs\":\"\xff\"}]",
                "[{\"n\":\"/9999/0/0\",\"vs\":\"\xc0\x80\"}]",
                "[{\"n\":\"/9999/0/0\",\"vs\":\"\xed\xa0\x80\"}]",
                "[{\"n\":\"/9999/0/0\",\"vs\":\"\\x\"}]",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_root(bad[i], &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted '%s'", bad[i]);

        /* A NUL after the pack. */
        lwm2m_record_list l = {0};
        assert_int_equal(senml_json_decode(NULL, (const uint8_t *)"[]", 3, NULL, &l), -EBADMSG);
        assert_int_equal(senml_json_decode(NULL, (const uint8_t *)"[]", 2, NULL, &l), 0);
        assert_int_equal(l.n, 0);

        /* Deep nesting, in an unknown field where the structure would allow it. */
        char deep[256];
        int off = snprintf(deep, sizeof(deep), "[{\"n\":\"/3/0/9\",\"x\":");
        for (int i = 0; i < 40; i++)
                deep[off++] = '[';
        for (int i = 0; i < 40; i++)
                deep[off++] = ']';
        snprintf(deep + off, sizeof(deep) - off, "}]");
        assert_int_equal(decode_root(deep, NULL), -EBADMSG);
}

static void test_truncated_at_every_offset(void **state)
{
        lwm2m_record_list l = {0};
        fixture_add(&l, lwm2m_path_resource(9999, 0, 0), lwm2m_value_integer(0));
        size_t len = strlen(device_example);
        for (size_t cut = 0; cut < len; cut++) {
                int r = senml_json_decode(NULL, (const uint8_t *)device_example, cut,
                                          &fixture_resolver, &l);
                if (r != -EBADMSG)
                        fail_msg("cut at %zu: %d", cut, r);
                assert_int_equal(l.n, 1); /* nothing left behind */
        }
        assert_int_equal(senml_json_decode(NULL, (const uint8_t *)device_example, len,
                                           &fixture_resolver, &l),
                         0);
        assert_int_equal(l.n, 17);
        lwm2m_record_list_free(&l);
}

static void test_error_leaves_list_untouched(void **state)
{
        lwm2m_record_list l = {0};
        fixture_add(&l, lwm2m_path_resource(1, 0, 1), lwm2m_value_integer(1));
        assert_int_equal(decode("[{\"n\":\"/3/0/9\",\"v\":1},{\"n\":\"/3/0/9\",\"v\":\"x\"}]", NULL,
                                NULL, &l),
                         -EBADMSG);
        assert_int_equal(l.n, 1);
        assert_int_equal(decode("[{\"n\":\"/3/0/9\",\"v\":1},{\"n\":\"/3/0/99\",\"v\":2}]", NULL,
                                &fixture_resolver, &l),
                         -ENOENT);
        assert_int_equal(l.n, 1);
        lwm2m_record_list_free(&l);
}

static void test_record_count_limit(void **state)
{
        size_t n = LWM2M_RECORDS_MAX + 1;
        char *text = malloc(n * 3 + 2);
        size_t off = 0;
        text[off++] = '[';
        for (size_t i = 0; i < n; i++) {
                memcpy(text + off, "{},", 3);
                off += 3;
        }
        text[off - 1] = ']';
        text[off] = 0;
        assert_int_equal(decode_root(text, NULL), -E2BIG);
        /* One fewer fits (each {} names the root). */
        text[off - 4] = ']';
        text[off - 3] = 0;
        assert_int_equal(decode_root(text, NULL), 0);
        free(text);
}

static void test_encode_errors(void **state)
{
        lwm2m_buf b = {0};
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);

        fixture_add(&l, lwm2m_path_resource(3, 0, 9), lwm2m_value_float(NAN));
        assert_int_equal(senml_json_encode(&base, l.items, l.n, &b), -EMEDIUMTYPE);
        lwm2m_record_list_clear(&l);
        fixture_add(&l, lwm2m_path_resource(3, 0, 9), lwm2m_value_float(INFINITY));
        assert_int_equal(senml_json_encode(&base, l.items, l.n, &b), -EMEDIUMTYPE);
        lwm2m_record_list_clear(&l);
        fixture_add(&l, lwm2m_path_resource(4, 0, 9), lwm2m_value_integer(1));
        assert_int_equal(senml_json_encode(&base, l.items, l.n, &b), -EINVAL);
        lwm2m_record_list_clear(&l);
        fixture_add(&l, lwm2m_path_instance(3, 0), lwm2m_value_integer(1));
        assert_int_equal(senml_json_encode(&base, l.items, l.n, &b), -EINVAL);
        assert_int_equal(b.len, 0);
        lwm2m_record_list_free(&l);

        assert_int_equal(senml_json_encode(&base, NULL, 0, &b), 0);
        assert_int_equal(b.len, 2);
        assert_memory_equal(b.data, "[]", 2);
        lwm2m_buf_free(&b);
}

static void test_float_formatting(void **state)
{
        static const struct {
                double d;
                const char *text;
        } cases[] = {
                {0.1, "0.1"},
                {3.0, "3.0"},
                {-0.0, "-0.0"},
                {1e300, "1e+300"},
                {5e-324, "5e-324"},
                {1.0 / 3, "0.3333333333333333"},
                {123456789.0, "123456789.0"},
                {2.5e-7, "2.5e-07"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_record_list l = {0}, back = {0};
                lwm2m_path base = lwm2m_path_resource(9999, 0, 3);
                fixture_add(&l, base, lwm2m_value_float(cases[i].d));
                int err;
                char *text = encode(&base, &l, &err);
                char want[128];
                snprintf(want, sizeof(want), "[{\"bn\":\"/9999/0/3\",\"v\":%s}]", cases[i].text);
                assert_string_equal(text, want);
                assert_int_equal(decode(text, &base, NULL, &back), 0);
                assert_true(fixture_lists_equal(&l, &back));
                free(text);
                lwm2m_record_list_free(&l);
                lwm2m_record_list_free(&back);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ts_core_device_example_decodes),
                cmocka_unit_test(test_ts_core_device_example_encodes_exactly),
                cmocka_unit_test(test_single_resource_and_object_naming),
                cmocka_unit_test(test_rfc8428_base_time_and_relative_time),
                cmocka_unit_test(test_rfc8428_urn_names_are_rejected),
                cmocka_unit_test(test_base_name_carries_and_changes),
                cmocka_unit_test(test_time_encoding_uses_bt),
                cmocka_unit_test(test_round_trip_every_type_every_depth),
                cmocka_unit_test(test_composite_request_names_only),
                cmocka_unit_test(test_64bit_edges),
                cmocka_unit_test(test_typing_through_resolver),
                cmocka_unit_test(test_names_must_be_paths_under_base),
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_base64),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_truncated_at_every_offset),
                cmocka_unit_test(test_error_leaves_list_untouched),
                cmocka_unit_test(test_record_count_limit),
                cmocka_unit_test(test_encode_errors),
                cmocka_unit_test(test_float_formatting),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
