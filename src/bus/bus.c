/* bus.c - the D-Bus face of lwm2md: the connection and the org.lwm2md1 name,
 * the Manager with its ObjectManager, and the LwM2M servers as objects. */
#include "bus/bus.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus/access.h"
#include "bus/context.h"
#include "bus/convert.h"
#include "bus/errors.h"
#include "bus/export.h"
#include "bus/ledger.h"
#include "bus/owner.h"
#include "bus/paths.h"
#include "bus/typed.h"
#include "model/oma.h"
#include "model/policy.h"

/* ---- org.lwm2md1.Manager ---- */

static int manager_get_string(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        const char *v = "";
        if (strcmp(property, "Endpoint") == 0)
                v = b->endpoint;
        else if (strcmp(property, "Version") == 0)
                v = b->lwm2m_version;
        else if (b->ops.state)
                v = b->ops.state(b->ops_userdata);
        return sd_bus_message_append_basic(reply, 's', v ? v : "");
}

static size_t server_count(lwm2m_bus *b)
{
        return b->ops.server_count ? b->ops.server_count(b->ops_userdata) : 0;
}

static int server_at(lwm2m_bus *b, size_t i, bus_server_info *info)
{
        *info = (bus_server_info){0};
        return b->ops.server_info ? b->ops.server_info(b->ops_userdata, i, info) : -ENOENT;
}

static int manager_get_servers(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "o");
        size_t n = server_count(b);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                bus_server_info info;
                if (server_at(b, i, &info) < 0)
                        continue;
                char p[64];
                snprintf(p, sizeof(p), BUS_SERVER_PATH "/%u", (unsigned)info.short_id);
                r = sd_bus_message_append_basic(reply, 'o', p);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int manager_get_objects(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "q");
        for (int oid = lwm2m_tree_next_object(b->tree, -1); r >= 0 && oid >= 0;
             oid = lwm2m_tree_next_object(b->tree, oid)) {
                uint16_t id = (uint16_t)oid;
                r = sd_bus_message_append_basic(reply, 'q', &id);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static void emit_manager_changed(lwm2m_bus *b, const char *property)
{
        if (b->bus)
                sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_IFACE_MANAGER, property,
                                               NULL);
}

/* Instances created with CreateInstance have no provider behind them: server
 * writes are stored as they come, and an Execute is announced to whoever
 * listens (a shell script with busctl monitor) by the Executed signal. */
static int held_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                        size_t args_len, lwm2m_ask ask)
{
        lwm2m_bus *b = userdata;
        if (!b->bus)
                return -EIO;
        _cleanup_free_ char *text = NULL;
        int r = bus_execute_arguments(args, args_len, &text);
        if (r < 0)
                return r;
        char path[64];
        export_instance_path(resource->id[0], resource->id[1], path, sizeof(path));
        r = sd_bus_emit_signal(b->bus, path, BUS_IFACE_INSTANCE, "Executed", "qs", resource->id[2],
                               text);
        if (r < 0) {
                lwm2m_logf(&b->log, LOG_WARNING, "cannot announce the Execute of %s: %s", path,
                           strerror(-r));
                return -EIO;
        }
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static const lwm2m_owner_ops held_ops = {.execute = held_execute};

/* The definition of `oid`, or NotFound naming the missing DDF. */
static int defined_object(lwm2m_bus *b, uint16_t oid, const lwm2m_object_def **out,
                          sd_bus_error *error)
{
        *out = lwm2m_registry_find(b->reg, oid);
        if (!*out)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                         "object %u is not defined (no DDF file for it)", oid);
        return 0;
}

/* An AddInstance or CreateInstance call, answered when its request is done. */
typedef struct add_call {
        lwm2m_bus *b;
        sd_bus_message *call;
        bool held;
        const lwm2m_owner *counted;
        uid_t uid;
        uint16_t oid;
} add_call;

