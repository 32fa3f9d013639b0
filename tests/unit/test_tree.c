/* test_tree.c - unit tests for the instance tree (model/tree): instances and
 * iteration, atomic validated writes, update/replace, reads and listener events. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/constraint.h"
#include "model/definition.h"
#include "model/tree.h"
#include "util/macro.h"

/* ---- definitions, built by hand ----
 * One heap block per object (struct, then its resource array), static strings:
 * the layout lwm2m_object_def_free expects, so the registry can own them and
 * the tests need nothing from the DDF loader. */

enum {
        OID_DEVICE = 3, /* single-instance */
        OID_TEMP = 3303,
        OID_TEST = 9000,
        /* resources of OID_TEST */
        R_BOUNDED = 1,   /* Integer, RW, -10..10 */
        R_UNSIGNED = 2,  /* Unsigned, RW */
        R_FLOAT = 3,     /* Float, RW */
        R_STRING = 4,    /* String, RW */
        R_MULTI_INT = 5, /* Integer, RW, multiple */
        R_READONLY = 6,  /* Integer, R */
        R_EXEC = 7,      /* executable */
        R_OPAQUE = 8,    /* Opaque, RW */
        R_MULTI_STR = 9, /* String, RW, multiple */
        R_INTEGER = 10,  /* Integer, RW, unconstrained */
        R_MULTI_RO = 11, /* Integer, R, multiple */
        OID_SWITCH = 9001,
        /* resources of OID_SWITCH */
        R_SW_SERIAL = 0, /* Integer, R, mandatory */
        R_SW_STATE = 1,  /* Boolean, RW, mandatory */
        R_SW_LABEL = 2,  /* String, RW, optional */
        R_SW_PORTS = 3,  /* Integer, RW, multiple, mandatory */
};

typedef struct res_spec {
        uint16_t id;
        uint8_t ops;
        bool multiple;
        lwm2m_type type;
        const char *name;
        const char *range;
} res_spec;

#define RW (LWM2M_OP_READ | LWM2M_OP_WRITE)
#define RO LWM2M_OP_READ

static const res_spec test_resources[] = {
        {R_BOUNDED, RW, false, LWM2M_TYPE_INTEGER, "Bounded Value", "-10..10"},
        {R_UNSIGNED, RW, false, LWM2M_TYPE_UNSIGNED, "Counter", NULL},
        {R_FLOAT, RW, false, LWM2M_TYPE_FLOAT, "Level", NULL},
        {R_STRING, RW, false, LWM2M_TYPE_STRING, "Label", NULL},
        {R_MULTI_INT, RW, true, LWM2M_TYPE_INTEGER, "Samples", NULL},
        {R_READONLY, RO, false, LWM2M_TYPE_INTEGER, "Serial", NULL},
        {R_EXEC, LWM2M_OP_EXECUTE, false, LWM2M_TYPE_NONE, "Reset", NULL},
        {R_OPAQUE, RW, false, LWM2M_TYPE_OPAQUE, "Blob", NULL},
        {R_MULTI_STR, RW, true, LWM2M_TYPE_STRING, "Tags", NULL},
        {R_INTEGER, RW, false, LWM2M_TYPE_INTEGER, "Offset", NULL},
        {R_MULTI_RO, RO, true, LWM2M_TYPE_INTEGER, "History", NULL},
};

static const res_spec temp_resources[] = {
        {5601, RO, false, LWM2M_TYPE_FLOAT, "Min Measured Value", NULL},
        {5700, RO, false, LWM2M_TYPE_FLOAT, "Sensor Value", NULL},
        {5701, RO, false, LWM2M_TYPE_STRING, "Sensor Units", NULL},
};

static const res_spec switch_resources[] = {
        {R_SW_SERIAL, RO, false, LWM2M_TYPE_INTEGER, "Serial", NULL},
        {R_SW_STATE, RW, false, LWM2M_TYPE_BOOLEAN, "State", NULL},
        {R_SW_LABEL, RW, false, LWM2M_TYPE_STRING, "Label", NULL},
        {R_SW_PORTS, RW, true, LWM2M_TYPE_INTEGER, "Ports", NULL},
};

static const res_spec device_resources[] = {
        {0, RO, false, LWM2M_TYPE_STRING, "Manufacturer", NULL},
        {4, LWM2M_OP_EXECUTE, false, LWM2M_TYPE_NONE, "Reboot", NULL},
};

static lwm2m_object_def *make_def(uint16_t id, const char *name, bool multiple,
                                  const res_spec *specs, size_t n)
{
        lwm2m_object_def *def = calloc(1, sizeof(*def) + n * sizeof(lwm2m_resource_def));
        assert_non_null(def);
        lwm2m_resource_def *res = (lwm2m_resource_def *)(def + 1);
        def->id = id;
        def->name = name;
        def->multiple = multiple;
        strcpy(def->version, "1.0");
        strcpy(def->lwm2m_version, "1.0");
        def->source = "test_tree.c";
        def->n_resources = n;
        def->resources = res;
        for (size_t i = 0; i < n; i++) {
                res[i] = (lwm2m_resource_def){
                        .id = specs[i].id,
                        .operations = specs[i].ops,
                        .multiple = specs[i].multiple,
                        .type = specs[i].type,
                        .name = specs[i].name,
                        .range = specs[i].range,
                };
                if (specs[i].range) {
                        lwm2m_constraint *c = NULL;
                        assert_int_equal(lwm2m_constraint_parse(specs[i].range, specs[i].type, &c),
                                         0);
                        assert_non_null(c);
                        res[i].constraint = c;
                }
        }
        return def;
}

/* ---- listener recorder ---- */

#define MAX_EVENTS 32
#define MAX_PATHS  16

typedef struct event {
        lwm2m_change_kind kind;
        lwm2m_path instance;
        lwm2m_path paths[MAX_PATHS];
        size_t n_paths;
        const void *origin;
} event;

typedef struct recorder {
        event ev[MAX_EVENTS];
        size_t n;
} recorder;

static void record_change(void *userdata, const lwm2m_change *c)
{
        recorder *r = userdata;
        assert_true(r->n < MAX_EVENTS);
        assert_true(c->n_paths <= MAX_PATHS);
        event *e = &r->ev[r->n++];
        e->kind = c->kind;
        e->instance = c->instance;
        e->n_paths = c->n_paths;
        if (c->n_paths > 0)
                memcpy(e->paths, c->paths, c->n_paths * sizeof(lwm2m_path));
        e->origin = c->origin;
}

/* ---- fixture ---- */

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        recorder rec;
        char why[256];
} fixture;

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        assert_int_equal(lwm2m_registry_add(f->reg,
                                            make_def(OID_TEST, "Test", true, test_resources,
                                                     ELEMENTSOF(test_resources)),
                                            NULL),
                         0);
        assert_int_equal(lwm2m_registry_add(f->reg,
                                            make_def(OID_TEMP, "Temperature", true, temp_resources,
                                                     ELEMENTSOF(temp_resources)),
                                            NULL),
                         0);
        assert_int_equal(lwm2m_registry_add(f->reg,
                                            make_def(OID_DEVICE, "Device", false, device_resources,
                                                     ELEMENTSOF(device_resources)),
                                            NULL),
                         0);
        lwm2m_object_def *sw = make_def(OID_SWITCH, "Switch", true, switch_resources,
                                        ELEMENTSOF(switch_resources));
        lwm2m_resource_def *sw_res = (lwm2m_resource_def *)sw->resources;
        sw_res[R_SW_SERIAL].mandatory = true;
        sw_res[R_SW_STATE].mandatory = true;
        sw_res[R_SW_PORTS].mandatory = true;
        assert_int_equal(lwm2m_registry_add(f->reg, sw, NULL), 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        assert_ptr_equal(lwm2m_tree_registry(f->tree), f->reg);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        free(f);
        return 0;
}

/* Adds a listener recording into f->rec (emptied). */
static void listen(fixture *f)
{
        memset(&f->rec, 0, sizeof(f->rec));
        assert_int_equal(lwm2m_tree_add_listener(f->tree, record_change, &f->rec), 0);
}

static int set_int(fixture *f, uint16_t iid, uint16_t rid, int64_t i)
{
        lwm2m_path p = lwm2m_path_resource(OID_TEST, iid, rid);
        lwm2m_value v = lwm2m_value_integer(i);
        return lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why));
}

static int set_multi_int(fixture *f, uint16_t iid, uint16_t rid, uint16_t riid, int64_t i)
{
        lwm2m_path p = lwm2m_path_resource_instance(OID_TEST, iid, rid, riid);
        lwm2m_value v = lwm2m_value_integer(i);
        return lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why));
}

static const lwm2m_value *get(fixture *f, uint16_t iid, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(OID_TEST, iid, rid);
        return lwm2m_tree_get(f->tree, &p);
}

static const lwm2m_value *get_ri(fixture *f, uint16_t iid, uint16_t rid, uint16_t riid)
{
        lwm2m_path p = lwm2m_path_resource_instance(OID_TEST, iid, rid, riid);
        return lwm2m_tree_get(f->tree, &p);
}

static void assert_int_at(fixture *f, uint16_t iid, uint16_t rid, int64_t expected)
{
        const lwm2m_value *v = get(f, iid, rid);
        assert_non_null(v);
        assert_int_equal(v->type, LWM2M_TYPE_INTEGER);
        assert_int_equal(v->i, expected);
}

