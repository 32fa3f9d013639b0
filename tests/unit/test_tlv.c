/* test_tlv.c - unit tests for the OMA TLV codec (formats/tlv).
 * The TS Core examples byte for byte, round trips per type and depth, and hostile payloads. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/tlv.h"
#include "tlv_test_resolver.h"

/* TS Core 1.1 7.4.3.2, "Single Object Instance Request Example": Read /3/0. */
static const uint8_t spec_device_instance[] = {
        0xC8, 0x00, 0x14, 0x4F, 0x70, 0x65, 0x6E, 0x20, 0x4D, 0x6F, 0x62, 0x69, 0x6C,
        0x65, 0x20, 0x41, 0x6C, 0x6C, 0x69, 0x61, 0x6E, 0x63, 0x65, /* 0: "Open Mobile Alliance" */
        0xC8, 0x01, 0x16, 0x4C, 0x69, 0x67, 0x68, 0x74, 0x77, 0x65, 0x69, 0x67, 0x68,
        0x74, 0x20, 0x4D, 0x32, 0x4D, 0x20, 0x43, 0x6C, 0x69, 0x65, 0x6E, 0x74, /* 1 */
        0xC8, 0x02, 0x09, 0x33, 0x34, 0x35, 0x30, 0x30, 0x30, 0x31, 0x32, 0x33, /* 2 */
        0xC3, 0x03, 0x31, 0x2E, 0x30,                                           /* 3: "1.0" */
        0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x05,                   /* 6: {0: 1, 1: 5} */
        0x88, 0x07, 0x08, 0x42, 0x00, 0x0E, 0xD8, 0x42, 0x01, 0x13, 0x88, /* 7: {3800, 5000} */
        0x87, 0x08, 0x41, 0x00, 0x7D, 0x42, 0x01, 0x03, 0x84,             /* 8: {125, 900} */
        0xC1, 0x09, 0x64,                                                 /* 9: 100 */
        0xC1, 0x0A, 0x0F,                                                 /* 10: 15 */
        0x83, 0x0B, 0x41, 0x00, 0x00,                                     /* 11: {0: 0} */
        0xC4, 0x0D, 0x51, 0x82, 0x42, 0x8F,                               /* 13: 1367491215 */
        0xC6, 0x0E, 0x2B, 0x30, 0x32, 0x3A, 0x30, 0x30,                   /* 14: "+02:00" */
        0xC1, 0x10, 0x55,                                                 /* 16: "U" */
};

/* The same instance inside an object-instance TLV: Read /3. */
static const uint8_t spec_device_object_header[] = {0x08, 0x00, 0x79};

/* 7.4.3.2 "Multiple Object Instance Request Example": Read /2, two ACL instances. */
static const uint8_t spec_access_control[] = {
        0x08, 0x00, 0x0E, 0xC1, 0x00, 0x01, 0xC1, 0x01, 0x00, 0x83, 0x02, 0x41, 0x7F,
        0x07, 0xC1, 0x03, 0x7F, 0x08, 0x02, 0x12, 0xC1, 0x00, 0x03, 0xC1, 0x01, 0x00,
        0x87, 0x02, 0x41, 0x7F, 0x07, 0x61, 0x01, 0x36, 0x01, 0xC1, 0x03, 0x7F,
};

/* Read /1: one Server instance (lifetime 86400 needs four bytes). */
static const uint8_t spec_server[] = {
        0x08, 0x00, 0x0F, 0xC1, 0x00, 0x01, 0xC4, 0x01, 0x00,
        0x01, 0x51, 0x80, 0xC1, 0x06, 0x01, 0xC1, 0x07, 0x55,
};

