/* test_location.c - the Location object (objects/location.c): gpsd TPV lines parsed,
 * fixes put in /6/0 as one change each, garbage and over-long lines refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "objects/location.h"

static int parse(const char *line, location_fix *fix)
{
        return location_parse_gpsd_line(line, strlen(line), fix);
}

static void test_good_tpv(void **state)
{
        location_fix f;
        assert_int_equal(parse("{\"class\":\"TPV\",\"device\":\"/dev/ttyACM0\",\"mode\":3,"
                               "\"time\":\"2026-12-06T22:55:02.000Z\",\"ept\":0.005,"
                               "\"lat\":52.52,\"lon\":13.405,\"altHAE\":80.5,\"altMSL\":34.0,"
                               "\"epx\":3.1,\"epy\":4.2,\"speed\":1.25}",
                               &f),
                         1);
        assert_true(f.latitude == 52.52);
        assert_true(f.longitude == 13.405);
        assert_true(f.has_altitude);
        assert_true(f.altitude == 34.0); /* above mean sea level, as the object means */
        assert_true(f.has_radius);
        assert_true(f.radius == 4.2); /* the larger of the two axes without eph */
        assert_true(f.has_speed);
        assert_true(f.speed == 1.25);
        assert_true(f.has_time);
        assert_int_equal(f.time, 1796597702);
}

static void test_2d_fix_has_no_altitude(void **state)
{
        location_fix f;
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":2,\"lat\":-33.9,\"lon\":151.2,"
                               "\"alt\":12,\"eph\":7}",
                               &f),
                         1);
        assert_true(f.latitude == -33.9);
        assert_false(f.has_altitude);
        assert_true(f.has_radius);
        assert_true(f.radius == 7);
        assert_false(f.has_speed);
        assert_false(f.has_time);
}

static void test_no_fix_ignored(void **state)
{
        location_fix f;
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":1,\"lat\":1,\"lon\":2}", &f), 0);
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":0}", &f), 0);
        assert_int_equal(parse("{\"class\":\"TPV\",\"lat\":1,\"lon\":2}", &f), 0);
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":\"3\",\"lat\":1,\"lon\":2}", &f), 0);
        /* A fix without its position yet. */
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":1}", &f), 0);
        assert_int_equal(
                parse("{\"class\":\"VERSION\",\"release\":\"3.25\",\"proto_major\":3}", &f), 0);
        assert_int_equal(parse("{\"class\":\"SKY\",\"satellites\":[]}", &f), 0);
}

static void test_garbage_refused(void **state)
{
        location_fix f;
        assert_int_equal(parse("", &f), -EINVAL);
        assert_int_equal(parse("hello", &f), -EINVAL);
        assert_int_equal(parse("[1,2,3]", &f), -EINVAL);
        assert_int_equal(parse("{\"class\":7}", &f), -EINVAL);
        assert_int_equal(parse("{\"mode\":3}", &f), -EINVAL);
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":1,\"lon\":2", &f), -EINVAL);
        assert_int_equal(parse("{\"class\":\"TPV\"} trailing", &f), -EINVAL);
        const char nul[] = "{\"class\":\"TPV\"}\0x";
        assert_int_equal(location_parse_gpsd_line(nul, sizeof(nul) - 1, &f), -EINVAL);
}

static void test_out_of_range(void **state)
{
        location_fix f;
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":91,\"lon\":2}", &f), -EINVAL);
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":1,\"lon\":-180.5}", &f),
                         -EINVAL);
        /* Beyond a double: not a position (json-c may give infinity). */
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":1e999,\"lon\":2}", &f) == 1,
                         0);
        /* A mode beyond int64: whatever json-c makes of it, the position is still checked. */
        int r = parse("{\"class\":\"TPV\",\"mode\":99999999999999999999999,\"lat\":1,\"lon\":2}",
                      &f);
        assert_true(r == 0 || (r == 1 && f.latitude == 1));
        /* A huge speed or altitude is left out rather than stored as infinity. */
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":3,\"lat\":1,\"lon\":2,"
                               "\"speed\":1e999,\"alt\":-1e999}",
                               &f),
                         1);
        assert_false(f.has_speed);
        assert_false(f.has_altitude);
        assert_int_equal(parse("{\"class\":\"TPV\",\"mode\":2,\"lat\":1,\"lon\":2,\"eph\":-1,"
                               "\"time\":\"yesterday\"}",
                               &f),
                         1);
        assert_false(f.has_radius);
        assert_false(f.has_time);
}

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        location_object *loc;
        int changes;
} fixture;

