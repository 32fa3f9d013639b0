/* bench_notify.c - figures of the real lwm2md's information reporting: notifications per second
 * over many observations, CPU at a steady push rate, bytes per format, idle wake-ups, memory. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_dbus.h"
#include "tests/server/test_server.h"
#include "util/macro.h"

#define REQUEST_TIMEOUT_MS 5000
/* dbus-daemon's built-in max_replies_per_connection. */
#define MAX_WINDOW 128
#define N_FORMATS  5

typedef enum job_kind {
        JOB_ADD,      /* AddInstance x n, their IDs into iids */
        JOB_FLOOD,    /* SetValues round the instances, `window` in flight, for `seconds` */
        JOB_PACED,    /* SetValues at `rate` per second, one in flight, for `seconds` */
        JOB_PUSH_ONE, /* one SetValues on iids[0] */
} job_kind;

typedef struct options {
        unsigned observations, window, flood_s, paced_s, idle_s, settle_ms;
} options;

typedef struct bench {
        options opt;
        char dir[PATH_MAX];
        char log_path[PATH_MAX + 16];
        char address[512];
        const char *daemon_path;
        pid_t daemon_pid, bus_pid;
        ts_server *server;
        sd_bus *prov; /* used by the job thread only, one job at a time */
        uint16_t *iids;
        double next_value;
        /* The running job. */
        job_kind kind;
        unsigned rate;
        atomic_bool done;
        int error;
        char message[256];
        unsigned pushed; /* SetValues answered */
        int64_t push_ns; /* wall time of the pushes */
} bench;

static bench *the_bench;

static void show_daemon_log(void)
{
        if (the_bench && the_bench->log_path[0])
                bench_show_log(the_bench->log_path, 40);
}

static void cleanup(void)
{
        static atomic_flag once = ATOMIC_FLAG_INIT;
        bench *b = the_bench;
        if (!b || atomic_flag_test_and_set(&once))
                return;
        bench_kill_child(&b->daemon_pid);
        bench_kill_child(&b->bus_pid);
        if (b->dir[0])
                bench_remove_scratch(b->dir);
}

/* ---- the provider's calls, on a thread while the main thread runs the server ---- */

static int job_failed(bench *b, int r, const sd_bus_error *error, const char *what)
{
        snprintf(b->message, sizeof(b->message), "%s: %s", what,
                 sd_bus_error_is_set(error) ? error->message : strerror(-r));
        return r < 0 ? r : -EIO;
}

static int new_set_values(bench *b, uint16_t iid, sd_bus_message **ret)
{
        char path[96];
        snprintf(path, sizeof(path), OBJECT_PATH "/%u/%u", TEMPERATURE, iid);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(b->prov, &m, BENCH_BUS_NAME, path,
                                               "org.lwm2md1.Instance", "SetValues");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{qv}", 1, SENSOR_VALUE, "d", b->next_value++);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static int push_sync(bench *b, uint16_t iid)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = new_set_values(b, iid, &m);
        if (r >= 0)
                r = sd_bus_call(b->prov, m, 0, &error, NULL);
        return r < 0 ? job_failed(b, r, &error, "SetValues") : 0;
}

static int add_instances(bench *b)
{
        for (unsigned i = 0; i < b->opt.observations; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *path;
                int r = sd_bus_call_method(b->prov, BENCH_BUS_NAME, MANAGER_PATH,
                                           "org.lwm2md1.Manager", "AddInstance", &error, &reply,
                                           "qqa{qv}", TEMPERATURE, ANY_INSTANCE, 2, SENSOR_VALUE,
                                           "d", 21.5, SENSOR_UNITS, "s", "Cel");
                if (r < 0)
                        return job_failed(b, r, &error, "AddInstance");
                const char *slash;
                if (sd_bus_message_read(reply, "o", &path) < 0 || !(slash = strrchr(path, '/')))
                        return job_failed(b, -EBADMSG, NULL, "AddInstance");
                b->iids[i] = (uint16_t)strtoul(slash + 1, NULL, 10);
        }
        return 0;
}

