/* access.h - what a local caller may do beyond what the bus policy lets it call: its
 * credentials (root, the daemon's user, the admin group) and the rules on them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "model/owner.h"

typedef struct lwm2m_bus lwm2m_bus;
typedef struct bus_config bus_config;

typedef enum access_action {
        ACCESS_WRITE,   /* SetValues, Write, a property Set */
        ACCESS_EXECUTE, /* Execute, a typed method */
        ACCESS_REMOVE,  /* RemoveInstance */
        ACCESS_SEND,    /* Send: as for a write, reading is not enough */
} access_action;

/* The limits and the admin group (a name or a number) from the configuration;
 * an admin group that does not exist is logged and leaves root alone in charge.
 * -ENOMEM. */
int access_init(lwm2m_bus *b, const bus_config *cfg);
void access_free(lwm2m_bus *b);

/* The sender's effective uid, and whether it is root, the daemon's own user or
 * a member of the admin group. A negative errno (with `error` set) when the bus
 * cannot tell. */
int access_caller(lwm2m_bus *b, sd_bus_message *m, uid_t *uid, bool *privileged,
                  sd_bus_error *error);

/* May the sender of `m` do `action` to /oid/iid (resource `rid` for an execute)?
 * Its own instances, held ones it created, and with root or admin rights anything
 * (Security, Server and Access Control changes and Device executes need those).
 * 0 with *as_owner telling whether it pushes as the owner (read-only resources
 * included, no consent asked); or a negative errno with `error` set to
 * AccessDenied naming the path and the rule. */
int access_check(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid, uint16_t rid,
                 access_action action, bool *as_owner, sd_bus_error *error);

/* The largest String or Opaque value a local caller may store, in bytes. */
size_t access_max_value_size(lwm2m_bus *b);
