/* bench_probe.c - a lean LwM2M server on 127.0.0.1 that times a client's Read path: it takes
 * the Register (over NoSec or DTLS 1.2 PSK) and sends one confirmable GET at a time. */
#include "bench_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "tests/faults/raw_coap.h"

/* CoAP (RFC 7252) as numbers on the wire. */
enum {
        TYPE_CON = 0,
        TYPE_NON = 1,
        TYPE_ACK = 2,
        TYPE_RST = 3,
        CODE_EMPTY = 0,
        CODE_GET = 1,
        CODE_POST = 2,
        CODE_DELETE = 4,
        CODE_CREATED = 0x41,  /* 2.01 */
        CODE_DELETED = 0x42,  /* 2.02 */
        CODE_CHANGED = 0x44,  /* 2.04 */
        CODE_CONTENT = 0x45,  /* 2.05 */
        CODE_CONTINUE = 0x5f, /* 2.31 */
        CODE_NOT_FOUND = 0x84,
        OPT_LOCATION_PATH = 8,
        OPT_URI_PATH = 11,
        OPT_CONTENT_FORMAT = 12,
        OPT_URI_QUERY = 15,
        OPT_ACCEPT = 17,
        OPT_BLOCK1 = 27,
        TOKEN_LEN = 4, /* of the probe's GETs: a counter */
        MAX_PATH = 4,
        BLOCK_MORE = 0x08,
        DTLS_HANDSHAKE = 22,
        DTLS_CLIENT_HELLO = 1,
};

/* The priorities libcoap's own GnuTLS server offers (PSK part), so that the probe and the
 * test server negotiate the same cipher suite with the same client. */
#define DTLS_PRIORITIES "NORMAL:+ECDHE-PSK:+PSK:+AES-128-CCM-8:-VERS-TLS1.3"

/* What the probe looks at in a message, from the options raw_parse() found. */
typedef struct coap_msg {
        const raw_msg *raw;
        const raw_option *path[MAX_PATH];
        unsigned n_path;
        const raw_option *ep;        /* the Uri-Query "ep=..." */
        long content_format, block1; /* -1: absent */
} coap_msg;

struct bench_probe {
        int fd;
        uint16_t port;
        bool connected; /* to the client, once it registered (NoSec) or said ClientHello */
        struct sockaddr_in peer;
        int recv_timeout_ms; /* SO_RCVTIMEO as last set: set again only when it changes */

        bool dtls;
        gnutls_session_t session;
        gnutls_psk_server_credentials_t psk;
        gnutls_priority_t priorities;
        gnutls_datum_t cookie_key;
        char psk_identity[64];
        uint8_t psk_key[64];
        size_t psk_key_len;
        char cipher[96];

        /* The registration. */
        unsigned registrations;
        bool registered, deregistered;
        char endpoint[64];
        char location[16]; /* <n> of rd/<n> */

        /* The last request answered, to answer its retransmission the same way. */
        bool have_last;
        uint16_t last_mid;
        uint8_t last_reply[64];
        size_t last_reply_len;

        /* The GET, encoded once; MID and token written into it each time. */
        uint8_t get[256];
        size_t get_len;
        long accept;
        uint16_t mid;
        uint32_t token;
        unsigned separate;

        uint8_t rx[16384]; /* a DTLS record's largest plaintext */
        raw_msg msg;       /* what came in last, pointing into rx */
        raw_msg reply;     /* what goes out, before it is encoded */
        char error[256];
};

static int fail(bench_probe *p, int err, const char *fmt, ...) _printf_(3, 4);
static int fail(bench_probe *p, int err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->error, sizeof(p->error), fmt, ap);
        va_end(ap);
        return err;
}

const char *bench_probe_error(const bench_probe *p)
{
        return p->error;
}

/* ---- CoAP, on raw_coap's parser and encoder ---- */

static unsigned long read_uint(const raw_option *o)
{
        unsigned long v = 0;
        for (size_t i = 0; i < o->len; i++)
                v = v << 8 | o->value[i];
        return v;
}

/* p->rx as a message into p->msg; false for a message format error (RFC 7252 section 3)
 * or options the probe cannot take (more than MAX_PATH segments, oversized integers). */
