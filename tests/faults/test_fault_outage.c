/* test_fault_outage.c - fault suite: the server goes away (silent, port closed, killed,
 * answering garbage) and comes back, with or without its registrations; the daemon
 * must wait by its retry policy, stay flat, and register again soon after. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "faults_common.h"

typedef enum outage_kind {
        OUTAGE_SILENT,  /* the relay drops everything */
        OUTAGE_CLOSED,  /* the relay's port is closed: ICMP port unreachable */
        OUTAGE_KILLED,  /* the test server itself freed, a new one started after */
        OUTAGE_GARBAGE, /* the server's answers replaced by garbage or wrong codes */
} outage_kind;

typedef struct outage_case {
        outage_kind kind;
        unsigned seconds;
        bool forget; /* the server comes back without the registration (4.04 on Update) */
} outage_case;

static const char *kind_name(outage_kind k)
{
        return k == OUTAGE_SILENT   ? "silent"
               : k == OUTAGE_CLOSED ? "closed"
               : k == OUTAGE_KILLED ? "killed"
                                    : "garbage";
}

/* Longest a daemon may take to be registered again once the server is back: the
 * longest back-off wait (retry-max + 25 %), plus the longest gap between two CoAP
 * retransmissions of an exchange still in flight (ACK_TIMEOUT 2 s * 2^3 * 1.5), plus
 * a few seconds for the exchange and a slow sanitizer build. */
static int64_t recovery_bound_ms(const fault_env *e)
{
        return (int64_t)(1250.0 * e->retry_max) + 24000 + 5000;
}

/* Register and Update exchanges the daemon started so far: the relay sees them unless
 * the port is closed (or there is no relay); then the daemon's log counts them. */
static unsigned attempts(fault_env *e, outage_kind kind)
{
        if (e->relay && (kind == OUTAGE_SILENT || kind == OUTAGE_GARBAGE)) {
                relay_stats st;
                relay_get_stats(e->relay, &st);
                return st.registers + st.updates;
        }
        return faults_log_count(e, "registering with") + faults_log_count(e, "Update failed") +
               faults_log_count(e, "Update answered");
}

static void run_outage(fault_env *e, const outage_case *c)
{
        faults_small_quarantine();
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        faults_start(e, &cfg, c->kind == OUTAGE_KILLED, 0x5eed0000u + c->seconds);
        for (int i = 0; i < 5; i++) /* warm-up: the daemon's first reads allocate */
                faults_assert_reachable(e);
        faults_serve(e, 1000);
        proc_reading before = faults_read(e);
        unsigned regs0 = ts_register_count(e->f.server), upds0 = ts_update_count(e->f.server);
        unsigned tries0 = attempts(e, c->kind);

        /* The outage begins just as the daemon sends an Update, so that it meets it. */
        if (c->kind == OUTAGE_KILLED) {
                ts_response resp;
                assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_POST, "/1/0/8", -1, -1,
                                            -1, NULL, 0, 5000, &resp),
                                 0);
                ts_response_free(&resp);
                ts_free(e->f.server);
                e->f.server = NULL;
        } else {
                if (c->forget)
                        ts_forget(e->f.server);
                relay_outage mode = c->kind == OUTAGE_SILENT   ? RELAY_SILENT
                                    : c->kind == OUTAGE_CLOSED ? RELAY_CLOSED
                                                               : RELAY_PASS;
                if (c->kind == OUTAGE_GARBAGE)
                        relay_set_garble(e->relay, true);
                assert_int_equal(faults_trigger_update(e, mode), COAP_RESPONSE_CODE_CHANGED);
        }
        proc_reading w0 = faults_read(e);
        faults_serve(e, (int)c->seconds * 1000);
        proc_reading w1 = faults_read(e);
        unsigned tries = attempts(e, c->kind) - tries0;

        int64_t back_at = faults_now_ms();
        if (c->kind == OUTAGE_KILLED) {
                e->f.server = ts_new(&cfg);
                assert_non_null(e->f.server);
                regs0 = upds0 = 0;
        } else if (c->kind == OUTAGE_GARBAGE) {
                relay_set_garble(e->relay, false);
        } else {
                assert_int_equal(relay_set_outage(e->relay, RELAY_PASS), 0);
        }
        bool must_register = c->forget || c->kind == OUTAGE_KILLED;
        int64_t deadline = back_at + recovery_bound_ms(e);
        bool recovered = false;
        while (!recovered && faults_now_ms() < deadline) {
                faults_serve(e, 50);
                recovered = ts_register_count(e->f.server) > regs0 ||
                            (!must_register && ts_update_count(e->f.server) > upds0);
        }
        double recovery_s = (double)(faults_now_ms() - back_at) / 1000.0;
        bool reregistered = ts_register_count(e->f.server) > regs0;
        unsigned bound = faults_policy_bound(e, c->seconds, 2);
        double cpu = faults_cpu_percent(w0, w1);
        bool reachable = recovered && faults_reachable(e);
        if (reachable)
                faults_serve(e, 1000);
        proc_reading after = faults_read(e);
        /* A session given up may keep its socket until its last exchange ends (RFC 7252
         * MAX_TRANSMIT_WAIT, 93 s): lingering, not leaking, if the count comes back by then.
         * A few at most: more is a leak, and no reason to wait. */
        int64_t settle_ms = 0;
        for (int64_t t0 = faults_now_ms();
             after.fds > before.fds && after.fds <= before.fds + 4 && settle_ms < 100000;
             settle_ms = faults_now_ms() - t0) {
                faults_serve(e, 1000);
                after = faults_read(e);
        }
        printf("FIGURES outage %s %us %s: recovered %s in %.1f s (%s, bound %.1f s), then "
               "%sreachable; "
               "Register/Update exchanges during the outage %u (policy bound %u); "
               "CPU while waiting %.2f %% over %.1f s; fds %d -> %d (%.0f s settling); private "
               "dirty %ld -> %ld "
               "KiB\n",
               kind_name(c->kind), c->seconds, c->forget ? "forgetting" : "remembering",
               recovered ? "yes" : "NO", recovery_s, reregistered ? "new Register" : "Update",
               (double)recovery_bound_ms(e) / 1000.0, reachable ? "" : "NOT ", tries, bound, cpu,
               (double)(w1.at_ms - w0.at_ms) / 1000.0, before.fds, after.fds,
               (double)settle_ms / 1000.0, before.dirty_kb, after.dirty_kb);
        fflush(stdout);
        if (!recovered || !reachable || tries > bound || cpu >= 1.0)
                fixture_print_log(&e->f, 6000);
        assert_true(fixture_daemon_running(&e->f));
        assert_true(tries <= bound);
        assert_true(cpu < 1.0);
        assert_int_equal(after.fds, before.fds);
        assert_true(after.dirty_kb - before.dirty_kb <= 1024);
        assert_true(recovered);
        assert_true(reachable);
        faults_finish(e);
}

