/* policy.h - the one answer to "may origin X do operation Y on path Z": server
 * operations, bootstrap, local callers, provisioned objects and secret resources. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/definition.h"
#include "model/operation.h"
#include "model/path.h"
#include "model/tree.h"

typedef enum lwm2m_origin_kind {
        LWM2M_ORIGIN_DAEMON,    /* the daemon itself: configuration, built-in objects; no checks */
        LWM2M_ORIGIN_SERVER,    /* a management server, by its Short Server ID */
        LWM2M_ORIGIN_BOOTSTRAP, /* the bootstrap server */
        LWM2M_ORIGIN_LOCAL,     /* a local caller that is not the instance's owner */
        LWM2M_ORIGIN_OWNER,     /* the instance's owner, setting its own values */
} lwm2m_origin_kind;

typedef struct lwm2m_origin {
        lwm2m_origin_kind kind;
        uint16_t short_id; /* SERVER */
        /* Given to the tree's listeners as the change's origin, so that a
         * listener can tell its own writes. */
        const void *tag;
} lwm2m_origin;

/* May `origin` do `op` on `path` of tree `t` (whose registry defines the
 * objects)? 0; -EACCES when the path is never for this origin (the Security
 * object for a management server, a credential for a local caller) or when
 * Access Control denies a management server the right (access.h: only with
 * more than one server; checked before what follows, Core TS 7.3.2); -EPERM
 * when the operation is not allowed there (a resource without R, W or E;
 * executable resources hold no value; the instances of objects the daemon
 * keeps). Paths that name no defined resource pass: their existence is the
 * tree's to check. `why` gets a sentence on refusal. */
int lwm2m_policy_check(const lwm2m_tree *t, const lwm2m_origin *origin, lwm2m_operation op,
                       const lwm2m_path *path, char *why, size_t why_size);

/* The same, with the definition of the resource `path` names already looked
 * up (NULL when `path` is shorter than a resource or names none): for loops
 * over many records. */
int lwm2m_policy_check_resource(const lwm2m_tree *t, const lwm2m_resource_def *res,
                                const lwm2m_origin *origin, lwm2m_operation op,
                                const lwm2m_path *path, char *why, size_t why_size);

/* Objects no management server reads, writes or sees: the Security object (a
 * bootstrap server's). Every operation on them is -EACCES for a server. */
bool lwm2m_policy_is_bootstrap_only(uint16_t oid);
/* Credentials and keys: never shown to a local caller, nor set by one. */
bool lwm2m_policy_is_secret(uint16_t oid, uint16_t rid);
/* Objects whose instances come from the configuration or a bootstrap server. */
bool lwm2m_policy_is_provisioned(uint16_t oid);
/* Objects whose instances the daemon keeps: nobody else creates or deletes them. */
bool lwm2m_policy_is_daemons(uint16_t oid);
