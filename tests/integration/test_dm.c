/* test_dm.c - integration: every device-management operation of the real daemon
 * over NoSec CoAP (Read, Discover, Write, Write-Attributes, Execute, Create, Delete,
 * Read-/Write-Composite, block-wise), checked by code, content format and decoded payload. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"
#include "model/ddf.h"
#include "model/record.h"

/* CoAP codes as ts_response carries them (class * 32 + detail). */
#define C(cls, detail) ((uint8_t)((cls)*32 + (detail)))
enum {
        CREATED = C(2, 1),
        DELETED = C(2, 2),
        CHANGED = C(2, 4),
        CONTENT = C(2, 5),
        BAD_REQUEST = C(4, 0),
        UNAUTHORIZED = C(4, 1),
        NOT_FOUND = C(4, 4),
        NOT_ALLOWED = C(4, 5),
        NOT_ACCEPTABLE = C(4, 6),
        UNSUPPORTED_FORMAT = C(4, 15),
};

#define GET    COAP_REQUEST_CODE_GET
#define PUT    COAP_REQUEST_CODE_PUT
#define POST   COAP_REQUEST_CODE_POST
#define DELETE COAP_REQUEST_CODE_DELETE
#define FETCH  COAP_REQUEST_CODE_FETCH
#define IPATCH COAP_REQUEST_CODE_IPATCH

/* One daemon per group of tests, with the registry the test decodes with. */
typedef struct dm_ctx {
        daemon_fixture f;
        lwm2m_registry *reg;
} dm_ctx;

/* ---- set-up ---- */

static int resolve(void *userdata, const lwm2m_path *p, lwm2m_type *type, bool *multiple)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(userdata, p->id[0]);
        const lwm2m_resource_def *res = obj ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
        if (!res)
                return -ENOENT;
        *type = res->type;
        *multiple = res->multiple;
        return 0;
}

static int start_group(void **state, const char *const *args)
{
        dm_ctx *c = calloc(1, sizeof(*c));
        if (!c || fixture_init(&c->f) < 0)
                return -1;
        *state = c;
        c->reg = lwm2m_registry_new();
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        if (!c->reg || ddf_load_dirs(c->reg, dirs, 1, NULL, NULL, NULL) < 0)
                return -1;
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        c->f.server = ts_new(&cfg);
        if (!c->f.server)
                return -1;
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n",
                 ts_uri(c->f.server));
        if (fixture_write_config(&c->f, extra) < 0 || fixture_start_daemon(&c->f, args) < 0)
                return -1;
        if (!ts_wait_register(c->f.server, 0, 15000)) {
                fprintf(stderr, "the daemon did not register\n");
                return -1;
        }
        return 0;
}

static int group_setup(void **state)
{
        return start_group(state, NULL);
}

static int group_setup_lwm2m10(void **state)
{
        static const char *const args[] = {"--lwm2m-version", "1.0", NULL};
        return start_group(state, args);
}

static int group_teardown(void **state)
{
        dm_ctx *c = *state;
        if (!c)
                return 0;
        int rc = 0;
        if (c->f.pid > 0) {
                int st = fixture_stop_daemon(&c->f, 10000);
                if (st != 0) {
                        fprintf(stderr, "the daemon exited with %d\n", st);
                        rc = -1;
                }
        }
        char *log = fixture_read_log(&c->f);
        if (strstr(log, "ERROR: AddressSanitizer") || strstr(log, "ERROR: LeakSanitizer") ||
            strstr(log, "runtime error:")) {
                fprintf(stderr, "---- daemon log ----\n%s\n----\n", log);
                rc = -1;
        }
        free(log);
        fixture_cleanup(&c->f);
        lwm2m_registry_free(c->reg);
        free(c);
        return rc;
}

/* ---- requests ---- */

static ts_response request(dm_ctx *c, coap_pdu_code_t method, const char *path, int cf, int accept,
                           const void *payload, size_t len)
{
        ts_response r;
        int err = ts_request(c->f.server, method, path, cf, accept, -1, payload, len, 10000, &r);
        if (err != 0)
                fprintf(stderr, "request %s failed: %s\n", path, strerror(-err));
        assert_int_equal(err, 0);
        return r;
}

static void check_code(const ts_response *r, uint8_t expected, coap_pdu_code_t method,
                       const char *path)
{
        if (r->code != expected) {
                char got[8], want[8];
                fprintf(stderr, "method %d %s: got %s, expected %s (payload: %.*s)\n", (int)method,
                        path, ts_code_str(r->code, got), ts_code_str(expected, want),
                        (int)(r->len > 200 ? 200 : r->len), r->payload ? (char *)r->payload : "");
        }
        assert_int_equal(r->code, expected);
}

/* Sends a request and checks only its response code. */
static void expect_code(dm_ctx *c, coap_pdu_code_t method, const char *path, int cf, int accept,
                        const void *payload, size_t len, uint8_t code)
{
        ts_response r = request(c, method, path, cf, accept, payload, len);
        check_code(&r, code, method, path);
        ts_response_free(&r);
}

static void expect_str(dm_ctx *c, coap_pdu_code_t method, const char *path, int cf,
                       const char *payload, uint8_t code)
{
        expect_code(c, method, path, cf, -1, payload, payload ? strlen(payload) : 0, code);
}

/* GET with an Accept (-1: none) that must succeed in `format`. */
static ts_response read_ok(dm_ctx *c, const char *path, int accept, int format)
{
        ts_response r = request(c, GET, path, -1, accept, NULL, 0);
        check_code(&r, CONTENT, GET, path);
        if (r.content_format != format)
                fprintf(stderr, "GET %s: content-format %d, expected %d\n", path, r.content_format,
                        format);
        assert_int_equal(r.content_format, format);
        return r;
}

static lwm2m_path P(const char *s)
{
        lwm2m_path p;
        assert_int_equal(lwm2m_path_parse(s, &p), 0);
        return p;
}

/* Decodes a response with the project's own codec, base = the request path. */
static void decode(dm_ctx *c, const ts_response *r, const char *base, lwm2m_record_list *out)
{
        lwm2m_path b = P(base);
        lwm2m_resolver res = {.resource = resolve, .userdata = c->reg};
        int err =
                lwm2m_format_decode((uint16_t)r->content_format, &b, r->payload, r->len, &res, out);
        if (err < 0)
                fprintf(stderr, "decoding %s (format %d, %zu bytes): %s\n", base, r->content_format,
                        r->len, strerror(-err));
        assert_int_equal(err, 0);
}

/* Reads `path` in `format` and decodes it. */
static void read_records(dm_ctx *c, const char *path, int format, lwm2m_record_list *out)
{
        ts_response r = read_ok(c, path, format, format);
        decode(c, &r, path, out);
        ts_response_free(&r);
}

static const lwm2m_record *find(const lwm2m_record_list *l, const char *path)
{
        lwm2m_path p = P(path);
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_equal(&l->items[i].path, &p))
                        return &l->items[i];
        return NULL;
}

static bool has_under(const lwm2m_record_list *l, const char *path)
{
        lwm2m_path p = P(path);
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_starts_with(&l->items[i].path, &p))
                        return true;
        return false;
}

static void assert_string_value(const lwm2m_record_list *l, const char *path, const char *want)
{
        const lwm2m_record *r = find(l, path);
        if (!r)
                fprintf(stderr, "no %s in the payload\n", path);
        assert_non_null(r);
        assert_int_equal(r->value.type, LWM2M_TYPE_STRING);
        assert_int_equal(r->value.buf.len, strlen(want));
        assert_memory_equal(r->value.buf.data, want, strlen(want));
}

static void assert_int_value(const lwm2m_record_list *l, const char *path, int64_t want)
{
        const lwm2m_record *r = find(l, path);
        if (!r)
                fprintf(stderr, "no %s in the payload\n", path);
        assert_non_null(r);
        assert_int_equal(r->value.type, LWM2M_TYPE_INTEGER);
        assert_int_equal(r->value.i, want);
}

static void assert_bool_value(const lwm2m_record_list *l, const char *path, bool want)
{
        const lwm2m_record *r = find(l, path);
        assert_non_null(r);
        assert_int_equal(r->value.type, LWM2M_TYPE_BOOLEAN);
        assert_int_equal(r->value.b, want);
}

/* Reads one resource as text and compares the whole payload. */
static void expect_text(dm_ctx *c, const char *path, const char *want)
{
        ts_response r = read_ok(c, path, LWM2M_FORMAT_TEXT, LWM2M_FORMAT_TEXT);
        if (r.len != strlen(want) || (r.len > 0 && memcmp(r.payload, want, r.len) != 0))
                fprintf(stderr, "GET %s: \"%.*s\", expected \"%s\"\n", path, (int)r.len,
                        r.payload ? (char *)r.payload : "", want);
        assert_int_equal(r.len, strlen(want));
        if (r.len > 0)
                assert_memory_equal(r.payload, want, r.len);
        ts_response_free(&r);
}

/* ---- building payloads with the project's encoders ---- */

static void add_value(lwm2m_record_list *l, const char *path, lwm2m_value v)
{
        lwm2m_path p = P(path);
        assert_int_equal(lwm2m_record_list_add_value(l, &p, &v), 0);
}

static void add_string(lwm2m_record_list *l, const char *path, const char *s)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, s, strlen(s)), 0);
        add_value(l, path, v);
        lwm2m_value_clear(&v);
}

static void encode(uint16_t format, const char *base, lwm2m_record_list *l, lwm2m_buf *out)
{
        lwm2m_path b = P(base);
        lwm2m_record_list_sort(l);
        int err = lwm2m_format_encode(format, &b, l->items, l->n, out);
        if (err < 0)
                fprintf(stderr, "encoding for %s in %u: %s\n", base, format, strerror(-err));
        assert_int_equal(err, 0);
}

/* Encodes `l` under `base` in `format` and sends it; checks the code. */
static void send_records(dm_ctx *c, coap_pdu_code_t method, const char *path, uint16_t format,
                         const char *base, lwm2m_record_list *l, uint8_t code)
{
        lwm2m_buf b = {0};
        encode(format, base, l, &b);
        expect_code(c, method, path, format, -1, b.data, b.len, code);
        lwm2m_buf_free(&b);
}

/* Waits for a Registration Update after `seen` and returns its object links. */
static const char *wait_update_links(dm_ctx *c, unsigned seen)
{
        ts_registration *r = ts_wait_update(c->f.server, seen, 10000);
        assert_non_null(r);
        assert_non_null(r->links);
        return r->links;
}

/* Creates a Light Control instance (On/Off is its mandatory writable resource). */
static void create_light(dm_ctx *c, unsigned iid)
{
        char body[128], loc[16];
        snprintf(body, sizeof(body), "[{\"bn\":\"/3311/%u/\",\"n\":\"5850\",\"vb\":false}]", iid);
        ts_response r = request(c, POST, "/3311", LWM2M_FORMAT_SENML_JSON, -1, body, strlen(body));
        check_code(&r, CREATED, POST, "/3311");
        snprintf(loc, sizeof(loc), "3311/%u", iid);
        assert_string_equal(r.location, loc);
        ts_response_free(&r);
}

/* ==== Read ==== */

static const int value_formats[] = {
        LWM2M_FORMAT_TLV,        LWM2M_FORMAT_LWM2M_JSON, LWM2M_FORMAT_SENML_JSON,
        LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_LWM2M_CBOR,
};

static void test_read_default_formats(void **state)
{
        dm_ctx *c = *state;
        /* A single resource: text/plain, with the Content-Format option present. */
        ts_response r = read_ok(c, "/3/0/0", -1, LWM2M_FORMAT_TEXT);
        assert_int_equal(r.len, strlen("lwm2md tests"));
        assert_memory_equal(r.payload, "lwm2md tests", r.len);
        ts_response_free(&r);
        expect_text(c, "/3/0/11/0", "0");

        /* Several values: SenML JSON for a 1.1 server. */
        const char *multi[] = {"/3", "/3/0", "/3/0/11"};
        for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
                lwm2m_record_list l = {0};
                r = read_ok(c, multi[i], -1, LWM2M_FORMAT_SENML_JSON);
                decode(c, &r, multi[i], &l);
                assert_int_value(&l, "/3/0/11/0", 0);
                if (i < 2) {
                        assert_string_value(&l, "/3/0/0", "lwm2md tests");
                        assert_string_value(&l, "/3/0/1", "itest-1");
                        assert_string_value(&l, "/3/0/2", "SN-0001");
                        assert_string_value(&l, "/3/0/3", "1.2.3");
                        /* Executable resources carry no value. */
                        assert_null(find(&l, "/3/0/4"));
                        assert_null(find(&l, "/3/0/12"));
                }
                lwm2m_record_list_free(&l);
                ts_response_free(&r);
        }
}

