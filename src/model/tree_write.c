/* tree_write.c - atomic writes to the instance tree: every record checked and
 * planned first, then committed with nothing left to fail, then announced. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/constraint.h"
#include "model/tree-internal.h"
#include "model/tree.h"
#include "util/diag.h"
#include "util/macro.h"

/* ---- writing ----
 *
 * A write runs in three phases so that it is all or nothing:
 *  1. check: every record is resolved against the definitions and converted
 *     into an owned copy (an "op"); any failure returns with the tree untouched;
 *  2. prepare: per instance, a plan per resource, and every allocation the
 *     commit will need (array growth, new resource-instance arrays);
 *  3. commit: moves values into place with operations that cannot fail.
 * Listeners run only after all of it.
 *
 * Where tree.h leaves room:
 *  - the same path given twice: the last record wins (every one is checked);
 *  - a NONE record at a multiple resource names it without values: REPLACE
 *    leaves it empty, UPDATE creates it empty if absent and is otherwise a no-op;
 *  - a base shallower than an instance (root or object) is accepted for UPDATE
 *    only, for Write-Composite; REPLACE needs one instance to replace within;
 *  - REPLACE at a resource instance, or of a single resource, is an UPDATE;
 *    REPLACE of a multiple resource with no records empties it;
 *  - REPLACE of an instance must give every mandatory writable resource
 *    (lwm2m_replace_check_complete), or -EINVAL and nothing changes. */

typedef struct write_op {
        lwm2m_path path;   /* len 3 or 4 */
        size_t order;      /* record index: of duplicate paths, the last one wins */
        lwm2m_value value; /* NONE: a multiple resource named without a value */
        double time;       /* the record's time, when has_time */
        bool has_time;
} write_op;

typedef enum plan_action {
        PLAN_SET_SINGLE,    /* ops[first] is the new value */
        PLAN_UPDATE_MULTI,  /* len-4 ops merged into the existing instances */
        PLAN_REPLACE_MULTI, /* instances become exactly the len-4 ops, in `items` */
        PLAN_REMOVE,        /* instance-level replace dropped this writable resource */
} plan_action;

typedef struct res_plan {
        uint16_t rid;
        plan_action action;
        bool changed;
        bool multiple;
        bool has_time; /* the resource's time after the write */
        double time;
        size_t first_op; /* the resource's ops: [first_op, first_op + n_ops) */
        size_t n_ops;
        tree_res_inst *items; /* REPLACE_MULTI: allocated, filled at commit */
        size_t n_items;
} res_plan;

typedef struct inst_plan {
        uint16_t oid;
        uint16_t iid;
        size_t first_plan;
        size_t n_plans;
} inst_plan;

typedef struct write_ctx {
        write_op *ops;
        size_t n_ops;
        res_plan *plans;
        size_t n_plans;
        size_t cap_plans;
        inst_plan *insts;
        size_t n_insts;
        lwm2m_path *changed; /* event paths, filled after the commit */
} write_ctx;

static void write_ctx_done(write_ctx *w)
{
        for (size_t i = 0; i < w->n_ops; i++)
                lwm2m_value_clear(&w->ops[i].value);
        free(w->ops);
        for (size_t i = 0; i < w->n_plans; i++)
                free(w->plans[i].items);
        free(w->plans);
        free(w->insts);
        free(w->changed);
}

