/* bench_common.h - what the benchmarks share: clocks, progress lines, nearest-rank
 * quantiles, table cells and the facts of the machine their headers print. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bench_now_ns(void);
/* One "  .. what" line on stderr: the benchmark is alive and where it is. */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qsort() order of int64_t. */
int bench_compare_i64(const void *a, const void *b);
/* The value at quantile q (0..1) of n >= 1 sorted samples, by nearest rank. */
int64_t bench_quantile(const int64_t *sorted, size_t n, double q);
/* Prints `text` padded to `width` columns (UTF-8 counted by characters). */
void bench_cell(const char *text, int width, bool left);
/* The value after "key:" on the first line of `path` that starts with `key` ("?" if none):
 * /proc/cpuinfo's model name, /proc/meminfo's totals. */
void bench_first_line_of(const char *path, const char *key, char *out, size_t size);
/* The three load averages as "0.17 0.23 0.40" ("?" if unknown). */
void bench_loadavg(char *out, size_t size);
/* The last `max_lines` lines of a log (SIZE_MAX: all of it) on stderr, for a failure. */
void bench_show_log(const char *path, size_t max_lines);
/* A decimal count in [min, max]: false for anything else. */
bool bench_parse_count(const char *s, unsigned min, unsigned max, unsigned *out);
