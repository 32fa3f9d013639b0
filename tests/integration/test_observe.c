/* test_observe.c - integration: information reporting (Observe, Write-Attributes,
 * Observe-Composite, Send, stored notifications, queue mode) with a D-Bus provider.
 *
 * What each test covers:
 *   observe_levels, notification_formats ........ Observe at every depth, every format
 *   cancel_by_get, cancel_by_reset .............. Observe cancel (GET Observe=1, RST)
 *   observations_end_on_register ................ observations dropped at Register
 *   pmin_coalesces, pmax_periodic, pmax_ignored,
 *   gt_lt_crossing, st_step, inheritance,
 *   default_periods, discover_shows_attributes .. Write-Attributes applied to observations
 *   invalid_attributes .......................... Write-Attributes validation (4.00)
 *   edge_on_boolean, observe_query_attributes,
 *   con_attribute, default_notification_mode .... LwM2M 1.2 attributes (edge, con, query)
 *   observe_composite ........................... Observe-Composite (FETCH)
 *   send_over_dbus, mute_send, periodic_send .... Send (Manager.Send, [send NAME])
 *   stored_*  ................................... Notification Storing (/1/x/6), counters
 *   queue_mode .................................. binding UQ, queue-idle-time
 *   lossy_and_garbled_path ...................... CON notifications through loss, garbage
 *   attributes_per_server ....................... two servers, attributes of each
 *   deregister_ends_observations ................ Disable: de-register ends them
 * Every test ends with `finish`: daemon alive, descriptors not grown, exit 0, clean log.
 * TEST_FILTER=glob runs some. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"
#include "tests/faults/udp_relay.h"

#define TEST_BUS_CONFIG SOURCE_ROOT "/tests/integration/dbus-test.conf"
#define TEMP_PATH       "/org/lwm2md1/object/3303/0"
#define SERVER_PATH     "/org/lwm2md1/server/1"
#define TEMP            "/3303/0/5700"

typedef struct env {
        daemon_fixture f;
        fixture_bus bus;
        sd_bus *prov; /* owns the instances it adds */
        udp_relay *relay;
        ts_server *second; /* a second LwM2M server (short ID 2), when asked for */
        int fds0;          /* the daemon's descriptors once running */
} env;

typedef struct options {
        const char *version;  /* lwm2m-version, NULL: the default (1.1) */
        const char *lwm2md;   /* more [lwm2md] keys */
        const char *server;   /* more [server 1] keys */
        const char *sections; /* more sections */
        bool relay;           /* the daemon talks to the server through a udp_relay */
        bool second_server;   /* [server 2] too, on e->second */
        bool report_object;   /* object 32771 (report_ddf) from the scratch directory */
        unsigned lifetime;    /* 0: 60 */
} options;

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the server and answers the daemon's calls on the provider's connection. */
static void pump(env *e, int ms)
{
        int64_t end = now_ms() + ms;
        while (now_ms() < end) {
                ts_process(e->f.server, 20);
                while (sd_bus_process(e->prov, NULL) > 0)
                        ;
        }
}

/* Fails the test with a D-Bus error, freeing it first (the leak check runs at exit). */
static void fail_bus(const char *what, sd_bus_error *error)
{
        char msg[256];
        snprintf(msg, sizeof(msg), "%s: %s", what, error->message ? error->message : "?");
        sd_bus_error_free(error);
        fail_msg("%s", msg);
}

static void set_values_at(env *e, double time, double v)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = time > 0 ? sd_bus_call_method(e->prov, "org.lwm2md1", TEMP_PATH,
                                              "org.lwm2md1.Instance", "SetValuesAt", &error, NULL,
                                              "da{qv}", time, 1, 5700, "d", v)
                         : sd_bus_call_method(e->prov, "org.lwm2md1", TEMP_PATH,
                                              "org.lwm2md1.Instance", "SetValues", &error, NULL,
                                              "a{qv}", 1, 5700, "d", v);
        if (r < 0)
                fail_bus("SetValues", &error);
        sd_bus_error_free(&error);
}

static void set_temp(env *e, double v)
{
        set_values_at(e, 0, v);
}

static void add_instance(env *e, uint16_t oid, uint16_t iid, double v)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                   "AddInstance", &error, NULL, "qqa{qv}", oid, iid, 2, 5700, "d",
                                   v, 5701, "s", "Cel");
        if (r < 0)
                fail_bus("AddInstance", &error);
        sd_bus_error_free(&error);
}

static uint8_t request(env *e, coap_pdu_code_t method, const char *path, int format,
                       const char *payload, ts_response *keep)
{
        ts_response resp;
        int r = ts_request(e->f.server, method, path, format, -1, -1, payload,
                           payload ? strlen(payload) : 0, 8000, &resp);
        if (r < 0) {
                fixture_print_log(&e->f, 6000);
                fail_msg("request %s: %s", path, strerror(-r));
        }
        uint8_t code = resp.code;
        if (keep)
                *keep = resp;
        else
                ts_response_free(&resp);
        return code;
}

/* Write-Attributes: PUT with the query only. */
static uint8_t write_attributes(env *e, const char *path_query)
{
        return request(e, COAP_REQUEST_CODE_PUT, path_query, -1, NULL, NULL);
}