/* 7.4.3.3 "Example of Request on Objects with Object Link": Read /65/0 and Read /66. */
static const uint8_t spec_objlnk_65[] = {
        0x88, 0x00, 0x0C, 0x44, 0x00, 0x00, 0x42, 0x00, 0x00, 0x44, 0x01, 0x00, 0x42,
        0x00, 0x01, 0xC8, 0x01, 0x0D, 0x38, 0x36, 0x31, 0x33, 0x38, 0x30, 0x30, 0x37,
        0x35, 0x35, 0x35, 0x30, 0x30, 0xC4, 0x02, 0x12, 0x34, 0x56, 0x78,
};
static const uint8_t spec_objlnk_66[] = {
        0x08, 0x00, 0x26, 0xC8, 0x00, 0x0B, 0x6D, 0x79, 0x53, 0x65, 0x72, 0x76, 0x69, 0x63,
        0x65, 0x20, 0x31, 0xC8, 0x01, 0x0F, 0x49, 0x6E, 0x74, 0x65, 0x72, 0x6E, 0x65, 0x74,
        0x2E, 0x31, 0x35, 0x2E, 0x32, 0x33, 0x34, 0xC4, 0x02, 0x00, 0x43, 0x00, 0x00, 0x08,
        0x01, 0x26, 0xC8, 0x00, 0x0B, 0x6D, 0x79, 0x53, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65,
        0x20, 0x32, 0xC8, 0x01, 0x0F, 0x49, 0x6E, 0x74, 0x65, 0x72, 0x6E, 0x65, 0x74, 0x2E,
        0x31, 0x35, 0x2E, 0x32, 0x33, 0x35, 0xC4, 0x02, 0xFF, 0xFF, 0xFF, 0xFF,
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

static void add_str(lwm2m_record_list *l, const char *path, const char *s)
{
        add_bytes(l, path, LWM2M_TYPE_STRING, s, strlen(s));
}

static void assert_lists_equal(const lwm2m_record_list *a, const lwm2m_record_list *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                assert_true(lwm2m_path_equal(&a->items[i].path, &b->items[i].path));
                assert_int_equal(a->items[i].value.type, b->items[i].value.type);
                assert_true(lwm2m_value_equal(&a->items[i].value, &b->items[i].value));
        }
}

static void assert_encodes(const char *base, const lwm2m_record_list *l, const uint8_t *bytes,
                           size_t len)
{
        lwm2m_path b = P(base);
        lwm2m_buf out = {0};
        assert_int_equal(tlv_encode(&b, l->items, l->n, &out), 0);
        assert_int_equal(out.len, len);
        if (len)
                assert_memory_equal(out.data, bytes, len);
        lwm2m_buf_free(&out);
}

static int decode(const char *base, const uint8_t *bytes, size_t len, lwm2m_record_list *out)
{
        lwm2m_path b = P(base);
        return tlv_decode(&b, bytes, len, &test_resolver, out);
}

/* Encodes at `base`, decodes the bytes again and expects the same records. */
static void assert_round_trip(const char *base, const lwm2m_record_list *l)
{
        lwm2m_path b = P(base);
        lwm2m_buf out = {0};
        lwm2m_record_list back = {0};
        assert_int_equal(tlv_encode(&b, l->items, l->n, &out), 0);
        assert_int_equal(tlv_decode(&b, out.data, out.len, &test_resolver, &back), 0);
        assert_lists_equal(l, &back);
        lwm2m_record_list_free(&back);
        lwm2m_buf_free(&out);
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

static void test_spec_device_instance(void **state)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/3/0", spec_device_instance, sizeof(spec_device_instance), &l), 0);
        assert_int_equal(l.n, 16);
        const lwm2m_record *r = find(&l, "/3/0/0");
        assert_int_equal(r->value.type, LWM2M_TYPE_STRING);
        assert_int_equal(r->value.buf.len, 20);
        assert_memory_equal(r->value.buf.data, "Open Mobile Alliance", 20);
        assert_int_equal(find(&l, "/3/0/6/1")->value.i, 5);
        assert_int_equal(find(&l, "/3/0/7/0")->value.i, 3800);
        assert_int_equal(find(&l, "/3/0/7/1")->value.i, 5000);
        assert_int_equal(find(&l, "/3/0/8/1")->value.i, 900);
        assert_int_equal(find(&l, "/3/0/9")->value.i, 100);
        assert_int_equal(find(&l, "/3/0/11/0")->value.type, LWM2M_TYPE_INTEGER);
        r = find(&l, "/3/0/13");
        assert_int_equal(r->value.type, LWM2M_TYPE_TIME);
        assert_int_equal(r->value.i, 1367491215);
        assert_memory_equal(find(&l, "/3/0/16")->value.buf.data, "U", 1);

        assert_encodes("/3/0", &l, spec_device_instance, sizeof(spec_device_instance));
        lwm2m_record_list_free(&l);
}

static void test_spec_device_object(void **state)
{
        size_t len = sizeof(spec_device_object_header) + sizeof(spec_device_instance);
        uint8_t *bytes = malloc(len);
        assert_non_null(bytes);
        memcpy(bytes, spec_device_object_header, sizeof(spec_device_object_header));
        memcpy(bytes + sizeof(spec_device_object_header), spec_device_instance,
               sizeof(spec_device_instance));

        lwm2m_record_list l = {0};
        assert_int_equal(decode("/3", bytes, len, &l), 0);
        assert_int_equal(l.n, 16);
        assert_int_equal(find(&l, "/3/0/10")->value.i, 15);
        assert_encodes("/3", &l, bytes, len);

        /* The instance TLV may wrap resources for an instance request with its ID... */
        lwm2m_record_list again = {0};
        assert_int_equal(decode("/3/0", bytes, len, &again), 0);
        assert_lists_equal(&l, &again);
        /* ...but not with another one. */
        lwm2m_record_list_clear(&again);
        assert_int_equal(decode("/3/1", bytes, len, &again), -EBADMSG);
        assert_int_equal(again.n, 0);

        lwm2m_record_list_free(&again);
        lwm2m_record_list_free(&l);
        free(bytes);
}

