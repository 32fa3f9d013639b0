/* value.h - typed LwM2M values: the data types of the specification and their storage.
 * A value owns its bytes; nothing here knows of any encoding or transport. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The resource data types of LwM2M 1.1 (TS Core, appendix C). */
typedef enum lwm2m_type {
        LWM2M_TYPE_NONE = 0, /* executable resources; in a record: "no value" */
        LWM2M_TYPE_STRING,
        LWM2M_TYPE_INTEGER,
        LWM2M_TYPE_UNSIGNED,
        LWM2M_TYPE_FLOAT,
        LWM2M_TYPE_BOOLEAN,
        LWM2M_TYPE_OPAQUE,
        LWM2M_TYPE_TIME,
        LWM2M_TYPE_OBJLNK,
        LWM2M_TYPE_CORELNK,
        _LWM2M_TYPE_MAX,
} lwm2m_type;

typedef struct lwm2m_objlnk {
        uint16_t oid;
        uint16_t iid;
} lwm2m_objlnk;

typedef struct lwm2m_value {
        lwm2m_type type;
        union {
                int64_t i;        /* INTEGER, TIME (seconds since the epoch) */
                uint64_t u;       /* UNSIGNED */
                double f;         /* FLOAT: finite only once stored (lwm2m_value_in_domain) */
                bool b;           /* BOOLEAN */
                lwm2m_objlnk lnk; /* OBJLNK */
                /* STRING, CORELNK (UTF-8, NUL-terminated beyond len), OPAQUE. */
                struct {
                        uint8_t *data;
                        size_t len;
                } buf;
        };
} lwm2m_value;

/* Largest string or opaque value the model stores (firmware goes elsewhere). */
#define LWM2M_VALUE_MAX_BYTES ((size_t)1024 * 1024)

/* The DDF spelling: "String", "Integer", "Unsigned Integer", ... ("" for NONE). */
const char *lwm2m_type_to_string(lwm2m_type t);
/* Parses a DDF <Type>: case-insensitive, surrounding white space ignored,
 * "" means NONE. Returns 0 or -EINVAL. */
int lwm2m_type_from_string(const char *s, lwm2m_type *out);

/* True if the bytes are well-formed UTF-8 (no overlongs, no surrogates). */
bool lwm2m_utf8_valid(const uint8_t *s, size_t len);

void lwm2m_value_clear(lwm2m_value *v);
int lwm2m_value_copy(lwm2m_value *dst, const lwm2m_value *src);
bool lwm2m_value_equal(const lwm2m_value *a, const lwm2m_value *b);

/* Integer, Unsigned Integer, Float and Time: the types whose values are numbers
 * (notification thresholds and steps compare them). */
bool lwm2m_type_is_numeric(lwm2m_type t);
/* The value of a numeric type as a double, so that numbers of different types
 * compare (integers beyond 2^53 round). False, and *out untouched, for others. */
bool lwm2m_value_to_double(const lwm2m_value *v, double *out);

/* True if the value is one the model stores and every content format can
 * carry. A Float is a finite number: NaN and the infinities have no spelling
 * in text, SenML JSON or LwM2M JSON, and one stored NaN would make every Read
 * of its instance or object fail there, so every input refuses them
 * (lwm2m_resource_validate) and every decoder reports them as malformed.
 * Other types hold nothing outside their domain. */
bool lwm2m_value_in_domain(const lwm2m_value *v);

/* Copies the bytes. STRING and CORELNK must be UTF-8 (-EILSEQ otherwise);
 * anything over LWM2M_VALUE_MAX_BYTES is -E2BIG. */
int lwm2m_value_set_bytes(lwm2m_value *v, lwm2m_type type, const void *data, size_t len);
static inline int lwm2m_value_set_string(lwm2m_value *v, const char *s, size_t len)
{
        return lwm2m_value_set_bytes(v, LWM2M_TYPE_STRING, s, len);
}

static inline lwm2m_value lwm2m_value_integer(int64_t i)
{
        return (lwm2m_value){.type = LWM2M_TYPE_INTEGER, .i = i};
}
static inline lwm2m_value lwm2m_value_unsigned(uint64_t u)
{
        return (lwm2m_value){.type = LWM2M_TYPE_UNSIGNED, .u = u};
}
static inline lwm2m_value lwm2m_value_float(double f)
{
        return (lwm2m_value){.type = LWM2M_TYPE_FLOAT, .f = f};
}
static inline lwm2m_value lwm2m_value_boolean(bool b)
{
        return (lwm2m_value){.type = LWM2M_TYPE_BOOLEAN, .b = b};
}
static inline lwm2m_value lwm2m_value_time(int64_t t)
{
        return (lwm2m_value){.type = LWM2M_TYPE_TIME, .i = t};
}
static inline lwm2m_value lwm2m_value_objlnk(uint16_t oid, uint16_t iid)
{
        return (lwm2m_value){.type = LWM2M_TYPE_OBJLNK, .lnk = {oid, iid}};
}

/* Converts a value to another type where LwM2M allows it without loss
 * (INTEGER <-> UNSIGNED <-> TIME within range, integral FLOAT -> integers,
 * integers -> FLOAT when exactly representable, STRING <-> CORELNK).
 * Returns 0, -ERANGE when the number does not fit, -EINVAL otherwise. */
int lwm2m_value_convert(lwm2m_value *v, lwm2m_type to);