static int compare_ops(const void *a, const void *b)
{
        const write_op *x = a, *y = b;
        int c = lwm2m_path_compare(&x->path, &y->path);
        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int compare_plans(const void *a, const void *b)
{
        const res_plan *x = a, *y = b;
        return x->rid < y->rid ? -1 : x->rid > y->rid;
}

/* Resolves the object, instance and resource a path names (as deep as it goes),
 * with the errors tree.h promises and a sentence for `why`. */
static int resolve_target(const lwm2m_tree *t, const lwm2m_path *p,
                          const lwm2m_object_def **out_obj, const lwm2m_resource_def **out_res,
                          char *why, size_t why_size)
{
        char ps[LWM2M_PATH_STRLEN];
        if (lwm2m_path_format(p, ps, sizeof(ps)) < 0)
                ps[0] = '\0';
        *out_obj = NULL;
        *out_res = NULL;
        if (p->len > LWM2M_PATH_RESOURCE_INSTANCE) {
                lwm2m_diag(why, why_size, "path too deep");
                return -EINVAL;
        }
        for (size_t i = 0; i < p->len; i++) {
                if (p->id[i] == LWM2M_ID_INVALID) {
                        lwm2m_diag(why, why_size, "%s: ID %u is reserved", ps, LWM2M_ID_INVALID);
                        return -EINVAL;
                }
        }
        if (p->len == LWM2M_PATH_ROOT)
                return 0;

        const lwm2m_object_def *obj = lwm2m_registry_find(t->reg, p->id[0]);
        if (!obj) {
                lwm2m_diag(why, why_size, "%s: object %u is not defined", ps, p->id[0]);
                return -ENOENT;
        }
        *out_obj = obj;
        if (p->len == LWM2M_PATH_OBJECT)
                return 0;
        if (!tree_find_instance(t, p->id[0], p->id[1])) {
                lwm2m_diag(why, why_size, "%s: instance %u/%u does not exist", ps, p->id[0],
                           p->id[1]);
                return -ENOENT;
        }
        if (p->len == LWM2M_PATH_INSTANCE)
                return 0;

        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, p->id[2]);
        if (!res) {
                lwm2m_diag(why, why_size, "%s: object %u (%s) defines no resource %u", ps, p->id[0],
                           obj->name ? obj->name : "?", p->id[2]);
                return -ENOENT;
        }
        *out_res = res;
        const char *name = res->name ? res->name : "?";
        if ((res->operations & LWM2M_OP_EXECUTE) || res->type == LWM2M_TYPE_NONE) {
                lwm2m_diag(why, why_size, "%s (%s) is executable and holds no value", ps, name);
                return -EPERM;
        }
        if (p->len == LWM2M_PATH_RESOURCE_INSTANCE && !res->multiple) {
                lwm2m_diag(why, why_size, "%s (%s) is a single resource and has no instances", ps,
                           name);
                return -EINVAL;
        }
        return 0;
}

/* Phase 1 for one record: an owned, converted, validated copy of its value. */
static int check_record(const lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *rec,
                        write_op *op, char *why, size_t why_size)
{
        char ps[LWM2M_PATH_STRLEN];
        if (lwm2m_path_format(&rec->path, ps, sizeof(ps)) < 0)
                ps[0] = '\0';
        if (rec->path.len < LWM2M_PATH_RESOURCE || rec->path.len > LWM2M_PATH_RESOURCE_INSTANCE) {
                lwm2m_diag(why, why_size, "%s: a value must be written to a resource", ps);
                return -EINVAL;
        }
        if (!lwm2m_path_starts_with(&rec->path, base)) {
                char bs[LWM2M_PATH_STRLEN];
                if (lwm2m_path_format(base, bs, sizeof(bs)) < 0)
                        bs[0] = '\0';
                lwm2m_diag(why, why_size, "%s is outside the written path %s", ps, bs);
                return -EINVAL;
        }

        const lwm2m_object_def *obj;
        const lwm2m_resource_def *res;
        int r = resolve_target(t, &rec->path, &obj, &res, why, why_size);
        if (r < 0)
                return r;
        if (!res)
                return -EINVAL; /* unreachable: the path is at least a resource */
        const char *name = res->name ? res->name : "?";

        op->path = rec->path;
        op->value = (lwm2m_value){.type = LWM2M_TYPE_NONE};
        if (rec->has_time && !isfinite(rec->time)) {
                lwm2m_diag(why, why_size, "%s (%s): the time given is not a finite number", ps,
                           name);
                return -EINVAL;
        }
        op->has_time = rec->has_time;
        op->time = rec->time;
        if (rec->value.type == LWM2M_TYPE_NONE) {
                if (res->multiple && rec->path.len == LWM2M_PATH_RESOURCE)
                        return 0;
                lwm2m_diag(why, why_size, "%s (%s): no value given", ps, name);
                return -EINVAL;
        }
        if (res->multiple && rec->path.len == LWM2M_PATH_RESOURCE) {
                lwm2m_diag(why, why_size,
                           "%s (%s) is a multiple resource: values go to its instances", ps, name);
                return -EINVAL;
        }
        if ((unsigned)rec->value.type >= _LWM2M_TYPE_MAX) {
                lwm2m_diag(why, why_size, "%s (%s): unknown value type", ps, name);
                return -EINVAL;
        }

        r = lwm2m_value_copy(&op->value, &rec->value);
        if (r < 0) {
                lwm2m_diag(why, why_size, "%s (%s): %s", ps, name, strerror(-r));
                return r;
        }
        if (op->value.type != res->type) {
                r = lwm2m_value_convert(&op->value, res->type);
                if (r < 0) {
                        lwm2m_diag(why, why_size,
                                   "%s (%s) is of type %s; the %s value given cannot be converted "
                                   "without loss",
                                   ps, name, lwm2m_type_to_string(res->type),
                                   lwm2m_type_to_string(rec->value.type));
                        return -EINVAL;
                }
        }
        return lwm2m_resource_validate(obj, res, &op->value, why, why_size);
}

