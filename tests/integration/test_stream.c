/* test_stream.c - the engine's streamed block-wise writes and its CoAP fetches, in one
 * process: an engine around a tree with a stream owner, and the test server driving it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../server/test_server.h"
#include "lwm2m/block.h"
#include "lwm2m/context.h"
#include "lwm2m/engine.h"
#include "lwm2m/fetch.h"
#include "lwm2m/server.h"
#include "lwm2m/session.h"
#include "model/ddf.h"
#include "model/oma.h"
#include "model/request.h"

#define PACKAGE    "/5/0/0"
#define BLOB_PATH  "fw/image"
#define BIG        (2u * 1024u * 1024u + 300u) /* not a whole number of blocks */
#define TIMEOUT_MS 10000

/* ---- a stream owner that keeps the image in a file, as the firmware object will ---- */

typedef struct spool {
        char path[64];
        int fd; /* open while a stream is */
        int open_error, write_error;
        uint64_t write_error_at; /* the offset whose write fails */
        unsigned opens, writes, finishes, aborts;
        uint64_t announced, finished_size;
        uint16_t origin;
} spool;

static int spool_open(void *userdata, const lwm2m_path *resource, uint16_t origin, uint64_t size,
                      void **stream)
{
        spool *sp = userdata;
        sp->opens++;
        sp->origin = origin;
        sp->announced = size;
        if (sp->open_error)
                return sp->open_error;
        assert_int_equal(sp->fd, -1);
        sp->fd = open(sp->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(sp->fd >= 0);
        *stream = sp;
        return 0;
}

static int spool_write(void *userdata, void *stream, uint64_t offset, const uint8_t *bytes,
                       size_t len)
{
        spool *sp = userdata;
        assert_ptr_equal(stream, sp);
        sp->writes++;
        if (sp->write_error && offset == sp->write_error_at)
                return sp->write_error;
        assert_int_equal(pwrite(sp->fd, bytes, len, (off_t)offset), (ssize_t)len);
        return 0;
}

static int spool_finish(void *userdata, void *stream, uint64_t size)
{
        spool *sp = userdata;
        sp->finishes++;
        sp->finished_size = size;
        assert_int_equal(ftruncate(sp->fd, (off_t)size), 0);
        close(sp->fd);
        sp->fd = -1;
        return 0;
}

static void spool_abort(void *userdata, void *stream)
{
        spool *sp = userdata;
        sp->aborts++;
        close(sp->fd);
        sp->fd = -1;
}

static const lwm2m_stream_ops spool_stream_ops = {
        .open = spool_open, .write = spool_write, .finish = spool_finish, .abort = spool_abort};
static const lwm2m_owner_ops spool_ops = {.stream = &spool_stream_ops};

/* ---- the fixture: server, tree, engine ---- */

typedef struct fixture {
        ts_server *server;
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *requests;
        lwm2m_engine *engine;
        spool sp;
        lwm2m_owner owner;
        uint8_t *data; /* BIG bytes */
} fixture;

static void put(fixture *f, uint16_t oid, uint16_t iid, uint16_t rid, lwm2m_value v)
{
        lwm2m_path p = lwm2m_path_resource(oid, iid, rid);
        char why[200];
        if (lwm2m_tree_set(f->tree, &p, &v, NULL, why, sizeof(why)) < 0)
                fail_msg("cannot set /%u/%u/%u: %s", oid, iid, rid, why);
}

static void put_string(fixture *f, uint16_t oid, uint16_t iid, uint16_t rid, const char *s)
{
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_string(&v, s, strlen(s)), 0);
        put(f, oid, iid, rid, v);
        lwm2m_value_clear(&v);
}

static void drive_engine(void *userdata)
{
        fixture *f = userdata;
        lwm2m_engine_process(f->engine);
}

static void quiet(void *userdata, int priority, const char *message)
{
        if (getenv("TEST_STREAM_VERBOSE"))
                fprintf(stderr, "engine <%d> %s\n", priority, message);
}

#define PSK_IDENTITY "stream-test"
static const uint8_t psk_key[] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                  0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};

