/* tlv_test_resolver.h - a static resource table for the TLV and LwM2M JSON tests and fuzzers:
 * the Device object (3), Server (1), Access Control (2), the spec's objects 65/66, and 9999. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/format.h"

typedef struct test_resource_def {
        uint16_t oid;
        uint16_t rid;
        lwm2m_type type;
        bool multiple;
} test_resource_def;

/* Object 9999 has one single and one multiple resource of every type:
 * single at 0..8, multiple at 10..18, in the enum's order from STRING;
 * 20 is executable. */
#define TEST_OBJECT 9999

static const test_resource_def test_resource_defs[] = {
        /* Device, TS Core appendix E.4 */
        {3, 0, LWM2M_TYPE_STRING, false},
        {3, 1, LWM2M_TYPE_STRING, false},
        {3, 2, LWM2M_TYPE_STRING, false},
        {3, 3, LWM2M_TYPE_STRING, false},
        {3, 4, LWM2M_TYPE_NONE, false},
        {3, 5, LWM2M_TYPE_NONE, false},
        {3, 6, LWM2M_TYPE_INTEGER, true},
        {3, 7, LWM2M_TYPE_INTEGER, true},
        {3, 8, LWM2M_TYPE_INTEGER, true},
        {3, 9, LWM2M_TYPE_INTEGER, false},
        {3, 10, LWM2M_TYPE_INTEGER, false},
        {3, 11, LWM2M_TYPE_INTEGER, true},
        {3, 12, LWM2M_TYPE_NONE, false},
        {3, 13, LWM2M_TYPE_TIME, false},
        {3, 14, LWM2M_TYPE_STRING, false},
        {3, 15, LWM2M_TYPE_STRING, false},
        {3, 16, LWM2M_TYPE_STRING, false},
        {3, 22, LWM2M_TYPE_OBJLNK, true},
        /* Server */
        {1, 0, LWM2M_TYPE_INTEGER, false},
        {1, 1, LWM2M_TYPE_INTEGER, false},
        {1, 2, LWM2M_TYPE_INTEGER, false},
        {1, 3, LWM2M_TYPE_INTEGER, false},
        {1, 4, LWM2M_TYPE_NONE, false},
        {1, 5, LWM2M_TYPE_INTEGER, false},
        {1, 6, LWM2M_TYPE_BOOLEAN, false},
        {1, 7, LWM2M_TYPE_STRING, false},
        /* Access Control */
        {2, 0, LWM2M_TYPE_INTEGER, false},
        {2, 1, LWM2M_TYPE_INTEGER, false},
        {2, 2, LWM2M_TYPE_INTEGER, true},
        {2, 3, LWM2M_TYPE_INTEGER, false},
        /* The objects of the TS's object-link TLV examples */
        {65, 0, LWM2M_TYPE_OBJLNK, true},
        {65, 1, LWM2M_TYPE_STRING, false},
        {65, 2, LWM2M_TYPE_INTEGER, false},
        {66, 0, LWM2M_TYPE_STRING, false},
        {66, 1, LWM2M_TYPE_STRING, false},
        {66, 2, LWM2M_TYPE_OBJLNK, false},
        /* every type */
        {TEST_OBJECT, 0, LWM2M_TYPE_STRING, false},
        {TEST_OBJECT, 1, LWM2M_TYPE_INTEGER, false},
        {TEST_OBJECT, 2, LWM2M_TYPE_UNSIGNED, false},
        {TEST_OBJECT, 3, LWM2M_TYPE_FLOAT, false},
        {TEST_OBJECT, 4, LWM2M_TYPE_BOOLEAN, false},
        {TEST_OBJECT, 5, LWM2M_TYPE_OPAQUE, false},
        {TEST_OBJECT, 6, LWM2M_TYPE_TIME, false},
        {TEST_OBJECT, 7, LWM2M_TYPE_OBJLNK, false},
        {TEST_OBJECT, 8, LWM2M_TYPE_CORELNK, false},
        {TEST_OBJECT, 10, LWM2M_TYPE_STRING, true},
        {TEST_OBJECT, 11, LWM2M_TYPE_INTEGER, true},
        {TEST_OBJECT, 12, LWM2M_TYPE_UNSIGNED, true},
        {TEST_OBJECT, 13, LWM2M_TYPE_FLOAT, true},
        {TEST_OBJECT, 14, LWM2M_TYPE_BOOLEAN, true},
        {TEST_OBJECT, 15, LWM2M_TYPE_OPAQUE, true},
        {TEST_OBJECT, 16, LWM2M_TYPE_TIME, true},
        {TEST_OBJECT, 17, LWM2M_TYPE_OBJLNK, true},
        {TEST_OBJECT, 18, LWM2M_TYPE_CORELNK, true},
        {TEST_OBJECT, 20, LWM2M_TYPE_NONE, false},
};

static inline int test_resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type,
                               bool *multiple)
{
        (void)userdata;
        if (path->len < 3)
                return -ENOENT;
        for (size_t i = 0; i < sizeof(test_resource_defs) / sizeof(test_resource_defs[0]); i++) {
                const test_resource_def *d = &test_resource_defs[i];
                if (d->oid == path->id[0] && d->rid == path->id[2]) {
                        *type = d->type;
                        *multiple = d->multiple;
                        return 0;
                }
        }
        return -ENOENT;
}

static const lwm2m_resolver test_resolver = {.resource = test_resolve};
