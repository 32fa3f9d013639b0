/* outbox.c - whether a server can be sent to now, and what happens to what cannot:
 * stored under the bound (Notification Storing), or a sleeping server woken. */
#include "lwm2m/outbox.h"

#include <assert.h>
#include <syslog.h>

#include "lwm2m/context.h"
#include "model/oma.h"

bool outbox_can_send(const server *s)
{
        return s->state == LWM2M_SERVER_REGISTERED && s->reachable && !s->sleeping && s->session;
}

bool outbox_stores(lwm2m_engine *e, const server *s)
{
        return server_bool(e, s->server_iid, LWM2M_SRV_STORING, false);
}

void outbox_wake(server *s)
{
        if (s->sleeping && s->state == LWM2M_SERVER_REGISTERED && !s->update_wanted) {
                lwm2m_logf(&s->e->log, LOG_DEBUG, "server %u: something to send; waking up",
                           s->short_id);
                s->update_wanted = true;
        }
}

void outbox_store(lwm2m_engine *e, server *s, stored_entry *en)
{
        size_t max_count = e->stored_max_count;
        size_t max_bytes = e->stored_max_bytes;
        size_t dropped = stored_push(&s->stored, en, max_count, max_bytes);
        /* Logged at powers of two: an outage of hours must not flood the journal. */
        if (dropped && (s->stored.dropped & (s->stored.dropped - 1)) == 0)
                lwm2m_logf(&e->log, LOG_WARNING,
                           "server %u: %llu stored notification(s) dropped so far (bound: %zu "
                           "entries, %zu bytes)",
                           s->short_id, (unsigned long long)s->stored.dropped, max_count,
                           max_bytes);
        server_changed(s);
}
