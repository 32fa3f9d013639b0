/* test_request.c - unit tests for the request lifecycle (model/request): owners that
 * answer at once, later, never or twice, deadlines, cancellation, composite writes, Create. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_count.h"

#include "model/ddf.h"
#include "model/request.h"
#include "util/macro.h"

enum {
        OID_GADGET = 9000,
        R_LEVEL = 0,  /* Integer, RW, -10..10 */
        R_LABEL = 1,  /* String, RW */
        R_SERIAL = 2, /* Integer, R */
        R_RESET = 3,  /* executable */
        TIMEOUT_MS = 1000,
        INITIAL_LEVEL = 1,
};

static const char gadget_ddf[] =
        "<LWM2M><Object ObjectType=\"MODefinition\"><Name>Gadget</Name>"
        "<ObjectID>9000</ObjectID><MultipleInstances>Multiple</MultipleInstances><Resources>"
        "<Item ID=\"0\"><Name>Level</Name><Operations>RW</Operations><Type>Integer</Type>"
        "<RangeEnumeration>-10..10</RangeEnumeration></Item>"
        "<Item ID=\"1\"><Name>Label</Name><Operations>RW</Operations><Type>String</Type></Item>"
        "<Item ID=\"2\"><Name>Serial</Name><Operations>R</Operations><Type>Integer</Type></Item>"
        "<Item ID=\"3\"><Name>Reset</Name><Operations>E</Operations><Type></Type></Item>"
        "</Resources></Object></LWM2M>";

/* ---- allocations, counted for the whole process (alloc_count.c) ---- */

static unsigned long allocations_from;

static void count_allocations(void)
{
        assert_true(alloc_count_available());
        allocations_from = alloc_count();
}

static unsigned long allocations_since(void)
{
        return alloc_count() - allocations_from;
}

/* ---- a test owner: records every question, answers as the case says ---- */

typedef enum answer_how {
        ANSWER_LATER,    /* keeps the handle: the test answers, or never does */
        ANSWER_AT_ONCE,  /* lwm2m_ask_reply before returning */
        ANSWER_TWICE,    /* lwm2m_ask_reply twice before returning */
        REFUSE_AT_ONCE,  /* returns `error` */
        REMOVE_INSTANCE, /* deletes the instance it is asked about, and keeps the handle */
} answer_how;

#define MAX_ASKS 8

typedef struct question {
        lwm2m_request_kind kind;
        lwm2m_ask ask;
        lwm2m_path path;
        size_t n_recs;
        int64_t level_then; /* the Level stored at the path's instance when asked, or -99 */
} question;

typedef struct test_owner {
        lwm2m_owner owner;
        answer_how how;
        int error; /* the answer, or the refusal */
        const lwm2m_tree *tree;
        question asked[MAX_ASKS];
        size_t n_asked;
        lwm2m_ask cancelled[MAX_ASKS];
        size_t n_cancelled;
        char args[16];
        size_t n_predicates; /* calls of refreshes */
} test_owner;

static int64_t level_in(const lwm2m_tree *t, uint16_t iid)
{
        lwm2m_path p = lwm2m_path_resource(OID_GADGET, iid, R_LEVEL);
        const lwm2m_value *v = lwm2m_tree_get(t, &p);
        return v ? v->i : -99;
}

static int take(test_owner *o, lwm2m_request_kind kind, const lwm2m_path *p, size_t n,
                lwm2m_ask ask)
{
        assert_true(o->n_asked < MAX_ASKS);
        o->asked[o->n_asked++] = (question){
                .kind = kind,
                .ask = ask,
                .path = *p,
                .n_recs = n,
                .level_then = level_in(o->tree, p->id[1]),
        };
        switch (o->how) {
        case ANSWER_LATER:
                return 0;
        case ANSWER_AT_ONCE:
                lwm2m_ask_reply(ask, o->error);
                return 0;
        case ANSWER_TWICE:
                lwm2m_ask_reply(ask, o->error);
                lwm2m_ask_reply(ask, o->error == 0 ? -EPERM : 0);
                return 0;
        case REFUSE_AT_ONCE:
                return o->error;
        case REMOVE_INSTANCE:
                assert_int_equal(
                        lwm2m_tree_delete_instance((lwm2m_tree *)o->tree, p->id[0], p->id[1], NULL),
                        0);
                return 0;
        }
        fail();
        return 0;
}

static int owner_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                       lwm2m_write_mode mode, lwm2m_ask ask)
{
        (void)mode;
        for (size_t i = 0; i < n; i++)
                assert_true(lwm2m_path_starts_with(&recs[i].path, base));
        return take(userdata, LWM2M_REQUEST_WRITE, base, n, ask);
}

static int owner_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                         size_t args_len, lwm2m_ask ask)
{
        test_owner *o = userdata;
        assert_true(args_len < sizeof(o->args));
        memset(o->args, 0, sizeof(o->args));
        if (args_len > 0)
                memcpy(o->args, args, args_len);
        return take(o, LWM2M_REQUEST_EXECUTE, resource, 0, ask);
}

static int owner_create(void *userdata, const lwm2m_path *instance, const lwm2m_record *recs,
                        size_t n, lwm2m_ask ask)
{
        for (size_t i = 0; i < n; i++)
                assert_int_equal(recs[i].path.id[1], instance->id[1]);
        return take(userdata, LWM2M_REQUEST_CREATE, instance, n, ask);
}

static int owner_remove(void *userdata, const lwm2m_path *instance, lwm2m_ask ask)
{
        return take(userdata, LWM2M_REQUEST_DELETE, instance, 0, ask);
}

static int owner_refresh(void *userdata, const lwm2m_path *path, lwm2m_ask ask)
{
        return take(userdata, LWM2M_REQUEST_READ, path, 0, ask);
}

static void owner_cancel(void *userdata, lwm2m_ask ask)
{
        test_owner *o = userdata;
        assert_true(o->n_cancelled < MAX_ASKS);
        o->cancelled[o->n_cancelled++] = ask;
}