static bool parse_message(bench_probe *p, size_t len, coap_msg *m)
{
        if (!raw_parse(p->rx, len, &p->msg))
                return false;
        *m = (coap_msg){.raw = &p->msg, .content_format = -1, .block1 = -1};
        for (size_t i = 0; i < p->msg.n_opts; i++) {
                const raw_option *o = &p->msg.opts[i];
                switch (o->number) {
                case OPT_URI_PATH:
                        if (m->n_path == MAX_PATH)
                                return false;
                        m->path[m->n_path++] = o;
                        break;
                case OPT_URI_QUERY:
                        if (o->len > 3 && memcmp(o->value, "ep=", 3) == 0)
                                m->ep = o;
                        break;
                case OPT_CONTENT_FORMAT:
                        if (o->len > 2)
                                return false;
                        m->content_format = (long)read_uint(o);
                        break;
                case OPT_BLOCK1:
                        if (o->len > 3)
                                return false;
                        m->block1 = (long)read_uint(o);
                        break;
                default:
                        break;
                }
        }
        return true;
}

static bool path_is(const coap_msg *m, unsigned i, const char *s)
{
        size_t n = strlen(s);
        return i < m->n_path && m->path[i]->len == n && memcmp(m->path[i]->value, s, n) == 0;
}

/* A message with no options yet, `token` copied. */
static void start_message(raw_msg *out, uint8_t type, uint8_t code, uint16_t mid,
                          const uint8_t *token, uint8_t tkl)
{
        out->version = 1;
        out->type = type;
        out->code = code;
        out->mid = mid;
        out->token_len = tkl;
        memcpy(out->token, token, tkl);
        out->n_opts = 0;
        out->marker = false;
        out->len = 0;
}

/* ---- the socket and the DTLS session ---- */

static int set_recv_timeout(bench_probe *p, int ms)
{
        if (ms < 1)
                ms = 1; /* 0 would mean forever */
        if (ms == p->recv_timeout_ms)
                return 0;
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        if (setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return fail(p, -errno, "SO_RCVTIMEO: %s", strerror(errno));
        p->recv_timeout_ms = ms;
        return 0;
}

static ssize_t push_connected(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
        const bench_probe *p = ptr;
        return send(p->fd, data, len, 0);
}

/* The HelloVerifyRequest goes out before the socket is connected to the client. */
static ssize_t push_to_peer(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
        const bench_probe *p = ptr;
        return sendto(p->fd, data, len, 0, (const struct sockaddr *)&p->peer, sizeof(p->peer));
}

/* A blocking recv bounded by SO_RCVTIMEO: with no record timeout set, GnuTLS calls only
 * this for records, so a Read costs the probe one recv as it does without DTLS. */
static ssize_t pull_connected(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
        const bench_probe *p = ptr;
        return recv(p->fd, data, len, 0);
}

/* The handshake waits with this (its retransmission timers). */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
        const bench_probe *p = ptr;
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
        return r > 0 ? 1 : r;
}

static int psk_key_for(gnutls_session_t session, const char *identity, gnutls_datum_t *key)
{
        const bench_probe *p = gnutls_session_get_ptr(session);
        if (strcmp(identity, p->psk_identity) != 0)
                return -1;
        key->data = gnutls_malloc(p->psk_key_len);
        if (!key->data)
                return -1;
        memcpy(key->data, p->psk_key, p->psk_key_len);
        key->size = (unsigned)p->psk_key_len;
        return 0;
}

