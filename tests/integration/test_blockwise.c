/* test_blockwise.c - integration: block-wise transfers of the real daemon, byte for byte:
 * Block1 writes in every order a server may send them, refusals, Block2 reads, large Registers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"

/* A String resource any server may write: the text of an Addressable Text Display. */
#define TEXT_PATH "/3341/0/5527"
#define MiB       ((size_t)1024 * 1024)

static uint64_t fnv1a(const void *data, size_t len)
{
        const uint8_t *p = data;
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

/* Printable, and different at every offset a misplaced block could land on. */
static char *pattern(size_t len, unsigned seed)
{
        char *s = malloc(len + 1);
        assert_non_null(s);
        uint32_t x = seed * 2654435761u + 1;
        for (size_t i = 0; i < len; i++) {
                x = x * 1103515245u + 12345u;
                s[i] = (char)('A' + (x >> 16) % 58);
                if (s[i] == '\\')
                        s[i] = '-';
        }
        s[len] = 0;
        return s;
}

static int group_setup(void **state)
{
        daemon_fixture *f = calloc(1, sizeof(*f));
        if (!f || fixture_init(f) < 0)
                return -1;
        *state = f;
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        f->server = ts_new(&cfg);
        if (!f->server)
                return -1;
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 20\nretry-timer = 1\n",
                 ts_uri(f->server));
        if (fixture_write_config(f, extra) < 0 || fixture_start_daemon(f, NULL) < 0)
                return -1;
        if (!ts_wait_register(f->server, 0, 15000))
                return -1;
        /* The instance the writes go to. */
        const char *create = "[{\"bn\":\"/3341/0/\",\"n\":\"5527\",\"vs\":\"x\"}]";
        ts_response r;
        if (ts_request(f->server, COAP_REQUEST_CODE_POST, "/3341", LWM2M_FORMAT_SENML_JSON, -1, -1,
                       create, strlen(create), 5000, &r) < 0 ||
            r.code != COAP_RESPONSE_CODE_CREATED)
                return -1;
        ts_response_free(&r);
        return 0;
}

static int group_teardown(void **state)
{
        daemon_fixture *f = *state;
        fixture_assert_clean_log(f);
        fixture_cleanup(f);
        free(f);
        return 0;
}

static uint8_t block_code(daemon_fixture *f, unsigned num, bool more, unsigned szx, int64_t size1,
                          const char *data, size_t len, ts_response *out)
{
        ts_option opts[2] = {{COAP_OPTION_BLOCK1, (uint64_t)num << 4 | (more ? 8 : 0) | szx}};
        size_t n = 1;
        if (size1 >= 0)
                opts[n++] = (ts_option){COAP_OPTION_SIZE1, (uint64_t)size1};
        int r = ts_request_raw(f->server, COAP_REQUEST_CODE_PUT, TEXT_PATH, LWM2M_FORMAT_TEXT, opts,
                               n, data, len, 5000, out);
        assert_int_equal(r, 0);
        return out->code;
}

/* Sends one block and checks the answer: 2.31 with the block echoed, or the final code. */
static void send_block(daemon_fixture *f, const char *body, size_t total, unsigned num,
                       unsigned szx, int64_t size1, uint8_t expect)
{
        size_t size = (size_t)1 << (szx + 4);
        size_t offset = (size_t)num * size;
        size_t len = total - offset < size ? total - offset : size;
        bool more = offset + len < total;
        ts_response r;
        uint8_t code = block_code(f, num, more, szx, size1, body + offset, len, &r);
        if (code != expect)
                fail_msg("block %u (szx %u) of %zu bytes: got %u.%02u, expected %u.%02u", num, szx,
                         total, code >> 5, code & 31, expect >> 5, expect & 31);
        if (expect == COAP_RESPONSE_CODE_CONTINUE || expect == COAP_RESPONSE_CODE_CHANGED) {
                /* Each answer names the block it answers; M only while more is wanted. */
                assert_int_equal(r.block1, (int64_t)((uint64_t)num << 4 | (more ? 8 : 0) | szx));
        }
        ts_response_free(&r);
}

static void expect_stored(daemon_fixture *f, const char *body, size_t len)
{
        ts_response r;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_GET, TEXT_PATH, -1,
                                    LWM2M_FORMAT_TEXT, -1, NULL, 0, 30000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CONTENT);
        if (r.len != len || fnv1a(r.payload, r.len) != fnv1a(body, len))
                fail_msg("stored %zu bytes (hash %016llx), wrote %zu (hash %016llx)", r.len,
                         (unsigned long long)fnv1a(r.payload, r.len), len,
                         (unsigned long long)fnv1a(body, len));
        assert_memory_equal(r.payload, body, len);
        ts_response_free(&r);
}

/* Sends `body` in order in blocks of 2^(szx+4) bytes. */
static void write_in_order(daemon_fixture *f, const char *body, size_t len, unsigned szx,
                           bool with_size1)
{
        size_t size = (size_t)1 << (szx + 4);
        unsigned blocks = (unsigned)((len + size - 1) / size);
        for (unsigned num = 0; num < blocks; num++)
                send_block(f, body, len, num, szx, with_size1 && num == 0 ? (int64_t)len : -1,
                           num + 1 < blocks ? COAP_RESPONSE_CODE_CONTINUE
                                            : COAP_RESPONSE_CODE_CHANGED);
}

