/* attributes.c - notification attributes (pmin, pmax, gt, lt, st, epmin, epmax; 1.2: edge,
 * con, hqmax) as servers set them with Write-Attributes: stored per server and per path. */
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

/* In bit order: attrs[i] is 1 << i. */
static const struct {
        const char *name;
        lwm2m_attr_kind kind;
} attrs[] = {
        {"pmin", LWM2M_ATTR_KIND_UNSIGNED},  {"pmax", LWM2M_ATTR_KIND_UNSIGNED},
        {"gt", LWM2M_ATTR_KIND_DECIMAL},     {"lt", LWM2M_ATTR_KIND_DECIMAL},
        {"st", LWM2M_ATTR_KIND_DECIMAL},     {"epmin", LWM2M_ATTR_KIND_UNSIGNED},
        {"epmax", LWM2M_ATTR_KIND_UNSIGNED}, {"edge", LWM2M_ATTR_KIND_BOOLEAN},
        {"con", LWM2M_ATTR_KIND_BOOLEAN},    {"hqmax", LWM2M_ATTR_KIND_UNSIGNED},
};
#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

/* The index of a single bit, or -1. */
static int attr_index(unsigned bit)
{
        for (unsigned i = 0; i < N_ATTRS; i++)
                if (bit == 1u << i)
                        return (int)i;
        return -1;
}

const char *lwm2m_attr_name(unsigned bit)
{
        int i = attr_index(bit);
        return i < 0 ? NULL : attrs[i].name;
}

unsigned lwm2m_attr_from_name(const char *name, size_t len)
{
        for (unsigned i = 0; i < N_ATTRS; i++)
                if (strlen(attrs[i].name) == len && memcmp(attrs[i].name, name, len) == 0)
                        return 1u << i;
        return 0;
}

lwm2m_attr_kind lwm2m_attr_kind_of(unsigned bit)
{
        int i = attr_index(bit);
        assert(i >= 0);
        return i < 0 ? LWM2M_ATTR_KIND_UNSIGNED : attrs[i].kind;
}

double lwm2m_attr_value(const lwm2m_attr_set *s, unsigned bit)
{
        assert(s);
        switch (bit) {
        case LWM2M_ATTR_PMIN:
                return s->pmin;
        case LWM2M_ATTR_PMAX:
                return s->pmax;
        case LWM2M_ATTR_GT:
                return s->gt;
        case LWM2M_ATTR_LT:
                return s->lt;
        case LWM2M_ATTR_ST:
                return s->st;
        case LWM2M_ATTR_EPMIN:
                return s->epmin;
        case LWM2M_ATTR_EPMAX:
                return s->epmax;
        case LWM2M_ATTR_EDGE:
                return s->edge;
        case LWM2M_ATTR_CON:
                return s->con;
        case LWM2M_ATTR_HQMAX:
                return s->hqmax;
        default:
                assert(!"not a single attribute bit");
                return 0;
        }
}

/* The reverse of lwm2m_attr_value; `v` is in the range of the attribute's kind. */
static void set_value(lwm2m_attr_set *s, unsigned bit, double v)
{
        switch (bit) {
        case LWM2M_ATTR_PMIN:
                s->pmin = (uint32_t)v;
                break;
        case LWM2M_ATTR_PMAX:
                s->pmax = (uint32_t)v;
                break;
        case LWM2M_ATTR_GT:
                s->gt = v;
                break;
        case LWM2M_ATTR_LT:
                s->lt = v;
                break;
        case LWM2M_ATTR_ST:
                s->st = v;
                break;
        case LWM2M_ATTR_EPMIN:
                s->epmin = (uint32_t)v;
                break;
        case LWM2M_ATTR_EPMAX:
                s->epmax = (uint32_t)v;
                break;
        case LWM2M_ATTR_EDGE:
                s->edge = v != 0;
                break;
        case LWM2M_ATTR_CON:
                s->con = v != 0;
                break;
        case LWM2M_ATTR_HQMAX:
                s->hqmax = (uint32_t)v;
                break;
        }
        s->present |= (uint16_t)bit;
}

