/* access.c - Access Control (object 2) read from the instance tree: the rights of
 * a management server on an instance, who manages them, creator and template rights. */
#include "model/access.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "model/oma.h"
#include "util/diag.h"
#include "util/macro.h"

bool lwm2m_access_enforced(const lwm2m_tree *t)
{
        /* A Server instance without its Short Server ID (being made) names no server. */
        unsigned servers = 0;
        for (int x = lwm2m_tree_next_instance(t, LWM2M_OBJ_SERVER, -1); x >= 0 && servers < 2;
             x = lwm2m_tree_next_instance(t, LWM2M_OBJ_SERVER, x)) {
                lwm2m_path p =
                        lwm2m_path_resource(LWM2M_OBJ_SERVER, (uint16_t)x, LWM2M_SRV_SHORT_ID);
                if (lwm2m_tree_get(t, &p))
                        servers++;
        }
        return servers > 1;
}

/* The Integer at a resource or resource instance of an Access Control instance. */
static bool acl_integer(const lwm2m_tree *t, const lwm2m_path *p, int64_t *out)
{
        const lwm2m_value *v = lwm2m_tree_get(t, p);
        if (!v)
                return false;
        if (v->type == LWM2M_TYPE_INTEGER)
                *out = v->i;
        else if (v->type == LWM2M_TYPE_UNSIGNED && v->u <= INT64_MAX)
                *out = (int64_t)v->u;
        else
                return false;
        return true;
}

/* Whether Access Control instance `acl` is the one for /oid/iid. */
static bool access_targets(const lwm2m_tree *t, uint16_t acl, uint16_t oid, uint16_t iid)
{
        int64_t o, i;
        lwm2m_path po = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_OBJECT_ID);
        lwm2m_path pi = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_INSTANCE_ID);
        return acl_integer(t, &po, &o) && acl_integer(t, &pi, &i) && o == oid && i == iid;
}

int lwm2m_access_find(const lwm2m_tree *t, uint16_t oid, uint16_t iid)
{
        for (int x = lwm2m_tree_next_instance(t, LWM2M_OBJ_ACCESS_CONTROL, -1); x >= 0;
             x = lwm2m_tree_next_instance(t, LWM2M_OBJ_ACCESS_CONTROL, x))
                if (access_targets(t, (uint16_t)x, oid, iid))
                        return x;
        return -ENOENT;
}

/* The owner of Access Control instance `acl`, LWM2M_ACL_OWNER_BOOTSTRAP if it has none. */
static uint16_t acl_owner(const lwm2m_tree *t, uint16_t acl)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_OWNER);
        int64_t v;
        return acl_integer(t, &p, &v) && v >= 0 && v <= UINT16_MAX ? (uint16_t)v
                                                                   : LWM2M_ACL_OWNER_BOOTSTRAP;
}

/* The ACL entry `entry` (a Short Server ID, or 0 for the default) of instance `acl`. */
static bool acl_entry(const lwm2m_tree *t, uint16_t acl, uint16_t entry, unsigned *rights)
{
        lwm2m_path p =
                lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL, entry);
        int64_t v;
        if (!acl_integer(t, &p, &v) || v < 0)
                return false;
        *rights = (unsigned)v;
        return true;
}

/* Core TS 7.3.2.1: an own ACL entry first; the owner without one may do
 * everything; then the default entry; else nothing. `how` says which applied. */
static unsigned instance_rights(const lwm2m_tree *t, uint16_t acl, uint16_t short_id,
                                const char **how)
{
        unsigned rights;
        if (acl_entry(t, acl, short_id, &rights)) {
                *how = "its ACL entry";
                return rights;
        }
        if (acl_owner(t, acl) == short_id) {
                *how = "it is the Access Control Owner";
                return LWM2M_ACL_INSTANCE_RIGHTS;
        }
        if (acl_entry(t, acl, LWM2M_ACL_DEFAULT_ENTRY, &rights)) {
                *how = "the default ACL entry";
                return rights;
        }
        *how = "no ACL entry for it and no default one";
        return 0;
}

