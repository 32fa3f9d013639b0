/* bench_engine.c - end-to-end figures of the real lwm2md daemon on loopback: Read round trips
 * and system calls against a lean probe; wire bytes, handshake, memory, wake-ups with the test
 * server. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_probe.h"
#include "tests/server/test_server.h"

#define REQUEST_TIMEOUT_MS  5000
#define REGISTER_TIMEOUT_MS 20000
/* Idle time before the memory is read, so that start-up garbage has settled. */
#define SETTLE_MS         2000
#define PSK_IDENTITY      "bench"
#define PROXY_MAX_CLIENTS 64
#define PROXY_MAX_EVENTS  16384
#define PROXY_HEAD        512 /* bytes of each datagram kept for parsing */

/* CoAP codes and LwM2M content formats, as numbers on the wire. */
enum {
        CODE_POST = 2,
        CODE_CONTENT = 69, /* 2.05 */
        OPTION_URI_PATH = 11,
        FMT_TEXT = 0,
        FMT_TLV = 11542,
        FMT_SENML_JSON = 110,
        FMT_SENML_CBOR = 112,
        FMT_LWM2M_JSON = 11543,
        FMT_LWM2M_CBOR = 11544,
};

/* DTLS record content types and the handshake type that opens a session. */
enum { DTLS_HANDSHAKE = 22, DTLS_APPLICATION_DATA = 23, DTLS_CLIENT_HELLO = 1 };

typedef enum security { SEC_NOSEC, SEC_PSK, _SEC_MAX } security;
typedef enum pinning { PIN_NONE, PIN_ONE_CPU, _PIN_MAX } pinning;

static const char *const security_names[_SEC_MAX] = {"NoSec", "DTLS PSK"};

typedef struct read_target {
        const char *label;
        const char *path;
        int accept;
        bool syscalls; /* whose system calls are counted */
} read_target;

/* What the round-trip benchmark reads. */
static const read_target read_targets[] = {
        {"Read /3/0/0 text", "/3/0/0", FMT_TEXT, true},
        {"Read /3/0 SenML CBOR", "/3/0", FMT_SENML_CBOR, false},
        {"Read /3/0 TLV", "/3/0", FMT_TLV, true},
};
#define N_TARGETS (sizeof(read_targets) / sizeof(read_targets[0]))

/* The formats whose Read response sizes are shown. */
static const read_target size_targets[] = {
        {"/3/0/0 text", "/3/0/0", FMT_TEXT},         {"/3/0 TLV", "/3/0", FMT_TLV},
        {"/3/0 SenML JSON", "/3/0", FMT_SENML_JSON}, {"/3/0 SenML CBOR", "/3/0", FMT_SENML_CBOR},
        {"/3/0 LwM2M JSON", "/3/0", FMT_LWM2M_JSON}, {"/3/0 LwM2M CBOR", "/3/0", FMT_LWM2M_CBOR},
};
#define N_SIZES (sizeof(size_targets) / sizeof(size_targets[0]))

typedef struct latency {
        bool done;
        bench_spread spread;
        double per_second;
        double daemon_cpu_us, probe_cpu_us; /* CPU time per Read: lwm2md, the probe's thread */
        double daemon_sys_us;               /* the part of daemon_cpu_us spent in the kernel */
} latency;

typedef struct wakeups {
        bool done;
        unsigned seconds;
        uint64_t voluntary, involuntary, timeslices, cpu_ns;
        uint64_t user_ticks, system_ticks; /* from /proc/PID/task/TID/stat */
} wakeups;

typedef struct wire_size {
        bool done;
        uint8_t code;          /* response code, for reads */
        size_t payload, total; /* CoAP payload; whole UDP datagram */
} wire_size;

typedef struct startup {
        bool done;
        unsigned runs;
        double median_ms, min_ms, max_ms;
        double first_datagram_ms; /* median: spawn -> the first datagram to the server */
        double cpu_ms;            /* median: the daemon's CPU time until registered */
        size_t register_payload;
        bench_memory mem;
} startup;

typedef struct handshake {
        bool done;
        unsigned runs;
        double wire_p50_ms, wire_min_ms, wire_max_ms; /* ClientHello -> first application data */
        double reconnect_p50_ms;                      /* 4.04 to the Update -> Register sent */
        unsigned datagrams;
        size_t bytes;
} handshake;

#define MAX_SYSCALL_NAMES 32

typedef struct syscall_count {
        char name[32];
        double per_read;
} syscall_count;

/* What strace -c counted in the daemon over `reads` Reads. */
typedef struct syscalls {
        bool done;
        unsigned reads;
        double per_read;
        syscall_count calls[MAX_SYSCALL_NAMES];
        size_t n_calls;
} syscalls;

typedef struct figures {
        latency reads[_SEC_MAX][_PIN_MAX][N_TARGETS];
        syscalls calls[_SEC_MAX][N_TARGETS];
        unsigned separate[_SEC_MAX]; /* GETs answered by a separate response */
        char cipher[96];             /* the DTLS cipher suite the probe negotiated */
        char endpoint[64];           /* of the NoSec client (-C: another one) */
        latency floor[_PIN_MAX];     /* plain UDP echo: what the machine allows at best */
        bench_memory mem_idle[_SEC_MAX], mem_load[_SEC_MAX];
        wakeups idle[_SEC_MAX];
        wire_size reg[_SEC_MAX];
        size_t reg_coap_header; /* CoAP header and options of the Register (NoSec) */
        wire_size read_size[_SEC_MAX][N_SIZES];
        handshake hs[_SEC_MAX][_PIN_MAX]; /* NoSec: the same cycle without a handshake */
        startup start_objects[_SEC_MAX], start_registry;
        unsigned registry_files;
} figures;

typedef struct options {
        unsigned requests, warmup, handshakes, startups, idle_seconds;
        unsigned syscall_reads;     /* Reads under strace */
        const char *client_command; /* -C: another client for the NoSec Reads */
        unsigned pin_cpu;           /* the one CPU of the pinned runs */
        bool reads_only;            /* for profilers: only the round trips */
        bool show_mappings; /* Private_Dirty per mapping on stderr, at each memory reading */
        const char *registry_dir;
} options;

typedef struct bench {
        options opt;
        figures fig;
        char dir[256]; /* scratch directory */
        const char *daemon_path;
        unsigned runs; /* daemons started, for unique file names */
        cpu_set_t all_cpus;
        int64_t *samples;
        char load_before[64], load_after[64]; /* /proc/loadavg: other work on the machine */
} bench;

typedef struct daemon_run {
        pid_t pid;
        int64_t spawned_ns;
        char log_path[PATH_MAX];
} daemon_run;

/* ---- small helpers ---- */

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* The middle of n >= 1 values, which it sorts: start-up runs are few, and the mean of the two
 * middle ones is as near as an even count gets. */
