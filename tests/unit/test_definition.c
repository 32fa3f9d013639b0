/* test_definition.c - unit tests for object definitions and the registry: ordering,
 * lookup, replacement, and checking values against a resource's definition. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/definition.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* A definition laid out as the loader does: one block, strings may be static. */
static lwm2m_object_def *make_def(uint16_t oid, const char *name, const uint16_t *rids, size_t n)
{
        lwm2m_object_def *def = calloc(1, sizeof(*def) + n * sizeof(lwm2m_resource_def));
        assert_non_null(def);
        lwm2m_resource_def *res = (lwm2m_resource_def *)(def + 1);
        for (size_t i = 0; i < n; i++)
                res[i] = (lwm2m_resource_def){
                        .id = rids[i],
                        .operations = LWM2M_OP_READ,
                        .type = LWM2M_TYPE_INTEGER,
                        .name = "r",
                };
        def->id = oid;
        def->name = name;
        def->n_resources = n;
        def->resources = res;
        snprintf(def->version, sizeof(def->version), "1.0");
        snprintf(def->lwm2m_version, sizeof(def->lwm2m_version), "1.0");
        return def;
}

static void test_registry_order_and_lookup(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        static const uint16_t oids[] = {3303, 0, 65534, 3, 10241, 1, 2};
        static const uint16_t rids[] = {1, 2, 3};

        assert_int_equal(lwm2m_registry_count(reg), 0);
        assert_null(lwm2m_registry_find(reg, 3));
        assert_null(lwm2m_registry_at(reg, 0));
        for (size_t i = 0; i < ELEMENTSOF(oids); i++)
                assert_int_equal(lwm2m_registry_add(reg, make_def(oids[i], "x", rids, i % 4), NULL),
                                 0);
        assert_int_equal(lwm2m_registry_count(reg), ELEMENTSOF(oids));
        /* 0+1+2+3+0+1+2 resources */
        assert_int_equal(lwm2m_registry_resource_count(reg), 9);

        static const uint16_t sorted[] = {0, 1, 2, 3, 3303, 10241, 65534};
        for (size_t i = 0; i < ELEMENTSOF(sorted); i++) {
                assert_int_equal(lwm2m_registry_at(reg, i)->id, sorted[i]);
                assert_ptr_equal(lwm2m_registry_find(reg, sorted[i]), lwm2m_registry_at(reg, i));
        }
        assert_null(lwm2m_registry_at(reg, ELEMENTSOF(sorted)));
        assert_null(lwm2m_registry_find(reg, 4));
        assert_null(lwm2m_registry_find(reg, 65535));
        assert_null(lwm2m_registry_find(reg, 3302));
        lwm2m_registry_free(reg);
}

static void test_registry_many(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();

        /* Descending insertion: every add goes to the front. */
        for (unsigned id = 2000; id-- > 0;)
                assert_int_equal(
                        lwm2m_registry_add(reg, make_def((uint16_t)(id * 7), "m", NULL, 0), NULL),
                        0);
        assert_int_equal(lwm2m_registry_count(reg), 2000);
        for (unsigned id = 0; id < 2000; id++) {
                assert_non_null(lwm2m_registry_find(reg, (uint16_t)(id * 7)));
                assert_null(lwm2m_registry_find(reg, (uint16_t)(id * 7 + 1)));
        }
        lwm2m_registry_free(reg);
}