static unsigned right_needed(lwm2m_operation op)
{
        switch (op) {
        case LWM2M_OPERATION_READ:
        case LWM2M_OPERATION_WRITE_ATTRIBUTES:
                return LWM2M_ACL_READ;
        case LWM2M_OPERATION_WRITE:
                return LWM2M_ACL_WRITE;
        case LWM2M_OPERATION_EXECUTE:
                return LWM2M_ACL_EXECUTE;
        case LWM2M_OPERATION_DELETE:
                return LWM2M_ACL_DELETE;
        case LWM2M_OPERATION_CREATE:
                return LWM2M_ACL_CREATE;
        case LWM2M_OPERATION_DISCOVER: /* Core TS 7.3.2: no right needed */
        default:
                return 0;
        }
}

_printf_(5, 6) static int unauthorized(lwm2m_operation op, const lwm2m_path *p, char *why,
                                       size_t why_size, const char *fmt, ...)
{
        if (why && why_size > 0) {
                char ps[LWM2M_PATH_STRLEN], reason[200];
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(reason, sizeof(reason), fmt, ap);
                va_end(ap);
                lwm2m_path_format(p, ps, sizeof(ps));
                lwm2m_diag(why, why_size, "%s may not be %s: %s", ps,
                           lwm2m_operation_participle(op), reason);
        }
        return -EACCES;
}

/* The Access Control object's own instances: read by all, managed by their owner. */
static int access_control_check(const lwm2m_tree *t, uint16_t short_id, lwm2m_operation op,
                                const lwm2m_path *p, char *why, size_t why_size)
{
        switch (op) {
        case LWM2M_OPERATION_CREATE:
        case LWM2M_OPERATION_DELETE:
                return unauthorized(op, p, why, why_size,
                                    "Access Control instances come from the configuration or a "
                                    "bootstrap server, or with the instance a server creates");
        case LWM2M_OPERATION_WRITE:
        case LWM2M_OPERATION_EXECUTE: {
                if (p->len < LWM2M_PATH_INSTANCE)
                        return 0; /* not an operation on an object: the policy's to refuse */
                uint16_t owner = acl_owner(t, p->id[1]);
                if (owner == short_id)
                        return 0;
                if (owner == LWM2M_ACL_OWNER_BOOTSTRAP)
                        return unauthorized(op, p, why, why_size,
                                            "only a bootstrap server manages it");
                return unauthorized(op, p, why, why_size,
                                    "only its Access Control Owner, server %u, manages it", owner);
        }
        default:
                return 0;
        }
}

int lwm2m_access_check(const lwm2m_tree *t, uint16_t short_id, lwm2m_operation op,
                       const lwm2m_path *p, char *why, size_t why_size)
{
        assert(t && p);
        if (p->len == LWM2M_PATH_ROOT || !lwm2m_access_enforced(t))
                return 0;
        uint16_t oid = p->id[0];
        if (oid == LWM2M_OBJ_ACCESS_CONTROL)
                return access_control_check(t, short_id, op, p, why, why_size);
        if (op == LWM2M_OPERATION_CREATE) {
                /* Core TS 7.3.2.1: the server's own entry in the object's ACL instance. */
                int acl = lwm2m_access_find(t, oid, LWM2M_ACL_OBJECT_ITSELF);
                unsigned rights = 0;
                if (acl < 0)
                        return unauthorized(op, p, why, why_size,
                                            "no Access Control instance for /%u/%u gives the "
                                            "Create right",
                                            oid, LWM2M_ACL_OBJECT_ITSELF);
                if (!acl_entry(t, (uint16_t)acl, short_id, &rights) || !(rights & LWM2M_ACL_CREATE))
                        return unauthorized(op, p, why, why_size,
                                            "server %u has no Create right in /%u/%d", short_id,
                                            LWM2M_OBJ_ACCESS_CONTROL, acl);
                return 0;
        }
        unsigned needed = right_needed(op);
        if (p->len < LWM2M_PATH_INSTANCE || needed == 0)
                return 0; /* Core TS 7.3.2.4: an object's readers filter its instances */
        int acl = lwm2m_access_find(t, oid, p->id[1]);
        if (acl < 0)
                return unauthorized(op, p, why, why_size,
                                    "no Access Control instance gives server %u rights on /%u/%u",
                                    short_id, oid, p->id[1]);
        const char *how = "";
        unsigned rights = instance_rights(t, (uint16_t)acl, short_id, &how);
        if (!(rights & needed))
                return unauthorized(op, p, why, why_size,
                                    "server %u lacks the right in /%u/%d (%s)", short_id,
                                    LWM2M_OBJ_ACCESS_CONTROL, acl, how);
        return 0;
}

