/* bench_firmware.c - firmware images into the real daemon: pushed (Block1) and pulled (CoAP
 * Block2, HTTP), NoSec and DTLS PSK; the transfer rate and the daemon's private memory meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "tests/server/test_server.h"

#define REQUEST_TIMEOUT_MS  10000
#define REGISTER_TIMEOUT_MS 20000
#define PSK_IDENTITY        "bench-fw"
#define FORMAT_TEXT         0
#define FORMAT_OPAQUE       42

static const uint8_t psk_key[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};

typedef enum transfer { PUSH, PULL_COAP, PULL_HTTP, _TRANSFER_MAX } transfer;
static const char *const transfer_names[_TRANSFER_MAX] = {"push (Block1)", "pull CoAP(S)",
                                                          "pull HTTP"};

typedef struct result {
        bool done;
        double seconds;
        long before_kib, peak_kib, after_kib; /* Private_Dirty */
} result;

typedef struct bench {
        char dir[256];
        const char *daemon_path;
        size_t size;
        uint8_t *image;
        char image_path[PATH_MAX];
        result res[2][_TRANSFER_MAX]; /* [psk][transfer] */
        unsigned runs;
} bench;

/* The highest Private_Dirty seen while a transfer runs, sampled by a thread of its own. */
typedef struct sampler {
        pthread_t thread;
        pid_t pid;
        atomic_bool stop;
        atomic_long peak_kib;
} sampler;

static void *sample_main(void *arg)
{
        sampler *s = arg;
        while (!atomic_load(&s->stop)) {
                bench_memory m;
                if (bench_read_memory(s->pid, &m) == 0 &&
                    m.private_dirty_kib > atomic_load(&s->peak_kib))
                        atomic_store(&s->peak_kib, m.private_dirty_kib);
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        return NULL;
}

static void sampler_start(sampler *s, pid_t pid)
{
        s->pid = pid;
        atomic_store(&s->stop, false);
        atomic_store(&s->peak_kib, 0);
        if (pthread_create(&s->thread, NULL, sample_main, s) != 0)
                bench_die("cannot start the memory sampler");
}

static long sampler_stop(sampler *s)
{
        atomic_store(&s->stop, true);
        pthread_join(s->thread, NULL);
        return atomic_load(&s->peak_kib);
}

static long private_dirty(pid_t pid)
{
        bench_memory m;
        if (bench_read_memory(pid, &m) < 0)
                bench_die("cannot read the daemon's memory");
        return m.private_dirty_kib;
}

static pid_t spawn_daemon(bench *b, ts_server *s, bool psk, char *log_path, size_t log_size)
{
        unsigned n = ++b->runs;
        char config[PATH_MAX], state[PATH_MAX];
        snprintf(config, sizeof(config), "%s/lwm2md-%u.conf", b->dir, n);
        snprintf(state, sizeof(state), "%s/state-%u", b->dir, n);
        snprintf(log_path, log_size, "%s/lwm2md-%u.log", b->dir, n);
        if (mkdir(state, 0700) < 0)
                bench_die("%s: %s", state, strerror(errno));
        FILE *f = fopen(config, "we");
        if (!f)
                bench_die("%s: %s", config, strerror(errno));
        fprintf(f,
                "[lwm2md]\nendpoint = bench-fw\nstate-dir = %s\nobjects-dir = %s\n\n"
                "[device]\nfirmware-version = 1.0.0\nreboot-command = true\n\n"
                "[firmware]\nbackend = command\ncommand = /bin/true\nreboot = no\n\n"
                "[server 1]\nuri = %s\nshort-id = 1\nlifetime = 86400\n",
                state, OBJECTS_DIR, ts_uri(s));
        if (psk) {
                fprintf(f, "security = psk\npsk-identity = " PSK_IDENTITY "\npsk-key = ");
                for (size_t i = 0; i < sizeof(psk_key); i++)
                        fprintf(f, "%02x", psk_key[i]);
                fputc('\n', f);
        }
        if (fclose(f) != 0)
                bench_die("%s: %s", config, strerror(errno));
        char *argv[] = {(char *)b->daemon_path, (char *)"--config", config, NULL};
        _cleanup_close_ int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0)
                bench_die("%s: %s", log_path, strerror(errno));
        pid_t pid = bench_spawn(b->daemon_path, argv, log, log, SIGTERM);
        if (pid < 0)
                bench_die("cannot start %s: %s", b->daemon_path, strerror((int)-pid));
        if (!ts_wait_register(s, 0, REGISTER_TIMEOUT_MS)) {
                bench_show_log(log_path, 40);
                bench_die("the daemon did not register");
        }
        return pid;
}

