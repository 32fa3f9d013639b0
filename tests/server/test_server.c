/* test_server.c - a small LwM2M server on libcoap for the integration tests and
 * the demo: takes registrations on 127.0.0.1 and sends any operation in any format. */
#include "test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TS_MAX_REGISTRATIONS 16
/* Requests and observations at once: bench_notify keeps 1000 observations. */
#define TS_MAX_PENDING 2048

typedef struct pending {
        bool used;
        bool done;
        bool observe; /* keep the token for notifications after the response */
        bool ended;   /* the observation was cancelled: notifications get a reset */
        int error;
        unsigned id; /* the observation handle */
        uint8_t token[8];
        size_t token_len;
        ts_response response;
        unsigned n_notes; /* notifications received for this observation */
} pending;

struct ts_server {
        ts_config cfg;
        coap_context_t *ctx;
        coap_endpoint_t *ep;
        uint16_t port;
        char uri[64];
        coap_bin_const_t psk_key;
        uint8_t *rpk_pem;            /* libcoap keeps pointing at it until the context goes */
        uint8_t peer_identity[4096]; /* what the last DTLS client showed, DER */
        size_t peer_identity_len;
        ts_registration regs[TS_MAX_REGISTRATIONS];
        unsigned n_regs;
        ts_registration *current;
        unsigned registers, updates, deregisters, next_location;
        uint8_t fail_code;
        unsigned fail_count;
        pending pend[TS_MAX_PENDING];
        unsigned next_observation;
        /* Every notification in arrival order; `taken` marks those handed out. */
        ts_notification *notes;
        bool *taken;
        size_t n_notes, cap_notes;
        bool reset_notifications;
        ts_send *sends;
        size_t n_sends, cap_sends;
        ts_bootstrap_request bootstrap; /* the last Bootstrap-Request */
        unsigned bootstraps;
        uint8_t bootstrap_fail_code;
        unsigned bootstrap_fail_count;
        /* ts_serve_blob: GET of blob_path answered block-wise from a copy. */
        char blob_path[64];
        uint8_t *blob;
        size_t blob_len;
        uint32_t blob_etag;         /* changes with each ts_serve_blob */
        unsigned blob_blocks;       /* answered */
        unsigned blob_answer_limit; /* answered before going silent (UINT_MAX: no limit) */
        bool silent;                /* reads nothing: as if gone */
        void (*idle)(void *userdata);
        void *idle_userdata;
};

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One turn of the loop: the idle hook (an engine in the same process), then libcoap
 * for up to `ms` (shorter with a hook, which needs its turns too). */
static void io_wait(ts_server *s, int64_t ms)
{
        if (s->idle) {
                s->idle(s->idle_userdata);
                if (ms > 2)
                        ms = 2;
        }
        if (ms <= 0)
                return;
        if (s->silent) {
                struct timespec ts = {.tv_nsec = (long)ms * 1000000L};
                nanosleep(&ts, NULL);
                return;
        }
        coap_io_process(s->ctx, (uint32_t)ms);
}

const char *ts_code_str(uint8_t code, char buf[8])
{
        snprintf(buf, 8, "%u.%02u", code >> 5, code & 31);
        return buf;
}

void ts_response_free(ts_response *r)
{
        free(r->payload);
        *r = (ts_response){.content_format = -1, .observe = -1};
}

static ts_server *server_of(coap_session_t *session)
{
        return coap_get_app_data(coap_session_get_context(session));
}

static void copy_response(const coap_pdu_t *pdu, ts_response *out)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        size_t len = 0, offset = 0, total = 0;
        const uint8_t *data = NULL;

        *out = (ts_response){.code = (uint8_t)coap_pdu_get_code(pdu),
                             .content_format = -1,
                             .observe = -1,
                             .block1 = -1,
                             .block2 = -1,
                             .size1 = -1};
        if ((opt = coap_check_option(pdu, COAP_OPTION_CONTENT_FORMAT, &it)))
                out->content_format =
                        (int)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        if ((opt = coap_check_option(pdu, COAP_OPTION_OBSERVE, &it)))
                out->observe =
                        (int)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        if ((opt = coap_check_option(pdu, COAP_OPTION_BLOCK1, &it)))
                out->block1 =
                        (int64_t)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        if ((opt = coap_check_option(pdu, COAP_OPTION_BLOCK2, &it)))
                out->block2 =
                        (int64_t)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        if ((opt = coap_check_option(pdu, COAP_OPTION_SIZE1, &it)))
                out->size1 =
                        (int64_t)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        size_t loc = 0;
        coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_LOCATION_PATH)
                        continue;
                int n = snprintf(out->location + loc, sizeof(out->location) - loc, "%s%.*s",
                                 loc ? "/" : "", (int)coap_opt_length(opt),
                                 (const char *)coap_opt_value(opt));
                if (n < 0 || (size_t)n >= sizeof(out->location) - loc)
                        break;
                loc += (size_t)n;
        }
        if (coap_get_data_large(pdu, &len, &data, &offset, &total) && data) {
                out->payload = malloc(len + 1);
                if (out->payload) {
                        memcpy(out->payload, data, len);
                        out->payload[len] = 0;
                        out->len = len;
                }
        }
}

/* The request that waits for its answer comes first: a cancel shares the token of
 * its observation. */
