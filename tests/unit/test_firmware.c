/* test_firmware.c - the Firmware Update object (objects/firmware.c): every state and result,
 * push through the owner's write and stream ops, pull with resume, the spool, saved state. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/owner.h"
#include "model/request.h"
#include "objects/firmware.h"

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *requests;
        firmware_object *fw;
        char dir[64];
        char spool[96];
        firmware_config cfg;
        firmware_actions actions;
        /* What the object asked of the daemon. */
        unsigned starts, cancels, checks, installs, install_uris, saves;
        char start_uri[256];
        uint64_t start_offset;
        char check_path[128];
        char install_path[256];
        int start_error; /* what download_start returns */
        int install_error;
        bool auto_check; /* check answers at once with check_error */
        int check_error;
        firmware_saved last_saved;
} fixture;

static const uint8_t all_protocols[] = {0, 1, 2, 3};

static int on_download_start(void *userdata, const char *uri, uint64_t offset)
{
        fixture *f = userdata;
        f->starts++;
        snprintf(f->start_uri, sizeof(f->start_uri), "%s", uri);
        f->start_offset = offset;
        return f->start_error;
}

static void on_download_cancel(void *userdata)
{
        fixture *f = userdata;
        f->cancels++;
}

static int on_check(void *userdata, const char *path)
{
        fixture *f = userdata;
        f->checks++;
        snprintf(f->check_path, sizeof(f->check_path), "%s", path);
        if (f->auto_check)
                firmware_object_check_done(f->fw, f->check_error, "pkg", "2.0");
        return 0;
}

static int on_install(void *userdata, const char *path)
{
        fixture *f = userdata;
        f->installs++;
        snprintf(f->install_path, sizeof(f->install_path), "%s", path);
        return f->install_error;
}

static int on_install_uri(void *userdata, const char *uri)
{
        fixture *f = userdata;
        f->install_uris++;
        snprintf(f->install_path, sizeof(f->install_path), "%s", uri);
        return 0;
}

static void on_save(void *userdata, const firmware_saved *saved)
{
        fixture *f = userdata;
        f->saves++;
        f->last_saved = *saved;
}

static void make_object(fixture *f)
{
        f->fw = firmware_object_new(f->tree, &f->cfg, &f->actions);
        assert_non_null(f->fw);
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
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_firmware.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->spool, sizeof(f->spool), "%s/firmware.spool", f->dir);
        f->cfg = (firmware_config){
                .spool_path = f->spool,
                .protocols = all_protocols,
                .n_protocols = 4,
                .push = true,
                .pull = true,
        };
        f->actions = (firmware_actions){
                .download_start = on_download_start,
                .download_cancel = on_download_cancel,
                .check = on_check,
                .install = on_install,
                .save = on_save,
                .userdata = f,
        };
        f->auto_check = true;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        lwm2m_requests_free(f->requests);
        firmware_object_free(f->fw);
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        unlink(f->spool);
        rmdir(f->dir);
        free(f);
        return 0;
}

static int64_t get_int(fixture *f, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        return v->i;
}

static const char *get_text(fixture *f, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        return (const char *)v->buf.data;
}

static void assert_state(fixture *f, firmware_state state, firmware_result result)
{
        assert_int_equal(get_int(f, LWM2M_FW_STATE), state);
        assert_int_equal(get_int(f, LWM2M_FW_UPDATE_RESULT), result);
        /* Every change is saved as it is made. */
        assert_int_equal(f->last_saved.state, state);
        assert_int_equal(f->last_saved.result, result);
}

static void on_done(void *userdata, const lwm2m_request_result *res)
{
        *(int *)userdata = res->error;
}

static int run(fixture *f, lwm2m_request_spec *spec)
{
        int error = 1;
        spec->origin = (lwm2m_origin){.kind = LWM2M_ORIGIN_SERVER, .short_id = 7};
        spec->done = on_done;
        spec->userdata = &error;
        assert_null(lwm2m_request_start(f->requests, spec));
        assert_int_not_equal(error, 1);
        return error;
}