static int request(ts_server *s, coap_pdu_code_t method, const char *path, int format,
                   const void *payload, size_t len, int timeout_ms, ts_response *out)
{
        int accept = method == COAP_REQUEST_CODE_GET ? FORMAT_TEXT : -1;
        return ts_request(s, method, path, method == COAP_REQUEST_CODE_GET ? -1 : format, accept,
                          -1, payload, len, timeout_ms, out);
}

static long read_int(ts_server *s, const char *path)
{
        ts_response r;
        if (request(s, COAP_REQUEST_CODE_GET, path, -1, NULL, 0, REQUEST_TIMEOUT_MS, &r) < 0 ||
            r.code != COAP_RESPONSE_CODE_CONTENT)
                bench_die("cannot read %s", path);
        char text[32] = "";
        memcpy(text, r.payload, r.len < sizeof(text) - 1 ? r.len : sizeof(text) - 1);
        ts_response_free(&r);
        return strtol(text, NULL, 10);
}

static void write_expect(ts_server *s, const char *path, int format, const void *payload,
                         size_t len, int timeout_ms)
{
        ts_response r;
        if (request(s, COAP_REQUEST_CODE_PUT, path, format, payload, len, timeout_ms, &r) < 0)
                bench_die("no answer to the write of %s", path);
        if (r.code != COAP_RESPONSE_CODE_CHANGED)
                bench_die("write of %s: %u.%02u", path, r.code >> 5, r.code & 31);
        ts_response_free(&r);
}

/* Polls /5/0/3 until Downloaded; dies on Idle with a result (the download failed). */
static void wait_downloaded(ts_server *s, const char *log_path)
{
        for (unsigned i = 0; i < 6000; i++) {
                ts_process(s, 100);
                long state = read_int(s, "/5/0/3");
                if (state == 2)
                        return;
                if (state == 0) {
                        bench_show_log(log_path, 40);
                        bench_die("the download ended with Update Result %ld",
                                  read_int(s, "/5/0/5"));
                }
        }
        bench_die("no Downloaded state after 10 minutes");
}

static void run_transfer(bench *b, ts_server *s, pid_t pid, const char *log_path, bool psk,
                         transfer t, uint16_t http_port)
{
        result *r = &b->res[psk][t];
        bench_progress("%s, %s, %zu MiB", psk ? "DTLS PSK" : "NoSec", transfer_names[t],
                       b->size >> 20);
        r->before_kib = private_dirty(pid);
        sampler smp;
        sampler_start(&smp, pid);
        int64_t start = bench_now_ns();
        if (t == PUSH) {
                write_expect(s, "/5/0/0", FORMAT_OPAQUE, b->image, b->size, 600000);
                wait_downloaded(s, log_path);
        } else {
                char uri[256];
                if (t == PULL_COAP)
                        snprintf(uri, sizeof(uri), "%s://127.0.0.1:%u/fw/bench.img",
                                 psk ? "coaps" : "coap", ts_port(s));
                else
                        snprintf(uri, sizeof(uri), "http://127.0.0.1:%u/bench.img", http_port);
                write_expect(s, "/5/0/1", FORMAT_TEXT, uri, strlen(uri), REQUEST_TIMEOUT_MS);
                wait_downloaded(s, log_path);
        }
        r->seconds = (double)(bench_now_ns() - start) / 1e9;
        r->peak_kib = sampler_stop(&smp);
        r->after_kib = private_dirty(pid);
        r->done = true;
        /* Back to Idle for the next transfer: an empty Package cancels. */
        write_expect(s, "/5/0/0", FORMAT_OPAQUE, "", 0, REQUEST_TIMEOUT_MS);
}

/* The HTTP server of the tests, serving the image file. */
static pid_t start_http(bench *b, uint16_t *port)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                bench_die("pipe: %s", strerror(errno));
        char *argv[] = {(char *)"/usr/bin/python3", (char *)HTTP_SERVER, b->image_path, NULL};
        pid_t pid = bench_spawn(argv[0], argv, fds[1], STDERR_FILENO, SIGTERM);
        close(fds[1]);
        if (pid < 0)
                bench_die("cannot start %s", HTTP_SERVER);
        char line[64] = "";
        FILE *f = fdopen(fds[0], "r");
        if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "%hu", port) != 1)
                bench_die("%s said no port", HTTP_SERVER);
        fclose(f);
        return pid;
}

static void run_security(bench *b, bool psk, uint16_t http_port)
{
        ts_config cfg = {.security = psk ? TS_SECURITY_PSK : TS_SECURITY_NOSEC};
        if (psk) {
                cfg.psk_identity = PSK_IDENTITY;
                cfg.psk_key = psk_key;
                cfg.psk_key_len = sizeof(psk_key);
        }
        ts_server *s = ts_new(&cfg);
        if (!s)
                bench_die("cannot start the test server");
        ts_serve_blob(s, "/fw/bench.img", b->image, b->size);
        char log_path[PATH_MAX];
        pid_t pid = spawn_daemon(b, s, psk, log_path, sizeof(log_path));
        /* Every object read once, so that first-use allocations do not count as the transfer's. */
        (void)read_int(s, "/5/0/3");
        run_transfer(b, s, pid, log_path, psk, PUSH, 0);
        run_transfer(b, s, pid, log_path, psk, PULL_COAP, 0);
        if (!psk && http_port)
                run_transfer(b, s, pid, log_path, psk, PULL_HTTP, http_port);
        if (bench_stop(pid, s, 10000) == -ETIMEDOUT) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        ts_free(s);
}