static void assert_int_ri(fixture *f, uint16_t iid, uint16_t rid, uint16_t riid, int64_t expected)
{
        const lwm2m_value *v = get_ri(f, iid, rid, riid);
        assert_non_null(v);
        assert_int_equal(v->type, LWM2M_TYPE_INTEGER);
        assert_int_equal(v->i, expected);
}

static void create(fixture *f, uint16_t oid, uint16_t iid)
{
        assert_int_equal(lwm2m_tree_create_instance(f->tree, oid, iid, NULL, NULL), 0);
}

static lwm2m_record rec_int(lwm2m_path p, int64_t i)
{
        return (lwm2m_record){.path = p, .value = lwm2m_value_integer(i)};
}

static lwm2m_path res_path(uint16_t iid, uint16_t rid)
{
        return lwm2m_path_resource(OID_TEST, iid, rid);
}

static lwm2m_path ri_path(uint16_t iid, uint16_t rid, uint16_t riid)
{
        return lwm2m_path_resource_instance(OID_TEST, iid, rid, riid);
}

/* Number of resource instances of a multiple resource, via a read. */
static size_t count_ri(fixture *f, uint16_t iid, uint16_t rid)
{
        lwm2m_record_list l = {0};
        lwm2m_path p = res_path(iid, rid);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++)
                if (l.items[i].path.len == LWM2M_PATH_RESOURCE_INSTANCE)
                        n++;
        lwm2m_record_list_free(&l);
        return n;
}

/* ---- instances ---- */

static void test_create_delete_iteration(void **state)
{
        fixture *f = *state;

        assert_int_equal(lwm2m_tree_next_object(f->tree, -1), -ENOENT);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, -1), -ENOENT);

        create(f, OID_TEST, 5);
        create(f, OID_TEST, 1);
        create(f, OID_TEST, 3);
        create(f, OID_TEMP, 0);
        create(f, OID_DEVICE, 0);

        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_TEST, 3, NULL, NULL), -EEXIST);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, 4242, 0, NULL, NULL), -ENOENT);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_ID_INVALID, 0, NULL, NULL),
                         -EINVAL);

        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEST), 3);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, -1), 1);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 1), 3);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 2), 3);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 3), 5);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 5), -ENOENT);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 65534), -ENOENT);

        assert_int_equal(lwm2m_tree_next_object(f->tree, -1), OID_DEVICE);
        assert_int_equal(lwm2m_tree_next_object(f->tree, OID_DEVICE), OID_TEMP);
        assert_int_equal(lwm2m_tree_next_object(f->tree, OID_TEMP), OID_TEST);
        assert_int_equal(lwm2m_tree_next_object(f->tree, OID_TEST), -ENOENT);

        assert_true(lwm2m_tree_has_instance(f->tree, OID_TEST, 3));
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 3, NULL), 0);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_TEST, 3));
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 3, NULL), -ENOENT);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, 4242, 0, NULL), -ENOENT);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_TEST, 1), 5);

        /* An object whose last instance goes is no longer listed. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 0, NULL), 0);
        assert_int_equal(lwm2m_tree_next_object(f->tree, OID_DEVICE), OID_TEST);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEMP), 0);
}

static void test_auto_ids(void **state)
{
        fixture *f = *state;
        uint16_t iid = 999;

        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(
                        lwm2m_tree_create_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, NULL, &iid),
                        0);
                assert_int_equal(iid, i);
        }
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 1, NULL), 0);
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, NULL, &iid), 0);
        assert_int_equal(iid, 1);
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, NULL, &iid), 0);
        assert_int_equal(iid, 3);

        /* A gap at the start is found too. */
        create(f, OID_TEMP, 1);
        create(f, OID_TEMP, 2);
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEMP, LWM2M_ID_INVALID, NULL, &iid), 0);
        assert_int_equal(iid, 0);
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEMP, LWM2M_ID_INVALID, NULL, &iid), 0);
        assert_int_equal(iid, 3);

        /* An explicit ID is reported back as well. */
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_TEMP, 77, NULL, &iid), 0);
        assert_int_equal(iid, 77);
}

static void test_single_instance_object(void **state)
{
        fixture *f = *state;
        uint16_t iid = 999;

        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_DEVICE, 0, NULL, NULL), 0);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_DEVICE, 0, NULL, NULL), -EEXIST);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_DEVICE, 1, NULL, NULL), -ENOSPC);
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_DEVICE, LWM2M_ID_INVALID, NULL, &iid),
                -ENOSPC);
        assert_int_equal(iid, 999);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_DEVICE), 1);

        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_DEVICE, 0, NULL), 0);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_DEVICE, 7, NULL, &iid), 0);
        assert_int_equal(iid, 7);
        assert_int_equal(lwm2m_tree_next_instance(f->tree, OID_DEVICE, -1), 7);
}

static void test_instance_events(void **state)
{
        fixture *f = *state;
        static const char owner[] = "owner";
        listen(f);

        uint16_t iid;
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, owner, &iid), 0);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, iid, owner + 1), 0);
        /* Failures announce nothing. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, iid, owner), -ENOENT);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, 4242, 0, owner, NULL), -ENOENT);

        assert_int_equal(f->rec.n, 2);
        lwm2m_path p = lwm2m_path_instance(OID_TEST, 0);
        assert_int_equal(f->rec.ev[0].kind, LWM2M_CHANGE_INSTANCE_ADDED);
        assert_true(lwm2m_path_equal(&f->rec.ev[0].instance, &p));
        assert_ptr_equal(f->rec.ev[0].origin, owner);
        assert_int_equal(f->rec.ev[0].n_paths, 0);
        assert_int_equal(f->rec.ev[1].kind, LWM2M_CHANGE_INSTANCE_REMOVED);
        assert_true(lwm2m_path_equal(&f->rec.ev[1].instance, &p));
        assert_ptr_equal(f->rec.ev[1].origin, owner + 1);

        /* Removed listeners hear nothing more. */
        lwm2m_tree_remove_listener(f->tree, record_change, &f->rec);
        create(f, OID_TEST, 4);
        assert_int_equal(f->rec.n, 2);
}

static void shuffle(uint16_t *ids, size_t n, unsigned *seed)
{
        for (size_t i = n - 1; i > 0; i--) {
                size_t j = (size_t)rand_r(seed) % (i + 1);
                uint16_t tmp = ids[i];
                ids[i] = ids[j];
                ids[j] = tmp;
        }
}

static void assert_instances_are(fixture *f, const bool *present, size_t n_ids)
{
        size_t expected = 0;
        for (size_t i = 0; i < n_ids; i++)
                expected += present[i];
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEST), expected);

        int iid = -1;
        size_t seen = 0;
        while ((iid = lwm2m_tree_next_instance(f->tree, OID_TEST, iid)) >= 0) {
                assert_true((size_t)iid < n_ids);
                assert_true(present[iid]);
                seen++;
        }
        assert_int_equal(iid, -ENOENT);
        assert_int_equal(seen, expected);
}

static void test_many_instances(void **state)
{
        fixture *f = *state;
        enum { N = 10000 };
        static uint16_t ids[N];
        static bool present[N];
        unsigned seed = 12345;

        memset(present, 0, sizeof(present));
        for (size_t i = 0; i < N; i++)
                ids[i] = (uint16_t)i;
        shuffle(ids, N, &seed);
        for (size_t i = 0; i < N; i++) {
                create(f, OID_TEST, ids[i]);
                present[ids[i]] = true;
                /* Some values, so that deletion has something to free. */
                if (ids[i] % 7 == 0) {
                        assert_int_equal(set_int(f, ids[i], R_INTEGER, ids[i]), 0);
                        assert_int_equal(set_multi_int(f, ids[i], R_MULTI_INT, 3, -ids[i]), 0);
                }
        }
        assert_instances_are(f, present, N);
        assert_int_at(f, 7 * 1000, R_INTEGER, 7000);

        /* Delete a random half, checking order along the way. */
        shuffle(ids, N, &seed);
        for (size_t i = 0; i < N / 2; i++) {
                assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, ids[i], NULL), 0);
                present[ids[i]] = false;
                if (i % 1000 == 0)
                        assert_instances_are(f, present, N);
        }
        assert_instances_are(f, present, N);
        for (size_t i = 0; i < N; i++)
                assert_int_equal(lwm2m_tree_has_instance(f->tree, OID_TEST, (uint16_t)i),
                                 present[i]);

        /* Auto IDs fill the lowest gap first. */
        size_t lowest_gap = 0;
        while (present[lowest_gap])
                lowest_gap++;
        uint16_t iid;
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, NULL, &iid), 0);
        assert_int_equal(iid, lowest_gap);
        present[iid] = true;

        /* Delete the rest in random order. */
        for (size_t i = N / 2; i < N; i++) {
                assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, ids[i], NULL), 0);
                present[ids[i]] = false;
        }
        /* The auto-created one reused an ID of the first half, so it is still there. */
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEST), 1);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, iid, NULL), 0);
        present[iid] = false;
        assert_instances_are(f, present, N);
        assert_int_equal(lwm2m_tree_next_object(f->tree, -1), -ENOENT);
}

/* ---- writes: validation ---- */

