/* test_firmware_push.c - integration: firmware images pushed block by block (Block1) into
 * /5/0/0 and pulled over CoAP, streamed by the real daemon into its spool file, byte for byte. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"

#define PACKAGE_PATH "/5/0/0"
#define URI_PATH     "/5/0/1"
#define MiB          ((size_t)1024 * 1024)

typedef struct fw_test {
        daemon_fixture f;
        char spool[400];
        char installed[400];
} fw_test;

/* Different at every offset a misplaced block could land on. */
static uint8_t *image(size_t len, unsigned seed)
{
        uint8_t *p = malloc(len ? len : 1);
        assert_non_null(p);
        uint32_t x = seed * 2654435761u + 7;
        for (size_t i = 0; i < len; i++) {
                x = x * 1103515245u + 12345u;
                p[i] = (uint8_t)(x >> 16);
        }
        return p;
}

/* The install command: copies the image where the test finds it and exits with the
 * status written in DIR/exit-status (0 when absent). */
static const char install_script[] =
        "#!/bin/sh\n"
        "dir=$(dirname \"$0\")\n"
        "cp \"$1\" \"$dir/installed.img\" || exit 99\n"
        "[ -f \"$dir/exit-status\" ] && exit $(cat \"$dir/exit-status\")\n"
        "exit 0\n";

static int start(fw_test *t, const char *spool_dir)
{
        daemon_fixture *f = &t->f;
        char script[400];
        if (fixture_write_file(f, "install.sh", install_script, script, sizeof(script)) < 0 ||
            chmod(script, 0755) < 0)
                return -1;
        snprintf(t->spool, sizeof(t->spool), "%s/fw.spool", spool_dir ? spool_dir : f->dir);
        snprintf(t->installed, sizeof(t->installed), "%s/installed.img", f->dir);
        char extra[1600];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = %s\nlifetime = 60\nretry-timer = 1\n"
                 "[firmware]\nbackend = command\ncommand = %s\nspool = %s\nreboot = no\n",
                 ts_uri(f->server), script, t->spool);
        if (fixture_write_config(f, extra) < 0 || fixture_start_daemon(f, NULL) < 0)
                return -1;
        return ts_wait_register(f->server, 0, 15000) ? 0 : -1;
}

static int group_setup(void **state)
{
        fw_test *t = calloc(1, sizeof(*t));
        if (!t || fixture_init(&t->f) < 0)
                return -1;
        *state = t;
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        t->f.server = ts_new(&cfg);
        if (!t->f.server)
                return -1;
        return start(t, NULL);
}

static int group_teardown(void **state)
{
        fw_test *t = *state;
        if (!t)
                return 0;
        if (t->f.pid) {
                int status = fixture_stop_daemon(&t->f, 10000);
                if (status != 0) {
                        fixture_print_log(&t->f, 6000);
                        fprintf(stderr, "daemon exit status %d\n", status);
                }
                fixture_assert_clean_log(&t->f);
        }
        fixture_cleanup(&t->f);
        free(t);
        return 0;
}

/* An integer resource as text. */
static long read_int(fw_test *t, const char *path)
{
        ts_response r;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_GET, path, -1, LWM2M_FORMAT_TEXT,
                                    -1, NULL, 0, 10000, &r),
                         0);
        if (r.code != COAP_RESPONSE_CODE_CONTENT)
                fail_msg("GET %s: %u.%02u", path, r.code >> 5, r.code & 31);
        char text[32] = "";
        memcpy(text, r.payload, r.len < sizeof(text) - 1 ? r.len : sizeof(text) - 1);
        ts_response_free(&r);
        return strtol(text, NULL, 10);
}