static void test_read_every_format(void **state)
{
        dm_ctx *c = *state;
        const char *paths[] = {"/3", "/3/0", "/3/0/0", "/3/0/11", "/3/0/11/0"};
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                        lwm2m_record_list l = {0};
                        read_records(c, paths[i], value_formats[f], &l);
                        if (i <= 2)
                                assert_string_value(&l, "/3/0/0", "lwm2md tests");
                        else
                                assert_int_value(&l, "/3/0/11/0", 0);
                        if (i <= 1) {
                                assert_string_value(&l, "/3/0/17", "Gateway");
                                assert_int_value(&l, "/3/0/11/0", 0);
                        } else {
                                /* Nothing beyond what was asked for. */
                                assert_int_equal(l.n, 1);
                        }
                        lwm2m_record_list_free(&l);
                }
        }
        expect_text(c, "/3/0/0", "lwm2md tests");
        expect_text(c, "/3/0/2", "SN-0001");
}

static void test_read_bytes(void **state)
{
        dm_ctx *c = *state;
        /* TLV of a single string resource: type 0b11 0 01 000, id 0, 8-bit length. */
        ts_response r = read_ok(c, "/3/0/0", LWM2M_FORMAT_TLV, LWM2M_FORMAT_TLV);
        static const uint8_t tlv[] = {0xC8, 0x00, 0x0C, 'l', 'w', 'm', '2', 'm',
                                      'd',  ' ',  't',  'e', 's', 't', 's'};
        assert_int_equal(r.len, sizeof(tlv));
        assert_memory_equal(r.payload, tlv, sizeof(tlv));
        ts_response_free(&r);

        /* A resource instance in TLV: type 0b01 0 00 001, id 0, value 0. */
        r = read_ok(c, "/3/0/11/0", LWM2M_FORMAT_TLV, LWM2M_FORMAT_TLV);
        static const uint8_t tlv_ri[] = {0x41, 0x00, 0x00};
        assert_int_equal(r.len, sizeof(tlv_ri));
        assert_memory_equal(r.payload, tlv_ri, sizeof(tlv_ri));
        ts_response_free(&r);

        /* A multiple resource in TLV: 0b10 0 00 011 (3 bytes follow), id 11. */
        r = read_ok(c, "/3/0/11", LWM2M_FORMAT_TLV, LWM2M_FORMAT_TLV);
        static const uint8_t tlv_mr[] = {0x83, 0x0B, 0x41, 0x00, 0x00};
        assert_int_equal(r.len, sizeof(tlv_mr));
        assert_memory_equal(r.payload, tlv_mr, sizeof(tlv_mr));
        ts_response_free(&r);

        /* An object read in TLV wraps its instance: 0b00 0 xx ..., id 0. */
        r = read_ok(c, "/3", LWM2M_FORMAT_TLV, LWM2M_FORMAT_TLV);
        assert_true(r.len > 3);
        assert_int_equal(r.payload[0] & 0xC0, 0x00);
        assert_int_equal(r.payload[1], 0x00);
        ts_response_free(&r);

        /* SenML JSON names the value with its full path. */
        r = read_ok(c, "/3/0/0", LWM2M_FORMAT_SENML_JSON, LWM2M_FORMAT_SENML_JSON);
        assert_non_null(strstr((char *)r.payload, "\"vs\":\"lwm2md tests\""));
        assert_int_equal(r.payload[0], '[');
        ts_response_free(&r);

        /* SenML CBOR: an array of maps; the string appears as a CBOR text string. */
        r = read_ok(c, "/3/0/0", LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_SENML_CBOR);
        assert_int_equal(r.payload[0], 0x81); /* array of one record */
        assert_true(r.len > 14);
        assert_non_null(memmem(r.payload, r.len, "\x6clwm2md tests", 13));
        ts_response_free(&r);

        /* LwM2M CBOR: nested maps keyed by IDs, {3: {0: {0: "lwm2md tests"}}}
         * (or with the path in an array key); either way a map at the top. */
        r = read_ok(c, "/3/0/0", LWM2M_FORMAT_LWM2M_CBOR, LWM2M_FORMAT_LWM2M_CBOR);
        assert_int_equal(r.payload[0] & 0xE0, 0xA0);
        assert_non_null(memmem(r.payload, r.len, "\x6clwm2md tests", 13));
        ts_response_free(&r);
}

