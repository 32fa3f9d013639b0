/* fetch.c - block-wise GETs of coap:// and coaps:// URIs on sessions of their own
 * (lwm2m_engine_fetch: a firmware Package URI), block by block with one block in memory. */
#include "lwm2m/fetch.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "lwm2m/block.h"
#include "lwm2m/context.h"
#include "lwm2m/security.h"
#include "lwm2m/session.h"
#include "util/log.h"

/* An answer overdue this long ends the fetch (-ETIMEDOUT): a server that acknowledged
 * a request and never sent its separate response. libcoap's retransmissions end an
 * unacknowledged one sooner (MAX_TRANSMIT_WAIT, 93 s). */
#define FETCH_ANSWER_TIMEOUT_MS 100000u
/* Room an answer needs besides its payload: header, token, ETag, Content-Format,
 * Block2, Size2 and the payload marker. */
#define FETCH_RESPONSE_OVERHEAD 64u

struct lwm2m_fetch {
        lwm2m_fetch *next;
        lwm2m_engine *e;
        int (*data)(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                    uint64_t total);
        void (*done)(void *userdata, int error);
        void *userdata;
        char *uri;
        security_borrow borrow; /* coaps: whose credentials, for the DTLS checks */
        coap_session_t *session;
        coap_optlist_t *opts; /* Uri-Host, Uri-Path and Uri-Query, the same for every block */
        uint64_t offset;      /* the next byte `data` gets */
        uint64_t pos;         /* where the block asked for starts */
        unsigned szx;
        uint64_t total; /* Size2, or UINT64_MAX */
        bool first_seen;
        uint8_t etag[8];
        size_t etag_len;
        uint8_t token[8];
        size_t token_len;
        uint64_t asked_ms;
        bool in_data; /* inside `data`: a cancel then only marks it */
        bool cancelled;
        bool ended; /* inside `done`: a cancel from there changes nothing */
};

static lwm2m_fetch *fetch_by_session(lwm2m_engine *e, coap_session_t *session)
{
        for (lwm2m_fetch *f = e->fetches; f; f = f->next)
                if (f->session == session)
                        return f;
        return NULL;
}

static void fetch_unlink(lwm2m_fetch *f)
{
        for (lwm2m_fetch **pp = &f->e->fetches; *pp; pp = &(*pp)->next)
                if (*pp == f) {
                        *pp = f->next;
                        break;
                }
        if (f->borrow.session)
                security_unborrow(f->e, &f->borrow);
        if (f->session) {
                /* Released once libcoap's processing returns: this may be its callback. */
                engine_retire_session(f->e, f->session);
                f->session = NULL;
        }
}

static void fetch_free(lwm2m_fetch *f)
{
        coap_delete_optlist(f->opts);
        free(f->uri);
        free(f);
}

static void fetch_end(lwm2m_fetch *f, int error)
{
        fetch_unlink(f);
        if (error < 0)
                lwm2m_logf(&f->e->log, LOG_WARNING, "fetch of %s failed after %llu bytes: %s",
                           f->uri, (unsigned long long)f->offset, strerror(-error));
        else
                lwm2m_logf(&f->e->log, LOG_INFO, "fetch of %s done: %llu bytes", f->uri,
                           (unsigned long long)f->offset);
        f->ended = true;
        f->e->callouts++;
        f->done(f->userdata, error);
        fetch_free(f);
}

static int fetch_send(lwm2m_fetch *f)
{
        coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET,
                                        coap_new_message_id(f->session),
                                        coap_session_max_pdu_size(f->session));
        if (!pdu)
                return -ENOMEM;
        coap_session_new_token(f->session, &f->token_len, f->token);
        uint8_t buf[4];
        unsigned num = (unsigned)(f->pos >> (f->szx + 4));
        if (!coap_add_token(pdu, f->token_len, f->token) ||
            (f->opts && !coap_add_optlist_pdu(pdu, &f->opts)) ||
            !coap_add_option(pdu, COAP_OPTION_BLOCK2,
                             coap_encode_var_safe(buf, sizeof(buf), num << 4 | f->szx), buf)) {
                coap_delete_pdu(pdu);
                return -ENOMEM;
        }
        if (coap_send(f->session, pdu) == COAP_INVALID_MID)
                return -EIO;
        f->asked_ms = engine_now_ms();
        return 0;
}