static void test_registry_replace(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        static const uint16_t two[] = {1, 2}, five[] = {1, 2, 3, 4, 5};
        lwm2m_object_def *first = make_def(3303, "first", two, 2);
        lwm2m_object_def *second = make_def(3303, "second", five, 5);
        lwm2m_object_def *third = make_def(3303, "third", NULL, 0);
        lwm2m_object_def *replaced = (lwm2m_object_def *)1;

        assert_int_equal(lwm2m_registry_add(reg, first, &replaced), 0);
        assert_null(replaced);
        assert_int_equal(lwm2m_registry_add(reg, second, &replaced), 0);
        assert_ptr_equal(replaced, first);
        assert_int_equal(lwm2m_registry_count(reg), 1);
        assert_int_equal(lwm2m_registry_resource_count(reg), 5);
        assert_string_equal(lwm2m_registry_find(reg, 3303)->name, "second");
        lwm2m_object_def_free(replaced);

        /* Without `replaced` the old one is freed (ASan would see a leak). */
        assert_int_equal(lwm2m_registry_add(reg, third, NULL), 0);
        assert_int_equal(lwm2m_registry_resource_count(reg), 0);
        assert_ptr_equal(lwm2m_registry_find(reg, 3303), third);

        assert_int_equal(lwm2m_registry_add(reg, NULL, NULL), -EINVAL);
        assert_int_equal(lwm2m_registry_add(NULL, NULL, &replaced), -EINVAL);
        assert_null(replaced);
        lwm2m_registry_free(reg);

        /* NULL everywhere is harmless. */
        lwm2m_registry_free(NULL);
        lwm2m_object_def_free(NULL);
        assert_int_equal(lwm2m_registry_count(NULL), 0);
        assert_int_equal(lwm2m_registry_resource_count(NULL), 0);
        assert_null(lwm2m_registry_find(NULL, 1));
        assert_null(lwm2m_object_def_find_resource(NULL, 1));
}

static void test_find_resource(void **state)
{
        static const uint16_t rids[] = {0, 1, 5, 7, 100, 5700, 65534};
        lwm2m_object_def *def = make_def(1, "x", rids, ELEMENTSOF(rids));

        for (size_t i = 0; i < ELEMENTSOF(rids); i++)
                assert_ptr_equal(lwm2m_object_def_find_resource(def, rids[i]), &def->resources[i]);
        static const uint16_t absent[] = {2, 4, 6, 8, 99, 101, 5699, 5701, 65533, 65535};
        for (size_t i = 0; i < ELEMENTSOF(absent); i++)
                assert_null(lwm2m_object_def_find_resource(def, absent[i]));
        lwm2m_object_def_free(def);

        def = make_def(2, "empty", NULL, 0);
        assert_null(lwm2m_object_def_find_resource(def, 0));
        lwm2m_object_def_free(def);
}

/* A hand-made definition can carry a constraint; freeing it frees the constraint. */
static void test_def_free_owns_constraints(void **state)
{
        static const uint16_t rids[] = {1};
        lwm2m_object_def *def = make_def(1, "x", rids, 1);
        lwm2m_constraint *c = NULL;

        assert_int_equal(lwm2m_constraint_parse("0..10", LWM2M_TYPE_INTEGER, &c), 0);
        assert_non_null(c);
        ((lwm2m_resource_def *)def->resources)[0].constraint = c;
        lwm2m_value v = lwm2m_value_integer(11);
        assert_int_equal(lwm2m_resource_validate(def, &def->resources[0], &v, NULL, 0), -ERANGE);
        lwm2m_object_def_free(def);
}

/* Long names cut in a message never leave half a character behind. */
static void test_validate_long_names_stay_utf8(void **state)
{
        static const uint16_t rids[] = {1};
        char name[256];

        for (int shift = 0; shift < 3; shift++) {
                size_t len = 0;
                for (int i = 0; i < shift; i++)
                        name[len++] = 'x';
                while (len + 3 <= 255) {
                        memcpy(name + len, "\xe2\x82\xac", 3);
                        len += 3;
                }
                name[len] = '\0';
                lwm2m_object_def *def = make_def(7, name, rids, 1);
                ((lwm2m_resource_def *)def->resources)[0].name = name;
                lwm2m_value v = lwm2m_value_float(1);
                for (size_t size = 1; size < 600; size += 37) {
                        char why[600];
                        assert_int_equal(
                                lwm2m_resource_validate(def, &def->resources[0], &v, why, size),
                                -EINVAL);
                        assert_true(strlen(why) < size);
                        assert_true(lwm2m_utf8_valid((const uint8_t *)why, strlen(why)));
                }
                lwm2m_object_def_free(def);
        }
}

/* ---- validation, on definitions the loader builds -------------------- */

