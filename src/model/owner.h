/* owner.h - who stands behind an instance: the small asynchronous handler
 * interface that built-in objects and D-Bus providers implement. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "model/record.h"

typedef enum lwm2m_write_mode lwm2m_write_mode;
typedef struct lwm2m_requests lwm2m_requests;

/* One question put to an owner, by value: the owner keeps it and answers with
 * lwm2m_ask_reply (request.h). A handle, not a pointer, so that an answer
 * that comes after a timeout, or a second answer, is recognised and dropped. */
typedef struct lwm2m_ask {
        lwm2m_requests *requests;
        uint64_t id;
        /* The request the question belongs to (never 0): the questions of one
         * request share it. A Read-Composite asks `refresh` once per path that
         * needs it, so an owner that keeps what it read under this number reads
         * each of its sources once per request, however many paths name them. */
        uint64_t request;
} lwm2m_ask;

/* Every operation is optional (NULL gives the default in brackets). An
 * operation returns 0 when it took the question and will answer it exactly
 * once with lwm2m_ask_reply, possibly before returning, unless `cancel` is
 * called for it first; or a negative errno to refuse at once (then it never
 * answers). Answers: 0 to accept, or a negative errno that the protocol side
 * maps (-ENOENT 4.04, -EPERM 4.05, -EACCES 4.01, -EINVAL/-ERANGE 4.00, else 5.00). */
/* A value too large to hold whole (a firmware image), written into an opaque
 * resource piece by piece as a server's block-wise Write brings it: the model
 * checks the write once (lwm2m_stream_open, request.h), then the bytes go
 * straight to the owner, which keeps them where it likes (a spool file).
 * Every call is synchronous. */
typedef struct lwm2m_stream_ops {
        /* A write of `resource` (/oid/iid/rid) begins, from `origin_short_id` (0 when
         * not a server); `size` is the announced total (Size1), or UINT64_MAX when
         * unknown. 0 with an owner-side handle in *stream, or a negative errno:
         * -ENOSPC (does not fit: 4.13), -EBUSY or -EPERM (not now: 4.05),
         * -EINVAL (4.00), else 5.00. */
        int (*open)(void *userdata, const lwm2m_path *resource, uint16_t origin_short_id,
                    uint64_t size, void **stream);
        /* `len` bytes at `offset`. Written at that offset: a block sent again
         * overwrites itself, so a retransmission is harmless. Offsets grow by whole
         * blocks, never leaving a gap. 0, or a negative errno (-ENOSPC: 4.13, else
         * 5.00), after which the stream is aborted. */
        int (*write)(void *userdata, void *stream, uint64_t offset, const uint8_t *bytes,
                     size_t len);
        /* The last block came: `size` bytes in all. 0 (the write succeeded: 2.04) or a
         * negative errno mapped as for open. The handle is gone afterwards either way. */
        int (*finish)(void *userdata, void *stream, uint64_t size);
        /* The transfer was given up (left idle, restarted by a new block 0, the server
         * gone, shutdown, the instance deleted). The handle is gone afterwards. */
        void (*abort)(void *userdata, void *stream);
} lwm2m_stream_ops;

typedef struct lwm2m_owner_ops {
        /* Someone other than the owner wants to write these (already validated)
         * records [accept]. On acceptance the request commits them to the tree. */
        int (*write)(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                     lwm2m_write_mode mode, lwm2m_ask ask);
        /* Execute a resource with optional arguments [refused: -EPERM]. */
        int (*execute)(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                       size_t args_len, lwm2m_ask ask);
        /* A server creates an instance of an object this owner stands behind;
         * the records are its initial values [accept]. */
        int (*create)(void *userdata, const lwm2m_path *instance, const lwm2m_record *recs,
                      size_t n, lwm2m_ask ask);
        /* Someone other than the owner deletes the instance [accept]. */
        int (*remove)(void *userdata, const lwm2m_path *instance, lwm2m_ask ask);
        /* Refresh the values under `path` in the tree before a read [nothing to do]. */
        int (*refresh)(void *userdata, const lwm2m_path *path, lwm2m_ask ask);
        /* Whether a read of `path` (an instance, resource or resource instance)
         * needs `refresh` [absent: always]. A pure predicate answered at once: it
         * must not change anything or call out. A read it says no to asks nothing,
         * allocates nothing and is answered from the tree. */
        bool (*refreshes)(void *userdata, const lwm2m_path *path);
        /* `refresh` only reads the kernel's or the process's own state into the tree
         * and answers at once: asking it is not a callout (lwm2m_tree_callouts), so a
         * read of such values costs the daemon's loop no turn of its other sources. */
        bool refresh_stays_local;
        /* The request gave up on `ask` (a timeout, a cancellation): never answer it. */
        void (*cancel)(void *userdata, lwm2m_ask ask);
        /* Streamed writes of opaque resources [none: such writes are reassembled
         * whole, up to the engine's body limit, and go through `write`]. */
        const lwm2m_stream_ops *stream;
} lwm2m_owner_ops;

typedef struct lwm2m_owner {
        const lwm2m_owner_ops *ops;
        void *userdata;
        const char *name; /* for logs: "device", ":1.42" */
} lwm2m_owner;

/* Whether a read of `path` must first ask `o` to refresh: it has `refresh`, and
 * `refreshes`, if it has one, says yes. The one place that decides it (the
 * request lifecycle, the engine's Read and its observations). */
static inline bool lwm2m_owner_refreshes(const lwm2m_owner *o, const lwm2m_path *path)
{
        return o && o->ops && o->ops->refresh &&
               (!o->ops->refreshes || o->ops->refreshes(o->userdata, path));
}

/* Answers a question an owner was asked: the first answer counts, later ones
 * and answers to questions given up are ignored. */
void lwm2m_ask_reply(lwm2m_ask ask, int error);
