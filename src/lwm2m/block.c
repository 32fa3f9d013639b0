/* block.c - block-wise transfers (RFC 7959) done by the engine itself, both ways:
 * request bodies reassembled per server, method and URI; responses and our own bodies cut in
 * slices. */
#include "lwm2m/block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lwm2m/coap_msg.h"
#include "lwm2m/context.h"
#include "lwm2m/server.h"
#include "model/request.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/macro.h"

struct block_rx {
        block_rx *next;
        coap_pdu_code_t method;
        lwm2m_buf uri; /* Uri-Path and Uri-Query options as received: names the transfer */
        lwm2m_buf body;
        size_t last_offset; /* where the last block taken started, and its length */
        size_t last_len;
        unsigned last_num;
        unsigned szx;
        bool complete;
        uint64_t touched_ms;
        /* A streamed write (block_stream_request): the blocks go to `stream` as they
         * come, nothing is kept; `received` bytes have come without a gap. */
        lwm2m_stream *stream;
        lwm2m_path path;
        uint64_t received;
};

/* A block option's value: at most three bytes (RFC 7959 2.2). */
static int parse_block_option(const coap_pdu_t *pdu, coap_option_num_t number, bool *present,
                              unsigned *num, bool *more, unsigned *szx)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt = coap_check_option(pdu, number, &it);
        *present = opt != NULL;
        if (!opt)
                return 0;
        if (coap_opt_length(opt) > 3)
                return -EBADMSG;
        unsigned v = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        *num = v >> 4;
        *more = (v & 0x8) != 0;
        *szx = v & 0x7;
        /* szx 7 is BERT, for CoAP over TCP only. */
        return *szx == 7 ? -EBADMSG : 0;
}

static int add_block_option(coap_pdu_t *pdu, coap_option_num_t number, unsigned num, bool more,
                            unsigned szx)
{
        uint8_t buf[4];
        unsigned len = coap_encode_var_safe(buf, sizeof(buf), (num << 4) | (more ? 8u : 0u) | szx);
        return coap_add_option(pdu, number, len, buf) ? 0 : -ENOMEM;
}

static int add_uint_option(coap_pdu_t *pdu, coap_option_num_t number, uint64_t value)
{
        uint8_t buf[8];
        unsigned len = coap_encode_var_safe8(buf, sizeof(buf), value);
        return coap_add_option(pdu, number, len, buf) ? 0 : -ENOMEM;
}

/* The options that say which resource a request is for, as one byte string. */
static int request_uri_key(const coap_pdu_t *pdu, lwm2m_buf *out)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
        int r = 0;
        while (r >= 0 && (opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_URI_PATH && it.number != COAP_OPTION_URI_QUERY)
                        continue;
                uint8_t head[3] = {(uint8_t)it.number, (uint8_t)(coap_opt_length(opt) >> 8),
                                   (uint8_t)coap_opt_length(opt)};
                r = lwm2m_buf_append(out, head, sizeof(head));
                if (r >= 0)
                        r = lwm2m_buf_append(out, coap_opt_value(opt), coap_opt_length(opt));
        }
        return r;
}

static void rx_free(block_rx *rx)
{
        if (!rx)
                return;
        lwm2m_stream_abort(rx->stream);
        lwm2m_buf_free(&rx->uri);
        lwm2m_buf_free(&rx->body);
        free(rx);
}

static void rx_drop(server *s, block_rx *rx)
{
        if (rx->stream) {
                char ps[LWM2M_PATH_STRLEN];
                lwm2m_path_format(&rx->path, ps, sizeof(ps));
                lwm2m_logf(&s->e->log, LOG_WARNING,
                           "server %u: streamed write of %s abandoned after %llu bytes",
                           s->short_id, ps, (unsigned long long)rx->received);
        }
        for (block_rx **pp = &s->block_rx; *pp; pp = &(*pp)->next)
                if (*pp == rx) {
                        *pp = rx->next;
                        break;
                }
        rx_free(rx);
}

