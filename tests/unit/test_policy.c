/* test_policy.c - unit tests for the access policy (model/policy): what each
 * origin may do to the core objects, loaded from the shipped DDF files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/policy.h"
#include "util/macro.h"

#define OBJECTS_DIR SOURCE_ROOT "/objects.d"

enum {
        OID_TEMPERATURE = 3303, /* an object nobody keeps */
        OID_UNDEFINED = 4242,
};

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree; /* empty: one server or none, so Access Control stays out */
        char why[256];
} fixture;

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {OBJECTS_DIR};
        assert_int_equal(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL), 0);
        for (uint16_t oid = LWM2M_OBJ_SECURITY; oid <= LWM2M_OBJ_DEVICE; oid++)
                assert_non_null(lwm2m_registry_find(f->reg, oid));
        assert_non_null(lwm2m_registry_find(f->reg, OID_TEMPERATURE));
        assert_null(lwm2m_registry_find(f->reg, OID_UNDEFINED));
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
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

static const lwm2m_origin server = {.kind = LWM2M_ORIGIN_SERVER, .short_id = 101};
static const lwm2m_origin bootstrap = {.kind = LWM2M_ORIGIN_BOOTSTRAP};
static const lwm2m_origin daemon_origin = {.kind = LWM2M_ORIGIN_DAEMON};
static const lwm2m_origin local = {.kind = LWM2M_ORIGIN_LOCAL};
static const lwm2m_origin owner = {.kind = LWM2M_ORIGIN_OWNER};

static lwm2m_path root(void)
{
        return (lwm2m_path){.len = LWM2M_PATH_ROOT};
}

static lwm2m_path obj(uint16_t oid)
{
        return lwm2m_path_object(oid);
}

static lwm2m_path inst(uint16_t oid, uint16_t iid)
{
        return lwm2m_path_instance(oid, iid);
}

static lwm2m_path res(uint16_t oid, uint16_t rid)
{
        return lwm2m_path_resource(oid, 0, rid);
}

static lwm2m_path res_inst(uint16_t oid, uint16_t rid, uint16_t riid)
{
        return lwm2m_path_resource_instance(oid, 0, rid, riid);
}

/* The check's result; on refusal `why` must name the path. */
static int check(fixture *f, const lwm2m_origin *o, lwm2m_operation op, lwm2m_path p)
{
        memset(f->why, 0, sizeof(f->why));
        int r = lwm2m_policy_check(f->tree, o, op, &p, f->why, sizeof(f->why));
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(&p, ps, sizeof(ps));
        if (r < 0)
                assert_non_null(strstr(f->why, ps));
        else
                assert_string_equal(f->why, "");
        return r;
}

static void test_server_security_object(void **state)
{
        fixture *f = *state;
        const lwm2m_path paths[] = {obj(LWM2M_OBJ_SECURITY), inst(LWM2M_OBJ_SECURITY, 0),
                                    res(LWM2M_OBJ_SECURITY, LWM2M_SEC_URI),
                                    res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SECRET)};
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                for (lwm2m_operation op = 0; op < _LWM2M_OPERATION_MAX; op++)
                        assert_int_equal(check(f, &server, op, paths[i]), -EACCES);
        assert_non_null(strstr(f->why, "Security"));
}

static void test_server_read(void **state)
{
        fixture *f = *state;
        /* The shape of a path (a Read of the root) is the protocol's to refuse, not the policy's.
         */
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ, root()), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ, obj(LWM2M_OBJ_DEVICE)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ, inst(LWM2M_OBJ_SERVER, 0)), 0);
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_READ, res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MODEL)), 0);
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_READ, res(LWM2M_OBJ_SERVER, LWM2M_SRV_LIFETIME)),
                0);
        /* Not R: an executable resource, and one the DDF gives no operation. */
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_READ, res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                -EPERM);
        assert_non_null(strstr(f->why, "not readable"));
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_RETRY_TIMER)),
                         -EPERM);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ,
                               res_inst(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT, 0)),
                         -EPERM);
        /* What the registry does not define is the tree's to refuse. */
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ, res(OID_UNDEFINED, 1)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_READ, res(LWM2M_OBJ_DEVICE, 999)), 0);
}

