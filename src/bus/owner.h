/* owner.h - local services that own instances: tracked by unique bus name, asked
 * through org.lwm2md1.Owner calls when a server writes, executes, deletes or reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "model/owner.h"

typedef struct lwm2m_bus lwm2m_bus;
typedef struct bus_owner bus_owner;

/* The owner for the sender of `m`, created (and tracked) on first use. */
int owner_get(lwm2m_bus *b, sd_bus_message *m, bus_owner **out);
const lwm2m_owner *owner_lwm2m(bus_owner *o);
/* The unique bus name behind an instance owner, or NULL when the owner is
 * not a D-Bus provider (the daemon's own objects, plain stored values). */
const char *owner_bus_name(const lwm2m_owner *o);
/* True if `sender` owns the instance. */
bool owner_is_sender(lwm2m_bus *b, uint16_t oid, uint16_t iid, const char *sender);
/* Resources of an instance read from its owner before each server Read;
 * n == 0 clears. -ENOMEM. */
int owner_set_on_demand(bus_owner *o, uint16_t oid, uint16_t iid, const uint16_t *rids, size_t n);
/* Makes the provider take (or, with !manage, stop taking) the server Creates
 * of an object: Owner.Create at the object's path, and ownership of what it
 * lets be created. The caller checks that nobody else manages it. -ENOENT
 * (not managed, on release), -ENOMEM. */
int owner_manage_object(bus_owner *o, uint16_t oid, bool manage);
/* An instance went away: forget what was kept for it. */
void owner_forget_instance(lwm2m_bus *b, uint16_t oid, uint16_t iid);
/* Removes every instance `owner` stands behind; returns how many. */
size_t owner_remove_instances(lwm2m_bus *b, const lwm2m_owner *owner);
/* The bus went away: every provider is gone with it (calls answered with
 * -EIO, instances removed); the owner structures are kept for reuse. */
void owner_retire_all(lwm2m_bus *b);
/* Drops every owner: pending calls are answered with -EIO, their instances removed. */
void owner_free_all(lwm2m_bus *b);