static void test_spec_access_control(void **state)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/2", spec_access_control, sizeof(spec_access_control), &l), 0);
        assert_int_equal(l.n, 9);
        assert_int_equal(find(&l, "/2/0/2/127")->value.i, 7);
        assert_int_equal(find(&l, "/2/2/0")->value.i, 3);
        assert_int_equal(find(&l, "/2/2/2/310")->value.i, 1);
        assert_int_equal(find(&l, "/2/2/3")->value.i, 127);
        assert_encodes("/2", &l, spec_access_control, sizeof(spec_access_control));
        lwm2m_record_list_free(&l);
}

static void test_spec_server(void **state)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/1", spec_server, sizeof(spec_server), &l), 0);
        assert_int_equal(l.n, 4);
        assert_int_equal(find(&l, "/1/0/1")->value.i, 86400);
        assert_true(find(&l, "/1/0/6")->value.b);
        assert_encodes("/1", &l, spec_server, sizeof(spec_server));
        lwm2m_record_list_free(&l);
}

static void test_spec_objlnk(void **state)
{
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/65/0", spec_objlnk_65, sizeof(spec_objlnk_65), &l), 0);
        const lwm2m_record *r = find(&l, "/65/0/0/1");
        assert_int_equal(r->value.type, LWM2M_TYPE_OBJLNK);
        assert_int_equal(r->value.lnk.oid, 66);
        assert_int_equal(r->value.lnk.iid, 1);
        assert_int_equal(find(&l, "/65/0/2")->value.i, 0x12345678);
        assert_encodes("/65/0", &l, spec_objlnk_65, sizeof(spec_objlnk_65));
        lwm2m_record_list_clear(&l);

        assert_int_equal(decode("/66", spec_objlnk_66, sizeof(spec_objlnk_66), &l), 0);
        assert_int_equal(l.n, 6);
        r = find(&l, "/66/1/2");
        assert_int_equal(r->value.lnk.oid, 65535);
        assert_int_equal(r->value.lnk.iid, 65535);
        assert_encodes("/66", &l, spec_objlnk_66, sizeof(spec_objlnk_66));
        lwm2m_record_list_free(&l);
}

/* One value of each type, all under /9999/0. */
static void add_every_type(lwm2m_record_list *l)
{
        static const uint8_t blob[] = {0x00, 0xFF, 0x80, 0x7F};
        add_str(l, "/9999/0/0", "h\xC3\xA9llo");
        add(l, "/9999/0/1", lwm2m_value_integer(-42));
        add(l, "/9999/0/2", lwm2m_value_unsigned(UINT64_MAX));
        add(l, "/9999/0/3", lwm2m_value_float(0.1));
        add(l, "/9999/0/4", lwm2m_value_boolean(true));
        add_bytes(l, "/9999/0/5", LWM2M_TYPE_OPAQUE, blob, sizeof(blob));
        add(l, "/9999/0/6", lwm2m_value_time(1700000000));
        add(l, "/9999/0/7", lwm2m_value_objlnk(3, 0));
        add_bytes(l, "/9999/0/8", LWM2M_TYPE_CORELNK, "</3/0>", 6);
        add_str(l, "/9999/0/10/0", "a");
        add_str(l, "/9999/0/10/7", "");
        add(l, "/9999/0/11/0", lwm2m_value_integer(INT64_MIN));
        add(l, "/9999/0/11/1", lwm2m_value_integer(INT64_MAX));
        add(l, "/9999/0/12/0", lwm2m_value_unsigned(0));
        add(l, "/9999/0/12/65534", lwm2m_value_unsigned((uint64_t)1 << 63));
        add(l, "/9999/0/13/0", lwm2m_value_float(-1e300));
        add(l, "/9999/0/13/1", lwm2m_value_float(1.5));
        add(l, "/9999/0/14/0", lwm2m_value_boolean(false));
        add_bytes(l, "/9999/0/15/0", LWM2M_TYPE_OPAQUE, "", 0);
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

        /* Each resource alone at its own path, and each instance alone. */
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

        /* A whole multiple resource at its own path. */
        lwm2m_record_list multi = {0};
        add(&multi, "/9999/0/11/0", lwm2m_value_integer(1));
        add(&multi, "/9999/0/11/5", lwm2m_value_integer(-1));
        uint8_t expect[] = {0x86, 0x0B, 0x41, 0x00, 0x01, 0x41, 0x05, 0xFF};
        assert_encodes("/9999/0/11", &multi, expect, sizeof(expect));
        assert_round_trip("/9999/0/11", &multi);
        /* Bare resource-instance TLVs are accepted for a multiple resource too. */
        lwm2m_record_list back = {0};
        assert_int_equal(decode("/9999/0/11", expect + 2, sizeof(expect) - 2, &back), 0);
        assert_lists_equal(&multi, &back);

        lwm2m_record_list_free(&back);
        lwm2m_record_list_free(&multi);
        lwm2m_record_list_free(&l);
}