static int write_value(fixture *f, uint16_t rid, lwm2m_type type, const void *data, size_t len)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid);
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_WRITE, .path = p, .mode = LWM2M_WRITE_REPLACE};
        lwm2m_value v = {0};
        assert_int_equal(lwm2m_value_set_bytes(&v, type, data, len), 0);
        assert_int_equal(lwm2m_record_list_add_value(&spec.records, &p, &v), 0);
        lwm2m_value_clear(&v);
        int r = run(f, &spec);
        lwm2m_record_list_free(&spec.records);
        return r;
}

static int write_uri(fixture *f, const char *uri)
{
        return write_value(f, LWM2M_FW_PACKAGE_URI, LWM2M_TYPE_STRING, uri, strlen(uri));
}

static int execute(fixture *f, uint16_t rid)
{
        lwm2m_request_spec spec = {.kind = LWM2M_REQUEST_EXECUTE,
                                   .path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid)};
        return run(f, &spec);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
        for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)((i * 31u + seed) ^ (i >> 8));
}

static void assert_spool(fixture *f, const uint8_t *want, size_t len)
{
        int fd = open(f->spool, O_RDONLY);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_size, len);
        uint8_t *got = malloc(len + 1);
        assert_non_null(got);
        assert_int_equal(read(fd, got, len + 1), len);
        assert_memory_equal(got, want, len);
        free(got);
        close(fd);
}

static void test_initial(void **state)
{
        fixture *f = *state;
        make_object(f);
        assert_int_equal(get_int(f, LWM2M_FW_STATE), FIRMWARE_IDLE);
        assert_int_equal(get_int(f, LWM2M_FW_UPDATE_RESULT), FIRMWARE_RESULT_INITIAL);
        assert_int_equal(get_int(f, LWM2M_FW_DELIVERY_METHOD), 2);
        for (uint16_t i = 0; i < 4; i++) {
                lwm2m_path p = lwm2m_path_resource_instance(LWM2M_OBJ_FIRMWARE_UPDATE, 0,
                                                            LWM2M_FW_PROTOCOL_SUPPORT, i);
                const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
                assert_non_null(v);
                assert_int_equal(v->i, all_protocols[i]);
        }
        assert_string_equal(get_text(f, LWM2M_FW_PACKAGE_URI), "");
        /* Nothing to update or cancel. */
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), -EPERM);
        assert_int_equal(execute(f, LWM2M_FW_CANCEL), -EPERM);
}

/* Push only and HTTP only: /5/0/8 and /5/0/9 say so, and a URI is refused. */
static void test_push_only(void **state)
{
        fixture *f = *state;
        static const uint8_t http[] = {2};
        f->cfg.pull = false;
        f->cfg.protocols = http;
        f->cfg.n_protocols = 1;
        make_object(f);
        assert_int_equal(get_int(f, LWM2M_FW_DELIVERY_METHOD), 1);
        lwm2m_path p = lwm2m_path_resource_instance(LWM2M_OBJ_FIRMWARE_UPDATE, 0,
                                                    LWM2M_FW_PROTOCOL_SUPPORT, 1);
        assert_null(lwm2m_tree_get(f->tree, &p));
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), -EPERM);
        assert_int_equal(f->starts, 0);
}