static pending *find_pending(ts_server *s, const coap_pdu_t *pdu)
{
        coap_bin_const_t tok = coap_pdu_get_token(pdu);
        pending *found = NULL;
        for (unsigned i = 0; i < TS_MAX_PENDING; i++) {
                pending *p = &s->pend[i];
                if (p->used && p->token_len == tok.length &&
                    memcmp(p->token, tok.s, tok.length) == 0) {
                        if (!p->done)
                                return p;
                        if (!found)
                                found = p;
                }
        }
        return found;
}

static pending *find_observation(const ts_server *s, unsigned handle)
{
        for (unsigned i = 0; handle && i < TS_MAX_PENDING; i++)
                if (s->pend[i].used && s->pend[i].observe && s->pend[i].id == handle)
                        return (pending *)&s->pend[i];
        return NULL;
}

/* Grows an array of `*cap` elements of `size` bytes to hold one more. */
static int grow(void **array, size_t *cap, size_t n, size_t size)
{
        if (n < *cap)
                return 0;
        size_t ncap = *cap ? *cap * 2 : 64;
        void *a = realloc(*array, ncap * size);
        if (!a)
                return -ENOMEM;
        *array = a;
        *cap = ncap;
        return 0;
}

static bool record_notification(ts_server *s, pending *p, const coap_pdu_t *received)
{
        size_t cap = s->cap_notes;
        if (grow((void **)&s->notes, &s->cap_notes, s->n_notes, sizeof(*s->notes)) < 0 ||
            grow((void **)&s->taken, &cap, s->n_notes, sizeof(*s->taken)) < 0)
                return false;
        ts_notification *n = &s->notes[s->n_notes];
        coap_bin_const_t tok = coap_pdu_get_token(received);
        *n = (ts_notification){.observation = p->id,
                               .confirmable = coap_pdu_get_type(received) == COAP_MESSAGE_CON,
                               .token_len = tok.length < 8 ? tok.length : 8,
                               .at_ms = now_ms(),
                               .after_end = p->ended,
                               .reset = p->ended || s->reset_notifications};
        memcpy(n->token, tok.s, n->token_len);
        copy_response(received, &n->resp);
        s->taken[s->n_notes] = false;
        s->n_notes++;
        p->n_notes++;
        return !n->reset;
}

static coap_response_t on_response(coap_session_t *session, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid)
{
        ts_server *s = server_of(session);
        pending *p = find_pending(s, received);
        if (!p)
                return COAP_RESPONSE_FAIL; /* libcoap answers with a reset */
        if (!p->done) {
                copy_response(received, &p->response);
                p->done = true;
                if (!p->observe || p->response.observe < 0)
                        p->observe = false;
                return COAP_RESPONSE_OK;
        }
        if (p->observe)
                return record_notification(s, p, received) ? COAP_RESPONSE_OK : COAP_RESPONSE_FAIL;
        return COAP_RESPONSE_FAIL;
}

static void on_nack(coap_session_t *session, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid)
{
        ts_server *s = server_of(session);
        if (!sent)
                return;
        pending *p = find_pending(s, sent);
        if (p && !p->done) {
                p->done = true;
                p->error = reason == COAP_NACK_RST ? -ECONNRESET : -ETIMEDOUT;
        }
}

/* Finds `key=` in an '&'-separated query and copies its value. */
static bool query_get(const char *query, const char *key, char *out, size_t size)
{
        size_t klen = strlen(key);
        const char *q = query;
        while (q && *q) {
                const char *end = strchr(q, '&');
                size_t n = end ? (size_t)(end - q) : strlen(q);
                if (n >= klen && strncmp(q, key, klen) == 0 && (n == klen || q[klen] == '=')) {
                        const char *v = n > klen ? q + klen + 1 : q + klen;
                        size_t vlen = n > klen ? n - klen - 1 : 0;
                        if (vlen >= size)
                                vlen = size - 1;
                        memcpy(out, v, vlen);
                        out[vlen] = 0;
                        return true;
                }
                q = end ? end + 1 : NULL;
        }
        return false;
}

static char *payload_string(const coap_pdu_t *pdu)
{
        size_t len = 0, offset = 0, total = 0;
        const uint8_t *data = NULL;
        if (!coap_get_data_large(pdu, &len, &data, &offset, &total) || !data)
                return strdup("");
        char *s = malloc(len + 1);
        if (!s)
                return NULL;
        memcpy(s, data, len);
        s[len] = 0;
        return s;
}

static ts_registration *find_by_location(ts_server *s, const char *loc)
{
        for (unsigned i = 0; i < s->n_regs; i++)
                if (s->regs[i].registered && strcmp(s->regs[i].location, loc) == 0)
                        return &s->regs[i];
        return NULL;
}

/* The record of endpoint `ep`, made if new, now on `session`; NULL when full. */
static ts_registration *registration_for(ts_server *s, const char *ep, coap_session_t *session)
{
        ts_registration *r = NULL;
        for (unsigned i = 0; i < s->n_regs; i++)
                if (strcmp(s->regs[i].endpoint, ep) == 0)
                        r = &s->regs[i];
        if (!r) {
                if (s->n_regs == TS_MAX_REGISTRATIONS)
                        return NULL;
                r = &s->regs[s->n_regs++];
                snprintf(r->endpoint, sizeof(r->endpoint), "%s", ep);
        }
        if (r->session)
                coap_session_release(r->session);
        r->session = coap_session_reference(session);
        r->registered = true;
        return r;
}

