/* test_convert.c - unit tests for bus/convert: the D-Bus signature of each LwM2M
 * type, every D-Bus number read into each kind of resource, a{qv} both ways, the messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus/context.h"
#include "bus/convert.h"
#include "bus/errors.h"
#include "model/oma.h"

enum {
        R_LEVEL = 1,  /* Integer */
        R_COUNT = 2,  /* Unsigned Integer */
        R_ON = 3,     /* Boolean */
        R_BLOB = 4,   /* Opaque */
        R_LINK = 5,   /* Objlnk */
        R_LEVELS = 6, /* Integer, multiple */
        R_RESET = 7,  /* executable */
        R_STAMP = 8,  /* Time */
        R_VALUE = 5700,
        R_UNITS = 5701,
};

#define RW (LWM2M_OP_READ | LWM2M_OP_WRITE)

static const lwm2m_resource_def resources[] = {
        {.id = R_LEVEL, .operations = RW, .type = LWM2M_TYPE_INTEGER, .name = "Level"},
        {.id = R_COUNT, .operations = RW, .type = LWM2M_TYPE_UNSIGNED, .name = "Count"},
        {.id = R_ON, .operations = RW, .type = LWM2M_TYPE_BOOLEAN, .name = "On"},
        {.id = R_BLOB, .operations = RW, .type = LWM2M_TYPE_OPAQUE, .name = "Blob"},
        {.id = R_LINK, .operations = RW, .type = LWM2M_TYPE_OBJLNK, .name = "Link"},
        {.id = R_LEVELS,
         .operations = RW,
         .multiple = true,
         .type = LWM2M_TYPE_INTEGER,
         .name = "Levels"},
        {.id = R_RESET, .operations = LWM2M_OP_EXECUTE, .type = LWM2M_TYPE_NONE, .name = "Reset"},
        {.id = R_STAMP, .operations = RW, .type = LWM2M_TYPE_TIME, .name = "Stamp"},
        {.id = R_VALUE, .operations = LWM2M_OP_READ, .type = LWM2M_TYPE_FLOAT, .name = "Value"},
        {.id = R_UNITS, .operations = RW, .type = LWM2M_TYPE_STRING, .name = "Units"},
};

static const lwm2m_object_def object = {
        .id = 3303,
        .multiple = true,
        .name = "Temperature",
        .version = "1.0",
        .n_resources = sizeof(resources) / sizeof(resources[0]),
        .resources = resources,
};

static const lwm2m_resource_def *res_of(uint16_t rid)
{
        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(&object, rid);
        assert_non_null(res);
        return res;
}

/* A bus that is never connected: sd-bus builds messages only on a started one. */
typedef struct fixture {
        sd_bus *bus;
        int peer;
} fixture;

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        int fd[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
        assert_true(sd_bus_new(&f->bus) >= 0);
        assert_true(sd_bus_set_fd(f->bus, fd[0], fd[0]) >= 0);
        assert_true(sd_bus_start(f->bus) >= 0);
        f->peer = fd[1];
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        sd_bus_close_unref(f->bus);
        close(f->peer);
        free(f);
        return 0;
}

static sd_bus_message *new_message(fixture *f)
{
        sd_bus_message *m = NULL;
        assert_true(sd_bus_message_new(f->bus, &m, SD_BUS_MESSAGE_METHOD_CALL) >= 0);
        return m;
}

/* A message holding the values of `sig` (as sd_bus_message_append takes them). */
static sd_bus_message *new_filled(fixture *f, const char *sig, va_list ap)
{
        sd_bus_message *m = new_message(f);
        assert_true(sd_bus_message_appendv(m, sig, ap) >= 0);
        return m;
}

/* Seals what was appended and goes back to its start, for reading. */
static void to_start(sd_bus_message *m)
{
        static uint64_t cookie;
        assert_true(sd_bus_message_seal(m, ++cookie, 0) >= 0);
        assert_true(sd_bus_message_rewind(m, true) >= 0);
}

/* Reads the message's one value into `rid`: the error (0 on success), the
 * record list and the sentence. */
static int read_one(sd_bus_message *m, uint16_t rid, size_t max_bytes, lwm2m_record_list *out,
                    char *why, size_t why_size)
{
        to_start(m);
        lwm2m_path rp = lwm2m_path_resource(object.id, 0, rid);
        return convert_read_resource(m, &object, res_of(rid), max_bytes, &rp, out, why, why_size);
}

