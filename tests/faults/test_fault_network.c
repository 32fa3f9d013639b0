/* test_fault_network.c - fault suite: a lossy path (the relay drops 10 % and 30 % of
 * datagrams both ways) and an address change (NAT rebinding toward the server). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "faults_common.h"
#include "raw_coap.h"

/* The test server's first retransmission timeout: the shortest libcoap takes, so that a
 * lossy run fits CI. */
#define ACK_TIMEOUT_MS 1000
/* Lifetime for the lossy runs: the daemon sends its Update 60 s before the end, more than
 * an exchange with three lost transmissions takes (RFC 7252: 2 + 4 + 8 s, times 1.5). */
#define LOSSY_LIFETIME 120
#define MAX_RETRANSMIT 4 /* libcoap's default, as RFC 7252 */

static int cmp_ms(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

static void run_lossy(fault_env *e, double loss, unsigned ops)
{
        faults_small_quarantine();
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .ack_timeout_ms = ACK_TIMEOUT_MS};
        e->lifetime = LOSSY_LIFETIME;
        faults_start(e, &cfg, false, 0x10553u + (uint32_t)(loss * 100));
        faults_assert_reachable(e);
        proc_reading before = faults_read(e);
        relay_set_loss(e->relay, loss, loss);

        /* RFC 7252 MAX_TRANSMIT_WAIT for these parameters: the most an exchange may take. */
        const int64_t budget_ms =
                (int64_t)(ACK_TIMEOUT_MS * ((1 << (MAX_RETRANSMIT + 1)) - 1) * 1.5);
        /* An exchange fails when all its transmissions, or all their answers, are lost. */
        double fail_p = pow(1 - (1 - loss) * (1 - loss), MAX_RETRANSMIT + 1);
        unsigned allowed_failures = (unsigned)ceil(3 * fail_p * ops) + 1;

        int64_t *lat = calloc(ops, sizeof(*lat));
        assert_non_null(lat);
        unsigned done = 0, failed = 0, late = 0, wrong = 0;
        int64_t began = faults_now_ms();
        for (unsigned i = 0; i < ops; i++) {
                bool write = i % 2;
                char value[8];
                snprintf(value, sizeof(value), "%u", 1 + i % 9);
                ts_response resp;
                int64_t t0 = faults_now_ms();
                int r = write ? ts_request(e->f.server, COAP_REQUEST_CODE_PUT, "/1/0/2", 0, -1, -1,
                                           value, strlen(value), (int)budget_ms + 5000, &resp)
                              : ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3/0/0", -1, -1, -1,
                                           NULL, 0, (int)budget_ms + 5000, &resp);
                int64_t took = faults_now_ms() - t0;
                if (r == 0) {
                        uint8_t want =
                                write ? COAP_RESPONSE_CODE_CHANGED : COAP_RESPONSE_CODE_CONTENT;
                        if (resp.code != want) {
                                char cs[8];
                                if (wrong++ < 5)
                                        printf("%s %u answered %s after %lld ms\n",
                                               write ? "write" : "read", i,
                                               ts_code_str(resp.code, cs), (long long)took);
                        }
                        ts_response_free(&resp);
                        lat[done++] = took;
                        if (took > budget_ms)
                                late++;
                } else {
                        failed++;
                        printf("%s %u: %s after %lld ms\n", write ? "write" : "read", i,
                               strerror(-r), (long long)took);
                        if (took > budget_ms + 1000)
                                late++;
                }
        }
        double total_s = (double)(faults_now_ms() - began) / 1000.0;
        relay_set_loss(e->relay, 0, 0);
        qsort(lat, done, sizeof(*lat), cmp_ms);
        int64_t p50 = done ? lat[done / 2] : -1, p99 = done ? lat[(done * 99) / 100] : -1;
        free(lat);
        relay_stats st;
        relay_get_stats(e->relay, &st);
        faults_serve(e, 500);
        faults_assert_reachable(e);
        proc_reading after = faults_read(e);
        printf("FIGURES lossy %.0f %%: %u reads+writes in %.1f s, %u completed (%.1f %%, %u of "
               "them with a wrong code), %u gave up "
               "(allowed %u, expected %.2f), %u over the %.2f s budget; latency p50 %lld ms "
               "p99 %lld ms; relay dropped %u to the server, %u to the daemon; Registers %u; "
               "fds %d -> %d; private dirty %ld -> %ld KiB\n",
               loss * 100, ops, total_s, done, 100.0 * done / ops, wrong, failed, allowed_failures,
               fail_p * ops, late, (double)budget_ms / 1000.0, (long long)p50, (long long)p99,
               st.dropped_to_server, st.dropped_to_daemon, ts_register_count(e->f.server),
               before.fds, after.fds, before.dirty_kb, after.dirty_kb);
        fflush(stdout);
        if (wrong || failed > allowed_failures)
                fixture_print_log(&e->f, 3000);
        assert_int_equal(wrong, 0);
        assert_int_equal(late, 0);
        assert_true(failed <= allowed_failures);
        /* The registration survived: no new Register was needed. At 30 % both ways an
         * Update fails outright (all five transmissions or their answers lost) with
         * probability 0.51^5 = 3.4 %, after which registering again is right: one allowed. */
        assert_true(ts_register_count(e->f.server) <= (loss > 0.2 ? 2u : 1u));
        assert_non_null(ts_current(e->f.server));
        assert_true(ts_current(e->f.server)->registered);
        assert_int_equal(after.fds, before.fds);
        faults_finish(e);
}

