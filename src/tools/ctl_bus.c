/* ctl_bus.c - lwm2mctl's side of the daemon's D-Bus API: the connection, calls, property
 * walks, the contract's value types both ways, and fetching objects, instances and servers. */
#include "tools/ctl_bus.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl_output.h"
#include "util/macro.h"

void ctl_objdef_done(ctl_objdef *d)
{
        assert(d);
        free(d->name);
        free(d->version);
        free(d->urn);
        for (size_t i = 0; i < d->n_res; i++) {
                free((char *)d->res[i].name);
                free((char *)d->res[i].units);
                free((char *)d->res[i].range);
        }
        free(d->res);
        *d = (ctl_objdef){0};
}

static void instances_free(ctl_instance *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].owner);
        free(v);
}

int ctl_open_bus(const char *which, sd_bus **out)
{
        assert(out);
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;
        if (strcmp(which, "system") == 0)
                r = sd_bus_open_system(&bus);
        else if (strcmp(which, "user") == 0)
                r = sd_bus_open_user(&bus);
        else {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, which);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        }
        if (r < 0)
                return r;
        *out = TAKE_PTR(bus);
        return 0;
}

int ctl_call(const ctl *c, const char *path, const char *iface, const char *member,
             sd_bus_message **reply, sd_bus_error *e, const char *types, ...)
{
        assert(c);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(c->bus, &m, CTL_BUS_NAME, path, iface, member);
        if (r < 0)
                return r;
        if (types) {
                va_list ap;
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(c->bus, m, CTL_CALL_TIMEOUT_USEC, e, reply);
}

static int get_all(const ctl *c, const char *path, const char *iface, sd_bus_message **reply,
                   sd_bus_error *e)
{
        return ctl_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", reply, e, "s", iface);
}

/* Walks an a{sv}: `fn` reads the variant of a property it wants and returns 1, or returns
 * 0 to have it skipped. */
typedef int (*prop_fn)(const char *name, sd_bus_message *m, void *userdata);

static int walk_props(sd_bus_message *m, prop_fn fn, void *userdata)
{
        int r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;
                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                r = fn(name, m, userdata);
                if (r < 0)
                        return r;
                if (r == 0 && (r = sd_bus_message_skip(m, "v")) < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_string_variant(sd_bus_message *m, char **out)
{
        const char *s;
        int r = sd_bus_message_read(m, "v", "s", &s);
        if (r < 0)
                return r;
        char *dup = strdup(s);
        if (!dup)
                return -ENOMEM;
        free(*out);
        *out = dup;
        return 1;
}

static int read_bool_variant(sd_bus_message *m, bool *out)
{
        int b;
        int r = sd_bus_message_read(m, "v", "b", &b);
        if (r < 0)
                return r;
        *out = b;
        return 1;
}

/* A property read straight into a member: its D-Bus type ('q', 'u', 't', 'b', or 's' for a
 * malloc'd string) and where it goes. */
typedef struct prop_field {
        const char *name;
        char type;
        size_t offset;
} prop_field;

#define PROP_FIELD(name, type, st, member)                                                         \
        {                                                                                          \
                name, type, offsetof(st, member)                                                   \
        }

/* Reads property `name` into its member of `base` when `fields` lists it: 1, 0 when it
 * does not (to be skipped), or a negative errno. */
static int read_prop_field(const prop_field *fields, size_t n, const char *name, sd_bus_message *m,
                           void *base)
{
        for (size_t i = 0; i < n; i++) {
                if (strcmp(fields[i].name, name) != 0)
                        continue;
                void *at = (char *)base + fields[i].offset;
                if (fields[i].type == 's')
                        return read_string_variant(m, at);
                if (fields[i].type == 'b')
                        return read_bool_variant(m, at);
                const char sig[2] = {fields[i].type, '\0'};
                return sd_bus_message_read(m, "v", sig, at) < 0 ? -EBADMSG : 1;
        }
        return 0;
}

static int read_resources(sd_bus_message *m, ctl_objdef *d)
{
        int r = sd_bus_message_enter_container(m, 'v', "a(qssssbbs)");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(qssssbbs)");
        if (r < 0)
                return r;
        for (;;) {
                uint16_t id;
                const char *name, *type, *ops, *units, *range;
                int multiple, mandatory;
                r = sd_bus_message_read(m, "(qssssbbs)", &id, &name, &type, &ops, &units, &multiple,
                                        &mandatory, &range);
                if (r <= 0)
                        break;
                ctl_resource *grown = realloc(d->res, (d->n_res + 1) * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                d->res = grown;
                ctl_resource *res = &d->res[d->n_res];
                *res = (ctl_resource){.id = id, .multiple = multiple, .mandatory = mandatory};
                if (lwm2m_type_from_string(type, &res->type) < 0 ||
                    ctl_parse_operations(ops, &res->operations) < 0)
                        return -EBADMSG;
                res->name = strdup(name);
                res->units = strdup(units);
                res->range = strdup(range);
                d->n_res++;
                if (!res->name || !res->units || !res->range)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

static const prop_field objdef_fields[] = {
        PROP_FIELD("Id", 'q', ctl_objdef, id),
        PROP_FIELD("Name", 's', ctl_objdef, name),
        PROP_FIELD("Version", 's', ctl_objdef, version),
        PROP_FIELD("Urn", 's', ctl_objdef, urn),
        PROP_FIELD("Multiple", 'b', ctl_objdef, multiple),
        PROP_FIELD("Mandatory", 'b', ctl_objdef, mandatory),
};

static int objdef_prop(const char *name, sd_bus_message *m, void *userdata)
{
        if (strcmp(name, "Resources") == 0)
                return read_resources(m, userdata);
        return read_prop_field(objdef_fields, ELEMENTSOF(objdef_fields), name, m, userdata);
}

static int objdef_complete(ctl_objdef *d)
{
        if (!d->name && !(d->name = strdup("")))
                return -ENOMEM;
        if (!d->version && !(d->version = strdup("")))
                return -ENOMEM;
        if (!d->urn && !(d->urn = strdup("")))
                return -ENOMEM;
        return 0;
}

/* Fetches the definition of `oid`; returns an exit status (reported already) or 0. */
int ctl_fetch_objdef(const ctl *c, uint16_t oid, ctl_objdef *d)
{
        assert(c && d);
        char path[64], what[64];
        snprintf(path, sizeof(path), CTL_ROOT_PATH "/object/%u", oid);
        snprintf(what, sizeof(what), "object %u", oid);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = get_all(c, path, CTL_IFACE_OBJECT, &reply, &e);
        if (r < 0) {
                int status;
                /* No object there, or no Object interface at that path. */
                if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                    sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
                    sd_bus_error_has_name(&e, CTL_ERROR_PREFIX "NotFound"))
                        status =
                                ctl_fail(c->args, CTL_EXIT_FAILED, "object %u is not defined", oid);
                else
                        status = ctl_report(c->args, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        *d = (ctl_objdef){.id = oid};
        r = walk_props(reply, objdef_prop, d);
        if (r >= 0)
                r = objdef_complete(d);
        if (r < 0) {
                ctl_objdef_done(d);
                return ctl_fail(c->args, CTL_EXIT_FAILED,
                                "%s: unexpected definition from lwm2md: %s", what, strerror(-r));
        }
        return 0;
}

/* The D-Bus signature of one value of type `t` (the contract's type map). */
static const char *dbus_signature(lwm2m_type t)
{
        switch (t) {
        case LWM2M_TYPE_OPAQUE:
                return "ay";
        case LWM2M_TYPE_OBJLNK:
                return "(qq)";
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return "x";
        case LWM2M_TYPE_UNSIGNED:
                return "t";
        case LWM2M_TYPE_FLOAT:
                return "d";
        case LWM2M_TYPE_BOOLEAN:
                return "b";
        default:
                return "s";
        }
}

static int append_value(sd_bus_message *m, const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return sd_bus_message_append(m, "x", v->i);
        case LWM2M_TYPE_UNSIGNED:
                return sd_bus_message_append(m, "t", v->u);
        case LWM2M_TYPE_FLOAT:
                return sd_bus_message_append(m, "d", v->f);
        case LWM2M_TYPE_BOOLEAN:
                return sd_bus_message_append(m, "b", (int)v->b);
        case LWM2M_TYPE_OBJLNK:
                return sd_bus_message_append(m, "(qq)", v->lnk.oid, v->lnk.iid);
        case LWM2M_TYPE_OPAQUE:
                return sd_bus_message_append_array(
                        m, 'y', v->buf.data ? (const void *)v->buf.data : "", v->buf.len);
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return sd_bus_message_append(m, "s", v->buf.data ? (const char *)v->buf.data : "");
        default:
                return -EINVAL;
        }
}

/* Reads one bare value of the type at the read position; `hint` tells Time from Integer
 * and Corelnk from String. */
static int read_one(sd_bus_message *m, lwm2m_type hint, lwm2m_value *out)
{
        char type;
        const char *contents;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        *out = (lwm2m_value){0};
        switch (type) {
        case 'x': {
                int64_t i;
                r = sd_bus_message_read_basic(m, 'x', &i);
                *out = hint == LWM2M_TYPE_TIME ? lwm2m_value_time(i) : lwm2m_value_integer(i);
                return r;
        }
        case 't': {
                uint64_t u;
                r = sd_bus_message_read_basic(m, 't', &u);
                *out = lwm2m_value_unsigned(u);
                return r;
        }
        case 'd': {
                double d;
                r = sd_bus_message_read_basic(m, 'd', &d);
                *out = lwm2m_value_float(d);
                return r;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                *out = lwm2m_value_boolean(b);
                return r;
        }
        case 's': {
                const char *s;
                r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                return lwm2m_value_set_bytes(
                        out, hint == LWM2M_TYPE_CORELNK ? hint : LWM2M_TYPE_STRING, s, strlen(s));
        }
        case 'r': {
                uint16_t oid, iid;
                r = sd_bus_message_read(m, "(qq)", &oid, &iid);
                *out = lwm2m_value_objlnk(oid, iid);
                return r;
        }
        case 'a': {
                if (strcmp(contents, "y") != 0)
                        return -EBADMSG;
                const void *data;
                size_t len;
                r = sd_bus_message_read_array(m, 'y', &data, &len);
                if (r < 0)
                        return r;
                return lwm2m_value_set_bytes(out, LWM2M_TYPE_OPAQUE, data, len);
        }
        default:
                return -EBADMSG;
        }
}

/* Reads the variant of a resource: one value, or a{qT} for a multiple resource. */
static int read_resource_variant(sd_bus_message *m, lwm2m_type hint, ctl_res_value *out)
{
        *out = (ctl_res_value){0};
        const char *contents;
        int r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        if (strncmp(contents, "a{q", 3) == 0) {
                out->multiple = true;
                r = sd_bus_message_enter_container(m, 'a', contents + 1);
                if (r < 0)
                        return r;
                char entry[32];
                size_t clen = strlen(contents);
                if (clen < 4 || clen - 3 >= sizeof(entry))
                        return -EBADMSG;
                /* "{qT}" -> "qT" */
                memcpy(entry, contents + 2, clen - 3);
                entry[clen - 3] = '\0';
                while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
                        ctl_res_item *grown = realloc(out->items, (out->n + 1) * sizeof(*grown));
                        if (!grown)
                                return -ENOMEM;
                        out->items = grown;
                        ctl_res_item *it = &out->items[out->n];
                        *it = (ctl_res_item){0};
                        r = sd_bus_message_read_basic(m, 'q', &it->riid);
                        if (r < 0)
                                return r;
                        r = read_one(m, hint, &it->v);
                        if (r < 0)
                                return r;
                        out->n++;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
        } else {
                out->items = calloc(1, sizeof(*out->items));
                if (!out->items)
                        return -ENOMEM;
                r = read_one(m, hint, &out->items[0].v);
                if (r < 0)
                        return r;
                out->n = 1;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int cmp_instance(const void *a, const void *b)
{
        const ctl_instance *x = a, *y = b;
        if (x->oid != y->oid)
                return x->oid < y->oid ? -1 : 1;
        return x->iid < y->iid ? -1 : x->iid > y->iid;
}

static const prop_field instance_fields[] = {
        PROP_FIELD("Owner", 's', ctl_instance, owner),
        PROP_FIELD("Object", 'q', ctl_instance, oid),
        PROP_FIELD("Instance", 'q', ctl_instance, iid),
};

static int instance_prop(const char *name, sd_bus_message *m, void *userdata)
{
        return read_prop_field(instance_fields, ELEMENTSOF(instance_fields), name, m, userdata);
}

void ctl_managed_done(ctl_managed *mo)
{
        assert(mo);
        instances_free(mo->inst, mo->n_inst);
        for (size_t i = 0; i < mo->n_defs; i++)
                ctl_objdef_done(&mo->defs[i]);
        free(mo->defs);
        *mo = (ctl_managed){0};
}

static int parse_managed(sd_bus_message *reply, ctl_managed *mo)
{
        int r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;
                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
                if (r < 0)
                        return r;
                while ((r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
                        const char *iface;
                        r = sd_bus_message_read(reply, "s", &iface);
                        if (r < 0)
                                return r;
                        if (strcmp(iface, CTL_IFACE_INSTANCE) == 0) {
                                ctl_instance in = {0};
                                r = walk_props(reply, instance_prop, &in);
                                if (r >= 0 && !in.owner && !(in.owner = strdup("")))
                                        r = -ENOMEM;
                                ctl_instance *grown =
                                        r < 0 ? NULL
                                              : realloc(mo->inst,
                                                        (mo->n_inst + 1) * sizeof(*grown));
                                if (!grown) {
                                        free(in.owner);
                                        return r < 0 ? r : -ENOMEM;
                                }
                                mo->inst = grown;
                                mo->inst[mo->n_inst++] = in;
                        } else if (strcmp(iface, CTL_IFACE_OBJECT) == 0) {
                                ctl_objdef d = {0};
                                r = walk_props(reply, objdef_prop, &d);
                                if (r >= 0)
                                        r = objdef_complete(&d);
                                ctl_objdef *grown = r < 0 ? NULL
                                                          : realloc(mo->defs, (mo->n_defs +
                                                                               1) * sizeof(*grown));
                                if (!grown) {
                                        ctl_objdef_done(&d);
                                        return r < 0 ? r : -ENOMEM;
                                }
                                mo->defs = grown;
                                mo->defs[mo->n_defs++] = d;
                        } else if ((r = sd_bus_message_skip(reply, "a{sv}")) < 0)
                                return r;
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        qsort(mo->inst, mo->n_inst, sizeof(*mo->inst), cmp_instance);
        return sd_bus_message_exit_container(reply);
}

/* Returns an exit status (reported already) or 0. */
int ctl_fetch_managed(const ctl *c, ctl_managed *mo)
{
        assert(c && mo);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *mo = (ctl_managed){0};
        int r = ctl_call(c, CTL_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects", &reply, &e, NULL);
        if (r < 0) {
                int status = ctl_report(c->args, "the object tree", r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = parse_managed(reply, mo);
        if (r < 0) {
                ctl_managed_done(mo);
                return ctl_fail(c->args, CTL_EXIT_FAILED, "unexpected object tree from lwm2md: %s",
                                strerror(-r));
        }
        return 0;
}

const ctl_objdef *ctl_managed_find_def(const ctl_managed *mo, uint16_t oid)
{
        assert(mo);
        for (size_t i = 0; i < mo->n_defs; i++)
                if (mo->defs[i].id == oid)
                        return &mo->defs[i];
        return NULL;
}

void ctl_server_done(ctl_server *s)
{
        assert(s);
        free(s->path);
        free(s->uri);
        free(s->state);
        free(s->binding);
        free(s->location);
        free(s->version);
        free(s->last_error);
        *s = (ctl_server){0};
}

static const prop_field server_fields[] = {
        PROP_FIELD("ShortId", 'q', ctl_server, short_id),
        PROP_FIELD("Lifetime", 'u', ctl_server, lifetime),
        PROP_FIELD("Uri", 's', ctl_server, uri),
        PROP_FIELD("State", 's', ctl_server, state),
        PROP_FIELD("Binding", 's', ctl_server, binding),
        PROP_FIELD("Location", 's', ctl_server, location),
        PROP_FIELD("LwM2MVersion", 's', ctl_server, version),
        PROP_FIELD("LastError", 's', ctl_server, last_error),
        PROP_FIELD("Observations", 'u', ctl_server, observations),
        PROP_FIELD("Sleeping", 'b', ctl_server, sleeping),
        PROP_FIELD("NotificationsQueued", 't', ctl_server, notifications_queued),
        PROP_FIELD("NotificationsDelivered", 't', ctl_server, notifications_delivered),
        PROP_FIELD("NotificationsDropped", 't', ctl_server, notifications_dropped),
};

static int server_prop(const char *name, sd_bus_message *m, void *userdata)
{
        return read_prop_field(server_fields, ELEMENTSOF(server_fields), name, m, userdata);
}

void ctl_manager_done(ctl_manager *mi)
{
        assert(mi);
        free(mi->endpoint);
        free(mi->state);
        free(mi->version);
        for (size_t i = 0; i < mi->n_servers; i++)
                free(mi->servers[i]);
        free(mi->servers);
        free(mi->objects);
        *mi = (ctl_manager){0};
}

static const prop_field manager_fields[] = {
        PROP_FIELD("Endpoint", 's', ctl_manager, endpoint),
        PROP_FIELD("State", 's', ctl_manager, state),
        PROP_FIELD("Version", 's', ctl_manager, version),
};

static int manager_prop(const char *name, sd_bus_message *m, void *userdata)
{
        ctl_manager *mi = userdata;
        int r;
        if (strcmp(name, "Servers") == 0) {
                r = sd_bus_message_enter_container(m, 'v', "ao");
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'a', "o");
                const char *path;
                while (r >= 0 && (r = sd_bus_message_read_basic(m, 'o', &path)) > 0) {
                        char **grown = realloc(mi->servers, (mi->n_servers + 1) * sizeof(*grown));
                        if (!grown)
                                return -ENOMEM;
                        mi->servers = grown;
                        if (!(mi->servers[mi->n_servers] = strdup(path)))
                                return -ENOMEM;
                        mi->n_servers++;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r < 0 ? r : 1;
        }
        if (strcmp(name, "Objects") == 0) {
                r = sd_bus_message_enter_container(m, 'v', "aq");
                const void *data;
                size_t len;
                if (r >= 0)
                        r = sd_bus_message_read_array(m, 'q', &data, &len);
                if (r >= 0 && len > 0) {
                        mi->objects = malloc(len);
                        if (!mi->objects)
                                return -ENOMEM;
                        memcpy(mi->objects, data, len);
                        mi->n_objects = len / sizeof(uint16_t);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r < 0 ? r : 1;
        }
        return read_prop_field(manager_fields, ELEMENTSOF(manager_fields), name, m, userdata);
}

int ctl_fetch_manager(const ctl *c, ctl_manager *mi)
{
        assert(c && mi);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *mi = (ctl_manager){0};
        int r = get_all(c, CTL_ROOT_PATH, CTL_IFACE_MANAGER, &reply, &e);
        if (r < 0) {
                int status = ctl_report(c->args, "status", r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = walk_props(reply, manager_prop, mi);
        if (r < 0) {
                ctl_manager_done(mi);
                return ctl_fail(c->args, CTL_EXIT_FAILED, "unexpected Manager properties: %s",
                                strerror(-r));
        }
        return 0;
}

int ctl_fetch_server(const ctl *c, const char *path, ctl_server *s)
{
        assert(c && s);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *s = (ctl_server){0};
        int r = get_all(c, path, CTL_IFACE_SERVER, &reply, &e);
        if (r < 0) {
                int status = ctl_report(c->args, path, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = walk_props(reply, server_prop, s);
        if (r >= 0 && !(s->path = strdup(path)))
                r = -ENOMEM;
        if (r < 0) {
                ctl_server_done(s);
                return ctl_fail(c->args, CTL_EXIT_FAILED, "%s: unexpected Server properties: %s",
                                path, strerror(-r));
        }
        return 0;
}

void ctl_instance_path(char *buf, size_t size, uint16_t oid, uint16_t iid)
{
        snprintf(buf, size, CTL_ROOT_PATH "/object/%u/%u", oid, iid);
}

/* Get of the resource's property on the typed interface, under its plain name or, when
 * two resources share it, with "_<id>". */
static int get_resource_property(const ctl *c, const char *path, uint16_t oid,
                                 const ctl_resource *res, sd_bus_message **reply, sd_bus_error *e)
{
        char iface[40], name[256];
        snprintf(iface, sizeof(iface), "org.lwm2md1.Object%u", oid);
        ctl_member_name(res->name, name, sizeof(name) - 8);
        int r = ctl_call(c, path, "org.freedesktop.DBus.Properties", "Get", reply, e, "ss", iface,
                         name);
        if (r >= 0 || !sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY))
                return r;
        sd_bus_error_free(e);
        snprintf(name + strlen(name), 8, "_%u", res->id);
        r = ctl_call(c, path, "org.freedesktop.DBus.Properties", "Get", reply, e, "ss", iface,
                     name);
        if (r < 0 && sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
                /* Not exported (a credential): as Read would say. */
                sd_bus_error_free(e);
                sd_bus_error_setf(e, CTL_ERROR_PREFIX "AccessDenied",
                                  "%s (%u) is not readable over D-Bus", res->name, res->id);
        }
        return r;
}

/* Instance.Read, or the typed property where the bus policy allows only properties (the
 * shipped policy, for users outside root and the lwm2md group); returns 0, or the r of the
 * call with `e` set. */
int ctl_read_resource(const ctl *c, uint16_t oid, uint16_t iid, const ctl_resource *res,
                      ctl_res_value *out, sd_bus_error *e)
{
        assert(c && res);
        char path[80];
        ctl_instance_path(path, sizeof(path), oid, iid);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = -EACCES;
        if (!*c->by_property) {
                r = ctl_call(c, path, CTL_IFACE_INSTANCE, "Read", &reply, e, "q", res->id);
                if (r < 0 && sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                        sd_bus_error_free(e);
                        *c->by_property = true;
                        ctl_msg("note: not allowed to call Instance.Read, reading properties "
                                "instead: a resource without a value shows as zero or empty");
                }
        }
        if (*c->by_property)
                r = get_resource_property(c, path, oid, res, &reply, e);
        if (r < 0)
                return r;
        r = read_resource_variant(reply, res->type, out);
        if (r < 0) {
                ctl_res_value_done(out);
                sd_bus_error_set_errnof(e, -r, "unexpected reply to Read: %s", strerror(-r));
        }
        return r;
}

int ctl_append_resource_variant(sd_bus_message *m, const ctl_resource *res, const ctl_res_value *rv)
{
        assert(res);
        const char *sig = dbus_signature(res->type);
        int r;
        if (!rv->multiple) {
                r = sd_bus_message_open_container(m, 'v', sig);
                if (r >= 0)
                        r = append_value(m, &rv->items[0].v);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        char vsig[16], asig[16], esig[16];
        snprintf(vsig, sizeof(vsig), "a{q%s}", sig);
        snprintf(asig, sizeof(asig), "{q%s}", sig);
        snprintf(esig, sizeof(esig), "q%s", sig);
        r = sd_bus_message_open_container(m, 'v', vsig);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', asig);
        for (size_t i = 0; r >= 0 && i < rv->n; i++) {
                r = sd_bus_message_open_container(m, 'e', esig);
                if (r >= 0)
                        r = sd_bus_message_append(m, "q", rv->items[i].riid);
                if (r >= 0)
                        r = append_value(m, &rv->items[i].v);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r < 0 ? r : sd_bus_message_close_container(m);
}
