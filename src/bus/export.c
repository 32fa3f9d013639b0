/* export.c - the object tree on D-Bus: object definitions and instances with the
 * generic org.lwm2md1.Instance, the calls that wait for an instance's owner, and the
 * method logic the typed org.lwm2md1.Object<oid> interfaces (typed.c) share.
 *
 * Nothing here is registered per instance or per resource: one fallback vtable
 * per interface under /org/lwm2md1/object, whose find function accepts only
 * paths that exist in the tree, and node enumerators for `busctl tree`. */
#include "bus/export.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus/access.h"
#include "bus/context.h"
#include "bus/convert.h"
#include "bus/errors.h"
#include "bus/owner.h"
#include "bus/paths.h"

/* ---- values ---- */

int export_append_resource(lwm2m_bus *b, sd_bus_message *m, const lwm2m_resource_def *res,
                           uint16_t oid, uint16_t iid, bool *present)
{
        assert(b && m && res);
        lwm2m_path rp = lwm2m_path_resource(oid, iid, res->id);
        if (!convert_signature(res))
                return -EINVAL;
        if (!res->multiple) {
                const lwm2m_value *v = lwm2m_tree_get(b->tree, &rp);
                if (present)
                        *present = v != NULL;
                return convert_append_value(m, res, v && v->type == res->type ? v : NULL);
        }
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int rr = lwm2m_tree_read(b->tree, &rp, &l);
        if (present)
                *present = rr >= 0;
        return convert_append_instances(m, res, l.items, rr >= 0 ? l.n : 0, true);
}

/* ---- calls answered when their request is done ---- */

/* A D-Bus call whose answer waits for the model's request (model/request.h). */
typedef struct bus_call {
        lwm2m_bus *b;
        sd_bus_message *call;
        lwm2m_request_kind kind;
        lwm2m_path path;
} bus_call;

static int reply_error_errno(sd_bus_message *call, int err, const char *message)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bus_error_from_errno(&e, err, message);
        if (!sd_bus_error_is_set(&e))
                return sd_bus_reply_method_errno(call, err, NULL);
        return sd_bus_reply_method_error(call, &e);
}

/* Answers Read(q) -> v from the stored value. */
static int reply_read(lwm2m_bus *b, sd_bus_message *call, const lwm2m_object_def *obj,
                      const lwm2m_resource_def *res, uint16_t iid)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool present = false;
        int r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', convert_signature(res));
        if (r >= 0)
                r = export_append_resource(b, reply, res, obj->id, iid, &present);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        if (!present && !res->multiple) {
                char who[256];
                bus_describe_resource(obj, res, who, sizeof(who));
                return sd_bus_reply_method_errorf(call, BUS_ERROR_NO_VALUE, "%s has no value yet",
                                                  who);
        }
        return sd_bus_send(NULL, reply, NULL);
}

static void on_request_done(void *userdata, const lwm2m_request_result *res)
{
        bus_call *bc = userdata;
        lwm2m_bus *b = bc->b;
        /* Cancelled only when the connection goes: nobody is left to answer. */
        if (!b->bus || res->error == -ECANCELED) {
        } else if (res->error < 0) {
                reply_error_errno(bc->call, res->error, res->why[0] ? res->why : NULL);
        } else if (bc->kind == LWM2M_REQUEST_READ) {
                const lwm2m_object_def *obj = lwm2m_registry_find(b->reg, bc->path.id[0]);
                const lwm2m_resource_def *def =
                        obj ? lwm2m_object_def_find_resource(obj, bc->path.id[2]) : NULL;
                if (!def || !lwm2m_tree_has_instance(b->tree, bc->path.id[0], bc->path.id[1]))
                        reply_error_errno(bc->call, -ENOENT, "the instance went away");
                else if (reply_read(b, bc->call, obj, def, bc->path.id[1]) < 0)
                        reply_error_errno(bc->call, -EIO, NULL);
        } else {
                sd_bus_reply_method_return(bc->call, NULL);
        }
        sd_bus_message_unref(bc->call);
        free(bc);
}