static int add_plan(write_ctx *w, const res_plan *p)
{
        int r = tree_grow_array((void **)&w->plans, sizeof(res_plan), &w->cap_plans, w->n_plans + 1,
                                true);
        if (r < 0)
                return r;
        w->plans[w->n_plans++] = *p;
        return 0;
}

/* Phase 2 for one multiple resource named by ops [first, first+n). */
static int prepare_multi(write_ctx *w, tree_resource *existing, size_t first, size_t n,
                         bool replace_multi, res_plan *p)
{
        /* A leading len-3 op is only the "resource given" mark (NONE). */
        size_t first_inst = first, n_inst = n;
        if (n_inst > 0 && w->ops[first_inst].path.len == LWM2M_PATH_RESOURCE) {
                first_inst++;
                n_inst--;
        }
        p->first_op = first_inst;
        p->n_ops = n_inst;

        if (!existing || replace_multi) {
                p->action = PLAN_REPLACE_MULTI;
                p->n_items = n_inst;
                if (n_inst > 0) {
                        p->items = calloc(n_inst, sizeof(tree_res_inst));
                        if (!p->items)
                                return -ENOMEM;
                }
                if (!existing || existing->inst.n != n_inst) {
                        p->changed = true;
                        return 0;
                }
                for (size_t i = 0; i < n_inst; i++) {
                        const write_op *op = &w->ops[first_inst + i];
                        const tree_res_inst *old = &existing->inst.items[i];
                        if (old->riid != op->path.id[3] ||
                            !lwm2m_value_equal(&old->value, &op->value)) {
                                p->changed = true;
                                break;
                        }
                }
                return 0;
        }

        p->action = PLAN_UPDATE_MULTI;
        size_t n_new = 0;
        for (size_t i = 0; i < n_inst; i++) {
                const write_op *op = &w->ops[first_inst + i];
                const tree_res_inst *old = tree_find_res_inst(existing, op->path.id[3]);
                if (!old)
                        n_new++;
                if (!old || !lwm2m_value_equal(&old->value, &op->value))
                        p->changed = true;
        }
        if (n_new > 0) {
                size_t cap = existing->inst.cap;
                int r = tree_grow_array((void **)&existing->inst.items, sizeof(tree_res_inst), &cap,
                                        (size_t)existing->inst.n + n_new, false);
                if (r < 0)
                        return r;
                existing->inst.cap = (uint32_t)cap;
        }
        return 0;
}

/* Phase 2 for one instance: plans for the ops [first, first+n) that all
 * belong to it, plus removals when the whole instance is replaced. */