static void test_server_write(void **state)
{
        fixture *f = *state;
        /* Write-Composite writes at the root; each record is checked on its own. */
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE, root()), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE, obj(LWM2M_OBJ_DEVICE)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE, inst(LWM2M_OBJ_SERVER, 0)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE,
                               res(LWM2M_OBJ_DEVICE, LWM2M_DEV_CURRENT_TIME)),
                         0);
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_WRITE, res(LWM2M_OBJ_SERVER, LWM2M_SRV_BINDING)),
                0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE,
                               res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MANUFACTURER)),
                         -EPERM);
        assert_non_null(strstr(f->why, "not writable"));
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_WRITE, res(LWM2M_OBJ_SERVER, LWM2M_SRV_SHORT_ID)),
                -EPERM);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_WRITE,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_UPDATE_TRIGGER)),
                         -EPERM);
}

static void test_server_execute(void **state)
{
        fixture *f = *state;
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_EXECUTE, res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_EXECUTE,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_UPDATE_TRIGGER)),
                         0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_EXECUTE,
                               res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MANUFACTURER)),
                         -EPERM);
        assert_non_null(strstr(f->why, "not an executable resource"));
        assert_int_equal(check(f, &server, LWM2M_OPERATION_EXECUTE, inst(LWM2M_OBJ_DEVICE, 0)),
                         -EPERM);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_EXECUTE, obj(LWM2M_OBJ_DEVICE)), -EPERM);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_EXECUTE,
                               res_inst(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT, 0)),
                         -EPERM);
}

static void test_server_create_delete(void **state)
{
        fixture *f = *state;
        /* The daemon keeps Server and Device (Security: -EACCES above); a server
         * may make Access Control instances. */
        const uint16_t kept[] = {LWM2M_OBJ_SERVER, LWM2M_OBJ_DEVICE};
        for (size_t i = 0; i < ELEMENTSOF(kept); i++) {
                assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, obj(kept[i])), -EPERM);
                assert_non_null(strstr(f->why, "the daemon keeps"));
                assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, inst(kept[i], 5)),
                                 -EPERM);
                assert_int_equal(check(f, &server, LWM2M_OPERATION_DELETE, inst(kept[i], 0)),
                                 -EPERM);
        }
        assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, obj(LWM2M_OBJ_ACCESS_CONTROL)),
                         0);
        assert_int_equal(
                check(f, &server, LWM2M_OPERATION_DELETE, inst(LWM2M_OBJ_ACCESS_CONTROL, 0)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, obj(OID_TEMPERATURE)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, inst(OID_TEMPERATURE, 3)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_DELETE, inst(OID_TEMPERATURE, 0)), 0);
        assert_int_equal(check(f, &server, LWM2M_OPERATION_CREATE, obj(LWM2M_OBJ_LOCATION)), 0);
}

static void test_server_discover_attributes(void **state)
{
        fixture *f = *state;
        const lwm2m_operation ops[] = {LWM2M_OPERATION_DISCOVER, LWM2M_OPERATION_WRITE_ATTRIBUTES};
        for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
                assert_int_equal(check(f, &server, ops[i], root()), 0);
                assert_int_equal(check(f, &server, ops[i], obj(LWM2M_OBJ_DEVICE)), 0);
                /* Attributes belong to any resource, readable or not. */
                assert_int_equal(check(f, &server, ops[i], res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                                 0);
        }
}

/* The daemon itself passes everywhere. */
static void test_daemon(void **state)
{
        fixture *f = *state;
        const lwm2m_path paths[] = {
                root(), obj(LWM2M_OBJ_SECURITY), res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SECRET),
                res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT), inst(LWM2M_OBJ_SERVER, 0)};
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                for (lwm2m_operation op = 0; op < _LWM2M_OPERATION_MAX; op++)
                        assert_int_equal(check(f, &daemon_origin, op, paths[i]), 0);
}

/* Bootstrap-Read: the Server and Access Control objects only (Core TS 1.1 5.2.7.1). */
static void test_bootstrap_read(void **state)
{
        fixture *f = *state;
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ, obj(LWM2M_OBJ_SERVER)), 0);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ, inst(LWM2M_OBJ_SERVER, 0)), 0);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_SHORT_ID)),
                         0);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ, obj(LWM2M_OBJ_ACCESS_CONTROL)),
                         0);
        const lwm2m_path refused[] = {root(), obj(LWM2M_OBJ_SECURITY),
                                      res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SECRET),
                                      obj(LWM2M_OBJ_DEVICE), inst(OID_TEMPERATURE, 0)};
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ, refused[i]), -EPERM);
        assert_non_null(strstr(f->why, "Server and Access Control"));
        /* Executable: nothing to read. */
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_READ,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_UPDATE_TRIGGER)),
                         -EPERM);
}