static block_rx *rx_find(server *s, coap_pdu_code_t method, const lwm2m_buf *uri)
{
        for (block_rx *rx = s->block_rx; rx; rx = rx->next)
                if (rx->method == method && rx->uri.len == uri->len &&
                    (uri->len == 0 || memcmp(rx->uri.data, uri->data, uri->len) == 0))
                        return rx;
        return NULL;
}

/* A new transfer; the oldest goes when a server has too many half done. */
static block_rx *rx_start(server *s, coap_pdu_code_t method, lwm2m_buf *uri)
{
        size_t n = 0;
        block_rx *oldest = NULL;
        for (block_rx *rx = s->block_rx; rx; rx = rx->next) {
                n++;
                if (!oldest || rx->touched_ms <= oldest->touched_ms)
                        oldest = rx;
        }
        if (n >= BLOCK_MAX_TRANSFERS) {
                lwm2m_logf(&s->e->log, LOG_INFO,
                           "server %u: a block-wise transfer was dropped for a newer one",
                           s->short_id);
                rx_drop(s, oldest);
        }
        block_rx *rx = calloc(1, sizeof(*rx));
        if (!rx)
                return NULL;
        rx->method = method;
        rx->uri = *uri;
        *uri = (lwm2m_buf){0};
        rx->next = s->block_rx;
        s->block_rx = rx;
        return rx;
}

/* A FETCH asking for a later slice of its answer may come without the body that
 * the answer depends on (libcoap's clients leave it out): the body of the last
 * FETCH to the same URI stands in for it. */
static block_step fetch_body(server *s, const coap_pdu_t *request, lwm2m_buf *uri,
                             const uint8_t *pdata, size_t plen, const uint8_t **body, size_t *len)
{
        bool present = false, more = false;
        unsigned num = 0, szx = 0;
        block_rx *last = s->last_fetch;
        if (plen == 0 && last &&
            parse_block_option(request, COAP_OPTION_BLOCK2, &present, &num, &more, &szx) == 0 &&
            present && num > 0 && last->uri.len == uri->len &&
            (uri->len == 0 || memcmp(last->uri.data, uri->data, uri->len) == 0)) {
                *body = last->body.data;
                *len = last->body.len;
                return BLOCK_BODY_READY;
        }
        *body = pdata;
        *len = plen;
        if (plen == 0)
                return BLOCK_BODY_READY;
        block_rx *keep = calloc(1, sizeof(*keep));
        if (keep && lwm2m_buf_append(&keep->body, pdata, plen) >= 0) {
                keep->uri = *uri;
                *uri = (lwm2m_buf){0};
                rx_free(s->last_fetch);
                s->last_fetch = keep;
        } else {
                rx_free(keep);
        }
        return BLOCK_BODY_READY;
}

/* A block was taken: noted, and one with more to follow answered 2.31 Continue
 * (returns true then). */
static bool took_block(block_rx *rx, unsigned num, bool more, unsigned szx, coap_pdu_t *response)
{
        rx->last_num = num;
        rx->szx = szx;
        rx->touched_ms = engine_now_ms();
        if (!more)
                return false;
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTINUE);
        add_block_option(response, COAP_OPTION_BLOCK1, num, true, szx);
        return true;
}

static block_step answer(server *s, coap_pdu_t *response, coap_pdu_code_t code, const char *why)
{
        char cs[8];
        lwm2m_logf(&s->e->log, LOG_INFO, "server %u: block-wise request refused with %s: %s",
                   s->short_id, coap_msg_code_str(code, cs), why);
        coap_pdu_set_code(response, code);
        return BLOCK_ANSWERED;
}

