/* ddf_build.c - building object definitions from a DDF's fields as the parser meets them:
 * each value checked and kept, then each resource and object validated and laid out. */
#include "model/ddf_build.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

#define NO_STRING SIZE_MAX

bool ddf_is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t pool_add(ddf_builder *b, const char *s, size_t len)
{
        ddf_pending_object *o = &b->obj;

        if (o->pool_cap - o->pool_len < len + 1) {
                size_t cap = o->pool_cap ? o->pool_cap : 1024;
                while (cap - o->pool_len < len + 1)
                        cap *= 2;
                char *pool = realloc(o->pool, cap);
                if (!pool) {
                        ddf_fail_oom(&b->rep);
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
static size_t pool_add_name(ddf_builder *b, const char *what, const char *s)
{
        size_t len = strlen(s);

        if (len == 0) {
                ddf_fail_at(&b->rep, b->field_at, "%s is empty", what);
                return NO_STRING;
        }
        if (len > DDF_NAME_MAX) {
                ddf_fail_at(&b->rep, b->field_at, "%s is %zu bytes long (at most %d)", what, len,
                            DDF_NAME_MAX);
                return NO_STRING;
        }
        size_t at = pool_add(b, s, len);
        if (at == NO_STRING)
                return at;
        /* A run of white space that holds a tab or line break becomes one space;
         * runs of plain spaces stay as written ("LWM2M  Server URI"). */
        char *w = b->obj.pool + at;
        for (const char *r = w; *r;) {
                if (!ddf_is_blank(*r)) {
                        *w++ = *r++;
                        continue;
                }
                const char *end = r;
                bool folded = false;
                while (ddf_is_blank(*end))
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

static size_t pool_add_optional(ddf_builder *b, const char *element, const char *s, size_t max)
{
        size_t len = strlen(s);

        if (len == 0)
                return NO_STRING;
        if (len > max) {
                ddf_fail_at(&b->rep, b->field_at, "<%s> is %zu bytes long (at most %zu)", element,
                            len, max);
                return NO_STRING;
        }
        return pool_add(b, s, len);
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

bool ddf_parse_version(const char *s, unsigned *major, unsigned *minor)
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

static void set_version(ddf_builder *b, const char *element, const char *s, char out[8])
{
        ddf_excerpt_buf eb;

        if (!*s)
                return; /* keeps the default, "1.0" */
        if (!ddf_parse_version(s, NULL, NULL)) {
                ddf_fail_at(&b->rep, b->field_at, "<%s> \"%s\" is not a version (MAJOR.MINOR)",
                            element, ddf_excerpt(s, &eb));
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

static void set_multiple(ddf_builder *b, const char *s, bool *out)
{
        ddf_excerpt_buf eb;

        if (!parse_choice(s, "Multiple", "Single", out))
                ddf_fail_at(&b->rep, b->field_at,
                            "unknown <MultipleInstances> \"%s\" (expected Single or Multiple)",
                            ddf_excerpt(s, &eb));
}

static void set_mandatory(ddf_builder *b, const char *s, bool *out)
{
        ddf_excerpt_buf eb;

        if (!parse_choice(s, "Mandatory", "Optional", out))
                ddf_fail_at(&b->rep, b->field_at,
                            "unknown <Mandatory> \"%s\" (expected Mandatory or Optional)",
                            ddf_excerpt(s, &eb));
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

ddf_pending_resource *ddf_build_current_resource(ddf_builder *b)
{
        assert(b);
        return &b->obj.resources[b->obj.n_resources - 1];
}

void ddf_build_field(ddf_builder *b, ddf_field field, const char *s)
{
        assert(b);
        ddf_excerpt_buf eb;
        ddf_pending_object *o = &b->obj;
        ddf_pending_resource *r = NULL;
        int k;

        if (field >= DDF_FIELD_RES_NAME && field <= DDF_FIELD_RES_UNITS)
                r = ddf_build_current_resource(b);

        switch (field) {
        case DDF_FIELD_OBJ_NAME:
                o->name = pool_add_name(b, "the object's <Name>", s);
                break;
        case DDF_FIELD_OBJ_ID:
                k = parse_id(s, &o->id);
                if (k == -ENODATA)
                        ddf_fail_at(&b->rep, b->field_at, "<ObjectID> is empty");
                else if (k == -ERANGE)
                        ddf_fail_at(&b->rep, b->field_at, "ObjectID %s is out of range (0..65534)",
                                    ddf_excerpt(s, &eb));
                else if (k < 0)
                        ddf_fail_at(&b->rep, b->field_at, "ObjectID \"%s\" is not a number",
                                    ddf_excerpt(s, &eb));
                break;
        case DDF_FIELD_OBJ_URN:
                o->urn = pool_add_optional(b, "ObjectURN", s, DDF_URN_MAX);
                break;
        case DDF_FIELD_OBJ_LWM2M_VERSION:
                set_version(b, "LWM2MVersion", s, o->lwm2m_version);
                break;
        case DDF_FIELD_OBJ_VERSION:
                set_version(b, "ObjectVersion", s, o->version);
                break;
        case DDF_FIELD_OBJ_MULTIPLE:
                set_multiple(b, s, &o->multiple);
                break;
        case DDF_FIELD_OBJ_MANDATORY:
                set_mandatory(b, s, &o->mandatory);
                break;
        case DDF_FIELD_RES_NAME:
                r->name = pool_add_name(b, "the resource's <Name>", s);
                break;
        case DDF_FIELD_RES_OPERATIONS:
                if (parse_operations(s, &r->operations) < 0)
                        ddf_fail_at(&b->rep, b->field_at,
                                    "unknown <Operations> \"%s\" (expected R, W, RW, E or nothing)",
                                    ddf_excerpt(s, &eb));
                break;
        case DDF_FIELD_RES_MULTIPLE:
                set_multiple(b, s, &r->multiple);
                break;
        case DDF_FIELD_RES_MANDATORY:
                set_mandatory(b, s, &r->mandatory);
                break;
        case DDF_FIELD_RES_TYPE:
                if (lwm2m_type_from_string(s, &r->type) < 0)
                        ddf_fail_at(&b->rep, b->field_at, "unknown <Type> \"%s\"",
                                    ddf_excerpt(s, &eb));
                break;
        case DDF_FIELD_RES_RANGE:
                r->range = pool_add_optional(b, "RangeEnumeration", s, DDF_RANGE_MAX);
                r->range_at = b->field_at;
                break;
        case DDF_FIELD_RES_UNITS:
                r->units = pool_add_optional(b, "Units", s, DDF_UNITS_MAX);
                break;
        default:
                break;
        }
}

static void reset_object(ddf_pending_object *o)
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

bool ddf_build_object_start(ddf_builder *b, ddf_position at)
{
        assert(b);
        assert(b);
        if (b->n_defs >= DDF_MAX_OBJECTS_PER_FILE) {
                ddf_fail_at(&b->rep, at, "more than %d objects in one file",
                            DDF_MAX_OBJECTS_PER_FILE);
                return false;
        }
        reset_object(&b->obj);
        b->obj.at = at;
        return true;
}

bool ddf_build_item_start(ddf_builder *b, ddf_position at, const char *id)
{
        assert(b);
        assert(b);
        ddf_pending_object *o = &b->obj;
        char trimmed[16];
        uint16_t rid;

        if (!id) {
                ddf_fail_at(&b->rep, at, "<Item> has no ID attribute");
                return false;
        }
        while (ddf_is_blank(*id))
                id++;
        size_t len = strlen(id);
        while (len > 0 && ddf_is_blank(id[len - 1]))
                len--;
        if (len >= sizeof(trimmed)) {
                /* Cut at a character boundary: the message must stay UTF-8. */
                size_t cut = 15;
                while (cut > 0 && ((unsigned char)id[cut] & 0xc0) == 0x80)
                        cut--;
                ddf_fail_at(&b->rep, at, "resource ID \"%.*s...\" is not a number", (int)cut, id);
                return false;
        }
        memcpy(trimmed, id, len);
        trimmed[len] = '\0';
        id = trimmed;
        int k = parse_id(id, &rid);
        if (k == -ERANGE) {
                ddf_fail_at(&b->rep, at, "resource ID %s is out of range (0..65534)", id);
                return false;
        }
        if (k < 0) {
                ddf_fail_at(&b->rep, at, "resource ID \"%s\" is not a number", id);
                return false;
        }
        if (o->n_resources >= DDF_MAX_RESOURCES) {
                ddf_fail_at(&b->rep, at, "more than %d resources in one object", DDF_MAX_RESOURCES);
                return false;
        }
        if (o->n_resources == o->cap_resources) {
                size_t cap = o->cap_resources ? o->cap_resources * 2 : 32;
                ddf_pending_resource *res = reallocarray(o->resources, cap, sizeof(*res));
                if (!res) {
                        ddf_fail_oom(&b->rep);
                        return false;
                }
                o->resources = res;
                o->cap_resources = cap;
        }
        o->resources[o->n_resources++] = (ddf_pending_resource){
                .id = rid,
                .type = LWM2M_TYPE_NONE,
                .name = NO_STRING,
                .units = NO_STRING,
                .range = NO_STRING,
                .at = at,
        };
        return true;
}

void ddf_build_item_end(ddf_builder *b)
{
        assert(b);
        ddf_excerpt_buf eb;
        ddf_pending_resource *r = ddf_build_current_resource(b);
        const char *name;

        if (r->name == NO_STRING) {
                ddf_fail_at(&b->rep, r->at, "resource %u has no <Name>", (unsigned)r->id);
                return;
        }
        name = b->obj.pool + r->name;

        if (r->operations == LWM2M_OP_EXECUTE) {
                /* The registry never gives one; a value type on an executable
                 * resource would mean nothing, so it is dropped. */
                if (r->type != LWM2M_TYPE_NONE)
                        ddf_emit(&b->rep, LWM2M_DIAG_WARNING, r->at.line, r->at.column,
                                 "resource %u (%s) is executable; its <Type> %s is ignored",
                                 (unsigned)r->id, name, lwm2m_type_to_string(r->type));
                r->type = LWM2M_TYPE_NONE;
                return;
        }
        if (r->type == LWM2M_TYPE_NONE) {
                ddf_emit(&b->rep, LWM2M_DIAG_WARNING, r->at.line, r->at.column,
                         "resource %u (%s) is not executable but has no <Type>; it cannot hold a "
                         "value",
                         (unsigned)r->id, name);
                return;
        }
        if (r->range == NO_STRING)
                return;

        int k = lwm2m_constraint_parse(b->obj.pool + r->range, r->type, &r->constraint);
        if (k == -ENOMEM) {
                ddf_fail_oom(&b->rep);
        } else if (k < 0) {
                r->constraint = NULL;
                ddf_emit(&b->rep, LWM2M_DIAG_WARNING, r->range_at.line, r->range_at.column,
                         "resource %u (%s): <RangeEnumeration> \"%s\" is not understood for %s; "
                         "values are not checked",
                         (unsigned)r->id, name, ddf_excerpt(b->obj.pool + r->range, &eb),
                         lwm2m_type_to_string(r->type));
        }
}

static int compare_pending(const void *a, const void *b)
{
        const ddf_pending_resource *x = a, *y = b;

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
static lwm2m_object_def *freeze_object(ddf_builder *b)
{
        ddf_pending_object *o = &b->obj;
        size_t source_len = strlen(b->rep.name) + 1;
        size_t head = sizeof(lwm2m_object_def) + o->n_resources * sizeof(lwm2m_resource_def);

        lwm2m_object_def *def = malloc(head + o->pool_len + source_len);
        if (!def)
                return NULL;
        lwm2m_resource_def *res = (lwm2m_resource_def *)(def + 1);
        char *pool = (char *)def + head;
        if (o->pool_len > 0)
                memcpy(pool, o->pool, o->pool_len);
        char *source = pool + o->pool_len;
        memcpy(source, b->rep.name, source_len);

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
                ddf_pending_resource *r = &o->resources[i];
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

void ddf_build_object_end(ddf_builder *b)
{
        assert(b);
        ddf_pending_object *o = &b->obj;

        if (!(o->seen & (1u << DDF_FIELD_OBJ_ID))) {
                ddf_fail_at(&b->rep, o->at, "<Object> has no <ObjectID>");
                return;
        }
        if (o->name == NO_STRING) {
                ddf_fail_at(&b->rep, o->at, "object %u has no <Name>", (unsigned)o->id);
                return;
        }
        for (size_t i = 0; i < b->n_defs; i++)
                if (b->defs[i]->id == o->id) {
                        ddf_fail_at(&b->rep, o->at,
                                    "object %u is defined twice in this file (first at "
                                    "line %u)",
                                    (unsigned)o->id, b->defs_at[i].line);
                        return;
                }

        if (o->n_resources > 1)
                qsort(o->resources, o->n_resources, sizeof(*o->resources), compare_pending);
        for (size_t i = 1; i < o->n_resources; i++)
                if (o->resources[i].id == o->resources[i - 1].id) {
                        ddf_fail_at(&b->rep, o->resources[i].at,
                                    "duplicate resource ID %u in object %u (first at line %u)",
                                    (unsigned)o->resources[i].id, (unsigned)o->id,
                                    o->resources[i - 1].at.line);
                        return;
                }

        if (b->n_defs == b->cap_defs) {
                size_t cap = b->cap_defs ? b->cap_defs * 2 : 4;
                lwm2m_object_def **defs = reallocarray(b->defs, cap, sizeof(*defs));
                if (!defs) {
                        ddf_fail_oom(&b->rep);
                        return;
                }
                b->defs = defs;
                ddf_position *at = reallocarray(b->defs_at, cap, sizeof(*at));
                if (!at) {
                        ddf_fail_oom(&b->rep);
                        return;
                }
                b->defs_at = at;
                b->cap_defs = cap;
        }
        lwm2m_object_def *def = freeze_object(b);
        if (!def) {
                ddf_fail_oom(&b->rep);
                return;
        }
        b->defs_at[b->n_defs] = o->at;
        b->defs[b->n_defs++] = def;
}

void ddf_builder_init(ddf_builder *b, const char *name, lwm2m_diag_fn diag, void *userdata)
{
        assert(b && name);
        *b = (ddf_builder){.rep = {.name = name, .diag = diag, .userdata = userdata}};
        b->obj.name = NO_STRING;
        b->obj.urn = NO_STRING;
}

void ddf_builder_done(ddf_builder *b)
{
        assert(b);
        reset_object(&b->obj);
        free(b->obj.resources);
        free(b->obj.pool);
        for (size_t i = 0; i < b->n_defs; i++)
                lwm2m_object_def_free(b->defs[i]);
        free(b->defs);
        free(b->defs_at);
}