/* Bootstrap-Write: everywhere, the Security object and read-only resources included;
 * never an executable resource. */
static void test_bootstrap_write(void **state)
{
        fixture *f = *state;
        const lwm2m_path allowed[] = {obj(LWM2M_OBJ_SECURITY),
                                      inst(LWM2M_OBJ_SECURITY, 0),
                                      res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SECRET),
                                      res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SHORT_ID),
                                      res(LWM2M_OBJ_SERVER, LWM2M_SRV_SHORT_ID),
                                      inst(LWM2M_OBJ_ACCESS_CONTROL, 0),
                                      res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MODEL),
                                      inst(OID_TEMPERATURE, 0)};
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_WRITE, allowed[i]), 0);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_WRITE,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_BOOTSTRAP_TRIGGER)),
                         -EPERM);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_WRITE,
                               res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                         -EPERM);
}

/* Creates and deletes anywhere but the Device object; no Execute, no attributes;
 * Discover of the root or an object. */
static void test_bootstrap_other_operations(void **state)
{
        fixture *f = *state;
        const lwm2m_operation create_delete[] = {LWM2M_OPERATION_CREATE, LWM2M_OPERATION_DELETE};
        for (size_t k = 0; k < ELEMENTSOF(create_delete); k++) {
                lwm2m_operation op = create_delete[k];
                assert_int_equal(check(f, &bootstrap, op, inst(LWM2M_OBJ_SECURITY, 0)), 0);
                assert_int_equal(check(f, &bootstrap, op, inst(LWM2M_OBJ_SERVER, 0)), 0);
                assert_int_equal(check(f, &bootstrap, op, inst(LWM2M_OBJ_ACCESS_CONTROL, 3)), 0);
                assert_int_equal(check(f, &bootstrap, op, inst(OID_TEMPERATURE, 0)), 0);
                assert_int_equal(check(f, &bootstrap, op, inst(LWM2M_OBJ_DEVICE, 0)), -EPERM);
                assert_non_null(strstr(f->why, "Device"));
        }
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_EXECUTE,
                               res(LWM2M_OBJ_SERVER, LWM2M_SRV_UPDATE_TRIGGER)),
                         -EPERM);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_EXECUTE,
                               res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                         -EPERM);
        assert_int_equal(
                check(f, &bootstrap, LWM2M_OPERATION_WRITE_ATTRIBUTES, inst(LWM2M_OBJ_SERVER, 0)),
                -EPERM);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_DISCOVER, root()), 0);
        assert_int_equal(check(f, &bootstrap, LWM2M_OPERATION_DISCOVER, obj(LWM2M_OBJ_SECURITY)),
                         0);
        assert_int_equal(
                check(f, &bootstrap, LWM2M_OPERATION_DISCOVER, inst(LWM2M_OBJ_SECURITY, 0)),
                -EPERM);
}

static void test_local_secrets(void **state)
{
        fixture *f = *state;
        const lwm2m_origin *origins[] = {&local, &owner};
        const uint16_t secrets[] = {LWM2M_SEC_IDENTITY, LWM2M_SEC_SERVER_KEY, LWM2M_SEC_SECRET,
                                    LWM2M_SEC_SMS_SECRET};
        for (size_t o = 0; o < ELEMENTSOF(origins); o++) {
                for (size_t i = 0; i < ELEMENTSOF(secrets); i++) {
                        lwm2m_path p = res(LWM2M_OBJ_SECURITY, secrets[i]);
                        assert_int_equal(check(f, origins[o], LWM2M_OPERATION_READ, p), -EACCES);
                        assert_non_null(strstr(f->why, "credential"));
                        assert_int_equal(check(f, origins[o], LWM2M_OPERATION_WRITE, p), -EACCES);
                }
                /* Not a secret: the server's address. */
                assert_int_equal(check(f, origins[o], LWM2M_OPERATION_READ,
                                       res(LWM2M_OBJ_SECURITY, LWM2M_SEC_URI)),
                                 0);
                assert_int_equal(check(f, origins[o], LWM2M_OPERATION_READ,
                                       res(LWM2M_OBJ_SECURITY, LWM2M_SEC_SHORT_ID)),
                                 0);
        }
}