typedef struct pipeline {
        bench *b;
        unsigned in_flight;
        int error;
} pipeline;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        pipeline *pl = userdata;
        pl->in_flight--;
        pl->b->pushed++;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e && pl->error == 0)
                pl->error = job_failed(pl->b, -EIO, e, "SetValues (pipelined)");
        return 0;
}

/* Round the instances, a new value each, as many as the daemon and the bus take. */
static int flood(bench *b)
{
        pipeline pl = {.b = b};
        int64_t end = bench_now_ns() + (int64_t)b->opt.flood_s * 1000000000LL;
        unsigned next = 0;
        int r = 0;
        while (r >= 0 && pl.error == 0 && bench_now_ns() < end) {
                while (r >= 0 && pl.in_flight < b->opt.window) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                        r = new_set_values(b, b->iids[next], &m);
                        if (r >= 0)
                                r = sd_bus_call_async(b->prov, NULL, m, on_reply, &pl, 0);
                        if (r >= 0) {
                                pl.in_flight++;
                                next = (next + 1) % b->opt.observations;
                        }
                }
                if (r >= 0)
                        r = sd_bus_process(b->prov, NULL);
                if (r == 0)
                        r = sd_bus_wait(b->prov, 100000);
        }
        while (pl.in_flight > 0) {
                int k = sd_bus_process(b->prov, NULL);
                if (k == 0)
                        k = sd_bus_wait(b->prov, UINT64_MAX);
                if (k < 0)
                        break;
        }
        if (r < 0)
                return job_failed(b, r, NULL, "SetValues (pipelined)");
        return pl.error;
}

/* `rate` pushes per second on schedule, round the instances. */
static int paced(bench *b)
{
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        unsigned n = b->opt.paced_s * b->rate;
        for (unsigned i = 0; i < n; i++) {
                int r = push_sync(b, b->iids[i % b->opt.observations]);
                if (r < 0)
                        return r;
                b->pushed++;
                at.tv_nsec += 1000000000L / b->rate;
                if (at.tv_nsec >= 1000000000L) {
                        at.tv_sec++;
                        at.tv_nsec -= 1000000000L;
                }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
        }
        return 0;
}

static void *job_main(void *arg)
{
        bench *b = arg;
        int64_t t0 = bench_now_ns();
        switch (b->kind) {
        case JOB_ADD:
                b->error = add_instances(b);
                break;
        case JOB_FLOOD:
                b->error = flood(b);
                break;
        case JOB_PACED:
                b->error = paced(b);
                break;
        case JOB_PUSH_ONE:
                b->error = push_sync(b, b->iids[0]);
                break;
        }
        b->push_ns = bench_now_ns() - t0;
        atomic_store(&b->done, true);
        return NULL;
}

/* Runs a job on its thread; the test server takes notifications meanwhile. */
static void run_job(bench *b, job_kind kind)
{
        b->kind = kind;
        b->pushed = 0;
        b->error = 0;
        atomic_store(&b->done, false);
        pthread_t t;
        int r = pthread_create(&t, NULL, job_main, b);
        if (r != 0)
                bench_die("pthread_create: %s", strerror(r));
        while (!atomic_load(&b->done))
                ts_process(b->server, 10);
        pthread_join(t, NULL);
        if (b->error < 0)
                bench_die("%s", b->message[0] ? b->message : strerror(-b->error));
}

/* ---- measurements ---- */

static long private_dirty_kib(bench *b)
{
        bench_memory m;
        int r = bench_read_memory(b->daemon_pid, &m);
        if (r < 0)
                bench_die("/proc/%d/smaps_rollup: %s", (int)b->daemon_pid, strerror(-r));
        return m.private_dirty_kib;
}

/* Context switches of the daemon's main thread, where its event loop runs. */
static unsigned long long context_switches(bench *b)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)b->daemon_pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                bench_die("%s: %s", path, strerror(errno));
        unsigned long long total = 0, v;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
                    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                        total += v;
        return total;
}

static int64_t daemon_cpu_ns(bench *b)
{
        uint64_t ns, slices;
        if (bench_read_schedstat(b->daemon_pid, &ns, &slices) < 0)
                bench_die("/proc/%d/task: cannot read", (int)b->daemon_pid);
        return (int64_t)ns;
}

