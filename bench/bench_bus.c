/* bench_bus.c - figures of the real lwm2md's D-Bus side on a private dbus-daemon, with a provider
 * in this process: server Reads of pushed and on-demand values, pushes per second, memory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_dbus.h"
#include "tests/server/test_server.h"
#include "util/macro.h"

#define TYPED_IFACE        "org.lwm2md1.Object3303"
#define FIRST_VALUE        21.5
#define REQUEST_TIMEOUT_MS 5000
/* The daemon sends its Update at once; one that has not come by then is not coming. */
#define UPDATE_GRACE_MS 5000
/* dbus-daemon's built-in max_replies_per_connection; the test bus configuration sets no limits. */
#define MAX_WINDOW 128
/* A watcher that has seen nothing new for this long has seen everything. */
#define WATCH_QUIET_MS 3000

enum { FMT_TEXT = 0, FMT_SENML_CBOR = 112, CODE_CONTENT = 69 };

typedef struct figure {
        bool done, timed; /* timed: per-operation latencies were taken */
        unsigned count;
        bench_spread spread;
        double per_second;
        double daemon_cpu_us, bus_cpu_us, bench_cpu_us; /* CPU time per operation */
} figure;

typedef enum read_kind {
        READ_STORED_TEXT,
        READ_STORED_CBOR,
        READ_DEMAND_TEXT,
        READ_DEMAND_CBOR,
        _READ_MAX
} read_kind;

typedef enum command_kind {
        CMD_ADD,          /* `count` AddInstance calls, the instance IDs into `iids` */
        CMD_REMOVE,       /* RemoveInstance of the `count` instances in `iids` */
        CMD_ON_DEMAND,    /* SetOnDemand([5700]) on `iid` */
        CMD_SET_VALUES,   /* SetValues calls, one in flight */
        CMD_PIPELINED,    /* SetValues calls, `window` in flight */
        CMD_SET_PROPERTY, /* Properties.Set of SensorValue, one in flight */
        CMD_QUIT,
        _CMD_MAX
} command_kind;

/* Work for the provider's thread, which alone uses the provider's connection. */
typedef struct command {
        command_kind kind;
        unsigned count, warmup, window;
        uint16_t iid;
        uint16_t *iids;
        /* What came back. */
        int error; /* negative errno */
        char message[512];
        double last_value; /* the last value pushed */
        figure fig;
} command;

typedef struct bench bench;

typedef struct provider {
        bench *b;
        sd_bus *bus;
        int wake_fd; /* eventfd: a command was posted */
        pthread_t thread;
        bool running;
        pthread_mutex_t lock;
        command *posted; /* under lock: the command being run, NULL once finished */
        double next_value;
        atomic_uint owner_reads; /* Owner.Read calls answered */
} provider;

/* Another local client that follows the pushed instance, as an operator's tool would. */
typedef struct watcher {
        sd_bus *bus;
        pthread_t thread;
        bool running;
        atomic_bool stop;
        atomic_int error;
        atomic_uint changes;     /* PropertiesChanged naming SensorValue */
        atomic_llong last_value; /* the SensorValue they carried last (pushes are integers) */
} watcher;

typedef struct options {
        unsigned reads, pushes, window, instances, settle_ms;
} options;

typedef struct figures {
        figure reads[_READ_MAX];
        figure pushes[_CMD_MAX]; /* CMD_SET_VALUES, CMD_PIPELINED, CMD_SET_PROPERTY */
        figure add, remove;
        bench_memory idle, added, removed, loaded;
        unsigned changes_seen, changes_expected;
} figures;

struct bench {
        options opt;
        figures fig;
        char dir[PATH_MAX]; /* scratch directory: configuration, logs, bus socket */
        char log_path[PATH_MAX + 16];
        char address[512]; /* of the private bus */
        const char *daemon_path;
        pid_t daemon_pid, bus_pid;
        ts_server *server;
        provider prov;
        watcher watch;
        int64_t *samples;
        uint16_t iid_pushed, iid_on_demand;
        char load_before[64], load_after[64];
};

DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, pclose)

/* For the exit handler: every way out (a failure, a signal) stops the children and
 * removes the scratch directory. */
static bench *the_bench;

/* ---- small helpers ---- */

/* On a failure: what the daemon said last. */
static void show_daemon_log(void)
{
        if (the_bench && the_bench->log_path[0])
                bench_show_log(the_bench->log_path, 40);
}

/* CPU time of every thread of a process so far; 0 once it is gone. */
static int64_t task_cpu_ns(pid_t pid)
{
        uint64_t run_ns, slices;
        if (bench_read_schedstat(pid, &run_ns, &slices) < 0)
                return 0;
        return (int64_t)run_ns;
}

typedef struct cpu_mark {
        int64_t wall_ns, daemon_ns, bus_ns, bench_ns;
} cpu_mark;

static void cpu_mark_take(const bench *b, cpu_mark *m)
{
        m->daemon_ns = task_cpu_ns(b->daemon_pid);
        m->bus_ns = task_cpu_ns(b->bus_pid);
        m->bench_ns = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        m->wall_ns = bench_now_ns();
}