static double median_double(double *v, size_t n)
{
        qsort(v, n, sizeof(*v), compare_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void set_affinity(const bench *b, pinning pin)
{
        cpu_set_t set;
        if (pin == PIN_ONE_CPU) {
                CPU_ZERO(&set);
                CPU_SET(b->opt.pin_cpu, &set);
        } else {
                set = b->all_cpus;
        }
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                bench_die("sched_setaffinity: %s", strerror(errno));
}

/* ---- the daemon ---- */

static const uint8_t psk_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void write_config(bench *b, const char *path, const char *uri, security sec,
                         const char *const *dirs, size_t n_dirs, const char *state_dir)
{
        FILE *f = fopen(path, "we");
        if (!f)
                bench_die("%s: %s", path, strerror(errno));
        /* Without D-Bus (bench_bus measures that side): on a machine without a system bus
         * the daemon's reconnect attempts would count as idle wake-ups. */
        fprintf(f, "[lwm2md]\nendpoint = bench\nstate-dir = %s\nbus = none\n", state_dir);
        for (size_t i = 0; i < n_dirs; i++)
                fprintf(f, "objects-dir = %s\n", dirs[i]);
        fprintf(f,
                "\n[device]\nmanufacturer = lwm2md bench\nmodel = bench-1\n"
                "serial-number = SN-BENCH-0001\nfirmware-version = 1.0.0\n"
                "reboot-command = true\n\n[connectivity]\nmodem-bus = none\n\n"
                /* A long lifetime: no Update falls into a measurement. */
                "[server 1]\nuri = %s\nshort-id = 1\nlifetime = 86400\n",
                uri);
        if (sec == SEC_PSK) {
                fprintf(f, "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = ");
                for (size_t i = 0; i < sizeof(psk_key); i++)
                        fprintf(f, "%02x", psk_key[i]);
                fputc('\n', f);
        }
        if (fclose(f) != 0)
                bench_die("%s: %s", path, strerror(errno));
}

/* Starts lwm2md with its own configuration; the child inherits our CPU affinity. */
static void spawn_daemon(bench *b, const char *uri, security sec, const char *const *dirs,
                         size_t n_dirs, daemon_run *d)
{
        unsigned n = ++b->runs;
        char config_path[PATH_MAX], state_dir[PATH_MAX];
        snprintf(config_path, sizeof(config_path), "%s/lwm2md-%u.conf", b->dir, n);
        snprintf(state_dir, sizeof(state_dir), "%s/state-%u", b->dir, n);
        snprintf(d->log_path, sizeof(d->log_path), "%s/lwm2md-%u.log", b->dir, n);
        if (mkdir(state_dir, 0700) < 0)
                bench_die("%s: %s", state_dir, strerror(errno));
        write_config(b, config_path, uri, sec, dirs, n_dirs, state_dir);

        char *argv[] = {(char *)b->daemon_path, (char *)"--config", config_path, NULL};
        _cleanup_close_ int log = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0)
                bench_die("%s: %s", d->log_path, strerror(errno));
        d->spawned_ns = bench_now_ns();
        /* SIGTERM if we die: the daemon shuts down as on a service stop, not half-way. */
        d->pid = bench_spawn(b->daemon_path, argv, log, log, SIGTERM);
        if (d->pid < 0)
                bench_die("cannot start %s: %s", b->daemon_path, strerror((int)-d->pid));
}

static void show_log(const daemon_run *d)
{
        bench_show_log(d->log_path, SIZE_MAX);
}

/* SIGTERM, keeping the server answering while the daemon de-registers. */
static void stop_daemon(ts_server *s, daemon_run *d)
{
        if (d->pid <= 0)
                return;
        if (bench_stop(d->pid, s, 5000) == -ETIMEDOUT) {
                kill(d->pid, SIGKILL);
                waitpid(d->pid, NULL, 0);
        }
        d->pid = 0;
}

static ts_registration *wait_register(ts_server *s, unsigned seen, daemon_run *d)
{
        ts_registration *r = ts_wait_register(s, seen, REGISTER_TIMEOUT_MS);
        if (!r) {
                show_log(d);
                bench_die("the daemon did not register within %d ms", REGISTER_TIMEOUT_MS);
        }
        return r;
}

static ts_server *new_server(security sec)
{
        ts_config cfg = {.security = sec == SEC_PSK ? TS_SECURITY_PSK : TS_SECURITY_NOSEC};
        if (sec == SEC_PSK) {
                cfg.psk_identity = PSK_IDENTITY;
                cfg.psk_key = psk_key;
                cfg.psk_key_len = sizeof(psk_key);
        }
        ts_server *s = ts_new(&cfg);
        if (!s)
                bench_die("cannot start the test server");
        return s;
}

/* ---- /proc readings ---- */

/* Private_Dirty summed per mapped file ([heap], [stack], anonymous), largest first. */
static void show_mappings(pid_t pid, const char *when)
{
        char path[64], line[512], name[256] = "[anon]";
        snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return;
        struct {
                char name[96];
                long kib;
        } maps[128];
        size_t n = 0;
        while (fgets(line, sizeof(line), f)) {
                unsigned long lo, hi;
                int off = 0;
                long v;
                if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) == 2 && off > 0) {
                        snprintf(name, sizeof(name), "%s", line[off] ? line + off : "[anon]\n");
                        name[strcspn(name, "\n")] = 0;
                        if (!name[0])
                                snprintf(name, sizeof(name), "[anon]");
                } else if (sscanf(line, "Private_Dirty: %ld kB", &v) == 1 && v > 0) {
                        size_t i = 0;
                        while (i < n && strncmp(maps[i].name, name, sizeof(maps[i].name) - 1) != 0)
                                i++;
                        if (i == n && n < sizeof(maps) / sizeof(maps[0])) {
                                snprintf(maps[n].name, sizeof(maps[0].name), "%.*s",
                                         (int)sizeof(maps[0].name) - 1, name);
                                maps[n++].kib = 0;
                        }
                        if (i < n)
                                maps[i].kib += v;
                }
        }
        fclose(f);
        fprintf(stderr, "  Private_Dirty of lwm2md by mapping, %s:\n", when);
        for (size_t k = 0; k < n; k++) {
                size_t best = k;
                for (size_t i = k + 1; i < n; i++)
                        if (maps[i].kib > maps[best].kib)
                                best = i;
                if (best != k) {
                        __typeof__(maps[0]) tmp = maps[k];
                        maps[k] = maps[best];
                        maps[best] = tmp;
                }
                fprintf(stderr, "  %6ld KiB  %s\n", maps[k].kib, maps[k].name);
        }
}

static void read_memory(const bench *b, pid_t pid, const char *when, bench_memory *m)
{
        if (b->opt.show_mappings)
                show_mappings(pid, when);
        int r = bench_read_memory(pid, m);
        if (r < 0)
                bench_die("/proc/%d/smaps_rollup: %s", (int)pid, strerror(-r));
}

/* Context switches and run slices summed over every thread of the process. */
static void read_switches(pid_t pid, wakeups *w)
{
        char path[PATH_MAX], line[256];
        snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
        *w = (wakeups){0};
        int r = bench_read_schedstat(pid, &w->cpu_ns, &w->timeslices);
        if (r < 0)
                bench_die("%s: %s", path, strerror(-r));
        DIR *dir = opendir(path);
        if (!dir)
                bench_die("%s: %s", path, strerror(errno));
        struct dirent *de;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, de->d_name);
                FILE *f = fopen(path, "re");
                if (f) {
                        while (fgets(line, sizeof(line), f)) {
                                unsigned long long v;
                                if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
                                        w->voluntary += v;
                                else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                                        w->involuntary += v;
                        }
                        fclose(f);
                }
                snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, de->d_name);
                f = fopen(path, "re");
                if (f) {
                        /* utime and stime follow the command name, which may hold spaces. */
                        unsigned long long ut, st;
                        if (fgets(line, sizeof(line), f) && strrchr(line, ')') &&
                            sscanf(strrchr(line, ')') + 2,
                                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                                   &st) == 2) {
                                w->user_ticks += ut;
                                w->system_ticks += st;
                        }
                        fclose(f);
                }
        }
        closedir(dir);
}

static void measure_idle(ts_server *s, pid_t pid, unsigned seconds, wakeups *out)
{
        wakeups before, after;
        read_switches(pid, &before);
        ts_process(s, (int)seconds * 1000);
        read_switches(pid, &after);
        *out = (wakeups){
                .done = true,
                .seconds = seconds,
                .voluntary = after.voluntary - before.voluntary,
                .involuntary = after.involuntary - before.involuntary,
                .timeslices = after.timeslices - before.timeslices,
                .cpu_ns = after.cpu_ns - before.cpu_ns,
        };
}

/* ---- the test server's requests, and the UDP floor ---- */

static void request_or_die(ts_server *s, coap_pdu_code_t method, const char *path, int accept,
                           uint8_t want, ts_response *resp)
{
        int r = ts_request(s, method, path, -1, accept, -1, NULL, 0, REQUEST_TIMEOUT_MS, resp);
        if (r < 0)
                bench_die("%s: %s", path, strerror(-r));
        if (want && resp->code != want) {
                char cs[8];
                bench_die("%s (accept %d): answered %s", path, accept, ts_code_str(resp->code, cs));
        }
}

/* The same one-in-flight round trip with a trivial UDP echo process instead of
 * CoAP on either side: the floor that loopback, epoll and the scheduler set here. */