/* Waits until /5/0/3 State reads `state` (polling as a server would), then checks the result. */
static void wait_state(fw_test *t, long state, long result, int timeout_ms)
{
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        long now_state = -1;
        for (;;) {
                now_state = read_int(t, "/5/0/3");
                if (now_state == state)
                        break;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >
                    timeout_ms) {
                        fixture_print_log(&t->f, 4000);
                        fail_msg("State stayed %ld (result %ld), expected %ld", now_state,
                                 read_int(t, "/5/0/5"), state);
                }
                ts_process(t->f.server, 100);
        }
        assert_int_equal(read_int(t, "/5/0/5"), result);
}

static void expect_file(const char *path, const uint8_t *data, size_t len)
{
        FILE *fp = fopen(path, "rb");
        if (!fp)
                fail_msg("%s: %s", path, strerror(errno));
        uint8_t *got = malloc(len + 1);
        assert_non_null(got);
        size_t n = fread(got, 1, len + 1, fp);
        fclose(fp);
        if (n != len)
                fail_msg("%s holds %zu bytes, expected %zu", path, n, len);
        size_t i = 0;
        while (i < len && got[i] == data[i])
                i++;
        if (i < len)
                fail_msg("%s differs first at byte %zu of %zu", path, i, len);
        free(got);
}

/* Back to Idle: an empty Package write cancels whatever is going on. */
static void reset(fw_test *t)
{
        ts_response r;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_PUT, PACKAGE_PATH,
                                    LWM2M_FORMAT_OPAQUE, -1, -1, "", 0, 10000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        assert_int_equal(read_int(t, "/5/0/3"), 0);
}

static uint8_t put_block(fw_test *t, const uint8_t *body, size_t total, unsigned num, unsigned szx,
                         bool with_size1)
{
        size_t size = (size_t)1 << (szx + 4);
        size_t offset = (size_t)num * size;
        size_t len = total - offset < size ? total - offset : size;
        bool more = offset + len < total;
        ts_option opts[2] = {{COAP_OPTION_BLOCK1, (uint64_t)num << 4 | (more ? 8 : 0) | szx}};
        size_t n = 1;
        if (with_size1)
                opts[n++] = (ts_option){COAP_OPTION_SIZE1, (uint64_t)total};
        ts_response r;
        assert_int_equal(ts_request_raw(t->f.server, COAP_REQUEST_CODE_PUT, PACKAGE_PATH,
                                        LWM2M_FORMAT_OPAQUE, opts, n, body + offset, len, 10000,
                                        &r),
                         0);
        uint8_t code = r.code;
        if (code == COAP_RESPONSE_CODE_CONTINUE || code == COAP_RESPONSE_CODE_CHANGED)
                assert_int_equal(r.block1, (int64_t)((uint64_t)num << 4 | (more ? 8 : 0) | szx));
        ts_response_free(&r);
        return code;
}

static void put_blocks(fw_test *t, const uint8_t *body, size_t total, unsigned from, unsigned to,
                       unsigned szx)
{
        size_t size = (size_t)1 << (szx + 4);
        unsigned last = (unsigned)((total + size - 1) / size) - 1;
        for (unsigned num = from; num <= to; num++) {
                uint8_t code = put_block(t, body, total, num, szx, num == 0);
                uint8_t expect =
                        num == last ? COAP_RESPONSE_CODE_CHANGED : COAP_RESPONSE_CODE_CONTINUE;
                if (code != expect)
                        fail_msg("block %u of %zu bytes: %u.%02u", num, total, code >> 5,
                                 code & 31);
        }
}

static void test_push_16mib_as_libcoap_sends_it(void **state)
{
        fw_test *t = *state;
        size_t len = 16 * MiB;
        uint8_t *img = image(len, 1);
        int fds = fixture_fd_count(t->f.pid);
        ts_response r;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_PUT, PACKAGE_PATH,
                                    LWM2M_FORMAT_OPAQUE, -1, -1, img, len, 600000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        wait_state(t, 2, 0, 30000);
        expect_file(t->spool, img, len);
        /* The spool is closed once the image is whole. */
        assert_int_equal(fixture_fd_count(t->f.pid), fds);
        free(img);
        reset(t);
}

