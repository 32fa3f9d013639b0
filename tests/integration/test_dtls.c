/* test_dtls.c - integration: the daemon over DTLS with PSK, RPK and X.509 against the
 * test server, with keys and certificates made by certtool at test time. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"

#define PSK_IDENTITY "itest-psk"
static const uint8_t psk_key[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t wrong_psk_key[] = {0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef};
#define PSK_KEY_HEX "00112233445566778899aabbccddeeff"

/* The material every test may use, made in the fixture's scratch directory. */
enum {
        CA_KEY,
        CA_CERT,
        SERVER_KEY,
        SERVER_CERT,
        SERVER_PUB,
        CLIENT_KEY,
        CLIENT_CERT,
        CLIENT_PUB,
        OTHER_CA_KEY,
        OTHER_CA_CERT,
        OTHER_KEY,
        OTHER_PUB,
        OTHER_SERVER_CERT,    /* the server's key, signed by the other CA */
        NAMELESS_SERVER_CERT, /* the server's key, signed by the CA, for another name */
        INTERMEDIATE_KEY,
        INTERMEDIATE_CERT, /* signed by the CA */
        CHAIN_SERVER_CERT, /* the server's key signed by the intermediate, then the intermediate */
        CLIENT_PUB_DER,
        CLIENT_CERT_DER,
        N_MATERIAL,
};

typedef struct dtls_test {
        daemon_fixture f;
        char path[N_MATERIAL][512]; /* the material's files */
} dtls_test;

static const char *const material_names[N_MATERIAL] = {
        [CA_KEY] = "ca.key",
        [CA_CERT] = "ca.pem",
        [SERVER_KEY] = "server.key",
        [SERVER_CERT] = "server.pem",
        [SERVER_PUB] = "server.pub",
        [CLIENT_KEY] = "client.key",
        [CLIENT_CERT] = "client.pem",
        [CLIENT_PUB] = "client.pub",
        [OTHER_CA_KEY] = "other-ca.key",
        [OTHER_CA_CERT] = "other-ca.pem",
        [OTHER_KEY] = "other.key",
        [OTHER_PUB] = "other.pub",
        [OTHER_SERVER_CERT] = "server-other-ca.pem",
        [NAMELESS_SERVER_CERT] = "server-elsewhere.pem",
        [INTERMEDIATE_KEY] = "intermediate.key",
        [INTERMEDIATE_CERT] = "intermediate.pem",
        [CHAIN_SERVER_CERT] = "server-chain.pem",
        [CLIENT_PUB_DER] = "client.pub.der",
        [CLIENT_CERT_DER] = "client.der",
};

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
        char cmd[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        int r = fixture_run(cmd);
        if (r != 0)
                fprintf(stderr, "command failed (%d): %s\n", r, cmd);
        assert_int_equal(r, 0);
}

static void write_template(dtls_test *t, const char *name, const char *text)
{
        assert_int_equal(fixture_write_file(&t->f, name, text, NULL, 0), 0);
}

static void make_key(dtls_test *t, int key, int pub)
{
        run("certtool --generate-privkey --key-type ecdsa --curve secp256r1 --no-text "
            "--outfile '%s' 2>/dev/null",
            t->path[key]);
        if (pub >= 0)
                run("certtool --load-privkey '%s' --pubkey-info --no-text --outfile '%s' "
                    "2>/dev/null",
                    t->path[key], t->path[pub]);
}

static void sign(dtls_test *t, int key, int ca_cert, int ca_key, const char *tmpl, int out)
{
        run("cd '%s' && certtool --generate-certificate --load-privkey '%s' "
            "--load-ca-certificate '%s' --load-ca-privkey '%s' --template %s --no-text "
            "--outfile '%s' 2>/dev/null",
            t->f.dir, t->path[key], t->path[ca_cert], t->path[ca_key], tmpl, t->path[out]);
}

/* An EC P-256 CA, a server certificate for 127.0.0.1 and localhost signed by it, a
 * client certificate, raw keys for RPK, and a second CA and key that must not pass. */
