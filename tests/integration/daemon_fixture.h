/* daemon_fixture.h - runs the real lwm2md binary for integration tests: writes
 * its configuration into a scratch directory, starts it, stops it and checks its log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "tests/server/test_server.h"

typedef struct daemon_fixture {
        char dir[256]; /* scratch directory: config, keys, log */
        char config_path[300];
        char log_path[300];
        pid_t pid;
        ts_server *server;
        /* [device] time-bus; NULL: a socket nobody listens on, so that no test
         * asks the machine's own timedated to change its clock. */
        const char *time_bus;
        /* [connectivity] modem-bus; NULL: none, so that no test reads the machine's modem. */
        const char *modem_bus;
        /* Leave manufacturer, model, serial number and firmware version to the system. */
        bool system_identity;
} daemon_fixture;

/* GETs `path` as text/plain: the response code (-1 without an answer), the
 * payload NUL-terminated in buf when it is 2.05 and fits ("" otherwise). */
int fixture_read_text(ts_server *s, const char *path, char *buf, size_t size);

/* Makes the scratch directory. */
int fixture_init(daemon_fixture *f);
/* Stops everything still running and removes the scratch directory. */
void fixture_cleanup(daemon_fixture *f);
/* Writes `text` to DIR/name and returns the full path in `path`. */
int fixture_write_file(daemon_fixture *f, const char *name, const char *text, char *path,
                       size_t size);
/* Writes the configuration file: [lwm2md] with endpoint "itest", the source
 * tree's objects.d and a state directory in the scratch directory, then
 * `extra` (more sections, e.g. "[server 1]\nuri = ...\n"). */
int fixture_write_config(daemon_fixture *f, const char *extra);
/* Starts lwm2md --config DIR/lwm2md.conf -v plus `args` (NULL-terminated, may
 * be NULL), logging to DIR/lwm2md.log. */
int fixture_start_daemon(daemon_fixture *f, const char *const *args);
/* SIGTERM and wait (up to timeout_ms): returns the exit status, or -ETIMEDOUT
 * (then the daemon is killed). Leaves pid 0. */
int fixture_stop_daemon(daemon_fixture *f, int timeout_ms);
/* True while the daemon process is alive. */
bool fixture_daemon_running(daemon_fixture *f);
/* Everything left in `fp` (malloc'd, NUL-terminated; "" on failure). */
char *fixture_read_stream(FILE *fp);
/* A whole file (malloc'd, NUL-terminated; "" when it cannot be read). */
char *fixture_read_file(const char *path);
/* The daemon's log so far (malloc'd, NUL-terminated). */
char *fixture_read_log(daemon_fixture *f);
/* True if the log holds `needle`. */
bool fixture_log_contains(daemon_fixture *f, const char *needle);
/* How many times the log holds `needle`. */
unsigned fixture_log_count(daemon_fixture *f, const char *needle);
/* Waits until the log holds `needle`. */
bool fixture_wait_log(daemon_fixture *f, const char *needle, int timeout_ms);
/* Prints the last `tail` bytes of the daemon's log to stderr, for a failing test. */
void fixture_print_log(daemon_fixture *f, size_t tail);
/* For a teardown: stops the daemon if it runs (10 s) and checks its log for a sanitizer
 * report, printing the log if there is one. 0, or -1 when the daemon did not exit 0 or
 * reported something. */
int fixture_stop_checked(daemon_fixture *f);
/* Fails the test (cmocka) if the log shows a sanitizer report. */
void fixture_assert_clean_log(daemon_fixture *f);
/* Open file descriptors of process `pid` (/proc/PID/fd), or -1. */
int fixture_fd_count(pid_t pid);
/* Private dirty memory of `pid` in KiB (/proc/PID/smaps_rollup), or -1. */
long fixture_private_dirty_kb(pid_t pid);
/* CPU time (user + system) that `pid` has used, in seconds (/proc/PID/stat), or -1. */
double fixture_cpu_seconds(pid_t pid);
/* Runs a shell command (for certtool); 0 or the exit status. */
int fixture_run(const char *command);

/* A private dbus-daemon for the tests that use D-Bus. */
typedef struct fixture_bus {
        pid_t pid;
        char dir[64];
        char address[512]; /* for --bus and sd_bus_set_address */
} fixture_bus;

/* Starts dbus-daemon listening in a new directory, or in the same one again
 * after fixture_bus_kill (a restarted bus keeps its address). */
int fixture_bus_start(fixture_bus *pb, const char *config, const char *log_path);
/* Stops the bus daemon but keeps its directory (and so its address). */
void fixture_bus_kill(fixture_bus *pb);
/* Stops it and removes its directory. */
void fixture_bus_stop(fixture_bus *pb);