static const char validate_ddf[] =
        "<LWM2M><Object ObjectType=\"MODefinition\"><Name>Temperature</Name>"
        "<ObjectID>3303</ObjectID><Resources>"
        "<Item ID=\"5700\"><Name>Sensor Value</Name><Operations>R</Operations>"
        "<Type>Float</Type><RangeEnumeration>-40..85</RangeEnumeration></Item>"
        "<Item ID=\"1\"><Name>Int64</Name><Operations>RW</Operations><Type>Integer</Type>"
        "<RangeEnumeration>-9223372036854775808..9223372036854775807</RangeEnumeration></Item>"
        "<Item ID=\"2\"><Name>Uint64</Name><Operations>RW</Operations>"
        "<Type>Unsigned Integer</Type>"
        "<RangeEnumeration>0..18446744073709551615</RangeEnumeration></Item>"
        "<Item ID=\"3\"><Name>Upper</Name><Operations>RW</Operations>"
        "<Type>Unsigned Integer</Type>"
        "<RangeEnumeration>18446744073709551614..18446744073709551615</RangeEnumeration></Item>"
        "<Item ID=\"4\"><Name>Mode</Name><Operations>RW</Operations><Type>Integer</Type>"
        "<RangeEnumeration>1;2;5..7</RangeEnumeration></Item>"
        "<Item ID=\"5\"><Name>Label</Name><Operations>RW</Operations><Type>String</Type>"
        "<RangeEnumeration>0..4 bytes</RangeEnumeration></Item>"
        "<Item ID=\"6\"><Name>Free</Name><Operations>RW</Operations><Type>String</Type></Item>"
        "<Item ID=\"7\"><Name>Reboot</Name><Operations>E</Operations><Type></Type></Item>"
        "<Item ID=\"8\"><Name>Link</Name><Operations>R</Operations><Type>Corelnk</Type></Item>"
        "<Item ID=\"9\"><Name>Key</Name><Operations>W</Operations><Type>Opaque</Type>"
        "<RangeEnumeration>0..4 bytes</RangeEnumeration></Item>"
        "<Item ID=\"10\"><Name>Flag</Name><Operations>RW</Operations><Type>Boolean</Type>"
        "</Item>"
        "<Item ID=\"11\"><Name>When</Name><Operations>RW</Operations><Type>Time</Type>"
        "</Item>"
        "<Item ID=\"12\"><Name>Neg</Name><Operations>RW</Operations><Type>Integer</Type>"
        "<RangeEnumeration>-9223372036854775808..-1</RangeEnumeration></Item>"
        "<Item ID=\"13\"><Name>Ratio</Name><Operations>RW</Operations><Type>Float</Type>"
        "</Item>"
        "</Resources></Object></LWM2M>";

/* A registry holding the one object of `xml` (a string literal's bytes). */
static int load_registry(void **state, const char *name, const char *xml, size_t len)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        assert_non_null(reg);
        assert_int_equal(ddf_load_buffer(reg, name, xml, len, NULL, NULL), 1);
        *state = reg;
        return 0;
}

static int setup_registry(void **state)
{
        return load_registry(state, "validate.xml", validate_ddf, sizeof(validate_ddf) - 1);
}

static int teardown_registry(void **state)
{
        lwm2m_registry_free(*state);
        return 0;
}

static int check(void **state, uint16_t rid, const lwm2m_value *v, char *why, size_t size)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(*state, 3303);
        assert_non_null(obj);
        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
        assert_non_null(res);
        if (why && size)
                why[0] = '\0';
        return lwm2m_resource_validate(obj, res, v, why, size);
}

static void test_validate_range_message(void **state)
{
        char why[256];
        lwm2m_value v = lwm2m_value_float(120);

        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), -ERANGE);
        assert_string_equal(
                why, "Temperature (3303) resource Sensor Value (5700): 120 is outside -40..85");
        v = lwm2m_value_float(-40.5);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "-40.5 is outside"));
        v = lwm2m_value_float(0.1);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), 0);
        v = lwm2m_value_float(-40);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), 0);
        v = lwm2m_value_float(85);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), 0);

        /* A short buffer truncates; no buffer is fine. */
        v = lwm2m_value_float(1000);
        char tiny[12];
        assert_int_equal(check(state, 5700, &v, tiny, sizeof(tiny)), -ERANGE);
        assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
        assert_int_equal(check(state, 5700, &v, NULL, 0), -ERANGE);
}

