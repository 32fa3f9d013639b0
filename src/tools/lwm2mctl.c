/* lwm2mctl.c - the operator's tool for lwm2md: status, servers, the object tree, typed reads,
 * writes and executes over the daemon's D-Bus API (org.lwm2md1), for people and for scripts. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "build-config.h"
#include "model/definition.h"
#include "tools/ctl_parse.h"
#include "util/macro.h"

#define BUS_NAME       "org.lwm2md1"
#define ROOT_PATH      "/org/lwm2md1"
#define IFACE_MANAGER  "org.lwm2md1.Manager"
#define IFACE_SERVER   "org.lwm2md1.Server"
#define IFACE_OBJECT   "org.lwm2md1.Object"
#define IFACE_INSTANCE "org.lwm2md1.Instance"
#define ERROR_PREFIX   "org.lwm2md1.Error."
/* Longer than the 4 s the daemon gives an owner for an Execute or Write. */
#define CALL_TIMEOUT_USEC (10 * 1000 * 1000ULL)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

typedef struct ctl {
        sd_bus *bus;
        const ctl_args *args;
        /* Set once the bus policy refused Instance.Read: read the typed properties. */
        bool *by_property;
} ctl;

/* What lwm2mctl knows of an object from org.lwm2md1.Object. */
typedef struct objdef {
        uint16_t id;
        char *name;
        char *version;
        char *urn;
        bool multiple;
        bool mandatory;
        ctl_resource *res;
        size_t n_res;
} objdef;

/* One instance from GetManagedObjects. */
typedef struct instance_info {
        uint16_t oid;
        uint16_t iid;
        char *owner;
} instance_info;

/* A resource's value as read: one value, or resource instances. */
typedef struct res_item {
        uint16_t riid;
        lwm2m_value v;
} res_item;

typedef struct res_value {
        bool multiple;
        size_t n;
        res_item *items; /* one item (riid unused) when !multiple */
} res_value;

static void objdef_done(objdef *d)
{
        free(d->name);
        free(d->version);
        free(d->urn);
        for (size_t i = 0; i < d->n_res; i++) {
                free((char *)d->res[i].name);
                free((char *)d->res[i].units);
                free((char *)d->res[i].range);
        }
        free(d->res);
        *d = (objdef){0};
}

static void res_value_done(res_value *rv)
{
        for (size_t i = 0; i < rv->n; i++)
                lwm2m_value_clear(&rv->items[i].v);
        free(rv->items);
        *rv = (res_value){0};
}

static void instances_free(instance_info *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].owner);
        free(v);
}

static const char usage_text[] =
        "Usage: lwm2mctl [--bus system|user|ADDRESS] [--json] COMMAND [ARGUMENTS]\n"
        "\n"
        "Operates the LwM2M client daemon lwm2md over D-Bus (org.lwm2md1).\n"
        "\n"
        "Commands:\n"
        "  status               endpoint, state, LwM2M version and the servers\n"
        "  servers              every server in detail\n"
        "  list                 object instances and their owners\n"
        "  objects [--all]      objects with instances (--all: every defined object)\n"
        "  read PATH            /OBJECT, /OBJECT/INSTANCE, .../RESOURCE or .../RESOURCE/RI\n"
        "  write PATH VALUE     VALUE is parsed as the resource's type; one instance of a\n"
        "                       multiple resource is written as /O/I/R/RI\n"
        "  exec PATH [ARGS]     executes /O/I/R with LwM2M arguments (e.g. \"0='x',1\")\n"
        "  update [SHORT_ID]    Registration Update to every server (or to one)\n"
        "  help                 this text\n"
        "\n"
        "Options:\n"
        "  --bus system|user|ADDRESS  the bus lwm2md serves on (default: system)\n"
        "  --json                     machine-readable output on stdout\n"
        "  -h, --help                 this text\n"
        "      --version              the version\n"
        "\n"
        "Values: Integer and Time as decimal (Time also YYYY-MM-DDTHH:MM:SSZ), Float,\n"
        "Boolean as true/false, Opaque as hex digits, Objlnk as OBJECT:INSTANCE.\n"
        "Exit status: 0 ok, 1 operation failed, 2 usage error, 3 daemon not reachable.\n";

_printf_(1, 2) static void msg(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("lwm2mctl: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void print_json(json_object *o)
{
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE |
                                                       JSON_C_TO_STRING_SPACED));
}

/* Errors that say the daemon is not there (or not answering), as opposed to a refusal. */
static bool unreachable(int r, const sd_bus_error *e)
{
        if (sd_bus_error_is_set(e))
                return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_DISCONNECTED) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NO_SERVER);
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -ETIMEDOUT ||
               r == -EPIPE || r == -ESHUTDOWN || r == -ENOENT || r == -EHOSTUNREACH;
}

/* Reports a failed call on stderr (and as {"error": ...} on stdout with --json) and
 * returns the exit status it deserves. */
static int report(const ctl *c, const char *what, int r, const sd_bus_error *e)
{
        const char *name = sd_bus_error_is_set(e) ? e->name : NULL;
        const char *text = sd_bus_error_is_set(e) && e->message ? e->message : strerror(-r);
        bool gone = unreachable(r, e);
        if (gone)
                msg("%s: lwm2md is not reachable on the %s bus: %s", what, c->args->bus, text);
        else if (name && strncmp(name, ERROR_PREFIX, strlen(ERROR_PREFIX)) == 0)
                msg("%s: %s (%s)", what, text, name + strlen(ERROR_PREFIX));
        else if (name)
                msg("%s: %s (%s)", what, text, name);
        else
                msg("%s: %s", what, text);
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *err = json_object_new_object();
                json_object_object_add(o, "error", err);
                if (name)
                        json_object_object_add(err, "name", json_object_new_string(name));
                json_object_object_add(err, "message", json_object_new_string(text));
                print_json(o);
        }
        return gone ? CTL_EXIT_UNREACHABLE : CTL_EXIT_FAILED;
}

