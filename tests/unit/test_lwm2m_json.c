/* test_lwm2m_json.c - unit tests for the LwM2M 1.0 JSON codec (formats/lwm2m_json).
 * The TS example, round trips per type and depth, exact numbers, and hostile documents. */
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

#include "formats/lwm2m_json.h"
#include "formats/tlv.h"
#include "tlv_test_resolver.h"

/* TS Core 1.0 6.4.4 JSON example for Read /3/0, written without white space:
 * the same resources as the TLV example. */
static const char spec_device_json[] = "{\"bn\":\"/3/0/\",\"e\":["
                                       "{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},"
                                       "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},"
                                       "{\"n\":\"2\",\"sv\":\"345000123\"},"
                                       "{\"n\":\"3\",\"sv\":\"1.0\"},"
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
                                       "{\"n\":\"14\",\"sv\":\"+02:00\"},"
                                       "{\"n\":\"16\",\"sv\":\"U\"}]}";

/* The TLV form of the same instance (TS Core 1.1 7.4.3.2). */
static const uint8_t spec_device_tlv[] = {
        0xC8, 0x00, 0x14, 0x4F, 0x70, 0x65, 0x6E, 0x20, 0x4D, 0x6F, 0x62, 0x69, 0x6C, 0x65,
        0x20, 0x41, 0x6C, 0x6C, 0x69, 0x61, 0x6E, 0x63, 0x65, 0xC8, 0x01, 0x16, 0x4C, 0x69,
        0x67, 0x68, 0x74, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x20, 0x4D, 0x32, 0x4D, 0x20,
        0x43, 0x6C, 0x69, 0x65, 0x6E, 0x74, 0xC8, 0x02, 0x09, 0x33, 0x34, 0x35, 0x30, 0x30,
        0x30, 0x31, 0x32, 0x33, 0xC3, 0x03, 0x31, 0x2E, 0x30, 0x86, 0x06, 0x41, 0x00, 0x01,
        0x41, 0x01, 0x05, 0x88, 0x07, 0x08, 0x42, 0x00, 0x0E, 0xD8, 0x42, 0x01, 0x13, 0x88,
        0x87, 0x08, 0x41, 0x00, 0x7D, 0x42, 0x01, 0x03, 0x84, 0xC1, 0x09, 0x64, 0xC1, 0x0A,
        0x0F, 0x83, 0x0B, 0x41, 0x00, 0x00, 0xC4, 0x0D, 0x51, 0x82, 0x42, 0x8F, 0xC6, 0x0E,
        0x2B, 0x30, 0x32, 0x3A, 0x30, 0x30, 0xC1, 0x10, 0x55,
};

static lwm2m_path P(const char *s)
{
        lwm2m_path p;
        assert_int_equal(lwm2m_path_parse(s, &p), 0);
        return p;
}

static void add(lwm2m_record_list *l, const char *path, lwm2m_value v)
{
        lwm2m_path p = P(path);
        assert_int_equal(lwm2m_record_list_add_value(l, &p, &v), 0);
}

static void add_bytes(lwm2m_record_list *l, const char *path, lwm2m_type t, const void *d, size_t n)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_bytes(&v, t, d, n), 0);
        add(l, path, v);
        lwm2m_value_clear(&v);
}

static void assert_lists_equal(const lwm2m_record_list *a, const lwm2m_record_list *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                assert_true(lwm2m_path_equal(&a->items[i].path, &b->items[i].path));
                assert_int_equal(a->items[i].value.type, b->items[i].value.type);
                assert_true(lwm2m_value_equal(&a->items[i].value, &b->items[i].value));
                assert_int_equal(a->items[i].has_time, b->items[i].has_time);
                if (a->items[i].has_time)
                        assert_true(a->items[i].time == b->items[i].time);
        }
}

static int decode_with(const char *base, const char *json, const lwm2m_resolver *res,
                       lwm2m_record_list *out)
{
        lwm2m_path b = P(base);
        return lwm2m_json_decode(&b, (const uint8_t *)json, strlen(json), res, out);
}

