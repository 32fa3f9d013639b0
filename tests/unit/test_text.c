/* test_text.c - unit tests for the text/plain codec (formats/text).
 * Spec examples, every type both ways, 64-bit and float edges, and malformed input. */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/text.h"

/* A small registry: Device strings, and object 9000 with one resource per type. */
typedef struct test_resource {
        uint16_t oid, rid;
        lwm2m_type type;
        bool multiple;
} test_resource;

static const test_resource test_resources[] = {
        {3, 0, LWM2M_TYPE_STRING, false},      {3, 6, LWM2M_TYPE_INTEGER, true},
        {3, 13, LWM2M_TYPE_TIME, false},       {3303, 5700, LWM2M_TYPE_FLOAT, false},
        {9000, 1, LWM2M_TYPE_STRING, false},   {9000, 2, LWM2M_TYPE_INTEGER, false},
        {9000, 3, LWM2M_TYPE_UNSIGNED, false}, {9000, 4, LWM2M_TYPE_FLOAT, false},
        {9000, 5, LWM2M_TYPE_BOOLEAN, false},  {9000, 6, LWM2M_TYPE_OPAQUE, false},
        {9000, 7, LWM2M_TYPE_TIME, false},     {9000, 8, LWM2M_TYPE_OBJLNK, false},
        {9000, 9, LWM2M_TYPE_CORELNK, false},  {9000, 10, LWM2M_TYPE_NONE, false},
};

static int test_resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple)
{
        for (size_t i = 0; i < sizeof(test_resources) / sizeof(test_resources[0]); i++) {
                const test_resource *r = &test_resources[i];
                if (r->oid == path->id[0] && r->rid == path->id[2]) {
                        *type = r->type;
                        *multiple = r->multiple;
                        return 0;
                }
        }
        return -ENOENT;
}

static const lwm2m_resolver resolver = {.resource = test_resolve};

/* The resource of object 9000 holding `type`. */
static lwm2m_path typed_path(lwm2m_type type)
{
        return lwm2m_path_resource(9000, 0, (uint16_t)type);
}

/* Encodes one value at `path`; returns the codec's result and the text in `out`. */
static int encode_value(const lwm2m_path *path, const lwm2m_value *v, char *out, size_t size)
{
        lwm2m_record rec = {.path = *path, .value = *v};
        lwm2m_buf b = {0};
        int r = text_encode(path, &rec, 1, &b);
        if (r == 0) {
                assert_true(b.len < size);
                if (b.len > 0)
                        memcpy(out, b.data, b.len);
                out[b.len] = '\0';
        }
        lwm2m_buf_free(&b);
        return r;
}

static void assert_encodes(const lwm2m_value *v, const char *expected)
{
        char text[512];
        lwm2m_path p = typed_path(v->type);
        assert_int_equal(encode_value(&p, v, text, sizeof(text)), 0);
        assert_string_equal(text, expected);
}

static int decode_str(const lwm2m_path *path, const char *s, const lwm2m_resolver *res,
                      lwm2m_record_list *out)
{
        return text_decode(path, (const uint8_t *)s, strlen(s), res, out);
}

/* Decodes `s` as the resource of `type`; returns the result, the value in `v`. */
static int decode_typed(lwm2m_type type, const char *s, size_t len, lwm2m_value *v)
{
        lwm2m_record_list l = {0};
        lwm2m_path p = typed_path(type);
        int r = text_decode(&p, (const uint8_t *)s, len, &resolver, &l);
        if (r == 0) {
                assert_int_equal(l.n, 1);
                assert_true(lwm2m_path_equal(&l.items[0].path, &p));
                assert_int_equal(lwm2m_value_copy(v, &l.items[0].value), 0);
        } else {
                assert_int_equal(l.n, 0);
        }
        lwm2m_record_list_free(&l);
        return r;
}

static void assert_rejected(lwm2m_type type, const char *s, int expected)
{
        lwm2m_value v = {0};
        int r = decode_typed(type, s, strlen(s), &v);
        if (r != expected)
                fail_msg("type %d, input \"%s\": got %d, expected %d", type, s, r, expected);
        lwm2m_value_clear(&v);
}

