/* test_store.c - unit tests for the state file (store/state, store/file): round trips of every
 * value type and attribute, refusal of truncated, damaged, newer and foreign files, atomic files.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/access.h"
#include "model/ddf.h"
#include "model/oma.h"
#include "store/file.h"
#include "store/firmware_state.h"
#include "store/state.h"

/* Object 2 of these tests holds a resource of every type, single and multiple, so
 * that the round trip covers them all (the real Access Control object has only
 * Integers). */
static const struct {
        const char *ops, *mult, *type;
} all_types[] = {
        {"RW", "Single", "String"},
        {"RW", "Single", "Integer"},
        {"RW", "Single", "Unsigned Integer"},
        {"RW", "Single", "Float"},
        {"RW", "Single", "Boolean"},
        {"RW", "Single", "Opaque"},
        {"RW", "Single", "Time"},
        {"RW", "Single", "Objlnk"},
        {"RW", "Single", "Corelnk"},
        {"RW", "Multiple", "Integer"},
        {"RW", "Multiple", "String"},
        {"RW", "Multiple", "Opaque"},
        {"RW", "Multiple", "Objlnk"},
        {"RW", "Multiple", "Float"},
        {"E", "Single", ""},
};

static lwm2m_registry *new_registry(bool with_all_types)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        assert_non_null(reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_true(ddf_load_dirs(reg, dirs, 1, NULL, NULL, NULL) >= 0);
        if (!with_all_types)
                return reg;
        char xml[8192];
        int n = snprintf(
                xml, sizeof(xml),
                "<?xml version=\"1.0\"?><LWM2M><Object ObjectType=\"MODefinition\">"
                "<Name>All</Name><Description1></Description1><ObjectID>2</ObjectID>"
                "<ObjectURN>urn:oma:lwm2m:oma:2</ObjectURN><LWM2MVersion>1.1</LWM2MVersion>"
                "<ObjectVersion>1.0</ObjectVersion><MultipleInstances>Multiple"
                "</MultipleInstances><Mandatory>Optional</Mandatory><Resources>");
        for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++)
                n += snprintf(xml + n, sizeof(xml) - (size_t)n,
                              "<Item ID=\"%zu\"><Name>r%zu</Name><Operations>%s</Operations>"
                              "<MultipleInstances>%s</MultipleInstances><Mandatory>Optional"
                              "</Mandatory><Type>%s</Type><RangeEnumeration></RangeEnumeration>"
                              "<Units></Units><Description></Description></Item>",
                              i, i, all_types[i].ops, all_types[i].mult, all_types[i].type);
        n += snprintf(xml + n, sizeof(xml) - (size_t)n,
                      "</Resources><Description2></Description2></Object></LWM2M>");
        assert_true(n < (int)sizeof(xml));
        assert_int_equal(ddf_load_buffer(reg, "all.xml", xml, (size_t)n, NULL, NULL), 1);
        return reg;
}

static void set(lwm2m_tree *t, lwm2m_path p, lwm2m_value v)
{
        char why[200] = "";
        int r = lwm2m_tree_set(t, &p, &v, NULL, why, sizeof(why));
        if (r < 0)
                fail_msg("set: %s", why);
        lwm2m_value_clear(&v);
}

static lwm2m_value bytes(lwm2m_type type, const void *data, size_t len)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_bytes(&v, type, data, len), 0);
        return v;
}

static lwm2m_value text(const char *s)
{
        return bytes(LWM2M_TYPE_STRING, s, strlen(s));
}

/* A tree with Security, Server and the every-type object 2, and an instance of
 * Device that the state must leave out. */