static void measure_udp_floor(bench *b, pinning pin, latency *out)
{
        set_affinity(b, pin);
        struct sockaddr_in a = {.sin_family = AF_INET}, e = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        e.sin_addr = a.sin_addr;
        socklen_t len = sizeof(a);
        int me = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int echo = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (me < 0 || echo < 0 || bind(me, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            bind(echo, (struct sockaddr *)&e, sizeof(e)) < 0 ||
            getsockname(me, (struct sockaddr *)&a, &len) < 0 ||
            (len = sizeof(e), getsockname(echo, (struct sockaddr *)&e, &len)) < 0 ||
            connect(me, (struct sockaddr *)&e, sizeof(e)) < 0 ||
            connect(echo, (struct sockaddr *)&a, sizeof(a)) < 0)
                bench_die("UDP floor: %s", strerror(errno));
        pid_t child = fork();
        if (child < 0)
                bench_die("fork: %s", strerror(errno));
        if (child == 0) {
                uint8_t buf[2048];
                struct pollfd pfd = {.fd = echo, .events = POLLIN};
                for (;;) {
                        if (poll(&pfd, 1, -1) < 0)
                                _exit(0);
                        ssize_t n = recv(echo, buf, sizeof(buf), 0);
                        if (n <= 0)
                                _exit(0);
                        (void)!send(echo, buf, (size_t)n, 0);
                }
        }
        close(echo);
        /* The size of a Read of /3/0/0 in text, both ways. */
        uint8_t buf[2048] = {0};
        struct pollfd pfd = {.fd = me, .events = POLLIN};
        unsigned n = b->opt.requests;
        int64_t start = 0;
        for (unsigned i = 0; i < b->opt.warmup + n; i++) {
                if (i == b->opt.warmup)
                        start = bench_now_ns();
                int64_t t0 = bench_now_ns();
                if (send(me, buf, 20, 0) < 0 || poll(&pfd, 1, REQUEST_TIMEOUT_MS) <= 0 ||
                    recv(me, buf, sizeof(buf), 0) < 0)
                        bench_die("UDP floor: no echo");
                if (i >= b->opt.warmup)
                        b->samples[i - b->opt.warmup] = bench_now_ns() - t0;
        }
        int64_t total = bench_now_ns() - start;
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(me);
        *out = (latency){.done = true, .per_second = (double)n * 1e9 / (double)total};
        bench_spread_of(b->samples, n, &out->spread);
        set_affinity(b, PIN_NONE);
}

/* ---- Read round trips, against the probe ---- */

static void probe_or_die(const bench_probe *p, const daemon_run *d, const char *what, int r)
{
        if (r >= 0)
                return;
        show_log(d);
        bench_die("%s: %s", what, bench_probe_error(p));
}

static void prepare_get(bench_probe *p, const daemon_run *d, const read_target *t)
{
        probe_or_die(p, d, t->label, bench_probe_prepare_get(p, t->path, t->accept));
}

/* `n` GETs of what prepare_get() set, the round trip of each into `samples` (NULL: none). */
static void run_gets(bench_probe *p, const daemon_run *d, const read_target *t, unsigned n,
                     int64_t *samples)
{
        unsigned regs = bench_probe_registrations(p);
        for (unsigned i = 0; i < n; i++) {
                int64_t rtt;
                probe_or_die(p, d, t->label, bench_probe_get(p, REQUEST_TIMEOUT_MS, &rtt));
                if (samples)
                        samples[i] = rtt;
        }
        /* A client that started over in the middle measured its handshake too. */
        if (bench_probe_registrations(p) != regs) {
                show_log(d);
                bench_die("%s: the client registered again during the reads", t->label);
        }
}

static void measure_reads(bench *b, bench_probe *p, const daemon_run *d, const read_target *t,
                          latency *out)
{
        wakeups before, after;
        prepare_get(p, d, t);
        run_gets(p, d, t, b->opt.warmup, NULL);
        read_switches(d->pid, &before);
        int64_t start = bench_now_ns(), cpu_start = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
        run_gets(p, d, t, b->opt.requests, b->samples);
        int64_t total = bench_now_ns() - start,
                cpu = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
        read_switches(d->pid, &after);
        size_t n = b->opt.requests;
        *out = (latency){
                .done = true,
                .per_second = (double)n * 1e9 / (double)total,
                .daemon_cpu_us = (double)(after.cpu_ns - before.cpu_ns) / 1e3 / (double)n,
                .probe_cpu_us = (double)cpu / 1e3 / (double)n,
        };
        bench_spread_of(b->samples, n, &out->spread);
        uint64_t ticks =
                after.user_ticks + after.system_ticks - before.user_ticks - before.system_ticks;
        if (ticks > 0)
                out->daemon_sys_us = out->daemon_cpu_us *
                                     (double)(after.system_ticks - before.system_ticks) /
                                     (double)ticks;
}

/* ---- system calls per Read, counted by strace ---- */

/* `name` looked up in $PATH into `out`; false if it is not there. */
static bool find_program(const char *name, char *out, size_t size)
{
        const char *path = getenv("PATH") ?: "/usr/bin:/bin";
        while (*path) {
                size_t n = strcspn(path, ":");
                snprintf(out, size, "%.*s/%s", (int)n, path, name);
                if (n > 0 && access(out, X_OK) == 0)
                        return true;
                path += n + (path[n] == ':');
        }
        return false;
}

/* Every thread of `pid` traced by `tracer`: only then does the count cover the whole daemon. */
static bool all_threads_traced(pid_t pid, pid_t tracer)
{
        char path[PATH_MAX], line[256];
        snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
        DIR *dir = opendir(path);
        if (!dir)
                return false;
        bool all = true;
        struct dirent *de;
        while (all && (de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, de->d_name);
                FILE *f = fopen(path, "re");
                int traced_by = 0;
                while (f && fgets(line, sizeof(line), f))
                        if (sscanf(line, "TracerPid: %d", &traced_by) == 1)
                                break;
                if (f)
                        fclose(f);
                all = traced_by == tracer;
        }
        closedir(dir);
        return all;
}

/* The table of `strace -c`: a row per call ("% time seconds usecs/call calls [errors]
 * syscall"), then "total". */
static void parse_strace_summary(const char *path, unsigned reads, syscalls *out)
{
        FILE *f = fopen(path, "re");
        if (!f)
                bench_die("%s: %s", path, strerror(errno));
        char line[256];
        unsigned long total = 0;
        bool have_total = false;
        while (fgets(line, sizeof(line), f)) {
                char *tok[8], *save = NULL;
                size_t n = 0;
                for (char *t = strtok_r(line, " \t\n", &save); t && n < 8;
                     t = strtok_r(NULL, " \t\n", &save))
                        tok[n++] = t;
                char *end;
                if (n < 5 || (n > 6))
                        continue;
                unsigned long calls = strtoul(tok[3], &end, 10);
                if (*end || !strchr(tok[0], '.'))
                        continue; /* the heading and the rules */
                if (strcmp(tok[n - 1], "total") == 0) {
                        total = calls;
                        have_total = true;
                } else if (out->n_calls < MAX_SYSCALL_NAMES) {
                        syscall_count *c = &out->calls[out->n_calls++];
                        snprintf(c->name, sizeof(c->name), "%s", tok[n - 1]);
                        c->per_read = (double)calls / reads;
                }
        }
        fclose(f);
        if (!have_total)
                bench_die("%s: no strace summary in it", path);
        out->per_read = (double)total / reads;
        out->reads = reads;
        out->done = true;
}

/* strace -c -f attached to the daemon for `-t` Reads, then detached: no latency is taken
 * meanwhile (every call of a traced process stops it twice). */
static void measure_syscalls(bench *b, bench_probe *p, const daemon_run *d, security sec,
                             const read_target *t, syscalls *out)
{
        char strace[PATH_MAX], summary[PATH_MAX], log_path[PATH_MAX], pid[16];
        *out = (syscalls){0};
        if (!find_program("strace", strace, sizeof(strace))) {
                static bool said;
                if (!said)
                        fprintf(stderr, "bench_engine: strace is not installed (tests/deps.sh "
                                        "installs it): no system call counts\n");
                said = true;
                return;
        }
        bench_progress("%s: %s x %u under strace -c -f", security_names[sec], t->label,
                       b->opt.syscall_reads);
        unsigned n = ++b->runs;
        snprintf(summary, sizeof(summary), "%s/strace-%u.txt", b->dir, n);
        snprintf(log_path, sizeof(log_path), "%s/strace-%u.log", b->dir, n);
        snprintf(pid, sizeof(pid), "%d", (int)d->pid);
        char *argv[] = {strace,  (char *)"-c", (char *)"-f", (char *)"-o",
                        summary, (char *)"-p", pid,          NULL};
        _cleanup_close_ int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0)
                bench_die("%s: %s", log_path, strerror(errno));
        /* SIGINT if we die: strace detaches, and the daemon goes on untraced. */
        pid_t tracer = bench_spawn(strace, argv, log, log, SIGINT);
        if (tracer < 0)
                bench_die("cannot start %s: %s", strace, strerror((int)-tracer));
        int64_t deadline = bench_now_ns() + 5000 * 1000000LL;
        while (!all_threads_traced(d->pid, tracer)) {
                if (bench_now_ns() > deadline || waitpid(tracer, NULL, WNOHANG) == tracer) {
                        kill(tracer, SIGKILL);
                        bench_show_log(log_path, SIZE_MAX);
                        bench_die("strace did not attach to %d", (int)d->pid);
                }
                usleep(1000);
        }
        prepare_get(p, d, t);
        run_gets(p, d, t, b->opt.syscall_reads, NULL);
        /* strace detaches, writes its summary and leaves as SIGINT tells it to: killed by it. */
        int status;
        if (kill(tracer, SIGINT) < 0 || waitpid(tracer, &status, 0) != tracer ||
            !((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
              (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))) {
                bench_show_log(log_path, SIZE_MAX);
                bench_die("strace did not end cleanly");
        }
        parse_strace_summary(summary, b->opt.syscall_reads, out);
        /* Detached, the daemon answers as before. */
        run_gets(p, d, t, 1, NULL);
}

/* SIGTERM, answering the client while it de-registers; SIGKILL if it has not ended in 5 s
 * (another client may not leave on SIGTERM at all). */
static void stop_probed(bench_probe *p, daemon_run *d)
{
        kill(d->pid, SIGTERM);
        int64_t deadline = bench_now_ns() + 5000 * 1000000LL;
        while (waitpid(d->pid, NULL, WNOHANG) != d->pid) {
                if (bench_now_ns() > deadline) {
                        kill(d->pid, SIGKILL);
                        waitpid(d->pid, NULL, 0);
                        break;
                }
                bench_probe_serve(p, 10);
        }
        d->pid = 0;
}

/* -C: another LwM2M client, through the shell, "{port}" replaced by the probe's port. */
static void spawn_command(bench *b, uint16_t port, daemon_run *d)
{
        char cmd[4096] = "exec ", num[8];
        snprintf(num, sizeof(num), "%u", port);
        size_t len = strlen(cmd);
        for (const char *s = b->opt.client_command; *s && len + 8 < sizeof(cmd);) {
                if (strncmp(s, "{port}", 6) == 0) {
                        len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s", num);
                        s += 6;
                } else {
                        cmd[len++] = *s++;
                }
        }
        cmd[len] = 0;
        snprintf(d->log_path, sizeof(d->log_path), "%s/client-%u.log", b->dir, ++b->runs);
        _cleanup_close_ int log = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0)
                bench_die("%s: %s", d->log_path, strerror(errno));
        char *argv[] = {(char *)"/bin/sh", (char *)"-c", cmd, NULL};
        d->spawned_ns = bench_now_ns();
        d->pid = bench_spawn("/bin/sh", argv, log, log, SIGTERM);
        if (d->pid < 0)
                bench_die("cannot start /bin/sh: %s", strerror((int)-d->pid));
}