block_step block_request_body(server *s, const coap_pdu_t *request, coap_pdu_t *response,
                              size_t max_body, const uint8_t **body, size_t *len,
                              block_rx **transfer)
{
        *transfer = NULL;
        size_t plen = 0;
        const uint8_t *pdata = NULL;
        if (!coap_get_data(request, &plen, &pdata)) {
                plen = 0;
                pdata = NULL;
        }
        bool present = false, more = false;
        unsigned num = 0, szx = 0;
        if (parse_block_option(request, COAP_OPTION_BLOCK1, &present, &num, &more, &szx) < 0)
                return answer(s, response, COAP_RESPONSE_CODE_BAD_OPTION, "malformed Block1");
        coap_pdu_code_t method = coap_pdu_get_code(request);
        _cleanup_(lwm2m_buf_free) lwm2m_buf uri = {0};
        if (request_uri_key(request, &uri) < 0)
                return answer(s, response, COAP_RESPONSE_CODE_INTERNAL_ERROR, "out of memory");
        if (!present) {
                if (plen > max_body)
                        return answer(s, response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE,
                                      "body too large");
                if (method == COAP_REQUEST_CODE_FETCH)
                        return fetch_body(s, request, &uri, pdata, plen, body, len);
                *body = pdata;
                *len = plen;
                return BLOCK_BODY_READY;
        }
        size_t size = (size_t)1 << (szx + 4);
        size_t offset = (size_t)num * size;
        block_rx *rx = rx_find(s, method, &uri);
        if (rx && rx->stream) {
                /* The resource is no longer streamed: that transfer cannot go on. */
                rx_drop(s, rx);
                rx = NULL;
        }

        /* libcoap hands a request whose answer was deferred back once it is due. */
        if (rx && rx->complete) {
                if (offset == rx->last_offset && plen == rx->last_len) {
                        *body = rx->body.data;
                        *len = rx->body.len;
                        *transfer = rx;
                        return BLOCK_BODY_READY;
                }
                rx_drop(s, rx);
                rx = NULL;
        }
        if (num == 0) {
                if (rx)
                        rx_drop(s, rx);
                rx = NULL;
        } else if (!rx) {
                return answer(s, response, COAP_RESPONSE_CODE_INCOMPLETE,
                              "a block past the first with no transfer under way");
        } else if (more && offset == rx->last_offset && plen == rx->last_len &&
                   memcmp(rx->body.data + offset, pdata, plen) == 0) {
                /* The same block again under a new message ID: answered as before. */
                rx->touched_ms = engine_now_ms();
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTINUE);
                add_block_option(response, COAP_OPTION_BLOCK1, num, true, szx);
                return BLOCK_ANSWERED;
        } else if (offset != rx->body.len) {
                rx_drop(s, rx);
                return answer(s, response, COAP_RESPONSE_CODE_INCOMPLETE,
                              "a block out of order or after a gap");
        }

        if ((more && plen != size) || plen > size) {
                if (rx)
                        rx_drop(s, rx);
                return answer(s, response, COAP_RESPONSE_CODE_BAD_REQUEST,
                              "a block whose length does not match its size");
        }
        int64_t size1 = coap_msg_uint_option(request, COAP_OPTION_SIZE1);
        if ((size1 > 0 && (uint64_t)size1 > max_body) || offset + plen > max_body) {
                if (rx)
                        rx_drop(s, rx);
                add_uint_option(response, COAP_OPTION_SIZE1, max_body);
                return answer(s, response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE,
                              "body larger than allowed");
        }
        if (!rx) {
                rx = rx_start(s, method, &uri);
                if (!rx)
                        return answer(s, response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                                      "out of memory");
        }
        if (plen > 0 && lwm2m_buf_append(&rx->body, pdata, plen) < 0) {
                rx_drop(s, rx);
                return answer(s, response, COAP_RESPONSE_CODE_INTERNAL_ERROR, "out of memory");
        }
        rx->last_offset = offset;
        rx->last_len = plen;
        if (took_block(rx, num, more, szx, response))
                return BLOCK_ANSWERED;
        rx->complete = true;
        *body = rx->body.data;
        *len = rx->body.len;
        *transfer = rx;
        return BLOCK_BODY_READY;
}