static lwm2m_tree *full_tree(const lwm2m_registry *reg)
{
        lwm2m_tree *t = lwm2m_tree_new(reg);
        assert_non_null(t);
        assert_int_equal(lwm2m_tree_create_instance(t, LWM2M_OBJ_SECURITY, 0, NULL, NULL), 0);
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_URI), text("coaps://127.0.0.1:5684"));
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_BOOTSTRAP), lwm2m_value_boolean(false));
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_MODE), lwm2m_value_integer(LWM2M_SEC_MODE_PSK));
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_IDENTITY), bytes(LWM2M_TYPE_OPAQUE, "id", 2));
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_SECRET),
            bytes(LWM2M_TYPE_OPAQUE, "\x00\x01\xff\x80secret", 10));
        set(t, lwm2m_path_resource(0, 0, LWM2M_SEC_SHORT_ID), lwm2m_value_integer(101));
        assert_int_equal(lwm2m_tree_create_instance(t, LWM2M_OBJ_SERVER, 3, NULL, NULL), 0);
        set(t, lwm2m_path_resource(1, 3, LWM2M_SRV_SHORT_ID), lwm2m_value_integer(101));
        set(t, lwm2m_path_resource(1, 3, LWM2M_SRV_LIFETIME), lwm2m_value_integer(86400));
        set(t, lwm2m_path_resource(1, 3, LWM2M_SRV_BINDING), text("UQ"));
        set(t, lwm2m_path_resource(1, 3, LWM2M_SRV_STORING), lwm2m_value_boolean(true));

        assert_int_equal(lwm2m_tree_create_instance(t, 2, 0, NULL, NULL), 0);
        set(t, lwm2m_path_resource(2, 0, 0), text("h\xc3\xa9llo"));
        set(t, lwm2m_path_resource(2, 0, 1), lwm2m_value_integer(INT64_MIN));
        set(t, lwm2m_path_resource(2, 0, 2), lwm2m_value_unsigned(UINT64_MAX));
        set(t, lwm2m_path_resource(2, 0, 3), lwm2m_value_float(-0.1));
        set(t, lwm2m_path_resource(2, 0, 4), lwm2m_value_boolean(true));
        set(t, lwm2m_path_resource(2, 0, 5), bytes(LWM2M_TYPE_OPAQUE, "", 0));
        set(t, lwm2m_path_resource(2, 0, 6), lwm2m_value_time(1700000000));
        set(t, lwm2m_path_resource(2, 0, 7), lwm2m_value_objlnk(65535, 65535));
        set(t, lwm2m_path_resource(2, 0, 8), bytes(LWM2M_TYPE_CORELNK, "</3/0>", 6));
        set(t, lwm2m_path_resource_instance(2, 0, 9, 0), lwm2m_value_integer(-1));
        set(t, lwm2m_path_resource_instance(2, 0, 9, 65534), lwm2m_value_integer(INT64_MAX));
        set(t, lwm2m_path_resource_instance(2, 0, 10, 7), text(""));
        set(t, lwm2m_path_resource_instance(2, 0, 11, 1), bytes(LWM2M_TYPE_OPAQUE, "\0\0", 2));
        set(t, lwm2m_path_resource_instance(2, 0, 12, 2), lwm2m_value_objlnk(3, 0));
        set(t, lwm2m_path_resource_instance(2, 0, 13, 4), lwm2m_value_float(1e300));
        /* A multiple resource that exists with no instances, and an empty instance. */
        lwm2m_path mf = lwm2m_path_resource(2, 1, 13);
        lwm2m_record none = {.path = mf};
        assert_int_equal(lwm2m_tree_create_instance(t, 2, 1, NULL, NULL), 0);
        assert_int_equal(lwm2m_tree_write(t, &mf, &none, 1, LWM2M_WRITE_REPLACE, NULL, NULL, 0), 0);
        assert_int_equal(lwm2m_tree_create_instance(t, 2, 9, NULL, NULL), 0);

        assert_int_equal(lwm2m_tree_create_instance(t, LWM2M_OBJ_DEVICE, 0, NULL, NULL), 0);
        return t;
}