/* A failure found by lwm2mctl itself (not a bus error). */
_printf_(3, 4) static int fail_with(const ctl *c, int status, const char *fmt, ...)
{
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        msg("%s", text);
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *err = json_object_new_object();
                json_object_object_add(o, "error", err);
                json_object_object_add(err, "message", json_object_new_string(text));
                print_json(o);
        }
        return status;
}

static int open_bus(const char *which, sd_bus **out)
{
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

static int call(const ctl *c, const char *path, const char *iface, const char *member,
                sd_bus_message **reply, sd_bus_error *e, const char *types, ...)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, path, iface, member);
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
        return sd_bus_call(c->bus, m, CALL_TIMEOUT_USEC, e, reply);
}

static int get_all(const ctl *c, const char *path, const char *iface, sd_bus_message **reply,
                   sd_bus_error *e)
{
        return call(c, path, "org.freedesktop.DBus.Properties", "GetAll", reply, e, "s", iface);
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

/* ---- object definitions ---- */

static int read_resources(sd_bus_message *m, objdef *d)
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

static int objdef_prop(const char *name, sd_bus_message *m, void *userdata)
{
        objdef *d = userdata;
        if (strcmp(name, "Id") == 0)
                return sd_bus_message_read(m, "v", "q", &d->id) < 0 ? -EBADMSG : 1;
        if (strcmp(name, "Name") == 0)
                return read_string_variant(m, &d->name);
        if (strcmp(name, "Version") == 0)
                return read_string_variant(m, &d->version);
        if (strcmp(name, "Urn") == 0)
                return read_string_variant(m, &d->urn);
        if (strcmp(name, "Multiple") == 0)
                return read_bool_variant(m, &d->multiple);
        if (strcmp(name, "Mandatory") == 0)
                return read_bool_variant(m, &d->mandatory);
        if (strcmp(name, "Resources") == 0)
                return read_resources(m, d);
        return 0;
}

static int objdef_complete(objdef *d)
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
static int fetch_objdef(const ctl *c, uint16_t oid, objdef *d)
{
        char path[64], what[64];
        snprintf(path, sizeof(path), ROOT_PATH "/object/%u", oid);
        snprintf(what, sizeof(what), "object %u", oid);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = get_all(c, path, IFACE_OBJECT, &reply, &e);
        if (r < 0) {
                int status;
                /* No object there, or no Object interface at that path. */
                if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                    sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
                    sd_bus_error_has_name(&e, ERROR_PREFIX "NotFound"))
                        status = fail_with(c, CTL_EXIT_FAILED, "object %u is not defined", oid);
                else
                        status = report(c, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        *d = (objdef){.id = oid};
        r = walk_props(reply, objdef_prop, d);
        if (r >= 0)
                r = objdef_complete(d);
        if (r < 0) {
                objdef_done(d);
                return fail_with(c, CTL_EXIT_FAILED, "%s: unexpected definition from lwm2md: %s",
                                 what, strerror(-r));
        }
        return 0;
}

/* ---- values ---- */

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
static int read_resource_variant(sd_bus_message *m, lwm2m_type hint, res_value *out)
{
        *out = (res_value){0};
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
                        res_item *grown = realloc(out->items, (out->n + 1) * sizeof(*grown));
                        if (!grown)
                                return -ENOMEM;
                        out->items = grown;
                        res_item *it = &out->items[out->n];
                        *it = (res_item){0};
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

static json_object *value_to_json(const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return json_object_new_int64(v->i);
        case LWM2M_TYPE_UNSIGNED:
                return json_object_new_uint64(v->u);
        case LWM2M_TYPE_FLOAT: {
                _cleanup_free_ char *s = ctl_format_json_float(v->f);
                return s ? json_object_new_double_s(v->f, s) : json_object_new_null();
        }
        case LWM2M_TYPE_BOOLEAN:
                return json_object_new_boolean(v->b);
        default: {
                _cleanup_free_ char *s = ctl_format_value(v, false);
                return s ? json_object_new_string(s) : NULL;
        }
        }
}

static json_object *res_value_to_json(const res_value *rv)
{
        if (!rv->multiple)
                return rv->n ? value_to_json(&rv->items[0].v) : NULL;
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < rv->n; i++) {
                char key[8];
                snprintf(key, sizeof(key), "%u", rv->items[i].riid);
                json_object_object_add(o, key, value_to_json(&rv->items[i].v));
        }
        return o;
}

/* ---- instances (GetManagedObjects) ---- */

static int cmp_instance(const void *a, const void *b)
{
        const instance_info *x = a, *y = b;
        if (x->oid != y->oid)
                return x->oid < y->oid ? -1 : 1;
        return x->iid < y->iid ? -1 : x->iid > y->iid;
}

static int instance_prop(const char *name, sd_bus_message *m, void *userdata)
{
        instance_info *in = userdata;
        if (strcmp(name, "Owner") == 0)
                return read_string_variant(m, &in->owner);
        if (strcmp(name, "Object") == 0)
                return sd_bus_message_read(m, "v", "q", &in->oid) < 0 ? -EBADMSG : 1;
        if (strcmp(name, "Instance") == 0)
                return sd_bus_message_read(m, "v", "q", &in->iid) < 0 ? -EBADMSG : 1;
        return 0;
}

typedef struct managed {
        instance_info *inst;
        size_t n_inst;
        objdef *defs; /* every object with the Object interface */
        size_t n_defs;
} managed;

static void managed_done(managed *mo)
{
        instances_free(mo->inst, mo->n_inst);
        for (size_t i = 0; i < mo->n_defs; i++)
                objdef_done(&mo->defs[i]);
        free(mo->defs);
        *mo = (managed){0};
}

static int parse_managed(sd_bus_message *reply, managed *mo)
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
                        if (strcmp(iface, IFACE_INSTANCE) == 0) {
                                instance_info in = {0};
                                r = walk_props(reply, instance_prop, &in);
                                if (r >= 0 && !in.owner && !(in.owner = strdup("")))
                                        r = -ENOMEM;
                                instance_info *grown =
                                        r < 0 ? NULL
                                              : realloc(mo->inst,
                                                        (mo->n_inst + 1) * sizeof(*grown));
                                if (!grown) {
                                        free(in.owner);
                                        return r < 0 ? r : -ENOMEM;
                                }
                                mo->inst = grown;
                                mo->inst[mo->n_inst++] = in;
                        } else if (strcmp(iface, IFACE_OBJECT) == 0) {
                                objdef d = {0};
                                r = walk_props(reply, objdef_prop, &d);
                                if (r >= 0)
                                        r = objdef_complete(&d);
                                objdef *grown = r < 0 ? NULL
                                                      : realloc(mo->defs,
                                                                (mo->n_defs + 1) * sizeof(*grown));
                                if (!grown) {
                                        objdef_done(&d);
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
static int fetch_managed(const ctl *c, managed *mo)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *mo = (managed){0};
        int r = call(c, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                     &reply, &e, NULL);
        if (r < 0) {
                int status = report(c, "the object tree", r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = parse_managed(reply, mo);
        if (r < 0) {
                managed_done(mo);
                return fail_with(c, CTL_EXIT_FAILED, "unexpected object tree from lwm2md: %s",
                                 strerror(-r));
        }
        return 0;
}

static const objdef *managed_find_def(const managed *mo, uint16_t oid)
{
        for (size_t i = 0; i < mo->n_defs; i++)
                if (mo->defs[i].id == oid)
                        return &mo->defs[i];
        return NULL;
}

/* ---- status, servers ---- */

typedef struct server_info {
        char *path;
        uint16_t short_id;
        uint32_t lifetime;
        char *uri, *state, *binding, *location, *version, *last_error;
} server_info;

static void server_info_done(server_info *s)
{
        free(s->path);
        free(s->uri);
        free(s->state);
        free(s->binding);
        free(s->location);
        free(s->version);
        free(s->last_error);
        *s = (server_info){0};
}

static int server_prop(const char *name, sd_bus_message *m, void *userdata)
{
        server_info *s = userdata;
        if (strcmp(name, "ShortId") == 0)
                return sd_bus_message_read(m, "v", "q", &s->short_id) < 0 ? -EBADMSG : 1;
        if (strcmp(name, "Lifetime") == 0)
                return sd_bus_message_read(m, "v", "u", &s->lifetime) < 0 ? -EBADMSG : 1;
        if (strcmp(name, "Uri") == 0)
                return read_string_variant(m, &s->uri);
        if (strcmp(name, "State") == 0)
                return read_string_variant(m, &s->state);
        if (strcmp(name, "Binding") == 0)
                return read_string_variant(m, &s->binding);
        if (strcmp(name, "Location") == 0)
                return read_string_variant(m, &s->location);
        if (strcmp(name, "LwM2MVersion") == 0)
                return read_string_variant(m, &s->version);
        if (strcmp(name, "LastError") == 0)
                return read_string_variant(m, &s->last_error);
        return 0;
}

typedef struct manager_info {
        char *endpoint, *state, *version;
        char **servers;
        size_t n_servers;
        uint16_t *objects;
        size_t n_objects;
} manager_info;

static void manager_info_done(manager_info *mi)
{
        free(mi->endpoint);
        free(mi->state);
        free(mi->version);
        for (size_t i = 0; i < mi->n_servers; i++)
                free(mi->servers[i]);
        free(mi->servers);
        free(mi->objects);
        *mi = (manager_info){0};
}

static int manager_prop(const char *name, sd_bus_message *m, void *userdata)
{
        manager_info *mi = userdata;
        int r;
        if (strcmp(name, "Endpoint") == 0)
                return read_string_variant(m, &mi->endpoint);
        if (strcmp(name, "State") == 0)
                return read_string_variant(m, &mi->state);
        if (strcmp(name, "Version") == 0)
                return read_string_variant(m, &mi->version);
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
        return 0;
}

static int fetch_manager(const ctl *c, manager_info *mi)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *mi = (manager_info){0};
        int r = get_all(c, ROOT_PATH, IFACE_MANAGER, &reply, &e);
        if (r < 0) {
                int status = report(c, "status", r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = walk_props(reply, manager_prop, mi);
        if (r < 0) {
                manager_info_done(mi);
                return fail_with(c, CTL_EXIT_FAILED, "unexpected Manager properties: %s",
                                 strerror(-r));
        }
        return 0;
}

static int fetch_server(const ctl *c, const char *path, server_info *s)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        *s = (server_info){0};
        int r = get_all(c, path, IFACE_SERVER, &reply, &e);
        if (r < 0) {
                int status = report(c, path, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        r = walk_props(reply, server_prop, s);
        if (r >= 0 && !(s->path = strdup(path)))
                r = -ENOMEM;
        if (r < 0) {
                server_info_done(s);
                return fail_with(c, CTL_EXIT_FAILED, "%s: unexpected Server properties: %s", path,
                                 strerror(-r));
        }
        return 0;
}

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static json_object *server_to_json(const server_info *s)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "short_id", json_object_new_int(s->short_id));
        json_object_object_add(o, "uri", json_object_new_string(s->uri ?: ""));
        json_object_object_add(o, "state", json_object_new_string(s->state ?: ""));
        json_object_object_add(o, "lifetime", json_object_new_int64(s->lifetime));
        json_object_object_add(o, "binding", json_object_new_string(s->binding ?: ""));
        json_object_object_add(o, "location", json_object_new_string(s->location ?: ""));
        json_object_object_add(o, "lwm2m_version", json_object_new_string(s->version ?: ""));
        json_object_object_add(o, "last_error", json_object_new_string(s->last_error ?: ""));
        json_object_object_add(o, "path", json_object_new_string(s->path ?: ""));
        return o;
}

/* Fetches the Manager and every server; `detail` selects the servers command's output. */
static int cmd_status(const ctl *c, bool detail)
{
        _cleanup_(manager_info_done) manager_info mi = {0};
        int status = fetch_manager(c, &mi);
        if (status)
                return status;
        server_info *servers = calloc(mi.n_servers ?: 1, sizeof(*servers));
        if (!servers)
                return fail_with(c, CTL_EXIT_FAILED, "out of memory");
        for (size_t i = 0; i < mi.n_servers && !status; i++)
                status = fetch_server(c, mi.servers[i], &servers[i]);

        if (status == 0 && c->args->json) {
                _cleanup_(json_object_putp) json_object *srv = json_object_new_array();
                for (size_t i = 0; i < mi.n_servers; i++)
                        json_object_array_add(srv, server_to_json(&servers[i]));
                if (detail) {
                        print_json(srv);
                } else {
                        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                        json_object_object_add(o, "endpoint",
                                               json_object_new_string(mi.endpoint ?: ""));
                        json_object_object_add(o, "state", json_object_new_string(mi.state ?: ""));
                        json_object_object_add(o, "version",
                                               json_object_new_string(mi.version ?: ""));
                        json_object *objs = json_object_new_array();
                        for (size_t i = 0; i < mi.n_objects; i++)
                                json_object_array_add(objs, json_object_new_int(mi.objects[i]));
                        json_object_object_add(o, "objects", objs);
                        json_object_object_add(o, "servers", json_object_get(srv));
                        print_json(o);
                }
        } else if (status == 0 && detail) {
                for (size_t i = 0; i < mi.n_servers; i++) {
                        const server_info *s = &servers[i];
                        if (i > 0)
                                putchar('\n');
                        printf("Server %u\n", s->short_id);
                        printf("  URI:        %s\n", or_dash(s->uri));
                        printf("  State:      %s\n", or_dash(s->state));
                        printf("  Lifetime:   %" PRIu32 " s\n", s->lifetime);
                        printf("  Binding:    %s\n", or_dash(s->binding));
                        printf("  Location:   %s\n", or_dash(s->location));
                        printf("  LwM2M:      %s\n", or_dash(s->version));
                        printf("  Last error: %s\n", or_dash(s->last_error));
                }
                if (mi.n_servers == 0)
                        puts("No servers.");
        } else if (status == 0) {
                printf("Endpoint: %s\n", or_dash(mi.endpoint));
                printf("State:    %s\n", or_dash(mi.state));
                printf("LwM2M:    %s\n", or_dash(mi.version));
                printf("Objects: ");
                for (size_t i = 0; i < mi.n_objects; i++)
                        printf(" %u", mi.objects[i]);
                printf("%s\n", mi.n_objects ? "" : " -");
                for (size_t i = 0; i < mi.n_servers; i++) {
                        const server_info *s = &servers[i];
                        printf("%s %u %s %s", i == 0 ? "Servers: " : "         ", s->short_id,
                               or_dash(s->uri), or_dash(s->state));
                        if (s->last_error && *s->last_error)
                                printf(" (last error: %s)", s->last_error);
                        putchar('\n');
                }
                if (mi.n_servers == 0)
                        puts("Servers:  -");
        }
        for (size_t i = 0; i < mi.n_servers; i++)
                server_info_done(&servers[i]);
        free(servers);
        return status;
}

/* ---- list, objects ---- */

/* Who owns an instance, for people: the daemon, or the unique name with its process. */
static void describe_owner(const ctl *c, const char *owner, pid_t *pid, char **comm)
{
        *pid = 0;
        *comm = NULL;
        if (!*owner)
                return;
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        if (sd_bus_get_name_creds(c->bus, owner, SD_BUS_CREDS_PID | SD_BUS_CREDS_COMM, &creds) < 0)
                return;
        const char *s;
        if (sd_bus_creds_get_pid(creds, pid) < 0)
                *pid = 0;
        if (sd_bus_creds_get_comm(creds, &s) >= 0)
                *comm = strdup(s);
}

static int cmd_list(const ctl *c)
{
        _cleanup_(managed_done) managed mo = {0};
        int status = fetch_managed(c, &mo);
        if (status)
                return status;
        _cleanup_(json_object_putp) json_object *arr =
                c->args->json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < mo.n_inst; i++) {
                const instance_info *in = &mo.inst[i];
                const objdef *d = managed_find_def(&mo, in->oid);
                char path[LWM2M_PATH_STRLEN];
                snprintf(path, sizeof(path), "/%u/%u", in->oid, in->iid);
                pid_t pid;
                _cleanup_free_ char *comm = NULL;
                describe_owner(c, in->owner, &pid, &comm);
                if (arr) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "path", json_object_new_string(path));
                        json_object_object_add(o, "object", json_object_new_int(in->oid));
                        json_object_object_add(o, "instance", json_object_new_int(in->iid));
                        json_object_object_add(o, "name", json_object_new_string(d ? d->name : ""));
                        json_object_object_add(o, "owner", json_object_new_string(in->owner));
                        if (pid > 0)
                                json_object_object_add(o, "owner_pid", json_object_new_int(pid));
                        if (comm)
                                json_object_object_add(o, "owner_command",
                                                       json_object_new_string(comm));
                        json_object_array_add(arr, o);
                        continue;
                }
                printf("%-12s %-28s ", path, d && *d->name ? d->name : "-");
                if (!*in->owner)
                        puts("lwm2md");
                else if (pid > 0)
                        printf("%s (pid %d, %s)\n", in->owner, (int)pid, comm ? comm : "?");
                else
                        printf("%s\n", in->owner);
        }
        if (arr)
                print_json(arr);
        else if (mo.n_inst == 0)
                puts("No object instances.");
        return 0;
}

static int cmd_objects(const ctl *c)
{
        _cleanup_(managed_done) managed mo = {0};
        int status = fetch_managed(c, &mo);
        if (status)
                return status;
        _cleanup_(json_object_putp) json_object *arr =
                c->args->json ? json_object_new_array() : NULL;
        if (!arr)
                printf("%5s  %-32s %-7s %-9s %s\n", "ID", "NAME", "VERSION", "INSTANCES", "URN");
        /* Definitions in ID order, whatever order the bus listed them in. */
        bool *done = calloc(mo.n_defs ?: 1, sizeof(*done));
        if (!done)
                return fail_with(c, CTL_EXIT_FAILED, "out of memory");
        for (size_t k = 0; k < mo.n_defs; k++) {
                size_t best = SIZE_MAX;
                for (size_t i = 0; i < mo.n_defs; i++)
                        if (!done[i] && (best == SIZE_MAX || mo.defs[i].id < mo.defs[best].id))
                                best = i;
                done[best] = true;
                const objdef *d = &mo.defs[best];
                size_t count = 0;
                for (size_t i = 0; i < mo.n_inst; i++)
                        count += mo.inst[i].oid == d->id;
                if (count == 0 && !c->args->all)
                        continue;
                if (arr) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_int(d->id));
                        json_object_object_add(o, "name", json_object_new_string(d->name));
                        json_object_object_add(o, "version", json_object_new_string(d->version));
                        json_object_object_add(o, "urn", json_object_new_string(d->urn));
                        json_object_object_add(o, "multiple", json_object_new_boolean(d->multiple));
                        json_object_object_add(o, "mandatory",
                                               json_object_new_boolean(d->mandatory));
                        json_object_object_add(o, "resources", json_object_new_int((int)d->n_res));
                        json_object_object_add(o, "instances", json_object_new_int((int)count));
                        json_object_array_add(arr, o);
                } else {
                        printf("%5u  %-32s %-7s %-9zu %s\n", d->id, d->name, d->version, count,
                               or_dash(d->urn));
                }
        }
        free(done);
        if (arr)
                print_json(arr);
        return 0;
}

