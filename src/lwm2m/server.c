/* server.c - the helpers that act on one server record: its state changes, and what
 * its Server object instance says. */
#include "lwm2m/server.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "lwm2m/context.h"
#include "model/oma.h"
#include "util/log.h"

void server_changed(server *s)
{
        assert(s);
        if (s->e->server_changed) {
                s->e->callouts++;
                s->e->server_changed(s->e->userdata, s->short_id);
        }
}

void server_set_state(server *s, lwm2m_server_state state)
{
        assert(s);
        if (s->state == state)
                return;
        lwm2m_logf(&s->e->log, LOG_DEBUG, "server %u: %s -> %s", s->short_id,
                   lwm2m_server_state_to_string(s->state), lwm2m_server_state_to_string(state));
        s->state = state;
        server_changed(s);
}

static const lwm2m_value *server_value(lwm2m_engine *e, uint16_t iid, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, rid);
        return lwm2m_tree_get(e->tree, &p);
}

uint64_t server_uint(lwm2m_engine *e, uint16_t iid, uint16_t rid, uint64_t fallback)
{
        assert(e);
        const lwm2m_value *v = server_value(e, iid, rid);
        if (v && v->type == LWM2M_TYPE_UNSIGNED)
                return v->u;
        if (v && (v->type == LWM2M_TYPE_INTEGER || v->type == LWM2M_TYPE_TIME) && v->i >= 0)
                return (uint64_t)v->i;
        return fallback;
}

bool server_bool(lwm2m_engine *e, uint16_t iid, uint16_t rid, bool fallback)
{
        assert(e);
        const lwm2m_value *v = server_value(e, iid, rid);
        return v && v->type == LWM2M_TYPE_BOOLEAN ? v->b : fallback;
}

void server_load_params(server *s)
{
        assert(s);
        lwm2m_engine *e = s->e;
        uint64_t lt = server_uint(e, s->server_iid, LWM2M_SRV_LIFETIME, 86400);
        s->lifetime = lt == 0 || lt > UINT32_MAX ? 86400 : (uint32_t)lt;
        const lwm2m_value *b = server_value(e, s->server_iid, LWM2M_SRV_BINDING);
        snprintf(s->binding, sizeof(s->binding), "%s",
                 b && b->type == LWM2M_TYPE_STRING && b->buf.len > 0 && b->buf.len < 4
                         ? (const char *)b->buf.data
                         : "U");
}

bool server_in_flight_token(const server *s, const coap_pdu_t *pdu)
{
        assert(s && pdu);
        coap_bin_const_t tok = coap_pdu_get_token(pdu);
        return s->in_flight != REG_NONE && tok.length == s->token_len &&
               memcmp(tok.s, s->token, tok.length) == 0;
}
