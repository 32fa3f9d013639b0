/* owner.c - local services that own instances: tracked by unique bus name, asked
 * through org.lwm2md1.Owner calls when a server writes, executes, deletes or reads. */
#include "bus/owner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus/context.h"
#include "bus/convert.h"
#include "bus/errors.h"
#include "bus/ledger.h"
#include "bus/paths.h"

typedef enum call_kind {
        CALL_WRITE,
        CALL_EXECUTE,
        CALL_DELETE,
        CALL_READ,
        CALL_CREATE,
} call_kind;

static const char *const call_names[] = {"Write", "Execute", "Delete", "Read", "Create"};

/* One org.lwm2md1.Owner call in flight, on behalf of `request`. */
typedef struct owner_call {
        struct owner_call *next;
        bus_owner *o;
        sd_bus_slot *slot;
        call_kind kind;
        lwm2m_path path;
        lwm2m_ask ask;
} owner_call;

/* Resources of one instance that the owner wants read from it (SetOnDemand). */
typedef struct on_demand {
        struct on_demand *next;
        uint16_t oid;
        uint16_t iid;
        size_t n;
        uint16_t rids[];
} on_demand;

struct bus_owner {
        bus_owner *next;
        lwm2m_bus *b;
        char *name; /* unique bus name; NULL while on the spare list */
        sd_bus_track *track;
        lwm2m_owner owner;
        owner_call *calls;
        on_demand *on_demand;
        /* Objects whose server Creates this provider takes (ManageObject). */
        uint16_t *managed;
        size_t n_managed;
};

static const lwm2m_owner_ops bus_owner_ops;
/* ---- calls ---- */

static void call_finish(owner_call *c, int error)
{
        bus_owner *o = c->o;
        for (owner_call **pp = &o->calls; *pp; pp = &(*pp)->next)
                if (*pp == c) {
                        *pp = c->next;
                        break;
                }
        sd_bus_slot_unref(c->slot);
        lwm2m_ask ask = c->ask;
        free(c);
        lwm2m_ask_reply(ask, error);
}

/* The values an owner gave for its on-demand resources go into the tree. */
static int apply_read_reply(owner_call *c, sd_bus_message *reply)
{
        bus_owner *o = c->o;
        lwm2m_bus *b = o->b;
        const lwm2m_object_def *obj = lwm2m_registry_find(b->reg, c->path.id[0]);
        if (!obj || !lwm2m_tree_has_instance(b->tree, c->path.id[0], c->path.id[1]))
                return -ENOENT;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int r = convert_read_values(b, reply, obj, c->path.id[1], true, &l, &e);
        char why[512] = "";
        if (r >= 0) {
                lwm2m_path ip = lwm2m_path_truncate(&c->path, LWM2M_PATH_INSTANCE);
                r = lwm2m_tree_write(b->tree, &ip, l.items, l.n, LWM2M_WRITE_UPDATE, b, why,
                                     sizeof(why));
        }
        if (r < 0) {
                lwm2m_logf(&b->log, LOG_WARNING, "provider %s answered Read with bad values: %s",
                           o->name,
                           e.message ? e.message
                           : why[0]  ? why
                                     : strerror(-r));
                return -EIO;
        }
        return 0;
}

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        owner_call *c = userdata;
        bus_owner *o = c->o;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int err = 0;
        if (e) {
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT)) {
                        /* No Owner interface: writes and deletes are simply
                         * accepted, stored values answer reads, executes are refused. */
                        err = c->kind == CALL_EXECUTE ? -EPERM : 0;
                } else {
                        err = bus_errno_from_error(e);
                        char p[LWM2M_PATH_STRLEN];
                        lwm2m_path_format(&c->path, p, sizeof(p));
                        lwm2m_logf(&o->b->log, LOG_INFO, "provider %s: %s %s: %s: %s", o->name,
                                   call_names[c->kind], p, e->name, e->message ? e->message : "");
                }
        } else if (c->kind == CALL_READ) {
                err = apply_read_reply(c, reply);
        }
        call_finish(c, err);
        return 0;
}

static int new_call(bus_owner *o, const lwm2m_path *path, call_kind kind, sd_bus_message **m)
{
        char p[64];
        /* Create is asked of the object (the instance is not there yet). */
        if (kind == CALL_CREATE)
                snprintf(p, sizeof(p), BUS_OBJECT_PATH "/%u", (unsigned)path->id[0]);
        else
                export_instance_path(path->id[0], path->id[1], p, sizeof(p));
        return sd_bus_message_new_method_call(o->b->bus, m, o->name, p, BUS_IFACE_OWNER,
                                              call_names[kind]);
}

