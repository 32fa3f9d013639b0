/* test_acl.c - integration: Access Control (object 2) of the real daemon with two
 * servers (rights from [access-control] sections, creator rights, templates) and without. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"
#include "model/ddf.h"
#include "model/oma.h"
#include "model/record.h"

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
};

#define GET    COAP_REQUEST_CODE_GET
#define PUT    COAP_REQUEST_CODE_PUT
#define POST   COAP_REQUEST_CODE_POST
#define DELETE COAP_REQUEST_CODE_DELETE

/* Server A (short ID 1) may read, write and execute the Device object and create
 * Temperature instances; B (short ID 2) may only read the Device object. */
static const char two_servers_acl[] = "[access-control 3/0]\n"
                                      "acl = 1:RWE, 2:R\n"
                                      "[access-control 3303]\n"
                                      "acl = 1:C\n";

/* Templates: every Temperature instance a local service adds: A may read and
 * write it, every other server read it; every other object's instances (the
 * Device object's): A may read them. */
static const char templates_acl[] = "[access-control 3303/*]\n"
                                    "acl = 1:RW, default:R\n"
                                    "[access-control */*]\n"
                                    "acl = 1:R\n";

typedef struct ctx {
        daemon_fixture f;
        ts_server *b; /* the second server; f.server is A */
        lwm2m_registry *reg;
        fixture_bus bus; /* with_bus: the daemon is on this private bus */
        bool with_bus;
} ctx;

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

/* The daemon with server A, and B too when `second`; `sections` go into its
 * file; on a private D-Bus when `with_bus`. */
static int start_on(void **state, bool second, const char *sections, bool with_bus)
{
        ctx *c = calloc(1, sizeof(*c));
        if (!c || fixture_init(&c->f) < 0)
                return -1;
        *state = c;
        const char *args[] = {"--bus", NULL, NULL};
        if (with_bus) {
                char log[400];
                snprintf(log, sizeof(log), "%s/dbus-daemon.log", c->f.dir);
                if (fixture_bus_start(&c->bus, SOURCE_ROOT "/tests/integration/dbus-test.conf",
                                      log) < 0)
                        return -1;
                c->with_bus = true;
                args[1] = c->bus.address;
        }
        c->reg = lwm2m_registry_new();
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        if (!c->reg || ddf_load_dirs(c->reg, dirs, 1, NULL, NULL, NULL) < 0)
                return -1;
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        c->f.server = ts_new(&cfg);
        if (!c->f.server || (second && !(c->b = ts_new(&cfg))))
                return -1;
        char extra[2048];
        int n = snprintf(extra, sizeof(extra),
                         "[server a]\nuri = %s\nshort-id = 1\nlifetime = 300\nretry-timer = 1\n",
                         ts_uri(c->f.server));
        if (second)
                n += snprintf(extra + n, sizeof(extra) - (size_t)n,
                              "[server b]\nuri = %s\nshort-id = 2\nlifetime = 300\n"
                              "retry-timer = 1\n",
                              ts_uri(c->b));
        snprintf(extra + n, sizeof(extra) - (size_t)n, "%s", sections);
        if (fixture_write_config(&c->f, extra) < 0 ||
            fixture_start_daemon(&c->f, with_bus ? args : NULL) < 0)
                return -1;
        if (!ts_wait_register(c->f.server, 0, 15000) ||
            (c->b && !ts_wait_register(c->b, 0, 15000))) {
                fprintf(stderr, "the daemon did not register\n");
                fixture_print_log(&c->f, 3000);
                return -1;
        }
        if (with_bus && !fixture_wait_log(&c->f, "on D-Bus as org.lwm2md1", 5000))
                return -1;
        return 0;
}

static int start(void **state, bool second, const char *sections)
{
        return start_on(state, second, sections, false);
}

static int setup_templates(void **state)
{
        return start_on(state, true, templates_acl, true);
}

