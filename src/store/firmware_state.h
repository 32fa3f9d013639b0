/* firmware_state.h - what the Firmware Update object keeps across restarts (its state, result,
 * package, the pull to resume, the update outcome to report), as one small CBOR file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The name of the file in the state directory. */
#define STORE_FIRMWARE_FILE_NAME "firmware.cbor"
/* The format this code writes, and the newest it reads. */
#define STORE_FIRMWARE_VERSION 1
/* A larger file is not one we wrote. */
#define STORE_FIRMWARE_MAX_BYTES ((size_t)4096)
/* The longest text kept (name, version, URI), without the NUL. */
#define STORE_FIRMWARE_TEXT_MAX 255

typedef struct store_firmware {
        uint8_t state;  /* 0..3 (/5/0/3) */
        uint8_t result; /* 0..10 (/5/0/5) */
        char pkg_name[STORE_FIRMWARE_TEXT_MAX + 1];
        char pkg_version[STORE_FIRMWARE_TEXT_MAX + 1];
        char uri[STORE_FIRMWARE_TEXT_MAX + 1];
        uint64_t spool_bytes;
        bool update_pending;
        bool update_installed;
} store_firmware;

int store_firmware_encode(const store_firmware *f, lwm2m_buf *out);
/* Decodes and checks a whole file: -EBADMSG when anything is malformed or out of
 * range (`why` says what), -EPROTONOSUPPORT for a newer format, -ENOMEM. */
int store_firmware_decode(const uint8_t *data, size_t len, store_firmware *out, char *why,
                          size_t why_size);