static lwm2m_attributes *some_attributes(void)
{
        lwm2m_attributes *a = lwm2m_attributes_new();
        assert_non_null(a);
        static const struct {
                uint16_t ssid;
                const char *path, *query[8];
        } entries[] = {
                {101, "/3", {"pmin=0", "pmax=4294967295"}},
                {101, "/2/0/3", {"gt=10.5", "lt=-3.25", "st=0.125", "epmin=1", "epmax=2"}},
                {101, "/2/0/4", {"edge=1", "con=0", "hqmax=7"}},
                {7, "/2/0/9/65534", {"pmin=5"}},
        };
        for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
                lwm2m_attr_set s = {0};
                unsigned clear = 0;
                for (size_t k = 0; entries[i].query[k]; k++)
                        assert_int_equal(lwm2m_attr_parse_item(entries[i].query[k],
                                                               strlen(entries[i].query[k]), &s,
                                                               &clear),
                                         0);
                lwm2m_path p;
                assert_int_equal(lwm2m_path_parse(entries[i].path, &p), 0);
                assert_int_equal(lwm2m_attributes_write(a, entries[i].ssid, &p, &s, 0), 0);
        }
        return a;
}

static void encode(const lwm2m_tree *t, const lwm2m_attributes *a, lwm2m_buf *out)
{
        *out = (lwm2m_buf){0};
        assert_int_equal(store_state_encode(t, a, out), 0);
        assert_true(out->len > 0);
}

/* The records of an object in both trees are the same, value for value. */
static void assert_same_object(const lwm2m_tree *a, const lwm2m_tree *b, uint16_t oid)
{
        lwm2m_record_list ra = {0}, rb = {0};
        lwm2m_path p = lwm2m_path_object(oid);
        assert_int_equal(lwm2m_tree_read(a, &p, &ra), 0);
        assert_int_equal(lwm2m_tree_read(b, &p, &rb), 0);
        assert_true(ra.n > 0);
        assert_int_equal(ra.n, rb.n);
        for (size_t i = 0; i < ra.n; i++) {
                assert_true(lwm2m_path_equal(&ra.items[i].path, &rb.items[i].path));
                assert_int_equal(ra.items[i].value.type, rb.items[i].value.type);
                assert_true(lwm2m_value_equal(&ra.items[i].value, &rb.items[i].value));
        }
        lwm2m_record_list_free(&ra);
        lwm2m_record_list_free(&rb);
}

static int collect(void *userdata, uint16_t ssid, const lwm2m_path *path, const lwm2m_attr_set *set)
{
        const lwm2m_attributes *other = userdata;
        const lwm2m_attr_set *o = lwm2m_attributes_get(other, ssid, path);
        if (!o || o->present != set->present)
                return -ENOENT;
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1)
                if ((set->present & bit) && lwm2m_attr_value(set, bit) != lwm2m_attr_value(o, bit))
                        return -EINVAL;
        return 0;
}

static void test_round_trip(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(true);
        lwm2m_tree *t = full_tree(reg);
        lwm2m_attributes *attrs = some_attributes();
        lwm2m_buf file;
        encode(t, attrs, &file);

        store_state s = {0};
        char why[256] = "";
        int r = store_state_decode(file.data, file.len, &s, why, sizeof(why));
        if (r < 0)
                fail_msg("decode: %s", why);
        assert_int_equal(s.version, STORE_STATE_VERSION);
        assert_int_equal(s.n_instances, 5); /* /0/0, /1/3, /2/0, /2/1, /2/9; not /3/0 */
        assert_int_equal(lwm2m_attributes_count(s.attrs), 4);
        assert_int_equal(lwm2m_attributes_foreach(s.attrs, collect, attrs), 0);
        assert_int_equal(lwm2m_attributes_foreach(attrs, collect, s.attrs), 0);

        lwm2m_tree *fresh = lwm2m_tree_new(reg);
        size_t skipped = 99;
        r = store_state_apply(&s, fresh, NULL, &skipped, why, sizeof(why));
        if (r < 0)
                fail_msg("apply: %s", why);
        assert_int_equal(skipped, 0);
        for (uint16_t oid = 0; oid <= 2; oid++)
                assert_same_object(t, fresh, oid);
        assert_false(lwm2m_tree_has_instance(fresh, LWM2M_OBJ_DEVICE, 0));
        assert_true(lwm2m_tree_has_instance(fresh, 2, 9));
        lwm2m_path empty = lwm2m_path_resource(2, 1, 13);
        assert_int_equal(lwm2m_tree_path_exists(fresh, &empty, false), 0);

        /* One reading: the applied state encodes to the same bytes. */
        lwm2m_buf again;
        encode(fresh, s.attrs, &again);
        assert_int_equal(again.len, file.len);
        assert_memory_equal(again.data, file.data, file.len);

        lwm2m_buf_free(&again);
        store_state_clear(&s);
        lwm2m_tree_free(fresh);
        lwm2m_buf_free(&file);
        lwm2m_attributes_free(attrs);
        lwm2m_tree_free(t);
        lwm2m_registry_free(reg);
}

