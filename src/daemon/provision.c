/* provision.c - turns the configuration into Security (0), Server (1) and Access
 * Control (2) instances, reading keys and certificates from PEM files into DER. */
#include "daemon/provision.h"

#include <assert.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/access.h"
#include "model/oma.h"
#include "util/macro.h"

static void datum_free(gnutls_datum_t *d)
{
        if (d->data) {
                gnutls_memset(d->data, 0, d->size);
                gnutls_free(d->data);
        }
        d->data = NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_crt_t, gnutls_x509_crt_deinit)
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_privkey_t, gnutls_x509_privkey_deinit)
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_pubkey_t, gnutls_pubkey_deinit)
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_privkey_t, gnutls_privkey_deinit)

/* A certificate file (PEM or DER) as DER. */
static int load_certificate(const char *path, gnutls_datum_t *der)
{
        _cleanup_(datum_free) gnutls_datum_t raw = {0};
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        if (gnutls_load_file(path, &raw) < 0)
                return -ENOENT;
        if (gnutls_x509_crt_init(&crt) < 0)
                return -ENOMEM;
        if (gnutls_x509_crt_import(crt, &raw, GNUTLS_X509_FMT_PEM) < 0 &&
            gnutls_x509_crt_import(crt, &raw, GNUTLS_X509_FMT_DER) < 0)
                return -EBADMSG;
        return gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, der) < 0 ? -EBADMSG : 0;
}

/* A private key file (PEM or DER, PKCS#1/SEC1/PKCS#8) as unencrypted PKCS#8 DER,
 * and optionally its public key as SubjectPublicKeyInfo DER. */
static int load_private_key(const char *path, gnutls_datum_t *der, gnutls_datum_t *public_der)
{
        _cleanup_(datum_free) gnutls_datum_t raw = {0};
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        if (gnutls_load_file(path, &raw) < 0)
                return -ENOENT;
        if (gnutls_x509_privkey_init(&key) < 0)
                return -ENOMEM;
        if (gnutls_x509_privkey_import2(key, &raw, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) <
                    0 &&
            gnutls_x509_privkey_import2(key, &raw, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN) <
                    0)
                return -EBADMSG;
        if (gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN,
                                              der) < 0)
                return -EBADMSG;
        if (!public_der)
                return 0;
        _cleanup_(gnutls_privkey_deinitp) gnutls_privkey_t priv = NULL;
        _cleanup_(gnutls_pubkey_deinitp) gnutls_pubkey_t pub = NULL;
        if (gnutls_privkey_init(&priv) < 0 || gnutls_pubkey_init(&pub) < 0)
                return -ENOMEM;
        if (gnutls_privkey_import_x509(priv, key, 0) < 0 ||
            gnutls_pubkey_import_privkey(pub, priv, 0, 0) < 0 ||
            gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, public_der) < 0)
                return -EBADMSG;
        return 0;
}

/* A public key file (PEM or DER SubjectPublicKeyInfo, or a certificate) as
 * SubjectPublicKeyInfo DER: what RPK pins. */
static int load_public_key(const char *path, gnutls_datum_t *der)
{
        _cleanup_(datum_free) gnutls_datum_t raw = {0};
        _cleanup_(gnutls_pubkey_deinitp) gnutls_pubkey_t pub = NULL;
        if (gnutls_load_file(path, &raw) < 0)
                return -ENOENT;
        if (gnutls_pubkey_init(&pub) < 0)
                return -ENOMEM;
        if (gnutls_pubkey_import(pub, &raw, GNUTLS_X509_FMT_PEM) < 0 &&
            gnutls_pubkey_import(pub, &raw, GNUTLS_X509_FMT_DER) < 0) {
                _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
                if (gnutls_x509_crt_init(&crt) < 0)
                        return -ENOMEM;
                if ((gnutls_x509_crt_import(crt, &raw, GNUTLS_X509_FMT_PEM) < 0 &&
                     gnutls_x509_crt_import(crt, &raw, GNUTLS_X509_FMT_DER) < 0) ||
                    gnutls_pubkey_import_x509(pub, crt, 0) < 0)
                        return -EBADMSG;
        }
        return gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, der) < 0 ? -EBADMSG : 0;
}

typedef struct instance_writer {
        lwm2m_tree *tree;
        lwm2m_path base;
        lwm2m_record_list recs;
        int error;
} instance_writer;

static void put(instance_writer *w, uint16_t rid, lwm2m_value v)
{
        lwm2m_path p = lwm2m_path_resource(w->base.id[0], w->base.id[1], rid);
        if (w->error == 0)
                w->error = lwm2m_record_list_add_value(&w->recs, &p, &v);
}

static void put_bytes(instance_writer *w, uint16_t rid, lwm2m_type type, const void *data,
                      size_t len)
{
        lwm2m_value v = {0};
        int r = lwm2m_value_set_bytes(&v, type, data, len);
        if (r < 0 && w->error == 0)
                w->error = r;
        if (r == 0)
                put(w, rid, v);
        lwm2m_value_clear(&v);
}