static int send_call(bus_owner *o, call_kind kind, const lwm2m_path *path, sd_bus_message *m,
                     lwm2m_ask ask)
{
        owner_call *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (owner_call){.o = o, .kind = kind, .path = *path, .ask = ask};
        /* No timeout of our own: the request that asked has the one deadline
         * (model/request.h) and cancels the call through owner_cancel. */
        int r = sd_bus_call_async(o->b->bus, &c->slot, m, on_call_reply, c, 0);
        if (r < 0) {
                free(c);
                lwm2m_logf(&o->b->log, LOG_WARNING, "cannot call provider %s: %s", o->name,
                           strerror(-r));
                return -EIO;
        }
        c->next = o->calls;
        o->calls = c;
        return 0;
}

/* ---- the lwm2m_owner operations ---- */

static int owner_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                       lwm2m_write_mode mode, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        const lwm2m_object_def *obj = lwm2m_registry_find(o->b->reg, base->id[0]);
        if (!obj)
                return -ENOENT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = new_call(o, base, CALL_WRITE, &m);
        if (r >= 0)
                r = convert_append_records(m, obj, recs, n);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        return send_call(o, CALL_WRITE, base, m, ask);
}

static int owner_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                         size_t args_len, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        _cleanup_free_ char *text = NULL;
        int r = bus_execute_arguments(args, args_len, &text);
        if (r < 0)
                return r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = new_call(o, resource, CALL_EXECUTE, &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "qs", resource->id[2], text);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        return send_call(o, CALL_EXECUTE, resource, m, ask);
}

static int owner_create(void *userdata, const lwm2m_path *instance, const lwm2m_record *recs,
                        size_t n, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        const lwm2m_object_def *obj = lwm2m_registry_find(o->b->reg, instance->id[0]);
        if (!obj)
                return -ENOENT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = new_call(o, instance, CALL_CREATE, &m);
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 'q', &instance->id[1]);
        if (r >= 0)
                r = convert_append_records(m, obj, recs, n);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        return send_call(o, CALL_CREATE, instance, m, ask);
}

static int owner_remove(void *userdata, const lwm2m_path *instance, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = new_call(o, instance, CALL_DELETE, &m);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        return send_call(o, CALL_DELETE, instance, m, ask);
}

static on_demand *on_demand_find(bus_owner *o, uint16_t oid, uint16_t iid)
{
        for (on_demand *d = o->on_demand; d; d = d->next)
                if (d->oid == oid && d->iid == iid)
                        return d;
        return NULL;
}

/* Only a path that includes one of the instance's on-demand resources (SetOnDemand)
 * needs the provider asked; the rest is answered from the pushed values. */
static bool owner_refreshes(void *userdata, const lwm2m_path *path)
{
        on_demand *d = path->len >= LWM2M_PATH_INSTANCE
                               ? on_demand_find(userdata, path->id[0], path->id[1])
                               : NULL;
        if (!d || path->len == LWM2M_PATH_INSTANCE)
                return d != NULL;
        for (size_t i = 0; i < d->n; i++)
                if (d->rids[i] == path->id[2])
                        return true;
        return false;
}

static int owner_refresh(void *userdata, const lwm2m_path *path, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        on_demand *d = path->len >= 2 ? on_demand_find(o, path->id[0], path->id[1]) : NULL;
        uint16_t wanted[1];
        const uint16_t *rids = NULL;
        size_t n = 0;
        if (d && path->len == LWM2M_PATH_INSTANCE) {
                rids = d->rids;
                n = d->n;
        } else if (d) {
                for (size_t i = 0; i < d->n && n == 0; i++)
                        if (d->rids[i] == path->id[2]) {
                                wanted[0] = d->rids[i];
                                rids = wanted;
                                n = 1;
                        }
        }
        if (n == 0) {
                /* Nothing kept by the owner here: the stored values answer. */
                lwm2m_ask_reply(ask, 0);
                return 0;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = new_call(o, path, CALL_READ, &m);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'q', rids, n * sizeof(uint16_t));
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        lwm2m_path ip = lwm2m_path_truncate(path, LWM2M_PATH_INSTANCE);
        return send_call(o, CALL_READ, &ip, m, ask);
}

