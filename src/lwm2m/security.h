/* security.h - the client session to a server as its Security object instance says
 * (NoSec, PSK, RPK or X.509 over DTLS), and what went wrong with a handshake. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lwm2m/server.h"

/* Opens a client session to the server its Security instance names. */
int security_open_session(lwm2m_engine *e, server *s);
/* A session that is no server's but uses the credentials of one (a fetch's): found
 * by the DTLS checks of its handshake, which go by the lender's Security instance. */
typedef struct security_borrow {
        struct security_borrow *next;
        coap_session_t *session;
        const char *uri;   /* what the session is for: its host is checked */
        uint16_t short_id; /* the lender, looked up again at each check */
} security_borrow;

/* The management server record of `short_id` (0: the first), or NULL. */
server *security_lender(lwm2m_engine *e, uint16_t short_id);
/* Makes a borrowing session known to the checks (until security_unborrow). */
void security_borrow_add(lwm2m_engine *e, security_borrow *b);
void security_unborrow(lwm2m_engine *e, security_borrow *b);
/* A session to `dst` for `uri` (coap:// or coaps://) that is no server's: a coaps one
 * with the credentials of the Security instance of `lender` (PSK, RPK or X.509, the
 * server's key checked as for the lender's own session). NULL with *error: -EINVAL,
 * -EPROTONOSUPPORT (the lender has no DTLS credentials), -EIO; `why` says why. */
coap_session_t *security_open_borrowed(lwm2m_engine *e, const server *lender, const char *uri,
                                       const coap_address_t *dst, int *error, char *why,
                                       size_t size);
/* Whether `host` is an IPv4 or IPv6 address rather than a name. */
bool security_is_address_literal(const char *host);
/* The address of `host` (not NUL-terminated) at `port`: numeric ones at once, names
 * with getaddrinfo, which blocks. 0 or -EINVAL, -EHOSTUNREACH. */
int security_resolve(const char *host, size_t host_len, uint16_t port, coap_address_t *out);
/* Why a DTLS handshake with the server did not complete, as far as the messages it
 * got tell (no answer at all, or an answer that refused our credentials). */
void security_diagnose_handshake(server *s, char *why, size_t size);
