/* test_bootstrap.c - integration: the daemon bootstraps from test server A (Discover,
 * Read, Delete, Write in TLV and SenML CBOR, Finish), then registers with test server B. */
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

#include <cmocka.h>
#include <systemd/sd-bus.h>

#include "daemon_fixture.h"
#include "formats/format.h"
#include "model/oma.h"
#include "model/record.h"
#include "tests/faults/udp_relay.h"

#define SHORT_ID 5

typedef struct bs_fixture {
        daemon_fixture f;
        ts_server *b;    /* the management server the bootstrap server names */
        char bs_uri[64]; /* the bootstrap server's URI as the daemon has it ("": A's) */
} bs_fixture;

static int setup(void **state)
{
        bs_fixture *x = calloc(1, sizeof(*x));
        assert_non_null(x);
        assert_int_equal(fixture_init(&x->f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        x->f.server = ts_new(&cfg);
        x->b = ts_new(&cfg);
        assert_non_null(x->f.server);
        assert_non_null(x->b);
        *state = x;
        return 0;
}

static int teardown(void **state)
{
        bs_fixture *x = *state;
        fixture_cleanup(&x->f);
        if (x->b)
                ts_free(x->b);
        free(x);
        return 0;
}

/* A daemon with [bootstrap-server] at A, and `extra` sections. */
static void start(bs_fixture *x, const char *bs_extra, const char *extra)
{
        char text[2048];
        snprintf(text, sizeof(text), "[bootstrap-server]\nuri = %s\n%s\n%s", ts_uri(x->f.server),
                 bs_extra ? bs_extra : "", extra ? extra : "");
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
}

/* One request of the bootstrap server; returns the response code, `out` kept when given. */
static uint8_t bs_request(bs_fixture *x, coap_pdu_code_t method, const char *path, int format,
                          int accept, const void *payload, size_t len, ts_response *out)
{
        ts_response resp;
        assert_int_equal(ts_request(x->f.server, method, path, format, accept, -1, payload, len,
                                    5000, &resp),
                         0);
        uint8_t code = resp.code;
        if (out)
                *out = resp;
        else
                ts_response_free(&resp);
        return code;
}

static void add_string(lwm2m_record_list *l, lwm2m_path p, const char *s)
{
        lwm2m_record *rec = lwm2m_record_list_add(l, &p);
        assert_non_null(rec);
        assert_int_equal(lwm2m_value_set_string(&rec->value, s, strlen(s)), 0);
}

static void add_value(lwm2m_record_list *l, lwm2m_path p, lwm2m_value v)
{
        lwm2m_record *rec = lwm2m_record_list_add(l, &p);
        assert_non_null(rec);
        rec->value = v;
}

/* Bootstrap-Write of `records` at `base` in `format`, encoded by the repository's encoder. */
static uint8_t bs_write(bs_fixture *x, const char *path, lwm2m_path base, uint16_t format,
                        lwm2m_record_list *records)
{
        lwm2m_buf out = {0};
        assert_int_equal(lwm2m_format_encode(format, &base, records->items, records->n, &out), 0);
        uint8_t code =
                bs_request(x, COAP_REQUEST_CODE_PUT, path, format, -1, out.data, out.len, NULL);
        lwm2m_buf_free(&out);
        lwm2m_record_list_free(records);
        return code;
}

/* A Security instance /0/1 for B (NoSec, Short Server ID `ssid`); at /0 or at /0/1. */
static uint8_t write_security_id(bs_fixture *x, uint16_t format, bool at_object, uint16_t ssid)
{
        lwm2m_record_list l = {0};
        add_string(&l, lwm2m_path_resource(0, 1, LWM2M_SEC_URI), ts_uri(x->b));
        add_value(&l, lwm2m_path_resource(0, 1, LWM2M_SEC_BOOTSTRAP), lwm2m_value_boolean(false));
        add_value(&l, lwm2m_path_resource(0, 1, LWM2M_SEC_MODE),
                  lwm2m_value_integer(LWM2M_SEC_MODE_NOSEC));
        add_value(&l, lwm2m_path_resource(0, 1, LWM2M_SEC_SHORT_ID), lwm2m_value_integer(ssid));
        return bs_write(x, at_object ? "/0" : "/0/1",
                        at_object ? lwm2m_path_object(0) : lwm2m_path_instance(0, 1), format, &l);
}

static uint8_t write_security(bs_fixture *x, uint16_t format, bool at_object)
{
        return write_security_id(x, format, at_object, SHORT_ID);
}

/* The Server instance /1/0 with Short Server ID `ssid`. */
static uint8_t write_server_id(bs_fixture *x, uint16_t format, uint16_t ssid)
{
        lwm2m_record_list l = {0};
        add_value(&l, lwm2m_path_resource(1, 0, LWM2M_SRV_SHORT_ID), lwm2m_value_integer(ssid));
        add_value(&l, lwm2m_path_resource(1, 0, LWM2M_SRV_LIFETIME), lwm2m_value_integer(60));
        add_value(&l, lwm2m_path_resource(1, 0, LWM2M_SRV_STORING), lwm2m_value_boolean(false));
        add_string(&l, lwm2m_path_resource(1, 0, LWM2M_SRV_BINDING), "U");
        return bs_write(x, "/1/0", lwm2m_path_instance(1, 0), format, &l);
}

static uint8_t write_server(bs_fixture *x, uint16_t format)
{
        return write_server_id(x, format, SHORT_ID);
}

/* Access Control /2/0: server 5 may do everything (15) to /1/0, and owns it. */
static uint8_t write_acl(bs_fixture *x, uint16_t format)
{
        lwm2m_record_list l = {0};
        add_value(&l, lwm2m_path_resource(2, 0, 0), lwm2m_value_integer(1));
        add_value(&l, lwm2m_path_resource(2, 0, 1), lwm2m_value_integer(0));
        add_value(&l, lwm2m_path_resource_instance(2, 0, 2, SHORT_ID), lwm2m_value_integer(15));
        add_value(&l, lwm2m_path_resource(2, 0, 3), lwm2m_value_integer(SHORT_ID));
        return bs_write(x, "/2/0", lwm2m_path_instance(2, 0), format, &l);
}

static char *payload_text(const ts_response *r)
{
        char *s = malloc(r->len + 1);
        assert_non_null(s);
        memcpy(s, r->payload, r->len);
        s[r->len] = 0;
        return s;
}

/* Bootstrap-Discover of `path`: the payload as text. */
static char *discover(bs_fixture *x, const char *path)
{
        ts_response r;
        assert_int_equal(
                bs_request(x, COAP_REQUEST_CODE_GET, path, -1, LWM2M_FORMAT_LINK, NULL, 0, &r),
                COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(r.content_format, LWM2M_FORMAT_LINK);
        char *s = payload_text(&r);
        ts_response_free(&r);
        return s;
}

/* Deletes everything, writes B's account and finishes (B has had `registers_before`
 * Registers): first without the Server
 * instance (4.06 with what is missing), then complete (2.04). */
static void configure_b(bs_fixture *x, uint16_t format, unsigned registers_before)
{
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_DELETE, "/", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_DELETED);
        /* The bootstrap server's own account survives the delete. */
        char *links = discover(x, "/0");
        char want[128];
        snprintf(want, sizeof(want), "</0/0>;uri=\"%s\"",
                 x->bs_uri[0] ? x->bs_uri : ts_uri(x->f.server));
        assert_non_null(strstr(links, want));
        free(links);

        assert_int_equal(write_security(x, format, format == LWM2M_FORMAT_TLV),
                         COAP_RESPONSE_CODE_CHANGED);
        ts_response r;
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL, 0, &r),
                         COAP_RESPONSE_CODE_NOT_ACCEPTABLE);
        char *why = payload_text(&r);
        ts_response_free(&r);
        assert_non_null(strstr(why, "no Server instance has Short Server ID 5"));
        free(why);

        assert_int_equal(write_server(x, format), COAP_RESPONSE_CODE_CHANGED);
        /* An Access Control instance: written as any object 2 instance, read back. */
        assert_int_equal(write_acl(x, format), COAP_RESPONSE_CODE_CHANGED);
        ts_response acl;
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_GET, "/2/0/2/5", -1, LWM2M_FORMAT_TEXT,
                                    NULL, 0, &acl),
                         COAP_RESPONSE_CODE_CONTENT);
        char *acl_text = payload_text(&acl);
        ts_response_free(&acl);
        assert_string_equal(acl_text, "15");
        free(acl_text);
        links = discover(x, "/");
        assert_non_null(strstr(links, "</>;lwm2m=\"1.1\""));
        snprintf(want, sizeof(want), "</0/1>;ssid=5;uri=\"%s\"", ts_uri(x->b));
        assert_non_null(strstr(links, want));
        assert_non_null(strstr(links, "</1/0>;ssid=5"));
        assert_non_null(strstr(links, "</3/0>"));
        free(links);
        /* Nothing registers while bootstrapping. */
        ts_process(x->b, 200);
        assert_int_equal(ts_register_count(x->b), registers_before);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
}

