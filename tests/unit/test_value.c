/* test_value.c - unit tests for typed LwM2M values (model/value), written against value.h:
 * type names, UTF-8 validation, byte storage, copy/equal/clear and lossless conversion. */
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

#include "model/value.h"

#define N_TYPES ((int)_LWM2M_TYPE_MAX)

static const char *const ddf_names[_LWM2M_TYPE_MAX] = {
        [LWM2M_TYPE_NONE] = "",           [LWM2M_TYPE_STRING] = "String",
        [LWM2M_TYPE_INTEGER] = "Integer", [LWM2M_TYPE_UNSIGNED] = "Unsigned Integer",
        [LWM2M_TYPE_FLOAT] = "Float",     [LWM2M_TYPE_BOOLEAN] = "Boolean",
        [LWM2M_TYPE_OPAQUE] = "Opaque",   [LWM2M_TYPE_TIME] = "Time",
        [LWM2M_TYPE_OBJLNK] = "Objlnk",   [LWM2M_TYPE_CORELNK] = "Corelnk",
};

static void test_type_names_both_ways(void **state)
{
        for (int t = 0; t < N_TYPES; t++) {
                assert_string_equal(lwm2m_type_to_string((lwm2m_type)t), ddf_names[t]);
                lwm2m_type back = (lwm2m_type)-1;
                assert_int_equal(lwm2m_type_from_string(ddf_names[t], &back), 0);
                assert_int_equal(back, t);
        }
        /* Out of range still names something printable. */
        assert_non_null(lwm2m_type_to_string(_LWM2M_TYPE_MAX));
        assert_non_null(lwm2m_type_to_string((lwm2m_type)-1));
}

static void test_type_from_string_spellings(void **state)
{
        static const struct {
                const char *s;
                lwm2m_type t;
        } ok[] = {
                {"unsigned integer", LWM2M_TYPE_UNSIGNED},
                {"UNSIGNED INTEGER", LWM2M_TYPE_UNSIGNED},
                {"  Unsigned Integer\n", LWM2M_TYPE_UNSIGNED},
                {"string", LWM2M_TYPE_STRING},
                {"STRING", LWM2M_TYPE_STRING},
                {"\tFloat\t", LWM2M_TYPE_FLOAT},
                {"\n        Time\n      ", LWM2M_TYPE_TIME},
                {"objlnk", LWM2M_TYPE_OBJLNK},
                {"CoreLnk", LWM2M_TYPE_CORELNK},
                {"bOoLeAn", LWM2M_TYPE_BOOLEAN},
                {"opaque ", LWM2M_TYPE_OPAQUE},
                {" integer", LWM2M_TYPE_INTEGER},
                {"", LWM2M_TYPE_NONE},
                {"  \n\t ", LWM2M_TYPE_NONE},
        };
        for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
                lwm2m_type t = (lwm2m_type)-1;
                if (lwm2m_type_from_string(ok[k].s, &t) != 0 || t != ok[k].t)
                        fail_msg("\"%s\" gave %d", ok[k].s, (int)t);
        }

        static const char *const bad[] = {
                "Unsigned", "Int",        "int",     "Strings",       "Str",  "Integer Unsigned",
                "Float64",  "Bool",       "Objlink", "Opaque Opaque", "none", "Executable",
                "String,",  "\"String\"", "Time\x01"};
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                lwm2m_type t;
                if (lwm2m_type_from_string(bad[k], &t) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[k]);
        }
}

static bool utf8(const char *s, size_t len)
{
        return lwm2m_utf8_valid((const uint8_t *)s, len);
}
#define UTF8(lit) utf8(lit, sizeof(lit) - 1)

static void test_utf8_valid(void **state)
{
        assert_true(lwm2m_utf8_valid(NULL, 0));
        assert_true(UTF8(""));
        assert_true(UTF8("plain ASCII ~\x7f"));
        assert_true(UTF8("\0embedded NUL"));
        assert_true(UTF8("\xc2\x80"));          /* U+0080, smallest two-byte */
        assert_true(UTF8("\xc3\xa9t\xc3\xa9")); /* été */
        assert_true(UTF8("\xdf\xbf"));          /* U+07FF */
        assert_true(UTF8("\xe0\xa0\x80"));      /* U+0800, smallest three-byte */
        assert_true(UTF8("\xe2\x82\xac"));      /* € */
        assert_true(UTF8("\xed\x9f\xbf"));      /* U+D7FF, just below the surrogates */
        assert_true(UTF8("\xee\x80\x80"));      /* U+E000, just above them */
        assert_true(UTF8("\xef\xbf\xbf"));      /* U+FFFF */
        assert_true(UTF8("\xf0\x90\x80\x80"));  /* U+10000, smallest four-byte */
        assert_true(UTF8("\xf0\x9d\x84\x9e"));  /* 𝄞 */
        assert_true(UTF8("\xf4\x8f\xbf\xbf"));  /* U+10FFFF, the last code point */
}

