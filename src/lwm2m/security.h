/* security.h - the client session to a server as its Security object instance says
 * (NoSec, PSK, RPK or X.509 over DTLS), and what went wrong with a handshake. */
#pragma once

#include <stddef.h>

#include "lwm2m/server.h"

/* Opens a client session to the server its Security instance names. */
int security_open_session(lwm2m_engine *e, server *s);
/* Drops what waits on a DTLS session's socket that is not DTLS records (garbage,
 * stray plaintext), before GnuTLS can take it for the start of a record. 0, or a
 * negative errno the socket reported (-ECONNREFUSED: ICMP unreachable). */
int security_drop_stray_datagrams(server *s);
/* Why a DTLS handshake with the server did not complete, as far as the messages it
 * got tell (no answer at all, or an answer that refused our credentials). */
void security_diagnose_handshake(server *s, char *why, size_t size);
