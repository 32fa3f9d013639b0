/* typed.h - the typed org.lwm2md1.Object<oid> interfaces: one property per
 * value resource and one method per executable, named after the resources. */
#pragma once

#include <stdint.h>

#include "model/tree.h"

typedef struct lwm2m_bus lwm2m_bus;

/* Takes typed property Sets before sd-bus does (they may wait for an owner)
 * and builds the interfaces of objects that already have instances. */
int typed_register(lwm2m_bus *b);
/* Frees the typed interfaces (after the connection is closed). */
void typed_free(lwm2m_bus *b);
/* Builds and registers org.lwm2md1.Object<oid> the first time an instance of
 * the object appears (built lazily: definitions never used cost nothing). */
int typed_ensure(lwm2m_bus *b, uint16_t oid);
/* The name of the object's typed interface when it is on the bus, or NULL. */
const char *typed_interface(lwm2m_bus *b, uint16_t oid);
/* PropertiesChanged for the typed properties of a LWM2M_CHANGE_VALUES change. */
void typed_emit_values_changed(lwm2m_bus *b, const lwm2m_change *c);