static void test_utf8_invalid(void **state)
{
        static const struct {
                const char *s;
                size_t len;
                const char *why;
        } bad[] = {
#define BAD(lit, why) {lit, sizeof(lit) - 1, why}
                BAD("\xc0\x80", "overlong NUL"),
                BAD("\xc1\xbf", "overlong U+007F"),
                BAD("\xe0\x80\x80", "overlong three-byte NUL"),
                BAD("\xe0\x9f\xbf", "overlong U+07FF"),
                BAD("\xf0\x80\x80\x80", "overlong four-byte NUL"),
                BAD("\xf0\x8f\xbf\xbf", "overlong U+FFFF"),
                BAD("\xed\xa0\x80", "high surrogate U+D800"),
                BAD("\xed\xbf\xbf", "low surrogate U+DFFF"),
                BAD("\xed\xa0\xbd\xed\xb2\xa9", "surrogate pair (CESU-8)"),
                BAD("\xf4\x90\x80\x80", "U+110000"),
                BAD("\xf5\x80\x80\x80", "lead byte F5"),
                BAD("\xf7\xbf\xbf\xbf", "lead byte F7"),
                BAD("\xf8\x88\x80\x80\x80", "five-byte form"),
                BAD("\xfc\x84\x80\x80\x80\x80", "six-byte form"),
                BAD("\xfe", "FE"),
                BAD("\xff", "FF"),
                BAD("\x80", "lone continuation"),
                BAD("a\xbf", "continuation after ASCII"),
                BAD("\xc3", "truncated two-byte"),
                BAD("\xe2\x82", "truncated three-byte"),
                BAD("\xf0\x9d\x84", "truncated four-byte"),
                BAD("\xc3\x41", "two-byte with ASCII second byte"),
                BAD("\xe2\x28\xa1", "three-byte with bad second byte"),
                BAD("\xe2\x82\x28", "three-byte with bad third byte"),
                BAD("\xf0\x9d\x84\xc3", "four-byte with a lead as last byte"),
                BAD("ok\xc3\xa9\xc3", "valid then truncated"),
#undef BAD
        };
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
                if (utf8(bad[k].s, bad[k].len))
                        fail_msg("accepted: %s", bad[k].why);

        /* The length is respected: a valid prefix of an invalid buffer is valid. */
        assert_true(utf8("ab\xc3\xa9\xc3", 4));
        assert_false(utf8("ab\xc3\xa9\xc3", 5));
        assert_false(utf8("\xe2\x82\xac", 2));
}

static void test_set_bytes(void **state)
{
        lwm2m_value v = {0};
        char src[] = "h\xc3\xa9llo";
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, src, 6), 0);
        assert_int_equal(v.type, LWM2M_TYPE_STRING);
        assert_int_equal(v.buf.len, 6);
        assert_memory_equal(v.buf.data, "h\xc3\xa9llo", 6);
        assert_int_equal(v.buf.data[6], 0); /* NUL-terminated beyond len */
        src[0] = 'j';
        assert_int_equal(v.buf.data[0], 'h'); /* a copy, not the caller's bytes */

        /* Replacing a value frees the old bytes (the sanitizer would see a leak). */
        assert_int_equal(lwm2m_value_set_string(&v, "abc", 2), 0);
        assert_int_equal(v.buf.len, 2);
        assert_memory_equal(v.buf.data, "ab", 2);
        assert_int_equal(v.buf.data[2], 0);

        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_CORELNK, "</3/0>", 6), 0);
        assert_int_equal(v.type, LWM2M_TYPE_CORELNK);
        assert_int_equal(v.buf.data[6], 0);

        /* Opaque bytes need not be text. */
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, "\xff\x00\xc0\x80", 4), 0);
        assert_int_equal(v.type, LWM2M_TYPE_OPAQUE);
        assert_int_equal(v.buf.len, 4);
        assert_memory_equal(v.buf.data, "\xff\x00\xc0\x80", 4);

        /* Empty values. */
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, "", 0), 0);
        assert_int_equal(v.buf.len, 0);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, NULL, 0), 0);
        assert_int_equal(v.type, LWM2M_TYPE_OPAQUE);
        assert_int_equal(v.buf.len, 0);
        lwm2m_value_clear(&v);
}

