/* typed.c - the typed org.lwm2md1.Object<oid> interfaces: one property per
 * value resource and one method per executable, named after the resources.
 *
 * A typed interface is an sd_bus_vtable array built at run time, once per
 * object definition, the first time an instance of that object appears, and
 * registered as a fallback under /org/lwm2md1/object like the generic ones. */
#include "bus/typed.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus/context.h"
#include "bus/convert.h"
#include "bus/export.h"
#include "bus/paths.h"

/* One member (property or method) of a typed interface. sd-bus hands a
 * property's or method's handler `found + offset`: the find function returns
 * the member array and each entry's offset is its index, so handlers get
 * their member directly. */
typedef struct export_member {
        export_object *obj;
        const lwm2m_resource_def *res;
        const char *name;
} export_member;

struct export_object {
        lwm2m_bus *b;
        const lwm2m_object_def *def;
        char iface[32]; /* org.lwm2md1.Object65534 */
        size_t n_members;
        export_member *members; /* in resource ID order */
        sd_bus_vtable *vtable;
        char *names;
        sd_bus_slot *slot;
};

static export_object *export_find(lwm2m_bus *b, uint16_t oid)
{
        size_t lo = 0, hi = b->n_exports;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                uint16_t id = b->exports[mid]->def->id;
                if (id == oid)
                        return b->exports[mid];
                if (id < oid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static const export_member *member_of(const export_object *o, uint16_t rid)
{
        size_t lo = 0, hi = o->n_members;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                uint16_t id = o->members[mid].res->id;
                if (id == rid)
                        return &o->members[mid];
                if (id < rid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Longest property name taken from a resource name, before any "_<id>". */
#define MEMBER_NAME_MAX 200

/* "Sensor Value" -> "SensorValue": words of [A-Za-z0-9], each with its first
 * letter upper-cased and the rest kept; "R" before a leading digit; an empty
 * result is "Resource". */
static void member_base_name(const char *name, char out[MEMBER_NAME_MAX + 2])
{
        size_t k = 0;
        bool word_start = true;
        for (const char *p = name ? name : ""; *p && k < MEMBER_NAME_MAX; p++) {
                if (!is_alnum(*p)) {
                        word_start = true;
                        continue;
                }
                char c = *p;
                if (word_start && c >= 'a' && c <= 'z')
                        c = (char)(c - 'a' + 'A');
                if (k == 0 && c >= '0' && c <= '9')
                        out[k++] = 'R';
                out[k++] = c;
                word_start = false;
        }
        out[k] = '\0';
        if (k == 0)
                strcpy(out, "Resource");
}

static int typed_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                      void **found, sd_bus_error *error)
{
        export_object *o = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0 || oid != o->def->id ||
            !lwm2m_tree_has_instance(o->b->tree, oid, iid))
                return 0;
        *found = o->members;
        return 1;
}

static int typed_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        return export_append_resource(mem->obj->b, reply, mem->res, oid, iid, NULL);
}

static int typed_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *value, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        if (bus_parse_instance_path(path, &oid, &iid) < 0)
                return -EINVAL;
        return export_set_property(mem->obj->b, value, path, oid, iid, mem->obj->def, mem->res,
                                   error);
}

/* Properties.Set of a typed property: sd-bus wants a property setter's answer
 * at once, but an owner asked for its consent answers later, so such calls are
 * taken here, before the vtables see them (the owner's own pushes too: one
 * path and one access check for both). Returns 0 to leave a call to sd-bus
 * (message rewound). */