static bool is_ours(const lwm2m_fetch *f, const coap_pdu_t *pdu)
{
        coap_bin_const_t token = coap_pdu_get_token(pdu);
        return token.length == f->token_len &&
               (token.length == 0 || memcmp(token.s, f->token, token.length) == 0);
}

/* Checks one answer and passes its new bytes on: 1 when more are to come, 0 at the
 * end, or a negative errno. */
static int take_block(lwm2m_fetch *f, const coap_pdu_t *received)
{
        coap_pdu_code_t code = coap_pdu_get_code(received);
        if (code == COAP_RESPONSE_CODE_NOT_FOUND)
                return -ENOENT;
        if (code != COAP_RESPONSE_CODE_CONTENT)
                return -EPROTO;
        size_t plen = 0;
        const uint8_t *pdata = NULL;
        if (!coap_get_data(received, &plen, &pdata))
                plen = 0;
        coap_opt_iterator_t it;
        coap_opt_t *opt = coap_check_option(received, COAP_OPTION_BLOCK2, &it);
        uint64_t pos = 0;
        bool more = false;
        if (opt) {
                if (coap_opt_length(opt) > 3)
                        return -EPROTO;
                unsigned v = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
                unsigned szx = v & 7;
                /* A server may answer with smaller blocks than asked, never larger. */
                if (szx == 7 || szx > f->szx)
                        return -EPROTO;
                uint64_t size = (uint64_t)1 << (szx + 4);
                pos = (uint64_t)(v >> 4) * size;
                more = (v & 8) != 0;
                if ((more && plen != size) || plen > size)
                        return -EPROTO;
                f->szx = szx;
        }
        /* The block asked for, or the whole body (no Block2) when the first was. */
        if (pos != f->pos)
                return -EPROTO;
        opt = coap_check_option(received, COAP_OPTION_ETAG, &it);
        size_t etag_len = opt ? coap_opt_length(opt) : 0;
        if (etag_len > sizeof(f->etag))
                return -EPROTO;
        if (!f->first_seen) {
                f->first_seen = true;
                f->etag_len = etag_len;
                if (etag_len)
                        memcpy(f->etag, coap_opt_value(opt), etag_len);
                int64_t size2 = -1;
                opt = coap_check_option(received, COAP_OPTION_SIZE2, &it);
                if (opt && coap_opt_length(opt) <= 8)
                        size2 = (int64_t)coap_decode_var_bytes8(coap_opt_value(opt),
                                                                coap_opt_length(opt));
                f->total = size2 >= 0 ? (uint64_t)size2 : UINT64_MAX;
        } else if (etag_len != f->etag_len ||
                   (etag_len && memcmp(f->etag, coap_opt_value(opt), etag_len) != 0)) {
                return -ESTALE;
        }
        uint64_t end = pos + plen;
        if (end > f->total || (!more && f->total != UINT64_MAX && end != f->total))
                return -EPROTO;
        if (!more && f->offset > end)
                return -EPROTO; /* resuming past the end */
        if (end > f->offset) {
                size_t skip = (size_t)(f->offset - pos);
                f->in_data = true;
                f->e->callouts++;
                int r = f->data(f->userdata, f->offset, pdata + skip, plen - skip, f->total);
                f->in_data = false;
                f->offset = end;
                if (r < 0)
                        return r;
        }
        f->pos = end;
        return more ? 1 : 0;
}

bool fetch_on_response(lwm2m_engine *e, coap_session_t *session, const coap_pdu_t *received)
{
        lwm2m_fetch *f = fetch_by_session(e, session);
        if (!f)
                return false;
        if (!is_ours(f, received))
                return true; /* a late answer to an earlier block */
        int r = take_block(f, received);
        if (f->cancelled) {
                fetch_free(f); /* unlinked by lwm2m_fetch_cancel */
                return true;
        }
        if (r == 0) {
                fetch_end(f, 0);
                return true;
        }
        if (r > 0)
                r = fetch_send(f);
        if (r < 0)
                fetch_end(f, r);
        return true;
}