static const lwm2m_owner_ops full_ops = {
        .write = owner_write,
        .execute = owner_execute,
        .create = owner_create,
        .remove = owner_remove,
        .refresh = owner_refresh,
        .cancel = owner_cancel,
};

/* Level changes by itself (a sensor's reading); Label and Serial do not. */
static bool owner_refreshes(void *userdata, const lwm2m_path *path)
{
        test_owner *o = userdata;
        o->n_predicates++;
        return path->len < LWM2M_PATH_RESOURCE || path->id[2] == R_LEVEL;
}

static const lwm2m_owner_ops predicate_ops = {
        .write = owner_write,
        .refresh = owner_refresh,
        .refreshes = owner_refreshes,
        .cancel = owner_cancel,
};

/* An owner that executes nothing (the default refusal). */
static const lwm2m_owner_ops no_execute_ops = {
        .write = owner_write,
        .cancel = owner_cancel,
};

static void owner_init(test_owner *o, const lwm2m_owner_ops *ops, const char *name,
                       const lwm2m_tree *t)
{
        *o = (test_owner){.owner = {.ops = ops, .userdata = o, .name = name}, .tree = t};
}

static void assert_same_ask(lwm2m_ask a, lwm2m_ask b)
{
        assert_ptr_equal(a.requests, b.requests);
        assert_true(a.id == b.id);
}

/* ---- what the requests' callers and the tree's listeners see ---- */

typedef struct done_log {
        size_t n;
        int error;
        char why[256];
        uint16_t iid;
} done_log;

static void on_done(void *userdata, const lwm2m_request_result *res)
{
        done_log *d = userdata;
        d->n++;
        d->error = res->error;
        d->iid = res->iid;
        assert_non_null(res->why);
        snprintf(d->why, sizeof(d->why), "%s", res->why);
}

typedef struct seen_log {
        size_t values, added, removed;
        lwm2m_path last_instance;
        lwm2m_path last_paths[4];
        size_t last_n_paths;
        const void *last_origin;
        int64_t level_when_added; /* read from inside the listener */
} seen_log;

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *q;
        uint64_t now;
        uint64_t armed[32];
        size_t n_armed;
        size_t n_logged;
        char logged[256];
        test_owner a, b; /* of /9000/0 and /9000/1 */
        seen_log seen;
        done_log done;
        int tag; /* the origin's tag */
} fixture;

static void on_change(void *userdata, const lwm2m_change *c)
{
        fixture *f = userdata;
        seen_log *s = &f->seen;
        s->last_instance = c->instance;
        s->last_origin = c->origin;
        s->last_n_paths = c->n_paths;
        for (size_t i = 0; i < c->n_paths && i < ELEMENTSOF(s->last_paths); i++)
                s->last_paths[i] = c->paths[i];
        switch (c->kind) {
        case LWM2M_CHANGE_VALUES:
                s->values++;
                break;
        case LWM2M_CHANGE_INSTANCE_ADDED:
                s->added++;
                s->level_when_added = level_in(f->tree, c->instance.id[1]);
                break;
        case LWM2M_CHANGE_INSTANCE_REMOVED:
                s->removed++;
                break;
        }
}

static uint64_t clock_now(void *userdata)
{
        fixture *f = userdata;
        return f->now;
}

static void clock_arm(void *userdata, uint64_t deadline_ms)
{
        fixture *f = userdata;
        assert_true(f->n_armed < ELEMENTSOF(f->armed));
        f->armed[f->n_armed++] = deadline_ms;
}

static void log_line(void *userdata, int priority, const char *message)
{
        fixture *f = userdata;
        (void)priority;
        f->n_logged++;
        snprintf(f->logged, sizeof(f->logged), "%s", message);
}

static void set_level(fixture *f, uint16_t iid, int64_t level)
{
        lwm2m_path p = lwm2m_path_resource(OID_GADGET, iid, R_LEVEL);
        lwm2m_value v = lwm2m_value_integer(level);
        char why[256];
        assert_int_equal(lwm2m_tree_set(f->tree, &p, &v, NULL, why, sizeof(why)), 0);
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        assert_int_equal(
                ddf_load_buffer(f->reg, "gadget.xml", gadget_ddf, strlen(gadget_ddf), NULL, NULL),
                1);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        owner_init(&f->a, &full_ops, "gadget-a", f->tree);
        owner_init(&f->b, &full_ops, "gadget-b", f->tree);
        for (uint16_t iid = 0; iid < 2; iid++) {
                assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_GADGET, iid, NULL, NULL),
                                 0);
                set_level(f, iid, INITIAL_LEVEL);
        }
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_GADGET, 0, &f->a.owner), 0);
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_GADGET, 1, &f->b.owner), 0);
        const lwm2m_request_timer timer = {.now_ms = clock_now, .arm = clock_arm, .userdata = f};
        const lwm2m_log log = {.fn = log_line, .userdata = f};
        f->q = lwm2m_requests_new(f->tree, &timer, &log, TIMEOUT_MS);
        assert_non_null(f->q);
        assert_int_equal(lwm2m_tree_add_listener(f->tree, on_change, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        lwm2m_requests_free(f->q);
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        free(f);
        return 0;
}

static lwm2m_request_spec spec_of(fixture *f, lwm2m_request_kind kind, lwm2m_origin_kind origin,
                                  lwm2m_path path, done_log *d)
{
        return (lwm2m_request_spec){
                .kind = kind,
                .origin = {.kind = origin, .short_id = 101, .tag = &f->tag},
                .path = path,
                .mode = LWM2M_WRITE_UPDATE,
                .done = on_done,
                .userdata = d,
        };
}

static void add_int(lwm2m_request_spec *s, lwm2m_path p, int64_t i)
{
        lwm2m_value v = lwm2m_value_integer(i);
        assert_int_equal(lwm2m_record_list_add_value(&s->records, &p, &v), 0);
}

/* Writes Level of /9000/iid, as a partial update of the instance. */
static lwm2m_request *write_level(fixture *f, lwm2m_origin_kind origin, uint16_t iid, int64_t level,
                                  done_log *d)
{
        lwm2m_request_spec s =
                spec_of(f, LWM2M_REQUEST_WRITE, origin, lwm2m_path_instance(OID_GADGET, iid), d);
        add_int(&s, lwm2m_path_resource(OID_GADGET, iid, R_LEVEL), level);
        lwm2m_request *r = lwm2m_request_start(f->q, &s);
        /* The records were taken. */
        assert_int_equal(s.records.n, 0);
        assert_null(s.records.items);
        return r;
}

static int64_t level(fixture *f, uint16_t iid)
{
        return level_in(f->tree, iid);
}

static size_t events(const fixture *f)
{
        return f->seen.values + f->seen.added + f->seen.removed;
}

/* ---- one owner, one write ---- */

static void test_accept_at_once(void **state)
{
        fixture *f = *state;
        f->a.how = ANSWER_AT_ONCE;
        assert_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(level(f, 0), 5);

        /* Asked before the commit, with its records. */
        assert_int_equal(f->a.n_asked, 1);
        assert_int_equal(f->a.asked[0].kind, LWM2M_REQUEST_WRITE);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &(lwm2m_path){{OID_GADGET, 0}, 2}));
        assert_int_equal(f->a.asked[0].n_recs, 1);
        assert_int_equal(f->a.asked[0].level_then, INITIAL_LEVEL);
        assert_int_equal(f->a.n_cancelled, 0);
        assert_int_equal(f->b.n_asked, 0);

        /* Told once, with the writer's tag. */
        assert_int_equal(f->seen.values, 1);
        assert_int_equal(events(f), 1);
        assert_ptr_equal(f->seen.last_origin, &f->tag);
        assert_int_equal(f->seen.last_n_paths, 1);
        assert_true(lwm2m_path_equal(&f->seen.last_paths[0],
                                     &(lwm2m_path){{OID_GADGET, 0, R_LEVEL}, 3}));
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
        assert_int_equal(f->n_armed, 0); /* nothing ever waited */
}

