/* ddf.c - the OMA object definition (DDF XML) loader: parses files with expat
 * into registry definitions, tolerating the registry's real-world variations. */
#include "model/ddf.h"

#include <dirent.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/diag.h"
#include "util/macro.h"

/* Limits far above anything the OMA registry holds (at most 67 resources, names of
 * 51 bytes, RangeEnumerations of 76), low enough that a hostile file cannot make
 * the loader allocate much more than the file's own size. */
#define DDF_MAX_RESOURCES        4096
#define DDF_MAX_OBJECTS_PER_FILE 1024
#define DDF_NAME_MAX             255
#define DDF_URN_MAX              255
#define DDF_UNITS_MAX            127
#define DDF_RANGE_MAX            1023
#define DDF_TEXT_MAX             4096 /* any element whose text is kept */
#define DDF_READ_CHUNK           ((size_t)64 * 1024)

#define NO_STRING SIZE_MAX

typedef enum ddf_field {
        FIELD_NONE,
        FIELD_OBJ_NAME,
        FIELD_OBJ_ID,
        FIELD_OBJ_URN,
        FIELD_OBJ_LWM2M_VERSION,
        FIELD_OBJ_VERSION,
        FIELD_OBJ_MULTIPLE,
        FIELD_OBJ_MANDATORY,
        FIELD_RES_NAME,
        FIELD_RES_OPERATIONS,
        FIELD_RES_MULTIPLE,
        FIELD_RES_MANDATORY,
        FIELD_RES_TYPE,
        FIELD_RES_RANGE,
        FIELD_RES_UNITS,
        FIELD_IGNORED, /* descriptions and the like: content skipped */
} ddf_field;

typedef struct field_name {
        const char *element;
        ddf_field field;
} field_name;

static const field_name object_fields[] = {
        {"Name", FIELD_OBJ_NAME},
        {"ObjectID", FIELD_OBJ_ID},
        {"ObjectURN", FIELD_OBJ_URN},
        {"LWM2MVersion", FIELD_OBJ_LWM2M_VERSION},
        {"ObjectVersion", FIELD_OBJ_VERSION},
        {"MultipleInstances", FIELD_OBJ_MULTIPLE},
        {"Mandatory", FIELD_OBJ_MANDATORY},
        {"Description1", FIELD_IGNORED},
        {"Description2", FIELD_IGNORED},
};

static const field_name resource_fields[] = {
        {"Name", FIELD_RES_NAME},
        {"Operations", FIELD_RES_OPERATIONS},
        {"MultipleInstances", FIELD_RES_MULTIPLE},
        {"Mandatory", FIELD_RES_MANDATORY},
        {"Type", FIELD_RES_TYPE},
        {"RangeEnumeration", FIELD_RES_RANGE},
        {"Units", FIELD_RES_UNITS},
        {"Description", FIELD_IGNORED},
};

typedef struct position {
        unsigned line;
        unsigned column;
} position;

/* A resource while its <Item> is being read; strings are offsets into the
 * object's string pool so that the pool can grow. */
typedef struct pending_resource {
        uint16_t id;
        uint8_t operations;
        bool multiple;
        bool mandatory;
        lwm2m_type type;
        size_t name;
        size_t units;
        size_t range;
        lwm2m_constraint *constraint;
        position at;
        position range_at;
        unsigned seen; /* 1 << ddf_field, to refuse repeated elements */
} pending_resource;

typedef struct pending_object {
        uint16_t id;
        bool multiple;
        bool mandatory;
        size_t name;
        size_t urn;
        char version[8];
        char lwm2m_version[8];
        position at;
        unsigned seen;
        pending_resource *resources;
        size_t n_resources;
        size_t cap_resources;
        char *pool;
        size_t pool_len;
        size_t pool_cap;
} pending_object;

typedef enum ddf_level {
        LEVEL_DOCUMENT,  /* before the root element */
        LEVEL_ROOT,      /* inside <LWM2M> */
        LEVEL_OBJECT,    /* inside <Object> */
        LEVEL_RESOURCES, /* inside <Resources> */
        LEVEL_ITEM,      /* inside <Item> */
        LEVEL_FIELD,     /* inside a field whose text is kept */
} ddf_level;

typedef struct ddf_parser {
        XML_Parser xml;
        const char *name;
        lwm2m_diag_fn diag;
        void *userdata;
        int error; /* 0, -EBADMSG (reported) or -ENOMEM */
        size_t bytes;

        ddf_level level;
        unsigned depth;
        unsigned skip_depth; /* > 0: inside an element whose subtree is ignored */
        char root[32];       /* the root element, for the notice on skipped files */
        char other_type[32]; /* ObjectType of a skipped <Object>, ditto */

        ddf_field field;
        position field_at;
        char text[DDF_TEXT_MAX + 1];
        size_t text_len;

        pending_object obj;
        lwm2m_object_def **defs; /* finished definitions of this file */
        position *defs_at;
        size_t n_defs;
        size_t cap_defs;
} ddf_parser;

_printf_(5, 6) static void emit(const ddf_parser *p, lwm2m_diag_level level, unsigned line,
                                unsigned column, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        if (!p->diag)
                return;
        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        p->diag(p->userdata, level, p->name, line, column, msg);
}

/* Quoted file text in messages is cut short: the message is about the file,
 * not a copy of it. */
typedef struct excerpt_buf {
        char s[80];
} excerpt_buf;

static const char *excerpt(const char *s, excerpt_buf *b)
{
        size_t cut = 64;

        if (strlen(s) <= cut + 8)
                return s;
        while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
                cut--; /* not inside a character */
        snprintf(b->s, sizeof(b->s), "%.*s...", (int)cut, s);
        return b->s;
}