static void owner_cancel(void *userdata, lwm2m_ask ask)
{
        bus_owner *o = userdata;
        owner_call **pp = &o->calls;
        while (*pp) {
                owner_call *c = *pp;
                if (c->ask.requests != ask.requests || c->ask.id != ask.id) {
                        pp = &c->next;
                        continue;
                }
                *pp = c->next;
                sd_bus_slot_unref(c->slot);
                free(c);
        }
}

static const lwm2m_owner_ops bus_owner_ops = {
        .write = owner_write,
        .execute = owner_execute,
        .create = owner_create,
        .remove = owner_remove,
        .refresh = owner_refresh,
        .refreshes = owner_refreshes,
        .cancel = owner_cancel,
};

/* ---- owners ---- */

/* The Provider property of an object definition changed (PropertiesChanged). */
static void emit_provider_changed(lwm2m_bus *b, uint16_t oid)
{
        if (!b->bus)
                return;
        char path[48];
        snprintf(path, sizeof(path), BUS_OBJECT_PATH "/%u", (unsigned)oid);
        int r = sd_bus_emit_properties_changed(b->bus, path, BUS_IFACE_OBJECT, "Provider", NULL);
        if (r < 0)
                lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce the provider of %s: %s", path,
                           strerror(-r));
}

const char *owner_bus_name(const lwm2m_owner *lo)
{
        return lo && lo->ops == &bus_owner_ops ? lo->name : NULL;
}

bool owner_is_sender(lwm2m_bus *b, uint16_t oid, uint16_t iid, const char *sender)
{
        const char *name = owner_bus_name(lwm2m_tree_get_owner(b->tree, oid, iid));
        return name && sender && strcmp(name, sender) == 0;
}

const lwm2m_owner *owner_lwm2m(bus_owner *o)
{
        return &o->owner;
}

/* Owners whose provider left stay on the list, nameless, for the next
 * provider rather than being freed: the engine may still hold a pointer to the
 * lwm2m_owner of a request that involved several owners (Write-Composite) and
 * cancel through it on a timeout. They are as many as the most providers ever
 * connected at once. */
static bus_owner *spare_owner(lwm2m_bus *b)
{
        bus_owner *o = b->owners;
        while (o && o->name)
                o = o->next;
        return o;
}

size_t owner_remove_instances(lwm2m_bus *b, const lwm2m_owner *owner)
{
        /* Collected first: a listener must not see the walk half done. */
        size_t n = 0, cap = 0;
        lwm2m_path *gone = NULL;
        for (int oid = lwm2m_tree_next_object(b->tree, -1); oid >= 0;
             oid = lwm2m_tree_next_object(b->tree, oid))
                for (int iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, -1); iid >= 0;
                     iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, iid)) {
                        if (lwm2m_tree_get_owner(b->tree, (uint16_t)oid, (uint16_t)iid) != owner)
                                continue;
                        if (n == cap) {
                                size_t nc = cap ? cap * 2 : 8;
                                lwm2m_path *v = realloc(gone, nc * sizeof(*v));
                                if (!v) {
                                        /* Cannot remember it: stop pointing at the owner. */
                                        lwm2m_tree_set_owner(b->tree, (uint16_t)oid, (uint16_t)iid,
                                                             NULL);
                                        continue;
                                }
                                gone = v;
                                cap = nc;
                        }
                        gone[n++] = lwm2m_path_instance((uint16_t)oid, (uint16_t)iid);
                }
        for (size_t i = 0; i < n; i++)
                lwm2m_tree_delete_instance(b->tree, gone[i].id[0], gone[i].id[1], b);
        free(gone);
        return n;
}

/* Everything the provider had goes: calls are answered, instances removed. */
static void owner_retire(bus_owner *o, bool left)
{
        lwm2m_bus *b = o->b;
        while (o->calls)
                call_finish(o->calls, -EIO);

        size_t n = owner_remove_instances(b, &o->owner);
        if (n > 0 && left)
                lwm2m_logf(&b->log, LOG_INFO, "provider %s left the bus: removed %zu instance(s)",
                           o->name, n);
        /* Normally none left: what could not be removed must not count for the next provider. */
        access_forget_owner(b, &o->owner);

        for (size_t i = 0; i < o->n_managed; i++)
                if (lwm2m_tree_get_object_owner(b->tree, o->managed[i]) == &o->owner) {
                        lwm2m_tree_set_object_owner(b->tree, o->managed[i], NULL);
                        emit_provider_changed(b, o->managed[i]);
                }
        free(o->managed);
        o->managed = NULL;
        o->n_managed = 0;

        while (o->on_demand) {
                on_demand *d = o->on_demand;
                o->on_demand = d->next;
                free(d);
        }
        o->track = sd_bus_track_unref(o->track);
        free(o->name);
        o->name = NULL;
        o->owner.name = "gone";
}