static int setup_two(void **state)
{
        return start(state, true, two_servers_acl);
}

/* The same sections with one server: Access Control does not apply. */
static int setup_one(void **state)
{
        return start(state, false, "[access-control 3/0]\nacl = 1:R\n");
}

static int teardown(void **state)
{
        ctx *c = *state;
        if (!c)
                return 0;
        int rc = fixture_stop_checked(&c->f);
        fixture_cleanup(&c->f);
        if (c->with_bus)
                fixture_bus_stop(&c->bus);
        if (c->b)
                ts_free(c->b);
        lwm2m_registry_free(c->reg);
        free(c);
        return rc;
}

/* ---- requests ---- */

static ts_response request(ts_server *s, coap_pdu_code_t method, const char *path, int cf,
                           int accept, const char *payload)
{
        ts_response r;
        int err = ts_request(s, method, path, cf, accept, -1, payload,
                             payload ? strlen(payload) : 0, 10000, &r);
        if (err != 0)
                fprintf(stderr, "request %s failed: %s\n", path, strerror(-err));
        assert_int_equal(err, 0);
        return r;
}

static void expect(ts_server *s, coap_pdu_code_t method, const char *path, int cf,
                   const char *payload, uint8_t code)
{
        ts_response r = request(s, method, path, cf, -1, payload);
        if (r.code != code) {
                char got[8], want[8];
                fprintf(stderr, "method %d %s: %s, expected %s\n", (int)method, path,
                        ts_code_str(r.code, got), ts_code_str(code, want));
        }
        assert_int_equal(r.code, code);
        ts_response_free(&r);
}

/* Reads `path` as SenML JSON and decodes it. */
static void read_records(ctx *c, ts_server *s, const char *path, lwm2m_record_list *out)
{
        ts_response r = request(s, GET, path, -1, LWM2M_FORMAT_SENML_JSON, NULL);
        assert_int_equal(r.code, CONTENT);
        lwm2m_path base;
        assert_int_equal(lwm2m_path_parse(path, &base), 0);
        lwm2m_resolver res = {.resource = resolve, .userdata = c->reg};
        assert_int_equal(
                lwm2m_format_decode(LWM2M_FORMAT_SENML_JSON, &base, r.payload, r.len, &res, out),
                0);
        ts_response_free(&r);
}

static const lwm2m_value *value_at(const lwm2m_record_list *l, lwm2m_path p)
{
        for (size_t i = 0; i < l->n; i++)
                if (lwm2m_path_equal(&l->items[i].path, &p))
                        return &l->items[i].value;
        return NULL;
}

/* The Access Control instance for /oid/iid as server `s` reads /2, or -1; its owner. */
static int find_acl(ctx *c, ts_server *s, uint16_t oid, uint16_t iid, int64_t *owner)
{
        lwm2m_record_list l = {0};
        read_records(c, s, "/2", &l);
        int found = -1;
        for (size_t i = 0; i < l.n && found < 0; i++) {
                uint16_t x = l.items[i].path.id[1];
                const lwm2m_value *o = value_at(&l, lwm2m_path_resource(2, x, LWM2M_ACL_OBJECT_ID));
                const lwm2m_value *n =
                        value_at(&l, lwm2m_path_resource(2, x, LWM2M_ACL_INSTANCE_ID));
                const lwm2m_value *w = value_at(&l, lwm2m_path_resource(2, x, LWM2M_ACL_OWNER));
                if (o && n && w && o->i == oid && n->i == iid) {
                        found = x;
                        *owner = w->i;
                }
        }
        lwm2m_record_list_free(&l);
        return found;
}

/* How many instances of `object` server `s` gets in an object Read. */
static size_t instances_read(ctx *c, ts_server *s, const char *object)
{
        lwm2m_record_list l = {0};
        read_records(c, s, object, &l);
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++)
                if (i == 0 || l.items[i].path.id[1] != l.items[i - 1].path.id[1])
                        n++;
        lwm2m_record_list_free(&l);
        return n;
}