/* Fills `f` from `n` operations between two marks; `samples` (may be NULL) are sorted here. */
static void figure_fill(figure *f, int64_t *samples, unsigned n, const cpu_mark *start,
                        const cpu_mark *end)
{
        double per = n > 0 ? (double)n : 1;
        *f = (figure){
                .done = true,
                .timed = samples != NULL && n > 0,
                .count = n,
                .per_second = (double)n * 1e9 / (double)(end->wall_ns - start->wall_ns),
                .daemon_cpu_us = (double)(end->daemon_ns - start->daemon_ns) / 1e3 / per,
                .bus_cpu_us = (double)(end->bus_ns - start->bus_ns) / 1e3 / per,
                .bench_cpu_us = (double)(end->bench_ns - start->bench_ns) / 1e3 / per,
        };
        if (!f->timed)
                return;
        bench_spread_of(samples, n, &f->spread);
}

static void read_memory(const bench *b, bench_memory *m)
{
        int r = bench_read_memory(b->daemon_pid, m);
        if (r < 0)
                bench_die("/proc/%d/smaps_rollup: %s", (int)b->daemon_pid, strerror(-r));
}

static void instance_path(char *buf, size_t size, uint16_t iid)
{
        snprintf(buf, size, OBJECT_PATH "/%u/%u", TEMPERATURE, iid);
}

/* The instance ID at the end of an instance's object path. */
static int parse_instance_path(const char *path, uint16_t *iid)
{
        char prefix[64];
        snprintf(prefix, sizeof(prefix), OBJECT_PATH "/%u/", TEMPERATURE);
        if (strncmp(path, prefix, strlen(prefix)) != 0)
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long v = strtoul(path + strlen(prefix), &end, 10);
        if (errno || *end || v >= ANY_INSTANCE)
                return -EINVAL;
        *iid = (uint16_t)v;
        return 0;
}

/* ---- children: the bus and the daemon ---- */

/* A private dbus-daemon listening in the scratch directory; fills b->address. */
static void start_bus(bench *b)
{
        b->bus_pid = bench_start_dbus(b->dir, b->address, sizeof(b->address));
}

static void start_daemon(bench *b)
{
        b->daemon_pid = bench_start_bus_daemon(b->daemon_path, b->dir, "bench-bus", b->address,
                                               b->server, b->log_path, sizeof(b->log_path));
}

/* Its exit status; one that does not stop is left to the exit handler. */
static int stop_daemon(bench *b)
{
        int r = bench_stop(b->daemon_pid, b->server, 10000);
        if (r != -ETIMEDOUT)
                b->daemon_pid = 0;
        return r;
}

/* On every exit: nothing of ours stays behind. */
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

/* ---- the provider: its own connection, serviced by its own thread ---- */

/* Owner.Read: the daemon asks for on-demand values before a server Read. Each answer is the
 * number of reads so far, so that the benchmark can tell a fresh value from a stored one. */
static int owner_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        const void *rids;
        size_t size;
        int r = sd_bus_message_read_array(m, 'q', &rids, &size);
        if (r < 0)
                return r;
        double value = (double)(atomic_load(&p->owner_reads) + 1);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{qv}");
        for (size_t i = 0; r >= 0 && i < size / sizeof(uint16_t); i++) {
                uint16_t rid;
                memcpy(&rid, (const uint8_t *)rids + i * sizeof(rid), sizeof(rid));
                if (rid == SENSOR_VALUE)
                        r = sd_bus_message_append(reply, "{qv}", rid, "d", value);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        /* Counted before the answer leaves: the server may have its response before this
         * thread runs again. */
        atomic_fetch_add(&p->owner_reads, 1);
        r = sd_bus_send(NULL, reply, NULL);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable owner_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Read", "aq", "a{qv}", owner_read, 0),
        SD_BUS_VTABLE_END,
};

static int call_failed(command *c, int r, const sd_bus_error *error, const char *what)
{
        if (sd_bus_error_is_set(error))
                snprintf(c->message, sizeof(c->message), "%s: %s: %s", what, error->name,
                         error->message ?: "");
        else
                snprintf(c->message, sizeof(c->message), "%s: %s", what, strerror(-r));
        return r < 0 ? r : -EIO;
}

static int add_instances(provider *p, command *c)
{
        for (unsigned i = 0; i < c->count; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *path;
                int64_t t0 = bench_now_ns();
                int r = sd_bus_call_method(p->bus, BENCH_BUS_NAME, MANAGER_PATH,
                                           "org.lwm2md1.Manager", "AddInstance", &error, &reply,
                                           "qqa{qv}", TEMPERATURE, ANY_INSTANCE, 2, SENSOR_VALUE,
                                           "d", FIRST_VALUE, SENSOR_UNITS, "s", "Cel");
                p->b->samples[i] = bench_now_ns() - t0;
                if (r < 0)
                        return call_failed(c, r, &error, "AddInstance");
                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0 || parse_instance_path(path, &c->iids[i]) < 0) {
                        snprintf(c->message, sizeof(c->message), "AddInstance: a bad answer");
                        return -EBADMSG;
                }
        }
        return 0;
}