/* Copies a name, cut short at a character boundary if it does not fit. */
static void copy_cut(char *dst, size_t size, const char *src)
{
        size_t len = strlen(src);

        if (len >= size) {
                len = size - 1;
                while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
                        len--;
        }
        memcpy(dst, src, len);
        dst[len] = '\0';
}

static position current_position(const ddf_parser *p)
{
        /* expat counts columns from 0; diagnostics count from 1, as compilers do. */
        return (position){(unsigned)XML_GetCurrentLineNumber(p->xml),
                          (unsigned)XML_GetCurrentColumnNumber(p->xml) + 1};
}

/* Rejects the file: the first error is reported and parsing stops. */
_printf_(3, 4) static void fail_at(ddf_parser *p, position at, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        if (p->error)
                return;
        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p->diag)
                p->diag(p->userdata, LWM2M_DIAG_ERROR, p->name, at.line, at.column, msg);
        p->error = -EBADMSG;
        XML_StopParser(p->xml, XML_FALSE);
}

static void fail_oom(ddf_parser *p)
{
        if (p->error)
                return;
        emit(p, LWM2M_DIAG_ERROR, 0, 0, "out of memory");
        p->error = -ENOMEM;
        XML_StopParser(p->xml, XML_FALSE);
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trims the collected text in place and returns it. */
static char *field_text(ddf_parser *p)
{
        while (p->text_len > 0 && is_blank(p->text[p->text_len - 1]))
                p->text_len--;
        p->text[p->text_len] = '\0';
        return p->text;
}

static size_t pool_add(ddf_parser *p, const char *s, size_t len)
{
        pending_object *o = &p->obj;

        if (o->pool_cap - o->pool_len < len + 1) {
                size_t cap = o->pool_cap ? o->pool_cap : 1024;
                while (cap - o->pool_len < len + 1)
                        cap *= 2;
                char *pool = realloc(o->pool, cap);
                if (!pool) {
                        fail_oom(p);
                        return NO_STRING;
                }
                o->pool = pool;
                o->pool_cap = cap;
        }
        size_t at = o->pool_len;
        memcpy(o->pool + at, s, len);
        o->pool[at + len] = '\0';
        o->pool_len += len + 1;
        return at;
}

/* Names become D-Bus property names and log text: tabs and line breaks inside
 * them are turned into spaces. */
static size_t pool_add_name(ddf_parser *p, const char *what, const char *s)
{
        size_t len = strlen(s);

        if (len == 0) {
                fail_at(p, p->field_at, "%s is empty", what);
                return NO_STRING;
        }
        if (len > DDF_NAME_MAX) {
                fail_at(p, p->field_at, "%s is %zu bytes long (at most %d)", what, len,
                        DDF_NAME_MAX);
                return NO_STRING;
        }
        size_t at = pool_add(p, s, len);
        if (at == NO_STRING)
                return at;
        /* A run of white space that holds a tab or line break becomes one space;
         * runs of plain spaces stay as written ("LWM2M  Server URI"). */
        char *w = p->obj.pool + at;
        for (const char *r = w; *r;) {
                if (!is_blank(*r)) {
                        *w++ = *r++;
                        continue;
                }
                const char *end = r;
                bool folded = false;
                while (is_blank(*end))
                        folded |= *end++ != ' ';
                if (folded)
                        *w++ = ' ';
                else
                        while (r < end)
                                *w++ = *r++;
                r = end;
        }
        *w = '\0';
        return at;
}

static size_t pool_add_optional(ddf_parser *p, const char *element, const char *s, size_t max)
{
        size_t len = strlen(s);

        if (len == 0)
                return NO_STRING;
        if (len > max) {
                fail_at(p, p->field_at, "<%s> is %zu bytes long (at most %zu)", element, len, max);
                return NO_STRING;
        }
        return pool_add(p, s, len);
}

/* Object and resource IDs: decimal, 0..65534 (65535 is reserved). */
static int parse_id(const char *s, uint16_t *out)
{
        unsigned long v = 0;

        if (!*s)
                return -ENODATA;
        for (const char *c = s; *c; c++) {
                if (*c < '0' || *c > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long)(*c - '0');
                if (v > 65534)
                        return -ERANGE;
        }
        *out = (uint16_t)v;
        return 0;
}

/* "1.0", "1.1", "2.0": MAJOR.MINOR with small numbers, fitting char[8]. */
static bool parse_version(const char *s, unsigned *major, unsigned *minor)
{
        unsigned v[2] = {0, 0};
        size_t digits = 0;
        int part = 0;

        if (strlen(s) > 7)
                return false;
        for (const char *c = s;; c++) {
                if (*c >= '0' && *c <= '9') {
                        v[part] = v[part] * 10 + (unsigned)(*c - '0');
                        digits++;
                } else if (*c == '.' && part == 0 && digits > 0) {
                        part = 1;
                        digits = 0;
                } else if (*c == '\0' && part == 1 && digits > 0) {
                        break;
                } else {
                        return false;
                }
        }
        if (major)
                *major = v[0];
        if (minor)
                *minor = v[1];
        return true;
}

static void set_version(ddf_parser *p, const char *element, const char *s, char out[8])
{
        excerpt_buf eb;

        if (!*s)
                return; /* keeps the default, "1.0" */
        if (!parse_version(s, NULL, NULL)) {
                fail_at(p, p->field_at, "<%s> \"%s\" is not a version (MAJOR.MINOR)", element,
                        excerpt(s, &eb));
                return;
        }
        snprintf(out, 8, "%s", s);
}

static bool parse_choice(const char *s, const char *yes, const char *no, bool *out)
{
        if (strcasecmp(s, yes) == 0)
                *out = true;
        else if (strcasecmp(s, no) == 0)
                *out = false;
        else
                return false;
        return true;
}

static void set_multiple(ddf_parser *p, const char *s, bool *out)
{
        excerpt_buf eb;

        if (!parse_choice(s, "Multiple", "Single", out))
                fail_at(p, p->field_at,
                        "unknown <MultipleInstances> \"%s\" (expected Single or Multiple)",
                        excerpt(s, &eb));
}

static void set_mandatory(ddf_parser *p, const char *s, bool *out)
{
        excerpt_buf eb;

        if (!parse_choice(s, "Mandatory", "Optional", out))
                fail_at(p, p->field_at,
                        "unknown <Mandatory> \"%s\" (expected Mandatory or Optional)",
                        excerpt(s, &eb));
}

/* R, W, RW (either order, any case), E, or nothing at all. */
static int parse_operations(const char *s, uint8_t *out)
{
        uint8_t ops = 0;

        if (strcasecmp(s, "E") == 0) {
                *out = LWM2M_OP_EXECUTE;
                return 0;
        }
        for (const char *c = s; *c; c++) {
                uint8_t bit;
                if (*c == 'R' || *c == 'r')
                        bit = LWM2M_OP_READ;
                else if (*c == 'W' || *c == 'w')
                        bit = LWM2M_OP_WRITE;
                else
                        return -EINVAL;
                if (ops & bit)
                        return -EINVAL;
                ops |= bit;
        }
        *out = ops;
        return 0;
}

static pending_resource *current_resource(ddf_parser *p)
{
        return &p->obj.resources[p->obj.n_resources - 1];
}

static void end_field(ddf_parser *p)
{
        excerpt_buf eb;
        pending_object *o = &p->obj;
        const char *s = field_text(p);
        pending_resource *r = NULL;
        int k;

        if (p->field >= FIELD_RES_NAME && p->field <= FIELD_RES_UNITS)
                r = current_resource(p);

        switch (p->field) {
        case FIELD_OBJ_NAME:
                o->name = pool_add_name(p, "the object's <Name>", s);
                break;
        case FIELD_OBJ_ID:
                k = parse_id(s, &o->id);
                if (k == -ENODATA)
                        fail_at(p, p->field_at, "<ObjectID> is empty");
                else if (k == -ERANGE)
                        fail_at(p, p->field_at, "ObjectID %s is out of range (0..65534)",
                                excerpt(s, &eb));
                else if (k < 0)
                        fail_at(p, p->field_at, "ObjectID \"%s\" is not a number", excerpt(s, &eb));
                break;
        case FIELD_OBJ_URN:
                o->urn = pool_add_optional(p, "ObjectURN", s, DDF_URN_MAX);
                break;
        case FIELD_OBJ_LWM2M_VERSION:
                set_version(p, "LWM2MVersion", s, o->lwm2m_version);
                break;
        case FIELD_OBJ_VERSION:
                set_version(p, "ObjectVersion", s, o->version);
                break;
        case FIELD_OBJ_MULTIPLE:
                set_multiple(p, s, &o->multiple);
                break;
        case FIELD_OBJ_MANDATORY:
                set_mandatory(p, s, &o->mandatory);
                break;
        case FIELD_RES_NAME:
                r->name = pool_add_name(p, "the resource's <Name>", s);
                break;
        case FIELD_RES_OPERATIONS:
                if (parse_operations(s, &r->operations) < 0)
                        fail_at(p, p->field_at,
                                "unknown <Operations> \"%s\" (expected R, W, RW, E or nothing)",
                                excerpt(s, &eb));
                break;
        case FIELD_RES_MULTIPLE:
                set_multiple(p, s, &r->multiple);
                break;
        case FIELD_RES_MANDATORY:
                set_mandatory(p, s, &r->mandatory);
                break;
        case FIELD_RES_TYPE:
                if (lwm2m_type_from_string(s, &r->type) < 0)
                        fail_at(p, p->field_at, "unknown <Type> \"%s\"", excerpt(s, &eb));
                break;
        case FIELD_RES_RANGE:
                r->range = pool_add_optional(p, "RangeEnumeration", s, DDF_RANGE_MAX);
                r->range_at = p->field_at;
                break;
        case FIELD_RES_UNITS:
                r->units = pool_add_optional(p, "Units", s, DDF_UNITS_MAX);
                break;
        default:
                break;
        }
}

static const char *attribute(const XML_Char **attrs, const char *name)
{
        for (size_t i = 0; attrs[i]; i += 2)
                if (strcmp(attrs[i], name) == 0)
                        return attrs[i + 1];
        return NULL;
}

static ddf_field lookup_field(const field_name *table, size_t n, const char *element)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].element, element) == 0)
                        return table[i].field;
        return FIELD_NONE;
}

