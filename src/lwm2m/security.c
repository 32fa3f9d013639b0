/* security.c - opens the libcoap client session for a server as its Security object
 * instance says: NoSec, PSK, RPK or X.509 over DTLS, and checks the server's key or chain. */
#include "lwm2m/security.h"

#include <arpa/inet.h>
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <linux/filter.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "lwm2m/context.h"
#include "lwm2m/server.h"
#include "lwm2m/session.h"
#include "model/oma.h"
#include "util/log.h"

/* The most certificates of a server's chain that are looked at. */
#define MAX_CHAIN 8

/* Whose Security instance a session goes by: a server's, or a fetch's (fetch.h), which
 * borrows the credentials of a server's. */
typedef struct sec_peer {
        lwm2m_engine *e;
        uint16_t security_iid;
        uint16_t short_id;
        const char *uri;
        server *s; /* NULL for a fetch */
} sec_peer;

static const lwm2m_value *security_value(lwm2m_engine *e, const sec_peer *p, uint16_t rid)
{
        lwm2m_path path = lwm2m_path_resource(LWM2M_OBJ_SECURITY, p->security_iid, rid);
        return lwm2m_tree_get(e->tree, &path);
}

static bool value_bytes(const lwm2m_value *v, const uint8_t **data, size_t *len)
{
        if (!v || v->type != LWM2M_TYPE_OPAQUE || v->buf.len == 0)
                return false;
        *data = v->buf.data;
        *len = v->buf.len;
        return true;
}

/* Certificate Usage (/0/x/15), as in RFC 6698; LwM2M's default is 3. */
static uint64_t cert_usage(lwm2m_engine *e, const sec_peer *s)
{
        const lwm2m_value *v = security_value(e, s, LWM2M_SEC_CERT_USAGE);
        if (v && v->type == LWM2M_TYPE_UNSIGNED && v->u <= 3)
                return v->u;
        if (v && v->type == LWM2M_TYPE_INTEGER && v->i >= 0 && v->i <= 3)
                return (uint64_t)v->i;
        return 3;
}

static int64_t security_mode(lwm2m_engine *e, const sec_peer *s)
{
        const lwm2m_value *v = security_value(e, s, LWM2M_SEC_MODE);
        return v && v->type == LWM2M_TYPE_INTEGER ? v->i : LWM2M_SEC_MODE_NOSEC;
}

/* The host part of the server's URI, for the certificate's name check. */
static bool uri_host(const char *uri, char *host, size_t size)
{
        coap_uri_t u;
        if (coap_split_uri((const uint8_t *)uri, strlen(uri), &u) < 0 || u.host.length == 0 ||
            u.host.length >= size)
                return false;
        memcpy(host, u.host.s, u.host.length);
        host[u.host.length] = 0;
        return true;
}

/* The GnuTLS session under a libcoap one, NULL if there is none (yet). */
static gnutls_session_t gnutls_of(coap_session_t *session)
{
        coap_tls_library_t lib = COAP_TLS_LIBRARY_NOTLS;
        gnutls_session_t tls = coap_session_get_tls(session, &lib);
        return lib == COAP_TLS_LIBRARY_GNUTLS ? tls : NULL;
}

/* Whether the server authenticated with a raw public key rather than a certificate;
 * libcoap's stand-in name "RPK" could also be a certificate's name. */
static bool peer_shows_raw_key(coap_session_t *session, const char *cn)
{
        gnutls_session_t tls = gnutls_of(session);
        if (tls)
                return gnutls_certificate_type_get2(tls, GNUTLS_CTYPE_PEERS) == GNUTLS_CRT_RAW;
        return strcmp(cn ? cn : "", COAP_DTLS_RPK_CERT_CN) == 0;
}

static void crt_list_free(gnutls_x509_crt_t *crts, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                gnutls_x509_crt_deinit(crts[i]);
}

/* Checks the server's certificate chain against the trust anchor of the Security
 * object, the time and the URI's host name. The chain comes from the GnuTLS session
 * (libcoap hands the callback the leaf only); the leaf alone serves if it cannot. */
