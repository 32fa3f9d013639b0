/* http_fetch.h - a firmware image fetched over http:// or https:// with libcurl, driven by
 * sd-event (never blocking the loop), from a byte offset when the server allows ranges. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct http_fetch http_fetch;

/* As lwm2m_fetch_ops (lwm2m/engine.h): the bytes in order from `offset` (0 again when
 * the server ignored the range: the receiver starts over), `total` the whole size or
 * UINT64_MAX; `done` exactly once unless cancelled: 0, -ETIMEDOUT or -ECONNRESET (lost:
 * resumable), -ENOENT (404, 410), -EBADMSG (fewer bytes than announced), -ECONNREFUSED
 * (no connection, TLS refused), -EPROTO (another HTTP error), -EINVAL (a malformed URI),
 * -EPROTONOSUPPORT, or what `data` returned. The fetch is freed after `done` returns. */
typedef struct http_fetch_ops {
        int (*data)(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                    uint64_t total);
        void (*done)(void *userdata, int error);
        void *userdata;
} http_fetch_ops;

/* Whether this build can fetch over HTTP at all (the http-download Meson option). */
bool http_fetch_available(void);
/* Starts fetching `uri` (http:// or https://) from byte `offset`. NULL with errno set:
 * EINVAL (a malformed URI), EPROTONOSUPPORT (another scheme, or a build without
 * libcurl), ENOMEM. */
http_fetch *http_fetch_start(sd_event *event, const char *uri, uint64_t offset,
                             const http_fetch_ops *ops);
/* Stops a fetch that has not ended; `done` is not called. NULL is fine. */
void http_fetch_cancel(http_fetch *f);
