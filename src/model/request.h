/* request.h - the one lifecycle of every request an owner may refuse, whoever
 * asks: checked, put to the owner (one timeout), committed atomically, announced. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/access.h"
#include "model/owner.h"
#include "model/policy.h"
#include "model/record.h"
#include "model/tree.h"
#include "util/log.h"

/* How long an owner has to answer before the request fails with -ETIMEDOUT. */
#define LWM2M_REQUEST_TIMEOUT_MS 4000u

typedef struct lwm2m_request lwm2m_request;

typedef enum lwm2m_request_kind {
        /* Before reading `path`: asks the owner to refresh its on-demand values
         * (lwm2m_owner_refreshes decides whether it is asked at all). The caller
         * reads the tree itself when the request is done. A Read-Composite names
         * the root and lists its paths as value-less records (instances and
         * below): each path whose owner refreshes is asked about, in one request. */
        LWM2M_REQUEST_READ,
        /* Stores records (absolute paths under `path`: an instance, resource or
         * resource instance; the root for Write-Composite) as one change. */
        LWM2M_REQUEST_WRITE,
        /* Adds an instance with its initial values at once (`path` is /oid, or
         * /oid/iid for a chosen ID); record paths may carry any instance ID. */
        LWM2M_REQUEST_CREATE,
        /* Deletes the instance `path`. */
        LWM2M_REQUEST_DELETE,
        /* Executes the resource `path` with `args`. */
        LWM2M_REQUEST_EXECUTE,
        _LWM2M_REQUEST_KIND_MAX,
} lwm2m_request_kind;

typedef struct lwm2m_request_result {
        int error;       /* 0, or a negative errno (owner.h says how protocols map it) */
        const char *why; /* a sentence saying what was refused and why, or "" */
        uint16_t iid;    /* CREATE: the instance made */
} lwm2m_request_result;

typedef void (*lwm2m_request_done_fn)(void *userdata, const lwm2m_request_result *result);

typedef struct lwm2m_request_spec {
        lwm2m_request_kind kind;
        lwm2m_origin origin;
        lwm2m_path path;
        lwm2m_write_mode mode; /* WRITE */
        /* WRITE, CREATE, READ of the root (the paths): taken, emptied by lwm2m_request_start */
        lwm2m_record_list records;
        const uint8_t *args; /* EXECUTE: copied */
        size_t args_len;
        /* CREATE: who stands behind the new instance (NULL: the object's owner,
         * which is then asked first). */
        const lwm2m_owner *owner;
        /* Requests of one group can be cancelled together (a CoAP session, a bus). */
        const void *group;
        lwm2m_request_done_fn done;
        void *userdata;
} lwm2m_request_spec;

/* The clock and the one timer a request set needs, given by the event loop. */
typedef struct lwm2m_request_timer {
        uint64_t (*now_ms)(void *userdata); /* monotonic */
        /* The earliest deadline changed: call lwm2m_requests_expire then
         * (UINT64_MAX: no request waits). */
        void (*arm)(void *userdata, uint64_t deadline_ms);
        void *userdata;
} lwm2m_request_timer;

/* `timeout_ms` 0 is LWM2M_REQUEST_TIMEOUT_MS. The set listens to the tree (an
 * instance removed while its owner thinks ends the request with -ENOENT); free
 * it before the tree. */
lwm2m_requests *lwm2m_requests_new(lwm2m_tree *tree, const lwm2m_request_timer *timer,
                                   const lwm2m_log *log, unsigned timeout_ms);
/* Cancels what still waits (each `done` gets -ECANCELED), then frees. */
void lwm2m_requests_free(lwm2m_requests *q);
/* Ends the requests whose owners have not answered in time (-ETIMEDOUT). */
void lwm2m_requests_expire(lwm2m_requests *q);
/* Cancels every request of `group`: each `done` gets -ECANCELED. */
void lwm2m_requests_cancel_group(lwm2m_requests *q, const void *group);
size_t lwm2m_requests_waiting(const lwm2m_requests *q);

/* The Access Control templates (copied; replaces earlier ones): a Create that no
 * server asked for (a D-Bus provider's, a local caller's, the daemon's) of an
 * instance without an Access Control instance, while Access Control applies,
 * gets one from its object's template in the same commit. Whoever removes the
 * instance, its template-made Access Control instance goes with it. 0 or -ENOMEM. */
int lwm2m_requests_set_access_templates(lwm2m_requests *q, const lwm2m_access_template *tpl,
                                        size_t n);
/* Gives every instance in the tree that has no Access Control instance one from
 * its template (lwm2m_access_apply_templates): for the instances already there
 * when Access Control comes to apply (start-up, the end of a bootstrap). How
 * many were made, or a negative errno (logged). */
int lwm2m_requests_apply_access_templates(lwm2m_requests *q);

/* Starts a request: checks it against the definition and lwm2m_policy_check,
 * asks the owner unless the origin is the owner or the daemon, commits it when
 * every owner asked has agreed, and calls `done` exactly once, possibly before
 * this returns (a refusal, or an owner that answers at once). Returns the
 * request while it waits, for lwm2m_request_cancel, or NULL when it is done. */
lwm2m_request *lwm2m_request_start(lwm2m_requests *q, lwm2m_request_spec *spec);
/* Runs a request that must be done when this returns (a property Set, the bootstrap
 * interface): one that would wait for an owner's answer is cancelled at once and
 * gives -EWOULDBLOCK. spec->done and spec->userdata are this function's. 0 or the
 * request's error, with its sentence in `why` (may be NULL). */
int lwm2m_request_run(lwm2m_requests *q, lwm2m_request_spec *spec, char *why, size_t why_size);
/* Gives up on a waiting request: its owners are told, `done` gets -ECANCELED. */
void lwm2m_request_cancel(lwm2m_request *r);

/* ---- streamed writes (owner.h: lwm2m_stream_ops) ---- */

typedef struct lwm2m_stream lwm2m_stream;

/* Whether a write of `path` would be streamed: a resource (/oid/iid/rid) of type
 * opaque whose instance owner has stream ops. */
bool lwm2m_stream_supported(const lwm2m_requests *q, const lwm2m_path *path);
/* Opens a streamed write of the resource `path` for `origin`: checked as a Write
 * of that resource would be (the definition: exists, writable, opaque; the instance
 * exists; lwm2m_policy_check, so Access Control too), then opened by the instance's
 * owner. NULL with *error set (-ENOENT, -EPERM, -EACCES, -EOPNOTSUPP without stream
 * ops, or the owner's refusal) and the sentence in `why`. */
lwm2m_stream *lwm2m_stream_open(lwm2m_requests *q, const lwm2m_origin *origin,
                                const lwm2m_path *path, uint64_t size, int *error, char *why,
                                size_t why_size);
/* Passes bytes on (lwm2m_stream_ops.write). -ENOENT once the instance is gone
 * (the owner was told by abort then); after any error only abort is left. */
int lwm2m_stream_write(lwm2m_stream *s, uint64_t offset, const uint8_t *bytes, size_t len);
/* Ends the stream with its last byte and frees it: 0 or the owner's error. */
int lwm2m_stream_finish(lwm2m_stream *s, uint64_t size);
/* Gives the stream up and frees it (the owner's abort, unless it was told already). */
void lwm2m_stream_abort(lwm2m_stream *s);
