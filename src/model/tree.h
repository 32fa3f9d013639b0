/* tree.h - the instance tree: object instances, resources and resource instances
 * holding typed, validated values, with listeners told of every change. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/change.h"
#include "model/definition.h"
#include "model/owner.h"
#include "model/record.h"

typedef struct lwm2m_tree lwm2m_tree;

lwm2m_tree *lwm2m_tree_new(const lwm2m_registry *reg);
void lwm2m_tree_free(lwm2m_tree *t);
const lwm2m_registry *lwm2m_tree_registry(const lwm2m_tree *t);

/* How often code outside the model has been run on the tree's behalf: each change
 * announced to the listeners, and each call into an owner or the request timer that
 * the request lifecycle counts with lwm2m_tree_note_callout. Unchanged across a piece
 * of work, it proves that only the caller and the model ran meanwhile (quiet
 * listeners, and owners' refreshes that stay in the process, say so themselves;
 * see lwm2m_tree_add_quiet_listener, lwm2m_owner_ops.refresh_stays_local): the daemon's
 * loop then owes the other event sources nothing (daemon.c, run_loop). */
uint64_t lwm2m_tree_callouts(const lwm2m_tree *t);
void lwm2m_tree_note_callout(lwm2m_tree *t);

/* A listener whose calls do not count as callouts by themselves: it calls
 * lwm2m_tree_note_callout whenever it does something the caller's event loop may
 * have to act on (arms a timer, talks on D-Bus). The engine's and the request set's
 * own listeners never do. Every other listener is counted at each change. */
int lwm2m_tree_add_quiet_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata);
/* Listeners are called synchronously after each change, in the order added.
 * A listener must not add or remove listeners from within the callback. */
int lwm2m_tree_add_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata);
void lwm2m_tree_remove_listener(lwm2m_tree *t, lwm2m_listener_fn fn, void *userdata);

/* Creates an empty instance. iid LWM2M_ID_INVALID picks the lowest free ID.
 * -ENOENT: no definition for oid; -EEXIST: the instance exists; -ENOSPC: a
 * single-instance object already has one (or no ID is free); -EINVAL: bad ID. */
int lwm2m_tree_create_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin,
                               uint16_t *out_iid);
/* The lowest unused instance ID of `oid`, or LWM2M_ID_INVALID when none is left. */
uint16_t lwm2m_tree_free_instance_id(const lwm2m_tree *t, uint16_t oid);
/* Adds an instance with its initial values as one change: the records (resource
 * paths of `oid`; their instance ID is replaced by the new one) are checked as
 * lwm2m_tree_write checks a partial update, and listeners get one
 * INSTANCE_ADDED with the values already in place; on any error nothing is
 * left. `owner` NULL gives the object's owner. Errors as for create_instance
 * and lwm2m_tree_write. */
int lwm2m_tree_add_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const lwm2m_record *recs,
                            size_t n, const lwm2m_owner *owner, const void *origin, char *why,
                            size_t why_size, uint16_t *out_iid);
/* Every check of lwm2m_tree_add_instance, changing nothing. */
int lwm2m_tree_check_add_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid,
                                  const lwm2m_record *recs, size_t n, char *why, size_t why_size);
/* Whether what `p` names exists: object defined, instance present, resource
 * defined (and holding a value or instances unless `defined_is_enough`).
 * 0 or -ENOENT; the root always exists. */
int lwm2m_tree_path_exists(const lwm2m_tree *t, const lwm2m_path *p, bool defined_is_enough);
/* -ENOENT if there is no such instance. */
int lwm2m_tree_delete_instance(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin);
bool lwm2m_tree_has_instance(const lwm2m_tree *t, uint16_t oid, uint16_t iid);
/* Instances of an object in ascending order: returns the first instance ID
 * greater than `after` (-1 for the first) or -ENOENT when there is none. */
int lwm2m_tree_next_instance(const lwm2m_tree *t, uint16_t oid, int after);
size_t lwm2m_tree_instance_count(const lwm2m_tree *t, uint16_t oid);
/* Objects that have at least one instance, ascending; same convention. */
int lwm2m_tree_next_object(const lwm2m_tree *t, int after);

/* The stored value of a single resource (len 3) or of a resource instance
 * (len 4), or NULL when it has none. The pointer is valid until the next change. */
const lwm2m_value *lwm2m_tree_get(const lwm2m_tree *t, const lwm2m_path *path);
/* Appends, sorted, a record for every value at or under `path` (root, object,
 * instance, resource or resource instance); an instance with no values and a
 * multiple resource with no instances give a NONE record, so every format can
 * show them. A value written with a time (has_time) reads with it. -ENOENT when
 * the path names nothing that exists. */
int lwm2m_tree_read(const lwm2m_tree *t, const lwm2m_path *path, lwm2m_record_list *out);

/* Writes records (absolute paths of resources or resource instances, all under
 * `base`, which is an instance, resource or resource instance) as one atomic
 * change: everything is checked first (instance exists -ENOENT, resource
 * defined -ENOENT, not executable -EPERM, single vs multiple -EINVAL, type
 * after lossless conversion -EINVAL, then lwm2m_resource_validate: a Float
 * not finite -EINVAL, constraint -ERANGE; an instance replace without a
 * mandatory writable resource -EINVAL, see lwm2m_replace_check_complete) and
 * nothing is stored unless all pass. Operations (R/W) are the caller's
 * policy, not checked here. A record's time (has_time, finite else -EINVAL)
 * is kept with the resource (one per resource: the last record's); a value
 * written without one clears it, and a new time alone is a change. On failure
 * `why` receives a sentence naming the resource. Listeners get one VALUES
 * change per instance touched. */
int lwm2m_tree_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                     lwm2m_write_mode mode, const void *origin, char *why, size_t why_size);
/* Runs every check of lwm2m_tree_write without storing anything or telling
 * listeners: for asking an owner's consent to a write that is known to fit. */
int lwm2m_tree_check_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs,
                           size_t n, lwm2m_write_mode mode, char *why, size_t why_size);
/* Sets one value; shorthand for an UPDATE of one record. */
int lwm2m_tree_set(lwm2m_tree *t, const lwm2m_path *path, const lwm2m_value *v, const void *origin,
                   char *why, size_t why_size);
/* The owner of an instance (NULL: plain stored values). The owner must
 * outlive its instances or be replaced first. -ENOENT without the instance. */
int lwm2m_tree_set_owner(lwm2m_tree *t, uint16_t oid, uint16_t iid, const lwm2m_owner *owner);
const lwm2m_owner *lwm2m_tree_get_owner(const lwm2m_tree *t, uint16_t oid, uint16_t iid);
/* The owner asked about server Creates of an object, and given to each
 * instance created afterwards (NULL removes it). */
int lwm2m_tree_set_object_owner(lwm2m_tree *t, uint16_t oid, const lwm2m_owner *owner);
const lwm2m_owner *lwm2m_tree_get_object_owner(const lwm2m_tree *t, uint16_t oid);
/* Removes a resource's value (len 3) or a resource instance (len 4).
 * -ENOENT when there was nothing to remove. */
int lwm2m_tree_remove(lwm2m_tree *t, const lwm2m_path *path, const void *origin);
