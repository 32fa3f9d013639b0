/* fuzz_engine.h - what the engine's fuzz targets share: a tree filled by hand, and
 * input cut into CoAP datagrams handed to the engine as one server's requests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/server.h"
#include "model/tree.h"
#include "model/value.h"

/* The input: records of a two-byte big-endian length and that many bytes, each one
 * datagram from the server, handled in order so that block-wise sequences, Creates
 * followed by Reads and the like can be reached. */
#define FUZZ_MAX_REQUESTS 16

/* Tree set-up that aborts on failure (the fuzzer's own mistake). */
void fuzz_put(lwm2m_tree *tree, uint16_t oid, uint16_t iid, uint16_t rid, lwm2m_value v);
void fuzz_put_string(lwm2m_tree *tree, uint16_t oid, uint16_t iid, uint16_t rid, const char *s);
void fuzz_add_instance(lwm2m_tree *tree, uint16_t oid, uint16_t iid);
/* The next datagram of the input: false when none is left. */
bool fuzz_next_datagram(const uint8_t **data, size_t *size, const uint8_t **dg, size_t *len);
/* Parses one datagram and, when it is a request, hands it to the engine as server `s`'s
 * (which must have a session). */
void fuzz_handle_datagram(lwm2m_engine *e, server *s, const uint8_t *data, size_t len);