static void reset_object(pending_object *o)
{
        for (size_t i = 0; i < o->n_resources; i++)
                lwm2m_constraint_free(o->resources[i].constraint);
        o->n_resources = 0;
        o->pool_len = 0;
        o->id = 0;
        o->multiple = false;
        o->mandatory = false;
        o->name = NO_STRING;
        o->urn = NO_STRING;
        o->seen = 0;
        snprintf(o->version, sizeof(o->version), "1.0");
        snprintf(o->lwm2m_version, sizeof(o->lwm2m_version), "1.0");
}

static void start_object(ddf_parser *p, const XML_Char **attrs)
{
        const char *type = attribute(attrs, "ObjectType");

        /* The 1.0 and 1.1 schemas both say MODefinition; a hand-written file
         * that leaves the attribute out still means an object definition.
         * Common.xml uses the same element for "CommonResources". */
        if (type && strcmp(type, "MODefinition") != 0) {
                if (!p->other_type[0])
                        copy_cut(p->other_type, sizeof(p->other_type), type);
                p->skip_depth = p->depth;
                return;
        }
        if (p->n_defs >= DDF_MAX_OBJECTS_PER_FILE) {
                fail_at(p, current_position(p), "more than %d objects in one file",
                        DDF_MAX_OBJECTS_PER_FILE);
                return;
        }
        reset_object(&p->obj);
        p->obj.at = current_position(p);
        p->level = LEVEL_OBJECT;
}

