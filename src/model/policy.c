/* policy.c - who may do what: the rules of the LwM2M specification for
 * management servers and the daemon's own rules for local callers, in one place. */
#include "model/policy.h"

#include <assert.h>
#include <errno.h>

#include "model/access.h"
#include "model/oma.h"
#include "util/diag.h"

bool lwm2m_policy_is_secret(uint16_t oid, uint16_t rid)
{
        /* Security: identities, keys and SMS secrets; OSCORE: Master Secret and Master Salt. */
        if (oid == LWM2M_OBJ_SECURITY)
                return rid >= LWM2M_SEC_IDENTITY && rid <= LWM2M_SEC_SMS_NUMBER;
        if (oid == LWM2M_OBJ_OSCORE)
                return rid == LWM2M_OSCORE_MASTER_SECRET || rid == LWM2M_OSCORE_MASTER_SALT;
        return false;
}

bool lwm2m_policy_is_bootstrap_only(uint16_t oid)
{
        return oid == LWM2M_OBJ_SECURITY;
}

bool lwm2m_policy_is_provisioned(uint16_t oid)
{
        return oid == LWM2M_OBJ_SECURITY || oid == LWM2M_OBJ_SERVER ||
               oid == LWM2M_OBJ_ACCESS_CONTROL;
}

bool lwm2m_policy_is_daemons(uint16_t oid)
{
        return lwm2m_policy_is_provisioned(oid) || oid == LWM2M_OBJ_DEVICE;
}

static const lwm2m_resource_def *resource_at(const lwm2m_registry *reg, const lwm2m_path *p)
{
        if (p->len < LWM2M_PATH_RESOURCE)
                return NULL;
        const lwm2m_object_def *obj = lwm2m_registry_find(reg, p->id[0]);
        return obj ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
}

static int refuse(int error, lwm2m_operation op, const lwm2m_path *p, const char *reason, char *why,
                  size_t why_size)
{
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(p, ps, sizeof(ps));
        lwm2m_diag(why, why_size, "%s may not be %s: %s", ps, lwm2m_operation_participle(op),
                   reason);
        return error;
}

/* Server or local caller alike: only an executable resource is executed. */
static int execute_check(const lwm2m_resource_def *res, const lwm2m_path *p, char *why,
                         size_t why_size)
{
        if (p->len != LWM2M_PATH_RESOURCE || (res && !(res->operations & LWM2M_OP_EXECUTE)))
                return refuse(-EPERM, LWM2M_OPERATION_EXECUTE, p,
                              "it is not an executable resource", why, why_size);
        return 0;
}

/* A management server (LwM2M 1.1 Core TS 6.3 and the operations of each
 * resource), after Access Control (7.3.2: rights first, then what the target supports). */
static int server_check(const lwm2m_tree *t, const lwm2m_resource_def *res, uint16_t short_id,
                        lwm2m_operation op, const lwm2m_path *p, char *why, size_t why_size)
{
        if (p->len > 0 && lwm2m_policy_is_bootstrap_only(p->id[0]))
                return refuse(-EACCES, op, p, "the Security object is the bootstrap server's", why,
                              why_size);
        int err = lwm2m_access_check(t, short_id, op, p, why, why_size);
        if (err < 0)
                return err;
        switch (op) {
        case LWM2M_OPERATION_READ:
                if (res && !(res->operations & LWM2M_OP_READ))
                        return refuse(-EPERM, op, p, "the resource is not readable", why, why_size);
                return 0;
        case LWM2M_OPERATION_WRITE:
                if (res && !(res->operations & LWM2M_OP_WRITE))
                        return refuse(-EPERM, op, p, "the resource is not writable", why, why_size);
                return 0;
        case LWM2M_OPERATION_EXECUTE:
                return execute_check(res, p, why, why_size);
        case LWM2M_OPERATION_CREATE:
        case LWM2M_OPERATION_DELETE:
                /* The bootstrap server's to create: Security, Server; the daemon's: Device. */
                if (p->len > 0 && (p->id[0] == LWM2M_OBJ_SERVER || p->id[0] == LWM2M_OBJ_DEVICE))
                        return refuse(-EPERM, op, p, "the daemon keeps that object's instances",
                                      why, why_size);
                return 0;
        case LWM2M_OPERATION_DISCOVER:
        case LWM2M_OPERATION_WRITE_ATTRIBUTES:
                return 0;
        default:
                return -EINVAL;
        }
}

/* The bootstrap server (LwM2M 1.1 Core TS 5.2.7): it writes, creates and deletes
 * anywhere, the Security object included, but reads only the Server and Access
 * Control objects and executes nothing; the Device instance is never deleted. */
