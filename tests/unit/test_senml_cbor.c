/* test_senml_cbor.c - unit tests for the SenML CBOR codec (formats/senml_cbor).
 * Reference bytes, float widths, 64-bit edges, indefinite lengths, hostile input. */
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

#include "formats/senml_cbor.h"
#include "senml_fixture.h"
#include "util/macro.h"

/* The TS Core 1.1 Device example (section 7.4.4) with SenML CBOR labels, as Python's cbor2
 * writes [{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "1", ...}, ...]. */
static const char device_hex[] =
        "90a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c69"
        "676874776569676874204d324d20436c69656e74a20061320369333435303030313233a2006133036331"
        "2e30a20063362f300201a20063362f310205a20063372f3002190ed8a20063372f3102191388a2006338"
        "2f3002187da20063382f3102190384a2006139021864a200623130020fa2006431312f300200a2006231"
        "33021a5182428fa20062313403662b30323a3030a200623136036155";

/* Parses hex, ignoring spaces; the caller frees. */
static uint8_t *hex(const char *s, size_t *len)
{
        uint8_t *out = malloc(strlen(s) / 2 + 1);
        size_t n = 0;
        while (*s) {
                if (*s == ' ') {
                        s++;
                        continue;
                }
                unsigned byte;
                if (sscanf(s, "%2x", &byte) != 1)
                        abort();
                out[n++] = (uint8_t)byte;
                s += 2;
        }
        *len = n;
        return out;
}

static int decode_hex(const char *h, const lwm2m_path *base, const lwm2m_resolver *res,
                      lwm2m_record_list *out)
{
        size_t len;
        uint8_t *data = hex(h, &len);
        int r = senml_cbor_decode(base, data, len, res, out);
        free(data);
        return r;
}

static int decode_hex_root(const char *h, const lwm2m_resolver *res)
{
        lwm2m_record_list l = {0};
        int r = decode_hex(h, NULL, res, &l);
        lwm2m_record_list_free(&l);
        return r;
}

static void device_records(lwm2m_record_list *l)
{
        static const char *strings[] = {"Open Mobile Alliance", "Lightweight M2M Client",
                                        "345000123", "1.0"};
        for (uint16_t i = 0; i < 4; i++)
                fixture_add(l, lwm2m_path_resource(3, 0, i),
                            fixture_string(LWM2M_TYPE_STRING, strings[i], strlen(strings[i])));
        static const struct {
                uint16_t rid, riid;
                int64_t v;
        } ints[] = {{6, 0, 1},   {6, 1, 5},       {7, 0, 3800},    {7, 1, 5000}, {8, 0, 125},
                    {8, 1, 900}, {9, 65535, 100}, {10, 65535, 15}, {11, 0, 0}};
        for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
                lwm2m_path p =
                        ints[i].riid == 65535
                                ? lwm2m_path_resource(3, 0, ints[i].rid)
                                : lwm2m_path_resource_instance(3, 0, ints[i].rid, ints[i].riid);
                fixture_add(l, p, lwm2m_value_integer(ints[i].v));
        }
        fixture_add(l, lwm2m_path_resource(3, 0, 13), lwm2m_value_time(1367491215));
        fixture_add(l, lwm2m_path_resource(3, 0, 14),
                    fixture_string(LWM2M_TYPE_STRING, "+02:00", 6));
        fixture_add(l, lwm2m_path_resource(3, 0, 16), fixture_string(LWM2M_TYPE_STRING, "U", 1));
}

static void assert_encodes_to(const lwm2m_path *base, const lwm2m_record_list *l, const char *h)
{
        lwm2m_buf b = {0};
        size_t len;
        uint8_t *want = hex(h, &len);
        assert_int_equal(senml_cbor_encode(base, l->items, l->n, &b), 0);
        if (b.len != len || memcmp(b.data, want, len) != 0) {
                char got[2048] = "";
                for (size_t i = 0; i < b.len && i < 1000; i++)
                        sprintf(got + 2 * i, "%02x", b.data[i]);
                fail_msg("got %s, want %s", got, h);
        }
        free(want);
        lwm2m_buf_free(&b);
}

static void test_device_example(void **state)
{
        lwm2m_record_list want = {0}, got = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);
        device_records(&want);
        assert_encodes_to(&base, &want, device_hex);
        assert_int_equal(decode_hex(device_hex, &base, &fixture_resolver, &got), 0);
        assert_true(fixture_lists_equal(&got, &want));
        lwm2m_record_list_free(&got);
        lwm2m_record_list_free(&want);
}

