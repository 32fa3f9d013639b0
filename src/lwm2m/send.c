/* send.c - the LwM2M Send operation (POST /dp): the values of chosen paths to a
 * server, now or, while it cannot be reached, stored for later. */
#include "lwm2m/send.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "formats/format.h"
#include "lwm2m/coap_msg.h"
#include "lwm2m/context.h"
#include "lwm2m/outbox.h"
#include "lwm2m/readout.h"
#include "lwm2m/stored.h"
#include "model/oma.h"
#include "util/macro.h"

/* A Send awaiting its answer: its values go back to the stored queue when the
 * server turns out to be unreachable. */
typedef struct send_flight {
        struct send_flight *next;
        uint8_t token[8];
        size_t token_len;
        lwm2m_record_list records;
} send_flight;

static void flight_free(send_flight *f)
{
        if (!f)
                return;
        lwm2m_record_list_free(&f->records);
        free(f);
}

void send_forget_all(server *s)
{
        assert(s);
        while (s->sends) {
                send_flight *f = s->sends;
                s->sends = f->next;
                flight_free(f);
        }
}

void send_session_gone(lwm2m_engine *e, server *s)
{
        assert(e && s);
        bool keep = s->sends && outbox_stores(e, s);
        while (s->sends) {
                send_flight *f = s->sends;
                s->sends = f->next;
                stored_entry *en =
                        keep ? stored_entry_new(STORED_SEND, NULL, 0, &f->records) : NULL;
                if (en)
                        outbox_store(e, s, en);
                flight_free(f);
        }
}

/* The server's preferred format: the one its composite requests used, when it is
 * one that Send may use; else SenML CBOR, the compact default. */
static uint16_t send_format(const server *s)
{
        if (s->send_format == LWM2M_FORMAT_SENML_JSON)
                return s->send_format;
        if (s->send_format == LWM2M_FORMAT_LWM2M_CBOR && strcmp(s->version, "1.2") == 0)
                return s->send_format;
        return LWM2M_FORMAT_SENML_CBOR;
}

static int post_one(server *s, const lwm2m_buf *body, uint16_t format, send_flight *f)
{
        coap_session_t *session = s->session;
        coap_pdu_t *pdu =
                coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                              coap_new_message_id(session), coap_session_max_pdu_size(session));
        if (!pdu)
                return -ENOMEM;
        coap_session_new_token(session, &f->token_len, f->token);
        uint8_t b[4];
        if (!coap_add_token(pdu, f->token_len, f->token) ||
            !coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"dp") ||
            !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
                             coap_encode_var_safe(b, sizeof(b), format), b) ||
            !coap_add_data(pdu, body->len, body->data)) {
                coap_delete_pdu(pdu);
                return -ENOMEM;
        }
        if (coap_send(session, pdu) == COAP_INVALID_MID)
                return -EIO;
        s->last_exchange_ms = engine_now_ms();
        f->next = s->sends;
        s->sends = f;
        return 0;
}

/* Sends records[from, from+n) as one request, or in halves when they do not fit
 * one datagram (a Send is not worth a block-wise exchange of its own). */
static int post_slice(lwm2m_engine *e, server *s, const lwm2m_record_list *all, size_t from,
                      size_t n, uint16_t format)
{
        lwm2m_path root = {0};
        _cleanup_(lwm2m_buf_free) lwm2m_buf body = {0};
        int err = lwm2m_format_encode(format, &root, all->items + from, n, &body);
        if (err < 0)
                return err;
        size_t room = coap_session_max_pdu_size(s->session);
        room = room > 64 ? room - 64 : room;
        if (body.len > room && n > 1) {
                err = post_slice(e, s, all, from, n / 2, format);
                return err ?: post_slice(e, s, all, from + n / 2, n - n / 2, format);
        }
        send_flight *f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const lwm2m_record *rec = &all->items[from + i];
                lwm2m_record *dst = lwm2m_record_list_add(&f->records, &rec->path);
                if (!dst || lwm2m_value_copy(&dst->value, &rec->value) < 0) {
                        flight_free(f);
                        return -ENOMEM;
                }
                dst->time = rec->time;
                dst->has_time = rec->has_time;
        }
        err = post_one(s, &body, format, f);
        if (err < 0)
                flight_free(f);
        return err;
}

int send_post(lwm2m_engine *e, server *s, lwm2m_record_list *records)
{
        assert(e && s && records);
        if (!outbox_can_send(s))
                return -ENOTCONN;
        int err = post_slice(e, s, records, 0, records->n, send_format(s));
        if (err == 0)
                lwm2m_record_list_clear(records);
        return err;
}

int send_to_server(lwm2m_engine *e, server *s, const lwm2m_path *paths, size_t n)
{
        assert(e && s && (paths || n == 0));
        if (strcmp(s->version, "1.0") == 0)
                return -EPROTONOSUPPORT;
        /* LwM2M 1.1: Send is muted when the resource says so or is absent. */
        if (server_bool(e, s->server_iid, LWM2M_SRV_MUTE_SEND, true))
                return -EPERM;
        if (s->state != LWM2M_SERVER_REGISTERED && !outbox_stores(e, s))
                return -ENOTCONN;
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = readout_collect(e, s->short_id, paths, n, &l);
        if (err < 0)
                return err;
        size_t values = 0;
        for (size_t i = 0; i < l.n; i++)
                values += l.items[i].value.type != LWM2M_TYPE_NONE;
        if (values == 0)
                return -ENOENT;
        if (outbox_can_send(s))
                return send_post(e, s, &l);
        if (!outbox_stores(e, s))
                return -ENOTCONN;
        stored_entry *en = stored_entry_new(STORED_SEND, NULL, 0, &l);
        if (!en)
                return -ENOMEM;
        outbox_store(e, s, en);
        outbox_wake(s);
        return 0;
}

static send_flight *take_flight(server *s, coap_bin_const_t token)
{
        for (send_flight **pp = &s->sends; *pp; pp = &(*pp)->next) {
                send_flight *f = *pp;
                if (f->token_len == token.length && memcmp(f->token, token.s, token.length) == 0) {
                        *pp = f->next;
                        f->next = NULL;
                        return f;
                }
        }
        return NULL;
}

bool send_on_response(lwm2m_engine *e, server *s, const coap_pdu_t *received)
{
        assert(e && s && received);
        send_flight *f = take_flight(s, coap_pdu_get_token(received));
        if (!f)
                return false;
        coap_pdu_code_t code = coap_pdu_get_code(received);
        if (COAP_RESPONSE_CLASS(code) != 2) {
                char cs[8];
                lwm2m_logf(&e->log, LOG_WARNING, "server %u: Send refused with %s", s->short_id,
                           coap_msg_code_str(code, cs));
        }
        flight_free(f);
        return true;
}

bool send_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent, coap_nack_reason_t reason,
                  bool *unreachable)
{
        assert(e && s && sent && unreachable);
        *unreachable = false;
        send_flight *f = take_flight(s, coap_pdu_get_token(sent));
        if (!f)
                return false;
        lwm2m_logf(&e->log, LOG_WARNING, "server %u: Send failed: %s", s->short_id,
                   coap_msg_nack_reason_str(reason));
        if (reason != COAP_NACK_RST && outbox_stores(e, s)) {
                stored_entry *en = stored_entry_new(STORED_SEND, NULL, 0, &f->records);
                if (en)
                        outbox_store(e, s, en);
        }
        flight_free(f);
        *unreachable = reason != COAP_NACK_RST;
        return true;
}