static void test_set_get_types(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);

        assert_null(get(f, 0, R_STRING));
        lwm2m_value s = {0};
        assert_int_equal(lwm2m_value_set_string(&s, "héllo", strlen("héllo")), 0);
        lwm2m_path p = res_path(0, R_STRING);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &s, NULL, f->why, sizeof(f->why)), 0);
        const lwm2m_value *v = get(f, 0, R_STRING);
        assert_non_null(v);
        assert_true(lwm2m_value_equal(v, &s));
        /* The tree stored its own copy. */
        assert_ptr_not_equal(v->buf.data, s.buf.data);
        lwm2m_value_clear(&s);

        lwm2m_value o = {0};
        assert_int_equal(lwm2m_value_set_bytes(&o, LWM2M_TYPE_OPAQUE, "\0\1\2", 3), 0);
        p = res_path(0, R_OPAQUE);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &o, NULL, f->why, sizeof(f->why)), 0);
        assert_true(lwm2m_value_equal(get(f, 0, R_OPAQUE), &o));
        lwm2m_value_clear(&o);

        /* The wrong kind of value is refused, whatever the numbers say. */
        lwm2m_value b = lwm2m_value_boolean(true);
        p = res_path(0, R_INTEGER);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &b, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_non_null(strstr(f->why, "Offset"));
        assert_null(get(f, 0, R_INTEGER));

        /* Getting at the wrong depth gives nothing. */
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 2, 5), 0);
        assert_null(get(f, 0, R_MULTI_INT));
        assert_null(get_ri(f, 0, R_STRING, 0));
        lwm2m_path inst = lwm2m_path_instance(OID_TEST, 0);
        assert_null(lwm2m_tree_get(f->tree, &inst));
        assert_null(get(f, 1, R_STRING));
}

static void test_conversion(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        lwm2m_path p;
        lwm2m_value v;
        const lwm2m_value *got;

        /* An integer into a Float resource is stored as a float. */
        p = res_path(0, R_FLOAT);
        v = lwm2m_value_integer(42);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        got = get(f, 0, R_FLOAT);
        assert_int_equal(got->type, LWM2M_TYPE_FLOAT);
        assert_true(got->f == 42.0);

        /* 2^53 is exact as a double; 2^53 + 1 and INT64_MAX are not. */
        v = lwm2m_value_integer((int64_t)1 << 53);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_true(get(f, 0, R_FLOAT)->f == 9007199254740992.0);
        v = lwm2m_value_integer(((int64_t)1 << 53) + 1);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_non_null(strstr(f->why, "Level"));
        v = lwm2m_value_integer(INT64_MAX);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_true(get(f, 0, R_FLOAT)->f == 9007199254740992.0);

        /* Float 1.5 does not fit an integer; 3.0 does. */
        p = res_path(0, R_INTEGER);
        v = lwm2m_value_float(1.5);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_non_null(strstr(f->why, "Offset"));
        assert_null(get(f, 0, R_INTEGER));
        v = lwm2m_value_float(-3.0);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_int_at(f, 0, R_INTEGER, -3);
        v = lwm2m_value_float(NAN);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);

        /* 64-bit edges between signed and unsigned. */
        v = lwm2m_value_unsigned((uint64_t)INT64_MAX);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_int_at(f, 0, R_INTEGER, INT64_MAX);
        v = lwm2m_value_unsigned((uint64_t)INT64_MAX + 1);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_int_at(f, 0, R_INTEGER, INT64_MAX);
        v = lwm2m_value_integer(INT64_MIN);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_int_at(f, 0, R_INTEGER, INT64_MIN);

        p = res_path(0, R_UNSIGNED);
        v = lwm2m_value_integer(-1);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
        assert_non_null(strstr(f->why, "Counter"));
        assert_null(get(f, 0, R_UNSIGNED));
        v = lwm2m_value_unsigned(UINT64_MAX);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        got = get(f, 0, R_UNSIGNED);
        assert_int_equal(got->type, LWM2M_TYPE_UNSIGNED);
        assert_true(got->u == UINT64_MAX);
        v = lwm2m_value_integer(INT64_MAX);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_true(get(f, 0, R_UNSIGNED)->u == (uint64_t)INT64_MAX);

        /* The caller's record is left as it was given. */
        lwm2m_record r = rec_int(res_path(0, R_FLOAT), 7);
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, NULL, 0),
                         0);
        assert_int_equal(r.value.type, LWM2M_TYPE_INTEGER);
        assert_int_equal(r.value.i, 7);
}

static void test_range_refused(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);

        assert_int_equal(set_int(f, 0, R_BOUNDED, 10), 0);
        assert_int_equal(set_int(f, 0, R_BOUNDED, -10), 0);
        f->why[0] = '\0';
        assert_int_equal(set_int(f, 0, R_BOUNDED, 11), -ERANGE);
        assert_non_null(strstr(f->why, "Bounded Value"));
        assert_int_equal(set_int(f, 0, R_BOUNDED, INT64_MIN), -ERANGE);
        assert_int_at(f, 0, R_BOUNDED, -10);

        /* A converted value is checked after conversion. */
        lwm2m_path p = res_path(0, R_BOUNDED);
        lwm2m_value v = lwm2m_value_unsigned(11);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -ERANGE);
        v = lwm2m_value_float(9.0);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_int_at(f, 0, R_BOUNDED, 9);
}

static void test_utf8_refused(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        listen(f);

        /* A decoder may hand over bytes that never went through set_bytes. */
        static uint8_t bad[] = {'a', 0xc3, 0x28, 0};
        lwm2m_record r = {.path = res_path(0, R_STRING),
                          .value = {.type = LWM2M_TYPE_STRING, .buf = {bad, 3}}};
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EILSEQ);
        assert_non_null(strstr(f->why, "Label"));
        assert_null(get(f, 0, R_STRING));

        /* In a multiple resource too. */
        r.path = ri_path(0, R_MULTI_STR, 0);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EILSEQ);
        assert_non_null(strstr(f->why, "Tags"));
        assert_int_equal(f->rec.n, 0);
}

static void test_target_errors(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        create(f, OID_DEVICE, 0);
        listen(f);
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record r;

        /* Executable resources hold no value, as a record or as the base. */
        r = rec_int(res_path(0, R_EXEC), 1);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EPERM);
        assert_non_null(strstr(f->why, "Reset"));
        lwm2m_path exec = res_path(0, R_EXEC);
        assert_int_equal(lwm2m_tree_write(f->tree, &exec, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         -EPERM);
        lwm2m_path reboot = lwm2m_path_resource(OID_DEVICE, 0, 4);
        lwm2m_value s = {.type = LWM2M_TYPE_STRING, .buf = {(uint8_t *)"x", 1}};
        assert_int_equal(lwm2m_tree_set(f->tree, &reboot, &s, NULL, f->why, sizeof(f->why)),
                         -EPERM);
        assert_non_null(strstr(f->why, "Reboot"));

        /* Single resource at depth 4; multiple resource given one value. */
        r = rec_int(ri_path(0, R_INTEGER, 0), 1);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        assert_non_null(strstr(f->why, "Offset"));
        r = rec_int(res_path(0, R_MULTI_INT), 1);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        assert_non_null(strstr(f->why, "Samples"));
        /* "No value" only makes sense for a whole multiple resource. */
        r = (lwm2m_record){.path = res_path(0, R_INTEGER)};
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        r = (lwm2m_record){.path = ri_path(0, R_MULTI_INT, 0)};
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);

        /* Missing things. */
        r = rec_int(res_path(0, 99), 1);
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -ENOENT);
        assert_non_null(strstr(f->why, "99"));
        r = rec_int(res_path(1, R_INTEGER), 1);
        lwm2m_path base1 = lwm2m_path_instance(OID_TEST, 1);
        assert_int_equal(lwm2m_tree_write(f->tree, &base1, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -ENOENT);
        assert_int_equal(set_int(f, 1, R_INTEGER, 1), -ENOENT);
        lwm2m_path undefined = lwm2m_path_resource(4242, 0, 0);
        lwm2m_value one = lwm2m_value_integer(1);
        assert_int_equal(lwm2m_tree_set(f->tree, &undefined, &one, NULL, f->why, sizeof(f->why)),
                         -ENOENT);

        /* Records outside the base, or not at a resource, are refused. */
        r = rec_int(res_path(0, R_INTEGER), 1);
        lwm2m_path other = res_path(0, R_BOUNDED);
        assert_int_equal(lwm2m_tree_write(f->tree, &other, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        r = (lwm2m_record){.path = base};
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        /* A replace needs an instance to replace within. */
        lwm2m_path obj = lwm2m_path_object(OID_TEST);
        r = rec_int(res_path(0, R_INTEGER), 1);
        assert_int_equal(lwm2m_tree_write(f->tree, &obj, &r, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
        /* The reserved ID is never a valid target. */
        r = rec_int(ri_path(0, R_MULTI_INT, LWM2M_ID_INVALID), 1);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);

        assert_null(get(f, 0, R_INTEGER));
        lwm2m_record_list l = {0};
        lwm2m_path multi = res_path(0, R_MULTI_INT);
        assert_int_equal(lwm2m_tree_read(f->tree, &multi, &l), -ENOENT);
        assert_int_equal(f->rec.n, 0);
        /* why is optional. */
        assert_int_equal(set_int(f, 0, R_BOUNDED, 100), -ERANGE);
        r = rec_int(res_path(0, R_BOUNDED), 100);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, NULL, 0),
                         -ERANGE);
}

static void test_atomic_failure(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        create(f, OID_TEST, 1);
        assert_int_equal(set_int(f, 0, R_INTEGER, 1), 0);
        assert_int_equal(set_int(f, 0, R_BOUNDED, 2), 0);
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 0, 3), 0);
        assert_int_equal(set_int(f, 1, R_INTEGER, 4), 0);
        listen(f);

        /* The last record fails its range: nothing of the first ones sticks. */
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_int(res_path(0, R_INTEGER), 100),
                rec_int(ri_path(0, R_MULTI_INT, 0), 300),
                rec_int(ri_path(0, R_MULTI_INT, 1), 301),
                {.path = res_path(0, R_STRING),
                 .value = {.type = LWM2M_TYPE_STRING, .buf = {(uint8_t *)"new", 3}}},
                rec_int(res_path(0, R_BOUNDED), 11),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         -ERANGE);
        assert_non_null(strstr(f->why, "Bounded Value"));
        /* Same in replace mode, which would also have removed things. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         -ERANGE);
        assert_int_at(f, 0, R_INTEGER, 1);
        assert_int_at(f, 0, R_BOUNDED, 2);
        assert_int_ri(f, 0, R_MULTI_INT, 0, 3);
        assert_null(get_ri(f, 0, R_MULTI_INT, 1));
        assert_null(get(f, 0, R_STRING));

        /* A composite write (root base) failing in its second instance leaves
         * the first untouched. */
        lwm2m_path root = {.len = 0};
        lwm2m_record comp[] = {
                rec_int(res_path(0, R_INTEGER), 10), rec_int(res_path(1, R_INTEGER), 40),
                rec_int(res_path(2, R_INTEGER), 50), /* no instance 2 */
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &root, comp, ELEMENTSOF(comp),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         -ENOENT);
        assert_int_at(f, 0, R_INTEGER, 1);
        assert_int_at(f, 1, R_INTEGER, 4);
        assert_int_equal(f->rec.n, 0);

        /* Without the bad record, the composite write lands, one event per instance. */
        assert_int_equal(lwm2m_tree_write(f->tree, &root, comp, 2, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_INTEGER, 10);
        assert_int_at(f, 1, R_INTEGER, 40);
        assert_int_equal(f->rec.n, 2);
        assert_int_equal(f->rec.ev[0].instance.id[1], 0);
        assert_int_equal(f->rec.ev[1].instance.id[1], 1);
}