/* Encodes then decodes `v` and demands the very same value back. */
static void assert_round_trip(const lwm2m_value *v)
{
        char text[512];
        lwm2m_path p = typed_path(v->type);
        assert_int_equal(encode_value(&p, v, text, sizeof(text)), 0);
        lwm2m_value back = {0};
        int r = decode_typed(v->type, text, strlen(text), &back);
        if (r != 0 || !lwm2m_value_equal(v, &back))
                fail_msg("type %d did not survive the round trip through \"%s\" (%d)", v->type,
                         text, r);
        lwm2m_value_clear(&back);
}

static void test_spec_example_manufacturer(void **state)
{
        /* TS Core 1.1, 7.4.1: Read /3/0/0 answers "Open Mobile Alliance". */
        lwm2m_path p = lwm2m_path_resource(3, 0, 0);
        lwm2m_record_list l = {0};
        assert_int_equal(decode_str(&p, "Open Mobile Alliance", &resolver, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_STRING);
        assert_int_equal(l.items[0].value.buf.len, 20);
        assert_memory_equal(l.items[0].value.buf.data, "Open Mobile Alliance", 20);

        lwm2m_buf b = {0};
        assert_int_equal(text_encode(&p, l.items, l.n, &b), 0);
        assert_int_equal(b.len, 20);
        assert_memory_equal(b.data, "Open Mobile Alliance", 20);
        lwm2m_buf_free(&b);
        lwm2m_record_list_free(&l);
}

static void test_spec_example_time_and_float(void **state)
{
        /* Current Time /3/0/13 as Unix seconds; a temperature as a decimal. */
        lwm2m_record_list l = {0};
        lwm2m_path t = lwm2m_path_resource(3, 0, 13);
        assert_int_equal(decode_str(&t, "1367491215", &resolver, &l), 0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_TIME);
        assert_int_equal(l.items[0].value.i, 1367491215);
        lwm2m_record_list_clear(&l);

        lwm2m_path f = lwm2m_path_resource(3303, 0, 5700);
        assert_int_equal(decode_str(&f, "22.4", &resolver, &l), 0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_FLOAT);
        assert_true(l.items[0].value.f == 22.4);
        lwm2m_record_list_free(&l);
}

static void test_encode_every_type(void **state)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, "h\xc3\xa9llo", 6), 0);
        assert_encodes(&v, "h\xc3\xa9llo");
        lwm2m_value_clear(&v);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_CORELNK, "</3/0>", 6), 0);
        assert_encodes(&v, "</3/0>");
        lwm2m_value_clear(&v);

        v = lwm2m_value_integer(-42);
        assert_encodes(&v, "-42");
        v = lwm2m_value_integer(INT64_MIN);
        assert_encodes(&v, "-9223372036854775808");
        v = lwm2m_value_integer(INT64_MAX);
        assert_encodes(&v, "9223372036854775807");
        v = lwm2m_value_unsigned(UINT64_MAX);
        assert_encodes(&v, "18446744073709551615");
        v = lwm2m_value_unsigned(0);
        assert_encodes(&v, "0");
        v = lwm2m_value_time(1700000000);
        assert_encodes(&v, "1700000000");
        v = lwm2m_value_boolean(true);
        assert_encodes(&v, "1");
        v = lwm2m_value_boolean(false);
        assert_encodes(&v, "0");
        v = lwm2m_value_objlnk(3303, 65535);
        assert_encodes(&v, "3303:65535");
        v = lwm2m_value_objlnk(0, 0);
        assert_encodes(&v, "0:0");
}