static void test_signature_of_each_type(void **state)
{
        static const struct {
                uint16_t rid;
                const char *sig;
        } want[] = {
                {R_LEVEL, "x"}, {R_COUNT, "t"},   {R_ON, "b"},
                {R_BLOB, "ay"}, {R_LINK, "(qq)"}, {R_LEVELS, "a{qx}"},
                {R_STAMP, "x"}, {R_VALUE, "d"},   {R_UNITS, "s"},
        };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                assert_string_equal(convert_signature(res_of(want[i].rid)), want[i].sig);
        assert_null(convert_signature(res_of(R_RESET)));
        assert_false(convert_is_exported_value(object.id, res_of(R_RESET)));
        assert_true(convert_is_exported_value(object.id, res_of(R_UNITS)));
}

static void test_secrets(void **state)
{
        for (uint16_t rid = 0; rid < 20; rid++)
                assert_int_equal(bus_resource_is_secret(LWM2M_OBJ_SECURITY, rid),
                                 rid >= 3 && rid <= 9);
        assert_true(bus_resource_is_secret(LWM2M_OBJ_OSCORE, 0));
        assert_true(bus_resource_is_secret(LWM2M_OBJ_OSCORE, 5));
        assert_false(bus_resource_is_secret(LWM2M_OBJ_OSCORE, 1));
        assert_false(bus_resource_is_secret(LWM2M_OBJ_DEVICE, 5));
        lwm2m_object_def security = {.id = LWM2M_OBJ_SECURITY, .name = "LWM2M Security"};
        lwm2m_resource_def key = {.id = LWM2M_SEC_SECRET,
                                  .operations = RW,
                                  .type = LWM2M_TYPE_OPAQUE,
                                  .name = "Secret Key"};
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_true(convert_check_settable(&security, &key, true, &e) < 0);
        assert_string_equal(e.name, BUS_ERROR_ACCESS_DENIED);
        assert_string_equal(e.message, "LWM2M Security (0) resource Secret Key (5) holds a "
                                       "credential: not available over D-Bus");
}

static void test_settable(void **state)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL;
        assert_true(convert_check_settable(&object, res_of(R_VALUE), false, &e1) < 0);
        assert_string_equal(e1.name, BUS_ERROR_NOT_ALLOWED);
        assert_string_equal(e1.message, "Temperature (3303) resource Value (5700) is not "
                                        "writable; only the instance's owner sets it");
        _cleanup_(sd_bus_error_free) sd_bus_error e2 = SD_BUS_ERROR_NULL;
        assert_int_equal(convert_check_settable(&object, res_of(R_VALUE), true, &e2), 0);
        _cleanup_(sd_bus_error_free) sd_bus_error e3 = SD_BUS_ERROR_NULL;
        assert_true(convert_check_settable(&object, res_of(R_RESET), true, &e3) < 0);
        assert_string_equal(e3.message,
                            "Temperature (3303) resource Reset (7) is executable and holds no "
                            "value");
}

/* Reads one value sent as `sig` into `rid`, which must succeed. */
static lwm2m_value read_ok(fixture *f, uint16_t rid, const char *sig, ...)
{
        va_list ap;
        va_start(ap, sig);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_filled(f, sig, ap);
        va_end(ap);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        char why[256] = "";
        assert_int_equal(read_one(m, rid, 100, &l, why, sizeof(why)), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, res_of(rid)->type);
        return l.items[0].value;
}

/* Every D-Bus number, sent to the resource kinds it fits. */
static void test_read_every_number(void **state)
{
        fixture *f = *state;
        assert_true(read_ok(f, R_COUNT, "y", 200).u == 200);
        assert_true(read_ok(f, R_LEVEL, "y", 7).i == 7);
        assert_true(read_ok(f, R_LEVEL, "n", -300).i == -300);
        assert_true(read_ok(f, R_COUNT, "q", 65000).u == 65000);
        assert_true(read_ok(f, R_LEVEL, "i", -70000).i == -70000);
        assert_true(read_ok(f, R_COUNT, "u", 4000000000u).u == 4000000000u);
        assert_true(read_ok(f, R_LEVEL, "x", INT64_MIN).i == INT64_MIN);
        assert_true(read_ok(f, R_COUNT, "t", UINT64_MAX).u == UINT64_MAX);
        assert_true(read_ok(f, R_STAMP, "x", (int64_t)1700000000).i == 1700000000);
        assert_true(read_ok(f, R_VALUE, "d", -12.5).f == -12.5);
        assert_true(read_ok(f, R_VALUE, "i", -7).f == -7.0);
        assert_true(read_ok(f, R_LEVEL, "d", 2.0).i == 2);
        assert_true(read_ok(f, R_ON, "b", 1).b);
        assert_true(read_ok(f, R_COUNT, "v", "q", 9).u == 9);
}