static int on_property_set(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        lwm2m_bus *b = userdata;
        uint16_t oid = 0, iid = 0;
        const char *iface = NULL, *property = NULL;
        if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Set") ||
            bus_parse_instance_path(sd_bus_message_get_path(m), &oid, &iid) < 0 ||
            !lwm2m_tree_has_instance(b->tree, oid, iid))
                return 0;
        const export_object *o = export_find(b, oid);
        int r = sd_bus_message_read(m, "ss", &iface, &property);
        if (r < 0 || !o || strcmp(iface, o->iface) != 0) {
                sd_bus_message_rewind(m, true);
                return 0;
        }
        const export_member *mem = NULL;
        for (size_t i = 0; i < o->n_members && !mem; i++)
                if (strcmp(o->members[i].name, property) == 0)
                        mem = &o->members[i];
        if (!mem || (mem->res->operations & LWM2M_OP_EXECUTE)) {
                sd_bus_message_rewind(m, true);
                return 0;
        }
        const char *contents = NULL;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r >= 0 && strcmp(contents, convert_signature(mem->res)) != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_SIGNATURE,
                                         "%s has type '%s', not '%s'", property,
                                         convert_signature(mem->res), contents);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        return export_write_resource(b, m, oid, iid, o->def, mem->res, error);
}

static int typed_execute(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const export_member *mem = userdata;
        uint16_t oid = 0, iid = 0;
        const char *args;
        int r = sd_bus_message_read_basic(m, 's', &args);
        if (r < 0)
                return r;
        if (bus_parse_instance_path(sd_bus_message_get_path(m), &oid, &iid) < 0)
                return -EINVAL;
        return export_start_execute(mem->obj->b, m, oid, iid, mem->obj->def, mem->res, args, error);
}

static void export_object_free(export_object *o)
{
        if (!o)
                return;
        sd_bus_slot_unref(o->slot);
        free(o->vtable);
        free(o->members);
        free(o->names);
        free(o);
}

/* Builds the typed interface of one object: members, names, the vtable. */
static int export_object_build(lwm2m_bus *b, const lwm2m_object_def *def, export_object **out)
{
        _cleanup_free_ char(*base)[MEMBER_NAME_MAX + 2] = NULL;
        export_object *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->b = b;
        o->def = def;
        snprintf(o->iface, sizeof(o->iface), "org.lwm2md1.Object%u", (unsigned)def->id);

        size_t n = 0;
        for (size_t i = 0; i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                if (convert_is_exported_value(def->id, res) || (res->operations & LWM2M_OP_EXECUTE))
                        n++;
        }
        if (n == 0) {
                *out = o;
                return 0;
        }
        o->members = calloc(n, sizeof(export_member));
        o->vtable = calloc(n + 2, sizeof(sd_bus_vtable));
        base = calloc(n, sizeof(*base));
        if (!o->members || !o->vtable || !base) {
                export_object_free(o);
                return -ENOMEM;
        }
        size_t k = 0, total = 0;
        for (size_t i = 0; i < def->n_resources; i++) {
                const lwm2m_resource_def *res = &def->resources[i];
                if (!convert_is_exported_value(def->id, res) &&
                    !(res->operations & LWM2M_OP_EXECUTE))
                        continue;
                o->members[k] = (export_member){.obj = o, .res = res};
                member_base_name(res->name, base[k]);
                total += strlen(base[k]) + 8; /* room for "_65534" and NUL */
                k++;
        }
        o->names = malloc(total);
        if (!o->names) {
                export_object_free(o);
                return -ENOMEM;
        }
        /* A name two resources share gets "_<id>" on all of them. */
        char *p = o->names;
        for (k = 0; k < n; k++) {
                bool shared = false;
                for (size_t j = 0; j < n && !shared; j++)
                        shared = j != k && strcmp(base[j], base[k]) == 0;
                int len = shared ? sprintf(p, "%s_%u", base[k], (unsigned)o->members[k].res->id)
                                 : sprintf(p, "%s", base[k]);
                o->members[k].name = p;
                p += len + 1;
        }

        o->vtable[0] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
        for (k = 0; k < n; k++) {
                const export_member *mem = &o->members[k];
                size_t offset = k * sizeof(export_member);
                if (mem->res->operations & LWM2M_OP_EXECUTE)
                        o->vtable[k + 1] = (sd_bus_vtable)SD_BUS_METHOD_WITH_NAMES_OFFSET(
                                mem->name, "s", SD_BUS_PARAM(arguments), "", , typed_execute,
                                offset, SD_BUS_VTABLE_UNPRIVILEGED);
                else
                        /* Writable for the owner, who pushes values even into
                         * read-only resources; the setter enforces W for others. */
                        o->vtable[k + 1] = (sd_bus_vtable)SD_BUS_WRITABLE_PROPERTY(
                                mem->name, convert_signature(mem->res), typed_get, typed_set,
                                offset,
                                SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE);
        }
        o->vtable[n + 1] = (sd_bus_vtable)SD_BUS_VTABLE_END;
        o->n_members = n;

        int r = sd_bus_add_fallback_vtable(b->bus, &o->slot, BUS_OBJECT_PATH, o->iface, o->vtable,
                                           typed_find, o);
        if (r < 0) {
                lwm2m_logf(&b->log, LOG_WARNING, "cannot export %s on D-Bus: %s", o->iface,
                           strerror(-r));
                export_object_free(o);
                return r;
        }
        *out = o;
        return 0;
}