static void test_local_read_write(void **state)
{
        fixture *f = *state;
        const lwm2m_path current_time = res(LWM2M_OBJ_DEVICE, LWM2M_DEV_CURRENT_TIME);
        const lwm2m_path manufacturer = res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MANUFACTURER);
        const lwm2m_path reboot = res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT);

        assert_int_equal(check(f, &local, LWM2M_OPERATION_READ, manufacturer), 0);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_READ, current_time), 0);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_READ, inst(LWM2M_OBJ_DEVICE, 0)), 0);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_WRITE, current_time), 0);
        /* R only: the owner pushes readings into it, nobody else writes it. */
        assert_int_equal(check(f, &local, LWM2M_OPERATION_WRITE, manufacturer), -EPERM);
        assert_non_null(strstr(f->why, "not writable"));
        assert_int_equal(check(f, &owner, LWM2M_OPERATION_WRITE, manufacturer), 0);
        assert_int_equal(
                check(f, &local, LWM2M_OPERATION_WRITE, res(LWM2M_OBJ_SERVER, LWM2M_SRV_SHORT_ID)),
                -EPERM);
        assert_int_equal(
                check(f, &owner, LWM2M_OPERATION_WRITE, res(LWM2M_OBJ_SERVER, LWM2M_SRV_SHORT_ID)),
                0);
        /* Executable resources hold no value, for anyone local. */
        const lwm2m_origin *origins[] = {&local, &owner};
        for (size_t o = 0; o < ELEMENTSOF(origins); o++) {
                assert_int_equal(check(f, origins[o], LWM2M_OPERATION_READ, reboot), -EPERM);
                assert_non_null(strstr(f->why, "executable"));
                assert_int_equal(check(f, origins[o], LWM2M_OPERATION_WRITE, reboot), -EPERM);
                assert_int_equal(check(f, origins[o], LWM2M_OPERATION_WRITE,
                                       res(LWM2M_OBJ_SERVER, LWM2M_SRV_DISABLE)),
                                 -EPERM);
        }
}

static void test_local_execute(void **state)
{
        fixture *f = *state;
        const lwm2m_origin *origins[] = {&local, &owner};
        for (size_t o = 0; o < ELEMENTSOF(origins); o++) {
                const lwm2m_origin * or = origins[o];
                assert_int_equal(check(f, or, LWM2M_OPERATION_EXECUTE,
                                       res(LWM2M_OBJ_DEVICE, LWM2M_DEV_REBOOT)),
                                 0);
                assert_int_equal(check(f, or, LWM2M_OPERATION_EXECUTE,
                                       res(LWM2M_OBJ_DEVICE, LWM2M_DEV_MANUFACTURER)),
                                 -EPERM);
                assert_int_equal(check(f, or, LWM2M_OPERATION_EXECUTE, inst(LWM2M_OBJ_DEVICE, 0)),
                                 -EPERM);
                assert_int_equal(check(f, or, LWM2M_OPERATION_EXECUTE, obj(LWM2M_OBJ_DEVICE)),
                                 -EPERM);
                assert_int_equal(check(f, or, LWM2M_OPERATION_EXECUTE, root()), -EPERM);
        }
}

static void test_local_create_delete(void **state)
{
        fixture *f = *state;
        const uint16_t provisioned[] = {LWM2M_OBJ_SECURITY, LWM2M_OBJ_SERVER,
                                        LWM2M_OBJ_ACCESS_CONTROL};
        for (size_t i = 0; i < ELEMENTSOF(provisioned); i++) {
                assert_int_equal(check(f, &local, LWM2M_OPERATION_CREATE, obj(provisioned[i])),
                                 -EPERM);
                assert_non_null(strstr(f->why, "configuration or a bootstrap server"));
                assert_int_equal(check(f, &local, LWM2M_OPERATION_DELETE, inst(provisioned[i], 0)),
                                 -EPERM);
        }
        assert_int_equal(check(f, &local, LWM2M_OPERATION_CREATE, root()), -EPERM);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_DELETE, root()), -EPERM);
        /* Device is the daemon's: nobody local deletes it. */
        assert_int_equal(check(f, &local, LWM2M_OPERATION_DELETE, inst(LWM2M_OBJ_DEVICE, 0)),
                         -EPERM);
        assert_non_null(strstr(f->why, "belongs to the daemon"));
        assert_int_equal(check(f, &owner, LWM2M_OPERATION_DELETE, inst(LWM2M_OBJ_DEVICE, 0)),
                         -EPERM);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_CREATE, obj(OID_TEMPERATURE)), 0);
        assert_int_equal(check(f, &local, LWM2M_OPERATION_DELETE, inst(OID_TEMPERATURE, 0)), 0);
        assert_int_equal(check(f, &owner, LWM2M_OPERATION_DELETE, inst(OID_TEMPERATURE, 0)), 0);
}