static void test_set_bytes_refused(void **state)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, "\xc0\x80", 2), -EILSEQ);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, "\xed\xa0\x80", 3), -EILSEQ);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_CORELNK, "<\xff>", 3), -EILSEQ);
        assert_int_equal(lwm2m_value_set_string(&v, "abc\xe2\x82", 5), -EILSEQ);

        /* Non-byte types cannot hold bytes. */
        static const lwm2m_type not_bytes[] = {
                LWM2M_TYPE_NONE,    LWM2M_TYPE_INTEGER, LWM2M_TYPE_UNSIGNED, LWM2M_TYPE_FLOAT,
                LWM2M_TYPE_BOOLEAN, LWM2M_TYPE_TIME,    LWM2M_TYPE_OBJLNK};
        for (size_t k = 0; k < sizeof(not_bytes) / sizeof(not_bytes[0]); k++)
                assert_true(lwm2m_value_set_bytes(&v, not_bytes[k], "1", 1) < 0);

        /* The size limit: exactly the maximum is stored, one more byte is not. */
        uint8_t *big = calloc(1, LWM2M_VALUE_MAX_BYTES + 1);
        assert_non_null(big);
        memset(big, 'x', LWM2M_VALUE_MAX_BYTES + 1);
        assert_int_equal(
                lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, big, LWM2M_VALUE_MAX_BYTES + 1),
                -E2BIG);
        assert_int_equal(
                lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, big, LWM2M_VALUE_MAX_BYTES + 1),
                -E2BIG);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, big, SIZE_MAX), -E2BIG);
        assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_STRING, big, LWM2M_VALUE_MAX_BYTES),
                         0);
        assert_int_equal(v.buf.len, LWM2M_VALUE_MAX_BYTES);
        assert_int_equal(v.buf.data[LWM2M_VALUE_MAX_BYTES - 1], 'x');
        assert_int_equal(v.buf.data[LWM2M_VALUE_MAX_BYTES], 0);
        free(big);
        lwm2m_value_clear(&v);
}

/* One value of every type, with owned bytes where the type has them. */
static void make_value(lwm2m_value *v, lwm2m_type t)
{
        *v = (lwm2m_value){0};
        switch (t) {
        case LWM2M_TYPE_NONE:
                break;
        case LWM2M_TYPE_STRING:
                assert_int_equal(lwm2m_value_set_string(v, "s\xc3\xa9", 3), 0);
                break;
        case LWM2M_TYPE_INTEGER:
                *v = lwm2m_value_integer(INT64_MIN);
                break;
        case LWM2M_TYPE_UNSIGNED:
                *v = lwm2m_value_unsigned(UINT64_MAX);
                break;
        case LWM2M_TYPE_FLOAT:
                *v = lwm2m_value_float(-1.5e300);
                break;
        case LWM2M_TYPE_BOOLEAN:
                *v = lwm2m_value_boolean(true);
                break;
        case LWM2M_TYPE_OPAQUE:
                assert_int_equal(lwm2m_value_set_bytes(v, LWM2M_TYPE_OPAQUE, "\0\1\xff", 3), 0);
                break;
        case LWM2M_TYPE_TIME:
                *v = lwm2m_value_time(1700000000);
                break;
        case LWM2M_TYPE_OBJLNK:
                *v = lwm2m_value_objlnk(3, 65535);
                break;
        case LWM2M_TYPE_CORELNK:
                assert_int_equal(lwm2m_value_set_bytes(v, LWM2M_TYPE_CORELNK, "</1>", 4), 0);
                break;
        default:
                fail();
        }
}

