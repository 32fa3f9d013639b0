/* session.c - the libcoap sessions of the servers: finding a session's server, and
 * retiring sessions so that they are released only once libcoap is done with them. */
#include "lwm2m/session.h"

#include <assert.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <syslog.h>

#include "lwm2m/block.h"
#include "lwm2m/context.h"
#include "lwm2m/dedup.h"
#include "lwm2m/dm.h"
#include "lwm2m/send.h"

server *engine_server_by_session(lwm2m_engine *e, coap_session_t *session)
{
        assert(e && session);
        server *s = coap_session_get_app_data(session);
        if (s && s == e->bs_server)
                return s;
        for (size_t i = 0; i < e->n_servers; i++)
                if (&e->servers[i] == s)
                        return s;
        return NULL;
}

void engine_retire_session(lwm2m_engine *e, coap_session_t *session)
{
        assert(e && session);
        coap_session_set_app_data(session, NULL);
        coap_session_t **more = reallocarray(e->retired, e->n_retired + 1, sizeof(*more));
        if (!more) {
                /* Cannot wait: libcoap frees it once its queued messages are done. */
                coap_session_release(session);
                return;
        }
        e->retired = more;
        e->retired[e->n_retired++] = session;
}

/* Outside libcoap's callbacks and our request handler (a request may retire its own
 * session, and its owners' consent is still in use): cancel what waits for owners,
 * drop what is queued on each retired session (which holds references to it), so
 * that the release frees it and closes its socket. */
void engine_release_retired_sessions(lwm2m_engine *e)
{
        assert(e);
        for (size_t i = 0; i < e->n_retired; i++) {
                dm_cancel_session(e, e->retired[i]);
                coap_session_disconnected(e->retired[i], COAP_NACK_NOT_DELIVERABLE);
                coap_session_release(e->retired[i]);
        }
        free(e->retired);
        e->retired = NULL;
        e->n_retired = 0;
}

bool session_handshake_pending(const server *s)
{
        assert(s);
        return s->session && s->secure && s->handshake_deadline_ms != 0 &&
               coap_session_get_state(s->session) != COAP_SESSION_STATE_ESTABLISHED;
}

/* What the socket has dropped so far: the filter's strays, and datagrams that found
 * the receive buffer full. */
static uint64_t socket_drops(int fd)
{
        uint32_t info[SK_MEMINFO_VARS] = {0};
        socklen_t len = sizeof(info);
        if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) < 0 ||
            len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
                return 0;
        return info[SK_MEMINFO_DROPS];
}

/* Logs what a DTLS session's socket dropped in its life: datagrams that were not DTLS
 * records (garbage, stray plaintext; the socket filter security.c sets at the
 * session's start keeps them from GnuTLS) or found the receive buffer full. */
static void report_drops(const server *s)
{
        if (!s->secure || s->session_fd < 0)
                return;
        uint64_t drops = socket_drops(s->session_fd);
        if (drops > 0)
                lwm2m_logf(&s->e->log, LOG_NOTICE,
                           "server %u: %llu datagram(s) from %s dropped: not DTLS records, or "
                           "the receive buffer was full",
                           s->short_id, (unsigned long long)drops, s->uri);
}

void session_release(server *s)
{
        assert(s);
        if (s->session) {
                engine_retire_session(s->e, s->session);
                s->session = NULL;
        }
        s->in_flight = REG_NONE;
        s->reachable = false;
        send_session_gone(s->e, s);
        s->handshake_deadline_ms = 0;
        report_drops(s);
        s->session_fd = -1;
        lwm2m_buf_free(&s->out_body);
        block_forget_all(s);
        dedup_clear(&s->dedup);
}