static void start_item(ddf_parser *p, const XML_Char **attrs)
{
        pending_object *o = &p->obj;
        position at = current_position(p);
        const char *id = attribute(attrs, "ID");
        char trimmed[16];
        uint16_t rid;

        if (!id) {
                fail_at(p, at, "<Item> has no ID attribute");
                return;
        }
        while (is_blank(*id))
                id++;
        size_t len = strlen(id);
        while (len > 0 && is_blank(id[len - 1]))
                len--;
        if (len >= sizeof(trimmed)) {
                /* Cut at a character boundary: the message must stay UTF-8. */
                size_t cut = 15;
                while (cut > 0 && ((unsigned char)id[cut] & 0xc0) == 0x80)
                        cut--;
                fail_at(p, at, "resource ID \"%.*s...\" is not a number", (int)cut, id);
                return;
        }
        memcpy(trimmed, id, len);
        trimmed[len] = '\0';
        id = trimmed;
        int k = parse_id(id, &rid);
        if (k == -ERANGE) {
                fail_at(p, at, "resource ID %s is out of range (0..65534)", id);
                return;
        }
        if (k < 0) {
                fail_at(p, at, "resource ID \"%s\" is not a number", id);
                return;
        }
        if (o->n_resources >= DDF_MAX_RESOURCES) {
                fail_at(p, at, "more than %d resources in one object", DDF_MAX_RESOURCES);
                return;
        }
        if (o->n_resources == o->cap_resources) {
                size_t cap = o->cap_resources ? o->cap_resources * 2 : 32;
                pending_resource *res = reallocarray(o->resources, cap, sizeof(*res));
                if (!res) {
                        fail_oom(p);
                        return;
                }
                o->resources = res;
                o->cap_resources = cap;
        }
        o->resources[o->n_resources++] = (pending_resource){
                .id = rid,
                .type = LWM2M_TYPE_NONE,
                .name = NO_STRING,
                .units = NO_STRING,
                .range = NO_STRING,
                .at = at,
        };
        p->level = LEVEL_ITEM;
}

static void start_field(ddf_parser *p, ddf_field field, const char *element, unsigned *seen)
{
        position at = current_position(p);

        if (field == FIELD_IGNORED) {
                p->skip_depth = p->depth;
                return;
        }
        if (*seen & (1u << field)) {
                fail_at(p, at, "<%s> appears twice", element);
                return;
        }
        *seen |= 1u << field;
        p->field = field;
        p->field_at = at;
        p->text_len = 0;
        p->level = LEVEL_FIELD;
}

static void XMLCALL on_start(void *userdata, const XML_Char *element, const XML_Char **attrs)
{
        ddf_parser *p = userdata;
        ddf_field field;

        if (p->error)
                return;
        p->depth++;
        if (p->skip_depth)
                return;

        switch (p->level) {
        case LEVEL_DOCUMENT:
                copy_cut(p->root, sizeof(p->root), element);
                if (strcmp(element, "LWM2M") == 0)
                        p->level = LEVEL_ROOT;
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_ROOT:
                if (strcmp(element, "Object") == 0)
                        start_object(p, attrs);
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_OBJECT:
                if (strcmp(element, "Resources") == 0) {
                        p->level = LEVEL_RESOURCES;
                        break;
                }
                field = lookup_field(object_fields, ELEMENTSOF(object_fields), element);
                if (field == FIELD_NONE)
                        p->skip_depth = p->depth; /* a later schema's addition */
                else
                        start_field(p, field, element, &p->obj.seen);
                break;
        case LEVEL_RESOURCES:
                if (strcmp(element, "Item") == 0)
                        start_item(p, attrs);
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_ITEM:
                field = lookup_field(resource_fields, ELEMENTSOF(resource_fields), element);
                if (field == FIELD_NONE)
                        p->skip_depth = p->depth;
                else
                        start_field(p, field, element, &current_resource(p)->seen);
                break;
        case LEVEL_FIELD:
                fail_at(p, current_position(p), "unexpected element <%s> inside a text field",
                        element);
                break;
        }
}

static void end_item(ddf_parser *p)
{
        excerpt_buf eb;
        pending_resource *r = current_resource(p);
        const char *name;

        if (r->name == NO_STRING) {
                fail_at(p, r->at, "resource %u has no <Name>", (unsigned)r->id);
                return;
        }
        name = p->obj.pool + r->name;

        if (r->operations == LWM2M_OP_EXECUTE) {
                /* The registry never gives one; a value type on an executable
                 * resource would mean nothing, so it is dropped. */
                if (r->type != LWM2M_TYPE_NONE)
                        emit(p, LWM2M_DIAG_WARNING, r->at.line, r->at.column,
                             "resource %u (%s) is executable; its <Type> %s is ignored",
                             (unsigned)r->id, name, lwm2m_type_to_string(r->type));
                r->type = LWM2M_TYPE_NONE;
                return;
        }
        if (r->type == LWM2M_TYPE_NONE) {
                emit(p, LWM2M_DIAG_WARNING, r->at.line, r->at.column,
                     "resource %u (%s) is not executable but has no <Type>; it cannot hold a "
                     "value",
                     (unsigned)r->id, name);
                return;
        }
        if (r->range == NO_STRING)
                return;

        int k = lwm2m_constraint_parse(p->obj.pool + r->range, r->type, &r->constraint);
        if (k == -ENOMEM) {
                fail_oom(p);
        } else if (k < 0) {
                r->constraint = NULL;
                emit(p, LWM2M_DIAG_WARNING, r->range_at.line, r->range_at.column,
                     "resource %u (%s): <RangeEnumeration> \"%s\" is not understood for %s; "
                     "values are not checked",
                     (unsigned)r->id, name, excerpt(p->obj.pool + r->range, &eb),
                     lwm2m_type_to_string(r->type));
        }
}