static void on_added(void *userdata, const lwm2m_request_result *res)
{
        _cleanup_free_ add_call *ac = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = ac->call;
        lwm2m_bus *b = ac->b;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = res->error;
        if (r == -EEXIST || r == -ENOSPC)
                bus_error_from_errno(&error, -EIO, r == -ENOSPC ? "no free instance ID" : NULL);
        else if (r < 0)
                bus_error_from_errno(&error, r, res->why[0] ? res->why : NULL);
        if (r >= 0) {
                r = access_record(b, ac->oid, res->iid, ac->counted, ac->uid);
                if (r < 0) {
                        lwm2m_tree_delete_instance(b->tree, ac->oid, res->iid, b);
                        bus_error_from_errno(&error, r, NULL);
                }
        }
        if (!b->bus || r == -ECANCELED)
                return;
        if (r < 0) {
                if (sd_bus_error_is_set(&error))
                        sd_bus_reply_method_error(m, &error);
                else
                        sd_bus_reply_method_errno(m, r, NULL);
                return;
        }
        lwm2m_logf(&b->log, LOG_INFO, "%s %s /%u/%u", sd_bus_message_get_sender(m),
                   ac->held ? "created (held by the daemon)" : "added", ac->oid, res->iid);
        char path[64];
        export_instance_path(ac->oid, res->iid, path, sizeof(path));
        sd_bus_reply_method_return(m, "o", path);
}

/* AddInstance (owned by the caller, gone when it leaves the bus) and
 * CreateInstance (held by the daemon until RemoveInstance). */
static int add_instance(sd_bus_message *m, lwm2m_bus *b, bool held, sd_bus_error *error)
{
        uint16_t oid, iid;
        int r = sd_bus_message_read(m, "qq", &oid, &iid);
        if (r < 0)
                return r;
        const lwm2m_object_def *obj = NULL;
        r = defined_object(b, oid, &obj, error);
        if (r < 0)
                return r;
        if (lwm2m_policy_is_provisioned(oid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s (%u) instances come from the configuration or a "
                                         "bootstrap server",
                                         obj->name ? obj->name : "?", oid);
        if (iid != LWM2M_ID_INVALID && lwm2m_tree_has_instance(b->tree, oid, iid))
                return sd_bus_error_setf(error, BUS_ERROR_FAILED, "/%u/%u exists already", oid,
                                         iid);
        if (!obj->multiple && lwm2m_tree_instance_count(b->tree, oid) > 0)
                return sd_bus_error_setf(error, BUS_ERROR_FAILED,
                                         "%s (%u) is a single-instance object and has its instance",
                                         obj->name ? obj->name : "?", oid);

        /* A held instance counts against its creator's uid, an owned one against
         * the caller's connection, which goes with it. */
        const lwm2m_owner *owner = &b->held, *counted = NULL;
        uid_t uid = 0;
        if (held) {
                bool privileged;
                r = access_caller(b, m, &uid, &privileged, error);
        } else {
                bus_owner *o = NULL;
                r = owner_get(b, m, &o);
                if (r < 0)
                        return sd_bus_error_setf(error, BUS_ERROR_FAILED,
                                                 "cannot follow the caller on the bus: %s",
                                                 strerror(-r));
                owner = counted = owner_lwm2m(o);
        }
        if (r >= 0)
                r = access_check_limit(b, counted, uid, sd_bus_message_get_sender(m), error);
        if (r < 0)
                return r;

        /* Values read under a placeholder instance ID; the request adds the
         * instance with them at once, or nothing. */
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = convert_read_values(b, m, obj, 0, true, &l, error);
        if (r < 0)
                return r;
        add_call *ac = calloc(1, sizeof(*ac));
        if (!ac)
                return -ENOMEM;
        *ac = (add_call){.b = b,
                         .call = sd_bus_message_ref(m),
                         .held = held,
                         .counted = counted,
                         .uid = uid,
                         .oid = oid};
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_CREATE,
                .origin = export_origin(b, true),
                .path = iid == LWM2M_ID_INVALID ? lwm2m_path_object(oid)
                                                : lwm2m_path_instance(oid, iid),
                .records = TAKE_STRUCT(l),
                .owner = owner,
                .group = b,
                .done = on_added,
                .userdata = ac,
        };
        lwm2m_request_start(b->requests, &spec);
        return 1;
}

static int method_add_instance(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return add_instance(m, userdata, false, error);
}

static int method_create_instance(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return add_instance(m, userdata, true, error);
}

