/* constraint.h - the checkable form of a DDF RangeEnumeration: numeric ranges,
 * enumerations and byte lengths, parsed from the forms the OMA registry uses. */
#pragma once

#include <stddef.h>

#include "model/value.h"

typedef struct lwm2m_constraint lwm2m_constraint;

/* Parses a RangeEnumeration for a resource of type `type`.
 * Returns 0 with *out set; 0 with *out NULL when the text constrains nothing
 * (empty, or a form that is only prose for this type); -EINVAL when the text
 * is not understood (the loader then warns and leaves the resource
 * unconstrained); -ENOMEM. */
int lwm2m_constraint_parse(const char *text, lwm2m_type type, lwm2m_constraint **out);
void lwm2m_constraint_free(lwm2m_constraint *c);
/* 0 if `v` satisfies the constraint, -ERANGE if not, -EINVAL if the value's
 * type is not one the constraint applies to (a number against a length).
 * Integer comparisons are exact over the whole int64/uint64 range; lengths
 * count bytes. */
int lwm2m_constraint_check(const lwm2m_constraint *c, const lwm2m_value *v);
/* Canonical text, e.g. "0..100", "-40..85", "1;2;5..7", "0..255 bytes".
 * Returns the length or -ENOBUFS. */
int lwm2m_constraint_format(const lwm2m_constraint *c, char *buf, size_t size);