static void test_validate_64bit_edges(void **state)
{
        char why[256];
        lwm2m_value v;

        v = lwm2m_value_integer(INT64_MIN);
        assert_int_equal(check(state, 1, &v, why, sizeof(why)), 0);
        v = lwm2m_value_integer(INT64_MAX);
        assert_int_equal(check(state, 1, &v, why, sizeof(why)), 0);
        v = lwm2m_value_unsigned(UINT64_MAX);
        assert_int_equal(check(state, 2, &v, why, sizeof(why)), 0);
        v = lwm2m_value_unsigned(0);
        assert_int_equal(check(state, 2, &v, why, sizeof(why)), 0);

        v = lwm2m_value_unsigned(UINT64_MAX);
        assert_int_equal(check(state, 3, &v, why, sizeof(why)), 0);
        v = lwm2m_value_unsigned(UINT64_MAX - 1);
        assert_int_equal(check(state, 3, &v, why, sizeof(why)), 0);
        v = lwm2m_value_unsigned(UINT64_MAX - 2);
        assert_int_equal(check(state, 3, &v, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "18446744073709551613 is outside "
                                    "18446744073709551614..18446744073709551615"));

        v = lwm2m_value_integer(-1);
        assert_int_equal(check(state, 12, &v, why, sizeof(why)), 0);
        v = lwm2m_value_integer(INT64_MIN);
        assert_int_equal(check(state, 12, &v, why, sizeof(why)), 0);
        v = lwm2m_value_integer(0);
        assert_int_equal(check(state, 12, &v, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "Neg (12): 0 is outside"));
}

static void test_validate_enumeration(void **state)
{
        char why[256];
        static const struct {
                int64_t value;
                int expect;
        } cases[] = {
                {0, -ERANGE}, {1, 0}, {2, 0}, {3, -ERANGE}, {4, -ERANGE},
                {5, 0},       {6, 0}, {7, 0}, {8, -ERANGE}, {INT64_MIN, -ERANGE},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_value v = lwm2m_value_integer(cases[i].value);
                assert_int_equal(check(state, 4, &v, why, sizeof(why)), cases[i].expect);
        }
        lwm2m_value v = lwm2m_value_integer(3);
        assert_int_equal(check(state, 4, &v, why, sizeof(why)), -ERANGE);
        assert_string_equal(why, "Temperature (3303) resource Mode (4): 3 is outside 1;2;5..7");
}

static void test_validate_wrong_types(void **state)
{
        char why[256];
        lwm2m_value v;

        v = lwm2m_value_integer(20);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), -EINVAL);
        assert_string_equal(
                why, "Temperature (3303) resource Sensor Value (5700) expects Float, got Integer");
        v = lwm2m_value_unsigned(1);
        assert_int_equal(check(state, 1, &v, why, sizeof(why)), -EINVAL);
        v = lwm2m_value_integer(1);
        assert_int_equal(check(state, 2, &v, why, sizeof(why)), -EINVAL);
        v = lwm2m_value_time(1);
        assert_int_equal(check(state, 1, &v, why, sizeof(why)), -EINVAL);
        v = lwm2m_value_integer(1);
        assert_int_equal(check(state, 11, &v, why, sizeof(why)), -EINVAL);
        v = lwm2m_value_time(1700000000);
        assert_int_equal(check(state, 11, &v, why, sizeof(why)), 0);
        v = lwm2m_value_boolean(true);
        assert_int_equal(check(state, 10, &v, why, sizeof(why)), 0);
        assert_int_equal(check(state, 6, &v, why, sizeof(why)), -EINVAL);
        v = lwm2m_value_objlnk(3, 0);
        assert_int_equal(check(state, 6, &v, why, sizeof(why)), -EINVAL);
        v = (lwm2m_value){.type = LWM2M_TYPE_NONE};
        assert_int_equal(check(state, 6, &v, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "expects String, got no value"));

        /* Executable resources hold no value of any type. */
        v = lwm2m_value_integer(1);
        assert_int_equal(check(state, 7, &v, why, sizeof(why)), -EINVAL);
        assert_string_equal(
                why, "Temperature (3303) resource Reboot (7) is executable and holds no value");
        v = (lwm2m_value){.type = LWM2M_TYPE_NONE};
        assert_int_equal(check(state, 7, &v, why, sizeof(why)), -EINVAL);
}