static void test_one_mib_in_order_with_size1(void **state)
{
        daemon_fixture *f = *state;
        char *body = pattern(MiB, 1);
        write_in_order(f, body, MiB, 6, true);
        expect_stored(f, body, MiB);
        free(body);
}

static void test_one_mib_as_libcoap_sends_it(void **state)
{
        daemon_fixture *f = *state;
        /* libcoap's own client: Size1, Request-Tag, its own block size. */
        char *body = pattern(MiB, 2);
        ts_response r;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_PUT, TEXT_PATH, LWM2M_FORMAT_TEXT,
                                    -1, -1, body, MiB, 60000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&r);
        expect_stored(f, body, MiB);
        free(body);
}

static void test_without_size1_and_uneven_tail(void **state)
{
        daemon_fixture *f = *state;
        size_t len = 64 * 1024 + 333;
        char *body = pattern(len, 3);
        write_in_order(f, body, len, 6, false);
        expect_stored(f, body, len);
        free(body);
}

static void test_block_size_shrinks_midway(void **state)
{
        daemon_fixture *f = *state;
        /* 1024-byte blocks 0..3, then 256-byte blocks from offset 4096 (block 16). */
        size_t len = 10000;
        char *body = pattern(len, 4);
        for (unsigned num = 0; num < 4; num++)
                send_block(f, body, len, num, 6, num == 0 ? (int64_t)len : -1,
                           COAP_RESPONSE_CODE_CONTINUE);
        unsigned last = (unsigned)((len + 255) / 256) - 1;
        for (unsigned num = 16; num <= last; num++)
                send_block(f, body, len, num, 4, -1,
                           num < last ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED);
        expect_stored(f, body, len);
        free(body);
}

static void test_repeated_block_is_taken_once(void **state)
{
        daemon_fixture *f = *state;
        /* A block sent again under a new message ID (its answer was lost). */
        size_t len = 5000;
        char *body = pattern(len, 5);
        send_block(f, body, len, 0, 6, -1, COAP_RESPONSE_CODE_CONTINUE);
        send_block(f, body, len, 1, 6, -1, COAP_RESPONSE_CODE_CONTINUE);
        send_block(f, body, len, 1, 6, -1, COAP_RESPONSE_CODE_CONTINUE);
        for (unsigned num = 2; num < 5; num++)
                send_block(f, body, len, num, 6, -1,
                           num < 4 ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED);
        expect_stored(f, body, len);
        free(body);
}

static void test_out_of_order_and_gaps_change_nothing(void **state)
{
        daemon_fixture *f = *state;
        char *before = pattern(3000, 6);
        write_in_order(f, before, 3000, 6, true);

        char *body = pattern(8192, 7);
        /* A gap: block 2 after block 0. */
        send_block(f, body, 8192, 0, 6, 8192, COAP_RESPONSE_CODE_CONTINUE);
        send_block(f, body, 8192, 2, 6, -1, COAP_RESPONSE_CODE_INCOMPLETE);
        /* The transfer is gone: what follows is incomplete too. */
        send_block(f, body, 8192, 3, 6, -1, COAP_RESPONSE_CODE_INCOMPLETE);
        /* Backwards. */
        send_block(f, body, 8192, 0, 6, 8192, COAP_RESPONSE_CODE_CONTINUE);
        send_block(f, body, 8192, 1, 6, -1, COAP_RESPONSE_CODE_CONTINUE);
        send_block(f, body, 8192, 0, 6, -1, COAP_RESPONSE_CODE_CONTINUE); /* block 0 starts over */
        send_block(f, body, 8192, 5, 6, -1, COAP_RESPONSE_CODE_INCOMPLETE);
        /* A last block with no first. */
        send_block(f, body, 8192, 7, 6, -1, COAP_RESPONSE_CODE_INCOMPLETE);
        expect_stored(f, before, 3000);
        free(body);
        free(before);
}