static void test_two_instances_round_trip(void **state)
{
        lwm2m_record_list l = {0};
        add(&l, "/9999/0/1", lwm2m_value_integer(1));
        add(&l, "/9999/0/11/0", lwm2m_value_integer(2));
        add(&l, "/9999/1/1", lwm2m_value_integer(3));
        add(&l, "/9999/300/3", lwm2m_value_float(2.5));
        lwm2m_path base = P("/9999");
        lwm2m_buf out = {0};
        assert_int_equal(tlv_encode(&base, l.items, l.n, &out), 0);
        /* Instance 0 with an 8-bit length, 1 with a 3-bit one, 300 with a 16-bit ID. */
        static const uint8_t want[] = {
                0x08, 0x00, 0x08, 0xC1, 0x01, 0x01, 0x83, 0x0B, 0x41, 0x00, 0x02, 0x03, 0x01,
                0xC1, 0x01, 0x03, 0x26, 0x01, 0x2C, 0xC4, 0x03, 0x40, 0x20, 0x00, 0x00,
        };
        assert_int_equal(out.len, sizeof(want));
        assert_memory_equal(out.data, want, sizeof(want));
        lwm2m_buf_free(&out);
        assert_round_trip("/9999", &l);
        lwm2m_record_list_free(&l);
}

static void assert_value_bytes(const char *path, lwm2m_value v, const uint8_t *want, size_t len)
{
        lwm2m_record_list l = {0};
        add(&l, path, v);
        lwm2m_path p = P(path);
        lwm2m_buf out = {0};
        assert_int_equal(tlv_encode(&p, l.items, l.n, &out), 0);
        assert_int_equal(out.len, len);
        assert_memory_equal(out.data, want, len);
        lwm2m_record_list back = {0};
        assert_int_equal(tlv_decode(&p, out.data, out.len, &test_resolver, &back), 0);
        assert_lists_equal(&l, &back);
        lwm2m_record_list_free(&back);
        lwm2m_record_list_free(&l);
        lwm2m_buf_free(&out);
        lwm2m_value_clear(&v);
}

#define VALUE_BYTES(path, v, ...)                                                                  \
        do {                                                                                       \
                const uint8_t want_[] = {__VA_ARGS__};                                             \
                assert_value_bytes(path, v, want_, sizeof(want_));                                 \
        } while (0)

static void test_integer_widths(void **state)
{
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(0), 0xC1, 0x01, 0x00);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(127), 0xC1, 0x01, 0x7F);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(-128), 0xC1, 0x01, 0x80);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(128), 0xC2, 0x01, 0x00, 0x80);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(-129), 0xC2, 0x01, 0xFF, 0x7F);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(32767), 0xC2, 0x01, 0x7F, 0xFF);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(32768), 0xC4, 0x01, 0x00, 0x00, 0x80, 0x00);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(INT32_MIN), 0xC4, 0x01, 0x80, 0x00, 0x00,
                    0x00);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer((int64_t)INT32_MAX + 1), 0xC8, 0x01, 0x08,
                    0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(INT64_MIN), 0xC8, 0x01, 0x08, 0x80, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00);
        VALUE_BYTES("/9999/0/1", lwm2m_value_integer(INT64_MAX), 0xC8, 0x01, 0x08, 0x7F, 0xFF, 0xFF,
                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
        VALUE_BYTES("/9999/0/6", lwm2m_value_time(-1), 0xC1, 0x06, 0xFF);
}