/* One client per security mode and pinning, against the probe: the round trips, and
 * unpinned the system calls per Read. */
static void run_read_scenario(bench *b, security sec, pinning pin)
{
        figures *fig = &b->fig;
        set_affinity(b, pin);
        bench_probe_config cfg = {.dtls = sec == SEC_PSK};
        if (sec == SEC_PSK) {
                cfg.psk_identity = PSK_IDENTITY;
                cfg.psk_key = psk_key;
                cfg.psk_key_len = sizeof(psk_key);
        }
        bench_probe *p = bench_probe_new(&cfg);
        if (!p)
                bench_die("cannot start the probe: %s", strerror(errno));
        daemon_run d = {0};
        if (sec == SEC_NOSEC && b->opt.client_command) {
                spawn_command(b, bench_probe_port(p), &d);
        } else {
                char uri[64];
                snprintf(uri, sizeof(uri), "%s://127.0.0.1:%u", sec == SEC_PSK ? "coaps" : "coap",
                         bench_probe_port(p));
                const char *dirs[] = {OBJECTS_DIR};
                spawn_daemon(b, uri, sec, dirs, 1, &d);
        }
        probe_or_die(p, &d, "Register", bench_probe_wait_register(p, REGISTER_TIMEOUT_MS));
        if (sec == SEC_PSK)
                snprintf(fig->cipher, sizeof(fig->cipher), "%s", bench_probe_cipher(p));
        if (sec == SEC_NOSEC)
                snprintf(fig->endpoint, sizeof(fig->endpoint), "%s", bench_probe_endpoint(p));

        for (size_t i = 0; i < N_TARGETS; i++) {
                bench_progress("%s, %s: %s x %u", security_names[sec],
                               pin == PIN_ONE_CPU ? "pinned" : "unpinned", read_targets[i].label,
                               b->opt.requests);
                measure_reads(b, p, &d, &read_targets[i], &fig->reads[sec][pin][i]);
        }
        for (size_t i = 0; pin == PIN_NONE && i < N_TARGETS; i++) {
                if (!read_targets[i].syscalls)
                        continue;
                measure_syscalls(b, p, &d, sec, &read_targets[i], &fig->calls[sec][i]);
        }
        fig->separate[sec] += bench_probe_separate_responses(p);
        stop_probed(p, &d);
        bench_probe_free(p);
        set_affinity(b, PIN_NONE);
}

/* Memory and idle wake-ups of a daemon served by the test server, as before the probe, with
 * the same number of Reads in between (untimed). */
static void run_memory_scenario(bench *b, security sec)
{
        figures *fig = &b->fig;
        ts_server *s = new_server(sec);
        const char *dirs[] = {OBJECTS_DIR};
        daemon_run d = {0};
        spawn_daemon(b, ts_uri(s), sec, dirs, 1, &d);
        wait_register(s, 0, &d);
        ts_process(s, SETTLE_MS);
        read_memory(b, d.pid, "idle", &fig->mem_idle[sec]);
        bench_progress("%s: idle for %u s", security_names[sec], b->opt.idle_seconds);
        measure_idle(s, d.pid, b->opt.idle_seconds, &fig->idle[sec]);
        bench_progress("%s: %u Reads, then memory", security_names[sec],
                       (unsigned)N_TARGETS * (b->opt.requests + b->opt.warmup));
        for (size_t i = 0; i < N_TARGETS; i++)
                for (unsigned k = 0; k < b->opt.requests + b->opt.warmup; k++) {
                        ts_response resp;
                        request_or_die(s, COAP_REQUEST_CODE_GET, read_targets[i].path,
                                       read_targets[i].accept, CODE_CONTENT, &resp);
                        ts_response_free(&resp);
                }
        read_memory(b, d.pid, "after the reads", &fig->mem_load[sec]);
        stop_daemon(s, &d);
        ts_free(s);
}

/* ---- a UDP proxy that records what crosses the wire ---- */

typedef struct wire_event {
        int64_t t_ns;
        bool from_client;
        size_t len;
        uint8_t head[PROXY_HEAD];
} wire_event;

typedef struct proxy_client {
        struct sockaddr_in addr;
        int back; /* connected to the server: one per client, as a NAT would do */
} proxy_client;

typedef struct proxy {
        int front;
        uint16_t port;
        struct sockaddr_in server;
        proxy_client clients[PROXY_MAX_CLIENTS];
        size_t n_clients;
        int stop[2];
        pthread_t thread;
        pthread_mutex_t lock;
        wire_event *events;
        size_t n_events;
} proxy;

static void proxy_record(proxy *p, bool from_client, const uint8_t *data, size_t len)
{
        pthread_mutex_lock(&p->lock);
        if (p->n_events < PROXY_MAX_EVENTS) {
                wire_event *e = &p->events[p->n_events++];
                e->t_ns = bench_now_ns();
                e->from_client = from_client;
                e->len = len;
                memcpy(e->head, data, len < PROXY_HEAD ? len : PROXY_HEAD);
        }
        pthread_mutex_unlock(&p->lock);
}

static proxy_client *proxy_client_for(proxy *p, const struct sockaddr_in *from)
{
        for (size_t i = 0; i < p->n_clients; i++)
                if (p->clients[i].addr.sin_port == from->sin_port &&
                    p->clients[i].addr.sin_addr.s_addr == from->sin_addr.s_addr)
                        return &p->clients[i];
        if (p->n_clients == PROXY_MAX_CLIENTS)
                return NULL;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return NULL;
        if (connect(fd, (const struct sockaddr *)&p->server, sizeof(p->server)) < 0) {
                close(fd);
                return NULL;
        }
        proxy_client *c = &p->clients[p->n_clients++];
        *c = (proxy_client){.addr = *from, .back = fd};
        return c;
}

