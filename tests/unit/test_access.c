/* test_access.c - unit tests for Access Control (model/access): the rights of each
 * server by its ACL entry, the default entry, the owner, Create, creator rights and templates. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/access.h"
#include "model/ddf.h"
#include "model/oma.h"
#include "model/policy.h"
#include "model/request.h"
#include "util/macro.h"

enum {
        A = 101, /* two management servers */
        B = 102,
        OID_TEMP = 3303, /* Temperature: 5700 Sensor Value R, 5605 Reset Min and Max E */
        R_SENSOR_VALUE = 5700,
        R_RESET_MIN_MAX = 5605,
        R_APPLICATION_TYPE = 5750, /* RW */
        ALL = LWM2M_ACL_INSTANCE_RIGHTS,
};

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        char why[256];
} fixture;

static void put(fixture *f, const lwm2m_path *p, int64_t v)
{
        lwm2m_value val = lwm2m_value_integer(v);
        assert_int_equal(lwm2m_tree_set(f->tree, p, &val, NULL, NULL, 0), 0);
}

static void add_server(fixture *f, uint16_t iid, uint16_t short_id)
{
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, iid, NULL, NULL), 0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, LWM2M_SRV_SHORT_ID);
        put(f, &p, short_id);
}

/* An Access Control instance for /oid/iid: `owner`, then (short ID, rights) pairs
 * up to a negative one. Returns its instance ID. */
static uint16_t add_acl(fixture *f, uint16_t oid, uint16_t iid, unsigned owner, ...)
{
        uint16_t acl;
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_ACCESS_CONTROL,
                                                    LWM2M_ID_INVALID, NULL, &acl),
                         0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_OBJECT_ID);
        put(f, &p, oid);
        p.id[2] = LWM2M_ACL_INSTANCE_ID;
        put(f, &p, iid);
        p.id[2] = LWM2M_ACL_OWNER;
        put(f, &p, owner);
        va_list ap;
        va_start(ap, owner);
        for (int id; (id = va_arg(ap, int)) >= 0;) {
                int rights = va_arg(ap, int);
                lwm2m_path e = lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl,
                                                            LWM2M_ACL_ACL, (uint16_t)id);
                put(f, &e, rights);
        }
        va_end(ap);
        return acl;
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_int_equal(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL), 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        add_server(f, 0, A);
        add_server(f, 1, B);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_DEVICE, 0, NULL, NULL), 0);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_TEMP, 0, NULL, NULL), 0);
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

/* The check's result; a refusal is -EACCES with a sentence naming the path. */
static int check(fixture *f, uint16_t short_id, lwm2m_operation op, lwm2m_path p)
{
        memset(f->why, 0, sizeof(f->why));
        int r = lwm2m_access_check(f->tree, short_id, op, &p, f->why, sizeof(f->why));
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(&p, ps, sizeof(ps));
        if (r < 0) {
                assert_int_equal(r, -EACCES);
                assert_non_null(strstr(f->why, ps));
        } else {
                assert_int_equal(r, 0);
                assert_string_equal(f->why, "");
        }
        return r;
}

static lwm2m_path temp(void)
{
        return lwm2m_path_instance(OID_TEMP, 0);
}

