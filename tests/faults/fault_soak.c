/* fault_soak.c - the bounded soak, by hand (soak.sh): many server Reads and D-Bus value
 * pushes with a server outage in the middle; descriptors and memory before and after. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <systemd/sd-bus.h>

#include "faults_common.h"

/* Private memory the daemon may gain over the whole soak, after its warm-up. */
#define SOAK_MEMORY_BOUND_KB 4096
#define WARMUP_READS         2000

/* A temperature instance the daemon holds (CreateInstance); returns its object path. */
static char *create_sensor(sd_bus *bus)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                   "CreateInstance", &error, &reply, "qqa{qv}", 3303, 65535, 1,
                                   5700, "d", 20.0);
        if (r < 0)
                fail_msg("CreateInstance: %s", error.message ? error.message : strerror(-r));
        const char *path = NULL;
        assert_true(sd_bus_message_read(reply, "o", &path) >= 0);
        char *copy = strdup(path);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        return copy;
}

static void push(sd_bus *bus, const char *path, double value)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, "org.lwm2md1", path, "org.lwm2md1.Instance", "SetValues",
                                   &error, NULL, "a{qv}", 1, 5700, "d", value);
        if (r < 0)
                fail_msg("SetValues: %s", error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
}

static void test_soak(void **state)
{
        fault_env *e = *state;
        const char *address = getenv("LWM2MD_SOAK_BUS");
        if (!address)
                fail_msg("LWM2MD_SOAK_BUS must name the private bus (soak.sh starts one)");
        unsigned reads = faults_env_uint("LWM2MD_SOAK_READS", 200000);
        unsigned pushes = faults_env_uint("LWM2MD_SOAK_PUSHES", 20000);
        unsigned outage_s = faults_env_uint("LWM2MD_SOAK_OUTAGE", 30);
        unsigned push_every = pushes ? (reads + pushes - 1) / pushes : 0;
        char extra[600];
        snprintf(extra, sizeof(extra), "[lwm2md]\nbus = %s\n", address);
        e->extra_config = extra;
        faults_small_quarantine();
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        faults_start(e, &cfg, false, 0x50a6);

        sd_bus *bus = NULL;
        assert_true(sd_bus_new(&bus) >= 0);
        assert_true(sd_bus_set_address(bus, address) >= 0);
        assert_true(sd_bus_set_bus_client(bus, 1) >= 0);
        assert_true(sd_bus_start(bus) >= 0);
        char *path = create_sensor(bus);
        char uri[64];
        const char *iid = strrchr(path, '/');
        snprintf(uri, sizeof(uri), "/3303/%s/5700", iid ? iid + 1 : "0");
        /* The new instance reaches the server in an Update. */
        assert_non_null(ts_wait_update(e->f.server, 0, 10000));

        proc_reading before = {0};
        unsigned pushed = 0, failed_reads = 0;
        int64_t outage_took = -1;
        for (unsigned i = 0; i < reads + WARMUP_READS; i++) {
                if (i == WARMUP_READS)
                        before = faults_read(e);
                if (i == WARMUP_READS + reads / 2 && outage_s) {
                        /* The server goes silent and comes back without the registration;
                         * values keep coming over D-Bus meanwhile. */
                        unsigned regs = ts_register_count(e->f.server);
                        ts_forget(e->f.server);
                        assert_int_equal(faults_trigger_update(e, RELAY_SILENT),
                                         COAP_RESPONSE_CODE_CHANGED);
                        int64_t until = faults_now_ms() + (int64_t)outage_s * 1000;
                        while (faults_now_ms() < until && pushed < pushes) {
                                push(bus, path, 20.0 + pushed % 100 / 10.0);
                                pushed++;
                                faults_serve(e, 10);
                        }
                        faults_serve(e, (int)(until - faults_now_ms() > 0 ? until - faults_now_ms()
                                                                          : 0));
                        int64_t back = faults_now_ms();
                        assert_int_equal(relay_set_outage(e->relay, RELAY_PASS), 0);
                        assert_non_null(ts_wait_register(e->f.server, regs, 60000));
                        outage_took = faults_now_ms() - back;
                }
                if (push_every && i % push_every == 0 && pushed < pushes) {
                        push(bus, path, 20.0 + pushed % 100 / 10.0);
                        pushed++;
                }
                ts_response resp;
                int r = ts_request(e->f.server, COAP_REQUEST_CODE_GET, uri, -1, -1, -1, NULL, 0,
                                   20000, &resp);
                if (r != 0 || resp.code != COAP_RESPONSE_CODE_CONTENT) {
                        if (failed_reads++ < 5)
                                printf("read %u: %s\n", i, r ? strerror(-r) : "not 2.05");
                }
                if (r == 0)
                        ts_response_free(&resp);
                if (i % 20000 == 0)
                        printf("read %u: private dirty %ld KiB, %d fds, %u pushes\n", i,
                               fixture_private_dirty_kb(e->f.pid), fixture_fd_count(e->f.pid),
                               pushed);
        }
        faults_serve(e, 500);
        proc_reading after = faults_read(e);
        printf("FIGURES soak: %u reads (%u failed), %u D-Bus pushes, %us outage in the middle "
               "(registered again %.1f s after it); fds %d -> %d; private dirty %ld -> %ld KiB; "
               "daemon CPU %.1f s over %.0f s\n",
               reads, failed_reads, pushed, outage_s, (double)outage_took / 1000.0, before.fds,
               after.fds, before.dirty_kb, after.dirty_kb, after.cpu_s - before.cpu_s,
               (double)(after.at_ms - before.at_ms) / 1000.0);
        free(path);
        sd_bus_flush_close_unref(bus);
        assert_int_equal(failed_reads, 0);
        assert_int_equal(after.fds, before.fds);
        assert_true(after.dirty_kb - before.dirty_kb <= SOAK_MEMORY_BOUND_KB);
        faults_finish(e);
}

int main(void)
{
        faults_main_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_soak, faults_setup, faults_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