/* ---- two servers ---- */

/* B has R on /3/0, A R, W and E (Core TS 7.3.2.2: Unauthorized before Method Not
 * Allowed). The Device object's owner refuses every server Write (the clock is
 * timedated's), so A's Writes get past Access Control to a 4.05; Writes that
 * succeed are in test_create_owner_delete. */
static void test_write_execute(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server, *b = c->b;
        expect(a, GET, "/3/0/0", -1, NULL, CONTENT);
        expect(b, GET, "/3/0/0", -1, NULL, CONTENT);
        expect(b, PUT, "/3/0/14", LWM2M_FORMAT_TEXT, "+02:00", UNAUTHORIZED);
        expect(a, PUT, "/3/0/14", LWM2M_FORMAT_TEXT, "+02:30", BAD_REQUEST);
        /* A read-only resource: no right for B, no such operation for A. */
        expect(b, PUT, "/3/0/0", LWM2M_FORMAT_TEXT, "x", UNAUTHORIZED);
        expect(a, PUT, "/3/0/0", LWM2M_FORMAT_TEXT, "x", NOT_ALLOWED);
        /* Reset Error Code. */
        expect(b, POST, "/3/0/12", -1, NULL, UNAUTHORIZED);
        expect(a, POST, "/3/0/12", -1, NULL, CHANGED);
        /* The Security object stays out of reach as before. */
        expect(a, GET, "/0", -1, NULL, UNAUTHORIZED);
        expect(b, GET, "/0/0", -1, NULL, UNAUTHORIZED);
}

/* Each server manages its own Server instance only (/1/0 is A's, /1/1 B's). */
static void test_own_server_instance(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server, *b = c->b;
        expect(a, GET, "/1/0/1", -1, NULL, CONTENT);
        expect(b, GET, "/1/1/1", -1, NULL, CONTENT);
        expect(a, GET, "/1/1/1", -1, NULL, UNAUTHORIZED);
        expect(b, PUT, "/1/0/1", LWM2M_FORMAT_TEXT, "600", UNAUTHORIZED);
        expect(b, PUT, "/1/1/1", LWM2M_FORMAT_TEXT, "300", CHANGED);
        int64_t owner = 0;
        assert_true(find_acl(c, a, 1, 0, &owner) >= 0);
        assert_int_equal(owner, 1);
        assert_true(find_acl(c, b, 1, 1, &owner) >= 0);
        assert_int_equal(owner, 2);
        assert_int_equal(instances_read(c, a, "/1"), 1);
        assert_int_equal(instances_read(c, b, "/1"), 1);
}

/* Create needs the C right in the object's Access Control instance; the creator
 * owns what it made, the other server may do nothing with it until given rights. */