/* Which instance-level operations `short_id` may do on /3303/0, as ACL bits. */
static unsigned allowed(fixture *f, uint16_t short_id)
{
        lwm2m_path value = lwm2m_path_resource(OID_TEMP, 0, R_SENSOR_VALUE);
        lwm2m_path reset = lwm2m_path_resource(OID_TEMP, 0, R_RESET_MIN_MAX);
        unsigned bits = 0;
        bool read = check(f, short_id, LWM2M_OPERATION_READ, temp()) == 0;
        /* Read, Observe and Write-Attributes go together, at every level below the instance. */
        assert_int_equal(check(f, short_id, LWM2M_OPERATION_READ, value) == 0, read);
        assert_int_equal(check(f, short_id, LWM2M_OPERATION_WRITE_ATTRIBUTES, value) == 0, read);
        assert_int_equal(check(f, short_id, LWM2M_OPERATION_WRITE_ATTRIBUTES, temp()) == 0, read);
        bits |= read ? LWM2M_ACL_READ : 0;
        bits |= check(f, short_id, LWM2M_OPERATION_WRITE, temp()) == 0 ? LWM2M_ACL_WRITE : 0;
        bits |= check(f, short_id, LWM2M_OPERATION_EXECUTE, reset) == 0 ? LWM2M_ACL_EXECUTE : 0;
        bits |= check(f, short_id, LWM2M_OPERATION_DELETE, temp()) == 0 ? LWM2M_ACL_DELETE : 0;
        /* Discover needs no right (Core TS 7.3.2). */
        assert_int_equal(check(f, short_id, LWM2M_OPERATION_DISCOVER, temp()), 0);
        assert_int_equal(check(f, short_id, LWM2M_OPERATION_DISCOVER, value), 0);
        return bits;
}

static void test_single_server_bypass(void **state)
{
        fixture *f = *state;
        assert_true(lwm2m_access_enforced(f->tree));
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, LWM2M_OBJ_SERVER, 1, NULL), 0);
        assert_false(lwm2m_access_enforced(f->tree));
        /* No Access Control instance at all, and the one server may do everything. */
        assert_int_equal(allowed(f, A), ALL);
        assert_int_equal(check(f, A, LWM2M_OPERATION_CREATE, lwm2m_path_object(OID_TEMP)), 0);
        /* Nor does an Access Control instance that says otherwise count. */
        add_acl(f, OID_TEMP, 0, B, B, ALL, A, 0, -1);
        assert_int_equal(allowed(f, A), ALL);
        /* A Server instance without its Short Server ID is no second server. */
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, 1, NULL, NULL), 0);
        assert_false(lwm2m_access_enforced(f->tree));
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, 1, LWM2M_SRV_SHORT_ID);
        put(f, &p, B);
        assert_true(lwm2m_access_enforced(f->tree));
        assert_int_equal(allowed(f, A), 0);
}

static void test_missing_acl_instance(void **state)
{
        fixture *f = *state;
        /* Core TS 7.3.2.1: no Access Control instance, no rights. */
        assert_int_equal(allowed(f, A), 0);
        assert_int_equal(allowed(f, B), 0);
        assert_int_equal(check(f, B, LWM2M_OPERATION_READ, temp()), -EACCES);
        assert_non_null(strstr(f->why, "no Access Control instance"));
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 0), -ENOENT);
        /* The object itself: a Read passes (its readers filter instances), and so do
         * Discover and Write-Attributes, which need no right there. */
        lwm2m_path o = lwm2m_path_object(OID_TEMP);
        assert_int_equal(check(f, A, LWM2M_OPERATION_READ, o), 0);
        assert_int_equal(check(f, A, LWM2M_OPERATION_DISCOVER, o), 0);
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE_ATTRIBUTES, o), 0);
        /* The root is never Access Control's business. */
        assert_int_equal(check(f, A, LWM2M_OPERATION_READ, (lwm2m_path){0}), 0);
        /* An instance of another object has none either, whatever /3303/0 has. */
        add_acl(f, OID_TEMP, 0, LWM2M_ACL_OWNER_BOOTSTRAP, 0, ALL, -1);
        assert_int_equal(check(f, A, LWM2M_OPERATION_READ, lwm2m_path_instance(OID_TEMP, 1)),
                         -EACCES);
        assert_int_equal(check(f, A, LWM2M_OPERATION_READ, lwm2m_path_instance(3, 0)), -EACCES);
}

