/* ledger.h - who added each instance over D-Bus (a provider's connection, or
 * the user that created a held one) and how many each caller has, for max-instances-per-caller. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "model/owner.h"

typedef struct lwm2m_bus lwm2m_bus;

/* Before AddInstance (`owner` the caller's) or CreateInstance (owner NULL,
 * counted per `uid`): LimitExceeded when the caller has max-instances-per-caller. */
int access_check_limit(lwm2m_bus *b, const lwm2m_owner *owner, uid_t uid, const char *sender,
                       sd_bus_error *error);
/* Remembers who added /oid/iid: a provider's connection, or for a held instance
 * (owner NULL) the uid that created it. -ENOMEM. */
int access_record(lwm2m_bus *b, uint16_t oid, uint16_t iid, const lwm2m_owner *owner, uid_t uid);
/* The instance is gone: its caller's count goes down. */
void access_forget(lwm2m_bus *b, uint16_t oid, uint16_t iid);
/* The provider left: whatever is still recorded for it goes. */
void access_forget_owner(lwm2m_bus *b, const lwm2m_owner *owner);
/* Who created a held instance: 0 and *uid, or -ENOENT. */
int access_creator(lwm2m_bus *b, uint16_t oid, uint16_t iid, uid_t *uid);
/* Forgets every record (the bus is freed). */
void access_ledger_free(lwm2m_bus *b);