static void bootstrap_in(void **state, uint16_t format)
{
        bs_fixture *x = *state;
        start(x, NULL, NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 10000);
        assert_non_null(req);
        assert_string_equal(req->endpoint, "itest");
        assert_int_equal(req->pct, LWM2M_FORMAT_SENML_JSON);

        /* Discover: the version, the bootstrap account with its URI, the Device. */
        char *links = discover(x, "/");
        char want[128];
        snprintf(want, sizeof(want), "</0/0>;uri=\"%s\"", ts_uri(x->f.server));
        assert_non_null(strstr(links, "</>;lwm2m=\"1.1\""));
        assert_non_null(strstr(links, want));
        assert_non_null(strstr(links, "</3/0>"));
        free(links);
        /* Read: the Server and Access Control objects only. */
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_GET, "/1", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_GET, "/2", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_GET, "/3", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_NOT_ALLOWED);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_GET, "/0/0", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_NOT_ALLOWED);
        /* No Execute in the bootstrap interface. */
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_POST, "/3/0/4", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_NOT_ALLOWED);

        configure_b(x, format, 0);
        ts_registration *reg = ts_wait_register(x->b, 0, 10000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        assert_int_equal(reg->lifetime, 60);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

static void test_bootstrap_tlv(void **state)
{
        bootstrap_in(state, LWM2M_FORMAT_TLV);
}

static void test_bootstrap_senml_cbor(void **state)
{
        bootstrap_in(state, LWM2M_FORMAT_SENML_CBOR);
}

/* A bootstrap server that takes the request but never finishes: the daemon asks
 * again after the timeout and the back-off. */
static void test_bootstrap_timeout(void **state)
{
        bs_fixture *x = *state;
        start(x, "bootstrap-timeout = 2\n", NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 10000);
        assert_non_null(req);
        int64_t first = req->at_ms;
        req = ts_wait_bootstrap_request(x->f.server, 1, 30000);
        assert_non_null(req);
        /* The timeout, then at least the back-off's floor. */
        assert_true(req->at_ms - first >= 2000 + 2000);
        assert_true(fixture_log_contains(&x->f, "the bootstrap did not finish in time"));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* The Client Hold Off Time delays the first Bootstrap-Request. */
static void test_bootstrap_hold_off(void **state)
{
        bs_fixture *x = *state;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t started = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        start(x, "hold-off = 2\n", NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 15000);
        assert_non_null(req);
        assert_true(req->at_ms - started >= 2000);
        assert_true(fixture_log_contains(&x->f, "Client Hold Off Time 2 s"));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* A Bootstrap-Request answered with an error is asked again after the back-off. */
static void test_bootstrap_refused_retried(void **state)
{
        bs_fixture *x = *state;
        ts_fail_bootstrap(x->f.server, COAP_RESPONSE_CODE_BAD_REQUEST, 1);
        start(x, NULL, NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 10000);
        assert_non_null(req);
        int64_t first = req->at_ms;
        req = ts_wait_bootstrap_request(x->f.server, 1, 20000);
        assert_non_null(req);
        assert_true(req->at_ms - first >= 2000);
        assert_true(fixture_log_contains(&x->f, "Bootstrap-Request refused with 4.00"));
        /* The second one was taken: the bootstrap goes on. */
        configure_b(x, LWM2M_FORMAT_TLV, 0);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* The bootstrap server behind DTLS with a PSK. */
static void test_bootstrap_psk(void **state)
{
        bs_fixture *x = *state;
        static const uint8_t key[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
        ts_free(x->f.server);
        ts_config cfg = {.security = TS_SECURITY_PSK,
                         .trace_timeouts = true,
                         .psk_identity = "itest-bs",
                         .psk_key = key,
                         .psk_key_len = sizeof(key)};
        x->f.server = ts_new(&cfg);
        assert_non_null(x->f.server);
        assert_int_equal(strncmp(ts_uri(x->f.server), "coaps://", 8), 0);
        start(x, "psk-identity = itest-bs\npsk-key = 0011223344556677\n", NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 15000);
        assert_non_null(req);
        assert_string_equal(req->endpoint, "itest");
        configure_b(x, LWM2M_FORMAT_SENML_CBOR, 0);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* A management server executes Bootstrap-Request Trigger: the daemon bootstraps from
 * A, leaving B alone until Finish, then registers with B anew. */
static void test_bootstrap_trigger(void **state)
{
        bs_fixture *x = *state;
        char extra[512];
        snprintf(extra, sizeof(extra), "[server b]\nuri = %s\nshort-id = %d\nlifetime = 60\n",
                 ts_uri(x->b), SHORT_ID);
        start(x, NULL, extra);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        assert_int_equal(ts_bootstrap_request_count(x->f.server), 0);

        ts_response r;
        assert_int_equal(
                ts_request(x->b, COAP_REQUEST_CODE_POST, "/1/0/9", -1, -1, -1, NULL, 0, 5000, &r),
                0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 10000));
        /* While bootstrapping, B hears nothing. */
        ts_process(x->b, 1500);
        assert_int_equal(ts_register_count(x->b), 1);
        assert_int_equal(ts_update_count(x->b), 0);

        configure_b(x, LWM2M_FORMAT_SENML_CBOR, 1);
        ts_registration *reg = ts_wait_register(x->b, 1, 10000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* The way widely used bootstrap servers (Leshan among them) configure a 1.1 client:
 * in the format it asked for (pct, SenML JSON), Bootstrap-Delete of /0 and /1 rather
 * than /, the bootstrap account rewritten in place at /0/0, the keys of a NoSec
 * account written as empty opaque values, then Finish. */
static void test_bootstrap_senml_json_in_place(void **state)
{
        bs_fixture *x = *state;
        start(x, NULL, NULL);
        const ts_bootstrap_request *req = ts_wait_bootstrap_request(x->f.server, 0, 10000);
        assert_non_null(req);
        assert_int_equal(req->pct, LWM2M_FORMAT_SENML_JSON);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_DELETE, "/0", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_DELETED);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_DELETE, "/1", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_DELETED);
        lwm2m_record_list l = {0};
        add_string(&l, lwm2m_path_resource(0, 0, LWM2M_SEC_URI), ts_uri(x->f.server));
        add_value(&l, lwm2m_path_resource(0, 0, LWM2M_SEC_BOOTSTRAP), lwm2m_value_boolean(true));
        add_value(&l, lwm2m_path_resource(0, 0, LWM2M_SEC_MODE),
                  lwm2m_value_integer(LWM2M_SEC_MODE_NOSEC));
        static const uint16_t keys[] = {LWM2M_SEC_IDENTITY, LWM2M_SEC_SERVER_KEY, LWM2M_SEC_SECRET};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                lwm2m_path p = lwm2m_path_resource(0, 0, keys[i]);
                lwm2m_record *rec = lwm2m_record_list_add(&l, &p);
                assert_non_null(rec);
                assert_int_equal(lwm2m_value_set_bytes(&rec->value, LWM2M_TYPE_OPAQUE, "", 0), 0);
        }
        assert_int_equal(
                bs_write(x, "/0/0", lwm2m_path_instance(0, 0), LWM2M_FORMAT_SENML_JSON, &l),
                COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(write_security(x, LWM2M_FORMAT_SENML_JSON, false),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(write_server(x, LWM2M_FORMAT_SENML_JSON), COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        ts_registration *reg = ts_wait_register(x->b, 0, 10000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        /* The rewritten account is still the bootstrap account: nothing registers
         * with A. */
        ts_process(x->f.server, 1000);
        assert_int_equal(ts_register_count(x->f.server), 0);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* What a bootstrap server gave survives a restart, even a SIGKILL right after the
 * Finish was answered: the daemon registers with B again and does not bootstrap. */
static void test_restart_after_bootstrap(void **state)
{
        bs_fixture *x = *state;
        start(x, NULL, NULL);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 10000));
        configure_b(x, LWM2M_FORMAT_SENML_CBOR, 0);
        /* The Finish was answered: what it finished is on disk now. */
        kill(x->f.pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(x->f.pid, &status, 0), x->f.pid);
        x->f.pid = 0;

        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
        ts_registration *reg = ts_wait_register(x->b, 0, 10000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        assert_int_equal(reg->lifetime, 60);
        ts_process(x->f.server, 500);
        assert_int_equal(ts_bootstrap_request_count(x->f.server), 1);
        /* And once more after a clean stop. */
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
        assert_non_null(ts_wait_register(x->b, 1, 10000));
        assert_int_equal(ts_bootstrap_request_count(x->f.server), 1);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* A management server that cannot be reached: after the attempts and sequences its
 * Server object allows, the registration has failed and the daemon falls back to the
 * bootstrap server, which gives it B. */
static void test_fallback_to_bootstrap(void **state)
{
        bs_fixture *x = *state;
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        ts_server *gone = ts_new(&cfg);
        assert_non_null(gone);
        char extra[512];
        snprintf(extra, sizeof(extra),
                 "[server dead]\nuri = coap://127.0.0.1:%u\nshort-id = 7\nlifetime = 60\n"
                 "retry-timer = 1\nretry-max = 2\nretry-count = 2\nsequence-retries = 2\n",
                 ts_port(gone));
        ts_free(gone);
        start(x, NULL, extra);
        /* Nothing is asked of the bootstrap server before the rules say so. */
        assert_true(fixture_wait_log(&x->f, "server 7 (coap://127.0.0.1", 10000));
        assert_int_equal(ts_bootstrap_request_count(x->f.server), 0);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 30000));
        assert_true(fixture_log_contains(&x->f, "registration failed: 4 attempts in 2 sequences"));
        assert_true(fixture_log_contains(&x->f, "falling back to bootstrap"));
        configure_b(x, LWM2M_FORMAT_TLV, 0);
        ts_registration *reg = ts_wait_register(x->b, 0, 10000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
}

/* The bootstrap server behind a relay that first garbles every answer (the daemon
 * stays up, fails the attempt, waits its back-off, spends no CPU to speak of and
 * keeps its descriptors), then loses one datagram in ten each way: the whole bootstrap still
 * goes through, and the daemon registers with B. */
static void test_bootstrap_lossy_and_garbled(void **state)
{
        bs_fixture *x = *state;
        udp_relay *relay = relay_new(ts_port(x->f.server), 7);
        assert_non_null(relay);
        relay_set_garble(relay, true);
        snprintf(x->bs_uri, sizeof(x->bs_uri), "coap://127.0.0.1:%u", relay_port(relay));
        char text[256];
        snprintf(text, sizeof(text), "[bootstrap-server]\nuri = %s\n", x->bs_uri);
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
        assert_true(fixture_wait_log(&x->f, "attempt 1 failed, next Bootstrap-Request", 60000));
        int fds = fixture_fd_count(x->f.pid);
        double cpu = fixture_cpu_seconds(x->f.pid);
        /* Waiting out the back-off (5 s and more) with garbage coming in. */
        for (int i = 0; i < 40; i++)
                ts_process(x->f.server, 100);
        assert_true(fixture_daemon_running(&x->f));
        assert_int_equal(fixture_fd_count(x->f.pid), fds);
        /* A few datagrams in 4 s: well under a second of CPU even under ASan. */
        assert_true(fixture_cpu_seconds(x->f.pid) - cpu < 1.0);
        relay_stats st;
        relay_get_stats(relay, &st);
        assert_true(st.garbled > 0);

        relay_set_garble(relay, false);
        relay_set_loss(relay, 0.1, 0.1);
        unsigned seen = ts_bootstrap_request_count(x->f.server);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, seen, 120000));
        configure_b(x, LWM2M_FORMAT_SENML_CBOR, 0);
        ts_registration *reg = ts_wait_register(x->b, 0, 30000);
        assert_non_null(reg);
        assert_string_equal(reg->endpoint, "itest");
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        relay_free(relay);
}

/* Without a bootstrap server, Bootstrap-Request Trigger is 4.05 and B stays registered. */
static void test_trigger_without_bootstrap_server(void **state)
{
        bs_fixture *x = *state;
        char text[256];
        snprintf(text, sizeof(text), "[server b]\nuri = %s\nlifetime = 60\n", ts_uri(x->b));
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        ts_response r;
        assert_int_equal(
                ts_request(x->b, COAP_REQUEST_CODE_POST, "/1/0/9", -1, -1, -1, NULL, 0, 5000, &r),
                0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_NOT_ALLOWED);
        ts_response_free(&r);
        /* Still registered: an Update Trigger is answered and an Update follows. */
        assert_int_equal(
                ts_request(x->b, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1, -1, NULL, 0, 5000, &r),
                0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        assert_non_null(ts_wait_update(x->b, 0, 5000));
        assert_true(fixture_log_contains(&x->f, "no bootstrap server is configured"));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

/* Nothing listens at the bootstrap server's address: Bootstrap-Requests fail and are
 * retried after the back-off, with the descriptors flat. */
static void test_bootstrap_server_gone(void **state)
{
        bs_fixture *x = *state;
        char uri[64];
        snprintf(uri, sizeof(uri), "%s", ts_uri(x->b));
        ts_free(x->b);
        x->b = NULL;
        char text[256];
        snprintf(text, sizeof(text), "[bootstrap-server]\nuri = %s\n", uri);
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        assert_int_equal(fixture_start_daemon(&x->f, NULL), 0);
        assert_true(fixture_wait_log(&x->f, "attempt 1 failed, next Bootstrap-Request", 20000));
        int fds = fixture_fd_count(x->f.pid);
        assert_true(fds > 0);
        assert_true(fixture_wait_log(&x->f, "attempt 2 failed, next Bootstrap-Request", 30000));
        assert_int_equal(fixture_fd_count(x->f.pid), fds);
        assert_true(fixture_daemon_running(&x->f));
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_assert_clean_log(&x->f);
}

static char *manager_state(sd_bus *bus)
{
        char *state = NULL;
        assert_int_equal(sd_bus_get_property_string(bus, "org.lwm2md1", "/org/lwm2md1",
                                                    "org.lwm2md1.Manager", "State", NULL, &state),
                         0);
        return state;
}

/* Manager.Bootstrap starts one (State "bootstrapping" until Finish). */
static void test_bootstrap_over_bus(void **state)
{
        bs_fixture *x = *state;
        fixture_bus pb = {0};
        char log[400];
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", x->f.dir);
        assert_int_equal(
                fixture_bus_start(&pb, SOURCE_ROOT "/tests/integration/dbus-test.conf", log), 0);
        char text[1024];
        snprintf(text, sizeof(text),
                 "[bootstrap-server]\nuri = %s\n[server b]\nuri = %s\nshort-id = %d\n",
                 ts_uri(x->f.server), ts_uri(x->b), SHORT_ID);
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        char bus_arg[600];
        snprintf(bus_arg, sizeof(bus_arg), "--bus=%s", pb.address);
        const char *args[] = {bus_arg, NULL};
        assert_int_equal(fixture_start_daemon(&x->f, args), 0);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        assert_true(fixture_wait_log(&x->f, "on D-Bus as org.lwm2md1", 10000));

        sd_bus *bus = NULL;
        assert_true(sd_bus_new(&bus) >= 0);
        assert_true(sd_bus_set_address(bus, pb.address) >= 0);
        assert_true(sd_bus_set_bus_client(bus, 1) >= 0);
        assert_true(sd_bus_start(bus) >= 0);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_int_equal(sd_bus_call_method(bus, "org.lwm2md1", "/org/lwm2md1",
                                            "org.lwm2md1.Manager", "Bootstrap", &e, NULL, ""),
                         1);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 10000));
        char *st = manager_state(bus);
        assert_string_equal(st, "bootstrapping");
        free(st);

        configure_b(x, LWM2M_FORMAT_TLV, 1);
        assert_non_null(ts_wait_register(x->b, 1, 10000));
        /* The daemon takes the 2.01 a moment after the server sent it. */
        for (int i = 0; i < 100; i++) {
                st = manager_state(bus);
                if (strcmp(st, "registered") == 0)
                        break;
                free(st);
                st = NULL;
                ts_process(x->b, 50);
        }
        assert_non_null(st);
        free(st);
        sd_bus_flush_close_unref(bus);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_bus_stop(&pb);
        fixture_assert_clean_log(&x->f);
}

/* ---- the bus follows the server list ---- */

#define SERVER_PATH "/org/lwm2md1/server/"
#define MAX_EVENTS  1024

/* What the daemon said on the bus, one line per signal in the order heard:
 * "added PATH IFACE...", "removed PATH IFACE..." (ObjectManager at /org/lwm2md1) and
 * "changed PATH IFACE PROP=VALUE..." (PropertiesChanged; State and Servers with their
 * values, "Servers=[p q]", other properties by name). */
typedef struct bus_watch {
        sd_bus *bus;
        char *events[MAX_EVENTS];
        size_t n;
} bus_watch;

__attribute__((format(printf, 3, 4))) static void appendf(char *buf, size_t size, const char *fmt,
                                                          ...)
{
        size_t len = strlen(buf);
        if (len >= size - 1)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf + len, size - len, fmt, ap);
        va_end(ap);
}

static void watch_note(bus_watch *w, const char *line)
{
        assert_true(w->n < MAX_EVENTS);
        w->events[w->n] = strdup(line);
        assert_non_null(w->events[w->n]);
        w->n++;
}

static void append_strv(char *line, size_t size, char **v)
{
        for (char **p = v; p && *p; p++)
                appendf(line, size, "%s%s", p == v ? "" : " ", *p);
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *path = NULL;
        assert_true(sd_bus_message_read(m, "o", &path) >= 0);
        char line[1024] = "";
        appendf(line, sizeof(line), "added %s", path);
        assert_true(sd_bus_message_enter_container(m, 'a', "{sa{sv}}") >= 0);
        while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                const char *iface = NULL;
                assert_true(sd_bus_message_read(m, "s", &iface) >= 0);
                appendf(line, sizeof(line), " %s", iface);
                assert_true(sd_bus_message_skip(m, "a{sv}") >= 0);
                assert_true(sd_bus_message_exit_container(m) >= 0);
        }
        watch_note(userdata, line);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *path = NULL;
        char **ifaces = NULL;
        assert_true(sd_bus_message_read(m, "o", &path) >= 0);
        assert_true(sd_bus_message_read_strv(m, &ifaces) >= 0);
        char line[1024] = "";
        appendf(line, sizeof(line), "removed %s ", path);
        append_strv(line, sizeof(line), ifaces);
        for (char **p = ifaces; p && *p; p++)
                free(*p);
        free(ifaces);
        watch_note(userdata, line);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *iface = NULL;
        assert_true(sd_bus_message_read(m, "s", &iface) >= 0);
        char line[1024] = "";
        appendf(line, sizeof(line), "changed %s %s", sd_bus_message_get_path(m), iface);
        assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") >= 0);
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *name = NULL;
                assert_true(sd_bus_message_read(m, "s", &name) >= 0);
                if (strcmp(name, "State") == 0 && strcmp(iface, "org.lwm2md1.Manager") == 0) {
                        const char *v = NULL;
                        assert_true(sd_bus_message_read(m, "v", "s", &v) >= 0);
                        appendf(line, sizeof(line), " State=%s", v);
                } else if (strcmp(name, "Servers") == 0) {
                        char **v = NULL;
                        assert_true(sd_bus_message_enter_container(m, 'v', "ao") >= 0);
                        assert_true(sd_bus_message_read_strv(m, &v) >= 0);
                        assert_true(sd_bus_message_exit_container(m) >= 0);
                        appendf(line, sizeof(line), " Servers=[");
                        append_strv(line, sizeof(line), v);
                        appendf(line, sizeof(line), "]");
                        for (char **p = v; p && *p; p++)
                                free(*p);
                        free(v);
                } else {
                        appendf(line, sizeof(line), " %s", name);
                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                }
                assert_true(sd_bus_message_exit_container(m) >= 0);
        }
        watch_note(userdata, line);
        return 0;
}

/* A connection of its own to the private bus, listening before anything happens. */
static void watch_start(bus_watch *w, const char *address)
{
        *w = (bus_watch){0};
        assert_true(sd_bus_new(&w->bus) >= 0);
        assert_true(sd_bus_set_address(w->bus, address) >= 0);
        assert_true(sd_bus_set_bus_client(w->bus, 1) >= 0);
        assert_true(sd_bus_start(w->bus) >= 0);
        assert_true(sd_bus_match_signal(w->bus, NULL, NULL, "/org/lwm2md1",
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                        on_interfaces_added, w) >= 0);
        assert_true(sd_bus_match_signal(w->bus, NULL, NULL, "/org/lwm2md1",
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        on_interfaces_removed, w) >= 0);
        assert_true(sd_bus_add_match(w->bus, NULL,
                                     "type='signal',interface='org.freedesktop.DBus.Properties',"
                                     "member='PropertiesChanged',path_namespace='/org/lwm2md1'",
                                     on_properties_changed, w) >= 0);
}

static void watch_stop(bus_watch *w)
{
        for (size_t i = 0; i < w->n; i++)
                free(w->events[i]);
        sd_bus_flush_close_unref(w->bus);
}

static void watch_print(const bus_watch *w)
{
        for (size_t i = 0; i < w->n; i++)
                print_message("  %s\n", w->events[i]);
}

/* The first event from `from` on that begins with `prefix`, or -1. */
static int watch_find(const bus_watch *w, size_t from, const char *prefix)
{
        for (size_t i = from; i < w->n; i++)
                if (strncmp(w->events[i], prefix, strlen(prefix)) == 0)
                        return (int)i;
        return -1;
}

/* Reads the bus (and lets B answer) until an event begins with `prefix`. */
static int watch_wait(bus_watch *w, bs_fixture *x, size_t from, const char *prefix)
{
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                int r;
                while ((r = sd_bus_process(w->bus, NULL)) > 0)
                        ;
                assert_true(r >= 0);
                int i = watch_find(w, from, prefix);
                if (i >= 0)
                        return i;
                clock_gettime(CLOCK_MONOTONIC, &t);
                if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > 15000) {
                        print_message("no \"%s\" among the signals:\n", prefix);
                        watch_print(w);
                        fail();
                }
                sd_bus_wait(w->bus, 50 * 1000);
                ts_process(x->b, 0);
        }
}

/* The Servers of the last Manager PropertiesChanged that gave them ("[...]"), or NULL. */
static const char *watch_last_servers(const bus_watch *w)
{
        for (size_t i = w->n; i-- > 0;) {
                const char *p = strstr(w->events[i], " Servers=[");
                if (strncmp(w->events[i], "changed /org/lwm2md1 org.lwm2md1.Manager", 40) == 0 && p)
                        return p + strlen(" Servers=");
        }
        return NULL;
}

/* Manager.Servers as "[p q]". */
static char *manager_servers(sd_bus *bus)
{
        sd_bus_message *reply = NULL;
        assert_true(sd_bus_get_property(bus, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                        "Servers", NULL, &reply, "ao") >= 0);
        char **v = NULL;
        assert_true(sd_bus_message_read_strv(reply, &v) >= 0);
        sd_bus_message_unref(reply);
        char line[1024] = "[";
        append_strv(line, sizeof(line), v);
        appendf(line, sizeof(line), "]");
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
        return strdup(line);
}

/* The server paths GetManagedObjects lists, as "[p q]". */
static char *managed_servers(sd_bus *bus)
{
        sd_bus_message *reply = NULL;
        assert_true(sd_bus_call_method(bus, "org.lwm2md1", "/org/lwm2md1",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, &reply, "") >= 0);
        char line[1024] = "[";
        bool first = true;
        assert_true(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") >= 0);
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                const char *path = NULL;
                assert_true(sd_bus_message_read(reply, "o", &path) >= 0);
                if (strncmp(path, SERVER_PATH, strlen(SERVER_PATH)) == 0) {
                        appendf(line, sizeof(line), "%s%s", first ? "" : " ", path);
                        first = false;
                }
                assert_true(sd_bus_message_skip(reply, "a{sa{sv}}") >= 0);
                assert_true(sd_bus_message_exit_container(reply) >= 0);
        }
        sd_bus_message_unref(reply);
        appendf(line, sizeof(line), "]");
        return strdup(line);
}

static char *introspect(sd_bus *bus, const char *path)
{
        sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, "org.lwm2md1", path, "org.freedesktop.DBus.Introspectable",
                                   "Introspect", &e, &reply, "");
        if (r < 0)
                fail_msg("Introspect %s: %s", path, e.message);
        const char *xml = NULL;
        assert_true(sd_bus_message_read(reply, "s", &xml) >= 0);
        char *copy = strdup(xml);
        sd_bus_message_unref(reply);
        return copy;
}