static int decode(const char *base, const char *json, lwm2m_record_list *out)
{
        return decode_with(base, json, &test_resolver, out);
}

static void assert_encodes(const char *base, const lwm2m_record_list *l, const char *json)
{
        lwm2m_path b = P(base);
        lwm2m_buf out = {0};
        assert_int_equal(lwm2m_json_encode(&b, l->items, l->n, &out), 0);
        assert_int_equal(out.len, strlen(json));
        assert_memory_equal(out.data, json, out.len);
        lwm2m_buf_free(&out);
}

static void assert_round_trip_with(const char *base, const lwm2m_record_list *l,
                                   const lwm2m_resolver *res)
{
        lwm2m_path b = P(base);
        lwm2m_buf out = {0};
        lwm2m_record_list back = {0};
        assert_int_equal(lwm2m_json_encode(&b, l->items, l->n, &out), 0);
        assert_int_equal(lwm2m_json_decode(&b, out.data, out.len, res, &back), 0);
        assert_lists_equal(l, &back);
        lwm2m_record_list_free(&back);
        lwm2m_buf_free(&out);
}

static void assert_round_trip(const char *base, const lwm2m_record_list *l)
{
        assert_round_trip_with(base, l, &test_resolver);
}

static const lwm2m_record *find(const lwm2m_record_list *l, const char *path)
{
        lwm2m_path p = P(path);
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_equal(&l->items[i].path, &p))
                        return &l->items[i];
        fail_msg("no record at %s", path);
        return NULL;
}

static void test_spec_device(void **state)
{
        /* The TLV example and the JSON example carry the same records. */
        lwm2m_record_list from_tlv = {0}, from_json = {0};
        lwm2m_path b = P("/3/0");
        assert_int_equal(
                tlv_decode(&b, spec_device_tlv, sizeof(spec_device_tlv), &test_resolver, &from_tlv),
                0);
        assert_int_equal(decode("/3/0", spec_device_json, &from_json), 0);
        assert_int_equal(from_json.n, 16);
        assert_lists_equal(&from_tlv, &from_json);
        assert_int_equal(find(&from_json, "/3/0/13")->value.type, LWM2M_TYPE_TIME);
        assert_int_equal(find(&from_json, "/3/0/13")->value.i, 1367491215);

        assert_encodes("/3/0", &from_tlv, spec_device_json);

        /* The TS prints it with white space, which changes nothing. */
        static const char pretty[] = "{\"bn\":\"/3/0/\",\n \"e\":[\n"
                                     "  {\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},\n"
                                     "  {\"n\":\"6/1\",\"v\":5},\n"
                                     "  {\"n\":\"13\",\"v\":1367491215}]\n}\n";
        lwm2m_record_list p = {0};
        assert_int_equal(decode("/3/0", pretty, &p), 0);
        assert_int_equal(p.n, 3);
        assert_int_equal(find(&p, "/3/0/6/1")->value.i, 5);

        lwm2m_record_list_free(&p);
        lwm2m_record_list_free(&from_tlv);
        lwm2m_record_list_free(&from_json);
}