static void test_copy_equal_clear_every_type(void **state)
{
        for (int t = 0; t < N_TYPES; t++) {
                lwm2m_value a, b = {0};
                make_value(&a, (lwm2m_type)t);
                assert_true(lwm2m_value_equal(&a, &a));
                assert_int_equal(lwm2m_value_copy(&b, &a), 0);
                assert_int_equal(b.type, t);
                assert_true(lwm2m_value_equal(&a, &b));
                assert_true(lwm2m_value_equal(&b, &a));
                if (t == LWM2M_TYPE_STRING || t == LWM2M_TYPE_OPAQUE || t == LWM2M_TYPE_CORELNK) {
                        /* A deep copy: changing one leaves the other alone. */
                        assert_ptr_not_equal(a.buf.data, b.buf.data);
                        b.buf.data[0] ^= 1;
                        assert_false(lwm2m_value_equal(&a, &b));
                        b.buf.data[0] ^= 1;
                        assert_true(lwm2m_value_equal(&a, &b));
                        if (t != LWM2M_TYPE_OPAQUE)
                                assert_int_equal(b.buf.data[b.buf.len], 0);
                }
                /* Copying over a value that owns bytes releases them (sanitizer). */
                lwm2m_value c;
                make_value(&c, LWM2M_TYPE_STRING);
                assert_int_equal(lwm2m_value_copy(&c, &a), 0);
                assert_true(lwm2m_value_equal(&c, &a));

                /* Clear empties; clearing twice is harmless. */
                lwm2m_value_clear(&b);
                assert_int_equal(b.type, LWM2M_TYPE_NONE);
                lwm2m_value_clear(&b);
                lwm2m_value_clear(&c);
                lwm2m_value_clear(&a);
                lwm2m_value none = {0};
                assert_true(lwm2m_value_equal(&a, &none));
        }
}

static void test_equal_differences(void **state)
{
        /* Every type differs from every other, even where the bits agree. */
        for (int s = 0; s < N_TYPES; s++)
                for (int t = 0; t < N_TYPES; t++) {
                        if (s == t)
                                continue;
                        lwm2m_value a, b;
                        make_value(&a, (lwm2m_type)s);
                        make_value(&b, (lwm2m_type)t);
                        assert_false(lwm2m_value_equal(&a, &b));
                        lwm2m_value_clear(&a);
                        lwm2m_value_clear(&b);
                }

        lwm2m_value i5 = lwm2m_value_integer(5), t5 = lwm2m_value_time(5);
        lwm2m_value u5 = lwm2m_value_unsigned(5), f5 = lwm2m_value_float(5.0);
        assert_false(lwm2m_value_equal(&i5, &t5));
        assert_false(lwm2m_value_equal(&i5, &u5));
        assert_false(lwm2m_value_equal(&i5, &f5));
        lwm2m_value i6 = lwm2m_value_integer(6);
        assert_false(lwm2m_value_equal(&i5, &i6));
        lwm2m_value bt = lwm2m_value_boolean(true), bf = lwm2m_value_boolean(false);
        assert_false(lwm2m_value_equal(&bt, &bf));
        lwm2m_value l1 = lwm2m_value_objlnk(1, 2), l2 = lwm2m_value_objlnk(2, 1),
                    l3 = lwm2m_value_objlnk(1, 3), l4 = lwm2m_value_objlnk(1, 2);
        assert_false(lwm2m_value_equal(&l1, &l2));
        assert_false(lwm2m_value_equal(&l1, &l3));
        assert_true(lwm2m_value_equal(&l1, &l4));

        /* Same bytes, different types; same type, different bytes or lengths. */
        lwm2m_value s = {0}, o = {0}, c = {0}, s2 = {0};
        assert_int_equal(lwm2m_value_set_string(&s, "ab", 2), 0);
        assert_int_equal(lwm2m_value_set_bytes(&o, LWM2M_TYPE_OPAQUE, "ab", 2), 0);
        assert_int_equal(lwm2m_value_set_bytes(&c, LWM2M_TYPE_CORELNK, "ab", 2), 0);
        assert_false(lwm2m_value_equal(&s, &o));
        assert_false(lwm2m_value_equal(&s, &c));
        assert_int_equal(lwm2m_value_set_string(&s2, "a", 1), 0);
        assert_false(lwm2m_value_equal(&s, &s2));
        assert_int_equal(lwm2m_value_set_string(&s2, "ab", 2), 0);
        assert_true(lwm2m_value_equal(&s, &s2));
        assert_int_equal(lwm2m_value_set_string(&s2, "", 0), 0);
        assert_false(lwm2m_value_equal(&s, &s2));
        lwm2m_value_clear(&s);
        lwm2m_value_clear(&o);
        lwm2m_value_clear(&c);
        lwm2m_value_clear(&s2);

        /* Floats compare as stored values (value.c: "a change would not be noticed"):
         * NaN equals NaN, and -0.0 is a change from 0.0. */
        lwm2m_value n1 = lwm2m_value_float(NAN), n2 = lwm2m_value_float(NAN);
        assert_true(lwm2m_value_equal(&n1, &n2));
        lwm2m_value z = lwm2m_value_float(0.0), mz = lwm2m_value_float(-0.0);
        assert_false(lwm2m_value_equal(&z, &mz));
        lwm2m_value f1 = lwm2m_value_float(0.1), f2 = lwm2m_value_float(nextafter(0.1, 1));
        assert_false(lwm2m_value_equal(&f1, &f2));
}