static void test_malformed_blocks_are_refused(void **state)
{
        daemon_fixture *f = *state;
        char *body = pattern(4096, 8);
        ts_response r;
        /* A block that is not the last must be full. */
        assert_int_equal(block_code(f, 0, true, 6, -1, body, 1000, &r),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        ts_response_free(&r);
        /* A last block longer than the block size. */
        assert_int_equal(block_code(f, 0, true, 6, -1, body, 1024, &r),
                         COAP_RESPONSE_CODE_CONTINUE);
        ts_response_free(&r);
        assert_int_equal(block_code(f, 1, false, 6, -1, body + 1024, 1090, &r),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        ts_response_free(&r);
        /* szx 7 (BERT) is for TCP only. */
        assert_int_equal(block_code(f, 0, true, 7, -1, body, 1024, &r),
                         COAP_RESPONSE_CODE_BAD_OPTION);
        ts_response_free(&r);
        free(body);
}

static void test_oversized_body_is_refused_with_size1(void **state)
{
        daemon_fixture *f = *state;
        char *body = pattern(1024, 9);
        ts_response r;
        /* Announced too large: refused at the first block, with the limit. */
        assert_int_equal(block_code(f, 0, true, 6, 64 * (int64_t)MiB, body, 1024, &r),
                         COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        assert_int_equal(r.size1, 4 * (int64_t)MiB);
        ts_response_free(&r);
        /* Unannounced, caught when it passes the limit. */
        unsigned blocks = (unsigned)(4 * MiB / 1024);
        for (unsigned num = 0; num < blocks; num += 1) {
                uint8_t code = block_code(f, num, true, 6, -1, body, 1024, &r);
                ts_response_free(&r);
                if (code != COAP_RESPONSE_CODE_CONTINUE)
                        fail_msg("block %u: %u.%02u", num, code >> 5, code & 31);
        }
        assert_int_equal(block_code(f, blocks, true, 6, -1, body, 1024, &r),
                         COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
        ts_response_free(&r);
        free(body);
}

static void test_block2_reads_and_past_the_end(void **state)
{
        daemon_fixture *f = *state;
        size_t len = 2500;
        char *body = pattern(len, 10);
        write_in_order(f, body, len, 6, true);
        /* Slices of 256 bytes as asked (libcoap's client fetches them all and hands the
         * whole over): ten GETs in the daemon's log, the value whole. */
        const char *get = "GET /3341/0/5527 (message";
        unsigned before = fixture_log_count(f, get);
        ts_option o = {COAP_OPTION_BLOCK2, 4};
        ts_response r;
        assert_int_equal(ts_request_raw(f->server, COAP_REQUEST_CODE_GET, TEXT_PATH, -1, &o, 1,
                                        NULL, 0, 5000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(r.len, len);
        assert_memory_equal(r.payload, body, len);
        ts_response_free(&r);
        assert_int_equal(fixture_log_count(f, get) - before, (len + 255) / 256);
        /* A block past the end. */
        o.value = (uint64_t)200 << 4 | 4;
        assert_int_equal(ts_request_raw(f->server, COAP_REQUEST_CODE_GET, TEXT_PATH, -1, &o, 1,
                                        NULL, 0, 5000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_BAD_OPTION);
        ts_response_free(&r);
        free(body);
}

static void test_register_payload_of_3000_instances(void **state)
{
        daemon_fixture *f = *state;
        /* Each Create adds a link; the Register and Update payloads go block-wise. */
        for (int i = 1; i <= 3000; i++) {
                char create[128];
                snprintf(create, sizeof(create),
                         "[{\"bn\":\"/3341/%d/\",\"n\":\"5527\",\"vs\":\"%d\"}]", i, i);
                ts_response r;
                assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/3341",
                                            LWM2M_FORMAT_SENML_JSON, -1, -1, create, strlen(create),
                                            5000, &r),
                                 0);
                if (r.code != COAP_RESPONSE_CODE_CREATED)
                        fail_msg("Create of /3341/%d: %u.%02u", i, r.code >> 5, r.code & 31);
                ts_response_free(&r);
        }
        /* An Update with every link... */
        unsigned updates = ts_update_count(f->server);
        ts_response r;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1, -1, NULL,
                                    0, 5000, &r),
                         0);
        ts_response_free(&r);
        ts_registration *reg = ts_wait_update(f->server, updates, 30000);
        assert_non_null(reg);
        for (int tries = 0; tries < 100 && !strstr(reg->links ? reg->links : "", "</3341/3000>");
             tries++) {
                reg = ts_wait_update(f->server, ts_update_count(f->server), 1000);
                if (!reg)
                        reg = ts_current(f->server);
        }
        assert_non_null(strstr(reg->links, "</3341/0>"));
        assert_non_null(strstr(reg->links, "</3341/3000>"));
        assert_true(strlen(reg->links) > 30000);

        /* ...and a Register with every link, after the server forgot us: the next
         * Update (every 10 s with a lifetime of 20 s) is answered 4.04. */
        unsigned registers = ts_register_count(f->server);
        ts_forget(f->server);
        reg = ts_wait_register(f->server, registers, 30000);
        assert_non_null(reg);
        assert_non_null(strstr(reg->links, "</3341/3000>"));
        assert_true(fixture_daemon_running(f));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_mib_in_order_with_size1),
                cmocka_unit_test(test_one_mib_as_libcoap_sends_it),
                cmocka_unit_test(test_without_size1_and_uneven_tail),
                cmocka_unit_test(test_block_size_shrinks_midway),
                cmocka_unit_test(test_repeated_block_is_taken_once),
                cmocka_unit_test(test_out_of_order_and_gaps_change_nothing),
                cmocka_unit_test(test_malformed_blocks_are_refused),
                cmocka_unit_test(test_oversized_body_is_refused_with_size1),
                cmocka_unit_test(test_block2_reads_and_past_the_end),
                cmocka_unit_test(test_register_payload_of_3000_instances),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