static void expect_refused(fixture *f, const char *sig, uint16_t rid, int err, const char *why_want,
                           ...)
{
        va_list ap;
        va_start(ap, why_want);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_filled(f, sig, ap);
        va_end(ap);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        char why[256] = "";
        assert_int_equal(read_one(m, rid, 4, &l, why, sizeof(why)), err);
        assert_string_equal(why, why_want);
}

static void test_read_refusals(void **state)
{
        fixture *f = *state;
        expect_refused(f, "t", R_LEVEL, -ERANGE,
                       "Temperature (3303) resource Level (1): the D-Bus 't' value does not fit "
                       "Integer",
                       UINT64_MAX);
        expect_refused(f, "b", R_LEVEL, -EINVAL,
                       "Temperature (3303) resource Level (1): expected Integer (D-Bus 'x'), got "
                       "D-Bus 'b'",
                       1);
        expect_refused(f, "i", R_ON, -EINVAL,
                       "Temperature (3303) resource On (3): expected Boolean (D-Bus 'b'), got "
                       "D-Bus 'i'",
                       1);
        expect_refused(f, "s", R_LEVEL, -EINVAL,
                       "Temperature (3303) resource Level (1): expected Integer (D-Bus 'x'), got "
                       "D-Bus 's'",
                       "12");
        expect_refused(f, "s", R_UNITS, -EINVAL,
                       "Temperature (3303) resource Units (5701): 5 bytes, more than "
                       "max-value-size (4)",
                       "hello");
        expect_refused(f, "ay", R_BLOB, -EINVAL,
                       "Temperature (3303) resource Blob (4): 5 bytes, more than max-value-size "
                       "(4)",
                       5, 'a', 'b', 'c', 'd', 'e');
        expect_refused(f, "(ii)", R_LINK, -EINVAL,
                       "Temperature (3303) resource Link (5): expected Objlnk (D-Bus '(qq)'), got "
                       "D-Bus '(ii)'",
                       1, 2);
        /* One variant is unwrapped, not two. */
        expect_refused(f, "v", R_LEVEL, -EINVAL,
                       "Temperature (3303) resource Level (1): expected Integer (D-Bus 'x'), got "
                       "D-Bus 'v'",
                       "v", "i", 3);
        expect_refused(f, "x", R_LEVELS, -EINVAL,
                       "Temperature (3303) resource Levels (6) is a multiple resource: expected "
                       "D-Bus 'a{qx}' (instance ID -> value), got 'x'",
                       (int64_t)3);
        expect_refused(f, "a{qx}", R_LEVELS, -EINVAL,
                       "Temperature (3303) resource Levels (6): instance ID 65535 is reserved", 1,
                       (uint16_t)65535, (int64_t)3);
}

static void test_read_other_types(void **state)
{
        fixture *f = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message(f);
        assert_true(sd_bus_message_append(m, "v", "(qq)", 3, 7) >= 0);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        char why[256] = "";
        assert_int_equal(read_one(m, R_LINK, 4, &l, why, sizeof(why)), 0);
        assert_int_equal(l.items[0].value.lnk.oid, 3);
        assert_int_equal(l.items[0].value.lnk.iid, 7);

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m2 = new_message(f);
        assert_true(sd_bus_message_append(m2, "a{qx}", 2, 0, (int64_t)-1, 9, (int64_t)8) >= 0);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l2 = {0};
        assert_true(read_one(m2, R_LEVELS, 4, &l2, why, sizeof(why)) >= 0);
        /* The resource first, without a value, then its instances. */
        assert_int_equal(l2.n, 3);
        assert_int_equal(l2.items[0].path.len, LWM2M_PATH_RESOURCE);
        assert_int_equal(l2.items[0].value.type, LWM2M_TYPE_NONE);
        assert_int_equal(l2.items[1].path.id[3], 0);
        assert_true(l2.items[1].value.i == -1);
        assert_int_equal(l2.items[2].path.id[3], 9);
        assert_true(l2.items[2].value.i == 8);
}

static void add_record(lwm2m_record_list *l, lwm2m_path p, lwm2m_value v)
{
        lwm2m_record *rec = lwm2m_record_list_add(l, &p);
        assert_non_null(rec);
        rec->value = v;
}