/* Which pairs lwm2m_value_convert allows at all (value.h). */
static bool convertible(lwm2m_type from, lwm2m_type to)
{
        if (from == to)
                return true;
        bool from_num = from == LWM2M_TYPE_INTEGER || from == LWM2M_TYPE_UNSIGNED ||
                        from == LWM2M_TYPE_TIME || from == LWM2M_TYPE_FLOAT;
        bool to_num = to == LWM2M_TYPE_INTEGER || to == LWM2M_TYPE_UNSIGNED ||
                      to == LWM2M_TYPE_TIME || to == LWM2M_TYPE_FLOAT;
        if (from_num && to_num)
                return true;
        return (from == LWM2M_TYPE_STRING && to == LWM2M_TYPE_CORELNK) ||
               (from == LWM2M_TYPE_CORELNK && to == LWM2M_TYPE_STRING);
}

static void test_convert_every_pair(void **state)
{
        for (int s = 0; s < N_TYPES; s++)
                for (int t = 0; t < N_TYPES; t++) {
                        lwm2m_value v = {0}, orig = {0};
                        /* Small numbers fit everywhere; bytes are text. */
                        switch (s) {
                        case LWM2M_TYPE_INTEGER:
                                v = lwm2m_value_integer(42);
                                break;
                        case LWM2M_TYPE_UNSIGNED:
                                v = lwm2m_value_unsigned(42);
                                break;
                        case LWM2M_TYPE_TIME:
                                v = lwm2m_value_time(42);
                                break;
                        case LWM2M_TYPE_FLOAT:
                                v = lwm2m_value_float(42.0);
                                break;
                        case LWM2M_TYPE_STRING:
                        case LWM2M_TYPE_OPAQUE:
                        case LWM2M_TYPE_CORELNK:
                                assert_int_equal(
                                        lwm2m_value_set_bytes(&v, (lwm2m_type)s, "</42>", 5), 0);
                                break;
                        default:
                                make_value(&v, (lwm2m_type)s);
                        }
                        assert_int_equal(lwm2m_value_copy(&orig, &v), 0);
                        int r = lwm2m_value_convert(&v, (lwm2m_type)t);
                        if (!convertible((lwm2m_type)s, (lwm2m_type)t)) {
                                if (r != -EINVAL)
                                        fail_msg("%s -> %s: %d, wanted -EINVAL",
                                                 lwm2m_type_to_string((lwm2m_type)s),
                                                 lwm2m_type_to_string((lwm2m_type)t), r);
                                /* A refused conversion leaves the value as it was. */
                                assert_true(lwm2m_value_equal(&v, &orig));
                        } else {
                                if (r != 0)
                                        fail_msg("%s -> %s: %d, wanted 0",
                                                 lwm2m_type_to_string((lwm2m_type)s),
                                                 lwm2m_type_to_string((lwm2m_type)t), r);
                                assert_int_equal(v.type, t);
                                switch (t) {
                                case LWM2M_TYPE_INTEGER:
                                case LWM2M_TYPE_TIME:
                                        assert_int_equal(v.i, 42);
                                        break;
                                case LWM2M_TYPE_UNSIGNED:
                                        assert_int_equal(v.u, 42);
                                        break;
                                case LWM2M_TYPE_FLOAT:
                                        assert_true(v.f == 42.0);
                                        break;
                                case LWM2M_TYPE_STRING:
                                case LWM2M_TYPE_CORELNK:
                                        assert_int_equal(v.buf.len, 5);
                                        assert_memory_equal(v.buf.data, "</42>", 5);
                                        break;
                                default:
                                        assert_true(lwm2m_value_equal(&v, &orig));
                                }
                        }
                        lwm2m_value_clear(&v);
                        lwm2m_value_clear(&orig);
                }
}