static void test_read_errors(void **state)
{
        dm_ctx *c = *state;
        /* Accept: unknown formats, text for several values, opaque for a string. */
        expect_code(c, GET, "/3/0/0", -1, 9999, NULL, 0, NOT_ACCEPTABLE);
        expect_code(c, GET, "/3/0", -1, 9999, NULL, 0, NOT_ACCEPTABLE);
        expect_code(c, GET, "/3/0", -1, LWM2M_FORMAT_TEXT, NULL, 0, NOT_ACCEPTABLE);
        expect_code(c, GET, "/3", -1, LWM2M_FORMAT_TEXT, NULL, 0, NOT_ACCEPTABLE);
        expect_code(c, GET, "/3/0/11", -1, LWM2M_FORMAT_TEXT, NULL, 0, NOT_ACCEPTABLE);
        expect_code(c, GET, "/3/0/0", -1, LWM2M_FORMAT_OPAQUE, NULL, 0, NOT_ACCEPTABLE);

        /* Nothing there. */
        expect_code(c, GET, "/9999", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/1", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/99", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/11/5", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/0/0", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3303/0", -1, -1, NULL, 0, NOT_FOUND);
        /* Battery Level is defined but holds no value on a gateway. */
        expect_code(c, GET, "/3/0/9", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/9", -1, LWM2M_FORMAT_TLV, NULL, 0, NOT_FOUND);
        /* A multiple resource without instances on this device. */
        expect_code(c, GET, "/3/0/6", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/6/0", -1, -1, NULL, 0, NOT_FOUND);

        /* Executable resources are not read. */
        expect_code(c, GET, "/3/0/4", -1, -1, NULL, 0, NOT_ALLOWED);
        expect_code(c, GET, "/1/0/8", -1, -1, NULL, 0, NOT_ALLOWED);

        /* The Security object is not for management servers, whatever the path. */
        expect_code(c, GET, "/0", -1, -1, NULL, 0, UNAUTHORIZED);
        expect_code(c, GET, "/0/0", -1, -1, NULL, 0, UNAUTHORIZED);
        expect_code(c, GET, "/0/0/0", -1, LWM2M_FORMAT_TEXT, NULL, 0, UNAUTHORIZED);
        expect_code(c, GET, "/0/0", -1, LWM2M_FORMAT_LINK, NULL, 0, UNAUTHORIZED);
        expect_code(c, GET, "/0/7", -1, -1, NULL, 0, UNAUTHORIZED);
        expect_str(c, PUT, "/0/0/0", LWM2M_FORMAT_TEXT, "coap://evil", UNAUTHORIZED);
        expect_str(c, DELETE, "/0/0", -1, NULL, UNAUTHORIZED);
        expect_str(c, PUT, "/0/0?pmin=1", -1, NULL, UNAUTHORIZED);
        expect_str(c, POST, "/0", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/0/5/0\",\"vs\":\"x\"}]",
                   UNAUTHORIZED);
        expect_str(c, POST, "/0/0", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/0/0/2\",\"v\":3}]",
                   UNAUTHORIZED);

        /* Paths that are not LwM2M paths. */
        expect_code(c, GET, "/3/abc", -1, -1, NULL, 0, BAD_REQUEST);
        expect_code(c, GET, "/3/0/0/0/0", -1, -1, NULL, 0, BAD_REQUEST);
        expect_code(c, GET, "/3/65535", -1, -1, NULL, 0, BAD_REQUEST);
        expect_code(c, GET, "/3/00", -1, -1, NULL, 0, BAD_REQUEST);
        expect_code(c, GET, "/nothing", -1, -1, NULL, 0, NOT_FOUND);

        /* The daemon is still there and still answers. */
        expect_text(c, "/3/0/0", "lwm2md tests");
}

static void test_read_object_without_instances(void **state)
{
        dm_ctx *c = *state;
        /* A defined object with no instance: an empty answer, not an error
         * (the object exists, it just has nothing). */
        ts_response r = read_ok(c, "/3303", -1, LWM2M_FORMAT_SENML_JSON);
        assert_int_equal(r.len, 2);
        assert_memory_equal(r.payload, "[]", 2);
        ts_response_free(&r);
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                lwm2m_record_list l = {0};
                read_records(c, "/3303", value_formats[f], &l);
                assert_int_equal(l.n, 0);
                lwm2m_record_list_free(&l);
        }
}

/* ==== Discover ==== */

static char *discover(dm_ctx *c, const char *path)
{
        ts_response r = read_ok(c, path, LWM2M_FORMAT_LINK, LWM2M_FORMAT_LINK);
        char *links = strndup((char *)r.payload, r.len);
        ts_response_free(&r);
        assert_non_null(links);
        return links;
}

/* True if the link list holds exactly this link (target and attributes). */
static bool has_link(const char *links, const char *link)
{
        size_t n = strlen(link);
        for (const char *p = links; (p = strstr(p, link)); p++)
                if ((p == links || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
                        return true;
        return false;
}

static void assert_link(const char *links, const char *link)
{
        if (!has_link(links, link))
                fprintf(stderr, "no link %s in %s\n", link, links);
        assert_true(has_link(links, link));
}

static void test_discover(void **state)
{
        dm_ctx *c = *state;
        char *l = discover(c, "/3");
        /* The object with its version, its instance, and present resources. */
        assert_true(strncmp(l, "</3>;ver=1.1,</3/0>,", 20) == 0);
        assert_link(l, "</3/0/0>");
        assert_link(l, "</3/0/4>");
        assert_link(l, "</3/0/11>;dim=1");
        assert_link(l, "</3/0/16>");
        assert_false(strstr(l, "</3/0/9>")); /* no value: not there */
        assert_false(strstr(l, "</3/0/6"));  /* multiple, no instances */
        free(l);

        l = discover(c, "/3/0");
        assert_true(strncmp(l, "</3/0>,</3/0/0>,", 16) == 0);
        assert_link(l, "</3/0/11>;dim=1");
        assert_false(strstr(l, "</3>"));
        free(l);

        l = discover(c, "/3/0/0");
        assert_string_equal(l, "</3/0/0>");
        free(l);
        l = discover(c, "/3/0/11");
        assert_string_equal(l, "</3/0/11>;dim=1");
        free(l);

        l = discover(c, "/1");
        assert_true(strncmp(l, "</1>;ver=1.2,</1/0>,", 20) == 0);
        assert_link(l, "</1/0/0>");
        assert_link(l, "</1/0/1>");
        assert_link(l, "</1/0/8>");
        free(l);

        /* A defined object without instances. */
        l = discover(c, "/3303");
        assert_string_equal(l, "</3303>;ver=1.1");
        free(l);

        /* An object whose version is 1.0 carries no ver=. */
        l = discover(c, "/3311");
        assert_false(strstr(l, "ver="));
        free(l);

        expect_code(c, GET, "/9999", -1, LWM2M_FORMAT_LINK, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/1", -1, LWM2M_FORMAT_LINK, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/99", -1, LWM2M_FORMAT_LINK, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3/0/9", -1, LWM2M_FORMAT_LINK, NULL, 0, NOT_FOUND);
}

/* ==== Write-Attributes ==== */

static void test_write_attributes(void **state)
{
        dm_ctx *c = *state;
        expect_str(c, PUT, "/3/0/10?pmin=5&pmax=60&gt=100000&lt=10&st=5", -1, NULL, CHANGED);
        char *l = discover(c, "/3/0/10");
        assert_string_equal(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=10;st=5");
        free(l);

        /* At instance and object level, shown on their own links. */
        expect_str(c, PUT, "/3/0?pmin=10", -1, NULL, CHANGED);
        expect_str(c, PUT, "/3?pmax=300", -1, NULL, CHANGED);
        l = discover(c, "/3");
        assert_true(strncmp(l, "</3>;ver=1.1;pmax=300,</3/0>;pmin=10,", 37) == 0);
        assert_link(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=10;st=5");
        free(l);
        /* The target of a Discover shows what is in force there: pmax comes from the
         * object; the links under it show only their own. */
        l = discover(c, "/3/0");
        assert_true(strncmp(l, "</3/0>;pmin=10;pmax=300,", 24) == 0);
        assert_link(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=10;st=5");
        assert_link(l, "</3/0/0>");
        free(l);
        l = discover(c, "/3/0/0");
        assert_string_equal(l, "</3/0/0>;pmin=10;pmax=300");
        free(l);

        /* On a multiple resource, after dim; pmin inherited from the instance. */
        expect_str(c, PUT, "/3/0/11?pmax=20", -1, NULL, CHANGED);
        l = discover(c, "/3/0/11");
        assert_string_equal(l, "</3/0/11>;dim=1;pmin=10;pmax=20");
        free(l);
        /* Thresholds compare one value: on a resource instance, not on the whole
         * multiple resource. */
        expect_str(c, PUT, "/3/0/11?gt=3", -1, NULL, BAD_REQUEST);
        expect_str(c, PUT, "/3/0/11/0?gt=3", -1, NULL, CHANGED);
        expect_str(c, PUT, "/3/0/11/0?gt", -1, NULL, CHANGED);

        /* LwM2M 1.2: edge on a boolean, con and hqmax anywhere. */
        expect_str(c, PUT, "/1/0/6?edge=1&con=0&hqmax=25", -1, NULL, CHANGED);
        l = discover(c, "/1/0/6");
        assert_string_equal(l, "</1/0/6>;edge=1;con=0;hqmax=25");
        free(l);
        expect_str(c, PUT, "/1/0?con=1", -1, NULL, CHANGED);
        l = discover(c, "/1/0");
        assert_true(strncmp(l, "</1/0>;con=1,", 13) == 0);
        assert_link(l, "</1/0/6>;edge=1;con=0;hqmax=25");
        free(l);
        expect_str(c, PUT, "/1/0/6?edge&con&hqmax", -1, NULL, CHANGED);
        expect_str(c, PUT, "/1/0?con", -1, NULL, CHANGED);
        l = discover(c, "/1/0/6");
        assert_string_equal(l, "</1/0/6>");
        free(l);

        /* pmax below pmin is allowed (the client then ignores pmax). */
        expect_str(c, PUT, "/1/0/1?pmin=30&pmax=10", -1, NULL, CHANGED);
        l = discover(c, "/1/0/1");
        assert_string_equal(l, "</1/0/1>;pmin=30;pmax=10");
        free(l);
        expect_str(c, PUT, "/1/0/1?pmin&pmax", -1, NULL, CHANGED);
        l = discover(c, "/1/0/1");
        assert_string_equal(l, "</1/0/1>");
        free(l);

        /* A name without a value removes the attribute. */
        expect_str(c, PUT, "/3/0/10?st", -1, NULL, CHANGED);
        l = discover(c, "/3/0/10");
        assert_string_equal(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=10");
        free(l);
        /* Non-integral and negative thresholds are fine. */
        expect_str(c, PUT, "/3/0/10?lt=-2.5", -1, NULL, CHANGED);
        l = discover(c, "/3/0/10");
        assert_string_equal(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=-2.5");
        free(l);

        /* Refused, and nothing changes. */
        static const char *const bad[] = {
                "/3/0/10?lt=200000",       /* lt above the gt in force */
                "/3/0/10?gt=1&lt=5",       /* lt >= gt */
                "/3/0/10?gt=10&lt=5&st=3", /* lt + 2*st >= gt */
                "/3/0/10?st=-1",
                "/3/0/10?pmin=-1",
                "/3/0/10?pmin=abc",
                "/3/0/10?pmin=",
                "/3/0/10?pmax=99999999999",
                "/3/0/10?gt=nan",
                "/3/0/10?gt=inf",
                "/3/0/10?foo=1",
                "/3/0/10?pmin=1&pmin=2",
                "/3/0/10?epmin=10&epmax=5",
                "/3/0/0?gt=5", /* a string has no thresholds */
                "/3/0?gt=5",   /* nor has an instance */
                "/3/0/10?pmin=1&gt=x",
                "/3/0/10?edge=1", /* an integer has no edges */
                "/1/0/6?edge=2",  /* edge and con are 0 or 1 */
                "/1/0/6?con=yes",
                "/3/0/10?hqmax=-1",
                "/3/0/10?hqmax=4294967296",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                expect_str(c, PUT, bad[i], -1, NULL, BAD_REQUEST);
        l = discover(c, "/3/0/10");
        assert_string_equal(l, "</3/0/10>;pmin=5;pmax=60;gt=100000;lt=-2.5");
        free(l);

        expect_str(c, PUT, "/9999?pmin=1", -1, NULL, NOT_FOUND);
        expect_str(c, PUT, "/3/7?pmin=1", -1, NULL, NOT_FOUND);
        expect_str(c, PUT, "/3/0/99?pmin=1", -1, NULL, NOT_FOUND);
}

/* ==== Execute ==== */

static bool wait_file(dm_ctx *c, const char *name, int timeout_ms)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", c->f.dir, name);
        for (int waited = 0; waited < timeout_ms; waited += 50) {
                struct stat st;
                if (stat(path, &st) == 0)
                        return true;
                ts_process(c->f.server, 50);
        }
        return false;
}

static void remove_file(dm_ctx *c, const char *name)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", c->f.dir, name);
        unlink(path);
}

static void test_execute(void **state)
{
        dm_ctx *c = *state;
        /* Reboot runs the configured command. */
        remove_file(c, "rebooted");
        expect_str(c, POST, "/3/0/4", -1, NULL, CHANGED);
        assert_true(wait_file(c, "rebooted", 5000));
        /* With arguments in the syntax of TS Core 5.4.5. */
        remove_file(c, "rebooted");
        expect_str(c, POST, "/3/0/4", LWM2M_FORMAT_TEXT, "0='now',1", CHANGED);
        assert_true(wait_file(c, "rebooted", 5000));
        remove_file(c, "rebooted");
        expect_str(c, POST, "/3/0/4", LWM2M_FORMAT_TEXT, "5='a-b!#&(~',9", CHANGED);
        assert_true(wait_file(c, "rebooted", 5000));

        /* Argument syntax errors, and nothing runs. */
        remove_file(c, "rebooted");
        static const char *const bad[] = {"0=now",   "a",       "1,1", "0='x'1", "0='unterminated",
                                          "10",      "0=",      ",",   "0,",     "0='\"'",
                                          "0='a b'", "0='a\\b'"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                expect_str(c, POST, "/3/0/4", LWM2M_FORMAT_TEXT, bad[i], BAD_REQUEST);
        ts_process(c->f.server, 300);
        assert_false(wait_file(c, "rebooted", 100));

        /* Reset Error Code. */
        expect_str(c, POST, "/3/0/12", -1, NULL, CHANGED);
        expect_text(c, "/3/0/11/0", "0");
        /* Factory reset has no command configured: not allowed. */
        expect_str(c, POST, "/3/0/5", -1, NULL, NOT_ALLOWED);

        /* The Registration Update Trigger. */
        unsigned seen = ts_update_count(c->f.server);
        expect_str(c, POST, "/1/0/8", -1, NULL, CHANGED);
        assert_non_null(ts_wait_update(c->f.server, seen, 5000));

        /* Execute on something that is not executable: a POST without a payload
         * on a resource is an Execute, and such a resource does not support it. */
        expect_str(c, POST, "/3/0/0", -1, NULL, NOT_ALLOWED);
        expect_str(c, POST, "/1/0/1", -1, NULL, NOT_ALLOWED);
        expect_str(c, POST, "/3/0/11", -1, NULL, NOT_ALLOWED);
        expect_str(c, POST, "/3/0/99", -1, NULL, NOT_FOUND);
        expect_str(c, POST, "/3/7/4", -1, NULL, NOT_FOUND);
        expect_str(c, POST, "/9999/0/1", -1, NULL, NOT_FOUND);
        /* Execute (or any POST) on a resource instance is not defined. */
        expect_str(c, POST, "/3/0/11/0", -1, NULL, NOT_ALLOWED);
}

/* ==== Write ==== */

static void test_write_resource_text(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 1);
        expect_str(c, PUT, "/3311/1/5851", LWM2M_FORMAT_TEXT, "42", CHANGED);
        expect_text(c, "/3311/1/5851", "42");
        expect_str(c, PUT, "/3311/1/5706", LWM2M_FORMAT_TEXT, "red", CHANGED);
        expect_text(c, "/3311/1/5706", "red");
        expect_str(c, PUT, "/3311/1/5850", LWM2M_FORMAT_TEXT, "1", CHANGED);
        expect_text(c, "/3311/1/5850", "1");
        /* An empty string is a value too. */
        expect_str(c, PUT, "/3311/1/5750", LWM2M_FORMAT_TEXT, "", CHANGED);
        expect_text(c, "/3311/1/5750", "");

        /* The Server object: Lifetime (its write sends an Update). */
        unsigned seen = ts_update_count(c->f.server);
        expect_str(c, PUT, "/1/0/1", LWM2M_FORMAT_TEXT, "240", CHANGED);
        expect_text(c, "/1/0/1", "240");
        ts_registration *reg = ts_wait_update(c->f.server, seen, 5000);
        assert_non_null(reg);
        assert_int_equal(reg->lifetime, 240);
        /* Values a registration cannot use are refused, and the old ones stay. */
        expect_str(c, PUT, "/1/0/1", LWM2M_FORMAT_TEXT, "0", BAD_REQUEST);
        expect_str(c, PUT, "/1/0/1", LWM2M_FORMAT_TEXT, "-5", BAD_REQUEST);
        expect_text(c, "/1/0/1", "240");
        expect_str(c, PUT, "/1/0/7", LWM2M_FORMAT_TEXT, "XYZ", BAD_REQUEST);
        expect_str(c, PUT, "/1/0/7", LWM2M_FORMAT_TEXT, "T", BAD_REQUEST);
        expect_text(c, "/1/0/7", "U");
}

static void test_write_resource_formats(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 2);
        int64_t v = 10;
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++, v++) {
                uint16_t fmt = (uint16_t)value_formats[f];
                lwm2m_record_list l = {0};
                add_value(&l, "/3311/2/5851", lwm2m_value_integer(v));
                send_records(c, PUT, "/3311/2/5851", fmt, "/3311/2/5851", &l, CHANGED);
                lwm2m_record_list_free(&l);

                /* Read back in the same format. */
                read_records(c, "/3311/2/5851", fmt, &l);
                assert_int_equal(l.n, 1);
                assert_int_value(&l, "/3311/2/5851", v);
                lwm2m_record_list_free(&l);

                char name[32];
                snprintf(name, sizeof(name), "colour-%u", fmt);
                add_string(&l, "/3311/2/5706", name);
                send_records(c, PUT, "/3311/2/5706", fmt, "/3311/2/5706", &l, CHANGED);
                lwm2m_record_list_free(&l);
                expect_text(c, "/3311/2/5706", name);
        }
}

static void test_write_instance_replace_and_update(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 3);
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                uint16_t fmt = (uint16_t)value_formats[f];
                /* Partial update: the given resources change, the others stay. */
                lwm2m_record_list l = {0};
                add_string(&l, "/3311/3/5706", "blue");
                add_value(&l, "/3311/3/5851", lwm2m_value_integer(25));
                add_value(&l, "/3311/3/5852", lwm2m_value_integer(1000));
                send_records(c, POST, "/3311/3", fmt, "/3311/3", &l, CHANGED);
                lwm2m_record_list_free(&l);
                add_value(&l, "/3311/3/5851", lwm2m_value_integer(30));
                send_records(c, POST, "/3311/3", fmt, "/3311/3", &l, CHANGED);
                lwm2m_record_list_free(&l);

                read_records(c, "/3311/3", fmt, &l);
                assert_string_value(&l, "/3311/3/5706", "blue");
                assert_int_value(&l, "/3311/3/5851", 30);
                assert_int_value(&l, "/3311/3/5852", 1000);
                /* Created off, switched on by the first replace below. */
                assert_bool_value(&l, "/3311/3/5850", f > 0);
                lwm2m_record_list_free(&l);

                /* Replace: writable resources not given are gone. */
                add_value(&l, "/3311/3/5850", lwm2m_value_boolean(true));
                add_value(&l, "/3311/3/5851", lwm2m_value_integer(75));
                send_records(c, PUT, "/3311/3", fmt, "/3311/3", &l, CHANGED);
                lwm2m_record_list_free(&l);

                read_records(c, "/3311/3", fmt, &l);
                assert_bool_value(&l, "/3311/3/5850", true);
                assert_int_value(&l, "/3311/3/5851", 75);
                assert_null(find(&l, "/3311/3/5706"));
                assert_null(find(&l, "/3311/3/5852"));
                lwm2m_record_list_free(&l);
                expect_code(c, GET, "/3311/3/5706", -1, -1, NULL, 0, NOT_FOUND);
        }
        /* Replace with an empty Object Instance TLV: On/Off is mandatory and
         * writable, so the replace is refused and nothing goes. */
        static const uint8_t empty_inst[] = {0x00, 0x03};
        expect_code(c, PUT, "/3311/3", LWM2M_FORMAT_TLV, -1, empty_inst, sizeof(empty_inst),
                    BAD_REQUEST);
        expect_text(c, "/3311/3/5851", "75");
        expect_text(c, "/3311/3/5850", "1");
        /* ... and a partial update with one changes nothing. */
        expect_str(c, PUT, "/3311/3/5851", LWM2M_FORMAT_TEXT, "9", CHANGED);
        expect_code(c, POST, "/3311/3", LWM2M_FORMAT_TLV, -1, empty_inst, sizeof(empty_inst),
                    CHANGED);
        expect_text(c, "/3311/3/5851", "9");
        /* The instance TLV of another instance is not for this one. */
        static const uint8_t other_inst[] = {0x00, 0x04};
        expect_code(c, PUT, "/3311/3", LWM2M_FORMAT_TLV, -1, other_inst, sizeof(other_inst),
                    BAD_REQUEST);
        expect_text(c, "/3311/3/5851", "9");
}

static void test_write_handwritten_payloads(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 4);
        /* SenML JSON as a server would write it, base name and relative names. */
        const char *senml = "[{\"bn\":\"/3311/4/\",\"n\":\"5851\",\"v\":33},"
                            "{\"n\":\"5706\",\"vs\":\"green\"},{\"n\":\"5850\",\"vb\":true}]";
        expect_str(c, POST, "/3311/4", LWM2M_FORMAT_SENML_JSON, senml, CHANGED);
        expect_text(c, "/3311/4/5851", "33");
        expect_text(c, "/3311/4/5706", "green");
        expect_text(c, "/3311/4/5850", "1");

        /* TLV by hand: resource 5851 (16-bit ID) = 7, as an 8-bit integer. */
        static const uint8_t tlv[] = {0xE1, 0x16, 0xDB, 0x07};
        expect_code(c, PUT, "/3311/4/5851", LWM2M_FORMAT_TLV, -1, tlv, sizeof(tlv), CHANGED);
        expect_text(c, "/3311/4/5851", "7");
        /* The same wrapped in its instance, written to the instance. */
        static const uint8_t tlv_inst[] = {0x04, 0x04, 0xE1, 0x16, 0xDB, 0x08};
        expect_code(c, POST, "/3311/4", LWM2M_FORMAT_TLV, -1, tlv_inst, sizeof(tlv_inst), CHANGED);
        expect_text(c, "/3311/4/5851", "8");

        /* SenML CBOR by hand: [{0: "/3311/4/5851", 2: 9}] */
        static const uint8_t cbor[] = {0x81, 0xA2, 0x00, 0x6C, '/', '3', '3', '1',  '1',
                                       '/',  '4',  '/',  '5',  '8', '5', '1', 0x02, 0x09};
        expect_code(c, PUT, "/3311/4/5851", LWM2M_FORMAT_SENML_CBOR, -1, cbor, sizeof(cbor),
                    CHANGED);
        expect_text(c, "/3311/4/5851", "9");
}

static void test_write_resource_instances(void **state)
{
        dm_ctx *c = *state;
        /* Access Control has a writable multiple resource (ACL). */
        const char *create = "[{\"bn\":\"/2/0/\",\"n\":\"0\",\"v\":3311},{\"n\":\"1\",\"v\":1},"
                             "{\"n\":\"3\",\"v\":1},{\"n\":\"2/1\",\"v\":15}]";
        ts_response r = request(c, POST, "/2", LWM2M_FORMAT_SENML_JSON, -1, create, strlen(create));
        check_code(&r, CREATED, POST, "/2");
        assert_string_equal(r.location, "2/0");
        ts_response_free(&r);
        expect_text(c, "/2/0/2/1", "15");
        expect_text(c, "/2/0/3", "1");

        /* One resource instance: text, TLV, SenML, LwM2M CBOR. */
        expect_str(c, PUT, "/2/0/2/7", LWM2M_FORMAT_TEXT, "3", CHANGED);
        expect_text(c, "/2/0/2/7", "3");
        expect_text(c, "/2/0/2/1", "15");
        static const uint8_t tlv[] = {0x41, 0x07, 0x05};
        expect_code(c, PUT, "/2/0/2/7", LWM2M_FORMAT_TLV, -1, tlv, sizeof(tlv), CHANGED);
        expect_text(c, "/2/0/2/7", "5");
        uint16_t fmts[] = {LWM2M_FORMAT_SENML_JSON, LWM2M_FORMAT_SENML_CBOR,
                           LWM2M_FORMAT_LWM2M_CBOR};
        for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
                lwm2m_record_list l = {0};
                add_value(&l, "/2/0/2/7", lwm2m_value_integer(6 + (int64_t)f));
                send_records(c, PUT, "/2/0/2/7", fmts[f], "/2/0/2/7", &l, CHANGED);
                lwm2m_record_list_free(&l);
                read_records(c, "/2/0/2/7", fmts[f], &l);
                assert_int_equal(l.n, 1);
                assert_int_value(&l, "/2/0/2/7", 6 + (int64_t)f);
                lwm2m_record_list_free(&l);
        }

        /* Replace of the multiple resource: exactly the instances given. */
        lwm2m_record_list l = {0};
        add_value(&l, "/2/0/2/2", lwm2m_value_integer(1));
        add_value(&l, "/2/0/2/4", lwm2m_value_integer(2));
        send_records(c, PUT, "/2/0/2", LWM2M_FORMAT_TLV, "/2/0/2", &l, CHANGED);
        lwm2m_record_list_free(&l);
        read_records(c, "/2/0/2", LWM2M_FORMAT_SENML_JSON, &l);
        assert_int_equal(l.n, 2);
        assert_int_value(&l, "/2/0/2/2", 1);
        assert_int_value(&l, "/2/0/2/4", 2);
        lwm2m_record_list_free(&l);
        /* Partial update of the multiple resource: instances added or changed. */
        add_value(&l, "/2/0/2/4", lwm2m_value_integer(3));
        add_value(&l, "/2/0/2/9", lwm2m_value_integer(4));
        send_records(c, POST, "/2/0/2", LWM2M_FORMAT_SENML_CBOR, "/2/0/2", &l, CHANGED);
        lwm2m_record_list_free(&l);
        read_records(c, "/2/0/2", LWM2M_FORMAT_TLV, &l);
        assert_int_equal(l.n, 3);
        assert_int_value(&l, "/2/0/2/2", 1);
        assert_int_value(&l, "/2/0/2/4", 3);
        assert_int_value(&l, "/2/0/2/9", 4);
        lwm2m_record_list_free(&l);
        char *links = discover(c, "/2/0/2");
        assert_string_equal(links, "</2/0/2>;dim=3");
        free(links);

        /* An empty Multiple Resource TLV replaces the instances with none. */
        static const uint8_t empty_multi[] = {0x80, 0x02};
        expect_code(c, PUT, "/2/0/2", LWM2M_FORMAT_TLV, -1, empty_multi, sizeof(empty_multi),
                    CHANGED);
        links = discover(c, "/2/0/2");
        assert_string_equal(links, "</2/0/2>;dim=0");
        free(links);
        read_records(c, "/2/0", LWM2M_FORMAT_SENML_JSON, &l);
        assert_false(has_under(&l, "/2/0/2/2"));
        lwm2m_record_list_free(&l);
        expect_str(c, PUT, "/2/0/2/4", LWM2M_FORMAT_TEXT, "3", CHANGED);

        /* Text carries one value: not a whole multiple resource. */
        expect_str(c, PUT, "/2/0/2", LWM2M_FORMAT_TEXT, "1", UNSUPPORTED_FORMAT);
        /* Out of the ACL range (0..65535 in the DDF, 16 bits used). */
        expect_str(c, PUT, "/2/0/2/4", LWM2M_FORMAT_TEXT, "70000", BAD_REQUEST);
        expect_text(c, "/2/0/2/4", "3");
        /* A partial update is for an instance or a resource, not a resource instance. */
        expect_str(c, POST, "/2/0/2/4", LWM2M_FORMAT_TEXT, "1", NOT_ALLOWED);
        /* A resource instance of a single resource does not exist. */
        expect_str(c, PUT, "/2/0/3/0", LWM2M_FORMAT_TEXT, "1", NOT_FOUND);
        /* Read-only Object ID (the Create ignored it as the spec says). */
        expect_str(c, PUT, "/2/0/0", LWM2M_FORMAT_TEXT, "3303", NOT_ALLOWED);
        expect_str(c, DELETE, "/2/0", -1, NULL, DELETED);
}

static void test_write_errors(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 5);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TEXT, "50", CHANGED);
        expect_str(c, PUT, "/3311/5/5706", LWM2M_FORMAT_TEXT, "white", CHANGED);

        /* Read-only resources. */
        expect_str(c, PUT, "/1/0/0", LWM2M_FORMAT_TEXT, "5", NOT_ALLOWED);
        expect_str(c, PUT, "/3/0/0", LWM2M_FORMAT_TEXT, "someone", NOT_ALLOWED);
        expect_str(c, PUT, "/3311/5/5805", LWM2M_FORMAT_TEXT, "1.5", NOT_ALLOWED);
        expect_str(c, PUT, "/3/0/4", LWM2M_FORMAT_TEXT, "1", NOT_ALLOWED);
        expect_text(c, "/1/0/0", "1");
        expect_text(c, "/3/0/0", "lwm2md tests");
        /* A write on the object itself. */
        expect_str(c, PUT, "/3311", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/3311/5/5851\",\"v\":1}]",
                   NOT_ALLOWED);

        /* Content-Formats without a value codec. */
        expect_str(c, PUT, "/3311/5/5851", 9999, "1", UNSUPPORTED_FORMAT);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_LINK, "</1>", UNSUPPORTED_FORMAT);
        expect_str(c, PUT, "/3311/5/5851", -1, "1", UNSUPPORTED_FORMAT);
        /* Text and opaque carry one value: not an instance. */
        expect_str(c, PUT, "/3311/5", LWM2M_FORMAT_TEXT, "1", UNSUPPORTED_FORMAT);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_OPAQUE, "1", UNSUPPORTED_FORMAT);

        /* Malformed payloads and values that do not fit. */
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TEXT, "abc", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TEXT, "101", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TEXT, "-1", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TEXT, "1.5", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5850", LWM2M_FORMAT_TEXT, "yes", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_SENML_JSON, "[{", BAD_REQUEST);
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3311/5/5851\",\"vs\":\"ten\"}]", BAD_REQUEST);
        static const uint8_t bad_tlv[] = {0xC8, 0x00, 0x20, 0x01};
        expect_code(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TLV, -1, bad_tlv, sizeof(bad_tlv),
                    BAD_REQUEST);
        static const uint8_t bad_cbor[] = {0x81, 0xA2, 0x00};
        expect_code(c, PUT, "/3311/5/5851", LWM2M_FORMAT_SENML_CBOR, -1, bad_cbor, sizeof(bad_cbor),
                    BAD_REQUEST);
        expect_code(c, PUT, "/3311/5/5851", LWM2M_FORMAT_LWM2M_CBOR, -1, bad_cbor, sizeof(bad_cbor),
                    BAD_REQUEST);
        /* A record outside the request path. */
        expect_str(c, PUT, "/3311/5/5851", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3311/5/5852\",\"v\":1}]", BAD_REQUEST);
        expect_str(c, POST, "/3311/5", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3311/1/5851\",\"v\":1}]", BAD_REQUEST);
        static const uint8_t other_inst[] = {0x04, 0x01, 0xE1, 0x16, 0xDB, 0x08};
        expect_code(c, PUT, "/3311/5", LWM2M_FORMAT_TLV, -1, other_inst, sizeof(other_inst),
                    BAD_REQUEST);
        static const uint8_t other_res[] = {0xE1, 0x16, 0xDC, 0x08};
        expect_code(c, PUT, "/3311/5/5851", LWM2M_FORMAT_TLV, -1, other_res, sizeof(other_res),
                    BAD_REQUEST);
        expect_text(c, "/3311/5/5851", "50");
        expect_text(c, "/3311/1/5851", "42");

        /* Nothing there. */
        expect_str(c, PUT, "/3311/9/5851", LWM2M_FORMAT_TEXT, "1", NOT_FOUND);
        expect_str(c, PUT, "/3311/5/9999", LWM2M_FORMAT_TEXT, "1", NOT_FOUND);
        expect_str(c, PUT, "/9999/0/1", LWM2M_FORMAT_TEXT, "1", NOT_FOUND);

        /* A multi-resource write that fails writes nothing. */
        const char *range = "[{\"bn\":\"/3311/5/\",\"n\":\"5706\",\"vs\":\"yellow\"},"
                            "{\"n\":\"5851\",\"v\":150}]";
        expect_str(c, POST, "/3311/5", LWM2M_FORMAT_SENML_JSON, range, BAD_REQUEST);
        const char *ro = "[{\"bn\":\"/3311/5/\",\"n\":\"5706\",\"vs\":\"yellow\"},"
                         "{\"n\":\"5805\",\"v\":1.5}]";
        expect_str(c, POST, "/3311/5", LWM2M_FORMAT_SENML_JSON, ro, NOT_ALLOWED);
        const char *type = "[{\"bn\":\"/3311/5/\",\"n\":\"5706\",\"vs\":\"yellow\"},"
                           "{\"n\":\"5850\",\"v\":3}]";
        expect_str(c, POST, "/3311/5", LWM2M_FORMAT_SENML_JSON, type, BAD_REQUEST);
        const char *unknown = "[{\"bn\":\"/3311/5/\",\"n\":\"5706\",\"vs\":\"yellow\"},"
                              "{\"n\":\"4242\",\"v\":3}]";
        expect_str(c, POST, "/3311/5", LWM2M_FORMAT_SENML_JSON, unknown, NOT_FOUND);
        /* A replace that fails removes nothing either. */
        const char *replace = "[{\"bn\":\"/3311/5/\",\"n\":\"5850\",\"vb\":true},"
                              "{\"n\":\"5851\",\"v\":200}]";
        expect_str(c, PUT, "/3311/5", LWM2M_FORMAT_SENML_JSON, replace, BAD_REQUEST);
        lwm2m_record_list l = {0};
        read_records(c, "/3311/5", LWM2M_FORMAT_SENML_JSON, &l);
        assert_string_value(&l, "/3311/5/5706", "white");
        assert_int_value(&l, "/3311/5/5851", 50);
        assert_bool_value(&l, "/3311/5/5850", false);
        lwm2m_record_list_free(&l);
}