/* What Owner.Write receives reads back into the same records. */
static void test_records_round_trip(void **state)
{
        fixture *f = *state;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list in = {0};
        add_record(&in, lwm2m_path_resource(3303, 0, R_COUNT), lwm2m_value_integer(42));
        add_record(&in, lwm2m_path_resource(3303, 0, R_LEVEL), lwm2m_value_integer(-3));
        add_record(&in, lwm2m_path_resource_instance(3303, 0, R_LEVELS, 4),
                   lwm2m_value_integer(10));
        add_record(&in, lwm2m_path_resource_instance(3303, 0, R_LEVELS, 1),
                   lwm2m_value_unsigned(11));
        /* Given twice: the last counts. */
        add_record(&in, lwm2m_path_resource(3303, 0, R_LEVEL), lwm2m_value_integer(-4));
        add_record(&in, lwm2m_path_resource(3303, 0, R_ON), lwm2m_value_boolean(true));
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message(f);
        assert_true(convert_append_records(m, &object, in.items, in.n) >= 0);
        to_start(m);

        lwm2m_bus b = {.max_value_size = 100};
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list out = {0};
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_true(convert_read_values(&b, m, &object, 0, false, &out, &e) >= 0);
        /* Count (Unsigned), Level, Levels (resource + 2 instances), On. */
        assert_int_equal(out.n, 6);
        assert_int_equal(out.items[0].value.type, LWM2M_TYPE_UNSIGNED);
        assert_true(out.items[0].value.u == 42);
        assert_true(out.items[1].value.i == -4);
        assert_int_equal(out.items[2].path.len, LWM2M_PATH_RESOURCE);
        assert_int_equal(out.items[3].path.id[3], 4);
        assert_true(out.items[3].value.i == 10);
        assert_int_equal(out.items[4].path.id[3], 1);
        assert_int_equal(out.items[4].value.type, LWM2M_TYPE_INTEGER);
        assert_true(out.items[4].value.i == 11);
        assert_true(out.items[5].value.b);
}

static void test_read_values_refusals(void **state)
{
        fixture *f = *state;
        lwm2m_bus b = {.max_value_size = 100};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message(f);
        assert_true(sd_bus_message_append(m, "a{qv}", 1, 999, "i", 1) >= 0);
        to_start(m);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list out = {0};
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_true(convert_read_values(&b, m, &object, 0, true, &out, &e) < 0);
        assert_string_equal(e.name, BUS_ERROR_NOT_FOUND);
        assert_string_equal(e.message, "Temperature (3303) defines no resource 999");

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m2 = new_message(f);
        assert_true(sd_bus_message_append(m2, "a{qv}", 1, R_ON, "s", "yes") >= 0);
        to_start(m2);
        _cleanup_(sd_bus_error_free) sd_bus_error e2 = SD_BUS_ERROR_NULL;
        assert_true(convert_read_values(&b, m2, &object, 0, true, &out, &e2) < 0);
        assert_string_equal(e2.name, BUS_ERROR_INVALID_VALUE);
        assert_string_equal(e2.message, "Temperature (3303) resource On (3): expected Boolean "
                                        "(D-Bus 'b'), got D-Bus 's'");
}

/* A resource without a value shows its type's zero. */
static void test_append_zero_and_instances(void **state)
{
        fixture *f = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message(f);
        assert_true(convert_append_value(m, res_of(R_UNITS), NULL) >= 0);
        assert_true(convert_append_value(m, res_of(R_VALUE), NULL) >= 0);
        lwm2m_record recs[2] = {
                {.path = lwm2m_path_resource_instance(3303, 0, R_LEVELS, 2),
                 .value = lwm2m_value_unsigned(5)},
                {.path = lwm2m_path_resource_instance(3303, 0, R_LEVELS, 3),
                 .value = lwm2m_value_integer(6)},
        };
        /* Exact: the Unsigned record is left out rather than converted. */
        assert_true(convert_append_instances(m, res_of(R_LEVELS), recs, 2, true) >= 0);
        to_start(m);
        const char *s = NULL;
        double d = 1;
        assert_true(sd_bus_message_read(m, "sd", &s, &d) >= 0);
        assert_string_equal(s, "");
        assert_true(d == 0.0);
        uint16_t riid = 0;
        int64_t x = 0;
        assert_true(sd_bus_message_read(m, "a{qx}", 1, &riid, &x) >= 0);
        assert_int_equal(riid, 3);
        assert_true(x == 6);
}

static void test_execute_arguments(void **state)
{
        char *s = NULL;
        assert_int_equal(bus_execute_arguments((const uint8_t *)"0='a'", 5, &s), 0);
        assert_string_equal(s, "0='a'");
        free(s);
        assert_int_equal(bus_execute_arguments((const uint8_t *)"a\0b", 3, &s), -EINVAL);
        assert_int_equal(bus_execute_arguments((const uint8_t *)"\xff", 1, &s), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_signature_of_each_type),
                cmocka_unit_test(test_secrets),
                cmocka_unit_test(test_settable),
                cmocka_unit_test_setup_teardown(test_read_every_number, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_other_types, setup, teardown),
                cmocka_unit_test_setup_teardown(test_records_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_values_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_append_zero_and_instances, setup, teardown),
                cmocka_unit_test(test_execute_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