static int bootstrap_check(const lwm2m_resource_def *res, lwm2m_operation op, const lwm2m_path *p,
                           char *why, size_t why_size)
{
        switch (op) {
        case LWM2M_OPERATION_READ:
                if (p->len == 0 ||
                    (p->id[0] != LWM2M_OBJ_SERVER && p->id[0] != LWM2M_OBJ_ACCESS_CONTROL))
                        return refuse(-EPERM, op, p,
                                      "Bootstrap-Read is for the Server and Access Control "
                                      "objects only",
                                      why, why_size);
                if (res && !(res->operations & LWM2M_OP_READ))
                        return refuse(-EPERM, op, p, "the resource is not readable", why, why_size);
                return 0;
        case LWM2M_OPERATION_DISCOVER:
                if (p->len > 1)
                        return refuse(-EPERM, op, p,
                                      "Bootstrap-Discover is for the root or an object", why,
                                      why_size);
                return 0;
        case LWM2M_OPERATION_WRITE:
                /* Read-only resources too (a Short Server ID): configuration is written. */
                if (res && (res->type == LWM2M_TYPE_NONE || (res->operations & LWM2M_OP_EXECUTE)))
                        return refuse(-EPERM, op, p, "it is executable and holds no value", why,
                                      why_size);
                return 0;
        case LWM2M_OPERATION_CREATE:
        case LWM2M_OPERATION_DELETE:
                if (p->len > 0 && p->id[0] == LWM2M_OBJ_DEVICE)
                        return refuse(-EPERM, op, p, "the Device instance is the daemon's", why,
                                      why_size);
                return 0;
        default:
                return refuse(-EPERM, op, p, "not an operation of the bootstrap interface", why,
                              why_size);
        }
}

/* A local caller: the instance's owner, or anyone else the bus layer let through. */
static int local_check(const lwm2m_resource_def *res, bool owner, lwm2m_operation op,
                       const lwm2m_path *p, char *why, size_t why_size)
{
        switch (op) {
        case LWM2M_OPERATION_READ:
        case LWM2M_OPERATION_WRITE:
                if (res && lwm2m_policy_is_secret(p->id[0], res->id))
                        return refuse(-EACCES, op, p, "it holds a credential", why, why_size);
                if (res && (res->type == LWM2M_TYPE_NONE || (res->operations & LWM2M_OP_EXECUTE)))
                        return refuse(-EPERM, op, p, "it is executable and holds no value", why,
                                      why_size);
                /* The owner pushes readings into R resources; others write only W ones. */
                if (op == LWM2M_OPERATION_WRITE && !owner && res &&
                    !(res->operations & LWM2M_OP_WRITE))
                        return refuse(-EPERM, op, p, "it is not writable", why, why_size);
                return 0;
        case LWM2M_OPERATION_EXECUTE:
                return execute_check(res, p, why, why_size);
        case LWM2M_OPERATION_CREATE:
                if (p->len == 0 || lwm2m_policy_is_provisioned(p->id[0]))
                        return refuse(-EPERM, op, p,
                                      "its instances come from the configuration or a bootstrap "
                                      "server",
                                      why, why_size);
                return 0;
        case LWM2M_OPERATION_DELETE:
                if (p->len == 0 || lwm2m_policy_is_daemons(p->id[0]))
                        return refuse(-EPERM, op, p, "it belongs to the daemon", why, why_size);
                return 0;
        default:
                return refuse(-EPERM, op, p, "not an operation of local callers", why, why_size);
        }
}

int lwm2m_policy_check_resource(const lwm2m_tree *t, const lwm2m_resource_def *res,
                                const lwm2m_origin *origin, lwm2m_operation op,
                                const lwm2m_path *path, char *why, size_t why_size)
{
        assert(t && origin && path);
        assert(op < _LWM2M_OPERATION_MAX);
        switch (origin->kind) {
        case LWM2M_ORIGIN_DAEMON:
                return 0;
        case LWM2M_ORIGIN_BOOTSTRAP:
                return bootstrap_check(res, op, path, why, why_size);
        case LWM2M_ORIGIN_SERVER:
                return server_check(t, res, origin->short_id, op, path, why, why_size);
        case LWM2M_ORIGIN_LOCAL:
        case LWM2M_ORIGIN_OWNER:
                return local_check(res, origin->kind == LWM2M_ORIGIN_OWNER, op, path, why,
                                   why_size);
        }
        return -EINVAL;
}

int lwm2m_policy_check(const lwm2m_tree *t, const lwm2m_origin *origin, lwm2m_operation op,
                       const lwm2m_path *path, char *why, size_t why_size)
{
        assert(t && path);
        return lwm2m_policy_check_resource(t, resource_at(lwm2m_tree_registry(t), path), origin, op,
                                           path, why, why_size);
}