static void test_local_discover_attributes(void **state)
{
        fixture *f = *state;
        assert_int_equal(check(f, &local, LWM2M_OPERATION_DISCOVER, obj(LWM2M_OBJ_DEVICE)), -EPERM);
        assert_non_null(strstr(f->why, "not an operation of local callers"));
        assert_int_equal(check(f, &owner, LWM2M_OPERATION_WRITE_ATTRIBUTES, obj(LWM2M_OBJ_DEVICE)),
                         -EPERM);
}

static void test_why_optional(void **state)
{
        fixture *f = *state;
        lwm2m_path p = obj(LWM2M_OBJ_SECURITY);
        assert_int_equal(lwm2m_policy_check(f->tree, &server, LWM2M_OPERATION_READ, &p, NULL, 0),
                         -EACCES);
        /* A short buffer is cut, not overrun. */
        char small[8];
        assert_int_equal(lwm2m_policy_check(f->tree, &server, LWM2M_OPERATION_READ, &p, small,
                                            sizeof(small)),
                         -EACCES);
        assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_classes(void **state)
{
        (void)state;
        for (uint16_t rid = 0; rid <= LWM2M_SEC_CERT_USAGE; rid++) {
                bool secret = rid == LWM2M_SEC_IDENTITY || rid == LWM2M_SEC_SERVER_KEY ||
                              rid == LWM2M_SEC_SECRET || rid == LWM2M_SEC_SMS_MODE ||
                              rid == LWM2M_SEC_SMS_KEY_PARAMS || rid == LWM2M_SEC_SMS_SECRET ||
                              rid == LWM2M_SEC_SMS_NUMBER;
                assert_int_equal(lwm2m_policy_is_secret(LWM2M_OBJ_SECURITY, rid), secret);
        }
        assert_true(lwm2m_policy_is_secret(LWM2M_OBJ_OSCORE, LWM2M_OSCORE_MASTER_SECRET));
        assert_true(lwm2m_policy_is_secret(LWM2M_OBJ_OSCORE, LWM2M_OSCORE_MASTER_SALT));
        assert_false(lwm2m_policy_is_secret(LWM2M_OBJ_OSCORE, 1));
        assert_false(lwm2m_policy_is_secret(LWM2M_OBJ_SERVER, LWM2M_SEC_SECRET));
        assert_false(lwm2m_policy_is_secret(LWM2M_OBJ_DEVICE, LWM2M_DEV_SERIAL));

        const uint16_t oids[] = {LWM2M_OBJ_SECURITY,
                                 LWM2M_OBJ_SERVER,
                                 LWM2M_OBJ_ACCESS_CONTROL,
                                 LWM2M_OBJ_DEVICE,
                                 LWM2M_OBJ_CONNECTIVITY_MONITORING,
                                 LWM2M_OBJ_FIRMWARE_UPDATE,
                                 LWM2M_OBJ_LOCATION,
                                 LWM2M_OBJ_OSCORE,
                                 OID_TEMPERATURE};
        for (size_t i = 0; i < ELEMENTSOF(oids); i++) {
                uint16_t oid = oids[i];
                bool provisioned = oid == LWM2M_OBJ_SECURITY || oid == LWM2M_OBJ_SERVER ||
                                   oid == LWM2M_OBJ_ACCESS_CONTROL;
                assert_int_equal(lwm2m_policy_is_provisioned(oid), provisioned);
                assert_int_equal(lwm2m_policy_is_daemons(oid),
                                 provisioned || oid == LWM2M_OBJ_DEVICE);
                assert_int_equal(lwm2m_policy_is_bootstrap_only(oid), oid == LWM2M_OBJ_SECURITY);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_server_security_object),
                T(test_server_read),
                T(test_server_write),
                T(test_server_execute),
                T(test_server_create_delete),
                T(test_server_discover_attributes),
                T(test_daemon),
                T(test_bootstrap_read),
                T(test_bootstrap_write),
                T(test_bootstrap_other_operations),
                T(test_local_secrets),
                T(test_local_read_write),
                T(test_local_execute),
                T(test_local_create_delete),
                T(test_local_discover_attributes),
                T(test_why_optional),
                T(test_classes),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
