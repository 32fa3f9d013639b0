/* lwm2mctl.c - the operator's tool for lwm2md: status, servers, the object tree, typed reads,
 * writes and executes over the daemon's D-Bus API (org.lwm2md1), for people and for scripts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "build-config.h"
#include "model/definition.h"
#include "tools/ctl_bus.h"
#include "tools/ctl_output.h"
#include "tools/ctl_parse.h"
#include "util/macro.h"

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
        "  send PATH...         LwM2M Send of the current values at the paths (objects,\n"
        "                       instances, resources) to every server that takes it\n"
        "  bootstrap            a bootstrap from the bootstrap server now (root, admin group)\n"
        "  help                 this text\n"
        "\n"
        "Options:\n"
        "  --bus system|user|ADDRESS  the bus lwm2md serves on (default: system)\n"
        "  --json                     machine-readable output on stdout\n"
        "  --server SHORT_ID          send: to this server only\n"
        "  -h, --help                 this text\n"
        "      --version              the version\n"
        "\n"
        "Values: Integer and Time as decimal (Time also YYYY-MM-DDTHH:MM:SSZ), Float,\n"
        "Boolean as true/false, Opaque as hex digits, Objlnk as OBJECT:INSTANCE.\n"
        "Exit status: 0 ok, 1 operation failed, 2 usage error, 3 daemon not reachable.\n";

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static json_object *server_to_json(const ctl_server *s)
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
        json_object_object_add(o, "observations", json_object_new_int64(s->observations));
        json_object_object_add(o, "sleeping", json_object_new_boolean(s->sleeping));
        json_object_object_add(o, "notifications_queued",
                               json_object_new_uint64(s->notifications_queued));
        json_object_object_add(o, "notifications_delivered",
                               json_object_new_uint64(s->notifications_delivered));
        json_object_object_add(o, "notifications_dropped",
                               json_object_new_uint64(s->notifications_dropped));
        json_object_object_add(o, "path", json_object_new_string(s->path ?: ""));
        return o;
}

/* Fetches the Manager and every server; `detail` selects the servers command's output. */
static int cmd_status(const ctl *c, bool detail)
{
        _cleanup_(ctl_manager_done) ctl_manager mi = {0};
        int status = ctl_fetch_manager(c, &mi);
        if (status)
                return status;
        ctl_server *servers = calloc(mi.n_servers ?: 1, sizeof(*servers));
        if (!servers)
                return ctl_fail(c->args, CTL_EXIT_FAILED, "out of memory");
        for (size_t i = 0; i < mi.n_servers && !status; i++)
                status = ctl_fetch_server(c, mi.servers[i], &servers[i]);

        if (status == 0 && c->args->json) {
                _cleanup_(json_object_putp) json_object *srv = json_object_new_array();
                for (size_t i = 0; i < mi.n_servers; i++)
                        json_object_array_add(srv, server_to_json(&servers[i]));
                if (detail) {
                        ctl_print_json(srv);
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
                        ctl_print_json(o);
                }
        } else if (status == 0 && detail) {
                for (size_t i = 0; i < mi.n_servers; i++) {
                        const ctl_server *s = &servers[i];
                        if (i > 0)
                                putchar('\n');
                        printf("Server %u\n", s->short_id);
                        printf("  URI:           %s\n", or_dash(s->uri));
                        printf("  State:         %s%s\n", or_dash(s->state),
                               s->sleeping ? " (sleeping)" : "");
                        printf("  Lifetime:      %" PRIu32 " s\n", s->lifetime);
                        printf("  Binding:       %s\n", or_dash(s->binding));
                        printf("  Location:      %s\n", or_dash(s->location));
                        printf("  LwM2M:         %s\n", or_dash(s->version));
                        printf("  Last error:    %s\n", or_dash(s->last_error));
                        printf("  Observations:  %" PRIu32 "\n", s->observations);
                        printf("  Notifications: %" PRIu64 " stored, %" PRIu64
                               " delivered after storing, %" PRIu64 " dropped\n",
                               s->notifications_queued, s->notifications_delivered,
                               s->notifications_dropped);
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
                        const ctl_server *s = &servers[i];
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
                ctl_server_done(&servers[i]);
        free(servers);
        return status;
}

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
        _cleanup_(ctl_managed_done) ctl_managed mo = {0};
        int status = ctl_fetch_managed(c, &mo);
        if (status)
                return status;
        _cleanup_(json_object_putp) json_object *arr =
                c->args->json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < mo.n_inst; i++) {
                const ctl_instance *in = &mo.inst[i];
                const ctl_objdef *d = ctl_managed_find_def(&mo, in->oid);
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
                ctl_print_json(arr);
        else if (mo.n_inst == 0)
                puts("No object instances.");
        return 0;
}

static int cmd_objects(const ctl *c)
{
        _cleanup_(ctl_managed_done) ctl_managed mo = {0};
        int status = ctl_fetch_managed(c, &mo);
        if (status)
                return status;
        _cleanup_(json_object_putp) json_object *arr =
                c->args->json ? json_object_new_array() : NULL;
        if (!arr)
                printf("%5s  %-32s %-7s %-9s %s\n", "ID", "NAME", "VERSION", "INSTANCES", "URN");
        /* Definitions in ID order, whatever order the bus listed them in. */
        bool *done = calloc(mo.n_defs ?: 1, sizeof(*done));
        if (!done)
                return ctl_fail(c->args, CTL_EXIT_FAILED, "out of memory");
        for (size_t k = 0; k < mo.n_defs; k++) {
                size_t best = SIZE_MAX;
                for (size_t i = 0; i < mo.n_defs; i++)
                        if (!done[i] && (best == SIZE_MAX || mo.defs[i].id < mo.defs[best].id))
                                best = i;
                done[best] = true;
                const ctl_objdef *d = &mo.defs[best];
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
                ctl_print_json(arr);
        return 0;
}

/* Whether a failed Read just means "nothing to show here" when reading a whole instance. */
static bool skippable(const sd_bus_error *e)
{
        return sd_bus_error_has_name(e, CTL_ERROR_PREFIX "NoValue") ||
               sd_bus_error_has_name(e, CTL_ERROR_PREFIX "NotFound") ||
               sd_bus_error_has_name(e, CTL_ERROR_PREFIX "AccessDenied") ||
               sd_bus_error_has_name(e, CTL_ERROR_PREFIX "NotAllowed");
}

/* Reads every resource of one instance; adds to `arr` or prints. */
static int read_instance(const ctl *c, const ctl_objdef *d, uint16_t iid, const char *indent,
                         json_object *arr)
{
        for (size_t i = 0; i < d->n_res; i++) {
                const ctl_resource *res = &d->res[i];
                if (res->type == LWM2M_TYPE_NONE)
                        continue;
                sd_bus_error e = SD_BUS_ERROR_NULL;
                ctl_res_value rv;
                int r = ctl_read_resource(c, d->id, iid, res, &rv, &e);
                if (r < 0) {
                        /* Credentials exist but are never shown: say so to people. */
                        if (!arr && sd_bus_error_has_name(&e, CTL_ERROR_PREFIX "AccessDenied"))
                                printf("%s%s = (not readable over D-Bus)\n", indent, res->name);
                        if (skippable(&e)) {
                                sd_bus_error_free(&e);
                                continue;
                        }
                        char what[64];
                        snprintf(what, sizeof(what), "read /%u/%u/%u", d->id, iid, res->id);
                        int status = ctl_report(c->args, what, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                if (arr)
                        json_object_array_add(arr, ctl_resource_json(d->id, iid, res, &rv, -1));
                else
                        ctl_print_resource(res, &rv, indent, -1);
                ctl_res_value_done(&rv);
        }
        return 0;
}

static json_object *instance_json(const ctl_objdef *d, uint16_t iid, json_object *resources)
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
        _cleanup_(ctl_objdef_done) ctl_objdef d = {0};
        int status = ctl_fetch_objdef(c, p->id[0], &d);
        if (status)
                return status;

        if (p->len == LWM2M_PATH_OBJECT) {
                _cleanup_(ctl_managed_done) ctl_managed mo = {0};
                status = ctl_fetch_managed(c, &mo);
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
                        ctl_print_json(o);
                } else if (!any) {
                        printf("%s (%s) has no instances.\n", text, d.name);
                }
                return 0;
        }

        if (p->len == LWM2M_PATH_INSTANCE) {
                /* An instance that is not there fails instead of printing nothing. */
                char path[80];
                ctl_instance_path(path, sizeof(path), p->id[0], p->id[1]);
                sd_bus_error e = SD_BUS_ERROR_NULL;
                char *owner = NULL;
                int r = sd_bus_get_property_string(c->bus, CTL_BUS_NAME, path, CTL_IFACE_INSTANCE,
                                                   "Owner", &e, &owner);
                free(owner);
                if (r < 0) {
                        /* sd-bus answers UnknownProperty for a path under a fallback
                         * vtable that its enumerator does not list. */
                        if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                            sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
                            sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY) ||
                            sd_bus_error_has_name(&e, CTL_ERROR_PREFIX "NotFound"))
                                status = ctl_fail(c->args, CTL_EXIT_FAILED,
                                                  "read %s: no such instance", text);
                        else
                                status = ctl_report(c->args, text, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                _cleanup_(json_object_putp) json_object *arr =
                        c->args->json ? json_object_new_array() : NULL;
                status = read_instance(c, &d, p->id[1], "", arr);
                if (status == 0 && arr) {
                        _cleanup_(json_object_putp) json_object *o =
                                instance_json(&d, p->id[1], json_object_get(arr));
                        ctl_print_json(o);
                }
                return status;
        }

        const ctl_resource *res = ctl_resource_find(d.res, d.n_res, p->id[2]);
        if (!res)
                return ctl_fail(c->args, CTL_EXIT_FAILED, "read %s: %s (%u) has no resource %u",
                                text, d.name, d.id, p->id[2]);
        if (res->type == LWM2M_TYPE_NONE)
                return ctl_fail(c->args, CTL_EXIT_FAILED,
                                "read %s: %s is executable and holds no value", text, res->name);
        if (p->len == LWM2M_PATH_RESOURCE_INSTANCE && !res->multiple)
                return ctl_fail(c->args, CTL_EXIT_FAILED,
                                "read %s: %s is a single resource: it has no resource instances",
                                text, res->name);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(ctl_res_value_done) ctl_res_value rv = {0};
        int r = ctl_read_resource(c, p->id[0], p->id[1], res, &rv, &e);
        if (r < 0) {
                char what[64];
                snprintf(what, sizeof(what), "read %s", text);
                status = ctl_report(c->args, what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        int riid = p->len == LWM2M_PATH_RESOURCE_INSTANCE ? p->id[3] : -1;
        if (riid >= 0) {
                bool found = false;
                for (size_t i = 0; i < rv.n; i++)
                        found |= rv.items[i].riid == riid;
                if (!found)
                        return ctl_fail(c->args, CTL_EXIT_FAILED, "read %s: %s has no instance %d",
                                        text, res->name, riid);
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o =
                        ctl_resource_json(p->id[0], p->id[1], res, &rv, riid);
                ctl_print_json(o);
        } else {
                ctl_print_resource(res, &rv, "", riid);
        }
        return 0;
}

/* The definition and resource a write or exec names, with the path as text and "VERB PATH"
 * for messages. */
typedef struct target {
        char text[LWM2M_PATH_STRLEN];
        char what[64];
        ctl_objdef def;
        const ctl_resource *res;
} target;

static void target_done(target *t)
{
        ctl_objdef_done(&t->def);
}

/* Returns 0, or an exit status (reported already) when there is no such resource. */
static int find_target(const ctl *c, const char *verb, target *t)
{
        const lwm2m_path *p = &c->args->path;
        lwm2m_path_format(p, t->text, sizeof(t->text));
        snprintf(t->what, sizeof(t->what), "%s %s", verb, t->text);
        int status = ctl_fetch_objdef(c, p->id[0], &t->def);
        if (status)
                return status;
        t->res = ctl_resource_find(t->def.res, t->def.n_res, p->id[2]);
        if (!t->res)
                return ctl_fail(c->args, CTL_EXIT_FAILED, "%s: %s (%u) has no resource %u", t->what,
                                t->def.name, t->def.id, p->id[2]);
        return 0;
}

static int cmd_write(const ctl *c)
{
        const lwm2m_path *p = &c->args->path;
        _cleanup_(target_done) target t = {0};
        int status = find_target(c, "write", &t);
        if (status)
                return status;
        const ctl_resource *res = t.res;
        if (res->type == LWM2M_TYPE_NONE)
                return ctl_fail(c->args, CTL_EXIT_FAILED,
                                "%s: %s (%u) is executable and holds no value: use exec", t.what,
                                res->name, res->id);
        if (res->multiple && p->len == LWM2M_PATH_RESOURCE)
                return ctl_fail(c->args, CTL_EXIT_USAGE,
                                "%s: %s (%u) is a multiple resource: write one instance as %s/RI",
                                t.what, res->name, res->id, t.text);
        if (!res->multiple && p->len == LWM2M_PATH_RESOURCE_INSTANCE)
                return ctl_fail(c->args, CTL_EXIT_USAGE,
                                "%s: %s (%u) is a single resource: write it as /%u/%u/%u", t.what,
                                res->name, res->id, p->id[0], p->id[1], p->id[2]);

        lwm2m_value v;
        char why[256];
        if (ctl_parse_value(c->args->value, res->type, &v, why, sizeof(why)) < 0)
                return ctl_fail(c->args, CTL_EXIT_USAGE, "%s: %s (%u): %s", t.what, res->name,
                                res->id, why);

        _cleanup_(ctl_res_value_done) ctl_res_value rv = {0};
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = 0;
        if (res->multiple) {
                /* Instance.Write replaces the whole resource: merge into t.what is there. */
                r = ctl_read_resource(c, p->id[0], p->id[1], res, &rv, &e);
                if (r < 0 && sd_bus_error_has_name(&e, CTL_ERROR_PREFIX "NoValue")) {
                        sd_bus_error_free(&e);
                        r = 0;
                }
                if (r < 0) {
                        lwm2m_value_clear(&v);
                        status = ctl_report(c->args, t.what, r, &e);
                        sd_bus_error_free(&e);
                        return status;
                }
                rv.multiple = true;
                size_t i;
                for (i = 0; i < rv.n && rv.items[i].riid != p->id[3]; i++)
                        ;
                if (i == rv.n) {
                        ctl_res_item *grown = realloc(rv.items, (rv.n + 1) * sizeof(*grown));
                        if (!grown) {
                                lwm2m_value_clear(&v);
                                return ctl_fail(c->args, CTL_EXIT_FAILED, "out of memory");
                        }
                        rv.items = grown;
                        rv.items[rv.n++] = (ctl_res_item){.riid = p->id[3]};
                }
                lwm2m_value_clear(&rv.items[i].v);
                rv.items[i].v = v;
        } else {
                rv.items = calloc(1, sizeof(*rv.items));
                if (!rv.items) {
                        lwm2m_value_clear(&v);
                        return ctl_fail(c->args, CTL_EXIT_FAILED, "out of memory");
                }
                rv.items[0].v = v;
                rv.n = 1;
        }

        char path[80];
        ctl_instance_path(path, sizeof(path), p->id[0], p->id[1]);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = sd_bus_message_new_method_call(c->bus, &m, CTL_BUS_NAME, path, CTL_IFACE_INSTANCE,
                                           "Write");
        if (r >= 0)
                r = sd_bus_message_append(m, "q", res->id);
        if (r >= 0)
                r = ctl_append_resource_variant(m, res, &rv);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, CTL_CALL_TIMEOUT_USEC, &e, NULL);
        if (r < 0) {
                status = ctl_report(c->args, t.what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o =
                        ctl_resource_json(p->id[0], p->id[1], res, &rv,
                                          p->len == LWM2M_PATH_RESOURCE_INSTANCE ? p->id[3] : -1);
                ctl_print_json(o);
        }
        return 0;
}

static int cmd_exec(const ctl *c)
{
        const lwm2m_path *p = &c->args->path;
        _cleanup_(target_done) target t = {0};
        int status = find_target(c, "exec", &t);
        if (status)
                return status;
        const ctl_resource *res = t.res;
        char path[80];
        ctl_instance_path(path, sizeof(path), p->id[0], p->id[1]);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = ctl_call(c, path, CTL_IFACE_INSTANCE, "Execute", NULL, &e, "qs", res->id,
                         c->args->exec_args ? c->args->exec_args : "");
        if (r < 0) {
                status = ctl_report(c->args, t.what, r, &e);
                sd_bus_error_free(&e);
                return status;
        }
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "path", json_object_new_string(t.text));
                json_object_object_add(o, "name", json_object_new_string(res->name));
                json_object_object_add(o, "executed", json_object_new_boolean(true));
                ctl_print_json(o);
        }
        return 0;
}

/* Reports a failed call to the Manager or to server `short_id` (0: the Manager), saying
 * so when there is no such server; frees `e`. */
static int report_server_call(const ctl *c, const char *what, uint16_t short_id, int r,
                              sd_bus_error *e)
{
        int status;
        if (short_id && (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                         sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE)))
                status = ctl_fail(c->args, CTL_EXIT_FAILED, "%s: there is no server %u", what,
                                  short_id);
        else
                status = ctl_report(c->args, what, r, e);
        sd_bus_error_free(e);
        return status;
}

static int cmd_update(const ctl *c)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;
        char path[64];
        if (c->args->short_id) {
                snprintf(path, sizeof(path), CTL_ROOT_PATH "/server/%u", c->args->short_id);
                r = ctl_call(c, path, CTL_IFACE_SERVER, "Update", NULL, &e, NULL);
        } else {
                r = ctl_call(c, CTL_ROOT_PATH, CTL_IFACE_MANAGER, "Update", NULL, &e, NULL);
        }
        if (r < 0)
                return report_server_call(c, "update", c->args->short_id, r, &e);
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "update", json_object_new_string("requested"));
                if (c->args->short_id)
                        json_object_object_add(o, "short_id",
                                               json_object_new_int(c->args->short_id));
                ctl_print_json(o);
        }
        return 0;
}