static int remaining_ms(int64_t deadline_ns)
{
        int64_t left = deadline_ns - bench_now_ns();
        return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

static int connect_to_peer(bench_probe *p)
{
        if (connect(p->fd, (const struct sockaddr *)&p->peer, sizeof(p->peer)) < 0)
                return fail(p, -errno, "connect: %s", strerror(errno));
        p->connected = true;
        return 0;
}

/* Cookie exchange (RFC 6347 4.2.1) on the unconnected socket, then the handshake with the
 * client whose ClientHello carried a valid cookie, on the socket connected to it. */
static int accept_dtls(bench_probe *p, int64_t deadline_ns)
{
        gnutls_dtls_prestate_st prestate;
        for (;;) {
                struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
                int r = poll(&pfd, 1, remaining_ms(deadline_ns));
                if (r < 0)
                        return fail(p, -errno, "poll: %s", strerror(errno));
                if (r == 0)
                        return fail(p, -ETIMEDOUT, "no DTLS ClientHello");
                struct sockaddr_in from;
                socklen_t flen = sizeof(from);
                ssize_t n = recvfrom(p->fd, p->rx, sizeof(p->rx), MSG_PEEK,
                                     (struct sockaddr *)&from, &flen);
                if (n < 0)
                        return fail(p, -errno, "recvfrom: %s", strerror(errno));
                memset(&prestate, 0, sizeof(prestate));
                if (gnutls_dtls_cookie_verify(&p->cookie_key, &from, sizeof(from), p->rx, (size_t)n,
                                              &prestate) == 0) {
                        p->peer = from;
                        break; /* left in the socket for the handshake to read */
                }
                (void)!recv(p->fd, p->rx, sizeof(p->rx), 0);
                if (n > 13 && p->rx[0] == DTLS_HANDSHAKE && p->rx[13] == DTLS_CLIENT_HELLO) {
                        p->peer = from;
                        gnutls_dtls_cookie_send(&p->cookie_key, &from, sizeof(from), &prestate, p,
                                                push_to_peer);
                }
        }
        int r = connect_to_peer(p);
        if (r < 0)
                return r;
        r = gnutls_init(&p->session, GNUTLS_SERVER | GNUTLS_DATAGRAM);
        if (r < 0)
                return fail(p, -ENOMEM, "gnutls_init: %s", gnutls_strerror(r));
        gnutls_session_set_ptr(p->session, p);
        if ((r = gnutls_priority_set(p->session, p->priorities)) < 0 ||
            (r = gnutls_credentials_set(p->session, GNUTLS_CRD_PSK, p->psk)) < 0)
                return fail(p, -EINVAL, "DTLS session: %s", gnutls_strerror(r));
        gnutls_dtls_prestate_set(p->session, &prestate);
        gnutls_transport_set_ptr(p->session, p);
        gnutls_transport_set_push_function(p->session, push_connected);
        gnutls_transport_set_pull_function(p->session, pull_connected);
        gnutls_transport_set_pull_timeout_function(p->session, pull_timeout);
        gnutls_handshake_set_timeout(p->session, (unsigned)remaining_ms(deadline_ns) + 1);
        do
                r = gnutls_handshake(p->session);
        while (r < 0 && !gnutls_error_is_fatal(r));
        if (r < 0)
                return fail(p, -EPROTO, "DTLS handshake: %s", gnutls_strerror(r));
        gnutls_record_set_timeout(p->session, 0);
        const char *suite = gnutls_cipher_suite_get_name(gnutls_kx_get(p->session),
                                                         gnutls_cipher_get(p->session),
                                                         gnutls_mac_get(p->session));
        snprintf(p->cipher, sizeof(p->cipher), "%s", suite ? suite : "?");
        return 0;
}

/* One datagram (one record's plaintext under DTLS) into p->rx: its length, 0 when the DTLS
 * peer closed, -EAGAIN when nothing came in `timeout_ms` (or a record was dropped). */
static ssize_t recv_message(bench_probe *p, int timeout_ms)
{
        int r = set_recv_timeout(p, timeout_ms);
        if (r < 0)
                return r;
        if (p->session) {
                ssize_t n = gnutls_record_recv(p->session, p->rx, sizeof(p->rx));
                if (n >= 0)
                        return n;
                /* AGAIN also when a record was dropped (a replay, a bad tag): wait on. */
                if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                        return -EAGAIN;
                return fail(p, -EPROTO, "DTLS record: %s", gnutls_strerror((int)n));
        }
        /* MSG_TRUNC: the datagram's real length, so that a cut one is an error, not a
         * shorter message. */
        ssize_t n;
        if (p->connected) {
                n = recv(p->fd, p->rx, sizeof(p->rx), MSG_TRUNC);
        } else {
                socklen_t flen = sizeof(p->peer);
                n = recvfrom(p->fd, p->rx, sizeof(p->rx), MSG_TRUNC, (struct sockaddr *)&p->peer,
                             &flen);
        }
        if (n > (ssize_t)sizeof(p->rx))
                return fail(p, -EMSGSIZE, "a datagram of %zd bytes, more than %zu", n,
                            sizeof(p->rx));
        if (n >= 0)
                return n;
        if (errno == EAGAIN || errno == EINTR)
                return -EAGAIN;
        return fail(p, -errno, "recv: %s", strerror(errno));
}

static int send_message(bench_probe *p, const uint8_t *d, size_t len)
{
        if (p->session) {
                ssize_t n;
                do
                        n = gnutls_record_send(p->session, d, len);
                while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
                if (n < 0)
                        return fail(p, -EPROTO, "DTLS send: %s", gnutls_strerror((int)n));
                return 0;
        }
        ssize_t n = p->connected ? send(p->fd, d, len, 0)
                                 : sendto(p->fd, d, len, 0, (const struct sockaddr *)&p->peer,
                                          sizeof(p->peer));
        if (n < 0)
                return fail(p, -errno, "send: %s", strerror(errno));
        return 0;
}

/* ---- what the client sends of its own ---- */

/* An empty ACK or Reset for message `mid`. */
static int send_empty(bench_probe *p, uint8_t type, uint16_t mid)
{
        uint8_t d[4] = {(uint8_t)(0x40 | type << 4), CODE_EMPTY, (uint8_t)(mid >> 8), (uint8_t)mid};
        return send_message(p, d, sizeof(d));
}

/* The registration interface; any other request is not found. A CON that is no request
 * (a confirmable notification) gets its empty ACK, a CoAP ping its Reset. */
static int answer_client(bench_probe *p, const coap_msg *m)
{
        const raw_msg *r = m->raw;
        bool request = r->code >= 1 && r->code <= 31;
        if (!request)
                return r->type != TYPE_CON
                               ? 0
                               : send_empty(p, r->code == CODE_EMPTY ? TYPE_RST : TYPE_ACK, r->mid);
        if (r->type == TYPE_CON && p->have_last && r->mid == p->last_mid)
                return send_message(p, p->last_reply, p->last_reply_len); /* a retransmission */

        bool con = r->type == TYPE_CON;
        uint8_t code = CODE_NOT_FOUND;
        bool created = false, more = false;
        if (r->code == CODE_POST && m->n_path == 1 && path_is(m, 0, "rd") && m->ep) {
                more = m->block1 >= 0 && (m->block1 & BLOCK_MORE);
                code = more ? CODE_CONTINUE : CODE_CREATED;
                created = !more;
        } else if (m->n_path == 2 && path_is(m, 0, "rd") && p->registered &&
                   path_is(m, 1, p->location)) {
                if (r->code == CODE_POST) {
                        code = CODE_CHANGED;
                } else if (r->code == CODE_DELETE) {
                        code = CODE_DELETED;
                        p->registered = false;
                        p->deregistered = true;
                }
        }
        if (created) {
                p->registrations++;
                p->registered = true;
                p->deregistered = false;
                snprintf(p->location, sizeof(p->location), "%u", p->registrations);
                size_t n = m->ep->len - 3;
                snprintf(p->endpoint, sizeof(p->endpoint), "%.*s",
                         (int)(n < sizeof(p->endpoint) ? n : sizeof(p->endpoint) - 1),
                         (const char *)m->ep->value + 3);
        }

        raw_msg *reply = &p->reply;
        start_message(reply, con ? TYPE_ACK : TYPE_NON, code, con ? r->mid : ++p->mid, r->token,
                      r->token_len);
        uint8_t block1[4];
        if (created) {
                raw_add_option(reply, OPT_LOCATION_PATH, "rd", 2);
                raw_add_option(reply, OPT_LOCATION_PATH, p->location,
                               (uint16_t)strlen(p->location));
        }
        if (m->block1 >= 0 && (created || more))
                raw_add_option(reply, OPT_BLOCK1, block1, raw_uint((uint32_t)m->block1, block1));
        p->last_reply_len = raw_encode(reply, p->last_reply, sizeof(p->last_reply));
        if (p->last_reply_len == 0)
                return fail(p, -ENOBUFS, "reply too long");
        p->have_last = con;
        p->last_mid = r->mid;
        return send_message(p, p->last_reply, p->last_reply_len);
}

static int receive_and_answer(bench_probe *p, int timeout_ms)
{
        ssize_t n = recv_message(p, timeout_ms);
        if (n == 0)
                return -ECONNRESET; /* DTLS close_notify */
        if (n < 0)
                return (int)n;
        coap_msg m;
        if (!parse_message(p, (size_t)n, &m))
                return fail(p, -EBADMSG, "the client sent %zd bytes that are no CoAP message", n);
        return answer_client(p, &m);
}

/* ---- public ---- */

bench_probe *bench_probe_new(const bench_probe_config *cfg)
{
        bench_probe *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->fd = -1;
        p->dtls = cfg->dtls;
        p->mid = (uint16_t)(bench_now_ns() / 1000);
        p->token = (uint32_t)getpid() << 16;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t alen = sizeof(a);
        p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            getsockname(p->fd, (struct sockaddr *)&a, &alen) < 0)
                goto fail;
        p->port = ntohs(a.sin_port);
        if (cfg->dtls) {
                if (!cfg->psk_identity || strlen(cfg->psk_identity) >= sizeof(p->psk_identity) ||
                    cfg->psk_key_len == 0 || cfg->psk_key_len > sizeof(p->psk_key)) {
                        errno = EINVAL;
                        goto fail;
                }
                snprintf(p->psk_identity, sizeof(p->psk_identity), "%s", cfg->psk_identity);
                memcpy(p->psk_key, cfg->psk_key, cfg->psk_key_len);
                p->psk_key_len = cfg->psk_key_len;
                if (gnutls_psk_allocate_server_credentials(&p->psk) < 0 ||
                    gnutls_priority_init(&p->priorities, DTLS_PRIORITIES, NULL) < 0 ||
                    gnutls_key_generate(&p->cookie_key, GNUTLS_COOKIE_KEY_SIZE) < 0) {
                        errno = ENOMEM;
                        goto fail;
                }
                gnutls_psk_set_server_credentials_function(p->psk, psk_key_for);
        }
        return p;
fail:;
        int saved = errno;
        bench_probe_free(p);
        errno = saved;
        return NULL;
}