static void test_encode_float_shortest_exact(void **state)
{
        /* Integral floats print without a fraction: servers parse "25" as a float. */
        lwm2m_value v = lwm2m_value_float(25.0);
        assert_encodes(&v, "25");
        v = lwm2m_value_float(42.2);
        assert_encodes(&v, "42.2");
        v = lwm2m_value_float(0.1);
        assert_encodes(&v, "0.1");
        v = lwm2m_value_float(-1.5);
        assert_encodes(&v, "-1.5");
        v = lwm2m_value_float(-0.0);
        assert_encodes(&v, "-0");
        v = lwm2m_value_float(1e100);
        assert_encodes(&v, "1e+100");
        v = lwm2m_value_float(DBL_MAX);
        assert_encodes(&v, "1.7976931348623157e+308");
        v = lwm2m_value_float(5e-324);
        assert_encodes(&v, "5e-324");
        v = lwm2m_value_float(0.1 + 0.2);
        assert_encodes(&v, "0.30000000000000004");
        v = lwm2m_value_float(9007199254740993.0); /* rounds to 2^53 */
        assert_encodes(&v, "9007199254740992");
        /* Plain decimals for exponents -5..16, scientific notation beyond. */
        static const struct {
                double d;
                const char *text;
        } window[] = {
                {50.0, "50"},           {100.0, "100"},      {1e16, "10000000000000000"},
                {1e17, "1e+17"},        {0.0001, "0.0001"},  {1e-5, "0.00001"},
                {1.5e-5, "0.000015"},   {1e-6, "1e-06"},     {-123.456, "-123.456"},
                {1234567.0, "1234567"}, {2.5e-7, "2.5e-07"}, {9.999e16, "99990000000000000"},
        };
        for (size_t i = 0; i < sizeof(window) / sizeof(window[0]); i++) {
                v = lwm2m_value_float(window[i].d);
                assert_encodes(&v, window[i].text);
        }
}

static void test_encode_opaque_base64(void **state)
{
        /* RFC 4648 section 10 test vectors. */
        static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
        static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                            "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
        for (size_t i = 0; i < 7; i++) {
                lwm2m_value v = {0};
                assert_int_equal(
                        lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, plain[i], strlen(plain[i])),
                        0);
                assert_encodes(&v, coded[i]);
                lwm2m_value back = {0};
                assert_int_equal(decode_typed(LWM2M_TYPE_OPAQUE, coded[i], strlen(coded[i]), &back),
                                 0);
                assert_true(lwm2m_value_equal(&v, &back));
                lwm2m_value_clear(&back);
                lwm2m_value_clear(&v);
        }
        uint8_t all[256];
        for (int i = 0; i < 256; i++)
                all[i] = (uint8_t)i;
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, all, sizeof(all)), 0);
        assert_round_trip(&v);
        lwm2m_value_clear(&v);
}

static void test_encode_refusals(void **state)
{
        lwm2m_value v = lwm2m_value_integer(1);
        lwm2m_buf b = {0};

        /* An instance, an object or the root cannot be text. */
        lwm2m_path inst = lwm2m_path_instance(3, 0);
        lwm2m_record rec = {.path = inst, .value = v};
        assert_int_equal(text_encode(&inst, &rec, 1, &b), -EMEDIUMTYPE);
        lwm2m_path root = {.len = 0};
        assert_int_equal(text_encode(&root, &rec, 1, &b), -EMEDIUMTYPE);

        /* A multiple resource read at its resource path. */
        lwm2m_path res = lwm2m_path_resource(3, 0, 6);
        lwm2m_record two[2] = {
                {.path = lwm2m_path_resource_instance(3, 0, 6, 0), .value = v},
                {.path = lwm2m_path_resource_instance(3, 0, 6, 1), .value = v},
        };
        assert_int_equal(text_encode(&res, two, 2, &b), -EMEDIUMTYPE);
        assert_int_equal(text_encode(&res, two, 1, &b), -EMEDIUMTYPE);
        assert_int_equal(text_encode(&res, two, 0, &b), -EMEDIUMTYPE);
        /* An empty multiple resource or an executable one: no value. */
        lwm2m_record none = {.path = res};
        assert_int_equal(text_encode(&res, &none, 1, &b), -EMEDIUMTYPE);
        /* A record elsewhere than the request is the caller's mistake. */
        lwm2m_path other = lwm2m_path_resource(3, 0, 7);
        assert_int_equal(text_encode(&other, &two[0], 1, &b), -EINVAL);
        /* No text spelling for NaN or infinities. */
        lwm2m_record nan_rec = {.path = res, .value = lwm2m_value_float(NAN)};
        assert_int_equal(text_encode(&res, &nan_rec, 1, &b), -EINVAL);
        nan_rec.value = lwm2m_value_float(-INFINITY);
        assert_int_equal(text_encode(&res, &nan_rec, 1, &b), -EINVAL);
        assert_int_equal(b.len, 0);

        /* A resource instance on its own is fine. */
        assert_int_equal(text_encode(&two[1].path, &two[1], 1, &b), 0);
        assert_int_equal(b.len, 1);
        assert_memory_equal(b.data, "1", 1);
        lwm2m_buf_free(&b);
}