static int prepare_instance(const lwm2m_tree *t, write_ctx *w, uint16_t oid, uint16_t iid,
                            size_t first, size_t n, bool replace_instance, bool replace_multi)
{
        tree_instance *in = tree_find_instance(t, oid, iid);
        const lwm2m_object_def *obj = lwm2m_registry_find(t->reg, oid);
        if (!in || !obj)
                return -ENOENT; /* checked in phase 1 */

        inst_plan ip = {.oid = oid, .iid = iid, .first_plan = w->n_plans};
        size_t n_new_resources = 0;
        for (size_t i = first; i < first + n;) {
                uint16_t rid = w->ops[i].path.id[2];
                size_t j = i;
                while (j < first + n && w->ops[j].path.id[2] == rid)
                        j++;
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
                if (!res)
                        return -ENOENT; /* checked in phase 1 */
                tree_resource *existing = tree_find_resource(in, rid);
                if (existing && existing->multiple != res->multiple)
                        /* Stored under an older definition of the object: the write
                         * replaces it wholesale. */
                        existing = NULL;

                /* The last op of the resource gives its time (all of one push
                 * carry the same). A new time alone is a change: the value was
                 * measured again. */
                res_plan p = {.rid = rid,
                              .multiple = res->multiple,
                              .has_time = w->ops[j - 1].has_time,
                              .time = w->ops[j - 1].time};
                bool time_changed = !existing || existing->has_time != p.has_time ||
                                    (p.has_time && existing->time != p.time);
                if (!res->multiple) {
                        p.action = PLAN_SET_SINGLE;
                        p.first_op = j - 1; /* sorted by order: the last one wins */
                        p.n_ops = 1;
                        p.changed = !existing ||
                                    !lwm2m_value_equal(&existing->value, &w->ops[j - 1].value);
                } else {
                        int r = prepare_multi(w, existing, i, j - i, replace_multi, &p);
                        if (r < 0) {
                                free(p.items);
                                return r;
                        }
                }
                p.changed = p.changed || time_changed;
                if (!tree_find_resource(in, rid))
                        n_new_resources++;
                int r = add_plan(w, &p);
                if (r < 0) {
                        free(p.items);
                        return r;
                }
                i = j;
        }

        if (replace_instance) {
                for (size_t k = 0; k < in->n; k++) {
                        uint16_t rid = in->res[k].rid;
                        bool named = false;
                        for (size_t i = ip.first_plan; i < w->n_plans && !named; i++)
                                named = w->plans[i].rid == rid;
                        if (named)
                                continue;
                        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rid);
                        if (!res || !(res->operations & LWM2M_OP_WRITE))
                                continue;
                        int r = add_plan(
                                w, &(res_plan){.rid = rid, .action = PLAN_REMOVE, .changed = true});
                        if (r < 0)
                                return r;
                }
        }
        ip.n_plans = w->n_plans - ip.first_plan;
        if (ip.n_plans > 0) /* w->plans may still be NULL */
                qsort(&w->plans[ip.first_plan], ip.n_plans, sizeof(res_plan), compare_plans);

        if (n_new_resources > 0) {
                size_t cap = in->cap;
                int r = tree_grow_array((void **)&in->res, sizeof(tree_resource), &cap,
                                        (size_t)in->n + n_new_resources, false);
                if (r < 0)
                        return r;
                in->cap = (uint16_t)cap;
        }

        /* insts was sized for the worst case before phase 2. */
        w->insts[w->n_insts++] = ip;
        return 0;
}

static void move_value(lwm2m_value *dst, lwm2m_value *src)
{
        *dst = *src;
        *src = (lwm2m_value){.type = LWM2M_TYPE_NONE};
}