/* ---- update and replace ---- */

static void fill_instance(fixture *f, uint16_t iid)
{
        assert_int_equal(set_int(f, iid, R_BOUNDED, 1), 0);
        assert_int_equal(set_int(f, iid, R_INTEGER, 2), 0);
        assert_int_equal(set_int(f, iid, R_READONLY, 3), 0);
        assert_int_equal(set_multi_int(f, iid, R_MULTI_INT, 0, 10), 0);
        assert_int_equal(set_multi_int(f, iid, R_MULTI_INT, 1, 11), 0);
        assert_int_equal(set_multi_int(f, iid, R_MULTI_RO, 0, 20), 0);
}

static void assert_event_paths(const event *e, const uint16_t *rids, size_t n)
{
        assert_int_equal(e->kind, LWM2M_CHANGE_VALUES);
        assert_int_equal(e->n_paths, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(e->paths[i].len, LWM2M_PATH_RESOURCE);
                assert_int_equal(e->paths[i].id[0], e->instance.id[0]);
                assert_int_equal(e->paths[i].id[1], e->instance.id[1]);
                assert_int_equal(e->paths[i].id[2], rids[i]);
        }
}

static void test_update_instance(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        fill_instance(f, 0);
        listen(f);

        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_int(ri_path(0, R_MULTI_INT, 5), 15),
                rec_int(res_path(0, R_BOUNDED), -1),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_BOUNDED, -1);
        assert_int_at(f, 0, R_INTEGER, 2);
        assert_int_at(f, 0, R_READONLY, 3);
        assert_int_ri(f, 0, R_MULTI_INT, 0, 10);
        assert_int_ri(f, 0, R_MULTI_INT, 1, 11);
        assert_int_ri(f, 0, R_MULTI_INT, 5, 15);
        assert_int_ri(f, 0, R_MULTI_RO, 0, 20);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_BOUNDED, R_MULTI_INT}, 2);
}

static void test_replace_instance(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        fill_instance(f, 0);
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 2, 12), 0);
        listen(f);

        /* Writable resources not given go; read-only ones stay; a multiple
         * resource given becomes exactly what was given. */
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_int(ri_path(0, R_MULTI_INT, 7), 17), rec_int(ri_path(0, R_MULTI_INT, 1), 11),
                rec_int(res_path(0, R_BOUNDED), 1), /* unchanged */
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_BOUNDED, 1);
        assert_null(get(f, 0, R_INTEGER));
        assert_int_at(f, 0, R_READONLY, 3);
        assert_null(get_ri(f, 0, R_MULTI_INT, 0));
        assert_int_ri(f, 0, R_MULTI_INT, 1, 11);
        assert_null(get_ri(f, 0, R_MULTI_INT, 2));
        assert_int_ri(f, 0, R_MULTI_INT, 7, 17);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 2);
        assert_int_ri(f, 0, R_MULTI_RO, 0, 20);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_MULTI_INT, R_INTEGER}, 2);

        /* A NONE record for a multiple resource empties it, and it still exists. */
        lwm2m_record empty[] = {
                {.path = res_path(0, R_MULTI_INT)},
                rec_int(res_path(0, R_BOUNDED), 1),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, empty, ELEMENTSOF(empty),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 0);
        lwm2m_record_list l = {0};
        lwm2m_path mp = res_path(0, R_MULTI_INT);
        assert_int_equal(lwm2m_tree_read(f->tree, &mp, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_NONE);
        assert_true(lwm2m_path_equal(&l.items[0].path, &mp));
        lwm2m_record_list_free(&l);
        assert_int_equal(f->rec.n, 2);
        assert_event_paths(&f->rec.ev[1], (const uint16_t[]){R_MULTI_INT}, 1);

        /* Removed and written resources are listed together, in ID order; the
         * empty multiple resource given again is unchanged. */
        lwm2m_record swap[] = {
                rec_int(res_path(0, R_INTEGER), 4),
                {.path = res_path(0, R_MULTI_INT)},
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, swap, ELEMENTSOF(swap),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_null(get(f, 0, R_BOUNDED));
        assert_int_at(f, 0, R_INTEGER, 4);
        assert_int_equal(f->rec.n, 3);
        assert_event_paths(&f->rec.ev[2], (const uint16_t[]){R_BOUNDED, R_INTEGER}, 2);

        /* Replacing with nothing removes every writable resource, even the
         * empty multiple one. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         0);
        assert_null(get(f, 0, R_INTEGER));
        assert_int_equal(lwm2m_tree_read(f->tree, &mp, &l), -ENOENT);
        assert_int_at(f, 0, R_READONLY, 3);
        assert_int_ri(f, 0, R_MULTI_RO, 0, 20);
        assert_int_equal(f->rec.n, 4);
        assert_event_paths(&f->rec.ev[3], (const uint16_t[]){R_MULTI_INT, R_INTEGER}, 2);
}

static void test_resource_level_multiple(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        fill_instance(f, 0);
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 2, 12), 0);
        listen(f);
        lwm2m_path base = res_path(0, R_MULTI_INT);

        /* Update: given instances gain or change, the rest stay. */
        lwm2m_record up[] = {
                rec_int(ri_path(0, R_MULTI_INT, 3), 13),
                rec_int(ri_path(0, R_MULTI_INT, 1), 111),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, up, ELEMENTSOF(up), LWM2M_WRITE_UPDATE,
                                          NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_ri(f, 0, R_MULTI_INT, 0, 10);
        assert_int_ri(f, 0, R_MULTI_INT, 1, 111);
        assert_int_ri(f, 0, R_MULTI_INT, 2, 12);
        assert_int_ri(f, 0, R_MULTI_INT, 3, 13);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_MULTI_INT}, 1);

        /* Replace: exactly the given ones; the rest of the instance untouched. */
        lwm2m_record rep[] = {rec_int(ri_path(0, R_MULTI_INT, 9), 19)};
        assert_int_equal(lwm2m_tree_write(f->tree, &base, rep, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 1);
        assert_int_ri(f, 0, R_MULTI_INT, 9, 19);
        assert_int_at(f, 0, R_INTEGER, 2);
        assert_int_at(f, 0, R_BOUNDED, 1);
        assert_int_equal(f->rec.n, 2);

        /* The same replace again changes nothing and says nothing. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, rep, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 2);

        /* Replace with no records empties it (the resource stays). */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         0);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 0);
        assert_int_equal(f->rec.n, 3);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 3);

        /* Update at a resource instance; replace at a resource instance is the same. */
        lwm2m_path ri = ri_path(0, R_MULTI_INT, 4);
        lwm2m_record one = rec_int(ri, 14);
        assert_int_equal(lwm2m_tree_write(f->tree, &ri, &one, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        lwm2m_path ri2 = ri_path(0, R_MULTI_INT, 5);
        one = rec_int(ri2, 15);
        assert_int_equal(lwm2m_tree_write(f->tree, &ri2, &one, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_ri(f, 0, R_MULTI_INT, 4, 14);
        assert_int_ri(f, 0, R_MULTI_INT, 5, 15);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 2);
        /* A base naming a single resource at depth 4 is refused. */
        lwm2m_path bad = ri_path(0, R_INTEGER, 0);
        one = rec_int(bad, 1);
        assert_int_equal(lwm2m_tree_write(f->tree, &bad, &one, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -EINVAL);
}

static void test_resource_level_single(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        fill_instance(f, 0);
        listen(f);
        lwm2m_path base = res_path(0, R_INTEGER);

        /* At resource level, update and replace of a single resource both set it
         * and touch nothing else. */
        lwm2m_record r = rec_int(base, 5);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_INTEGER, 5);
        assert_int_at(f, 0, R_BOUNDED, 1);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 2);
        r = rec_int(base, 6);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_INTEGER, 6);
        /* A replace with no record leaves a single resource alone. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_INTEGER, 6);
        assert_int_equal(f->rec.n, 2);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_INTEGER}, 1);
        assert_event_paths(&f->rec.ev[1], (const uint16_t[]){R_INTEGER}, 1);
}

static void test_update_creates_empty_multiple(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        listen(f);
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);

        /* A NONE record in an update creates the multiple resource, empty... */
        lwm2m_record r = {.path = res_path(0, R_MULTI_STR)};
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_MULTI_STR}, 1);
        lwm2m_record_list l = {0};
        assert_int_equal(lwm2m_tree_read(f->tree, &base, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].path.len, LWM2M_PATH_RESOURCE);
        assert_int_equal(l.items[0].path.id[2], R_MULTI_STR);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_NONE);
        lwm2m_record_list_free(&l);

        /* ...and leaves an existing one alone. */
        lwm2m_value s = {.type = LWM2M_TYPE_STRING, .buf = {(uint8_t *)"tag", 3}};
        lwm2m_path p = ri_path(0, R_MULTI_STR, 0);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &s, NULL, f->why, sizeof(f->why)), 0);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, &r, 1, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_equal(count_ri(f, 0, R_MULTI_STR), 1);
        assert_int_equal(f->rec.n, 2);
}

