/* device.h - the Device object (/3/0): identity from the configuration or the
 * running system, memory and time read on demand, reboot and factory reset handed on. */
#pragma once

#include "model/tree.h"

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
        void *userdata;
} device_actions;

typedef struct device_object device_object;

/* Creates /3/0 (replacing any stored values of the identity resources) and
 * stands behind it. NULL with errno set on failure. */
device_object *device_object_new(lwm2m_tree *tree, const device_info *info,
                                 const device_actions *actions);
void device_object_free(device_object *d);
