/* bench_common.h - what the benchmarks of the daemon share: failing, clocks, latency spreads,
 * /proc readings, table cells and header, and the life of the daemon they start. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "tests/server/test_server.h"
#include "util/macro.h"

/* Names the program in its messages and says what a failure shows before it exits (NULL:
 * nothing). First thing in main(), as the options can already fail. */
void bench_init(const char *name, void (*on_die)(void));
/* "name: message" on stderr, on_die, exit(EXIT_FAILURE): a benchmark that cannot measure what
 * it set out to measure has no figures to print. */
_Noreturn void bench_die(const char *fmt, ...) _printf_(1, 2);
/* SIGINT, SIGTERM and SIGHUP blocked in every thread and taken by a thread of their own, which
 * exits (so atexit handlers stop the children); SIGPIPE ignored. Before any other thread. */
void bench_handle_stop_signals(void);
/* One "  .. what" line on stderr: the benchmark is alive and where it is. */
void bench_progress(const char *fmt, ...) _printf_(1, 2);
/* A decimal count in [min, max]; -EINVAL or -ERANGE for anything else. */
int bench_parse_count(const char *s, unsigned min, unsigned max, unsigned *out);

/* `clock` in nanoseconds: CLOCK_MONOTONIC for latencies, the CPU-time clocks for the cost. */
int64_t bench_clock_ns(clockid_t clock);
int64_t bench_now_ns(void);

/* Where n latencies lie, in µs, by nearest rank. */
typedef struct bench_spread {
        double p50_us, p90_us, p99_us, min_us, max_us;
} bench_spread;
/* Of n >= 1 samples in ns, which it sorts. */
void bench_spread_of(int64_t *samples, size_t n, bench_spread *out);

/* A process's memory as /proc/PID/smaps_rollup counts it; `done`: read, so the table prints the
 * figures rather than "-". */
typedef struct bench_memory {
        bool done;
        long rss_kib, pss_kib, private_clean_kib, private_dirty_kib;
} bench_memory;
int bench_read_memory(pid_t pid, bench_memory *m);
/* CPU time (ns) and time slices of every thread of `pid` so far, summed: the scheduler counts
 * in nanoseconds where /proc/PID/stat counts in ticks. -errno if its threads cannot be listed. */
int bench_read_schedstat(pid_t pid, uint64_t *run_ns, uint64_t *slices);

/* "libcoap 4.3.1 with GnuTLS": the libraries every figure of the daemon depends on. */
void bench_libraries(char *out, size_t size);
/* Prints `text` padded to `width` columns: printf counts bytes, and "µs" takes two. */
void bench_cell(const char *text, int width, bool left);
/* The three load averages as "0.17 0.23 0.40" ("?" if unknown): how busy the machine was
 * around the figures. */
void bench_loadavg(char *out, size_t size);
/* The lines under a table's title that say which daemon ran, how it was built and on what
 * machine under what load: the figures of two runs compare only where these match.
 * `libraries`: libcoap's version and what else the figures depend on; `governor`: whether
 * the cpufreq governor (when there is one) is said. */
void bench_print_setup(const char *daemon_path, const char *libraries, bool governor,
                       const char *load_before, const char *load_after);

/* $LWM2MD, to compare another build of the daemon with the same benchmark, or this build's;
 * dies if it cannot be run. Sets $LWM2MD_MODULE_DIR to this build's, unless set. */
const char *bench_daemon_path(void);
/* A new scratch directory "$TMPDIR/prefix.XXXXXX" (/tmp without TMPDIR) into `dir`. */
int bench_make_scratch(char *dir, size_t size, const char *prefix);
/* Removes it with all it holds, unless BENCH_KEEP_DIR is set (to look at configurations and
 * logs after a run). */
void bench_remove_scratch(const char *dir);
/* fork and execve with stdin from /dev/null and stdout, stderr to the given fds; the child
 * gets `death_signal` when we die, and default signal handling. The pid, or -errno. */
pid_t bench_spawn(const char *program, char *const argv[], int out_fd, int err_fd,
                  int death_signal);
/* SIGTERM, and the daemon's exit status as a shell gives it (128 + signal), with `s` (may be
 * NULL) answering while the daemon de-registers; -ETIMEDOUT if it still runs after
 * `timeout_ms`, and it is not reaped then. */
int bench_stop(pid_t pid, ts_server *s, int timeout_ms);
/* The last `max_lines` lines of a log (SIZE_MAX: all of it) on stderr, for a failure. */
void bench_show_log(const char *path, size_t max_lines);