/* A provider removes what it added, a user the held instances it created;
 * root and the admin group anything (access_check). */
static int method_remove_instance(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        const char *path;
        uint16_t oid, iid;
        int r = sd_bus_message_read_basic(m, 'o', &path);
        if (r < 0)
                return r;
        if (bus_parse_instance_path(path, &oid, &iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, oid, iid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "no instance at %s", path);
        if (lwm2m_policy_is_daemons(oid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "/%u/%u belongs to the daemon", oid, iid);
        bool as_owner;
        r = access_check(b, m, oid, iid, 0, ACCESS_REMOVE, &as_owner, error);
        if (r < 0)
                return r;
        r = lwm2m_tree_delete_instance(b->tree, oid, iid, b);
        if (r < 0)
                return bus_error_from_errno(error, r, NULL);
        lwm2m_logf(&b->log, LOG_INFO, "%s removed /%u/%u", sd_bus_message_get_sender(m), oid, iid);
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

/* ManageObject / ReleaseObject: who takes a server's Create of an object. */
static int manage_object(sd_bus_message *m, lwm2m_bus *b, bool manage, sd_bus_error *error)
{
        uint16_t oid;
        int r = sd_bus_message_read_basic(m, 'q', &oid);
        if (r < 0)
                return r;
        const lwm2m_object_def *obj = NULL;
        r = defined_object(b, oid, &obj, error);
        if (r < 0)
                return r;
        const char *name = obj->name ? obj->name : "?";
        if (lwm2m_policy_is_daemons(oid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s (%u) belongs to the daemon", name, oid);
        const lwm2m_owner *current = lwm2m_tree_get_object_owner(b->tree, oid);
        const char *sender = sd_bus_message_get_sender(m);
        const char *holder = owner_bus_name(current);
        bool mine = holder && sender && strcmp(holder, sender) == 0;
        if (!manage && !mine)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                         "the caller does not manage %s (%u)", name, oid);
        if (current && !mine)
                return sd_bus_error_setf(error, BUS_ERROR_FAILED,
                                         "%s (%u) is managed by %s already", name, oid,
                                         holder ? holder : current->name);
        bus_owner *o = NULL;
        r = owner_get(b, m, &o);
        if (r >= 0)
                r = owner_manage_object(o, oid, manage);
        if (r < 0)
                return bus_error_from_errno(error, r, NULL);
        lwm2m_logf(&b->log, LOG_INFO, "%s %s the server Creates of %s (%u)", sender,
                   manage ? "takes" : "no longer takes", name, oid);
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

static int method_manage_object(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return manage_object(m, userdata, true, error);
}

static int method_release_object(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return manage_object(m, userdata, false, error);
}

/* The short ID of the server object a call came to (0: the Manager, every server). */
static uint16_t call_short_id(sd_bus_message *m)
{
        if (strcmp(sd_bus_message_get_interface(m), BUS_IFACE_SERVER) != 0)
                return 0;
        const char *p = sd_bus_message_get_path(m) + strlen(BUS_SERVER_PATH "/");
        return (uint16_t)strtoul(p, NULL, 10); /* checked by server_find */
}

static int method_update(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t short_id = call_short_id(m);
        int r = b->ops.request_update ? b->ops.request_update(b->ops_userdata, short_id) : -ENOTSUP;
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot send a Registration Update");
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

/* Bootstrap rewrites the Security and Server objects: for root and the admin group. */
static int method_bootstrap(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uid_t uid;
        bool privileged = false;
        int r = access_caller(b, m, &uid, &privileged, error);
        if (r < 0)
                return r;
        if (!privileged)
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "Bootstrap is for root and the admin group");
        r = b->ops.bootstrap ? b->ops.bootstrap(b->ops_userdata) : -ENOTSUP;
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                         "no bootstrap server is configured "
                                         "(no Security instance with Bootstrap-Server true)");
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot start a bootstrap");
        lwm2m_logf(&b->log, LOG_INFO, "%s started a bootstrap", sd_bus_message_get_sender(m));
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

/* One path of a Send: an existing object (with instances), instance, resource
 * or resource instance, not the Security object, that the caller may change. */
static int check_send_path(lwm2m_bus *b, sd_bus_message *m, const char *text, lwm2m_path *p,
                           sd_bus_error *error)
{
        if (lwm2m_path_parse(text, p) < 0)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "'%s' is not an LwM2M path (/object[/instance[/resource"
                                         "[/resource-instance]]])",
                                         text);
        if (p->len == LWM2M_PATH_ROOT)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "'%s': Send takes objects, instances or resources, "
                                         "not the root",
                                         text);
        uint16_t oid = p->id[0];
        if (oid == LWM2M_OBJ_SECURITY)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "%s: the Security object (%u) is never sent", text, oid);
        if (lwm2m_tree_path_exists(b->tree, p, false) < 0 ||
            (p->len == LWM2M_PATH_OBJECT && lwm2m_tree_instance_count(b->tree, oid) == 0))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "nothing at %s to send", text);
        bool as_owner;
        if (p->len > LWM2M_PATH_OBJECT)
                return access_check(b, m, oid, p->id[1], 0, ACCESS_SEND, &as_owner, error);
        for (int iid = lwm2m_tree_next_instance(b->tree, oid, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(b->tree, oid, iid)) {
                int r = access_check(b, m, oid, (uint16_t)iid, 0, ACCESS_SEND, &as_owner, error);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Send(as): the current values at the paths, to one server (Server.Send) or
 * to every server that takes them (Manager.Send). */
static int method_send(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t short_id = call_short_id(m);
        _cleanup_free_ lwm2m_path *paths = NULL;
        size_t n = 0, cap = 0;
        const char *first = NULL, *text;
        int r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read_basic(m, 's', &text)) > 0) {
                if (n == cap) {
                        size_t nc = cap ? cap * 2 : 8;
                        lwm2m_path *np = realloc(paths, nc * sizeof(*paths));
                        if (!np)
                                return -ENOMEM;
                        paths = np;
                        cap = nc;
                }
                r = check_send_path(b, m, text, &paths[n++], error);
                first = first ? first : text;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (n == 0)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE, "no paths to send");
        r = b->ops.send ? b->ops.send(b->ops_userdata, short_id, paths, n) : -ENOSYS;
        if (r < 0) {
                char why[256];
                bus_describe_send_error(r, short_id, why, sizeof(why));
                return bus_error_from_errno(error, r, why);
        }
        char server[32] = "every server";
        if (short_id)
                snprintf(server, sizeof(server), "server %u", short_id);
        lwm2m_logf(&b->log, LOG_INFO, "%s sent %zu path%s (%s%s) to %s",
                   sd_bus_message_get_sender(m), n, n == 1 ? "" : "s", first, n > 1 ? ", ..." : "",
                   server);
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Endpoint", "s", manager_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", manager_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", manager_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Servers", "ao", manager_get_servers, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Objects", "aq", manager_get_objects, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("AddInstance", "qqa{qv}",
                                 SD_BUS_PARAM(object) SD_BUS_PARAM(instance) SD_BUS_PARAM(values),
                                 "o", SD_BUS_PARAM(path), method_add_instance,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("CreateInstance", "qqa{qv}",
                                 SD_BUS_PARAM(object) SD_BUS_PARAM(instance) SD_BUS_PARAM(values),
                                 "o", SD_BUS_PARAM(path), method_create_instance,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RemoveInstance", "o", SD_BUS_PARAM(instance), "", ,
                                 method_remove_instance, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ManageObject", "q", SD_BUS_PARAM(object), "", ,
                                 method_manage_object, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReleaseObject", "q", SD_BUS_PARAM(object), "", ,
                                 method_release_object, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Update", "", "", method_update, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Send", "as", SD_BUS_PARAM(paths), "", , method_send,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Bootstrap", "", "", method_bootstrap, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- org.lwm2md1.Server ---- */

/* The index of the server a path names, or -ENOENT. */
static int server_index(lwm2m_bus *b, const char *path, bus_server_info *info)
{
        static const char prefix[] = BUS_SERVER_PATH "/";
        if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
                return -ENOENT;
        const char *p = path + sizeof(prefix) - 1;
        uint16_t short_id;
        if (bus_parse_id(p, strlen(p), &short_id) < 0 || short_id == 0)
                return -ENOENT;
        size_t n = server_count(b);
        for (size_t i = 0; i < n; i++)
                if (server_at(b, i, info) >= 0 && info->short_id == short_id)
                        return (int)i;
        return -ENOENT;
}

static int server_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **found, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        bus_server_info info;
        if (server_index(b, path, &info) < 0)
                return 0;
        *found = b;
        return 1;
}

static int server_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        bus_server_info info;
        if (server_index(b, path, &info) < 0)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "no server at %s", path);
        if (strcmp(property, "ShortId") == 0)
                return sd_bus_message_append_basic(reply, 'q', &info.short_id);
        if (strcmp(property, "Lifetime") == 0)
                return sd_bus_message_append_basic(reply, 'u', &info.lifetime);
        if (strcmp(property, "Observations") == 0)
                return sd_bus_message_append_basic(reply, 'u', &info.observations);
        if (strcmp(property, "Sleeping") == 0) {
                int v = info.sleeping;
                return sd_bus_message_append_basic(reply, 'b', &v);
        }
        const uint64_t *count =
                strcmp(property, "NotificationsQueued") == 0      ? &info.notifications_queued
                : strcmp(property, "NotificationsDelivered") == 0 ? &info.notifications_delivered
                : strcmp(property, "NotificationsDropped") == 0   ? &info.notifications_dropped
                                                                  : NULL;
        if (count)
                return sd_bus_message_append_basic(reply, 't', count);
        const char *v = strcmp(property, "Uri") == 0            ? info.uri
                        : strcmp(property, "State") == 0        ? info.state
                        : strcmp(property, "Binding") == 0      ? info.binding
                        : strcmp(property, "Location") == 0     ? info.location
                        : strcmp(property, "LwM2MVersion") == 0 ? info.lwm2m_version
                                                                : info.last_error;
        return sd_bus_message_append_basic(reply, 's', v ? v : "");
}

#define SERVER_PROPERTY(name, sig)                                                                 \
        SD_BUS_PROPERTY(name, sig, server_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable server_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("ShortId", "q", server_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SERVER_PROPERTY("Uri", "s"),
        SERVER_PROPERTY("State", "s"),
        SERVER_PROPERTY("Lifetime", "u"),
        SERVER_PROPERTY("Binding", "s"),
        SERVER_PROPERTY("Location", "s"),
        SERVER_PROPERTY("LwM2MVersion", "s"),
        SERVER_PROPERTY("LastError", "s"),
        SERVER_PROPERTY("Observations", "u"),
        SERVER_PROPERTY("Sleeping", "b"),
        SERVER_PROPERTY("NotificationsQueued", "t"),
        SERVER_PROPERTY("NotificationsDelivered", "t"),
        SERVER_PROPERTY("NotificationsDropped", "t"),
        SD_BUS_METHOD("Update", "", "", method_update, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Send", "as", SD_BUS_PARAM(paths), "", , method_send,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int server_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                            sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        size_t n = server_count(b), k = 0;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bus_server_info info;
                if (server_at(b, i, &info) < 0 ||
                    asprintf(&v[k], BUS_SERVER_PATH "/%u", (unsigned)info.short_id) < 0) {
                        v[k] = NULL;
                        continue;
                }
                k++;
        }
        *nodes = v;
        return 0;
}

void bus_server_changed(lwm2m_bus *b, uint16_t short_id)
{
        if (!b || !b->bus)
                return;
        char path[64];
        snprintf(path, sizeof(path), BUS_SERVER_PATH "/%u", (unsigned)short_id);
        /* NULL: every property that announces its changes. */
        sd_bus_emit_properties_changed_strv(b->bus, path, BUS_IFACE_SERVER, NULL);
        sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_IFACE_MANAGER, "State", "Servers",
                                       NULL);
}

/* The short IDs of the engine's servers now, in its order. */
static int server_ids(lwm2m_bus *b, uint16_t **out, size_t *n_out)
{
        size_t n = server_count(b), k = 0;
        uint16_t *ids = calloc(n ?: 1, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bus_server_info info;
                if (server_at(b, i, &info) >= 0)
                        ids[k++] = info.short_id;
        }
        *out = ids;
        *n_out = k;
        return 0;
}

static bool contains_id(const uint16_t *ids, size_t n, uint16_t id)
{
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

/* Takes the engine's list as what the connection knows, without a signal: a client
 * of a new connection asks GetManagedObjects. */
static int take_server_list(lwm2m_bus *b)
{
        uint16_t *ids = NULL;
        size_t n = 0;
        int r = server_ids(b, &ids, &n);
        if (r < 0)
                return r;
        free(b->shown_servers);
        b->shown_servers = ids;
        b->n_shown_servers = n;
        return 0;
}

void bus_servers_changed(lwm2m_bus *b)
{
        if (!b || !b->bus)
                return;
        uint16_t *now = NULL;
        size_t n_now = 0;
        if (server_ids(b, &now, &n_now) < 0) {
                lwm2m_logf(&b->log, LOG_WARNING, "out of memory announcing the servers");
                return;
        }
        _cleanup_free_ uint16_t *old = b->shown_servers;
        size_t n_old = b->n_shown_servers;
        b->shown_servers = now;
        b->n_shown_servers = n_now;
        char path[64];
        /* The object is gone from the engine already: its interfaces are named here, as
         * sd_bus_emit_object_added names them (with the standard ones). */
        char *ifaces[] = {(char *)BUS_IFACE_SERVER, (char *)"org.freedesktop.DBus.Peer",
                          (char *)"org.freedesktop.DBus.Introspectable",
                          (char *)"org.freedesktop.DBus.Properties", NULL};
        for (size_t i = 0; i < n_old; i++) {
                if (contains_id(b->shown_servers, b->n_shown_servers, old[i]))
                        continue;
                snprintf(path, sizeof(path), BUS_SERVER_PATH "/%u", (unsigned)old[i]);
                int r = sd_bus_emit_interfaces_removed_strv(b->bus, path, ifaces);
                if (r < 0)
                        lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce the removal of %s: %s",
                                   path, strerror(-r));
        }
        for (size_t i = 0; i < b->n_shown_servers; i++) {
                uint16_t id = b->shown_servers[i];
                if (contains_id(old, n_old, id))
                        continue;
                snprintf(path, sizeof(path), BUS_SERVER_PATH "/%u", (unsigned)id);
                int r = sd_bus_emit_object_added(b->bus, path);
                if (r < 0)
                        lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce %s: %s", path,
                                   strerror(-r));
        }
        sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_IFACE_MANAGER, "State", "Servers",
                                       NULL);
}