static void *proxy_main(void *arg)
{
        proxy *p = arg;
        uint8_t buf[65536];
        for (;;) {
                struct pollfd fds[PROXY_MAX_CLIENTS + 2];
                size_t n = 0;
                fds[n++] = (struct pollfd){.fd = p->stop[0], .events = POLLIN};
                fds[n++] = (struct pollfd){.fd = p->front, .events = POLLIN};
                for (size_t i = 0; i < p->n_clients; i++)
                        fds[n++] = (struct pollfd){.fd = p->clients[i].back, .events = POLLIN};
                if (poll(fds, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[0].revents)
                        break;
                if (fds[1].revents & POLLIN) {
                        struct sockaddr_in from;
                        socklen_t flen = sizeof(from);
                        ssize_t len = recvfrom(p->front, buf, sizeof(buf), 0,
                                               (struct sockaddr *)&from, &flen);
                        proxy_client *c = len >= 0 ? proxy_client_for(p, &from) : NULL;
                        if (c) {
                                proxy_record(p, true, buf, (size_t)len);
                                (void)!send(c->back, buf, (size_t)len, 0);
                        }
                }
                for (size_t i = 0; i + 2 < n; i++) {
                        if (!(fds[i + 2].revents & POLLIN))
                                continue;
                        proxy_client *c = &p->clients[i];
                        ssize_t len = recv(c->back, buf, sizeof(buf), 0);
                        if (len < 0)
                                continue;
                        proxy_record(p, false, buf, (size_t)len);
                        (void)!sendto(p->front, buf, (size_t)len, 0,
                                      (const struct sockaddr *)&c->addr, sizeof(c->addr));
                }
        }
        return NULL;
}

static void proxy_start(proxy *p, uint16_t server_port)
{
        *p = (proxy){.front = -1};
        p->events = calloc(PROXY_MAX_EVENTS, sizeof(*p->events));
        if (!p->events)
                bench_die("out of memory");
        pthread_mutex_init(&p->lock, NULL);
        p->server = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(server_port)};
        inet_pton(AF_INET, "127.0.0.1", &p->server.sin_addr);
        struct sockaddr_in any = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.1", &any.sin_addr);
        socklen_t alen = sizeof(any);
        p->front = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (p->front < 0 || bind(p->front, (struct sockaddr *)&any, sizeof(any)) < 0 ||
            getsockname(p->front, (struct sockaddr *)&any, &alen) < 0 ||
            pipe2(p->stop, O_CLOEXEC) < 0)
                bench_die("proxy: %s", strerror(errno));
        p->port = ntohs(any.sin_port);
        int r = pthread_create(&p->thread, NULL, proxy_main, p);
        if (r != 0)
                bench_die("proxy thread: %s", strerror(r));
}

static void proxy_stop(proxy *p)
{
        (void)!write(p->stop[1], "x", 1);
        pthread_join(p->thread, NULL);
        close(p->stop[0]);
        close(p->stop[1]);
        close(p->front);
        for (size_t i = 0; i < p->n_clients; i++)
                close(p->clients[i].back);
        pthread_mutex_destroy(&p->lock);
        free(p->events);
}

static size_t proxy_mark(proxy *p)
{
        pthread_mutex_lock(&p->lock);
        size_t n = p->n_events;
        pthread_mutex_unlock(&p->lock);
        return n;
}

/* Copies the events from `from` on; the caller frees. */
static wire_event *proxy_events(proxy *p, size_t from, size_t *n)
{
        pthread_mutex_lock(&p->lock);
        *n = p->n_events > from ? p->n_events - from : 0;
        wire_event *copy = malloc((*n ? *n : 1) * sizeof(*copy));
        if (copy && *n)
                memcpy(copy, p->events + from, *n * sizeof(*copy));
        pthread_mutex_unlock(&p->lock);
        if (!copy)
                bench_die("out of memory");
        return copy;
}

/* ---- reading CoAP and DTLS off the wire ---- */

typedef struct coap_view {
        uint8_t code;
        char first_path[16];
        unsigned n_path;
        size_t header_len; /* header, token and options */
        size_t payload_len;
} coap_view;

/* Parses the CoAP header and options (RFC 7252 section 3) of a captured datagram. */
static bool coap_parse(const wire_event *e, coap_view *v)
{
        const uint8_t *d = e->head;
        size_t have = e->len < PROXY_HEAD ? e->len : PROXY_HEAD;
        if (have < 4 || (d[0] >> 6) != 1 || (d[0] & 15) > 8)
                return false;
        *v = (coap_view){.code = d[1]};
        size_t pos = 4 + (d[0] & 15);
        unsigned number = 0;
        while (pos < have && d[pos] != 0xff) {
                unsigned delta = d[pos] >> 4, len = d[pos] & 15;
                pos++;
                if (delta == 15 || len == 15)
                        return false;
                unsigned *fields[] = {&delta, &len};
                for (size_t i = 0; i < 2; i++) {
                        if (*fields[i] == 13) {
                                if (pos >= have)
                                        return false;
                                *fields[i] = 13u + d[pos++];
                        } else if (*fields[i] == 14) {
                                if (pos + 1 >= have)
                                        return false;
                                *fields[i] = 269u + ((unsigned)d[pos] << 8 | d[pos + 1]);
                                pos += 2;
                        }
                }
                number += delta;
                if (pos + len > have)
                        return false;
                if (number == OPTION_URI_PATH && v->n_path++ == 0 && len < sizeof(v->first_path)) {
                        memcpy(v->first_path, d + pos, len);
                        v->first_path[len] = 0;
                }
                pos += len;
        }
        if (pos > have || (pos == have && have < e->len))
                return false; /* options longer than what was kept */
        v->header_len = pos;
        v->payload_len = pos < e->len ? e->len - pos - 1 : 0;
        return true;
}

static bool is_client_hello(const wire_event *e)
{
        return e->from_client && e->len > 13 && e->head[0] == DTLS_HANDSHAKE && e->head[3] == 0 &&
               e->head[4] == 0 && e->head[13] == DTLS_CLIENT_HELLO;
}

static bool is_app_data(const wire_event *e)
{
        return e->len > 0 && e->head[0] == DTLS_APPLICATION_DATA;
}

/* The Register request as it crossed the wire: the first POST to /rd (NoSec), or the
 * first application data after the handshake (DTLS). */
static void find_register(const wire_event *ev, size_t n, security sec, size_t *coap_header,
                          wire_size *out)
{
        for (size_t i = 0; i < n; i++) {
                const wire_event *e = &ev[i];
                if (!e->from_client)
                        continue;
                coap_view v;
                if (sec == SEC_NOSEC && coap_parse(e, &v) && v.code == CODE_POST && v.n_path == 1 &&
                    strcmp(v.first_path, "rd") == 0) {
                        out->done = true;
                        out->total = e->len;
                        *coap_header = v.header_len;
                        return;
                }
                if (sec == SEC_PSK && is_app_data(e)) {
                        out->done = true;
                        out->total = e->len;
                        return;
                }
        }
}

/* ---- bytes on the wire and the DTLS handshake, through the proxy ---- */

static void measure_read_sizes(ts_server *s, proxy *p, security sec, figures *fig)
{
        for (size_t i = 0; i < N_SIZES; i++) {
                const read_target *t = &size_targets[i];
                wire_size *w = &fig->read_size[sec][i];
                ts_response resp;
                size_t mark = proxy_mark(p);
                request_or_die(s, COAP_REQUEST_CODE_GET, t->path, t->accept, 0, &resp);
                size_t n;
                wire_event *ev = proxy_events(p, mark, &n);
                *w = (wire_size){.done = true, .code = resp.code, .payload = resp.len};
                for (size_t k = 0; k < n; k++)
                        if (ev[k].from_client)
                                w->total += ev[k].len;
                free(ev);
                ts_response_free(&resp);
        }
}

/* Makes the daemon start over: the server answers its next Update with 4.04, after
 * which it opens a new session (a new DTLS handshake) and registers again. */
