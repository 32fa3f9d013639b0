/* state.h - the daemon's persistent state: the instances of Security, Server and Access
 * Control and the written notification attributes, as one CBOR document (docs/persistence.md). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/attributes.h"
#include "model/record.h"
#include "model/tree.h"
#include "util/buf.h"

/* The format this code writes, and the newest it reads. */
#define STORE_STATE_VERSION 1
/* A state file larger than this is refused unread: it is not one we wrote. */
#define STORE_STATE_MAX_BYTES ((size_t)16 * 1024 * 1024)

/* One object instance as decoded: its values as the tree holds them (absolute
 * paths; an empty multiple resource is a NONE record at the resource). */
typedef struct store_instance {
        uint16_t oid, iid;
        lwm2m_record_list values;
} store_instance;

/* A decoded state file, applied only once all of it is known to be good. */
typedef struct store_state {
        uint32_t version;
        store_instance *instances; /* ascending (oid, iid), no duplicates */
        size_t n_instances;
        lwm2m_attributes *attrs;
} store_state;

void store_state_clear(store_state *s);

/* Encodes the tree's instances of the objects kept (lwm2m_policy_is_provisioned;
 * not the Access Control instances made from a template, lwm2m_access_from_template)
 * and the attributes (NULL: none) in the current format. */
int store_state_encode(const lwm2m_tree *t, const lwm2m_attributes *attrs, lwm2m_buf *out);

/* Decodes and checks a whole file into `out` (cleared first; left empty on
 * error): -EBADMSG when anything is malformed, -EPROTONOSUPPORT when the
 * format version is newer than STORE_STATE_VERSION, -ENOMEM. `why` names the
 * byte offset and the item at fault. Needs no object definitions: the values
 * are checked against them when applied. */
int store_state_decode(const uint8_t *data, size_t len, store_state *out, char *why,
                       size_t why_size);

/* Adds the decoded instances to the tree (which must not have them yet), each
 * checked against its definition; instances of objects the registry does not
 * define are skipped and counted in *skipped. All or nothing: on error the
 * instances already added are removed again and `why` names the instance. */
int store_state_apply(const store_state *s, lwm2m_tree *t, const void *origin, size_t *skipped,
                      char *why, size_t why_size);
