/* outbox.h - whether a server can be sent to now, and what happens to what cannot:
 * stored under the bound (Notification Storing), or a sleeping server woken. */
#pragma once

#include <stdbool.h>

#include "lwm2m/server.h"
#include "lwm2m/stored.h"

/* Whether the server can be sent to now (registered, reachable, awake). */
bool outbox_can_send(const server *s);
/* Whether the server keeps what it cannot be sent (Notification Storing, /1/x/6). */
bool outbox_stores(lwm2m_engine *e, const server *s);
/* Queue mode: there is something for a sleeping server; wake it (an Update first). */
void outbox_wake(server *s);
/* Puts `en` on the server's stored queue under the engine's bound (oldest dropped). */
void outbox_store(lwm2m_engine *e, server *s, stored_entry *en);
