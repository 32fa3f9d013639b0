/* tree.c - the instance tree: sorted arrays of objects, instances, resources and
 * resource instances holding validated values; atomic writes and change listeners. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tree-internal.h"
#include "model/tree.h"
#include "util/diag.h"
#include "util/macro.h"

/* Index of the element with `id`, or where it would be inserted. */
size_t tree_find_index(const void *base, size_t n, size_t stride, uint16_t id, bool *found)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint16_t mid_id = *(const uint16_t *)((const char *)base + mid * stride);
                if (mid_id == id) {
                        *found = true;
                        return mid;
                }
                if (mid_id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

/* Grows an array to hold at least `need` elements: 0 or -ENOMEM (old array kept). */
int tree_grow_array(void **items, size_t stride, size_t *cap, size_t need, bool geometric)
{
        if (need <= *cap)
                return 0;
        size_t new_cap = need;
        if (geometric) {
                new_cap = *cap + *cap / 2;
                if (new_cap < need)
                        new_cap = need;
                if (new_cap < 4)
                        new_cap = 4;
        }
        void *p = reallocarray(*items, new_cap, stride);
        if (!p)
                return -ENOMEM;
        *items = p;
        *cap = new_cap;
        return 0;
}

tree_object *tree_find_object(const lwm2m_tree *t, uint16_t oid)
{
        bool found;
        size_t i = tree_find_index(t->objects, t->n_objects, sizeof(tree_object), oid, &found);
        return found ? &t->objects[i] : NULL;
}

tree_instance *tree_find_instance(const lwm2m_tree *t, uint16_t oid, uint16_t iid)
{
        tree_object *o = tree_find_object(t, oid);
        if (!o)
                return NULL;
        bool found;
        size_t i = tree_find_index(o->inst, o->n, sizeof(tree_instance), iid, &found);
        return found ? &o->inst[i] : NULL;
}

tree_resource *tree_find_resource(const tree_instance *in, uint16_t rid)
{
        bool found;
        size_t i = tree_find_index(in->res, in->n, sizeof(tree_resource), rid, &found);
        return found ? &in->res[i] : NULL;
}

tree_res_inst *tree_find_res_inst(const tree_resource *r, uint16_t riid)
{
        bool found;
        size_t i = tree_find_index(r->inst.items, r->inst.n, sizeof(tree_res_inst), riid, &found);
        return found ? &r->inst.items[i] : NULL;
}

void tree_resource_clear(tree_resource *r)
{
        if (r->multiple) {
                for (size_t i = 0; i < r->inst.n; i++)
                        lwm2m_value_clear(&r->inst.items[i].value);
                free(r->inst.items);
                r->inst.items = NULL;
                r->inst.n = r->inst.cap = 0;
        } else {
                lwm2m_value_clear(&r->value);
        }
}

void tree_instance_clear(tree_instance *in)
{
        for (size_t i = 0; i < in->n; i++)
                tree_resource_clear(&in->res[i]);
        free(in->res);
        in->res = NULL;
        in->n = in->cap = 0;
}

void tree_notify(lwm2m_tree *t, const lwm2m_change *c)
{
        if (t->quiet > 0)
                return;
        if (t->loud_listeners > 0)
                t->callouts++;
        /* By index, re-reading the count: a listener may write to the tree and
         * cause nested notifications, which is fine as long as the listener
         * array itself is left alone (tree.h forbids that). */
        for (size_t i = 0; i < t->n_listeners; i++)
                t->listeners[i].fn(t->listeners[i].userdata, c);
}

void tree_notify_instance(lwm2m_tree *t, lwm2m_change_kind kind, uint16_t oid, uint16_t iid,
                          const void *origin)
{
        lwm2m_change c = {
                .kind = kind,
                .instance = lwm2m_path_instance(oid, iid),
                .origin = origin,
        };
        tree_notify(t, &c);
}

lwm2m_tree *lwm2m_tree_new(const lwm2m_registry *reg)
{
        if (!reg) {
                errno = EINVAL;
                return NULL;
        }
        lwm2m_tree *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->reg = reg;
        return t;
}

void lwm2m_tree_free(lwm2m_tree *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n_objects; i++) {
                tree_object *o = &t->objects[i];
                for (size_t j = 0; j < o->n; j++)
                        tree_instance_clear(&o->inst[j]);
                free(o->inst);
        }
        free(t->objects);
        free(t->listeners);
        free(t->object_owners);
        free(t);
}

