/* cbor_token.h - one CBOR item head at a time through libcbor's streaming decoder, for
 * decoders that walk a payload without allocating anything from a declared size. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cbor_token_kind {
        CBOR_TOK_NONE, /* no callback ran */
        CBOR_TOK_UINT,
        CBOR_TOK_NEGINT, /* value is -1 - u */
        CBOR_TOK_BYTES,
        CBOR_TOK_BYTES_INDEF,
        CBOR_TOK_TEXT,
        CBOR_TOK_TEXT_INDEF,
        CBOR_TOK_ARRAY,
        CBOR_TOK_ARRAY_INDEF,
        CBOR_TOK_MAP,
        CBOR_TOK_MAP_INDEF,
        CBOR_TOK_TAG,
        CBOR_TOK_FLOAT,
        CBOR_TOK_BOOL,
        CBOR_TOK_NULL,
        CBOR_TOK_UNDEFINED,
        CBOR_TOK_BREAK,
} cbor_token_kind;

typedef struct cbor_token {
        cbor_token_kind kind;
        uint64_t u; /* integers, tags, collection sizes */
        double f;
        bool b;
        const uint8_t *data; /* definite strings, inside the payload */
        size_t len;
} cbor_token;

/* Reads the item head at *p and moves past it (a definite string with its
 * bytes). -EBADMSG at the end, on a truncated item, or on one libcbor has no
 * callback for (unassigned simple values). */
int cbor_token_next(const uint8_t **p, size_t *left, cbor_token *t);
