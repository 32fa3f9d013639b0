/* bench_common.c - what the benchmarks share: clocks, progress lines, nearest-rank
 * quantiles, table cells and the facts of the machine their headers print. */
#include "bench_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/util/macro.h"

int64_t bench_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_progress(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("  .. ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

int bench_compare_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

int64_t bench_quantile(const int64_t *sorted, size_t n, double q)
{
        size_t rank = (size_t)(q * (double)n + 0.999999);
        return sorted[rank > 0 ? rank - 1 : 0];
}

void bench_cell(const char *text, int width, bool left)
{
        int columns = 0;
        for (const char *c = text; *c; c++)
                columns += ((unsigned char)*c & 0xc0) != 0x80;
        int fill = width > columns ? width - columns : 0;
        printf("%*s%s%*s", left ? 0 : fill, "", text, left ? fill : 0, "");
}

void bench_first_line_of(const char *path, const char *key, char *out, size_t size)
{
        snprintf(out, size, "?");
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return;
        char line[512];
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, key, strlen(key)) != 0)
                        continue;
                const char *v = strchr(line, ':');
                v = v ? v + 1 : line;
                v += strspn(v, " \t");
                snprintf(out, size, "%.*s", (int)strcspn(v, "\n"), v);
                return;
        }
}

void bench_loadavg(char *out, size_t size)
{
        snprintf(out, size, "?");
        _cleanup_fclose_ FILE *f = fopen("/proc/loadavg", "re");
        double l1, l5, l15;
        if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
                snprintf(out, size, "%.2f %.2f %.2f", l1, l5, l15);
}

void bench_show_log(const char *path, size_t max_lines)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return;
        /* The end of the log is what explains a failure. */
        char line[1024];
        size_t total = 0;
        while (fgets(line, sizeof(line), f))
                total++;
        rewind(f);
        fprintf(stderr, "---- %s ----\n", path);
        for (size_t n = 0; fgets(line, sizeof(line), f); n++)
                if (max_lines == SIZE_MAX || n + max_lines >= total)
                        fputs(line, stderr);
}

bool bench_parse_count(const char *s, unsigned min, unsigned max, unsigned *out)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return false;
        *out = (unsigned)v;
        return true;
}