static void measure_reconnects(bench *b, ts_server *s, proxy *p, security sec, pinning pin,
                               daemon_run *d)
{
        unsigned k = b->opt.handshakes;
        double *wire = calloc(k, sizeof(*wire)), *reconnect = calloc(k, sizeof(*reconnect));
        if (!wire || !reconnect)
                bench_die("out of memory");
        handshake *hs = &b->fig.hs[sec][pin];
        *hs = (handshake){.runs = k};
        for (unsigned i = 0; i < k; i++) {
                size_t mark = proxy_mark(p);
                unsigned regs = ts_register_count(s);
                ts_fail_next(s, COAP_RESPONSE_CODE_NOT_FOUND, 1);
                ts_response resp;
                request_or_die(s, COAP_REQUEST_CODE_POST, "/1/0/8", -1, COAP_RESPONSE_CODE_CHANGED,
                               &resp);
                ts_response_free(&resp);
                wait_register(s, regs, d);

                size_t n;
                wire_event *ev = proxy_events(p, mark, &n);
                /* The 4.04 is the last datagram from the server before the client's next
                 * move; the Register is the first datagram carrying CoAP afterwards. */
                size_t refused = n, hello = n, reg = n;
                unsigned datagrams = 0;
                size_t bytes = 0;
                for (size_t j = 0; j < n; j++) {
                        coap_view v;
                        if (sec == SEC_NOSEC) {
                                if (!ev[j].from_client && coap_parse(&ev[j], &v) &&
                                    v.code == COAP_RESPONSE_CODE_NOT_FOUND)
                                        refused = j;
                                else if (refused < n && ev[j].from_client &&
                                         coap_parse(&ev[j], &v) && v.code == CODE_POST) {
                                        reg = j;
                                        break;
                                }
                                continue;
                        }
                        if (hello == n && is_client_hello(&ev[j])) {
                                hello = j;
                                for (size_t q = j; q-- > 0;)
                                        if (!ev[q].from_client && is_app_data(&ev[q])) {
                                                refused = q;
                                                break;
                                        }
                        }
                        if (hello < n && ev[j].from_client && is_app_data(&ev[j])) {
                                reg = j;
                                break;
                        }
                        if (hello < n) {
                                datagrams++;
                                bytes += ev[j].len;
                        }
                }
                if (reg == n || refused == n || (sec == SEC_PSK && hello == n))
                        bench_die("%s: could not find the re-registration on the wire",
                                  security_names[sec]);
                reconnect[i] = (double)(ev[reg].t_ns - ev[refused].t_ns) / 1e6;
                wire[i] = sec == SEC_PSK ? (double)(ev[reg].t_ns - ev[hello].t_ns) / 1e6 : 0;
                hs->datagrams = datagrams;
                hs->bytes = bytes;
                free(ev);
        }
        hs->reconnect_p50_ms = median_double(reconnect, k);
        hs->wire_p50_ms = median_double(wire, k);
        hs->wire_min_ms = wire[0];
        hs->wire_max_ms = wire[k - 1];
        hs->done = true;
        free(wire);
        free(reconnect);
}

/* Unpinned, the sizes and the handshake; on one CPU (proxy thread included), the
 * handshake again: cross-CPU wake-ups cost a lot on some machines. */
static void run_wire_scenario(bench *b, security sec, pinning pin)
{
        figures *fig = &b->fig;
        set_affinity(b, pin);
        ts_server *s = new_server(sec);
        proxy p;
        proxy_start(&p, ts_port(s));
        char uri[64];
        snprintf(uri, sizeof(uri), "%s://127.0.0.1:%u", sec == SEC_PSK ? "coaps" : "coap", p.port);
        const char *dirs[] = {OBJECTS_DIR};
        daemon_run d = {0};
        spawn_daemon(b, uri, sec, dirs, 1, &d);
        ts_registration *r = wait_register(s, 0, &d);

        if (pin == PIN_NONE) {
                size_t n;
                wire_event *ev = proxy_events(&p, 0, &n);
                fig->reg[sec].payload = r->links ? strlen(r->links) : 0;
                find_register(ev, n, sec, &fig->reg_coap_header, &fig->reg[sec]);
                free(ev);
                bench_progress("%s: Read sizes through a recording proxy", security_names[sec]);
                measure_read_sizes(s, &p, sec, fig);
        }
        bench_progress("%s, %s: %u re-registrations through a recording proxy", security_names[sec],
                       pin == PIN_ONE_CPU ? "pinned" : "unpinned", b->opt.handshakes);
        measure_reconnects(b, s, &p, sec, pin, &d);
        stop_daemon(s, &d);
        proxy_stop(&p);
        ts_free(s);
        set_affinity(b, PIN_NONE);
}

/* ---- start-up ---- */

/* Spawn to registration, through the recording proxy so that the time to the
 * first datagram (process start, configuration, definitions) shows apart. */
static void run_startup(bench *b, security sec, const char *const *dirs, size_t n_dirs,
                        startup *out)
{
        unsigned k = b->opt.startups;
        double *ms = calloc(k, sizeof(*ms)), *first = calloc(k, sizeof(*first)),
               *cpu = calloc(k, sizeof(*cpu));
        if (!ms || !first || !cpu)
                bench_die("out of memory");
        ts_server *s = new_server(sec);
        proxy p;
        proxy_start(&p, ts_port(s));
        char uri[64];
        snprintf(uri, sizeof(uri), "%s://127.0.0.1:%u", sec == SEC_PSK ? "coaps" : "coap", p.port);
        for (unsigned i = 0; i < k; i++) {
                daemon_run d = {0};
                unsigned regs = ts_register_count(s);
                size_t mark = proxy_mark(&p);
                spawn_daemon(b, uri, sec, dirs, n_dirs, &d);
                ts_registration *r = wait_register(s, regs, &d);
                ms[i] = (double)(bench_now_ns() - d.spawned_ns) / 1e6;
                wakeups w;
                read_switches(d.pid, &w);
                cpu[i] = (double)w.cpu_ns / 1e6;
                size_t n;
                wire_event *ev = proxy_events(&p, mark, &n);
                for (size_t j = 0; j < n; j++)
                        if (ev[j].from_client) {
                                first[i] = (double)(ev[j].t_ns - d.spawned_ns) / 1e6;
                                break;
                        }
                free(ev);
                if (i == k - 1) {
                        out->register_payload = r->links ? strlen(r->links) : 0;
                        ts_process(s, SETTLE_MS);
                        read_memory(b, d.pid, "idle (start-up runs)", &out->mem);
                }
                stop_daemon(s, &d);
        }
        proxy_stop(&p);
        ts_free(s);
        out->runs = k;
        out->median_ms = median_double(ms, k);
        out->min_ms = ms[0];
        out->max_ms = ms[k - 1];
        out->first_datagram_ms = median_double(first, k);
        out->cpu_ms = median_double(cpu, k);
        out->done = true;
        free(ms);
        free(first);
        free(cpu);
}

static unsigned count_xml(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        unsigned n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0)
                        n++;
        }
        closedir(d);
        return n;
}

/* ---- the table ---- */

/* One figure under its conditions, with its value under NoSec and under DTLS PSK. */
static void row(const char *figure, const char *conditions, const char *v0, const char *v1)
{
        bench_cell(figure, 40, true);
        putchar(' ');
        bench_cell(conditions, 30, true);
        bench_cell(v0, 14, false);
        bench_cell(v1, 14, false);
        putchar('\n');
}

static const char *fmt_latency(char *buf, size_t size, const latency *l, int which)
{
        if (!l->done)
                return "-";
        if (which == 0)
                snprintf(buf, size, "%.1f µs", l->spread.p50_us);
        else if (which == 1)
                snprintf(buf, size, "%.1f µs", l->spread.p99_us);
        else if (which == 2)
                snprintf(buf, size, "%.0f /s", l->per_second);
        else if (which == 3)
                snprintf(buf, size, "%.1f µs", l->daemon_cpu_us);
        else if (which == 4)
                snprintf(buf, size, "%.1f µs", l->daemon_sys_us);
        else
                snprintf(buf, size, "%.1f µs", l->probe_cpu_us);
        return buf;
}

static const char *fmt_kib(char *buf, size_t size, bool done, long kib)
{
        if (!done)
                return "-";
        snprintf(buf, size, "%ld KiB", kib);
        return buf;
}

static const char *fmt_bytes(char *buf, size_t size, bool done, size_t n)
{
        if (!done)
                return "-";
        snprintf(buf, size, "%zu B", n);
        return buf;
}

static const char *fmt_ms(char *buf, size_t size, bool done, double ms)
{
        if (!done)
                return "-";
        snprintf(buf, size, "%.2f ms", ms);
        return buf;
}

static const syscall_count *find_call(const syscalls *s, const char *name)
{
        for (size_t i = 0; i < s->n_calls; i++)
                if (strcmp(s->calls[i].name, name) == 0)
                        return &s->calls[i];
        return NULL;
}

static const char *fmt_per_read(char *buf, size_t size, bool done, const syscall_count *c)
{
        if (!done)
                return "-";
        snprintf(buf, size, "%.2f", c ? c->per_read : 0.0);
        return buf;
}

/* The calls per Read, then each call: the NoSec column's in its order (strace sorts by
 * time), then those only DTLS makes. */