static void test_round_trip_every_type(void **state)
{
        static const int64_t ints[] = {
                0,         1,         -1,        127,       -128,          65535,
                INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
                lwm2m_value v = lwm2m_value_integer(ints[i]);
                assert_round_trip(&v);
                v = lwm2m_value_time(ints[i]);
                assert_round_trip(&v);
        }
        static const uint64_t uints[] = {
                0, 1, UINT32_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX, UINT64_MAX - 1};
        for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
                lwm2m_value v = lwm2m_value_unsigned(uints[i]);
                assert_round_trip(&v);
        }
        static const double floats[] = {
                0.0,          -0.0,    1.0,     -1.0,     0.1,    1.0 / 3,  42.2,
                1e-300,       DBL_MIN, DBL_MAX, -DBL_MAX, 5e-324, 2.5e-310, 9007199254740992.0,
                123456789.125};
        for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
                lwm2m_value v = lwm2m_value_float(floats[i]);
                assert_round_trip(&v);
        }
        /* Random bit patterns: every finite double must come back bit for bit. */
        uint64_t x = 0x9e3779b97f4a7c15u;
        for (int i = 0; i < 20000; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                double d;
                memcpy(&d, &x, sizeof(d));
                if (!isfinite(d))
                        continue;
                lwm2m_value v = lwm2m_value_float(d);
                assert_round_trip(&v);
        }
        /* Random doubles of everyday magnitudes, where plain decimals are written. */
        double scale = 1e-6;
        for (int i = 0; i < 20000; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if (i % 800 == 0)
                        scale *= 10;
                double d = (double)(x >> 11) / 9007199254740992.0 * scale;
                lwm2m_value f = lwm2m_value_float(i % 2 ? d : -d);
                assert_round_trip(&f);
        }
        lwm2m_value v = lwm2m_value_boolean(true);
        assert_round_trip(&v);
        v = lwm2m_value_boolean(false);
        assert_round_trip(&v);
        v = lwm2m_value_objlnk(65535, 65535);
        assert_round_trip(&v);
        v = lwm2m_value_objlnk(1, 0);
        assert_round_trip(&v);

        static const char *const strings[] = {"",
                                              "a",
                                              "with spaces and, commas; \"quotes\"",
                                              "\xe2\x82\xac uro",
                                              "\xf0\x9f\x98\x80",
                                              "line\nbreak"};
        for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
                v = (lwm2m_value){0};
                assert_int_equal(lwm2m_value_set_string(&v, strings[i], strlen(strings[i])), 0);
                assert_round_trip(&v);
                lwm2m_value_clear(&v);
                assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_CORELNK, strings[i],
                                                       strlen(strings[i])),
                                 0);
                assert_round_trip(&v);
                lwm2m_value_clear(&v);
        }
        /* Opaque of every length around the base64 group size. */
        uint8_t bytes[64];
        for (size_t i = 0; i < sizeof(bytes); i++)
                bytes[i] = (uint8_t)(i * 37 + 11);
        for (size_t n = 0; n <= sizeof(bytes); n++) {
                v = (lwm2m_value){0};
                assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, bytes, n), 0);
                assert_round_trip(&v);
                lwm2m_value_clear(&v);
        }
}

