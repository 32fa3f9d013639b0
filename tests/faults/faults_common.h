/* faults_common.h - what the fault tests share: the real daemon behind the UDP relay,
 * readings of the daemon process (descriptors, private memory, CPU) and injected requests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/integration/daemon_fixture.h"
#include "udp_relay.h"

typedef struct fault_env {
        daemon_fixture f;
        udp_relay *relay; /* NULL when the daemon talks to the server directly */
        uint16_t server_port;
        unsigned lifetime, retry_timer, retry_max; /* seconds, as configured */
        uint16_t next_mid;
        const char *extra_config; /* more configuration sections, or NULL */
} fault_env;

typedef struct proc_reading {
        int fds;
        long dirty_kb;
        double cpu_s;
        int64_t at_ms;
} proc_reading;

/* cmocka setup and teardown: a zeroed fault_env as the state, cleaned up after the
 * test whether it passed or not. */
int faults_setup(void **state);
int faults_teardown(void **state);
/* For main: stdout line by line (figures reach a log even if the test dies), and
 * LWM2MD_FAULTS_ONLY=pattern to run the matching tests alone. */
void faults_main_init(void);
/* LWM2MD_FAULTS_LONG=1: the by-hand sizes (long outages, many mutations). */
bool faults_long_mode(void);
/* An unsigned number from the environment, or `fallback`. */
unsigned faults_env_uint(const char *name, unsigned fallback);
int64_t faults_now_ms(void);
/* Keeps AddressSanitizer's quarantine of freed memory small in the daemon, so that
 * its private memory says what the daemon holds (call before starting it). */
void faults_small_quarantine(void);

/* Starts the test server (`cfg`, port filled in), the relay in front of it unless
 * `direct`, and the daemon configured for them with the short retry policy (and
 * e->lifetime, 30 s when 0, and e->extra_config); waits for the Register. Fails the test (cmocka)
 * on any error. */
void faults_start(fault_env *e, ts_config *cfg, bool direct, uint32_t seed);
/* Stops the daemon (it must exit 0 with a clean log), the relay and the server. */
void faults_finish(fault_env *e);
/* Stops whatever still runs and removes the scratch directory (also after a failure). */
void faults_cleanup(fault_env *e);

proc_reading faults_read(fault_env *e);
/* CPU share in percent between two readings. */
double faults_cpu_percent(proc_reading a, proc_reading b);
/* Runs the test server for `ms` (or sleeps without one). */
void faults_serve(fault_env *e, int ms);
/* Counts `needle` in the daemon's log. */
unsigned faults_log_count(fault_env *e, const char *needle);

/* Writes a confirmable request (token of 4 bytes) for `path` ("1/0/8"); returns its length. */
size_t faults_build_request(uint8_t *buf, size_t size, uint16_t mid, uint8_t code, const char *path,
                            int content_format, const void *payload, size_t len);
/* Sends the Registration Update Trigger (Execute /1/0/8) through the relay, then
 * switches the relay to `then`: the Update it causes meets the outage. Returns the
 * answer's code or a negative errno. */
int faults_trigger_update(fault_env *e, relay_outage then);
/* The most Register/Update exchanges the retry policy lets a daemon start in a
 * window of `window_s` seconds: the first, one after each back-off wait (exponential
 * from retry-timer, capped at retry-max, never under 2 s; jitter only lengthens), plus `slack`. */
unsigned faults_policy_bound(const fault_env *e, double window_s, unsigned slack);
/* Reads /3/0/0 through the server: true if the daemon answers 2.05. */
bool faults_reachable(fault_env *e);
/* The same, failing the test (with the daemon's log) if not. */
void faults_assert_reachable(fault_env *e);