/* lwm2mctl --bus ADDRESS `command`: its standard output (it must succeed). */
static char *run_lwm2mctl(bs_fixture *x, const char *address, const char *command)
{
        char ctl[512];
        snprintf(ctl, sizeof(ctl), "%s", LWM2MD_PATH);
        char *slash = strrchr(ctl, '/');
        assert_non_null(slash);
        snprintf(slash + 1, sizeof(ctl) - (size_t)(slash + 1 - ctl), "lwm2mctl");
        char out[400], cmd[2048];
        snprintf(out, sizeof(out), "%s/ctl.out", x->f.dir);
        snprintf(cmd, sizeof(cmd), "'%s' --bus '%s' %s >'%s' 2>&1", ctl, address, command, out);
        int status = fixture_run(cmd);
        char *text = fixture_read_file(out);
        assert_non_null(text);
        if (status != 0)
                fail_msg("lwm2mctl %s exited with %d:\n%s", command, status, text);
        return text;
}

static void assert_contains(const char *text, const char *needle)
{
        if (!strstr(text, needle))
                fail_msg("\"%s\" not in:\n%s", needle, text);
}

/* A daemon on a private bus with [bootstrap-server] at A and `extra`. */
static void start_on_bus(bs_fixture *x, fixture_bus *pb, const char *extra)
{
        char log[400];
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", x->f.dir);
        assert_int_equal(
                fixture_bus_start(pb, SOURCE_ROOT "/tests/integration/dbus-test.conf", log), 0);
        char text[1024];
        snprintf(text, sizeof(text), "[bootstrap-server]\nuri = %s\n%s", ts_uri(x->f.server),
                 extra ? extra : "");
        assert_int_equal(fixture_write_config(&x->f, text), 0);
        char bus_arg[600];
        snprintf(bus_arg, sizeof(bus_arg), "--bus=%s", pb->address);
        const char *args[] = {bus_arg, NULL};
        assert_int_equal(fixture_start_daemon(&x->f, args), 0);
        assert_true(fixture_wait_log(&x->f, "on D-Bus as org.lwm2md1", 10000));
}

