/* cbor_write.h - CBOR items written in place at the end of an output buffer with libcbor's
 * streaming encoders, for the CBOR encoders (SenML CBOR, LwM2M CBOR). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Each appends one item (or a container's or string's head) to `out` and returns 0,
 * -ENOMEM or -E2BIG; nothing allocates once the buffer has grown. */
int cbor_write_uint(lwm2m_buf *out, uint64_t v);
int cbor_write_int(lwm2m_buf *out, int64_t v);
int cbor_write_array_start(lwm2m_buf *out, size_t n);
int cbor_write_map_start(lwm2m_buf *out, size_t n);
/* Definite-length text (`text`) or byte string, head and bytes. */
int cbor_write_string(lwm2m_buf *out, bool text, const void *data, size_t len);
int cbor_write_bool(lwm2m_buf *out, bool b);
int cbor_write_null(lwm2m_buf *out);
/* The smallest width that holds `d` exactly, half, single or double (RFC 8949 preferred
 * serialization); NaN as the half 0x7e00, infinities as halves. */
int cbor_write_float(lwm2m_buf *out, double d);