bool fetch_on_nack(lwm2m_engine *e, coap_session_t *session, const coap_pdu_t *sent,
                   coap_nack_reason_t reason)
{
        lwm2m_fetch *f = fetch_by_session(e, session);
        if (!f)
                return false;
        if (sent && !is_ours(f, sent))
                return true;
        int error;
        switch (reason) {
        case COAP_NACK_TOO_MANY_RETRIES:
                error = -ETIMEDOUT;
                break;
        case COAP_NACK_TLS_FAILED:
        case COAP_NACK_ICMP_ISSUE:
                error = -ECONNREFUSED;
                break;
        default:
                error = -ECONNRESET;
                break;
        }
        fetch_end(f, error);
        return true;
}

uint64_t fetch_run_timers(lwm2m_engine *e, uint64_t now)
{
        uint64_t next = UINT64_MAX;
        for (lwm2m_fetch *f = e->fetches; f;) {
                uint64_t due = f->asked_ms + FETCH_ANSWER_TIMEOUT_MS;
                if (now >= due) {
                        fetch_end(f, -ETIMEDOUT);
                        f = e->fetches; /* `done` may have started or cancelled others */
                        continue;
                }
                if (due < next)
                        next = due;
                f = f->next;
        }
        return next;
}

void fetch_cancel_all(lwm2m_engine *e)
{
        while (e->fetches)
                fetch_cancel(e->fetches);
}

coap_session_t *fetch_session(const lwm2m_fetch *f, coap_bin_const_t *token)
{
        *token = (coap_bin_const_t){.length = f->token_len, .s = f->token};
        return f->session;
}

void fetch_set_transmission(lwm2m_fetch *f, unsigned ack_timeout_ms, unsigned max_retransmit)
{
        coap_session_set_ack_timeout(
                f->session, (coap_fixed_point_t){.integer_part = ack_timeout_ms / 1000,
                                                 .fractional_part = ack_timeout_ms % 1000});
        coap_session_set_max_retransmit(f->session, max_retransmit);
}

/* Uri-Path and Uri-Query (and Uri-Host for a name) from the URI, once for all blocks. */
static int build_options(lwm2m_fetch *f, const coap_uri_t *u)
{
        char host[256];
        if (u->host.length < sizeof(host)) {
                memcpy(host, u->host.s, u->host.length);
                host[u->host.length] = 0;
                /* A name (not an address) may name one of several virtual hosts. */
                if (!security_is_address_literal(host) &&
                    !coap_insert_optlist(&f->opts, coap_new_optlist(COAP_OPTION_URI_HOST,
                                                                    u->host.length, u->host.s)))
                        return -ENOMEM;
        }
        uint8_t buf[1024];
        struct {
                coap_option_num_t number;
                const coap_str_const_t *part;
        } parts[] = {{COAP_OPTION_URI_PATH, &u->path}, {COAP_OPTION_URI_QUERY, &u->query}};
        for (size_t i = 0; i < 2; i++) {
                if (parts[i].part->length == 0)
                        continue;
                size_t len = sizeof(buf);
                int n = parts[i].number == COAP_OPTION_URI_PATH
                                ? coap_split_path(parts[i].part->s, parts[i].part->length, buf,
                                                  &len)
                                : coap_split_query(parts[i].part->s, parts[i].part->length, buf,
                                                   &len);
                if (n < 0)
                        return -EINVAL;
                uint8_t *p = buf;
                while (n-- > 0) {
                        if (!coap_insert_optlist(&f->opts, coap_new_optlist(parts[i].number,
                                                                            coap_opt_length(p),
                                                                            coap_opt_value(p))))
                                return -ENOMEM;
                        p += coap_opt_size(p);
                }
        }
        return 0;
}