static void test_duplicates_last_wins(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        listen(f);
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_int(res_path(0, R_INTEGER), 1), rec_int(ri_path(0, R_MULTI_INT, 0), 7),
                rec_int(res_path(0, R_INTEGER), 2), rec_int(ri_path(0, R_MULTI_INT, 0), 8),
                rec_int(res_path(0, R_INTEGER), 3),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_INTEGER, 3);
        assert_int_ri(f, 0, R_MULTI_INT, 0, 8);
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 1);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_MULTI_INT, R_INTEGER}, 2);

        /* Every duplicate is still checked, even one that would lose. */
        recs[0] = rec_int(res_path(0, R_BOUNDED), 50);
        recs[2] = rec_int(res_path(0, R_BOUNDED), 5);
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, 3, LWM2M_WRITE_UPDATE, NULL, f->why,
                                          sizeof(f->why)),
                         -ERANGE);
        assert_null(get(f, 0, R_BOUNDED));
}

static void test_remove(void **state)
{
        fixture *f = *state;
        static const char origin[] = "remover";
        create(f, OID_TEST, 0);
        fill_instance(f, 0);
        listen(f);

        lwm2m_path p = res_path(0, R_INTEGER);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), 0);
        assert_null(get(f, 0, R_INTEGER));
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), -ENOENT);

        p = ri_path(0, R_MULTI_INT, 1);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), 0);
        assert_null(get_ri(f, 0, R_MULTI_INT, 1));
        assert_int_ri(f, 0, R_MULTI_INT, 0, 10);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), -ENOENT);
        p = ri_path(0, R_MULTI_INT, 0);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), 0);
        /* The last instance gone, the resource still exists, empty. */
        assert_int_equal(count_ri(f, 0, R_MULTI_INT), 0);

        /* Removing the whole multiple resource makes it not exist. */
        p = res_path(0, R_MULTI_INT);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), 0);
        lwm2m_record_list l = {0};
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), -ENOENT);

        p = ri_path(0, R_BOUNDED, 0);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), -ENOENT);
        p = lwm2m_path_instance(OID_TEST, 0);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), -EINVAL);
        p = res_path(5, R_INTEGER);
        assert_int_equal(lwm2m_tree_remove(f->tree, &p, origin), -ENOENT);

        assert_int_equal(f->rec.n, 4);
        static const uint16_t expected[] = {R_INTEGER, R_MULTI_INT, R_MULTI_INT, R_MULTI_INT};
        for (size_t i = 0; i < 4; i++) {
                assert_ptr_equal(f->rec.ev[i].origin, origin);
                assert_event_paths(&f->rec.ev[i], &expected[i], 1);
        }
}

/* ---- listeners ---- */

typedef struct reader_state {
        fixture *f;
        int64_t seen_value;
        size_t calls;
        bool write_back;
} reader_state;

/* Reads the tree from inside the callback, and optionally writes to it. */
static void reading_listener(void *userdata, const lwm2m_change *c)
{
        reader_state *s = userdata;
        s->calls++;
        if (c->kind != LWM2M_CHANGE_VALUES)
                return;
        lwm2m_record_list l = {0};
        assert_int_equal(lwm2m_tree_read(s->f->tree, &c->instance, &l), 0);
        lwm2m_record_list_free(&l);
        const lwm2m_value *v = lwm2m_tree_get(s->f->tree, &c->paths[0]);
        if (v && v->type == LWM2M_TYPE_INTEGER)
                s->seen_value = v->i;
        if (s->write_back && c->paths[0].id[2] == R_INTEGER) {
                /* A derived value, written from within the notification. */
                assert_int_equal(set_int(s->f, c->instance.id[1], R_BOUNDED, 9), 0);
        }
}

static void test_listener_events(void **state)
{
        fixture *f = *state;
        static const char origin[] = "bus";
        create(f, OID_TEST, 0);
        reader_state rs = {.f = f};
        assert_int_equal(lwm2m_tree_add_listener(f->tree, reading_listener, &rs), 0);
        listen(f);

        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_int(ri_path(0, R_MULTI_INT, 4), 1),
                rec_int(res_path(0, R_INTEGER), 77),
                rec_int(ri_path(0, R_MULTI_INT, 2), 1),
                rec_int(res_path(0, R_BOUNDED), 3),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, origin, f->why, sizeof(f->why)),
                         0);
        /* The listener added first ran first and saw the value already stored. */
        assert_int_equal(rs.calls, 1);
        assert_int_equal(rs.seen_value, 3);
        assert_int_equal(f->rec.n, 1);
        const event *e = &f->rec.ev[0];
        assert_ptr_equal(e->origin, origin);
        lwm2m_path inst = lwm2m_path_instance(OID_TEST, 0);
        assert_true(lwm2m_path_equal(&e->instance, &inst));
        assert_event_paths(e, (const uint16_t[]){R_BOUNDED, R_MULTI_INT, R_INTEGER}, 3);

        /* Equal values are no change: nothing at all, or only what differs. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, origin, f->why, sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 1);
        assert_int_equal(set_int(f, 0, R_INTEGER, 77), 0);
        assert_int_equal(f->rec.n, 1);
        recs[2].value.i = 2;
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 2);
        assert_null(f->rec.ev[1].origin);
        assert_event_paths(&f->rec.ev[1], (const uint16_t[]){R_MULTI_INT}, 1);
        /* Converted values compare after conversion: 77.0 equals 77. */
        lwm2m_path p = res_path(0, R_INTEGER);
        lwm2m_value v = lwm2m_value_float(77.0);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        assert_int_equal(f->rec.n, 2);

        /* A listener may write to the tree; the others still get intact events. */
        rs.write_back = true;
        assert_int_equal(set_int(f, 0, R_INTEGER, 78), 0);
        assert_int_at(f, 0, R_BOUNDED, 9);
        /* Nested event (Bounded) first, then the outer one reaches the recorder. */
        assert_int_equal(f->rec.n, 4);
        assert_event_paths(&f->rec.ev[2], (const uint16_t[]){R_BOUNDED}, 1);
        assert_event_paths(&f->rec.ev[3], (const uint16_t[]){R_INTEGER}, 1);
        lwm2m_tree_remove_listener(f->tree, reading_listener, &rs);
}

/* ---- reading ---- */

static void assert_record(const lwm2m_record *r, const char *path, lwm2m_type type)
{
        lwm2m_path p;
        assert_int_equal(lwm2m_path_parse(path, &p), 0);
        char got[LWM2M_PATH_STRLEN];
        assert_true(lwm2m_path_format(&r->path, got, sizeof(got)) > 0);
        assert_string_equal(got, path);
        assert_int_equal(r->value.type, type);
}