/* ---- read ---- */

static void instance_path(char *buf, size_t size, uint16_t oid, uint16_t iid)
{
        snprintf(buf, size, ROOT_PATH "/object/%u/%u", oid, iid);
}

/* Get of the resource's property on the typed interface, under its plain name or, when
 * two resources share it, with "_<id>". */
static int get_resource_property(const ctl *c, const char *path, uint16_t oid,
                                 const ctl_resource *res, sd_bus_message **reply, sd_bus_error *e)
{
        char iface[40], name[256];
        snprintf(iface, sizeof(iface), "org.lwm2md1.Object%u", oid);
        ctl_member_name(res->name, name, sizeof(name) - 8);
        int r = call(c, path, "org.freedesktop.DBus.Properties", "Get", reply, e, "ss", iface,
                     name);
        if (r >= 0 || !sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY))
                return r;
        sd_bus_error_free(e);
        snprintf(name + strlen(name), 8, "_%u", res->id);
        r = call(c, path, "org.freedesktop.DBus.Properties", "Get", reply, e, "ss", iface, name);
        if (r < 0 && sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
                /* Not exported (a credential): as Read would say. */
                sd_bus_error_free(e);
                sd_bus_error_setf(e, ERROR_PREFIX "AccessDenied",
                                  "%s (%u) is not readable over D-Bus", res->name, res->id);
        }
        return r;
}