/* Phase 3 for one resource: cannot fail, everything was reserved. */
static void commit_plan(tree_instance *in, write_ctx *w, res_plan *p)
{
        bool found;
        size_t k = tree_find_index(in->res, in->n, sizeof(tree_resource), p->rid, &found);

        if (p->action == PLAN_REMOVE) {
                if (!found)
                        return;
                tree_resource_clear(&in->res[k]);
                memmove(&in->res[k], &in->res[k + 1], (in->n - k - 1) * sizeof(tree_resource));
                in->n--;
                return;
        }
        if (!found) {
                memmove(&in->res[k + 1], &in->res[k], (in->n - k) * sizeof(tree_resource));
                in->n++;
                in->res[k] = (tree_resource){.rid = p->rid, .multiple = p->multiple};
        } else if (in->res[k].multiple != p->multiple) {
                tree_resource_clear(&in->res[k]);
                in->res[k] = (tree_resource){.rid = p->rid, .multiple = p->multiple};
        }
        tree_resource *r = &in->res[k];
        r->has_time = p->has_time;
        r->time = p->has_time ? p->time : 0;

        switch (p->action) {
        case PLAN_SET_SINGLE:
                lwm2m_value_clear(&r->value);
                move_value(&r->value, &w->ops[p->first_op].value);
                break;
        case PLAN_REPLACE_MULTI:
                tree_resource_clear(r);
                for (size_t i = 0; i < p->n_items; i++) {
                        write_op *op = &w->ops[p->first_op + i];
                        p->items[i].riid = op->path.id[3];
                        move_value(&p->items[i].value, &op->value);
                }
                r->inst.items = TAKE_PTR(p->items);
                r->inst.n = r->inst.cap = (uint32_t)p->n_items;
                break;
        case PLAN_UPDATE_MULTI:
                for (size_t i = 0; i < p->n_ops; i++) {
                        write_op *op = &w->ops[p->first_op + i];
                        size_t m = tree_find_index(r->inst.items, r->inst.n, sizeof(tree_res_inst),
                                                   op->path.id[3], &found);
                        if (found) {
                                if (lwm2m_value_equal(&r->inst.items[m].value, &op->value))
                                        continue;
                                lwm2m_value_clear(&r->inst.items[m].value);
                        } else {
                                memmove(&r->inst.items[m + 1], &r->inst.items[m],
                                        (r->inst.n - m) * sizeof(tree_res_inst));
                                r->inst.n++;
                                r->inst.items[m].riid = op->path.id[3];
                        }
                        move_value(&r->inst.items[m].value, &op->value);
                }
                break;
        case PLAN_REMOVE:
                break;
        }
}

