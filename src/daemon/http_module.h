/* http_module.h - firmware fetches over http:// and https:// through lwm2md-http.so,
 * loaded on the first one so that libcurl and its libraries cost nothing until then. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/http_fetch.h"

/* Whether HTTP fetches can be tried: the build has the http-download Meson option and the
 * module file is readable. Nothing is loaded yet. */
bool http_fetch_available(void);
/* Starts fetching `uri` (http:// or https://) from byte `offset`, loading the module first
 * if this is the first fetch. NULL with errno set: EINVAL (a malformed URI),
 * EPROTONOSUPPORT (another scheme, a build without HTTP, a module that does not load),
 * ENOMEM. */
http_fetch *http_fetch_start(sd_event *event, const char *uri, uint64_t offset,
                             const http_fetch_ops *ops);
/* Stops a fetch that has not ended; `done` is not called. NULL is fine. */
void http_fetch_cancel(http_fetch *f);