void bench_probe_free(bench_probe *p)
{
        if (!p)
                return;
        if (p->session)
                gnutls_deinit(p->session);
        if (p->psk)
                gnutls_psk_free_server_credentials(p->psk);
        if (p->priorities)
                gnutls_priority_deinit(p->priorities);
        gnutls_free(p->cookie_key.data);
        if (p->fd >= 0)
                close(p->fd);
        free(p);
}

uint16_t bench_probe_port(const bench_probe *p)
{
        return p->port;
}

const char *bench_probe_endpoint(const bench_probe *p)
{
        return p->endpoint;
}

unsigned bench_probe_registrations(const bench_probe *p)
{
        return p->registrations;
}

const char *bench_probe_cipher(const bench_probe *p)
{
        return p->cipher;
}

unsigned bench_probe_separate_responses(const bench_probe *p)
{
        return p->separate;
}

int bench_probe_wait_register(bench_probe *p, int timeout_ms)
{
        int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
        if (p->dtls && !p->session) {
                int r = accept_dtls(p, deadline);
                if (r < 0)
                        return r;
        }
        while (!p->registered) {
                int left = remaining_ms(deadline);
                if (left == 0)
                        return fail(p, -ETIMEDOUT, "no Register within %d ms", timeout_ms);
                int r = receive_and_answer(p, left);
                if (r == -ECONNRESET)
                        return fail(p, r, "the client closed the DTLS session");
                if (r < 0 && r != -EAGAIN)
                        return r;
        }
        return p->connected ? 0 : connect_to_peer(p);
}