static void add_every_type(lwm2m_record_list *l)
{
        static const uint8_t blob[] = {0x00, 0xFF, 0x80, 0x7F, 0x3E};
        add_bytes(l, "/9999/0/0", LWM2M_TYPE_STRING, "q\"u\\o/te\n\x01 h\xC3\xA9", 14);
        add(l, "/9999/0/1", lwm2m_value_integer(-42));
        add(l, "/9999/0/2", lwm2m_value_unsigned(UINT64_MAX));
        add(l, "/9999/0/3", lwm2m_value_float(0.1));
        add(l, "/9999/0/4", lwm2m_value_boolean(true));
        add_bytes(l, "/9999/0/5", LWM2M_TYPE_OPAQUE, blob, sizeof(blob));
        add(l, "/9999/0/6", lwm2m_value_time(1700000000));
        add(l, "/9999/0/7", lwm2m_value_objlnk(3, 0));
        add_bytes(l, "/9999/0/8", LWM2M_TYPE_CORELNK, "</3/0>", 6);
        add_bytes(l, "/9999/0/10/0", LWM2M_TYPE_STRING, "a\0b", 3);
        add_bytes(l, "/9999/0/10/7", LWM2M_TYPE_STRING, "", 0);
        add(l, "/9999/0/11/0", lwm2m_value_integer(INT64_MIN));
        add(l, "/9999/0/11/1", lwm2m_value_integer(INT64_MAX));
        add(l, "/9999/0/12/0", lwm2m_value_unsigned(0));
        add(l, "/9999/0/12/65534", lwm2m_value_unsigned((uint64_t)1 << 63));
        add(l, "/9999/0/13/0", lwm2m_value_float(-1e300));
        add(l, "/9999/0/13/1", lwm2m_value_float(-0.0));
        add(l, "/9999/0/13/2", lwm2m_value_float(4.9406564584124654e-324));
        add(l, "/9999/0/13/3", lwm2m_value_float(25));
        add(l, "/9999/0/14/0", lwm2m_value_boolean(false));
        add_bytes(l, "/9999/0/15/0", LWM2M_TYPE_OPAQUE, "", 0);
        add_bytes(l, "/9999/0/15/1", LWM2M_TYPE_OPAQUE, "a", 1);
        add_bytes(l, "/9999/0/15/2", LWM2M_TYPE_OPAQUE, "ab", 2);
        add(l, "/9999/0/16/300", lwm2m_value_time(-1));
        add(l, "/9999/0/17/0", lwm2m_value_objlnk(65535, 65535));
        add_bytes(l, "/9999/0/18/0", LWM2M_TYPE_CORELNK, "</1>", 4);
}

static void test_round_trip_every_depth(void **state)
{
        lwm2m_record_list l = {0};
        add_every_type(&l);
        assert_round_trip("/9999", &l);
        assert_round_trip("/9999/0", &l);
        assert_round_trip("/", &l);

        for (size_t i = 0; i < l.n; i++) {
                const lwm2m_record *rec = &l.items[i];
                lwm2m_record_list one = {0};
                assert_int_equal(lwm2m_record_list_add_value(&one, &rec->path, &rec->value), 0);
                lwm2m_path res = lwm2m_path_truncate(&rec->path, 3);
                char text[LWM2M_PATH_STRLEN];
                assert_true(lwm2m_path_format(&res, text, sizeof(text)) > 0);
                assert_round_trip(text, &one);
                assert_true(lwm2m_path_format(&rec->path, text, sizeof(text)) > 0);
                assert_round_trip(text, &one);
                lwm2m_record_list_free(&one);
        }
        lwm2m_record_list_free(&l);
}

static void test_round_trip_without_resolver(void **state)
{
        /* Without a resolver the JSON kind decides: integers, floats (even
         * integral ones), strings, booleans, links. */
        lwm2m_record_list l = {0};
        add(&l, "/9999/0/1", lwm2m_value_integer(INT64_MIN));
        add(&l, "/9999/0/2", lwm2m_value_unsigned(UINT64_MAX));
        add(&l, "/9999/0/3", lwm2m_value_float(25));
        add(&l, "/9999/0/4", lwm2m_value_boolean(false));
        add(&l, "/9999/0/7", lwm2m_value_objlnk(1, 2));
        add_bytes(&l, "/9999/0/10/3", LWM2M_TYPE_STRING, "x", 1);
        assert_round_trip_with("/9999/0", &l, NULL);
        lwm2m_record_list_free(&l);
}

