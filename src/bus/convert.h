/* convert.h - LwM2M values as D-Bus values and back: one D-Bus signature per
 * LwM2M type, a{qv} for an instance's values, and which resources cross D-Bus at all. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "model/definition.h"
#include "model/record.h"

typedef struct lwm2m_bus lwm2m_bus;

/* The resource's D-Bus signature: "d" for a single Float, "a{qd}" for a
 * multiple one; NULL for a type that has none (an executable's NONE). */
const char *convert_signature(const lwm2m_resource_def *res);
/* Credentials and keys that never leave the daemon over D-Bus. */
bool bus_resource_is_secret(uint16_t oid, uint16_t rid);
/* A resource that holds a value and may appear on D-Bus at all. */
bool convert_is_exported_value(uint16_t oid, const lwm2m_resource_def *res);
/* An Execute's arguments as a D-Bus string (malloc'd): -EINVAL when they are
 * not UTF-8 or hold a NUL, -ENOMEM. */
int bus_execute_arguments(const uint8_t *args, size_t len, char **out);

/* The value of a single resource in its D-Bus type, converted where that loses
 * nothing (-EINVAL where it would); NULL or a value of type NONE: the type's
 * zero, what a property shows before the resource has a value. */
int convert_append_value(sd_bus_message *m, const lwm2m_resource_def *res, const lwm2m_value *v);
/* A multiple resource's instances among `recs` as a{qT}. `exact`: values of
 * another type than the resource's are left out rather than converted. */
int convert_append_instances(sd_bus_message *m, const lwm2m_resource_def *res,
                             const lwm2m_record *recs, size_t n, bool exact);
/* Appends records of one instance as a{qv}, the way Owner.Write receives them. */
int convert_append_records(sd_bus_message *m, const lwm2m_object_def *obj, const lwm2m_record *recs,
                           size_t n);

/* May whoever calls set this resource? The owner may set any value resource
 * (it pushes readings into R resources); others only those with W. 0, or a
 * negative errno with `error` naming the resource. */
int convert_check_settable(const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                           bool as_owner, sd_bus_error *error);
/* Reads one resource's value(s) at the read position into `out` under `rp`: a
 * value of any D-Bus type that carries it without loss for a single resource,
 * a{qT} for a multiple one (the resource itself is recorded first without a
 * value, so that an empty dictionary empties it). String and Opaque values
 * over `max_bytes` are refused. On failure `why` names the resource. */
int convert_read_resource(sd_bus_message *m, const lwm2m_object_def *obj,
                          const lwm2m_resource_def *res, size_t max_bytes, const lwm2m_path *rp,
                          lwm2m_record_list *out, char *why, size_t why_size);
/* Reads a{qv} (resource ID -> value; a{qT} for multiple resources) into
 * records under /oid/iid, converted to the definition's types. Resources the
 * caller may not set are refused unless `as_owner`; secrets always are. On
 * failure `error` holds an org.lwm2md1.Error naming the resource. */
int convert_read_values(lwm2m_bus *b, sd_bus_message *m, const lwm2m_object_def *obj, uint16_t iid,
                        bool as_owner, lwm2m_record_list *out, sd_bus_error *error);
