/* senml_fixture.h - what the SenML JSON, SenML CBOR and cross-check tests share: a resolver
 * with the Device object and a test object holding one resource of every type, and helpers. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/format.h"

/* Object 3 (Device, TS Core appendix E) in part, and object 9999: resource N of type
 * fixture_types[N]; 10 + N is the same type, multiple-instance. Resource 9 is executable. */
#define FIXTURE_OID 9999
static const lwm2m_type fixture_types[] = {
        LWM2M_TYPE_STRING,  LWM2M_TYPE_INTEGER, LWM2M_TYPE_UNSIGNED, LWM2M_TYPE_FLOAT,
        LWM2M_TYPE_BOOLEAN, LWM2M_TYPE_OPAQUE,  LWM2M_TYPE_TIME,     LWM2M_TYPE_OBJLNK,
        LWM2M_TYPE_CORELNK, LWM2M_TYPE_NONE,
};
#define FIXTURE_NTYPES (sizeof(fixture_types) / sizeof(fixture_types[0]))

static inline int fixture_resolve(void *userdata, const lwm2m_path *p, lwm2m_type *type,
                                  bool *multiple)
{
        (void)userdata;
        if (p->len < 3)
                return -ENOENT;
        if (p->id[0] == 3) {
                static const struct {
                        uint16_t rid;
                        lwm2m_type t;
                        bool multiple;
                } dev[] = {
                        {0, LWM2M_TYPE_STRING, false},  {1, LWM2M_TYPE_STRING, false},
                        {2, LWM2M_TYPE_STRING, false},  {3, LWM2M_TYPE_STRING, false},
                        {4, LWM2M_TYPE_NONE, false},    {6, LWM2M_TYPE_INTEGER, true},
                        {7, LWM2M_TYPE_INTEGER, true},  {8, LWM2M_TYPE_INTEGER, true},
                        {9, LWM2M_TYPE_INTEGER, false}, {10, LWM2M_TYPE_INTEGER, false},
                        {11, LWM2M_TYPE_INTEGER, true}, {13, LWM2M_TYPE_TIME, false},
                        {14, LWM2M_TYPE_STRING, false}, {15, LWM2M_TYPE_STRING, false},
                        {16, LWM2M_TYPE_STRING, false},
                };
                for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
                        if (dev[i].rid == p->id[2]) {
                                *type = dev[i].t;
                                *multiple = dev[i].multiple;
                                return 0;
                        }
                }
                return -ENOENT;
        }
        if (p->id[0] == 3303 && p->id[2] == 5700) {
                *type = LWM2M_TYPE_FLOAT;
                *multiple = false;
                return 0;
        }
        if (p->id[0] == 1 && p->id[2] == 1) {
                *type = LWM2M_TYPE_INTEGER;
                *multiple = false;
                return 0;
        }
        if (p->id[0] != FIXTURE_OID)
                return -ENOENT;
        uint16_t rid = p->id[2];
        if (rid >= 10 && rid < 10 + FIXTURE_NTYPES) {
                *type = fixture_types[rid - 10];
                *multiple = true;
                return 0;
        }
        if (rid >= FIXTURE_NTYPES)
                return -ENOENT;
        *type = fixture_types[rid];
        *multiple = false;
        return 0;
}

static const lwm2m_resolver fixture_resolver = {.resource = fixture_resolve};

static inline lwm2m_value fixture_string(lwm2m_type t, const char *s, size_t len)
{
        lwm2m_value v = {0};
        if (lwm2m_value_set_bytes(&v, t, s, len) < 0)
                abort();
        return v;
}

/* Adds `v` (taking it) at `p` to the list. */
static inline void fixture_add(lwm2m_record_list *l, lwm2m_path p, lwm2m_value v)
{
        lwm2m_record *r = lwm2m_record_list_add(l, &p);
        if (!r)
                abort();
        r->value = v;
}

static inline void fixture_add_timed(lwm2m_record_list *l, lwm2m_path p, lwm2m_value v, double t)
{
        fixture_add(l, p, v);
        l->items[l->n - 1].time = t;
        l->items[l->n - 1].has_time = true;
}

static inline bool fixture_lists_equal(const lwm2m_record_list *a, const lwm2m_record_list *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const lwm2m_record *x = &a->items[i], *y = &b->items[i];
                if (!lwm2m_path_equal(&x->path, &y->path) ||
                    !lwm2m_value_equal(&x->value, &y->value) || x->has_time != y->has_time ||
                    (x->has_time && x->time != y->time))
                        return false;
        }
        return true;
}

/* One sample value of each type for resource-level round trips. */
static inline lwm2m_value fixture_sample(lwm2m_type t, unsigned variant)
{
        static const uint8_t opaque[] = {0x00, 0xff, 0x10, 0x80, 0x3e, 0x3f};
        switch (t) {
        case LWM2M_TYPE_STRING:
                return variant ? fixture_string(t, "", 0) : fixture_string(t, "héllo \"/\\\n", 11);
        case LWM2M_TYPE_INTEGER:
                return lwm2m_value_integer(variant ? INT64_MIN : -42);
        case LWM2M_TYPE_UNSIGNED:
                return lwm2m_value_unsigned(variant ? UINT64_MAX : 7);
        case LWM2M_TYPE_FLOAT:
                return lwm2m_value_float(variant ? 0.1 : -1.5e300);
        case LWM2M_TYPE_BOOLEAN:
                return lwm2m_value_boolean(variant);
        case LWM2M_TYPE_OPAQUE:
                return fixture_string(t, (const char *)opaque, variant ? 0 : sizeof(opaque));
        case LWM2M_TYPE_TIME:
                return lwm2m_value_time(variant ? INT64_MAX : 1367491215);
        case LWM2M_TYPE_OBJLNK:
                return variant ? lwm2m_value_objlnk(65535, 65535) : lwm2m_value_objlnk(3, 0);
        case LWM2M_TYPE_CORELNK:
                return fixture_string(t, "</3/0>;ver=1.1,</1/0>", 21);
        default:
                return (lwm2m_value){0};
        }
}