static void test_each_operation_bit(void **state)
{
        fixture *f = *state;
        uint16_t acl = add_acl(f, OID_TEMP, 0, LWM2M_ACL_OWNER_BOOTSTRAP, A, 0, -1);
        lwm2m_path entry =
                lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL, A);
        assert_int_equal(allowed(f, A), 0);
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE, temp()), -EACCES);
        assert_non_null(strstr(f->why, "lacks the right"));
        const unsigned bits[] = {LWM2M_ACL_READ, LWM2M_ACL_WRITE, LWM2M_ACL_EXECUTE,
                                 LWM2M_ACL_DELETE};
        for (size_t i = 0; i < ELEMENTSOF(bits); i++) {
                put(f, &entry, bits[i]);
                assert_int_equal(allowed(f, A), bits[i]);
                assert_int_equal(allowed(f, B), 0); /* no entry of its own, no default */
        }
        /* Create in an instance's entry grants nothing there. */
        put(f, &entry, LWM2M_ACL_CREATE);
        assert_int_equal(allowed(f, A), 0);
        put(f, &entry, ALL);
        assert_int_equal(allowed(f, A), ALL);
}

static void test_default_entry(void **state)
{
        fixture *f = *state;
        uint16_t acl = add_acl(f, OID_TEMP, 0, LWM2M_ACL_OWNER_BOOTSTRAP, LWM2M_ACL_DEFAULT_ENTRY,
                               LWM2M_ACL_READ | LWM2M_ACL_EXECUTE, -1);
        assert_int_equal(allowed(f, A), LWM2M_ACL_READ | LWM2M_ACL_EXECUTE);
        assert_int_equal(allowed(f, B), LWM2M_ACL_READ | LWM2M_ACL_EXECUTE);
        /* A server's own entry wins over the default, even one that grants less. */
        lwm2m_path entry =
                lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL, B);
        put(f, &entry, 0);
        assert_int_equal(allowed(f, B), 0);
        put(f, &entry, LWM2M_ACL_WRITE);
        assert_int_equal(allowed(f, B), LWM2M_ACL_WRITE);
        assert_int_equal(allowed(f, A), LWM2M_ACL_READ | LWM2M_ACL_EXECUTE);
}

static void test_owner(void **state)
{
        fixture *f = *state;
        /* Core TS 7.3.2.1: the owner without an entry of its own may do everything... */
        uint16_t acl = add_acl(f, OID_TEMP, 0, A, LWM2M_ACL_DEFAULT_ENTRY, LWM2M_ACL_READ, -1);
        assert_int_equal(allowed(f, A), ALL);
        assert_int_equal(allowed(f, B), LWM2M_ACL_READ);
        /* ...and with one, what it says. */
        lwm2m_path entry =
                lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL, A);
        put(f, &entry, LWM2M_ACL_READ | LWM2M_ACL_WRITE);
        assert_int_equal(allowed(f, A), LWM2M_ACL_READ | LWM2M_ACL_WRITE);
        /* The owner manages the Access Control instance; nobody else does. */
        lwm2m_path acl_entry = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL);
        lwm2m_path acl_owner = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_OWNER);
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE, acl_entry), 0);
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE, acl_owner), 0);
        assert_int_equal(check(f, B, LWM2M_OPERATION_WRITE, acl_entry), -EACCES);
        assert_non_null(strstr(f->why, "server 101"));
        /* Owned by the bootstrap server: no management server writes it. */
        put(f, &acl_owner, LWM2M_ACL_OWNER_BOOTSTRAP);
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE, acl_entry), -EACCES);
        assert_non_null(strstr(f->why, "bootstrap"));
        assert_int_equal(allowed(f, A), LWM2M_ACL_READ | LWM2M_ACL_WRITE);
}