/* Marks the Access Control instances made from a template: their owner in the
 * tree (no operations: nobody is asked anything), and the origin of the changes
 * that make and remove them. */
static const lwm2m_owner_ops template_ops = {0};
static const lwm2m_owner template_owner = {.ops = &template_ops,
                                           .name = "an Access Control template"};

/* lwm2m_access_set, marking the instance as `mark`'s (NULL: nobody's). */
static int access_put(lwm2m_tree *t, uint16_t oid, uint16_t iid, uint16_t owner,
                      const lwm2m_acl_entry *acl, size_t n_acl, const lwm2m_owner *mark,
                      const void *origin, char *why, size_t why_size)
{
        int found = lwm2m_access_find(t, oid, iid);
        uint16_t target = found >= 0 ? (uint16_t)found : LWM2M_ID_INVALID;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list recs = {0};
        const struct {
                uint16_t rid;
                int64_t v;
        } fixed[] = {
                {LWM2M_ACL_OBJECT_ID, oid}, {LWM2M_ACL_INSTANCE_ID, iid}, {LWM2M_ACL_OWNER, owner}};
        int err = 0;
        for (size_t k = 0; k < ELEMENTSOF(fixed) && err == 0; k++) {
                lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, target, fixed[k].rid);
                lwm2m_value v = lwm2m_value_integer(fixed[k].v);
                err = lwm2m_record_list_add_value(&recs, &p, &v);
        }
        for (size_t k = 0; k < n_acl && err == 0; k++) {
                lwm2m_path p = lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, target,
                                                            LWM2M_ACL_ACL, acl[k].short_id);
                lwm2m_value v = lwm2m_value_integer(acl[k].rights);
                err = lwm2m_record_list_add_value(&recs, &p, &v);
        }
        if (err < 0)
                return err;
        if (found < 0)
                return lwm2m_tree_add_instance(t, LWM2M_OBJ_ACCESS_CONTROL, LWM2M_ID_INVALID,
                                               recs.items, recs.n, mark, origin, why, why_size,
                                               NULL);
        /* Left by an instance of the same ID that went another way: the new one's now. */
        lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_ACCESS_CONTROL, target);
        err = lwm2m_tree_write(t, &base, recs.items, recs.n, LWM2M_WRITE_REPLACE, origin, why,
                               why_size);
        if (err == 0)
                lwm2m_tree_set_owner(t, LWM2M_OBJ_ACCESS_CONTROL, target, mark);
        return err;
}

int lwm2m_access_set(lwm2m_tree *t, uint16_t oid, uint16_t iid, uint16_t owner,
                     const lwm2m_acl_entry *acl, size_t n_acl, const void *origin, char *why,
                     size_t why_size)
{
        assert(t && (acl || n_acl == 0));
        return access_put(t, oid, iid, owner, acl, n_acl, NULL, origin, why, why_size);
}

int lwm2m_access_grant_creator(lwm2m_tree *t, uint16_t short_id, uint16_t oid, uint16_t iid,
                               const void *origin, char *why, size_t why_size)
{
        assert(t);
        if (!lwm2m_access_enforced(t) || oid == LWM2M_OBJ_ACCESS_CONTROL)
                return 0;
        return access_put(t, oid, iid, short_id, NULL, 0, NULL, origin, why, why_size);
}