/* What a D-Bus client sees of the new server once the list has changed to it alone. */
static void assert_bus_shows_only(bs_fixture *x, bus_watch *w, const char *address, uint16_t ssid,
                                  uint16_t gone)
{
        char path[64], want[128];
        snprintf(path, sizeof(path), SERVER_PATH "%u", ssid);
        snprintf(want, sizeof(want), "[%s]", path);

        char *v = manager_servers(w->bus);
        assert_string_equal(v, want);
        free(v);
        v = managed_servers(w->bus);
        assert_string_equal(v, want);
        free(v);
        uint16_t short_id = 0;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_true(sd_bus_get_property_trivial(w->bus, "org.lwm2md1", path, "org.lwm2md1.Server",
                                                "ShortId", &e, 'q', &short_id) >= 0);
        assert_int_equal(short_id, ssid);
        char *xml = introspect(w->bus, path);
        assert_contains(xml, "<interface name=\"org.lwm2md1.Server\">");
        free(xml);
        xml = introspect(w->bus, "/org/lwm2md1/server");
        snprintf(want, sizeof(want), "<node name=\"%u\"/>", ssid);
        assert_contains(xml, want);
        if (gone) {
                snprintf(want, sizeof(want), "<node name=\"%u\"/>", gone);
                assert_null(strstr(xml, want));
                char gone_path[64];
                snprintf(gone_path, sizeof(gone_path), SERVER_PATH "%u", gone);
                assert_true(sd_bus_get_property_trivial(w->bus, "org.lwm2md1", gone_path,
                                                        "org.lwm2md1.Server", "ShortId", &e, 'q',
                                                        &short_id) < 0);
                sd_bus_error_free(&e);
        }
        free(xml);

        char *out = run_lwm2mctl(x, address, "status");
        snprintf(want, sizeof(want), "Servers:  %u %s ", ssid, ts_uri(x->b));
        assert_contains(out, want);
        assert_null(strstr(out, "\n          "));
        free(out);
        out = run_lwm2mctl(x, address, "servers");
        snprintf(want, sizeof(want), "Server %u\n  URI:           %s\n", ssid, ts_uri(x->b));
        assert_contains(out, want);
        assert_int_equal(strstr(out, "Server ") - out, 0);
        assert_null(strstr(out + 1, "\nServer "));
        free(out);
}