static bool verify_chain(const sec_peer *s, coap_session_t *session, const uint8_t *leaf,
                         size_t leaf_len, const uint8_t *anchor, size_t anchor_len, char *why,
                         size_t size)
{
        gnutls_session_t tls = gnutls_of(session);
        unsigned n_peer = 0;
        const gnutls_datum_t *peer = tls ? gnutls_certificate_get_peers(tls, &n_peer) : NULL;
        gnutls_datum_t leaf_datum = {.data = (unsigned char *)leaf, .size = (unsigned)leaf_len};
        if (!peer || n_peer == 0) {
                peer = &leaf_datum;
                n_peer = 1;
        }
        if (n_peer > MAX_CHAIN)
                n_peer = MAX_CHAIN;
        lwm2m_logf(&s->e->log, LOG_DEBUG, "server %u: checking a chain of %u certificate(s)",
                   s->short_id, n_peer);

        gnutls_x509_crt_t chain[MAX_CHAIN];
        unsigned n = 0;
        gnutls_x509_crt_t ca = NULL;
        gnutls_x509_trust_list_t trust = NULL;
        bool ok = false;
        snprintf(why, size, "cannot check the server's certificate (out of memory?)");
        for (; n < n_peer; n++) {
                if (gnutls_x509_crt_init(&chain[n]) < 0)
                        goto out;
                if (gnutls_x509_crt_import(chain[n], &peer[n], GNUTLS_X509_FMT_DER) < 0) {
                        gnutls_x509_crt_deinit(chain[n]);
                        snprintf(why, size, "the server sent a certificate that cannot be parsed");
                        goto out;
                }
        }
        gnutls_datum_t anchor_datum = {.data = (unsigned char *)anchor,
                                       .size = (unsigned)anchor_len};
        if (gnutls_x509_trust_list_init(&trust, 0) < 0 || gnutls_x509_crt_init(&ca) < 0)
                goto out;
        if (gnutls_x509_crt_import(ca, &anchor_datum, GNUTLS_X509_FMT_DER) < 0) {
                snprintf(why, size, "the trust anchor in the Security object is not a certificate");
                goto out;
        }
        if (gnutls_x509_trust_list_add_cas(trust, &ca, 1, 0) != 1)
                goto out;
        ca = NULL; /* the list owns it now */

        char host[256] = "";
        gnutls_typed_vdata_st checks[2] = {
                {.type = GNUTLS_DT_KEY_PURPOSE_OID,
                 .data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER},
        };
        unsigned n_checks = 1;
        if (uri_host(s->uri, host, sizeof(host)))
                checks[n_checks++] = (gnutls_typed_vdata_st){.type = GNUTLS_DT_DNS_HOSTNAME,
                                                             .data = (unsigned char *)host};
        unsigned status = 0;
        if (gnutls_x509_trust_list_verify_crt2(trust, chain, n, checks, n_checks, 0, &status,
                                               NULL) < 0)
                goto out;
        if (status != 0) {
                gnutls_datum_t text = {0};
                if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text,
                                                                 0) >= 0) {
                        snprintf(why, size,
                                 "the server's certificate (for '%.48s') does not verify "
                                 "against the trust anchor: %.100s",
                                 host, (const char *)text.data);
                        gnutls_free(text.data);
                } else {
                        snprintf(why, size,
                                 "the server's certificate does not verify (status 0x%x)", status);
                }
                goto out;
        }
        ok = true;
        why[0] = 0;
out:
        if (ca)
                gnutls_x509_crt_deinit(ca);
        if (trust)
                gnutls_x509_trust_list_deinit(trust, 1);
        crt_list_free(chain, n);
        return ok;
}

static sec_peer server_peer(server *s)
{
        return (sec_peer){.e = s->e,
                          .security_iid = s->security_iid,
                          .short_id = s->short_id,
                          .uri = s->uri,
                          .s = s};
}

