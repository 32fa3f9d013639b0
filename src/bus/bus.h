/* bus.h - the D-Bus face of lwm2md: the org.lwm2md1 name, the Manager, the
 * object tree exported for local services and operators, and owned instances. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus/wiring.h"
#include "model/tree.h"

typedef struct lwm2m_bus lwm2m_bus;

/* Connects, exports the tree, takes the name org.lwm2md1 and attaches to
 * `event`. When the bus cannot be reached or the name is taken, or later when
 * the connection is lost, it logs why and tries again (1 s, doubling to 30 s);
 * providers' instances go with a lost connection, held ones stay. Fails only
 * when it cannot set itself up (a negative errno, a sentence in `why`). The
 * tree must outlive the bus. */
/* A client connection to "system", "user" or a D-Bus address, started: 0 or a
 * negative errno. */
int bus_open_address(const char *address, sd_bus **out);
int bus_new(sd_event *event, lwm2m_tree *tree, const bus_config *cfg, lwm2m_bus **out, char *why,
            size_t why_size);
/* Removes what providers own from the tree, then closes the connection. */
void bus_free(lwm2m_bus *b);
/* The engine's word that a server's state, registration or last error changed. */
void bus_server_changed(lwm2m_bus *b, uint16_t short_id);
/* The engine's word that its list of servers was replaced (start, Bootstrap-Finish):
 * InterfacesRemoved for the servers gone, InterfacesAdded for the new ones, and the
 * Manager's Servers and State announced. */
void bus_servers_changed(lwm2m_bus *b);
/* The unique name of the connection (for logs and tests), or NULL. */
const char *bus_unique_name(lwm2m_bus *b);
