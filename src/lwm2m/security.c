/* security.c - opens the libcoap client session for a server as its Security
 * object instance says: NoSec, PSK, RPK or X.509 over DTLS, with the server's key pinned. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "engine-internal.h"

/* Security object (0) resources. */
enum {
        SEC_URI = 0,
        SEC_MODE = 2,
        SEC_IDENTITY = 3, /* PSK identity, our public key (RPK) or certificate (X.509), DER */
        SEC_SERVER_KEY = 4, /* the server's public key (RPK) or certificate (X.509), DER */
        SEC_SECRET = 5, /* PSK key or our private key, DER */
        SEC_CERT_USAGE = 15,
};

enum { MODE_PSK = 0, MODE_RPK = 1, MODE_X509 = 2, MODE_NOSEC = 3 };

static const lwm2m_value *security_value(lwm2m_engine *e, server *s, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(0, s->security_iid, rid);
        return lwm2m_tree_get(e->tree, &p);
}

static bool value_bytes(const lwm2m_value *v, const uint8_t **data, size_t *len)
{
        if (!v || v->type != LWM2M_TYPE_OPAQUE || v->buf.len == 0)
                return false;
        *data = v->buf.data;
        *len = v->buf.len;
        return true;
}

/* Compares what the handshake shows of the server (its certificate at depth 0,
 * or its raw public key) with what the Security object pins. */
static int check_server_key(const char *cn, const uint8_t *asn1, size_t asn1_len,
                            coap_session_t *session, unsigned depth, int validated, void *arg)
{
        lwm2m_engine *e = arg;
        server *s = engine_server_by_session(e, session);
        if (!s)
                return 0;
        if (depth > 0)
                return 1; /* chain certificates: GnuTLS has verified them against the anchor */
        const uint8_t *pin;
        size_t pin_len;
        const lwm2m_value *usage = security_value(e, s, SEC_CERT_USAGE);
        bool pin_leaf = !usage || usage->type != LWM2M_TYPE_UNSIGNED || usage->u == 1 || usage->u == 3;
        if (!value_bytes(security_value(e, s, SEC_SERVER_KEY), &pin, &pin_len))
                return 1;
        if (pin_leaf && (asn1_len != pin_len || memcmp(asn1, pin, pin_len) != 0)) {
                snprintf(s->last_error, sizeof(s->last_error),
                         "the server's %s does not match the one in the Security object",
                         strcmp(cn ? cn : "", "RPK") == 0 ? "public key" : "certificate");
                engine_log(e, LOG_ERR, "server %u: %s", s->short_id, s->last_error);
                return 0;
        }
        s->security_checked = true;
        return 1;
}

static int resolve(const char *host, size_t host_len, uint16_t port, coap_address_t *out)
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

int security_open_session(lwm2m_engine *e, server *s)
{
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
        int r = resolve((const char *)uri.host.s, uri.host.length, uri.port, &dst);
        if (r < 0) {
                snprintf(s->last_error, sizeof(s->last_error), "cannot resolve '%.*s'",
                         (int)uri.host.length, uri.host.s);
                return r;
        }

        const lwm2m_value *mode_v = security_value(e, s, SEC_MODE);
        int64_t mode = mode_v && mode_v->type == LWM2M_TYPE_INTEGER ? mode_v->i : MODE_NOSEC;
        if (!secure != (mode == MODE_NOSEC)) {
                snprintf(s->last_error, sizeof(s->last_error),
                         "security mode %lld does not fit the URI scheme of '%s'", (long long)mode,
                         s->uri);
                return -EINVAL;
        }

        const uint8_t *id = NULL, *secret = NULL, *server_key = NULL;
        size_t id_len = 0, secret_len = 0, server_key_len = 0;
        bool have_id = value_bytes(security_value(e, s, SEC_IDENTITY), &id, &id_len);
        bool have_secret = value_bytes(security_value(e, s, SEC_SECRET), &secret, &secret_len);
        bool have_server_key =
                value_bytes(security_value(e, s, SEC_SERVER_KEY), &server_key, &server_key_len);
        s->security_checked = false;

        if (mode == MODE_NOSEC) {
                s->session = coap_new_client_session(e->ctx, NULL, &dst, COAP_PROTO_UDP);
        } else if (mode == MODE_PSK) {
                if (!have_id || !have_secret) {
                        snprintf(s->last_error, sizeof(s->last_error),
                                 "PSK mode needs an identity and a key in the Security object");
                        return -EINVAL;
                }
                coap_dtls_cpsk_t cpsk = {
                        .version = COAP_DTLS_CPSK_SETUP_VERSION,
                        .psk_info = {.identity = {.s = id, .length = id_len},
                                     .key = {.s = secret, .length = secret_len}},
                };
                s->session = coap_new_client_session_psk2(e->ctx, NULL, &dst, COAP_PROTO_DTLS,
                                                          &cpsk);
        } else if (mode == MODE_RPK || mode == MODE_X509) {
                if (!have_id || !have_secret) {
                        snprintf(s->last_error, sizeof(s->last_error),
                                 "%s mode needs our %s and private key in the Security object",
                                 mode == MODE_RPK ? "RPK" : "certificate",
                                 mode == MODE_RPK ? "public key" : "certificate");
                        return -EINVAL;
                }
                const lwm2m_value *usage = security_value(e, s, SEC_CERT_USAGE);
                bool anchor = mode == MODE_X509 && have_server_key && usage &&
                              usage->type == LWM2M_TYPE_UNSIGNED && (usage->u == 0 || usage->u == 2);
                coap_dtls_pki_t pki = {
                        .version = COAP_DTLS_PKI_SETUP_VERSION,
                        /* The server must show the pinned key or a chain to the anchor. */
                        .verify_peer_cert = have_server_key,
                        .check_common_ca = anchor,
                        .allow_self_signed = !anchor,
                        .allow_expired_certs = 0,
                        .cert_chain_validation = anchor,
                        .cert_chain_verify_depth = 4,
                        .allow_no_crl = 1,
                        .allow_expired_crl = 1,
                        .is_rpk_not_cert = mode == MODE_RPK,
                        .validate_cn_call_back = check_server_key,
                        .cn_call_back_arg = e,
                        .pki_key = {.key_type = COAP_PKI_KEY_ASN1,
                                    .key.asn1 = {.public_cert = id,
                                                 .public_cert_len = id_len,
                                                 .private_key = secret,
                                                 .private_key_len = secret_len,
                                                 .private_key_type = COAP_ASN1_PKEY_EC,
                                                 .ca_cert = anchor ? server_key : NULL,
                                                 .ca_cert_len = anchor ? server_key_len : 0}},
                };
                /* Servers that host several names need SNI; take the URI's host. */
                char host[256];
                if (mode == MODE_X509 && uri.host.length < sizeof(host)) {
                        memcpy(host, uri.host.s, uri.host.length);
                        host[uri.host.length] = 0;
                        pki.client_sni = host;
                }
                s->session = coap_new_client_session_pki(e->ctx, NULL, &dst, COAP_PROTO_DTLS, &pki);
        } else {
                snprintf(s->last_error, sizeof(s->last_error),
                         "security mode %lld is not supported", (long long)mode);
                return -EPROTONOSUPPORT;
        }
        if (!s->session) {
                snprintf(s->last_error, sizeof(s->last_error),
                         "cannot open a %s session to %s", secure ? "DTLS" : "CoAP", s->uri);
                return -EIO;
        }
        coap_session_set_app_data(s->session, s);
        return 0;
}