static const outage_case ci_cases[] = {
        {OUTAGE_SILENT, 5, false},  {OUTAGE_SILENT, 10, true}, {OUTAGE_CLOSED, 5, true},
        {OUTAGE_CLOSED, 10, false}, {OUTAGE_KILLED, 5, true},  {OUTAGE_GARBAGE, 8, true},
};

static const outage_case long_cases[] = {
        {OUTAGE_SILENT, 5, false},   {OUTAGE_SILENT, 5, true},    {OUTAGE_SILENT, 30, false},
        {OUTAGE_SILENT, 30, true},   {OUTAGE_SILENT, 120, false}, {OUTAGE_SILENT, 120, true},
        {OUTAGE_CLOSED, 5, false},   {OUTAGE_CLOSED, 5, true},    {OUTAGE_CLOSED, 30, false},
        {OUTAGE_CLOSED, 30, true},   {OUTAGE_CLOSED, 120, false}, {OUTAGE_CLOSED, 120, true},
        {OUTAGE_KILLED, 5, true},    {OUTAGE_KILLED, 30, true},   {OUTAGE_KILLED, 120, true},
        {OUTAGE_GARBAGE, 30, false}, {OUTAGE_GARBAGE, 30, true},
};

typedef struct outage_run {
        const outage_case *c;
        fault_env e;
} outage_run;

static int setup(void **state)
{
        outage_run *run = calloc(1, sizeof(*run));
        assert_non_null(run);
        run->c = *state; /* the case, as the test's initial state */
        *state = run;
        return 0;
}

static int teardown(void **state)
{
        outage_run *run = *state;
        faults_cleanup(&run->e);
        free(run);
        return 0;
}

static void test_outage(void **state)
{
        outage_run *run = *state;
        run_outage(&run->e, run->c);
}

int main(void)
{
        faults_main_init();
        bool is_long = faults_long_mode();
        const outage_case *cases = is_long ? long_cases : ci_cases;
        size_t n = is_long ? sizeof(long_cases) / sizeof(long_cases[0])
                           : sizeof(ci_cases) / sizeof(ci_cases[0]);
        struct CMUnitTest tests[32];
        char names[32][64];
        for (size_t i = 0; i < n; i++) {
                snprintf(names[i], sizeof(names[i]), "outage_%s_%us_%s", kind_name(cases[i].kind),
                         cases[i].seconds, cases[i].forget ? "forgetting" : "remembering");
                tests[i] = (struct CMUnitTest){.name = names[i],
                                               .test_func = test_outage,
                                               .setup_func = setup,
                                               .teardown_func = teardown,
                                               .initial_state = (void *)&cases[i]};
        }
        return _cmocka_run_group_tests("fault_outage", tests, n, NULL, NULL);
}
