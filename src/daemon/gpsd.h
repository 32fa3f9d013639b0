/* gpsd.h - the daemon's connection to gpsd: watches TPV reports and hands them to the
 * Location object, reconnecting with back-off while gpsd is away. */
#pragma once

#include <systemd/sd-event.h>

#include "objects/device.h"
#include "objects/location.h"

typedef struct gpsd_client gpsd_client;

/* `address` is "IP:PORT" ("[V6]:PORT" for IPv6; "localhost" is 127.0.0.1;
 * no names, whose lookup would block the loop) or an absolute UNIX socket path. Connects at once
 * (or keeps trying). While gpsd cannot be reached or sends what is not gpsd's protocol, `device`
 * (may be NULL) shows Error Code 3 (GPS failure). NULL with errno set (-EINVAL: a bad address). */
gpsd_client *gpsd_client_new(sd_event *event, const char *address, location_object *location,
                             device_object *device);
void gpsd_client_free(gpsd_client *g);