static unsigned observe(bench *b, uint16_t iid, int accept, ts_response *first)
{
        char path[32];
        snprintf(path, sizeof(path), "/%u/%u/%u", TEMPERATURE, iid, SENSOR_VALUE);
        unsigned handle = 0;
        int r = ts_observe(b->server, path, accept, REQUEST_TIMEOUT_MS, first, &handle);
        if (r < 0)
                bench_die("Observe %s: %s", path, strerror(-r));
        if (handle == 0) {
                char code[8];
                bench_die("Observe %s (accept %d): answered %s without Observe", path, accept,
                          ts_code_str(first->code, code));
        }
        return handle;
}

static size_t uint_option_len(uint64_t v)
{
        size_t n = 0;
        for (; v; v >>= 8)
                n++;
        return n;
}

/* The CoAP message around a notification: 4-byte header, token, Observe and Content-Format
 * (each a 1-byte option header while the deltas stay under 13), the payload marker. */
static size_t datagram_estimate(const ts_notification *n)
{
        size_t observe = n->resp.observe >= 0 ? 1 + uint_option_len((uint64_t)n->resp.observe) : 0;
        size_t format = n->resp.content_format >= 0
                                ? 1 + uint_option_len((uint64_t)n->resp.content_format)
                                : 0;
        return 4 + n->token_len + observe + format + (n->resp.len > 0) + n->resp.len;
}

typedef struct results {
        long dirty_before, dirty_after;
        double flood_s, flood_push_rate, flood_notify_rate, flood_notify_drained_rate;
        unsigned flood_pushed, flood_notified, flood_drained;
        double paced_rate, paced_cpu_percent, paced_cpu_us, paced_notify_rate;
        unsigned long long idle_switches;
        int64_t idle_cpu_ns;
        size_t payload[N_FORMATS], datagram[N_FORMATS];
} results;

static const struct {
        const char *name;
        int accept;
} formats[N_FORMATS] = {
        {"text", 0},         {"TLV", 11542},        {"SenML JSON", 110},
        {"SenML CBOR", 112}, {"LwM2M CBOR", 11544},
};

static void measure_formats(bench *b, results *res)
{
        for (int k = 0; k < N_FORMATS; k++) {
                ts_response first;
                unsigned h = observe(b, b->iids[0], formats[k].accept, &first);
                ts_response_free(&first);
                run_job(b, JOB_PUSH_ONE);
                ts_notification n;
                int r = ts_wait_observation(b->server, h, REQUEST_TIMEOUT_MS, &n);
                if (r < 0)
                        bench_die("no %s notification after a push: %s", formats[k].name,
                                  strerror(-r));
                if (n.resp.content_format != formats[k].accept)
                        bench_die("%s notification in format %d", formats[k].name,
                                  n.resp.content_format);
                res->payload[k] = n.resp.len;
                res->datagram[k] = datagram_estimate(&n);
                ts_notification_free(&n);
                ts_response cancel;
                if (ts_cancel_observe(b->server, h, REQUEST_TIMEOUT_MS, &cancel) == 0)
                        ts_response_free(&cancel);
        }
}