int bench_probe_prepare_get(bench_probe *p, const char *path, int accept)
{
        raw_msg *get = &p->reply;
        uint8_t token[TOKEN_LEN] = {0}, accept_value[4];
        start_message(get, TYPE_CON, CODE_GET, 0, token, TOKEN_LEN);
        for (const char *s = path; *s;) {
                size_t n = strcspn(s, "/");
                if (n > 0 && !raw_add_option(get, OPT_URI_PATH, s, (uint16_t)n))
                        return fail(p, -ENOBUFS, "%s: too many segments", path);
                s += n + (s[n] == '/');
        }
        if (accept >= 0)
                raw_add_option(get, OPT_ACCEPT, accept_value,
                               raw_uint((uint32_t)accept, accept_value));
        p->get_len = raw_encode(get, p->get, sizeof(p->get));
        if (p->get_len == 0)
                return fail(p, -ENOBUFS, "%s: request too long", path);
        p->accept = accept;
        return 0;
}

int bench_probe_get(bench_probe *p, int timeout_ms, int64_t *rtt_ns)
{
        uint16_t mid = ++p->mid;
        uint32_t token = ++p->token;
        p->get[2] = (uint8_t)(mid >> 8);
        p->get[3] = (uint8_t)mid;
        for (int i = 0; i < TOKEN_LEN; i++)
                p->get[4 + i] = (uint8_t)(token >> (8 * (TOKEN_LEN - 1 - i)));
        const uint8_t *tok = p->get + 4;
        const raw_msg *in = &p->msg;

        int64_t t0 = bench_now_ns(), deadline = t0 + (int64_t)timeout_ms * 1000000, t1;
        int r = send_message(p, p->get, p->get_len);
        if (r < 0)
                return r;
        bool separate = false;
        coap_msg m;
        for (int wait = timeout_ms;; wait = remaining_ms(deadline)) {
                ssize_t n = wait > 0 ? recv_message(p, wait) : -EAGAIN;
                t1 = bench_now_ns();
                if (n == 0)
                        return fail(p, -ECONNRESET, "the client closed the DTLS session");
                if (n == -EAGAIN) {
                        if (t1 < deadline)
                                continue;
                        return fail(p, -ETIMEDOUT, "no answer within %d ms", timeout_ms);
                }
                if (n < 0)
                        return (int)n;
                if (!parse_message(p, (size_t)n, &m))
                        return fail(p, -EBADMSG,
                                    "the client sent %zd bytes that are no CoAP message", n);
                bool ours = in->token_len == TOKEN_LEN && memcmp(in->token, tok, TOKEN_LEN) == 0;
                if (in->mid == mid && in->type == TYPE_RST)
                        return fail(p, -ECONNRESET, "the client reset the GET");
                if (in->mid == mid && in->type == TYPE_ACK) {
                        if (in->code == CODE_EMPTY) {
                                separate = true; /* the response follows on its own */
                                continue;
                        }
                        if (!ours)
                                return fail(p, -EPROTO, "piggybacked response with another token");
                        break;
                }
                if (ours && in->code >= 64 && (in->type == TYPE_CON || in->type == TYPE_NON)) {
                        /* A separate response, whether or not its empty ACK got here. */
                        separate = true;
                        if (in->type == TYPE_CON && (r = send_empty(p, TYPE_ACK, in->mid)) < 0)
                                return r;
                        break;
                }
                r = answer_client(p, &m);
                if (r < 0)
                        return r;
        }
        *rtt_ns = t1 - t0;
        p->separate += separate;
        if (in->code != CODE_CONTENT)
                return fail(p, -EPROTO, "answered %u.%02u, not 2.05", in->code >> 5, in->code & 31);
        if (m.content_format != p->accept)
                return fail(p, -EPROTO, "asked for Content-Format %ld, got %ld", p->accept,
                            m.content_format);
        if (in->len == 0)
                return fail(p, -EPROTO, "2.05 without a payload");
        return 0;
}

bool bench_probe_serve(bench_probe *p, int timeout_ms)
{
        int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
        while (!p->deregistered) {
                int left = remaining_ms(deadline);
                if (left == 0 || receive_and_answer(p, left) == -ECONNRESET)
                        break;
        }
        return p->deregistered;
}
