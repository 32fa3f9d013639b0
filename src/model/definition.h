/* definition.h - object and resource definitions (what a DDF file says) and the
 * registry that holds one active definition per object ID, plus value validation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/constraint.h"
#include "model/path.h"
#include "model/record.h"
#include "model/value.h"

enum {
        LWM2M_OP_NONE = 0,
        LWM2M_OP_READ = 1 << 0,
        LWM2M_OP_WRITE = 1 << 1,
        LWM2M_OP_EXECUTE = 1 << 2,
};

typedef struct lwm2m_resource_def {
        uint16_t id;
        uint8_t operations; /* LWM2M_OP_* bits */
        bool multiple;
        bool mandatory;
        lwm2m_type type; /* NONE for executable resources */
        const char *name;
        const char *units;                  /* NULL when the DDF gives none */
        const char *range;                  /* RangeEnumeration as written, NULL when empty */
        const lwm2m_constraint *constraint; /* NULL when there is nothing to check */
} lwm2m_resource_def;

typedef struct lwm2m_object_def {
        uint16_t id;
        bool multiple;
        bool mandatory;
        const char *name;
        const char *urn;       /* NULL when the DDF gives none */
        char version[8];       /* ObjectVersion, "1.0" when absent */
        char lwm2m_version[8]; /* LWM2MVersion, "1.0" when absent */
        const char *source;    /* the file it was loaded from */
        size_t n_resources;
        const lwm2m_resource_def *resources; /* sorted by id, ids unique */
} lwm2m_object_def;

/* Frees a definition built by the DDF loader: one heap block holding the
 * struct, its resources and its strings (only constraints are separate). A
 * definition built by hand must use the same layout (static strings are fine). */
void lwm2m_object_def_free(lwm2m_object_def *def);
const lwm2m_resource_def *lwm2m_object_def_find_resource(const lwm2m_object_def *def, uint16_t rid);

/* Checks a value against a resource definition: the type must be the
 * resource's (-EINVAL, after lwm2m_value_convert where the caller wants
 * conversion), strings valid UTF-8 (-EILSEQ), a Float finite (-EINVAL, see
 * lwm2m_value_in_domain), the constraint met (-ERANGE). Every origin's values
 * pass here (lwm2m_tree_write calls it for each record).
 * On failure `why` (if not NULL) receives a sentence naming the resource. */
int lwm2m_resource_validate(const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                            const lwm2m_value *v, char *why, size_t why_size);

/* Whether a Write-Replace of the instance `base` (/oid/iid) with `recs` is
 * complete. A replace removes every writable resource it does not give, so it
 * must give every mandatory writable one (a multiple resource counts as given
 * when a record names it, even with no instances); otherwise the instance
 * would be left without values its definition requires (the Server object
 * without Lifetime or Binding). Returns 0, or -EINVAL with `why` naming every
 * missing resource. A base deeper than an instance (a resource or resource
 * instance) is always complete: replacing one resource names it. Records
 * outside `base` are not counted. */
int lwm2m_replace_check_complete(const lwm2m_object_def *obj, const lwm2m_path *base,
                                 const lwm2m_record *recs, size_t n, char *why, size_t why_size);

typedef struct lwm2m_registry lwm2m_registry;

lwm2m_registry *lwm2m_registry_new(void);
void lwm2m_registry_free(lwm2m_registry *reg);
/* Adds a definition, taking ownership. An existing definition with the same ID
 * is handed back through `replaced` (the caller frees it) or, if `replaced` is
 * NULL, freed. Returns 0 or -ENOMEM (then `def` is still the caller's). */
int lwm2m_registry_add(lwm2m_registry *reg, lwm2m_object_def *def, lwm2m_object_def **replaced);
const lwm2m_object_def *lwm2m_registry_find(const lwm2m_registry *reg, uint16_t oid);
/* Removes a definition and hands it to the caller (NULL if there is none). */
lwm2m_object_def *lwm2m_registry_take(lwm2m_registry *reg, uint16_t oid);
/* Definitions in ascending ID order: index 0 .. count-1. */
size_t lwm2m_registry_count(const lwm2m_registry *reg);
const lwm2m_object_def *lwm2m_registry_at(const lwm2m_registry *reg, size_t index);
/* Total resources over all definitions. */
size_t lwm2m_registry_resource_count(const lwm2m_registry *reg);