static int remove_instances(provider *p, command *c)
{
        for (unsigned i = 0; i < c->count; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                char path[96];
                instance_path(path, sizeof(path), c->iids[i]);
                int64_t t0 = bench_now_ns();
                int r = sd_bus_call_method(p->bus, BENCH_BUS_NAME, MANAGER_PATH,
                                           "org.lwm2md1.Manager", "RemoveInstance", &error, NULL,
                                           "o", path);
                p->b->samples[i] = bench_now_ns() - t0;
                if (r < 0)
                        return call_failed(c, r, &error, "RemoveInstance");
        }
        return 0;
}

static int set_on_demand(provider *p, command *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char path[96];
        instance_path(path, sizeof(path), c->iid);
        int r = sd_bus_call_method(p->bus, BENCH_BUS_NAME, path, "org.lwm2md1.Instance",
                                   "SetOnDemand", &error, NULL, "aq", 1, SENSOR_VALUE);
        return r < 0 ? call_failed(c, r, &error, "SetOnDemand") : 0;
}

/* SetValues({5700: the next value}): every push is a new value, so a real change. */
static int new_set_values(provider *p, const char *path, sd_bus_message **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(p->bus, &m, BENCH_BUS_NAME, path,
                                               "org.lwm2md1.Instance", "SetValues");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{qv}", 1, SENSOR_VALUE, "d", p->next_value++);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static int push_one(provider *p, command *c, const char *path)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;
        if (c->kind == CMD_SET_PROPERTY) {
                r = sd_bus_set_property(p->bus, BENCH_BUS_NAME, path, TYPED_IFACE, "SensorValue",
                                        &error, "d", p->next_value++);
                return r < 0 ? call_failed(c, r, &error, "Set SensorValue") : 0;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = new_set_values(p, path, &m);
        if (r >= 0)
                r = sd_bus_call(p->bus, m, 0, &error, NULL);
        return r < 0 ? call_failed(c, r, &error, "SetValues") : 0;
}

static int push_one_in_flight(provider *p, command *c)
{
        char path[96];
        instance_path(path, sizeof(path), c->iid);
        for (unsigned i = 0; i < c->warmup; i++) {
                int r = push_one(p, c, path);
                if (r < 0)
                        return r;
        }
        cpu_mark start, end;
        cpu_mark_take(p->b, &start);
        for (unsigned i = 0; i < c->count; i++) {
                int64_t t0 = bench_now_ns();
                int r = push_one(p, c, path);
                p->b->samples[i] = bench_now_ns() - t0;
                if (r < 0)
                        return r;
        }
        cpu_mark_take(p->b, &end);
        figure_fill(&c->fig, p->b->samples, c->count, &start, &end);
        return 0;
}

typedef struct pipeline {
        command *c;
        unsigned in_flight, answered;
        int error;
} pipeline;

static int on_push_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        pipeline *pl = userdata;
        pl->in_flight--;
        pl->answered++;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e && pl->error == 0)
                pl->error = call_failed(pl->c, -EIO, e, "SetValues (pipelined)");
        return 0;
}

/* `n` SetValues calls with up to `window` waiting for their answers. */
static int push_window(provider *p, command *c, unsigned n)
{
        char path[96];
        instance_path(path, sizeof(path), c->iid);
        pipeline pl = {.c = c};
        unsigned sent = 0;
        int r = 0;
        while (r >= 0 && pl.error == 0 && pl.answered < n) {
                while (r >= 0 && pl.in_flight < c->window && sent < n) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                        r = new_set_values(p, path, &m);
                        if (r >= 0)
                                r = sd_bus_call_async(p->bus, NULL, m, on_push_reply, &pl, 0);
                        if (r >= 0) {
                                pl.in_flight++;
                                sent++;
                        }
                }
                if (r >= 0)
                        r = sd_bus_process(p->bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(p->bus, UINT64_MAX);
        }
        /* Answers still on their way would find `pl` gone: wait for them (each call has
         * its timeout, after which sd-bus answers it itself). */
        while (pl.in_flight > 0) {
                int k = sd_bus_process(p->bus, NULL);
                if (k == 0)
                        k = sd_bus_wait(p->bus, UINT64_MAX);
                if (k < 0)
                        break;
        }
        if (r < 0)
                return call_failed(c, r, NULL, "SetValues (pipelined)");
        return pl.error;
}

static int push_pipelined(provider *p, command *c)
{
        int r = push_window(p, c, c->warmup);
        if (r < 0)
                return r;
        cpu_mark start, end;
        cpu_mark_take(p->b, &start);
        r = push_window(p, c, c->count);
        cpu_mark_take(p->b, &end);
        if (r < 0)
                return r;
        figure_fill(&c->fig, NULL, c->count, &start, &end);
        return 0;
}

static void run_command(provider *p, command *c)
{
        cpu_mark start, end;
        cpu_mark_take(p->b, &start);
        switch (c->kind) {
        case CMD_ADD:
                c->error = add_instances(p, c);
                break;
        case CMD_REMOVE:
                c->error = remove_instances(p, c);
                break;
        case CMD_ON_DEMAND:
                c->error = set_on_demand(p, c);
                break;
        case CMD_SET_VALUES:
        case CMD_SET_PROPERTY:
                c->error = push_one_in_flight(p, c);
                break;
        case CMD_PIPELINED:
                c->error = push_pipelined(p, c);
                break;
        case CMD_QUIT:
        case _CMD_MAX:
                break;
        }
        cpu_mark_take(p->b, &end);
        if (c->error == 0 && (c->kind == CMD_ADD || c->kind == CMD_REMOVE))
                figure_fill(&c->fig, p->b->samples, c->count, &start, &end);
        c->last_value = p->next_value - 1;
}

