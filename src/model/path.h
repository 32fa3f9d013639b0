/* path.h - LwM2M paths: /object/instance/resource/resource-instance.
 * Parsing, formatting and ordering; IDs are 0..65534 (65535 is reserved). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LWM2M_ID_INVALID 65535
/* Longest formatted path: "/65534/65534/65534/65534" plus NUL. */
#define LWM2M_PATH_STRLEN 25

typedef struct lwm2m_path {
        uint16_t id[4];
        uint8_t len; /* 0 = root, 1 = object, 2 = instance, 3 = resource, 4 = resource instance */
} lwm2m_path;

enum {
        LWM2M_PATH_ROOT = 0,
        LWM2M_PATH_OBJECT = 1,
        LWM2M_PATH_INSTANCE = 2,
        LWM2M_PATH_RESOURCE = 3,
        LWM2M_PATH_RESOURCE_INSTANCE = 4,
};

static inline lwm2m_path lwm2m_path_object(uint16_t oid)
{
        return (lwm2m_path){.id = {oid}, .len = 1};
}
static inline lwm2m_path lwm2m_path_instance(uint16_t oid, uint16_t iid)
{
        return (lwm2m_path){.id = {oid, iid}, .len = 2};
}
static inline lwm2m_path lwm2m_path_resource(uint16_t oid, uint16_t iid, uint16_t rid)
{
        return (lwm2m_path){.id = {oid, iid, rid}, .len = 3};
}
static inline lwm2m_path lwm2m_path_resource_instance(uint16_t oid, uint16_t iid, uint16_t rid,
                                                      uint16_t riid)
{
        return (lwm2m_path){.id = {oid, iid, rid, riid}, .len = 4};
}

/* Parses "/3/0/1", "3/0/1", "/" or "" (root); a trailing slash is allowed.
 * Rejects IDs over 65534, leading '+'/'-', empty segments and more than four
 * levels with -EINVAL. */
int lwm2m_path_parse(const char *s, lwm2m_path *out);
/* Parses `len` bytes (not NUL-terminated) the same way. */
int lwm2m_path_parse_n(const char *s, size_t len, lwm2m_path *out);
/* Writes "/3/0/1" ("/" for the root); returns the length or -ENOBUFS. */
int lwm2m_path_format(const lwm2m_path *p, char *buf, size_t size);
/* Orders paths depth-first: /3 < /3/0 < /3/0/1 < /3/1 < /4. */
int lwm2m_path_compare(const lwm2m_path *a, const lwm2m_path *b);
bool lwm2m_path_equal(const lwm2m_path *a, const lwm2m_path *b);
/* True if `prefix` is `p` or one of its ancestors (the root is everyone's). */
bool lwm2m_path_starts_with(const lwm2m_path *p, const lwm2m_path *prefix);
/* Returns `p` cut to its first `len` levels (len <= p->len). */
lwm2m_path lwm2m_path_truncate(const lwm2m_path *p, uint8_t len);
/* At most four levels, every ID below LWM2M_ID_INVALID (65535 is reserved). */
bool lwm2m_path_valid(const lwm2m_path *p);