static void make_material(dtls_test *t)
{
        for (int i = 0; i < N_MATERIAL; i++)
                snprintf(t->path[i], sizeof(t->path[i]), "%s/%s", t->f.dir, material_names[i]);
        write_template(t, "ca.tmpl",
                       "cn = \"lwm2md itest CA\"\nca\ncert_signing_key\nexpiration_days = 2\n");
        write_template(t, "other-ca.tmpl",
                       "cn = \"some other CA\"\nca\ncert_signing_key\nexpiration_days = 2\n");
        write_template(t, "server.tmpl",
                       "cn = \"localhost\"\ndns_name = \"localhost\"\nip_address = \"127.0.0.1\"\n"
                       "tls_www_server\nsigning_key\nexpiration_days = 2\n");
        write_template(t, "elsewhere.tmpl",
                       "cn = \"lwm2m.example.org\"\ndns_name = \"lwm2m.example.org\"\n"
                       "tls_www_server\nsigning_key\nexpiration_days = 2\n");
        write_template(t, "client.tmpl",
                       "cn = \"itest\"\ntls_www_client\nsigning_key\nexpiration_days = 2\n");

        make_key(t, CA_KEY, -1);
        run("cd '%s' && certtool --generate-self-signed --load-privkey '%s' --template ca.tmpl "
            "--no-text --outfile '%s' 2>/dev/null",
            t->f.dir, t->path[CA_KEY], t->path[CA_CERT]);
        make_key(t, OTHER_CA_KEY, -1);
        run("cd '%s' && certtool --generate-self-signed --load-privkey '%s' "
            "--template other-ca.tmpl --no-text --outfile '%s' 2>/dev/null",
            t->f.dir, t->path[OTHER_CA_KEY], t->path[OTHER_CA_CERT]);
        make_key(t, SERVER_KEY, SERVER_PUB);
        sign(t, SERVER_KEY, CA_CERT, CA_KEY, "server.tmpl", SERVER_CERT);
        sign(t, SERVER_KEY, OTHER_CA_CERT, OTHER_CA_KEY, "server.tmpl", OTHER_SERVER_CERT);
        sign(t, SERVER_KEY, CA_CERT, CA_KEY, "elsewhere.tmpl", NAMELESS_SERVER_CERT);
        make_key(t, CLIENT_KEY, CLIENT_PUB);
        sign(t, CLIENT_KEY, CA_CERT, CA_KEY, "client.tmpl", CLIENT_CERT);
        make_key(t, OTHER_KEY, OTHER_PUB);
        write_template(t, "intermediate.tmpl",
                       "cn = \"lwm2md itest intermediate CA\"\nca\ncert_signing_key\n"
                       "expiration_days = 2\n");
        make_key(t, INTERMEDIATE_KEY, -1);
        sign(t, INTERMEDIATE_KEY, CA_CERT, CA_KEY, "intermediate.tmpl", INTERMEDIATE_CERT);
        sign(t, SERVER_KEY, INTERMEDIATE_CERT, INTERMEDIATE_KEY, "server.tmpl", CHAIN_SERVER_CERT);
        run("cat '%s' >> '%s'", t->path[INTERMEDIATE_CERT], t->path[CHAIN_SERVER_CERT]);
        /* What the server must see of the client in the handshake, as DER. */
        run("certtool --load-pubkey '%s' --pubkey-info --outder --outfile '%s' 2>/dev/null",
            t->path[CLIENT_PUB], t->path[CLIENT_PUB_DER]);
        run("certtool --certificate-info --infile '%s' --outder --outfile '%s' 2>/dev/null",
            t->path[CLIENT_CERT], t->path[CLIENT_CERT_DER]);
}