/* Bootstrap-Request: recorded, and its session becomes the one ts_request uses. */
static void handle_bootstrap(ts_server *s, coap_session_t *session, const char *query,
                             coap_pdu_t *response)
{
        char ep[128] = "", pct[16];
        if (!query_get(query, "ep", ep, sizeof(ep)) || !ep[0]) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        s->bootstrap = (ts_bootstrap_request){
                .pct = query_get(query, "pct", pct, sizeof(pct)) ? atoi(pct) : -1,
                .at_ms = now_ms()};
        snprintf(s->bootstrap.endpoint, sizeof(s->bootstrap.endpoint), "%s", ep);
        snprintf(s->bootstrap.query, sizeof(s->bootstrap.query), "%s", query);
        s->bootstraps++;
        if (s->bootstrap_fail_count > 0) {
                s->bootstrap_fail_count--;
                coap_pdu_set_code(response, s->bootstrap_fail_code);
                return;
        }
        ts_registration *r = registration_for(s, ep, session);
        if (!r) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
                return;
        }
        snprintf(r->location, sizeof(r->location), "bs");
        s->current = r;
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

static void handle_register(ts_server *s, coap_session_t *session, const coap_pdu_t *request,
                            const char *query, coap_pdu_t *response)
{
        char ep[128] = "", tmp[32];
        if (!query_get(query, "ep", ep, sizeof(ep)) || !ep[0]) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
                return;
        }
        ts_registration *r = registration_for(s, ep, session);
        if (!r) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
                return;
        }
        snprintf(r->location, sizeof(r->location), "rd/%u", s->next_location++);
        snprintf(r->query, sizeof(r->query), "%s", query);
        r->lifetime =
                query_get(query, "lt", tmp, sizeof(tmp)) ? (uint32_t)strtoul(tmp, NULL, 10) : 86400;
        if (!query_get(query, "lwm2m", r->version, sizeof(r->version)))
                snprintf(r->version, sizeof(r->version), "1.0");
        if (!query_get(query, "b", r->binding, sizeof(r->binding)))
                snprintf(r->binding, sizeof(r->binding), "U");
        r->queue_mode = query_get(query, "Q", tmp, sizeof(tmp));
        free(r->links);
        r->links = payload_string(request);
        r->registers++;
        s->registers++;
        s->current = r;

        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CREATED);
        char num[8];
        snprintf(num, sizeof(num), "%u", s->next_location - 1);
        coap_add_option(response, COAP_OPTION_LOCATION_PATH, 2, (const uint8_t *)"rd");
        coap_add_option(response, COAP_OPTION_LOCATION_PATH, strlen(num), (const uint8_t *)num);
}

/* LwM2M Send: every payload is kept for the test. */
static void handle_send(ts_server *s, const coap_pdu_t *request, coap_pdu_t *response)
{
        if (grow((void **)&s->sends, &s->cap_sends, s->n_sends, sizeof(*s->sends)) < 0) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
                return;
        }
        ts_response r;
        copy_response(request, &r);
        s->sends[s->n_sends++] = (ts_send){.content_format = r.content_format,
                                           .payload = r.payload ? r.payload : (uint8_t *)strdup(""),
                                           .len = r.len,
                                           .at_ms = now_ms()};
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

/* GET of the blob: the block the request's Block2 names (1024 bytes unless it asks
 * for less), with ETag, Block2 and Size2. */
static void handle_blob(ts_server *s, const coap_pdu_t *request, coap_pdu_t *response)
{
        unsigned num = 0, szx = 6;
        coap_opt_iterator_t it;
        coap_opt_t *opt = coap_check_option(request, COAP_OPTION_BLOCK2, &it);
        if (opt) {
                unsigned v = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
                num = v >> 4;
                szx = (v & 7) < 6 ? (v & 7) : 6;
        }
        size_t size = (size_t)1 << (szx + 4), offset = (size_t)num * size;
        if (offset > s->blob_len || (offset == s->blob_len && offset > 0)) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_OPTION);
                return;
        }
        size_t len = s->blob_len - offset < size ? s->blob_len - offset : size;
        bool more = offset + len < s->blob_len;
        uint8_t buf[8];
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
        coap_add_option(response, COAP_OPTION_ETAG, coap_encode_var_safe(buf, 4, s->blob_etag),
                        buf);
        coap_add_option(response, COAP_OPTION_CONTENT_FORMAT, coap_encode_var_safe(buf, 4, 42),
                        buf);
        coap_add_option(response, COAP_OPTION_BLOCK2,
                        coap_encode_var_safe(buf, 4, num << 4 | (more ? 8u : 0u) | szx), buf);
        coap_add_option(response, COAP_OPTION_SIZE2, coap_encode_var_safe8(buf, 8, s->blob_len),
                        buf);
        if (len > 0)
                coap_add_data(response, len, s->blob + offset);
        if (++s->blob_blocks >= s->blob_answer_limit)
                s->silent = true;
}

