/* access.c - what a local caller may do beyond what the bus policy lets it call: its
 * credentials (root, the daemon's user, the admin group) and the rules on them.
 *
 * The bus policy lets root and the provider group call the daemon at all; within
 * that, a provider changes only what it added, and the instances that make the
 * device reachable or manageable (Security, Server, Access Control; the Device
 * object's Reboot and Factory Reset) are for root and the admin group alone. */
#include "bus/access.h"

#include <assert.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bus/context.h"
#include "bus/errors.h"
#include "bus/ledger.h"
#include "bus/owner.h"
#include "model/oma.h"

int access_init(lwm2m_bus *b, const bus_config *cfg)
{
        assert(b && cfg);
        b->daemon_uid = geteuid();
        b->max_value_size = cfg->max_value_size;
        b->max_instances_per_caller = cfg->max_instances_per_caller;
        if (!cfg->admin_group || !cfg->admin_group[0])
                return 0;
        b->admin_group = strdup(cfg->admin_group);
        if (!b->admin_group)
                return -ENOMEM;
        char *end = NULL;
        errno = 0;
        unsigned long n = strtoul(cfg->admin_group, &end, 10);
        if (!errno && end != cfg->admin_group && !*end && n < (gid_t)-1) {
                b->admin_gid = (gid_t)n;
                b->has_admin_gid = true;
                return 0;
        }
        struct group grp, *found = NULL;
        char buf[4096];
        int r = getgrnam_r(cfg->admin_group, &grp, buf, sizeof(buf), &found);
        if (r == 0 && found) {
                b->admin_gid = found->gr_gid;
                b->has_admin_gid = true;
        } else {
                lwm2m_logf(&b->log, LOG_WARNING,
                           "admin-group '%s': %s; only root may execute Device resources and "
                           "change Security, Server and Access Control instances over D-Bus",
                           cfg->admin_group, r ? strerror(r) : "no such group");
        }
        return 0;
}

void access_free(lwm2m_bus *b)
{
        assert(b);
        free(b->admin_group);
        b->admin_group = NULL;
        access_ledger_free(b);
}

/* "root and the admin group 'wheel' (admin-group)", for messages. */
static void describe_privileged(lwm2m_bus *b, char *out, size_t size)
{
        if (b->has_admin_gid)
                snprintf(out, size, "root and the admin group '%s' (admin-group)", b->admin_group);
        else
                snprintf(out, size, "root (no admin-group configured)");
}

static bool in_group(sd_bus_creds *creds, gid_t gid)
{
        gid_t egid;
        if (sd_bus_creds_get_egid(creds, &egid) >= 0 && egid == gid)
                return true;
        const gid_t *gids = NULL;
        int n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        for (int i = 0; i < n; i++)
                if (gids[i] == gid)
                        return true;
        return false;
}

int access_caller(lwm2m_bus *b, sd_bus_message *m, uid_t *uid, bool *privileged,
                  sd_bus_error *error)
{
        assert(b && m && uid && privileged && error);
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        /* The bus daemon vouches for the uid (SO_PEERCRED); groups it may not
         * know are read from /proc, of a caller that is waiting for our answer. */
        int r = sd_bus_query_sender_creds(m,
                                          SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
                                                  SD_BUS_CREDS_SUPPLEMENTARY_GIDS |
                                                  SD_BUS_CREDS_AUGMENT,
                                          &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, uid);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "cannot tell who %s is: %s", sd_bus_message_get_sender(m),
                                         strerror(-r));
        *privileged = *uid == 0 || *uid == b->daemon_uid ||
                      (b->has_admin_gid && in_group(creds, b->admin_gid));
        return 0;
}

static const char *action_verb(access_action action)
{
        return action == ACCESS_EXECUTE  ? "execute on"
               : action == ACCESS_REMOVE ? "remove"
               : action == ACCESS_SEND   ? "send"
                                         : "change";
}

static bool object_is_administrative(uint16_t oid)
{
        return oid == LWM2M_OBJ_SECURITY || oid == LWM2M_OBJ_SERVER ||
               oid == LWM2M_OBJ_ACCESS_CONTROL;
}

int access_check(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid, uint16_t rid,
                 access_action action, bool *as_owner, sd_bus_error *error)
{
        assert(b && m && as_owner && error);
        const char *sender = sd_bus_message_get_sender(m);
        *as_owner = false;
        /* A provider's own instances: no credentials needed, which keeps pushes cheap. */
        if (owner_is_sender(b, oid, iid, sender)) {
                *as_owner = true;
                return 0;
        }
        uid_t uid;
        bool privileged;
        int r = access_caller(b, m, &uid, &privileged, error);
        if (r < 0)
                return r;
        bool held = bus_instance_is_held(b, oid, iid);
        if (privileged) {
                /* Root's writes to a provider's instance still go through its Owner.Write. */
                *as_owner = held;
                return 0;
        }
        char who[96];
        describe_privileged(b, who, sizeof(who));
        if (action == ACCESS_EXECUTE && oid == LWM2M_OBJ_DEVICE)
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "/%u/%u/%u: executing Device resources is reserved to %s",
                                         oid, iid, rid, who);
        if (object_is_administrative(oid))
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "/%u/%u: changing Security, Server and Access Control "
                                         "instances is reserved to %s",
                                         oid, iid, who);
        uid_t creator;
        if (held && access_creator(b, oid, iid, &creator) >= 0 && creator == uid) {
                *as_owner = true;
                return 0;
        }
        if (held)
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "/%u/%u was created by another user: only its creator "
                                         "and %s may %s it",
                                         oid, iid, who, action_verb(action));
        const char *owner = owner_bus_name(lwm2m_tree_get_owner(b->tree, oid, iid));
        if (owner)
                return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                         "/%u/%u is owned by %s: only its owner and %s may %s it",
                                         oid, iid, owner, who, action_verb(action));
        return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                 "/%u/%u belongs to the daemon: only %s may %s it", oid, iid, who,
                                 action_verb(action));
}

size_t access_max_value_size(lwm2m_bus *b)
{
        assert(b);
        return b->max_value_size;
}