static void test_accept_later(void **state)
{
        fixture *f = *state;
        lwm2m_request *r = write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done);
        assert_non_null(r);
        assert_int_equal(f->done.n, 0);
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(events(f), 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 1);
        assert_int_equal(f->a.n_asked, 1);

        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(level(f, 0), 5);
        assert_int_equal(f->seen.values, 1);
        assert_int_equal(events(f), 1);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
        assert_int_equal(f->a.n_cancelled, 0);
}

static void test_refuse_at_once(void **state)
{
        fixture *f = *state;
        f->a.how = REFUSE_AT_ONCE;
        f->a.error = -EPERM;
        assert_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -EPERM);
        assert_non_null(strstr(f->done.why, "gadget-a refused the Write"));
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(events(f), 0);
        /* An owner that refused at once is not told to stop thinking. */
        assert_int_equal(f->a.n_cancelled, 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
}

static void test_refuse_later(void **state)
{
        fixture *f = *state;
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));
        lwm2m_ask_reply(f->a.asked[0].ask, -EINVAL);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -EINVAL);
        assert_non_null(strstr(f->done.why, "gadget-a refused the Write"));
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(events(f), 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
}

static void test_never_answers(void **state)
{
        fixture *f = *state;
        f->now = 50;
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));

        f->now = 50 + TIMEOUT_MS - 1;
        lwm2m_requests_expire(f->q);
        assert_int_equal(f->done.n, 0);
        assert_int_equal(f->a.n_cancelled, 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 1);

        f->now = 50 + TIMEOUT_MS;
        lwm2m_requests_expire(f->q);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -ETIMEDOUT);
        assert_non_null(strstr(f->done.why, "1000 ms"));
        assert_int_equal(f->a.n_cancelled, 1);
        assert_same_ask(f->a.cancelled[0], f->a.asked[0].ask);
        assert_int_equal(f->n_logged, 1);
        assert_non_null(strstr(f->logged, "did not answer a Write"));
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);

        /* The answer after the deadline changes nothing. */
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(events(f), 0);
        assert_int_equal(f->n_logged, 2);
        assert_non_null(strstr(f->logged, "no longer asked"));
        f->now += 10 * TIMEOUT_MS;
        lwm2m_requests_expire(f->q);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->a.n_cancelled, 1);
}

static void test_answers_twice(void **state)
{
        fixture *f = *state;
        /* At once: accepts, then refuses. */
        f->a.how = ANSWER_TWICE;
        assert_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(level(f, 0), 5);
        assert_int_equal(f->seen.values, 1);

        /* Later: refuses, then accepts. */
        f->a.how = ANSWER_LATER;
        done_log d = {0};
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 7, &d));
        lwm2m_ask_reply(f->a.asked[1].ask, -EPERM);
        lwm2m_ask_reply(f->a.asked[1].ask, 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.error, -EPERM);
        assert_int_equal(level(f, 0), 5);
        assert_int_equal(f->seen.values, 1);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->a.n_cancelled, 0);
}

static void test_instance_removed_while_waiting(void **state)
{
        fixture *f = *state;
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &f->done));
        /* Another instance going changes nothing. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_GADGET, 1, NULL), 0);
        assert_int_equal(f->done.n, 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 1);

        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_GADGET, 0, NULL), 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -ENOENT);
        assert_non_null(strstr(f->done.why, "/9000/0 was removed"));
        assert_int_equal(f->a.n_cancelled, 1);
        assert_same_ask(f->a.cancelled[0], f->a.asked[0].ask);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);

        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_GADGET, 0));
        assert_int_equal(f->seen.values, 0);
}

/* The owner removes the instance from inside its own callback, while the
 * request is still being planned: one completion, -ENOENT, nobody else asked. */
static void test_instance_removed_by_owner_while_asked(void **state)
{
        fixture *f = *state;
        f->a.how = REMOVE_INSTANCE;
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                                       (lwm2m_path){.len = 0}, &f->done);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL), 3);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), 4);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -ENOENT);
        assert_int_equal(f->b.n_asked, 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
        /* A late answer to the handle it kept is ignored. */
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_not_equal(level_in(f->tree, 1), 4);
}

