/* export.h - the object tree on D-Bus: object definitions and instances with the
 * generic org.lwm2md1.Instance, and the method logic the typed interfaces share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "model/definition.h"
#include "model/record.h"
#include "model/request.h"
#include "model/tree.h"

typedef struct lwm2m_bus lwm2m_bus;

/* Registers the fallback vtables and node enumerators under /org/lwm2md1/object. */
int export_register(lwm2m_bus *b);
/* Answers nothing more to D-Bus calls still waiting for owners (before the
 * connection is closed). */
void export_free(lwm2m_bus *b);

/* Announces an instance with all its interfaces and values (InterfacesAdded). */
void export_emit_instance_added(lwm2m_bus *b, uint16_t oid, uint16_t iid);
/* Announces that an instance went (InterfacesRemoved), with its typed
 * interface's name when it has one on the bus (NULL otherwise). */
void export_emit_instance_removed(lwm2m_bus *b, uint16_t oid, uint16_t iid, const char *typed);

/* The resource's value(s) in the tree, in the resource's D-Bus type; *present
 * (may be NULL) tells whether there was a value (a multiple resource: whether
 * it exists). A value not there yet shows as the type's zero. */
int export_append_resource(lwm2m_bus *b, sd_bus_message *m, const lwm2m_resource_def *res,
                           uint16_t oid, uint16_t iid, bool *present);

/* The method logic behind Instance.Write and a typed property's Set taken
 * before sd-bus: reads the value at the read position (inside the variant) and
 * stores it as the resource's new value, asking the owner first when someone
 * else writes. Returns 1 when the answer to `m` is sent or will be. */
int export_write_resource(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                          const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                          sd_bus_error *error);
/* A typed property setter called by sd-bus: the same, but it cannot wait, so
 * a write that needs the owner's consent fails (`path` names it). */
int export_set_property(lwm2m_bus *b, sd_bus_message *value, const char *path, uint16_t oid,
                        uint16_t iid, const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                        sd_bus_error *error);
/* Instance.Execute and a typed method: checks, then hands the Execute to the
 * instance's owner; the answer goes out when the owner has answered. */
int export_start_execute(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid,
                         const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                         const char *args, sd_bus_error *error);

/* The origin of a local caller's request: the instance's owner or someone else. */
lwm2m_origin export_origin(lwm2m_bus *b, bool as_owner);
/* Starts `spec` (its group, done and userdata are filled in here) for the D-Bus
 * call `call`, which is answered when the request is done: an error, the
 * value read (READ) or an empty return. Returns 1 for sd-bus (answered or
 * will be), or -ENOMEM. */
int export_start_request(lwm2m_bus *b, sd_bus_message *call, lwm2m_request_spec *spec);