const lwm2m_access_template *lwm2m_access_template_for(const lwm2m_access_template *tpl, size_t n,
                                                       uint16_t oid)
{
        /* Provisioned: Security, Server and Access Control instances. */
        if (oid == LWM2M_OBJ_SECURITY || oid == LWM2M_OBJ_SERVER || oid == LWM2M_OBJ_ACCESS_CONTROL)
                return NULL;
        const lwm2m_access_template *any = NULL;
        for (size_t i = 0; i < n; i++) {
                if (tpl[i].oid == oid)
                        return &tpl[i];
                if (tpl[i].oid == LWM2M_ACL_ANY_OBJECT)
                        any = &tpl[i];
        }
        return any;
}

int lwm2m_access_apply_template(lwm2m_tree *t, const lwm2m_access_template *tpl, size_t n,
                                uint16_t oid, uint16_t iid, char *why, size_t why_size)
{
        assert(t && (tpl || n == 0));
        const lwm2m_access_template *use = lwm2m_access_template_for(tpl, n, oid);
        if (!use || !lwm2m_access_enforced(t) || lwm2m_access_find(t, oid, iid) >= 0)
                return 0;
        int err = access_put(t, oid, iid, use->owner, use->acl, use->n_acl, &template_owner,
                             &template_owner, why, why_size);
        return err < 0 ? err : 1;
}

int lwm2m_access_apply_templates(lwm2m_tree *t, const lwm2m_access_template *tpl, size_t n,
                                 char *why, size_t why_size)
{
        assert(t && (tpl || n == 0));
        if (n == 0 || !lwm2m_access_enforced(t))
                return 0;
        int made = 0;
        for (int oid = lwm2m_tree_next_object(t, -1); oid >= 0;
             oid = lwm2m_tree_next_object(t, oid))
                for (int iid = lwm2m_tree_next_instance(t, (uint16_t)oid, -1); iid >= 0;
                     iid = lwm2m_tree_next_instance(t, (uint16_t)oid, iid)) {
                        int r = lwm2m_access_apply_template(t, tpl, n, (uint16_t)oid, (uint16_t)iid,
                                                            why, why_size);
                        if (r < 0)
                                return r;
                        made += r;
                }
        return made;
}

bool lwm2m_access_from_template(const lwm2m_tree *t, uint16_t acl)
{
        assert(t);
        return lwm2m_tree_get_owner(t, LWM2M_OBJ_ACCESS_CONTROL, acl) == &template_owner;
}

bool lwm2m_access_change_from_template(const lwm2m_change *c)
{
        assert(c);
        return c->origin == &template_owner;
}

void lwm2m_access_follow_change(lwm2m_tree *t, const lwm2m_change *c)
{
        assert(t && c);
        uint16_t oid = c->instance.id[0], iid = c->instance.id[1];
        if (oid == LWM2M_OBJ_ACCESS_CONTROL) {
                /* The daemon's own writes (no origin) leave the mark as it is. */
                if (c->kind == LWM2M_CHANGE_VALUES && c->origin && c->origin != &template_owner &&
                    lwm2m_access_from_template(t, iid))
                        lwm2m_tree_set_owner(t, LWM2M_OBJ_ACCESS_CONTROL, iid, NULL);
                return;
        }
        if (c->kind != LWM2M_CHANGE_INSTANCE_REMOVED)
                return;
        /* Only the template's go: one from the configuration or a server stays. */
        for (int x = lwm2m_tree_next_instance(t, LWM2M_OBJ_ACCESS_CONTROL, -1); x >= 0;
             x = lwm2m_tree_next_instance(t, LWM2M_OBJ_ACCESS_CONTROL, x))
                if (lwm2m_access_from_template(t, (uint16_t)x) &&
                    access_targets(t, (uint16_t)x, oid, iid) &&
                    lwm2m_tree_delete_instance(t, LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)x,
                                               &template_owner) < 0)
                        break;
}

void lwm2m_access_forget(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin)
{
        assert(t);
        if (oid == LWM2M_OBJ_ACCESS_CONTROL)
                return;
        for (int acl; (acl = lwm2m_access_find(t, oid, iid)) >= 0;)
                if (lwm2m_tree_delete_instance(t, LWM2M_OBJ_ACCESS_CONTROL, (uint16_t)acl, origin) <
                    0)
                        break;
}