static bool peer_of_session(lwm2m_engine *e, coap_session_t *session, sec_peer *out)
{
        server *s = engine_server_by_session(e, session);
        if (s) {
                *out = server_peer(s);
                return true;
        }
        for (security_borrow *b = e->borrows; b; b = b->next) {
                server *lender = b->session == session ? security_lender(e, b->short_id) : NULL;
                if (lender) {
                        *out = server_peer(lender);
                        out->uri = b->uri;
                        out->s = NULL;
                        return true;
                }
        }
        return false;
}

server *security_lender(lwm2m_engine *e, uint16_t short_id)
{
        for (size_t i = 0; i < e->n_servers; i++)
                if (short_id == 0 || e->servers[i].short_id == short_id)
                        return &e->servers[i];
        return NULL;
}

void security_borrow_add(lwm2m_engine *e, security_borrow *b)
{
        b->next = e->borrows;
        e->borrows = b;
}

void security_unborrow(lwm2m_engine *e, security_borrow *b)
{
        for (security_borrow **pp = &e->borrows; *pp; pp = &(*pp)->next)
                if (*pp == b) {
                        *pp = b->next;
                        break;
                }
}

/* libcoap's check of the server, for every PKI session: libcoap is told not to judge
 * the server itself (its GnuTLS back end keeps one set of verification settings per
 * context, not per server, and logs its reasons only at debug level), so the whole
 * decision is made here with what this server's Security object says. `asn1` is
 * the server's certificate (X.509) or its SubjectPublicKeyInfo (RPK). */
static int check_server_key(const char *cn, const uint8_t *asn1, size_t asn1_len,
                            coap_session_t *session, unsigned depth, int validated, void *arg)
{
        lwm2m_engine *e = arg;
        sec_peer pv = {.e = e};
        if (!peer_of_session(e, session, &pv))
                return 0;
        const sec_peer *s = &pv;
        if (depth > 0)
                return 1; /* only the leaf is judged; verify_chain looks at the rest */
        const uint8_t *pin = NULL;
        size_t pin_len = 0;
        bool have_pin = value_bytes(security_value(e, s, LWM2M_SEC_SERVER_KEY), &pin, &pin_len);
        int64_t mode = security_mode(e, s);
        char why[256] = "";
        bool is_rpk = peer_shows_raw_key(session, cn);

        if (is_rpk != (mode == LWM2M_SEC_MODE_RPK)) {
                snprintf(why, sizeof(why),
                         "the server offered a %s where the Security object expects a %s",
                         is_rpk ? "raw public key" : "certificate",
                         mode == LWM2M_SEC_MODE_RPK ? "raw public key" : "certificate");
        } else if (!have_pin) {
                /* Nothing to check against: the configuration asked for no check. */
        } else if (mode == LWM2M_SEC_MODE_RPK || cert_usage(e, s) == 1 || cert_usage(e, s) == 3) {
                if (asn1_len != pin_len || memcmp(asn1, pin, pin_len) != 0)
                        snprintf(why, sizeof(why),
                                 "the server's %s does not match the one in the Security object",
                                 mode == LWM2M_SEC_MODE_RPK ? "public key" : "certificate");
        } else {
                (void)verify_chain(s, session, asn1, asn1_len, pin, pin_len, why, sizeof(why));
        }
        if (why[0]) {
                if (s->s)
                        snprintf(s->s->last_error, sizeof(s->s->last_error), "%s", why);
                lwm2m_logf(&e->log, LOG_ERR, "%s %u: %s",
                           s->s ? "server" : "fetch with the key of server", s->short_id, why);
                return 0;
        }
        if (s->s)
                s->s->security_checked = true;
        return 1;
}

