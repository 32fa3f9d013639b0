/* discover.c - the CoRE link format answer to a Discover: which instances and
 * resources exist under a path, with their dim, ver and notification attributes. */
#include "lwm2m/discover.h"

#include <assert.h>
#include <string.h>

#include "formats/link.h"
#include "util/macro.h"

static int add_attribute_links(const lwm2m_attr_set *a, link_entry *le)
{
        if (!a)
                return 0;
        int err = 0;
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL && err >= 0; bit <<= 1) {
                if (!(a->present & bit))
                        continue;
                const char *name = lwm2m_attr_name(bit);
                double v = lwm2m_attr_value(a, bit);
                if (lwm2m_attr_kind_of(bit) == LWM2M_ATTR_KIND_DECIMAL)
                        err = link_entry_add_double(le, name, v);
                else
                        err = link_entry_add_uint(le, name, (uint64_t)v);
        }
        return err;
}

/* The attributes a link shows: the target of the Discover shows those in force there
 * (inherited from its instance and object), the links under it only their own, so the
 * server sees where each one is set. */
static int add_attributes(const lwm2m_attributes *attrs, uint16_t ssid, bool target, link_entry *le)
{
        if (!target)
                return add_attribute_links(lwm2m_attributes_get(attrs, ssid, &le->path), le);
        lwm2m_attr_set effective;
        lwm2m_attributes_effective(attrs, ssid, &le->path, &effective);
        return add_attribute_links(&effective, le);
}

static int discover_resources(const lwm2m_tree *t, const lwm2m_attributes *attrs, uint16_t ssid,
                              const lwm2m_object_def *obj, uint16_t iid, int only_rid,
                              lwm2m_buf *out)
{
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        lwm2m_path ip = lwm2m_path_instance(obj->id, iid);
        int r = lwm2m_tree_read(t, &ip, &l);
        if (r < 0)
                return r;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (only_rid >= 0 && res->id != only_rid)
                        continue;
                /* Present: holds a value (or instances), or is executable. */
                unsigned dim = 0;
                bool present = res->type == LWM2M_TYPE_NONE && (res->operations & LWM2M_OP_EXECUTE);
                for (size_t i = 0; i < l.n; i++) {
                        const lwm2m_record *rec = &l.items[i];
                        if (rec->path.len >= 3 && rec->path.id[2] == res->id) {
                                present = true;
                                if (rec->path.len == 4)
                                        dim++;
                        }
                }
                if (!present)
                        continue;
                link_entry le = {.path = lwm2m_path_resource(obj->id, iid, res->id)};
                r = res->multiple ? link_entry_add_uint(&le, "dim", dim) : 0;
                r = r ?: add_attributes(attrs, ssid, only_rid >= 0, &le);
                r = r ?: link_append(&le, NULL, out);
                link_entry_clear(&le);
                if (r < 0)
                        return r;
        }
        return 0;
}

int discover_links(const lwm2m_tree *t, const lwm2m_attributes *attrs, uint16_t ssid,
                   const lwm2m_path *p, lwm2m_buf *out)
{
        assert(t && attrs && p && out);
        assert(p->len >= LWM2M_PATH_OBJECT && p->len <= LWM2M_PATH_RESOURCE);
        const lwm2m_object_def *obj = lwm2m_registry_find(lwm2m_tree_registry(t), p->id[0]);
        int err = 0;
        link_entry le = {.path = *p};
        if (p->len == 1 && strcmp(obj->version, "1.0") != 0)
                err = link_entry_add_token(&le, "ver", obj->version);
        if (p->len == 3 && lwm2m_object_def_find_resource(obj, p->id[2])->multiple) {
                /* the resource link carries dim; written by discover_resources */
        } else {
                err = err ?: add_attributes(attrs, ssid, true, &le);
                err = err ?: link_append(&le, NULL, out);
        }
        link_entry_clear(&le);
        if (p->len == 1) {
                for (int iid = lwm2m_tree_next_instance(t, obj->id, -1); iid >= 0 && err >= 0;
                     iid = lwm2m_tree_next_instance(t, obj->id, iid)) {
                        link_entry ie = {.path = lwm2m_path_instance(obj->id, (uint16_t)iid)};
                        err = add_attributes(attrs, ssid, false, &ie);
                        err = err ?: link_append(&ie, NULL, out);
                        link_entry_clear(&ie);
                        if (err >= 0)
                                err = discover_resources(t, attrs, ssid, obj, (uint16_t)iid, -1,
                                                         out);
                }
        } else if (p->len == 2) {
                err = discover_resources(t, attrs, ssid, obj, p->id[1], -1, out);
        } else if (p->len == 3 && lwm2m_object_def_find_resource(obj, p->id[2])->multiple) {
                err = discover_resources(t, attrs, ssid, obj, p->id[1], p->id[2], out);
        }
        return err;
}
