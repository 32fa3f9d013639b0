/* bench_ddf.c - how long loading the DDF object definitions takes and how much
 * memory the registry keeps: the start-up cost of the whole OMA registry. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "model/ddf.h"
#include "model/definition.h"

#define DEFAULT_RUNS 20
#define MAX_RUNS     10000

static void count_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                       unsigned column, const char *message)
{
        unsigned *errors = userdata;

        if (level == LWM2M_DIAG_ERROR) {
                (*errors)++;
                fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, column, message);
        }
}

static double clock_ms(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static void usage(void)
{
        fprintf(stderr, "Usage: bench_ddf [-n RUNS] [DIR...]\n"
                        "Loads the DDF files of each DIR (default: the OMA registry copy)\n"
                        "RUNS times and prints load time and registry memory.\n");
}

int main(int argc, char **argv)
{
        unsigned long runs = DEFAULT_RUNS;
        int first_dir = 1;

        if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                usage();
                return 0;
        }
        if (argc > 2 && strcmp(argv[1], "-n") == 0) {
                char *end;
                errno = 0;
                runs = strtoul(argv[2], &end, 10);
                if (errno || *end || runs == 0 || runs > MAX_RUNS) {
                        usage();
                        return 2;
                }
                first_dir = 3;
        }
        const char *default_dir = REGISTRY_DIR;
        const char *const *dirs = (const char *const *)argv + first_dir;
        size_t n_dirs = (size_t)(argc - first_dir);
        if (n_dirs == 0) {
                dirs = &default_dir;
                n_dirs = 1;
        }

        /* Wall time is what start-up costs; CPU time is steadier on a busy machine. */
        double *ms = calloc(runs, sizeof(*ms)), *cpu = calloc(runs, sizeof(*cpu));
        if (!ms || !cpu) {
                free(ms);
                free(cpu);
                return 1;
        }
        ddf_load_stats st = {0};
        size_t heap = 0;
        unsigned errors = 0;
        unsigned long done = 0;
        size_t first_heap = 0;

        for (unsigned long i = 0; i < runs; i++) {
                struct mallinfo2 before = mallinfo2();
                lwm2m_registry *reg = lwm2m_registry_new();
                if (!reg) {
                        free(ms);
                        free(cpu);
                        return 1;
                }
                double start = clock_ms(CLOCK_MONOTONIC);
                double cpu_start = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
                int r = ddf_load_dirs(reg, dirs, n_dirs, count_diag, &errors, &st);
                ms[i] = clock_ms(CLOCK_MONOTONIC) - start;
                cpu[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
                struct mallinfo2 after = mallinfo2();
                heap = after.uordblks > before.uordblks ? after.uordblks - before.uordblks : 0;
                /* The first load also pays for one-time allocations (stdio, locale). */
                if (i == 0)
                        first_heap = heap;
                lwm2m_registry_free(reg);
                if (r == -ENOMEM) {
                        fprintf(stderr, "bench_ddf: out of memory\n");
                        free(ms);
                        free(cpu);
                        return 1;
                }
                done++;
                if (errors > 0)
                        break; /* one run's worth of error messages is enough */
        }
        runs = done;

        qsort(ms, runs, sizeof(*ms), compare_doubles);
        qsort(cpu, runs, sizeof(*cpu), compare_doubles);
        double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        double cpu_median = runs % 2 ? cpu[runs / 2] : (cpu[runs / 2 - 1] + cpu[runs / 2]) / 2;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);

        printf("DDF loader: %zu director%s, %lu runs\n", n_dirs, n_dirs == 1 ? "y" : "ies", runs);
        printf("%6s %8s %10s %9s %12s %12s %12s %14s %14s %12s\n", "files", "objects", "resources",
               "rejected", "wall median", "wall best", "cpu median", "registry heap",
               "1st-run heap", "peak RSS");
        printf("%6u %8u %10u %9u %9.2f ms %9.2f ms %9.2f ms %12zu B %12zu B %8ld KiB\n", st.files,
               st.objects, st.resources, st.rejected, median, ms[0], cpu_median, heap, first_heap,
               ru.ru_maxrss);
        free(ms);
        free(cpu);
        return errors > 0 ? 1 : 0;
}
