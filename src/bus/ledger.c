/* ledger.c - who added each instance over D-Bus (a provider's connection, or
 * the user that created a held one) and how many each caller has, for max-instances-per-caller. */
#include "bus/ledger.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus/context.h"
#include "bus/errors.h"

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

void access_ledger_free(lwm2m_bus *b)
{
        assert(b);
        free(b->access_records);
        b->access_records = NULL;
        b->n_access_records = 0;
        free(b->access_counts);
        b->access_counts = NULL;
        b->n_access_counts = 0;
}

int access_creator(lwm2m_bus *b, uint16_t oid, uint16_t iid, uid_t *uid)
{
        assert(b && uid);
        const struct access_record *r = record_find(b, oid, iid, NULL);
        if (!r || r->owner)
                return -ENOENT;
        *uid = r->uid;
        return 0;
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
        assert(b && error);
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
        assert(b);
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
        assert(b);
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
        assert(b && owner);
        size_t k = 0;
        for (size_t i = 0; i < b->n_access_records; i++)
                if (b->access_records[i].owner != owner)
                        b->access_records[k++] = b->access_records[i];
        b->n_access_records = k;
        struct access_count *c = count_find(b, owner, 0);
        if (c)
                *c = b->access_counts[--b->n_access_counts];
}