static void test_lossy_10(void **state)
{
        run_lossy(*state, 0.10,
                  faults_env_uint("LWM2MD_FAULTS_LOSSY_OPS", faults_long_mode() ? 1000 : 40));
}

static void test_lossy_30(void **state)
{
        run_lossy(*state, 0.30,
                  faults_env_uint("LWM2MD_FAULTS_LOSSY_OPS", faults_long_mode() ? 500 : 20));
}

/* The relay takes a new source port toward the server (a NAT mapping that changed),
 * and the server knows registrations by address: the daemon's next Update is answered
 * 4.04, and it must register again; while `silent_first`, the path also drops
 * everything for a while first, so that the daemon sees no answer before that. */
static void run_rebind(fault_env *e, bool silent_first)
{
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .strict_address = true};
        faults_start(e, &cfg, false, 0xb1d);
        faults_assert_reachable(e);
        proc_reading before = faults_read(e);
        int64_t t0 = faults_now_ms();
        if (silent_first) {
                assert_int_equal(faults_trigger_update(e, RELAY_SILENT),
                                 COAP_RESPONSE_CODE_CHANGED);
                faults_serve(e, 4000);
                assert_int_equal(relay_rebind_server_side(e->relay), 0);
                assert_int_equal(relay_set_outage(e->relay, RELAY_PASS), 0);
        } else {
                assert_int_equal(relay_rebind_server_side(e->relay), 0);
                assert_int_equal(faults_trigger_update(e, RELAY_PASS), COAP_RESPONSE_CODE_CHANGED);
        }
        int64_t bound_ms = (int64_t)(1250.0 * e->retry_max) + 24000 + 5000;
        ts_registration *r = ts_wait_register(e->f.server, 1, (int)bound_ms);
        double took = (double)(faults_now_ms() - t0) / 1000.0;
        printf("FIGURES rebind%s: registered again %s after %.1f s (bound %.1f s); 4.04 seen in "
               "the log: %s\n",
               silent_first ? " after silence" : "", r ? "yes" : "NO", took,
               (double)bound_ms / 1000.0,
               fixture_log_contains(&e->f, "Update answered 4.04") ? "yes" : "no");
        fflush(stdout);
        if (!r)
                fixture_print_log(&e->f, 6000);
        assert_non_null(r);
        assert_true(fixture_log_contains(&e->f, "Update answered 4.04"));
        /* The server reaches the daemon through the new mapping. */
        faults_assert_reachable(e);
        proc_reading after = faults_read(e);
        assert_int_equal(after.fds, before.fds);
        faults_finish(e);
}

static void test_rebind_server_side(void **state)
{
        run_rebind(*state, false);
}

static void test_rebind_after_silence(void **state)
{
        run_rebind(*state, true);
}

/* Injects `req` twice under the same message ID, as a server does whose answer was
 * lost: both answers must be the same bytes. Returns the answer's code. */
static uint8_t inject_twice(fault_env *e, const uint8_t *req, size_t n)
{
        uint8_t first[1500], again[1500];
        int a = relay_inject(e->relay, req, n, first, sizeof(first), 5000, RELAY_PASS);
        int b = relay_inject(e->relay, req, n, again, sizeof(again), 5000, RELAY_PASS);
        assert_true(a >= 4);
        assert_int_equal(a, b);
        assert_memory_equal(first, again, (size_t)a);
        return first[1];
}

static size_t block_request(uint8_t *buf, size_t size, uint16_t mid, unsigned num, bool more,
                            const void *payload, size_t len)
{
        raw_msg m = {.version = 1, .type = RAW_CON, .code = COAP_REQUEST_CODE_PUT, .mid = mid};
        m.token_len = 2;
        memcpy(m.token, &mid, 2);
        raw_add_option(&m, COAP_OPTION_URI_PATH, "3341", 4);
        raw_add_option(&m, COAP_OPTION_URI_PATH, "0", 1);
        raw_add_option(&m, COAP_OPTION_URI_PATH, "5527", 4);
        uint8_t cf[4], b1[4];
        raw_add_option(&m, COAP_OPTION_CONTENT_FORMAT, cf, raw_uint(0, cf));
        raw_add_option(&m, COAP_OPTION_BLOCK1, b1, raw_uint(num << 4 | (more ? 8u : 0u) | 6u, b1));
        m.payload = payload;
        m.len = len;
        return raw_encode(&m, buf, size);
}