const lwm2m_registry *lwm2m_tree_registry(const lwm2m_tree *t)
{
        return t->reg;
}

uint64_t lwm2m_tree_callouts(const lwm2m_tree *t)
{
        assert(t);
        return t->callouts;
}

void lwm2m_tree_note_callout(lwm2m_tree *t)
{
        assert(t);
        t->callouts++;
}

static int add_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata, bool quiet)
{
        if (!fn)
                return -EINVAL;
        int r = tree_grow_array((void **)&t->listeners, sizeof(tree_listener), &t->cap_listeners,
                                t->n_listeners + 1, true);
        if (r < 0)
                return r;
        t->listeners[t->n_listeners++] = (tree_listener){fn, userdata, quiet};
        if (!quiet)
                t->loud_listeners++;
        return 0;
}

int lwm2m_tree_add_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata)
{
        return add_listener(t, fn, userdata, false);
}

int lwm2m_tree_add_quiet_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata)
{
        return add_listener(t, fn, userdata, true);
}

void lwm2m_tree_remove_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata)
{
        for (size_t i = 0; i < t->n_listeners; i++) {
                if (t->listeners[i].fn == fn && t->listeners[i].userdata == userdata) {
                        if (!t->listeners[i].quiet)
                                t->loud_listeners--;
                        memmove(&t->listeners[i], &t->listeners[i + 1],
                                (t->n_listeners - i - 1) * sizeof(tree_listener));
                        t->n_listeners--;
                        return;
                }
        }
}

/* The lowest ID not in the sorted array, or LWM2M_ID_INVALID when all are used. */
static uint16_t lowest_free_iid(const tree_object *o)
{
        if (!o)
                return 0;
        /* IDs are sorted and unique, so the first slot whose ID exceeds its
         * index marks a gap; binary search finds it. */
        size_t lo = 0, hi = o->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (o->inst[mid].iid == mid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo >= LWM2M_ID_INVALID ? LWM2M_ID_INVALID : (uint16_t)lo;
}

uint16_t lwm2m_tree_free_instance_id(const lwm2m_tree *t, uint16_t oid)
{
        assert(t);
        return lowest_free_iid(tree_find_object(t, oid));
}

int lwm2m_tree_create_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin,
                               uint16_t *out_iid)
{
        if (oid == LWM2M_ID_INVALID)
                return -EINVAL;
        const lwm2m_object_def *def = lwm2m_registry_find(t->reg, oid);
        if (!def)
                return -ENOENT;

        bool found;
        size_t oi = tree_find_index(t->objects, t->n_objects, sizeof(tree_object), oid, &found);
        tree_object *o = found ? &t->objects[oi] : NULL;

        if (iid != LWM2M_ID_INVALID && o) {
                bool exists;
                tree_find_index(o->inst, o->n, sizeof(tree_instance), iid, &exists);
                if (exists)
                        return -EEXIST;
        }
        if (!def->multiple && o && o->n > 0)
                return -ENOSPC;
        if (iid == LWM2M_ID_INVALID) {
                iid = lowest_free_iid(o);
                if (iid == LWM2M_ID_INVALID)
                        return -ENOSPC;
        }

        if (!o) {
                int r = tree_grow_array((void **)&t->objects, sizeof(tree_object), &t->cap_objects,
                                        t->n_objects + 1, true);
                if (r < 0)
                        return r;
                memmove(&t->objects[oi + 1], &t->objects[oi],
                        (t->n_objects - oi) * sizeof(tree_object));
                t->objects[oi] = (tree_object){.oid = oid};
                t->n_objects++;
                o = &t->objects[oi];
        }

        size_t cap = o->cap;
        int r = tree_grow_array((void **)&o->inst, sizeof(tree_instance), &cap, (size_t)o->n + 1,
                                true);
        if (r < 0) {
                if (o->n == 0) {
                        /* Leave no empty object behind: next_object lists only
                         * objects with instances. */
                        free(o->inst);
                        memmove(&t->objects[oi], &t->objects[oi + 1],
                                (t->n_objects - oi - 1) * sizeof(tree_object));
                        t->n_objects--;
                }
                return r;
        }
        o->cap = (uint32_t)cap;
        size_t ii = tree_find_index(o->inst, o->n, sizeof(tree_instance), iid, &found);
        memmove(&o->inst[ii + 1], &o->inst[ii], (o->n - ii) * sizeof(tree_instance));
        o->inst[ii] = (tree_instance){.iid = iid, .owner = lwm2m_tree_get_object_owner(t, oid)};
        o->n++;

        if (out_iid)
                *out_iid = iid;
        tree_notify_instance(t, LWM2M_CHANGE_INSTANCE_ADDED, oid, iid, origin);
        return 0;
}