static void test_vlo_vd_vb_labels(void **state)
{
        /* [{-2: "/9999/0/", 0: "7", "vlo": "3:0"}, {0: "5", 8: h'00ff'}, {0: "4", 4: true}] */
        const char *h =
                "83a321682f393939392f302f00613763766c6f63333a30a2006135084200ffa200613404f5";
        lwm2m_record_list l = {0}, back = {0};
        lwm2m_path base = lwm2m_path_instance(9999, 0);
        fixture_add(&l, lwm2m_path_resource(9999, 0, 7), lwm2m_value_objlnk(3, 0));
        fixture_add(&l, lwm2m_path_resource(9999, 0, 5),
                    fixture_string(LWM2M_TYPE_OPAQUE, "\x00\xff", 2));
        fixture_add(&l, lwm2m_path_resource(9999, 0, 4), lwm2m_value_boolean(true));
        assert_encodes_to(&base, &l, h);
        assert_int_equal(decode_hex(h, &base, NULL, &back), 0);
        assert_true(fixture_lists_equal(&l, &back));
        lwm2m_record_list_free(&l);
        lwm2m_record_list_free(&back);
}

/* Floats take the smallest width that holds them exactly. */
static void test_float_widths(void **state)
{
        static const struct {
                double d;
                const char *h;
        } cases[] = {
                {1.5, "f93e00"},
                {0.1, "fb3fb999999999999a"},
                {100000.0, "fa47c35000"},
                {65504.0, "f97bff"},
                {0x1p-24, "f90001"}, /* smallest half subnormal */
                {0x1p-14, "f90400"}, /* smallest half normal */
                {0x3p-24, "f90003"},
                {-0.0, "f98000"},
                {1e300, "fb7e37e43c8800759c"},
                {0x1p-25, "fa33000000"},
                {65520.0, "fa477ff000"},
                {0x1p-149, "fa00000001"}, /* smallest single subnormal */
                {0x1p-150, "fb3690000000000000"},
                {3.4028234663852886e38, "fa7f7fffff"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_record_list l = {0}, back = {0};
                lwm2m_path base = lwm2m_path_resource(9999, 0, 3);
                fixture_add(&l, base, lwm2m_value_float(cases[i].d));
                char want[128];
                /* [{-2: "/9999/0/3", 2: <float>}] */
                snprintf(want, sizeof(want), "81a221692f393939392f302f3302%s", cases[i].h);
                assert_encodes_to(&base, &l, want);
                assert_int_equal(decode_hex(want, &base, &fixture_resolver, &back), 0);
                assert_true(fixture_lists_equal(&l, &back));
                lwm2m_record_list_free(&l);
                lwm2m_record_list_free(&back);
        }
}

/* CBOR spells NaN and infinities in every width; a Float holds neither
 * (value.h): malformed with or without a resolver, and the whole payload is
 * refused, not only the record. */
static void test_non_finite_floats_refused(void **state)
{
        static const char *const non_finite[] = {
                "f97e00",
                "f97c00",
                "f9fc00",
                "fa7fc00000",
                "faff800000",
                "fb7ff8000000000000",
                "fb7ff0000000000000",
                "fbfff0000000000000",
        };
        for (size_t i = 0; i < ELEMENTSOF(non_finite); i++) {
                char h[128];
                /* [{0: "/9999/0/3", 2: <float>}] */
                snprintf(h, sizeof(h), "81a200692f393939392f302f3302%s", non_finite[i]);
                assert_int_equal(decode_hex_root(h, &fixture_resolver), -EBADMSG);
                assert_int_equal(decode_hex_root(h, NULL), -EBADMSG);
                /* [{0: "/9999/0/3", 2: 1.5}, {0: "/9999/1/3", 2: <float>}] */
                snprintf(h, sizeof(h),
                         "82a200692f393939392f302f3302f93e00a200692f393939392f312f3302%s",
                         non_finite[i]);
                lwm2m_record_list l = {0};
                assert_int_equal(decode_hex(h, NULL, &fixture_resolver, &l), -EBADMSG);
                assert_int_equal(l.n, 0);
                lwm2m_record_list_free(&l);
        }
        /* The largest finite double still passes. */
        assert_int_equal(decode_hex_root("81a200692f393939392f302f3302fb7fefffffffffffff",
                                         &fixture_resolver),
                         0);
}

static void test_64bit_edges(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(9999, 0);
        fixture_add(&l, lwm2m_path_resource(9999, 0, 1), lwm2m_value_integer(INT64_MIN));
        fixture_add(&l, lwm2m_path_resource(9999, 0, 2), lwm2m_value_unsigned(UINT64_MAX));
        /* [{-2: "/9999/0/", 0: "1", 2: -2^63}, {0: "2", 2: 2^64 - 1}] */
        const char *h = "82a321682f393939392f302f006131023b7fffffffffffffff"
                        "a2006132021bffffffffffffffff";
        assert_encodes_to(&base, &l, h);
        lwm2m_record_list back = {0};
        assert_int_equal(decode_hex(h, &base, &fixture_resolver, &back), 0);
        assert_true(fixture_lists_equal(&l, &back));
        lwm2m_record_list_clear(&back);
        assert_int_equal(decode_hex(h, &base, NULL, &back), 0);
        assert_true(fixture_lists_equal(&l, &back));
        lwm2m_record_list_free(&back);
        lwm2m_record_list_free(&l);

        /* -2^64: no integer type holds it; a double does, exactly. */
        const char *min = "81a200692f393939392f302f33023bffffffffffffffff";
        lwm2m_record_list f = {0};
        assert_int_equal(decode_hex(min, NULL, NULL, &f), 0);
        assert_int_equal(f.items[0].value.type, LWM2M_TYPE_FLOAT);
        assert_true(f.items[0].value.f == -18446744073709551616.0);
        lwm2m_record_list_free(&f);
        assert_int_equal(decode_hex_root(min, &fixture_resolver), 0); /* /9999/0/3 is Float */
        assert_int_equal(decode_hex_root("81a200692f393939392f302f31023bffffffffffffffff",
                                         &fixture_resolver),
                         -EBADMSG); /* /9999/0/1 is Integer */
        /* -2^63 - 1 is neither an int64 nor a double. */
        assert_int_equal(decode_hex_root("81a200692f393939392f302f33023b8000000000000000", NULL),
                         -EBADMSG);
        /* 2^63 for an Integer resource; -1 for an Unsigned one; 2^53 + 1 for a Float one. */
        assert_int_equal(decode_hex_root("81a200692f393939392f302f31021b8000000000000000",
                                         &fixture_resolver),
                         -EBADMSG);
        assert_int_equal(decode_hex_root("81a200692f393939392f302f320220", &fixture_resolver),
                         -EBADMSG);
        assert_int_equal(decode_hex_root("81a200692f393939392f302f33021b0020000000000001",
                                         &fixture_resolver),
                         -EBADMSG);
        /* Integral floats fit integer resources; others do not. */
        assert_int_equal(decode_hex_root("81a200692f393939392f302f3102f94500", &fixture_resolver),
                         0);
        assert_int_equal(decode_hex_root("81a200692f393939392f302f3102f93e00", &fixture_resolver),
                         -EBADMSG);
        assert_int_equal(decode_hex_root("81a200692f393939392f302f3102f97e00", &fixture_resolver),
                         -EBADMSG);
        assert_int_equal(
                decode_hex_root("81a200692f393939392f302f3602fa4ebebc20", &fixture_resolver),
                0); /* Time 1.6e9 as a single */
}

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
                                        fixture_add_timed(&l, single,
                                                          fixture_sample(fixture_types[t], variant),
                                                          1.7e9 + variant);
                                }
                                if (depth <= 2 || depth == 4)
                                        fixture_add(&l, multi,
                                                    fixture_sample(fixture_types[t], variant));
                                lwm2m_buf b = {0};
                                assert_int_equal(senml_cbor_encode(&base, l.items, l.n, &b), 0);
                                assert_int_equal(senml_cbor_decode(&base, b.data, b.len,
                                                                   &fixture_resolver, &back),
                                                 0);
                                if (!fixture_lists_equal(&l, &back))
                                        fail_msg("type %u variant %u depth %u", t, variant, depth);
                                assert_int_equal(
                                        senml_cbor_decode(&base, b.data, b.len, NULL, &plain), 0);
                                lwm2m_type natural = fixture_types[t];
                                if (natural == LWM2M_TYPE_TIME ||
                                    (natural == LWM2M_TYPE_UNSIGNED && variant == 0))
                                        natural = LWM2M_TYPE_INTEGER;
                                if (natural == LWM2M_TYPE_CORELNK)
                                        natural = LWM2M_TYPE_STRING;
                                assert_int_equal(plain.n, l.n);
                                for (size_t i = 0; i < plain.n; i++)
                                        assert_int_equal(plain.items[i].value.type, natural);
                                lwm2m_buf_free(&b);
                                lwm2m_record_list_free(&l);
                                lwm2m_record_list_free(&back);
                                lwm2m_record_list_free(&plain);
                        }
                }
        }
}