static void test_validate_strings(void **state)
{
        char why[256];
        lwm2m_value v = {0};

        assert_int_equal(lwm2m_value_set_string(&v, "abcd", 4), 0);
        assert_int_equal(check(state, 5, &v, why, sizeof(why)), 0);
        lwm2m_value_clear(&v);
        assert_int_equal(lwm2m_value_set_string(&v, "", 0), 0);
        assert_int_equal(check(state, 5, &v, why, sizeof(why)), 0);
        lwm2m_value_clear(&v);
        assert_int_equal(lwm2m_value_set_string(&v, "abcde", 5), 0);
        assert_int_equal(check(state, 5, &v, why, sizeof(why)), -ERANGE);
        assert_string_equal(why, "Temperature (3303) resource Label (5): \"abcde\" (5 bytes) is "
                                 "outside 0..4 bytes");
        lwm2m_value_clear(&v);
        /* "é" is two bytes: lengths count bytes. */
        assert_int_equal(lwm2m_value_set_string(&v, "\xc3\xa9\xc3\xa9\xc3\xa9", 6), 0);
        assert_int_equal(check(state, 5, &v, why, sizeof(why)), -ERANGE);
        assert_int_equal(check(state, 6, &v, why, sizeof(why)), 0);
        lwm2m_value_clear(&v);

        /* A long string is shown cut, at a character boundary. */
        char long_text[200];
        memset(long_text, 'a', sizeof(long_text));
        memcpy(long_text + 31, "\xc3\xa9", 2);
        assert_int_equal(lwm2m_value_set_string(&v, long_text, sizeof(long_text)), 0);
        assert_int_equal(check(state, 5, &v, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "aaa...\" (200 bytes) is outside 0..4 bytes"));
        lwm2m_value_clear(&v);

        /* Bad UTF-8 that slipped past a decoder: built by hand on purpose. */
        static uint8_t bad[][4] = {{'a', 0xff, 'b', 0},
                                   {0xc0, 0xaf, 'x', 0},
                                   {0xed, 0xa0, 0x80, 0},
                                   {'a', 0xc3, 0, 0}};
        static const size_t bad_len[] = {3, 3, 3, 2};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                lwm2m_value raw = {.type = LWM2M_TYPE_STRING, .buf = {bad[i], bad_len[i]}};
                assert_int_equal(check(state, 6, &raw, why, sizeof(why)), -EILSEQ);
                assert_non_null(strstr(why, "Free (6): the text is not valid UTF-8"));
                raw.type = LWM2M_TYPE_CORELNK;
                assert_int_equal(check(state, 8, &raw, why, sizeof(why)), -EILSEQ);
                /* Opaque bytes are anything. */
                raw.type = LWM2M_TYPE_OPAQUE;
                assert_int_equal(check(state, 9, &raw, why, sizeof(why)), 0);
        }

        uint8_t key[5] = {1, 2, 3, 4, 5};
        lwm2m_value raw = {.type = LWM2M_TYPE_OPAQUE, .buf = {key, 5}};
        assert_int_equal(check(state, 9, &raw, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "Key (9): 5 bytes of opaque data is outside 0..4 bytes"));
        raw.buf.len = 4;
        assert_int_equal(check(state, 9, &raw, why, sizeof(why)), 0);
}

/* A Float holds finite numbers only: NaN and the infinities are refused as
 * invalid (not out of range), constrained or not, with the resource named. */
