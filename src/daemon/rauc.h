/* rauc.h - RAUC's D-Bus interface (de.pengutronix.rauc.Installer on /) as the firmware
 * updater uses it: inspect a bundle, install it and hear the outcome, mark the slot good. */
#pragma once

#include "build-config.h"
#include <errno.h>
#include <systemd/sd-event.h>

typedef struct rauc_client rauc_client;

typedef struct rauc_ops {
        /* InspectBundle's answer: 0 with the bundle's compatible and version (may be
         * NULL), -ENOEXEC (RAUC refused the bundle) or -EIO (RAUC cannot be reached). */
        void (*inspected)(void *userdata, int error, const char *compatible, const char *version);
        /* The installation ended (Completed): 0, or -EIO (a failure, logged with LastError;
         * or RAUC cannot be reached). */
        void (*completed)(void *userdata, int error);
        void *userdata;
} rauc_ops;

#if HAVE_RAUC
/* RAUC on `address` ("system", "user" or a D-Bus address; connected at the first call). */
rauc_client *rauc_client_new(sd_event *event, const char *address, const rauc_ops *ops);
void rauc_client_free(rauc_client *c);

/* Asynchronous: the answer goes to ops.inspected / ops.completed. 0 or a negative errno
 * (then nothing is called). `source` is a path or, for streaming, an https:// URI. */
int rauc_inspect(rauc_client *c, const char *source);
int rauc_install(rauc_client *c, const char *source);
/* Mark("good", "booted"): the system that runs is the one to keep. Logged. */
int rauc_mark_good(rauc_client *c);
#else
/* Built without RAUC (-Drauc=false, rauc.c left out): the configuration refuses
 * backend = rauc, so no client is ever asked for; these keep fw_update.c free of #if. */
static inline rauc_client *rauc_client_new(sd_event *event, const char *address,
                                           const rauc_ops *ops)
{
        return NULL;
}
static inline void rauc_client_free(rauc_client *c)
{
}
static inline int rauc_inspect(rauc_client *c, const char *source)
{
        return -EOPNOTSUPP;
}
static inline int rauc_install(rauc_client *c, const char *source)
{
        return -EOPNOTSUPP;
}
static inline int rauc_mark_good(rauc_client *c)
{
        return -EOPNOTSUPP;
}
#endif