static int commit(instance_writer *w, const char *what, config_error_fn error, void *userdata)
{
        char why[256] = "";
        int r = w->error;
        if (r == 0)
                r = lwm2m_tree_write(w->tree, &w->base, w->recs.items, w->recs.n,
                                     LWM2M_WRITE_UPDATE, NULL, why, sizeof(why));
        if (r < 0)
                config_report(error, userdata, "%s: %s", what, why[0] ? why : strerror(-r));
        lwm2m_record_list_free(&w->recs);
        return r;
}

static int credentials(instance_writer *w, const config_server *s, const char *where,
                       config_error_fn error, void *userdata)
{
        _cleanup_(datum_free) gnutls_datum_t id = {0}, secret = {0}, server_key = {0};
        int r = 0;
        const char *file = NULL;
        switch (s->security) {
        case CONFIG_SECURITY_PSK:
                put_bytes(w, LWM2M_SEC_IDENTITY, LWM2M_TYPE_OPAQUE, s->psk_identity,
                          strlen(s->psk_identity));
                put_bytes(w, LWM2M_SEC_SECRET, LWM2M_TYPE_OPAQUE, s->psk_key, s->psk_key_len);
                return 0;
        case CONFIG_SECURITY_RPK:
                file = s->private_key;
                r = load_private_key(file, &secret, s->certificate ? NULL : &id);
                if (r >= 0 && s->certificate)
                        r = load_public_key(file = s->certificate, &id);
                if (r >= 0 && s->server_certificate)
                        r = load_public_key(file = s->server_certificate, &server_key);
                break;
        case CONFIG_SECURITY_X509:
                r = load_certificate(file = s->certificate, &id);
                if (r >= 0)
                        r = load_private_key(file = s->private_key, &secret, NULL);
                /* A pinned server certificate wins over a CA to verify against. */
                if (r >= 0 && s->server_certificate)
                        r = load_certificate(file = s->server_certificate, &server_key);
                else if (r >= 0 && s->ca_file)
                        r = load_certificate(file = s->ca_file, &server_key);
                break;
        case CONFIG_SECURITY_NOSEC:
                return 0;
        }
        if (r < 0) {
                config_report(error, userdata, "%s: %s: %s", where, file,
                              r == -ENOENT ? "cannot read the file"
                                           : "not a usable PEM or DER key/certificate");
                return r;
        }
        put_bytes(w, LWM2M_SEC_IDENTITY, LWM2M_TYPE_OPAQUE, id.data, id.size);
        put_bytes(w, LWM2M_SEC_SECRET, LWM2M_TYPE_OPAQUE, secret.data, secret.size);
        if (server_key.data)
                put_bytes(w, LWM2M_SEC_SERVER_KEY, LWM2M_TYPE_OPAQUE, server_key.data,
                          server_key.size);
        if (s->security == CONFIG_SECURITY_X509 && server_key.data)
                /* 3: pin the server's certificate; 2: trust anchor for its chain. */
                put(w, LWM2M_SEC_CERT_USAGE, lwm2m_value_unsigned(s->server_certificate ? 3 : 2));
        return 0;
}

/* One Access Control instance: for /oid/iid, owned by `owner`, with `acl`. */
static int access_instance(lwm2m_tree *tree, uint16_t oid, uint16_t iid, uint16_t owner,
                           const config_acl_entry *acl, size_t n_acl, const char *where,
                           config_error_fn error, void *userdata)
{
        char why[256] = "";
        int r = lwm2m_access_set(tree, oid, iid, owner, acl, n_acl, NULL, why, sizeof(why));
        if (r < 0)
                config_report(error, userdata, "%s: cannot create an Access Control instance: %s",
                              where,
                              r == -ENOENT && !lwm2m_registry_find(lwm2m_tree_registry(tree),
                                                                   LWM2M_OBJ_ACCESS_CONTROL)
                                      ? "object 2 (Access Control) is not defined"
                              : why[0] ? why
                                       : strerror(-r));
        return r;
}

/* The [access-control] sections; then, with more than one server, each Server
 * instance no section names is its own server's alone (owner, no ACL entries),
 * as a bootstrap server would leave it: a server always manages its own account. */