/* Pull, check, update, success: the whole happy path, each state saved. */
static void test_pull_update_success(void **state)
{
        fixture *f = *state;
        make_object(f);
        assert_int_equal(write_uri(f, "http://127.0.0.1:8080/image.raucb"), 0);
        assert_int_equal(f->starts, 1);
        assert_string_equal(f->start_uri, "http://127.0.0.1:8080/image.raucb");
        assert_int_equal(f->start_offset, 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        assert_string_equal(f->last_saved.uri, "http://127.0.0.1:8080/image.raucb");
        assert_string_equal(get_text(f, LWM2M_FW_PACKAGE_URI), "http://127.0.0.1:8080/image.raucb");

        uint8_t image[3000];
        fill(image, sizeof(image), 1);
        assert_int_equal(firmware_object_download_data(f->fw, 0, image, 1000, sizeof(image)), 0);
        assert_int_equal(
                firmware_object_download_data(f->fw, 1000, image + 1000, 2000, sizeof(image)), 0);
        /* Update is refused until the image is there. */
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), -EPERM);
        firmware_object_download_done(f->fw, 0);
        assert_int_equal(f->checks, 1);
        assert_string_equal(f->check_path, f->spool);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_int_equal(f->last_saved.spool_bytes, sizeof(image));
        assert_string_equal(get_text(f, LWM2M_FW_PKG_NAME), "pkg");
        assert_string_equal(get_text(f, LWM2M_FW_PKG_VERSION), "2.0");
        assert_spool(f, image, sizeof(image));

        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        assert_int_equal(f->installs, 1);
        assert_string_equal(f->install_path, f->spool);
        assert_state(f, FIRMWARE_UPDATING, FIRMWARE_RESULT_INITIAL);
        assert_true(f->last_saved.update_pending);
        /* Nothing may be written or cancelled while the update runs. */
        assert_int_equal(write_uri(f, "http://127.0.0.1/other"), -EPERM);
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "", 0), -EPERM);
        assert_int_equal(execute(f, LWM2M_FW_CANCEL), -EPERM);
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), -EPERM);

        firmware_object_update_done(f->fw, 0, false);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_SUCCESS);
        assert_false(f->last_saved.update_pending);
        assert_int_equal(access(f->spool, F_OK), -1);
        /* No restart: nothing is waiting for the next registration. */
        assert_false(firmware_object_registered(f->fw));
}

static void test_uri_results(void **state)
{
        fixture *f = *state;
        static const uint8_t coap_only[] = {0, 1};
        f->cfg.protocols = coap_only;
        f->cfg.n_protocols = 2;
        make_object(f);
        assert_int_equal(write_uri(f, "https://127.0.0.1/image"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL);
        assert_int_equal(write_uri(f, "ftp://127.0.0.1/image"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL);
        assert_int_equal(write_uri(f, "not a uri"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INVALID_URI);
        assert_int_equal(write_uri(f, "coap://"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INVALID_URI);
        assert_int_equal(f->starts, 0);
        /* The fetcher's own verdicts. */
        f->start_error = -EINVAL;
        assert_int_equal(write_uri(f, "coap://127.0.0.1/fw"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INVALID_URI);
        f->start_error = -EPROTONOSUPPORT;
        assert_int_equal(write_uri(f, "coaps://127.0.0.1/fw"), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL);
        f->start_error = 0;
        assert_int_equal(write_uri(f, "coap://127.0.0.1/fw"), 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        /* A 4.04, a short body, no memory. */
        firmware_object_download_done(f->fw, -ENOENT);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INVALID_URI);
        assert_int_equal(write_uri(f, "coap://127.0.0.1/fw"), 0);
        firmware_object_download_done(f->fw, -EBADMSG);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INTEGRITY);
        assert_int_equal(write_uri(f, "coap://127.0.0.1/fw"), 0);
        firmware_object_download_done(f->fw, -ENOMEM);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_OUT_OF_MEMORY);
}

/* A lost connection is resumed from the bytes kept, three times, then Result 4. */
static void test_resume(void **state)
{
        fixture *f = *state;
        make_object(f);
        uint8_t image[4096];
        fill(image, sizeof(image), 7);
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(firmware_object_download_data(f->fw, 0, image, 1024, UINT64_MAX), 0);
        firmware_object_download_done(f->fw, -ECONNRESET);
        assert_int_equal(f->starts, 2);
        assert_int_equal(f->start_offset, 1024);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        /* A gap is refused; the bytes go on where they stopped. */
        assert_int_equal(firmware_object_download_data(f->fw, 2048, image, 10, UINT64_MAX),
                         -EPROTO);
        assert_int_equal(firmware_object_download_data(f->fw, 1024, image + 1024, 1024, UINT64_MAX),
                         0);
        firmware_object_download_done(f->fw, -ETIMEDOUT);
        assert_int_equal(f->start_offset, 2048);
        /* The server sends it whole again (no ranges): the spool starts over. */
        assert_int_equal(
                firmware_object_download_data(f->fw, 0, image, sizeof(image), sizeof(image)), 0);
        firmware_object_download_done(f->fw, 0);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_spool(f, image, sizeof(image));

        /* Out of attempts. */
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(f->cancels, 0); /* nothing was being fetched */
        for (int i = 0; i < 3; i++) {
                unsigned starts = f->starts;
                firmware_object_download_done(f->fw, -ETIMEDOUT);
                assert_int_equal(f->starts, starts + 1);
        }
        firmware_object_download_done(f->fw, -ETIMEDOUT);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
        /* A late answer of the fetch given up changes nothing. */
        assert_int_equal(firmware_object_download_data(f->fw, 0, image, 10, UINT64_MAX),
                         -ECANCELED);
        firmware_object_download_done(f->fw, 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
}

/* The resource changed during a CoAP fetch: started over once. */
static void test_stale(void **state)
{
        fixture *f = *state;
        make_object(f);
        uint8_t image[100];
        fill(image, sizeof(image), 3);
        assert_int_equal(write_uri(f, "coap://127.0.0.1/fw"), 0);
        assert_int_equal(firmware_object_download_data(f->fw, 0, image, 50, 100), 0);
        firmware_object_download_done(f->fw, -ESTALE);
        assert_int_equal(f->starts, 2);
        assert_int_equal(f->start_offset, 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        firmware_object_download_done(f->fw, -ESTALE);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
}

/* Cancel and an empty URI or Package, in Downloading and Downloaded. */
static void test_cancel_and_reset(void **state)
{
        fixture *f = *state;
        make_object(f);
        uint8_t image[10] = "0123456789";
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(execute(f, LWM2M_FW_CANCEL), 0);
        assert_int_equal(f->cancels, 1);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CANCELLED);

        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        assert_int_equal(write_uri(f, ""), 0);
        assert_int_equal(f->cancels, 2);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INITIAL);

        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(firmware_object_download_data(f->fw, 0, image, 10, 10), 0);
        firmware_object_download_done(f->fw, 0);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_int_equal(execute(f, LWM2M_FW_CANCEL), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CANCELLED);
        assert_int_equal(access(f->spool, F_OK), -1);

        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, image, 10), 0);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "", 0), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INITIAL);
}

