/* dedup.h - answers a confirmable request the server sent again (its answer was lost)
 * as it was answered the first time, instead of doing it twice (RFC 7252 4.5). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <coap3/coap.h>

/* libcoap 4.3.1 does this only for answers it sends separately; a piggybacked
 * answer's request came back to the handler, and a Create was done twice or the
 * last block of a block-wise Write found its transfer gone (4.08). */

/* How many answers one server's requests are remembered by, and for how long:
 * EXCHANGE_LIFETIME (RFC 7252 4.8.2). */
#define DEDUP_ENTRIES     8
#define DEDUP_LIFETIME_MS 247000u

typedef struct dedup_entry dedup_entry;

typedef struct dedup_cache {
        dedup_entry *entries[DEDUP_ENTRIES];
        unsigned next; /* the slot the next answer goes to */
} dedup_cache;

/* If `request` is one answered within DEDUP_LIFETIME_MS (same message ID and token),
 * fills `response` as that answer was and returns true. */
bool dedup_replay(dedup_cache *c, const coap_pdu_t *request, coap_pdu_t *response, uint64_t now);
/* Keeps the answer to a confirmable request (not one still to come: code 0). */
void dedup_remember(dedup_cache *c, const coap_pdu_t *request, const coap_pdu_t *response,
                    uint64_t now);
void dedup_clear(dedup_cache *c);