/* The engine registered with a test server, secured with a PSK or not. */
static int setup_with(void **state, bool psk)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        if (psk)
                cfg = (ts_config){.security = TS_SECURITY_PSK,
                                  .psk_identity = PSK_IDENTITY,
                                  .psk_key = psk_key,
                                  .psk_key_len = sizeof(psk_key)};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        f->reg = lwm2m_registry_new();
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_int_equal(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL), 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SECURITY, 0, NULL, NULL), 0);
        put_string(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_URI, ts_uri(f->server));
        put(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_BOOTSTRAP, lwm2m_value_boolean(false));
        put(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_MODE,
            lwm2m_value_integer(psk ? LWM2M_SEC_MODE_PSK : LWM2M_SEC_MODE_NOSEC));
        if (psk) {
                lwm2m_value v = {0};
                assert_int_equal(lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, PSK_IDENTITY,
                                                       strlen(PSK_IDENTITY)),
                                 0);
                put(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_IDENTITY, v);
                lwm2m_value_clear(&v);
                assert_int_equal(
                        lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, psk_key, sizeof(psk_key)), 0);
                put(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_SECRET, v);
                lwm2m_value_clear(&v);
        }
        put(f, LWM2M_OBJ_SECURITY, 0, LWM2M_SEC_SHORT_ID, lwm2m_value_integer(1));
        assert_int_equal(lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_SERVER, 0, NULL, NULL), 0);
        put(f, LWM2M_OBJ_SERVER, 0, LWM2M_SRV_SHORT_ID, lwm2m_value_integer(1));
        put(f, LWM2M_OBJ_SERVER, 0, LWM2M_SRV_LIFETIME, lwm2m_value_integer(300));
        put_string(f, LWM2M_OBJ_SERVER, 0, LWM2M_SRV_BINDING, "U");
        assert_int_equal(
                lwm2m_tree_create_instance(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, NULL, NULL), 0);
        snprintf(f->sp.path, sizeof(f->sp.path), "/tmp/test_stream.%d", (int)getpid());
        f->sp.fd = -1;
        f->owner = (lwm2m_owner){.ops = &spool_ops, .userdata = &f->sp, .name = "spool"};
        assert_int_equal(lwm2m_tree_set_owner(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, &f->owner), 0);
        f->requests = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(f->requests);
        lwm2m_engine_config ecfg = {.endpoint = "stream-test",
                                    .lwm2m_version = "1.1",
                                    .log = {.fn = quiet},
                                    .requests = f->requests};
        f->engine = lwm2m_engine_new(f->tree, &ecfg);
        assert_non_null(f->engine);
        assert_int_equal(lwm2m_engine_start(f->engine), 0);
        ts_set_idle(f->server, drive_engine, f);
        assert_non_null(ts_wait_register(f->server, 0, TIMEOUT_MS));
        f->data = malloc(BIG);
        assert_non_null(f->data);
        srand(7);
        for (size_t i = 0; i < BIG; i++)
                f->data[i] = (uint8_t)rand();
        *state = f;
        return 0;
}

static int setup(void **state)
{
        return setup_with(state, false);
}

static int setup_psk(void **state)
{
        return setup_with(state, true);
}

static int teardown(void **state)
{
        fixture *f = *state;
        ts_set_silent(f->server, false);
        ts_set_idle(f->server, NULL, NULL);
        lwm2m_engine_free(f->engine);
        lwm2m_requests_free(f->requests);
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        ts_free(f->server);
        if (f->sp.fd >= 0)
                close(f->sp.fd);
        unlink(f->sp.path);
        free(f->data);
        free(f);
        return 0;
}

/* ---- pushing ---- */

/* Sends block `num` (1024 bytes) of `body`, with Size1 on block 0; returns the code. */
/* Sends block `num` (of 2^(szx+4) bytes) of `body` with `method` and Content-Format
 * `format` (-1: none), with Size1 on block 0; returns the code. */