static void test_composite_and_time(void **state)
{
        lwm2m_record_list l = {0}, back = {0};
        lwm2m_path root = {.len = 0};
        fixture_add(&l, lwm2m_path_object(1), (lwm2m_value){0});
        fixture_add(&l, lwm2m_path_resource(3, 0, 9), (lwm2m_value){0});
        /* [{-2: "/", 0: "1"}, {-2: "/3/0/", 0: "9"}] */
        assert_encodes_to(&root, &l, "82a221612f006131a221652f332f302f006139");
        assert_int_equal(decode_hex("82a221612f006131a221652f332f302f006139", &root,
                                    &fixture_resolver, &back),
                         0);
        assert_true(fixture_lists_equal(&l, &back));
        lwm2m_record_list_clear(&l);
        lwm2m_record_list_clear(&back);

        /* bt as an integer, then as a double; t relative to it; bt 0 clears the time. */
        fixture_add_timed(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(1.5), 1e9);
        fixture_add_timed(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(2.5),
                          1e9 + 0.25);
        fixture_add(&l, lwm2m_path_resource(3303, 0, 5700), lwm2m_value_float(3.5));
        assert_encodes_to(&root, &l,
                          "83a421682f333330332f302f221a3b9aca0000643537303002f93e00"
                          "a322fb41cdcd650020000000643537303002f94100"
                          "a3220000643537303002f94300");
        /* {-2: "/3303/0/5700", -3: 1e9, 6: -5, 2: 1.5}: t is added to bt. */
        assert_int_equal(decode_hex("81a4216c2f333330332f302f35373030221a3b9aca000624"
                                    "02f93e00",
                                    &root, &fixture_resolver, &back),
                         0);
        assert_true(back.items[0].has_time);
        assert_true(back.items[0].time == 1e9 - 5);
        lwm2m_record_list_free(&l);
        lwm2m_record_list_free(&back);
}