/* A Write-Composite waits on the owners of several instances: losing any of
 * them ends it, and every owner still asked is told (the owner of the removed
 * instance may be gone right after). */
static void test_instance_removed_while_composite_waits(void **state)
{
        fixture *f = *state;
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                                       (lwm2m_path){.len = 0}, &f->done);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL), 3);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), 4);
        assert_non_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->a.n_asked, 1);
        assert_int_equal(f->b.n_asked, 1);

        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_GADGET, 1, NULL), 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -ENOENT);
        assert_non_null(strstr(f->done.why, "/9000/1 was removed"));
        assert_int_equal(f->a.n_cancelled, 1);
        assert_same_ask(f->a.cancelled[0], f->a.asked[0].ask);
        assert_int_equal(f->b.n_cancelled, 1);
        assert_same_ask(f->b.cancelled[0], f->b.asked[0].ask);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);

        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        lwm2m_ask_reply(f->b.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(f->seen.values, 0);
}

/* ---- giving up ---- */

static void test_cancel(void **state)
{
        fixture *f = *state;
        lwm2m_request *r = write_level(f, LWM2M_ORIGIN_LOCAL, 0, 5, &f->done);
        assert_non_null(r);
        lwm2m_request_cancel(r);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, -ECANCELED);
        assert_non_null(strstr(f->done.why, "cancelled"));
        assert_int_equal(f->a.n_cancelled, 1);
        assert_same_ask(f->a.cancelled[0], f->a.asked[0].ask);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);

        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(events(f), 0);
}

static void test_cancel_group(void **state)
{
        fixture *f = *state;
        static const char group1 = 1, group2 = 2, group3 = 3;
        done_log d[3] = {{0}};
        const void *groups[3] = {&group1, &group1, &group2};
        const uint16_t iids[3] = {0, 1, 0};
        for (size_t i = 0; i < 3; i++) {
                lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                                               lwm2m_path_instance(OID_GADGET, iids[i]), &d[i]);
                add_int(&s, lwm2m_path_resource(OID_GADGET, iids[i], R_LEVEL), (int64_t)i + 5);
                s.group = groups[i];
                assert_non_null(lwm2m_request_start(f->q, &s));
        }
        assert_int_equal(lwm2m_requests_waiting(f->q), 3);

        lwm2m_requests_cancel_group(f->q, &group3);
        assert_int_equal(lwm2m_requests_waiting(f->q), 3);

        lwm2m_requests_cancel_group(f->q, &group1);
        assert_int_equal(d[0].n, 1);
        assert_int_equal(d[0].error, -ECANCELED);
        assert_int_equal(d[1].n, 1);
        assert_int_equal(d[1].error, -ECANCELED);
        assert_int_equal(d[2].n, 0);
        assert_int_equal(lwm2m_requests_waiting(f->q), 1);
        assert_int_equal(f->a.n_cancelled, 1);
        assert_same_ask(f->a.cancelled[0], f->a.asked[0].ask);
        assert_int_equal(f->b.n_cancelled, 1);
        assert_same_ask(f->b.cancelled[0], f->b.asked[0].ask);

        /* The other group's request still goes through. */
        lwm2m_ask_reply(f->a.asked[1].ask, 0);
        assert_int_equal(d[2].n, 1);
        assert_int_equal(d[2].error, 0);
        assert_int_equal(level(f, 0), 7);
        assert_int_equal(level(f, 1), INITIAL_LEVEL);
        assert_int_equal(d[0].n, 1);
        assert_int_equal(d[1].n, 1);
}

static void test_free_with_requests_waiting(void **state)
{
        fixture *f = *state;
        done_log d0 = {0}, d1 = {0};
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &d0));
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 1, 6, &d1));
        lwm2m_requests_free(f->q);
        f->q = NULL;
        assert_int_equal(d0.n, 1);
        assert_int_equal(d0.error, -ECANCELED);
        assert_int_equal(d1.n, 1);
        assert_int_equal(d1.error, -ECANCELED);
        assert_int_equal(f->a.n_cancelled, 1);
        assert_int_equal(f->b.n_cancelled, 1);
        assert_int_equal(level(f, 0), INITIAL_LEVEL);
        assert_int_equal(level(f, 1), INITIAL_LEVEL);
        /* The set no longer listens: the tree changes without it (ASAN would
         * see a listener left behind). */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_GADGET, 0, NULL), 0);
        assert_int_equal(f->seen.removed, 1);
        assert_int_equal(d0.n, 1);
}

/* ---- who is asked ---- */

static void test_owner_and_daemon_not_asked(void **state)
{
        fixture *f = *state;
        f->a.how = REFUSE_AT_ONCE;
        f->a.error = -EPERM;
        done_log d[5] = {{0}};

        assert_null(write_level(f, LWM2M_ORIGIN_OWNER, 0, 5, &d[0]));
        assert_int_equal(d[0].error, 0);
        assert_int_equal(level(f, 0), 5);
        assert_null(write_level(f, LWM2M_ORIGIN_DAEMON, 0, 6, &d[1]));
        assert_int_equal(d[1].error, 0);
        assert_int_equal(level(f, 0), 6);
        assert_int_equal(f->seen.values, 2);

        /* The owner pushes a reading into its read-only resource. */
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_OWNER,
                                       lwm2m_path_resource(OID_GADGET, 0, R_SERIAL), &d[2]);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_SERIAL), 1234);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[2].error, 0);
        lwm2m_path serial = lwm2m_path_resource(OID_GADGET, 0, R_SERIAL);
        assert_int_equal(lwm2m_tree_get(f->tree, &serial)->i, 1234);

        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_OWNER, serial, &d[3]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[3].error, 0);
        s = spec_of(f, LWM2M_REQUEST_DELETE, LWM2M_ORIGIN_DAEMON,
                    lwm2m_path_instance(OID_GADGET, 0), &d[4]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[4].error, 0);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_GADGET, 0));
        assert_int_equal(f->a.n_asked, 0);
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);

        /* A local caller that is not the owner is asked, and refused. */
        f->b.how = REFUSE_AT_ONCE;
        f->b.error = -EPERM;
        done_log refused = {0};
        assert_null(write_level(f, LWM2M_ORIGIN_LOCAL, 1, 8, &refused));
        assert_int_equal(f->b.n_asked, 1);
        assert_int_equal(refused.n, 1);
        assert_int_equal(refused.error, -EPERM);
        assert_int_equal(level(f, 1), INITIAL_LEVEL);
}