static int compare_pending(const void *a, const void *b)
{
        const pending_resource *x = a, *y = b;

        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        /* Equal IDs: the one written first comes first, for the message. */
        if (x->at.line != y->at.line)
                return x->at.line < y->at.line ? -1 : 1;
        return x->at.column < y->at.column ? -1 : (x->at.column > y->at.column);
}

static const char *pooled(const char *block_pool, size_t offset)
{
        return offset == NO_STRING ? NULL : block_pool + offset;
}

/* Lays the object out as one heap block: the struct, the resource array, the
 * string pool and the source name (lwm2m_object_def_free frees it as one). */
static lwm2m_object_def *freeze_object(ddf_parser *p)
{
        pending_object *o = &p->obj;
        size_t source_len = strlen(p->name) + 1;
        size_t head = sizeof(lwm2m_object_def) + o->n_resources * sizeof(lwm2m_resource_def);

        lwm2m_object_def *def = malloc(head + o->pool_len + source_len);
        if (!def)
                return NULL;
        lwm2m_resource_def *res = (lwm2m_resource_def *)(def + 1);
        char *pool = (char *)def + head;
        if (o->pool_len > 0)
                memcpy(pool, o->pool, o->pool_len);
        char *source = pool + o->pool_len;
        memcpy(source, p->name, source_len);

        *def = (lwm2m_object_def){
                .id = o->id,
                .multiple = o->multiple,
                .mandatory = o->mandatory,
                .name = pooled(pool, o->name),
                .urn = pooled(pool, o->urn),
                .source = source,
                .n_resources = o->n_resources,
                .resources = res,
        };
        memcpy(def->version, o->version, sizeof(def->version));
        memcpy(def->lwm2m_version, o->lwm2m_version, sizeof(def->lwm2m_version));

        for (size_t i = 0; i < o->n_resources; i++) {
                pending_resource *r = &o->resources[i];
                res[i] = (lwm2m_resource_def){
                        .id = r->id,
                        .operations = r->operations,
                        .multiple = r->multiple,
                        .mandatory = r->mandatory,
                        .type = r->type,
                        .name = pooled(pool, r->name),
                        .units = pooled(pool, r->units),
                        .range = pooled(pool, r->range),
                        .constraint = r->constraint,
                };
                r->constraint = NULL; /* the definition owns it now */
        }
        return def;
}

static void end_object(ddf_parser *p)
{
        pending_object *o = &p->obj;

        if (!(o->seen & (1u << FIELD_OBJ_ID))) {
                fail_at(p, o->at, "<Object> has no <ObjectID>");
                return;
        }
        if (o->name == NO_STRING) {
                fail_at(p, o->at, "object %u has no <Name>", (unsigned)o->id);
                return;
        }
        for (size_t i = 0; i < p->n_defs; i++)
                if (p->defs[i]->id == o->id) {
                        fail_at(p, o->at,
                                "object %u is defined twice in this file (first at "
                                "line %u)",
                                (unsigned)o->id, p->defs_at[i].line);
                        return;
                }

        if (o->n_resources > 1)
                qsort(o->resources, o->n_resources, sizeof(*o->resources), compare_pending);
        for (size_t i = 1; i < o->n_resources; i++)
                if (o->resources[i].id == o->resources[i - 1].id) {
                        fail_at(p, o->resources[i].at,
                                "duplicate resource ID %u in object %u (first at line %u)",
                                (unsigned)o->resources[i].id, (unsigned)o->id,
                                o->resources[i - 1].at.line);
                        return;
                }

        if (p->n_defs == p->cap_defs) {
                size_t cap = p->cap_defs ? p->cap_defs * 2 : 4;
                lwm2m_object_def **defs = reallocarray(p->defs, cap, sizeof(*defs));
                if (!defs) {
                        fail_oom(p);
                        return;
                }
                p->defs = defs;
                position *at = reallocarray(p->defs_at, cap, sizeof(*at));
                if (!at) {
                        fail_oom(p);
                        return;
                }
                p->defs_at = at;
                p->cap_defs = cap;
        }
        lwm2m_object_def *def = freeze_object(p);
        if (!def) {
                fail_oom(p);
                return;
        }
        p->defs_at[p->n_defs] = o->at;
        p->defs[p->n_defs++] = def;
}

static void XMLCALL on_end(void *userdata, const XML_Char *element)
{
        ddf_parser *p = userdata;

        if (p->error)
                return;
        if (p->skip_depth) {
                if (p->depth == p->skip_depth)
                        p->skip_depth = 0;
                p->depth--;
                return;
        }
        p->depth--;

        switch (p->level) {
        case LEVEL_FIELD:
                end_field(p);
                p->level = p->field < FIELD_RES_NAME ? LEVEL_OBJECT : LEVEL_ITEM;
                p->field = FIELD_NONE;
                break;
        case LEVEL_ITEM:
                end_item(p);
                p->level = LEVEL_RESOURCES;
                break;
        case LEVEL_RESOURCES:
                p->level = LEVEL_OBJECT;
                break;
        case LEVEL_OBJECT:
                end_object(p);
                p->level = LEVEL_ROOT;
                break;
        case LEVEL_ROOT:
        case LEVEL_DOCUMENT:
                p->level = LEVEL_DOCUMENT;
                break;
        }
}