/* Instance.Read, or the typed property where the bus policy allows only properties (the
 * shipped policy, for users outside root and the lwm2md group); returns 0, or the r of the
 * call with `e` set. */
static int read_resource(const ctl *c, uint16_t oid, uint16_t iid, const ctl_resource *res,
                         res_value *out, sd_bus_error *e)
{
        char path[80];
        instance_path(path, sizeof(path), oid, iid);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = -EACCES;
        if (!*c->by_property) {
                r = call(c, path, IFACE_INSTANCE, "Read", &reply, e, "q", res->id);
                if (r < 0 && sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                        sd_bus_error_free(e);
                        *c->by_property = true;
                        msg("note: not allowed to call Instance.Read, reading properties "
                            "instead: a resource without a value shows as zero or empty");
                }
        }
        if (*c->by_property)
                r = get_resource_property(c, path, oid, res, &reply, e);
        if (r < 0)
                return r;
        r = read_resource_variant(reply, res->type, out);
        if (r < 0) {
                res_value_done(out);
                sd_bus_error_set_errnof(e, -r, "unexpected reply to Read: %s", strerror(-r));
        }
        return r;
}

static void print_resource(const ctl_resource *res, const res_value *rv, const char *indent,
                           int only_riid)
{
        for (size_t i = 0; i < rv->n; i++) {
                if (only_riid >= 0 && rv->items[i].riid != only_riid)
                        continue;
                _cleanup_free_ char *s = ctl_format_value(&rv->items[i].v, true);
                printf("%s%s", indent, res->name);
                if (rv->multiple)
                        printf("[%u]", rv->items[i].riid);
                printf(" = %s", s ? s : "?");
                if (res->units && *res->units)
                        printf(" %s", res->units);
                putchar('\n');
        }
        if (rv->multiple && rv->n == 0 && only_riid < 0)
                printf("%s%s = (no instances)\n", indent, res->name);
}

