/* cbor_token.c - one CBOR item head at a time through libcbor's streaming decoder, for
 * decoders that walk a payload without allocating anything from a declared size. */
#include "util/cbor_token.h"

#include <cbor.h>
#include <errno.h>

/* libcbor reports each item through a callback; these fill in a token. */
#define INT_CALLBACK(name, token_kind, arg_type)                                                   \
        static void name(void *ctx, arg_type v)                                                    \
        {                                                                                          \
                *(cbor_token *)ctx = (cbor_token){.kind = token_kind, .u = v};                     \
        }
INT_CALLBACK(tok_uint8, CBOR_TOK_UINT, uint8_t)
INT_CALLBACK(tok_uint16, CBOR_TOK_UINT, uint16_t)
INT_CALLBACK(tok_uint32, CBOR_TOK_UINT, uint32_t)
INT_CALLBACK(tok_uint64, CBOR_TOK_UINT, uint64_t)
INT_CALLBACK(tok_negint8, CBOR_TOK_NEGINT, uint8_t)
INT_CALLBACK(tok_negint16, CBOR_TOK_NEGINT, uint16_t)
INT_CALLBACK(tok_negint32, CBOR_TOK_NEGINT, uint32_t)
INT_CALLBACK(tok_negint64, CBOR_TOK_NEGINT, uint64_t)
INT_CALLBACK(tok_array, CBOR_TOK_ARRAY, size_t)
INT_CALLBACK(tok_map, CBOR_TOK_MAP, size_t)
INT_CALLBACK(tok_tag, CBOR_TOK_TAG, uint64_t)

#define SIMPLE_CALLBACK(name, token_kind)                                                          \
        static void name(void *ctx)                                                                \
        {                                                                                          \
                *(cbor_token *)ctx = (cbor_token){.kind = token_kind};                             \
        }
SIMPLE_CALLBACK(tok_bytes_indef, CBOR_TOK_BYTES_INDEF)
SIMPLE_CALLBACK(tok_text_indef, CBOR_TOK_TEXT_INDEF)
SIMPLE_CALLBACK(tok_array_indef, CBOR_TOK_ARRAY_INDEF)
SIMPLE_CALLBACK(tok_map_indef, CBOR_TOK_MAP_INDEF)
SIMPLE_CALLBACK(tok_null, CBOR_TOK_NULL)
SIMPLE_CALLBACK(tok_undefined, CBOR_TOK_UNDEFINED)
SIMPLE_CALLBACK(tok_break, CBOR_TOK_BREAK)

static void tok_bytes(void *ctx, cbor_data data, size_t len)
{
        *(cbor_token *)ctx = (cbor_token){.kind = CBOR_TOK_BYTES, .data = data, .len = len};
}
static void tok_text(void *ctx, cbor_data data, size_t len)
{
        *(cbor_token *)ctx = (cbor_token){.kind = CBOR_TOK_TEXT, .data = data, .len = len};
}
static void tok_float(void *ctx, float f)
{
        *(cbor_token *)ctx = (cbor_token){.kind = CBOR_TOK_FLOAT, .f = f};
}
static void tok_double(void *ctx, double f)
{
        *(cbor_token *)ctx = (cbor_token){.kind = CBOR_TOK_FLOAT, .f = f};
}
static void tok_bool(void *ctx, bool b)
{
        *(cbor_token *)ctx = (cbor_token){.kind = CBOR_TOK_BOOL, .b = b};
}

static const struct cbor_callbacks token_callbacks = {
        .uint8 = tok_uint8,
        .uint16 = tok_uint16,
        .uint32 = tok_uint32,
        .uint64 = tok_uint64,
        .negint8 = tok_negint8,
        .negint16 = tok_negint16,
        .negint32 = tok_negint32,
        .negint64 = tok_negint64,
        .byte_string = tok_bytes,
        .byte_string_start = tok_bytes_indef,
        .string = tok_text,
        .string_start = tok_text_indef,
        .array_start = tok_array,
        .indef_array_start = tok_array_indef,
        .map_start = tok_map,
        .indef_map_start = tok_map_indef,
        .tag = tok_tag,
        .float2 = tok_float,
        .float4 = tok_float,
        .float8 = tok_double,
        .boolean = tok_bool,
        .null = tok_null,
        .undefined = tok_undefined,
        .indef_break = tok_break,
};

int cbor_token_next(const uint8_t **p, size_t *left, cbor_token *t)
{
        if (*left == 0)
                return -EBADMSG;
        *t = (cbor_token){.kind = CBOR_TOK_NONE};
        struct cbor_decoder_result res = cbor_stream_decode(*p, *left, &token_callbacks, t);
        /* NEDATA is a truncated payload; CBOR_TOK_NONE an item libcbor has no
         * callback for (unassigned simple values). */
        if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || res.read > *left ||
            t->kind == CBOR_TOK_NONE)
                return -EBADMSG;
        *p += res.read;
        *left -= res.read;
        return 0;
}
