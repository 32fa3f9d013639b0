/* http_module.c - firmware fetches over http:// and https:// through lwm2md-http.so,
 * loaded on the first one so that libcurl and its libraries cost nothing until then. */
#include "daemon/http_module.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "build-config.h"
#include "daemon/log.h"

#if HAVE_HTTP_DOWNLOAD

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#define MODULE_FILE "lwm2md-http.so"

/* Once loaded the module stays: libcurl keeps global state (curl_global_init) that
 * unloading would leave dangling, and the next update fetches again. */
static const http_fetch_module *module;

static int module_path(char *path, size_t size)
{
        /* For tests and development: the module in a build tree (man/lwm2md.8). */
        const char *dir = getenv("LWM2MD_MODULE_DIR");
        if (!dir || !dir[0])
                dir = LWM2MD_MODULE_DIR;
        int n = snprintf(path, size, "%s/" MODULE_FILE, dir);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool http_fetch_available(void)
{
        char path[PATH_MAX];
        return module || (module_path(path, sizeof(path)) >= 0 && access(path, R_OK) == 0);
}

static int load_module(void)
{
        if (module)
                return 0;
        char path[PATH_MAX];
        if (module_path(path, sizeof(path)) < 0) {
                log_error("firmware download: the module path is too long");
                return -EPROTONOSUPPORT;
        }
        void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                log_error("firmware download: cannot load %s: %s", path, dlerror());
                return -EPROTONOSUPPORT;
        }
        const http_fetch_module *m = dlsym(handle, HTTP_FETCH_MODULE_SYMBOL);
        if (!m) {
                log_error("firmware download: %s: %s", path, dlerror());
        } else if (m->abi != HTTP_FETCH_MODULE_ABI) {
                log_error("firmware download: %s has ABI %u, this daemon %u: refused", path, m->abi,
                          HTTP_FETCH_MODULE_ABI);
        } else if (!m->version || strcmp(m->version, PACKAGE_VERSION) != 0) {
                log_error("firmware download: %s is of lwm2md %s, this daemon %s: refused", path,
                          m->version ? m->version : "(none)", PACKAGE_VERSION);
        } else {
                log_info("firmware download: loaded %s", path);
                module = m;
                return 0;
        }
        dlclose(handle);
        return -EPROTONOSUPPORT;
}

static int scheme_ok(const char *uri)
{
        if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0)
                return 0;
        return strstr(uri, "://") ? -EPROTONOSUPPORT : -EINVAL;
}

http_fetch *http_fetch_start(sd_event *event, const char *uri, uint64_t offset,
                             const http_fetch_ops *ops)
{
        int r = scheme_ok(uri);
        if (r >= 0)
                r = load_module();
        if (r < 0) {
                errno = -r;
                return NULL;
        }
        return module->start(event, uri, offset, ops, log_msgv);
}

void http_fetch_cancel(http_fetch *f)
{
        if (f)
                module->cancel(f);
}

#else /* !HAVE_HTTP_DOWNLOAD */

bool http_fetch_available(void)
{
        return false;
}

http_fetch *http_fetch_start(sd_event *event, const char *uri, uint64_t offset,
                             const http_fetch_ops *ops)
{
        errno = EPROTONOSUPPORT;
        return NULL;
}

void http_fetch_cancel(http_fetch *f)
{
}

#endif