/* ---- life cycle ---- */

/* InterfacesAdded/Removed and PropertiesChanged for a change of the tree. */
static void announce_change(lwm2m_bus *b, const lwm2m_change *c)
{
        uint16_t oid = c->instance.id[0], iid = c->instance.id[1];
        if (!b->bus) {
                /* Nobody to tell; the typed interfaces are built on reconnecting. */
                if (c->kind == LWM2M_CHANGE_INSTANCE_REMOVED)
                        owner_forget_instance(b, oid, iid);
                return;
        }
        switch (c->kind) {
        case LWM2M_CHANGE_INSTANCE_ADDED:
                if (typed_ensure(b, oid) == -ENOMEM)
                        lwm2m_logf(&b->log, LOG_WARNING, "out of memory exporting object %u", oid);
                export_emit_instance_added(b, oid, iid);
                break;
        case LWM2M_CHANGE_INSTANCE_REMOVED:
                owner_forget_instance(b, oid, iid);
                export_emit_instance_removed(b, oid, iid, typed_interface(b, oid));
                break;
        case LWM2M_CHANGE_VALUES:
                typed_emit_values_changed(b, c);
                break;
        }
}

static void on_tree_change(void *userdata, const lwm2m_change *c)
{
        lwm2m_bus *b = userdata;
        /* Signals on the bus: sd-bus may queue them, and its event sources then want
         * a turn of the loop (quiet listener, lwm2m_tree_add_quiet_listener). */
        if (b->bus)
                lwm2m_tree_note_callout(b->tree);
        if (c->kind == LWM2M_CHANGE_INSTANCE_REMOVED)
                access_forget(b, c->instance.id[0], c->instance.id[1]);
        announce_change(b, c);
        if (c->kind != LWM2M_CHANGE_VALUES)
                emit_manager_changed(b, "Objects");
}

