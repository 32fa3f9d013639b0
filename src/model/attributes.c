/* attributes.c - notification attributes (pmin, pmax, gt, lt, st, epmin, epmax)
 * as servers set them with Write-Attributes: stored per server and per path. */
#include "model/attributes.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct attr_entry {
        uint16_t ssid;
        lwm2m_path path;
        lwm2m_attr_set set;
} attr_entry;

/* Few paths carry attributes; a sorted array keeps lookups cheap and memory flat. */
struct lwm2m_attributes {
        attr_entry *items;
        size_t n;
        size_t cap;
};

static const char *const names[] = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax"};

const char *lwm2m_attr_name(unsigned bit)
{
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (bit == 1u << i)
                        return names[i];
        return NULL;
}

unsigned lwm2m_attr_from_name(const char *name, size_t len)
{
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
                        return 1u << i;
        return 0;
}

lwm2m_attributes *lwm2m_attributes_new(void)
{
        return calloc(1, sizeof(lwm2m_attributes));
}

void lwm2m_attributes_free(lwm2m_attributes *a)
{
        if (!a)
                return;
        free(a->items);
        free(a);
}

static int entry_compare(uint16_t ssid, const lwm2m_path *path, const attr_entry *e)
{
        if (ssid != e->ssid)
                return ssid < e->ssid ? -1 : 1;
        return lwm2m_path_compare(path, &e->path);
}

static size_t find(const lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path, bool *found)
{
        size_t lo = 0, hi = a->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = entry_compare(ssid, path, &a->items[mid]);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c > 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void copy_attr(lwm2m_attr_set *dst, const lwm2m_attr_set *src, unsigned bits)
{
        bits &= src->present;
        if (bits & LWM2M_ATTR_PMIN)
                dst->pmin = src->pmin;
        if (bits & LWM2M_ATTR_PMAX)
                dst->pmax = src->pmax;
        if (bits & LWM2M_ATTR_GT)
                dst->gt = src->gt;
        if (bits & LWM2M_ATTR_LT)
                dst->lt = src->lt;
        if (bits & LWM2M_ATTR_ST)
                dst->st = src->st;
        if (bits & LWM2M_ATTR_EPMIN)
                dst->epmin = src->epmin;
        if (bits & LWM2M_ATTR_EPMAX)
                dst->epmax = src->epmax;
        dst->present |= (uint8_t)bits;
}

static bool set_is_consistent(const lwm2m_attr_set *s)
{
        unsigned p = s->present;
        if ((p & LWM2M_ATTR_GT) && !isfinite(s->gt))
                return false;
        if ((p & LWM2M_ATTR_LT) && !isfinite(s->lt))
                return false;
        if ((p & LWM2M_ATTR_ST) && (!isfinite(s->st) || s->st < 0))
                return false;
        if ((p & LWM2M_ATTR_LT) && (p & LWM2M_ATTR_GT)) {
                if (!(s->lt < s->gt))
                        return false;
                if ((p & LWM2M_ATTR_ST) && !(s->lt + 2 * s->st < s->gt))
                        return false;
        }
        if ((p & LWM2M_ATTR_EPMIN) && (p & LWM2M_ATTR_EPMAX) && s->epmin > s->epmax)
                return false;
        return true;
}

int lwm2m_attributes_write(lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path,
                           const lwm2m_attr_set *set, unsigned clear)
{
        assert(a && path);
        bool found;
        size_t i = find(a, ssid, path, &found);
        lwm2m_attr_set next = found ? a->items[i].set : (lwm2m_attr_set){0};
        next.present &= (uint8_t)~clear;
        copy_attr(&next, set, LWM2M_ATTR_ALL);
        if (!set_is_consistent(&next))
                return -EINVAL;

        if (next.present == 0) {
                if (found) {
                        memmove(&a->items[i], &a->items[i + 1],
                                (a->n - i - 1) * sizeof(attr_entry));
                        a->n--;
                }
                return 0;
        }
        if (found) {
                a->items[i].set = next;
                return 0;
        }
        if (a->n == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 8;
                attr_entry *items = reallocarray(a->items, cap, sizeof(attr_entry));
                if (!items)
                        return -ENOMEM;
                a->items = items;
                a->cap = cap;
        }
        memmove(&a->items[i + 1], &a->items[i], (a->n - i) * sizeof(attr_entry));
        a->items[i] = (attr_entry){.ssid = ssid, .path = *path, .set = next};
        a->n++;
        return 0;
}

const lwm2m_attr_set *lwm2m_attributes_get(const lwm2m_attributes *a, uint16_t ssid,
                                           const lwm2m_path *path)
{
        assert(a);
        bool found;
        size_t i = find(a, ssid, path, &found);
        return found ? &a->items[i].set : NULL;
}

void lwm2m_attributes_effective(const lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path,
                                lwm2m_attr_set *out)
{
        assert(path && out);
        *out = (lwm2m_attr_set){0};
        for (int depth = path->len; depth >= 1; depth--) {
                lwm2m_path p = lwm2m_path_truncate(path, (uint8_t)depth);
                const lwm2m_attr_set *s = lwm2m_attributes_get(a, ssid, &p);
                if (s)
                        copy_attr(out, s, (unsigned)~out->present & LWM2M_ATTR_ALL);
        }
}

void lwm2m_attributes_forget(lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path)
{
        assert(a);
        size_t kept = 0;
        for (size_t i = 0; i < a->n; i++) {
                const attr_entry *e = &a->items[i];
                bool drop =
                        path ? lwm2m_path_starts_with(&e->path, path) && (!ssid || e->ssid == ssid)
                             : e->ssid == ssid;
                if (!drop)
                        a->items[kept++] = *e;
        }
        a->n = kept;
}

size_t lwm2m_attributes_count(const lwm2m_attributes *a)
{
        assert(a);
        return a->n;
}
