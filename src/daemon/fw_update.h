/* fw_update.h - the Firmware Update object at work in the daemon: its state file, the
 * downloads (HTTP here, CoAP through a transport given in), and the updater (RAUC or a command). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/config.h"
#include "daemon/http_module.h"
#include "model/tree.h"
#include "objects/device.h"

/* A fetch by another transport than HTTP (CoAP: daemon/fw_coap.c), with the same
 * callbacks as http_fetch. `start` returns a handle, or NULL with errno set. */
typedef struct fw_transport {
        void *(*start)(void *context, const char *uri, uint64_t offset, const http_fetch_ops *ops);
        void (*cancel)(void *fetch);
        void *context;
} fw_transport;

typedef struct fw_update fw_update;

typedef struct fw_update_config {
        const config_firmware *firmware;
        const char *state_dir;
        /* coap:// and coaps:// Package URIs (NULL: not offered in /5/0/8); copied. */
        const fw_transport *coap;
        /* Told of a failed update (Error Code 16 raised; cleared by a successful one);
         * may be NULL. */
        device_object *device;
        /* Restarts the machine after an installation when [firmware] reboot says so. */
        int (*reboot)(void *userdata);
        void *userdata;
} fw_update_config;

/* Creates /5/0 in the tree from the saved state (and resumes what it says), unless
 * [firmware] backend is none: then NULL with *error 0. NULL with *error < 0 when it
 * cannot be made (logged). */
fw_update *fw_update_new(sd_event *event, lwm2m_tree *tree, const fw_update_config *cfg,
                         int *error);
void fw_update_free(fw_update *u);
/* The daemon registered with a server: an update outcome from before a restart is
 * reported now, and RAUC told the booted slot is good. */
void fw_update_registered(fw_update *u);
/* Whether an observation of `path` covers /5/0/3 State or /5/0/5 Update Result. */
bool fw_update_confirmable(const lwm2m_path *path);