static void test_encoding_shape(void **state)
{
        lwm2m_record_list l = {0};
        add(&l, "/9999/0/3", lwm2m_value_float(25));
        add(&l, "/9999/0/4", lwm2m_value_boolean(true));
        add(&l, "/9999/0/7", lwm2m_value_objlnk(66, 1));
        add_bytes(&l, "/9999/0/15/2", LWM2M_TYPE_OPAQUE, "\x00\xFF\xFE", 3);
        l.items[1].has_time = true;
        l.items[1].time = 1367491215;
        assert_encodes("/9999/0", &l,
                       "{\"bn\":\"/9999/0/\",\"e\":[{\"n\":\"3\",\"v\":25.0},"
                       "{\"n\":\"4\",\"bv\":true,\"t\":1367491215},{\"n\":\"7\",\"ov\":\"66:1\"},"
                       "{\"n\":\"15/2\",\"sv\":\"AP/+\"}]}");
        assert_encodes(
                "/9999", &l,
                "{\"bn\":\"/9999/\",\"e\":[{\"n\":\"0/3\",\"v\":25.0},"
                "{\"n\":\"0/4\",\"bv\":true,\"t\":1367491215},{\"n\":\"0/7\",\"ov\":\"66:1\"},"
                "{\"n\":\"0/15/2\",\"sv\":\"AP/+\"}]}");
        lwm2m_record_list_free(&l);

        /* A resource at its own path has no name; empty instances nothing. */
        add(&l, "/9999/0/1", lwm2m_value_integer(7));
        assert_encodes("/9999/0/1", &l, "{\"bn\":\"/9999/0/1/\",\"e\":[{\"v\":7}]}");
        lwm2m_record_list_free(&l);
        add(&l, "/9999/0", (lwm2m_value){0});
        add(&l, "/9999/0/11", (lwm2m_value){0});
        assert_encodes("/9999/0", &l, "{\"bn\":\"/9999/0/\",\"e\":[]}");
        lwm2m_record_list_free(&l);
}

static void test_encode_refuses(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_buf out = {0};
        add(&l, "/9999/0/3", lwm2m_value_float(NAN));
        lwm2m_path b = P("/9999/0");
        assert_int_equal(lwm2m_json_encode(&b, l.items, l.n, &out), -EMEDIUMTYPE);
        lwm2m_record_list_free(&l);
        add(&l, "/9999/0/3", lwm2m_value_float(-INFINITY));
        assert_int_equal(lwm2m_json_encode(&b, l.items, l.n, &out), -EMEDIUMTYPE);
        lwm2m_record_list_free(&l);
        add(&l, "/9999/1/3", lwm2m_value_float(1));
        assert_int_equal(lwm2m_json_encode(&b, l.items, l.n, &out), -EINVAL);
        assert_int_equal(out.len, 0);
        lwm2m_record_list_free(&l);
        lwm2m_buf_free(&out);
}

static void assert_decode_value(const char *json, lwm2m_value want)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0", json, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, want.type);
        assert_true(lwm2m_value_equal(&l.items[0].value, &want));
        lwm2m_record_list_free(&l);
}

static void assert_decode_fails_with(const char *base, const char *json, int err)
{
        lwm2m_record_list l = {0};
        add(&l, "/1/0/1", lwm2m_value_integer(60));
        int r = decode(base, json, &l);
        if (r != err)
                fail_msg("%s: got %d, want %d", json, r, err);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.i, 60);
        lwm2m_record_list_free(&l);
}

static void assert_decode_fails(const char *json)
{
        assert_decode_fails_with("/9999/0", json, -EBADMSG);
}

#define ENTRY(body) "{\"bn\":\"/9999/0/\",\"e\":[{" body "}]}"