/* Converts and checks the outcome; on failure the value must be unchanged. */
static void convert_expect(lwm2m_value v, lwm2m_type to, int want, const lwm2m_value *result,
                           int line)
{
        lwm2m_value orig = v;
        int r = lwm2m_value_convert(&v, to);
        if (r != want)
                fail_msg("line %d: %s -> %s: %d, wanted %d", line, lwm2m_type_to_string(orig.type),
                         lwm2m_type_to_string(to), r, want);
        if (r == 0) {
                if (!lwm2m_value_equal(&v, result))
                        fail_msg("line %d: wrong result", line);
        } else if (!lwm2m_value_equal(&v, &orig)) {
                fail_msg("line %d: value changed by a refused conversion", line);
        }
}
#define CONVERT_OK(v, to, res)                                                                     \
        do {                                                                                       \
                lwm2m_value res_ = (res);                                                          \
                convert_expect((v), (to), 0, &res_, __LINE__);                                     \
        } while (0)
#define CONVERT_RANGE(v, to) convert_expect((v), (to), -ERANGE, NULL, __LINE__)

static void test_convert_integer_edges(void **state)
{
        const lwm2m_type I = LWM2M_TYPE_INTEGER, U = LWM2M_TYPE_UNSIGNED, T = LWM2M_TYPE_TIME;

        CONVERT_OK(lwm2m_value_integer(INT64_MAX), U, lwm2m_value_unsigned(INT64_MAX));
        CONVERT_OK(lwm2m_value_integer(0), U, lwm2m_value_unsigned(0));
        CONVERT_RANGE(lwm2m_value_integer(-1), U);
        CONVERT_RANGE(lwm2m_value_integer(INT64_MIN), U);
        CONVERT_OK(lwm2m_value_integer(INT64_MIN), T, lwm2m_value_time(INT64_MIN));
        CONVERT_OK(lwm2m_value_time(-5), I, lwm2m_value_integer(-5));
        CONVERT_RANGE(lwm2m_value_time(-5), U);
        CONVERT_OK(lwm2m_value_time(INT64_MAX), U, lwm2m_value_unsigned(INT64_MAX));

        CONVERT_OK(lwm2m_value_unsigned(INT64_MAX), I, lwm2m_value_integer(INT64_MAX));
        CONVERT_RANGE(lwm2m_value_unsigned((uint64_t)INT64_MAX + 1), I);
        CONVERT_RANGE(lwm2m_value_unsigned(UINT64_MAX), I);
        CONVERT_RANGE(lwm2m_value_unsigned(UINT64_MAX), T);
        CONVERT_OK(lwm2m_value_unsigned(0), T, lwm2m_value_time(0));
}