void block_request_done(server *s, block_rx *transfer, coap_pdu_t *response)
{
        if (!transfer || coap_pdu_get_code(response) == 0)
                return; /* none, or answered later: the body is needed again */
        /* An answer with a body has the echo from block_respond (options go first). */
        coap_opt_iterator_t it;
        size_t data_len = 0;
        const uint8_t *data = NULL;
        if (!coap_check_option(response, COAP_OPTION_BLOCK1, &it) &&
            !coap_get_data(response, &data_len, &data))
                add_block_option(response, COAP_OPTION_BLOCK1, transfer->last_num, false,
                                 transfer->szx);
        for (block_rx **pp = &s->block_rx; *pp; pp = &(*pp)->next)
                if (*pp == transfer) {
                        *pp = transfer->next;
                        break;
                }
        if (transfer->method == COAP_REQUEST_CODE_FETCH) {
                /* Its answer may come in slices, asked for without the body. */
                transfer->next = NULL;
                rx_free(s->last_fetch);
                s->last_fetch = transfer;
        } else {
                rx_free(transfer);
        }
}

/* ---- streamed writes ---- */

#define FORMAT_OCTET_STREAM 42

bool block_wants_stream(server *s, const coap_pdu_t *request)
{
        lwm2m_engine *e = s->e;
        if (s->bootstrap || !e->requests)
                return false;
        coap_pdu_code_t method = coap_pdu_get_code(request);
        if (method != COAP_REQUEST_CODE_PUT && method != COAP_REQUEST_CODE_POST)
                return false;
        lwm2m_path path;
        if (coap_msg_lwm2m_path(request, &path) < 0 || path.len != LWM2M_PATH_RESOURCE)
                return false;
        int64_t format = coap_msg_uint_option(request, COAP_OPTION_CONTENT_FORMAT);
        if (format >= 0 && format != FORMAT_OCTET_STREAM)
                return false;
        if (format < 0) {
                /* Without a format and a body, a PUT is a Write-Attributes and a POST
                 * an Execute: dm.c's (also during a transfer). */
                coap_opt_iterator_t it;
                size_t plen = 0;
                const uint8_t *pdata = NULL;
                if ((!coap_get_data(request, &plen, &pdata) || plen == 0) &&
                    !coap_check_option(request, COAP_OPTION_BLOCK1, &it))
                        return false;
        }
        if (lwm2m_stream_supported(e->requests, &path))
                return true;
        /* A transfer under way stays streamed when the resource no longer is (its
         * instance deleted): the server hears why it ended. */
        _cleanup_(lwm2m_buf_free) lwm2m_buf uri = {0};
        if (!s->block_rx || request_uri_key(request, &uri) < 0)
                return false;
        block_rx *rx = rx_find(s, method, &uri);
        return rx && rx->stream;
}

/* owner.h's mapping for streams, where no space is 4.13 and "not now" 4.05. */
static coap_pdu_code_t stream_code(int error)
{
        switch (error) {
        case -ENOSPC:
        case -E2BIG:
                return COAP_RESPONSE_CODE_REQUEST_TOO_LARGE;
        case -EBUSY:
        case -EPERM:
                return COAP_RESPONSE_CODE_NOT_ALLOWED;
        case -EINVAL:
                return COAP_RESPONSE_CODE_BAD_REQUEST;
        case -EACCES:
                return COAP_RESPONSE_CODE_UNAUTHORIZED;
        case -ENOENT:
                return COAP_RESPONSE_CODE_NOT_FOUND;
        default:
                return COAP_RESPONSE_CODE_INTERNAL_ERROR;
        }
}