static void test_create_owner_delete(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server, *b = c->b;
        const char *body = "[{\"bn\":\"/3303/4/\",\"n\":\"5750\",\"vs\":\"attic\"}]";
        expect(b, POST, "/3303", LWM2M_FORMAT_SENML_JSON, body, UNAUTHORIZED);
        int64_t owner = 0;
        assert_int_equal(find_acl(c, a, 3303, 4, &owner), -1);
        expect(a, POST, "/3303", LWM2M_FORMAT_SENML_JSON, body, CREATED);
        /* Read /2 shows it, to both. */
        int acl = find_acl(c, a, 3303, 4, &owner);
        assert_true(acl >= 0);
        assert_int_equal(owner, 1);
        assert_int_equal(find_acl(c, b, 3303, 4, &owner), acl);

        expect(a, GET, "/3303/4/5750", -1, NULL, CONTENT);
        expect(a, PUT, "/3303/4/5750", LWM2M_FORMAT_TEXT, "cellar", CHANGED);
        expect(b, GET, "/3303/4", -1, NULL, UNAUTHORIZED);
        expect(b, GET, "/3303/4/5750", -1, NULL, UNAUTHORIZED);
        expect(b, PUT, "/3303/4/5750", LWM2M_FORMAT_TEXT, "x", UNAUTHORIZED);
        expect(b, PUT, "/3303/4?pmin=5", -1, NULL, UNAUTHORIZED);
        expect(b, DELETE, "/3303/4", -1, NULL, UNAUTHORIZED);
        /* Observe is a Read; Discover needs no right (Core TS 7.3.2). */
        ts_response r;
        unsigned handle = 1;
        assert_int_equal(ts_observe(b, "/3303/4/5750", -1, 10000, &r, &handle), 0);
        assert_int_equal(r.code, UNAUTHORIZED);
        assert_int_equal(handle, 0);
        ts_response_free(&r);
        r = request(b, GET, "/3303/4", -1, LWM2M_FORMAT_LINK, NULL);
        assert_int_equal(r.code, CONTENT);
        ts_response_free(&r);
        /* An object Read holds only what the server may read. */
        assert_int_equal(instances_read(c, a, "/3303"), 1);
        assert_int_equal(instances_read(c, b, "/3303"), 0);

        /* Only the owner manages the Access Control instance: A gives B Read. */
        char path[32], grant[64];
        snprintf(path, sizeof(path), "/2/%d", acl);
        snprintf(grant, sizeof(grant), "[{\"n\":\"/2/%d/2/2\",\"v\":1}]", acl);
        expect(b, POST, path, LWM2M_FORMAT_SENML_JSON, grant, UNAUTHORIZED);
        expect(b, POST, "/2", LWM2M_FORMAT_SENML_JSON, grant, UNAUTHORIZED);
        expect(b, DELETE, path, -1, NULL, UNAUTHORIZED);
        expect(a, POST, path, LWM2M_FORMAT_SENML_JSON, grant, CHANGED);
        expect(b, GET, "/3303/4/5750", -1, NULL, CONTENT);
        assert_int_equal(instances_read(c, b, "/3303"), 1);
        expect(b, PUT, "/3303/4/5750", LWM2M_FORMAT_TEXT, "x", UNAUTHORIZED);
        expect(b, DELETE, "/3303/4", -1, NULL, UNAUTHORIZED);
        /* B observes; once A takes Read back, B's next notification ends it (7.3.2.5). */
        assert_int_equal(ts_observe(b, "/3303/4/5750", -1, 10000, &r, &handle), 0);
        assert_int_equal(r.code, CONTENT);
        assert_true(handle > 0);
        ts_response_free(&r);
        char revoke[64];
        snprintf(revoke, sizeof(revoke), "[{\"n\":\"/2/%d/2/2\",\"v\":0}]", acl);
        expect(a, POST, path, LWM2M_FORMAT_SENML_JSON, revoke, CHANGED);
        expect(b, GET, "/3303/4/5750", -1, NULL, UNAUTHORIZED);
        expect(a, PUT, "/3303/4/5750", LWM2M_FORMAT_TEXT, "garage", CHANGED);
        ts_notification note;
        assert_int_equal(ts_wait_observation(b, handle, 10000, &note), 0);
        assert_int_equal(note.resp.code, UNAUTHORIZED);
        ts_notification_free(&note);

        /* The owner deletes it, and its Access Control instance goes too. */
        expect(a, DELETE, "/3303/4", -1, NULL, DELETED);
        assert_int_equal(find_acl(c, a, 3303, 4, &owner), -1);
        expect(a, GET, path, -1, NULL, C(4, 4));
        /* The object's own one stays: A creates again, B still may not. */
        assert_true(find_acl(c, a, 3303, 65535, &owner) >= 0);
        assert_int_equal(owner, 65535);
        expect(b, POST, "/3303", LWM2M_FORMAT_SENML_JSON, body, UNAUTHORIZED);
}