static void XMLCALL on_text(void *userdata, const XML_Char *s, int len)
{
        ddf_parser *p = userdata;

        if (p->error || p->skip_depth || p->level != LEVEL_FIELD || len <= 0)
                return;
        /* Leading white space is dropped here so that indentation never counts
         * against the limit; trailing white space is trimmed at the end. */
        if (p->text_len == 0)
                while (len > 0 && is_blank(*s)) {
                        s++;
                        len--;
                }
        if ((size_t)len > DDF_TEXT_MAX - p->text_len) {
                fail_at(p, p->field_at, "element text is longer than %d bytes", DDF_TEXT_MAX);
                return;
        }
        memcpy(p->text + p->text_len, s, (size_t)len);
        p->text_len += (size_t)len;
}

static void XMLCALL on_xml_decl(void *userdata, const XML_Char *version, const XML_Char *encoding,
                                int standalone)
{
        ddf_parser *p = userdata;

        if (p->error || !encoding)
                return;
        /* expat would transcode Latin-1 and friends; the registry is UTF-8 only,
         * and a wrong declaration is more likely a mistake than intent. */
        if (strcasecmp(encoding, "UTF-8") != 0 && strcasecmp(encoding, "US-ASCII") != 0)
                fail_at(p, current_position(p),
                        "encoding \"%s\" is not supported (DDF files must be UTF-8)", encoding);
}

/* Entities are how "billion laughs" documents explode; a DDF never needs them. */
static void XMLCALL on_doctype(void *userdata, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
        ddf_parser *p = userdata;

        fail_at(p, current_position(p), "DOCTYPE declarations are not allowed in DDF files");
}

static void XMLCALL on_entity_decl(void *userdata, const XML_Char *name, int is_parameter,
                                   const XML_Char *value, int value_length, const XML_Char *base,
                                   const XML_Char *system_id, const XML_Char *public_id,
                                   const XML_Char *notation)
{
        ddf_parser *p = userdata;

        fail_at(p, current_position(p), "entity declarations are not allowed in DDF files");
}

static void parser_done(ddf_parser *p)
{
        reset_object(&p->obj);
        free(p->obj.resources);
        free(p->obj.pool);
        for (size_t i = 0; i < p->n_defs; i++)
                lwm2m_object_def_free(p->defs[i]);
        free(p->defs);
        free(p->defs_at);
        if (p->xml)
                XML_ParserFree(p->xml);
        free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(ddf_parser *, parser_done);

static ddf_parser *parser_new(const char *name, lwm2m_diag_fn diag, void *userdata)
{
        ddf_parser *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->name = name;
        p->diag = diag;
        p->userdata = userdata;
        p->obj.name = NO_STRING;
        p->obj.urn = NO_STRING;
        /* Forcing UTF-8 makes expat reject bytes that are not UTF-8 instead of
         * guessing another encoding from the declaration. */
        p->xml = XML_ParserCreate("UTF-8");
        if (!p->xml) {
                free(p);
                return NULL;
        }
        XML_SetUserData(p->xml, p);
        XML_SetElementHandler(p->xml, on_start, on_end);
        XML_SetCharacterDataHandler(p->xml, on_text);
        XML_SetXmlDeclHandler(p->xml, on_xml_decl);
        XML_SetStartDoctypeDeclHandler(p->xml, on_doctype);
        XML_SetEntityDeclHandler(p->xml, on_entity_decl);
        XML_SetParamEntityParsing(p->xml, XML_PARAM_ENTITY_PARSING_NEVER);
        return p;
}

/* The first bytes tell UTF-16 and UTF-32 apart from UTF-8: a byte-order mark
 * or a NUL byte, which UTF-8 XML never contains. expat honours such a BOM even
 * when told the document is UTF-8. */
static bool looks_wide(const uint8_t *s, size_t len)
{
        if (len >= 2 && ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe)))
                return true;
        for (size_t i = 0; i < len && i < 4; i++)
                if (s[i] == 0)
                        return true;
        return false;
}

static void report_xml_error(ddf_parser *p)
{
        if (p->error)
                return; /* ours, already reported; expat says "parsing aborted" */
        fail_at(p, current_position(p), "%s", XML_ErrorString(XML_GetErrorCode(p->xml)));
}

static int parser_feed_first(ddf_parser *p, const void *data, size_t len)
{
        if (p->bytes == 0 && looks_wide(data, len)) {
                fail_at(p, (position){1, 1},
                        "the file is UTF-16 or UTF-32 (DDF files must be UTF-8)");
                return p->error;
        }
        return 0;
}

static int parser_feed(ddf_parser *p, const void *data, size_t len, bool final)
{
        if (parser_feed_first(p, data, len) < 0)
                return p->error;
        p->bytes += len;
        if (p->bytes > DDF_FILE_MAX_BYTES) {
                fail_at(p, (position){0, 0}, "the file is larger than %zu bytes",
                        DDF_FILE_MAX_BYTES);
                return p->error;
        }
        /* Chunks are at most DDF_FILE_MAX_BYTES, well inside int. */
        if (XML_Parse(p->xml, data, (int)len, final) == XML_STATUS_ERROR)
                report_xml_error(p);
        return p->error;
}