static void test_read_depths(void **state)
{
        fixture *f = *state;
        lwm2m_record_list l = {0};
        lwm2m_path p = {.len = 0};

        /* Root of an empty tree: nothing, but it exists. */
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 0);

        create(f, OID_TEST, 1);
        create(f, OID_TEST, 0);
        create(f, OID_DEVICE, 0);
        assert_int_equal(set_int(f, 1, R_INTEGER, 5), 0);
        assert_int_equal(set_multi_int(f, 1, R_MULTI_INT, 3, 33), 0);
        assert_int_equal(set_multi_int(f, 1, R_MULTI_INT, 1, 11), 0);
        assert_int_equal(set_int(f, 1, R_BOUNDED, 2), 0);
        lwm2m_path ms = res_path(1, R_MULTI_STR);
        assert_int_equal(lwm2m_tree_write(f->tree, &ms, NULL, 0, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        lwm2m_path dev = lwm2m_path_resource(OID_DEVICE, 0, 0);
        lwm2m_value s = {.type = LWM2M_TYPE_STRING, .buf = {(uint8_t *)"ACME", 4}};
        assert_int_equal(lwm2m_tree_set(f->tree, &dev, &s, NULL, f->why, sizeof(f->why)), 0);

        /* Root: everything, sorted, NONE records for the empty things. */
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 7);
        assert_record(&l.items[0], "/3/0/0", LWM2M_TYPE_STRING);
        assert_memory_equal(l.items[0].value.buf.data, "ACME", 4);
        assert_record(&l.items[1], "/9000/0", LWM2M_TYPE_NONE);
        assert_record(&l.items[2], "/9000/1/1", LWM2M_TYPE_INTEGER);
        assert_record(&l.items[3], "/9000/1/5/1", LWM2M_TYPE_INTEGER);
        assert_int_equal(l.items[3].value.i, 11);
        assert_record(&l.items[4], "/9000/1/5/3", LWM2M_TYPE_INTEGER);
        assert_int_equal(l.items[4].value.i, 33);
        assert_record(&l.items[5], "/9000/1/9", LWM2M_TYPE_NONE);
        assert_record(&l.items[6], "/9000/1/10", LWM2M_TYPE_INTEGER);
        assert_int_equal(l.items[6].value.i, 5);
        for (size_t i = 1; i < l.n; i++)
                assert_true(lwm2m_path_compare(&l.items[i - 1].path, &l.items[i].path) < 0);
        /* The list owns copies. */
        assert_ptr_not_equal(l.items[0].value.buf.data, lwm2m_tree_get(f->tree, &dev)->buf.data);

        /* Reads append to what the list already holds. */
        p = lwm2m_path_object(OID_TEST);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 13);
        assert_record(&l.items[7], "/9000/0", LWM2M_TYPE_NONE);
        assert_record(&l.items[12], "/9000/1/10", LWM2M_TYPE_INTEGER);
        lwm2m_record_list_clear(&l);

        p = lwm2m_path_instance(OID_TEST, 0);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 1);
        assert_record(&l.items[0], "/9000/0", LWM2M_TYPE_NONE);
        lwm2m_record_list_clear(&l);

        p = lwm2m_path_instance(OID_TEST, 1);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 5);
        lwm2m_record_list_clear(&l);

        p = res_path(1, R_MULTI_INT);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 2);
        assert_record(&l.items[0], "/9000/1/5/1", LWM2M_TYPE_INTEGER);
        assert_record(&l.items[1], "/9000/1/5/3", LWM2M_TYPE_INTEGER);
        lwm2m_record_list_clear(&l);

        p = res_path(1, R_MULTI_STR);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 1);
        assert_record(&l.items[0], "/9000/1/9", LWM2M_TYPE_NONE);
        lwm2m_record_list_clear(&l);

        p = res_path(1, R_INTEGER);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 1);
        assert_record(&l.items[0], "/9000/1/10", LWM2M_TYPE_INTEGER);
        lwm2m_record_list_clear(&l);

        p = ri_path(1, R_MULTI_INT, 3);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 1);
        assert_record(&l.items[0], "/9000/1/5/3", LWM2M_TYPE_INTEGER);
        assert_int_equal(l.items[0].value.i, 33);
        lwm2m_record_list_clear(&l);

        /* A defined object without instances reads as nothing. */
        p = lwm2m_path_object(OID_TEMP);
        assert_int_equal(lwm2m_tree_read(f->tree, &p, &l), 0);
        assert_int_equal(l.n, 0);

        /* Things that do not exist, and a failed read adds nothing. */
        assert_non_null(lwm2m_record_list_add(&l, &p));
        static const lwm2m_path missing[] = {
                {.id = {4242}, .len = 1},
                {.id = {OID_TEST, 2}, .len = 2},
                {.id = {OID_TEMP, 0}, .len = 2},
                {.id = {OID_TEST, 1, R_STRING}, .len = 3},
                {.id = {OID_TEST, 1, 99}, .len = 3},
                {.id = {OID_TEST, 1, R_MULTI_INT, 2}, .len = 4},
                {.id = {OID_TEST, 1, R_MULTI_STR, 0}, .len = 4},
                {.id = {OID_TEST, 1, R_INTEGER, 0}, .len = 4},
        };
        for (size_t i = 0; i < ELEMENTSOF(missing); i++) {
                assert_int_equal(lwm2m_tree_read(f->tree, &missing[i], &l), -ENOENT);
                assert_int_equal(l.n, 1);
        }
        lwm2m_record_list_free(&l);
}

/* ---- owners and check-only writes ---- */

static void test_owners(void **state)
{
        fixture *f = *state;
        static const lwm2m_owner_ops no_ops = {0};
        lwm2m_owner object_owner = {.ops = &no_ops, .name = "object"};
        lwm2m_owner other = {.ops = &no_ops, .name = "other"};

        create(f, OID_TEST, 0);
        assert_null(lwm2m_tree_get_owner(f->tree, OID_TEST, 0));
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_TEST, 0, &other), 0);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 0), &other);
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_TEST, 7, &other), -ENOENT);

        /* New instances inherit the object's owner; existing ones keep theirs. */
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_TEST, &object_owner), 0);
        assert_ptr_equal(lwm2m_tree_get_object_owner(f->tree, OID_TEST), &object_owner);
        assert_null(lwm2m_tree_get_object_owner(f->tree, OID_TEMP));
        create(f, OID_TEST, 1);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 1), &object_owner);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 0), &other);
        /* An instance deleted and made again starts over. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 0, NULL), 0);
        create(f, OID_TEST, 0);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 0), &object_owner);

        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_TEST, NULL), 0);
        assert_null(lwm2m_tree_get_object_owner(f->tree, OID_TEST));
        create(f, OID_TEST, 2);
        assert_null(lwm2m_tree_get_owner(f->tree, OID_TEST, 2));
}

static void test_check_write_stores_nothing(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        assert_int_equal(set_int(f, 0, R_BOUNDED, 1), 0);
        listen(f);

        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record good[] = {rec_int(res_path(0, R_BOUNDED), 5),
                               rec_int(ri_path(0, R_MULTI_INT, 3), 9)};
        assert_int_equal(lwm2m_tree_check_write(f->tree, &base, good, 2, LWM2M_WRITE_UPDATE, f->why,
                                                sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_BOUNDED, 1);
        assert_null(get_ri(f, 0, R_MULTI_INT, 3));
        assert_int_equal(f->rec.n, 0);

        lwm2m_record bad[] = {rec_int(res_path(0, R_BOUNDED), 11)};
        assert_int_equal(lwm2m_tree_check_write(f->tree, &base, bad, 1, LWM2M_WRITE_UPDATE, f->why,
                                                sizeof(f->why)),
                         -ERANGE);
        assert_non_null(strstr(f->why, "Bounded Value"));
        /* A replace that would clear resources also leaves them alone. */
        assert_int_equal(lwm2m_tree_check_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE,
                                                f->why, sizeof(f->why)),
                         0);
        assert_int_at(f, 0, R_BOUNDED, 1);
        assert_int_equal(f->rec.n, 0);
}

/* A Float holds finite numbers only, whoever writes: refused with the
 * resource named, atomically, and nothing announced. */
static void test_non_finite_float_refused(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        lwm2m_path p = res_path(0, R_FLOAT);
        lwm2m_value v = lwm2m_value_float(1.5);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), 0);
        listen(f);

        static const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
        static const char *const spelled[] = {"NaN", "NaN", "Infinity", "-Infinity"};
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = lwm2m_value_float(bad[i]);
                f->why[0] = '\0';
                assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)),
                                 -EINVAL);
                assert_non_null(strstr(f->why, "Level (3)"));
                assert_non_null(strstr(f->why, spelled[i]));
                /* With a good record first, in one write: nothing of it is stored. */
                lwm2m_record recs[] = {rec_int(res_path(0, R_INTEGER), 5), {.path = p, .value = v}};
                assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                                  LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                                 -EINVAL);
                assert_int_equal(lwm2m_tree_check_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                                        LWM2M_WRITE_UPDATE, f->why, sizeof(f->why)),
                                 -EINVAL);
                assert_null(get(f, 0, R_INTEGER));
        }
        const lwm2m_value *got = get(f, 0, R_FLOAT);
        assert_non_null(got);
        assert_true(got->f == 1.5);
        assert_int_equal(f->rec.n, 0);
        /* An integer resource given an infinite float: refused as before. */
        p = res_path(0, R_INTEGER);
        v = lwm2m_value_float(INFINITY);
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, f->why, sizeof(f->why)), -EINVAL);
}

static lwm2m_record rec_bool(lwm2m_path p, bool b)
{
        return (lwm2m_record){.path = p, .value = lwm2m_value_boolean(b)};
}

static lwm2m_path sw_path(uint16_t rid)
{
        return lwm2m_path_resource(OID_SWITCH, 0, rid);
}

static lwm2m_path sw_ri_path(uint16_t rid, uint16_t riid)
{
        return lwm2m_path_resource_instance(OID_SWITCH, 0, rid, riid);
}

