/* record.h - a list of (path, value) pairs: what decoders produce and encoders
 * consume, and what a multi-resource write hands to the instance tree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/path.h"
#include "model/value.h"

typedef struct lwm2m_record {
        lwm2m_path path;   /* absolute; a resource or resource instance for values */
        lwm2m_value value; /* type NONE: a path without a value (see below) */
        double time;       /* SenML time, seconds since the epoch; valid if has_time */
        bool has_time;
} lwm2m_record;

/* Records of type NONE mean, by depth: an instance or a multiple resource that
 * exists but holds nothing (so TLV can encode it), or, in a Read-Composite or
 * Observe-Composite request, a path asked for without a value. */

/* Most records one decoded payload may hold: a guard against huge counts. */
#define LWM2M_RECORDS_MAX 65536

typedef struct lwm2m_record_list {
        lwm2m_record *items;
        size_t n;
        size_t cap;
} lwm2m_record_list;

void lwm2m_record_list_free(lwm2m_record_list *l);
/* Empties the list, freeing the values, keeping the allocation. */
void lwm2m_record_list_clear(lwm2m_record_list *l);
/* Appends a record and returns it zeroed with `path` set, or NULL (-ENOMEM or
 * past LWM2M_RECORDS_MAX; errno says which). The caller fills in the value,
 * which the list then owns. */
lwm2m_record *lwm2m_record_list_add(lwm2m_record_list *l, const lwm2m_path *path);
/* Appends a copy of `v` at `path`: 0, -ENOMEM or -E2BIG. */
int lwm2m_record_list_add_value(lwm2m_record_list *l, const lwm2m_path *path, const lwm2m_value *v);
/* Stable sort by path, so encoders can group by object and instance. */
void lwm2m_record_list_sort(lwm2m_record_list *l);
