/* attributes.h - notification attributes (pmin, pmax, gt, lt, st, epmin, epmax)
 * as servers set them with Write-Attributes: stored per server and per path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"

enum {
        LWM2M_ATTR_PMIN = 1 << 0,
        LWM2M_ATTR_PMAX = 1 << 1,
        LWM2M_ATTR_GT = 1 << 2,
        LWM2M_ATTR_LT = 1 << 3,
        LWM2M_ATTR_ST = 1 << 4,
        LWM2M_ATTR_EPMIN = 1 << 5,
        LWM2M_ATTR_EPMAX = 1 << 6,
        LWM2M_ATTR_ALL = (1 << 7) - 1,
        /* Attributes that only make sense on a numeric resource. */
        LWM2M_ATTR_NUMERIC = LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST,
};

typedef struct lwm2m_attr_set {
        uint8_t present;                   /* LWM2M_ATTR_* bits */
        uint32_t pmin, pmax, epmin, epmax; /* seconds */
        double gt, lt, st;
} lwm2m_attr_set;

/* "pmin", "pmax", ... for a single LWM2M_ATTR_* bit; NULL otherwise. */
const char *lwm2m_attr_name(unsigned bit);
/* The bit for an attribute name, or 0 when the name is not one. */
unsigned lwm2m_attr_from_name(const char *name, size_t len);

typedef struct lwm2m_attributes lwm2m_attributes;

lwm2m_attributes *lwm2m_attributes_new(void);
void lwm2m_attributes_free(lwm2m_attributes *a);
/* Applies a Write-Attributes: sets what `set` has, removes the `clear` bits,
 * and checks that the result holds together (lt < gt, lt + 2*st < gt, st >= 0,
 * epmin <= epmax) — else -EINVAL and nothing changes. */
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