lwm2m_origin export_origin(lwm2m_bus *b, bool as_owner)
{
        return (lwm2m_origin){.kind = as_owner ? LWM2M_ORIGIN_OWNER : LWM2M_ORIGIN_LOCAL, .tag = b};
}

int export_start_request(lwm2m_bus *b, sd_bus_message *call, lwm2m_request_spec *spec)
{
        bus_call *bc = calloc(1, sizeof(*bc));
        if (!bc) {
                lwm2m_record_list_free(&spec->records);
                return -ENOMEM;
        }
        *bc = (bus_call){
                .b = b, .call = sd_bus_message_ref(call), .kind = spec->kind, .path = spec->path};
        spec->group = b;
        spec->done = on_request_done;
        spec->userdata = bc;
        lwm2m_request_start(b->requests, spec);
        return 1;
}

/* Stores what a D-Bus caller wrote. The owner pushes straight into the tree;
 * anyone else's write is first put to the owner, as a server's would be, so
 * that an owner refusing a value (the Device object's clock, a provider's
 * actuator) refuses it whoever sends it. Takes the records. Returns 1 when
 * the answer to `call` is sent or will be. */
static int commit_write(lwm2m_bus *b, sd_bus_message *call, const lwm2m_path *base,
                        lwm2m_record_list *l, lwm2m_write_mode mode, bool as_owner)
{
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE,
                .origin = export_origin(b, as_owner),
                .path = *base,
                .mode = mode,
                .records = *l,
        };
        *l = (lwm2m_record_list){0};
        return export_start_request(b, call, &spec);
}

/* ---- shared method logic ---- */

/* The object, instance and resource a call on an instance path names. */
static int resolve(lwm2m_bus *b, const char *path, uint16_t rid, uint16_t *oid, uint16_t *iid,
                   const lwm2m_object_def **obj, const lwm2m_resource_def **res,
                   sd_bus_error *error)
{
        if (bus_parse_instance_path(path, oid, iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, *oid, *iid))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "no instance at %s", path);
        *obj = lwm2m_registry_find(b->reg, *oid);
        if (!*obj)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "object %u is not defined",
                                         *oid);
        if (!res)
                return 0;
        *res = lwm2m_object_def_find_resource(*obj, rid);
        if (!*res)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                         "%s (%u) defines no resource %u",
                                         (*obj)->name ? (*obj)->name : "?", *oid, rid);
        return 0;
}

/* Read(q) and Write(qv): the resource ID first, then what the call's path and
 * the ID name. */
static int resolve_resource_call(lwm2m_bus *b, sd_bus_message *m, uint16_t *rid, uint16_t *oid,
                                 uint16_t *iid, const lwm2m_object_def **obj,
                                 const lwm2m_resource_def **res, sd_bus_error *error)
{
        int r = sd_bus_message_read_basic(m, 'q', rid);
        if (r < 0)
                return r;
        return resolve(b, sd_bus_message_get_path(m), *rid, oid, iid, obj, res, error);
}

/* Reads one resource from the value at the read position (property Set,
 * Write) into `l`, refusing what the caller may not set. */
static int read_settable(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                         const lwm2m_object_def *obj, const lwm2m_resource_def *res, bool as_owner,
                         lwm2m_record_list *l, sd_bus_error *error)
{
        int r = convert_check_settable(obj, res, as_owner, error);
        if (r < 0)
                return r;
        char why[512] = "";
        lwm2m_path rp = lwm2m_path_resource(oid, iid, res->id);
        r = convert_read_resource(m, obj, res, access_max_value_size(b), &rp, l, why, sizeof(why));
        if (r < 0)
                return bus_error_from_errno(error, r, why[0] ? why : NULL);
        return 0;
}