/* Ends a refused streamed write: the owner's stream aborted, the transfer gone. */
static void stream_refuse(server *s, block_rx *rx, const lwm2m_path *path, coap_pdu_t *response,
                          int error, const char *why)
{
        char ps[LWM2M_PATH_STRLEN], cs[8];
        lwm2m_path_format(path, ps, sizeof(ps));
        coap_pdu_code_t code = stream_code(error);
        lwm2m_logf(&s->e->log, LOG_INFO, "server %u: streamed write of %s refused with %s: %s",
                   s->short_id, ps, coap_msg_code_str(code, cs), why ? why : strerror(-error));
        if (rx) {
                lwm2m_stream_abort(rx->stream);
                rx->stream = NULL;
                rx_drop(s, rx);
        }
        coap_pdu_set_code(response, code);
}

static lwm2m_stream *stream_open(server *s, const coap_pdu_t *request, const lwm2m_path *path,
                                 coap_pdu_t *response)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = s->short_id, .tag = s->e};
        int64_t size1 = coap_msg_uint_option(request, COAP_OPTION_SIZE1);
        char why[256] = "";
        int error = 0;
        lwm2m_stream *st = lwm2m_stream_open(s->e->requests, &origin, path,
                                             size1 >= 0 ? (uint64_t)size1 : UINT64_MAX, &error, why,
                                             sizeof(why));
        if (!st)
                stream_refuse(s, NULL, path, response, error, why[0] ? why : NULL);
        return st;
}