/* The server saw exactly the client's key or certificate in the file `der`. */
static void assert_server_saw_client(dtls_test *t, int der)
{
        FILE *fp = fopen(t->path[der], "re");
        assert_non_null(fp);
        uint8_t want[4096];
        size_t n = fread(want, 1, sizeof(want), fp);
        fclose(fp);
        assert_true(n > 0);
        const uint8_t *seen;
        size_t len = ts_peer_identity(t->f.server, &seen);
        assert_int_equal(len, n);
        assert_memory_equal(seen, want, n);
}

static int setup(void **state)
{
        dtls_test *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        assert_int_equal(fixture_init(&t->f), 0);
        make_material(t);
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        dtls_test *t = *state;
        fixture_cleanup(&t->f);
        free(t);
        return 0;
}

static ts_server *start_server(dtls_test *t, ts_config cfg)
{
        ts_server *s = ts_new(&cfg);
        assert_non_null(s);
        t->f.server = s;
        return s;
}

static ts_config psk_config(const uint8_t *key, size_t len, uint16_t port)
{
        return (ts_config){.security = TS_SECURITY_PSK,
                           .port = port,
                           .psk_identity = PSK_IDENTITY,
                           .psk_key = key,
                           .psk_key_len = len};
}

static ts_config rpk_config(dtls_test *t)
{
        return (ts_config){.security = TS_SECURITY_RPK, .key_file = t->path[SERVER_KEY]};
}

static ts_config x509_config(dtls_test *t, int cert)
{
        return (ts_config){.security = TS_SECURITY_X509,
                           .cert_file = t->path[cert],
                           .key_file = t->path[SERVER_KEY],
                           .ca_file = t->path[CA_CERT]};
}