static void test_validate_non_finite_floats(void **state)
{
        char why[256];
        lwm2m_value v = lwm2m_value_float(NAN);

        assert_int_equal(check(state, 13, &v, why, sizeof(why)), -EINVAL);
        assert_string_equal(why, "Temperature (3303) resource Ratio (13): NaN is not a value a "
                                 "Float may hold (finite numbers only)");
        v = lwm2m_value_float(-NAN);
        assert_int_equal(check(state, 13, &v, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, ": NaN is not"));
        v = lwm2m_value_float(INFINITY);
        assert_int_equal(check(state, 13, &v, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "Ratio (13): Infinity is not"));
        v = lwm2m_value_float(-INFINITY);
        assert_int_equal(check(state, 13, &v, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "Ratio (13): -Infinity is not"));
        /* With a range the answer is the same, not "outside -40..85". */
        v = lwm2m_value_float(NAN);
        assert_int_equal(check(state, 5700, &v, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "Sensor Value (5700): NaN is not"));
        assert_int_equal(check(state, 5700, &v, NULL, 0), -EINVAL);

        /* Every finite double is a value. */
        static const double finite[] = {DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
                                        -0.0,    0.0};
        for (size_t i = 0; i < ELEMENTSOF(finite); i++) {
                v = lwm2m_value_float(finite[i]);
                assert_int_equal(check(state, 13, &v, why, sizeof(why)), 0);
        }
}

/* ---- completeness of an instance replace ----------------------------- */

static const char replace_ddf[] =
        "<LWM2M><Object ObjectType=\"MODefinition\"><Name>Switch</Name>"
        "<ObjectID>9000</ObjectID><MultipleInstances>Multiple</MultipleInstances>"
        "<Mandatory>Optional</Mandatory><Resources>"
        "<Item ID=\"0\"><Name>Id</Name><Operations>R</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>"
        "<Type>Integer</Type></Item>"
        "<Item ID=\"1\"><Name>State</Name><Operations>RW</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>"
        "<Type>Boolean</Type></Item>"
        "<Item ID=\"2\"><Name>Label</Name><Operations>RW</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Type>String</Type></Item>"
        "<Item ID=\"3\"><Name>Reset</Name><Operations>E</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>"
        "<Type></Type></Item>"
        "<Item ID=\"4\"><Name>Targets</Name><Operations>RW</Operations>"
        "<MultipleInstances>Multiple</MultipleInstances><Mandatory>Mandatory</Mandatory>"
        "<Type>Integer</Type></Item>"
        "<Item ID=\"5\"><Name>Secret</Name><Operations>W</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>"
        "<Type>Opaque</Type></Item>"
        "</Resources></Object></LWM2M>";

static int setup_replace(void **state)
{
        return load_registry(state, "replace.xml", replace_ddf, sizeof(replace_ddf) - 1);
}

static void add_rec(lwm2m_record *recs, size_t *n, lwm2m_path p, lwm2m_value v)
{
        recs[(*n)++] = (lwm2m_record){.path = p, .value = v};
}