static void test_empty_state(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(false);
        lwm2m_tree *t = lwm2m_tree_new(reg);
        lwm2m_buf file;
        encode(t, NULL, &file);
        store_state s = {0};
        assert_int_equal(store_state_decode(file.data, file.len, &s, NULL, 0), 0);
        assert_int_equal(s.n_instances, 0);
        assert_int_equal(lwm2m_attributes_count(s.attrs), 0);
        store_state_clear(&s);
        lwm2m_buf_free(&file);
        lwm2m_tree_free(t);
        lwm2m_registry_free(reg);
}

/* How many instances of object 2 the encoded state of `t` holds. */
static size_t access_instances_kept(const lwm2m_tree *t)
{
        lwm2m_buf file;
        encode(t, NULL, &file);
        store_state s = {0};
        assert_int_equal(store_state_decode(file.data, file.len, &s, NULL, 0), 0);
        size_t n = 0;
        for (size_t i = 0; i < s.n_instances; i++)
                n += s.instances[i].oid == LWM2M_OBJ_ACCESS_CONTROL;
        store_state_clear(&s);
        lwm2m_buf_free(&file);
        return n;
}

/* An Access Control instance made from a template lives with its instance, which
 * is not kept: it is left out, until a server writes it. */
static void test_template_access_not_kept(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(false);
        lwm2m_tree *t = lwm2m_tree_new(reg);
        for (uint16_t i = 0; i < 2; i++) {
                assert_int_equal(lwm2m_tree_create_instance(t, LWM2M_OBJ_SERVER, i, NULL, NULL), 0);
                set(t, lwm2m_path_resource(1, i, LWM2M_SRV_SHORT_ID), lwm2m_value_integer(i + 1));
        }
        const lwm2m_acl_entry acl[] = {{1, LWM2M_ACL_READ}};
        assert_int_equal(lwm2m_access_set(t, 3, 0, 1, acl, 1, NULL, NULL, 0), 0);
        assert_int_equal(access_instances_kept(t), 1);
        const lwm2m_access_template tpl = {.oid = 3303, .owner = 1, .acl = acl, .n_acl = 1};
        assert_int_equal(lwm2m_tree_create_instance(t, 3303, 0, NULL, NULL), 0);
        assert_int_equal(lwm2m_access_apply_templates(t, &tpl, 1, NULL, 0), 1);
        int made = lwm2m_access_find(t, 3303, 0);
        assert_true(made >= 0);
        assert_int_equal(lwm2m_tree_instance_count(t, LWM2M_OBJ_ACCESS_CONTROL), 2);
        assert_int_equal(access_instances_kept(t), 1);
        /* Its owner, server 1, gives server 2 Read: the server's now, and kept. */
        lwm2m_path entry = lwm2m_path_resource_instance(2, (uint16_t)made, LWM2M_ACL_ACL, 2);
        lwm2m_value r = lwm2m_value_integer(LWM2M_ACL_READ);
        assert_int_equal(lwm2m_tree_set(t, &entry, &r, reg, NULL, 0), 0);
        lwm2m_change c = {.kind = LWM2M_CHANGE_VALUES,
                          .instance = lwm2m_path_instance(2, (uint16_t)made),
                          .paths = &entry,
                          .n_paths = 1,
                          .origin = reg};
        lwm2m_access_follow_change(t, &c);
        assert_int_equal(access_instances_kept(t), 2);
        lwm2m_tree_free(t);
        lwm2m_registry_free(reg);
}