/* Writes a [server 1] section for the test server's URI plus `keys` and starts the daemon. */
static void start_daemon(dtls_test *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void start_daemon(dtls_test *t, const char *fmt, ...)
{
        char keys[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(keys, sizeof(keys), fmt, ap);
        va_end(ap);
        char extra[3072];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 30\nretry-timer = 1\n%s",
                 ts_uri(t->f.server), keys);
        assert_int_equal(fixture_write_config(&t->f, extra), 0);
        assert_int_equal(fixture_start_daemon(&t->f, NULL), 0);
}

static void dump_log(dtls_test *t, const char *why)
{
        char *log = fixture_read_log(&t->f);
        fprintf(stderr, "---- daemon log (%s) ----\n%s\n----\n", why, log);
        free(log);
}

/* Waits for a Register request; shows the daemon's log if none comes. */
static ts_registration *wait_register(dtls_test *t, unsigned seen, int timeout_ms)
{
        ts_registration *r = ts_wait_register(t->f.server, seen, timeout_ms);
        if (!r)
                dump_log(t, "no registration");
        return r;
}

/* Registration, then a Read of the manufacturer over the DTLS session. */
static void assert_registers_and_reads(dtls_test *t, unsigned seen)
{
        ts_registration *r = wait_register(t, seen, 15000);
        assert_non_null(r);
        assert_string_equal(r->endpoint, "itest");
        ts_response resp;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_GET, "/3/0/0", -1, 0, -1, NULL,
                                    0, 5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_non_null(resp.payload);
        assert_string_equal((const char *)resp.payload, "lwm2md tests");
        ts_response_free(&resp);
}

/* The daemon keeps running, never registers within `ms`, and logs `needle`. */
static void assert_refused(dtls_test *t, const char *needle, int ms)
{
        bool logged = fixture_wait_log(&t->f, needle, ms);
        if (!logged)
                dump_log(t, needle);
        assert_true(logged);
        assert_true(fixture_wait_log(&t->f, "next try in", 10000));
        assert_int_equal(ts_register_count(t->f.server), 0);
        assert_true(fixture_daemon_running(&t->f));
}

/* ---- PSK ---- */

static void test_psk_registers(void **state)
{
        dtls_test *t = *state;
        start_server(t, psk_config(psk_key, sizeof(psk_key), 0));
        start_daemon(t, "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = " PSK_KEY_HEX
                        "\n");
        assert_registers_and_reads(t, 0);
        assert_int_equal(fixture_stop_daemon(&t->f, 10000), 0);
        assert_int_equal(ts_deregister_count(t->f.server), 1);
        fixture_assert_clean_log(&t->f);
}

static void test_psk_wrong_key_retries(void **state)
{
        dtls_test *t = *state;
        ts_server *s = start_server(t, psk_config(wrong_psk_key, sizeof(wrong_psk_key), 0));
        uint16_t port = ts_port(s);
        start_daemon(t, "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = " PSK_KEY_HEX
                        "\n");
        /* Said as what it is, naming the likely cause, within the first attempt's
         * handshake timeout (7 s), not after libcoap's 31 s. */
        int64_t started = now_ms();
        assert_refused(t, "Register failed: the DTLS handshake failed", 15000);
        assert_true(now_ms() - started < 9000);
        assert_true(fixture_log_contains(&t->f, "wrong PSK identity or key"));
        /* Back-off: a second failed attempt follows the first, after a longer wait
         * (2 s, then 4 s, each lengthened by up to 25 % at random). */
        int64_t end = now_ms() + 15000;
        char *log = NULL;
        const char *first = NULL, *second = NULL;
        for (;;) {
                free(log);
                log = fixture_read_log(&t->f);
                first = strstr(log, "next try in ");
                second = first ? strstr(first + 1, "next try in ") : NULL;
                if (second || now_ms() > end)
                        break;
                ts_process(t->f.server, 200);
        }
        if (!second)
                dump_log(t, "no second try");
        assert_non_null(second);
        double delay1 = strtod(first + strlen("next try in "), NULL);
        double delay2 = strtod(second + strlen("next try in "), NULL);
        free(log);
        /* retry-timer = 1, but never sooner than CoAP's ACK_TIMEOUT (2 s), plus up to 25 %. */
        assert_true(delay1 >= 2.0 && delay1 <= 2.5);
        assert_true(delay2 > delay1);
        assert_true(fixture_daemon_running(&t->f));
        assert_int_equal(ts_register_count(t->f.server), 0);

        /* The operator fixes the server's key: the daemon gets through on its own. */
        ts_free(t->f.server);
        t->f.server = NULL;
        start_server(t, psk_config(psk_key, sizeof(psk_key), port));
        assert_registers_and_reads(t, 0);
        fixture_assert_clean_log(&t->f);
}

/* ---- RPK ---- */

static void test_rpk_registers(void **state)
{
        dtls_test *t = *state;
        start_server(t, rpk_config(t));
        start_daemon(t, "security = rpk\nprivate-key = %s\n", t->path[CLIENT_KEY]);
        assert_registers_and_reads(t, 0);
        assert_server_saw_client(t, CLIENT_PUB_DER);
        /* Without a pinned key the daemon says that it accepts any server. */
        assert_true(fixture_log_contains(&t->f, "any server at"));
        fixture_assert_clean_log(&t->f);
}

static void test_rpk_pinned_key_registers(void **state)
{
        dtls_test *t = *state;
        start_server(t, rpk_config(t));
        start_daemon(t, "security = rpk\nprivate-key = %s\nserver-certificate = %s\n",
                     t->path[CLIENT_KEY], t->path[SERVER_PUB]);
        assert_registers_and_reads(t, 0);
        assert_server_saw_client(t, CLIENT_PUB_DER);
        assert_false(fixture_log_contains(&t->f, "any server at"));
        fixture_assert_clean_log(&t->f);
}

static void test_rpk_wrong_pin_refused(void **state)
{
        dtls_test *t = *state;
        start_server(t, rpk_config(t));
        start_daemon(t, "security = rpk\nprivate-key = %s\nserver-certificate = %s\n",
                     t->path[CLIENT_KEY], t->path[OTHER_PUB]);
        assert_refused(t, "public key does not match", 15000);
        fixture_assert_clean_log(&t->f);
}

/* ---- X.509 ---- */

static void test_x509_trust_anchor_registers(void **state)
{
        dtls_test *t = *state;
        start_server(t, x509_config(t, SERVER_CERT));
        start_daemon(t, "security = x509\ncertificate = %s\nprivate-key = %s\nca-file = %s\n",
                     t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[CA_CERT]);
        assert_registers_and_reads(t, 0);
        /* The server checked the client's certificate against its CA (ca_file). */
        assert_server_saw_client(t, CLIENT_CERT_DER);
        fixture_assert_clean_log(&t->f);
}

static void test_x509_intermediate_ca_registers(void **state)
{
        dtls_test *t = *state;
        /* The server sends its certificate and the intermediate; the daemon trusts the root. */
        start_server(t, x509_config(t, CHAIN_SERVER_CERT));
        start_daemon(t, "security = x509\ncertificate = %s\nprivate-key = %s\nca-file = %s\n",
                     t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[CA_CERT]);
        assert_registers_and_reads(t, 0);
        assert_true(fixture_log_contains(&t->f, "checking a chain of 2 certificate(s)"));
        fixture_assert_clean_log(&t->f);
}

static void test_x509_pinned_cert_registers(void **state)
{
        dtls_test *t = *state;
        start_server(t, x509_config(t, SERVER_CERT));
        start_daemon(
                t, "security = x509\ncertificate = %s\nprivate-key = %s\nserver-certificate = %s\n",
                t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[SERVER_CERT]);
        assert_registers_and_reads(t, 0);
        fixture_assert_clean_log(&t->f);
}

static void test_x509_wrong_ca_refused(void **state)
{
        dtls_test *t = *state;
        /* The server shows a certificate the daemon's anchor did not sign. */
        start_server(t, x509_config(t, OTHER_SERVER_CERT));
        start_daemon(t, "security = x509\ncertificate = %s\nprivate-key = %s\nca-file = %s\n",
                     t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[CA_CERT]);
        assert_refused(t, "does not verify against the trust anchor", 15000);
        assert_true(fixture_log_contains(&t->f, "issuer is unknown"));
        fixture_assert_clean_log(&t->f);
}

static void test_x509_wrong_pin_refused(void **state)
{
        dtls_test *t = *state;
        start_server(t, x509_config(t, SERVER_CERT));
        /* Pinned: the same key, but not the certificate the server shows. */
        start_daemon(
                t, "security = x509\ncertificate = %s\nprivate-key = %s\nserver-certificate = %s\n",
                t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[OTHER_SERVER_CERT]);
        assert_refused(t, "the server's certificate does not match", 15000);
        fixture_assert_clean_log(&t->f);
}

static void test_x509_name_mismatch_refused(void **state)
{
        dtls_test *t = *state;
        /* Signed by the right CA, but for a name other than the URI's 127.0.0.1. */
        start_server(t, x509_config(t, NAMELESS_SERVER_CERT));
        start_daemon(t, "security = x509\ncertificate = %s\nprivate-key = %s\nca-file = %s\n",
                     t->path[CLIENT_CERT], t->path[CLIENT_KEY], t->path[CA_CERT]);
        assert_refused(t, "(for '127.0.0.1') does not verify", 15000);
        assert_true(fixture_log_contains(&t->f, "name in the certificate does not match"));
        fixture_assert_clean_log(&t->f);
}

/* ---- bad key files ---- */

/* Waits for the daemon to exit on its own; returns its exit status or -ETIMEDOUT. */
static int wait_exit(daemon_fixture *f, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        while (now_ms() < end) {
                int status;
                pid_t r = waitpid(f->pid, &status, WNOHANG);
                if (r == f->pid) {
                        f->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                usleep(20000);
        }
        return -ETIMEDOUT;
}

static void assert_refuses_to_start(dtls_test *t, const char *key_path)
{
        start_server(t, rpk_config(t));
        start_daemon(t, "security = x509\ncertificate = %s\nprivate-key = %s\nca-file = %s\n",
                     t->path[CLIENT_CERT], key_path, t->path[CA_CERT]);
        int status = wait_exit(&t->f, 10000);
        assert_int_not_equal(status, -ETIMEDOUT);
        assert_int_not_equal(status, 0);
        char *log = fixture_read_log(&t->f);
        bool named = strstr(log, key_path) != NULL;
        if (!named)
                fprintf(stderr, "---- daemon log (no '%s') ----\n%s\n----\n", key_path, log);
        free(log);
        assert_true(named);
        fixture_assert_clean_log(&t->f);
}

static void test_missing_key_file(void **state)
{
        dtls_test *t = *state;
        char path[600];
        snprintf(path, sizeof(path), "%s/no-such.key", t->f.dir);
        assert_refuses_to_start(t, path);
}

static void test_garbage_key_file(void **state)
{
        dtls_test *t = *state;
        char path[600];
        assert_int_equal(fixture_write_file(&t->f, "garbage.key",
                                            "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n"
                                            "-----END EC PRIVATE KEY-----\n",
                                            path, sizeof(path)),
                         0);
        assert_refuses_to_start(t, path);
}

/* ---- server restart ---- */

static void test_server_restart_rehandshakes(void **state)
{
        dtls_test *t = *state;
        ts_server *s = start_server(t, psk_config(psk_key, sizeof(psk_key), 0));
        uint16_t port = ts_port(s);
        start_daemon(t, "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = " PSK_KEY_HEX
                        "\n");
        assert_registers_and_reads(t, 0);

        /* A restarted server has neither the DTLS session nor the registration. */
        ts_free(t->f.server);
        t->f.server = NULL;
        start_server(t, psk_config(psk_key, sizeof(psk_key), port));
        assert_non_null(wait_register(t, 0, 25000));
        assert_registers_and_reads(t, 0);
        assert_true(fixture_daemon_running(&t->f));
        fixture_assert_clean_log(&t->f);
}

/* A server that dies without a word (power cut, crash, NAT rebinding): the daemon's
 * DTLS session is dead and only a new handshake gets it through again. */
static void test_server_crash_rehandshakes(void **state)
{
        dtls_test *t = *state;
        ts_server *s = start_server(t, psk_config(psk_key, sizeof(psk_key), 0));
        uint16_t port = ts_port(s);
        ts_free(s);
        t->f.server = NULL;

        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                ts_config cfg = psk_config(psk_key, sizeof(psk_key), port);
                ts_server *first = ts_new(&cfg);
                if (!first)
                        _exit(1);
                for (;;)
                        ts_process(first, 1000);
        }
        char extra[512];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = coaps://127.0.0.1:%u\nlifetime = 30\nretry-timer = 1\n"
                 "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = " PSK_KEY_HEX "\n",
                 port);
        assert_int_equal(fixture_write_config(&t->f, extra), 0);
        assert_int_equal(fixture_start_daemon(&t->f, NULL), 0);
        bool registered = fixture_wait_log(&t->f, "registered at", 15000);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        if (!registered)
                dump_log(t, "no first registration");
        assert_true(registered);

        start_server(t, psk_config(psk_key, sizeof(psk_key), port));
        /* The Update at half the lifetime goes unanswered; when the lifetime is
         * over the daemon registers anew, with a new handshake. */
        assert_non_null(wait_register(t, 0, 40000));
        assert_true(fixture_log_contains(&t->f, "registration expired; registering again"));
        assert_registers_and_reads(t, 0);
        fixture_assert_clean_log(&t->f);
}

int main(int argc, char **argv)
{
        /* A test name pattern ("*rpk*") runs only the matching tests. */
        if (argc > 1)
                cmocka_set_test_filter(argv[1]);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_psk_registers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_psk_wrong_key_retries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rpk_registers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rpk_pinned_key_registers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rpk_wrong_pin_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_x509_trust_anchor_registers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_x509_intermediate_ca_registers, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_x509_pinned_cert_registers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_x509_wrong_ca_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_x509_wrong_pin_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_x509_name_mismatch_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_key_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage_key_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_server_restart_rehandshakes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_server_crash_rehandshakes, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