static uint8_t push_block_as(fixture *f, coap_pdu_code_t method, int format, const uint8_t *body,
                             size_t total, unsigned num, unsigned szx)
{
        size_t size = (size_t)1 << (szx + 4);
        size_t offset = (size_t)num * size;
        size_t len = total - offset < size ? total - offset : size;
        bool more = offset + len < total;
        uint64_t block1 = (uint64_t)num << 4 | (more ? 8u : 0u) | szx;
        ts_option opts[2] = {{COAP_OPTION_BLOCK1, block1}, {COAP_OPTION_SIZE1, total}};
        ts_response r;
        int err = ts_request_raw(f->server, method, PACKAGE, format, opts, num == 0 ? 2 : 1,
                                 body + offset, len, TIMEOUT_MS, &r);
        if (err < 0)
                fail_msg("block %u: %s", num, strerror(-err));
        uint8_t code = r.code;
        if (code == COAP_RESPONSE_CODE_CONTINUE || code == COAP_RESPONSE_CODE_CHANGED)
                assert_int_equal(r.block1, (int64_t)block1);
        ts_response_free(&r);
        return code;
}

/* Block `num` of 1024 bytes, as a PUT of application/octet-stream. */
static uint8_t push_block(fixture *f, const uint8_t *body, size_t total, unsigned num)
{
        return push_block_as(f, COAP_REQUEST_CODE_PUT, 42, body, total, num, 6);
}

static void expect_spooled(fixture *f, const uint8_t *body, size_t len)
{
        struct stat st;
        assert_int_equal(stat(f->sp.path, &st), 0);
        assert_int_equal((size_t)st.st_size, len);
        uint8_t *back = malloc(len ? len : 1);
        int fd = open(f->sp.path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, back, len), (ssize_t)len);
        close(fd);
        assert_true(len == 0 || memcmp(back, body, len) == 0);
        free(back);
}