int export_start_execute(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                         const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                         const char *args, sd_bus_error *error)
{
        assert(b && m && obj && res && args && error);
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (!(res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED, "%s is not executable", who);
        bool as_owner;
        int r = access_check(b, m, oid, iid, res->id, ACCESS_EXECUTE, &as_owner, error);
        if (r < 0)
                return r;
        const lwm2m_owner *owner = lwm2m_tree_get_owner(b->tree, oid, iid);
        if (!owner || !owner->ops || !owner->ops->execute)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s: nobody stands behind the instance to execute it",
                                         who);
        if (strlen(args) > 4096)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "%s: the arguments are too long", who);
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_EXECUTE,
                .origin = export_origin(b, as_owner),
                .path = lwm2m_path_resource(oid, iid, res->id),
                .args = (const uint8_t *)args,
                .args_len = strlen(args),
        };
        return export_start_request(b, m, &spec);
}

int export_write_resource(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                          const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                          sd_bus_error *error)
{
        assert(b && m && obj && res && error);
        bool as_owner;
        int r = access_check(b, m, oid, iid, res->id, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = read_settable(b, m, oid, iid, obj, res, as_owner, &l, error);
        if (r < 0)
                return r;
        /* A multiple resource becomes exactly the instances given. */
        lwm2m_path rp = lwm2m_path_resource(oid, iid, res->id);
        return commit_write(b, m, &rp, &l, LWM2M_WRITE_REPLACE, as_owner);
}

int export_set_property(lwm2m_bus *b, sd_bus_message *value, const char *path, uint16_t oid,
                        uint16_t iid, const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                        sd_bus_error *error)
{
        assert(b && value && path && obj && res && error);
        bool as_owner;
        int r = access_check(b, value, oid, iid, res->id, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        /* on_property_set takes every Set it can; a property setter cannot wait for the owner. */
        const lwm2m_owner *owner = lwm2m_tree_get_owner(b->tree, oid, iid);
        if (!as_owner && owner && owner->ops && owner->ops->write)
                return sd_bus_error_setf(error, BUS_ERROR_FAILED, "%s: cannot ask the owner", path);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = read_settable(b, value, oid, iid, obj, res, as_owner, &l, error);
        if (r < 0)
                return r;
        /* Nobody is asked, so the request is done when it returns. */
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE,
                .origin = export_origin(b, as_owner),
                .path = lwm2m_path_resource(oid, iid, res->id),
                .mode = LWM2M_WRITE_REPLACE,
                .records = TAKE_STRUCT(l),
        };
        char why[256] = "";
        r = lwm2m_request_run(b->requests, &spec, why, sizeof(why));
        /* Waiting: only if an owner appeared between the check and the request. */
        if (r == -EWOULDBLOCK)
                return sd_bus_error_setf(error, BUS_ERROR_FAILED, "%s: cannot ask the owner", path);
        if (r < 0)
                return bus_error_from_errno(error, r, why[0] ? why : NULL);
        return 0;
}

/* ---- org.lwm2md1.Instance ---- */

static int instance_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                         void **found, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, oid, iid))
                return 0;
        *found = b;
        return 1;
}

static int instance_get_owner(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        const char *name = owner_bus_name(lwm2m_tree_get_owner(b->tree, oid, iid));
        return sd_bus_message_append_basic(reply, 's', name ? name : "");
}

static int instance_get_id(sd_bus *bus, const char *path, const char *interface,
                           const char *property, sd_bus_message *reply, void *userdata,
                           sd_bus_error *error)
{
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        uint16_t id = strcmp(property, "Object") == 0 ? oid : iid;
        return sd_bus_message_append_basic(reply, 'q', &id);
}

static int method_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = resolve_resource_call(b, m, &rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        char who[256];
        bus_describe_resource(obj, res, who, sizeof(who));
        if (bus_resource_is_secret(oid, rid))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "%s holds a credential: not readable over D-Bus", who);
        if (!convert_signature(res) || (res->operations & LWM2M_OP_EXECUTE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                         "%s is executable and holds no value", who);
        /* Values kept by the owner itself are fetched, unless the owner asks:
         * it would be waiting for us while we wait for it. */
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_READ,
                .origin = export_origin(b,
                                        owner_is_sender(b, oid, iid, sd_bus_message_get_sender(m))),
                .path = lwm2m_path_resource(oid, iid, rid),
        };
        return export_start_request(b, m, &spec);
}