static void test_composite_two_owners(void **state)
{
        fixture *f = *state;
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                                       (lwm2m_path){.len = 0}, &f->done);
        /* Out of order on purpose: each owner gets its own records only. */
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), 4);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL), 3);
        lwm2m_value label = {0};
        assert_int_equal(lwm2m_value_set_string(&label, "both", 4), 0);
        lwm2m_path label_path = lwm2m_path_resource(OID_GADGET, 0, R_LABEL);
        assert_int_equal(lwm2m_record_list_add_value(&s.records, &label_path, &label), 0);
        lwm2m_value_clear(&label);
        assert_non_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->done.n, 0);

        assert_int_equal(f->a.n_asked, 1);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &(lwm2m_path){{OID_GADGET, 0}, 2}));
        assert_int_equal(f->a.asked[0].n_recs, 2);
        assert_int_equal(f->b.n_asked, 1);
        assert_true(lwm2m_path_equal(&f->b.asked[0].path, &(lwm2m_path){{OID_GADGET, 1}, 2}));
        assert_int_equal(f->b.asked[0].n_recs, 1);

        lwm2m_ask_reply(f->b.asked[0].ask, 0);
        assert_int_equal(f->done.n, 0);
        assert_int_equal(level(f, 1), INITIAL_LEVEL);
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(level(f, 0), 3);
        assert_int_equal(level(f, 1), 4);
        assert_int_equal(f->seen.values, 2); /* one change per instance */

        /* One refusal refuses the whole, whichever answers first. */
        done_log d = {0};
        s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_LOCAL, (lwm2m_path){.len = 0}, &d);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL), 8);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), 9);
        assert_non_null(lwm2m_request_start(f->q, &s));
        lwm2m_ask_reply(f->b.asked[1].ask, -EPERM);
        lwm2m_ask_reply(f->a.asked[1].ask, 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.error, -EPERM);
        assert_non_null(strstr(d.why, "gadget-b"));
        assert_int_equal(level(f, 0), 3);
        assert_int_equal(level(f, 1), 4);
        assert_int_equal(f->seen.values, 2);

        /* Refused at once by the first: the second is not asked at all. */
        done_log d2 = {0};
        f->a.how = REFUSE_AT_ONCE;
        f->a.error = -EACCES;
        s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER, (lwm2m_path){.len = 0}, &d2);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL), -1);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), -2);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->b.n_asked, 2);
        assert_int_equal(d2.n, 1);
        assert_int_equal(d2.error, -EACCES);
        assert_int_equal(level(f, 0), 3);
        assert_int_equal(level(f, 1), 4);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
}

/* A record outside the written path, or a refused value, ends the request
 * before any owner is asked. */
static void test_write_checked_before_asking(void **state)
{
        fixture *f = *state;
        done_log d[3] = {{0}};
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                                       lwm2m_path_instance(OID_GADGET, 0), &d[0]);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), 2);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[0].error, -EBADMSG);

        assert_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 11, &d[1]));
        assert_int_equal(d[1].error, -ERANGE);
        assert_non_null(strstr(d[1].why, "Level"));

        s = spec_of(f, LWM2M_REQUEST_WRITE, LWM2M_ORIGIN_SERVER,
                    lwm2m_path_resource(OID_GADGET, 0, R_SERIAL), &d[2]);
        add_int(&s, lwm2m_path_resource(OID_GADGET, 0, R_SERIAL), 1);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[2].error, -EPERM);

        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
        assert_int_equal(f->a.n_asked + f->b.n_asked, 0);
        assert_int_equal(events(f), 0);
}

/* ---- Create ---- */

static lwm2m_request_spec create_spec(fixture *f, lwm2m_origin_kind origin, lwm2m_path path,
                                      int64_t lvl, done_log *d)
{
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_CREATE, origin, path, d);
        /* Any instance ID in the records: the request sets the one it makes. */
        add_int(&s, lwm2m_path_resource(OID_GADGET, 500, R_LEVEL), lvl);
        lwm2m_value label = {0};
        assert_int_equal(lwm2m_value_set_string(&label, "new", 3), 0);
        lwm2m_path label_path = lwm2m_path_resource(OID_GADGET, 500, R_LABEL);
        assert_int_equal(lwm2m_record_list_add_value(&s.records, &label_path, &label), 0);
        lwm2m_value_clear(&label);
        return s;
}