/* A confirmable request sent again under its message ID (the answer was lost) is
 * answered as the first time and not done twice: one Create makes one instance, and the
 * last block of a block-wise Write does not find its transfer gone. */
static void test_retransmitted_requests_answered_alike(void **state)
{
        fault_env *e = *state;
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        faults_start(e, &cfg, false, 0xdd);
        faults_assert_reachable(e);

        const char *create = "[{\"bn\":\"/3341/0/\",\"n\":\"5527\",\"vs\":\"once\"}]";
        uint8_t req[1500];
        size_t n = faults_build_request(req, sizeof(req), 0x7001, COAP_REQUEST_CODE_POST, "3341",
                                        110, create, strlen(create));
        assert_int_equal(inject_twice(e, req, n), COAP_RESPONSE_CODE_CREATED);
        /* Asked again, a second Create would have been refused (4.00: /3341/0 exists). */

        char block[1024];
        memset(block, 'a', sizeof(block));
        n = block_request(req, sizeof(req), 0x7002, 0, true, block, sizeof(block));
        assert_int_equal(inject_twice(e, req, n), COAP_RESPONSE_CODE_CONTINUE);
        n = block_request(req, sizeof(req), 0x7003, 1, false, "bcdefghijk", 10);
        assert_int_equal(inject_twice(e, req, n), COAP_RESPONSE_CODE_CHANGED);

        ts_response r;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3341/0/5527", -1, 0, -1,
                                    NULL, 0, 5000, &r),
                         0);
        assert_int_equal(r.code, COAP_RESPONSE_CODE_CONTENT);
        assert_int_equal(r.len, 1034);
        assert_memory_equal(r.payload + 1024, "bcdefghijk", 10);
        ts_response_free(&r);
        faults_finish(e);
}

/* Datagrams that are not DTLS records reach the daemon's DTLS socket as from its server
 * (garbage, plaintext CoAP, a record header cut short, a record followed by junk): the
 * socket filter drops them before GnuTLS sees them, so none costs the request after
 * it; the drops are counted in the log when the session ends. */
static void test_dtls_strays_dropped(void **state)
{
        fault_env *e = *state;
        static const uint8_t key[] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe};
        ts_config cfg = {.security = TS_SECURITY_PSK,
                         .psk_identity = "faults",
                         .psk_key = key,
                         .psk_key_len = sizeof(key)};
        faults_start(e, &cfg, false, 0x5ea);
        faults_assert_reachable(e);
        proc_reading before = faults_read(e);
        /* Bytes 2 and 3 (a CoAP message ID to the relay) never match a DTLS record's,
         * which hold the version's low byte and the epoch's high byte. */
        const uint8_t coap_get[] = {0x40, 0x01, 0x00, 0x00, 0xb1, '3'};
        const uint8_t short_header[] = {23, 0xfe, 0x00, 0x00, 0x01, 0x00};
        const uint8_t long_length[] = {23, 0xfe, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 9, 0, 40, 1, 2};
        const uint8_t record_then_junk[] = {23, 0xfe, 0x00, 0x00, 0x01, 0, 0,  0,
                                            0,  0,    2,    0,    1,    0, 'x'};
        const struct {
                const uint8_t *bytes;
                size_t len;
        } strays[] = {
                {coap_get, sizeof(coap_get)},
                {short_header, sizeof(short_header)},
                {long_length, sizeof(long_length)},
                {record_then_junk, sizeof(record_then_junk)},
        };
        const unsigned rounds = 10;
        for (unsigned round = 0; round < rounds; round++) {
                for (size_t i = 0; i < sizeof(strays) / sizeof(strays[0]); i++)
                        assert_int_equal(relay_inject(e->relay, strays[i].bytes, strays[i].len,
                                                      NULL, 0, 20, RELAY_PASS),
                                         -ETIMEDOUT);
                /* Each stray is followed by a real request: it is answered at once. */
                ts_response r;
                assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3/0/0", -1, 0, -1,
                                            NULL, 0, 1500, &r),
                                 0);
                assert_int_equal(r.code, COAP_RESPONSE_CODE_CONTENT);
                ts_response_free(&r);
        }
        proc_reading after = faults_read(e);
        assert_int_equal(after.fds, before.fds);
        assert_int_equal(ts_register_count(e->f.server), 1);
        faults_finish(e);
        assert_true(fixture_log_contains(&e->f, "dropped: not DTLS records"));
}

int main(void)
{
        faults_main_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_lossy_10, faults_setup, faults_teardown),
                cmocka_unit_test_setup_teardown(test_lossy_30, faults_setup, faults_teardown),
                cmocka_unit_test_setup_teardown(test_rebind_server_side, faults_setup,
                                                faults_teardown),
                cmocka_unit_test_setup_teardown(test_rebind_after_silence, faults_setup,
                                                faults_teardown),
                cmocka_unit_test_setup_teardown(test_retransmitted_requests_answered_alike,
                                                faults_setup, faults_teardown),
                cmocka_unit_test_setup_teardown(test_dtls_strays_dropped, faults_setup,
                                                faults_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
