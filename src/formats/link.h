/* link.h - CoRE Link Format (RFC 6690, content-format 40) as LwM2M uses it: the object list of
 * Register/Update, Discover and Bootstrap-Discover answers, and a strict parser for all of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "util/buf.h"

/* Bytes of an attribute name including the NUL: "pmin", "epmax", "ssid", "lwm2m". */
#define LINK_ATTR_NAME_MAX 16
/* Attributes one link may carry (LwM2M 1.2 defines eleven for a resource). */
#define LINK_ATTRS_MAX 12
/* Longest attribute value the decoder accepts (a Bootstrap-Discover "uri" is the long one). */
#define LINK_ATTR_VALUE_MAX 1024
/* Links one decoded payload may hold. */
#define LINK_ENTRIES_MAX 4096
/* Bytes of an alternate path ("/lwm2m") including the NUL. */
#define LINK_ALT_PATH_MAX 64

typedef struct link_attr {
        char name[LINK_ATTR_NAME_MAX];
        char *value; /* owned, NUL-terminated, unescaped; NULL for a bare name ("obs") */
        bool quoted; /* written as a quoted-string (rt="oma.lwm2m"), else as a token (pmin=10) */
} link_attr;

/* One link: `</3/0/7>;dim=8;gt=50`. The path is relative to the alternate path;
 * a path of length 0 is the root link ("</>" or "</lwm2m>"). */
typedef struct link_entry {
        lwm2m_path path;
        size_t n_attrs;
        link_attr attrs[LINK_ATTRS_MAX];
} link_entry;

/* Frees the attribute values and empties the entry; the path stays. */
void link_entry_clear(link_entry *e);

/* Attribute setters for building a link to encode. Names are 1..15 characters of
 * RFC 6690 parmname; a name already present is refused. Return 0, -EINVAL (bad
 * name, duplicate, NaN, a token with characters a token cannot hold, control
 * characters or invalid UTF-8 in a string), -E2BIG (LINK_ATTRS_MAX) or -ENOMEM. */
int link_entry_add_uint(link_entry *e, const char *name, uint64_t v);      /* pmin=10 */
int link_entry_add_int(link_entry *e, const char *name, int64_t v);        /* ssid=101 */
int link_entry_add_double(link_entry *e, const char *name, double v);      /* gt=42.2, exact */
int link_entry_add_token(link_entry *e, const char *name, const char *v);  /* ver=1.1 */
int link_entry_add_string(link_entry *e, const char *name, const char *v); /* uri="coap://a" */
int link_entry_add_flag(link_entry *e, const char *name);                  /* obs */

/* The attribute with this name, or NULL. */
const link_attr *link_entry_find(const link_entry *e, const char *name);
/* Typed reads of an attribute: 0, -ENOENT (absent), -EBADMSG (not such a number;
 * a quoted number is accepted). */
int link_entry_get_uint(const link_entry *e, const char *name, uint64_t *out);
int link_entry_get_double(const link_entry *e, const char *name, double *out);

/* Appends one link to `out`, preceded by ',' unless `out` is empty, so a payload
 * can be built one link at a time. `alt_path` is NULL, "" or "/" for none, else
 * an alternate path such as "/lwm2m" (no '/' at the end) put in front of every
 * target. Returns 0, -EINVAL (bad alternate path or attribute), -ENOMEM, -E2BIG. */
int link_append(const link_entry *e, const char *alt_path, lwm2m_buf *out);
/* Appends `n` links the same way. */
int link_encode(const link_entry *entries, size_t n, const char *alt_path, lwm2m_buf *out);

/* Register/Update helpers.
 * The root link: `</>;rt="oma.lwm2m";ct=110` (or `</lwm2m>;...` with an alternate
 * path); `content_format` < 0 leaves out ct. */
int link_append_register_root(const char *alt_path, int content_format, lwm2m_buf *out);
/* An object and its instances: `</3303>;ver=1.1,</3303/0>,</3303/1>`. The object
 * link is written when `version` is other than NULL, "" or "1.0" (then with ver=)
 * or when there are no instances. `version` must be "major.minor" (-EINVAL). */
int link_append_register_object(uint16_t oid, const char *version, const uint16_t *iids,
                                size_t n_iids, const char *alt_path, lwm2m_buf *out);

/* A decoded payload. */
typedef struct link_list {
        link_entry *items;
        size_t n;
        size_t cap;
        /* "/lwm2m" when the first link is the LwM2M root (rt="oma.lwm2m") at an
         * alternate path; "" otherwise. Every path in `items` is relative to it. */
        char alt_path[LINK_ALT_PATH_MAX];
} link_list;

void link_list_free(link_list *l);

/* Parses a link-format payload strictly (RFC 6690 grammar; the only white space
 * allowed is around the commas between links). Every target must be an LwM2M path
 * under the alternate path, if the first link declares one. LwM2M 1.0's
 * Bootstrap-Discover preamble `lwm2m="1.0",` is read as a root link. Attributes
 * LwM2M defines as numbers (pmin, pmax, epmin, epmax, dim, ssid: integers; gt,
 * lt, st: decimals) must parse as such; names may not repeat within a link.
 * `out` is emptied first and is left empty on error. Returns 0, -EBADMSG,
 * -E2BIG (more than LINK_ENTRIES_MAX links, LINK_ATTRS_MAX attributes, or a
 * name or value over its limit) or -ENOMEM. */
int link_decode(const uint8_t *data, size_t len, link_list *out);
