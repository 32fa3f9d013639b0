/* senml.h - what SenML JSON and SenML CBOR share (RFC 8428 as LwM2M 1.1 uses it): the fields
 * of a record, base name/time resolution into paths, value typing, and the naming of output. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/codec.h"

/* The fields this codec knows. UNKNOWN fields are ignored (RFC 8428 section 4.4);
 * MUST_UNDERSTAND ones (labels ending in '_') make the pack unreadable. */
typedef enum senml_field {
        SENML_BN,
        SENML_BT,
        SENML_BU,
        SENML_BV,
        SENML_BS,
        SENML_BVER,
        SENML_N,
        SENML_U,
        SENML_V,
        SENML_VS,
        SENML_VB,
        SENML_VD,
        SENML_VLO,
        SENML_S,
        SENML_T,
        SENML_UT,
        _SENML_FIELD_MAX,
        SENML_UNKNOWN = _SENML_FIELD_MAX,
        SENML_MUST_UNDERSTAND,
} senml_field;

/* Longest bn + n that can still be a path: "/65534/65534/65534/65534/". */
#define SENML_NAME_MAX (LWM2M_PATH_STRLEN)

/* A number as the payload wrote it: integers stay integers. */
typedef struct senml_number {
        enum { SENML_NUMBER_INT, SENML_NUMBER_UINT, SENML_NUMBER_FLOAT } kind;
        union {
                int64_t i;
                uint64_t u; /* only above INT64_MAX */
                double f;
        };
} senml_number;

typedef enum senml_value_kind {
        SENML_VALUE_NONE,
        SENML_VALUE_NUMBER,  /* v */
        SENML_VALUE_STRING,  /* vs */
        SENML_VALUE_BOOLEAN, /* vb */
        SENML_VALUE_DATA,    /* vd, already decoded to bytes */
        SENML_VALUE_OBJLNK,  /* vlo, "oid:iid" text */
} senml_value_kind;

/* One record as a parser found it. Pointers stay the parser's and must live until
 * senml_decoder_add() returns. Fill it only through the senml_record_set_* calls, which
 * reject a field given twice, a field of the wrong type and a second value. */
typedef struct senml_record {
        uint32_t present; /* bit per senml_field */
        const char *bn, *n;
        size_t bn_len, n_len;
        double bt, t;
        senml_value_kind kind;
        senml_number number;
        const uint8_t *bytes; /* vs, vd, vlo */
        size_t len;
        bool boolean;
} senml_record;

/* Field names: the JSON labels ("bn", "v", ...), and CBOR's integer labels (-2, 2, ...)
 * plus its one text label, "vlo". Both give SENML_UNKNOWN or SENML_MUST_UNDERSTAND for
 * labels they do not know. */
senml_field senml_field_from_name(const char *name, size_t len);
senml_field senml_field_from_cbor_label(int64_t label);
senml_field senml_field_from_cbor_text(const char *name, size_t len);

/* Each returns 0, or -EBADMSG for a repeated field, a field that does not take this type,
 * a second value field, or a field this codec refuses (bv, bs or s other than zero, bver
 * above 10). Unknown fields are accepted and ignored; MUST_UNDERSTAND ones are -EBADMSG. */
int senml_record_set_text(senml_record *r, senml_field f, const char *s, size_t len);
int senml_record_set_number(senml_record *r, senml_field f, const senml_number *num);
int senml_record_set_bool(senml_record *r, senml_field f, bool b);
int senml_record_set_data(senml_record *r, senml_field f, const uint8_t *data, size_t len);
/* For JSON null, CBOR null/undefined, arrays and maps: fine for unknown fields only. */
int senml_record_set_other(senml_record *r, senml_field f);

/* Turns records into lwm2m_records one by one, carrying base name and base time. */
typedef struct senml_decoder {
        lwm2m_path base;
        const lwm2m_resolver *resolver;
        lwm2m_record_list *out;
        size_t first; /* out->n on entry, for rollback */
        char bn[SENML_NAME_MAX];
        size_t bn_len;
        double bt;
} senml_decoder;

void senml_decoder_init(senml_decoder *d, const lwm2m_path *base, const lwm2m_resolver *resolver,
                        lwm2m_record_list *out);
/* Resolves bn + n into an absolute path under the base (-EBADMSG otherwise), types the value
 * (through the resolver when there is one) and appends it. The time is bt + t; zero means
 * "no time" (RFC 8428: "now"). Relative times are passed on as they are. */
int senml_decoder_add(senml_decoder *d, const senml_record *r);
/* Returns `r`; when it is an error, drops what this decoder appended to the list. */
int senml_decoder_finish(senml_decoder *d, int r);

/* What to write for one record, in this order: bn (when it changes), bt (when it changes),
 * n (when the name is longer than bn), then the value unless it is NONE. Names are not
 * NUL-terminated: their lengths say where they end. */
typedef struct senml_out {
        const char *bn; /* NULL: unchanged */
        size_t bn_len;
        bool has_bt;
        double bt;
        bool has_n;
        size_t n_len;
        char n[SENML_NAME_MAX];
        const lwm2m_value *value;
} senml_out;

typedef struct senml_encoder {
        lwm2m_path base;
        char bn[SENML_NAME_MAX + 1];
        size_t bn_len;
        bool has_bn;
        lwm2m_path bn_path; /* what bn names, and whether it ends in '/' */
        bool bn_slash;
        double bt;
} senml_encoder;

void senml_encoder_init(senml_encoder *e, const lwm2m_path *base);
/* Plans one record. -EINVAL for a record outside the base, a value above resource depth,
 * an unknown type or a non-finite time. The base name is the record's instance (or the
 * request base when deeper), so "/3/0/" with "0", "6/0", ... as TS Core 1.1's examples do. */
int senml_encoder_next(senml_encoder *e, const lwm2m_record *r, senml_out *out);

/* True (and sets *i) when `d` is an integer that int64_t holds exactly. */
bool senml_double_to_int64(double d, int64_t *i);
/* "oid:iid", NUL-terminated; buf must hold 12 bytes. Returns the length. */
int senml_objlnk_format(const lwm2m_objlnk *l, char *buf, size_t size);