static void test_numbers_exact(void **state)
{
        assert_decode_value(ENTRY("\"n\":\"1\",\"v\":-9223372036854775808"),
                            lwm2m_value_integer(INT64_MIN));
        assert_decode_value(ENTRY("\"n\":\"1\",\"v\":9223372036854775807"),
                            lwm2m_value_integer(INT64_MAX));
        assert_decode_value(ENTRY("\"n\":\"1\",\"v\":2.0"), lwm2m_value_integer(2));
        assert_decode_value(ENTRY("\"n\":\"1\",\"v\":-1e3"), lwm2m_value_integer(-1000));
        assert_decode_value(ENTRY("\"n\":\"6\",\"v\":-5"), lwm2m_value_time(-5));
        assert_decode_value(ENTRY("\"n\":\"2\",\"v\":18446744073709551615"),
                            lwm2m_value_unsigned(UINT64_MAX));
        assert_decode_value(ENTRY("\"n\":\"2\",\"v\":9223372036854775808"),
                            lwm2m_value_unsigned((uint64_t)1 << 63));
        assert_decode_value(ENTRY("\"n\":\"2\",\"v\":0"), lwm2m_value_unsigned(0));
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":7"), lwm2m_value_float(7));
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":-9223372036854775808"),
                            lwm2m_value_float(-9223372036854775808.0));
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":9007199254740992"),
                            lwm2m_value_float(9007199254740992.0));
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":0.1"), lwm2m_value_float(0.1));
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":1.7976931348623157e308"),
                            lwm2m_value_float(1.7976931348623157e308));

        /* Beyond 64 bits json-c would clamp silently. */
        assert_decode_fails(ENTRY("\"n\":\"2\",\"v\":18446744073709551616"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":-9223372036854775809"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":99999999999999999999999"));
        /* Out of the type's range. */
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":9223372036854775808"));
        assert_decode_fails(ENTRY("\"n\":\"2\",\"v\":-1"));
        assert_decode_fails(ENTRY("\"n\":\"2\",\"v\":-1.0"));
        /* Not an integer, or not one a double can vouch for. */
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":1.5"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":1e20"));
        assert_decode_fails(ENTRY("\"n\":\"6\",\"v\":0.5"));
        /* An integer no double holds exactly, for a Float. */
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":9007199254740993"));
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":18446744073709551615"));
        /* Non-finite numbers, which json-c accepts even in strict mode. */
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":NaN"));
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":Infinity"));
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":-Infinity"));
        assert_decode_fails(ENTRY("\"n\":\"3\",\"v\":1e400"));
        /* Big floats in exponents are not integer literals. */
        assert_decode_value(ENTRY("\"n\":\"3\",\"v\":1e-99999999999999999999999"),
                            lwm2m_value_float(0));
}

static void test_wrong_field_types(void **state)
{
        assert_decode_fails(ENTRY("\"n\":\"1\",\"sv\":\"1\""));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"bv\":true"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":\"1\""));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":true"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":null"));
        assert_decode_fails(ENTRY("\"n\":\"0\",\"v\":1"));
        assert_decode_fails(ENTRY("\"n\":\"4\",\"bv\":1"));
        assert_decode_fails(ENTRY("\"n\":\"4\",\"sv\":\"true\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\"1:70000\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\"1-2\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\"1:\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\":1\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\"+1:2\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":\"1:2:3\""));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"ov\":[1,2]"));
        assert_decode_fails(ENTRY("\"n\":\"7\",\"sv\":\"1:2\""));
        assert_decode_fails(ENTRY("\"n\":1,\"v\":1"));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":1,\"t\":\"now\""));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":1,\"sv\":\"1\""));
        assert_decode_fails(ENTRY("\"n\":\"1\""));
        assert_decode_fails(ENTRY("\"n\":\"1\",\"v\":1,\"x\":1"));
        assert_decode_fails(ENTRY("\"n\":\"20\",\"v\":1"));  /* executable */
        assert_decode_fails(ENTRY("\"n\":\"11\",\"v\":1"));  /* multiple, no instance */
        assert_decode_fails(ENTRY("\"n\":\"1/0\",\"v\":1")); /* single, with instance */
        assert_decode_fails(ENTRY("\"n\":\"\",\"v\":1"));    /* the instance itself */
        assert_decode_fails(ENTRY("\"n\":\"1/\",\"v\":1,\"n\":\"/1\""));
        assert_decode_fails(ENTRY("\"n\":\"01\",\"v\":1"));
        assert_decode_fails(ENTRY("\"n\":\"1/2/3\",\"v\":1"));
        assert_decode_fails(ENTRY("\"n\":\"65535\",\"v\":1"));
        assert_decode_fails_with("/9999/0", ENTRY("\"n\":\"99\",\"v\":1"), -ENOENT);

        assert_decode_fails("{\"bn\":\"/9999/0/\",\"e\":{}}");
        assert_decode_fails("{\"bn\":\"/9999/0/\"}");
        assert_decode_fails("{\"bn\":9999,\"e\":[]}");
        assert_decode_fails("{\"bt\":\"x\",\"e\":[]}");
        assert_decode_fails("{\"e\":[],\"x\":1}");
        assert_decode_fails("{\"e\":[1]}");
        assert_decode_fails("[{\"n\":\"1\",\"v\":1}]");
        assert_decode_fails("\"e\"");
        assert_decode_fails("");
        /* Outside the request. */
        assert_decode_fails("{\"bn\":\"/9999/1/\",\"e\":[{\"n\":\"1\",\"v\":1}]}");
        assert_decode_fails("{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"9\",\"v\":1}]}");
}