/* Nobody creates Access Control instances; a Device object Read without the
 * rights to Write-Attributes on it. */
static void test_access_control_object(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server, *b = c->b;
        const char *acl = "[{\"bn\":\"/2/9/\",\"n\":\"0\",\"v\":3},{\"n\":\"1\",\"v\":0},"
                          "{\"n\":\"3\",\"v\":1}]";
        expect(a, POST, "/2", LWM2M_FORMAT_SENML_JSON, acl, UNAUTHORIZED);
        /* The configured instance for /3/0 is the bootstrap's: nobody writes it. */
        int64_t owner = 0;
        int dev = find_acl(c, a, 3, 0, &owner);
        assert_true(dev >= 0);
        assert_int_equal(owner, 65535);
        char path[32];
        snprintf(path, sizeof(path), "/2/%d/2/2", dev);
        expect(a, PUT, path, LWM2M_FORMAT_TEXT, "3", UNAUTHORIZED);
        /* Write-Attributes needs Read: B has it on /3/0. */
        expect(b, PUT, "/3/0/13?pmin=10", -1, NULL, CHANGED);
}

/* ---- templates ---- */

/* A local service on the daemon's bus, with its own connection: served on a
 * thread once its instance is added, so that the daemon's questions about server
 * writes get an answer (no Owner interface: UnknownObject, which accepts them). */
typedef struct provider {
        sd_bus *bus;
        pthread_t thread;
        atomic_bool stop;
} provider;

static void *provider_serve(void *arg)
{
        provider *p = arg;
        while (!atomic_load(&p->stop)) {
                int r = sd_bus_process(p->bus, NULL);
                if (r < 0)
                        break;
                if (r == 0)
                        sd_bus_wait(p->bus, 100000);
        }
        return NULL;
}

/* Adds a Temperature instance with ID 65535 (the daemon chooses it): its ID. */
static int provider_add_temperature(provider *p, const char *address)
{
        assert_true(sd_bus_new(&p->bus) >= 0);
        assert_true(sd_bus_set_address(p->bus, address) >= 0);
        assert_true(sd_bus_set_bus_client(p->bus, true) >= 0);
        assert_true(sd_bus_start(p->bus) >= 0);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(p->bus, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                   "AddInstance", &error, &reply, "qqa{qv}", 3303, 65535, 2, 5700,
                                   "d", 21.5, 5750, "s", "porch");
        if (r < 0)
                fail_msg("AddInstance: %s", error.message);
        const char *path = NULL;
        assert_true(sd_bus_message_read(reply, "o", &path) >= 0);
        const char *prefix = "/org/lwm2md1/object/3303/";
        assert_int_equal(strncmp(path, prefix, strlen(prefix)), 0);
        int iid = atoi(path + strlen(prefix));
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        assert_int_equal(pthread_create(&p->thread, NULL, provider_serve, p), 0);
        return iid;
}