static void test_access_control_instances(void **state)
{
        fixture *f = *state;
        uint16_t acl = add_acl(f, OID_TEMP, 0, A, -1);
        lwm2m_path inst = lwm2m_path_instance(LWM2M_OBJ_ACCESS_CONTROL, acl);
        lwm2m_path object = lwm2m_path_object(LWM2M_OBJ_ACCESS_CONTROL);
        /* Every server reads them, whoever owns them, with no instance of their own. */
        for (uint16_t s = A; s <= B; s++) {
                assert_int_equal(check(f, s, LWM2M_OPERATION_READ, object), 0);
                assert_int_equal(check(f, s, LWM2M_OPERATION_READ, inst), 0);
                assert_int_equal(check(f, s, LWM2M_OPERATION_DISCOVER, inst), 0);
                assert_int_equal(check(f, s, LWM2M_OPERATION_WRITE_ATTRIBUTES, inst), 0);
                /* Nobody creates or deletes them over the Device Management interface. */
                assert_int_equal(check(f, s, LWM2M_OPERATION_CREATE, object), -EACCES);
                assert_int_equal(check(f, s, LWM2M_OPERATION_DELETE, inst), -EACCES);
        }
        assert_int_equal(check(f, A, LWM2M_OPERATION_WRITE, inst), 0);
        assert_int_equal(check(f, B, LWM2M_OPERATION_WRITE, inst), -EACCES);
}

static void test_create_via_object_instance(void **state)
{
        fixture *f = *state;
        lwm2m_path o = lwm2m_path_object(OID_TEMP);
        lwm2m_path chosen = lwm2m_path_instance(OID_TEMP, 5);
        assert_int_equal(check(f, A, LWM2M_OPERATION_CREATE, o), -EACCES);
        assert_non_null(strstr(f->why, "/3303/65535"));
        /* Core TS 7.3.2.1: the server's own entry in the object's ACL instance. */
        add_acl(f, OID_TEMP, LWM2M_ACL_OBJECT_ITSELF, LWM2M_ACL_OWNER_BOOTSTRAP, A,
                LWM2M_ACL_CREATE, LWM2M_ACL_DEFAULT_ENTRY, LWM2M_ACL_CREATE, -1);
        assert_int_equal(check(f, A, LWM2M_OPERATION_CREATE, o), 0);
        assert_int_equal(check(f, A, LWM2M_OPERATION_CREATE, chosen), 0);
        /* The default entry grants no Create. */
        assert_int_equal(check(f, B, LWM2M_OPERATION_CREATE, o), -EACCES);
        assert_int_equal(check(f, B, LWM2M_OPERATION_CREATE, chosen), -EACCES);
        assert_non_null(strstr(f->why, "no Create right"));
        /* Nor do other rights: the C bit it must be. */
        add_acl(f, 3, LWM2M_ACL_OBJECT_ITSELF, LWM2M_ACL_OWNER_BOOTSTRAP, A, ALL, -1);
        assert_int_equal(check(f, A, LWM2M_OPERATION_CREATE, lwm2m_path_object(3)), -EACCES);
        /* The object's ACL instance gives no rights on its instances. */
        assert_int_equal(allowed(f, A), 0);
}

