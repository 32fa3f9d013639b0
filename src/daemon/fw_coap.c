/* fw_coap.c - coap:// and coaps:// firmware Package URIs fetched by the engine (Block2,
 * with the management server's credentials for coaps), as a transport of fw_update. */
#include "daemon/fw_coap.h"

#include <errno.h>
#include <stdlib.h>

/* The engine's fetch and the callbacks it calls back: the same shape as http_fetch's. */
typedef struct coap_fetch {
        lwm2m_fetch *fetch;
        http_fetch_ops ops;
} coap_fetch;

static int on_data(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                   uint64_t total)
{
        coap_fetch *c = userdata;
        return c->ops.data(c->ops.userdata, offset, bytes, len, total);
}

static void on_done(void *userdata, int error)
{
        coap_fetch *c = userdata;
        http_fetch_ops ops = c->ops;
        free(c); /* the engine frees its fetch after this returns */
        ops.done(ops.userdata, error);
}

static void *start(void *context, const char *uri, uint64_t offset, const http_fetch_ops *ops)
{
        coap_fetch *c = calloc(1, sizeof(*c));
        if (!c) {
                errno = ENOMEM;
                return NULL;
        }
        c->ops = *ops;
        lwm2m_fetch_ops fops = {.data = on_data, .done = on_done, .userdata = c};
        /* Short Server ID 0: coaps uses the first management server's credentials. */
        c->fetch = lwm2m_engine_fetch(context, uri, offset, 0, &fops);
        if (!c->fetch) {
                int e = errno;
                free(c);
                errno = e;
                return NULL;
        }
        return c;
}

static void cancel(void *fetch)
{
        coap_fetch *c = fetch;
        lwm2m_fetch_cancel(c->fetch);
        free(c);
}

fw_transport fw_coap_transport(lwm2m_engine *engine)
{
        return (fw_transport){.start = start, .cancel = cancel, .context = engine};
}