static void print_table(const bench *b, const char *load_before, const char *load_after)
{
        printf("\nFirmware transfers into lwm2md: %zu MiB, spool on %s\n", b->size >> 20, b->dir);
        char libraries[128];
        bench_libraries(libraries, sizeof(libraries));
        bench_print_setup(b->daemon_path, libraries, false, load_before, load_after);
        printf("\n");
        bench_cell("transfer", 16, true);
        bench_cell("security", 10, true);
        bench_cell("seconds", 9, false);
        bench_cell("MiB/s", 8, false);
        bench_cell("dirty before", 14, false);
        bench_cell("peak", 10, false);
        bench_cell("after", 10, false);
        bench_cell("peak growth", 13, false);
        printf("\n");
        for (int psk = 0; psk < 2; psk++)
                for (int t = 0; t < _TRANSFER_MAX; t++) {
                        const result *r = &b->res[psk][t];
                        if (!r->done)
                                continue;
                        char c[6][32];
                        snprintf(c[0], 32, "%.2f", r->seconds);
                        snprintf(c[1], 32, "%.2f", (double)b->size / 1048576.0 / r->seconds);
                        snprintf(c[2], 32, "%ld kB", r->before_kib);
                        snprintf(c[3], 32, "%ld kB", r->peak_kib);
                        snprintf(c[4], 32, "%ld kB", r->after_kib);
                        snprintf(c[5], 32, "%+ld kB", r->peak_kib - r->before_kib);
                        bench_cell(transfer_names[t], 16, true);
                        bench_cell(psk ? "DTLS PSK" : "NoSec", 10, true);
                        bench_cell(c[0], 9, false);
                        bench_cell(c[1], 8, false);
                        bench_cell(c[2], 14, false);
                        bench_cell(c[3], 10, false);
                        bench_cell(c[4], 10, false);
                        bench_cell(c[5], 13, false);
                        printf("\n");
                }
        printf("\n'dirty' is the daemon's Private_Dirty (/proc/PID/smaps_rollup); the peak is "
               "sampled every 10 ms during the transfer.\n");
}

static bench *the_bench;

static void on_die(void)
{
        if (the_bench && the_bench->dir[0])
                bench_remove_scratch(the_bench->dir);
}

int main(int argc, char **argv)
{
        bench_init("bench_firmware", on_die);
        static bench b = {.size = (size_t)16 << 20};
        the_bench = &b;
        int opt;
        while ((opt = getopt(argc, argv, "s:h")) != -1) {
                unsigned mib;
                if (opt == 's' && bench_parse_count(optarg, 1, 1024, &mib) == 0) {
                        b.size = (size_t)mib << 20;
                        continue;
                }
                fprintf(opt == 'h' ? stdout : stderr, "usage: bench_firmware [-s MIB]\n"
                                                      "  -s MIB  image size in MiB (16)\n");
                return opt == 'h' ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        bench_handle_stop_signals();
        b.daemon_path = bench_daemon_path();
        if (bench_make_scratch(b.dir, sizeof(b.dir), "bench-firmware") < 0)
                bench_die("cannot make a scratch directory");
        b.image = malloc(b.size);
        if (!b.image)
                bench_die("out of memory");
        uint32_t x = 12345;
        for (size_t i = 0; i < b.size; i++) {
                x = x * 1103515245u + 12345u;
                b.image[i] = (uint8_t)(x >> 16);
        }
        snprintf(b.image_path, sizeof(b.image_path), "%s/bench.img", b.dir);
        FILE *f = fopen(b.image_path, "we");
        if (!f || fwrite(b.image, 1, b.size, f) != b.size || fclose(f) != 0)
                bench_die("%s: cannot write", b.image_path);

        char load_before[64], load_after[64];
        bench_loadavg(load_before, sizeof(load_before));
        uint16_t http_port = 0;
        pid_t http = start_http(&b, &http_port);
        run_security(&b, false, http_port);
        run_security(&b, true, 0);
        kill(http, SIGTERM);
        waitpid(http, NULL, 0);
        bench_loadavg(load_after, sizeof(load_after));
        print_table(&b, load_before, load_after);
        free(b.image);
        bench_remove_scratch(b.dir);
        return EXIT_SUCCESS;
}
