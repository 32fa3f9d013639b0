/* readout.c - the values a server may read at one path or at several, and the
 * content-format it gets them in: what Read, Observe and Send have in common. */
#include "lwm2m/readout.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "formats/format.h"
#include "lwm2m/context.h"
#include "model/policy.h"

static const lwm2m_resource_def *resource_def(lwm2m_engine *e, const lwm2m_path *p)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        return obj && p->len >= 3 ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
}

uint16_t readout_default_format(const server *s, const lwm2m_path *path, bool single_value)
{
        if (single_value)
                return LWM2M_FORMAT_TEXT;
        return strcmp(s->version, "1.0") == 0 ? LWM2M_FORMAT_TLV : LWM2M_FORMAT_SENML_JSON;
}

/* Drops what a server may not read: values of resources without R, and with
 * more than one server the instances Access Control keeps from it (an object
 * read shows only the instances it may read, Core TS 7.3.2.4). */
static void keep_readable(lwm2m_engine *e, uint16_t short_id, lwm2m_record_list *l)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = short_id};
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
                lwm2m_record *rec = &l->items[i];
                if (rec->path.len >= LWM2M_PATH_INSTANCE) {
                        const lwm2m_resource_def *res = resource_def(e, &rec->path);
                        if ((rec->path.len >= LWM2M_PATH_RESOURCE && !res) ||
                            lwm2m_policy_check_resource(e->tree, res, &origin, LWM2M_OPERATION_READ,
                                                        &rec->path, NULL, 0) < 0) {
                                lwm2m_value_clear(&rec->value);
                                continue;
                        }
                }
                l->items[kept++] = *rec;
        }
        l->n = kept;
}

int readout_values(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *p, lwm2m_record_list *out)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = short_id};
        lwm2m_record_list_clear(out);
        /* A notification too: once the server may no longer read it, it ends. */
        int err = lwm2m_policy_check(e->tree, &origin, LWM2M_OPERATION_READ, p, NULL, 0);
        err = err ?: lwm2m_tree_read(e->tree, p, out);
        if (err < 0)
                return err;
        keep_readable(e, short_id, out);
        const lwm2m_resource_def *res = resource_def(e, p);
        if (p->len >= 3 &&
            (out->n == 0 ||
             (out->n == 1 && out->items[0].value.type == LWM2M_TYPE_NONE && !res->multiple)))
                return -ENOENT; /* defined, but holds no value */
        return 0;
}

int readout_collect(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *paths, size_t n,
                    lwm2m_record_list *out)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = short_id};
        lwm2m_record_list_clear(out);
        for (size_t i = 0; i < n; i++) {
                const lwm2m_path *p = &paths[i];
                /* Not the Security object, nor what is not readable. */
                if (p->len == 0 ||
                    lwm2m_policy_check(e->tree, &origin, LWM2M_OPERATION_READ, p, NULL, 0) < 0)
                        continue;
                /* Paths that name nothing (yet) add nothing. */
                int err = lwm2m_tree_read(e->tree, p, out);
                if (err == -ENOMEM)
                        return err;
        }
        keep_readable(e, short_id, out);
        lwm2m_record_list_sort(out);
        /* Several requested paths may overlap; report each value once. */
        size_t kept = 0;
        for (size_t i = 0; i < out->n; i++) {
                if (kept > 0 && lwm2m_path_equal(&out->items[kept - 1].path, &out->items[i].path)) {
                        lwm2m_value_clear(&out->items[i].value);
                        continue;
                }
                out->items[kept++] = out->items[i];
        }
        out->n = kept;
        return 0;
}

uint16_t readout_format(const server *s, const lwm2m_resource_def *res, const lwm2m_path *p,
                        int64_t accept)
{
        if (accept >= 0)
                return (uint16_t)accept;
        bool single = p->len == 4 || (p->len == 3 && res && !res->multiple);
        if (single && res && res->type == LWM2M_TYPE_OPAQUE)
                return LWM2M_FORMAT_OPAQUE;
        return readout_default_format(s, p, single);
}