/* A write that came whole in one message: opened, written and finished at once. */
static void stream_whole(server *s, const coap_pdu_t *request, const lwm2m_path *path,
                         const uint8_t *pdata, size_t plen, coap_pdu_t *response)
{
        lwm2m_stream *st = stream_open(s, request, path, response);
        if (!st)
                return;
        int err = plen > 0 ? lwm2m_stream_write(st, 0, pdata, plen) : 0;
        if (err < 0) {
                lwm2m_stream_abort(st);
                stream_refuse(s, NULL, path, response, err, NULL);
                return;
        }
        err = lwm2m_stream_finish(st, plen);
        if (err < 0) {
                stream_refuse(s, NULL, path, response, err, NULL);
                return;
        }
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(path, ps, sizeof(ps));
        lwm2m_logf(&s->e->log, LOG_INFO,
                   "server %u: streamed write of %s: %zu bytes in one message", s->short_id, ps,
                   plen);
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

void block_stream_request(server *s, const coap_pdu_t *request, coap_pdu_t *response)
{
        size_t plen = 0;
        const uint8_t *pdata = NULL;
        if (!coap_get_data(request, &plen, &pdata)) {
                plen = 0;
                pdata = NULL;
        }
        lwm2m_path path;
        if (coap_msg_lwm2m_path(request, &path) < 0) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        bool present = false, more = false;
        unsigned num = 0, szx = 0;
        if (parse_block_option(request, COAP_OPTION_BLOCK1, &present, &num, &more, &szx) < 0) {
                answer(s, response, COAP_RESPONSE_CODE_BAD_OPTION, "malformed Block1");
                return;
        }
        coap_pdu_code_t method = coap_pdu_get_code(request);
        _cleanup_(lwm2m_buf_free) lwm2m_buf uri = {0};
        if (request_uri_key(request, &uri) < 0) {
                answer(s, response, COAP_RESPONSE_CODE_INTERNAL_ERROR, "out of memory");
                return;
        }
        block_rx *rx = rx_find(s, method, &uri);
        if (rx && (!rx->stream || !present)) {
                /* A reassembly of the same URI, or a transfer a whole write replaces. */
                rx_drop(s, rx);
                rx = NULL;
        }
        if (!present) {
                stream_whole(s, request, &path, pdata, plen, response);
                return;
        }
        uint64_t size = (uint64_t)1 << (szx + 4);
        uint64_t offset = (uint64_t)num * size;
        if ((more && plen != size) || plen > size) {
                stream_refuse(s, rx, &path, response, -EINVAL,
                              "a block whose length does not match its size");
                return;
        }
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(&path, ps, sizeof(ps));
        if (rx && num == 0 && rx->received > plen) {
                /* Block 0 after later ones: the server starts the download over. */
                lwm2m_logf(&s->e->log, LOG_INFO,
                           "server %u: streamed write of %s starts over after %llu bytes",
                           s->short_id, ps, (unsigned long long)rx->received);
                lwm2m_stream_abort(rx->stream);
                rx->stream = NULL;
                rx_drop(s, rx);
                rx = NULL;
        }
        if (!rx) {
                if (num != 0) {
                        answer(s, response, COAP_RESPONSE_CODE_INCOMPLETE,
                               "a block past the first with no transfer under way");
                        return;
                }
                lwm2m_stream *st = stream_open(s, request, &path, response);
                if (!st)
                        return;
                rx = rx_start(s, method, &uri);
                if (!rx) {
                        lwm2m_stream_abort(st);
                        answer(s, response, COAP_RESPONSE_CODE_INTERNAL_ERROR, "out of memory");
                        return;
                }
                rx->stream = st;
                rx->path = path;
                int64_t size1 = coap_msg_uint_option(request, COAP_OPTION_SIZE1);
                if (size1 >= 0)
                        lwm2m_logf(&s->e->log, LOG_INFO,
                                   "server %u: streamed write of %s begins (%lld bytes)",
                                   s->short_id, ps, (long long)size1);
                else
                        lwm2m_logf(&s->e->log, LOG_INFO, "server %u: streamed write of %s begins",
                                   s->short_id, ps);
        } else if (offset > rx->received) {
                /* The transfer stays as it was: the server may send the missing block. */
                answer(s, response, COAP_RESPONSE_CODE_INCOMPLETE, "a block after a gap");
                return;
        }
        /* A block again (below `received`) is written again: the owner overwrites. */
        int err = plen > 0 ? lwm2m_stream_write(rx->stream, offset, pdata, plen) : 0;
        if (err < 0) {
                stream_refuse(s, rx, &path, response, err, NULL);
                return;
        }
        if (offset + plen > rx->received)
                rx->received = offset + plen;
        if (took_block(rx, num, more, szx, response))
                return;
        uint64_t total = offset + plen;
        lwm2m_stream *st = rx->stream;
        rx->stream = NULL;
        rx_drop(s, rx);
        err = lwm2m_stream_finish(st, total);
        if (err < 0) {
                stream_refuse(s, NULL, &path, response, err, NULL);
                return;
        }
        lwm2m_logf(&s->e->log, LOG_INFO, "server %u: streamed write of %s done: %llu bytes",
                   s->short_id, ps, (unsigned long long)total);
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
        add_block_option(response, COAP_OPTION_BLOCK1, num, false, szx);
}

uint64_t block_run_timers(server *s, uint64_t now)
{
        uint64_t next = UINT64_MAX;
        block_rx *rx = s->block_rx;
        while (rx) {
                block_rx *following = rx->next;
                uint64_t due = rx->touched_ms + BLOCK_RX_IDLE_MS;
                /* A complete one waits for its owner, whose own timeout ends it. */
                if (!rx->complete && now >= due) {
                        lwm2m_logf(&s->e->log, LOG_INFO,
                                   "server %u: a block-wise transfer left unfinished for %u s "
                                   "was dropped",
                                   s->short_id, BLOCK_RX_IDLE_MS / 1000);
                        rx_drop(s, rx);
                } else if (!rx->complete && due < next) {
                        next = due;
                }
                rx = following;
        }
        return next;
}

void block_forget_all(server *s)
{
        while (s->block_rx)
                rx_drop(s, s->block_rx);
        rx_free(s->last_fetch);
        s->last_fetch = NULL;
}

/* FNV-1a: an ETag only has to change when the body does. */
static uint64_t body_tag(const uint8_t *body, size_t len)
{
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < len; i++) {
                h ^= body[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

static unsigned szx_fitting(size_t room)
{
        unsigned szx = 6;
        while (szx > 0 && ((size_t)1 << (szx + 4)) > room)
                szx--;
        return szx;
}

/* Room a response needs besides its payload: header, token, Content-Format, ETag,
 * Block2, Size2 and the payload marker. */
#define RESPONSE_OVERHEAD 64u

int block_respond(coap_session_t *session, const coap_pdu_t *request, coap_pdu_t *response,
                  uint16_t format, const uint8_t *body, size_t len)
{
        unsigned our_szx = block_szx_for_session(session, RESPONSE_OVERHEAD);
        bool present = false, more_ignored = false;
        unsigned num = 0, szx = our_szx;
        /* No request: a notification, whose first block goes unasked. */
        if (request && parse_block_option(request, COAP_OPTION_BLOCK2, &present, &num,
                                          &more_ignored, &szx) < 0)
                return -EBADMSG;
        if (present && szx > our_szx) {
                /* Smaller than asked is allowed; the block number counts in our size. */
                num = (unsigned)(((size_t)num << (szx + 4)) >> (our_szx + 4));
                szx = our_szx;
        }
        size_t size = (size_t)1 << (szx + 4);
        int r = add_uint_option(response, COAP_OPTION_CONTENT_FORMAT, format);
        if (r < 0)
                return r;
        /* The answer to the last slice of a block-wise request echoes its Block1. */
        bool in_present = false, in_more = false;
        unsigned in_num = 0, in_szx = 0;
        if (request &&
            parse_block_option(request, COAP_OPTION_BLOCK1, &in_present, &in_num, &in_more,
                               &in_szx) == 0 &&
            in_present && !in_more) {
                r = add_block_option(response, COAP_OPTION_BLOCK1, in_num, false, in_szx);
                if (r < 0)
                        return r;
        }
        if (!present && len <= size)
                return len == 0 || coap_add_data(response, len, body) ? 0 : -ENOMEM;

        size_t offset = (size_t)num * size;
        if (offset >= len && offset > 0)
                return -ERANGE;
        size_t slice = len - offset < size ? len - offset : size;
        bool more = offset + slice < len;
        uint8_t tag[8];
        uint64_t h = body_tag(body, len);
        for (size_t i = 0; i < sizeof(tag); i++)
                tag[i] = (uint8_t)(h >> (8 * i));
        if (!coap_add_option(response, COAP_OPTION_ETAG, sizeof(tag), tag))
                return -ENOMEM;
        r = add_block_option(response, COAP_OPTION_BLOCK2, num, more, szx);
        r = r ?: add_uint_option(response, COAP_OPTION_SIZE2, len);
        if (r < 0)
                return r;
        return slice == 0 || coap_add_data(response, slice, body + offset) ? 0 : -ENOMEM;
}

unsigned block_szx_for_session(coap_session_t *session, size_t overhead)
{
        size_t max_pdu = session ? coap_session_max_pdu_size(session) : 1152;
        return szx_fitting(max_pdu > overhead + 16 ? max_pdu - overhead : 16);
}

int block_add_request_slice(coap_pdu_t *pdu, const uint8_t *body, size_t len, unsigned num,
                            unsigned szx)
{
        size_t size = (size_t)1 << (szx + 4);
        size_t offset = (size_t)num * size;
        if (offset >= len && offset > 0)
                return -ERANGE;
        size_t slice = len - offset < size ? len - offset : size;
        bool more = offset + slice < len;
        int r = add_block_option(pdu, COAP_OPTION_BLOCK1, num, more, szx);
        if (r >= 0 && num == 0)
                r = add_uint_option(pdu, COAP_OPTION_SIZE1, len);
        if (r < 0)
                return r;
        if (slice > 0 && !coap_add_data(pdu, slice, body + offset))
                return -ENOMEM;
        return more;
}

int block_response_block1(const coap_pdu_t *response, unsigned *num, bool *more, unsigned *szx)
{
        bool present = false;
        int r = parse_block_option(response, COAP_OPTION_BLOCK1, &present, num, more, szx);
        return r < 0 ? r : present;
}