int typed_ensure(lwm2m_bus *b, uint16_t oid)
{
        assert(b);
        if (export_find(b, oid))
                return 0;
        const lwm2m_object_def *def = lwm2m_registry_find(b->reg, oid);
        if (!def)
                return -ENOENT;
        export_object **v = realloc(b->exports, (b->n_exports + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        b->exports = v;
        export_object *o = NULL;
        int r = export_object_build(b, def, &o);
        if (r < 0)
                return r;
        size_t at = 0;
        while (at < b->n_exports && b->exports[at]->def->id < oid)
                at++;
        memmove(&b->exports[at + 1], &b->exports[at], (b->n_exports - at) * sizeof(*v));
        b->exports[at] = o;
        b->n_exports++;
        return 0;
}

void typed_emit_values_changed(lwm2m_bus *b, const lwm2m_change *c)
{
        assert(b && c);
        export_object *o = export_find(b, c->instance.id[0]);
        if (!o || !o->slot || c->n_paths == 0)
                return;
        _cleanup_free_ char **names = calloc(c->n_paths + 1, sizeof(char *));
        if (!names)
                return;
        size_t k = 0;
        for (size_t i = 0; i < c->n_paths; i++) {
                const export_member *mem = member_of(o, c->paths[i].id[2]);
                if (mem && !(mem->res->operations & LWM2M_OP_EXECUTE))
                        names[k++] = (char *)mem->name;
        }
        if (k == 0)
                return;
        char path[64];
        export_instance_path(c->instance.id[0], c->instance.id[1], path, sizeof(path));
        int r = sd_bus_emit_properties_changed_strv(b->bus, path, o->iface, names);
        if (r < 0)
                lwm2m_logf(&b->log, LOG_DEBUG, "cannot announce the change of %s: %s", path,
                           strerror(-r));
}

const char *typed_interface(lwm2m_bus *b, uint16_t oid)
{
        assert(b);
        const export_object *o = export_find(b, oid);
        return o && o->slot ? o->iface : NULL;
}

int typed_register(lwm2m_bus *b)
{
        assert(b && b->bus);
        int r = sd_bus_add_fallback(b->bus, NULL, BUS_OBJECT_PATH, on_property_set, b);
        for (int oid = lwm2m_tree_next_object(b->tree, -1); r >= 0 && oid >= 0;
             oid = lwm2m_tree_next_object(b->tree, oid))
                r = typed_ensure(b, (uint16_t)oid);
        return r;
}

void typed_free(lwm2m_bus *b)
{
        assert(b);
        for (size_t i = 0; i < b->n_exports; i++)
                export_object_free(b->exports[i]);
        free(b->exports);
        b->exports = NULL;
        b->n_exports = 0;
}