/* Server Name Indication takes host names only (RFC 6066 3), never address literals. */
bool security_is_address_literal(const char *host)
{
        struct in6_addr a6;
        struct in_addr a4;
        return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

int security_resolve(const char *host, size_t host_len, uint16_t port, coap_address_t *out)
{
        char name[256];
        if (host_len >= sizeof(name))
                return -EINVAL;
        memcpy(name, host, host_len);
        name[host_len] = 0;

        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
        struct addrinfo *res = NULL;
        /* Blocking, but only at (re)connection time; numeric addresses never block. */
        int r = getaddrinfo(name, NULL, &hints, &res);
        if (r != 0 || !res)
                return -EHOSTUNREACH;
        coap_address_init(out);
        memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
        out->size = res->ai_addrlen;
        if (res->ai_family == AF_INET)
                out->addr.sin.sin_port = htons(port);
        else
                out->addr.sin6.sin6_port = htons(port);
        freeaddrinfo(res);
        return 0;
}

/* The socket under a client session, which libcoap 4.3.1 does not expose: found
 * among our descriptors by its two addresses, once per session. -1 if none matches. */
static int find_session_fd(coap_session_t *session)
{
        const coap_address_t *local = coap_session_get_addr_local(session);
        const coap_address_t *remote = coap_session_get_addr_remote(session);
        DIR *dir = opendir("/proc/self/fd");
        if (!dir)
                return -1;
        int found = -1;
        struct dirent *de;
        while (found < 0 && (de = readdir(dir))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] == '.' || fd == dirfd(dir))
                        continue;
                coap_address_t a, b;
                coap_address_init(&a);
                coap_address_init(&b);
                a.size = b.size = sizeof(a.addr);
                if (getsockname(fd, &a.addr.sa, &a.size) == 0 && coap_address_equals(&a, local) &&
                    getpeername(fd, &b.addr.sa, &b.size) == 0 && coap_address_equals(&b, remote))
                        found = fd;
        }
        closedir(dir);
        return found;
}

/* Records one datagram may hold that the filter checks; a datagram of more (no real
 * flight has them) passes on the strength of its first ones. */
#define FILTER_RECORDS 32

/* A classic BPF program for the socket: a datagram passes only when it is whole DTLS
 * records (RFC 6347 4.1: type 20..25, version 0xfeXX, then epoch, sequence number and
 * a length that ends within the datagram), so that GnuTLS never takes a short stray
 * for the start of a record and reads the next datagram as its tail, losing a real
 * request. The kernel drops the rest before they are queued: no system call of ours
 * per datagram. The program sees the UDP header first (8 bytes); a load past the end
 * drops the datagram. */
static int filter_dtls_records(int fd)
{
        struct sock_filter f[4 + FILTER_RECORDS * 14 + 1];
        size_t i = 0;
        f[i++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 8); /* X: the next record */
        f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
        f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 8, 1, 0);
        f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0); /* empty */
        for (unsigned r = 0; r < FILTER_RECORDS; r++) {
                f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
                f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 11, 0);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0);
                f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 20, 0, 8);
                f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 25, 7, 0);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 1);
                f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xfe, 0, 5);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 11);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 13);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 2);
                f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);           /* drop */
                f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu); /* pass */
        }
        f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
        struct sock_fprog prog = {.len = (unsigned short)i, .filter = f};
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
                return -errno;
        return 0;
}

/* A session to `dst` with the credentials of the peer's Security instance in `mode`
 * (the URI's host name for SNI). NULL with *error and the reason in `why`. */