static void run(bench *b, results *res)
{
        b->bus_pid = bench_start_dbus(b->dir, b->address, sizeof(b->address));
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        b->server = ts_new(&cfg);
        if (!b->server)
                bench_die("cannot start the test LwM2M server");
        b->daemon_pid = bench_start_bus_daemon(b->daemon_path, b->dir, "bench-notify", b->address,
                                               b->server, b->log_path, sizeof(b->log_path));
        bench_progress("lwm2md %d registering with the test server %s", (int)b->daemon_pid,
                       ts_uri(b->server));
        bench_wait_register(b->server, &b->daemon_pid);
        b->prov = bench_connect_bus(b->address);
        bench_wait_bus_name(b->server, b->prov);
        unsigned n = b->opt.observations;

        bench_progress("AddInstance x %u", n);
        run_job(b, JOB_ADD);

        /* Bytes per format first, on one instance: the 1000 observations would add their
         * notifications to the same pushes otherwise. */
        bench_progress("one notification per content format");
        measure_formats(b, res);

        ts_process(b->server, (int)b->opt.settle_ms);
        res->dirty_before = private_dirty_kib(b);
        bench_progress("Observe x %u (text)", n);
        for (unsigned i = 0; i < n; i++) {
                ts_response first;
                observe(b, b->iids[i], 0, &first);
                ts_response_free(&first);
        }
        ts_process(b->server, (int)b->opt.settle_ms);
        res->dirty_after = private_dirty_kib(b);

        bench_progress("idle with %u observations, %u s", n, b->opt.idle_s);
        unsigned long long sw0 = context_switches(b);
        int64_t cpu0 = daemon_cpu_ns(b);
        ts_process(b->server, (int)b->opt.idle_s * 1000);
        res->idle_switches = context_switches(b) - sw0;
        res->idle_cpu_ns = daemon_cpu_ns(b) - cpu0;

        bench_progress("SetValues flood over %u instances, %u in flight, %u s", n, b->opt.window,
                       b->opt.flood_s);
        unsigned total0 = ts_notification_total(b->server);
        run_job(b, JOB_FLOOD);
        res->flood_pushed = b->pushed;
        res->flood_notified = ts_notification_total(b->server) - total0;
        double secs = (double)b->push_ns / 1e9;
        res->flood_s = secs;
        res->flood_push_rate = res->flood_pushed / secs;
        res->flood_notify_rate = res->flood_notified / secs;
        /* What was still on its way when the pushes stopped. */
        int64_t t0 = bench_now_ns();
        unsigned last = ts_notification_total(b->server);
        for (;;) {
                ts_process(b->server, 300);
                unsigned now = ts_notification_total(b->server);
                if (now == last)
                        break;
                last = now;
        }
        res->flood_drained = last - total0;
        res->flood_notify_drained_rate =
                res->flood_drained / (secs + (double)(bench_now_ns() - t0 - 300000000LL) / 1e9);

        b->rate = 100;
        bench_progress("SetValues at %u/s for %u s", b->rate, b->opt.paced_s);
        ts_process(b->server, (int)b->opt.settle_ms);
        total0 = ts_notification_total(b->server);
        int64_t c0 = daemon_cpu_ns(b);
        run_job(b, JOB_PACED);
        int64_t c1 = daemon_cpu_ns(b);
        ts_process(b->server, 300);
        secs = (double)b->push_ns / 1e9;
        res->paced_rate = b->pushed / secs;
        res->paced_cpu_percent = (double)(c1 - c0) / (double)b->push_ns * 100;
        res->paced_cpu_us = b->pushed ? (double)(c1 - c0) / 1e3 / b->pushed : 0;
        res->paced_notify_rate = (ts_notification_total(b->server) - total0) / secs;

        b->prov = sd_bus_flush_close_unref(b->prov);
        int status = bench_stop(b->daemon_pid, b->server, 10000);
        if (status != -ETIMEDOUT)
                b->daemon_pid = 0;
        if (status != 0)
                bench_die("lwm2md exited with %d on SIGTERM", status);
        kill(b->bus_pid, SIGTERM);
        waitpid(b->bus_pid, NULL, 0);
        b->bus_pid = 0;
        ts_free(b->server);
        b->server = NULL;
}