int lwm2m_tree_delete_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin)
{
        bool found;
        size_t oi = tree_find_index(t->objects, t->n_objects, sizeof(tree_object), oid, &found);
        if (!found)
                return -ENOENT;
        tree_object *o = &t->objects[oi];
        size_t ii = tree_find_index(o->inst, o->n, sizeof(tree_instance), iid, &found);
        if (!found)
                return -ENOENT;

        tree_instance_clear(&o->inst[ii]);
        memmove(&o->inst[ii], &o->inst[ii + 1], (o->n - ii - 1) * sizeof(tree_instance));
        o->n--;
        if (o->n == 0) {
                free(o->inst);
                memmove(&t->objects[oi], &t->objects[oi + 1],
                        (t->n_objects - oi - 1) * sizeof(tree_object));
                t->n_objects--;
        } else if (o->cap > 16 && o->n < o->cap / 4) {
                /* Give memory back after mass deletions; failure to shrink is harmless. */
                tree_instance *p = reallocarray(o->inst, o->cap / 2, sizeof(tree_instance));
                if (p) {
                        o->inst = p;
                        o->cap /= 2;
                }
        }

        tree_notify_instance(t, LWM2M_CHANGE_INSTANCE_REMOVED, oid, iid, origin);
        return 0;
}

bool lwm2m_tree_has_instance(const lwm2m_tree *t, uint16_t oid, uint16_t iid)
{
        return tree_find_instance(t, oid, iid) != NULL;
}

int lwm2m_tree_next_instance(const lwm2m_tree *t, uint16_t oid, int after)
{
        const tree_object *o = tree_find_object(t, oid);
        if (!o || after >= LWM2M_ID_INVALID - 1)
                return -ENOENT;
        if (after < -1)
                after = -1;
        bool found;
        size_t i = tree_find_index(o->inst, o->n, sizeof(tree_instance), (uint16_t)(after + 1),
                                   &found);
        return i < o->n ? o->inst[i].iid : -ENOENT;
}

size_t lwm2m_tree_instance_count(const lwm2m_tree *t, uint16_t oid)
{
        const tree_object *o = tree_find_object(t, oid);
        return o ? o->n : 0;
}

int lwm2m_tree_next_object(const lwm2m_tree *t, int after)
{
        if (after >= LWM2M_ID_INVALID - 1)
                return -ENOENT;
        if (after < -1)
                after = -1;
        bool found;
        size_t i = tree_find_index(t->objects, t->n_objects, sizeof(tree_object),
                                   (uint16_t)(after + 1), &found);
        return i < t->n_objects ? t->objects[i].oid : -ENOENT;
}