static coap_session_t *open_with_credentials(lwm2m_engine *e, const sec_peer *p,
                                             const coap_uri_t *uri, const coap_address_t *dst,
                                             int64_t mode, bool warn_unpinned, char *why,
                                             size_t size, int *error)
{
        const uint8_t *id = NULL, *secret = NULL, *server_key = NULL;
        size_t id_len = 0, secret_len = 0, server_key_len = 0;
        bool have_id = value_bytes(security_value(e, p, LWM2M_SEC_IDENTITY), &id, &id_len);
        bool have_secret =
                value_bytes(security_value(e, p, LWM2M_SEC_SECRET), &secret, &secret_len);
        bool have_server_key = value_bytes(security_value(e, p, LWM2M_SEC_SERVER_KEY), &server_key,
                                           &server_key_len);
        coap_session_t *session = NULL;
        *error = -EIO;
        if (mode == LWM2M_SEC_MODE_NOSEC) {
                session = coap_new_client_session(e->ctx, NULL, dst, COAP_PROTO_UDP);
        } else if (mode == LWM2M_SEC_MODE_PSK) {
                if (!have_id || !have_secret) {
                        snprintf(why, size,
                                 "PSK mode needs an identity and a key in the Security object");
                        *error = -EINVAL;
                        return NULL;
                }
                coap_dtls_cpsk_t cpsk = {
                        .version = COAP_DTLS_CPSK_SETUP_VERSION,
                        .psk_info = {.identity = {.s = id, .length = id_len},
                                     .key = {.s = secret, .length = secret_len}},
                };
                session = coap_new_client_session_psk2(e->ctx, NULL, dst, COAP_PROTO_DTLS, &cpsk);
        } else if (mode == LWM2M_SEC_MODE_RPK || mode == LWM2M_SEC_MODE_X509) {
                if (!have_id || !have_secret) {
                        snprintf(why, size,
                                 "%s mode needs our %s and private key in the Security object",
                                 mode == LWM2M_SEC_MODE_RPK ? "RPK" : "certificate",
                                 mode == LWM2M_SEC_MODE_RPK ? "public key" : "certificate");
                        *error = -EINVAL;
                        return NULL;
                }
                if (!have_server_key && warn_unpinned)
                        lwm2m_logf(&e->log, LOG_WARNING,
                                   "server %u: no server certificate, public key or CA in the "
                                   "Security object: any server at %s is accepted",
                                   p->short_id, p->uri);
                coap_dtls_pki_t pki = {
                        .version = COAP_DTLS_PKI_SETUP_VERSION,
                        /* check_server_key alone decides whether the server is the right one. */
                        .verify_peer_cert = 0,
                        .is_rpk_not_cert = mode == LWM2M_SEC_MODE_RPK,
                        .validate_cn_call_back = check_server_key,
                        .cn_call_back_arg = e,
                        .pki_key = {.key_type = COAP_PKI_KEY_ASN1,
                                    .key.asn1 = {.public_cert = id,
                                                 .public_cert_len = id_len,
                                                 .private_key = secret,
                                                 .private_key_len = secret_len,
                                                 .private_key_type = COAP_ASN1_PKEY_EC}},
                };
                /* Servers that host several names need SNI; take the URI's host name. */
                char host[256];
                if (mode == LWM2M_SEC_MODE_X509 && uri->host.length < sizeof(host)) {
                        memcpy(host, uri->host.s, uri->host.length);
                        host[uri->host.length] = 0;
                        if (!security_is_address_literal(host))
                                pki.client_sni = host;
                }
                session = coap_new_client_session_pki(e->ctx, NULL, dst, COAP_PROTO_DTLS, &pki);
        } else {
                snprintf(why, size, "security mode %lld is not supported", (long long)mode);
                *error = -EPROTONOSUPPORT;
                return NULL;
        }
        if (!session)
                snprintf(why, size, "cannot open a %s session to %s",
                         mode == LWM2M_SEC_MODE_NOSEC ? "CoAP" : "DTLS", p->uri);
        return session;
}