static void test_indefinite_lengths(void **state)
{
        /* [_ {_ -2: (_ "/3/0", "/"), 0: "9", 2: 5}, {_ 0: "14", 3: (_ "+0", "2")},
         *  {0: "15", 99: [_ 1, {_ 2: 3}], "x": (_ h'01', h'')}] */
        const char *h = "9f"
                        "bf217f642f332f3061 2fff0061390205ff"
                        "bf0062313403 7f622b3061 32ffff"
                        "a3006231351863 9f01bf0203ffff 6178 5f41014040ff"
                        "ff";
        lwm2m_record_list l = {0};
        assert_int_equal(decode_hex(h, NULL, &fixture_resolver, &l), 0);
        assert_int_equal(l.n, 3);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{3, 0, 9}, 3}));
        assert_true(l.items[0].value.i == 5);
        assert_int_equal(l.items[1].value.buf.len, 3);
        assert_memory_equal(l.items[1].value.buf.data, "+02", 3);
        assert_true(lwm2m_path_equal(&l.items[2].path, &(lwm2m_path){{3, 0, 15}, 3}));
        assert_int_equal(l.items[2].value.type, LWM2M_TYPE_NONE);
        lwm2m_record_list_free(&l);

        static const char *bad[] = {
                "9fbf0061390205",                            /* unterminated */
                "9fbf006139 02ff ff",                        /* map ends after a key */
                "9fbf217f642f332f30 41 2fff 0061390205ffff", /* bytes chunk in text */
                "9fbf217f7f ffff ff",                        /* nested indefinite */
                "9fbf21 7f 01 ff ff ff",                     /* an int chunk */
                "81a1 00 ff",                                /* break in a definite map */
                "ff",
                "9f ff ff",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_hex_root(bad[i], NULL) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
}

