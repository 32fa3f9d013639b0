/* owner.h - who stands behind an instance: the small asynchronous handler
 * interface that built-in objects and D-Bus providers implement. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "model/record.h"

typedef enum lwm2m_write_mode lwm2m_write_mode;

/* Completes one request: 0 to accept, or a negative errno that the protocol
 * side maps (-ENOENT 4.04, -EPERM/-EACCES 4.05, -EINVAL/-ERANGE 4.00, else 5.00). */
typedef void (*lwm2m_reply_fn)(void *request, int error);

/* Every operation is optional (NULL gives the default in brackets). An
 * operation returns 0 when it took the request and will call `reply` exactly
 * once, possibly before returning, unless `cancel` is called for it first; or
 * a negative errno to refuse at once (then `reply` is never called). */
typedef struct lwm2m_owner_ops {
        /* A server wants to write these (already validated) records [accept].
         * On acceptance the caller commits them to the tree. */
        int (*write)(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                     lwm2m_write_mode mode, lwm2m_reply_fn reply, void *request);
        /* Execute a resource with optional arguments [refused: -EPERM]. */
        int (*execute)(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                       size_t args_len, lwm2m_reply_fn reply, void *request);
        /* A server creates an instance of an object this owner stands behind;
         * the records are its initial values [accept]. */
        int (*create)(void *userdata, const lwm2m_path *instance, const lwm2m_record *recs,
                      size_t n, lwm2m_reply_fn reply, void *request);
        /* A server deletes the instance [accept]. */
        int (*remove)(void *userdata, const lwm2m_path *instance, lwm2m_reply_fn reply,
                      void *request);
        /* Refresh the values under `path` in the tree before a read [nothing to do]. */
        int (*refresh)(void *userdata, const lwm2m_path *path, lwm2m_reply_fn reply, void *request);
        /* The caller gave up on `request` (a timeout): never reply to it. */
        void (*cancel)(void *userdata, void *request);
} lwm2m_owner_ops;

typedef struct lwm2m_owner {
        const lwm2m_owner_ops *ops;
        void *userdata;
        const char *name; /* for logs: "device", ":1.42" */
} lwm2m_owner;
