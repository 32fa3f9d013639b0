/* export.h - the object tree on D-Bus: object definitions, instances with the
 * generic org.lwm2md1.Instance and the typed org.lwm2md1.Object<oid>, value conversion. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "model/record.h"
#include "model/request.h"
#include "model/tree.h"

typedef struct lwm2m_bus lwm2m_bus;

/* Registers the fallback vtables and node enumerators under /org/lwm2md1/object
 * and the typed interfaces of objects that already have instances. */
int export_register(lwm2m_bus *b);
/* Frees the typed interfaces (after the connection is closed) and answers
 * nothing more to D-Bus calls still waiting for owners. */
void export_free(lwm2m_bus *b);
/* Builds and registers org.lwm2md1.Object<oid> the first time an instance of
 * the object appears (built lazily: definitions never used cost nothing). */
int export_typed_ensure(lwm2m_bus *b, uint16_t oid);
/* The tree listener's part: InterfacesAdded/Removed and PropertiesChanged. */
void export_on_change(lwm2m_bus *b, const lwm2m_change *c);
/* Announces an instance with all its interfaces and values (InterfacesAdded). */
void export_emit_instance_added(lwm2m_bus *b, uint16_t oid, uint16_t iid);

/* The Provider property of an object definition changed (PropertiesChanged). */
void export_emit_provider_changed(lwm2m_bus *b, uint16_t oid);

/* "/org/lwm2md1/object/<oid>/<iid>" into `buf` (at least 48 bytes). */
void export_instance_path(uint16_t oid, uint16_t iid, char *buf, size_t size);

/* Reads a{qv} (resource ID -> value; a{qT} for multiple resources) into
 * records under /oid/iid, converted to the definition's types. Resources the
 * caller may not set are refused unless `as_owner`; secrets always are. On
 * failure `error` holds an org.lwm2md1.Error naming the resource. */
int export_read_values(lwm2m_bus *b, sd_bus_message *m, const lwm2m_object_def *obj, uint16_t iid,
                       bool as_owner, lwm2m_record_list *out, sd_bus_error *error);
/* Appends records of one instance as a{qv}, the way Owner.Write receives them. */
int export_append_records(sd_bus_message *m, const lwm2m_object_def *obj, const lwm2m_record *recs,
                          size_t n);

/* The origin of a local caller's request: the instance's owner or someone else. */
lwm2m_origin export_origin(lwm2m_bus *b, bool as_owner);
/* Starts `spec` (its group, done and userdata are filled in here) for the D-Bus
 * call `call`, which is answered when the request is done: an error, the
 * value read (READ) or an empty return. Returns 1 for sd-bus (answered or
 * will be), or -ENOMEM. */
int export_start_request(lwm2m_bus *b, sd_bus_message *call, lwm2m_request_spec *spec);