static void test_push_repeated_and_out_of_order_blocks(void **state)
{
        fw_test *t = *state;
        size_t len = 64 * 1024 + 100; /* 65 blocks of 1 KiB, the last short */
        uint8_t *img = image(len, 2);
        put_blocks(t, img, len, 0, 9, 6);
        /* A block sent again (a new message ID: the server's own retry) is acknowledged again. */
        assert_int_equal(put_block(t, img, len, 9, 6, false), COAP_RESPONSE_CODE_CONTINUE);
        assert_int_equal(put_block(t, img, len, 5, 6, false), COAP_RESPONSE_CODE_CONTINUE);
        /* A gap is refused, and the transfer waits for the missing block. */
        assert_int_equal(put_block(t, img, len, 12, 6, false), COAP_RESPONSE_CODE_INCOMPLETE);
        assert_int_equal(read_int(t, "/5/0/3"), 1);
        put_blocks(t, img, len, 10, 64, 6);
        wait_state(t, 2, 0, 10000);
        expect_file(t->spool, img, len);
        free(img);
        reset(t);
}

static void test_push_new_block0_restarts(void **state)
{
        fw_test *t = *state;
        size_t len_a = 40 * 1024, len_b = 20 * 1024 + 1;
        uint8_t *a = image(len_a, 3), *b = image(len_b, 4);
        put_blocks(t, a, len_a, 0, 19, 6);
        /* A retransmitted first block while only it has come is no restart... */
        put_blocks(t, b, len_b, 0, 0, 6);
        assert_int_equal(put_block(t, b, len_b, 0, 6, true), COAP_RESPONSE_CODE_CONTINUE);
        put_blocks(t, b, len_b, 1, 20, 6);
        wait_state(t, 2, 0, 10000);
        /* ...and the shorter second image leaves nothing of the first behind. */
        expect_file(t->spool, b, len_b);
        free(a);
        free(b);
        reset(t);
}

static void test_push_then_update(void **state)
{
        fw_test *t = *state;
        size_t len = 200 * 1024;
        uint8_t *img = image(len, 5);
        put_blocks(t, img, len, 0, (unsigned)(len / 1024) - 1, 6);
        wait_state(t, 2, 0, 10000);
        ts_response r;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_POST, "/5/0/2", -1, -1, -1, NULL,
                                    0, 10000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        wait_state(t, 0, 1, 20000);
        expect_file(t->installed, img, len);
        free(img);
}