static void test_labels(void **state)
{
        /* Unknown integer and text labels are skipped whatever they hold; the text
         * spelling of an integer-labelled field ("n") is unknown in CBOR. */
        assert_int_equal(decode_hex_root("81a4 0063 2f332f 1863 82a10102f6 616e 01 "
                                         "64666f6f6f f7",
                                         NULL),
                         0);
        static const char *bad[] = {
                "81a2 0063 2f332f 64666f6f5f 01", /* "foo_" must be understood */
                "81a2 0063 2f332f 00 63 2f332f",  /* n twice */
                "81a2 0064 2f332f39 02 f6",       /* v null */
                "81a2 0064 2f332f39 02 f7",       /* v undefined */
                "81a2 0064 2f332f39 02 6131",     /* v as text */
                "81a2 0064 2f332f39 03 4131",     /* vs as bytes */
                "81a2 0064 2f332f39 08 6141",     /* vd as text */
                "81a2 0064 2f332f39 04 01",       /* vb as int */
                "81a2 0044 2f332f39",             /* n as bytes */
                "81a2 0064 2f332f39 02 80",       /* v as array */
                "81a2 0064 2f332f39 4101 01",     /* bytes label */
                "81a2 0064 2f332f39 f93c00 01",   /* float label */
                "81a2 0064 2f332f39 f5 01",       /* bool label */
                "81a1 a0 01",                     /* map label */
                "81a2 0064 2f332f39 02 c1 01",    /* a tag */
                "c1 81a0",
                "81a2 0064 2f332f39 02 f0",     /* simple value 16 */
                "81a2 0064 2f332f39 21 01",     /* bn as an integer */
                "81a3 0064 2f332f39 0201 04f5", /* two values */
                "81a2 0064 2f332f39 20 0b",     /* bver 11 */
                "81a2 0064 2f332f39 05 01",     /* sum */
                "81a2 0064 2f332f39 24 01",     /* bv 1 */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_hex_root(bad[i], &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
}

static void test_bad_utf8(void **state)
{
        static const char *bad[] = {
                "81a2 0069 2f393939392f302f30 03 61ff",           /* vs */
                "81a2 0069 2f393939392f302f30 03 62c080",         /* overlong */
                "81a2 0069 2f393939392f302f30 03 63eda080",       /* surrogate */
                "81a2 0069 2f393939392f302f30 03 7f61c3 61a9 ff", /* split across chunks */
                "81a2 0064 2f332f39 61ff 01",                     /* in an unknown label */
                "81a2 0064 2f332f39 1863 61ff",                   /* in an unknown value */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_hex_root(bad[i], NULL) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
        assert_int_equal(decode_hex_root("81a2 0069 2f393939392f302f30 03 62c3a9", NULL), 0);
}

static void test_huge_counts_and_depth(void **state)
{
        static const char *bad[] = {
                "9bffffffffffffffff",
                "9affffffff a0",
                "81 bbffffffffffffffff",
                "81 baffffffff 00",
                "81 a1 00 7bffffffffffffffff 61",
                "81 a1 00 7b7fffffffffffffff 61",
                "81 a1 00 5a7fffffff 01",
                "81 a2 0064 2f332f39 1863 9b0000000100000000 00",
                "82 a0", /* two records declared, one present */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_hex_root(bad[i], NULL) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);

        /* Nesting under an unknown label: 14 levels fit under pack and record, 15 do not. */
        char deep[256];
        for (int levels = 14; levels <= 15; levels++) {
                int off = snprintf(deep, sizeof(deep), "81a2 0064 2f332f39 1863 ");
                for (int i = 0; i < levels; i++)
                        off += snprintf(deep + off, sizeof(deep) - off, "81");
                snprintf(deep + off, sizeof(deep) - off, "00");
                assert_int_equal(decode_hex_root(deep, NULL), levels == 14 ? 0 : -EBADMSG);
        }

        /* Record count: declared (before reading) and indefinite (while reading). */
        size_t n = LWM2M_RECORDS_MAX + 1;
        uint8_t *p = malloc(n + 8);
        p[0] = 0x9a;
        p[1] = (uint8_t)(n >> 24);
        p[2] = (uint8_t)(n >> 16);
        p[3] = (uint8_t)(n >> 8);
        p[4] = (uint8_t)n;
        memset(p + 5, 0xa0, n);
        lwm2m_record_list l = {0};
        assert_int_equal(senml_cbor_decode(NULL, p, n + 5, NULL, &l), -E2BIG);
        p[4] = 0x9f;
        p[4 + n + 1] = 0xff;
        assert_int_equal(senml_cbor_decode(NULL, p + 4, n + 2, NULL, &l), -E2BIG);
        assert_int_equal(l.n, 0);
        p[4 + n] = 0xff; /* one fewer record */
        assert_int_equal(senml_cbor_decode(NULL, p + 4, n + 1, NULL, &l), 0);
        assert_int_equal(l.n, LWM2M_RECORDS_MAX);
        lwm2m_record_list_free(&l);
        free(p);
}

static void test_truncated_at_every_offset(void **state)
{
        size_t len;
        uint8_t *data = hex(device_hex, &len);
        lwm2m_record_list l = {0};
        fixture_add(&l, lwm2m_path_resource(9999, 0, 0), lwm2m_value_integer(0));
        for (size_t cut = 0; cut < len; cut++) {
                int r = senml_cbor_decode(NULL, data, cut, &fixture_resolver, &l);
                if (r != -EBADMSG)
                        fail_msg("cut at %zu: %d", cut, r);
                assert_int_equal(l.n, 1);
        }
        /* Trailing bytes after the pack. */
        uint8_t *longer = malloc(len + 1);
        memcpy(longer, data, len);
        longer[len] = 0;
        assert_int_equal(senml_cbor_decode(NULL, longer, len + 1, NULL, &l), -EBADMSG);
        assert_int_equal(senml_cbor_decode(NULL, longer, len, NULL, &l), 0);
        assert_int_equal(l.n, 17);
        free(longer);
        free(data);
        lwm2m_record_list_free(&l);
}

static void test_paths_and_resolver(void **state)
{
        static const char *bad[] = {
                "81a2 0066 2f332f302f78 0201",    /* "/3/0/x" */
                "81a2 0065 2f332f302f 0201",      /* value on an instance */
                "81a2 0067 2f332f302f3131 0201",  /* multiple without instance */
                "81a2 0066 2f332f302f34 0201",    /* executable */
                "81a2 0066 2f332f302f39 0361 31", /* Integer from vs */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (decode_hex_root(bad[i], &fixture_resolver) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
        assert_int_equal(decode_hex_root("81a2 0067 2f332f302f3939 0201", &fixture_resolver),
                         -ENOENT);
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(3, 1);
        assert_int_equal(decode_hex("81a2 0066 2f332f302f39 0201", &base, NULL, &l), -EBADMSG);
        lwm2m_record_list_free(&l);
}

static void test_encode_errors(void **state)
{
        lwm2m_buf b = {0};
        lwm2m_record_list l = {0};
        lwm2m_path base = lwm2m_path_instance(3, 0);
        fixture_add(&l, lwm2m_path_resource(3, 1, 9), lwm2m_value_integer(1));
        assert_int_equal(senml_cbor_encode(&base, l.items, l.n, &b), -EINVAL);
        lwm2m_record_list_clear(&l);
        fixture_add(&l, lwm2m_path_resource(3, 0, 9), (lwm2m_value){.type = 99});
        assert_int_equal(senml_cbor_encode(&base, l.items, l.n, &b), -EINVAL);
        lwm2m_record_list_clear(&l);
        fixture_add_timed(&l, lwm2m_path_resource(3, 0, 9), lwm2m_value_integer(1), NAN);
        assert_int_equal(senml_cbor_encode(&base, l.items, l.n, &b), -EINVAL);
        assert_int_equal(b.len, 0);
        lwm2m_record_list_free(&l);
        assert_int_equal(senml_cbor_encode(&base, NULL, 0, &b), 0);
        assert_int_equal(b.len, 1);
        assert_int_equal(b.data[0], 0x80);
        lwm2m_buf_free(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_device_example),
                cmocka_unit_test(test_vlo_vd_vb_labels),
                cmocka_unit_test(test_float_widths),
                cmocka_unit_test(test_non_finite_floats_refused),
                cmocka_unit_test(test_64bit_edges),
                cmocka_unit_test(test_round_trip_every_type_every_depth),
                cmocka_unit_test(test_composite_and_time),
                cmocka_unit_test(test_indefinite_lengths),
                cmocka_unit_test(test_labels),
                cmocka_unit_test(test_bad_utf8),
                cmocka_unit_test(test_huge_counts_and_depth),
                cmocka_unit_test(test_truncated_at_every_offset),
                cmocka_unit_test(test_paths_and_resolver),
                cmocka_unit_test(test_encode_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