/* Manager.Bootstrap: a client-initiated bootstrap now. */
static int cmd_bootstrap(const ctl *c)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = ctl_call(c, CTL_ROOT_PATH, CTL_IFACE_MANAGER, "Bootstrap", NULL, &e, NULL);
        if (r < 0)
                return report_server_call(c, "bootstrap", 0, r, &e);
        if (c->args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "bootstrap", json_object_new_string("started"));
                ctl_print_json(o);
        }
        return 0;
}

/* Manager.Send, or Server.Send of one server with --server. */
static int cmd_send(const ctl *c)
{
        const ctl_args *a = c->args;
        char path[64] = CTL_ROOT_PATH;
        const char *iface = CTL_IFACE_MANAGER;
        if (a->short_id) {
                snprintf(path, sizeof(path), CTL_ROOT_PATH "/server/%u", a->short_id);
                iface = CTL_IFACE_SERVER;
        }
        char texts[CTL_SEND_MAX_PATHS][LWM2M_PATH_STRLEN];
        char *strv[CTL_SEND_MAX_PATHS + 1] = {NULL};
        for (size_t i = 0; i < a->n_send_paths; i++) {
                lwm2m_path_format(&a->send_paths[i], texts[i], sizeof(texts[i]));
                strv[i] = texts[i];
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(c->bus, &m, CTL_BUS_NAME, path, iface, "Send");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, strv);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, CTL_CALL_TIMEOUT_USEC, &e, NULL);
        if (r < 0)
                return report_server_call(c, "send", a->short_id, r, &e);
        if (a->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *arr = json_object_new_array();
                for (size_t i = 0; i < a->n_send_paths; i++)
                        json_object_array_add(arr, json_object_new_string(texts[i]));
                json_object_object_add(o, "sent", arr);
                if (a->short_id)
                        json_object_object_add(o, "short_id", json_object_new_int(a->short_id));
                ctl_print_json(o);
        }
        return 0;
}

int main(int argc, char *argv[])
{
        ctl_args args;
        char why[256];
        if (ctl_parse_args(argc, argv, &args, why, sizeof(why)) < 0) {
                ctl_msg("%s", why);
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
        int r = ctl_open_bus(args.bus, &bus);
        if (r < 0) {
                ctl_msg("cannot connect to the %s bus: %s", args.bus, strerror(-r));
                if (args.json) {
                        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                        json_object *err = json_object_new_object();
                        json_object_object_add(o, "error", err);
                        json_object_object_add(err, "message",
                                               json_object_new_string(strerror(-r)));
                        ctl_print_json(o);
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
        case CTL_CMD_SEND:
                return cmd_send(&c);
        case CTL_CMD_BOOTSTRAP:
                return cmd_bootstrap(&c);
        default:
                return CTL_EXIT_USAGE;
        }
}