static int method_write(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = resolve_resource_call(b, m, &rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        const char *contents = NULL;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        return export_write_resource(b, m, oid, iid, obj, res, error);
}

static int method_execute(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t rid = 0, oid = 0, iid = 0;
        const char *args;
        const lwm2m_object_def *obj = NULL;
        const lwm2m_resource_def *res = NULL;
        int r = sd_bus_message_read(m, "qs", &rid, &args);
        if (r < 0)
                return r;
        r = resolve(b, sd_bus_message_get_path(m), rid, &oid, &iid, &obj, &res, error);
        if (r < 0)
                return r;
        return export_start_execute(b, m, oid, iid, obj, res, args, error);
}

/* SetValues and SetValuesAt: the values, with `time` (seconds since the epoch)
 * when the provider gave when it measured them, NULL otherwise. */
static int set_values(lwm2m_bus *b, sd_bus_message *m, const double *time, sd_bus_error *error)
{
        uint16_t oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        int r = resolve(b, sd_bus_message_get_path(m), 0, &oid, &iid, &obj, NULL, error);
        if (r < 0)
                return r;
        bool as_owner;
        r = access_check(b, m, oid, iid, 0, ACCESS_WRITE, &as_owner, error);
        if (r < 0)
                return r;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        r = convert_read_values(b, m, obj, iid, as_owner, &l, error);
        if (r < 0)
                return r;
        for (size_t i = 0; time && i < l.n; i++) {
                l.items[i].has_time = true;
                l.items[i].time = *time;
        }
        lwm2m_path ip = lwm2m_path_instance(oid, iid);
        return commit_write(b, m, &ip, &l, LWM2M_WRITE_UPDATE, as_owner);
}

static int method_set_values(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return set_values(userdata, m, NULL, error);
}

static int method_set_values_at(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        double time;
        int r = sd_bus_message_read_basic(m, 'd', &time);
        if (r < 0)
                return r;
        /* 0 and below would read as "no time" or a SenML relative time. */
        if (!isfinite(time) || time <= 0)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "%s: the time must be seconds since the Unix epoch "
                                         "(a finite number above 0), not %g",
                                         sd_bus_message_get_path(m), time);
        return set_values(userdata, m, &time, error);
}

static int method_set_on_demand(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        const lwm2m_object_def *obj = NULL;
        int r = resolve(b, sd_bus_message_get_path(m), 0, &oid, &iid, &obj, NULL, error);
        if (r < 0)
                return r;
        if (!owner_is_sender(b, oid, iid, sd_bus_message_get_sender(m)))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "only the owner of %s chooses what is read from it",
                                         sd_bus_message_get_path(m));
        const void *p = NULL;
        size_t size = 0;
        r = sd_bus_message_read_array(m, 'q', &p, &size);
        if (r < 0)
                return r;
        size_t n = size / sizeof(uint16_t);
        _cleanup_free_ uint16_t *rids = n ? malloc(size) : NULL;
        if (n && !rids)
                return -ENOMEM;
        if (n)
                memcpy(rids, p, size);
        for (size_t i = 0; i < n; i++) {
                const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, rids[i]);
                if (!res)
                        return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
                                                 "%s (%u) defines no resource %u",
                                                 obj->name ? obj->name : "?", oid, rids[i]);
                if (!convert_is_exported_value(oid, res)) {
                        char who[256];
                        bus_describe_resource(obj, res, who, sizeof(who));
                        return sd_bus_error_setf(error, BUS_ERROR_NOT_ALLOWED,
                                                 "%s holds no value to read on demand", who);
                }
        }
        bus_owner *o = NULL;
        r = owner_get(b, m, &o);
        if (r >= 0)
                r = owner_set_on_demand(o, oid, iid, rids, n);
        if (r < 0)
                return r;
        r = sd_bus_reply_method_return(m, NULL);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable instance_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Owner", "s", instance_get_owner, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Object", "q", instance_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Instance", "q", instance_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_NAMES("Read", "q", SD_BUS_PARAM(resource), "v", SD_BUS_PARAM(value),
                                 method_read, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Write", "qv", SD_BUS_PARAM(resource) SD_BUS_PARAM(value), "", ,
                                 method_write, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Execute", "qs", SD_BUS_PARAM(resource) SD_BUS_PARAM(arguments),
                                 "", , method_execute, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetValues", "a{qv}", SD_BUS_PARAM(values), "", ,
                                 method_set_values, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetValuesAt", "da{qv}", SD_BUS_PARAM(time) SD_BUS_PARAM(values),
                                 "", , method_set_values_at, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetOnDemand", "aq", SD_BUS_PARAM(resources), "", ,
                                 method_set_on_demand, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Executed", "qs", SD_BUS_PARAM(resource) SD_BUS_PARAM(arguments),
                                 0),
        SD_BUS_VTABLE_END,
};