/* The whole transfer must be refused before the first byte when it cannot fit. */
static void test_push_does_not_fit(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        fw_test *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        assert_int_equal(fixture_init(&t->f), 0);
        char mnt[400];
        snprintf(mnt, sizeof(mnt), "%s/small", t->f.dir);
        assert_int_equal(mkdir(mnt, 0700), 0);
        if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k") < 0) {
                fprintf(stderr, "no tmpfs here (%s): skipped\n", strerror(errno));
                fixture_cleanup(&t->f);
                free(t);
                skip();
        }
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        t->f.server = ts_new(&cfg);
        assert_non_null(t->f.server);
        assert_int_equal(start(t, mnt), 0);
        size_t len = MiB;
        uint8_t *img = image(len, 6);
        /* Size1 says 1 MiB: refused at once with 4.13. */
        assert_int_equal(put_block(t, img, len, 0, 6, true), COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        assert_int_equal(read_int(t, "/5/0/3"), 0);
        assert_int_equal(read_int(t, "/5/0/5"), 2);
        /* Without Size1 the file system fills up midway: refused then, with the same result. */
        uint8_t code = COAP_RESPONSE_CODE_CONTINUE;
        for (unsigned num = 0; num < 1024 && code == COAP_RESPONSE_CODE_CONTINUE; num++)
                code = put_block(t, img, len, num, 6, false);
        assert_int_equal(code, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        assert_int_equal(read_int(t, "/5/0/3"), 0);
        assert_int_equal(read_int(t, "/5/0/5"), 2);
        free(img);
        assert_int_equal(fixture_stop_daemon(&t->f, 10000), 0);
        fixture_assert_clean_log(&t->f);
        umount(mnt);
        fixture_cleanup(&t->f);
        free(t);
}

static void write_uri(fw_test *t, const char *uri)
{
        ts_response r;
        assert_int_equal(ts_request(t->f.server, COAP_REQUEST_CODE_PUT, URI_PATH, LWM2M_FORMAT_TEXT,
                                    -1, -1, uri, strlen(uri), 10000, &r),
                         0);
        if (r.code != COAP_RESPONSE_CODE_CHANGED)
                fail_msg("writing %s: %u.%02u", uri, r.code >> 5, r.code & 31);
        ts_response_free(&r);
}

static void test_pull_coap(void **state)
{
        fw_test *t = *state;
        size_t len = 4 * MiB + 17;
        uint8_t *img = image(len, 7);
        ts_serve_blob(t->f.server, "/fw/image.raucb", img, len);
        char uri[128];
        snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u/fw/image.raucb", ts_port(t->f.server));
        write_uri(t, uri);
        wait_state(t, 2, 0, 300000);
        expect_file(t->spool, img, len);
        free(img);
        reset(t);
}

/* The server goes silent midway and the daemon is stopped (the reboot of a gateway that
 * lost power): the next start resumes from what the spool holds, not from byte 0. */
static void test_pull_coap_resumed_after_restart(void **state)
{
        fw_test *t = *state;
        size_t len = 2 * MiB + 5;
        unsigned blocks = (unsigned)((len + 1023) / 1024);
        uint8_t *img = image(len, 8);
        ts_serve_blob(t->f.server, "/fw/resume.img", img, len);
        unsigned served = ts_blob_blocks(t->f.server);
        ts_blob_drop_after(t->f.server, 700);
        char uri[128];
        snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u/fw/resume.img", ts_port(t->f.server));
        write_uri(t, uri);
        for (int i = 0; i < 300 && ts_blob_blocks(t->f.server) - served < 700; i++)
                ts_process(t->f.server, 20);
        assert_int_equal(ts_blob_blocks(t->f.server) - served, 700);
        assert_int_equal(fixture_stop_daemon(&t->f, 10000), 0);
        ts_set_silent(t->f.server, false);
        ts_blob_drop_after(t->f.server, UINT_MAX);
        unsigned registered = ts_register_count(t->f.server);
        assert_int_equal(fixture_start_daemon(&t->f, NULL), 0);
        assert_non_null(ts_wait_register(t->f.server, registered, 15000));
        wait_state(t, 2, 0, 120000);
        expect_file(t->spool, img, len);
        /* Resumed: the blocks before the stop were not asked for again. */
        unsigned total = ts_blob_blocks(t->f.server) - served;
        if (total > blocks + 8)
                fail_msg("%u blocks served for an image of %u: not resumed", total, blocks);
        free(img);
        reset(t);
}

static void test_pull_coap_missing(void **state)
{
        fw_test *t = *state;
        char uri[128];
        snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u/fw/none", ts_port(t->f.server));
        write_uri(t, uri);
        /* 4.04: the URI names nothing (Invalid URI). */
        wait_state(t, 0, 7, 30000);
}

static void test_pull_unsupported_scheme(void **state)
{
        fw_test *t = *state;
        write_uri(t, "ftp://127.0.0.1/fw");
        wait_state(t, 0, 9, 10000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_push_repeated_and_out_of_order_blocks),
                cmocka_unit_test(test_push_new_block0_restarts),
                cmocka_unit_test(test_push_16mib_as_libcoap_sends_it),
                cmocka_unit_test(test_pull_coap),
                cmocka_unit_test(test_pull_coap_resumed_after_restart),
                cmocka_unit_test(test_pull_coap_missing),
                cmocka_unit_test(test_pull_unsupported_scheme),
                cmocka_unit_test(test_push_then_update),
                cmocka_unit_test(test_push_does_not_fit),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