static void *provider_main(void *arg)
{
        provider *p = arg;
        for (;;) {
                int r;
                while ((r = sd_bus_process(p->bus, NULL)) > 0)
                        ;
                /* A broken connection shows in the next command's calls; until then
                 * only commands wake this thread. */
                bool broken = r < 0;
                uint64_t posted;
                if (read(p->wake_fd, &posted, sizeof(posted)) == sizeof(posted)) {
                        pthread_mutex_lock(&p->lock);
                        command *c = p->posted;
                        pthread_mutex_unlock(&p->lock);
                        if (c)
                                run_command(p, c);
                        pthread_mutex_lock(&p->lock);
                        p->posted = NULL;
                        pthread_mutex_unlock(&p->lock);
                        if (c && c->kind == CMD_QUIT)
                                break;
                        continue;
                }
                int events = sd_bus_get_events(p->bus);
                uint64_t until = UINT64_MAX;
                sd_bus_get_timeout(p->bus, &until);
                int timeout = -1;
                if (!broken && until != UINT64_MAX) {
                        struct timespec ts;
                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        uint64_t now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
                        timeout = until > now ? (int)((until - now + 999) / 1000) : 0;
                }
                struct pollfd fds[2] = {
                        {.fd = broken ? -1 : sd_bus_get_fd(p->bus),
                         .events = (short)(events > 0 ? events : 0)},
                        {.fd = p->wake_fd, .events = POLLIN},
                };
                if (poll(fds, 2, timeout) < 0 && errno != EINTR)
                        break;
        }
        p->bus = sd_bus_flush_close_unref(p->bus);
        return NULL;
}

static void provider_start(bench *b)
{
        provider *p = &b->prov;
        p->b = b;
        p->next_value = 1000;
        p->bus = bench_connect_bus(b->address);
        pthread_mutex_init(&p->lock, NULL);
        p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->wake_fd < 0)
                bench_die("eventfd: %s", strerror(errno));
        /* The daemon calls the owner at each instance's path: one fallback serves them all. */
        int r = sd_bus_add_fallback_vtable(p->bus, NULL, OBJECT_PATH, "org.lwm2md1.Owner",
                                           owner_vtable, NULL, p);
        if (r < 0)
                bench_die("cannot export org.lwm2md1.Owner: %s", strerror(-r));
        r = pthread_create(&p->thread, NULL, provider_main, p);
        if (r != 0)
                bench_die("pthread_create: %s", strerror(r));
        p->running = true;
}

/* Runs `c` on the provider's thread; the test server keeps answering meanwhile (the
 * daemon sends Registration Updates when instances come and go). */
static void provider_do(bench *b, command *c)
{
        provider *p = &b->prov;
        pthread_mutex_lock(&p->lock);
        p->posted = c;
        pthread_mutex_unlock(&p->lock);
        uint64_t one = 1;
        if (write(p->wake_fd, &one, sizeof(one)) != sizeof(one))
                bench_die("eventfd: %s", strerror(errno));
        /* Every call has its own timeout; this only guards against a stuck thread. */
        int64_t end = bench_now_ns() + (120 + (int64_t)(c->count + c->warmup) / 100) * 1000000000LL;
        for (;;) {
                pthread_mutex_lock(&p->lock);
                bool finished = p->posted == NULL;
                pthread_mutex_unlock(&p->lock);
                if (finished)
                        break;
                if (bench_now_ns() > end)
                        bench_die("the provider did not finish in time");
                ts_process(b->server, 20);
        }
        if (c->error < 0)
                bench_die("%s", c->message[0] ? c->message : strerror(-c->error));
}

static void provider_stop(bench *b)
{
        provider *p = &b->prov;
        if (!p->running)
                return;
        command quit = {.kind = CMD_QUIT};
        provider_do(b, &quit);
        pthread_join(p->thread, NULL);
        p->running = false;
        close(p->wake_fd);
        pthread_mutex_destroy(&p->lock);
}

