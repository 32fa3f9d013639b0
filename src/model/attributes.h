/* attributes.h - notification attributes (pmin, pmax, gt, lt, st, epmin, epmax; 1.2: edge,
 * con, hqmax) as servers set them with Write-Attributes: stored per server and per path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "model/value.h"

enum {
        LWM2M_ATTR_PMIN = 1 << 0,
        LWM2M_ATTR_PMAX = 1 << 1,
        LWM2M_ATTR_GT = 1 << 2,
        LWM2M_ATTR_LT = 1 << 3,
        LWM2M_ATTR_ST = 1 << 4,
        LWM2M_ATTR_EPMIN = 1 << 5,
        LWM2M_ATTR_EPMAX = 1 << 6,
        LWM2M_ATTR_EDGE = 1 << 7,
        LWM2M_ATTR_CON = 1 << 8,
        LWM2M_ATTR_HQMAX = 1 << 9,
        LWM2M_ATTR_ALL = (1 << 10) - 1,
        /* Attributes that only make sense on a numeric resource. */
        LWM2M_ATTR_NUMERIC = LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST,
        /* The change conditions compare one value with the one last reported: they
         * need a target that is one value (a single resource or a resource instance). */
        LWM2M_ATTR_CONDITIONS = LWM2M_ATTR_NUMERIC | LWM2M_ATTR_EDGE,
};

typedef struct lwm2m_attr_set {
        uint16_t present;                  /* LWM2M_ATTR_* bits */
        uint32_t pmin, pmax, epmin, epmax; /* seconds */
        double gt, lt, st;
        bool edge;      /* notify on a false->true change (1) or true->false (0) */
        bool con;       /* notifications confirmable (1) or not (0) */
        uint32_t hqmax; /* most notifications kept as history while offline */
} lwm2m_attr_set;

/* How an attribute's value is written: an unsigned 32-bit decimal integer (the
 * periods, hqmax), a decimal number (gt, lt, st), or 0 or 1 (edge, con). */
typedef enum lwm2m_attr_kind {
        LWM2M_ATTR_KIND_UNSIGNED,
        LWM2M_ATTR_KIND_DECIMAL,
        LWM2M_ATTR_KIND_BOOLEAN,
} lwm2m_attr_kind;

/* The kind of a single LWM2M_ATTR_* bit. */
lwm2m_attr_kind lwm2m_attr_kind_of(unsigned bit);
/* The value of attribute `bit` (a single bit) in `s`, present or not, as a double:
 * exact for every kind, so that code going over all attributes (Discover's links,
 * copies) needs no case per attribute. */
double lwm2m_attr_value(const lwm2m_attr_set *s, unsigned bit);

/* "pmin", "pmax", ... for a single LWM2M_ATTR_* bit; NULL otherwise. */
const char *lwm2m_attr_name(unsigned bit);
/* The bit for an attribute name, or 0 when the name is not one. */
unsigned lwm2m_attr_from_name(const char *name, size_t len);

/* One item of a Write-Attributes query: "name=value" sets the attribute in `set`,
 * a bare "name" adds its bit to `clear`. Values: gt, lt and st finite decimal
 * numbers, edge and con "0" or "1", the others unsigned 32-bit decimals. -EINVAL
 * for an unknown name, a name already in `set` or `clear` (each may appear once
 * per query), or a malformed value; `set` and `clear` are then unchanged. */
int lwm2m_attr_parse_item(const char *item, size_t len, lwm2m_attr_set *set, unsigned *clear);

/* Of the attributes `bits`, those that cannot apply to a target holding values
 * of `type` (LWM2M_TYPE_NONE for an object, an instance or an executable):
 * gt, lt and st need numbers, edge a boolean, and all four (they compare one value
 * with the last one reported) a single value: `single_value` is true for a
 * resource instance or a resource that is not multiple. 0 when all may be set. */
unsigned lwm2m_attr_inapplicable(unsigned bits, lwm2m_type type, bool single_value);

/* Sets in `dst` every attribute `src` has (an Observe's own over the written ones). */
void lwm2m_attr_overlay(lwm2m_attr_set *dst, const lwm2m_attr_set *src);
/* Whether the set holds together: lt < gt, lt + 2*st < gt, st >= 0, epmin <= epmax. */
bool lwm2m_attr_set_consistent(const lwm2m_attr_set *s);

typedef struct lwm2m_attributes lwm2m_attributes;

lwm2m_attributes *lwm2m_attributes_new(void);
void lwm2m_attributes_free(lwm2m_attributes *a);
/* Applies a Write-Attributes: sets what `set` has, removes the `clear` bits,
 * and checks that the result holds together (lt < gt, lt + 2*st < gt, st >= 0,
 * epmin <= epmax; edge and con are booleans already) — else -EINVAL and nothing
 * changes. */
int lwm2m_attributes_write(lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path,
                           const lwm2m_attr_set *set, unsigned clear);
/* The attributes set at exactly this path, or NULL. */
const lwm2m_attr_set *lwm2m_attributes_get(const lwm2m_attributes *a, uint16_t ssid,
                                           const lwm2m_path *path);
/* The attributes in force at `path`: each one from the deepest level that sets
 * it (resource instance, resource, instance, object). */
void lwm2m_attributes_effective(const lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path,
                                lwm2m_attr_set *out);
/* Forgets everything set at or under `path` (an instance was deleted), or for
 * every path of a server (ssid != 0 and path NULL). */
void lwm2m_attributes_forget(lwm2m_attributes *a, uint16_t ssid, const lwm2m_path *path);
size_t lwm2m_attributes_count(const lwm2m_attributes *a);
/* Calls `fn` for every path with attributes, ascending by server and path; a
 * negative return stops the walk and is returned. */
typedef int (*lwm2m_attributes_fn)(void *userdata, uint16_t ssid, const lwm2m_path *path,
                                   const lwm2m_attr_set *set);
int lwm2m_attributes_foreach(const lwm2m_attributes *a, lwm2m_attributes_fn fn, void *userdata);