static void test_decode_integers_edges(void **state)
{
        lwm2m_value v = {0};
        assert_int_equal(decode_typed(LWM2M_TYPE_INTEGER, "-9223372036854775808", 20, &v), 0);
        assert_true(v.i == INT64_MIN);
        assert_int_equal(decode_typed(LWM2M_TYPE_INTEGER, "9223372036854775807", 19, &v), 0);
        assert_true(v.i == INT64_MAX);
        assert_int_equal(decode_typed(LWM2M_TYPE_INTEGER, "-0", 2, &v), 0);
        assert_true(v.i == 0);
        assert_int_equal(decode_typed(LWM2M_TYPE_INTEGER, "007", 3, &v), 0);
        assert_true(v.i == 7);
        assert_int_equal(decode_typed(LWM2M_TYPE_UNSIGNED, "18446744073709551615", 20, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_UNSIGNED);
        assert_true(v.u == UINT64_MAX);
        assert_int_equal(decode_typed(LWM2M_TYPE_TIME, "-1", 2, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_TIME);
        assert_true(v.i == -1);

        static const char *const bad_signed[] = {"9223372036854775808",
                                                 "-9223372036854775809",
                                                 "99999999999999999999999",
                                                 "",
                                                 "-",
                                                 "+1",
                                                 " 1",
                                                 "1 ",
                                                 "1\n",
                                                 "1x",
                                                 "0x10",
                                                 "1.0",
                                                 "1e3",
                                                 "--1",
                                                 "\xd9\xa1"};
        for (size_t i = 0; i < sizeof(bad_signed) / sizeof(bad_signed[0]); i++) {
                assert_rejected(LWM2M_TYPE_INTEGER, bad_signed[i], -EBADMSG);
                assert_rejected(LWM2M_TYPE_TIME, bad_signed[i], -EBADMSG);
        }
        static const char *const bad_unsigned[] = {
                "18446744073709551616", "-1", "-0", "", "+5", "5 ", "1.5"};
        for (size_t i = 0; i < sizeof(bad_unsigned) / sizeof(bad_unsigned[0]); i++)
                assert_rejected(LWM2M_TYPE_UNSIGNED, bad_unsigned[i], -EBADMSG);

        /* An embedded NUL is junk too, not an end of string. */
        assert_int_equal(decode_typed(LWM2M_TYPE_INTEGER,
                                      "12\0"
                                      "3",
                                      4, &v),
                         -EBADMSG);
}

static void test_decode_floats(void **state)
{
        lwm2m_value v = {0};
        static const struct {
                const char *s;
                double d;
        } good[] = {
                {"25", 25.0},
                {"25.0", 25.0},
                {"-0.5", -0.5},
                {"1e3", 1000.0},
                {"1E-3", 0.001},
                {"2.5e+2", 250.0},
                {"42.2", 42.2},
                {"0", 0.0},
                {"1e-400", 0.0}, /* underflows to the nearest double */
                {"0.30000000000000004", 0.1 + 0.2},
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                assert_int_equal(decode_typed(LWM2M_TYPE_FLOAT, good[i].s, strlen(good[i].s), &v),
                                 0);
                assert_int_equal(v.type, LWM2M_TYPE_FLOAT);
                assert_true(v.f == good[i].d);
        }
        static const char *const bad[] = {"nan",   "NaN",   "inf",    "-inf", "Infinity",
                                          "0x1p3", "1e400", "-1e400", "1.",   ".5",
                                          "1e",    "1e+",   "+1.5",   " 1.5", "1.5 ",
                                          "1,5",   "",      "-",      "1.5f", "1..5"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_rejected(LWM2M_TYPE_FLOAT, bad[i], -EBADMSG);

        /* Absurdly long numbers are refused rather than copied without bound. */
        char longnum[2048];
        memset(longnum, '1', sizeof(longnum) - 1);
        longnum[sizeof(longnum) - 1] = '\0';
        assert_rejected(LWM2M_TYPE_FLOAT, longnum, -EBADMSG);
}

static void test_decode_boolean_objlnk(void **state)
{
        lwm2m_value v = {0};
        assert_int_equal(decode_typed(LWM2M_TYPE_BOOLEAN, "1", 1, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_BOOLEAN);
        assert_true(v.b);
        assert_int_equal(decode_typed(LWM2M_TYPE_BOOLEAN, "0", 1, &v), 0);
        assert_false(v.b);
        /* The specification says 0 or 1; words are refused. */
        static const char *const bad_bool[] = {"true", "false", "2", "00", "01", "", " 1", "1 "};
        for (size_t i = 0; i < sizeof(bad_bool) / sizeof(bad_bool[0]); i++)
                assert_rejected(LWM2M_TYPE_BOOLEAN, bad_bool[i], -EBADMSG);

        assert_int_equal(decode_typed(LWM2M_TYPE_OBJLNK, "3303:12", 7, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_OBJLNK);
        assert_int_equal(v.lnk.oid, 3303);
        assert_int_equal(v.lnk.iid, 12);
        assert_int_equal(decode_typed(LWM2M_TYPE_OBJLNK, "65535:65535", 11, &v), 0);
        assert_int_equal(v.lnk.oid, 65535);
        static const char *const bad_lnk[] = {
                "1:65536", "65536:1", "1",        ":1",   "1:",   ":",    "a:b",   "1:2:3",
                "-1:2",    "1:-2",    "000001:1", " 1:2", "1:2 ", "1 :2", "1:0x1", ""};
        for (size_t i = 0; i < sizeof(bad_lnk) / sizeof(bad_lnk[0]); i++)
                assert_rejected(LWM2M_TYPE_OBJLNK, bad_lnk[i], -EBADMSG);
}

static void test_decode_strings_utf8(void **state)
{
        lwm2m_value v = {0};
        assert_int_equal(decode_typed(LWM2M_TYPE_STRING, "", 0, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_STRING);
        assert_int_equal(v.buf.len, 0);
        lwm2m_value_clear(&v);
        assert_int_equal(decode_typed(LWM2M_TYPE_CORELNK, "</1/0>", 6, &v), 0);
        assert_int_equal(v.type, LWM2M_TYPE_CORELNK);
        lwm2m_value_clear(&v);

        static const char *const bad[] = {
                "\xc3\x28",         /* bad continuation */
                "\xc0\xaf",         /* overlong '/' */
                "\xed\xa0\x80",     /* surrogate */
                "\xf4\x90\x80\x80", /* over U+10FFFF */
                "abc\xe2\x82",      /* truncated */
                "\xff",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_rejected(LWM2M_TYPE_STRING, bad[i], -EBADMSG);
                assert_rejected(LWM2M_TYPE_CORELNK, bad[i], -EBADMSG);
        }
}

static void test_decode_base64_strict(void **state)
{
        static const char *const bad[] = {
                "Zg=",      /* length not a multiple of 4 */
                "Zg",       /* padding missing */
                "Zh==",     /* non-zero bits after the last byte */
                "Zm9=",     /* same, one pad */
                "Z===",     /* three pads */
                "====",     /* nothing but padding */
                "Zg==Zg==", /* padding in the middle */
                "Zm9v\n",   /* line break */
                "Zm 9v",    /* space */
                "Zm9v-_8=", /* URL-safe alphabet */
                "=Zm9",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_rejected(LWM2M_TYPE_OPAQUE, bad[i], -EBADMSG);
}

static void test_decode_opaque_too_big(void **state)
{
        /* Base64 of one byte more than a value may hold. */
        size_t n = (LWM2M_VALUE_MAX_BYTES + 1 + 2) / 3 * 4;
        char *s = malloc(n);
        assert_non_null(s);
        memset(s, 'A', n);
        lwm2m_value v = {0};
        assert_int_equal(decode_typed(LWM2M_TYPE_OPAQUE, s, n, &v), -E2BIG);
        free(s);
}

static void test_decode_targets(void **state)
{
        lwm2m_record_list l = {0};

        /* Without a resolver, text is a string. */
        lwm2m_path p = lwm2m_path_resource(9000, 0, 2);
        assert_int_equal(decode_str(&p, "123", NULL, &l), 0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_STRING);
        lwm2m_record_list_clear(&l);
        assert_int_equal(text_decode(&p, (const uint8_t *)"\xff", 1, NULL, &l), -EBADMSG);

        /* Only a resource or a resource instance. */
        lwm2m_path inst = lwm2m_path_instance(3, 0);
        assert_int_equal(decode_str(&inst, "x", &resolver, &l), -EMEDIUMTYPE);
        lwm2m_path obj = lwm2m_path_object(3);
        assert_int_equal(decode_str(&obj, "x", NULL, &l), -EMEDIUMTYPE);

        /* A multiple resource only by instance. */
        lwm2m_path multi = lwm2m_path_resource(3, 0, 6);
        assert_int_equal(decode_str(&multi, "5", &resolver, &l), -EMEDIUMTYPE);
        lwm2m_path multi_inst = lwm2m_path_resource_instance(3, 0, 6, 2);
        assert_int_equal(decode_str(&multi_inst, "5", &resolver, &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(lwm2m_path_equal(&l.items[0].path, &multi_inst));
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_INTEGER);
        assert_int_equal(l.items[0].value.i, 5);
        lwm2m_record_list_clear(&l);

        /* A single resource has no instances; unknown resources are not found. */
        lwm2m_path single_inst = lwm2m_path_resource_instance(3, 0, 0, 0);
        assert_int_equal(decode_str(&single_inst, "x", &resolver, &l), -ENOENT);
        lwm2m_path unknown = lwm2m_path_resource(3, 0, 99);
        assert_int_equal(decode_str(&unknown, "x", &resolver, &l), -ENOENT);
        /* An executable resource takes no value. */
        lwm2m_path exec = lwm2m_path_resource(9000, 0, 10);
        assert_int_equal(decode_str(&exec, "", &resolver, &l), -EBADMSG);
        assert_int_equal(l.n, 0);

        /* Decoders append. */
        lwm2m_path s = lwm2m_path_resource(3, 0, 0);
        assert_int_equal(decode_str(&s, "a", &resolver, &l), 0);
        assert_int_equal(decode_str(&s, "b", &resolver, &l), 0);
        assert_int_equal(l.n, 2);
        lwm2m_record_list_free(&l);
}

static void test_locale_independent(void **state)
{
        /* A locale with a decimal comma must not change the wire format. */
        static const char *const candidates[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                                 "ru_RU.UTF-8"};
        const char *used = NULL;
        for (size_t i = 0; i < 4 && !used; i++)
                if (setlocale(LC_NUMERIC, candidates[i]))
                        used = candidates[i];
        if (!used) {
                printf("# skipped: no locale with a decimal comma is installed\n");
                skip();
        }
        lwm2m_value v = lwm2m_value_float(42.25);
        assert_encodes(&v, "42.25");
        assert_int_equal(decode_typed(LWM2M_TYPE_FLOAT, "1.5", 3, &v), 0);
        assert_true(v.f == 1.5);
        assert_rejected(LWM2M_TYPE_FLOAT, "1,5", -EBADMSG);
        setlocale(LC_NUMERIC, "C");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec_example_manufacturer),
                cmocka_unit_test(test_spec_example_time_and_float),
                cmocka_unit_test(test_encode_every_type),
                cmocka_unit_test(test_encode_float_shortest_exact),
                cmocka_unit_test(test_encode_opaque_base64),
                cmocka_unit_test(test_encode_refusals),
                cmocka_unit_test(test_round_trip_every_type),
                cmocka_unit_test(test_decode_integers_edges),
                cmocka_unit_test(test_decode_floats),
                cmocka_unit_test(test_decode_boolean_objlnk),
                cmocka_unit_test(test_decode_strings_utf8),
                cmocka_unit_test(test_decode_base64_strict),
                cmocka_unit_test(test_decode_opaque_too_big),
                cmocka_unit_test(test_decode_targets),
                cmocka_unit_test(test_locale_independent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