static json_object *resource_json(uint16_t oid, uint16_t iid, const ctl_resource *res,
                                  const res_value *rv, int riid)
{
        char path[LWM2M_PATH_STRLEN];
        json_object *o = json_object_new_object();
        if (riid >= 0)
                snprintf(path, sizeof(path), "/%u/%u/%u/%d", oid, iid, res->id, riid);
        else
                snprintf(path, sizeof(path), "/%u/%u/%u", oid, iid, res->id);
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "id", json_object_new_int(res->id));
        json_object_object_add(o, "name", json_object_new_string(res->name));
        json_object_object_add(o, "type", json_object_new_string(lwm2m_type_to_string(res->type)));
        if (res->units && *res->units)
                json_object_object_add(o, "units", json_object_new_string(res->units));
        json_object *value = NULL;
        if (riid >= 0) {
                for (size_t i = 0; i < rv->n; i++)
                        if (rv->items[i].riid == riid)
                                value = value_to_json(&rv->items[i].v);
        } else {
                value = res_value_to_json(rv);
        }
        json_object_object_add(o, "value", value);
        return o;
}

/* Whether a failed Read just means "nothing to show here" when reading a whole instance. */
static bool skippable(const sd_bus_error *e)
{
        return sd_bus_error_has_name(e, ERROR_PREFIX "NoValue") ||
               sd_bus_error_has_name(e, ERROR_PREFIX "NotFound") ||
               sd_bus_error_has_name(e, ERROR_PREFIX "AccessDenied") ||
               sd_bus_error_has_name(e, ERROR_PREFIX "NotAllowed");
}