int security_open_session(lwm2m_engine *e, server *s)
{
        assert(e && s);
        coap_uri_t uri;
        if (coap_split_uri((const uint8_t *)s->uri, strlen(s->uri), &uri) < 0) {
                snprintf(s->last_error, sizeof(s->last_error), "invalid server URI '%s'", s->uri);
                return -EINVAL;
        }
        bool secure = uri.scheme == COAP_URI_SCHEME_COAPS;
        if (uri.scheme != COAP_URI_SCHEME_COAP && !secure) {
                snprintf(s->last_error, sizeof(s->last_error),
                         "unsupported URI scheme in '%s' (coap:// or coaps://)", s->uri);
                return -EPROTONOSUPPORT;
        }
        coap_address_t dst;
        int r = security_resolve((const char *)uri.host.s, uri.host.length, uri.port, &dst);
        if (r < 0) {
                snprintf(s->last_error, sizeof(s->last_error), "cannot resolve '%.*s'",
                         (int)uri.host.length, uri.host.s);
                return r;
        }

        sec_peer p = server_peer(s);
        int64_t mode = security_mode(e, &p);
        if (!secure != (mode == LWM2M_SEC_MODE_NOSEC)) {
                snprintf(s->last_error, sizeof(s->last_error),
                         "security mode %lld does not fit the URI scheme of '%s'", (long long)mode,
                         s->uri);
                return -EINVAL;
        }
        s->security_checked = false;
        s->session = open_with_credentials(e, &p, &uri, &dst, mode, s->attempts == 0, s->last_error,
                                           sizeof(s->last_error), &r);
        if (!s->session)
                return r;
        coap_session_set_app_data(s->session, s);
        s->secure = secure;
        s->session_fd = secure ? find_session_fd(s->session) : -1;
        if (s->session_fd >= 0 && (r = filter_dtls_records(s->session_fd)) < 0)
                lwm2m_logf(&e->log, LOG_WARNING,
                           "server %u: cannot filter the DTLS socket (%s): a stray datagram may "
                           "cost the request after it",
                           s->short_id, strerror(-r));
        s->handshake_deadline_ms = secure ? engine_now_ms() + DTLS_HANDSHAKE_TIMEOUT_MS : 0;
        return 0;
}

coap_session_t *security_open_borrowed(lwm2m_engine *e, const server *lender, const char *uri_s,
                                       const coap_address_t *dst, int *error, char *why,
                                       size_t size)
{
        assert(e && lender && uri_s && dst && error);
        coap_uri_t uri;
        if (coap_split_uri((const uint8_t *)uri_s, strlen(uri_s), &uri) < 0) {
                snprintf(why, size, "invalid URI '%s'", uri_s);
                *error = -EINVAL;
                return NULL;
        }
        sec_peer p = server_peer((server *)lender);
        p.uri = uri_s;
        p.s = NULL;
        int64_t mode =
                uri.scheme == COAP_URI_SCHEME_COAPS ? security_mode(e, &p) : LWM2M_SEC_MODE_NOSEC;
        if (uri.scheme == COAP_URI_SCHEME_COAPS && mode == LWM2M_SEC_MODE_NOSEC) {
                snprintf(why, size, "server %u has no DTLS credentials for %s", lender->short_id,
                         uri_s);
                *error = -EPROTONOSUPPORT;
                return NULL;
        }
        return open_with_credentials(e, &p, &uri, dst, mode, false, why, size, error);
}

void security_diagnose_handshake(server *s, char *why, size_t size)
{
        assert(s && why);
        gnutls_session_t tls = s->session ? gnutls_of(s->session) : NULL;
        sec_peer p = server_peer(s);
        int64_t mode = security_mode(s->e, &p);
        /* The last handshake message the server sent us tells how far it got. */
        switch (tls ? gnutls_handshake_get_last_in(tls) : GNUTLS_HANDSHAKE_HELLO_REQUEST) {
        case GNUTLS_HANDSHAKE_SERVER_HELLO:
        case GNUTLS_HANDSHAKE_SERVER_KEY_EXCHANGE:
        case GNUTLS_HANDSHAKE_CERTIFICATE_PKT:
        case GNUTLS_HANDSHAKE_CERTIFICATE_REQUEST:
        case GNUTLS_HANDSHAKE_SERVER_HELLO_DONE:
                snprintf(why, size,
                         mode == LWM2M_SEC_MODE_PSK
                                 ? "the server answered but did not accept our Finished: wrong "
                                   "PSK identity or key"
                                 : "the server answered but did not accept the handshake: our "
                                   "certificate or key is not the one it expects");
                break;
        case GNUTLS_HANDSHAKE_HELLO_VERIFY_REQUEST:
                snprintf(why, size,
                         "the server sent a cookie but no answer to our second hello (lossy path "
                         "or overloaded server)");
                break;
        default:
                snprintf(why, size,
                         "no DTLS answer within %u s (server down, wrong port, or not a DTLS "
                         "endpoint)",
                         DTLS_HANDSHAKE_TIMEOUT_MS / 1000);
                break;
        }
}