static void test_create_asks_object_owner(void **state)
{
        fixture *f = *state;
        test_owner c;
        owner_init(&c, &full_ops, "gadgets", f->tree);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, &c.owner), 0);

        lwm2m_request_spec s =
                create_spec(f, LWM2M_ORIGIN_SERVER, lwm2m_path_object(OID_GADGET), 7, &f->done);
        assert_non_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(c.n_asked, 1);
        assert_int_equal(c.asked[0].kind, LWM2M_REQUEST_CREATE);
        assert_true(lwm2m_path_equal(&c.asked[0].path, &(lwm2m_path){{OID_GADGET, 2}, 2}));
        assert_int_equal(c.asked[0].n_recs, 2);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_GADGET, 2));
        assert_int_equal(events(f), 0);

        lwm2m_ask_reply(c.asked[0].ask, 0);
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(f->done.iid, 2);
        assert_int_equal(f->seen.added, 1);
        assert_int_equal(events(f), 1);
        assert_true(lwm2m_path_equal(&f->seen.last_instance, &(lwm2m_path){{OID_GADGET, 2}, 2}));
        assert_ptr_equal(f->seen.last_origin, &f->tag);
        assert_int_equal(f->seen.level_when_added, 7);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_GADGET, 2), &c.owner);
        lwm2m_path label = lwm2m_path_resource(OID_GADGET, 2, R_LABEL);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &label);
        assert_non_null(v);
        assert_int_equal(v->buf.len, 3);
        assert_memory_equal(v->buf.data, "new", 3);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_GADGET, 500));

        /* A chosen ID, accepted at once. */
        c.how = ANSWER_AT_ONCE;
        done_log d = {0};
        s = create_spec(f, LWM2M_ORIGIN_SERVER, lwm2m_path_instance(OID_GADGET, 40), -3, &d);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d.n, 1);
        assert_int_equal(d.error, 0);
        assert_int_equal(d.iid, 40);
        assert_true(lwm2m_path_equal(&c.asked[1].path, &(lwm2m_path){{OID_GADGET, 40}, 2}));
        assert_int_equal(level(f, 40), -3);
        assert_int_equal(f->seen.added, 2);
        assert_int_equal(f->seen.level_when_added, -3);

        /* An existing ID is refused before the owner is asked. */
        done_log dup = {0};
        s = create_spec(f, LWM2M_ORIGIN_SERVER, lwm2m_path_instance(OID_GADGET, 0), 1, &dup);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(dup.n, 1);
        assert_int_equal(dup.error, -EEXIST);
        assert_int_equal(c.n_asked, 2);
        assert_int_equal(f->seen.added, 2);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, NULL), 0);
}

static void test_create_refused_leaves_nothing(void **state)
{
        fixture *f = *state;
        test_owner c;
        owner_init(&c, &full_ops, "gadgets", f->tree);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, &c.owner), 0);
        done_log d[4] = {{0}};

        /* An invalid value: the owner is not even asked. */
        lwm2m_request_spec s =
                create_spec(f, LWM2M_ORIGIN_SERVER, lwm2m_path_object(OID_GADGET), 11, &d[0]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[0].error, -ERANGE);
        assert_non_null(strstr(d[0].why, "Level"));
        assert_int_equal(c.n_asked, 0);

        /* Refused later. */
        s = create_spec(f, LWM2M_ORIGIN_SERVER, lwm2m_path_object(OID_GADGET), 5, &d[1]);
        assert_non_null(lwm2m_request_start(f->q, &s));
        lwm2m_ask_reply(c.asked[0].ask, -EPERM);
        assert_int_equal(d[1].error, -EPERM);
        assert_non_null(strstr(d[1].why, "gadgets refused the Create"));

        /* Refused at once. */
        c.how = REFUSE_AT_ONCE;
        c.error = -EACCES;
        s = create_spec(f, LWM2M_ORIGIN_LOCAL, lwm2m_path_object(OID_GADGET), 5, &d[2]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[2].error, -EACCES);
        assert_int_equal(c.n_asked, 2);

        /* An object that is not defined. */
        s = spec_of(f, LWM2M_REQUEST_CREATE, LWM2M_ORIGIN_SERVER, lwm2m_path_object(4242), &d[3]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[3].error, -ENOENT);

        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
        assert_int_equal(events(f), 0);
        assert_int_equal(lwm2m_tree_instance_count(f->tree, OID_GADGET), 2);
        assert_int_equal(lwm2m_tree_free_instance_id(f->tree, OID_GADGET), 2);
        assert_int_equal(lwm2m_requests_waiting(f->q), 0);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, NULL), 0);
}

static void test_create_with_explicit_owner(void **state)
{
        fixture *f = *state;
        test_owner c, provider;
        owner_init(&c, &full_ops, "gadgets", f->tree);
        owner_init(&provider, &full_ops, "provider", f->tree);
        c.how = provider.how = REFUSE_AT_ONCE;
        c.error = provider.error = -EPERM;
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, &c.owner), 0);

        lwm2m_request_spec s =
                create_spec(f, LWM2M_ORIGIN_LOCAL, lwm2m_path_object(OID_GADGET), 2, &f->done);
        s.owner = &provider.owner;
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->done.n, 1);
        assert_int_equal(f->done.error, 0);
        assert_int_equal(f->done.iid, 2);
        assert_int_equal(c.n_asked + provider.n_asked, 0);
        assert_ptr_equal(lwm2m_tree_get_owner(f->tree, OID_GADGET, 2), &provider.owner);
        assert_int_equal(level(f, 2), 2);
        assert_int_equal(f->seen.added, 1);
        assert_int_equal(lwm2m_tree_set_object_owner(f->tree, OID_GADGET, NULL), 0);
}

/* ---- Execute, Read, Delete ---- */

static lwm2m_request *execute(fixture *f, lwm2m_origin_kind origin, lwm2m_path path,
                              const char *args, done_log *d)
{
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_EXECUTE, origin, path, d);
        s.args = (const uint8_t *)args;
        s.args_len = args ? strlen(args) : 0;
        return lwm2m_request_start(f->q, &s);
}

static void test_execute(void **state)
{
        fixture *f = *state;
        f->a.how = ANSWER_AT_ONCE;
        done_log d[6] = {{0}};
        lwm2m_path reset0 = lwm2m_path_resource(OID_GADGET, 0, R_RESET);

        assert_null(execute(f, LWM2M_ORIGIN_SERVER, reset0, "0='now'", &d[0]));
        assert_int_equal(d[0].error, 0);
        assert_int_equal(f->a.n_asked, 1);
        assert_int_equal(f->a.asked[0].kind, LWM2M_REQUEST_EXECUTE);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &reset0));
        assert_string_equal(f->a.args, "0='now'");

        /* Put to the owner whoever asks, even the owner itself; its refusal counts. */
        f->a.how = ANSWER_LATER;
        assert_non_null(execute(f, LWM2M_ORIGIN_OWNER, reset0, NULL, &d[1]));
        assert_int_equal(f->a.n_asked, 2);
        assert_string_equal(f->a.args, "");
        lwm2m_ask_reply(f->a.asked[1].ask, -EBUSY);
        assert_int_equal(d[1].error, -EBUSY);

        /* Nobody to execute it: an owner without the operation, or no owner. */
        owner_init(&f->b, &no_execute_ops, "gadget-b", f->tree);
        assert_null(execute(f, LWM2M_ORIGIN_SERVER, lwm2m_path_resource(OID_GADGET, 1, R_RESET),
                            NULL, &d[2]));
        assert_int_equal(d[2].error, -EPERM);
        assert_true(d[2].why[0] != '\0');
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_GADGET, 1, NULL), 0);
        assert_null(execute(f, LWM2M_ORIGIN_DAEMON, lwm2m_path_resource(OID_GADGET, 1, R_RESET),
                            NULL, &d[3]));
        assert_int_equal(d[3].error, -EPERM);

        /* Only an executable resource is executed. */
        assert_null(execute(f, LWM2M_ORIGIN_SERVER, lwm2m_path_resource(OID_GADGET, 0, R_LEVEL),
                            NULL, &d[4]));
        assert_int_equal(d[4].error, -EPERM);
        assert_null(
                execute(f, LWM2M_ORIGIN_LOCAL, lwm2m_path_instance(OID_GADGET, 0), NULL, &d[5]));
        assert_int_equal(d[5].error, -EPERM);
        assert_int_equal(f->a.n_asked, 2);
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
        assert_int_equal(events(f), 0);
}