/* ==== Create and Delete ==== */

static void test_create_and_delete(void **state)
{
        dm_ctx *c = *state;
        /* TLV without an instance: the daemon picks the lowest free ID. Read-only
         * values in the payload are ignored (TS Core 7.1.2.4). */
        lwm2m_record_list l = {0};
        add_string(&l, "/3303/0/5750", "kitchen");
        add_value(&l, "/3303/0/5700", lwm2m_value_float(21.5));
        lwm2m_buf b = {0};
        encode(LWM2M_FORMAT_TLV, "/3303/0", &l, &b);
        lwm2m_record_list_free(&l);
        unsigned seen = ts_update_count(c->f.server);
        ts_response r = request(c, POST, "/3303", LWM2M_FORMAT_TLV, -1, b.data, b.len);
        check_code(&r, CREATED, POST, "/3303");
        assert_string_equal(r.location, "3303/0");
        ts_response_free(&r);
        lwm2m_buf_free(&b);
        const char *links = wait_update_links(c, seen);
        assert_non_null(strstr(links, "</3303/0>"));
        expect_text(c, "/3303/0/5750", "kitchen");
        expect_code(c, GET, "/3303/0/5700", -1, -1, NULL, 0, NOT_FOUND);

        /* SenML naming instance 7. */
        seen = ts_update_count(c->f.server);
        const char *senml = "[{\"bn\":\"/3303/7/\",\"n\":\"5750\",\"vs\":\"attic\"}]";
        r = request(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON, -1, senml, strlen(senml));
        check_code(&r, CREATED, POST, "/3303");
        assert_string_equal(r.location, "3303/7");
        ts_response_free(&r);
        links = wait_update_links(c, seen);
        assert_non_null(strstr(links, "</3303/0>"));
        assert_non_null(strstr(links, "</3303/7>"));
        expect_text(c, "/3303/7/5750", "attic");

        /* TLV with its instance wrapper; then the same ID again is a conflict. */
        add_string(&l, "/3303/3/5750", "cellar");
        encode(LWM2M_FORMAT_TLV, "/3303", &l, &b);
        lwm2m_record_list_free(&l);
        assert_int_equal(b.data[0] & 0xC0, 0x00); /* an Object Instance TLV */
        r = request(c, POST, "/3303", LWM2M_FORMAT_TLV, -1, b.data, b.len);
        check_code(&r, CREATED, POST, "/3303");
        assert_string_equal(r.location, "3303/3");
        ts_response_free(&r);
        expect_code(c, POST, "/3303", LWM2M_FORMAT_TLV, -1, b.data, b.len, BAD_REQUEST);
        lwm2m_buf_free(&b);
        expect_str(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON, senml, BAD_REQUEST);
        expect_text(c, "/3303/7/5750", "attic");

        /* SenML CBOR and LwM2M CBOR creates. */
        add_string(&l, "/3303/20/5750", "garage");
        send_records(c, POST, "/3303", LWM2M_FORMAT_SENML_CBOR, "/3303", &l, CREATED);
        lwm2m_record_list_free(&l);
        expect_text(c, "/3303/20/5750", "garage");
        add_string(&l, "/3303/21/5750", "shed");
        send_records(c, POST, "/3303", LWM2M_FORMAT_LWM2M_CBOR, "/3303", &l, CREATED);
        lwm2m_record_list_free(&l);
        expect_text(c, "/3303/21/5750", "shed");

        /* No payload at all: an object without mandatory writable resources. */
        r = request(c, POST, "/3303", -1, -1, NULL, 0);
        check_code(&r, CREATED, POST, "/3303");
        assert_string_equal(r.location, "3303/1");
        ts_response_free(&r);

        /* An empty Object Instance TLV: the instance, with no values yet. */
        static const uint8_t empty_inst[] = {0x00, 0x05};
        r = request(c, POST, "/3303", LWM2M_FORMAT_TLV, -1, empty_inst, sizeof(empty_inst));
        check_code(&r, CREATED, POST, "/3303");
        assert_string_equal(r.location, "3303/5");
        ts_response_free(&r);
        expect_code(c, POST, "/3303", LWM2M_FORMAT_TLV, -1, empty_inst, sizeof(empty_inst),
                    BAD_REQUEST);
        expect_code(c, GET, "/3303/5/5750", -1, -1, NULL, 0, NOT_FOUND);
        expect_str(c, DELETE, "/3303/5", -1, NULL, DELETED);

        /* A single-instance object takes one instance only. */
        if (lwm2m_registry_find(c->reg, 7)) {
                r = request(c, POST, "/7", -1, -1, NULL, 0);
                check_code(&r, CREATED, POST, "/7");
                assert_string_equal(r.location, "7/0");
                ts_response_free(&r);
                expect_str(c, POST, "/7", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/7/1/8\",\"v\":60}]",
                           BAD_REQUEST);
                expect_str(c, POST, "/7", -1, NULL, BAD_REQUEST);
                expect_code(c, GET, "/7/1", -1, -1, NULL, 0, NOT_FOUND);
                expect_str(c, DELETE, "/7/0", -1, NULL, DELETED);
        }

        /* Refused creates leave nothing behind. */
        expect_str(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3303/65535/5750\",\"vs\":\"a\"}]", BAD_REQUEST);
        expect_str(c, POST, "/3", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/3/1/14\",\"vs\":\"UTC\"}]",
                   NOT_ALLOWED);
        expect_code(c, GET, "/3/1", -1, -1, NULL, 0, NOT_FOUND);
        expect_str(c, POST, "/1", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/1/5/1\",\"v\":60}]",
                   NOT_ALLOWED);
        expect_str(c, POST, "/9999", LWM2M_FORMAT_SENML_JSON, "[]", NOT_FOUND);
        expect_str(c, POST, "/3303", 9999, "x", UNSUPPORTED_FORMAT);
        expect_str(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON, "[{\"bn\":", BAD_REQUEST);
        /* Two instances in one Create. */
        expect_str(
                c, POST, "/3303", LWM2M_FORMAT_SENML_JSON,
                "[{\"n\":\"/3303/30/5750\",\"vs\":\"a\"},{\"n\":\"/3303/31/5750\",\"vs\":\"b\"}]",
                BAD_REQUEST);
        /* Another object's resources. */
        expect_str(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3311/30/5850\",\"vb\":true}]", BAD_REQUEST);
        /* A mandatory writable resource missing (On/Off of Light Control). */
        expect_str(c, POST, "/3311", LWM2M_FORMAT_SENML_JSON, "[{\"n\":\"/3311/30/5851\",\"v\":5}]",
                   BAD_REQUEST);
        /* A value out of range. */
        expect_str(c, POST, "/3311", LWM2M_FORMAT_SENML_JSON,
                   "[{\"bn\":\"/3311/30/\",\"n\":\"5850\",\"vb\":true},{\"n\":\"5851\",\"v\":500}]",
                   BAD_REQUEST);
        /* An executable resource has no value to create. */
        expect_str(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3303/30/5605\",\"vs\":\"\"}]", BAD_REQUEST);
        expect_code(c, GET, "/3303/30", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3303/31", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3311/30", -1, -1, NULL, 0, NOT_FOUND);

        /* Delete: gone from reads and from the next Update. */
        seen = ts_update_count(c->f.server);
        expect_str(c, DELETE, "/3303/7", -1, NULL, DELETED);
        expect_code(c, GET, "/3303/7", -1, -1, NULL, 0, NOT_FOUND);
        expect_code(c, GET, "/3303/7/5750", -1, -1, NULL, 0, NOT_FOUND);
        links = wait_update_links(c, seen);
        assert_null(strstr(links, "</3303/7>"));
        assert_non_null(strstr(links, "</3303/0>"));
        expect_str(c, DELETE, "/3303/7", -1, NULL, NOT_FOUND);
        /* The ID is free again. */
        r = request(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON, -1, senml, strlen(senml));
        check_code(&r, CREATED, POST, "/3303");
        ts_response_free(&r);

        /* Attributes go with their instance. */
        expect_str(c, PUT, "/3303/7?pmin=7", -1, NULL, CHANGED);
        char *dl = discover(c, "/3303/7");
        assert_true(strncmp(dl, "</3303/7>;pmin=7,", 17) == 0);
        free(dl);
        expect_str(c, DELETE, "/3303/7", -1, NULL, DELETED);
        r = request(c, POST, "/3303", LWM2M_FORMAT_SENML_JSON, -1, senml, strlen(senml));
        check_code(&r, CREATED, POST, "/3303");
        ts_response_free(&r);
        dl = discover(c, "/3303/7");
        assert_true(strncmp(dl, "</3303/7>,", 10) == 0);
        free(dl);

        /* What may not be deleted. */
        expect_str(c, DELETE, "/3/0", -1, NULL, NOT_ALLOWED);
        expect_str(c, DELETE, "/1/0", -1, NULL, NOT_ALLOWED);
        expect_str(c, DELETE, "/3303", -1, NULL, NOT_ALLOWED);
        expect_str(c, DELETE, "/3303/0/5750", -1, NULL, NOT_ALLOWED);
        expect_str(c, DELETE, "/9999/0", -1, NULL, NOT_FOUND);
        expect_text(c, "/3/0/0", "lwm2md tests");
        expect_text(c, "/3303/0/5750", "kitchen");
}

