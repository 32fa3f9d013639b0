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
        /* Where the system's files are read (DMI, device tree, os-release):
         * NULL is "/"; tests point it at a fake tree. */
        const char *sysroot;
        /* Error Code 5 (out of memory) while MemAvailable is under this share of
         * MemTotal, checked when memory is read; 0 never. */
        unsigned low_memory_percent;
} device_info;

/* Error Code values (/3/0/11) of the Device object; 16..32 are device specific. */
enum {
        DEVICE_ERROR_NONE = 0,
        DEVICE_ERROR_LOW_BATTERY = 1,
        DEVICE_ERROR_EXTERNAL_POWER_OFF = 2,
        DEVICE_ERROR_GPS_FAILURE = 3,
        DEVICE_ERROR_LOW_SIGNAL = 4,
        DEVICE_ERROR_OUT_OF_MEMORY = 5,
        DEVICE_ERROR_SMS_FAILURE = 6,
        DEVICE_ERROR_IP_CONNECTIVITY_FAILURE = 7,
        DEVICE_ERROR_PERIPHERAL_MALFUNCTION = 8,
        /* lwm2md's own: the last firmware update failed (to install, or to boot). */
        DEVICE_ERROR_UPDATE_FAILED = 16,
        DEVICE_ERROR_MAX = 32,
};

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

/* Raises or clears one error code (1..32; DEVICE_ERROR_*): /3/0/11 lists the
 * raised codes in ascending order, or a single 0, and changes as one change
 * (one notification) only when the set does. A server's Reset Error Code
 * (/3/0/12) clears them all. NULL `d` is accepted and does nothing.
 * 0, or -EINVAL for a code out of range. */
int device_object_raise_error(device_object *d, int code);
int device_object_clear_error(device_object *d, int code);

/* The caller watches <sysroot>/etc/localtime and calls device_object_timezone_changed
 * whenever it changes: from now on the time zone's name is read from the link only
 * after such a call (and at the first read), not at every read of /3/0/15. */
void device_object_timezone_watched(device_object *d);
/* /etc/localtime changed (a new zone): the next read takes the zone's name anew,
 * and the UTC offset the new zone's rules (tzset). */
void device_object_timezone_changed(device_object *d);