/* After the whole document: the file's definitions, or a notice that it has none. */
static int parser_finish(ddf_parser *p)
{
        if (p->error)
                return p->error;
        if (p->n_defs == 0) {
                if (strcmp(p->root, "LWM2M") != 0)
                        emit(p, LWM2M_DIAG_NOTICE, 0, 0,
                             "no LwM2M object definition (the document is <%s>); skipped", p->root);
                else if (p->other_type[0])
                        emit(p, LWM2M_DIAG_NOTICE, 0, 0,
                             "no LwM2M object definition (ObjectType \"%s\"); skipped",
                             p->other_type);
                else
                        emit(p, LWM2M_DIAG_NOTICE, 0, 0, "no <Object> element; skipped");
        }
        return 0;
}

static int parse_buffer(const char *name, const void *data, size_t len, lwm2m_diag_fn diag,
                        void *userdata, ddf_parser **out)
{
        _cleanup_(parser_donep) ddf_parser *p = parser_new(name, diag, userdata);
        if (!p)
                return -ENOMEM;
        if (len > DDF_FILE_MAX_BYTES) {
                fail_at(p, (position){0, 0}, "the file is larger than %zu bytes",
                        DDF_FILE_MAX_BYTES);
                return p->error;
        }
        int r = parser_feed(p, data, len, true);
        if (r < 0)
                return r;
        r = parser_finish(p);
        if (r < 0)
                return r;
        *out = TAKE_PTR(p);
        return 0;
}

static int parse_file(const char *path, lwm2m_diag_fn diag, void *userdata, ddf_parser **out)
{
        _cleanup_(parser_donep) ddf_parser *p = parser_new(path, diag, userdata);
        if (!p)
                return -ENOMEM;

        /* O_NONBLOCK: a FIFO named *.xml must not hang the daemon's start. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                emit(p, LWM2M_DIAG_ERROR, 0, 0, "cannot open: %s", strerror(e));
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                emit(p, LWM2M_DIAG_ERROR, 0, 0, "cannot stat: %s", strerror(e));
                return -e;
        }
        if (S_ISDIR(st.st_mode)) {
                emit(p, LWM2M_DIAG_ERROR, 0, 0, "cannot read: it is a directory");
                return -EISDIR;
        }
        if (!S_ISREG(st.st_mode)) {
                emit(p, LWM2M_DIAG_ERROR, 0, 0, "cannot read: not a regular file");
                return -EINVAL;
        }
        if ((uint64_t)st.st_size > DDF_FILE_MAX_BYTES) {
                fail_at(p, (position){0, 0}, "the file is larger than %zu bytes",
                        DDF_FILE_MAX_BYTES);
                return p->error;
        }

        for (;;) {
                void *buf = XML_GetBuffer(p->xml, (int)DDF_READ_CHUNK);
                if (!buf)
                        return -ENOMEM;
                ssize_t n = read(fd, buf, DDF_READ_CHUNK);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        emit(p, LWM2M_DIAG_ERROR, 0, 0, "cannot read: %s", strerror(e));
                        return -e;
                }
                if (parser_feed_first(p, buf, (size_t)n) < 0)
                        return p->error;
                p->bytes += (size_t)n;
                if (p->bytes > DDF_FILE_MAX_BYTES) {
                        fail_at(p, (position){0, 0}, "the file is larger than %zu bytes",
                                DDF_FILE_MAX_BYTES);
                        return p->error;
                }
                if (XML_ParseBuffer(p->xml, (int)n, n == 0) == XML_STATUS_ERROR) {
                        report_xml_error(p);
                        return p->error;
                }
                if (n == 0)
                        break;
        }
        int r = parser_finish(p);
        if (r < 0)
                return r;
        *out = TAKE_PTR(p);
        return 0;
}

/* Moves a parsed file's definitions into the registry. */
static int add_parsed(lwm2m_registry *reg, ddf_parser *p)
{
        int added = 0;

        for (size_t i = 0; i < p->n_defs; i++) {
                lwm2m_object_def *replaced = NULL;
                int r = lwm2m_registry_add(reg, p->defs[i], &replaced);
                if (r < 0)
                        return r;
                lwm2m_object_def *def = TAKE_PTR(p->defs[i]);
                if (replaced) {
                        emit(p, LWM2M_DIAG_NOTICE, p->defs_at[i].line, p->defs_at[i].column,
                             "object %u (%s) overrides definition from %s", (unsigned)def->id,
                             def->name, replaced->source);
                        lwm2m_object_def_free(replaced);
                }
                added++;
        }
        return added;
}

int ddf_load_buffer(lwm2m_registry *reg, const char *name, const void *data, size_t len,
                    lwm2m_diag_fn diag, void *userdata)
{
        _cleanup_(parser_donep) ddf_parser *p = NULL;

        if (!reg || !name || (!data && len > 0))
                return -EINVAL;
        int r = parse_buffer(name, data ? data : "", len, diag, userdata, &p);
        if (r < 0)
                return r;
        return add_parsed(reg, p);
}

int ddf_load_file(lwm2m_registry *reg, const char *path, lwm2m_diag_fn diag, void *userdata)
{
        _cleanup_(parser_donep) ddf_parser *p = NULL;

        if (!reg || !path)
                return -EINVAL;
        int r = parse_file(path, diag, userdata, &p);
        if (r < 0)
                return r;
        return add_parsed(reg, p);
}

/* Counts warnings on their way to the caller's callback. */
typedef struct counting_diag {
        lwm2m_diag_fn diag;
        void *userdata;
        unsigned warnings;
} counting_diag;

static void count_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                       unsigned column, const char *message)
{
        counting_diag *c = userdata;

        if (level == LWM2M_DIAG_WARNING)
                c->warnings++;
        if (c->diag)
                c->diag(c->userdata, level, file, line, column, message);
}

_printf_(5, 6) static void counted(counting_diag *c, lwm2m_diag_level level, const char *file,
                                   unsigned line, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        count_diag(c, level, file, line, 0, msg);
}

