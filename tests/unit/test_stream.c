/* test_stream.c - unit tests for streamed writes of opaque resources (model/request:
 * lwm2m_stream_*): the checks of a Write, the owner's calls, and an instance deleted mid-way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/request.h"
#include "util/macro.h"

enum {
        A = 101, /* two management servers, so that Access Control applies */
        B = 102,
        OID_FW = 5,
        R_PACKAGE = 0, /* Opaque, W */
        R_URI = 1,     /* String, RW */
        R_STATE = 3,   /* Integer, R */
        BUF_SIZE = 256,
};

/* A stream owner that keeps the bytes in memory and records its calls. */
typedef struct stream_owner {
        lwm2m_owner owner;
        int open_error, write_error, finish_error;
        unsigned opens, writes, finishes, aborts;
        lwm2m_path opened;
        uint16_t origin;
        uint64_t announced, finished_size, last_offset;
        uint8_t data[BUF_SIZE];
        size_t high; /* bytes written up to */
        int handle;  /* what *stream points at */
        void *live;  /* the handle open, NULL when none */
} stream_owner;

static int so_open(void *userdata, const lwm2m_path *resource, uint16_t origin, uint64_t size,
                   void **stream)
{
        stream_owner *o = userdata;
        o->opens++;
        o->opened = *resource;
        o->origin = origin;
        o->announced = size;
        if (o->open_error)
                return o->open_error;
        assert_null(o->live);
        *stream = o->live = &o->handle;
        return 0;
}

static int so_write(void *userdata, void *stream, uint64_t offset, const uint8_t *bytes, size_t len)
{
        stream_owner *o = userdata;
        assert_ptr_equal(stream, o->live);
        o->writes++;
        o->last_offset = offset;
        if (o->write_error)
                return o->write_error;
        assert_true(offset + len <= BUF_SIZE);
        memcpy(o->data + offset, bytes, len);
        if (offset + len > o->high)
                o->high = offset + len;
        return 0;
}

static int so_finish(void *userdata, void *stream, uint64_t size)
{
        stream_owner *o = userdata;
        assert_ptr_equal(stream, o->live);
        o->finishes++;
        o->finished_size = size;
        o->live = NULL;
        return o->finish_error;
}

static void so_abort(void *userdata, void *stream)
{
        stream_owner *o = userdata;
        assert_ptr_equal(stream, o->live);
        o->aborts++;
        o->live = NULL;
}

static const lwm2m_stream_ops so_stream_ops = {
        .open = so_open, .write = so_write, .finish = so_finish, .abort = so_abort};
static const lwm2m_owner_ops so_ops = {.stream = &so_stream_ops};
static const lwm2m_owner_ops no_stream_ops = {0};

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *q;
        stream_owner so;
        char why[256];
        int error;
} fixture;

static void put(fixture *f, const lwm2m_path *p, int64_t v)
{
        lwm2m_value val = lwm2m_value_integer(v);
        assert_int_equal(lwm2m_tree_set(f->tree, p, &val, NULL, NULL, 0), 0);
}

static void add_server(fixture *f, uint16_t iid, uint16_t short_id)
{
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, iid, NULL, NULL), 0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, LWM2M_SRV_SHORT_ID);
        put(f, &p, short_id);
}

/* /5/0 belongs to A; B may only read it. */
static void add_acl(fixture *f)
{
        uint16_t acl;
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_ACCESS_CONTROL,
                                                    LWM2M_ID_INVALID, NULL, &acl),
                         0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_OBJECT_ID);
        put(f, &p, OID_FW);
        p.id[2] = LWM2M_ACL_INSTANCE_ID;
        put(f, &p, 0);
        p.id[2] = LWM2M_ACL_OWNER;
        put(f, &p, A);
        lwm2m_path e =
                lwm2m_path_resource_instance(LWM2M_OBJ_ACCESS_CONTROL, acl, LWM2M_ACL_ACL, B);
        put(f, &e, LWM2M_ACL_READ);
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_int_equal(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL), 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        add_server(f, 0, A);
        add_server(f, 1, B);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, OID_FW, 0, NULL, NULL), 0);
        add_acl(f);
        f->so.owner = (lwm2m_owner){.ops = &so_ops, .userdata = &f->so, .name = "fw"};
        assert_int_equal(lwm2m_tree_set_owner(f->tree, OID_FW, 0, &f->so.owner), 0);
        f->q = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(f->q);
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