static int on_track_gone(sd_bus_track *track, void *userdata)
{
        owner_retire(userdata, true);
        return 0;
}

int owner_get(lwm2m_bus *b, sd_bus_message *m, bus_owner **out)
{
        const char *sender = sd_bus_message_get_sender(m);
        if (!sender)
                return -EINVAL;
        for (bus_owner *o = b->owners; o; o = o->next)
                if (o->name && strcmp(o->name, sender) == 0) {
                        *out = o;
                        return 0;
                }
        bool reused = true;
        bus_owner *o = spare_owner(b);
        if (!o) {
                o = calloc(1, sizeof(*o));
                if (!o)
                        return -ENOMEM;
                o->b = b;
                reused = false;
        }
        o->name = strdup(sender);
        int r = o->name ? sd_bus_track_new(b->bus, &o->track, on_track_gone, o) : -ENOMEM;
        /* Fails when the sender has already left. */
        if (r >= 0)
                r = sd_bus_track_add_sender(o->track, m);
        if (r < 0) {
                o->track = sd_bus_track_unref(o->track);
                free(o->name);
                o->name = NULL;
                if (!reused)
                        free(o);
                return r;
        }
        o->owner = (lwm2m_owner){.ops = &bus_owner_ops, .userdata = o, .name = o->name};
        if (!reused) {
                o->next = b->owners;
                b->owners = o;
        }
        *out = o;
        return 0;
}

int owner_set_on_demand(bus_owner *o, uint16_t oid, uint16_t iid, const uint16_t *rids, size_t n)
{
        for (on_demand **pp = &o->on_demand; *pp; pp = &(*pp)->next)
                if ((*pp)->oid == oid && (*pp)->iid == iid) {
                        on_demand *d = *pp;
                        *pp = d->next;
                        free(d);
                        break;
                }
        if (n == 0)
                return 0;
        on_demand *d = malloc(sizeof(*d) + n * sizeof(uint16_t));
        if (!d)
                return -ENOMEM;
        d->oid = oid;
        d->iid = iid;
        d->n = n;
        memcpy(d->rids, rids, n * sizeof(uint16_t));
        d->next = o->on_demand;
        o->on_demand = d;
        return 0;
}

int owner_manage_object(bus_owner *o, uint16_t oid, bool manage)
{
        lwm2m_bus *b = o->b;
        size_t at = 0;
        while (at < o->n_managed && o->managed[at] != oid)
                at++;
        if (!manage) {
                if (at == o->n_managed)
                        return -ENOENT;
                o->managed[at] = o->managed[--o->n_managed];
                lwm2m_tree_set_object_owner(b->tree, oid, NULL);
                emit_provider_changed(b, oid);
                return 0;
        }
        if (at == o->n_managed) {
                uint16_t *v = realloc(o->managed, (o->n_managed + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                o->managed = v;
                o->managed[o->n_managed++] = oid;
        }
        int r = lwm2m_tree_set_object_owner(b->tree, oid, &o->owner);
        if (r < 0) {
                o->n_managed--;
                return r;
        }
        emit_provider_changed(b, oid);
        return 0;
}

void owner_forget_instance(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        for (bus_owner *o = b->owners; o; o = o->next)
                if (o->name && on_demand_find(o, oid, iid))
                        owner_set_on_demand(o, oid, iid, NULL, 0);
}

void owner_retire_all(lwm2m_bus *b)
{
        for (bus_owner *o = b->owners; o; o = o->next)
                if (o->name) {
                        lwm2m_logf(&b->log, LOG_INFO, "provider %s is gone with the bus", o->name);
                        owner_retire(o, false);
                }
}

void owner_free_all(lwm2m_bus *b)
{
        while (b->owners) {
                bus_owner *o = b->owners;
                if (o->name)
                        owner_retire(o, false);
                b->owners = o->next;
                free(o);
        }
}