static void handle_request(coap_resource_t *resource, coap_session_t *session,
                           const coap_pdu_t *request, const coap_string_t *query_s,
                           coap_pdu_t *response)
{
        ts_server *s = server_of(session);
        coap_string_t *path_s = coap_get_uri_path(request);
        char path[64] = "", query[512] = "";
        if (path_s) {
                snprintf(path, sizeof(path), "%.*s", (int)path_s->length, path_s->s);
                coap_delete_string(path_s);
        }
        if (query_s)
                snprintf(query, sizeof(query), "%.*s", (int)query_s->length, query_s->s);
        coap_pdu_code_t method = coap_pdu_get_code(request);

        if (s->fail_count > 0 && method == COAP_REQUEST_CODE_POST) {
                s->fail_count--;
                coap_pdu_set_code(response, s->fail_code);
                return;
        }
        if (strcmp(path, "dp") == 0 && method == COAP_REQUEST_CODE_POST) {
                handle_send(s, request, response);
                return;
        }
        if (strcmp(path, "bs") == 0 && method == COAP_REQUEST_CODE_POST) {
                handle_bootstrap(s, session, query, response);
                return;
        }
        if (strcmp(path, "rd") == 0 && method == COAP_REQUEST_CODE_POST) {
                handle_register(s, session, request, query, response);
                return;
        }
        if (s->blob_path[0] && strcmp(path, s->blob_path) == 0 && method == COAP_REQUEST_CODE_GET) {
                handle_blob(s, request, response);
                return;
        }
        ts_registration *r = find_by_location(s, path);
        if (!r) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
                return;
        }
        if (method == COAP_REQUEST_CODE_POST && s->cfg.strict_address && r->session &&
            r->session != session) {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
                return;
        }
        if (method == COAP_REQUEST_CODE_POST) {
                char tmp[32];
                if (query_get(query, "lt", tmp, sizeof(tmp)))
                        r->lifetime = (uint32_t)strtoul(tmp, NULL, 10);
                if (query_get(query, "b", tmp, sizeof(tmp)))
                        snprintf(r->binding, sizeof(r->binding), "%.7s", tmp);
                char *links = payload_string(request);
                if (links && links[0]) {
                        free(r->links);
                        r->links = links;
                } else {
                        free(links);
                }
                if (r->session != session) {
                        if (r->session)
                                coap_session_release(r->session);
                        r->session = coap_session_reference(session);
                }
                r->updates++;
                s->updates++;
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
        } else if (method == COAP_REQUEST_CODE_DELETE) {
                r->registered = false;
                r->deregisters++;
                s->deregisters++;
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_DELETED);
        } else {
                coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_ALLOWED);
        }
}

static const coap_bin_const_t *check_psk_identity(coap_bin_const_t *identity,
                                                  coap_session_t *session, void *arg)
{
        ts_server *s = arg;
        size_t n = strlen(s->cfg.psk_identity);
        if (identity && identity->length == n && memcmp(identity->s, s->cfg.psk_identity, n) == 0)
                return &s->psk_key;
        return NULL;
}

/* Notes the client's certificate or raw public key; libcoap has already checked
 * the certificate against ca_file when one is configured. */
static int record_peer_identity(const char *cn, const uint8_t *der, size_t len,
                                coap_session_t *session, unsigned depth, int validated, void *arg)
{
        ts_server *s = arg;
        if (depth == 0 && len <= sizeof(s->peer_identity)) {
                memcpy(s->peer_identity, der, len);
                s->peer_identity_len = len;
        }
        return 1;
}

static int setup_security(ts_server *s)
{
        const ts_config *c = &s->cfg;
        if (c->security == TS_SECURITY_PSK) {
                s->psk_key = (coap_bin_const_t){.s = c->psk_key, .length = c->psk_key_len};
                coap_dtls_spsk_t spsk = {
                        .version = COAP_DTLS_SPSK_SETUP_VERSION,
                        .validate_id_call_back = check_psk_identity,
                        .id_call_back_arg = s,
                        .psk_info = {.key = s->psk_key},
                };
                return coap_context_set_psk2(s->ctx, &spsk) ? 0 : -EINVAL;
        }
        if (c->security == TS_SECURITY_X509 || c->security == TS_SECURITY_RPK) {
                coap_dtls_pki_t pki = {
                        .version = COAP_DTLS_PKI_SETUP_VERSION,
                        .verify_peer_cert = c->security == TS_SECURITY_X509 && c->ca_file,
                        .check_common_ca = c->security == TS_SECURITY_X509 && c->ca_file,
                        .cert_chain_validation = 1,
                        .cert_chain_verify_depth = 3,
                        .allow_no_crl = 1,
                        .allow_expired_crl = 1,
                        .is_rpk_not_cert = c->security == TS_SECURITY_RPK,
                        .validate_cn_call_back = record_peer_identity,
                        .cn_call_back_arg = s,
                };
                if (c->security == TS_SECURITY_X509) {
                        pki.pki_key.key_type = COAP_PKI_KEY_PEM;
                        pki.pki_key.key.pem.public_cert = c->cert_file;
                        pki.pki_key.key.pem.private_key = c->key_file;
                        pki.pki_key.key.pem.ca_file = c->ca_file;
                } else {
                        /* RPK wants the key in memory: an EC private key serves as both. */
                        static const size_t max = 16384;
                        FILE *f = fopen(c->key_file, "re");
                        if (!f)
                                return -errno;
                        uint8_t *buf = calloc(1, max);
                        size_t n = buf ? fread(buf, 1, max - 1, f) : 0;
                        fclose(f);
                        if (!buf)
                                return -ENOMEM;
                        pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
                        pki.pki_key.key.pem_buf.public_cert = buf;
                        pki.pki_key.key.pem_buf.public_cert_len = n + 1;
                        pki.pki_key.key.pem_buf.private_key = buf;
                        pki.pki_key.key.pem_buf.private_key_len = n + 1;
                        s->rpk_pem = buf;
                        return coap_context_set_pki(s->ctx, &pki) ? 0 : -EINVAL;
                }
                return coap_context_set_pki(s->ctx, &pki) ? 0 : -EINVAL;
        }
        return 0;
}