static void test_grant_and_forget(void **state)
{
        fixture *f = *state;
        char why[128] = "";
        assert_int_equal(
                lwm2m_access_grant_creator(f->tree, B, OID_TEMP, 0, NULL, why, sizeof(why)), 0);
        int acl = lwm2m_access_find(f->tree, OID_TEMP, 0);
        assert_true(acl >= 0);
        /* The creator owns it, with no entries: everything for it, nothing for the other. */
        lwm2m_record_list l = {0};
        lwm2m_path ap = lwm2m_path_instance(LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)acl);
        assert_int_equal(lwm2m_tree_read(f->tree, &ap, &l), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.items[0].value.i, OID_TEMP);
        assert_int_equal(l.items[1].value.i, 0);
        assert_int_equal(l.items[2].path.id[2], LWM2M_ACL_OWNER);
        assert_int_equal(l.items[2].value.i, B);
        lwm2m_record_list_free(&l);
        assert_int_equal(allowed(f, B), ALL);
        assert_int_equal(allowed(f, A), 0);

        /* A stale one for the same instance becomes the new creator's, its entries gone. */
        lwm2m_path entry = lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)acl,
                                                        LWM2M_ACL_ACL, LWM2M_ACL_DEFAULT_ENTRY);
        put(f, &entry, ALL);
        assert_int_equal(allowed(f, A), ALL);
        assert_int_equal(
                lwm2m_access_grant_creator(f->tree, A, OID_TEMP, 0, NULL, why, sizeof(why)), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 0), acl);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL), 1);
        assert_int_equal(allowed(f, A), ALL);
        assert_int_equal(allowed(f, B), 0);

        /* Deleting the instance forgets every Access Control instance for it, and only those. */
        add_acl(f, OID_TEMP, 0, B, -1);
        uint16_t other = add_acl(f, OID_TEMP, 1, B, -1);
        lwm2m_access_forget(f->tree, OID_TEMP, 0, NULL);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 0), -ENOENT);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 1), other);
        /* Nothing is made for the Access Control object itself, nor with one server. */
        assert_int_equal(lwm2m_access_grant_creator(f->tree, A, LWM2M_OBJ_ACCESS_CONTROL, 7, NULL,
                                                    why, sizeof(why)),
                         0);
        assert_int_equal(lwm2m_access_find(f->tree, LWM2M_OBJ_ACCESS_CONTROL, 7), -ENOENT);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, LWM2M_OBJ_SERVER, 1, NULL), 0);
        assert_int_equal(
                lwm2m_access_grant_creator(f->tree, A, OID_TEMP, 9, NULL, why, sizeof(why)), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 9), -ENOENT);
}

/* Through the policy: Access Control first (4.01), then what the resource supports
 * (4.05), as Core TS 7.3.2.2 orders them; the Security object stays the bootstrap's. */
static void test_policy_order(void **state)
{
        fixture *f = *state;
        lwm2m_origin a = {.kind = LWM2M_ORIGIN_SERVER, .short_id = A};
        lwm2m_origin local = {.kind = LWM2M_ORIGIN_LOCAL};
        lwm2m_path ro = lwm2m_path_resource(OID_TEMP, 0, R_SENSOR_VALUE);
        lwm2m_path rw = lwm2m_path_resource(OID_TEMP, 0, R_APPLICATION_TYPE);
        assert_int_equal(lwm2m_policy_check(f->tree, &a, LWM2M_OPERATION_WRITE, &ro, NULL, 0),
                         -EACCES);
        add_acl(f, OID_TEMP, 0, LWM2M_ACL_OWNER_BOOTSTRAP, A, LWM2M_ACL_WRITE, -1);
        assert_int_equal(lwm2m_policy_check(f->tree, &a, LWM2M_OPERATION_WRITE, &ro, NULL, 0),
                         -EPERM);
        assert_int_equal(lwm2m_policy_check(f->tree, &a, LWM2M_OPERATION_WRITE, &rw, NULL, 0), 0);
        assert_int_equal(lwm2m_policy_check(f->tree, &a, LWM2M_OPERATION_READ, &rw, NULL, 0),
                         -EACCES);
        /* The resource-level form that readers loop with says the same. */
        const lwm2m_object_def *obj = lwm2m_registry_find(f->reg, OID_TEMP);
        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, R_SENSOR_VALUE);
        assert_int_equal(
                lwm2m_policy_check_resource(f->tree, res, &a, LWM2M_OPERATION_READ, &ro, NULL, 0),
                -EACCES);
        /* Local callers are not management servers: Access Control is not theirs. */
        assert_int_equal(lwm2m_policy_check(f->tree, &local, LWM2M_OPERATION_WRITE, &rw, NULL, 0),
                         0);
        /* The Security object (which no Access Control instance can name): -EACCES. */
        lwm2m_path sec = lwm2m_path_instance(LWM2M_OBJ_SECURITY, 0);
        assert_int_equal(lwm2m_policy_check(f->tree, &a, LWM2M_OPERATION_READ, &sec, NULL, 0),
                         -EACCES);
}

