/* access.h - Access Control (object 2): what each management server may do to an
 * object instance once more than one is configured (LwM2M 1.1 Core TS 7.3). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/change.h"
#include "model/operation.h"
#include "model/path.h"
#include "model/tree.h"

/* One ACL entry: the rights (LWM2M_ACL_* bits) of the server with this Short
 * Server ID, LWM2M_ACL_DEFAULT_ENTRY (0) for every server without its own. */
typedef struct lwm2m_acl_entry {
        uint16_t short_id;
        uint8_t rights;
} lwm2m_acl_entry;

/* An [access-control] section with a star for the instance ID (and perhaps for
 * the object ID): what the Access Control instance holds that the daemon makes
 * for an instance that appears without one (docs/access-control.md, "Templates"). */
#define LWM2M_ACL_ANY_OBJECT LWM2M_ID_INVALID
typedef struct lwm2m_access_template {
        uint16_t oid;   /* LWM2M_ACL_ANY_OBJECT: every object without its own template */
        uint16_t owner; /* Access Control Owner; LWM2M_ACL_OWNER_BOOTSTRAP: nobody's */
        const lwm2m_acl_entry *acl;
        size_t n_acl;
} lwm2m_access_template;

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

/* Makes the Access Control instance for /oid/iid hold `owner` and exactly the
 * entries `acl`: the lowest existing one for it is rewritten (and is no longer
 * a template's), else one is added. Whether Access Control applies is not
 * looked at. 0 or a negative errno, with a sentence in `why`. */
int lwm2m_access_set(lwm2m_tree *t, uint16_t oid, uint16_t iid, uint16_t owner,
                     const lwm2m_acl_entry *acl, size_t n_acl, const void *origin, char *why,
                     size_t why_size);

/* The template for instances of `oid`: its own, else the one for any object,
 * else NULL. Objects 0, 1 and 2 have none (their instances are provisioned). */
const lwm2m_access_template *lwm2m_access_template_for(const lwm2m_access_template *tpl, size_t n,
                                                       uint16_t oid);

/* Template rights: when Access Control applies and /oid/iid has no Access
 * Control instance, makes one from its object's template, marked as the
 * template's (lwm2m_access_from_template). 1 made, 0 nothing to do (not
 * enforced, one exists, no template), or a negative errno with `why`. */
int lwm2m_access_apply_template(lwm2m_tree *t, const lwm2m_access_template *tpl, size_t n,
                                uint16_t oid, uint16_t iid, char *why, size_t why_size);
/* The same for every instance in the tree: how many were made, or the first
 * error (the instances before it keep theirs). */
int lwm2m_access_apply_templates(lwm2m_tree *t, const lwm2m_access_template *tpl, size_t n,
                                 char *why, size_t why_size);

/* Whether Access Control instance /2/acl was made from a template and has not
 * been written by anyone since: it lives and dies with its instance and is not
 * kept across restarts (docs/access-control.md). */
bool lwm2m_access_from_template(const lwm2m_tree *t, uint16_t acl);
/* Whether a tree change is the daemon making or removing such an instance. */
bool lwm2m_access_change_from_template(const lwm2m_change *c);
/* Keeps template-made instances true to their meaning, given every tree change
 * (the request set does, from its listener): one goes when its instance is
 * removed, however; one that a server or a bootstrap server writes is theirs
 * from then on, like any other. */
void lwm2m_access_follow_change(lwm2m_tree *t, const lwm2m_change *c);

/* A server deleted /oid/iid: its Access Control instances go with it. */
void lwm2m_access_forget(lwm2m_tree *t, uint16_t oid, uint16_t iid, const void *origin);