/* ==== Read-Composite and Write-Composite ==== */

static void test_read_composite(void **state)
{
        dm_ctx *c = *state;
        const char *req = "[{\"n\":\"/3/0/0\"},{\"n\":\"/3/0/11/0\"},{\"n\":\"/1/0/1\"},"
                          "{\"n\":\"/3303/99\"}]";
        ts_response r = request(c, FETCH, "/", LWM2M_FORMAT_SENML_JSON, -1, req, strlen(req));
        check_code(&r, CONTENT, FETCH, "/");
        assert_int_equal(r.content_format, LWM2M_FORMAT_SENML_JSON);
        lwm2m_record_list l = {0};
        decode(c, &r, "/", &l);
        ts_response_free(&r);
        assert_string_value(&l, "/3/0/0", "lwm2md tests");
        assert_int_value(&l, "/3/0/11/0", 0);
        assert_non_null(find(&l, "/1/0/1"));
        assert_int_equal(l.n, 3); /* a path naming nothing is left out */
        lwm2m_record_list_free(&l);

        /* SenML CBOR request, with a whole instance and an overlapping resource. */
        lwm2m_record_list paths = {0};
        add_value(&paths, "/3/0", (lwm2m_value){0});
        add_value(&paths, "/3/0/2", (lwm2m_value){0});
        add_value(&paths, "/1/0/0", (lwm2m_value){0});
        lwm2m_buf b = {0};
        encode(LWM2M_FORMAT_SENML_CBOR, "/", &paths, &b);
        lwm2m_record_list_free(&paths);
        r = request(c, FETCH, "/", LWM2M_FORMAT_SENML_CBOR, -1, b.data, b.len);
        check_code(&r, CONTENT, FETCH, "/");
        assert_int_equal(r.content_format, LWM2M_FORMAT_SENML_CBOR);
        decode(c, &r, "/", &l);
        ts_response_free(&r);
        assert_string_value(&l, "/3/0/2", "SN-0001");
        assert_string_value(&l, "/3/0/1", "itest-1");
        assert_int_value(&l, "/1/0/0", 1);
        size_t serials = 0;
        for (size_t i = 0; i < l.n; i++)
                serials += lwm2m_path_equal(&l.items[i].path, &(lwm2m_path){{3, 0, 2}, 3});
        assert_int_equal(serials, 1); /* each value once */
        lwm2m_record_list_free(&l);

        /* The answer in another composite format than the request's. */
        r = request(c, FETCH, "/", LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_SENML_JSON, b.data, b.len);
        check_code(&r, CONTENT, FETCH, "/");
        assert_int_equal(r.content_format, LWM2M_FORMAT_SENML_JSON);
        decode(c, &r, "/", &l);
        assert_string_value(&l, "/3/0/2", "SN-0001");
        lwm2m_record_list_free(&l);
        ts_response_free(&r);
        /* Not a composite format. */
        expect_code(c, FETCH, "/", LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_TLV, b.data, b.len,
                    NOT_ACCEPTABLE);
        lwm2m_buf_free(&b);
        expect_str(c, FETCH, "/", LWM2M_FORMAT_TEXT, "/3/0/0", UNSUPPORTED_FORMAT);
        expect_str(c, FETCH, "/", LWM2M_FORMAT_SENML_JSON, "[{\"n\":", BAD_REQUEST);

        /* LwM2M CBOR request and answer. */
        add_value(&paths, "/3/0/0", (lwm2m_value){0});
        add_value(&paths, "/1/0/1", (lwm2m_value){0});
        encode(LWM2M_FORMAT_LWM2M_CBOR, "/", &paths, &b);
        lwm2m_record_list_free(&paths);
        r = request(c, FETCH, "/", LWM2M_FORMAT_LWM2M_CBOR, -1, b.data, b.len);
        lwm2m_buf_free(&b);
        check_code(&r, CONTENT, FETCH, "/");
        assert_int_equal(r.content_format, LWM2M_FORMAT_LWM2M_CBOR);
        decode(c, &r, "/", &l);
        ts_response_free(&r);
        assert_string_value(&l, "/3/0/0", "lwm2md tests");
        assert_non_null(find(&l, "/1/0/1"));
        assert_int_equal(l.n, 2);
        lwm2m_record_list_free(&l);

        /* The Security object stays out of a composite read. */
        const char *sec = "[{\"n\":\"/0/0/0\"},{\"n\":\"/3/0/0\"}]";
        r = request(c, FETCH, "/", LWM2M_FORMAT_SENML_JSON, -1, sec, strlen(sec));
        check_code(&r, CONTENT, FETCH, "/");
        decode(c, &r, "/", &l);
        ts_response_free(&r);
        assert_false(has_under(&l, "/0"));
        assert_string_value(&l, "/3/0/0", "lwm2md tests");
        lwm2m_record_list_free(&l);
}