/* An object with what 3303 lacks: a multiple resource and an opaque one. */
static const char report_ddf[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<LWM2M><Object ObjectType=\"MODefinition\"><Name>Report Test</Name>"
        "<ObjectID>32771</ObjectID><ObjectURN>urn:oma:lwm2m:x:32771</ObjectURN>"
        "<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Resources>"
        "<Item ID=\"0\"><Name>Readings</Name><Operations>R</Operations>"
        "<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Type>Float</Type><RangeEnumeration></RangeEnumeration><Units></Units>"
        "<Description>test</Description></Item>"
        "<Item ID=\"1\"><Name>Blob</Name><Operations>R</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Type>Opaque</Type><RangeEnumeration></RangeEnumeration><Units></Units>"
        "<Description>test</Description></Item>"
        "</Resources></Object></LWM2M>\n";

static void start(env *e, const options *o)
{
        assert_int_equal(fixture_init(&e->f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        e->f.server = ts_new(&cfg);
        assert_non_null(e->f.server);
        char log[400], uri[64];
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", e->f.dir);
        assert_int_equal(fixture_bus_start(&e->bus, TEST_BUS_CONFIG, log), 0);
        snprintf(uri, sizeof(uri), "%s", ts_uri(e->f.server));
        if (o->relay) {
                e->relay = relay_new(ts_port(e->f.server), 1);
                assert_non_null(e->relay);
                snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u", relay_port(e->relay));
        }
        char extra[2048];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = %s\nlifetime = %u\nretry-timer = 1\n%s\n"
                 "[lwm2md]\n%s%s%s\n%s",
                 uri, o->lifetime ? o->lifetime : 60, o->server ? o->server : "",
                 o->version ? "lwm2m-version = " : "", o->version ? o->version : "",
                 o->version ? "\n" : "", o->lwm2md ? o->lwm2md : "");
        if (o->sections)
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "\n%s", o->sections);
        if (o->second_server) {
                ts_config cfg2 = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
                e->second = ts_new(&cfg2);
                assert_non_null(e->second);
                /* With two servers Access Control applies: both read the temperature. */
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
                         "\n[server 2]\nuri = %s\nshort-id = 2\nlifetime = 60\nretry-timer = 1\n"
                         "[access-control 3303/0]\nacl = 1:R, 2:R\n",
                         ts_uri(e->second));
        }
        if (o->report_object) {
                assert_int_equal(fixture_write_file(&e->f, "32771.xml", report_ddf, NULL, 0), 0);
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
                         "\n[lwm2md]\nobjects-dir = %s\n", e->f.dir);
        }
        assert_int_equal(fixture_write_config(&e->f, extra), 0);
        const char *args[] = {"--bus", e->bus.address, NULL};
        assert_int_equal(fixture_start_daemon(&e->f, args), 0);
        for (int64_t end = now_ms() + 10000; ts_register_count(e->f.server) == 0;) {
                if (!fixture_daemon_running(&e->f)) {
                        fixture_print_log(&e->f, 3000);
                        fail_msg("the daemon exited at start (a configuration key it lacks?)");
                }
                assert_true(now_ms() < end);
                ts_process(e->f.server, 50);
        }
        if (e->second)
                assert_non_null(ts_wait_register(e->second, 0, 10000));
        assert_true(fixture_wait_log(&e->f, "on D-Bus as org.lwm2md1", 5000));
        assert_true(sd_bus_new(&e->prov) >= 0);
        assert_true(sd_bus_set_address(e->prov, e->bus.address) >= 0);
        assert_true(sd_bus_set_bus_client(e->prov, true) >= 0);
        assert_true(sd_bus_start(e->prov) >= 0);
        add_instance(e, 3303, 0, 21.5);
        /* Readable once the daemon has it. */
        for (int64_t end = now_ms() + 5000;;) {
                if (request(e, COAP_REQUEST_CODE_GET, TEMP, -1, NULL, NULL) ==
                    COAP_RESPONSE_CODE_CONTENT)
                        break;
                assert_true(now_ms() < end);
                pump(e, 100);
        }
        e->fds0 = fixture_fd_count(e->f.pid);
}

static int setup(void **state)
{
        *state = calloc(1, sizeof(env));
        return *state ? 0 : -1;
}

static int teardown(void **state)
{
        env *e = *state;
        e->prov = sd_bus_flush_close_unref(e->prov);
        fixture_cleanup(&e->f);
        if (e->relay)
                relay_free(e->relay);
        if (e->second)
                ts_free(e->second);
        fixture_bus_stop(&e->bus);
        free(e);
        return 0;
}

/* The daemon still runs with no more descriptors than at the start (a little slack
 * for a D-Bus or timer descriptor that comes and goes), then stops cleanly. */
static void finish(env *e)
{
        assert_true(fixture_daemon_running(&e->f));
        int fds = fixture_fd_count(e->f.pid);
        if (fds > e->fds0 + 2)
                fail_msg("descriptors grew from %d to %d", e->fds0, fds);
        assert_int_equal(fixture_stop_daemon(&e->f, 10000), 0);
        fixture_assert_clean_log(&e->f);
}

static unsigned observe(env *e, const char *path, int accept, ts_response *first)
{
        ts_response resp;
        unsigned h = 0;
        assert_int_equal(ts_observe(e->f.server, path, accept, 8000, &resp, &h), 0);
        if (resp.code != COAP_RESPONSE_CODE_CONTENT || resp.observe < 0 || h == 0) {
                char code[8];
                int option = resp.observe;
                ts_code_str(resp.code, code);
                ts_response_free(&resp);
                fail_msg("Observe %s: %s, Observe option %d", path, code, option);
        }
        if (first)
                *first = resp;
        else
                ts_response_free(&resp);
        return h;
}

static int resolve_resource(void *userdata, const lwm2m_path *p, lwm2m_type *type, bool *multiple)
{
        *multiple = false;
        switch (p->id[2]) {
        case 5700:
                *type = LWM2M_TYPE_FLOAT;
                return 0;
        case 5701:
                *type = LWM2M_TYPE_STRING;
                return 0;
        case 5850:
                *type = LWM2M_TYPE_BOOLEAN;
                return 0;
        default:
                *type = LWM2M_TYPE_FLOAT;
                return 0;
        }
}

/* The values of 5700 in a payload, in order (times in `times` when not NULL). */
static size_t decode_values(int format, const char *base, const uint8_t *data, size_t len,
                            double *values, double *times, size_t max)
{
        lwm2m_path b;
        assert_int_equal(lwm2m_path_parse(base, &b), 0);
        lwm2m_resolver resolver = {.resource = resolve_resource};
        lwm2m_record_list l = {0};
        int r = lwm2m_format_decode((uint16_t)format, &b, data, len, &resolver, &l);
        if (r < 0)
                fail_msg("decoding format %d: %s", format, strerror(-r));
        size_t n = 0;
        for (size_t i = 0; i < l.n && n < max; i++) {
                if (l.items[i].path.len < 3 || l.items[i].path.id[2] != 5700)
                        continue;
                values[n] = l.items[i].value.f;
                if (times)
                        times[n] = l.items[i].has_time ? l.items[i].time : -1;
                n++;
        }
        lwm2m_record_list_free(&l);
        return n;
}

