/* access.c - what a local caller may do beyond what the bus policy lets it call: its
 * credentials (root, the daemon's user, the admin group), who added each instance, the limits.
 *
 * The bus policy lets root and the provider group call the daemon at all; within
 * that, a provider changes only what it added, and the instances that make the
 * device reachable or manageable (Security, Server, Access Control; the Device
 * object's Reboot and Factory Reset) are for root and the admin group alone. */
#include "bus/access.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bus/bus-internal.h"
#include "bus/owner.h"

/* The core objects whose changes are administrative. */
enum {
        OBJECT_SECURITY = 0,
        OBJECT_SERVER = 1,
        OBJECT_ACCESS_CONTROL = 2,
        OBJECT_DEVICE = 3,
};

/* Who added one instance: a provider's connection, or (owner NULL) the user
 * that created a held instance. */
struct access_record {
        uint16_t oid;
        uint16_t iid;
        const lwm2m_owner *owner;
        uid_t uid;
};

/* How many instances one caller has: a connection (owner) or a user (held). */
struct access_count {
        const lwm2m_owner *owner;
        uid_t uid;
        size_t n;
};

int access_init(lwm2m_bus *b, const bus_config *cfg)
{
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
                bus_log(b, LOG_WARNING,
                        "admin-group '%s': %s; only root may execute Device resources and "
                        "change Security, Server and Access Control instances over D-Bus",
                        cfg->admin_group, r ? strerror(r) : "no such group");
        }
        return 0;
}

void access_free(lwm2m_bus *b)
{
        free(b->admin_group);
        b->admin_group = NULL;
        free(b->access_records);
        b->access_records = NULL;
        b->n_access_records = 0;
        free(b->access_counts);
        b->access_counts = NULL;
        b->n_access_counts = 0;
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
                                         : "change";
}

static bool object_is_administrative(uint16_t oid)
{
        return oid == OBJECT_SECURITY || oid == OBJECT_SERVER || oid == OBJECT_ACCESS_CONTROL;
}

static struct access_record *record_find(lwm2m_bus *b, uint16_t oid, uint16_t iid, size_t *at)
{
        uint32_t key = (uint32_t)oid << 16 | iid;
        size_t lo = 0, hi = b->n_access_records;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct access_record *r = &b->access_records[mid];
                uint32_t k = (uint32_t)r->oid << 16 | r->iid;
                if (k == key) {
                        if (at)
                                *at = mid;
                        return &b->access_records[mid];
                }
                if (k < key)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (at)
                *at = lo;
        return NULL;
}

int access_creator(lwm2m_bus *b, uint16_t oid, uint16_t iid, uid_t *uid)
{
        const struct access_record *r = record_find(b, oid, iid, NULL);
        if (!r || r->owner)
                return -ENOENT;
        *uid = r->uid;
        return 0;
}

int access_check(lwm2m_bus *b, sd_bus_message *m, uint16_t oid, uint16_t iid, uint16_t rid,
                 access_action action, bool *as_owner, sd_bus_error *error)
{
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
        if (action == ACCESS_EXECUTE && oid == OBJECT_DEVICE)
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

static struct access_count *count_find(lwm2m_bus *b, const lwm2m_owner *owner, uid_t uid)
{
        for (size_t i = 0; i < b->n_access_counts; i++) {
                struct access_count *c = &b->access_counts[i];
                if (c->owner == owner && (owner || c->uid == uid))
                        return c;
        }
        return NULL;
}

int access_check_limit(lwm2m_bus *b, const lwm2m_owner *owner, uid_t uid, const char *sender,
                       sd_bus_error *error)
{
        const struct access_count *c = count_find(b, owner, uid);
        if (!c || c->n < b->max_instances_per_caller)
                return 0;
        if (owner)
                return sd_bus_error_setf(error, BUS_ERROR_LIMIT_EXCEEDED,
                                         "caller %s already owns %zu instances "
                                         "(max-instances-per-caller)",
                                         sender ? sender : "?", c->n);
        return sd_bus_error_setf(error, BUS_ERROR_LIMIT_EXCEEDED,
                                 "uid %u already holds %zu instances made with CreateInstance "
                                 "(max-instances-per-caller)",
                                 (unsigned)uid, c->n);
}

int access_record(lwm2m_bus *b, uint16_t oid, uint16_t iid, const lwm2m_owner *owner, uid_t uid)
{
        size_t at;
        if (record_find(b, oid, iid, &at))
                access_forget(b, oid, iid);
        record_find(b, oid, iid, &at);
        struct access_count *c = count_find(b, owner, uid);
        if (!c) {
                struct access_count *v =
                        realloc(b->access_counts, (b->n_access_counts + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                b->access_counts = v;
                c = &v[b->n_access_counts++];
                *c = (struct access_count){.owner = owner, .uid = uid};
        }
        struct access_record *v =
                realloc(b->access_records, (b->n_access_records + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        b->access_records = v;
        memmove(&v[at + 1], &v[at], (b->n_access_records - at) * sizeof(*v));
        v[at] = (struct access_record){.oid = oid, .iid = iid, .owner = owner, .uid = uid};
        b->n_access_records++;
        c->n++;
        return 0;
}

static void count_drop(lwm2m_bus *b, const lwm2m_owner *owner, uid_t uid)
{
        struct access_count *c = count_find(b, owner, uid);
        if (!c)
                return;
        if (--c->n == 0)
                *c = b->access_counts[--b->n_access_counts];
}

void access_forget(lwm2m_bus *b, uint16_t oid, uint16_t iid)
{
        size_t at;
        struct access_record *r = record_find(b, oid, iid, &at);
        if (!r)
                return;
        count_drop(b, r->owner, r->uid);
        memmove(&b->access_records[at], &b->access_records[at + 1],
                (b->n_access_records - at - 1) * sizeof(*r));
        b->n_access_records--;
}

void access_forget_owner(lwm2m_bus *b, const lwm2m_owner *owner)
{
        size_t k = 0;
        for (size_t i = 0; i < b->n_access_records; i++)
                if (b->access_records[i].owner != owner)
                        b->access_records[k++] = b->access_records[i];
        b->n_access_records = k;
        struct access_count *c = count_find(b, owner, 0);
        if (c)
                *c = b->access_counts[--b->n_access_counts];
}

size_t access_max_value_size(lwm2m_bus *b)
{
        return b->max_value_size;
}
