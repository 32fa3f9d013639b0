/* device.h - the Device object (/3/0): identity from the configuration or the
 * running system, memory and time read on demand, reboot and factory reset handed on. */
#pragma once

#include "model/tree.h"
#include "util/log.h"

typedef struct device_info {
        /* From the configuration; NULL means "find out from the system". */
        const char *manufacturer;
        const char *model;
        const char *serial_number;
        const char *firmware_version;
        const char *hardware_version;
        const char *software_version;
        const char *device_type;
        const char *supported_binding; /* "UQ" unless given */
} device_info;

typedef struct device_actions {
        /* Start a reboot (or factory reset) after the answer has gone out:
         * 0, or a negative errno (then the server gets an error). NULL refuses. */
        int (*reboot)(void *userdata);
        int (*factory_reset)(void *userdata);
        /* Set the system clock (seconds since the epoch) or time zone (an IANA
         * name, already checked): 0 when taken, then `ask` is answered exactly
         * once (owner.h), or a negative errno at once. NULL refuses (4.05). */
        int (*set_time)(void *userdata, int64_t seconds, lwm2m_ask ask);
        int (*set_timezone)(void *userdata, const char *zone, lwm2m_ask ask);
        void *userdata;
        lwm2m_log log; /* why a time, offset or zone was refused before asking */
} device_actions;

/* Whether `zone` looks like an IANA time zone name ("Europe/Berlin", "Etc/GMT-1"):
 * the characters and shape of the tz database's names, no path tricks. */
bool device_timezone_valid(const char *zone);

/* The Etc/ zone of an ISO 8601 UTC offset ("+01:00", "UTC-05", "Z"): timedated
 * sets zones only, and the tz database has whole-hour fixed offsets only.
 * 0, -EINVAL (malformed) or -ERANGE (not whole hours, beyond -12..+14). */
int device_offset_to_zone(const char *offset, char *zone, size_t size);

typedef struct device_object device_object;

/* Creates /3/0 (replacing any stored values of the identity resources) and
 * stands behind it. NULL with errno set on failure. */
device_object *device_object_new(lwm2m_tree *tree, const device_info *info,
                                 const device_actions *actions);
void device_object_free(device_object *d);
