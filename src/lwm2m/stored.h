/* stored.h - what a server could not be sent while it was unreachable, disabled or
 * asleep (stored notifications and Send payloads), bounded in count and bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/record.h"

typedef enum stored_kind {
        STORED_NOTIFICATION, /* for the observation with `token` */
        STORED_SEND,         /* a Send (POST /dp) */
} stored_kind;

typedef struct stored_entry {
        struct stored_entry *next;
        stored_kind kind;
        uint8_t token[8];
        uint8_t token_len;
        lwm2m_record_list records; /* the values, each with its time */
        size_t bytes;              /* what it counts against the bound */
} stored_entry;

typedef struct stored_queue {
        stored_entry *head, *tail;
        size_t count, bytes;
        uint64_t delivered, dropped; /* since start */
} stored_queue;

/* A new entry holding `records` (moved in: the list is left empty). NULL: -ENOMEM. */
stored_entry *stored_entry_new(stored_kind kind, const uint8_t *token, size_t token_len,
                               lwm2m_record_list *records);
void stored_entry_free(stored_entry *en);
/* Appends `en`, then drops the oldest entries until the queue holds at most
 * `max_count` entries and `max_bytes` bytes (an entry larger than max_bytes alone
 * is dropped at once). Returns how many were dropped. */
size_t stored_push(stored_queue *q, stored_entry *en, size_t max_count, size_t max_bytes);
/* Takes the oldest entry out (the caller frees it), or NULL. */
stored_entry *stored_pop(stored_queue *q);
/* Takes out, in order, the entries after `after` (NULL: from the head) that are
 * notifications for `token`, and returns them as a list linked through `next`. */
stored_entry *stored_take_token(stored_queue *q, const stored_entry *after, const uint8_t *token,
                                size_t token_len);
/* Keeps at most `keep` notifications for `token`, dropping its oldest (the 1.2
 * attribute hqmax). Returns how many were dropped. */
size_t stored_trim_token(stored_queue *q, const uint8_t *token, size_t token_len, size_t keep);
/* Drops every notification (their observations ended), or everything when `all`. */
void stored_drop(stored_queue *q, bool all);
void stored_clear(stored_queue *q);