static void test_write_composite(void **state)
{
        dm_ctx *c = *state;
        create_light(c, 6);
        const char *ok =
                "[{\"n\":\"/3311/6/5851\",\"v\":60},{\"n\":\"/3311/6/5706\",\"vs\":\"pink\"},"
                "{\"n\":\"/1/0/2\",\"v\":3}]";
        expect_str(c, IPATCH, "/", LWM2M_FORMAT_SENML_JSON, ok, CHANGED);
        expect_text(c, "/3311/6/5851", "60");
        expect_text(c, "/3311/6/5706", "pink");
        expect_text(c, "/1/0/2", "3");

        /* SenML CBOR and LwM2M CBOR. */
        lwm2m_record_list l = {0};
        add_value(&l, "/3311/6/5851", lwm2m_value_integer(61));
        add_value(&l, "/1/0/2", lwm2m_value_integer(4));
        send_records(c, IPATCH, "/", LWM2M_FORMAT_SENML_CBOR, "/", &l, CHANGED);
        lwm2m_record_list_free(&l);
        expect_text(c, "/3311/6/5851", "61");
        expect_text(c, "/1/0/2", "4");
        add_value(&l, "/3311/6/5851", lwm2m_value_integer(62));
        send_records(c, IPATCH, "/", LWM2M_FORMAT_LWM2M_CBOR, "/", &l, CHANGED);
        lwm2m_record_list_free(&l);
        expect_text(c, "/3311/6/5851", "62");

        /* Failing composites change nothing anywhere. */
        static const struct {
                const char *payload;
                uint8_t code;
        } bad[] = {
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/1/0/0\",\"v\":9}]", NOT_ALLOWED},
                {"[{\"n\":\"/3311/6/5706\",\"vs\":\"x\"},{\"n\":\"/3311/6/5851\",\"v\":300}]",
                 BAD_REQUEST},
                {"[{\"n\":\"/1/0/2\",\"v\":9},{\"n\":\"/3311/6/5850\",\"vs\":\"on\"}]",
                 BAD_REQUEST},
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/3311/99/5851\",\"v\":1}]", NOT_FOUND},
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/0/0/0\",\"vs\":\"coap://x\"}]",
                 UNAUTHORIZED},
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/3311/6\",\"v\":1}]", BAD_REQUEST},
                /* A value for a resource that holds none (executable) is malformed. */
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/3/0/4\",\"vs\":\"\"}]", BAD_REQUEST},
                {"[{\"n\":\"/3311/6/5851\",\"v\":1},{\"n\":\"/3/0/0\",\"vs\":\"x\"}]", NOT_ALLOWED},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                expect_str(c, IPATCH, "/", LWM2M_FORMAT_SENML_JSON, bad[i].payload, bad[i].code);
        expect_str(c, IPATCH, "/", LWM2M_FORMAT_TLV, "\xC1\x00\x01", UNSUPPORTED_FORMAT);
        expect_str(c, IPATCH, "/", LWM2M_FORMAT_SENML_JSON, "{}", BAD_REQUEST);
        expect_text(c, "/3311/6/5851", "62");
        expect_text(c, "/3311/6/5706", "pink");
        expect_text(c, "/3311/6/5850", "0");
        expect_text(c, "/1/0/2", "4");
        expect_text(c, "/1/0/0", "1");
}

/* ==== Values of every type, in every format ==== */

static void test_value_types_round_trip(void **state)
{
        dm_ctx *c = *state;
        /* "Grüße ☃", split so that \x escapes end where they should. */
        static const char *const texts[] = {("Gr\xc3\xbc\xc3\x9f"
                                             "e \xe2\x98\x83"),
                                            "quote \" and \\", "", "a,b;c=d"};
        static const double floats[] = {33.25, 0.5, 1e-3, 100}; /* Contrast: 0..100 */
        static const int64_t ints[] = {-5, 1099511627776LL, 0, INT64_MIN};
        create_light(c, 7);
        const char *create = "[{\"bn\":\"/3341/1/\",\"n\":\"5527\",\"vs\":\"x\"}]";
        expect_str(c, POST, "/3341", LWM2M_FORMAT_SENML_JSON, create, CREATED);
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                uint16_t fmt = (uint16_t)value_formats[f];
                size_t k = f % 4;
                lwm2m_record_list l = {0};
                add_string(&l, "/3341/1/5527", texts[k]);
                add_value(&l, "/3341/1/5531", lwm2m_value_float(floats[k]));
                add_value(&l, "/3341/1/5528", lwm2m_value_integer(ints[k]));
                send_records(c, POST, "/3341/1", fmt, "/3341/1", &l, CHANGED);
                lwm2m_record_list_free(&l);
                add_value(&l, "/3311/7/5850", lwm2m_value_boolean(k % 2 == 0));
                send_records(c, POST, "/3311/7", fmt, "/3311/7", &l, CHANGED);
                lwm2m_record_list_free(&l);

                for (size_t g = 0; g < sizeof(value_formats) / sizeof(value_formats[0]); g++) {
                        read_records(c, "/3341/1", value_formats[g], &l);
                        assert_string_value(&l, "/3341/1/5527", texts[k]);
                        assert_int_value(&l, "/3341/1/5528", ints[k]);
                        const lwm2m_record *fr = find(&l, "/3341/1/5531");
                        assert_non_null(fr);
                        assert_int_equal(fr->value.type, LWM2M_TYPE_FLOAT);
                        assert_true(fr->value.f == floats[k]);
                        lwm2m_record_list_free(&l);
                        read_records(c, "/3311/7/5850", value_formats[g], &l);
                        assert_bool_value(&l, "/3311/7/5850", k % 2 == 0);
                        lwm2m_record_list_free(&l);
                }
        }
        /* Time: the Device's clock, read in every format. */
        for (size_t g = 0; g < sizeof(value_formats) / sizeof(value_formats[0]); g++) {
                lwm2m_record_list l = {0};
                read_records(c, "/3/0/13", value_formats[g], &l);
                const lwm2m_record *t = find(&l, "/3/0/13");
                assert_non_null(t);
                assert_int_equal(t->value.type, LWM2M_TYPE_TIME);
                assert_true(llabs(t->value.i - (int64_t)time(NULL)) < 60);
                lwm2m_record_list_free(&l);
        }
        /* The clock is set through timedated, which the fixture leaves unreachable
         * (test_time has a stand-in): 5.00, and the daemon says why. */
        expect_str(c, PUT, "/3/0/13", LWM2M_FORMAT_TEXT, "1000", C(5, 0));
        assert_true(fixture_wait_log(&c->f, "cannot reach timedated", 5000));
        expect_str(c, PUT, "/3/0/14", LWM2M_FORMAT_TEXT, "+01:30", BAD_REQUEST);
        expect_str(c, DELETE, "/3341/1", -1, NULL, DELETED);
}

/* ==== Values every format can carry ==== */

/* A Float is a finite number (src/model/value.h): a server write of NaN or an
 * infinity is malformed in every format (4.00) and stores nothing, so a Read
 * of the object keeps showing every instance. */
static void test_write_non_finite_float_refused(void **state)
{
        dm_ctx *c = *state;
        for (unsigned iid = 20; iid <= 22; iid++) {
                char body[160];
                snprintf(body, sizeof(body),
                         "[{\"bn\":\"/3341/%u/\",\"n\":\"5527\",\"vs\":\"display %u\"},"
                         "{\"n\":\"5531\",\"v\":50.5}]",
                         iid, iid);
                expect_str(c, POST, "/3341", LWM2M_FORMAT_SENML_JSON, body, CREATED);
        }

        static const char *const texts[] = {"nan",  "NaN",      "-nan",  "inf",
                                            "-inf", "Infinity", "1e400", "-1e999"};
        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
                expect_str(c, PUT, "/3341/21/5531", LWM2M_FORMAT_TEXT, texts[i], BAD_REQUEST);

        /* TLV: a four-byte NaN, an eight-byte infinity, and a NaN beside a
         * good Text in one instance write (nothing of which is stored). */
        static const uint8_t tlv_nan4[] = {0xE4, 0x15, 0x9B, 0x7F, 0xC0, 0x00, 0x00};
        static const uint8_t tlv_inf8[] = {0xE8, 0x15, 0x9B, 0x08, 0x7F, 0xF0,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
        static const uint8_t tlv_inst[] = {0xE7, 0x15, 0x97, 'c',  'h',  'a',  'n',  'g', 'e',
                                           'd',  0xE4, 0x15, 0x9B, 0x7F, 0xC0, 0x00, 0x00};
        expect_code(c, PUT, "/3341/21/5531", LWM2M_FORMAT_TLV, -1, tlv_nan4, sizeof(tlv_nan4),
                    BAD_REQUEST);
        expect_code(c, PUT, "/3341/21/5531", LWM2M_FORMAT_TLV, -1, tlv_inf8, sizeof(tlv_inf8),
                    BAD_REQUEST);
        expect_code(c, POST, "/3341/21", LWM2M_FORMAT_TLV, -1, tlv_inst, sizeof(tlv_inst),
                    BAD_REQUEST);
        /* SenML JSON (json-c reads these spellings), SenML CBOR, LwM2M JSON, LwM2M CBOR. */
        expect_str(c, PUT, "/3341/21/5531", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/3341/21/5531\",\"v\":NaN}]", BAD_REQUEST);
        expect_str(c, POST, "/3341/21", LWM2M_FORMAT_SENML_JSON,
                   "[{\"bn\":\"/3341/21/\",\"n\":\"5527\",\"vs\":\"changed\"},"
                   "{\"n\":\"5531\",\"v\":-Infinity}]",
                   BAD_REQUEST);
        expect_str(c, POST, "/3341/21", LWM2M_FORMAT_LWM2M_JSON,
                   "{\"bn\":\"/3341/21/\",\"e\":[{\"n\":\"5531\",\"v\":NaN}]}", BAD_REQUEST);
        /* [{0: "/3341/21/5531", 2: NaN}] and {[3341, 21, 5531]: Infinity} */
        static const uint8_t senml_cbor_nan[] = {0x81, 0xA2, 0x00, 0x6D, '/',  '3',  '3',
                                                 '4',  '1',  '/',  '2',  '1',  '/',  '5',
                                                 '5',  '3',  '1',  0x02, 0xF9, 0x7E, 0x00};
        static const uint8_t lwm2m_cbor_inf[] = {0xA1, 0x83, 0x19, 0x0D, 0x0D, 0x15,
                                                 0x19, 0x15, 0x9B, 0xF9, 0x7C, 0x00};
        expect_code(c, PUT, "/3341/21/5531", LWM2M_FORMAT_SENML_CBOR, -1, senml_cbor_nan,
                    sizeof(senml_cbor_nan), BAD_REQUEST);
        expect_code(c, PUT, "/3341/21/5531", LWM2M_FORMAT_LWM2M_CBOR, -1, lwm2m_cbor_inf,
                    sizeof(lwm2m_cbor_inf), BAD_REQUEST);
        /* The same payloads with a finite number are fine (the bytes are right). */
        static const uint8_t tlv_ok[] = {0xE4, 0x15, 0x9B, 0x42, 0x48, 0x00, 0x00}; /* 50 */
        expect_code(c, PUT, "/3341/22/5531", LWM2M_FORMAT_TLV, -1, tlv_ok, sizeof(tlv_ok), CHANGED);
        expect_text(c, "/3341/22/5531", "50");
        expect_str(c, PUT, "/3341/22/5531", LWM2M_FORMAT_TEXT, "50.5", CHANGED);

        /* Every instance, in every format, with its values as they were. */
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                lwm2m_record_list l = {0};
                read_records(c, "/3341", value_formats[f], &l);
                for (unsigned iid = 20; iid <= 22; iid++) {
                        char path[32], text[32];
                        snprintf(path, sizeof(path), "/3341/%u/5527", iid);
                        snprintf(text, sizeof(text), "display %u", iid);
                        assert_string_value(&l, path, text);
                        snprintf(path, sizeof(path), "/3341/%u/5531", iid);
                        const lwm2m_record *r = find(&l, path);
                        assert_non_null(r);
                        assert_int_equal(r->value.type, LWM2M_TYPE_FLOAT);
                        assert_true(r->value.f == 50.5);
                }
                lwm2m_record_list_free(&l);
        }
        expect_text(c, "/3341/21/5531", "50.5");
        for (unsigned iid = 20; iid <= 22; iid++) {
                char path[32];
                snprintf(path, sizeof(path), "/3341/%u", iid);
                expect_str(c, DELETE, path, -1, NULL, DELETED);
        }
}