/* Reads every resource of one instance; adds to `arr` or prints. */
static int read_instance(const ctl *c, const objdef *d, uint16_t iid, const char *indent,
                         json_object *arr)
{
        for (size_t i = 0; i < d->n_res; i++) {
                const ctl_resource *res = &d->res[i];
                if (res->type == LWM2M_TYPE_NONE)
                        continue;
                sd_bus_error e = SD_BUS_ERROR_NULL;
                res_value rv;
                int r = read_resource(c, d->id, iid, res, &rv, &e);
                if (r < 0) {
                        /* Credentials exist but are never shown: say so to people. */
                        if (!arr && sd_bus_error_has_name(&e, ERROR_PREFIX "AccessDenied"))
                                printf("%s%s = (not readable over D-Bus)\n", indent, res->name);
                        if (skippable(&e)) {
                                sd_bus_error_free(&e);
                                continue;
                        }
                        char what[64];
                        snprintf(what, sizeof(what), "read /%u/%u/%u", d->id, iid, res->id);
                        int status = report(c, what, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                if (arr)
                        json_object_array_add(arr, resource_json(d->id, iid, res, &rv, -1));
                else
                        print_resource(res, &rv, indent, -1);
                res_value_done(&rv);
        }
        return 0;
}

static json_object *instance_json(const objdef *d, uint16_t iid, json_object *resources)
{
        char path[LWM2M_PATH_STRLEN];
        snprintf(path, sizeof(path), "/%u/%u", d->id, iid);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "object", json_object_new_int(d->id));
        json_object_object_add(o, "instance", json_object_new_int(iid));
        json_object_object_add(o, "name", json_object_new_string(d->name));
        json_object_object_add(o, "resources", resources);
        return o;
}

static int cmd_read(const ctl *c)
{
        const lwm2m_path *p = &c->args->path;
        char text[LWM2M_PATH_STRLEN];
        lwm2m_path_format(p, text, sizeof(text));
        _cleanup_(objdef_done) objdef d = {0};
        int status = fetch_objdef(c, p->id[0], &d);
        if (status)
                return status;

        if (p->len == LWM2M_PATH_OBJECT) {
                _cleanup_(managed_done) managed mo = {0};
                status = fetch_managed(c, &mo);
                if (status)
                        return status;
                _cleanup_(json_object_putp) json_object *arr =
                        c->args->json ? json_object_new_array() : NULL;
                bool any = false;
                for (size_t i = 0; i < mo.n_inst && !status; i++) {
                        if (mo.inst[i].oid != d.id)
                                continue;
                        any = true;
                        json_object *res = arr ? json_object_new_array() : NULL;
                        if (!arr)
                                printf("/%u/%u:\n", d.id, mo.inst[i].iid);
                        status = read_instance(c, &d, mo.inst[i].iid, "  ", res);
                        if (arr)
                                json_object_array_add(arr, instance_json(&d, mo.inst[i].iid, res));
                }
                if (status)
                        return status;
                if (arr) {
                        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                        json_object_object_add(o, "path", json_object_new_string(text));
                        json_object_object_add(o, "object", json_object_new_int(d.id));
                        json_object_object_add(o, "name", json_object_new_string(d.name));
                        json_object_object_add(o, "instances", json_object_get(arr));
                        print_json(o);
                } else if (!any) {
                        printf("%s (%s) has no instances.\n", text, d.name);
                }
                return 0;
        }

        if (p->len == LWM2M_PATH_INSTANCE) {
                /* An instance that is not there fails instead of printing nothing. */
                char path[80];
                instance_path(path, sizeof(path), p->id[0], p->id[1]);
                sd_bus_error e = SD_BUS_ERROR_NULL;
                char *owner = NULL;
                int r = sd_bus_get_property_string(c->bus, BUS_NAME, path, IFACE_INSTANCE, "Owner",
                                                   &e, &owner);
                free(owner);
                if (r < 0) {
                        /* sd-bus answers UnknownProperty for a path under a fallback
                         * vtable that its enumerator does not list. */
                        if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                            sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
                            sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY) ||
                            sd_bus_error_has_name(&e, ERROR_PREFIX "NotFound"))
                                status = fail_with(c, CTL_EXIT_FAILED, "read %s: no such instance",
                                                   text);
                        else
                                status = report(c, text, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                _cleanup_(json_object_putp) json_object *arr =
                        c->args->json ? json_object_new_array() : NULL;
                status = read_instance(c, &d, p->id[1], "", arr);
                if (status == 0 && arr) {
                        _cleanup_(json_object_putp) json_object *o =
                                instance_json(&d, p->id[1], json_object_get(arr));
                        print_json(o);
                }
                return status;
        }

        const ctl_resource *res = ctl_resource_find(d.res, d.n_res, p->id[2]);
        if (!res)
                return fail_with(c, CTL_EXIT_FAILED, "read %s: %s (%u) has no resource %u", text,
                                 d.name, d.id, p->id[2]);
        if (res->type == LWM2M_TYPE_NONE)
                return fail_with(c, CTL_EXIT_FAILED, "read %s: %s is executable and holds no value",
                                 text, res->name);
        if (p->len == LWM2M_PATH_RESOURCE_INSTANCE && !res->multiple)
                return fail_with(c, CTL_EXIT_FAILED,
                                 "read %s: %s is a single resource: it has no resource instances",
                                 text, res->name);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(res_value_done) res_value rv = {0};
        int r = read_resource(c, p->id[0], p->id[1], res, &rv, &e);
        if (r < 0) {
                char what[64];
                snprintf(what, sizeof(what), "read %s", text);
                status = report(c, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        int riid = p->len == LWM2M_PATH_RESOURCE_INSTANCE ? p->id[3] : -1;
        if (riid >= 0) {
                bool found = false;
                for (size_t i = 0; i < rv.n; i++)
                        found |= rv.items[i].riid == riid;
                if (!found)
                        return fail_with(c, CTL_EXIT_FAILED, "read %s: %s has no instance %d", text,
                                         res->name, riid);
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o =
                        resource_json(p->id[0], p->id[1], res, &rv, riid);
                print_json(o);
        } else {
                print_resource(res, &rv, "", riid);
        }
        return 0;
}

/* ---- write, exec, update ---- */

static int append_resource_variant(sd_bus_message *m, const ctl_resource *res, const res_value *rv)
{
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

static int cmd_write(const ctl *c)
{
        const lwm2m_path *p = &c->args->path;
        char text[LWM2M_PATH_STRLEN], what[64];
        lwm2m_path_format(p, text, sizeof(text));
        snprintf(what, sizeof(what), "write %s", text);
        _cleanup_(objdef_done) objdef d = {0};
        int status = fetch_objdef(c, p->id[0], &d);
        if (status)
                return status;
        const ctl_resource *res = ctl_resource_find(d.res, d.n_res, p->id[2]);
        if (!res)
                return fail_with(c, CTL_EXIT_FAILED, "%s: %s (%u) has no resource %u", what, d.name,
                                 d.id, p->id[2]);
        if (res->type == LWM2M_TYPE_NONE)
                return fail_with(c, CTL_EXIT_FAILED,
                                 "%s: %s (%u) is executable and holds no value: use exec", what,
                                 res->name, res->id);
        if (res->multiple && p->len == LWM2M_PATH_RESOURCE)
                return fail_with(c, CTL_EXIT_USAGE,
                                 "%s: %s (%u) is a multiple resource: write one instance as %s/RI",
                                 what, res->name, res->id, text);
        if (!res->multiple && p->len == LWM2M_PATH_RESOURCE_INSTANCE)
                return fail_with(c, CTL_EXIT_USAGE,
                                 "%s: %s (%u) is a single resource: write it as /%u/%u/%u", what,
                                 res->name, res->id, p->id[0], p->id[1], p->id[2]);

        lwm2m_value v;
        char why[256];
        if (ctl_parse_value(c->args->value, res->type, &v, why, sizeof(why)) < 0)
                return fail_with(c, CTL_EXIT_USAGE, "%s: %s (%u): %s", what, res->name, res->id,
                                 why);

        _cleanup_(res_value_done) res_value rv = {0};
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = 0;
        if (res->multiple) {
                /* Instance.Write replaces the whole resource: merge into what is there. */
                r = read_resource(c, p->id[0], p->id[1], res, &rv, &e);
                if (r < 0 && sd_bus_error_has_name(&e, ERROR_PREFIX "NoValue")) {
                        sd_bus_error_free(&e);
                        r = 0;
                }
                if (r < 0) {
                        lwm2m_value_clear(&v);
                        status = report(c, what, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                rv.multiple = true;
                size_t i;
                for (i = 0; i < rv.n && rv.items[i].riid != p->id[3]; i++)
                        ;
                if (i == rv.n) {
                        res_item *grown = realloc(rv.items, (rv.n + 1) * sizeof(*grown));
                        if (!grown) {
                                lwm2m_value_clear(&v);
                                return fail_with(c, CTL_EXIT_FAILED, "out of memory");
                        }
                        rv.items = grown;
                        rv.items[rv.n++] = (res_item){.riid = p->id[3]};
                }
                lwm2m_value_clear(&rv.items[i].v);
                rv.items[i].v = v;
        } else {
                rv.items = calloc(1, sizeof(*rv.items));
                if (!rv.items) {
                        lwm2m_value_clear(&v);
                        return fail_with(c, CTL_EXIT_FAILED, "out of memory");
                }
                rv.items[0].v = v;
                rv.n = 1;
        }

        char path[80];
        instance_path(path, sizeof(path), p->id[0], p->id[1]);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, path, IFACE_INSTANCE, "Write");
        if (r >= 0)
                r = sd_bus_message_append(m, "q", res->id);
        if (r >= 0)
                r = append_resource_variant(m, res, &rv);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, CALL_TIMEOUT_USEC, &e, NULL);
        if (r < 0) {
                status = report(c, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o =
                        resource_json(p->id[0], p->id[1], res, &rv,
                                      p->len == LWM2M_PATH_RESOURCE_INSTANCE ? p->id[3] : -1);
                print_json(o);
        }
        return 0;
}

static int cmd_exec(const ctl *c)
{
        const lwm2m_path *p = &c->args->path;
        char text[LWM2M_PATH_STRLEN], what[64], path[80];
        lwm2m_path_format(p, text, sizeof(text));
        snprintf(what, sizeof(what), "exec %s", text);
        _cleanup_(objdef_done) objdef d = {0};
        int status = fetch_objdef(c, p->id[0], &d);
        if (status)
                return status;
        const ctl_resource *res = ctl_resource_find(d.res, d.n_res, p->id[2]);
        if (!res)
                return fail_with(c, CTL_EXIT_FAILED, "%s: %s (%u) has no resource %u", what, d.name,
                                 d.id, p->id[2]);
        instance_path(path, sizeof(path), p->id[0], p->id[1]);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = call(c, path, IFACE_INSTANCE, "Execute", NULL, &e, "qs", res->id,
                     c->args->exec_args ? c->args->exec_args : "");
        if (r < 0) {
                status = report(c, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "path", json_object_new_string(text));
                json_object_object_add(o, "name", json_object_new_string(res->name));
                json_object_object_add(o, "executed", json_object_new_boolean(true));
                print_json(o);
        }
        return 0;
}

static int cmd_update(const ctl *c)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;
        char path[64];
        if (c->args->short_id) {
                snprintf(path, sizeof(path), ROOT_PATH "/server/%u", c->args->short_id);
                r = call(c, path, IFACE_SERVER, "Update", NULL, &e, NULL);
        } else {
                r = call(c, ROOT_PATH, IFACE_MANAGER, "Update", NULL, &e, NULL);
        }
        if (r < 0) {
                int status;
                if (c->args->short_id &&
                    (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                     sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE)))
                        status = fail_with(c, CTL_EXIT_FAILED, "update: there is no server %u",
                                           c->args->short_id);
                else
                        status = report(c, "update", r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "update", json_object_new_string("requested"));
                if (c->args->short_id)
                        json_object_object_add(o, "short_id",
                                               json_object_new_int(c->args->short_id));
                print_json(o);
        }
        return 0;
}

int main(int argc, char *argv[])
{
        ctl_args args;
        char why[256];
        if (ctl_parse_args(argc, argv, &args, why, sizeof(why)) < 0) {
                msg("%s", why);
                fputs("Try 'lwm2mctl --help'.\n", stderr);
                return CTL_EXIT_USAGE;
        }
        if (args.command == CTL_CMD_HELP) {
                fputs(usage_text, stdout);
                return CTL_EXIT_OK;
        }
        if (args.command == CTL_CMD_VERSION) {
                puts("lwm2mctl " PACKAGE_VERSION);
                return CTL_EXIT_OK;
        }

        bool by_property = false;
        ctl c = {.args = &args, .by_property = &by_property};
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = open_bus(args.bus, &bus);
        if (r < 0) {
                msg("cannot connect to the %s bus: %s", args.bus, strerror(-r));
                if (args.json) {
                        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                        json_object *err = json_object_new_object();
                        json_object_object_add(o, "error", err);
                        json_object_object_add(err, "message",
                                               json_object_new_string(strerror(-r)));
                        print_json(o);
                }
                return CTL_EXIT_UNREACHABLE;
        }
        c.bus = bus;

        switch (args.command) {
        case CTL_CMD_STATUS:
                return cmd_status(&c, false);
        case CTL_CMD_SERVERS:
                return cmd_status(&c, true);
        case CTL_CMD_LIST:
                return cmd_list(&c);
        case CTL_CMD_OBJECTS:
                return cmd_objects(&c);
        case CTL_CMD_READ:
                return cmd_read(&c);
        case CTL_CMD_WRITE:
                return cmd_write(&c);
        case CTL_CMD_EXEC:
                return cmd_exec(&c);
        case CTL_CMD_UPDATE:
                return cmd_update(&c);
        default:
                return CTL_EXIT_USAGE;
        }
}