/* ---- org.lwm2md1.Object: the definitions ---- */

static int object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **found, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid;
        if (bus_parse_object_path(path, &oid) < 0)
                return 0;
        if (!lwm2m_registry_find(b->reg, oid))
                return 0;
        *found = b;
        return 1;
}

/* The definition behind a path object_find accepted. */
static const lwm2m_object_def *object_at(lwm2m_bus *b, const char *path)
{
        uint16_t oid = 0;
        return bus_parse_object_path(path, &oid) < 0 ? NULL : lwm2m_registry_find(b->reg, oid);
}

static int object_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        const lwm2m_object_def *def = object_at(b, path);
        if (!def)
                return -ENOENT;
        if (strcmp(property, "Provider") == 0) {
                const char *name = owner_bus_name(lwm2m_tree_get_object_owner(b->tree, def->id));
                return sd_bus_message_append_basic(reply, 's', name ? name : "");
        }
        if (strcmp(property, "Id") == 0)
                return sd_bus_message_append_basic(reply, 'q', &def->id);
        if (strcmp(property, "Name") == 0)
                return sd_bus_message_append_basic(reply, 's', def->name ? def->name : "");
        if (strcmp(property, "Version") == 0)
                return sd_bus_message_append_basic(reply, 's', def->version);
        if (strcmp(property, "Urn") == 0)
                return sd_bus_message_append_basic(reply, 's', def->urn ? def->urn : "");
        int v = strcmp(property, "Multiple") == 0 ? def->multiple : def->mandatory;
        return sd_bus_message_append_basic(reply, 'b', &v);
}