static void test_names(void **state)
{
        lwm2m_record_list l = {0};
        /* No bn: names are relative to the request. */
        assert_int_equal(decode("/9999/0", "{\"e\":[{\"n\":\"1\",\"v\":3}]}", &l), 0);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{9999, 0, 1}, 3}));
        lwm2m_record_list_clear(&l);
        /* bn without its trailing slash, as some servers send it. */
        assert_int_equal(
                decode("/9999/0", "{\"bn\":\"/9999/0\",\"e\":[{\"n\":\"11/4\",\"v\":3}]}", &l), 0);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{9999, 0, 11, 4}, 4}));
        lwm2m_record_list_clear(&l);
        /* The whole path in bn, no n. */
        assert_int_equal(decode("/9999", "{\"bn\":\"/9999/2/1\",\"e\":[{\"v\":3}]}", &l), 0);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{9999, 2, 1}, 3}));
        lwm2m_record_list_clear(&l);
        /* The whole path in n under a root bn. */
        assert_int_equal(
                decode("/9999/2", "{\"bn\":\"/\",\"e\":[{\"n\":\"9999/2/1\",\"v\":3}]}", &l), 0);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{9999, 2, 1}, 3}));
        lwm2m_record_list_free(&l);
        /* Double slashes and junk. */
        assert_decode_fails("{\"bn\":\"/9999/0/\",\"e\":[{\"n\":\"/1\",\"v\":3}]}");
        assert_decode_fails("{\"bn\":\"/9999//0/\",\"e\":[{\"n\":\"1\",\"v\":3}]}");
        assert_decode_fails("{\"bn\":\"/9999/0/x\",\"e\":[{\"n\":\"1\",\"v\":3}]}");
        assert_decode_fails("{\"bn\":\"/9999/0/1\\u0000\",\"e\":[{\"v\":3}]}");
        assert_decode_fails("{\"bn\":\"/9999/0/000000000000000000000000000000000001\","
                            "\"e\":[{\"v\":3}]}");
}

static void test_time(void **state)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0",
                                "{\"bn\":\"/9999/0/\",\"bt\":1000,\"e\":["
                                "{\"n\":\"1\",\"v\":1,\"t\":-5},{\"n\":\"2\",\"v\":2},"
                                "{\"n\":\"3\",\"v\":2.5,\"t\":0.5}]}",
                                &l),
                         0);
        assert_int_equal(l.n, 3);
        assert_true(l.items[0].has_time);
        assert_true(l.items[0].time == 995);
        assert_true(l.items[1].time == 1000);
        assert_true(l.items[2].time == 1000.5);
        assert_round_trip("/9999/0", &l);
        lwm2m_record_list_clear(&l);
        assert_int_equal(decode("/9999/0", ENTRY("\"n\":\"1\",\"v\":1"), &l), 0);
        assert_false(l.items[0].has_time);
        lwm2m_record_list_free(&l);
        assert_decode_fails("{\"bt\":1e308,\"e\":[{\"n\":\"1\",\"v\":1,\"t\":1e308}]}");
}

