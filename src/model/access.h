/* access.h - Access Control (object 2): what each management server may do to an
 * object instance once more than one is configured (LwM2M 1.1 Core TS 7.3). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/operation.h"
#include "model/path.h"
#include "model/tree.h"

/* Whether Access Control applies: more than one Server (1) instance with a
 * Short Server ID. With one server, it may do everything (Core TS 7.3.2.1). */
bool lwm2m_access_enforced(const lwm2m_tree *t);

/* May management server `short_id` do `op` on `p` by the Access Control
 * instances in the tree? 0, or -EACCES ("Unauthorized", 4.01) with a sentence
 * in `why`. Always 0 when not enforced. Only the rights are judged here:
 * whether the target supports the operation is the policy's (policy.h).
 *   - Create (at /oid or /oid/iid): the ACL instance for /oid/65535 must give
 *     this server (its own ACL entry; the default does not count) the C right.
 *   - On an instance or below: the ACL instance for /oid/iid gives the rights:
 *     the server's own ACL entry, else its owner's full R/W/E/D when the server
 *     is the Access Control Owner, else the default entry (ACL instance 0);
 *     none of these, or no ACL instance at all: no rights. Read, Observe and
 *     Write-Attributes need R, Write W, Execute E, Delete D; Discover nothing.
 *   - On an object: Read and Observe pass (readers keep only the instances the
 *     server may read); Discover and Write-Attributes need no right.
 *   - Access Control instances: every server reads them; only the Access
 *     Control Owner writes one; no server creates or deletes them. */
int lwm2m_access_check(const lwm2m_tree *t, uint16_t short_id, lwm2m_operation op,
                       const lwm2m_path *p, char *why, size_t why_size);

/* The Access Control instance for /oid/iid (iid LWM2M_ACL_OBJECT_ITSELF: the
 * object's), the lowest one if there are several, or -ENOENT. */
int lwm2m_access_find(const lwm2m_tree *t, uint16_t oid, uint16_t iid);

/* Creator rights (Core TS 7.3.1.2.2): server `short_id` has just created
 * /oid/iid; when Access Control applies, the instance gets an Access Control
 * instance with that server as its owner and no ACL entries (so the owner may
 * do everything and the others nothing until it grants them rights). A stale
 * one for the same instance is replaced. 0 or a negative errno. */
int lwm2m_access_grant_creator(lwm2m_tree *t, uint16_t short_id, uint16_t oid, uint16_t iid,
                               const void *origin, char *why, size_t why_size);

/* A server deleted /oid/iid: its Access Control instances go with it. */
void lwm2m_access_forget(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin);