int bus_open_address(const char *address, sd_bus **out)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;
        if (strcmp(address, "system") == 0)
                return sd_bus_open_system_with_description(out, "lwm2md");
        if (strcmp(address, "user") == 0)
                return sd_bus_open_user_with_description(out, "lwm2md");
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_set_description(bus, "lwm2md");
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *out = TAKE_PTR(bus);
        return 0;
}

/* Everything that lived on the connection goes with it: calls waiting for
 * providers are answered, the providers' instances removed (they were on
 * the old bus and cannot follow), the typed interfaces unregistered. Held
 * instances stay: they belong to the daemon. */
static void disconnect(lwm2m_bus *b)
{
        if (!b->bus)
                return;
        /* Taken first, so that the removals below announce nothing on it. */
        sd_bus *old = TAKE_PTR(b->bus);
        export_free(b);
        typed_free(b);
        owner_retire_all(b);
        sd_bus_detach_event(old);
        sd_bus_close_unref(old);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Connects, exports the tree and takes the name; on failure leaves no
 * connection behind and says which step failed. */
static int connect_bus(lwm2m_bus *b, char *why, size_t why_size)
{
        const char *step = "cannot connect to the bus";
        int r = bus_open_address(b->address, &b->bus);
        if (r >= 0) {
                step = "cannot export the object tree";
                r = sd_bus_add_object_vtable(b->bus, NULL, BUS_ROOT_PATH, BUS_IFACE_MANAGER,
                                             manager_vtable, b);
        }
        if (r >= 0)
                r = sd_bus_add_object_manager(b->bus, NULL, BUS_ROOT_PATH);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_SERVER_PATH, BUS_IFACE_SERVER,
                                               server_vtable, server_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_SERVER_PATH, server_enumerate, b);
        if (r >= 0)
                r = export_register(b);
        if (r >= 0)
                r = typed_register(b);
        if (r >= 0)
                r = sd_bus_match_signal(b->bus, NULL, "org.freedesktop.DBus.Local",
                                        "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                        "Disconnected", on_disconnected, b);
        if (r >= 0) {
                step = "cannot list the servers";
                r = take_server_list(b);
        }
        if (r >= 0) {
                step = "cannot own the name " BUS_NAME;
                r = sd_bus_request_name(b->bus, BUS_NAME, 0);
        }
        if (r >= 0) {
                step = "cannot attach the bus to the event loop";
                r = sd_bus_attach_event(b->bus, b->event, SD_EVENT_PRIORITY_NORMAL);
        }
        if (r < 0) {
                snprintf(why, why_size, "%s (%s): %s", step, b->address, strerror(-r));
                disconnect(b);
                return r;
        }
        const char *unique = NULL;
        sd_bus_get_unique_name(b->bus, &unique);
        lwm2m_logf(&b->log, LOG_INFO, "serving %s on D-Bus as " BUS_NAME " (%s, %s)", b->endpoint,
                   unique ? unique : "?", b->address);
        return 0;
}

/* Waits before trying again, twice as long each time up to a ceiling, so
 * that a bus restarting is found soon and a bus that is gone costs little. */
#define RECONNECT_FIRST_USEC (1ULL * 1000 * 1000)
#define RECONNECT_MAX_USEC   (30ULL * 1000 * 1000)

static int schedule_reconnect(lwm2m_bus *b, uint64_t usec)
{
        int r = b->retry ? sd_event_source_set_time_relative(b->retry, usec) : -ENOENT;
        if (r >= 0)
                r = sd_event_source_set_enabled(b->retry, SD_EVENT_ONESHOT);
        return r;
}

/* A restarted bus daemon has a new GUID: an address that pins the old one
 * ("unix:path=/run/bus,guid=...") would refuse it for ever. Removes every
 * "guid=" key in place. */
static void forget_guid(char *address)
{
        char *p = address;
        while ((p = strstr(p, "guid="))) {
                bool key_start = p > address && (p[-1] == ',' || p[-1] == ':');
                if (!key_start) {
                        p += 5;
                        continue;
                }
                size_t len = strcspn(p, ",;");
                char *from = p + len, *to = p;
                if (*from == ',')
                        from++; /* "guid=x,next": drop the comma after it */
                else if (p[-1] == ',')
                        to = p - 1; /* "...,guid=x": drop the comma before it */
                memmove(to, from, strlen(from) + 1);
                p = to;
        }
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        lwm2m_bus *b = userdata;
        disconnect(b);
        forget_guid(b->address);
        char why[256] = "";
        if (connect_bus(b, why, sizeof(why)) >= 0) {
                b->retry_usec = RECONNECT_FIRST_USEC;
                return 0;
        }
        lwm2m_logf(&b->log, LOG_WARNING, "%s; trying again in %llu s", why,
                   (unsigned long long)(b->retry_usec / 1000000));
        schedule_reconnect(b, b->retry_usec);
        b->retry_usec =
                b->retry_usec * 2 > RECONNECT_MAX_USEC ? RECONNECT_MAX_USEC : b->retry_usec * 2;
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        lwm2m_logf(&b->log, LOG_WARNING, "lost the D-Bus connection; reconnecting");
        /* Not torn down here: this runs inside the connection's own dispatch. */
        schedule_reconnect(b, 0);
        return 0;
}

int bus_new(sd_event *event, lwm2m_tree *tree, const bus_config *cfg, lwm2m_bus **out, char *why,
            size_t why_size)
{
        assert(event && tree && cfg && out);
        lwm2m_bus *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->tree = tree;
        b->requests = cfg->requests;
        b->reg = lwm2m_tree_registry(tree);
        b->event = sd_event_ref(event);
        b->address = strdup(cfg->address ? cfg->address : "system");
        b->endpoint = strdup(cfg->endpoint ? cfg->endpoint : "");
        snprintf(b->lwm2m_version, sizeof(b->lwm2m_version), "%s",
                 cfg->lwm2m_version ? cfg->lwm2m_version : "");
        if (cfg->ops)
                b->ops = *cfg->ops;
        b->ops_userdata = cfg->ops_userdata;
        b->log = cfg->log;
        b->held = (lwm2m_owner){.ops = &held_ops, .userdata = b, .name = "daemon"};
        b->retry_usec = RECONNECT_FIRST_USEC;
        int r = b->address && b->endpoint ? 0 : -ENOMEM;
        if (r >= 0)
                r = access_init(b, cfg);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &b->retry, CLOCK_MONOTONIC, 0, 0,
                                               on_reconnect_timer, b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->retry, SD_EVENT_OFF);
        if (r >= 0) {
                r = lwm2m_tree_add_quiet_listener(tree, on_tree_change, b);
                b->listening = r >= 0;
        }
        if (r < 0) {
                snprintf(why, why_size, "cannot set up D-Bus: %s", strerror(-r));
                bus_free(b);
                return r;
        }
        /* A bus that is not there yet (or a name still taken) is tried again later. */
        if (connect_bus(b, why, why_size) < 0) {
                lwm2m_logf(&b->log, LOG_WARNING, "%s; trying again in %llu s", why,
                           (unsigned long long)(b->retry_usec / 1000000));
                schedule_reconnect(b, b->retry_usec);
                b->retry_usec *= 2;
        }
        *out = b;
        return 0;
}

void bus_free(lwm2m_bus *b)
{
        if (!b)
                return;
        if (b->listening)
                lwm2m_tree_remove_listener(b->tree, on_tree_change, b);
        /* D-Bus calls waiting for owners go unanswered: the connection goes too. */
        export_free(b);
        typed_free(b);
        owner_free_all(b);
        owner_remove_instances(b, &b->held);
        if (b->bus) {
                sd_bus_detach_event(b->bus);
                sd_bus_flush_close_unref(b->bus);
        }
        sd_event_source_disable_unref(b->retry);
        sd_event_unref(b->event);
        access_free(b);
        free(b->shown_servers);
        free(b->address);
        free(b->endpoint);
        free(b);
}

const char *bus_unique_name(lwm2m_bus *b)
{
        const char *name = NULL;
        if (!b || !b->bus || sd_bus_get_unique_name(b->bus, &name) < 0)
                return NULL;
        return name;
}