static void test_unsigned_widths(void **state)
{
        /* The top bit stays clear below 2^63, so a signed reader agrees. */
        VALUE_BYTES("/9999/0/2", lwm2m_value_unsigned(127), 0xC1, 0x02, 0x7F);
        VALUE_BYTES("/9999/0/2", lwm2m_value_unsigned(200), 0xC2, 0x02, 0x00, 0xC8);
        VALUE_BYTES("/9999/0/2", lwm2m_value_unsigned(0xFFFFFFFF), 0xC8, 0x02, 0x08, 0x00, 0x00,
                    0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF);
        VALUE_BYTES("/9999/0/2", lwm2m_value_unsigned((uint64_t)1 << 63), 0xC8, 0x02, 0x08, 0x80,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        VALUE_BYTES("/9999/0/2", lwm2m_value_unsigned(UINT64_MAX), 0xC8, 0x02, 0x08, 0xFF, 0xFF,
                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);

        /* Other encoders use every byte: 0xC8 alone is 200, not -56. */
        static const uint8_t one_byte[] = {0xC1, 0x02, 0xC8};
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0/2", one_byte, sizeof(one_byte), &l), 0);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_UNSIGNED);
        assert_int_equal(l.items[0].value.u, 200);
        lwm2m_record_list_free(&l);
}

static void test_float_widths(void **state)
{
        VALUE_BYTES("/9999/0/3", lwm2m_value_float(1.5), 0xC4, 0x03, 0x3F, 0xC0, 0x00, 0x00);
        VALUE_BYTES("/9999/0/3", lwm2m_value_float(-0.0), 0xC4, 0x03, 0x80, 0x00, 0x00, 0x00);
        /* 0.1 and 1e300 are no floats: eight bytes. */
        VALUE_BYTES("/9999/0/3", lwm2m_value_float(0.1), 0xC8, 0x03, 0x08, 0x3F, 0xB9, 0x99, 0x99,
                    0x99, 0x99, 0x99, 0x9A);
        VALUE_BYTES("/9999/0/3", lwm2m_value_float(1e300), 0xC8, 0x03, 0x08, 0x7E, 0x37, 0xE4, 0x3C,
                    0x88, 0x00, 0x75, 0x9C);
        /* The smallest subnormal double must not be squeezed into four bytes. */
        lwm2m_record_list l = {0};
        add(&l, "/9999/0/3", lwm2m_value_float(4.9406564584124654e-324));
        lwm2m_path p = P("/9999/0/3");
        lwm2m_buf out = {0};
        assert_int_equal(tlv_encode(&p, l.items, l.n, &out), 0);
        assert_int_equal(out.len, 11);
        lwm2m_buf_free(&out);
        assert_round_trip("/9999/0/3", &l);
        lwm2m_record_list_free(&l);
}

static void test_lengths_and_ids(void **state)
{
        /* 16-bit IDs, and 8-, 16- and 24-bit lengths. */
        for (size_t n = 7; n <= 70000; n = n * 5 + 3) {
                char *s = malloc(n);
                assert_non_null(s);
                memset(s, 'x', n);
                lwm2m_record_list l = {0};
                add_bytes(&l, "/9999/300/10/1000", LWM2M_TYPE_STRING, s, n);
                add_bytes(&l, "/9999/300/10/1001", LWM2M_TYPE_STRING, s, n);
                assert_round_trip("/9999", &l);
                assert_round_trip("/9999/300/10", &l);
                lwm2m_path p = P("/9999/300/10/1000");
                lwm2m_buf out = {0};
                assert_int_equal(tlv_encode(&p, l.items, 1, &out), 0);
                uint8_t len_type = n <= 7 ? 0 : n <= 0xFF ? 1 : n <= 0xFFFF ? 2 : 3;
                assert_int_equal(out.data[0], 0x60 | (len_type << 3) | (n <= 7 ? n : 0));
                assert_int_equal(out.len, 3 + len_type + n);
                lwm2m_buf_free(&out);
                lwm2m_record_list_free(&l);
                free(s);
        }
}

static void test_empty_instance_and_multiple(void **state)
{
        lwm2m_record_list l = {0};
        add(&l, "/9999/0", (lwm2m_value){0});
        add(&l, "/9999/1/11", (lwm2m_value){0});
        static const uint8_t want[] = {0x00, 0x00, 0x02, 0x01, 0x80, 0x0B};
        assert_encodes("/9999", &l, want, sizeof(want));
        assert_round_trip("/9999", &l);
        lwm2m_record_list_free(&l);

        add(&l, "/9999/1/11", (lwm2m_value){0});
        static const uint8_t empty_multi[] = {0x80, 0x0B};
        assert_encodes("/9999/1", &l, empty_multi, sizeof(empty_multi));
        assert_encodes("/9999/1/11", &l, empty_multi, sizeof(empty_multi));
        assert_round_trip("/9999/1/11", &l);
        lwm2m_record_list_free(&l);

        /* An instance marker next to its resources adds nothing. */
        add(&l, "/9999/0", (lwm2m_value){0});
        add(&l, "/9999/0/1", lwm2m_value_integer(5));
        static const uint8_t with_marker[] = {0x03, 0x00, 0xC1, 0x01, 0x05};
        assert_encodes("/9999", &l, with_marker, sizeof(with_marker));
        lwm2m_record_list_free(&l);

        /* Nothing at all, and an empty instance at its own path: no records. */
        lwm2m_path b = P("/9999/0");
        assert_int_equal(tlv_decode(&b, NULL, 0, &test_resolver, &l), 0);
        assert_int_equal(l.n, 0);
        assert_int_equal(tlv_decode(&b, (const uint8_t *)"\x00\x00", 2, &test_resolver, &l), 0);
        assert_int_equal(l.n, 0);
        add(&l, "/9999/0", (lwm2m_value){0});
        assert_encodes("/9999/0", &l, NULL, 0);
        lwm2m_record_list_free(&l);
}

static void test_without_resolver(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_path b = P("/2");
        assert_int_equal(tlv_decode(&b, spec_access_control, sizeof(spec_access_control), NULL, &l),
                         0);
        assert_int_equal(l.n, 9);
        for (size_t i = 0; i < l.n; i++)
                assert_int_equal(l.items[i].value.type, LWM2M_TYPE_OPAQUE);
        const lwm2m_record *r = find(&l, "/2/2/2/310");
        assert_int_equal(r->value.buf.len, 1);
        assert_int_equal(r->value.buf.data[0], 1);
        /* Opaque re-encodes to the same bytes. */
        assert_encodes("/2", &l, spec_access_control, sizeof(spec_access_control));
        lwm2m_record_list_free(&l);
}

static void test_create_without_instance_id(void **state)
{
        /* Resources straight under an object: the client picks the instance. */
        static const uint8_t bare[] = {0xC1, 0x00, 0x01, 0x86, 0x06, 0x41,
                                       0x00, 0x01, 0x41, 0x01, 0x05};
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/3", bare, sizeof(bare), &l), 0);
        assert_int_equal(l.n, 3);
        for (size_t i = 0; i < l.n; i++)
                assert_int_equal(l.items[i].path.id[1], LWM2M_ID_INVALID);
        lwm2m_record_list_clear(&l);

        /* Mixed with an instance TLV it is ambiguous. */
        static const uint8_t mixed[] = {0x03, 0x00, 0xC1, 0x09, 0x01, 0xC1, 0x09, 0x01};
        assert_int_equal(decode("/3", mixed, sizeof(mixed), &l), -EBADMSG);
        assert_int_equal(l.n, 0);
        lwm2m_record_list_free(&l);
}

static void test_truncated_everywhere(void **state)
{
        lwm2m_record_list l = {0};
        /* Every proper prefix of an instance TLV is short of its declared length. */
        for (size_t n = 1; n < sizeof(spec_access_control); n++) {
                int r = decode("/2", spec_access_control, n, &l);
                if (n == 17) {
                        /* exactly the first instance */
                        assert_int_equal(r, 0);
                        lwm2m_record_list_clear(&l);
                        continue;
                }
                assert_int_equal(r, -EBADMSG);
                assert_int_equal(l.n, 0);
        }
        size_t len = sizeof(spec_device_object_header) + sizeof(spec_device_instance);
        uint8_t *bytes = malloc(len);
        assert_non_null(bytes);
        memcpy(bytes, spec_device_object_header, sizeof(spec_device_object_header));
        memcpy(bytes + 3, spec_device_instance, sizeof(spec_device_instance));
        for (size_t n = 1; n < len; n++) {
                assert_int_equal(decode("/3", bytes, n, &l), -EBADMSG);
                assert_int_equal(l.n, 0);
        }
        free(bytes);
        lwm2m_record_list_free(&l);
}

static void assert_decode_fails(const char *base, const uint8_t *bytes, size_t len, int err)
{
        lwm2m_record_list l = {0};
        /* A record already in the list must survive the failure untouched. */
        add_str(&l, "/1/0/7", "keep");
        assert_int_equal(decode(base, bytes, len, &l), err);
        assert_int_equal(l.n, 1);
        assert_memory_equal(l.items[0].value.buf.data, "keep", 4);
        lwm2m_record_list_free(&l);
}

#define DECODE_FAILS(base, err, ...)                                                               \
        do {                                                                                       \
                const uint8_t bytes_[] = {__VA_ARGS__};                                            \
                assert_decode_fails(base, bytes_, sizeof(bytes_), err);                            \
        } while (0)

/* IEEE 754 bytes spell NaN and infinities; a Float holds neither (value.h), so
 * in four or eight bytes, alone or inside an instance, they are malformed. */
static void test_non_finite_floats_refused(void **state)
{
        DECODE_FAILS("/9999/0/3", -EBADMSG, 0xC4, 0x03, 0x7F, 0xC0, 0x00, 0x00);
        DECODE_FAILS("/9999/0/3", -EBADMSG, 0xC4, 0x03, 0x7F, 0x80, 0x00, 0x00);
        DECODE_FAILS("/9999/0/3", -EBADMSG, 0xC4, 0x03, 0xFF, 0x80, 0x00, 0x00);
        DECODE_FAILS("/9999/0/3", -EBADMSG, 0xC8, 0x03, 0x08, 0x7F, 0xF8, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x01);
        DECODE_FAILS("/9999/0/3", -EBADMSG, 0xC8, 0x03, 0x08, 0xFF, 0xF0, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x00);
        /* An instance with a good value first: the whole payload is refused. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC4, 0x03, 0x3F, 0xC0, 0x00, 0x00, 0xC4, 0x03, 0x7F,
                     0x80, 0x00, 0x00);
        /* The largest finite values pass. */
        lwm2m_record_list l = {0};
        add(&l, "/9999/0/3", lwm2m_value_float(DBL_MAX));
        assert_round_trip("/9999/0/3", &l);
        lwm2m_record_list_clear(&l);
        add(&l, "/9999/0/3", lwm2m_value_float(-FLT_MAX));
        assert_round_trip("/9999/0/3", &l);
        lwm2m_record_list_free(&l);
}

static void test_wrong_value_lengths(void **state)
{
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC3, 0x01, 0x00, 0x00, 0x01); /* integer, 3 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC0, 0x01);                   /* integer, 0 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC5, 0x02, 1, 2, 3, 4, 5);    /* unsigned, 5 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC2, 0x03, 0x00, 0x00);       /* float, 2 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC2, 0x04, 0x00, 0x01);       /* bool, 2 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC1, 0x04, 0x02);             /* bool 2 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC3, 0x07, 0x00, 0x00, 0x01); /* objlnk, 3 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC2, 0x00, 0xC0, 0x80);       /* overlong UTF-8 */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC3, 0x00, 0xED, 0xA0, 0x80); /* surrogate */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC1, 0x14, 0x00);             /* executable */
        DECODE_FAILS("/9999/0", -ENOENT, 0xC1, 0x63, 0x00);              /* unknown */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC1, 0x04, 0x01, 0xC1);       /* trailing byte */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xE1, 0xFF, 0xFF, 0x00);       /* ID 65535 */
        /* Huge declared lengths: 8-, 16- and 24-bit. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC8, 0x00, 0xFF, 0x41);
        DECODE_FAILS("/9999/0", -EBADMSG, 0xD0, 0x00, 0xFF, 0xFF, 0x41);
        DECODE_FAILS("/9999/0", -EBADMSG, 0xD8, 0x00, 0xFF, 0xFF, 0xFF, 0x41);
        DECODE_FAILS("/9999", -EBADMSG, 0x18, 0x00, 0xFF, 0xFF, 0xFF);
        /* Header cut short. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC8);
        DECODE_FAILS("/9999/0", -EBADMSG, 0xF8, 0x00, 0x01);
}

static void test_wrong_nesting(void **state)
{
        /* A resource instance straight under an instance request. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0x41, 0x00, 0x01);
        /* A resource TLV inside a multiple resource. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0x83, 0x0B, 0xC1, 0x00, 0x01);
        /* An instance inside an instance. */
        DECODE_FAILS("/9999", -EBADMSG, 0x05, 0x00, 0x03, 0x01, 0xC1, 0x01, 0x01);
        /* An instance inside a multiple resource. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0x82, 0x0B, 0x00, 0x00);
        /* Multiple-resource TLV for a single resource, and the other way round. */
        DECODE_FAILS("/9999/0", -EBADMSG, 0x83, 0x01, 0x41, 0x00, 0x01);
        DECODE_FAILS("/9999/0", -EBADMSG, 0xC1, 0x0B, 0x01);
        /* Resource instance of a single resource at its own path. */
        DECODE_FAILS("/9999/0/1", -EBADMSG, 0x41, 0x00, 0x01);
        /* IDs that contradict the request. */
        DECODE_FAILS("/9999/0/1", -EBADMSG, 0xC1, 0x02, 0x01);
        DECODE_FAILS("/9999/0/11/1", -EBADMSG, 0x41, 0x00, 0x01);
        DECODE_FAILS("/9999/0/11/1", -EBADMSG, 0x83, 0x0C, 0x41, 0x01, 0x01);
        DECODE_FAILS("/9999/0/11", -EBADMSG, 0x03, 0x01, 0x80, 0x0B);
        /* A resource value cannot answer a request for one of its instances. */
        DECODE_FAILS("/9999/0/11/1", -EBADMSG, 0xC1, 0x0B, 0x01);
        /* Resource instances straight under an object. */
        DECODE_FAILS("/9999", -EBADMSG, 0x41, 0x00, 0x01);
        /* An empty wrapper above the request says nothing about it. */
        DECODE_FAILS("/9999/0/11", -EBADMSG, 0x00, 0x00);

        /* Wrappers that repeat the request's IDs are fine. */
        static const uint8_t wrapped[] = {0x05, 0x00, 0x83, 0x0B, 0x41, 0x01, 0x07};
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0/11/1", wrapped, sizeof(wrapped), &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(lwm2m_path_equal(&l.items[0].path, &(lwm2m_path){{9999, 0, 11, 1}, 4}));
        assert_int_equal(l.items[0].value.i, 7);
        lwm2m_record_list_free(&l);
}