static void print_syscalls(const bench *b)
{
        const figures *fig = &b->fig;
        char a[64], c[64], cond[64], name[64];
        for (size_t t = 0; t < N_TARGETS; t++) {
                const syscalls *s0 = &fig->calls[0][t], *s1 = &fig->calls[1][t];
                if (!read_targets[t].syscalls)
                        continue;
                snprintf(name, sizeof(name), "%s syscalls/read", read_targets[t].label);
                snprintf(cond, sizeof(cond), "strace -c -f, %u reads", b->opt.syscall_reads);
                syscall_count total0 = {.per_read = s0->per_read},
                              total1 = {.per_read = s1->per_read};
                row(name, cond, fmt_per_read(a, sizeof(a), s0->done, &total0),
                    fmt_per_read(c, sizeof(c), s1->done, &total1));
                /* Calls made less than once in 50 Reads (the tracer's own attaching, a log
                 * line) are summed into one row. */
                syscall_count rare[2] = {{.per_read = 0}, {.per_read = 0}};
                for (int side = 0; side < 2; side++) {
                        const syscalls *s = side ? s1 : s0;
                        for (size_t i = 0; i < s->n_calls; i++) {
                                const char *call = s->calls[i].name;
                                const syscall_count *c0 = find_call(s0, call),
                                                    *c1 = find_call(s1, call);
                                if (side && c0)
                                        continue;
                                if ((!c0 || c0->per_read < 0.02) && (!c1 || c1->per_read < 0.02)) {
                                        rare[0].per_read += c0 ? c0->per_read : 0;
                                        rare[1].per_read += c1 ? c1->per_read : 0;
                                        continue;
                                }
                                snprintf(name, sizeof(name), "  %s", call);
                                row(name, "per read", fmt_per_read(a, sizeof(a), s0->done, c0),
                                    fmt_per_read(c, sizeof(c), s1->done, c1));
                        }
                }
                if (rare[0].per_read > 0 || rare[1].per_read > 0)
                        row("  other calls", "per read, summed",
                            fmt_per_read(a, sizeof(a), s0->done, &rare[0]),
                            fmt_per_read(c, sizeof(c), s1->done, &rare[1]));
        }
}

static void print_table(const bench *b)
{
        const figures *fig = &b->fig;
        char a[64], c[64], cond[64], name[64], libraries[128];
        bench_libraries(libraries, sizeof(libraries));

        printf("\nlwm2md engine benchmark: the real daemon on loopback, its Reads timed by a "
               "lean probe server\n");
        bench_print_setup(b->daemon_path, libraries, true, b->load_before, b->load_after);
        printf("reads: %u timed requests after %u warm-up, one in flight (confirmable GET, "
               "piggybacked 2.05), from bench_probe\n",
               b->opt.requests, b->opt.warmup);
        if (b->opt.client_command)
                printf("NoSec reads: client \"%s\" (endpoint %s), not lwm2md\n",
                       b->opt.client_command, fig->endpoint);
        if (fig->cipher[0])
                printf("DTLS PSK reads: cipher suite %s\n", fig->cipher);
        putchar('\n');
        row("figure", "conditions", security_names[0], security_names[1]);
        row("------", "----------", "-----", "--------");

        snprintf(cond, sizeof(cond), "both on CPU %u (taskset -c %u)", b->opt.pin_cpu,
                 b->opt.pin_cpu);
        for (int pin = 0; pin < _PIN_MAX; pin++) {
                static const char *const what[] = {"p50", "p99", "rate"};
                for (int w = 0; w < 3; w++) {
                        snprintf(name, sizeof(name), "UDP echo floor (no CoAP) %s", what[w]);
                        row(name, pin == PIN_ONE_CPU ? cond : "unpinned",
                            fmt_latency(a, sizeof(a), &fig->floor[pin], w), "-");
                }
        }
        for (int pin = 0; pin < _PIN_MAX; pin++) {
                for (size_t t = 0; t < N_TARGETS; t++) {
                        const char *const what[] = {"p50",
                                                    "p99",
                                                    "rate",
                                                    b->opt.client_command ? "client CPU/req"
                                                                          : "lwm2md CPU/req",
                                                    "  of which kernel",
                                                    "probe CPU/req"};
                        for (int w = 0; w < 6; w++) {
                                snprintf(name, sizeof(name), "%s %s", read_targets[t].label,
                                         what[w]);
                                row(name, pin == PIN_ONE_CPU ? cond : "unpinned",
                                    fmt_latency(a, sizeof(a), &fig->reads[0][pin][t], w),
                                    fmt_latency(c, sizeof(c), &fig->reads[1][pin][t], w));
                        }
                }
        }

        print_syscalls(b);

        row("Register CoAP payload (links)", "objects.d",
            fmt_bytes(a, sizeof(a), fig->reg[0].done, fig->reg[0].payload),
            fmt_bytes(c, sizeof(c), fig->reg[1].done, fig->reg[1].payload));
        row("Register CoAP header+options", "objects.d",
            fmt_bytes(a, sizeof(a), fig->reg[0].done, fig->reg_coap_header), "-");
        row("Register datagram (UDP payload)", "objects.d",
            fmt_bytes(a, sizeof(a), fig->reg[0].done, fig->reg[0].total),
            fmt_bytes(c, sizeof(c), fig->reg[1].done, fig->reg[1].total));
        for (size_t i = 0; i < N_SIZES; i++) {
                const wire_size *w0 = &fig->read_size[0][i], *w1 = &fig->read_size[1][i];
                char code[8];
                snprintf(name, sizeof(name), "Read %s payload", size_targets[i].label);
                if (w0->done && w0->code != CODE_CONTENT) {
                        snprintf(cond, sizeof(cond), "answered %s", ts_code_str(w0->code, code));
                        row(name, cond, "-", "-");
                        continue;
                }
                row(name, "response", fmt_bytes(a, sizeof(a), w0->done, w0->payload),
                    fmt_bytes(c, sizeof(c), w1->done, w1->payload));
                snprintf(name, sizeof(name), "Read %s datagram", size_targets[i].label);
                row(name, "response", fmt_bytes(a, sizeof(a), w0->done, w0->total),
                    fmt_bytes(c, sizeof(c), w1->done, w1->total));
        }

        for (int pin = 0; pin < _PIN_MAX; pin++) {
                const handshake *h0 = &fig->hs[0][pin], *h1 = &fig->hs[1][pin];
                const char *where = pin == PIN_ONE_CPU ? "pinned" : "unpinned";
                snprintf(cond, sizeof(cond), "%s, median of %u", where, h1->runs);
                row("DTLS handshake on the wire", cond, "-",
                    fmt_ms(c, sizeof(c), h1->done, h1->wire_p50_ms));
                snprintf(cond, sizeof(cond), "%s, min .. max", where);
                snprintf(a, sizeof(a), "%.2f..%.2f", h1->wire_min_ms, h1->wire_max_ms);
                row("DTLS handshake on the wire", cond, "-", h1->done ? a : "-");
                if (pin == PIN_NONE) {
                        snprintf(a, sizeof(a), "%u / %zu B", h1->datagrams, h1->bytes);
                        row("DTLS handshake datagrams / bytes", "both directions", "-",
                            h1->done ? a : "-");
                }
                snprintf(cond, sizeof(cond), "%s, median of %u", where, h0->runs);
                row("Re-connect: 4.04 -> Register sent", cond,
                    fmt_ms(a, sizeof(a), h0->done, h0->reconnect_p50_ms),
                    fmt_ms(c, sizeof(c), h1->done, h1->reconnect_p50_ms));
        }

        row("Private_Dirty, idle", "2 s after registering",
            fmt_kib(a, sizeof(a), fig->mem_idle[0].done, fig->mem_idle[0].private_dirty_kib),
            fmt_kib(c, sizeof(c), fig->mem_idle[1].done, fig->mem_idle[1].private_dirty_kib));
        row("Pss, idle", "2 s after registering",
            fmt_kib(a, sizeof(a), fig->mem_idle[0].done, fig->mem_idle[0].pss_kib),
            fmt_kib(c, sizeof(c), fig->mem_idle[1].done, fig->mem_idle[1].pss_kib));
        row("Rss, idle", "2 s after registering",
            fmt_kib(a, sizeof(a), fig->mem_idle[0].done, fig->mem_idle[0].rss_kib),
            fmt_kib(c, sizeof(c), fig->mem_idle[1].done, fig->mem_idle[1].rss_kib));
        snprintf(cond, sizeof(cond), "after %u reads",
                 (unsigned)(N_TARGETS * (b->opt.requests + b->opt.warmup)));
        row("Private_Dirty, after load", cond,
            fmt_kib(a, sizeof(a), fig->mem_load[0].done, fig->mem_load[0].private_dirty_kib),
            fmt_kib(c, sizeof(c), fig->mem_load[1].done, fig->mem_load[1].private_dirty_kib));
        row("Pss, after load", cond,
            fmt_kib(a, sizeof(a), fig->mem_load[0].done, fig->mem_load[0].pss_kib),
            fmt_kib(c, sizeof(c), fig->mem_load[1].done, fig->mem_load[1].pss_kib));

        snprintf(cond, sizeof(cond), "idle, %u s", fig->idle[0].seconds);
        snprintf(a, sizeof(a), "%llu",
                 (unsigned long long)(fig->idle[0].voluntary + fig->idle[0].involuntary));
        snprintf(c, sizeof(c), "%llu",
                 (unsigned long long)(fig->idle[1].voluntary + fig->idle[1].involuntary));
        row("Wake-ups (context switches)", cond, fig->idle[0].done ? a : "-",
            fig->idle[1].done ? c : "-");
        snprintf(a, sizeof(a), "%.3f ms", (double)fig->idle[0].cpu_ns / 1e6);
        snprintf(c, sizeof(c), "%.3f ms", (double)fig->idle[1].cpu_ns / 1e6);
        row("CPU time used", cond, fig->idle[0].done ? a : "-", fig->idle[1].done ? c : "-");

        const startup *s0 = &fig->start_objects[0], *s1 = &fig->start_objects[1],
                      *sr = &fig->start_registry;
        snprintf(cond, sizeof(cond), "objects.d, median of %u", s0->runs);
        row("Start-up: spawn -> registered", cond, fmt_ms(a, sizeof(a), s0->done, s0->median_ms),
            fmt_ms(c, sizeof(c), s1->done, s1->median_ms));
        snprintf(cond, sizeof(cond), "objects.d, median of %u", s0->runs);
        row("Start-up: spawn -> 1st datagram", cond,
            fmt_ms(a, sizeof(a), s0->done, s0->first_datagram_ms),
            fmt_ms(c, sizeof(c), s1->done, s1->first_datagram_ms));
        row("Start-up: lwm2md CPU to registered", cond, fmt_ms(a, sizeof(a), s0->done, s0->cpu_ms),
            fmt_ms(c, sizeof(c), s1->done, s1->cpu_ms));
        snprintf(cond, sizeof(cond), "+ registry (%u files)", fig->registry_files);
        row("Start-up: spawn -> registered", cond, fmt_ms(a, sizeof(a), sr->done, sr->median_ms),
            "-");
        row("Start-up: spawn -> 1st datagram", cond,
            fmt_ms(a, sizeof(a), sr->done, sr->first_datagram_ms), "-");
        row("Start-up: lwm2md CPU to registered", cond, fmt_ms(a, sizeof(a), sr->done, sr->cpu_ms),
            "-");
        row("Private_Dirty, idle", cond, fmt_kib(a, sizeof(a), sr->done, sr->mem.private_dirty_kib),
            "-");
        row("Pss, idle", cond, fmt_kib(a, sizeof(a), sr->done, sr->mem.pss_kib), "-");
        row("Register CoAP payload (links)", cond,
            fmt_bytes(a, sizeof(a), sr->done, sr->register_payload), "-");
        for (int sec = 0; sec < _SEC_MAX; sec++)
                if (fig->separate[sec])
                        printf("note: %s: %u Reads were answered by a separate response, not "
                               "piggybacked\n",
                               security_names[sec], fig->separate[sec]);
}