static void test_read_asks_refresh(void **state)
{
        fixture *f = *state;
        done_log d[3] = {{0}};
        lwm2m_path p = lwm2m_path_resource(OID_GADGET, 0, R_LEVEL);
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER, p, &d[0]);
        assert_non_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->a.n_asked, 1);
        assert_int_equal(f->a.asked[0].kind, LWM2M_REQUEST_READ);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &p));
        assert_int_equal(d[0].n, 0);
        /* The owner refreshes its value as the daemon would, then answers. */
        set_level(f, 0, 9);
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(d[0].n, 1);
        assert_int_equal(d[0].error, 0);
        assert_int_equal(level(f, 0), 9);

        /* What does not exist is not asked about. */
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER, lwm2m_path_instance(OID_GADGET, 5),
                    &d[1]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[1].error, -ENOENT);
        assert_non_null(strstr(d[1].why, "/9000/5 does not exist"));

        /* The owner's refusal fails the read. */
        f->a.how = REFUSE_AT_ONCE;
        f->a.error = -EIO;
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_LOCAL, lwm2m_path_instance(OID_GADGET, 0),
                    &d[2]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[2].error, -EIO);
        assert_int_equal(f->a.n_asked, 2);
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
}

/* (a) An owner that says a read needs no refresh is not asked, and the request
 * allocates nothing: no question, no waiting request. */
static void test_read_without_refresh_asks_nobody(void **state)
{
        fixture *f = *state;
        owner_init(&f->a, &predicate_ops, "gadget-a", f->tree);
        done_log d = {0};
        lwm2m_path serial = lwm2m_path_resource(OID_GADGET, 0, R_SERIAL);
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER, serial, &d);
        count_allocations();
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(allocations_since(), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.error, 0);
        assert_int_equal(f->a.n_asked, 0);
        assert_int_equal(f->a.n_predicates, 1);

        /* A resource instance of a static resource, the same. */
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_LOCAL,
                    lwm2m_path_resource(OID_GADGET, 0, R_LABEL), &d);
        set_level(f, 0, 2);
        lwm2m_path label = lwm2m_path_resource(OID_GADGET, 0, R_LABEL);
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, "x", 1), 0);
        assert_int_equal(lwm2m_tree_set(f->tree, &label, &v, NULL, NULL, 0), 0);
        lwm2m_value_clear(&v);
        count_allocations();
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(allocations_since(), 0);
        assert_int_equal(f->a.n_asked, 0);

        /* The dynamic resource and the whole instance are asked about: one question each. */
        lwm2m_path level = lwm2m_path_resource(OID_GADGET, 0, R_LEVEL);
        f->a.how = ANSWER_AT_ONCE;
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER, level, &d);
        count_allocations();
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(allocations_since(), 1); /* the question */
        assert_int_equal(f->a.n_asked, 1);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &level));
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER, lwm2m_path_instance(OID_GADGET, 0),
                    &d);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->a.n_asked, 2);
        assert_int_equal(d.n, 4);
        /* Each request is its own for the owner. */
        assert_true(f->a.asked[0].ask.request != 0);
        assert_true(f->a.asked[0].ask.request != f->a.asked[1].ask.request);

        /* The owner itself and the daemon are never asked, nor is the predicate. */
        size_t predicates = f->a.n_predicates;
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_OWNER, level, &d);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->a.n_asked, 2);
        assert_int_equal(f->a.n_predicates, predicates);
}

/* A Read-Composite (the root, the paths as records) asks each owner once per path
 * that it refreshes, all in one request; the rest asks nobody. */