static double note_value(const ts_notification *n, const char *base)
{
        double v = -1;
        assert_int_equal(decode_values(n->resp.content_format, base, n->resp.payload, n->resp.len,
                                       &v, NULL, 1),
                         1);
        return v;
}

/* Waits for the next notification of `h` (fails the test after timeout_ms). */
static void next_note(env *e, unsigned h, int timeout_ms, ts_notification *n)
{
        int r = ts_wait_observation(e->f.server, h, timeout_ms, n);
        if (r < 0) {
                fixture_print_log(&e->f, 4000);
                fail_msg("no notification for observation %u: %s", h, strerror(-r));
        }
}

/* No notification for `h` during ms. */
static void no_note(env *e, unsigned h, int ms)
{
        unsigned before = ts_notification_count(e->f.server, h);
        pump(e, ms);
        assert_int_equal(ts_notification_count(e->f.server, h), before);
}

/* Takes every notification of `h` that came so far. */
static void drain(env *e, unsigned h)
{
        ts_notification n;
        while (ts_wait_observation(e->f.server, h, 0, &n) == 0)
                ts_notification_free(&n);
}

/* ---- 1. Observe at each level ---- */

static void test_observe_levels(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        static const struct {
                const char *path;
                int format; /* of the first answer and every notification */
        } levels[] = {{"/3303", LWM2M_FORMAT_SENML_JSON},
                      {"/3303/0", LWM2M_FORMAT_SENML_JSON},
                      {TEMP, LWM2M_FORMAT_TEXT}};
        unsigned h[3];
        for (size_t i = 0; i < 3; i++) {
                ts_response first;
                h[i] = observe(e, levels[i].path, -1, &first);
                assert_int_equal(first.content_format, levels[i].format);
                ts_response_free(&first);
        }
        int last_observe[3] = {-1, -1, -1};
        uint8_t tok[8];
        size_t tok_len;
        for (int round = 0; round < 3; round++) {
                set_temp(e, 30.0 + round);
                for (size_t i = 0; i < 3; i++) {
                        ts_notification n;
                        next_note(e, h[i], 5000, &n);
                        assert_int_equal(n.resp.code, COAP_RESPONSE_CODE_CONTENT);
                        assert_int_equal(n.resp.content_format, levels[i].format);
                        assert_true(n.resp.observe > last_observe[i]);
                        last_observe[i] = n.resp.observe;
                        assert_true(ts_observation_token(e->f.server, h[i], tok, &tok_len));
                        assert_int_equal(n.token_len, tok_len);
                        assert_memory_equal(n.token, tok, tok_len);
                        assert_true(note_value(&n, levels[i].path) == 30.0 + round);
                        ts_notification_free(&n);
                }
        }
        finish(e);
}

static void test_observe_levels_tlv_for_1_0(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.0"});
        ts_response first;
        unsigned h = observe(e, "/3303/0", -1, &first);
        assert_int_equal(first.content_format, LWM2M_FORMAT_TLV);
        ts_response_free(&first);
        set_temp(e, 40);
        ts_notification n;
        next_note(e, h, 5000, &n);
        assert_int_equal(n.resp.content_format, LWM2M_FORMAT_TLV);
        assert_true(note_value(&n, "/3303/0") == 40);
        ts_notification_free(&n);
        finish(e);
}

static void test_notification_formats(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        static const int formats[] = {LWM2M_FORMAT_TEXT, LWM2M_FORMAT_TLV, LWM2M_FORMAT_SENML_JSON,
                                      LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_LWM2M_CBOR};
        unsigned h[5];
        for (size_t i = 0; i < 5; i++) {
                ts_response first;
                h[i] = observe(e, TEMP, formats[i], &first);
                assert_int_equal(first.content_format, formats[i]);
                ts_response_free(&first);
        }
        set_temp(e, -12.25);
        for (size_t i = 0; i < 5; i++) {
                ts_notification n;
                next_note(e, h[i], 5000, &n);
                assert_int_equal(n.resp.content_format, formats[i]);
                assert_true(note_value(&n, TEMP) == -12.25);
                ts_notification_free(&n);
        }
        finish(e);
}