/* ---- main ---- */

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: bench_engine [-n REQUESTS] [-w WARMUP] [-k HANDSHAKES] [-s STARTUPS]\n"
                "                    [-i IDLE_SECONDS] [-c CPU] [-r REGISTRY_DIR] [-t READS]\n"
                "                    [-C 'COMMAND'] [-R] [-m]\n"
                "Runs lwm2md (%s, or $LWM2MD) on 127.0.0.1, its Reads timed by a lean\n"
                "probe server and the rest against the test LwM2M server, and prints one table.\n"
                "-t: Reads counted under strace -c (2000); -C: the NoSec Reads of another\n"
                "LwM2M client, COMMAND run by /bin/sh with {port} replaced by the probe's port;\n"
                "-R: only the Read round trips (for a profiler);\n"
                "-m: show where the daemon's Private_Dirty lies, mapping by mapping.\n",
                LWM2MD_PATH);
}

static unsigned parse_count(const char *s, unsigned min)
{
        unsigned v;
        if (bench_parse_count(s, min, 10000000, &v) < 0) {
                usage(stderr);
                exit(2);
        }
        return v;
}

/* Memory and wake-ups, bytes on the wire, the handshake, and start-up time and memory. */
static void run_other_scenarios(bench *b)
{
        for (int sec = 0; sec < _SEC_MAX; sec++)
                run_memory_scenario(b, (security)sec);
        for (int sec = 0; sec < _SEC_MAX; sec++)
                for (int pin = 0; pin < _PIN_MAX; pin++)
                        run_wire_scenario(b, (security)sec, (pinning)pin);

        bench_progress("start-up, %u runs each", b->opt.startups);
        const char *objects[] = {OBJECTS_DIR};
        for (int sec = 0; sec < _SEC_MAX; sec++)
                run_startup(b, (security)sec, objects, 1, &b->fig.start_objects[sec]);
        b->fig.registry_files = count_xml(b->opt.registry_dir);
        if (b->fig.registry_files == 0) {
                bench_progress("%s holds no DDF files: start-up with the registry skipped",
                               b->opt.registry_dir);
                return;
        }
        /* The shipped definitions come last, so they win over the registry's. */
        const char *both[] = {b->opt.registry_dir, OBJECTS_DIR};
        run_startup(b, SEC_NOSEC, both, 2, &b->fig.start_registry);
}

int main(int argc, char **argv)
{
        bench_init("bench_engine", NULL);
        static bench b;
        b.opt = (options){.requests = 20000,
                          .warmup = 1000,
                          .handshakes = 20,
                          .startups = 5,
                          .idle_seconds = 10,
                          .syscall_reads = 2000,
                          .registry_dir = REGISTRY_DIR};
        int c;
        while ((c = getopt(argc, argv, "n:w:k:s:i:c:r:t:C:Rmh")) >= 0) {
                switch (c) {
                case 'n':
                        b.opt.requests = parse_count(optarg, 1);
                        break;
                case 'w':
                        b.opt.warmup = parse_count(optarg, 0);
                        break;
                case 'k':
                        b.opt.handshakes = parse_count(optarg, 1);
                        break;
                case 's':
                        b.opt.startups = parse_count(optarg, 1);
                        break;
                case 'i':
                        b.opt.idle_seconds = parse_count(optarg, 1);
                        break;
                case 'c':
                        b.opt.pin_cpu = parse_count(optarg, 0);
                        if (b.opt.pin_cpu >= CPU_SETSIZE)
                                bench_die("no CPU %u", b.opt.pin_cpu);
                        break;
                case 'r':
                        b.opt.registry_dir = optarg;
                        break;
                case 't':
                        b.opt.syscall_reads = parse_count(optarg, 1);
                        break;
                case 'C':
                        b.opt.client_command = optarg;
                        break;
                case 'R':
                        b.opt.reads_only = true;
                        break;
                case 'm':
                        b.opt.show_mappings = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return 2;
        }
        b.daemon_path = bench_daemon_path();
        if (sched_getaffinity(0, sizeof(b.all_cpus), &b.all_cpus) < 0)
                bench_die("sched_getaffinity: %s", strerror(errno));
        if (!CPU_ISSET(b.opt.pin_cpu, &b.all_cpus))
                bench_die("CPU %u is not available to this process", b.opt.pin_cpu);
        bench_loadavg(b.load_before, sizeof(b.load_before));
        b.samples = calloc(b.opt.requests, sizeof(*b.samples));
        if (!b.samples)
                bench_die("out of memory");
        int r = bench_make_scratch(b.dir, sizeof(b.dir), "lwm2md-bench");
        if (r < 0)
                bench_die("mkdtemp: %s", strerror(-r));
        /* A dying daemon must not take the benchmark down with SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);

        bench_progress("UDP echo floor");
        for (int pin = 0; pin < _PIN_MAX; pin++)
                measure_udp_floor(&b, (pinning)pin, &b.fig.floor[pin]);
        for (int sec = 0; sec < _SEC_MAX; sec++)
                for (int pin = 0; pin < _PIN_MAX; pin++)
                        run_read_scenario(&b, (security)sec, (pinning)pin);
        if (!b.opt.reads_only)
                run_other_scenarios(&b);
        bench_loadavg(b.load_after, sizeof(b.load_after));
        print_table(&b);
        free(b.samples);
        bench_remove_scratch(b.dir);
        return 0;
}