static void on_change(void *userdata, const lwm2m_change *change)
{
        fixture *f = userdata;
        f->changes++;
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_true(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL) >= 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        assert_int_equal(lwm2m_tree_add_listener(f->tree, on_change, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        location_object_free(f->loc);
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        free(f);
        return 0;
}

static double get_float(fixture *f, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_LOCATION, 0, rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_int_equal(v->type, LWM2M_TYPE_FLOAT);
        return v->f;
}

static void test_fixed_values(void **state)
{
        fixture *f = *state;
        location_fix fixed = {
                .latitude = 52.52, .longitude = 13.405, .radius = 50, .has_radius = true};
        f->loc = location_object_new(f->tree, &fixed);
        assert_non_null(f->loc);
        assert_true(lwm2m_tree_has_instance(f->tree, LWM2M_OBJ_LOCATION, 0));
        assert_true(get_float(f, LWM2M_LOC_LATITUDE) == 52.52);
        assert_true(get_float(f, LWM2M_LOC_RADIUS) == 50);
        /* Nobody but the daemon writes or deletes the position. */
        const lwm2m_owner *o = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_LOCATION, 0);
        assert_non_null(o);
        lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_LOCATION, 0);
        assert_int_equal(
                o->ops->write(o->userdata, &base, NULL, 0, LWM2M_WRITE_UPDATE, (lwm2m_ask){0}),
                -EPERM);
        assert_int_equal(o->ops->remove(o->userdata, &base, (lwm2m_ask){0}), -EPERM);
}

static void test_absent_until_first_fix(void **state)
{
        fixture *f = *state;
        f->loc = location_object_new(f->tree, NULL);
        assert_non_null(f->loc);
        assert_false(lwm2m_tree_has_instance(f->tree, LWM2M_OBJ_LOCATION, 0));
        const char *lines = "{\"class\":\"VERSION\",\"release\":\"3.25\"}\n"
                            "{\"class\":\"TPV\",\"mode\":1}\n";
        assert_int_equal(location_object_feed(f->loc, lines, strlen(lines), NULL), 0);
        assert_false(lwm2m_tree_has_instance(f->tree, LWM2M_OBJ_LOCATION, 0));
        /* A report split across reads, with gpsd's CRLF. */
        const char *a = "{\"class\":\"TPV\",\"mode\":2,\"lat\":10.5,";
        const char *b =
                "\"lon\":20.25}\r\nnot json\n{\"class\":\"TPV\",\"mode\":2,\"lat\":11,\"lon\":21}";
        assert_int_equal(location_object_feed(f->loc, a, strlen(a), NULL), 0);
        int before = f->changes;
        unsigned garbage = 0;
        assert_int_equal(location_object_feed(f->loc, b, strlen(b), &garbage), 1);
        assert_int_equal(garbage, 1);             /* "not json", for the daemon's debug log */
        assert_int_equal(f->changes - before, 1); /* one change, one notification */
        assert_true(get_float(f, LWM2M_LOC_LATITUDE) == 10.5);
        assert_true(get_float(f, LWM2M_LOC_LONGITUDE) == 20.25);
        lwm2m_path ts = lwm2m_path_resource(LWM2M_OBJ_LOCATION, 0, LWM2M_LOC_TIMESTAMP);
        assert_non_null(lwm2m_tree_get(f->tree, &ts));
        /* The partial last line completes with the next read. */
        before = f->changes;
        assert_int_equal(location_object_feed(f->loc, "\n", 1, NULL), 1);
        assert_int_equal(f->changes - before, 1);
        assert_true(get_float(f, LWM2M_LOC_LATITUDE) == 11);
        /* A reconnect forgets half a line. */
        assert_int_equal(location_object_feed(f->loc, "{\"class\"", 8, NULL), 0);
        location_object_reset_stream(f->loc);
        const char *c = "{\"class\":\"TPV\",\"mode\":2,\"lat\":12,\"lon\":22}\n";
        assert_int_equal(location_object_feed(f->loc, c, strlen(c), NULL), 1);
        assert_true(get_float(f, LWM2M_LOC_LATITUDE) == 12);
}