/* ---- through the request lifecycle ---- */

static void on_done(void *userdata, const lwm2m_request_result *res)
{
        lwm2m_request_result *out = userdata;
        out->error = res->error;
        out->iid = res->iid;
}

static int run(lwm2m_requests *q, lwm2m_request_kind kind, uint16_t short_id, lwm2m_path p,
               uint16_t *iid)
{
        lwm2m_request_result res = {.error = 1};
        lwm2m_request_spec spec = {
                .kind = kind,
                .origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = short_id},
                .path = p,
                .done = on_done,
                .userdata = &res,
        };
        assert_null(lwm2m_request_start(q, &spec));
        assert_int_not_equal(res.error, 1);
        if (iid)
                *iid = res.iid;
        return res.error;
}

static void test_request_creator_rights(void **state)
{
        fixture *f = *state;
        lwm2m_requests *q = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(q);
        lwm2m_path o = lwm2m_path_object(OID_TEMP);
        uint16_t iid = 0;
        assert_int_equal(run(q, LWM2M_REQUEST_CREATE, A, o, &iid), -EACCES);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_TEMP), 1);
        add_acl(f, OID_TEMP, LWM2M_ACL_OBJECT_ITSELF, LWM2M_ACL_OWNER_BOOTSTRAP, A,
                LWM2M_ACL_CREATE, -1);
        assert_int_equal(run(q, LWM2M_REQUEST_CREATE, B, o, &iid), -EACCES);
        assert_int_equal(run(q, LWM2M_REQUEST_CREATE, A, o, &iid), 0);
        assert_int_equal(iid, 1);
        assert_true(lwm2m_access_find(f->tree, OID_TEMP, 1) >= 0);
        lwm2m_path made = lwm2m_path_instance(OID_TEMP, 1);
        /* The other server may not touch it; the creator may delete it, and its
         * Access Control instance goes with it. */
        assert_int_equal(run(q, LWM2M_REQUEST_DELETE, B, made, NULL), -EACCES);
        assert_int_equal(run(q, LWM2M_REQUEST_DELETE, A, made, NULL), 0);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_TEMP, 1));
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 1), -ENOENT);
        /* The object's own Access Control instance stays. */
        assert_true(lwm2m_access_find(f->tree, OID_TEMP, LWM2M_ACL_OBJECT_ITSELF) >= 0);
        lwm2m_requests_free(q);
}

/* ---- templates ---- */

static const lwm2m_acl_entry temp_acl[] = {{A, LWM2M_ACL_READ | LWM2M_ACL_WRITE},
                                           {LWM2M_ACL_DEFAULT_ENTRY, LWM2M_ACL_READ}};
static const lwm2m_acl_entry any_acl[] = {{B, LWM2M_ACL_WRITE}};
/* Templates: Temperature A:RW, default:R (owned by the bootstrap); every other
 * object B:W, owned by A. */
static const lwm2m_access_template templates[] = {
        {.oid = OID_TEMP, .owner = LWM2M_ACL_OWNER_BOOTSTRAP, .acl = temp_acl, .n_acl = 2},
        {.oid = LWM2M_ACL_ANY_OBJECT, .owner = A, .acl = any_acl, .n_acl = 1},
};

/* A Create as a D-Bus provider makes it (origin OWNER, the daemon chooses the ID). */
static int create_locally(lwm2m_requests *q, uint16_t oid, uint16_t *iid)
{
        lwm2m_request_result res = {.error = 1};
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_CREATE,
                .origin = {.kind = LWM2M_ORIGIN_OWNER, .tag = q},
                .path = lwm2m_path_object(oid),
                .done = on_done,
                .userdata = &res,
        };
        assert_null(lwm2m_request_start(q, &spec));
        assert_int_not_equal(res.error, 1);
        *iid = res.iid;
        return res.error;
}