static void test_convert_float_edges(void **state)
{
        const lwm2m_type I = LWM2M_TYPE_INTEGER, U = LWM2M_TYPE_UNSIGNED, T = LWM2M_TYPE_TIME,
                         F = LWM2M_TYPE_FLOAT;

        /* Integers to float only when the double is exactly the integer. */
        CONVERT_OK(lwm2m_value_integer(9007199254740992), F, lwm2m_value_float(9007199254740992.0));
        CONVERT_RANGE(lwm2m_value_integer(9007199254740993), F);
        CONVERT_RANGE(lwm2m_value_integer(-9007199254740993), F);
        CONVERT_OK(lwm2m_value_integer(-9007199254740992), F,
                   lwm2m_value_float(-9007199254740992.0));
        CONVERT_OK(lwm2m_value_integer(INT64_MIN), F, lwm2m_value_float(-9223372036854775808.0));
        CONVERT_RANGE(lwm2m_value_integer(INT64_MAX), F); /* rounds to 2^63 */
        CONVERT_OK(lwm2m_value_integer(INT64_MAX - 1023), F,
                   lwm2m_value_float(9223372036854774784.0));
        CONVERT_RANGE(lwm2m_value_time(INT64_MAX), F);
        CONVERT_OK(lwm2m_value_unsigned((uint64_t)1 << 63), F,
                   lwm2m_value_float(9223372036854775808.0));
        CONVERT_OK(lwm2m_value_unsigned(18446744073709549568u), F,
                   lwm2m_value_float(18446744073709549568.0));
        CONVERT_RANGE(lwm2m_value_unsigned(UINT64_MAX), F); /* rounds to 2^64 */
        CONVERT_RANGE(lwm2m_value_unsigned(9007199254740993), F);

        /* Floats to integers only when integral and in range. */
        CONVERT_OK(lwm2m_value_float(9007199254740993.0), I,
                   lwm2m_value_integer(9007199254740992)); /* the literal is ...992 */
        CONVERT_OK(lwm2m_value_float(-42.0), I, lwm2m_value_integer(-42));
        CONVERT_OK(lwm2m_value_float(-42.0), T, lwm2m_value_time(-42));
        CONVERT_RANGE(lwm2m_value_float(-42.0), U);
        CONVERT_RANGE(lwm2m_value_float(1.5), I);
        CONVERT_RANGE(lwm2m_value_float(-0.5), U);
        CONVERT_RANGE(lwm2m_value_float(1e-300), I);
        CONVERT_OK(lwm2m_value_float(-0.0), I, lwm2m_value_integer(0));
        CONVERT_OK(lwm2m_value_float(-0.0), U, lwm2m_value_unsigned(0));
        CONVERT_OK(lwm2m_value_float(-9223372036854775808.0), I, lwm2m_value_integer(INT64_MIN));
        CONVERT_RANGE(lwm2m_value_float(9223372036854775808.0), I);
        CONVERT_RANGE(lwm2m_value_float(9223372036854775808.0), T);
        CONVERT_RANGE(lwm2m_value_float(-9223372036854777856.0), I); /* next below -2^63 */
        CONVERT_OK(lwm2m_value_float(9223372036854775808.0), U,
                   lwm2m_value_unsigned((uint64_t)1 << 63));
        CONVERT_OK(lwm2m_value_float(18446744073709549568.0), U,
                   lwm2m_value_unsigned(18446744073709549568u));
        CONVERT_RANGE(lwm2m_value_float(18446744073709551616.0), U);
        CONVERT_RANGE(lwm2m_value_float(1e300), U);
        CONVERT_RANGE(lwm2m_value_float(NAN), I);
        CONVERT_RANGE(lwm2m_value_float(NAN), U);
        CONVERT_RANGE(lwm2m_value_float(INFINITY), I);
        CONVERT_RANGE(lwm2m_value_float(-INFINITY), T);
        CONVERT_RANGE(lwm2m_value_float(INFINITY), U);

        /* Float to float is the identity, NaN included. */
        lwm2m_value v = lwm2m_value_float(NAN);
        assert_int_equal(lwm2m_value_convert(&v, F), 0);
        assert_true(isnan(v.f));
}

/* Only a non-finite Float is outside the domain; every other type is inside
 * whatever it holds, NONE included. */
static void test_in_domain(void **state)
{
        (void)state;
        assert_false(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = NAN}));
        assert_false(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = -NAN}));
        assert_false(
                lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = INFINITY}));
        assert_false(
                lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = -INFINITY}));
        assert_true(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = DBL_MAX}));
        assert_true(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = -0.0}));
        assert_true(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_NONE}));
        assert_true(
                lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_INTEGER, .i = INT64_MIN}));
        assert_true(lwm2m_value_in_domain(
                &(lwm2m_value){.type = LWM2M_TYPE_UNSIGNED, .u = UINT64_MAX}));
        assert_true(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_BOOLEAN, .b = true}));
        assert_true(lwm2m_value_in_domain(&(lwm2m_value){.type = LWM2M_TYPE_TIME, .i = -1}));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_names_both_ways),
                cmocka_unit_test(test_type_from_string_spellings),
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_utf8_invalid),
                cmocka_unit_test(test_set_bytes),
                cmocka_unit_test(test_set_bytes_refused),
                cmocka_unit_test(test_copy_equal_clear_every_type),
                cmocka_unit_test(test_equal_differences),
                cmocka_unit_test(test_convert_every_pair),
                cmocka_unit_test(test_convert_integer_edges),
                cmocka_unit_test(test_convert_float_edges),
                cmocka_unit_test(test_in_domain),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