static void test_replace_complete(void **state)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(*state, 9000);
        assert_non_null(obj);
        lwm2m_path base = lwm2m_path_instance(9000, 0);
        lwm2m_record recs[8];
        size_t n = 0;
        char why[256];

        /* Nothing given: every mandatory writable resource is missing, and only
         * those (Id is read-only, Reset executable, Label optional). */
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, NULL, 0, why, sizeof(why)),
                         -EINVAL);
        assert_string_equal(why, "/9000/0: a replace must give every mandatory writable "
                                 "resource; missing: State (1), Targets (4), Secret (5)");
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, NULL, 0, NULL, 0), -EINVAL);

        /* One missing is named alone. */
        add_rec(recs, &n, lwm2m_path_resource(9000, 0, 1), lwm2m_value_boolean(true));
        add_rec(recs, &n, lwm2m_path_resource(9000, 0, 2), (lwm2m_value){0});
        add_rec(recs, &n, lwm2m_path_resource_instance(9000, 0, 4, 7), lwm2m_value_integer(1));
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, recs, n, why, sizeof(why)),
                         -EINVAL);
        assert_non_null(strstr(why, "missing: Secret (5)"));
        assert_null(strstr(why, "State"));

        /* The same resource of another instance does not count. */
        add_rec(recs, &n, lwm2m_path_resource(9000, 1, 5), (lwm2m_value){0});
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, recs, n, why, sizeof(why)),
                         -EINVAL);

        /* Complete: a multiple resource counts when named without instances too. */
        add_rec(recs, &n, lwm2m_path_resource(9000, 0, 5), (lwm2m_value){0});
        why[0] = '\0';
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, recs, n, why, sizeof(why)), 0);
        assert_string_equal(why, "");
        recs[2] = (lwm2m_record){.path = lwm2m_path_resource(9000, 0, 4)};
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, recs, n, why, sizeof(why)), 0);

        /* Replacing one resource (or resource instance) names it: always complete. */
        lwm2m_path res = lwm2m_path_resource(9000, 0, 2);
        assert_int_equal(lwm2m_replace_check_complete(obj, &res, NULL, 0, why, sizeof(why)), 0);
        lwm2m_path ri = lwm2m_path_resource_instance(9000, 0, 4, 1);
        assert_int_equal(lwm2m_replace_check_complete(obj, &ri, NULL, 0, why, sizeof(why)), 0);

        /* Bad arguments. */
        assert_int_equal(lwm2m_replace_check_complete(NULL, &base, NULL, 0, why, sizeof(why)),
                         -EINVAL);
        assert_int_equal(lwm2m_replace_check_complete(obj, NULL, NULL, 0, why, sizeof(why)),
                         -EINVAL);
        assert_int_equal(lwm2m_replace_check_complete(obj, &base, NULL, 1, why, sizeof(why)),
                         -EINVAL);
}

static void test_replace_complete_optional_only(void **state)
{
        /* Built by hand: read-only and optional writable resources only. */
        static const uint16_t rids[] = {0, 1};
        lwm2m_object_def *def = make_def(9002, "Plain", rids, ELEMENTSOF(rids));
        lwm2m_resource_def *res = (lwm2m_resource_def *)def->resources;
        res[0].mandatory = true; /* read-only */
        res[1].operations = LWM2M_OP_READ | LWM2M_OP_WRITE;
        lwm2m_path base = lwm2m_path_instance(9002, 3);
        char why[64] = "";
        assert_int_equal(lwm2m_replace_check_complete(def, &base, NULL, 0, why, sizeof(why)), 0);
        /* The same resource made mandatory is required; a tiny buffer stays terminated. */
        res[1].mandatory = true;
        assert_int_equal(lwm2m_replace_check_complete(def, &base, NULL, 0, why, 10), -EINVAL);
        assert_int_equal(strlen(why), 9);
        lwm2m_object_def_free(def);
}

static void test_validate_without_object(void **state)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(*state, 3303);
        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, 4);
        lwm2m_value v = lwm2m_value_integer(9);
        char why[128];

        assert_int_equal(lwm2m_resource_validate(NULL, res, &v, why, sizeof(why)), -ERANGE);
        assert_string_equal(why, "resource Mode (4): 9 is outside 1;2;5..7");
        assert_int_equal(lwm2m_resource_validate(obj, NULL, &v, why, sizeof(why)), -EINVAL);
        assert_int_equal(lwm2m_resource_validate(obj, res, NULL, why, sizeof(why)), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registry_order_and_lookup),
                cmocka_unit_test(test_registry_many),
                cmocka_unit_test(test_registry_replace),
                cmocka_unit_test(test_find_resource),
                cmocka_unit_test(test_def_free_owns_constraints),
                cmocka_unit_test(test_validate_long_names_stay_utf8),
                cmocka_unit_test_setup_teardown(test_validate_range_message, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_64bit_edges, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_enumeration, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_wrong_types, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_strings, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_without_object, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_validate_non_finite_floats, setup_registry,
                                                teardown_registry),
                cmocka_unit_test_setup_teardown(test_replace_complete, setup_replace,
                                                teardown_registry),
                cmocka_unit_test(test_replace_complete_optional_only),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
