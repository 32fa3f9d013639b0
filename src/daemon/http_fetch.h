/* http_fetch.h - a firmware image fetched over http:// or https:// with libcurl, driven by
 * sd-event (never blocking the loop): the table of the loadable module lwm2md-http.so. */
#pragma once

#include <stdarg.h>
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

/* Bumped with every change of this table, of http_fetch_ops or of what they mean: the
 * daemon refuses a module of another ABI or another build (http_module.c). */
#define HTTP_FETCH_MODULE_ABI 1

/* Where the module's messages go: the daemon's log_msgv (the executable exports nothing). */
typedef void (*http_fetch_log)(int priority, const char *fmt, va_list ap);

typedef struct http_fetch_module {
        unsigned abi;        /* HTTP_FETCH_MODULE_ABI: first, whatever the ABI */
        const char *version; /* PACKAGE_VERSION of the build */
        /* Starts fetching `uri` (http:// or https://, the caller checked) from byte
         * `offset`. NULL with errno set: EINVAL (a malformed URI), ENOMEM. */
        http_fetch *(*start)(sd_event *event, const char *uri, uint64_t offset,
                             const http_fetch_ops *ops, http_fetch_log log);
        /* Stops a fetch that has not ended; `done` is not called. */
        void (*cancel)(http_fetch *f);
} http_fetch_module;

/* The one symbol the module exports. */
#define HTTP_FETCH_MODULE_SYMBOL "lwm2md_http_fetch_module"
extern const http_fetch_module lwm2md_http_fetch_module;
