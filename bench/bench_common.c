/* bench_common.c - what the benchmarks of the daemon share: failing, clocks, latency spreads,
 * /proc readings, table cells and header, and the life of the daemon they start. */
#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

static const char *program_name = "bench";
static void (*die_hook)(void);

void bench_init(const char *name, void (*on_die)(void))
{
        program_name = name;
        die_hook = on_die;
}

_Noreturn void bench_die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", program_name);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        if (die_hook)
                die_hook();
        exit(EXIT_FAILURE);
}

/* Taken here rather than in a signal handler, so that exit() and the atexit cleanup may run. */
static void *stop_signal_main(void *arg)
{
        const sigset_t *set = arg;
        int sig;
        if (sigwait(set, &sig) == 0) {
                fprintf(stderr, "%s: interrupted by %s\n", program_name, strsignal(sig));
                exit(128 + sig);
        }
        return NULL;
}

void bench_handle_stop_signals(void)
{
        static sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        sigaddset(&stop_signals, SIGHUP);
        if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0)
                bench_die("pthread_sigmask failed");
        pthread_t thread;
        if (pthread_create(&thread, NULL, stop_signal_main, &stop_signals) != 0)
                bench_die("pthread_create failed");
        pthread_detach(thread);
        /* A dying child must not take the benchmark down with SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);
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

int bench_parse_count(const char *s, unsigned min, unsigned max, unsigned *out)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno || end == s || *end)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *out = (unsigned)v;
        return 0;
}

int64_t bench_clock_ns(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_now_ns(void)
{
        return bench_clock_ns(CLOCK_MONOTONIC);
}

static int compare_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

/* Nearest rank: always one of the samples, never a value between two that no request took. */
static double quantile_us(const int64_t *sorted, size_t n, double q)
{
        size_t rank = (size_t)(q * (double)n + 0.999999);
        return (double)sorted[rank > 0 ? rank - 1 : 0] / 1e3;
}

void bench_spread_of(int64_t *samples, size_t n, bench_spread *out)
{
        qsort(samples, n, sizeof(*samples), compare_i64);
        *out = (bench_spread){
                .p50_us = quantile_us(samples, n, 0.50),
                .p90_us = quantile_us(samples, n, 0.90),
                .p99_us = quantile_us(samples, n, 0.99),
                .min_us = (double)samples[0] / 1e3,
                .max_us = (double)samples[n - 1] / 1e3,
        };
}

int bench_read_memory(pid_t pid, bench_memory *m)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        *m = (bench_memory){.done = true};
        while (fgets(line, sizeof(line), f)) {
                long v;
                if (sscanf(line, "Rss: %ld kB", &v) == 1)
                        m->rss_kib = v;
                else if (sscanf(line, "Pss: %ld kB", &v) == 1)
                        m->pss_kib = v;
                else if (sscanf(line, "Private_Clean: %ld kB", &v) == 1)
                        m->private_clean_kib = v;
                else if (sscanf(line, "Private_Dirty: %ld kB", &v) == 1)
                        m->private_dirty_kib = v;
        }
        return 0;
}

int bench_read_schedstat(pid_t pid, uint64_t *run_ns, uint64_t *slices)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
        *run_ns = *slices = 0;
        _cleanup_(closedirp) DIR *dir = opendir(path);
        if (!dir)
                return -errno;
        struct dirent *de;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                char stat_path[PATH_MAX];
                snprintf(stat_path, sizeof(stat_path), "%s/%s/schedstat", path, de->d_name);
                /* A thread that ended since readdir() no longer counts. */
                _cleanup_fclose_ FILE *f = fopen(stat_path, "re");
                unsigned long long ns, wait_ns, n;
                if (f && fscanf(f, "%llu %llu %llu", &ns, &wait_ns, &n) == 3) {
                        *run_ns += ns;
                        *slices += n;
                }
        }
        return 0;
}

void bench_libraries(char *out, size_t size)
{
        snprintf(out, size, "%s with %s", coap_package_version(),
                 coap_get_tls_library_version()->type == COAP_TLS_LIBRARY_GNUTLS ? "GnuTLS"
                                                                                 : "other TLS");
}