static void test_truncated_prefixes(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(true);
        lwm2m_tree *t = full_tree(reg);
        lwm2m_attributes *attrs = some_attributes();
        lwm2m_buf file;
        encode(t, attrs, &file);
        for (size_t len = 0; len < file.len; len++) {
                /* A copy of exactly `len` bytes, so that ASan sees any read past it. */
                uint8_t *prefix = malloc(len ? len : 1);
                memcpy(prefix, file.data, len);
                store_state s = {0};
                char why[256] = "";
                int r = store_state_decode(prefix, len, &s, why, sizeof(why));
                if (r != -EBADMSG)
                        fail_msg("a prefix of %zu of %zu bytes: %d", len, file.len, r);
                assert_true(why[0] != 0);
                assert_int_equal(s.n_instances, 0);
                assert_null(s.attrs);
                free(prefix);
        }
        lwm2m_buf_free(&file);
        lwm2m_attributes_free(attrs);
        lwm2m_tree_free(t);
        lwm2m_registry_free(reg);
}

/* Every single bit flipped: refused, or decoded into something that applies
 * cleanly or not at all and encodes again into a file that decodes. */
static void test_bit_flips(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(true);
        lwm2m_tree *t = full_tree(reg);
        lwm2m_attributes *attrs = some_attributes();
        lwm2m_buf file;
        encode(t, attrs, &file);
        size_t refused = 0, accepted = 0;
        for (size_t i = 0; i < file.len; i++)
                for (unsigned bit = 0; bit < 8; bit++) {
                        uint8_t *copy = malloc(file.len);
                        memcpy(copy, file.data, file.len);
                        copy[i] ^= (uint8_t)(1u << bit);
                        store_state s = {0};
                        char why[256] = "";
                        int r = store_state_decode(copy, file.len, &s, why, sizeof(why));
                        free(copy);
                        if (r < 0) {
                                assert_true(r == -EBADMSG || r == -EPROTONOSUPPORT);
                                assert_true(why[0] != 0);
                                refused++;
                                continue;
                        }
                        accepted++;
                        lwm2m_tree *fresh = lwm2m_tree_new(reg);
                        r = store_state_apply(&s, fresh, NULL, NULL, why, sizeof(why));
                        if (r < 0) {
                                /* All or nothing. */
                                for (uint16_t oid = 0; oid <= 2; oid++)
                                        assert_int_equal(lwm2m_tree_instance_count(fresh, oid), 0);
                        } else {
                                lwm2m_buf again;
                                encode(fresh, s.attrs, &again);
                                store_state s2 = {0};
                                assert_int_equal(
                                        store_state_decode(again.data, again.len, &s2, NULL, 0), 0);
                                store_state_clear(&s2);
                                lwm2m_buf_free(&again);
                        }
                        lwm2m_tree_free(fresh);
                        store_state_clear(&s);
                }
        print_message("bit flips: %zu refused, %zu decoded\n", refused, accepted);
        assert_true(refused > accepted);
        lwm2m_buf_free(&file);
        lwm2m_attributes_free(attrs);
        lwm2m_tree_free(t);
        lwm2m_registry_free(reg);
}

/* CBOR written by hand: the three keys, then what the test puts in. */
#define KEY_VERSION   "\x67version"
#define KEY_INSTANCES "\x69instances"
#define KEY_ATTRIBUTES                                                                             \
        "\x6a"                                                                                     \
        "attributes"

static int decode_literal(const char *bytes, size_t len, char *why, size_t why_size)
{
        store_state s = {0};
        int r = store_state_decode((const uint8_t *)bytes, len, &s, why, why_size);
        store_state_clear(&s);
        return r;
}
#define DECODE(lit, why) decode_literal(lit, sizeof(lit) - 1, why, sizeof(why))

