/* dedup.c - answers a confirmable request the server sent again (its answer was lost)
 * as it was answered the first time, instead of doing it twice (RFC 7252 4.5). */
#include "lwm2m/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct dedup_entry {
        coap_mid_t mid;
        uint8_t token[8];
        size_t token_len;
        uint64_t at_ms;
        coap_pdu_code_t code;
        lwm2m_buf options; /* number (2 bytes), length (2 bytes), value; in order */
        lwm2m_buf payload;
};

static void entry_free(dedup_entry *d)
{
        if (!d)
                return;
        lwm2m_buf_free(&d->options);
        lwm2m_buf_free(&d->payload);
        free(d);
}

void dedup_clear(dedup_cache *c)
{
        for (unsigned i = 0; i < DEDUP_ENTRIES; i++) {
                entry_free(c->entries[i]);
                c->entries[i] = NULL;
        }
}

static bool same_request(const dedup_entry *d, const coap_pdu_t *request)
{
        coap_bin_const_t token = coap_pdu_get_token(request);
        return d->mid == coap_pdu_get_mid(request) && d->token_len == token.length &&
               (token.length == 0 || memcmp(d->token, token.s, token.length) == 0);
}

bool dedup_replay(dedup_cache *c, const coap_pdu_t *request, coap_pdu_t *response, uint64_t now)
{
        if (coap_pdu_get_type(request) != COAP_MESSAGE_CON)
                return false;
        for (unsigned i = 0; i < DEDUP_ENTRIES; i++) {
                const dedup_entry *d = c->entries[i];
                if (!d || now - d->at_ms > DEDUP_LIFETIME_MS || !same_request(d, request))
                        continue;
                coap_pdu_set_code(response, d->code);
                for (size_t at = 0; at + 4 <= d->options.len;) {
                        const uint8_t *o = d->options.data + at;
                        uint16_t number = (uint16_t)(o[0] << 8 | o[1]);
                        uint16_t len = (uint16_t)(o[2] << 8 | o[3]);
                        coap_add_option(response, number, len, o + 4);
                        at += 4 + (size_t)len;
                }
                if (d->payload.len > 0)
                        coap_add_data(response, d->payload.len, d->payload.data);
                return true;
        }
        return false;
}

void dedup_remember(dedup_cache *c, const coap_pdu_t *request, const coap_pdu_t *response,
                    uint64_t now)
{
        coap_bin_const_t token = coap_pdu_get_token(request);
        if (coap_pdu_get_type(request) != COAP_MESSAGE_CON || coap_pdu_get_code(response) == 0 ||
            token.length > sizeof(((dedup_entry *)0)->token))
                return;
        dedup_entry *d = calloc(1, sizeof(*d));
        if (!d)
                return;
        d->mid = coap_pdu_get_mid(request);
        d->token_len = token.length;
        if (token.length > 0)
                memcpy(d->token, token.s, token.length);
        d->at_ms = now;
        d->code = coap_pdu_get_code(response);
        int r = 0;
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        coap_option_iterator_init(response, &it, COAP_OPT_ALL);
        while (r >= 0 && (opt = coap_option_next(&it))) {
                size_t len = coap_opt_length(opt);
                uint8_t head[4] = {(uint8_t)(it.number >> 8), (uint8_t)it.number,
                                   (uint8_t)(len >> 8), (uint8_t)len};
                r = lwm2m_buf_append(&d->options, head, sizeof(head));
                if (r >= 0 && len > 0)
                        r = lwm2m_buf_append(&d->options, coap_opt_value(opt), len);
        }
        size_t len = 0;
        const uint8_t *data = NULL;
        if (r >= 0 && coap_get_data(response, &len, &data) && len > 0)
                r = lwm2m_buf_append(&d->payload, data, len);
        if (r < 0) {
                entry_free(d);
                return;
        }
        entry_free(c->entries[c->next]);
        c->entries[c->next] = d;
        c->next = (c->next + 1) % DEDUP_ENTRIES;
}