static void assert_switch_unchanged(fixture *f)
{
        lwm2m_path p = sw_path(R_SW_STATE);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_true(v->b);
        p = sw_path(R_SW_LABEL);
        v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_int_equal(v->buf.len, 4);
        p = sw_ri_path(R_SW_PORTS, 1);
        v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_int_equal(v->i, 8);
        p = sw_path(R_SW_SERIAL);
        v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        assert_int_equal(v->i, 42);
}

/* An instance replace must give every mandatory writable resource; anything
 * less is refused (check and write alike) and leaves the instance as it was. */
static void test_replace_needs_mandatory(void **state)
{
        fixture *f = *state;
        create(f, OID_SWITCH, 0);
        lwm2m_value label = {0};
        assert_int_equal(lwm2m_value_set_string(&label, "desk", 4), 0);
        lwm2m_path base = lwm2m_path_instance(OID_SWITCH, 0);
        lwm2m_record init[] = {
                rec_int(sw_path(R_SW_SERIAL), 42),
                rec_bool(sw_path(R_SW_STATE), true),
                {.path = sw_path(R_SW_LABEL), .value = label},
                rec_int(sw_ri_path(R_SW_PORTS, 1), 8),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, init, ELEMENTSOF(init),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        listen(f);

        /* Empty. */
        f->why[0] = '\0';
        assert_int_equal(lwm2m_tree_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE, NULL,
                                          f->why, sizeof(f->why)),
                         -EINVAL);
        assert_non_null(strstr(f->why, "missing: State (1), Ports (3)"));
        assert_int_equal(lwm2m_tree_check_write(f->tree, &base, NULL, 0, LWM2M_WRITE_REPLACE,
                                                f->why, sizeof(f->why)),
                         -EINVAL);
        assert_switch_unchanged(f);

        /* One mandatory writable resource missing (the optional one given). */
        lwm2m_record partial[] = {
                rec_bool(sw_path(R_SW_STATE), false),
                {.path = sw_path(R_SW_LABEL), .value = label},
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, partial, ELEMENTSOF(partial),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         -EINVAL);
        assert_non_null(strstr(f->why, "missing: Ports (3)"));
        assert_switch_unchanged(f);
        assert_int_equal(f->rec.n, 0);

        /* The same records as a partial update are fine. */
        assert_int_equal(lwm2m_tree_check_write(f->tree, &base, partial, ELEMENTSOF(partial),
                                                LWM2M_WRITE_UPDATE, f->why, sizeof(f->why)),
                         0);
        /* Replacing one resource stays a replace of that resource alone. */
        lwm2m_path label_path = sw_path(R_SW_LABEL);
        assert_int_equal(lwm2m_tree_write(f->tree, &label_path, &partial[1], 1, LWM2M_WRITE_REPLACE,
                                          NULL, f->why, sizeof(f->why)),
                         0);
        assert_switch_unchanged(f);

        /* Complete (Ports named empty): the optional Label not given goes, the
         * read-only Serial stays. */
        lwm2m_record complete[] = {
                rec_bool(sw_path(R_SW_STATE), false),
                {.path = sw_path(R_SW_PORTS)},
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, complete, ELEMENTSOF(complete),
                                          LWM2M_WRITE_REPLACE, NULL, f->why, sizeof(f->why)),
                         0);
        lwm2m_path p = sw_path(R_SW_STATE);
        assert_false(lwm2m_tree_get(f->tree, &p)->b);
        assert_null(lwm2m_tree_get(f->tree, &label_path));
        p = sw_ri_path(R_SW_PORTS, 1);
        assert_null(lwm2m_tree_get(f->tree, &p));
        p = sw_path(R_SW_SERIAL);
        assert_int_equal(lwm2m_tree_get(f->tree, &p)->i, 42);
        assert_int_equal(f->rec.n, 1);
        assert_event_paths(&f->rec.ev[0], (const uint16_t[]){R_SW_STATE, R_SW_LABEL, R_SW_PORTS},
                           3);
        lwm2m_value_clear(&label);
}

/* ---- atomic add-instance, free IDs, path existence ---- */

typedef struct added_probe {
        lwm2m_tree *tree;
        size_t added;
        lwm2m_path instance;
        int64_t bounded; /* R_BOUNDED of the added instance, read inside the listener */
        bool has_bounded;
} added_probe;

static void probe_added(void *userdata, const lwm2m_change *c)
{
        added_probe *p = userdata;
        if (c->kind != LWM2M_CHANGE_INSTANCE_ADDED)
                return;
        p->added++;
        p->instance = c->instance;
        lwm2m_path rp = lwm2m_path_resource(c->instance.id[0], c->instance.id[1], R_BOUNDED);
        const lwm2m_value *v = lwm2m_tree_get(p->tree, &rp);
        p->has_bounded = v != NULL;
        p->bounded = v ? v->i : 0;
}

static void test_add_instance(void **state)
{
        fixture *f = *state;
        static const lwm2m_owner_ops no_ops = {0};
        lwm2m_owner object_owner = {.ops = &no_ops, .name = "object"};
        lwm2m_owner mine = {.ops = &no_ops, .name = "mine"};
        create(f, OID_TEST, 0);
        listen(f);
        added_probe probe = {.tree = f->tree};
        assert_int_equal(lwm2m_tree_add_listener(f->tree, probe_added, &probe), 0);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_TEST, &object_owner), 0);

        /* The records' instance ID is replaced by the one made. */
        int tag;
        uint16_t iid = 999;
        lwm2m_record recs[] = {rec_int(res_path(77, R_BOUNDED), 4),
                               rec_int(ri_path(77, R_MULTI_INT, 2), 20),
                               rec_int(res_path(77, R_READONLY), 5)};
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, recs,
                                                 ELEMENTSOF(recs), &mine, &tag, f->why,
                                                 sizeof(f->why), &iid),
                         0);
        assert_int_equal(iid, 1);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_TEST, 77));
        assert_int_at(f, 1, R_BOUNDED, 4);
        assert_int_ri(f, 1, R_MULTI_INT, 2, 20);
        assert_int_at(f, 1, R_READONLY, 5);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 1), &mine);
        /* One change, with the values already in place. */
        assert_int_equal(f->rec.n, 1);
        assert_int_equal(f->rec.ev[0].kind, LWM2M_CHANGE_INSTANCE_ADDED);
        assert_true(lwm2m_path_equal(&f->rec.ev[0].instance, &(lwm2m_path){{OID_TEST, 1}, 2}));
        assert_ptr_equal(f->rec.ev[0].origin, &tag);
        assert_int_equal(probe.added, 1);
        assert_true(probe.has_bounded);
        assert_int_equal(probe.bounded, 4);

        /* A chosen ID, no values, no owner given: the object's owner. */
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, 40, NULL, 0, NULL, NULL, f->why,
                                                 sizeof(f->why), &iid),
                         0);
        assert_int_equal(iid, 40);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_TEST, 40), &object_owner);
        assert_int_equal(f->rec.n, 2);
        assert_int_equal(probe.added, 2);
        assert_false(probe.has_bounded);

        /* Any refusal leaves nothing: no instance, no change, out_iid untouched. */
        iid = 999;
        lwm2m_record bad[] = {rec_int(res_path(0, R_INTEGER), 1),
                              rec_int(res_path(0, R_BOUNDED), 11)};
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, bad,
                                                 ELEMENTSOF(bad), NULL, NULL, f->why,
                                                 sizeof(f->why), &iid),
                         -ERANGE);
        assert_non_null(strstr(f->why, "Bounded Value"));
        lwm2m_record exec[] = {rec_int(res_path(0, R_EXEC), 1)};
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, 5, exec, 1, NULL, NULL, f->why,
                                                 sizeof(f->why), &iid),
                         -EPERM);
        lwm2m_record undefined[] = {rec_int(res_path(0, 999), 1)};
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, 5, undefined, 1, NULL, NULL,
                                                 f->why, sizeof(f->why), &iid),
                         -ENOENT);
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, 0, NULL, 0, NULL, NULL, f->why,
                                                 sizeof(f->why), &iid),
                         -EEXIST);
        assert_int_equal(lwm2m_tree_add_instance(f->tree, 4242, 0, NULL, 0, NULL, NULL, f->why,
                                                 sizeof(f->why), &iid),
                         -ENOENT);
        create(f, OID_DEVICE, 0);
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_DEVICE, 1, NULL, 0, NULL, NULL,
                                                 f->why, sizeof(f->why), &iid),
                         -ENOSPC);
        assert_int_equal(iid, 999);
        assert_int_equal(f->rec.n, 3); /* only the Device instance made above */
        assert_int_equal(probe.added, 3);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEST), 3);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_TEST, 5));
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 2);
        lwm2m_tree_remove_listener(f->tree, probe_added, &probe);
}