static void print(const bench *b, const results *res, const char *load_before,
                  const char *load_after)
{
        unsigned n = b->opt.observations;
        printf("\nlwm2md Observe/Notify benchmark: the real daemon on a private dbus-daemon, a "
               "provider in this\nprocess, the test LwM2M server on 127.0.0.1 (NoSec)\n");
        bench_print_setup(b->daemon_path, coap_package_version(), false, load_before, load_after);
        printf("\n%u instances of 3303, /3303/i/5700 observed on each (text, no attributes)\n\n",
               n);
        printf("1. sustained, SetValues round all %u, %u in flight, %.1f s:\n", n, b->opt.window,
               res->flood_s);
        printf("   pushes            %9.0f /s  (%u)\n", res->flood_push_rate, res->flood_pushed);
        printf("   notifications     %9.0f /s  (%u during the pushes)\n", res->flood_notify_rate,
               res->flood_notified);
        printf("   incl. stragglers  %9.0f /s  (%u in all, %.1f per push)\n",
               res->flood_notify_drained_rate, res->flood_drained,
               res->flood_pushed ? (double)res->flood_drained / res->flood_pushed : 0);
        printf("2. paced pushes %.1f /s for %u s: lwm2md CPU %.2f %% of one core\n"
               "   (%.0f µs per push); notifications %.1f /s\n",
               res->paced_rate, b->opt.paced_s, res->paced_cpu_percent, res->paced_cpu_us,
               res->paced_notify_rate);
        printf("3. one notification of /3303/%u/5700:\n", b->iids[0]);
        printf("   %-12s %14s %22s\n", "format", "payload bytes", "CoAP datagram (est.)");
        for (int k = 0; k < N_FORMATS; k++)
                printf("   %-12s %14zu %22zu\n", formats[k].name, res->payload[k],
                       res->datagram[k]);
        printf("   (datagram: 4-byte header + token + Observe + Content-Format + 0xFF + payload; "
               "UDP/IP add 28)\n");
        printf("4. idle with %u observations, no pmax: %.1f context switches per minute "
               "(%llu in %u s), CPU %.3f ms in all\n",
               n, (double)res->idle_switches * 60 / b->opt.idle_s, res->idle_switches,
               b->opt.idle_s, (double)res->idle_cpu_ns / 1e6);
        printf("5. Private_Dirty: %ld KiB before observing, %ld KiB after %u observations: "
               "%.2f KiB (%.0f bytes) per observation\n",
               res->dirty_before, res->dirty_after, n,
               (double)(res->dirty_after - res->dirty_before) / n,
               (double)(res->dirty_after - res->dirty_before) * 1024 / n);
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: bench_notify [-n OBSERVATIONS] [-w WINDOW] [--quick]\n"
                "Runs lwm2md (%s, or $LWM2MD) on a private dbus-daemon against the test LwM2M\n"
                "server, observes /3303/i/5700 of many instances and prints Notify figures.\n"
                "  -n OBSERVATIONS  instances added and observed (1000)\n"
                "  -w WINDOW        SetValues calls in flight in the flood (64, at most %d)\n"
                "  --quick          a short run: 3 s flood, 5 s paced, 10 s idle\n"
                "BENCH_KEEP_DIR=1 keeps the scratch directory (configuration, logs).\n",
                LWM2MD_PATH, MAX_WINDOW);
}

static unsigned parse_count(const char *s, unsigned min, unsigned max)
{
        unsigned v;
        if (bench_parse_count(s, min, max, &v) < 0) {
                usage(stderr);
                exit(2);
        }
        return v;
}

int main(int argc, char **argv)
{
        bench_init("bench_notify", show_daemon_log);
        static bench b;
        b.opt = (options){.observations = 1000,
                          .window = 64,
                          .flood_s = 10,
                          .paced_s = 10,
                          .idle_s = 60,
                          .settle_ms = 2000};
        static const struct option long_options[] = {
                {"quick", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "n:w:h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        b.opt.observations = parse_count(optarg, 1, 60000);
                        break;
                case 'w':
                        b.opt.window = parse_count(optarg, 1, MAX_WINDOW);
                        break;
                case 'q':
                        b.opt.flood_s = 3;
                        b.opt.paced_s = 5;
                        b.opt.idle_s = 10;
                        b.opt.settle_ms = 500;
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
        b.next_value = 1000;
        b.iids = calloc(b.opt.observations, sizeof(*b.iids));
        if (!b.iids)
                bench_die("out of memory");

        bench_handle_stop_signals();

        int r = bench_make_scratch(b.dir, sizeof(b.dir), "lwm2md-bench-notify");
        if (r < 0)
                bench_die("mkdtemp: %s", strerror(-r));
        the_bench = &b;
        if (atexit(cleanup) != 0)
                bench_die("atexit failed");

        char load_before[64], load_after[64];
        results res = {0};
        bench_loadavg(load_before, sizeof(load_before));
        run(&b, &res);
        bench_loadavg(load_after, sizeof(load_after));
        print(&b, &res, load_before, load_after);
        free(b.iids);
        return 0;
}