static lwm2m_requests *requests_with_templates(fixture *f)
{
        lwm2m_requests *q = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(q);
        assert_int_equal(lwm2m_requests_set_access_templates(q, templates, ELEMENTSOF(templates)),
                         0);
        /* The fixture's /3303/0 is made again by the requests below. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 0, NULL), 0);
        return q;
}

static void test_template_local_create(void **state)
{
        fixture *f = *state;
        lwm2m_requests *q = requests_with_templates(f);
        uint16_t iid = 1;
        assert_int_equal(create_locally(q, OID_TEMP, &iid), 0);
        assert_int_equal(iid, 0);
        /* In the same commit: the template's entries, owned by the bootstrap. */
        int acl = lwm2m_access_find(f->tree, OID_TEMP, 0);
        assert_true(acl >= 0);
        assert_true(lwm2m_access_from_template(f->tree, (uint16_t)acl));
        assert_int_equal(allowed(f, A), LWM2M_ACL_READ | LWM2M_ACL_WRITE);
        assert_int_equal(allowed(f, B), LWM2M_ACL_READ);
        lwm2m_path owner =
                lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)acl, LWM2M_ACL_OWNER);
        assert_int_equal(lwm2m_tree_get(f->tree, &owner)->i, LWM2M_ACL_OWNER_BOOTSTRAP);

        /* An object without its own template gets the one for every object. */
        uint16_t light;
        assert_int_equal(create_locally(q, 3311, &light), 0);
        int any = lwm2m_access_find(f->tree, 3311, light);
        assert_true(any >= 0);
        lwm2m_path lp = lwm2m_path_instance(3311, light);
        assert_int_equal(check(f, B, LWM2M_OPERATION_WRITE, lp), 0);
        assert_int_equal(check(f, B, LWM2M_OPERATION_READ, lp), -EACCES);
        /* ... whose owner may do everything */
        assert_int_equal(check(f, A, LWM2M_OPERATION_DELETE, lp), 0);

        /* The provider removes its instance (not through a request): its
         * template-made Access Control instance goes, the other one stays. */
        size_t acls = lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 0, q), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 0), -ENOENT);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL), acls - 1);
        assert_int_equal(lwm2m_access_find(f->tree, 3311, light), any);
        lwm2m_requests_free(q);
}

/* An Access Control instance that was there first (the configuration's) is used
 * and kept; one a server writes is the server's from then on. */
static void test_template_yields(void **state)
{
        fixture *f = *state;
        lwm2m_requests *q = requests_with_templates(f);
        uint16_t configured = add_acl(f, OID_TEMP, 0, LWM2M_ACL_OWNER_BOOTSTRAP, B, ALL, -1);
        uint16_t iid;
        assert_int_equal(create_locally(q, OID_TEMP, &iid), 0);
        assert_int_equal(iid, 0);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL), 1);
        assert_false(lwm2m_access_from_template(f->tree, configured));
        assert_int_equal(allowed(f, B), ALL);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 0, q), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 0), configured);

        /* The instance again, at another ID: the template's now. */
        assert_int_equal(create_locally(q, OID_TEMP, &iid), 0);
        assert_int_equal(iid, 0); /* configured one names /3303/0 */
        assert_int_equal(
                lwm2m_tree_delete_instance(f->tree, LWM2M_OBJ_ACCESS_CONTROL, configured, NULL), 0);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, 0, q), 0);
        assert_int_equal(create_locally(q, OID_TEMP, &iid), 0);
        int acl = lwm2m_access_find(f->tree, OID_TEMP, iid);
        assert_true(acl >= 0 && lwm2m_access_from_template(f->tree, (uint16_t)acl));
        /* A bootstrap server (or the owner) writes it: no longer the template's. */
        lwm2m_path entry = lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)acl,
                                                        LWM2M_ACL_ACL, B);
        lwm2m_value w = lwm2m_value_integer(LWM2M_ACL_WRITE);
        assert_int_equal(lwm2m_tree_set(f->tree, &entry, &w, f, NULL, 0), 0);
        assert_false(lwm2m_access_from_template(f->tree, (uint16_t)acl));
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_TEMP, iid, q), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, iid), acl);
        lwm2m_requests_free(q);
}