static void test_check_add_instance(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        listen(f);
        lwm2m_record good[] = {rec_int(res_path(9, R_BOUNDED), -10)};
        assert_int_equal(lwm2m_tree_check_add_instance(f->tree, OID_TEST, LWM2M_ID_INVALID, good, 1,
                                                       f->why, sizeof(f->why)),
                         0);
        assert_int_equal(lwm2m_tree_check_add_instance(f->tree, OID_TEST, 3, good, 1, f->why,
                                                       sizeof(f->why)),
                         0);
        lwm2m_record bad[] = {rec_int(res_path(9, R_BOUNDED), -11)};
        assert_int_equal(
                lwm2m_tree_check_add_instance(f->tree, OID_TEST, 3, bad, 1, f->why, sizeof(f->why)),
                -ERANGE);
        assert_non_null(strstr(f->why, "Bounded Value"));
        assert_int_equal(lwm2m_tree_check_add_instance(f->tree, OID_TEST, 0, good, 1, f->why,
                                                       sizeof(f->why)),
                         -EEXIST);
        /* Nothing made, nothing told. */
        assert_int_equal(f->rec.n, 0);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEST), 1);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_TEST, 3));
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 1);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEMP), 0);
        assert_int_equal(lwm2m_tree_check_add_instance(f->tree, OID_TEMP, LWM2M_ID_INVALID, NULL, 0,
                                                       f->why, sizeof(f->why)),
                         0);
        assert_int_equal(lwm2m_tree_next_object(f->tree, -1), OID_TEST);
        assert_int_equal(lwm2m_tree_next_object(f->tree, OID_TEST), -ENOENT);
}

static void test_free_instance_id(void **state)
{
        fixture *f = *state;
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 0);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, 4242), 0);
        create(f, OID_TEST, 0);
        create(f, OID_TEST, 1);
        create(f, OID_TEST, 3);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 2);
        create(f, OID_TEST, 2);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 4);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 0, NULL), 0);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEST), 0);

        /* Every ID used: none is free. */
        for (uint32_t iid = 0; iid < LWM2M_ID_INVALID; iid++)
                assert_int_equal(
                        lwm2m_tree_create_instance(f->tree, OID_TEMP, (uint16_t)iid, NULL, NULL),
                        0);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEMP), LWM2M_ID_INVALID);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 65534, NULL), 0);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_TEMP), 65534);
}

static void test_path_exists(void **state)
{
        fixture *f = *state;
        const bool modes[] = {true, false};
        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                bool defined = modes[m];
                lwm2m_path p = {.len = 0};
                assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, defined), 0);
                p = lwm2m_path_object(4242);
                assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, defined), -ENOENT);
                p = lwm2m_path_object(OID_TEST); /* defined, no instance yet */
                assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, defined), 0);
                p = lwm2m_path_instance(OID_TEST, 0);
                assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, defined), -ENOENT);
                p = res_path(0, R_BOUNDED);
                assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, defined), -ENOENT);
        }

        create(f, OID_TEST, 0);
        lwm2m_path p = lwm2m_path_instance(OID_TEST, 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), 0);
        /* A defined resource without a value exists only when that is enough. */
        p = res_path(0, R_BOUNDED);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, true), 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), -ENOENT);
        assert_int_equal(set_int(f, 0, R_BOUNDED, 3), 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), 0);
        p = res_path(0, 999);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, true), -ENOENT);
        /* A single resource has no resource instances. */
        p = ri_path(0, R_BOUNDED, 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, true), -ENOENT);
        /* Executable resources hold nothing and exist once defined. */
        p = res_path(0, R_EXEC);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), 0);

        /* Multiple: the resource exists even empty; an instance once written. */
        p = res_path(0, R_MULTI_INT);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), -ENOENT);
        lwm2m_record empty = {.path = res_path(0, R_MULTI_INT)};
        assert_int_equal(lwm2m_tree_write(f->tree, &p, &empty, 1, LWM2M_WRITE_REPLACE, NULL, f->why,
                                          sizeof(f->why)),
                         0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, false), 0);
        lwm2m_path ri = ri_path(0, R_MULTI_INT, 4);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &ri, true), 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &ri, false), -ENOENT);
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 4, 1), 0);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &ri, false), 0);
        ri = ri_path(0, R_MULTI_INT, 5);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &ri, false), -ENOENT);

        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEST, 0, NULL), 0);
        p = res_path(0, R_BOUNDED);
        assert_int_equal(lwm2m_tree_path_exists(f->tree, &p, true), -ENOENT);
}

/* ---- measurement times ---- */

static lwm2m_record rec_timed(lwm2m_path p, int64_t i, double time)
{
        lwm2m_record r = rec_int(p, i);
        r.has_time = true;
        r.time = time;
        return r;
}

/* The time read back at `path` (a single value or each instance of a multiple
 * resource); -1 when read without one. */
static double read_time(fixture *f, lwm2m_path path)
{
        lwm2m_record_list l = {0};
        assert_int_equal(lwm2m_tree_read(f->tree, &path, &l), 0);
        assert_true(l.n > 0);
        double t = l.items[0].has_time ? l.items[0].time : -1;
        for (size_t i = 1; i < l.n; i++) {
                assert_int_equal(l.items[i].has_time, l.items[0].has_time);
                if (l.items[i].has_time)
                        assert_true(l.items[i].time == l.items[0].time);
        }
        lwm2m_record_list_free(&l);
        return t;
}

static void test_value_times(void **state)
{
        fixture *f = *state;
        create(f, OID_TEST, 0);
        listen(f);
        lwm2m_path base = lwm2m_path_instance(OID_TEST, 0);
        lwm2m_record recs[] = {
                rec_timed(res_path(0, R_INTEGER), 5, 1700000000.25),
                rec_timed(ri_path(0, R_MULTI_INT, 1), 10, 1700000000.25),
                rec_timed(ri_path(0, R_MULTI_INT, 2), 20, 1700000000.25),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_true(read_time(f, res_path(0, R_INTEGER)) == 1700000000.25);
        assert_true(read_time(f, res_path(0, R_MULTI_INT)) == 1700000000.25);
        assert_true(read_time(f, ri_path(0, R_MULTI_INT, 2)) == 1700000000.25);
        assert_true(read_time(f, base) == 1700000000.25);
        assert_int_equal(f->rec.n, 1);

        /* The same values measured again: stored with the new time, and a change. */
        for (size_t i = 0; i < ELEMENTSOF(recs); i++)
                recs[i].time = 1700000060.5;
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_true(read_time(f, res_path(0, R_INTEGER)) == 1700000060.5);
        assert_true(read_time(f, res_path(0, R_MULTI_INT)) == 1700000060.5);
        assert_int_equal(f->rec.n, 2);
        assert_event_paths(&f->rec.ev[1], (const uint16_t[]){R_MULTI_INT, R_INTEGER}, 2);
        /* Same values, same time: nothing changed. */
        assert_int_equal(lwm2m_tree_write(f->tree, &base, recs, ELEMENTSOF(recs),
                                          LWM2M_WRITE_UPDATE, NULL, f->why, sizeof(f->why)),
                         0);
        assert_int_equal(f->rec.n, 2);

        /* A write without a time clears it, even of an equal value; other
         * resources keep theirs. */
        assert_int_equal(set_int(f, 0, R_INTEGER, 5), 0);
        assert_true(read_time(f, res_path(0, R_INTEGER)) == -1);
        assert_true(read_time(f, res_path(0, R_MULTI_INT)) == 1700000060.5);
        assert_int_equal(f->rec.n, 3);
        assert_int_equal(set_multi_int(f, 0, R_MULTI_INT, 1, 11), 0);
        assert_true(read_time(f, res_path(0, R_MULTI_INT)) == -1);
        assert_int_ri(f, 0, R_MULTI_INT, 2, 20);

        /* A time that is not a number is refused, and nothing is stored. */
        lwm2m_record bad[] = {
                rec_timed(res_path(0, R_BOUNDED), 1, 1700000000),
                rec_timed(res_path(0, R_INTEGER), 6, NAN),
        };
        assert_int_equal(lwm2m_tree_write(f->tree, &base, bad, ELEMENTSOF(bad), LWM2M_WRITE_UPDATE,
                                          NULL, f->why, sizeof(f->why)),
                         -EINVAL);
        assert_non_null(strstr(f->why, "time"));
        assert_null(get(f, 0, R_BOUNDED));
        assert_int_at(f, 0, R_INTEGER, 5);

        /* A new instance added with timed values keeps them too. */
        lwm2m_record init[] = {rec_timed(res_path(0, R_FLOAT), 1, 1600000000)};
        init[0].value = lwm2m_value_float(1.5);
        uint16_t iid = 0;
        assert_int_equal(lwm2m_tree_add_instance(f->tree, OID_TEST, 1, init, ELEMENTSOF(init), NULL,
                                                 NULL, f->why, sizeof(f->why), &iid),
                         0);
        assert_true(read_time(f, lwm2m_path_resource(OID_TEST, 1, R_FLOAT)) == 1600000000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_create_delete_iteration),
                T(test_auto_ids),
                T(test_single_instance_object),
                T(test_instance_events),
                T(test_many_instances),
                T(test_set_get_types),
                T(test_conversion),
                T(test_range_refused),
                T(test_utf8_refused),
                T(test_target_errors),
                T(test_atomic_failure),
                T(test_update_instance),
                T(test_replace_instance),
                T(test_resource_level_multiple),
                T(test_resource_level_single),
                T(test_update_creates_empty_multiple),
                T(test_duplicates_last_wins),
                T(test_remove),
                T(test_listener_events),
                T(test_read_depths),
                T(test_owners),
                T(test_check_write_stores_nothing),
                T(test_non_finite_float_refused),
                T(test_replace_needs_mandatory),
                T(test_add_instance),
                T(test_check_add_instance),
                T(test_free_instance_id),
                T(test_path_exists),
                T(test_value_times),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
