/* errors.h - the org.lwm2md1.Error names, their mapping to and from negative
 * errno values, and how a resource is named in their messages. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "model/definition.h"

#define BUS_ERROR_NOT_FOUND      "org.lwm2md1.Error.NotFound"
#define BUS_ERROR_INVALID_VALUE  "org.lwm2md1.Error.InvalidValue"
#define BUS_ERROR_ACCESS_DENIED  "org.lwm2md1.Error.AccessDenied"
#define BUS_ERROR_NOT_ALLOWED    "org.lwm2md1.Error.NotAllowed"
#define BUS_ERROR_NO_VALUE       "org.lwm2md1.Error.NoValue"
#define BUS_ERROR_FAILED         "org.lwm2md1.Error.Failed"
#define BUS_ERROR_LIMIT_EXCEEDED "org.lwm2md1.Error.LimitExceeded"

/* Sets `error` to the org.lwm2md1.Error for a negative errno and returns it;
 * `message` NULL: strerror's text. */
int bus_error_from_errno(sd_bus_error *error, int err, const char *message);
/* The reverse, for a provider's answer: our error names and D-Bus's own. */
int bus_errno_from_error(const sd_bus_error *error);

/* Why the engine refused a Send to server `short_id` (0: every server), from
 * its negative errno (wiring.h, bus_engine_ops.send): "Mute Send (/1/x/23) is
 * on for server 3". Also for the daemon's periodic Sends. */
void bus_describe_send_error(int err, uint16_t short_id, char *out, size_t size);

/* "Temperature (3303) resource Sensor Value (5700)" */
void bus_describe_resource(const lwm2m_object_def *obj, const lwm2m_resource_def *res, char *out,
                           size_t size);