static int object_get_resources(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        const lwm2m_object_def *def = object_at(userdata, path);
        if (!def)
                return -ENOENT;
        int r = sd_bus_message_open_container(reply, 'a', "(qssssbbs)");
        for (size_t i = 0; r >= 0 && i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                char ops[4];
                size_t k = 0;
                if (res->operations & LWM2M_OP_READ)
                        ops[k++] = 'R';
                if (res->operations & LWM2M_OP_WRITE)
                        ops[k++] = 'W';
                if (res->operations & LWM2M_OP_EXECUTE)
                        ops[k++] = 'E';
                ops[k] = '\0';
                r = sd_bus_message_append(reply, "(qssssbbs)", res->id, res->name ? res->name : "",
                                          lwm2m_type_to_string(res->type), ops,
                                          res->units ? res->units : "", (int)res->multiple,
                                          (int)res->mandatory, res->range ? res->range : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static const sd_bus_vtable object_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "q", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Version", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Urn", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Multiple", "b", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mandatory", "b", object_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Resources", "a(qssssbbs)", object_get_resources, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Provider", "s", object_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- node enumeration ---- */

static int strv_push(char ***v, size_t *n, size_t *cap, char *s)
{
        if (!s)
                return -ENOMEM;
        if (*n + 2 > *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                char **nv = realloc(*v, nc * sizeof(char *));
                if (!nv) {
                        free(s);
                        return -ENOMEM;
                }
                *v = nv;
                *cap = nc;
        }
        (*v)[(*n)++] = s;
        (*v)[*n] = NULL;
        return 0;
}

/* "/org/lwm2md1/object/<oid>" or, with an instance, ".../<oid>/<iid>". */
static char *node_path(unsigned oid, int iid)
{
        char *s = NULL;
        int r = iid < 0 ? asprintf(&s, BUS_OBJECT_PATH "/%u", oid)
                        : asprintf(&s, BUS_OBJECT_PATH "/%u/%d", oid, iid);
        return r < 0 ? NULL : s;
}

static void strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* sd-bus asks for the children of `prefix`: immediate children for
 * introspection, everything below for GetManagedObjects (asked at the root). */
static int object_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                            sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        char **v = NULL;
        size_t n = 0, cap = 0;
        int r = 0;
        uint16_t only = 0;
        bool one_object = bus_parse_object_path(prefix, &only) >= 0;
        bool at_objects = strcmp(prefix, BUS_OBJECT_PATH) == 0;
        size_t plen = strlen(prefix);
        bool ancestor = strcmp(prefix, "/") == 0 || (strncmp(BUS_OBJECT_PATH, prefix, plen) == 0 &&
                                                     BUS_OBJECT_PATH[plen] == '/');
        bool defs = at_objects || ancestor;
        bool insts = one_object || ancestor;
        if (defs) {
                size_t count = lwm2m_registry_count(b->reg);
                for (size_t i = 0; r >= 0 && i < count; i++)
                        r = strv_push(&v, &n, &cap,
                                      node_path(lwm2m_registry_at(b->reg, i)->id, -1));
        }
        if (insts) {
                for (int oid = lwm2m_tree_next_object(b->tree, -1); r >= 0 && oid >= 0;
                     oid = lwm2m_tree_next_object(b->tree, oid)) {
                        if (one_object && oid != only)
                                continue;
                        for (int iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, -1);
                             r >= 0 && iid >= 0;
                             iid = lwm2m_tree_next_instance(b->tree, (uint16_t)oid, iid))
                                r = strv_push(&v, &n, &cap, node_path((unsigned)oid, iid));
                }
        }
        if (r < 0) {
                strv_free(v);
                return r;
        }
        *nodes = v;
        return 0;
}

/* ---- signals ---- */

/* ---- signals ---- */

void export_emit_instance_added(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        assert(b);
        char path[64];
        export_instance_path(oid, iid, path, sizeof(path));
        int r = sd_bus_emit_object_added(b->bus, path);
        if (r < 0)
                lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce %s: %s", path, strerror(-r));
}

void export_emit_instance_removed(lwm2m_bus *b, uint16_t oid, uint16_t iid, const char *typed)
{
        assert(b);
        char path[64];
        export_instance_path(oid, iid, path, sizeof(path));
        char *ifaces[] = {(char *)BUS_IFACE_INSTANCE, (char *)typed, NULL};
        int r = sd_bus_emit_interfaces_removed_strv(b->bus, path, ifaces);
        if (r < 0)
                lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce the removal of %s: %s", path,
                           strerror(-r));
}

/* ---- registration ---- */

int export_register(lwm2m_bus *b)
{
        assert(b && b->bus);
        int r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_OBJECT_PATH, BUS_IFACE_OBJECT,
                                           object_vtable, object_find, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_OBJECT_PATH, BUS_IFACE_INSTANCE,
                                               instance_vtable, instance_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_OBJECT_PATH, object_enumerate, b);
        return r;
}

void export_free(lwm2m_bus *b)
{
        assert(b);
        lwm2m_requests_cancel_group(b->requests, b);
}
