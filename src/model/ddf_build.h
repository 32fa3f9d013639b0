/* ddf_build.h - building object definitions from a DDF's fields as the parser meets them:
 * each value checked and kept, then each resource and object validated and laid out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/constraint.h"
#include "model/ddf_report.h"
#include "model/definition.h"

typedef enum ddf_field {
        DDF_FIELD_NONE,
        DDF_FIELD_OBJ_NAME,
        DDF_FIELD_OBJ_ID,
        DDF_FIELD_OBJ_URN,
        DDF_FIELD_OBJ_LWM2M_VERSION,
        DDF_FIELD_OBJ_VERSION,
        DDF_FIELD_OBJ_MULTIPLE,
        DDF_FIELD_OBJ_MANDATORY,
        DDF_FIELD_RES_NAME,
        DDF_FIELD_RES_OPERATIONS,
        DDF_FIELD_RES_MULTIPLE,
        DDF_FIELD_RES_MANDATORY,
        DDF_FIELD_RES_TYPE,
        DDF_FIELD_RES_RANGE,
        DDF_FIELD_RES_UNITS,
        DDF_FIELD_IGNORED, /* descriptions and the like: content skipped */
} ddf_field;

/* A resource while its <Item> is being read; strings are offsets into the
 * object's string pool so that the pool can grow. */
typedef struct ddf_pending_resource {
        uint16_t id;
        uint8_t operations;
        bool multiple;
        bool mandatory;
        lwm2m_type type;
        size_t name;
        size_t units;
        size_t range;
        lwm2m_constraint *constraint;
        ddf_position at;
        ddf_position range_at;
        unsigned seen; /* 1 << ddf_field, to refuse repeated elements */
} ddf_pending_resource;

typedef struct ddf_pending_object {
        uint16_t id;
        bool multiple;
        bool mandatory;
        size_t name;
        size_t urn;
        char version[8];
        char lwm2m_version[8];
        ddf_position at;
        unsigned seen;
        ddf_pending_resource *resources;
        size_t n_resources;
        size_t cap_resources;
        char *pool;
        size_t pool_len;
        size_t pool_cap;
} ddf_pending_object;

/* One file's definitions while they are being read. */
typedef struct ddf_builder {
        ddf_reporter rep;
        ddf_position field_at; /* of the field being read, for its messages */
        ddf_pending_object obj;
        lwm2m_object_def **defs; /* finished definitions of this file */
        ddf_position *defs_at;
        size_t n_defs;
        size_t cap_defs;
} ddf_builder;

void ddf_builder_init(ddf_builder *b, const char *name, lwm2m_diag_fn diag, void *userdata);
/* Frees what the builder still holds, the finished definitions it was not relieved of too. */
void ddf_builder_done(ddf_builder *b);

/* "1.0", "1.1", "2.0": MAJOR.MINOR with small numbers, fitting char[8]; `major` and `minor`
 * may be NULL. */
bool ddf_parse_version(const char *s, unsigned *major, unsigned *minor);
/* XML white space. */
bool ddf_is_blank(char c);

/* <Object> at `at`: false when the file has too many (reported). */
bool ddf_build_object_start(ddf_builder *b, ddf_position at);
/* The end of the object: checked, then added to `defs`. */
void ddf_build_object_end(ddf_builder *b);
/* <Item ID="..."> at `at` (`id` NULL when the attribute is missing): false when the resource
 * is refused (reported). */
bool ddf_build_item_start(ddf_builder *b, ddf_position at, const char *id);
void ddf_build_item_end(ddf_builder *b);
/* The resource whose <Item> is being read. */
ddf_pending_resource *ddf_build_current_resource(ddf_builder *b);
/* The text of a field, trimmed, at the field's end. */
void ddf_build_field(ddf_builder *b, ddf_field field, const char *s);