/* ==== Replace means replace ==== */

static bool is_mandatory_writable(const lwm2m_resource_def *res)
{
        return res->mandatory && (res->operations & LWM2M_OP_WRITE) &&
               !(res->operations & LWM2M_OP_EXECUTE) && res->type != LWM2M_TYPE_NONE;
}

static const lwm2m_resource_def *record_def(dm_ctx *c, const lwm2m_record *r)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(c->reg, r->path.id[0]);
        assert_non_null(obj);
        const lwm2m_resource_def *res = lwm2m_object_def_find_resource(obj, r->path.id[2]);
        assert_non_null(res);
        return res;
}

/* A value of the resource's type that every range in objects.d admits, for
 * mandatory resources that cannot be read back (Firmware Package). */
static lwm2m_value sample_value(const lwm2m_resource_def *res)
{
        lwm2m_value v = {0};
        switch (res->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
        case LWM2M_TYPE_OPAQUE:
                assert_int_equal(lwm2m_value_set_bytes(&v, res->type, "x", 1), 0);
                return v;
        case LWM2M_TYPE_INTEGER:
                return lwm2m_value_integer(1);
        case LWM2M_TYPE_UNSIGNED:
                return lwm2m_value_unsigned(1);
        case LWM2M_TYPE_FLOAT:
                return lwm2m_value_float(1);
        case LWM2M_TYPE_BOOLEAN:
                return lwm2m_value_boolean(false);
        case LWM2M_TYPE_TIME:
                return lwm2m_value_time(1);
        case LWM2M_TYPE_OBJLNK:
                return lwm2m_value_objlnk(0, 0);
        default:
                fail_msg("no sample for type %d", res->type);
                return v;
        }
}

/* Both reads hold the same values. */
static void assert_same_values(const lwm2m_record_list *a, const lwm2m_record_list *b,
                               const char *what)
{
        bool same = a->n == b->n;
        for (size_t i = 0; i < a->n && same; i++)
                same = lwm2m_path_equal(&a->items[i].path, &b->items[i].path) &&
                       lwm2m_value_equal(&a->items[i].value, &b->items[i].value);
        if (!same)
                fail_msg("%s: the instance changed (%zu records, then %zu)", what, a->n, b->n);
}

/* The readable values of `l` whose resources are writable and, if
 * `mandatory_only`, mandatory; minus resource `skip_rid` (-1: none); plus a
 * sample for every mandatory writable resource the read could not show. */
static void writable_records(dm_ctx *c, uint16_t oid, uint16_t iid, const lwm2m_record_list *l,
                             bool mandatory_only, int skip_rid, lwm2m_record_list *out)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(c->reg, oid);
        assert_non_null(obj);
        for (size_t i = 0; i < l->n; i++) {
                const lwm2m_record *r = &l->items[i];
                if (r->path.len < 3 || r->path.id[2] == skip_rid)
                        continue;
                const lwm2m_resource_def *res = record_def(c, r);
                if (!(res->operations & LWM2M_OP_WRITE) ||
                    (mandatory_only && !is_mandatory_writable(res)))
                        continue;
                assert_int_equal(lwm2m_record_list_add_value(out, &r->path, &r->value), 0);
        }
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                lwm2m_path p = lwm2m_path_resource(oid, iid, res->id);
                /* Readable ones came with the read, if they had a value. */
                if (!is_mandatory_writable(res) || res->id == skip_rid || res->multiple ||
                    (res->operations & LWM2M_OP_READ))
                        continue;
                lwm2m_value v = sample_value(res);
                assert_int_equal(lwm2m_record_list_add_value(out, &p, &v), 0);
                lwm2m_value_clear(&v);
        }
        lwm2m_record_list_sort(out);
}

/* What a Write-Replace of an instance must do, for an object with mandatory
 * writable resources: an empty replace (in three formats) and a replace
 * missing any one mandatory writable resource are refused with 4.00 and
 * change nothing; a replace with just the mandatory writable resources
 * succeeds, keeps the read-only ones and removes the optional writable ones,
 * `optional` (set first so that there is one to remove; NULL path when the
 * object has none) among them. The instance is put back as it was afterwards. */
static void check_instance_replace(dm_ctx *c, uint16_t oid, uint16_t iid, const char *optional_path,
                                   lwm2m_value optional)
{
        char path[32];
        snprintf(path, sizeof(path), "/%u/%u", oid, iid);
        const lwm2m_object_def *obj = lwm2m_registry_find(c->reg, oid);
        assert_non_null(obj);
        size_t n_mandatory = 0;
        for (size_t k = 0; k < obj->n_resources; k++)
                n_mandatory += is_mandatory_writable(&obj->resources[k]);
        assert_true(n_mandatory > 0);

        lwm2m_record_list orig = {0}, before = {0}, after = {0}, l = {0};
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &orig);
        if (optional_path) {
                add_value(&l, optional_path, optional);
                send_records(c, POST, path, LWM2M_FORMAT_SENML_CBOR, path, &l, CHANGED);
                lwm2m_record_list_free(&l);
        }
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &before);
        if (optional_path)
                assert_non_null(find(&before, optional_path));

        /* Empty: an Object Instance TLV without resources, SenML JSON [], LwM2M CBOR {}. */
        assert_true(iid < 256);
        const uint8_t empty_tlv[] = {0x00, (uint8_t)iid};
        expect_code(c, PUT, path, LWM2M_FORMAT_TLV, -1, empty_tlv, sizeof(empty_tlv), BAD_REQUEST);
        expect_str(c, PUT, path, LWM2M_FORMAT_SENML_JSON, "[]", BAD_REQUEST);
        expect_code(c, PUT, path, LWM2M_FORMAT_LWM2M_CBOR, -1, "\xa0", 1, BAD_REQUEST);
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &after);
        assert_same_values(&before, &after, "empty replace");
        lwm2m_record_list_free(&after);

        /* Each mandatory writable resource left out in turn, everything else given. */
        size_t f = 0;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (!is_mandatory_writable(res))
                        continue;
                writable_records(c, oid, iid, &before, false, res->id, &l);
                uint16_t fmt = (uint16_t)value_formats[f++ % 5];
                send_records(c, PUT, path, fmt, path, &l, BAD_REQUEST);
                lwm2m_record_list_free(&l);
                /* Refused for that reason, and the log says which resource. */
                char needle[256];
                snprintf(needle, sizeof(needle),
                         "%s: a replace must give every mandatory writable resource; "
                         "missing: %s (%u)\n",
                         path, res->name, res->id);
                if (!fixture_wait_log(&c->f, needle, 5000))
                        fail_msg("no log line \"%s\"", needle);
                read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &after);
                assert_same_values(&before, &after, "replace missing a mandatory resource");
                lwm2m_record_list_free(&after);
        }

        /* Complete: the mandatory writable resources only. */
        writable_records(c, oid, iid, &before, true, -1, &l);
        send_records(c, PUT, path, LWM2M_FORMAT_TLV, path, &l, CHANGED);
        lwm2m_record_list_free(&l);
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &after);
        if (optional_path)
                assert_null(find(&after, optional_path));
        for (size_t i = 0; i < before.n; i++) {
                const lwm2m_record *r = &before.items[i];
                const lwm2m_resource_def *res = record_def(c, r);
                const lwm2m_record *now = NULL;
                for (size_t j = 0; j < after.n && !now; j++)
                        if (lwm2m_path_equal(&after.items[j].path, &r->path))
                                now = &after.items[j];
                if ((res->operations & LWM2M_OP_WRITE) && !res->mandatory) {
                        assert_null(now); /* optional writable: gone */
                } else {
                        assert_non_null(now); /* read-only or mandatory: kept */
                        assert_true(lwm2m_value_equal(&now->value, &r->value));
                }
        }
        lwm2m_record_list_free(&after);

        /* Back as it was. */
        writable_records(c, oid, iid, &orig, false, -1, &l);
        if (l.n > 0)
                send_records(c, POST, path, LWM2M_FORMAT_SENML_CBOR, path, &l, CHANGED);
        lwm2m_record_list_free(&l);
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &after);
        assert_same_values(&orig, &after, "restored");
        lwm2m_record_list_free(&after);
        lwm2m_record_list_free(&before);
        lwm2m_record_list_free(&orig);
}

/* The first optional, readable, writable resource of an object (a resource
 * instance path for a multiple one), or false when it has none. */
static bool optional_writable(const lwm2m_object_def *obj, uint16_t iid, char *path, size_t size,
                              lwm2m_value *v)
{
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (res->mandatory || (res->operations & LWM2M_OP_EXECUTE) ||
                    (res->operations & (LWM2M_OP_READ | LWM2M_OP_WRITE)) !=
                            (LWM2M_OP_READ | LWM2M_OP_WRITE))
                        continue;
                snprintf(path, size, res->multiple ? "/%u/%u/%u/0" : "/%u/%u/%u", obj->id, iid,
                         res->id);
                *v = sample_value(res);
                return true;
        }
        return false;
}

/* An instance of `obj` to replace: the first one there is, or one created by
 * the server with a sample value for each mandatory writable resource
 * (*created set, for the caller to delete). */
static uint16_t instance_to_replace(dm_ctx *c, const lwm2m_object_def *obj, bool *created)
{
        char path[16];
        snprintf(path, sizeof(path), "/%u", obj->id);
        lwm2m_record_list l = {0};
        read_records(c, path, LWM2M_FORMAT_SENML_CBOR, &l);
        *created = l.n == 0;
        if (l.n > 0) {
                uint16_t iid = l.items[0].path.id[1];
                lwm2m_record_list_free(&l);
                return iid;
        }
        uint16_t iid = 0;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (!is_mandatory_writable(res))
                        continue;
                lwm2m_path p = lwm2m_path_resource(obj->id, iid, res->id);
                lwm2m_value v = sample_value(res);
                assert_int_equal(lwm2m_record_list_add_value(&l, &p, &v), 0);
                lwm2m_value_clear(&v);
        }
        char base[16];
        snprintf(base, sizeof(base), "/%u/%u", obj->id, iid);
        lwm2m_buf b = {0};
        encode(LWM2M_FORMAT_SENML_JSON, base, &l, &b);
        ts_response r = request(c, POST, path, LWM2M_FORMAT_SENML_JSON, -1, b.data, b.len);
        check_code(&r, CREATED, POST, path);
        ts_response_free(&r);
        lwm2m_buf_free(&b);
        lwm2m_record_list_free(&l);
        return iid;
}

/* The issue: an empty replace of /1/0 was answered 2.04 and left the Server
 * object with the default Lifetime and Binding. Now every object in objects.d
 * with mandatory writable resources (Server, Access Control, Firmware Update,
 * Actuation, Light Control, Addressable Text Display) refuses an incomplete
 * replace. Security (0) is checked apart: no management server may touch it. */