static void test_record_limit(void **state)
{
        /* Tiny resource instances, one more than a payload may hold. */
        size_t count = LWM2M_RECORDS_MAX + 1;
        size_t content = count * 3;
        uint8_t *bytes = malloc(5 + content);
        assert_non_null(bytes);
        bytes[0] = 0x98; /* multiple resource, 24-bit length */
        bytes[1] = 0x0B;
        bytes[2] = (uint8_t)(content >> 16);
        bytes[3] = (uint8_t)(content >> 8);
        bytes[4] = (uint8_t)content;
        for (size_t i = 0; i < count; i++)
                memcpy(bytes + 5 + i * 3, "\x41\x00\x01", 3);
        lwm2m_record_list l = {0};
        assert_int_equal(decode("/9999/0", bytes, 5 + content, &l), -E2BIG);
        assert_int_equal(l.n, 0);
        lwm2m_record_list_free(&l);
        free(bytes);
}

static void test_encode_refuses(void **state)
{
        lwm2m_record_list l = {0};
        lwm2m_buf out = {0};
        add(&l, "/9999/0/1", lwm2m_value_integer(1));
        lwm2m_path root = {0}, other = P("/9999/1"), res = P("/9999/0/1");
        assert_int_equal(tlv_encode(&root, l.items, l.n, &out), -EMEDIUMTYPE);
        assert_int_equal(tlv_decode(&root, (const uint8_t *)"\xC1\x01\x01", 3, &test_resolver, &l),
                         -EMEDIUMTYPE);
        assert_int_equal(tlv_encode(&other, l.items, l.n, &out), -EINVAL);
        /* A value and instances for one resource. */
        add(&l, "/9999/0/1/0", lwm2m_value_integer(1));
        assert_int_equal(tlv_encode(&res, l.items, l.n, &out), -EINVAL);
        assert_int_equal(out.len, 0);
        lwm2m_record_list_free(&l);
        /* A value on an instance path. */
        add(&l, "/9999/0", lwm2m_value_integer(1));
        lwm2m_path obj = P("/9999");
        assert_int_equal(tlv_encode(&obj, l.items, l.n, &out), -EINVAL);
        assert_int_equal(out.len, 0);
        lwm2m_record_list_free(&l);
        lwm2m_buf_free(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec_device_instance),
                cmocka_unit_test(test_spec_device_object),
                cmocka_unit_test(test_spec_access_control),
                cmocka_unit_test(test_spec_server),
                cmocka_unit_test(test_spec_objlnk),
                cmocka_unit_test(test_round_trip_every_depth),
                cmocka_unit_test(test_two_instances_round_trip),
                cmocka_unit_test(test_integer_widths),
                cmocka_unit_test(test_unsigned_widths),
                cmocka_unit_test(test_float_widths),
                cmocka_unit_test(test_non_finite_floats_refused),
                cmocka_unit_test(test_lengths_and_ids),
                cmocka_unit_test(test_empty_instance_and_multiple),
                cmocka_unit_test(test_without_resolver),
                cmocka_unit_test(test_create_without_instance_id),
                cmocka_unit_test(test_truncated_everywhere),
                cmocka_unit_test(test_wrong_value_lengths),
                cmocka_unit_test(test_wrong_nesting),
                cmocka_unit_test(test_record_limit),
                cmocka_unit_test(test_encode_refuses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