/* libcoap's last debug lines, for a request that timed out. One ring per process:
 * libcoap's log handler has no context pointer. */
#define TRACE_LINES 64
static struct {
        char line[TRACE_LINES][240];
        int64_t at_ms[TRACE_LINES];
        unsigned next;
} trace;

static void keep_trace(coap_log_t level, const char *message)
{
        unsigned i = trace.next++ % TRACE_LINES;
        snprintf(trace.line[i], sizeof(trace.line[i]), "%s", message);
        trace.line[i][strcspn(trace.line[i], "\n")] = '\0';
        trace.at_ms[i] = now_ms();
}

/* Prints the ring when `s` keeps one (trace_timeouts without verbose). */
static void trace_timeout(const ts_server *s, const char *path, const char *what)
{
        if (!s->cfg.trace_timeouts || s->cfg.verbose)
                return;
        fprintf(stderr, "---- test server: %s: %s (at %" PRId64 "); libcoap's last lines ----\n",
                path, what, now_ms());
        unsigned n = trace.next < TRACE_LINES ? trace.next : TRACE_LINES;
        for (unsigned k = trace.next - n; k != trace.next; k++)
                fprintf(stderr, "%" PRId64 " %s\n", trace.at_ms[k % TRACE_LINES],
                        trace.line[k % TRACE_LINES]);
        fprintf(stderr, "----\n");
}

/* Binds s->port (0: a free one, then noted in s->port). */
static int open_endpoint(ts_server *s)
{
        coap_address_t addr;
        coap_address_init(&addr);
        addr.addr.sin.sin_family = AF_INET;
        addr.addr.sin.sin_port = htons(s->port);
        inet_pton(AF_INET, "127.0.0.1", &addr.addr.sin.sin_addr);
        addr.size = sizeof(addr.addr.sin);
        bool secure = s->cfg.security != TS_SECURITY_NOSEC;
        s->ep = coap_new_endpoint(s->ctx, &addr, secure ? COAP_PROTO_DTLS : COAP_PROTO_UDP);
        if (!s->ep)
                return -EADDRINUSE;
        /* libcoap 4.3 does not hand out the bound port; its description holds it. */
        const char *desc = coap_endpoint_str(s->ep);
        const char *colon = desc ? strrchr(desc, ':') : NULL;
        uint16_t port = colon ? (uint16_t)strtoul(colon + 1, NULL, 10) : s->port;
        if (port == 0)
                return -EIO;
        s->port = port;
        return 0;
}