static void test_read_composite(void **state)
{
        fixture *f = *state;
        owner_init(&f->a, &predicate_ops, "gadget-a", f->tree);
        done_log d = {0};
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER,
                                       (lwm2m_path){.len = LWM2M_PATH_ROOT}, &d);
        const lwm2m_path paths[] = {
                lwm2m_path_resource(OID_GADGET, 0, R_SERIAL),
                lwm2m_path_resource(OID_GADGET, 0, R_LEVEL),
                lwm2m_path_instance(OID_GADGET, 0),
                lwm2m_path_resource(OID_GADGET, 1, R_LABEL), /* b: no predicate, always */
                lwm2m_path_instance(OID_GADGET, 7),          /* absent: nobody */
                lwm2m_path_object(OID_GADGET),               /* above instances: nobody */
        };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                assert_non_null(lwm2m_record_list_add(&s.records, &paths[i]));
        lwm2m_request *r = lwm2m_request_start(f->q, &s);
        assert_non_null(r);
        assert_int_equal(s.records.n, 0); /* taken */
        assert_int_equal(f->a.n_asked, 2);
        assert_true(lwm2m_path_equal(&f->a.asked[0].path, &paths[1]));
        assert_true(lwm2m_path_equal(&f->a.asked[1].path, &paths[2]));
        assert_int_equal(f->b.n_asked, 1);
        assert_true(lwm2m_path_equal(&f->b.asked[0].path, &paths[3]));
        /* One request: the same lwm2m_ask.request for every question. */
        assert_true(f->a.asked[0].ask.request == f->a.asked[1].ask.request);
        assert_true(f->a.asked[0].ask.request == f->b.asked[0].ask.request);
        assert_true(f->a.asked[0].ask.id != f->a.asked[1].ask.id);
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        lwm2m_ask_reply(f->b.asked[0].ask, 0);
        assert_int_equal(d.n, 0);
        lwm2m_ask_reply(f->a.asked[1].ask, 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.error, 0);

        /* Only static paths: done at once, nothing allocated. */
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER,
                    (lwm2m_path){.len = LWM2M_PATH_ROOT}, &d);
        assert_non_null(lwm2m_record_list_add(&s.records, &paths[0]));
        count_allocations();
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(allocations_since(), 0);
        assert_int_equal(d.n, 2);
        assert_int_equal(f->a.n_asked, 2);

        /* A refusal fails the whole read. */
        f->b.how = REFUSE_AT_ONCE;
        f->b.error = -EIO;
        s = spec_of(f, LWM2M_REQUEST_READ, LWM2M_ORIGIN_SERVER,
                    (lwm2m_path){.len = LWM2M_PATH_ROOT}, &d);
        assert_non_null(lwm2m_record_list_add(&s.records, &paths[3]));
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d.n, 3);
        assert_int_equal(d.error, -EIO);
}

static void test_delete_asks_remove(void **state)
{
        fixture *f = *state;
        done_log d[3] = {{0}};
        lwm2m_request_spec s = spec_of(f, LWM2M_REQUEST_DELETE, LWM2M_ORIGIN_SERVER,
                                       lwm2m_path_instance(OID_GADGET, 0), &d[0]);
        assert_non_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(f->a.n_asked, 1);
        assert_int_equal(f->a.asked[0].kind, LWM2M_REQUEST_DELETE);
        assert_true(lwm2m_tree_has_instance(f->tree, OID_GADGET, 0));
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(d[0].n, 1);
        assert_int_equal(d[0].error, 0);
        assert_false(lwm2m_tree_has_instance(f->tree, OID_GADGET, 0));
        assert_int_equal(f->seen.removed, 1);
        assert_ptr_equal(f->seen.last_origin, &f->tag);
        /* Its own removal does not end it a second time. */
        assert_int_equal(f->a.n_cancelled, 0);

        /* Refused: the instance stays. */
        s = spec_of(f, LWM2M_REQUEST_DELETE, LWM2M_ORIGIN_SERVER,
                    lwm2m_path_instance(OID_GADGET, 1), &d[1]);
        assert_non_null(lwm2m_request_start(f->q, &s));
        lwm2m_ask_reply(f->b.asked[0].ask, -EPERM);
        assert_int_equal(d[1].error, -EPERM);
        assert_true(lwm2m_tree_has_instance(f->tree, OID_GADGET, 1));

        /* Only an instance is deleted. */
        s = spec_of(f, LWM2M_REQUEST_DELETE, LWM2M_ORIGIN_SERVER,
                    lwm2m_path_resource(OID_GADGET, 1, R_LEVEL), &d[2]);
        assert_null(lwm2m_request_start(f->q, &s));
        assert_int_equal(d[2].error, -EINVAL);
        assert_int_equal(f->b.n_asked, 1);
        assert_true(lwm2m_tree_has_instance(f->tree, OID_GADGET, 1));
        assert_int_equal(f->seen.removed, 1);
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
}

/* ---- the deadline ---- */

static void test_timer_arm(void **state)
{
        fixture *f = *state;
        done_log d[2] = {{0}};
        f->now = 100;
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 5, &d[0]));
        assert_int_equal(f->n_armed, 1);
        assert_true(f->armed[0] == 100 + TIMEOUT_MS);

        /* A later deadline does not move the timer. */
        f->now = 400;
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 1, 6, &d[1]));
        assert_int_equal(f->n_armed, 1);

        /* The first done: the second's deadline. */
        lwm2m_ask_reply(f->a.asked[0].ask, 0);
        assert_int_equal(f->n_armed, 2);
        assert_true(f->armed[1] == 400 + TIMEOUT_MS);

        /* Nothing waits. */
        f->now = 400 + TIMEOUT_MS;
        lwm2m_requests_expire(f->q);
        assert_int_equal(d[1].error, -ETIMEDOUT);
        assert_true(f->n_armed >= 3);
        assert_true(f->armed[f->n_armed - 1] == UINT64_MAX);

        /* Expiry re-arms even when the earliest deadline is the same. */
        assert_non_null(write_level(f, LWM2M_ORIGIN_SERVER, 0, 7, &f->done));
        size_t before = f->n_armed;
        assert_true(f->armed[before - 1] == 400 + 2 * TIMEOUT_MS);
        lwm2m_requests_expire(f->q);
        assert_int_equal(f->n_armed, before + 1);
        assert_true(f->armed[before] == 400 + 2 * TIMEOUT_MS);
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                assert_int_equal(d[i].n, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_accept_at_once),
                T(test_accept_later),
                T(test_refuse_at_once),
                T(test_refuse_later),
                T(test_never_answers),
                T(test_answers_twice),
                T(test_instance_removed_while_waiting),
                cmocka_unit_test_setup_teardown(test_instance_removed_by_owner_while_asked, setup,
                                                teardown),
                T(test_instance_removed_while_composite_waits),
                T(test_cancel),
                T(test_cancel_group),
                T(test_free_with_requests_waiting),
                T(test_owner_and_daemon_not_asked),
                T(test_composite_two_owners),
                T(test_write_checked_before_asking),
                T(test_create_asks_object_owner),
                T(test_create_refused_leaves_nothing),
                T(test_create_with_explicit_owner),
                T(test_execute),
                T(test_read_asks_refresh),
                T(test_read_without_refresh_asks_nobody),
                T(test_read_composite),
                T(test_delete_asks_remove),
                T(test_timer_arm),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