static void test_newer_version(void **state)
{
        (void)state;
        char why[256] = "";
        /* What follows the version does not matter: a newer format may be anything. */
        assert_int_equal(DECODE("\xa3" KEY_VERSION "\x02"
                                "\xff\xff",
                                why),
                         -EPROTONOSUPPORT);
        assert_non_null(strstr(why, "newer"));
        assert_non_null(strstr(why, "version 2"));
        assert_int_equal(DECODE("\xa1" KEY_VERSION "\x1a\x00\x01\x00\x00", why), -EPROTONOSUPPORT);
        assert_int_equal(DECODE("\xa3" KEY_VERSION "\x00", why), -EBADMSG);
        assert_non_null(strstr(why, "version 0"));
        /* The version comes first. */
        assert_int_equal(DECODE("\xa3" KEY_INSTANCES "\x80" KEY_VERSION "\x01", why), -EBADMSG);
        assert_non_null(strstr(why, "\"version\""));
}

static void test_refusals(void **state)
{
        (void)state;
        char why[256] = "";
        /* The smallest good file. */
        assert_int_equal(
                DECODE("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES "\x80", why),
                0);
        static const struct {
                const char *bytes;
                size_t len;
                const char *reason;
        } bad[] = {
#define BAD(lit, reason) {lit, sizeof(lit) - 1, reason}
                /* An object a state file does not keep: Device. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x81\x83\x03\x00\x80" KEY_ATTRIBUTES
                    "\x80",
                    "object 3 is not"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x19\x0b\xb8\x00\x80" KEY_ATTRIBUTES "\x80",
                    "object 3000 is not"),
                /* The same instance twice, and out of order. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x82\x83\x01\x00\x80\x83\x01\x00\x80" KEY_ATTRIBUTES "\x80",
                    "out of order or twice"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x82\x83\x01\x01\x80\x83\x00\x00\x80" KEY_ATTRIBUTES "\x80",
                    "out of order or twice"),
                /* Instance ID 65535 is reserved. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x19\xff\xff\x80" KEY_ATTRIBUTES "\x80",
                    "instance ID"),
                /* A value not of its type: Integer given as text; an unknown type. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x00\x81\x83\x01\x67Integer\x61x" KEY_ATTRIBUTES "\x80",
                    "/1/0/1"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x00\x81\x83\x01\x63Int\x01" KEY_ATTRIBUTES "\x80",
                    "not a type"),
                /* A string that is not UTF-8. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x00\x81\x83\x07\x66String\x61\xff" KEY_ATTRIBUTES "\x80",
                    "UTF-8"),
                /* A resource twice. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x00\x82\x83\x01\x67Integer\x01\x83\x01\x67Integer"
                    "\x02" KEY_ATTRIBUTES "\x80",
                    "resource 1 is out of order"),
                /* Integer beyond 64-bit signed. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                    "\x81\x83\x01\x00\x81\x83\x01\x67Integer\x1b\x80\x00\x00\x00\x00\x00\x00"
                    "\x00" KEY_ATTRIBUTES "\x80",
                    "64-bit"),
                /* Attributes: server 0, a bad name, inconsistent lt/gt, a bad pmin. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES
                    "\x81\x83\x00\x81\x03\xa1\x64pmin\x01",
                    "server ID 0"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES
                    "\x81\x83\x01\x81\x03\xa1\x64pmon\x01",
                    "attribute name"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES
                    "\x81\x83\x01\x81\x03\xa2\x62gt\xf9\x3c\x00\x62lt\xf9\x40\x00",
                    "hold together"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES
                    "\x81\x83\x01\x81\x03\xa1\x64pmin\x1b\x00\x00\x00\x01\x00\x00\x00\x00",
                    "out of range"),
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES
                    "\x81\x83\x01\x85\x03\x00\x00\x00\x00\xa1\x64pmin\x01",
                    "1 to 4 IDs"),
                /* Bytes after the end; not a map at all; an indefinite map. */
                BAD("\xa3" KEY_VERSION "\x01" KEY_INSTANCES "\x80" KEY_ATTRIBUTES "\x80\x00",
                    "after the end"),
                BAD("\x80", "a map"),
                BAD("\xbf" KEY_VERSION "\x01\xff", "a map"),
                BAD("", "ends early"),
#undef BAD
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                why[0] = 0;
                int r = decode_literal(bad[i].bytes, bad[i].len, why, sizeof(why));
                if (r != -EBADMSG || !strstr(why, bad[i].reason))
                        fail_msg("case %zu: %d, \"%s\" (wanted \"%s\")", i, r, why, bad[i].reason);
        }
}

/* A file that decodes but does not fit the definitions adds nothing; objects
 * without a definition are skipped. */
static void test_apply(void **state)
{
        (void)state;
        lwm2m_registry *reg = new_registry(false);
        char why[256] = "";
        store_state s = {0};
        /* /1/0 fine, /1/1 with a Lifetime of type String (the tree wants an Integer). */
        static const char file[] = "\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                                   "\x82\x83\x01\x00\x81\x83\x01\x67Integer\x18\x3c"
                                   "\x83\x01\x01\x81\x83\x01\x66String\x61x" KEY_ATTRIBUTES "\x80";
        assert_int_equal(
                store_state_decode((const uint8_t *)file, sizeof(file) - 1, &s, why, sizeof(why)),
                0);
        lwm2m_tree *t = lwm2m_tree_new(reg);
        assert_true(store_state_apply(&s, t, NULL, NULL, why, sizeof(why)) < 0);
        assert_non_null(strstr(why, "/1/1"));
        assert_int_equal(lwm2m_tree_instance_count(t, LWM2M_OBJ_SERVER), 0);
        lwm2m_tree_free(t);
        store_state_clear(&s);

        /* A registry without object 2: its instances are skipped, the rest applies. */
        lwm2m_object_def *acl = lwm2m_registry_take(reg, LWM2M_OBJ_ACCESS_CONTROL);
        lwm2m_object_def_free(acl);
        static const char file2[] = "\xa3" KEY_VERSION "\x01" KEY_INSTANCES
                                    "\x82\x83\x01\x00\x81\x83\x01\x67Integer\x18\x3c"
                                    "\x83\x02\x00\x80" KEY_ATTRIBUTES "\x80";
        assert_int_equal(
                store_state_decode((const uint8_t *)file2, sizeof(file2) - 1, &s, why, sizeof(why)),
                0);
        t = lwm2m_tree_new(reg);
        size_t skipped = 0;
        assert_int_equal(store_state_apply(&s, t, NULL, &skipped, why, sizeof(why)), 0);
        assert_int_equal(skipped, 1);
        lwm2m_path lt = lwm2m_path_resource(1, 0, LWM2M_SRV_LIFETIME);
        assert_int_equal(lwm2m_tree_get(t, &lt)->i, 60);
        lwm2m_tree_free(t);
        store_state_clear(&s);
        lwm2m_registry_free(reg);
}

static void test_files(void **state)
{
        (void)state;
        char dir[] = "/tmp/test_store.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char sub[128], path[160];
        snprintf(sub, sizeof(sub), "%s/a/b", dir);
        assert_int_equal(store_dir_ensure(sub), 0);
        struct stat st;
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(store_dir_ensure(sub), 0);

        mode_t old = umask(0);
        assert_int_equal(store_file_replace(sub, STORE_FILE_NAME, "one", 3), 0);
        assert_int_equal(store_file_replace(sub, STORE_FILE_NAME, "second", 6), 0);
        umask(old);
        snprintf(path, sizeof(path), "%s/%s", sub, STORE_FILE_NAME);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        uint8_t *data = NULL;
        size_t len = 0;
        assert_int_equal(store_file_read(path, 100, &data, &len), 0);
        assert_int_equal(len, 6);
        assert_memory_equal(data, "second", 6);
        free(data);
        assert_int_equal(store_file_read(path, 5, &data, &len), -EFBIG);
        assert_int_equal(store_file_read(sub, 100, &data, &len), -EINVAL);

        /* A failed replace leaves the old file and no temporary one. */
        char missing[160];
        snprintf(missing, sizeof(missing), "%s/none", dir);
        assert_true(store_file_replace(missing, STORE_FILE_NAME, "x", 1) < 0);
        /* What an interrupted write leaves goes at the next start; nothing else does. */
        char stale[200];
        snprintf(stale, sizeof(stale), "%s/.%s.AbC123", sub, STORE_FILE_NAME);
        int fd = open(stale, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(store_file_remove_stale(sub, STORE_FILE_NAME), 1);
        assert_int_equal(access(stale, F_OK), -1);
        snprintf(path, sizeof(path), "%s/%s", sub, STORE_FILE_NAME);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(store_file_move(sub, STORE_FILE_NAME, "aside"), 0);
        snprintf(path, sizeof(path), "%s/aside", sub);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(store_file_remove(sub, "aside"), 0);
        assert_int_equal(store_file_remove(sub, "aside"), 0); /* missing is fine */
        assert_int_equal(access(path, F_OK), -1);
        char cmd[200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

/* The firmware record: round trip, every truncation refused, a newer format named. */
static void test_firmware_record(void **state)
{
        store_firmware f = {.state = 3,
                            .result = 0,
                            .spool_bytes = 12345678901ull,
                            .update_pending = true,
                            .update_installed = true};
        snprintf(f.uri, sizeof(f.uri), "https://127.0.0.1/b.raucb");
        snprintf(f.pkg_name, sizeof(f.pkg_name), "gateway");
        snprintf(f.pkg_version, sizeof(f.pkg_version), "2.0");
        lwm2m_buf buf = {0};
        assert_int_equal(store_firmware_encode(&f, &buf), 0);
        store_firmware g;
        char why[256] = "";
        assert_int_equal(store_firmware_decode(buf.data, buf.len, &g, why, sizeof(why)), 0);
        assert_int_equal(g.state, 3);
        assert_int_equal(g.spool_bytes, 12345678901ull);
        assert_true(g.update_pending && g.update_installed);
        assert_string_equal(g.uri, f.uri);
        assert_string_equal(g.pkg_name, "gateway");
        assert_string_equal(g.pkg_version, "2.0");
        for (size_t n = 0; n < buf.len; n++) {
                why[0] = 0;
                assert_int_equal(store_firmware_decode(buf.data, n, &g, why, sizeof(why)),
                                 -EBADMSG);
                assert_true(why[0]);
        }
        lwm2m_buf_free(&buf);
        /* {"version": 2, "state": 0, "result": 0} */
        static const uint8_t newer[] = {0xa3, 0x67, 'v', 'e', 'r', 's', 'i', 'o',  'n',
                                        0x02, 0x65, 's', 't', 'a', 't', 'e', 0x00, 0x66,
                                        'r',  'e',  's', 'u', 'l', 't', 0x00};
        assert_int_equal(store_firmware_decode(newer, sizeof(newer), &g, why, sizeof(why)),
                         -EPROTONOSUPPORT);
        /* {"version": 1, "state": 4, "result": 0}: no such state. */
        uint8_t bad_state[sizeof(newer)];
        memcpy(bad_state, newer, sizeof(newer));
        bad_state[9] = 0x01;
        bad_state[16] = 0x04;
        assert_int_equal(store_firmware_decode(bad_state, sizeof(bad_state), &g, why, sizeof(why)),
                         -EBADMSG);
        assert_non_null(strstr(why, "state"));
        bad_state[16] = 0x03;
        assert_int_equal(store_firmware_decode(bad_state, sizeof(bad_state), &g, why, sizeof(why)),
                         0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_empty_state),
                cmocka_unit_test(test_template_access_not_kept),
                cmocka_unit_test(test_truncated_prefixes),
                cmocka_unit_test(test_bit_flips),
                cmocka_unit_test(test_newer_version),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_apply),
                cmocka_unit_test(test_files),
                cmocka_unit_test(test_firmware_record),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