static void test_opaque_base64(void **state)
{
        uint8_t all[256];
        for (size_t i = 0; i < sizeof(all); i++)
                all[i] = (uint8_t)i;
        for (size_t n = 0; n <= sizeof(all); n += 1 + n / 3) {
                lwm2m_record_list l = {0};
                add_bytes(&l, "/9999/0/5", LWM2M_TYPE_OPAQUE, all, n);
                assert_round_trip("/9999/0", &l);
                lwm2m_record_list_free(&l);
        }
        assert_decode_value(ENTRY("\"n\":\"5\",\"sv\":\"\""), (lwm2m_value){LWM2M_TYPE_OPAQUE});
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QQ\""));   /* no padding */
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QR==\"")); /* stray bits */
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QUI=QUI=\""));
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"Q===\""));
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QU I\""));
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QU-_\"")); /* base64url */
        assert_decode_fails(ENTRY("\"n\":\"5\",\"sv\":\"QUJ\\u0000\""));
}

static void test_bad_utf8(void **state)
{
        assert_decode_fails(ENTRY("\"n\":\"0\",\"sv\":\"\xFF\""));
        assert_decode_fails(ENTRY("\"n\":\"0\",\"sv\":\"\xC0\x80\""));         /* overlong */
        assert_decode_fails(ENTRY("\"n\":\"0\",\"sv\":\"\xED\xA0\x80\""));     /* surrogate */
        assert_decode_fails(ENTRY("\"n\":\"8\",\"sv\":\"\xF4\x90\x80\x80\"")); /* > U+10FFFF */
        assert_decode_fails(ENTRY("\"n\":\"0\",\"sv\":\"\xE2\x82\""));         /* truncated */
        assert_decode_fails(ENTRY("\"n\":\"0\",\"sv\":\"ok\",\"\xC0\xAF\":1"));
        /* Escaped and raw UTF-8 both arrive as UTF-8. */
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0", ENTRY("\"n\":\"0\",\"sv\":\"\\u00e9\xE2\x82\xAC\""), &l),
                         0);
        assert_int_equal(l.items[0].value.buf.len, 5);
        assert_memory_equal(l.items[0].value.buf.data, "\xC3\xA9\xE2\x82\xAC", 5);
        lwm2m_record_list_free(&l);
}

static void test_malformed_documents(void **state)
{
        /* Every proper prefix of the example, and the example plus junk. */
        size_t len = strlen(spec_device_json);
        lwm2m_record_list l = {0};
        lwm2m_path b = P("/3/0");
        for (size_t n = 0; n < len; n++) {
                assert_int_equal(lwm2m_json_decode(&b, (const uint8_t *)spec_device_json, n,
                                                   &test_resolver, &l),
                                 -EBADMSG);
                assert_int_equal(l.n, 0);
        }
        char *junk = malloc(len + 2);
        assert_non_null(junk);
        memcpy(junk, spec_device_json, len);
        junk[len] = '\0';
        assert_int_equal(lwm2m_json_decode(&b, (const uint8_t *)junk, len + 1, &test_resolver, &l),
                         -EBADMSG);
        junk[len] = '}';
        assert_int_equal(lwm2m_json_decode(&b, (const uint8_t *)junk, len + 1, &test_resolver, &l),
                         -EBADMSG);
        free(junk);

        /* Deep nesting stops at the depth limit. */
        char deep[512] = "{\"e\":[{\"n\":\"0\",\"sv\":";
        size_t w = strlen(deep);
        for (int i = 0; i < 100; i++)
                deep[w++] = '[';
        for (int i = 0; i < 100; i++)
                deep[w++] = ']';
        strcpy(deep + w, "}]}");
        assert_int_equal(decode("/3/0", deep, &l), -EBADMSG);

        assert_decode_fails("{\"e\":[],}");
        assert_decode_fails("{'e':[]}");
        assert_decode_fails("{\"e\":[{\"n\":\"1\",\"v\":01}]}");
        lwm2m_record_list_free(&l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec_device),
                cmocka_unit_test(test_round_trip_every_depth),
                cmocka_unit_test(test_round_trip_without_resolver),
                cmocka_unit_test(test_encoding_shape),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_numbers_exact),
                cmocka_unit_test(test_wrong_field_types),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_time),
                cmocka_unit_test(test_opaque_base64),
                cmocka_unit_test(test_bad_utf8),
                cmocka_unit_test(test_malformed_documents),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