/* No template for the object, one server, a server's or a bootstrap server's
 * Create: no Access Control instance from a template. */
static void test_template_not_applied(void **state)
{
        fixture *f = *state;
        lwm2m_requests *q = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(q);
        assert_int_equal(lwm2m_requests_set_access_templates(q, templates, 1), 0);
        uint16_t iid;
        assert_int_equal(create_locally(q, 3311, &iid), 0);
        assert_int_equal(lwm2m_access_find(f->tree, 3311, iid), -ENOENT);
        /* A server's Create: creator rights, not the template. */
        add_acl(f, OID_TEMP, LWM2M_ACL_OBJECT_ITSELF, LWM2M_ACL_OWNER_BOOTSTRAP, B,
                LWM2M_ACL_CREATE, -1);
        assert_int_equal(run(q, LWM2M_REQUEST_CREATE, B, lwm2m_path_object(OID_TEMP), &iid), 0);
        int acl = lwm2m_access_find(f->tree, OID_TEMP, iid);
        assert_true(acl >= 0);
        assert_false(lwm2m_access_from_template(f->tree, (uint16_t)acl));
        /* A bootstrap server writes its own. */
        lwm2m_request_result res = {.error = 1};
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_CREATE,
                                   .origin = {.kind = LWM2M_ORIGIN_BOOTSTRAP, .tag = f},
                                   .path = lwm2m_path_instance(OID_TEMP, 7),
                                   .done = on_done,
                                   .userdata = &res};
        assert_null(lwm2m_request_start(q, &spec));
        assert_int_equal(res.error, 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, 7), -ENOENT);

        /* One server: Access Control does not apply, nothing is made... */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, LWM2M_OBJ_SERVER, 1, NULL), 0);
        assert_int_equal(create_locally(q, OID_TEMP, &iid), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, iid), -ENOENT);
        assert_int_equal(lwm2m_requests_apply_access_templates(q), 0);
        assert_int_equal(lwm2m_access_find(f->tree, OID_TEMP, iid), -ENOENT);
        /* ... until a second server comes (a bootstrap): then every instance of the
         * object without one gets it, and only those. */
        add_server(f, 1, B);
        size_t acls = lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL);
        /* The fixture's /3303/0, the bootstrap server's /3303/7 and the local one;
         * not the server's (it has its own), nor /3311/0 or /3/0 (no template). */
        assert_int_equal(lwm2m_requests_apply_access_templates(q), 3);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, LWM2M_OBJ_ACCESS_CONTROL), acls + 3);
        acl = lwm2m_access_find(f->tree, OID_TEMP, iid);
        assert_true(acl >= 0 && lwm2m_access_from_template(f->tree, (uint16_t)acl));
        assert_int_equal(lwm2m_access_find(f->tree, 3311, 0), -ENOENT);
        assert_int_equal(lwm2m_requests_apply_access_templates(q), 0);
        lwm2m_requests_free(q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_single_server_bypass),
                T(test_missing_acl_instance),
                T(test_each_operation_bit),
                T(test_default_entry),
                T(test_owner),
                T(test_access_control_instances),
                T(test_create_via_object_instance),
                T(test_grant_and_forget),
                T(test_policy_order),
                T(test_request_creator_rights),
                T(test_template_local_create),
                T(test_template_yields),
                T(test_template_not_applied),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