lwm2m_fetch *fetch_start(lwm2m_engine *e, const char *uri, uint64_t offset, uint16_t short_id,
                         int (*data)(void *userdata, uint64_t offset, const uint8_t *bytes,
                                     size_t len, uint64_t total),
                         void (*done)(void *userdata, int error), void *userdata)
{
        assert(e && uri && data && done);
        coap_uri_t u;
        if (coap_split_uri((const uint8_t *)uri, strlen(uri), &u) < 0 || u.host.length == 0) {
                /* libcoap knows its own schemes only: another one (http://) is not a
                 * malformed URI but a protocol this cannot fetch. */
                const char *sep = strstr(uri, "://");
                errno = sep && sep > uri && strncasecmp(uri, "coap", 4) != 0 ? EPROTONOSUPPORT
                                                                             : EINVAL;
                return NULL;
        }
        bool secure = u.scheme == COAP_URI_SCHEME_COAPS;
        if (u.scheme != COAP_URI_SCHEME_COAP && !secure) {
                errno = EPROTONOSUPPORT;
                return NULL;
        }
        server *lender = secure ? security_lender(e, short_id) : NULL;
        if (secure && !lender) {
                lwm2m_logf(&e->log, LOG_WARNING,
                           "cannot fetch %s: no server %u to take DTLS "
                           "credentials from",
                           uri, short_id);
                errno = EPROTONOSUPPORT;
                return NULL;
        }
        /* A numeric address never blocks; a host name is looked up with getaddrinfo,
         * which blocks the loop for the lookup, once per fetch. */
        coap_address_t dst;
        if (security_resolve((const char *)u.host.s, u.host.length, u.port, &dst) < 0) {
                lwm2m_logf(&e->log, LOG_WARNING, "cannot fetch %s: cannot resolve '%.*s'", uri,
                           (int)u.host.length, u.host.s);
                errno = EHOSTUNREACH;
                return NULL;
        }
        lwm2m_fetch *f = calloc(1, sizeof(*f));
        if (!f || !(f->uri = strdup(uri))) {
                free(f);
                errno = ENOMEM;
                return NULL;
        }
        f->e = e;
        f->data = data;
        f->done = done;
        f->userdata = userdata;
        f->offset = offset;
        /* The URI split again: `u` points into the caller's string. */
        coap_split_uri((const uint8_t *)f->uri, strlen(f->uri), &u);
        int r = build_options(f, &u);
        if (r < 0) {
                fetch_free(f);
                errno = -r;
                return NULL;
        }
        char why[256] = "";
        if (secure) {
                f->session = security_open_borrowed(e, lender, f->uri, &dst, &r, why, sizeof(why));
                if (r == -EINVAL)
                        r = -EPROTONOSUPPORT; /* the credentials are incomplete */
        } else {
                f->session = coap_new_client_session(e->ctx, NULL, &dst, COAP_PROTO_UDP);
                r = -EIO;
                snprintf(why, sizeof(why), "cannot open a CoAP session");
        }
        if (!f->session) {
                lwm2m_logf(&e->log, LOG_WARNING, "cannot fetch %s: %s", uri, why);
                fetch_free(f);
                errno = -r;
                return NULL;
        }
        f->next = e->fetches;
        e->fetches = f;
        if (secure) {
                f->borrow = (security_borrow){
                        .session = f->session, .uri = f->uri, .short_id = lender->short_id};
                security_borrow_add(e, &f->borrow);
        }
        f->szx = block_szx_for_session(f->session, FETCH_RESPONSE_OVERHEAD);
        f->pos = offset >> (f->szx + 4) << (f->szx + 4);
        f->total = UINT64_MAX;
        r = fetch_send(f);
        if (r < 0) {
                fetch_unlink(f);
                fetch_free(f);
                errno = -r;
                return NULL;
        }
        lwm2m_logf(&e->log, LOG_INFO, "fetch of %s begins at byte %llu", uri,
                   (unsigned long long)offset);
        return f;
}

void fetch_cancel(lwm2m_fetch *f)
{
        if (!f || f->cancelled || f->ended)
                return;
        fetch_unlink(f);
        lwm2m_logf(&f->e->log, LOG_INFO, "fetch of %s cancelled after %llu bytes", f->uri,
                   (unsigned long long)f->offset);
        if (f->in_data)
                f->cancelled = true; /* freed when `data` returns */
        else
                fetch_free(f);
}
