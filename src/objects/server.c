/* server.c - the Server object's behaviour (/1/x): refuses lifetimes and bindings a
 * registration cannot use, and hands Update Trigger and Disable to its actions. */
#include "objects/server.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "model/oma.h"
#include "model/owner.h"

struct server_object {
        lwm2m_tree *tree;
        server_object_actions actions;
        lwm2m_owner owner;
};

static uint64_t resource_uint(const server_object *o, uint16_t iid, uint16_t rid, uint64_t fallback)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, rid);
        const lwm2m_value *v = lwm2m_tree_get(o->tree, &p);
        if (v && v->type == LWM2M_TYPE_UNSIGNED)
                return v->u;
        if (v && (v->type == LWM2M_TYPE_INTEGER || v->type == LWM2M_TYPE_TIME) && v->i >= 0)
                return (uint64_t)v->i;
        return fallback;
}

static int server_object_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                                 size_t args_len, lwm2m_ask ask)
{
        server_object *o = userdata;
        uint64_t short_id = resource_uint(o, resource->id[1], LWM2M_SRV_SHORT_ID, 0);
        if (short_id == 0 || short_id > UINT16_MAX)
                return -ENOENT;
        switch (resource->id[2]) {
        case LWM2M_SRV_UPDATE_TRIGGER: {
                if (!o->actions.update)
                        return -EPERM;
                int r = o->actions.update(o->actions.userdata, (uint16_t)short_id);
                if (r < 0)
                        return r;
                lwm2m_ask_reply(ask, 0);
                return 0;
        }
        case LWM2M_SRV_DISABLE: {
                if (!o->actions.disable)
                        return -EPERM;
                uint64_t timeout =
                        resource_uint(o, resource->id[1], LWM2M_SRV_DISABLE_TIMEOUT, 86400);
                lwm2m_ask_reply(ask, 0);
                /* De-register after answering, so the answer goes out first. */
                o->actions.disable(o->actions.userdata, (uint16_t)short_id, timeout);
                return 0;
        }
        case LWM2M_SRV_BOOTSTRAP_TRIGGER: {
                if (!o->actions.bootstrap)
                        return -EPERM;
                /* Started before answering, so that a refusal (no bootstrap server) is
                 * the answer; the Bootstrap-Request goes out later, after the 2.04. */
                int r = o->actions.bootstrap(o->actions.userdata, (uint16_t)short_id);
                if (r < 0)
                        return r;
                lwm2m_ask_reply(ask, 0);
                return 0;
        }
        default:
                return -EPERM;
        }
}

/* Values the DDF allows but a registration cannot use: refused with 4.00 rather
 * than stored and silently replaced by a default. */
static int server_object_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs,
                               size_t n, lwm2m_write_mode mode, lwm2m_ask ask)
{
        for (size_t i = 0; i < n; i++) {
                const lwm2m_record *rec = &recs[i];
                const lwm2m_value *v = &rec->value;
                if (rec->path.len < 3)
                        continue;
                if (rec->path.id[2] == LWM2M_SRV_LIFETIME) {
                        bool ok =
                                (v->type == LWM2M_TYPE_INTEGER && v->i >= 1 &&
                                 v->i <= UINT32_MAX) ||
                                (v->type == LWM2M_TYPE_UNSIGNED && v->u >= 1 && v->u <= UINT32_MAX);
                        if (!ok)
                                return -EINVAL;
                } else if (rec->path.id[2] == LWM2M_SRV_BINDING) {
                        if (v->type != LWM2M_TYPE_STRING || v->buf.len == 0 || v->buf.len > 3)
                                return -EINVAL;
                        /* This client speaks UDP, with or without queue mode. */
                        for (size_t k = 0; k < v->buf.len; k++)
                                if (v->buf.data[k] != 'U' && v->buf.data[k] != 'Q')
                                        return -EINVAL;
                        if (v->buf.data[0] != 'U')
                                return -EINVAL;
                }
        }
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static const lwm2m_owner_ops server_object_ops = {
        .write = server_object_write,
        .execute = server_object_execute,
};

server_object *server_object_new(lwm2m_tree *tree, const server_object_actions *actions)
{
        assert(tree && actions);
        server_object *o = calloc(1, sizeof(*o));
        if (!o)
                return NULL;
        o->tree = tree;
        o->actions = *actions;
        o->owner = (lwm2m_owner){.ops = &server_object_ops, .userdata = o, .name = "server"};
        return o;
}

int server_object_own(server_object *o, uint16_t iid)
{
        assert(o);
        return lwm2m_tree_set_owner(o->tree, LWM2M_OBJ_SERVER, iid, &o->owner);
}

void server_object_free(server_object *o)
{
        if (!o)
                return;
        for (int iid = lwm2m_tree_next_instance(o->tree, LWM2M_OBJ_SERVER, -1); iid >= 0;
             iid = lwm2m_tree_next_instance(o->tree, LWM2M_OBJ_SERVER, iid))
                if (lwm2m_tree_get_owner(o->tree, LWM2M_OBJ_SERVER, (uint16_t)iid) == &o->owner)
                        lwm2m_tree_set_owner(o->tree, LWM2M_OBJ_SERVER, (uint16_t)iid, NULL);
        free(o);
}
