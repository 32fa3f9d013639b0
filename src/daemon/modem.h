/* modem.h - the daemon's view of ModemManager: the first modem's radio figures read
 * over D-Bus in the background and handed to Connectivity Monitoring. */
#pragma once

#include <systemd/sd-event.h>

#include "objects/connmon.h"

typedef struct modem_watch modem_watch;

/* Watches ModemManager on the bus at `address` ("system", "user" or a D-Bus
 * address). A bus that cannot be reached is logged and the radio stays absent.
 * NULL only when out of memory. */
modem_watch *modem_watch_new(sd_event *event, const char *address, connmon_object *connmon);
void modem_watch_free(modem_watch *m);