int tree_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
               lwm2m_write_mode mode, const void *origin, bool commit, char *why, size_t why_size)
{
        if (why && why_size > 0)
                why[0] = '\0';
        if (base->len > LWM2M_PATH_RESOURCE_INSTANCE || (n > 0 && !recs) || n > LWM2M_RECORDS_MAX) {
                lwm2m_diag(why, why_size, "invalid write request");
                return -EINVAL;
        }
        /* Replacing needs one instance to replace within; Write-Composite (a
         * shallower base) is a partial update by definition. */
        if (mode == LWM2M_WRITE_REPLACE && base->len < LWM2M_PATH_INSTANCE) {
                lwm2m_diag(why, why_size, "a replacing write needs an instance or resource path");
                return -EINVAL;
        }
        if (mode != LWM2M_WRITE_UPDATE && mode != LWM2M_WRITE_REPLACE)
                return -EINVAL;

        const lwm2m_object_def *base_obj;
        const lwm2m_resource_def *base_res;
        int r = resolve_target(t, base, &base_obj, &base_res, why, why_size);
        if (r < 0)
                return r;

        _cleanup_(write_ctx_done) write_ctx w = {0};
        /* One extra slot: a resource-level replace of a multiple resource names
         * that resource even when no records are given (it becomes empty). */
        w.ops = calloc(n + 1, sizeof(write_op));
        if (!w.ops)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = check_record(t, base, &recs[i], &w.ops[w.n_ops], why, why_size);
                w.n_ops++; /* so that cleanup frees whatever it holds */
                if (r < 0)
                        return r;
                w.ops[w.n_ops - 1].order = i;
        }
        /* Every record is valid; now whether they make a whole instance. Refused
         * before any owner is asked: nothing changes. */
        if (mode == LWM2M_WRITE_REPLACE) {
                r = lwm2m_replace_check_complete(base_obj, base, recs, n, why, why_size);
                if (r < 0)
                        return r;
        }
        if (mode == LWM2M_WRITE_REPLACE && base->len == LWM2M_PATH_RESOURCE && base_res->multiple)
                w.ops[w.n_ops++] = (write_op){.path = *base, .order = n};

        if (w.n_ops > 0)
                qsort(w.ops, w.n_ops, sizeof(write_op), compare_ops);
        /* Of ops with the same path only the last record counts. */
        size_t kept = 0;
        for (size_t i = 0; i < w.n_ops; i++) {
                if (i + 1 < w.n_ops && lwm2m_path_equal(&w.ops[i].path, &w.ops[i + 1].path)) {
                        lwm2m_value_clear(&w.ops[i].value);
                        continue;
                }
                w.ops[kept++] = w.ops[i];
        }
        w.n_ops = kept;

        /* Phase 2. The instance-plan array gets its worst case now so that
         * prepare_instance has one allocation less to fail in. */
        bool replace = mode == LWM2M_WRITE_REPLACE;
        w.insts = calloc(w.n_ops + 1, sizeof(inst_plan));
        if (!w.insts)
                return -ENOMEM;
        if (replace && w.n_ops == 0) {
                /* Only an instance-level replace of an empty record set has work:
                 * it removes the writable resources. */
                if (base->len == LWM2M_PATH_INSTANCE) {
                        r = prepare_instance(t, &w, base->id[0], base->id[1], 0, 0, true, true);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < w.n_ops;) {
                uint16_t oid = w.ops[i].path.id[0], iid = w.ops[i].path.id[1];
                size_t j = i;
                while (j < w.n_ops && w.ops[j].path.id[0] == oid && w.ops[j].path.id[1] == iid)
                        j++;
                r = prepare_instance(t, &w, oid, iid, i, j - i,
                                     replace && base->len == LWM2M_PATH_INSTANCE,
                                     replace && base->len <= LWM2M_PATH_RESOURCE);
                if (r < 0)
                        return r;
                i = j;
        }
        if (w.n_plans > 0) {
                w.changed = calloc(w.n_plans, sizeof(lwm2m_path));
                if (!w.changed)
                        return -ENOMEM;
        }

        if (!commit)
                return 0;

        /* Phase 3: nothing below can fail. */
        for (size_t i = 0; i < w.n_insts; i++) {
                const inst_plan *ip = &w.insts[i];
                tree_instance *in = tree_find_instance(t, ip->oid, ip->iid);
                for (size_t k = ip->first_plan; k < ip->first_plan + ip->n_plans; k++)
                        if (w.plans[k].changed)
                                commit_plan(in, &w, &w.plans[k]);
        }

        /* Listeners last, with paths we own: a listener may read or even write
         * the tree without invalidating what later listeners are given. */
        for (size_t i = 0; i < w.n_insts; i++) {
                const inst_plan *ip = &w.insts[i];
                if (ip->n_plans == 0)
                        continue; /* and w.changed may be NULL */
                size_t n_changed = 0;
                lwm2m_path *paths = &w.changed[ip->first_plan];
                for (size_t k = ip->first_plan; k < ip->first_plan + ip->n_plans; k++)
                        if (w.plans[k].changed)
                                paths[n_changed++] =
                                        lwm2m_path_resource(ip->oid, ip->iid, w.plans[k].rid);
                if (n_changed == 0)
                        continue;
                lwm2m_change c = {
                        .kind = LWM2M_CHANGE_VALUES,
                        .instance = lwm2m_path_instance(ip->oid, ip->iid),
                        .paths = paths,
                        .n_paths = n_changed,
                        .origin = origin,
                };
                tree_notify(t, &c);
        }
        return 0;
}

int lwm2m_tree_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                     lwm2m_write_mode mode, const void *origin, char *why, size_t why_size)
{
        return tree_write(t, base, recs, n, mode, origin, true, why, why_size);
}

int lwm2m_tree_check_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs,
                           size_t n, lwm2m_write_mode mode, char *why, size_t why_size)
{
        return tree_write(t, base, recs, n, mode, NULL, false, why, why_size);
}