void bench_cell(const char *text, int width, bool left)
{
        int columns = 0;
        for (const char *c = text; *c; c++)
                columns += ((unsigned char)*c & 0xc0) != 0x80;
        int fill = width > columns ? width - columns : 0;
        printf("%*s%s%*s", left ? 0 : fill, "", text, left ? fill : 0, "");
}

/* The value after "key:" on the first line of `path` that starts with `key` ("?" if none). */
static void first_line_of(const char *path, const char *key, char *out, size_t size)
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

void bench_print_setup(const char *daemon_path, const char *libraries, bool governor,
                       const char *load_before, const char *load_after)
{
        struct utsname un;
        uname(&un);
        char cpu[128], gov[64] = "?";
        first_line_of("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
        if (governor)
                first_line_of("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "", gov,
                              sizeof(gov));
        bool has_gov = strcmp(gov, "?") != 0;
        printf("daemon: %s\n", daemon_path);
        printf("build: %s (-O%s), sanitizers: %s; %s\n", BUILD_TYPE, BUILD_OPTIMIZATION,
               BUILD_SANITIZE, libraries);
        printf("machine: %s, %ld CPUs, Linux %s%s%s\n", cpu, sysconf(_SC_NPROCESSORS_ONLN),
               un.release, has_gov ? ", cpufreq governor " : "", has_gov ? gov : "");
        printf("load average before: %s, after: %s\n", load_before, load_after);
}

const char *bench_daemon_path(void)
{
        const char *path = getenv("LWM2MD") ?: LWM2MD_PATH;
        if (access(path, X_OK) < 0)
                bench_die("%s: %s (build it first)", path, strerror(errno));
        /* The daemon of the build tree loads its modules (lwm2md-http.so) from there too. */
        if (setenv("LWM2MD_MODULE_DIR", LWM2MD_MODULE_BUILD_DIR, 0) < 0)
                bench_die("setenv: %s", strerror(errno));
        return path;
}

int bench_make_scratch(char *dir, size_t size, const char *prefix)
{
        snprintf(dir, size, "%s/%s.XXXXXX", getenv("TMPDIR") ?: "/tmp", prefix);
        return mkdtemp(dir) ? 0 : -errno;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (remove(path) < 0)
                fprintf(stderr, "%s: cannot remove %s: %s\n", program_name, path, strerror(errno));
        return 0;
}

void bench_remove_scratch(const char *dir)
{
        if (getenv("BENCH_KEEP_DIR")) {
                fprintf(stderr, "%s: kept %s\n", program_name, dir);
                return;
        }
        /* Depth first: a directory goes once it is empty. */
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

pid_t bench_spawn(const char *program, char *const argv[], int out_fd, int err_fd, int death_signal)
{
        _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0)
                return -errno;
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* Only async-signal-safe calls here. Children must not outlive an interrupted
                 * benchmark; they get the signal mask and SIGPIPE disposition a service
                 * manager would give them, not ours. */
                sigset_t none;
                struct sigaction dfl = {.sa_handler = SIG_DFL};
                sigemptyset(&none);
                if (prctl(PR_SET_PDEATHSIG, death_signal) < 0 || getppid() != parent ||
                    sigaction(SIGPIPE, &dfl, NULL) < 0 ||
                    sigprocmask(SIG_SETMASK, &none, NULL) < 0 || dup2(null, STDIN_FILENO) < 0 ||
                    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
                        _exit(127);
                execve(program, argv, environ);
                _exit(127);
        }
        return pid;
}

int bench_stop(pid_t pid, ts_server *s, int timeout_ms)
{
        kill(pid, SIGTERM);
        int64_t end = bench_now_ns() + timeout_ms * 1000000LL;
        for (;;) {
                int status;
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                if (bench_now_ns() > end)
                        return -ETIMEDOUT;
                if (s)
                        ts_process(s, 10);
                else
                        usleep(10000);
        }
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