static int select_xml(const struct dirent *d)
{
        size_t len = strlen(d->d_name);

        return d->d_name[0] != '.' && len > 4 && strcmp(d->d_name + len - 4, ".xml") == 0;
}

/* Byte order, not the locale's collation: the same files load the same way
 * on every gateway. */
static int compare_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int compare_versions(const char *a, const char *b)
{
        unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;

        parse_version(a, &amaj, &amin);
        parse_version(b, &bmaj, &bmin);
        if (amaj != bmaj)
                return amaj < bmaj ? -1 : 1;
        return amin < bmin ? -1 : (amin > bmin);
}

/* One directory's definitions, sorted by ID, before they go into the registry. */
typedef struct dir_defs {
        lwm2m_object_def **defs;
        size_t n;
        size_t cap;
} dir_defs;

static size_t dir_defs_search(const dir_defs *d, uint16_t id, bool *found)
{
        size_t lo = 0, hi = d->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (d->defs[mid]->id == id) {
                        *found = true;
                        return mid;
                }
                if (d->defs[mid]->id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void dir_defs_clear(dir_defs *d)
{
        for (size_t i = 0; i < d->n; i++)
                lwm2m_object_def_free(d->defs[i]);
        free(d->defs);
        *d = (dir_defs){0};
}

/* Adds a definition to one directory's set; within one directory the higher
 * ObjectVersion wins (the first file in name order on a tie). Takes `def`. */
static int dir_defs_add(dir_defs *d, lwm2m_object_def *def, counting_diag *c, ddf_load_stats *st)
{
        bool found;
        size_t at = dir_defs_search(d, def->id, &found);

        if (found) {
                lwm2m_object_def *old = d->defs[at];
                bool newer = compare_versions(def->version, old->version) > 0;
                lwm2m_object_def *kept = newer ? def : old, *dropped = newer ? old : def;
                counted(c, LWM2M_DIAG_WARNING, def->source, 0,
                        "object %u is also defined in %s (version %s); keeping version %s "
                        "from %s",
                        (unsigned)def->id, old->source, old->version, kept->version, kept->source);
                d->defs[at] = kept;
                lwm2m_object_def_free(dropped);
                st->overridden++;
                return 0;
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 64;
                lwm2m_object_def **defs = reallocarray(d->defs, cap, sizeof(*defs));
                if (!defs) {
                        lwm2m_object_def_free(def);
                        return -ENOMEM;
                }
                d->defs = defs;
                d->cap = cap;
        }
        memmove(d->defs + at + 1, d->defs + at, (d->n - at) * sizeof(*d->defs));
        d->defs[at] = def;
        d->n++;
        return 0;
}

static int load_dir(lwm2m_registry *reg, const char *dir, counting_diag *c, ddf_load_stats *st,
                    bool *bad)
{
        struct dirent **names = NULL;
        dir_defs d = {0};
        int r = 0;

        int n = scandir(dir, &names, select_xml, compare_names);
        if (n < 0) {
                if (errno == ENOENT) {
                        counted(c, LWM2M_DIAG_WARNING, dir, 0, "directory does not exist");
                        return 0;
                }
                if (errno == ENOMEM)
                        return -ENOMEM;
                counted(c, LWM2M_DIAG_ERROR, dir, 0, "cannot read directory: %s", strerror(errno));
                st->rejected++;
                *bad = true;
                return 0;
        }

        size_t dir_len = strlen(dir);
        bool slash = dir_len > 0 && dir[dir_len - 1] == '/';
        int i;
        for (i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(parser_donep) ddf_parser *p = NULL;

                if (asprintf(&path, "%s%s%s", dir, slash ? "" : "/", names[i]->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                st->files++;
                r = parse_file(path, count_diag, c, &p);
                if (r == -ENOMEM)
                        break;
                r = 0;
                if (!p) {
                        st->rejected++;
                        *bad = true;
                        continue;
                }
                if (p->n_defs == 0)
                        st->skipped++;
                for (size_t k = 0; k < p->n_defs && r == 0; k++)
                        r = dir_defs_add(&d, TAKE_PTR(p->defs[k]), c, st);
                if (r < 0)
                        break;
        }
        for (int k = 0; k < n; k++)
                free(names[k]);
        free(names);

        /* Later directories override earlier ones. */
        for (size_t k = 0; k < d.n && r == 0; k++) {
                lwm2m_object_def *replaced = NULL;
                r = lwm2m_registry_add(reg, d.defs[k], &replaced);
                if (r < 0)
                        break;
                lwm2m_object_def *def = TAKE_PTR(d.defs[k]);
                if (replaced) {
                        counted(c, LWM2M_DIAG_NOTICE, def->source, 0,
                                "object %u (%s) overrides definition from %s", (unsigned)def->id,
                                def->name, replaced->source);
                        lwm2m_object_def_free(replaced);
                        st->overridden++;
                }
        }
        dir_defs_clear(&d);
        return r;
}

int ddf_load_dirs(lwm2m_registry *reg, const char *const *dirs, size_t n_dirs, lwm2m_diag_fn diag,
                  void *userdata, ddf_load_stats *stats)
{
        counting_diag c = {diag, userdata, 0};
        ddf_load_stats st = {0};
        bool bad = false;
        int r = 0;

        if (!reg || (!dirs && n_dirs > 0))
                return -EINVAL;
        for (size_t i = 0; i < n_dirs && r == 0; i++)
                r = load_dir(reg, dirs[i], &c, &st, &bad);

        st.objects = (unsigned)lwm2m_registry_count(reg);
        st.resources = (unsigned)lwm2m_registry_resource_count(reg);
        st.warnings = c.warnings;
        if (stats)
                *stats = st;
        if (r < 0)
                return r;
        return bad ? -EBADMSG : 0;
}
