/* raw_coap.h - CoAP messages as bytes for the fault tests: an encoder that writes
 * whatever it is told (also invalid messages) and a strict RFC 7252 parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAW_MAX_OPTIONS 64

enum {
        RAW_CON = 0,
        RAW_NON = 1,
        RAW_ACK = 2,
        RAW_RST = 3,
};

typedef struct raw_option {
        uint16_t number;
        uint16_t len;
        const uint8_t *value;
} raw_option;

typedef struct raw_msg {
        uint8_t version; /* 1 */
        uint8_t type;
        uint8_t code;
        uint16_t mid;
        uint8_t token_len; /* written as is, even above 8 */
        uint8_t token[15];
        raw_option opts[RAW_MAX_OPTIONS]; /* sorted by number for a valid message */
        size_t n_opts;
        bool marker; /* payload marker even when len is 0 (a format error) */
        const uint8_t *payload;
        size_t len;
} raw_msg;

/* Writes `m` into buf; returns the length, or 0 if it does not fit. Options are
 * written in the given order (a smaller number after a larger one wraps its delta). */
size_t raw_encode(const raw_msg *m, uint8_t *buf, size_t size);
/* Parses a datagram by RFC 7252 section 3; option values point into `buf`.
 * Returns false for a message format error. */
bool raw_parse(const uint8_t *buf, size_t len, raw_msg *m);
/* The Uri-Path segments of `m` joined by '/' (no leading slash) into out. */
void raw_uri_path(const raw_msg *m, char *out, size_t size);
/* Adds an option at the end (no sorting); false when full. */
bool raw_add_option(raw_msg *m, uint16_t number, const void *value, uint16_t len);
/* Encodes an unsigned integer option value (minimal length) into buf[4]; returns its length. */
uint16_t raw_uint(uint32_t v, uint8_t buf[4]);