/* A one-record write of the Package: the image goes to the spool and is checked. */
static void test_push_write(void **state)
{
        fixture *f = *state;
        make_object(f);
        uint8_t image[512];
        fill(image, sizeof(image), 9);
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, image, sizeof(image)),
                         0);
        assert_int_equal(f->checks, 1);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_spool(f, image, sizeof(image));
        assert_string_equal(f->last_saved.uri, "");
        /* The next change takes the copy the write's commit left in the tree. */
        lwm2m_path package = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_PACKAGE);
        assert_non_null(lwm2m_tree_get(f->tree, &package));
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        assert_null(lwm2m_tree_get(f->tree, &package));
}

static const lwm2m_stream_ops *stream_ops(fixture *f)
{
        const lwm2m_owner *o = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0);
        assert_non_null(o);
        assert_non_null(o->ops->stream);
        return o->ops->stream;
}

/* Block1 as the engine would stream it: retransmissions are harmless, a gap is not. */
static void test_push_stream(void **state)
{
        fixture *f = *state;
        make_object(f);
        const lwm2m_stream_ops *ops = stream_ops(f);
        const lwm2m_owner *o = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_PACKAGE);
        enum { SIZE = 1024 * 1024 + 100 };
        uint8_t *image = malloc(SIZE);
        assert_non_null(image);
        fill(image, SIZE, 5);
        void *s = NULL;
        assert_int_equal(ops->open(o->userdata, &p, 7, SIZE, &s), 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        for (size_t off = 0; off < SIZE; off += 1024) {
                size_t len = SIZE - off < 1024 ? SIZE - off : 1024;
                assert_int_equal(ops->write(o->userdata, s, off, image + off, len), 0);
                if (off == 4096) /* the same block again */
                        assert_int_equal(ops->write(o->userdata, s, off, image + off, len), 0);
        }
        assert_int_equal(ops->finish(o->userdata, s, SIZE), 0);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_spool(f, image, SIZE);

        /* A new push restarts; a gap aborts it with Result 4 (connection lost). */
        assert_int_equal(ops->open(o->userdata, &p, 7, UINT64_MAX, &s), 0);
        assert_int_equal(ops->write(o->userdata, s, 0, image, 1024), 0);
        assert_int_not_equal(ops->write(o->userdata, s, 4096, image, 1024), 0);
        assert_int_equal(get_int(f, LWM2M_FW_STATE), FIRMWARE_IDLE);
        ops->abort(o->userdata, s);
        assert_int_equal(get_int(f, LWM2M_FW_STATE), FIRMWARE_IDLE);

        /* Given up by the engine. */
        assert_int_equal(ops->open(o->userdata, &p, 7, UINT64_MAX, &s), 0);
        assert_int_equal(ops->write(o->userdata, s, 0, image, 1024), 0);
        ops->abort(o->userdata, s);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
        assert_int_equal(access(f->spool, F_OK), -1);

        /* A last block that does not end where the bytes did. */
        assert_int_equal(ops->open(o->userdata, &p, 7, 2048, &s), 0);
        assert_int_equal(ops->write(o->userdata, s, 0, image, 1024), 0);
        assert_int_equal(ops->finish(o->userdata, s, 2048), -EINVAL);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INTEGRITY);
        free(image);
}

