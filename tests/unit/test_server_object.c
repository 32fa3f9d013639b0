/* test_server_object.c - the Server object's behaviour (objects/server.c): lifetime and
 * binding checks; Update Trigger, Disable, Bootstrap-Request Trigger handed on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/owner.h"
#include "model/request.h"
#include "objects/server.h"

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *requests;
        server_object *obj;
        const lwm2m_owner *owner;
        /* What happened, in order: 'u' update, 'd' disable, 'b' bootstrap, 'r' reply. */
        char events[8];
        size_t n_events;
        uint16_t short_id;
        uint64_t seconds;
        int reply_error;
        int bootstrap_error; /* what the bootstrap action returns */
} fixture;

static void event(fixture *f, char what)
{
        assert_true(f->n_events < sizeof(f->events) - 1);
        f->events[f->n_events++] = what;
}

static int on_update(void *userdata, uint16_t short_id)
{
        fixture *f = userdata;
        event(f, 'u');
        f->short_id = short_id;
        return 0;
}

static int on_disable(void *userdata, uint16_t short_id, uint64_t seconds)
{
        fixture *f = userdata;
        event(f, 'd');
        f->short_id = short_id;
        f->seconds = seconds;
        return 0;
}

static int on_bootstrap(void *userdata, uint16_t short_id)
{
        fixture *f = userdata;
        event(f, 'b');
        f->short_id = short_id;
        return f->bootstrap_error;
}

/* A request's completion: 'r' for an accepted one (a refusal is the return value). */
static void on_done(void *userdata, const lwm2m_request_result *res)
{
        fixture *f = userdata;
        if (res->error == 0)
                event(f, 'r');
        f->reply_error = res->error;
}

/* Puts a request to the Server object's owner as a server would. */
static int run(fixture *f, lwm2m_request_spec *spec)
{
        spec->origin = (lwm2m_origin){.kind = LWM2M_ORIGIN_SERVER, .short_id = 7};
        spec->done = on_done;
        spec->userdata = f;
        f->reply_error = 1;
        assert_null(lwm2m_request_start(f->requests, spec));
        assert_int_not_equal(f->reply_error, 1);
        return f->reply_error;
}

static void put(fixture *f, uint16_t iid, uint16_t rid, lwm2m_value v)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, rid);
        lwm2m_record rec = {.path = p, .value = v};
        assert_int_equal(lwm2m_tree_write(f->tree, &p, &rec, 1, LWM2M_WRITE_UPDATE, NULL, NULL, 0),
                         0);
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_true(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL) >= 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        f->requests = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(f->requests);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, 0, NULL, NULL), 0);
        put(f, 0, LWM2M_SRV_SHORT_ID, lwm2m_value_integer(7));
        put(f, 0, LWM2M_SRV_DISABLE_TIMEOUT, lwm2m_value_integer(30));
        /* An instance without a Short Server ID. */
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, 1, NULL, NULL), 0);
        server_object_actions actions = {.update = on_update,
                                         .disable = on_disable,
                                         .bootstrap = on_bootstrap,
                                         .userdata = f};
        f->obj = server_object_new(f->tree, &actions);
        assert_non_null(f->obj);
        assert_int_equal(server_object_own(f->obj, 0), 0);
        assert_int_equal(server_object_own(f->obj, 1), 0);
        f->owner = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_SERVER, 0);
        assert_non_null(f->owner);
        assert_non_null(f->owner->ops);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        lwm2m_requests_free(f->requests);
        server_object_free(f->obj);
        /* It gave its instances up. */
        assert_null(lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_SERVER, 0));
        assert_null(lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_SERVER, 1));
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        free(f);
        return 0;
}

static int execute(fixture *f, uint16_t iid, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, rid);
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_EXECUTE, .path = p};
        return run(f, &spec);
}

static void test_update_trigger(void **state)
{
        fixture *f = *state;
        assert_int_equal(execute(f, 0, LWM2M_SRV_UPDATE_TRIGGER), 0);
        assert_string_equal(f->events, "ur");
        assert_int_equal(f->short_id, 7);
        assert_int_equal(f->reply_error, 0);
}

static void test_disable_after_answer(void **state)
{
        fixture *f = *state;
        assert_int_equal(execute(f, 0, LWM2M_SRV_DISABLE), 0);
        /* The answer first, then the De-register. */
        /* The owner answers before it disables; the request completes when the
         * owner's operation has returned. */
        assert_string_equal(f->events, "dr");
        assert_int_equal(f->short_id, 7);
        assert_int_equal(f->seconds, 30);
}

/* Bootstrap-Request Trigger: started, then answered; refused when it cannot start. */
static void test_bootstrap_trigger(void **state)
{
        fixture *f = *state;
        assert_int_equal(execute(f, 0, LWM2M_SRV_BOOTSTRAP_TRIGGER), 0);
        assert_string_equal(f->events, "br");
        assert_int_equal(f->short_id, 7);
        f->bootstrap_error = -EPERM;
        assert_int_equal(execute(f, 0, LWM2M_SRV_BOOTSTRAP_TRIGGER), -EPERM);
        assert_string_equal(f->events, "brb");
}

static void test_other_executes_refused(void **state)
{
        fixture *f = *state;
        assert_int_equal(execute(f, 0, LWM2M_SRV_LIFETIME), -EPERM);
        /* No Short Server ID: no server to act on. */
        assert_int_equal(execute(f, 1, LWM2M_SRV_UPDATE_TRIGGER), -ENOENT);
        assert_int_equal(f->n_events, 0);
}

static int write_one(fixture *f, uint16_t rid, lwm2m_value v)
{
        lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_SERVER, 0);
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE, .path = base, .mode = LWM2M_WRITE_UPDATE};
        lwm2m_path rp = lwm2m_path_resource(LWM2M_OBJ_SERVER, 0, rid);
        assert_int_equal(lwm2m_record_list_add_value(&spec.records, &rp, &v), 0);
        return run(f, &spec);
}

static int write_binding(fixture *f, const char *binding)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, binding, strlen(binding)), 0);
        int r = write_one(f, LWM2M_SRV_BINDING, v);
        lwm2m_value_clear(&v);
        return r;
}

static void test_write_checks(void **state)
{
        fixture *f = *state;
        assert_int_equal(write_one(f, LWM2M_SRV_LIFETIME, lwm2m_value_integer(0)), -EINVAL);
        assert_int_equal(write_one(f, LWM2M_SRV_LIFETIME, lwm2m_value_integer(-5)), -EINVAL);
        assert_int_equal(write_one(f, LWM2M_SRV_LIFETIME, lwm2m_value_unsigned(1ull << 32)),
                         -EINVAL);
        assert_int_equal(write_binding(f, "T"), -EINVAL);
        assert_int_equal(write_binding(f, "QU"), -EINVAL);
        assert_int_equal(write_binding(f, "UQS"), -EINVAL);
        assert_int_equal(write_binding(f, ""), -EINVAL);
        assert_int_equal(f->n_events, 0);

        assert_int_equal(write_one(f, LWM2M_SRV_LIFETIME, lwm2m_value_integer(240)), 0);
        assert_int_equal(write_binding(f, "UQ"), 0);
        assert_string_equal(f->events, "rr");
        assert_int_equal(f->reply_error, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_update_trigger, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disable_after_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_trigger, setup, teardown),
                cmocka_unit_test_setup_teardown(test_other_executes_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_checks, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
