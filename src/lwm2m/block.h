/* block.h - block-wise transfers (RFC 7959) done by the engine itself, both ways:
 * request bodies reassembled per server, method and URI; responses and our own bodies cut in
 * slices. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

struct server;
typedef struct block_rx block_rx;

/* Ownership rule, for every body that crosses libcoap: libcoap never holds a
 * buffer of ours. Each slice is copied into its PDU (coap_add_data), so the
 * caller frees or keeps its body as it likes once a call here returns. */

/* The most bytes a reassembled request body may have unless the engine says otherwise. */
#define BLOCK_DEFAULT_MAX_BODY ((size_t)4 * 1024 * 1024)
/* Transfers one server may have half done at once; a new one evicts the oldest. */
#define BLOCK_MAX_TRANSFERS 4
/* A half-done transfer the server leaves alone this long is dropped (well under
 * CoAP's EXCHANGE_LIFETIME of 247 s, which bounds each block's own exchange). */
#define BLOCK_RX_IDLE_MS 60000u

typedef enum block_step {
        BLOCK_BODY_READY, /* *body, *len hold the whole request body: handle the request */
        BLOCK_ANSWERED,   /* the response is filled in (2.31 Continue, or an error) */
} block_step;

/* Takes one request. Without a Block1 option its own payload is the body. With
 * one, the block is added to the transfer of the same method and URI (RFC 7959 lets
 * the token change between blocks): block 0 starts it, each further block must
 * start where the last ended (else 4.08 Request Entity Incomplete), a body over
 * `max_body` is refused with 4.13 and Size1, a malformed option with 4.02. The last
 * block makes the body ready; *transfer then names the transfer, to be passed to
 * block_request_done. */
block_step block_request_body(struct server *s, const coap_pdu_t *request, coap_pdu_t *response,
                              size_t max_body, const uint8_t **body, size_t *len,
                              block_rx **transfer);
/* After the request was handled: the final response echoes Block1, and the
 * transfer is dropped unless the answer comes later (libcoap hands the same request
 * back when it is due, and the body must still be there). */
void block_request_done(struct server *s, block_rx *transfer, coap_pdu_t *response);
/* Whether a request is a write to be streamed to its resource's owner rather than
 * reassembled: a PUT or POST of a management server on /oid/iid/rid with Content-Format
 * 42 (or none, with a body), where lwm2m_stream_supported says so. */
bool block_wants_stream(struct server *s, const coap_pdu_t *request);
/* Answers one block of a streamed write: block 0 (or a request without Block1) opens
 * the owner's stream (lwm2m_stream_open), each block is written at its byte offset
 * (again when sent again), the last one finishes it (2.04), the others get 2.31.
 * Block 0 after later blocks starts over; a block after a gap gets 4.08 and the
 * transfer stays. Errors abort the stream (owner.h maps them). Nothing is kept but
 * the transfer's position, and no body limit applies: the owner checks its space. */
void block_stream_request(struct server *s, const coap_pdu_t *request, coap_pdu_t *response);
/* Drops every half-done transfer idle past BLOCK_RX_IDLE_MS; returns when the next
 * one would be (UINT64_MAX for none). */
uint64_t block_run_timers(struct server *s, uint64_t now);
void block_forget_all(struct server *s);

/* Puts `body` into the response: whole when it fits one block and the request (NULL
 * for a notification) asked for no slice; else the slice the request's Block2 option names (block 0
 * by default) with Block2, Size2 and an ETag of the whole body so that the server sees a change
 * between slices. Content-Format is added here (also 0, text/plain, which libcoap would leave out).
 * -ERANGE when the block asked for lies past the end (the caller answers 4.02), -EBADMSG for a
 * malformed Block2 option, -ENOMEM. */
int block_respond(coap_session_t *session, const coap_pdu_t *request, coap_pdu_t *response,
                  uint16_t format, const uint8_t *body, size_t len);

/* The block size exponent (szx: 2^(szx+4) bytes) for bodies sent on `session`:
 * the largest that leaves `overhead` bytes for header, token and options in one
 * datagram, at most 1024 bytes. */
unsigned block_szx_for_session(coap_session_t *session, size_t overhead);
/* Adds slice `num` of `body` (blocks of 2^(szx+4) bytes) to a request with Block1,
 * and Size1 on the first slice. Returns whether more slices follow, or -ERANGE/-ENOMEM. */
int block_add_request_slice(coap_pdu_t *pdu, const uint8_t *body, size_t len, unsigned num,
                            unsigned szx);
/* The Block1 option a response carries, if any: 1 with num/m/szx set, 0 without, -EBADMSG. */
int block_response_block1(const coap_pdu_t *response, unsigned *num, bool *more, unsigned *szx);