/* No room on the spool's file system: Result 2, for push and pull. */
static void test_full_spool(void **state)
{
        fixture *f = *state;
        f->cfg.spool_reserve = UINT64_MAX / 2;
        make_object(f);
        const lwm2m_stream_ops *ops = stream_ops(f);
        const lwm2m_owner *o = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0);
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_PACKAGE);
        void *s = NULL;
        assert_int_equal(ops->open(o->userdata, &p, 7, 1000, &s), -ENOSPC);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_NO_SPACE);
        /* Not even the reserve is there: a pull does not start. */
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(f->starts, 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_NO_SPACE);
        uint8_t bytes[16] = {0};
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, bytes, 16), -ENOSPC);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_NO_SPACE);
        firmware_object_free(f->fw);

        /* The reserve fits, the announced image does not (the server's size, Size2). */
        struct statvfs st;
        assert_int_equal(statvfs(f->dir, &st), 0);
        uint64_t avail = (uint64_t)st.f_bavail * st.f_frsize;
        f->cfg.spool_reserve = 0;
        make_object(f);
        assert_int_equal(write_uri(f, "http://127.0.0.1/image"), 0);
        assert_int_equal(f->starts, 1);
        assert_int_equal(firmware_object_download_data(f->fw, 0, bytes, sizeof(bytes), avail * 2),
                         -ENOSPC);
        firmware_object_download_done(f->fw, -ENOSPC);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_NO_SPACE);
}

/* The check and the updater say no. */
static void test_bad_image_and_failed_update(void **state)
{
        fixture *f = *state;
        make_object(f);
        f->check_error = -ENOEXEC;
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "BAD", 3), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UNSUPPORTED_TYPE);
        f->check_error = -EBADMSG;
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "BAD", 3), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_INTEGRITY);

        /* A check that answers later. */
        f->check_error = 0;
        f->auto_check = false;
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "OK", 2), 0);
        assert_state(f, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        firmware_object_check_done(f->fw, 0, NULL, NULL);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);

        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        firmware_object_update_done(f->fw, -EIO, false);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UPDATE_FAILED);

        /* An updater that cannot even start. */
        f->auto_check = true;
        f->install_error = -EIO;
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "OK", 2), 0);
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UPDATE_FAILED);
}

/* Installed, the machine restarts: the outcome waits for the next registration. */
static void test_outcome_across_restart(void **state)
{
        fixture *f = *state;
        make_object(f);
        assert_int_equal(write_value(f, LWM2M_FW_PACKAGE, LWM2M_TYPE_OPAQUE, "IMAGE", 5), 0);
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        firmware_object_update_done(f->fw, 0, true);
        assert_state(f, FIRMWARE_UPDATING, FIRMWARE_RESULT_INITIAL);
        assert_true(f->last_saved.update_pending);
        assert_true(f->last_saved.update_installed);
        firmware_saved saved = f->last_saved;
        firmware_object_free(f->fw);

        f->cfg.saved = &saved;
        make_object(f);
        assert_int_equal(get_int(f, LWM2M_FW_STATE), FIRMWARE_UPDATING);
        assert_true(firmware_object_registered(f->fw));
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_SUCCESS);
        assert_false(firmware_object_registered(f->fw));
        firmware_object_free(f->fw);

        /* The updater never said it went in: failed. */
        saved.update_installed = false;
        make_object(f);
        assert_true(firmware_object_registered(f->fw));
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UPDATE_FAILED);
}