static lwm2m_stream *open_as(fixture *f, uint16_t short_id, uint16_t rid, uint64_t size)
{
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = short_id};
        lwm2m_path p = lwm2m_path_resource(OID_FW, 0, rid);
        memset(f->why, 0, sizeof(f->why));
        f->error = 1;
        lwm2m_stream *s =
                lwm2m_stream_open(f->q, &origin, &p, size, &f->error, f->why, sizeof(f->why));
        if (s)
                assert_int_equal(f->error, 0);
        else
                assert_true(f->error < 0 && f->why[0]);
        return s;
}

static void test_supported(void **state)
{
        fixture *f = *state;
        lwm2m_path package = lwm2m_path_resource(OID_FW, 0, R_PACKAGE);
        lwm2m_path uri = lwm2m_path_resource(OID_FW, 0, R_URI);
        lwm2m_path instance = lwm2m_path_instance(OID_FW, 0);
        lwm2m_path absent = lwm2m_path_resource(OID_FW, 1, R_PACKAGE);
        assert_true(lwm2m_stream_supported(f->q, &package));
        assert_false(lwm2m_stream_supported(f->q, &uri));
        assert_false(lwm2m_stream_supported(f->q, &instance));
        assert_false(lwm2m_stream_supported(f->q, &absent));
        f->so.owner.ops = &no_stream_ops;
        assert_false(lwm2m_stream_supported(f->q, &package));
}

static void test_write_in_pieces(void **state)
{
        fixture *f = *state;
        lwm2m_stream *s = open_as(f, A, R_PACKAGE, 40);
        assert_non_null(s);
        assert_int_equal(f->so.opens, 1);
        assert_int_equal(f->so.origin, A);
        assert_true(f->so.announced == 40);
        assert_true(lwm2m_path_equal(&f->so.opened, &(lwm2m_path){.len = 3, .id = {5, 0, 0}}));
        const uint8_t a[16] = "0123456789abcdef", b[16] = "ghijklmnopqrstuv", c[8] = "wxyzWXYZ";
        assert_int_equal(lwm2m_stream_write(s, 0, a, sizeof(a)), 0);
        assert_int_equal(lwm2m_stream_write(s, 16, b, sizeof(b)), 0);
        /* Again: written at its offset once more. */
        assert_int_equal(lwm2m_stream_write(s, 16, b, sizeof(b)), 0);
        assert_true(f->so.last_offset == 16);
        assert_int_equal(lwm2m_stream_write(s, 32, c, sizeof(c)), 0);
        assert_int_equal(f->so.writes, 4);
        assert_int_equal(lwm2m_stream_finish(s, 40), 0);
        assert_int_equal(f->so.finishes, 1);
        assert_true(f->so.finished_size == 40);
        assert_int_equal(f->so.high, 40);
        assert_memory_equal(f->so.data, "0123456789abcdefghijklmnopqrstuvwxyzWXYZ", 40);
        assert_int_equal(f->so.aborts, 0);
}

static void test_finish_error_passed_on(void **state)
{
        fixture *f = *state;
        f->so.finish_error = -ENOSPC;
        lwm2m_stream *s = open_as(f, A, R_PACKAGE, UINT64_MAX);
        assert_non_null(s);
        assert_true(f->so.announced == UINT64_MAX);
        assert_int_equal(lwm2m_stream_finish(s, 0), -ENOSPC);
        assert_int_equal(f->so.aborts, 0);
}