static void check_velocity(double speed, double track, const char *want_hex)
{
        uint8_t v[LOCATION_VELOCITY_SIZE];
        location_encode_velocity(speed, track, v);
        char hex[2 * LOCATION_VELOCITY_SIZE + 1];
        for (size_t i = 0; i < sizeof(v); i++)
                snprintf(hex + 2 * i, 3, "%02x", v[i]);
        assert_string_equal(hex, want_hex);
}

/* 3GPP TS 23.032 horizontal velocity: type 0 in the high nibble, bearing's
 * ninth bit in bit 0 of the first octet, its low eight bits, then km/h. */
static void test_velocity_encoding(void **state)
{
        check_velocity(0, 0, "00000000");
        check_velocity(10, 90, "005a0024");      /* 36 km/h east */
        check_velocity(27.8, 270.9, "010e0064"); /* 100.08 km/h -> 100, 270 = 0x10e */
        check_velocity(1e6, -90, "010effff");    /* capped; bearings wrap into 0..359 */
        check_velocity(0.27, 720.5, "00000000"); /* 0.97 km/h rounds down */
}

static void test_velocity_from_gpsd(void **state)
{
        fixture *f = *state;
        f->loc = location_object_new(f->tree, NULL);
        assert_non_null(f->loc);
        const char *tpv = "{\"class\":\"TPV\",\"mode\":2,\"lat\":1,\"lon\":2,"
                          "\"speed\":13.9,\"track\":359.99}\n";
        assert_int_equal(location_object_feed(f->loc, tpv, strlen(tpv), NULL), 1);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_LOCATION, 0, LWM2M_LOC_VELOCITY);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_int_equal(v->type, LWM2M_TYPE_OPAQUE);
        assert_int_equal(v->buf.len, 4);
        /* 359 degrees (0x167), 13.9 m/s = 50.04 km/h -> 50 (0x32) */
        assert_memory_equal(v->buf.data, "\x01\x67\x00\x32", 4);
        assert_true(get_float(f, LWM2M_LOC_SPEED) == 13.9);
        /* Without a track the velocity is left as it was. */
        const char *no_track = "{\"class\":\"TPV\",\"mode\":2,\"lat\":1,\"lon\":2,"
                               "\"speed\":1}\n";
        assert_int_equal(location_object_feed(f->loc, no_track, strlen(no_track), NULL), 1);
        v = lwm2m_tree_get(f->tree, &p);
        assert_memory_equal(v->buf.data, "\x01\x67\x00\x32", 4);
}

static void test_over_long_line(void **state)
{
        fixture *f = *state;
        f->loc = location_object_new(f->tree, NULL);
        assert_non_null(f->loc);
        char *junk = malloc(4096);
        assert_non_null(junk);
        memset(junk, 'x', 4096);
        int r = 0;
        for (int i = 0; i <= LOCATION_MAX_LINE / 4096 && r >= 0; i++)
                r = location_object_feed(f->loc, junk, 4096, NULL);
        free(junk);
        assert_int_equal(r, -EMSGSIZE);
        /* After the drop, a new stream works. */
        location_object_reset_stream(f->loc);
        const char *c = "{\"class\":\"TPV\",\"mode\":2,\"lat\":1,\"lon\":2}\n";
        assert_int_equal(location_object_feed(f->loc, c, strlen(c), NULL), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_tpv),
                cmocka_unit_test(test_2d_fix_has_no_altitude),
                cmocka_unit_test(test_no_fix_ignored),
                cmocka_unit_test(test_garbage_refused),
                cmocka_unit_test(test_out_of_range),
                cmocka_unit_test_setup_teardown(test_fixed_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_absent_until_first_fix, setup, teardown),
                cmocka_unit_test_setup_teardown(test_over_long_line, setup, teardown),
                cmocka_unit_test(test_velocity_encoding),
                cmocka_unit_test_setup_teardown(test_velocity_from_gpsd, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