static void write_spool(fixture *f, const void *data, size_t len)
{
        int fd = open(f->spool, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), len);
        close(fd);
}

static void test_restart_states(void **state)
{
        fixture *f = *state;
        firmware_saved saved = {.state = FIRMWARE_DOWNLOADED, .spool_bytes = 6};
        snprintf(saved.pkg_name, sizeof(saved.pkg_name), "name");
        f->cfg.saved = &saved;

        /* Downloaded with its image: kept. */
        write_spool(f, "IMAGE!", 6);
        make_object(f);
        assert_int_equal(get_int(f, LWM2M_FW_STATE), FIRMWARE_DOWNLOADED);
        assert_string_equal(get_text(f, LWM2M_FW_PKG_NAME), "name");
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        assert_int_equal(f->installs, 1);
        firmware_object_free(f->fw);

        /* Downloaded, the image cut short: Idle, Result 4. */
        write_spool(f, "IMA", 3);
        make_object(f);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
        assert_int_equal(access(f->spool, F_OK), -1);
        firmware_object_free(f->fw);

        /* A push in progress does not survive. */
        saved = (firmware_saved){.state = FIRMWARE_DOWNLOADING};
        make_object(f);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_CONNECTION_LOST);
        firmware_object_free(f->fw);

        /* A pull goes on from the bytes in the spool. */
        saved = (firmware_saved){.state = FIRMWARE_DOWNLOADING};
        snprintf(saved.uri, sizeof(saved.uri), "http://127.0.0.1/image");
        write_spool(f, "0123456789", 10);
        f->starts = 0;
        make_object(f);
        assert_int_equal(f->starts, 1);
        assert_int_equal(f->start_offset, 10);
        assert_string_equal(f->start_uri, "http://127.0.0.1/image");
        assert_int_equal(firmware_object_download_data(f->fw, 10, (const uint8_t *)"ab", 2, 12), 0);
        firmware_object_download_done(f->fw, 0);
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_spool(f, (const uint8_t *)"0123456789ab", 12);
        firmware_object_free(f->fw);

        /* Updating without a pending outcome (an old file): failed. */
        saved = (firmware_saved){.state = FIRMWARE_UPDATING};
        make_object(f);
        assert_state(f, FIRMWARE_IDLE, FIRMWARE_RESULT_UPDATE_FAILED);
        assert_false(firmware_object_registered(f->fw));
}

/* RAUC streaming: an https:// URI is checked and installed from where it is. */
static void test_stream_https(void **state)
{
        fixture *f = *state;
        f->cfg.stream_https = true;
        f->actions.install_uri = on_install_uri;
        make_object(f);
        assert_int_equal(write_uri(f, "https://127.0.0.1/bundle.raucb"), 0);
        assert_int_equal(f->starts, 0);
        assert_string_equal(f->check_path, "https://127.0.0.1/bundle.raucb");
        assert_state(f, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
        assert_int_equal(execute(f, LWM2M_FW_UPDATE), 0);
        assert_int_equal(f->install_uris, 1);
        assert_int_equal(f->installs, 0);
        assert_string_equal(f->install_path, "https://127.0.0.1/bundle.raucb");
        /* http:// is still downloaded. */
        firmware_object_update_done(f->fw, 0, false);
        assert_int_equal(write_uri(f, "http://127.0.0.1/bundle.raucb"), 0);
        assert_int_equal(f->starts, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_initial),
                T(test_push_only),
                T(test_pull_update_success),
                T(test_uri_results),
                T(test_resume),
                T(test_stale),
                T(test_cancel_and_reset),
                T(test_push_write),
                T(test_push_stream),
                T(test_full_spool),
                T(test_bad_image_and_failed_update),
                T(test_outcome_across_restart),
                T(test_restart_states),
                T(test_stream_https),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