/* Readings (a multiple resource) {0: 1.5, 1: reading1} and the Blob. */
static void set_report(env *e, double reading1, const char *blob)
{
        sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(e->prov, &m, "org.lwm2md1",
                                               "/org/lwm2md1/object/32771/0",
                                               "org.lwm2md1.Instance", "SetValues");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{qv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{qv}", 0, "a{qd}", 2, 0, 1.5, 1, reading1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "qv");
        if (r >= 0)
                r = sd_bus_message_append(m, "q", 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', blob, strlen(blob));
        for (int i = 0; i < 3 && r >= 0; i++)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call(e->prov, m, 0, &error, NULL);
        sd_bus_message_unref(m);
        if (r < 0)
                fail_bus("SetValues 32771", &error);
}

static void test_resource_instance_and_opaque(void **state)
{
        env *e = *state;
        start(e, &(options){.report_object = true});
        sd_bus_error error = SD_BUS_ERROR_NULL;
        if (sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                               "AddInstance", &error, NULL, "qqa{qv}", 32771, 0, 0) < 0)
                fail_bus("AddInstance 32771", &error);
        set_report(e, 2.5, "ab");
        pump(e, 300);
        ts_response first;
        unsigned h_ri = observe(e, "/32771/0/0/1", -1, &first);
        assert_int_equal(first.content_format, LWM2M_FORMAT_TEXT);
        assert_true(strtod((const char *)first.payload, NULL) == 2.5);
        ts_response_free(&first);
        unsigned h_blob = observe(e, "/32771/0/1", LWM2M_FORMAT_OPAQUE, &first);
        assert_int_equal(first.content_format, LWM2M_FORMAT_OPAQUE);
        ts_response_free(&first);
        set_report(e, 7.25, "xyz");
        ts_notification n;
        next_note(e, h_ri, 5000, &n);
        assert_true(strtod((const char *)n.resp.payload, NULL) == 7.25);
        ts_notification_free(&n);
        next_note(e, h_blob, 5000, &n);
        assert_int_equal(n.resp.content_format, LWM2M_FORMAT_OPAQUE);
        assert_int_equal(n.resp.len, 3);
        assert_memory_equal(n.resp.payload, "xyz", 3);
        ts_notification_free(&n);
        finish(e);
}

/* ---- 2. cancel ---- */

static void test_cancel_by_get(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned h = observe(e, TEMP, -1, NULL);
        set_temp(e, 25);
        ts_notification n;
        next_note(e, h, 5000, &n);
        ts_notification_free(&n);
        ts_response resp;
        assert_int_equal(ts_cancel_observe(e->f.server, h, 8000, &resp), 0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(resp.observe, -1);
        assert_int_equal(resp.content_format, LWM2M_FORMAT_TEXT);
        assert_non_null(resp.payload);
        assert_true(strtod((const char *)resp.payload, NULL) == 25);
        ts_response_free(&resp);
        set_temp(e, 26);
        set_temp(e, 27);
        no_note(e, h, 3000);
        finish(e);
}

static void test_cancel_by_reset(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned h = observe(e, TEMP, -1, NULL);
        ts_set_reset_notifications(e->f.server, true);
        unsigned before = ts_notification_count(e->f.server, h);
        /* One change at a time: each notification until the first confirmable one
         * (at the latest the 8th) meets a reset; then the observation is gone. */
        unsigned got = 0;
        for (int i = 0; i < 12; i++) {
                set_temp(e, 50 + i);
                ts_notification n;
                if (ts_wait_observation(e->f.server, h, 3000, &n) < 0)
                        break;
                got++;
                ts_notification_free(&n);
        }
        assert_true(got >= 1);
        assert_true(got <= 8);
        assert_int_equal(ts_notification_count(e->f.server, h), before + got);
        set_temp(e, 99);
        no_note(e, h, 2000);
        finish(e);
}

/* ---- 3. a new Register ends observations ---- */

static void test_observations_end_on_register(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned h = observe(e, TEMP, -1, NULL);
        unsigned regs = ts_register_count(e->f.server);
        /* The Update the trigger asks for meets a server that forgot the client (4.04):
         * the daemon registers again. The Update waits in the socket until ts_forget. */
        assert_int_equal(request(e, COAP_REQUEST_CODE_POST, "/1/0/8", -1, NULL, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        ts_forget(e->f.server);
        assert_non_null(ts_wait_register(e->f.server, regs, 15000));
        set_temp(e, 33);
        no_note(e, h, 3000);
        finish(e);
}

/* ---- 4. Write-Attributes ---- */

static void test_pmin_coalesces(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, TEMP "?pmin=3"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        int64_t t0 = now_ms();
        for (int i = 1; i <= 10; i++)
                set_temp(e, i);
        int64_t pushed = now_ms() - t0;
        /* Within one pmin window after the pushes: at most one notification for them
         * (two when the pushes straddled a window), carrying the latest value. */
        pump(e, 4500);
        unsigned count = ts_notification_count(e->f.server, h);
        assert_true(count >= 1);
        assert_true(count <= 1 + (unsigned)(pushed / 3000) + 1);
        ts_notification n, last = {0};
        bool have = false;
        while (ts_wait_observation(e->f.server, h, 0, &n) == 0) {
                if (have)
                        ts_notification_free(&last);
                last = n;
                have = true;
        }
        assert_true(have);
        assert_true(note_value(&last, TEMP) == 10);
        ts_notification_free(&last);
        finish(e);
}

static void test_pmax_periodic(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, TEMP "?pmax=2"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        pump(e, 7500);
        /* About three; two at least however loaded the machine. */
        assert_true(ts_notification_count(e->f.server, h) >= 2);
        assert_true(ts_notification_count(e->f.server, h) <= 5);
        finish(e);
}

static void test_pmax_ignored(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        /* pmax < pmin, and pmax = 0: no periodic notification. */
        assert_int_equal(write_attributes(e, TEMP "?pmin=3&pmax=1"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        no_note(e, h, 5000);
        assert_int_equal(write_attributes(e, "/3303/0/5701?pmax=0"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h2 = observe(e, "/3303/0/5701", -1, NULL);
        no_note(e, h2, 3000);
        finish(e);
}

static void expect_note_value(env *e, unsigned h, double v)
{
        ts_notification n;
        next_note(e, h, 4000, &n);
        assert_true(note_value(&n, TEMP) == v);
        ts_notification_free(&n);
}

static void test_gt_lt_crossing(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, TEMP "?gt=30&lt=10"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL); /* 21.5 */
        set_temp(e, 20);
        no_note(e, h, 1500);
        set_temp(e, 35); /* up across gt */
        expect_note_value(e, h, 35);
        set_temp(e, 36);
        no_note(e, h, 1500);
        set_temp(e, 25); /* down across gt */
        expect_note_value(e, h, 25);
        set_temp(e, 5); /* down across lt */
        expect_note_value(e, h, 5);
        set_temp(e, 12); /* up across lt */
        expect_note_value(e, h, 12);
        finish(e);
}

static void test_st_step(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, TEMP "?st=5"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL); /* 21.5 reported */
        set_temp(e, 23);
        no_note(e, h, 1500);
        set_temp(e, 27);
        expect_note_value(e, h, 27);
        set_temp(e, 30);
        no_note(e, h, 1500);
        set_temp(e, 21.5); /* 5.5 below the last reported */
        expect_note_value(e, h, 21.5);
        finish(e);
}

static void test_invalid_attributes(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.2"});
        assert_int_equal(write_attributes(e, TEMP "?lt=30&gt=30"), COAP_RESPONSE_CODE_BAD_REQUEST);
        assert_int_equal(write_attributes(e, TEMP "?lt=40&gt=30"), COAP_RESPONSE_CODE_BAD_REQUEST);
        assert_int_equal(write_attributes(e, TEMP "?lt=10&gt=30&st=10"),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        assert_int_equal(write_attributes(e, TEMP "?epmin=5&epmax=2"),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        assert_int_equal(write_attributes(e, "/3303/0/5701?gt=3"), COAP_RESPONSE_CODE_BAD_REQUEST);
        assert_int_equal(write_attributes(e, TEMP "?edge=1"), COAP_RESPONSE_CODE_BAD_REQUEST);
        /* Accepted. */
        assert_int_equal(write_attributes(e, TEMP "?lt=10&gt=30&st=5"), COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(write_attributes(e, TEMP "?epmin=1&epmax=5"), COAP_RESPONSE_CODE_CHANGED);
        finish(e);
}

static void test_inheritance(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, "/3303?pmax=2"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        pump(e, 5500);
        assert_true(ts_notification_count(e->f.server, h) >= 2);
        /* The resource's own pmax wins. */
        assert_int_equal(write_attributes(e, TEMP "?pmax=60"), COAP_RESPONSE_CODE_CHANGED);
        pump(e, 500);
        drain(e, h);
        unsigned before = ts_notification_count(e->f.server, h);
        pump(e, 6000);
        assert_true(ts_notification_count(e->f.server, h) <= before + 1);
        finish(e);
}

static void test_default_periods(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        /* Default Maximum Period of the Server object. */
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/3", LWM2M_FORMAT_TEXT, "2", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        pump(e, 5500);
        assert_true(ts_notification_count(e->f.server, h) >= 2);
        finish(e);
}

static void test_discover_shows_attributes(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        assert_int_equal(write_attributes(e, TEMP "?pmin=2&pmax=40"), COAP_RESPONSE_CODE_CHANGED);
        ts_response resp;
        int r = ts_request(e->f.server, COAP_REQUEST_CODE_GET, TEMP, -1, LWM2M_FORMAT_LINK, -1,
                           NULL, 0, 8000, &resp);
        assert_int_equal(r, 0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_non_null(resp.payload);
        assert_non_null(strstr((const char *)resp.payload, "pmin=2"));
        assert_non_null(strstr((const char *)resp.payload, "pmax=40"));
        ts_response_free(&resp);
        finish(e);
}

static void set_light(env *e, bool on)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1/object/3311/0",
                                   "org.lwm2md1.Instance", "SetValues", &error, NULL, "a{qv}", 1,
                                   5850, "b", (int)on);
        if (r < 0)
                fail_bus("SetValues 3311", &error);
        sd_bus_error_free(&error);
}

static void test_edge_on_boolean(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.2"});
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                   "AddInstance", &error, NULL, "qqa{qv}", 3311, 0, 1, 5850, "b",
                                   0);
        if (r < 0)
                fail_bus("AddInstance 3311", &error);
        sd_bus_error_free(&error);
        pump(e, 500);
        assert_int_equal(write_attributes(e, "/3311/0/5850?edge=1"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, "/3311/0/5850", -1, NULL);
        set_light(e, true); /* rising edge */
        ts_notification n;
        next_note(e, h, 4000, &n);
        assert_string_equal((const char *)n.resp.payload, "1");
        ts_notification_free(&n);
        set_light(e, false); /* falling: not with edge=1 */
        no_note(e, h, 1500);
        assert_int_equal(write_attributes(e, "/3311/0/5850?edge=0"), COAP_RESPONSE_CODE_CHANGED);
        set_light(e, true);
        no_note(e, h, 1500);
        set_light(e, false);
        next_note(e, h, 4000, &n);
        assert_string_equal((const char *)n.resp.payload, "0");
        ts_notification_free(&n);
        finish(e);
}

/* ---- 6. 1.2: attributes in the Observe request ---- */

static void test_observe_query_attributes(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.2"});
        unsigned with_gt = observe(e, TEMP "?gt=30", -1, NULL);
        unsigned plain = observe(e, TEMP, -1, NULL);
        set_temp(e, 25);
        expect_note_value(e, plain, 25);
        no_note(e, with_gt, 1000);
        set_temp(e, 35);
        expect_note_value(e, with_gt, 35);
        expect_note_value(e, plain, 35);
        /* Attributes in the query that do not hold together, or are unknown: 4.00, and
         * no observation starts. */
        const char *bad[] = {TEMP "?lt=40&gt=30", TEMP "?pmin=x", TEMP "?color=red"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ts_response bad_resp;
                unsigned bad_h = 0;
                assert_int_equal(ts_observe(e->f.server, bad[i], -1, 5000, &bad_resp, &bad_h), 0);
                assert_int_equal(bad_resp.code, COAP_RESPONSE_CODE_BAD_REQUEST);
                assert_int_equal(bad_h, 0);
                ts_response_free(&bad_resp);
        }
        finish(e);
}

/* ---- 7. confirmable notifications ---- */

static void test_con_attribute(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.2"});
        assert_int_equal(write_attributes(e, TEMP "?con=1"), COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        for (int i = 0; i < 3; i++) {
                set_temp(e, 60 + i);
                ts_notification n;
                next_note(e, h, 4000, &n);
                assert_true(n.confirmable);
                assert_false(n.reset);
                ts_notification_free(&n);
        }
        finish(e);
}

static void test_default_notification_mode(void **state)
{
        env *e = *state;
        start(e, &(options){.version = "1.2"});
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/26", LWM2M_FORMAT_TEXT, "1", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, -1, NULL);
        set_temp(e, 61);
        ts_notification n;
        next_note(e, h, 4000, &n);
        assert_true(n.confirmable);
        ts_notification_free(&n);
        finish(e);
}

/* ---- 8. Observe-Composite ---- */

static unsigned observe_composite(env *e, int format)
{
        lwm2m_record recs[2] = {0};
        assert_int_equal(lwm2m_path_parse(TEMP, &recs[0].path), 0);
        assert_int_equal(lwm2m_path_parse("/3303/1/5700", &recs[1].path), 0);
        lwm2m_path root;
        assert_int_equal(lwm2m_path_parse("/", &root), 0);
        lwm2m_buf body = {0};
        assert_int_equal(lwm2m_format_encode((uint16_t)format, &root, recs, 2, &body), 0);
        ts_response first;
        unsigned h = 0;
        assert_int_equal(ts_observe_composite(e->f.server, format, body.data, body.len,
                                              LWM2M_FORMAT_SENML_JSON, 8000, &first, &h),
                         0);
        lwm2m_buf_free(&body);
        uint8_t code = first.code;
        ts_response_free(&first);
        assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
        assert_true(h > 0);
        return h;
}

static bool note_has(const ts_notification *n, const char *text)
{
        return n->resp.payload && strstr((const char *)n->resp.payload, text);
}

static void test_observe_composite(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned h = observe_composite(e, LWM2M_FORMAT_SENML_JSON);
        unsigned h_cbor = observe_composite(e, LWM2M_FORMAT_SENML_CBOR);
        unsigned h_lwm2m = observe_composite(e, LWM2M_FORMAT_LWM2M_CBOR);
        add_instance(e, 3303, 1, 44.5);
        ts_notification n;
        next_note(e, h, 5000, &n);
        assert_int_equal(n.resp.content_format, LWM2M_FORMAT_SENML_JSON);
        /* SenML JSON names it by base name "/3303/1/" and name "5700". */
        assert_true(note_has(&n, "\"/3303/1/\"") || note_has(&n, "/3303/1/5700"));
        ts_notification_free(&n);
        next_note(e, h_cbor, 5000, &n);
        ts_notification_free(&n);
        next_note(e, h_lwm2m, 5000, &n);
        ts_notification_free(&n);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                   "RemoveInstance", &error, NULL, "o",
                                   "/org/lwm2md1/object/3303/1");
        if (r < 0)
                fail_bus("RemoveInstance", &error);
        sd_bus_error_free(&error);
        next_note(e, h, 5000, &n);
        assert_false(note_has(&n, "/3303/1") || note_has(&n, "1/5700"));
        ts_notification_free(&n);
        ts_response resp;
        assert_int_equal(ts_cancel_observe(e->f.server, h, 8000, &resp), 0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(resp.observe, -1);
        ts_response_free(&resp);
        set_temp(e, 77);
        no_note(e, h, 2000);
        finish(e);
}

/* ---- 9. Send ---- */

static int call_send(env *e, const char *path, sd_bus_error *error)
{
        sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(e->prov, &m, "org.lwm2md1", "/org/lwm2md1",
                                               "org.lwm2md1.Manager", "Send");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char *[]){(char *)path, NULL});
        if (r >= 0)
                r = sd_bus_call(e->prov, m, 8000000, error, NULL);
        sd_bus_message_unref(m);
        return r;
}

static void test_send_over_dbus(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned seen = ts_send_count(e->f.server);
        if (call_send(e, TEMP, &error) < 0)
                fail_bus("Send", &error);
        const ts_send *sd = ts_wait_send(e->f.server, seen, 8000);
        assert_non_null(sd);
        assert_int_equal(sd->content_format, LWM2M_FORMAT_SENML_CBOR);
        double v[4], t[4];
        assert_int_equal(decode_values(LWM2M_FORMAT_SENML_CBOR, "/", sd->payload, sd->len, v, t, 4),
                         1);
        assert_true(v[0] == 21.5);
        /* A value with its time keeps it. */
        set_values_at(e, 1767225600.5, 18.25);
        seen = ts_send_count(e->f.server);
        if (call_send(e, TEMP, &error) < 0)
                fail_bus("Send", &error);
        sd = ts_wait_send(e->f.server, seen, 8000);
        assert_non_null(sd);
        assert_int_equal(decode_values(LWM2M_FORMAT_SENML_CBOR, "/", sd->payload, sd->len, v, t, 4),
                         1);
        assert_true(v[0] == 18.25);
        assert_true(t[0] == 1767225600.5);
        sd_bus_error_free(&error);
        finish(e);
}

extern char **environ;

/* Runs lwm2mctl (beside lwm2md in the build) with `args` while the server answers. */
static int run_lwm2mctl(env *e, const char *const *args)
{
        char ctl[512];
        snprintf(ctl, sizeof(ctl), "%s", LWM2MD_PATH);
        char *slash = strrchr(ctl, '/');
        snprintf(slash + 1, sizeof(ctl) - (size_t)(slash + 1 - ctl), "lwm2mctl");
        const char *argv[16] = {ctl, "--bus", e->bus.address};
        size_t n = 3;
        for (size_t i = 0; args[i] && n < 15; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        pid_t pid;
        assert_int_equal(posix_spawn(&pid, ctl, NULL, NULL, (char *const *)argv, environ), 0);
        for (int64_t end = now_ms() + 20000;;) {
                int status;
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
                if (now_ms() >= end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return -1;
                }
                pump(e, 20);
        }
}

static void test_lwm2mctl_send(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned seen = ts_send_count(e->f.server);
        assert_int_equal(run_lwm2mctl(e, (const char *const[]){"send", TEMP, NULL}), 0);
        const ts_send *sd = ts_wait_send(e->f.server, seen, 8000);
        assert_non_null(sd);
        assert_int_equal(sd->content_format, LWM2M_FORMAT_SENML_CBOR);
        double v;
        assert_int_equal(
                decode_values(LWM2M_FORMAT_SENML_CBOR, "/", sd->payload, sd->len, &v, NULL, 1), 1);
        assert_true(v == 21.5);
        finish(e);
}

static void test_mute_send(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        sd_bus_error error = SD_BUS_ERROR_NULL;
        /* Send works before the server mutes it. */
        if (call_send(e, TEMP, &error) < 0)
                fail_bus("Send", &error);
        assert_non_null(ts_wait_send(e->f.server, 0, 8000));
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/23", LWM2M_FORMAT_TEXT, "1", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned seen = ts_send_count(e->f.server);
        assert_true(call_send(e, TEMP, &error) < 0);
        assert_true(sd_bus_error_is_set(&error));
        assert_false(sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD));
        sd_bus_error_free(&error);
        pump(e, 1500);
        assert_int_equal(ts_send_count(e->f.server), seen);
        finish(e);
}

static void test_periodic_send(void **state)
{
        env *e = *state;
        start(e,
              &(options){.sections = "[send temperature]\npaths = /3303/0/5700\ninterval = 1\n"});
        unsigned seen = ts_send_count(e->f.server);
        pump(e, 5500);
        assert_true(ts_send_count(e->f.server) >= seen + 3);
        const ts_send *sd = ts_send_get(e->f.server, ts_send_count(e->f.server) - 1);
        assert_int_equal(sd->content_format, LWM2M_FORMAT_SENML_CBOR);
        finish(e);
}

/* ---- 10. stored notifications ---- */

static uint64_t server_counter(env *e, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t v = 0;
        int r = sd_bus_get_property_trivial(e->prov, "org.lwm2md1", SERVER_PATH,
                                            "org.lwm2md1.Server", name, &error, 't', &v);
        if (r < 0)
                fail_bus(name, &error);
        sd_bus_error_free(&error);
        return v;
}

/* Observes in SenML JSON, takes the server away, pushes 1..n, brings it back and
 * collects the values that arrive (in order) until `expect` have or 90 s passed. */
static size_t outage_values(env *e, bool storing, int n, size_t expect, double *got, size_t max)
{
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/6", LWM2M_FORMAT_TEXT,
                                 storing ? "1" : "0", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, LWM2M_FORMAT_SENML_JSON, NULL);
        pump(e, 300);
        drain(e, h);
        assert_int_equal(relay_set_outage(e->relay, RELAY_CLOSED), 0);
        /* Values sent without confirmation before the daemon can know of the outage
         * are lost as UDP loses them; the outage is known once an exchange fails:
         * here an Update asked for over D-Bus, answered by ICMP port unreachable. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        if (sd_bus_call_method(e->prov, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                               "Update", &error, NULL, "") < 0)
                fail_bus("Update", &error);
        sd_bus_error_free(&error);
        assert_true(fixture_wait_log(&e->f, "Update failed", 10000));
        for (int i = 1; i <= n; i++)
                set_temp(e, i);
        pump(e, 1000);
        assert_int_equal(relay_set_outage(e->relay, RELAY_PASS), 0);
        size_t count = 0;
        for (int64_t end = now_ms() + 90000; count < expect && now_ms() < end;) {
                ts_notification note;
                if (ts_wait_observation(e->f.server, h, 500, &note) < 0) {
                        while (sd_bus_process(e->prov, NULL) > 0)
                                ;
                        continue;
                }
                count += decode_values(note.resp.content_format, TEMP, note.resp.payload,
                                       note.resp.len, got + count, NULL, max - count);
                ts_notification_free(&note);
        }
        pump(e, 2000); /* anything more than expected */
        ts_notification note;
        while (ts_wait_observation(e->f.server, h, 0, &note) == 0) {
                count += decode_values(note.resp.content_format, TEMP, note.resp.payload,
                                       note.resp.len, got + count, NULL, max - count);
                ts_notification_free(&note);
        }
        return count;
}

static void test_stored_all_delivered(void **state)
{
        env *e = *state;
        start(e, &(options){.relay = true, .lifetime = 20});
        static double got[1200];
        size_t count = outage_values(e, true, 1000, 1000, got, 1200);
        assert_int_equal(count, 1000);
        for (size_t i = 0; i < count; i++)
                assert_true(got[i] == (double)(i + 1));
        assert_true(server_counter(e, "NotificationsDelivered") >= 1000);
        assert_int_equal(server_counter(e, "NotificationsDropped"), 0);
        assert_int_equal(server_counter(e, "NotificationsQueued"), 0);
        finish(e);
}

static void test_stored_bounded(void **state)
{
        env *e = *state;
        start(e, &(options){.relay = true,
                            .lifetime = 20,
                            .lwm2md = "notification-store-count = 100\n"});
        static double got[1200];
        size_t count = outage_values(e, true, 1000, 100, got, 1200);
        assert_int_equal(count, 100);
        for (size_t i = 0; i < count; i++)
                assert_true(got[i] == (double)(901 + i));
        assert_true(server_counter(e, "NotificationsDropped") >= 900);
        assert_int_equal(server_counter(e, "NotificationsQueued"), 0);
        finish(e);
}

static void test_stored_off_sends_latest(void **state)
{
        env *e = *state;
        start(e, &(options){.relay = true, .lifetime = 20});
        static double got[1200];
        size_t count = outage_values(e, false, 1000, 1, got, 1200);
        assert_int_equal(count, 1);
        assert_true(got[0] == 1000);
        finish(e);
}

/* ---- 11. queue mode ---- */

static bool server_sleeping(env *e)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int v = 0;
        int r = sd_bus_get_property_trivial(e->prov, "org.lwm2md1", SERVER_PATH,
                                            "org.lwm2md1.Server", "Sleeping", &error, 'b', &v);
        if (r < 0)
                fail_bus("Sleeping", &error);
        sd_bus_error_free(&error);
        return v;
}

static void test_queue_mode(void **state)
{
        env *e = *state;
        start(e, &(options){.server = "binding = UQ\n", .lwm2md = "queue-idle-time = 2\n"});
        assert_true(ts_current(e->f.server)->queue_mode);
        unsigned h = observe(e, TEMP, -1, NULL);
        bool slept = false;
        for (int64_t end = now_ms() + 10000; !slept && now_ms() < end;) {
                pump(e, 250);
                slept = server_sleeping(e);
        }
        assert_true(slept);
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, TEMP, -1, -1, -1, NULL, 0,
                                    2500, &resp),
                         -ETIMEDOUT);
        unsigned updates = ts_update_count(e->f.server);
        set_temp(e, 19);
        ts_notification n;
        next_note(e, h, 8000, &n);
        /* The Update came first: the server had it when the notification arrived. */
        assert_true(ts_update_count(e->f.server) > updates);
        assert_true(note_value(&n, TEMP) == 19);
        ts_notification_free(&n);
        finish(e);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* ---- 13. A lossy and a garbling path ---- */

/* Behind 20 % loss each way, confirmable notifications (Default Notification Mode 1)
 * are retransmitted until the last value arrives; garbage from the server's side
 * changes nothing; the daemon's CPU, descriptors and memory stay flat. */
static void test_lossy_and_garbled_path(void **state)
{
        env *e = *state;
        start(e, &(options){.relay = true});
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/26", LWM2M_FORMAT_TEXT, "1", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned h = observe(e, TEMP, LWM2M_FORMAT_TEXT, NULL);
        pump(e, 200);
        drain(e, h);
        double cpu0 = fixture_cpu_seconds(e->f.pid);
        long mem0 = fixture_private_dirty_kb(e->f.pid);
        relay_set_loss(e->relay, 0.2, 0.2);
        for (int i = 1; i <= 30; i++) {
                set_temp(e, 500 + i);
                pump(e, 100);
        }
        relay_set_garble(e->relay, true);
        for (int i = 31; i <= 40; i++) {
                set_temp(e, 500 + i);
                pump(e, 100);
        }
        relay_set_garble(e->relay, false);
        relay_set_loss(e->relay, 0, 0);
        set_temp(e, 999);
        /* The last value arrives (a later one may be lost, a retransmission is not). */
        bool last = false;
        for (int64_t end = now_ms() + 90000; !last && now_ms() < end;) {
                ts_notification n;
                if (ts_wait_observation(e->f.server, h, 500, &n) < 0) {
                        pump(e, 10);
                        continue;
                }
                last = n.resp.len == 5 && memcmp(n.resp.payload, "999.0", 5) == 0;
                if (!last && n.resp.len == 3 && memcmp(n.resp.payload, "999", 3) == 0)
                        last = true;
                ts_notification_free(&n);
        }
        assert_true(last);
        double cpu = fixture_cpu_seconds(e->f.pid) - cpu0;
        long mem = fixture_private_dirty_kb(e->f.pid);
        /* 41 values in ~4 s plus retransmissions: a fraction of a second of CPU, even
         * under sanitizers; memory within a few hundred KiB (ASan's arenas grow in steps). */
        if (cpu > 3.0)
                fail_msg("the daemon used %.2f s of CPU for 41 notifications", cpu);
        if (mem0 > 0 && mem > mem0 + 2048)
                fail_msg("private memory grew from %ld to %ld KiB", mem0, mem);
        finish(e);
}

/* ---- 14. Attributes per server ---- */

/* Two servers observe the same value; gt written by server 1 applies to its
 * observation only. */
static void test_attributes_per_server(void **state)
{
        env *e = *state;
        start(e, &(options){.second_server = true});
        unsigned h1 = observe(e, TEMP, LWM2M_FORMAT_TEXT, NULL);
        ts_response resp;
        unsigned h2 = 0;
        assert_int_equal(ts_observe(e->second, TEMP, LWM2M_FORMAT_TEXT, 8000, &resp, &h2), 0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        ts_response_free(&resp);
        assert_true(h2 > 0);
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, TEMP "?gt=50", -1, NULL, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        set_temp(e, 30); /* below gt: news for server 2 only */
        ts_notification n;
        assert_int_equal(ts_wait_observation(e->second, h2, 5000, &n), 0);
        assert_true(n.resp.len >= 2 && memcmp(n.resp.payload, "30", 2) == 0);
        ts_notification_free(&n);
        no_note(e, h1, 1500);
        set_temp(e, 60); /* crosses gt: both */
        next_note(e, h1, 5000, &n);
        assert_true(n.resp.len >= 2 && memcmp(n.resp.payload, "60", 2) == 0);
        ts_notification_free(&n);
        assert_int_equal(ts_wait_observation(e->second, h2, 5000, &n), 0);
        assert_true(n.resp.len >= 2 && memcmp(n.resp.payload, "60", 2) == 0);
        ts_notification_free(&n);
        /* Discover shows each server its own. */
        assert_int_equal(ts_request(e->second, COAP_REQUEST_CODE_GET, TEMP, -1, LWM2M_FORMAT_LINK,
                                    -1, NULL, 0, 5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_null(memmem(resp.payload, resp.len, "gt=", 3));
        ts_response_free(&resp);
        finish(e);
}

/* ---- 15. De-register ends observations ---- */

/* Disable (/1/0/4) de-registers; the server's observations end with it, and after the
 * Disable Timeout the daemon registers again without them. */
static void test_deregister_ends_observations(void **state)
{
        env *e = *state;
        start(e, &(options){0});
        unsigned h = observe(e, TEMP, LWM2M_FORMAT_TEXT, NULL);
        assert_int_equal(request(e, COAP_REQUEST_CODE_PUT, "/1/0/5", LWM2M_FORMAT_TEXT, "2", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        unsigned regs = ts_register_count(e->f.server);
        unsigned deregs = ts_deregister_count(e->f.server);
        assert_int_equal(request(e, COAP_REQUEST_CODE_POST, "/1/0/4", -1, NULL, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_true(ts_wait_deregister(e->f.server, deregs, 10000));
        assert_true(fixture_wait_log(&e->f, "observation(s) end (de-registered)", 5000));
        assert_non_null(ts_wait_register(e->f.server, regs, 15000));
        set_temp(e, 77);
        no_note(e, h, 1500);
        finish(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                T(test_observe_levels),
                T(test_observe_levels_tlv_for_1_0),
                T(test_notification_formats),
                T(test_resource_instance_and_opaque),
                T(test_cancel_by_get),
                T(test_cancel_by_reset),
                T(test_observations_end_on_register),
                T(test_pmin_coalesces),
                T(test_pmax_periodic),
                T(test_pmax_ignored),
                T(test_gt_lt_crossing),
                T(test_st_step),
                T(test_invalid_attributes),
                T(test_inheritance),
                T(test_default_periods),
                T(test_discover_shows_attributes),
                T(test_edge_on_boolean),
                T(test_observe_query_attributes),
                T(test_con_attribute),
                T(test_default_notification_mode),
                T(test_observe_composite),
                T(test_send_over_dbus),
                T(test_lwm2mctl_send),
                T(test_mute_send),
                T(test_periodic_send),
                T(test_stored_all_delivered),
                T(test_stored_bounded),
                T(test_stored_off_sends_latest),
                T(test_queue_mode),
                T(test_lossy_and_garbled_path),
                T(test_attributes_per_server),
                T(test_deregister_ends_observations),
        };
        /* TEST_FILTER=test_observe_composite runs one test (a glob), when debugging. */
        if (getenv("TEST_FILTER"))
                cmocka_set_test_filter(getenv("TEST_FILTER"));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
