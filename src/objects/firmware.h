/* firmware.h - the Firmware Update object (/5/0): the state machine, the spool file a
 * pushed or pulled image goes to, and the hand-over to an updater the daemon provides. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/tree.h"
#include "util/log.h"

/* /5/0/3 State and /5/0/5 Update Result, as the object's definition numbers them. */
typedef enum firmware_state {
        FIRMWARE_IDLE = 0,
        FIRMWARE_DOWNLOADING = 1,
        FIRMWARE_DOWNLOADED = 2,
        FIRMWARE_UPDATING = 3,
} firmware_state;

typedef enum firmware_result {
        FIRMWARE_RESULT_INITIAL = 0,
        FIRMWARE_RESULT_SUCCESS = 1,
        FIRMWARE_RESULT_NO_SPACE = 2,
        FIRMWARE_RESULT_OUT_OF_MEMORY = 3,
        FIRMWARE_RESULT_CONNECTION_LOST = 4,
        FIRMWARE_RESULT_INTEGRITY = 5,
        FIRMWARE_RESULT_UNSUPPORTED_TYPE = 6,
        FIRMWARE_RESULT_INVALID_URI = 7,
        FIRMWARE_RESULT_UPDATE_FAILED = 8,
        FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL = 9,
        FIRMWARE_RESULT_CANCELLED = 10, /* object version 1.1 and later */
} firmware_result;

/* What survives a restart (the store keeps it; see firmware_object_saved). */
typedef struct firmware_saved {
        firmware_state state;
        firmware_result result;
        char pkg_name[256];
        char pkg_version[256];
        char uri[256];        /* a pull in progress (to resume), else "" */
        uint64_t spool_bytes; /* bytes of the image in the spool file */
        /* An update was handed to the updater and its outcome is still to be
         * reported after the restart it causes. */
        bool update_pending;
        /* The updater said the update went in (the outcome before the reboot). */
        bool update_installed;
} firmware_saved;

/* What the daemon does for the object; every callback may be NULL (refused). */
typedef struct firmware_actions {
        /* Fetch `uri` from byte `offset`; the bytes go to firmware_object_download_data
         * and the end to firmware_object_download_done. 0, or -EPROTONOSUPPORT (a
         * scheme this build cannot fetch: Result 9), -EINVAL (a malformed URI:
         * Result 7), another negative errno (Result 4). */
        int (*download_start)(void *userdata, const char *uri, uint64_t offset);
        void (*download_cancel)(void *userdata);
        /* Check a whole downloaded image before the state becomes Downloaded (RAUC:
         * InspectBundle); the answer goes to firmware_object_check_done. NULL: no check. */
        int (*check)(void *userdata, const char *image_path);
        /* Install the image; the outcome goes to firmware_object_update_done (which
         * may never come: the updater may reboot the machine first). */
        int (*install)(void *userdata, const char *image_path);
        /* Install straight from a URI, with no download by the daemon (RAUC streaming of
         * https:// bundles); NULL or -EOPNOTSUPP to download as usual. */
        int (*install_uri)(void *userdata, const char *uri);
        /* The state or result changed: store `saved` durably before returning. */
        void (*save)(void *userdata, const firmware_saved *saved);
        void *userdata;
        lwm2m_log log;
} firmware_actions;

typedef struct firmware_config {
        const char *spool_path; /* the image file, e.g. /var/lib/lwm2md/firmware.spool */
        /* Bytes to leave free on the spool's file system beyond the image. */
        uint64_t spool_reserve;
        /* /5/0/8: the pull protocols this build and configuration can fetch
         * (0 CoAP, 1 CoAPS, 2 HTTP 1.1, 3 HTTPS 1.1). */
        const uint8_t *protocols;
        size_t n_protocols;
        bool push; /* /5/0/9: push allowed */
        bool pull; /* /5/0/9: pull allowed */
        /* https:// Package URIs are not downloaded but handed to actions.install_uri at
         * Update (checked first with actions.check given the URI): RAUC's streaming. */
        bool stream_https;
        const firmware_saved *saved; /* from the store, or NULL for a first start */
} firmware_config;

typedef struct firmware_object firmware_object;

firmware_object *firmware_object_new(lwm2m_tree *tree, const firmware_config *cfg,
                                     const firmware_actions *actions);
void firmware_object_free(firmware_object *fw);

/* The download's bytes and its end (0, or a negative errno as lwm2m_fetch_ops.done). */
int firmware_object_download_data(firmware_object *fw, uint64_t offset, const uint8_t *bytes,
                                  size_t len, uint64_t total);
void firmware_object_download_done(firmware_object *fw, int error);
/* The check's verdict: 0 (Downloaded), -ENOEXEC (Result 6), -EBADMSG (Result 5),
 * with the package's name and version when known (may be NULL). */
void firmware_object_check_done(firmware_object *fw, int error, const char *name,
                                const char *version);
/* The updater's outcome: 0 (installed; reported as Success now, or after the restart
 * when `reboot_follows`), else a negative errno (Result 8). */
void firmware_object_update_done(firmware_object *fw, int error, bool reboot_follows);
/* The daemon registered again: an update outcome waiting for that is reported
 * (state Idle, the result set). Returns whether one was, so that the daemon can
 * tell the updater the new system is good (RAUC Mark); true once per outcome. */
bool firmware_object_registered(firmware_object *fw);