static void test_push_in_order(void **state)
{
        fixture *f = *state;
        unsigned n = (BIG + 1023) / 1024;
        for (unsigned i = 0; i < n; i++)
                assert_int_equal(push_block(f, f->data, BIG, i),
                                 i + 1 < n ? COAP_RESPONSE_CODE_CONTINUE
                                           : COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(f->sp.opens, 1);
        assert_int_equal(f->sp.origin, 1);
        assert_true(f->sp.announced == BIG);
        assert_int_equal(f->sp.finishes, 1);
        assert_int_equal(f->sp.aborts, 0);
        assert_true(f->sp.finished_size == BIG);
        expect_spooled(f, f->data, BIG);
        /* Nothing is left of the transfer. */
        assert_null(f->engine->servers[0].block_rx);
}

static void test_push_repeated_block(void **state)
{
        fixture *f = *state;
        size_t total = 3000;
        assert_int_equal(push_block(f, f->data, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, total, 1), COAP_RESPONSE_CODE_CONTINUE);
        /* Block 1 again under a new message ID, and block 0 again: written again. */
        assert_int_equal(push_block(f, f->data, total, 1), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(f->sp.writes, 3);
        assert_int_equal(push_block(f, f->data, total, 2), COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(f->sp.opens, 1);
        assert_int_equal(f->sp.aborts, 0);
        expect_spooled(f, f->data, total);
}

static void test_push_block0_again_before_more(void **state)
{
        fixture *f = *state;
        size_t total = 2048;
        assert_int_equal(push_block(f, f->data, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        /* Only block 0 came: sent again, it is a retransmission, not a restart. */
        assert_int_equal(push_block(f, f->data, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(f->sp.opens, 1);
        assert_int_equal(push_block(f, f->data, total, 1), COAP_RESPONSE_CODE_CHANGED);
        expect_spooled(f, f->data, total);
}

static void test_push_gap(void **state)
{
        fixture *f = *state;
        size_t total = 4000;
        assert_int_equal(push_block(f, f->data, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, total, 2), COAP_RESPONSE_CODE_INCOMPLETE);
        /* The transfer stays: the missing block continues it. */
        assert_int_equal(push_block(f, f->data, total, 1), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, total, 2), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, total, 3), COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(f->sp.aborts, 0);
        expect_spooled(f, f->data, total);
}

static void test_push_restart(void **state)
{
        fixture *f = *state;
        size_t total = 3000;
        assert_int_equal(push_block(f, f->data, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, total, 1), COAP_RESPONSE_CODE_CONTINUE);
        /* Block 0 after block 1: a new download of other bytes. */
        const uint8_t *other = f->data + 100000;
        assert_int_equal(push_block(f, other, total, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(f->sp.aborts, 1);
        assert_int_equal(f->sp.opens, 2);
        assert_int_equal(push_block(f, other, total, 1), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, other, total, 2), COAP_RESPONSE_CODE_CHANGED);
        expect_spooled(f, other, total);
}

/* RFC 7959 2.5: the block size may shrink during a transfer; offsets are in bytes. A
 * POST without a Content-Format writes an opaque resource as well. */
static void test_push_smaller_blocks_without_format(void **state)
{
        fixture *f = *state;
        size_t total = 1024 + 512 + 256 + 100;
        coap_pdu_code_t post = COAP_REQUEST_CODE_POST;
        assert_int_equal(push_block_as(f, post, -1, f->data, total, 0, 6),
                         COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block_as(f, post, -1, f->data, total, 2, 5),
                         COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block_as(f, post, -1, f->data, total, 6, 4),
                         COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block_as(f, post, -1, f->data, total, 7, 4),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(f->sp.opens, 1);
        expect_spooled(f, f->data, total);
}

static void test_push_refused(void **state)
{
        fixture *f = *state;
        f->sp.open_error = -ENOSPC;
        assert_int_equal(push_block(f, f->data, 5000, 0), COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        f->sp.open_error = -EBUSY;
        assert_int_equal(push_block(f, f->data, 5000, 0), COAP_RESPONSE_CODE_NOT_ALLOWED);
        f->sp.open_error = 0;
        /* A write that fails half-way aborts the stream. */
        f->sp.write_error = -ENOSPC;
        f->sp.write_error_at = 2048;
        assert_int_equal(push_block(f, f->data, 5000, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, 5000, 1), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(push_block(f, f->data, 5000, 2), COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        assert_int_equal(f->sp.aborts, 1);
        assert_int_equal(f->sp.finishes, 0);
        /* Nothing is under way any more. */
        assert_int_equal(push_block(f, f->data, 5000, 3), COAP_RESPONSE_CODE_INCOMPLETE);
}

static void test_push_idle_abandoned(void **state)
{
        fixture *f = *state;
        assert_int_equal(push_block(f, f->data, 3000, 0), COAP_RESPONSE_CODE_CONTINUE);
        /* The engine's timers, run as if the idle time had passed. */
        block_run_timers(&f->engine->servers[0], engine_now_ms() + BLOCK_RX_IDLE_MS + 1);
        assert_int_equal(f->sp.aborts, 1);
        assert_int_equal(push_block(f, f->data, 3000, 1), COAP_RESPONSE_CODE_INCOMPLETE);
}

/* A server whose session goes (queue mode, a failed Update, a bootstrap) leaves its
 * transfers behind; so does the engine's end. */
static void test_push_session_gone_and_engine_end(void **state)
{
        fixture *f = *state;
        assert_int_equal(push_block(f, f->data, 3000, 0), COAP_RESPONSE_CODE_CONTINUE);
        session_release(&f->engine->servers[0]);
        assert_int_equal(f->sp.aborts, 1);
        assert_null(f->engine->servers[0].block_rx);
        lwm2m_engine_request_update(f->engine, 0); /* a new session for the next transfer */
        unsigned updates = ts_update_count(f->server);
        assert_non_null(ts_wait_update(f->server, updates, TIMEOUT_MS));
        assert_int_equal(push_block(f, f->data, 3000, 0), COAP_RESPONSE_CODE_CONTINUE);
        ts_set_idle(f->server, NULL, NULL);
        lwm2m_engine_free(f->engine);
        f->engine = NULL;
        assert_int_equal(f->sp.aborts, 2);
        assert_int_equal(f->sp.finishes, 0);
}

static void test_push_instance_deleted(void **state)
{
        fixture *f = *state;
        assert_int_equal(push_block(f, f->data, 3000, 0), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(lwm2m_tree_delete_instance(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, NULL),
                         0);
        assert_int_equal(f->sp.aborts, 1);
        assert_int_equal(push_block(f, f->data, 3000, 1), COAP_RESPONSE_CODE_NOT_FOUND);
        assert_int_equal(f->sp.aborts, 1);
}

static void test_push_one_message(void **state)
{
        fixture *f = *state;
        ts_response r;
        assert_int_equal(ts_request_raw(f->server, COAP_REQUEST_CODE_PUT, PACKAGE, 42, NULL, 0,
                                        f->data, 500, TIMEOUT_MS, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        assert_true(f->sp.announced == UINT64_MAX);
        expect_spooled(f, f->data, 500);
        /* An empty write: 0 bytes, which the owner may take for a reset. */
        assert_int_equal(ts_request_raw(f->server, COAP_REQUEST_CODE_PUT, PACKAGE, 42, NULL, 0,
                                        NULL, 0, TIMEOUT_MS, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        assert_int_equal(f->sp.finishes, 2);
        assert_true(f->sp.finished_size == 0);
        expect_spooled(f, f->data, 0);
        /* Another format is not streamed: the opaque resource refuses text. */
        assert_int_equal(ts_request_raw(f->server, COAP_REQUEST_CODE_PUT, PACKAGE, 0, NULL, 0,
                                        "abc", 3, TIMEOUT_MS, &r),
                         0);
        assert_true(r.code >= 128); /* 4.xx */
        ts_response_free(&r);
        assert_int_equal(f->sp.opens, 2);
}

/* ---- fetching ---- */

typedef struct fetch_log {
        fixture *f;
        uint8_t *got;
        uint64_t first_offset, next_offset, total;
        unsigned calls;
        bool done;
        int error;
        int change_after;            /* calls after which the blob changes (0: never) */
        int fail_after;              /* calls after which `data` refuses (0: never) */
        lwm2m_fetch *cancel_in_done; /* cancelled from `done`, as a careless caller may */
        size_t limit;                /* the size of `got` (0: BIG) */
} fetch_log;

static int on_data(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                   uint64_t total)
{
        fetch_log *l = userdata;
        if (l->calls == 0)
                l->first_offset = l->next_offset = offset;
        assert_true(offset == l->next_offset);
        assert_true(offset + len <= (l->limit ? l->limit : BIG));
        memcpy(l->got + offset, bytes, len);
        l->next_offset = offset + len;
        l->total = total;
        l->calls++;
        if (l->change_after && l->calls == (unsigned)l->change_after)
                assert_int_equal(ts_serve_blob(l->f->server, BLOB_PATH, l->f->data, 5000), 0);
        if (l->fail_after && l->calls == (unsigned)l->fail_after)
                return -ENOSPC;
        return 0;
}

static void on_done(void *userdata, int error)
{
        fetch_log *l = userdata;
        assert_false(l->done);
        l->done = true;
        l->error = error;
        if (l->cancel_in_done)
                lwm2m_fetch_cancel(l->cancel_in_done);
}

static lwm2m_fetch *start_fetch(fixture *f, fetch_log *l, const char *path, uint64_t offset)
{
        char uri[128];
        snprintf(uri, sizeof(uri), "%s/%s", ts_uri(f->server), path);
        l->f = f;
        l->got = calloc(1, BIG);
        assert_non_null(l->got);
        lwm2m_fetch_ops ops = {.data = on_data, .done = on_done, .userdata = l};
        lwm2m_fetch *fe = lwm2m_engine_fetch(f->engine, uri, offset, 0, &ops);
        assert_non_null(fe);
        return fe;
}

static void wait_done(fixture *f, fetch_log *l, int timeout_ms)
{
        for (int waited = 0; !l->done && waited < timeout_ms; waited += 20)
                ts_process(f->server, 20);
        assert_true(l->done);
}

static void test_fetch_whole(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        fetch_log l = {0};
        start_fetch(f, &l, BLOB_PATH, 0);
        wait_done(f, &l, 120000);
        assert_int_equal(l.error, 0);
        assert_true(l.first_offset == 0 && l.next_offset == BIG && l.total == BIG);
        assert_memory_equal(l.got, f->data, BIG);
        assert_null(f->engine->fetches);
        free(l.got);
}

static void test_fetch_resume(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        fetch_log l = {0};
        uint64_t from = 1000001; /* inside a block */
        start_fetch(f, &l, BLOB_PATH, from);
        wait_done(f, &l, 120000);
        assert_int_equal(l.error, 0);
        assert_true(l.first_offset == from && l.next_offset == BIG);
        assert_memory_equal(l.got + from, f->data + from, BIG - from);
        /* The blocks before it were not asked for. */
        assert_int_equal(ts_blob_blocks(f->server), (BIG + 1023) / 1024 - from / 1024);
        free(l.got);
}

static void test_fetch_etag_changes(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        fetch_log l = {.change_after = 3};
        start_fetch(f, &l, BLOB_PATH, 0);
        wait_done(f, &l, TIMEOUT_MS);
        assert_int_equal(l.error, -ESTALE);
        assert_int_equal(l.calls, 3);
        free(l.got);
}

static void test_fetch_not_found(void **state)
{
        fixture *f = *state;
        fetch_log l = {0};
        l.cancel_in_done = start_fetch(f, &l, "no/such/thing", 0);
        wait_done(f, &l, TIMEOUT_MS);
        assert_int_equal(l.error, -ENOENT);
        assert_int_equal(l.calls, 0);
        free(l.got);
}

static void test_fetch_data_refuses(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        fetch_log l = {.fail_after = 2};
        start_fetch(f, &l, BLOB_PATH, 0);
        wait_done(f, &l, TIMEOUT_MS);
        assert_int_equal(l.error, -ENOSPC);
        unsigned served = ts_blob_blocks(f->server);
        ts_process(f->server, 200);
        assert_int_equal(ts_blob_blocks(f->server), served); /* nothing more asked */
        free(l.got);
}

static void test_fetch_server_silent(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        ts_blob_drop_after(f->server, 4);
        fetch_log l = {0};
        lwm2m_fetch *fe = start_fetch(f, &l, BLOB_PATH, 0);
        /* CoAP's retransmissions, shortened: 1 s and one retransmission. */
        fetch_set_transmission(fe, 1000, 1);
        wait_done(f, &l, 20000);
        assert_int_equal(l.error, -ETIMEDOUT);
        assert_int_equal(l.calls, 4);
        free(l.got);
}

static void test_fetch_cancel(void **state)
{
        fixture *f = *state;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, BIG), 0);
        fetch_log l = {0};
        lwm2m_fetch *fe = start_fetch(f, &l, BLOB_PATH, 0);
        while (l.calls < 5)
                ts_process(f->server, 5);
        lwm2m_fetch_cancel(fe);
        unsigned served = ts_blob_blocks(f->server);
        ts_process(f->server, 300);
        assert_false(l.done);
        assert_true(ts_blob_blocks(f->server) <= served + 1); /* at most the one in flight */
        assert_null(f->engine->fetches);
        /* One left running is cancelled by the engine's end: no `done` either. */
        fetch_log l2 = {0};
        start_fetch(f, &l2, BLOB_PATH, 0);
        free(l.got);
        free(l2.got);
}

/* coaps with the PSK of server 1, on a session of its own beside the server's. */
static void test_fetch_coaps_borrows_psk(void **state)
{
        fixture *f = *state;
        size_t len = 200000;
        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, f->data, len), 0);
        coap_session_t *own = f->engine->servers[0].session;
        fetch_log l = {0};
        start_fetch(f, &l, BLOB_PATH, 0);
        wait_done(f, &l, 60000);
        assert_int_equal(l.error, 0);
        assert_true(l.next_offset == len);
        assert_memory_equal(l.got, f->data, len);
        assert_ptr_equal(f->engine->servers[0].session, own);
        assert_int_equal(f->engine->servers[0].state, LWM2M_SERVER_REGISTERED);
        assert_null(f->engine->borrows);
        free(l.got);
}

/* The largest firmware image the daemon is meant for, both ways: nothing per block may
 * grow with the image (a quadratic cost would show here as minutes). */
static void test_sixteen_mib_both_ways(void **state)
{
        fixture *f = *state;
        size_t len = 16u * 1024u * 1024u;
        uint8_t *image = malloc(len);
        assert_non_null(image);
        uint32_t x = 12345;
        for (size_t i = 0; i < len; i++) {
                x = x * 1103515245u + 12345u;
                image[i] = (uint8_t)(x >> 16);
        }
        int64_t t0 = (int64_t)engine_now_ms();
        unsigned n = (unsigned)(len / 1024);
        for (unsigned i = 0; i < n; i++)
                if (push_block(f, image, len, i) !=
                    (i + 1 < n ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED))
                        fail_msg("block %u of the push", i);
        expect_spooled(f, image, len);
        int64_t t1 = (int64_t)engine_now_ms();

        assert_int_equal(ts_serve_blob(f->server, BLOB_PATH, image, len), 0);
        fetch_log l = {.f = f, .got = calloc(1, len)};
        assert_non_null(l.got);
        l.limit = len;
        lwm2m_fetch_ops ops = {.data = on_data, .done = on_done, .userdata = &l};
        char uri[128];
        snprintf(uri, sizeof(uri), "%s/%s", ts_uri(f->server), BLOB_PATH);
        assert_non_null(lwm2m_engine_fetch(f->engine, uri, 0, 0, &ops));
        wait_done(f, &l, 300000);
        assert_int_equal(l.error, 0);
        assert_true(l.next_offset == len);
        assert_memory_equal(l.got, image, len);
        int64_t t2 = (int64_t)engine_now_ms();
        print_message("16 MiB: pushed in %lld ms, fetched in %lld ms\n", (long long)(t1 - t0),
                      (long long)(t2 - t1));
        free(l.got);
        free(image);
}

static void test_fetch_refused_uris(void **state)
{
        fixture *f = *state;
        lwm2m_fetch_ops ops = {.data = on_data, .done = on_done};
        errno = 0;
        assert_null(lwm2m_engine_fetch(f->engine, "not a uri", 0, 0, &ops));
        assert_int_equal(errno, EINVAL);
        assert_null(lwm2m_engine_fetch(f->engine, "http://127.0.0.1/fw", 0, 0, &ops));
        assert_int_equal(errno, EPROTONOSUPPORT);
        /* The one server has no DTLS credentials to lend. */
        assert_null(lwm2m_engine_fetch(f->engine, "coaps://127.0.0.1:5684/fw", 0, 0, &ops));
        assert_int_equal(errno, EPROTONOSUPPORT);
        assert_null(lwm2m_engine_fetch(f->engine, "coaps://127.0.0.1:5684/fw", 0, 77, &ops));
        assert_int_equal(errno, EPROTONOSUPPORT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_push_in_order),
                T(test_push_repeated_block),
                T(test_push_block0_again_before_more),
                T(test_push_gap),
                T(test_push_restart),
                T(test_push_smaller_blocks_without_format),
                T(test_push_refused),
                T(test_push_idle_abandoned),
                T(test_push_session_gone_and_engine_end),
                T(test_push_instance_deleted),
                T(test_push_one_message),
                T(test_fetch_whole),
                T(test_fetch_resume),
                T(test_fetch_etag_changes),
                T(test_fetch_not_found),
                T(test_fetch_data_refuses),
                T(test_fetch_server_silent),
                T(test_fetch_cancel),
                T(test_fetch_refused_uris),
                T(test_sixteen_mib_both_ways),
                cmocka_unit_test_setup_teardown(test_fetch_coaps_borrows_psk, setup_psk, teardown),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