ts_server *ts_new(const ts_config *cfg)
{
        coap_startup();
        if (cfg->trace_timeouts && !cfg->verbose)
                coap_set_log_handler(keep_trace);
        coap_set_log_level(cfg->verbose || cfg->trace_timeouts ? LOG_DEBUG : LOG_EMERG);
        coap_dtls_set_log_level(cfg->verbose ? LOG_DEBUG : LOG_EMERG);

        ts_server *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->cfg = *cfg;
        s->next_location = 1;
        s->blob_answer_limit = UINT_MAX;
        s->ctx = coap_new_context(NULL);
        if (!s->ctx)
                goto fail;
        coap_set_app_data(s->ctx, s);
        coap_context_set_block_mode(s->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
        coap_register_response_handler(s->ctx, on_response);
        coap_register_nack_handler(s->ctx, on_nack);
        if (setup_security(s) < 0)
                goto fail;

        s->port = cfg->port;
        if (open_endpoint(s) < 0)
                goto fail;
        bool secure = cfg->security != TS_SECURITY_NOSEC;
        snprintf(s->uri, sizeof(s->uri), "%s://127.0.0.1:%u", secure ? "coaps" : "coap", s->port);

        coap_resource_t *any = coap_resource_unknown_init2(handle_request, 0);
        coap_register_request_handler(any, COAP_REQUEST_POST, handle_request);
        coap_register_request_handler(any, COAP_REQUEST_DELETE, handle_request);
        coap_register_request_handler(any, COAP_REQUEST_GET, handle_request);
        coap_add_resource(s->ctx, any);
        return s;
fail:
        ts_free(s);
        return NULL;
}

void ts_free(ts_server *s)
{
        if (!s)
                return;
        for (unsigned i = 0; i < s->n_regs; i++) {
                if (s->regs[i].session)
                        coap_session_release(s->regs[i].session);
                free(s->regs[i].links);
        }
        for (unsigned i = 0; i < TS_MAX_PENDING; i++)
                ts_response_free(&s->pend[i].response);
        for (size_t i = 0; i < s->n_notes; i++)
                ts_response_free(&s->notes[i].resp);
        free(s->notes);
        free(s->taken);
        for (size_t i = 0; i < s->n_sends; i++)
                free(s->sends[i].payload);
        free(s->sends);
        free(s->blob);
        if (s->ctx)
                coap_free_context(s->ctx);
        free(s->rpk_pem);
        free(s);
        coap_cleanup();
}

uint16_t ts_port(const ts_server *s)
{
        return s->port;
}

const char *ts_uri(const ts_server *s)
{
        return s->uri;
}

void ts_process(ts_server *s, int ms)
{
        int64_t end = now_ms() + ms;
        for (;;) {
                int64_t left = end - now_ms();
                if (left <= 0)
                        break;
                io_wait(s, left);
        }
}

/* Runs libcoap until `*counter` exceeds `seen` or the time is up. */
static bool wait_counter(ts_server *s, const unsigned *counter, unsigned seen, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        while (*counter <= seen) {
                int64_t left = end - now_ms();
                if (left <= 0)
                        return false;
                io_wait(s, left < 100 ? left : 100);
        }
        return true;
}

ts_registration *ts_wait_register(ts_server *s, unsigned seen, int timeout_ms)
{
        return wait_counter(s, &s->registers, seen, timeout_ms) ? s->current : NULL;
}

const ts_bootstrap_request *ts_wait_bootstrap_request(ts_server *s, unsigned seen, int timeout_ms)
{
        return wait_counter(s, &s->bootstraps, seen, timeout_ms) ? &s->bootstrap : NULL;
}

unsigned ts_bootstrap_request_count(const ts_server *s)
{
        return s->bootstraps;
}

void ts_fail_bootstrap(ts_server *s, uint8_t code, unsigned n)
{
        s->bootstrap_fail_code = code;
        s->bootstrap_fail_count = n;
}

ts_registration *ts_wait_update(ts_server *s, unsigned seen, int timeout_ms)
{
        return wait_counter(s, &s->updates, seen, timeout_ms) ? s->current : NULL;
}

bool ts_wait_deregister(ts_server *s, unsigned seen, int timeout_ms)
{
        return wait_counter(s, &s->deregisters, seen, timeout_ms);
}

ts_registration *ts_current(ts_server *s)
{
        return s->current;
}

unsigned ts_register_count(const ts_server *s)
{
        return s->registers;
}

unsigned ts_update_count(const ts_server *s)
{
        return s->updates;
}

unsigned ts_deregister_count(const ts_server *s)
{
        return s->deregisters;
}

size_t ts_peer_identity(const ts_server *s, const uint8_t **der)
{
        *der = s->peer_identity;
        return s->peer_identity_len;
}

void ts_fail_next(ts_server *s, uint8_t code, unsigned n)
{
        s->fail_code = code;
        s->fail_count = n;
}

void ts_forget(ts_server *s)
{
        for (unsigned i = 0; i < s->n_regs; i++)
                s->regs[i].registered = false;
        s->current = NULL;
}

static int add_path_and_query(coap_optlist_t **opts, const char *path)
{
        const char *q = strchr(path, '?');
        size_t plen = q ? (size_t)(q - path) : strlen(path);
        uint8_t buf[512];
        size_t buflen = sizeof(buf);
        const char *p = path;
        while (plen > 0 && *p == '/') {
                p++;
                plen--;
        }
        if (plen > 0) {
                int n = coap_split_path((const uint8_t *)p, plen, buf, &buflen);
                uint8_t *b = buf;
                while (n-- > 0) {
                        coap_insert_optlist(opts, coap_new_optlist(COAP_OPTION_URI_PATH,
                                                                   coap_opt_length(b),
                                                                   coap_opt_value(b)));
                        b += coap_opt_size(b);
                }
        }
        if (q && q[1]) {
                buflen = sizeof(buf);
                int n = coap_split_query((const uint8_t *)q + 1, strlen(q + 1), buf, &buflen);
                uint8_t *b = buf;
                while (n-- > 0) {
                        coap_insert_optlist(opts, coap_new_optlist(COAP_OPTION_URI_QUERY,
                                                                   coap_opt_length(b),
                                                                   coap_opt_value(b)));
                        b += coap_opt_size(b);
                }
        }
        return 0;
}

static int send_request_on(ts_server *s, const pending *observation, coap_pdu_code_t method,
                           const char *path, int content_format, int accept, int observe,
                           const ts_option *extra, size_t n_extra, bool whole, const void *payload,
                           size_t len, int timeout_ms, ts_response *out, unsigned *handle);

/* Sends one request and waits for its answer. `extra` adds uint options; `whole`
 * puts the payload in this one datagram, where libcoap would otherwise cut it in blocks. */
static int send_request(ts_server *s, coap_pdu_code_t method, const char *path, int content_format,
                        int accept, int observe, const ts_option *extra, size_t n_extra, bool whole,
                        const void *payload, size_t len, int timeout_ms, ts_response *out)
{
        return send_request_on(s, NULL, method, path, content_format, accept, observe, extra,
                               n_extra, whole, payload, len, timeout_ms, out, NULL);
}

/* `observation`: the observation to cancel with libcoap's cancel (method, path and
 * payload are then the Observe request's), or NULL for a new request with a new token. *handle: the
 * new observation's handle (0 if none came of it). */
static int send_request_on(ts_server *s, const pending *observation, coap_pdu_code_t method,
                           const char *path, int content_format, int accept, int observe,
                           const ts_option *extra, size_t n_extra, bool whole, const void *payload,
                           size_t len, int timeout_ms, ts_response *out, unsigned *handle)
{
        if (handle)
                *handle = 0;
        *out = (ts_response){.content_format = -1, .observe = -1};
        ts_registration *r = s->current;
        if (!r || !r->registered || !r->session)
                return -ENOTCONN;

        pending *p = NULL;
        for (unsigned i = 0; i < TS_MAX_PENDING && !p; i++)
                if (!s->pend[i].used)
                        p = &s->pend[i];
        if (!p) /* reuse the oldest finished, non-observing slot */
                for (unsigned i = 0; i < TS_MAX_PENDING && !p; i++)
                        if (s->pend[i].done && !s->pend[i].observe)
                                p = &s->pend[i];
        if (!p)
                return -EBUSY;
        ts_response_free(&p->response);
        *p = (pending){.used = true, .observe = observe == 0};
        p->response = (ts_response){.content_format = -1, .observe = -1};
        if (p->observe)
                p->id = ++s->next_observation;

        coap_session_t *session = r->session;
        if (s->cfg.ack_timeout_ms)
                coap_session_set_ack_timeout(session,
                                             (coap_fixed_point_t){s->cfg.ack_timeout_ms / 1000,
                                                                  s->cfg.ack_timeout_ms % 1000});
        if (observation) {
                /* libcoap puts a token of its own on the wire when it reuses one: only
                 * its cancel repeats the observation's token (and a FETCH body). */
                memcpy(p->token, observation->token, observation->token_len);
                p->token_len = observation->token_len;
                coap_binary_t tok = {.length = p->token_len, .s = p->token};
                if (!coap_cancel_observe(session, &tok, COAP_MESSAGE_CON)) {
                        p->used = false;
                        return -EIO;
                }
        } else {
                coap_pdu_t *pdu =
                        coap_pdu_init(COAP_MESSAGE_CON, method, coap_new_message_id(session),
                                      coap_session_max_pdu_size(session));
                if (!pdu)
                        return -ENOMEM;
                coap_session_new_token(session, &p->token_len, p->token);
                coap_add_token(pdu, p->token_len, p->token);

                coap_optlist_t *opts = NULL;
                uint8_t b[4];
                if (observe >= 0)
                        coap_insert_optlist(
                                &opts,
                                coap_new_optlist(COAP_OPTION_OBSERVE,
                                                 coap_encode_var_safe(b, 4, (unsigned)observe), b));
                add_path_and_query(&opts, path);
                if (content_format >= 0) {
                        uint8_t cb[4];
                        coap_insert_optlist(
                                &opts,
                                coap_new_optlist(
                                        COAP_OPTION_CONTENT_FORMAT,
                                        coap_encode_var_safe(cb, 4, (unsigned)content_format), cb));
                }
                if (accept >= 0) {
                        uint8_t ab[4];
                        coap_insert_optlist(
                                &opts, coap_new_optlist(
                                               COAP_OPTION_ACCEPT,
                                               coap_encode_var_safe(ab, 4, (unsigned)accept), ab));
                }
                for (size_t i = 0; i < n_extra; i++) {
                        uint8_t xb[8];
                        coap_insert_optlist(&opts,
                                            coap_new_optlist(extra[i].number,
                                                             coap_encode_var_safe8(xb, sizeof(xb),
                                                                                   extra[i].value),
                                                             xb));
                }
                coap_add_optlist_pdu(pdu, &opts);
                coap_delete_optlist(opts);
                if (payload && len > 0 && whole)
                        coap_add_data(pdu, len, payload);
                else if (payload && len > 0)
                        coap_add_data_large_request(session, pdu, len, payload, NULL, NULL);

                if (coap_send(session, pdu) == COAP_INVALID_MID) {
                        p->used = false;
                        return -EIO;
                }
        }
        int64_t end = now_ms() + timeout_ms;
        while (!p->done) {
                int64_t left = end - now_ms();
                if (left <= 0) {
                        p->used = false;
                        trace_timeout(s, path, "no answer in time");
                        return -ETIMEDOUT;
                }
                io_wait(s, left < 100 ? left : 100);
        }
        int err = p->error;
        if (err == -ETIMEDOUT)
                trace_timeout(s, path, "libcoap gave up retransmitting");
        if (err == 0) {
                *out = p->response;
                p->response = (ts_response){.content_format = -1, .observe = -1};
        }
        if (err == 0 && p->observe && handle)
                *handle = p->id;
        if (err != 0 || !p->observe)
                p->used = false;
        return err;
}

int ts_request(ts_server *s, coap_pdu_code_t method, const char *path, int content_format,
               int accept, int observe, const void *payload, size_t len, int timeout_ms,
               ts_response *out)
{
        return send_request(s, method, path, content_format, accept, observe, NULL, 0, false,
                            payload, len, timeout_ms, out);
}

int ts_request_raw(ts_server *s, coap_pdu_code_t method, const char *path, int content_format,
                   const ts_option *extra, size_t n_extra, const void *payload, size_t len,
                   int timeout_ms, ts_response *out)
{
        return send_request(s, method, path, content_format, -1, -1, extra, n_extra, true, payload,
                            len, timeout_ms, out);
}

/* The first notification not taken yet, of `handle` or (0) of any observation. */
static ts_notification *next_untaken(ts_server *s, unsigned handle)
{
        for (size_t i = 0; i < s->n_notes; i++)
                if (!s->taken[i] && (!handle || s->notes[i].observation == handle)) {
                        s->taken[i] = true;
                        return &s->notes[i];
                }
        return NULL;
}

static int wait_untaken(ts_server *s, unsigned handle, int timeout_ms, ts_notification *out)
{
        int64_t end = now_ms() + timeout_ms;
        ts_notification *n;
        while (!(n = next_untaken(s, handle))) {
                int64_t left = end - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                io_wait(s, left < 100 ? left : 100);
        }
        /* The caller owns the payload from now on. */
        *out = *n;
        n->resp.payload = NULL;
        n->resp.len = 0;
        return 0;
}

int ts_wait_notification(ts_server *s, int timeout_ms, ts_response *out)
{
        ts_notification n;
        int r = wait_untaken(s, 0, timeout_ms, &n);
        *out = r == 0 ? n.resp : (ts_response){.content_format = -1, .observe = -1};
        return r;
}

int ts_observe(ts_server *s, const char *path, int accept, int timeout_ms, ts_response *first,
               unsigned *handle)
{
        return send_request_on(s, NULL, COAP_REQUEST_CODE_GET, path, -1, accept, 0, NULL, 0, false,
                               NULL, 0, timeout_ms, first, handle);
}

int ts_observe_composite(ts_server *s, int content_format, const void *payload, size_t len,
                         int accept, int timeout_ms, ts_response *first, unsigned *handle)
{
        return send_request_on(s, NULL, COAP_REQUEST_CODE_FETCH, "/", content_format, accept, 0,
                               NULL, 0, false, payload, len, timeout_ms, first, handle);
}

int ts_cancel_observe(ts_server *s, unsigned handle, int timeout_ms, ts_response *out)
{
        *out = (ts_response){.content_format = -1, .observe = -1};
        pending *o = find_observation(s, handle);
        if (!o)
                return -ENOENT;
        /* From now on its notifications are unwanted, even those crossing the cancel. */
        o->ended = true;
        pending copy = *o;
        return send_request_on(s, &copy, COAP_REQUEST_CODE_GET, "", -1, -1, 1, NULL, 0, false, NULL,
                               0, timeout_ms, out, NULL);
}

int ts_wait_observation(ts_server *s, unsigned handle, int timeout_ms, ts_notification *out)
{
        *out = (ts_notification){.resp = {.content_format = -1, .observe = -1}};
        if (!find_observation(s, handle))
                return -ENOENT;
        return wait_untaken(s, handle, timeout_ms, out);
}

unsigned ts_notification_count(const ts_server *s, unsigned handle)
{
        const pending *p = find_observation(s, handle);
        return p ? p->n_notes : 0;
}

unsigned ts_notification_total(const ts_server *s)
{
        return (unsigned)s->n_notes;
}

bool ts_observation_token(const ts_server *s, unsigned handle, uint8_t token[8], size_t *len)
{
        const pending *p = find_observation(s, handle);
        if (!p)
                return false;
        memcpy(token, p->token, p->token_len);
        *len = p->token_len;
        return true;
}

void ts_set_reset_notifications(ts_server *s, bool on)
{
        s->reset_notifications = on;
}

void ts_notification_free(ts_notification *n)
{
        ts_response_free(&n->resp);
}

unsigned ts_send_count(const ts_server *s)
{
        return (unsigned)s->n_sends;
}

const ts_send *ts_send_get(const ts_server *s, unsigned i)
{
        return i < s->n_sends ? &s->sends[i] : NULL;
}

const ts_send *ts_wait_send(ts_server *s, unsigned seen, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        while (s->n_sends <= seen) {
                int64_t left = end - now_ms();
                if (left <= 0)
                        return NULL;
                io_wait(s, left < 100 ? left : 100);
        }
        return &s->sends[seen];
}

/* ---- a resource to fetch ---- */

int ts_serve_blob(ts_server *s, const char *path, const uint8_t *data, size_t len)
{
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
                return -ENOMEM;
        if (len > 0)
                memcpy(copy, data, len);
        free(s->blob);
        s->blob = copy;
        s->blob_len = len;
        s->blob_etag++;
        snprintf(s->blob_path, sizeof(s->blob_path), "%s", path[0] == '/' ? path + 1 : path);
        return 0;
}

void ts_blob_drop_after(ts_server *s, unsigned n)
{
        s->blob_answer_limit = n == UINT_MAX ? UINT_MAX : s->blob_blocks + n;
        s->silent = n == 0;
}

unsigned ts_blob_blocks(const ts_server *s)
{
        return s->blob_blocks;
}

void ts_set_silent(ts_server *s, bool silent)
{
        s->silent = silent;
}

void ts_set_idle(ts_server *s, void (*fn)(void *userdata), void *userdata)
{
        s->idle = fn;
        s->idle_userdata = userdata;
}