static void test_replace_needs_mandatory_resources(void **state)
{
        dm_ctx *c = *state;
        size_t checked = 0;
        bool server_checked = false;
        lwm2m_record_list server = {0};
        read_records(c, "/1/0", LWM2M_FORMAT_SENML_CBOR, &server);
        const lwm2m_record *lifetime = find(&server, "/1/0/1");
        assert_non_null(lifetime);
        assert_string_value(&server, "/1/0/7", "U");
        for (size_t i = 0; i < lwm2m_registry_count(c->reg); i++) {
                const lwm2m_object_def *obj = lwm2m_registry_at(c->reg, i);
                bool any = false;
                for (size_t k = 0; k < obj->n_resources; k++)
                        any = any || is_mandatory_writable(&obj->resources[k]);
                if (!any || obj->id == 0)
                        continue;
                bool created = false;
                uint16_t iid = instance_to_replace(c, obj, &created);
                char opt_path[32] = "";
                lwm2m_value opt = {0};
                bool has_opt = optional_writable(obj, iid, opt_path, sizeof(opt_path), &opt);
                fprintf(stderr, "# replace rules of /%u/%u (%s)\n", obj->id, iid, obj->name);
                check_instance_replace(c, obj->id, iid, has_opt ? opt_path : NULL, opt);
                lwm2m_value_clear(&opt);
                if (created) {
                        char path[32];
                        snprintf(path, sizeof(path), "/%u/%u", obj->id, iid);
                        expect_str(c, DELETE, path, -1, NULL, DELETED);
                }
                server_checked = server_checked || obj->id == 1;
                checked++;
        }
        assert_true(server_checked);
        assert_true(checked >= 6);
        /* The server is told why. */
        assert_true(fixture_wait_log(&c->f,
                                     "/1/0: a replace must give every mandatory writable "
                                     "resource; missing: Lifetime (1), Notification Storing When "
                                     "Disabled or Offline (6), Binding (7)",
                                     5000));
        /* And the registration kept its lifetime and binding throughout. */
        lwm2m_record_list now = {0};
        read_records(c, "/1/0", LWM2M_FORMAT_SENML_CBOR, &now);
        assert_int_value(&now, "/1/0/1", lifetime->value.i);
        assert_string_value(&now, "/1/0/7", "U");
        ts_registration *reg = ts_current(c->f.server);
        assert_non_null(reg);
        assert_int_equal(reg->lifetime, lifetime->value.i);
        assert_string_equal(reg->binding, "U");
        lwm2m_record_list_free(&now);
        lwm2m_record_list_free(&server);

        /* Security: refused to every management server, replace or not. */
        static const uint8_t empty_tlv[] = {0x00, 0x00};
        expect_code(c, PUT, "/0/0", LWM2M_FORMAT_TLV, -1, empty_tlv, sizeof(empty_tlv),
                    UNAUTHORIZED);
        expect_str(c, PUT, "/0/0", LWM2M_FORMAT_SENML_JSON,
                   "[{\"n\":\"/0/0/0\",\"vs\":\"coap://127.0.0.1:1\"}]", UNAUTHORIZED);
        expect_code(c, GET, "/0/0", -1, -1, NULL, 0, UNAUTHORIZED);
}

/* Device (3) has no mandatory writable resource, so any replace is complete
 * for the model; the daemon refuses writes to /3/0 (4.05) and nothing changes. */
static void test_replace_device_refused(void **state)
{
        dm_ctx *c = *state;
        lwm2m_record_list before = {0}, after = {0}, l = {0};
        read_records(c, "/3/0", LWM2M_FORMAT_SENML_CBOR, &before);
        static const uint8_t empty_tlv[] = {0x00, 0x00};
        expect_code(c, PUT, "/3/0", LWM2M_FORMAT_TLV, -1, empty_tlv, sizeof(empty_tlv),
                    NOT_ALLOWED);
        add_string(&l, "/3/0/15", "Europe/Paris");
        send_records(c, PUT, "/3/0", LWM2M_FORMAT_SENML_CBOR, "/3/0", &l, NOT_ALLOWED);
        lwm2m_record_list_free(&l);
        read_records(c, "/3/0", LWM2M_FORMAT_SENML_CBOR, &after);
        /* Every value that does not move by itself (the clock and Memory Free
         * do) is as it was. */
        assert_int_equal(before.n, after.n);
        for (size_t i = 0; i < before.n; i++) {
                const lwm2m_record *r = &before.items[i];
                assert_true(lwm2m_path_equal(&r->path, &after.items[i].path));
                if (r->value.type != LWM2M_TYPE_TIME && r->path.id[2] != 10)
                        assert_true(
                                lwm2m_value_equal(&before.items[i].value, &after.items[i].value));
        }
        assert_string_value(&after, "/3/0/0", "lwm2md tests");
        lwm2m_record_list_free(&before);
        lwm2m_record_list_free(&after);
}

/* ==== Block-wise ==== */

static char *pattern(size_t len, char seed)
{
        char *s = malloc(len + 1);
        assert_non_null(s);
        for (size_t i = 0; i < len; i++)
                s[i] = (char)('a' + (seed + i * 7 + i / 26) % 26);
        s[len] = 0;
        return s;
}

static void test_blockwise(void **state)
{
        dm_ctx *c = *state;
        /* A Create larger than one block (Block1), read back larger than one block (Block2). */
        char *text = pattern(3000, 1);
        lwm2m_record_list l = {0};
        add_string(&l, "/3341/0/5527", text);
        add_value(&l, "/3341/0/5531", lwm2m_value_float(50));
        lwm2m_buf b = {0};
        encode(LWM2M_FORMAT_SENML_JSON, "/3341", &l, &b);
        lwm2m_record_list_free(&l);
        assert_true(b.len > 3000);
        ts_response r = request(c, POST, "/3341", LWM2M_FORMAT_SENML_JSON, -1, b.data, b.len);
        lwm2m_buf_free(&b);
        check_code(&r, CREATED, POST, "/3341");
        assert_string_equal(r.location, "3341/0");
        ts_response_free(&r);
        r = read_ok(c, "/3341/0/5527", -1, LWM2M_FORMAT_TEXT);
        assert_int_equal(r.len, 3000);
        assert_memory_equal(r.payload, text, 3000);
        ts_response_free(&r);
        free(text);

        /* A Write larger than one block, in text and in TLV. */
        text = pattern(4500, 5);
        expect_str(c, PUT, "/3341/0/5527", LWM2M_FORMAT_TEXT, text, CHANGED);
        r = read_ok(c, "/3341/0/5527", LWM2M_FORMAT_TEXT, LWM2M_FORMAT_TEXT);
        assert_int_equal(r.len, 4500);
        assert_memory_equal(r.payload, text, 4500);
        ts_response_free(&r);
        free(text);

        text = pattern(2500, 9);
        add_string(&l, "/3341/0/5527", text);
        add_value(&l, "/3341/0/5528", lwm2m_value_integer(12));
        send_records(c, POST, "/3341/0", LWM2M_FORMAT_TLV, "/3341/0", &l, CHANGED);
        lwm2m_record_list_free(&l);
        /* The instance in every multi-value format, each over several blocks. */
        for (size_t f = 0; f < sizeof(value_formats) / sizeof(value_formats[0]); f++) {
                read_records(c, "/3341/0", value_formats[f], &l);
                assert_string_value(&l, "/3341/0/5527", text);
                assert_int_value(&l, "/3341/0/5528", 12);
                lwm2m_record_list_free(&l);
        }
        free(text);

        /* Write-Composite and Read-Composite requests larger than one block. */
        text = pattern(3500, 11);
        add_string(&l, "/3341/0/5527", text);
        add_value(&l, "/3341/0/5529", lwm2m_value_integer(77));
        send_records(c, IPATCH, "/", LWM2M_FORMAT_SENML_JSON, "/", &l, CHANGED);
        lwm2m_record_list_free(&l);
        lwm2m_buf req = {0};
        lwm2m_buf_append(&req, "[", 1);
        for (int i = 0; i < 150; i++)
                lwm2m_buf_printf(&req, "%s{\"n\":\"/3341/0/5527\"}", i ? "," : "");
        lwm2m_buf_printf(&req, ",{\"n\":\"/3341/0/5529\"}]");
        assert_true(req.len > 2048);
        r = request(c, FETCH, "/", LWM2M_FORMAT_SENML_JSON, LWM2M_FORMAT_SENML_CBOR, req.data,
                    req.len);
        lwm2m_buf_free(&req);
        check_code(&r, CONTENT, FETCH, "/");
        decode(c, &r, "/", &l);
        ts_response_free(&r);
        assert_int_equal(l.n, 2);
        assert_string_value(&l, "/3341/0/5527", text);
        assert_int_value(&l, "/3341/0/5529", 77);
        lwm2m_record_list_free(&l);
        free(text);

        /* Over the largest value the daemon stores: 4.13, and the old value stays. */
        size_t big = (size_t)1024 * 1024 + 1;
        text = pattern(big, 3);
        expect_code(c, PUT, "/3341/0/5527", LWM2M_FORMAT_TEXT, -1, text, big, C(4, 13));
        free(text);
        r = read_ok(c, "/3341/0/5527", -1, LWM2M_FORMAT_TEXT);
        assert_int_equal(r.len, 3500);
        ts_response_free(&r);
        /* Well over a block, well under the limit. */
        text = pattern(100000, 4);
        expect_str(c, PUT, "/3341/0/5527", LWM2M_FORMAT_TEXT, text, CHANGED);
        r = read_ok(c, "/3341/0/5527", LWM2M_FORMAT_SENML_CBOR, LWM2M_FORMAT_SENML_CBOR);
        decode(c, &r, "/3341/0/5527", &l);
        ts_response_free(&r);
        assert_string_value(&l, "/3341/0/5527", text);
        lwm2m_record_list_free(&l);
        free(text);

        /* Another request right after still works. */
        expect_text(c, "/3/0/0", "lwm2md tests");
}

/* ==== An LwM2M 1.0 server ==== */

static void test_lwm2m10_default_formats(void **state)
{
        dm_ctx *c = *state;
        ts_registration *reg = ts_current(c->f.server);
        assert_non_null(reg);
        assert_string_equal(reg->version, "1.0");
        /* TLV is 1.0's multi-value format; text for single values. */
        const char *multi[] = {"/3", "/3/0", "/3/0/11"};
        for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
                lwm2m_record_list l = {0};
                ts_response r = read_ok(c, multi[i], -1, LWM2M_FORMAT_TLV);
                decode(c, &r, multi[i], &l);
                ts_response_free(&r);
                assert_int_value(&l, "/3/0/11/0", 0);
                if (i < 2)
                        assert_string_value(&l, "/3/0/0", "lwm2md tests");
                lwm2m_record_list_free(&l);
        }
        expect_text(c, "/3/0/0", "lwm2md tests");
        ts_response r = read_ok(c, "/3/0/0", -1, LWM2M_FORMAT_TEXT);
        ts_response_free(&r);
        /* Writes in TLV and text. */
        static const uint8_t tlv[] = {0xC1, 0x02, 0x05};
        expect_code(c, PUT, "/1/0/2", LWM2M_FORMAT_TLV, -1, tlv, sizeof(tlv), CHANGED);
        expect_text(c, "/1/0/2", "5");
}

/* The engine's side of Observe, end to end in its simplest form (test_observe.c has
 * every attribute, format and failure): a change is notified with a growing Observe
 * number each time. */
static void test_observe_basic(void **state)
{
        dm_ctx *c = *state;
        ts_response r;
        assert_int_equal(ts_request(c->f.server, GET, "/1/0/1", -1, -1, 0, NULL, 0, 5000, &r), 0);
        assert_int_equal(r.code, CONTENT);
        assert_true(r.observe >= 0);
        int first = r.observe;
        ts_response_free(&r);
        expect_str(c, PUT, "/1/0/1", 0, "301", CHANGED);
        assert_int_equal(ts_wait_notification(c->f.server, 5000, &r), 0);
        assert_int_equal(r.code, CONTENT);
        assert_true(r.observe > first);
        assert_int_equal(r.content_format, 0);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.payload, "301", 3);
        int second = r.observe;
        ts_response_free(&r);
        expect_str(c, PUT, "/1/0/1", 0, "300", CHANGED);
        assert_int_equal(ts_wait_notification(c->f.server, 5000, &r), 0);
        assert_true(r.observe > second);
        assert_memory_equal(r.payload, "300", 3);
        ts_response_free(&r);
}

int main(void)
{
        const struct CMUnitTest reads[] = {
                cmocka_unit_test(test_read_default_formats),
                cmocka_unit_test(test_read_every_format),
                cmocka_unit_test(test_read_bytes),
                cmocka_unit_test(test_read_errors),
                cmocka_unit_test(test_read_object_without_instances),
                cmocka_unit_test(test_discover),
                cmocka_unit_test(test_write_attributes),
                cmocka_unit_test(test_observe_basic),
                cmocka_unit_test(test_execute),
        };
        const struct CMUnitTest writes[] = {
                cmocka_unit_test(test_write_resource_text),
                cmocka_unit_test(test_write_resource_formats),
                cmocka_unit_test(test_write_instance_replace_and_update),
                cmocka_unit_test(test_write_handwritten_payloads),
                cmocka_unit_test(test_write_resource_instances),
                cmocka_unit_test(test_write_errors),
                cmocka_unit_test(test_create_and_delete),
                cmocka_unit_test(test_read_composite),
                cmocka_unit_test(test_write_composite),
                cmocka_unit_test(test_value_types_round_trip),
                cmocka_unit_test(test_write_non_finite_float_refused),
                cmocka_unit_test(test_replace_needs_mandatory_resources),
                cmocka_unit_test(test_replace_device_refused),
                cmocka_unit_test(test_blockwise),
        };
        int failed = cmocka_run_group_tests_name("dm-read", reads, group_setup, group_teardown);
        failed += cmocka_run_group_tests_name("dm-write", writes, group_setup, group_teardown);
        const struct CMUnitTest v10[] = {
                cmocka_unit_test(test_lwm2m10_default_formats),
        };
        failed += cmocka_run_group_tests_name("dm-lwm2m-1.0", v10, group_setup_lwm2m10,
                                              group_teardown);
        return failed;
}