/* The provider exits: its connection closes, and the daemon removes what it added. */
static void provider_leave(provider *p)
{
        atomic_store(&p->stop, true);
        pthread_join(p->thread, NULL);
        sd_bus_flush_close_unref(p->bus);
        p->bus = NULL;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* [access-control 3303 with a star]: the instance a provider adds under an ID the
 * daemon chooses gets its Access Control instance, which goes when the provider
 * does; the Device object, there at start-up, gets the one for every object. */
static void test_provider_instance_template(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server, *b = c->b;
        provider p = {0};
        int iid = provider_add_temperature(&p, c->bus.address);
        char instance[32], resource[48];
        snprintf(instance, sizeof(instance), "/3303/%d", iid);
        snprintf(resource, sizeof(resource), "/3303/%d/5750", iid);
        expect(a, PUT, resource, LWM2M_FORMAT_TEXT, "cellar", CHANGED);
        expect(a, GET, resource, -1, NULL, CONTENT);
        expect(b, GET, resource, -1, NULL, CONTENT);
        expect(b, PUT, resource, LWM2M_FORMAT_TEXT, "attic", UNAUTHORIZED);
        /* Neither has Delete: the instance is the provider's. */
        expect(a, DELETE, instance, -1, NULL, UNAUTHORIZED);
        expect(b, DELETE, instance, -1, NULL, UNAUTHORIZED);
        int64_t owner = 0;
        int acl = find_acl(c, b, 3303, (uint16_t)iid, &owner);
        assert_true(acl >= 0);
        assert_int_equal(owner, 65535);
        /* Nobody but a bootstrap server changes it. */
        char entry[32];
        snprintf(entry, sizeof(entry), "/2/%d/2/2", acl);
        expect(a, PUT, entry, LWM2M_FORMAT_TEXT, "3", UNAUTHORIZED);
        expect(a, GET, "/3/0/0", -1, NULL, CONTENT);
        expect(b, GET, "/3/0/0", -1, NULL, UNAUTHORIZED);

        provider_leave(&p);
        for (int64_t end = now_ms() + 10000;
             find_acl(c, a, 3303, (uint16_t)iid, &owner) >= 0 && now_ms() < end;)
                usleep(50000);
        assert_int_equal(find_acl(c, a, 3303, (uint16_t)iid, &owner), -1);
        expect(a, GET, instance, -1, NULL, NOT_FOUND);
        char acl_path[32];
        snprintf(acl_path, sizeof(acl_path), "/2/%d", acl);
        expect(b, GET, acl_path, -1, NULL, NOT_FOUND);
        /* The Device object's stays. */
        assert_true(find_acl(c, a, 3, 0, &owner) >= 0);
        fixture_assert_clean_log(&c->f);
}

/* ---- one server ---- */

/* With one server the [access-control] sections change nothing (Core TS 7.3.2.1):
 * the section gives server 1 only R on /3/0, yet its Write meets the Device
 * object's owner (4.00 for an offset with no zone, not 4.01) and its Execute is done. */
static void test_single_server_unaffected(void **state)
{
        ctx *c = *state;
        ts_server *a = c->f.server;
        expect(a, PUT, "/3/0/14", LWM2M_FORMAT_TEXT, "+01:30", BAD_REQUEST);
        expect(a, POST, "/3/0/12", -1, NULL, CHANGED);
        const char *body = "[{\"bn\":\"/3303/1/\",\"n\":\"5750\",\"vs\":\"hall\"}]";
        expect(a, POST, "/3303", LWM2M_FORMAT_SENML_JSON, body, CREATED);
        int64_t owner = 0;
        /* No creator instance, and no Server instance one either. */
        assert_int_equal(find_acl(c, a, 3303, 1, &owner), -1);
        assert_int_equal(find_acl(c, a, 1, 0, &owner), -1);
        assert_true(find_acl(c, a, 3, 0, &owner) >= 0);
        expect(a, DELETE, "/3303/1", -1, NULL, DELETED);
        expect(a, GET, "/0", -1, NULL, UNAUTHORIZED);
}

int main(void)
{
        const struct CMUnitTest two[] = {
                cmocka_unit_test(test_write_execute),
                cmocka_unit_test(test_own_server_instance),
                cmocka_unit_test(test_create_owner_delete),
                cmocka_unit_test(test_access_control_object),
        };
        const struct CMUnitTest one[] = {
                cmocka_unit_test(test_single_server_unaffected),
        };
        const struct CMUnitTest templates[] = {
                cmocka_unit_test(test_provider_instance_template),
        };
        int failed = cmocka_run_group_tests_name("acl-two-servers", two, setup_two, teardown);
        failed +=
                cmocka_run_group_tests_name("acl-templates", templates, setup_templates, teardown);
        failed += cmocka_run_group_tests_name("acl-one-server", one, setup_one, teardown);
        return failed;
}