static int provision_access(lwm2m_tree *tree, const config *c, config_error_fn error,
                            void *userdata)
{
        for (size_t i = 0; i < c->n_access; i++) {
                const config_access *a = &c->access[i];
                if (a->every_instance)
                        continue; /* a template: the request set's (daemon.c) */
                char where[300];
                snprintf(where, sizeof(where), "%s%s[%s]", c->file ? c->file : "",
                         c->file ? ": " : "", a->section);
                int r = access_instance(tree, a->oid, a->iid, a->owner, a->acl, a->n_acl, where,
                                        error, userdata);
                if (r < 0)
                        return r;
        }
        if (!lwm2m_access_enforced(tree))
                return 0;
        for (int x = lwm2m_tree_next_instance(tree, LWM2M_OBJ_SERVER, -1); x >= 0;
             x = lwm2m_tree_next_instance(tree, LWM2M_OBJ_SERVER, x)) {
                lwm2m_path p =
                        lwm2m_path_resource(LWM2M_OBJ_SERVER, (uint16_t)x, LWM2M_SRV_SHORT_ID);
                const lwm2m_value *id = lwm2m_tree_get(tree, &p);
                if (!id || lwm2m_access_find(tree, LWM2M_OBJ_SERVER, (uint16_t)x) >= 0)
                        continue;
                char where[64];
                snprintf(where, sizeof(where), "server %" PRId64 "'s Server instance /1/%d", id->i,
                         x);
                int r = access_instance(tree, LWM2M_OBJ_SERVER, (uint16_t)x, (uint16_t)id->i, NULL,
                                        0, where, error, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int provision_from_config(lwm2m_tree *tree, const config *c, config_error_fn error, void *userdata)
{
        assert(c);
        for (size_t i = 0; i < c->n_servers; i++) {
                const config_server *s = &c->servers[i];
                char where[300];
                snprintf(where, sizeof(where), "%s%s[%s]", c->file ? c->file : "",
                         c->file ? ": " : "", s->section);
                uint16_t sec_iid;
                int r = lwm2m_tree_create_instance(tree, 0, LWM2M_ID_INVALID, NULL, &sec_iid);
                if (r < 0) {
                        config_report(error, userdata, "%s: cannot create a Security instance: %s",
                                      where, strerror(-r));
                        return r;
                }
                instance_writer w = {.tree = tree,
                                     .base = lwm2m_path_instance(LWM2M_OBJ_SECURITY, sec_iid)};
                put_bytes(&w, LWM2M_SEC_URI, LWM2M_TYPE_STRING, s->uri, strlen(s->uri));
                put(&w, LWM2M_SEC_BOOTSTRAP, lwm2m_value_boolean(s->bootstrap));
                put(&w, LWM2M_SEC_MODE, lwm2m_value_integer(s->security));
                if (!s->bootstrap)
                        put(&w, LWM2M_SEC_SHORT_ID, lwm2m_value_integer(s->short_id));
                else
                        put(&w, LWM2M_SEC_HOLD_OFF, lwm2m_value_integer(s->hold_off));
                r = credentials(&w, s, where, error, userdata);
                if (r < 0) {
                        lwm2m_record_list_free(&w.recs);
                        return r;
                }
                r = commit(&w, where, error, userdata);
                if (r < 0)
                        return r; /* never start without a server the file names */
                if (s->bootstrap)
                        continue;

                uint16_t srv_iid;
                r = lwm2m_tree_create_instance(tree, 1, LWM2M_ID_INVALID, NULL, &srv_iid);
                if (r < 0)
                        return r;
                w = (instance_writer){.tree = tree,
                                      .base = lwm2m_path_instance(LWM2M_OBJ_SERVER, srv_iid)};
                put(&w, LWM2M_SRV_SHORT_ID, lwm2m_value_integer(s->short_id));
                put(&w, LWM2M_SRV_LIFETIME, lwm2m_value_integer(s->lifetime));
                if (s->default_pmin)
                        put(&w, LWM2M_SRV_DEFAULT_PMIN, lwm2m_value_integer(s->default_pmin));
                if (s->default_pmax)
                        put(&w, LWM2M_SRV_DEFAULT_PMAX, lwm2m_value_integer(s->default_pmax));
                put(&w, LWM2M_SRV_STORING, lwm2m_value_boolean(true));
                /* LwM2M 1.1 mutes Send when the resource is absent; a gateway sends. */
                put(&w, LWM2M_SRV_MUTE_SEND, lwm2m_value_boolean(false));
                put_bytes(&w, LWM2M_SRV_BINDING, LWM2M_TYPE_STRING, s->binding, strlen(s->binding));
                if (s->retry_timer)
                        put(&w, LWM2M_SRV_RETRY_TIMER, lwm2m_value_unsigned(s->retry_timer));
                if (s->retry_max)
                        put(&w, LWM2M_SRV_SEQUENCE_DELAY, lwm2m_value_unsigned(s->retry_max));
                if (s->has_priority)
                        put(&w, LWM2M_SRV_PRIORITY_ORDER, lwm2m_value_unsigned(s->priority));
                if (s->initial_delay)
                        put(&w, LWM2M_SRV_INITIAL_DELAY, lwm2m_value_unsigned(s->initial_delay));
                if (s->failure_block >= 0)
                        put(&w, LWM2M_SRV_FAILURE_BLOCK, lwm2m_value_boolean(s->failure_block));
                if (s->bootstrap_on_failure >= 0)
                        put(&w, LWM2M_SRV_BOOTSTRAP_ON_FAILURE,
                            lwm2m_value_boolean(s->bootstrap_on_failure));
                if (s->retry_count)
                        put(&w, LWM2M_SRV_RETRY_COUNT, lwm2m_value_unsigned(s->retry_count));
                if (s->sequence_retries)
                        put(&w, LWM2M_SRV_SEQUENCE_RETRY_COUNT,
                            lwm2m_value_unsigned(s->sequence_retries));
                r = commit(&w, where, error, userdata);
                if (r < 0)
                        return r;
        }
        return provision_access(tree, c, error, userdata);
}
