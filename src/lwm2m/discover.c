/* discover.c - the CoRE link format answer to a Discover: which instances and
 * resources exist under a path, with their dim, ver and notification attributes. */
#include "lwm2m/discover.h"

#include <assert.h>
#include <string.h>

#include "formats/link.h"
#include "util/macro.h"

static void add_attribute_links(const lwm2m_attributes *attrs, uint16_t ssid, const lwm2m_path *p,
                                link_entry *le)
{
        const lwm2m_attr_set *a = lwm2m_attributes_get(attrs, ssid, p);
        if (!a)
                return;
        if (a->present & LWM2M_ATTR_PMIN)
                link_entry_add_uint(le, "pmin", a->pmin);
        if (a->present & LWM2M_ATTR_PMAX)
                link_entry_add_uint(le, "pmax", a->pmax);
        if (a->present & LWM2M_ATTR_GT)
                link_entry_add_double(le, "gt", a->gt);
        if (a->present & LWM2M_ATTR_LT)
                link_entry_add_double(le, "lt", a->lt);
        if (a->present & LWM2M_ATTR_ST)
                link_entry_add_double(le, "st", a->st);
        if (a->present & LWM2M_ATTR_EPMIN)
                link_entry_add_uint(le, "epmin", a->epmin);
        if (a->present & LWM2M_ATTR_EPMAX)
                link_entry_add_uint(le, "epmax", a->epmax);
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
                if (res->multiple)
                        link_entry_add_uint(&le, "dim", dim);
                add_attribute_links(attrs, ssid, &le.path, &le);
                r = link_append(&le, NULL, out);
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
                add_attribute_links(attrs, ssid, p, &le);
                err = err ?: link_append(&le, NULL, out);
        }
        link_entry_clear(&le);
        if (p->len == 1) {
                for (int iid = lwm2m_tree_next_instance(t, obj->id, -1); iid >= 0 && err >= 0;
                     iid = lwm2m_tree_next_instance(t, obj->id, iid)) {
                        link_entry ie = {.path = lwm2m_path_instance(obj->id, (uint16_t)iid)};
                        add_attribute_links(attrs, ssid, &ie.path, &ie);
                        err = link_append(&ie, NULL, out);
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