/* A bootstrap replaces server 5 by server 6: the ObjectManager says InterfacesRemoved
 * for /org/lwm2md1/server/5 and InterfacesAdded for .../6 (before any change of its
 * properties), Manager.Servers is announced with 6 alone, and every way of looking
 * (Servers, GetManagedObjects, Introspect, lwm2mctl) finds 6 and not 5. */
static void test_bus_servers_replaced(void **state)
{
        bs_fixture *x = *state;
        fixture_bus pb = {0};
        char extra[512];
        snprintf(extra, sizeof(extra), "[server b]\nuri = %s\nshort-id = %d\nlifetime = 60\n",
                 ts_uri(x->b), SHORT_ID);
        start_on_bus(x, &pb, extra);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        bus_watch w;
        watch_start(&w, pb.address);
        char *v = manager_servers(w.bus);
        assert_string_equal(v, "[" SERVER_PATH "5]");
        free(v);

        sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_int_equal(sd_bus_call_method(w.bus, "org.lwm2md1", "/org/lwm2md1",
                                            "org.lwm2md1.Manager", "Bootstrap", &e, NULL, ""),
                         1);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 10000));
        size_t from = (size_t)watch_wait(
                &w, x, 0, "changed /org/lwm2md1 org.lwm2md1.Manager State=bootstrapping");
        char *out = run_lwm2mctl(x, pb.address, "status");
        assert_contains(out, "State:    bootstrapping\n");
        free(out);

        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_DELETE, "/", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_DELETED);
        assert_int_equal(write_security_id(x, LWM2M_FORMAT_TLV, false, 6),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(write_server_id(x, LWM2M_FORMAT_TLV, 6), COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(bs_request(x, COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL, 0, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_non_null(ts_wait_register(x->b, 1, 10000));

        int removed = watch_wait(&w, x, from, "removed " SERVER_PATH "5 ");
        int added = watch_wait(&w, x, from, "added " SERVER_PATH "6 ");
        assert_non_null(strstr(w.events[removed], "org.lwm2md1.Server"));
        assert_non_null(strstr(w.events[added], "org.lwm2md1.Server"));
        /* Nothing is said of 6 before it is added; 5 is not back, 6 not gone. */
        for (size_t i = from; i < (size_t)added; i++)
                assert_null(strstr(w.events[i], SERVER_PATH "6"));
        assert_int_equal(watch_find(&w, from, "added " SERVER_PATH "5 "), -1);
        assert_int_equal(watch_find(&w, from, "removed " SERVER_PATH "6 "), -1);
        int servers =
                watch_wait(&w, x, (size_t)added, "changed /org/lwm2md1 org.lwm2md1.Manager State=");
        assert_non_null(strstr(w.events[servers], " Servers=[" SERVER_PATH "6]"));

        /* Registered with 6 in the end: State follows. */
        watch_wait(&w, x, (size_t)added,
                   "changed /org/lwm2md1 org.lwm2md1.Manager State=registered");
        assert_string_equal(watch_last_servers(&w), "[" SERVER_PATH "6]");
        assert_bus_shows_only(x, &w, pb.address, 6, SHORT_ID);

        watch_stop(&w);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_bus_stop(&pb);
        fixture_assert_clean_log(&x->f);
}

/* The daemon starts with no management server and bootstraps: Servers is empty and
 * State "bootstrapping" until the Finish, then server 5 is added with InterfacesAdded. */
static void test_bus_servers_from_none(void **state)
{
        bs_fixture *x = *state;
        fixture_bus pb = {0};
        start_on_bus(x, &pb, NULL);
        assert_non_null(ts_wait_bootstrap_request(x->f.server, 0, 10000));
        bus_watch w;
        watch_start(&w, pb.address);
        char *v = manager_servers(w.bus);
        assert_string_equal(v, "[]");
        free(v);
        v = manager_state(w.bus);
        assert_string_equal(v, "bootstrapping");
        free(v);
        char *out = run_lwm2mctl(x, pb.address, "status");
        assert_contains(out, "State:    bootstrapping\n");
        assert_contains(out, "Servers:  -\n");
        free(out);
        out = run_lwm2mctl(x, pb.address, "servers");
        assert_contains(out, "No servers.");
        free(out);

        configure_b(x, LWM2M_FORMAT_TLV, 0);
        assert_non_null(ts_wait_register(x->b, 0, 10000));
        int added = watch_wait(&w, x, 0, "added " SERVER_PATH "5 ");
        assert_non_null(strstr(w.events[added], "org.lwm2md1.Server"));
        for (size_t i = 0; i < (size_t)added; i++)
                assert_null(strstr(w.events[i], SERVER_PATH "5"));
        assert_int_equal(watch_find(&w, 0, "removed " SERVER_PATH), -1);
        watch_wait(&w, x, (size_t)added,
                   "changed /org/lwm2md1 org.lwm2md1.Manager State=registered");
        assert_string_equal(watch_last_servers(&w), "[" SERVER_PATH "5]");
        assert_bus_shows_only(x, &w, pb.address, SHORT_ID, 0);

        watch_stop(&w);
        assert_int_equal(fixture_stop_daemon(&x->f, 10000), 0);
        fixture_bus_stop(&pb);
        fixture_assert_clean_log(&x->f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_bootstrap_tlv, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_senml_cbor, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_hold_off, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_refused_retried, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_psk, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_senml_json_in_place, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_restart_after_bootstrap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fallback_to_bootstrap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_lossy_and_garbled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_trigger, setup, teardown),
                cmocka_unit_test_setup_teardown(test_trigger_without_bootstrap_server, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_server_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_over_bus, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bus_servers_replaced, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bus_servers_from_none, setup, teardown),
        };
        /* TEST_FILTER=test_bootstrap_psk runs one test (a glob), when debugging. */
        if (getenv("TEST_FILTER"))
                cmocka_set_test_filter(getenv("TEST_FILTER"));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