static void test_write_error_then_abort(void **state)
{
        fixture *f = *state;
        lwm2m_stream *s = open_as(f, A, R_PACKAGE, 100);
        assert_non_null(s);
        f->so.write_error = -ENOSPC;
        assert_int_equal(lwm2m_stream_write(s, 0, (const uint8_t *)"x", 1), -ENOSPC);
        lwm2m_stream_abort(s);
        assert_int_equal(f->so.aborts, 1);
        assert_int_equal(f->so.finishes, 0);
        assert_null(f->so.live);
}

static void test_refused(void **state)
{
        fixture *f = *state;
        /* Not opaque. */
        assert_null(open_as(f, A, R_URI, 10));
        assert_int_equal(f->error, -EINVAL);
        /* Read-only. */
        assert_null(open_as(f, A, R_STATE, 10));
        assert_int_equal(f->error, -EPERM);
        /* Not defined. */
        assert_null(open_as(f, A, 999, 10));
        assert_int_equal(f->error, -ENOENT);
        /* Access Control: B may only read /5/0. */
        assert_null(open_as(f, B, R_PACKAGE, 10));
        assert_int_equal(f->error, -EACCES);
        /* Not a resource. */
        lwm2m_origin origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = A};
        lwm2m_path instance = lwm2m_path_instance(OID_FW, 0);
        assert_null(lwm2m_stream_open(f->q, &origin, &instance, 1, &f->error, NULL, 0));
        assert_int_equal(f->error, -EINVAL);
        /* No such instance. */
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_FW, 0, NULL), 0);
        assert_null(open_as(f, A, R_PACKAGE, 10));
        assert_int_equal(f->error, -ENOENT);
        assert_int_equal(f->so.opens, 0);
}

static void test_refused_without_stream_ops(void **state)
{
        fixture *f = *state;
        f->so.owner.ops = &no_stream_ops;
        assert_null(open_as(f, A, R_PACKAGE, 10));
        assert_int_equal(f->error, -EOPNOTSUPP);
}

static void test_owner_refuses(void **state)
{
        fixture *f = *state;
        f->so.open_error = -ENOSPC;
        assert_null(open_as(f, A, R_PACKAGE, 1u << 30));
        assert_int_equal(f->error, -ENOSPC);
        assert_int_equal(f->so.opens, 1);
        assert_non_null(strstr(f->why, "/5/0/0"));
}

static void test_instance_deleted_mid_stream(void **state)
{
        fixture *f = *state;
        lwm2m_stream *s = open_as(f, A, R_PACKAGE, 32);
        assert_non_null(s);
        assert_int_equal(lwm2m_stream_write(s, 0, (const uint8_t *)"abcd", 4), 0);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_FW, 0, NULL), 0);
        /* The owner heard at once; the holder learns at its next call. */
        assert_int_equal(f->so.aborts, 1);
        assert_int_equal(lwm2m_stream_write(s, 4, (const uint8_t *)"efgh", 4), -ENOENT);
        assert_int_equal(f->so.writes, 1);
        assert_int_equal(lwm2m_stream_finish(s, 8), -ENOENT);
        assert_int_equal(f->so.finishes, 0);
        assert_int_equal(f->so.aborts, 1);
}

static void test_abort_after_instance_deleted(void **state)
{
        fixture *f = *state;
        lwm2m_stream *s = open_as(f, A, R_PACKAGE, 32);
        assert_non_null(s);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, OID_FW, 0, NULL), 0);
        lwm2m_stream_abort(s); /* only freed: the owner was told */
        assert_int_equal(f->so.aborts, 1);
}

static void test_free_aborts_open_streams(void **state)
{
        fixture *f = *state;
        assert_non_null(open_as(f, A, R_PACKAGE, 32));
        lwm2m_requests_free(f->q);
        f->q = NULL;
        assert_int_equal(f->so.aborts, 1);
        assert_null(f->so.live);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_supported),
                T(test_write_in_pieces),
                T(test_finish_error_passed_on),
                T(test_write_error_then_abort),
                T(test_refused),
                T(test_refused_without_stream_ops),
                T(test_owner_refuses),
                T(test_instance_deleted_mid_stream),
                T(test_abort_after_instance_deleted),
                T(test_free_aborts_open_streams),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
