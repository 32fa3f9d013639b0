/* stored.c - what a server could not be sent while it was unreachable, disabled or
 * asleep (stored notifications and Send payloads), bounded in count and bytes. */
#include "lwm2m/stored.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

/* An estimate of what an entry costs in memory, which is what the bound is for. */
static size_t entry_bytes(const stored_entry *en)
{
        size_t n = sizeof(*en) + en->records.n * sizeof(lwm2m_record);
        for (size_t i = 0; i < en->records.n; i++) {
                const lwm2m_value *v = &en->records.items[i].value;
                if (v->type == LWM2M_TYPE_STRING || v->type == LWM2M_TYPE_OPAQUE ||
                    v->type == LWM2M_TYPE_CORELNK)
                        n += v->buf.len;
        }
        return n;
}

stored_entry *stored_entry_new(stored_kind kind, const uint8_t *token, size_t token_len,
                               lwm2m_record_list *records)
{
        assert(records && token_len <= 8);
        stored_entry *en = calloc(1, sizeof(*en));
        if (!en)
                return NULL;
        en->kind = kind;
        if (token_len)
                memcpy(en->token, token, token_len);
        en->token_len = (uint8_t)token_len;
        en->records = TAKE_STRUCT(*records);
        en->bytes = entry_bytes(en);
        return en;
}

void stored_entry_free(stored_entry *en)
{
        if (!en)
                return;
        lwm2m_record_list_free(&en->records);
        free(en);
}

static void unlink_entry(stored_queue *q, stored_entry *prev, stored_entry *en)
{
        if (prev)
                prev->next = en->next;
        else
                q->head = en->next;
        if (q->tail == en)
                q->tail = prev;
        en->next = NULL;
        q->count--;
        q->bytes -= en->bytes;
}

size_t stored_push(stored_queue *q, stored_entry *en, size_t max_count, size_t max_bytes)
{
        assert(q && en);
        if (en->bytes > max_bytes || max_count == 0) {
                /* It could never be kept: the older ones need not go for it. */
                stored_entry_free(en);
                q->dropped++;
                return 1;
        }
        en->next = NULL;
        if (q->tail)
                q->tail->next = en;
        else
                q->head = en;
        q->tail = en;
        q->count++;
        q->bytes += en->bytes;
        size_t dropped = 0;
        while (q->head && (q->count > max_count || q->bytes > max_bytes)) {
                stored_entry *old = q->head;
                unlink_entry(q, NULL, old);
                stored_entry_free(old);
                dropped++;
        }
        q->dropped += dropped;
        return dropped;
}

stored_entry *stored_pop(stored_queue *q)
{
        assert(q);
        stored_entry *en = q->head;
        if (en)
                unlink_entry(q, NULL, en);
        return en;
}

stored_entry *stored_take_token(stored_queue *q, const stored_entry *after, const uint8_t *token,
                                size_t token_len)
{
        assert(q);
        stored_entry *list = NULL, **tail = &list;
        stored_entry *prev = (stored_entry *)after;
        stored_entry *en = after ? after->next : q->head;
        while (en) {
                stored_entry *next = en->next;
                if (en->kind == STORED_NOTIFICATION && en->token_len == token_len &&
                    memcmp(en->token, token, token_len) == 0) {
                        unlink_entry(q, prev, en);
                        *tail = en;
                        tail = &en->next;
                } else {
                        prev = en;
                }
                en = next;
        }
        return list;
}

void stored_drop(stored_queue *q, bool all)
{
        assert(q);
        stored_entry *prev = NULL, *en = q->head;
        while (en) {
                stored_entry *next = en->next;
                if (all || en->kind == STORED_NOTIFICATION) {
                        unlink_entry(q, prev, en);
                        stored_entry_free(en);
                        q->dropped++;
                } else {
                        prev = en;
                }
                en = next;
        }
}

void stored_clear(stored_queue *q)
{
        assert(q);
        while (q->head) {
                stored_entry *en = stored_pop(q);
                stored_entry_free(en);
        }
}

size_t stored_trim_token(stored_queue *q, const uint8_t *token, size_t token_len, size_t keep)
{
        assert(q);
        size_t n = 0;
        for (stored_entry *en = q->head; en; en = en->next)
                n += en->kind == STORED_NOTIFICATION && en->token_len == token_len &&
                     memcmp(en->token, token, token_len) == 0;
        size_t dropped = 0;
        stored_entry *prev = NULL, *en = q->head;
        while (en && n > keep) {
                stored_entry *next = en->next;
                if (en->kind == STORED_NOTIFICATION && en->token_len == token_len &&
                    memcmp(en->token, token, token_len) == 0) {
                        unlink_entry(q, prev, en);
                        stored_entry_free(en);
                        n--;
                        dropped++;
                } else {
                        prev = en;
                }
                en = next;
        }
        q->dropped += dropped;
        return dropped;
}