/* The value of one item as a NUL-terminated string: the longest number worth
 * reading fits; an empty value, or one with a NUL byte in it (strtod would stop
 * there and take the rest for nothing), is malformed. */
static int copy_value(const char *v, size_t len, char *out, size_t size)
{
        if (len == 0 || len >= size || memchr(v, 0, len))
                return -EINVAL;
        memcpy(out, v, len);
        out[len] = 0;
        return 0;
}

static int parse_double(const char *s, double *out)
{
        /* strtod would skip white space and accept "inf" and "nan"; numbers start
         * with a sign, a digit or a point. */
        if (!strchr("+-.0123456789", s[0]))
                return -EINVAL;
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (errno || *end || !isfinite(d))
                return -EINVAL;
        *out = d;
        return 0;
}

static int parse_u32(const char *s, double *out)
{
        /* strtoull would take white space and a sign (and negate "-1"). */
        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        if (errno || *end || u > UINT32_MAX)
                return -EINVAL;
        *out = (double)u; /* exact: every 32-bit integer is a double */
        return 0;
}

static int parse_bool(const char *s, double *out)
{
        if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
                return -EINVAL;
        *out = s[0] == '1';
        return 0;
}

static int parse_value(lwm2m_attr_kind kind, const char *val, double *out)
{
        switch (kind) {
        case LWM2M_ATTR_KIND_UNSIGNED:
                return parse_u32(val, out);
        case LWM2M_ATTR_KIND_DECIMAL:
                return parse_double(val, out);
        case LWM2M_ATTR_KIND_BOOLEAN:
                return parse_bool(val, out);
        }
        return -EINVAL;
}

int lwm2m_attr_parse_item(const char *item, size_t len, lwm2m_attr_set *set, unsigned *clear)
{
        assert((item || len == 0) && set && clear);
        const char *eq = len ? memchr(item, '=', len) : NULL;
        size_t nlen = eq ? (size_t)(eq - item) : len;
        unsigned bit = lwm2m_attr_from_name(item, nlen);
        if (!bit || (set->present & bit) || (*clear & bit))
                return -EINVAL;
        if (!eq) {
                *clear |= bit;
                return 0;
        }
        char val[64];
        double v;
        int r = copy_value(eq + 1, len - nlen - 1, val, sizeof(val));
        r = r ?: parse_value(lwm2m_attr_kind_of(bit), val, &v);
        if (r < 0)
                return r;
        set_value(set, bit, v);
        return 0;
}

unsigned lwm2m_attr_inapplicable(unsigned bits, lwm2m_type type, bool single_value)
{
        unsigned refused = 0;
        if (!single_value)
                refused |= LWM2M_ATTR_CONDITIONS;
        if (!lwm2m_type_is_numeric(type))
                refused |= LWM2M_ATTR_NUMERIC;
        if (type != LWM2M_TYPE_BOOLEAN)
                refused |= LWM2M_ATTR_EDGE;
        return bits & refused;
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
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1)
                if (bits & bit)
                        set_value(dst, bit, lwm2m_attr_value(src, bit));
}

void lwm2m_attr_overlay(lwm2m_attr_set *dst, const lwm2m_attr_set *src)
{
        copy_attr(dst, src, LWM2M_ATTR_ALL);
}

bool lwm2m_attr_set_consistent(const lwm2m_attr_set *s)
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
        next.present &= (uint16_t)~clear;
        copy_attr(&next, set, LWM2M_ATTR_ALL);
        if (!lwm2m_attr_set_consistent(&next))
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

int lwm2m_attributes_foreach(const lwm2m_attributes *a, lwm2m_attributes_fn fn, void *userdata)
{
        assert(a && fn);
        for (size_t i = 0; i < a->n; i++) {
                int r = fn(userdata, a->items[i].ssid, &a->items[i].path, &a->items[i].set);
                if (r < 0)
                        return r;
        }
        return 0;
}