/* ---- the watcher ---- */

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        watcher *w = userdata;
        const char *iface;
        if (sd_bus_message_read_basic(m, 's', &iface) < 0 || strcmp(iface, TYPED_IFACE) != 0 ||
            sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *name;
                double v;
                if (sd_bus_message_read_basic(m, 's', &name) < 0)
                        return 0;
                if (strcmp(name, "SensorValue") == 0 && sd_bus_message_read(m, "v", "d", &v) >= 0) {
                        atomic_store(&w->last_value, (long long)v);
                        atomic_fetch_add(&w->changes, 1);
                } else if (sd_bus_message_skip(m, "v") < 0) {
                        return 0;
                }
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

static void *watcher_main(void *arg)
{
        watcher *w = arg;
        while (!atomic_load(&w->stop)) {
                int r = sd_bus_process(w->bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(w->bus, 100000);
                if (r < 0 && r != -EINTR) {
                        atomic_store(&w->error, r);
                        break;
                }
        }
        return NULL;
}

static void watcher_start(bench *b, sd_bus *bus, uint16_t iid)
{
        watcher *w = &b->watch;
        char path[96];
        instance_path(path, sizeof(path), iid);
        w->bus = bus;
        int r = sd_bus_match_signal(w->bus, NULL, BENCH_BUS_NAME, path,
                                    "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                    on_properties_changed, w);
        if (r < 0)
                bench_die("cannot watch %s: %s", path, strerror(-r));
        r = pthread_create(&w->thread, NULL, watcher_main, w);
        if (r != 0)
                bench_die("pthread_create: %s", strerror(r));
        w->running = true;
}

/* Waits until the watcher has seen `want` changes after `before`, or nothing new for a while. */
static unsigned watcher_wait(bench *b, unsigned before, unsigned want)
{
        watcher *w = &b->watch;
        unsigned seen = atomic_load(&w->changes) - before;
        int64_t quiet_since = bench_now_ns();
        while (seen < want && bench_now_ns() - quiet_since < WATCH_QUIET_MS * 1000000LL) {
                if (atomic_load(&w->error) < 0)
                        bench_die("watcher: %s", strerror(-atomic_load(&w->error)));
                ts_process(b->server, 10);
                unsigned now_seen = atomic_load(&w->changes) - before;
                if (now_seen != seen)
                        quiet_since = bench_now_ns();
                seen = now_seen;
        }
        return seen;
}

static void watcher_stop(bench *b)
{
        watcher *w = &b->watch;
        if (w->running) {
                atomic_store(&w->stop, true);
                pthread_join(w->thread, NULL);
                w->running = false;
        }
        w->bus = sd_bus_flush_close_unref(w->bus);
}

/* ---- the server's side ---- */

/* Instances of 3303 in the last Register or Update the server took. */
static unsigned instances_registered(bench *b)
{
        static const char needle[] = "</3303/";
        ts_registration *reg = ts_current(b->server);
        unsigned n = 0;
        for (const char *s = reg && reg->links ? reg->links : ""; (s = strstr(s, needle));
             s += sizeof(needle) - 1)
                n++;
        return n;
}

static bool wait_instances_for(bench *b, unsigned want, int timeout_ms)
{
        int64_t end = bench_now_ns() + timeout_ms * 1000000LL;
        for (;;) {
                unsigned updates = ts_update_count(b->server);
                if (instances_registered(b) == want)
                        return true;
                if (bench_now_ns() > end)
                        return false;
                ts_wait_update(b->server, updates, 100);
        }
}

/* Waits until the server has been told of `want` instances of 3303: the daemon sends a
 * Registration Update for every change of its instances, and one that does not come is a
 * daemon bug that fails the benchmark. */
static void wait_instances(bench *b, unsigned want)
{
        if (!wait_instances_for(b, want, UPDATE_GRACE_MS))
                bench_die("%d ms after the last change the server still has %u instances of 3303, "
                          "not %u: lwm2md sent no Registration Update for it",
                          UPDATE_GRACE_MS, instances_registered(b), want);
}

static double parse_text(const ts_response *resp)
{
        char text[64];
        size_t len = resp->len < sizeof(text) - 1 ? resp->len : sizeof(text) - 1;
        memcpy(text, resp->payload, len);
        text[len] = '\0';
        char *end;
        double v = strtod(text, &end);
        return end != text && *end == '\0' ? v : -1;
}

static void server_read(bench *b, const char *path, int accept, ts_response *resp)
{
        int r = ts_request(b->server, COAP_REQUEST_CODE_GET, path, -1, accept, -1, NULL, 0,
                           REQUEST_TIMEOUT_MS, resp);
        if (r < 0)
                bench_die("server Read %s: %s", path, strerror(-r));
        char code[8];
        if (resp->code != CODE_CONTENT)
                bench_die("server Read %s (accept %d): answered %s", path, accept,
                          ts_code_str(resp->code, code));
        if (resp->content_format != accept)
                bench_die("server Read %s: asked for format %d, got %d", path, accept,
                          resp->content_format);
}

/* What a server Read of /3303/IID/5700 in text says now. */
static double server_read_value(bench *b, uint16_t iid)
{
        char path[32];
        snprintf(path, sizeof(path), "/%u/%u/%u", TEMPERATURE, iid, SENSOR_VALUE);
        ts_response resp;
        server_read(b, path, FMT_TEXT, &resp);
        double v = parse_text(&resp);
        ts_response_free(&resp);
        return v;
}

/* Read round trips of /3303/IID/5700, one in flight; each one checked. `on_demand`: the
 * provider must have been asked for every one of them. */
static void measure_reads(bench *b, uint16_t iid, int accept, bool on_demand, figure *out)
{
        char path[32];
        snprintf(path, sizeof(path), "/%u/%u/%u", TEMPERATURE, iid, SENSOR_VALUE);
        unsigned warmup = b->opt.reads / 10, asked = atomic_load(&b->prov.owner_reads);
        cpu_mark start = {0}, end;
        for (unsigned i = 0; i < warmup + b->opt.reads; i++) {
                if (i == warmup)
                        cpu_mark_take(b, &start);
                ts_response resp;
                int64_t t0 = bench_now_ns();
                server_read(b, path, accept, &resp);
                int64_t took = bench_now_ns() - t0;
                if (i >= warmup)
                        b->samples[i - warmup] = took;
                unsigned reads = atomic_load(&b->prov.owner_reads);
                if (on_demand && reads != asked + i + 1)
                        bench_die("Read %s: the provider was asked %u times for %u reads", path,
                                  reads - asked, i + 1);
                double want = on_demand ? (double)reads : FIRST_VALUE;
                if (accept == FMT_TEXT && parse_text(&resp) != want)
                        bench_die("Read %s: %.*s, expected %g", path, (int)resp.len,
                                  (const char *)resp.payload, want);
                if (resp.len == 0)
                        bench_die("Read %s: an empty payload", path);
                ts_response_free(&resp);
        }
        cpu_mark_take(b, &end);
        if (!on_demand && atomic_load(&b->prov.owner_reads) != asked)
                bench_die("Read %s: the daemon asked the provider for a stored value", path);
        figure_fill(out, b->samples, b->opt.reads, &start, &end);
}

/* ---- the scenario ---- */

static uint16_t add_one(bench *b)
{
        uint16_t iid;
        command c = {.kind = CMD_ADD, .count = 1, .iids = &iid};
        provider_do(b, &c);
        return iid;
}

static void settle_and_read_memory(bench *b, bench_memory *m)
{
        /* Start-up and the last Update's garbage settle first, as in bench_engine. */
        ts_process(b->server, (int)b->opt.settle_ms);
        read_memory(b, m);
}

static void run_memory(bench *b)
{
        figures *fig = &b->fig;
        settle_and_read_memory(b, &fig->idle);

        unsigned n = b->opt.instances;
        _cleanup_free_ uint16_t *iids = calloc(n, sizeof(*iids));
        if (!iids)
                bench_die("out of memory");
        bench_progress("AddInstance x %u, then the Registration Update", n);
        command add = {.kind = CMD_ADD, .count = n, .iids = iids};
        provider_do(b, &add);
        fig->add = add.fig;
        wait_instances(b, n + 1);
        settle_and_read_memory(b, &fig->added);

        bench_progress("RemoveInstance x %u", n);
        command rm = {.kind = CMD_REMOVE, .count = n, .iids = iids};
        provider_do(b, &rm);
        fig->remove = rm.fig;
        wait_instances(b, 1);
        settle_and_read_memory(b, &fig->removed);
}

static void run_pushes(bench *b, command_kind kind, const char *label)
{
        unsigned before = atomic_load(&b->watch.changes);
        command c = {
                .kind = kind,
                .count = b->opt.pushes,
                .warmup = b->opt.pushes / 10,
                .window = kind == CMD_PIPELINED ? b->opt.window : 1,
                .iid = b->iid_pushed,
        };
        bench_progress("%s x %u", label, c.count);
        provider_do(b, &c);
        b->fig.pushes[kind] = c.fig;
        /* Every push stored a new value: the server reads the last one. */
        double v = server_read_value(b, b->iid_pushed);
        if (v != c.last_value)
                bench_die("after %s the server reads %g, the provider pushed %g last", label, v,
                          c.last_value);
        unsigned want = c.count + c.warmup;
        unsigned seen = watcher_wait(b, before, want);
        b->fig.changes_expected += want;
        b->fig.changes_seen += seen;
        if (seen != want)
                fprintf(stderr,
                        "bench_bus: %s: the watcher saw %u PropertiesChanged for %u pushes\n",
                        label, seen, want);
        else if (atomic_load(&b->watch.last_value) != (long long)c.last_value)
                bench_die(
                        "%s: the last PropertiesChanged carried %lld, the provider pushed %g last",
                        label, atomic_load(&b->watch.last_value), c.last_value);
}

static void run(bench *b)
{
        figures *fig = &b->fig;
        start_bus(b);
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        b->server = ts_new(&cfg);
        if (!b->server)
                bench_die("cannot start the test LwM2M server");
        start_daemon(b);
        bench_progress("lwm2md %d registering with the test server %s", (int)b->daemon_pid,
                       ts_uri(b->server));
        bench_wait_register(b->server, &b->daemon_pid);
        sd_bus *watch_bus = bench_connect_bus(b->address);
        bench_wait_bus_name(b->server, watch_bus);

        provider_start(b);
        b->iid_pushed = add_one(b);
        wait_instances(b, 1);
        watcher_start(b, watch_bus, b->iid_pushed);
        run_memory(b);

        /* The on-demand instance comes after the memory figures: idle is one instance. */
        b->iid_on_demand = add_one(b);
        command od = {.kind = CMD_ON_DEMAND, .iid = b->iid_on_demand};
        provider_do(b, &od);
        wait_instances(b, 2);

        static const struct {
                const char *label;
                int accept;
                bool on_demand;
        } reads[_READ_MAX] = {
                [READ_STORED_TEXT] = {"stored, text", FMT_TEXT, false},
                [READ_STORED_CBOR] = {"stored, SenML CBOR", FMT_SENML_CBOR, false},
                [READ_DEMAND_TEXT] = {"on demand, text", FMT_TEXT, true},
                [READ_DEMAND_CBOR] = {"on demand, SenML CBOR", FMT_SENML_CBOR, true},
        };
        for (int k = 0; k < _READ_MAX; k++) {
                bench_progress("server Read %s x %u", reads[k].label, b->opt.reads);
                measure_reads(b, reads[k].on_demand ? b->iid_on_demand : b->iid_pushed,
                              reads[k].accept, reads[k].on_demand, &fig->reads[k]);
        }
        run_pushes(b, CMD_SET_VALUES, "SetValues, one in flight");
        run_pushes(b, CMD_PIPELINED, "SetValues, pipelined");
        run_pushes(b, CMD_SET_PROPERTY, "Set SensorValue");
        read_memory(b, &fig->loaded);

        provider_stop(b);
        watcher_stop(b);
        int status = stop_daemon(b);
        if (status == -ETIMEDOUT)
                bench_die("lwm2md did not stop within 10 s of SIGTERM");
        if (status != 0)
                bench_die("lwm2md exited with status %d on SIGTERM", status);
        kill(b->bus_pid, SIGTERM);
        waitpid(b->bus_pid, NULL, 0);
        b->bus_pid = 0;
        ts_free(b->server);
        b->server = NULL;
}

/* ---- the table ---- */

/* "-" for a figure not taken: a zero would read as a measurement. */
static const char *fmt_us(char *buf, size_t size, bool done, double us)
{
        if (!done)
                return "-";
        snprintf(buf, size, "%.1f µs", us);
        return buf;
}

static void latency_row(const char *name, const figure *f)
{
        char v[4][32], count[16], rate[32];
        const double us[4] = {f->spread.p50_us, f->spread.p90_us, f->spread.p99_us,
                              f->spread.min_us};
        bench_cell(name, 44, true);
        for (int i = 0; i < 4; i++)
                bench_cell(fmt_us(v[i], sizeof(v[i]), f->done && f->timed, us[i]), 11, false);
        snprintf(count, sizeof(count), "%u", f->count);
        snprintf(rate, sizeof(rate), "%.0f /s", f->per_second);
        bench_cell(f->done ? count : "-", 8, false);
        bench_cell(f->done ? rate : "-", 12, false);
        putchar('\n');
}

static void cpu_row(const char *name, const figure *f)
{
        char v[3][32];
        bench_cell(name, 44, true);
        bench_cell(fmt_us(v[0], sizeof(v[0]), f->done, f->daemon_cpu_us), 11, false);
        bench_cell(fmt_us(v[1], sizeof(v[1]), f->done, f->bus_cpu_us), 13, false);
        bench_cell(fmt_us(v[2], sizeof(v[2]), f->done, f->bench_cpu_us), 13, false);
        putchar('\n');
}

static void memory_row(const char *name, const bench_memory *m)
{
        char v[3][32];
        snprintf(v[0], sizeof(v[0]), "%ld KiB", m->private_clean_kib + m->private_dirty_kib);
        snprintf(v[1], sizeof(v[1]), "%ld KiB", m->private_dirty_kib);
        snprintf(v[2], sizeof(v[2]), "%ld KiB", m->pss_kib);
        bench_cell(name, 44, true);
        for (int i = 0; i < 3; i++)
                bench_cell(m->done ? v[i] : "-", 15, false);
        putchar('\n');
}

static void dbus_daemon_version(char *out, size_t size)
{
        snprintf(out, size, "dbus-daemon ?");
        _cleanup_(pclosep) FILE *p = popen("dbus-daemon --version 2>/dev/null", "re");
        char line[128];
        if (p && fgets(line, sizeof(line), p))
                snprintf(out, size, "%.*s", (int)strcspn(line, "\n"), line);
}

static void print_table(const bench *b)
{
        const figures *fig = &b->fig;
        char dbus[128], libraries[256], name[96];
        dbus_daemon_version(dbus, sizeof(dbus));
        snprintf(libraries, sizeof(libraries), "%s, %s", coap_package_version(), dbus);

        printf("\nlwm2md D-Bus benchmark: the real daemon on a private dbus-daemon, a provider in "
               "this process,\nthe test LwM2M server on 127.0.0.1 (NoSec)\n");
        bench_print_setup(b->daemon_path, libraries, false, b->load_before, b->load_after);
        printf("reads: %u timed after %u warm-up; pushes: %u timed after %u warm-up; one request "
               "or call\nin flight unless said otherwise, latency as the caller sees it; a second "
               "D-Bus client\nwatches the pushed instance's PropertiesChanged\n\n",
               b->opt.reads, b->opt.reads / 10, b->opt.pushes, b->opt.pushes / 10);

        bench_cell("figure", 44, true);
        static const char *const heads[] = {"median", "p90", "p99", "min"};
        for (int i = 0; i < 4; i++)
                bench_cell(heads[i], 11, false);
        bench_cell("count", 8, false);
        bench_cell("rate", 12, false);
        putchar('\n');

        static const char *const read_names[_READ_MAX] = {
                [READ_STORED_TEXT] = "text, stored",
                [READ_STORED_CBOR] = "SenML CBOR, stored",
                [READ_DEMAND_TEXT] = "text, on demand",
                [READ_DEMAND_CBOR] = "SenML CBOR, on demand",
        };
        const figure *figs[_READ_MAX + 5];
        char names[_READ_MAX + 5][96];
        size_t n = 0;
        for (int k = 0; k < _READ_MAX; k++) {
                bool demand = k == READ_DEMAND_TEXT || k == READ_DEMAND_CBOR;
                snprintf(names[n], sizeof(names[n]), "Read /3303/%u/5700 %s",
                         demand ? b->iid_on_demand : b->iid_pushed, read_names[k]);
                figs[n++] = &fig->reads[k];
        }
        snprintf(names[n], sizeof(names[n]), "SetValues({5700: d}), one in flight");
        figs[n++] = &fig->pushes[CMD_SET_VALUES];
        snprintf(names[n], sizeof(names[n]), "SetValues({5700: d}), %u in flight", b->opt.window);
        figs[n++] = &fig->pushes[CMD_PIPELINED];
        snprintf(names[n], sizeof(names[n]), "Set Object3303.SensorValue, one in flight");
        figs[n++] = &fig->pushes[CMD_SET_PROPERTY];
        snprintf(names[n], sizeof(names[n]), "AddInstance(3303, 65535, {5700, 5701})");
        figs[n++] = &fig->add;
        snprintf(names[n], sizeof(names[n]), "RemoveInstance");
        figs[n++] = &fig->remove;
        for (size_t i = 0; i < n; i++)
                latency_row(names[i], figs[i]);

        printf("\n");
        bench_cell("CPU time per operation", 44, true);
        bench_cell("lwm2md", 11, false);
        bench_cell("dbus-daemon", 13, false);
        bench_cell("bench_bus", 13, false);
        putchar('\n');
        for (size_t i = 0; i < n; i++)
                cpu_row(names[i], figs[i]);

        printf("\n");
        bench_cell("memory of lwm2md (smaps_rollup)", 44, true);
        bench_cell("Private", 15, false);
        bench_cell("Private_Dirty", 15, false);
        bench_cell("Pss", 15, false);
        putchar('\n');
        memory_row("idle, registered, the provider's 1 instance", &fig->idle);
        snprintf(name, sizeof(name), "+ %u instances, Update sent", b->opt.instances);
        memory_row(name, &fig->added);
        char v[3][32];
        double per = b->opt.instances;
        long private_added = fig->added.private_clean_kib + fig->added.private_dirty_kib,
             private_idle = fig->idle.private_clean_kib + fig->idle.private_dirty_kib;
        snprintf(v[0], sizeof(v[0]), "%.2f KiB", (double)(private_added - private_idle) / per);
        snprintf(v[1], sizeof(v[1]), "%.2f KiB",
                 (double)(fig->added.private_dirty_kib - fig->idle.private_dirty_kib) / per);
        snprintf(v[2], sizeof(v[2]), "%.2f KiB",
                 (double)(fig->added.pss_kib - fig->idle.pss_kib) / per);
        bench_cell("  per instance", 44, true);
        for (int i = 0; i < 3; i++)
                bench_cell(v[i], 15, false);
        putchar('\n');
        snprintf(name, sizeof(name), "after removing the %u again", b->opt.instances);
        memory_row(name, &fig->removed);
        memory_row("after the timed reads and pushes", &fig->loaded);

        printf("\nPropertiesChanged seen by the watcher: %u for %u pushes (warm-ups included)\n",
               fig->changes_seen, fig->changes_expected);
}

/* ---- main ---- */

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: bench_bus [-n READS] [-p PUSHES] [-w WINDOW] [-i INSTANCES] [--quick]\n"
                "Runs lwm2md (%s, or $LWM2MD) on a private dbus-daemon against the test LwM2M\n"
                "server on 127.0.0.1, with a provider in this process, and prints the figures.\n"
                "  -n READS      timed server Reads per case (2000)\n"
                "  -p PUSHES     timed value pushes per case (20000)\n"
                "  -w WINDOW     SetValues calls in flight when pipelined (64, at most %d)\n"
                "  -i INSTANCES  instances added for the memory figures (100)\n"
                "  --quick       a short run: -n 200 -p 2000, less settling\n"
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
        bench_init("bench_bus", show_daemon_log);
        static bench b;
        b.opt = (options){
                .reads = 2000, .pushes = 20000, .window = 64, .instances = 100, .settle_ms = 2000};
        static const struct option long_options[] = {
                {"quick", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "n:p:w:i:h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        b.opt.reads = parse_count(optarg, 1, 10000000);
                        break;
                case 'p':
                        b.opt.pushes = parse_count(optarg, 1, 10000000);
                        break;
                case 'w':
                        b.opt.window = parse_count(optarg, 1, MAX_WINDOW);
                        break;
                case 'i':
                        b.opt.instances = parse_count(optarg, 1, 10000);
                        break;
                case 'q':
                        b.opt.reads = 200;
                        b.opt.pushes = 2000;
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
        unsigned most = b.opt.reads > b.opt.pushes ? b.opt.reads : b.opt.pushes;
        b.samples = calloc(most > b.opt.instances ? most : b.opt.instances, sizeof(*b.samples));
        if (!b.samples)
                bench_die("out of memory");

        bench_handle_stop_signals();

        int r = bench_make_scratch(b.dir, sizeof(b.dir), "lwm2md-bench-bus");
        if (r < 0)
                bench_die("mkdtemp: %s", strerror(-r));
        the_bench = &b;
        if (atexit(cleanup) != 0)
                bench_die("atexit failed");

        bench_loadavg(b.load_before, sizeof(b.load_before));
        run(&b);
        bench_loadavg(b.load_after, sizeof(b.load_after));
        print_table(&b);
        free(b.samples);
        return 0;
}