const lwm2m_value *lwm2m_tree_get(const lwm2m_tree *t, const lwm2m_path *path)
{
        if (path->len < LWM2M_PATH_RESOURCE)
                return NULL;
        const tree_instance *in = tree_find_instance(t, path->id[0], path->id[1]);
        if (!in)
                return NULL;
        const tree_resource *r = tree_find_resource(in, path->id[2]);
        if (!r)
                return NULL;
        if (path->len == LWM2M_PATH_RESOURCE)
                return r->multiple ? NULL : &r->value;
        if (path->len != LWM2M_PATH_RESOURCE_INSTANCE || !r->multiple)
                return NULL;
        const tree_res_inst *ri = tree_find_res_inst(r, path->id[3]);
        return ri ? &ri->value : NULL;
}

/* ---- reading ---- */

/* Appends one value of `r` with the resource's time. */
static int read_value(const tree_resource *r, const lwm2m_path *p, const lwm2m_value *v,
                      lwm2m_record_list *out)
{
        int ret = lwm2m_record_list_add_value(out, p, v);
        if (ret < 0)
                return ret;
        out->items[out->n - 1].has_time = r->has_time;
        out->items[out->n - 1].time = r->has_time ? r->time : 0;
        return 0;
}

static int read_resource(const tree_resource *r, uint16_t oid, uint16_t iid, lwm2m_record_list *out)
{
        lwm2m_path p = lwm2m_path_resource(oid, iid, r->rid);
        if (!r->multiple)
                return read_value(r, &p, &r->value, out);
        if (r->inst.n == 0)
                return lwm2m_record_list_add(out, &p) ? 0 : -errno;
        for (size_t i = 0; i < r->inst.n; i++) {
                lwm2m_path pi =
                        lwm2m_path_resource_instance(oid, iid, r->rid, r->inst.items[i].riid);
                int ret = read_value(r, &pi, &r->inst.items[i].value, out);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static int read_instance(const tree_instance *in, uint16_t oid, lwm2m_record_list *out)
{
        if (in->n == 0) {
                lwm2m_path p = lwm2m_path_instance(oid, in->iid);
                return lwm2m_record_list_add(out, &p) ? 0 : -errno;
        }
        for (size_t i = 0; i < in->n; i++) {
                int r = read_resource(&in->res[i], oid, in->iid, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_object(const tree_object *o, lwm2m_record_list *out)
{
        for (size_t i = 0; i < o->n; i++) {
                int r = read_instance(&o->inst[i], o->oid, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_path(const lwm2m_tree *t, const lwm2m_path *path, lwm2m_record_list *out)
{
        if (path->len == LWM2M_PATH_ROOT) {
                for (size_t i = 0; i < t->n_objects; i++) {
                        int r = read_object(&t->objects[i], out);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (path->len == LWM2M_PATH_OBJECT) {
                const tree_object *o = tree_find_object(t, path->id[0]);
                if (o)
                        return read_object(o, out);
                /* A defined object without instances exists; it reads as nothing. */
                return lwm2m_registry_find(t->reg, path->id[0]) ? 0 : -ENOENT;
        }
        if (path->len > LWM2M_PATH_RESOURCE_INSTANCE)
                return -EINVAL;

        const tree_instance *in = tree_find_instance(t, path->id[0], path->id[1]);
        if (!in)
                return -ENOENT;
        if (path->len == LWM2M_PATH_INSTANCE)
                return read_instance(in, path->id[0], out);
        const tree_resource *r = tree_find_resource(in, path->id[2]);
        if (!r)
                return -ENOENT;
        if (path->len == LWM2M_PATH_RESOURCE)
                return read_resource(r, path->id[0], path->id[1], out);
        if (!r->multiple)
                return -ENOENT;
        const tree_res_inst *ri = tree_find_res_inst(r, path->id[3]);
        if (!ri)
                return -ENOENT;
        return read_value(r, path, &ri->value, out);
}

int lwm2m_tree_read(const lwm2m_tree *t, const lwm2m_path *path, lwm2m_record_list *out)
{
        size_t n0 = out->n;
        int r = read_path(t, path, out);
        if (r < 0) {
                /* Leave the caller's list as it was, not half-filled. */
                for (size_t i = n0; i < out->n; i++)
                        lwm2m_value_clear(&out->items[i].value);
                out->n = n0;
        }
        return r;
}

int lwm2m_tree_set_owner(lwm2m_tree *t, uint16_t oid, uint16_t iid, const lwm2m_owner *owner)
{
        tree_instance *in = tree_find_instance(t, oid, iid);
        if (!in)
                return -ENOENT;
        in->owner = owner;
        return 0;
}

const lwm2m_owner *lwm2m_tree_get_owner(const lwm2m_tree *t, uint16_t oid, uint16_t iid)
{
        const tree_instance *in = tree_find_instance(t, oid, iid);
        return in ? in->owner : NULL;
}

int lwm2m_tree_set_object_owner(lwm2m_tree *t, uint16_t oid, const lwm2m_owner *owner)
{
        bool found;
        size_t i = tree_find_index(t->object_owners, t->n_object_owners, sizeof(tree_object_owner),
                                   oid, &found);
        if (found) {
                if (owner) {
                        t->object_owners[i].owner = owner;
                } else {
                        memmove(&t->object_owners[i], &t->object_owners[i + 1],
                                (t->n_object_owners - i - 1) * sizeof(tree_object_owner));
                        t->n_object_owners--;
                }
                return 0;
        }
        if (!owner)
                return 0;
        int r = tree_grow_array((void **)&t->object_owners, sizeof(tree_object_owner),
                                &t->cap_object_owners, t->n_object_owners + 1, true);
        if (r < 0)
                return r;
        memmove(&t->object_owners[i + 1], &t->object_owners[i],
                (t->n_object_owners - i) * sizeof(tree_object_owner));
        t->object_owners[i] = (tree_object_owner){.oid = oid, .owner = owner};
        t->n_object_owners++;
        return 0;
}

const lwm2m_owner *lwm2m_tree_get_object_owner(const lwm2m_tree *t, uint16_t oid)
{
        bool found;
        size_t i = tree_find_index(t->object_owners, t->n_object_owners, sizeof(tree_object_owner),
                                   oid, &found);
        return found ? t->object_owners[i].owner : NULL;
}

int lwm2m_tree_set(lwm2m_tree *t, const lwm2m_path *path, const lwm2m_value *v, const void *origin,
                   char *why, size_t why_size)
{
        lwm2m_record rec = {.path = *path, .value = *v};
        return lwm2m_tree_write(t, path, &rec, 1, LWM2M_WRITE_UPDATE, origin, why, why_size);
}

int lwm2m_tree_remove(lwm2m_tree *t, const lwm2m_path *path, const void *origin)
{
        if (path->len != LWM2M_PATH_RESOURCE && path->len != LWM2M_PATH_RESOURCE_INSTANCE)
                return -EINVAL;
        tree_instance *in = tree_find_instance(t, path->id[0], path->id[1]);
        if (!in)
                return -ENOENT;
        bool found;
        size_t k = tree_find_index(in->res, in->n, sizeof(tree_resource), path->id[2], &found);
        if (!found)
                return -ENOENT;
        tree_resource *r = &in->res[k];

        if (path->len == LWM2M_PATH_RESOURCE) {
                tree_resource_clear(r);
                memmove(&in->res[k], &in->res[k + 1], (in->n - k - 1) * sizeof(tree_resource));
                in->n--;
        } else {
                if (!r->multiple)
                        return -ENOENT;
                size_t m = tree_find_index(r->inst.items, r->inst.n, sizeof(tree_res_inst),
                                           path->id[3], &found);
                if (!found)
                        return -ENOENT;
                lwm2m_value_clear(&r->inst.items[m].value);
                memmove(&r->inst.items[m], &r->inst.items[m + 1],
                        (r->inst.n - m - 1) * sizeof(tree_res_inst));
                r->inst.n--;
                /* The resource itself stays, empty: it still exists. */
        }

        lwm2m_path changed = lwm2m_path_resource(path->id[0], path->id[1], path->id[2]);
        lwm2m_change c = {
                .kind = LWM2M_CHANGE_VALUES,
                .instance = lwm2m_path_instance(path->id[0], path->id[1]),
                .paths = &changed,
                .n_paths = 1,
                .origin = origin,
        };
        tree_notify(t, &c);
        return 0;
}

/* Made and filled while quiet, then announced once: listeners never see the
 * instance without its values, and a refused value leaves nothing behind. */
static int add_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const lwm2m_record *recs,
                        size_t n, const lwm2m_owner *owner, const void *origin, bool commit,
                        char *why, size_t why_size, uint16_t *out_iid)
{
        assert(t && (recs || n == 0));
        uint16_t made;
        t->quiet++;
        int r = lwm2m_tree_create_instance(t, oid, iid, origin, &made);
        if (r < 0) {
                t->quiet--;
                return r;
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        for (size_t i = 0; i < n && r >= 0; i++) {
                lwm2m_path p = recs[i].path;
                p.id[1] = made;
                r = lwm2m_record_list_add_value(&l, &p, &recs[i].value);
                if (r >= 0) {
                        l.items[l.n - 1].has_time = recs[i].has_time;
                        l.items[l.n - 1].time = recs[i].time;
                }
        }
        lwm2m_path ip = lwm2m_path_instance(oid, made);
        if (r >= 0)
                r = tree_write(t, &ip, l.items, l.n, LWM2M_WRITE_UPDATE, origin, commit, why,
                               why_size);
        if (r >= 0 && commit) {
                tree_instance *in = tree_find_instance(t, oid, made);
                if (owner)
                        in->owner = owner;
        }
        if (r < 0 || !commit)
                lwm2m_tree_delete_instance(t, oid, made, origin);
        t->quiet--;
        if (r < 0)
                return r;
        if (out_iid)
                *out_iid = made;
        if (commit)
                tree_notify_instance(t, LWM2M_CHANGE_INSTANCE_ADDED, oid, made, origin);
        return 0;
}

int lwm2m_tree_add_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const lwm2m_record *recs,
                            size_t n, const lwm2m_owner *owner, const void *origin, char *why,
                            size_t why_size, uint16_t *out_iid)
{
        return add_instance(t, oid, iid, recs, n, owner, origin, true, why, why_size, out_iid);
}

int lwm2m_tree_check_add_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid,
                                  const lwm2m_record *recs, size_t n, char *why, size_t why_size)
{
        return add_instance(t, oid, iid, recs, n, NULL, NULL, false, why, why_size, NULL);
}

int lwm2m_tree_path_exists(const lwm2m_tree *t, const lwm2m_path *p, bool defined_is_enough)
{
        assert(t && p);
        if (p->len == 0)
                return 0;
        const lwm2m_object_def *obj = lwm2m_registry_find(t->reg, p->id[0]);
        if (!obj)
                return -ENOENT;
        if (p->len >= LWM2M_PATH_INSTANCE && !lwm2m_tree_has_instance(t, p->id[0], p->id[1]))
                return -ENOENT;
        if (p->len >= LWM2M_PATH_RESOURCE) {
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, p->id[2]);
                if (!res)
                        return -ENOENT;
                if (p->len == LWM2M_PATH_RESOURCE_INSTANCE && !res->multiple)
                        return -ENOENT;
                if (!defined_is_enough && res->type != LWM2M_TYPE_NONE && !lwm2m_tree_get(t, p)) {
                        /* A multiple resource exists if a read finds it, even empty. */
                        lwm2m_record_list l = {0};
                        int rr = lwm2m_tree_read(t, p, &l);
                        lwm2m_record_list_free(&l);
                        if (rr < 0)
                                return -ENOENT;
                }
        }
        return 0;
}
