/* test_firmware.c - integration: the Firmware Update object in the real daemon: pulls over
 * HTTP (resumed, restarted), RAUC stood in for on a private bus, a command backend, a push
 * in one datagram, the outcome reported after a restart, refusals and results. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/format.h"

extern char **environ;

#define C(cls, detail) ((uint8_t)((cls)*32 + (detail)))
enum {
        CHANGED = C(2, 4),
        CONTENT = C(2, 5),
        NOT_ALLOWED = C(4, 5),
        TOO_LARGE = C(4, 13),
};

#define PUT  COAP_REQUEST_CODE_PUT
#define GET  COAP_REQUEST_CODE_GET
#define POST COAP_REQUEST_CODE_POST

#define IMAGE_SIZE (3 * 1024 * 1024 + 12345)

typedef struct fw_ctx {
        daemon_fixture f;
        fixture_bus bus;
        pid_t rauc;
        pid_t http;
        int http_port;
        char calls[320]; /* the RAUC stand-in's record */
        char image[320]; /* the file the HTTP server serves */
        char spool[320]; /* the daemon's spool */
        char http_log[320];
        bool command_backend;
        char mounted[320]; /* a tmpfs to unmount at the end */
} fw_ctx;

/* ---- helpers ---- */

/* The daemon's firmware lines, for a failing test (the log's end is mostly polling). */
static void print_firmware_log(fw_ctx *c)
{
        char *log = fixture_read_log(&c->f);
        fprintf(stderr, "---- firmware lines of the daemon's log ----\n");
        for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
                if (strstr(line, "irmware") || strstr(line, "RAUC") || strstr(line, "ERROR"))
                        fprintf(stderr, "%s\n", line);
        free(log);
        char *http = fixture_read_file(c->http_log);
        fprintf(stderr, "---- the HTTP server's log ----\n%s----\n", http ? http : "");
        free(http);
}

static bool wait_text(const char *path, const char *needle, int timeout_ms)
{
        for (int waited = 0;; waited += 20) {
                char *text = fixture_read_file(path);
                bool found = text && strstr(text, needle);
                free(text);
                if (found)
                        return true;
                if (waited >= timeout_ms)
                        return false;
                usleep(20 * 1000);
        }
}

static void write_image(const char *path, const char *head, size_t size)
{
        FILE *fp = fopen(path, "we");
        assert_non_null(fp);
        fputs(head, fp);
        uint32_t x = 12345;
        for (size_t i = strlen(head); i < size; i++) {
                x = x * 1103515245u + 12345u;
                fputc((int)(x >> 16) & 0xff, fp);
        }
        assert_int_equal(fclose(fp), 0);
}

static void assert_same_file(const char *a, const char *b)
{
        FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
        assert_non_null(fa);
        assert_non_null(fb);
        int ca, cb;
        size_t at = 0;
        do {
                ca = fgetc(fa);
                cb = fgetc(fb);
                if (ca != cb)
                        fail_msg("%s and %s differ at byte %zu", a, b, at);
                at++;
        } while (ca != EOF);
        fclose(fa);
        fclose(fb);
}

/* Starts the HTTP server on `c->image` with `options` (NULL-terminated). */
static void start_http(fw_ctx *c, const char *const *options)
{
        int out[2];
        assert_int_equal(pipe(out), 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, c->http_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        char *argv[8] = {(char *)"/usr/bin/python3",
                         (char *)SOURCE_ROOT "/tests/integration/http_range_server.py", c->image};
        size_t n = 3;
        for (size_t i = 0; options && options[i] && n < 7; i++)
                argv[n++] = (char *)options[i];
        argv[n] = NULL;
        assert_int_equal(posix_spawn(&c->http, argv[0], &fa, NULL, argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        /* The whole line: the server must not write into a closed pipe. */
        char line[32] = {0};
        size_t got = 0;
        while (got < sizeof(line) - 1 && !strchr(line, '\n')) {
                ssize_t k = read(out[0], line + got, sizeof(line) - 1 - got);
                if (k <= 0)
                        break;
                got += (size_t)k;
        }
        close(out[0]);
        assert_non_null(strchr(line, '\n'));
        c->http_port = atoi(line);
        assert_true(c->http_port > 0);
}

static void stop_http(fw_ctx *c)
{
        if (c->http > 0) {
                kill(c->http, SIGTERM);
                waitpid(c->http, NULL, 0);
                c->http = 0;
        }
}

static int request(fw_ctx *c, coap_pdu_code_t method, const char *path, int format,
                   const void *payload, size_t len, char *text, size_t text_size)
{
        ts_response r;
        int err = ts_request(c->f.server, method, path, format,
                             method == GET ? LWM2M_FORMAT_TEXT : -1, -1, payload, len, 10000, &r);
        assert_int_equal(err, 0);
        if (text) {
                size_t n = r.len < text_size - 1 ? r.len : text_size - 1;
                memcpy(text, r.payload, n);
                text[n] = 0;
        }
        int code = r.code;
        ts_response_free(&r);
        return code;
}

static void expect(fw_ctx *c, coap_pdu_code_t method, const char *path, const char *text,
                   uint8_t code)
{
        int got = request(c, method, path, text ? LWM2M_FORMAT_TEXT : -1, text,
                          text ? strlen(text) : 0, NULL, 0);
        if (got != code) {
                char a[8], b[8];
                fprintf(stderr, "%s %s: got %s, expected %s\n", path, text ? text : "",
                        ts_code_str((uint8_t)got, a), ts_code_str(code, b));
                fixture_print_log(&c->f, 3000);
        }
        assert_int_equal(got, code);
}

static void read_text(fw_ctx *c, const char *path, char *out, size_t size)
{
        assert_int_equal(request(c, GET, path, -1, NULL, 0, out, size), CONTENT);
}

/* Polls /5/0/3 until it reads `state` and then /5/0/5 must read `result`. */
static void wait_state(fw_ctx *c, const char *state, const char *result, int timeout_ms)
{
        char got[32] = "";
        for (int waited = 0;; waited += 100) {
                read_text(c, "/5/0/3", got, sizeof(got));
                if (strcmp(got, state) == 0)
                        break;
                if (waited >= timeout_ms) {
                        print_firmware_log(c);
                        fail_msg("/5/0/3 reads %s, not %s", got, state);
                }
                usleep(100 * 1000);
        }
        read_text(c, "/5/0/5", got, sizeof(got));
        if (strcmp(got, result) != 0) {
                print_firmware_log(c);
                fail_msg("/5/0/5 reads %s, not %s", got, result);
        }
}

static void write_uri(fw_ctx *c, const char *name)
{
        char uri[256];
        snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/%s", c->http_port, name);
        expect(c, PUT, "/5/0/1", uri, CHANGED);
}

static void start_daemon(fw_ctx *c, const char *more)
{
        char extra[2048];
        if (c->command_backend)
                snprintf(extra, sizeof(extra),
                         "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n\n"
                         "[firmware]\nbackend = command\ncommand = %s/install.sh\n%s",
                         ts_uri(c->f.server), c->f.dir, more ? more : "");
        else
                snprintf(extra, sizeof(extra),
                         "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n\n"
                         "[firmware]\nbackend = rauc\nrauc-bus = %s\n%s",
                         ts_uri(c->f.server), c->bus.address, more ? more : "");
        unsigned seen = ts_register_count(c->f.server);
        assert_int_equal(fixture_write_config(&c->f, extra), 0);
        assert_int_equal(fixture_start_daemon(&c->f, NULL), 0);
        if (!ts_wait_register(c->f.server, seen, 15000)) {
                fixture_print_log(&c->f, 3000);
                fail_msg("the daemon did not register");
        }
}

static int setup_common(void **state, bool command_backend)
{
        fw_ctx *c = calloc(1, sizeof(*c));
        if (!c || fixture_init(&c->f) < 0)
                return -1;
        *state = c;
        c->command_backend = command_backend;
        snprintf(c->calls, sizeof(c->calls), "%s/rauc.calls", c->f.dir);
        snprintf(c->image, sizeof(c->image), "%s/image.raucb", c->f.dir);
        snprintf(c->spool, sizeof(c->spool), "%s/state/firmware.spool", c->f.dir);
        snprintf(c->http_log, sizeof(c->http_log), "%s/http.log", c->f.dir);
        if (!command_backend) {
                char log[320];
                snprintf(log, sizeof(log), "%s/dbus.log", c->f.dir);
                if (fixture_bus_start(&c->bus, SOURCE_ROOT "/tests/integration/dbus-test.conf",
                                      log) < 0)
                        return -1;
                char *argv[] = {(char *)"/usr/bin/python3",
                                (char *)SOURCE_ROOT "/tests/integration/fake_rauc.py",
                                c->bus.address, c->calls, NULL};
                if (posix_spawn(&c->rauc, argv[0], NULL, NULL, argv, environ) != 0)
                        return -1;
                if (!wait_text(c->calls, "\"ready\"", 20000)) {
                        fprintf(stderr, "the RAUC stand-in did not start\n");
                        return -1;
                }
        } else {
                /* Records its argument; fails for images that start with FAIL. */
                char script[640];
                snprintf(script, sizeof(script),
                         "#!/bin/sh\necho \"$@\" >> %s/install.args\n"
                         "head -c 4 \"$1\" | grep -q FAIL && exit 3\nexit 0\n",
                         c->f.dir);
                char path[400];
                if (fixture_write_file(&c->f, "install.sh", script, path, sizeof(path)) < 0 ||
                    chmod(path, 0755) < 0)
                        return -1;
        }
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        c->f.server = ts_new(&cfg);
        return c->f.server ? 0 : -1;
}

static int setup_rauc(void **state)
{
        return setup_common(state, false);
}

static int setup_command(void **state)
{
        return setup_common(state, true);
}

static int teardown(void **state)
{
        fw_ctx *c = *state;
        if (!c)
                return 0;
        int rc = fixture_stop_checked(&c->f);
        stop_http(c);
        if (c->mounted[0])
                umount2(c->mounted, MNT_DETACH);
        if (c->rauc > 0) {
                kill(c->rauc, SIGTERM);
                waitpid(c->rauc, NULL, 0);
        }
        if (c->bus.pid > 0)
                fixture_bus_stop(&c->bus);
        fixture_cleanup(&c->f);
        free(c);
        /* Back to the build tree's module for the next test, whatever this one set. */
        unsetenv("LWM2MD_MODULE_DIR");
        return rc;
}

/* ---- tests ---- */

/* The whole way: pulled over HTTP (several megabytes), inspected, installed by RAUC,
 * the machine "reboots" (the daemon is restarted), the result is read after the new
 * registration, and the booted slot is marked good. Downloading was notified. */
static void test_pull_install_reboot(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", IMAGE_SIZE);
        start_http(c, NULL);
        start_daemon(c, NULL);

        char text[64];
        read_text(c, "/5/0/9", text, sizeof(text));
        assert_string_equal(text, "2");
        read_text(c, "/5/0/8/0", text, sizeof(text));
        assert_string_equal(text, "2");
        ts_response first;
        unsigned handle = 0;
        assert_int_equal(
                ts_observe(c->f.server, "/5/0/3", LWM2M_FORMAT_TEXT, 10000, &first, &handle), 0);
        assert_true(handle > 0);
        ts_response_free(&first);

        write_uri(c, "image.raucb");
        ts_notification n;
        assert_int_equal(ts_wait_observation(c->f.server, handle, 10000, &n), 0);
        assert_int_equal(n.resp.len, 1);
        assert_memory_equal(n.resp.payload, "1", 1);
        /* State changes are confirmable whatever the server's default mode. */
        assert_true(n.confirmable);
        ts_notification_free(&n);

        wait_state(c, "2", "0", 60000);
        assert_same_file(c->image, c->spool);
        char want[400];
        snprintf(want, sizeof(want), "\"method\": \"InspectBundle\", \"source\": \"%s\"", c->spool);
        assert_true(wait_text(c->calls, want, 0));
        read_text(c, "/5/0/7", text, sizeof(text));
        assert_string_equal(text, "2.0");
        assert_true(fixture_log_contains(&c->f, "compatible 'lwm2md-test', version '2.0'"));

        expect(c, POST, "/5/0/2", NULL, CHANGED);
        /* Cancel is refused once Update started. */
        expect(c, POST, "/5/0/10", NULL, NOT_ALLOWED);
        snprintf(want, sizeof(want), "\"method\": \"InstallBundle\", \"source\": \"%s\"", c->spool);
        assert_true(wait_text(c->calls, want, 10000));
        char rebooted[320];
        snprintf(rebooted, sizeof(rebooted), "%s/rebooted", c->f.dir);
        /* Completed(0), then the reboot through the Device object's reboot command. */
        for (int i = 0; i < 100 && access(rebooted, F_OK) != 0; i++)
                usleep(100 * 1000);
        assert_int_equal(access(rebooted, F_OK), 0);
        read_text(c, "/5/0/3", text, sizeof(text));
        assert_string_equal(text, "3");
        assert_true(fixture_log_contains(&c->f, "RAUC 100%: Installing done."));
        assert_false(wait_text(c->calls, "\"Mark\"", 0));

        /* The "reboot": a new daemon with the new firmware's version. */
        assert_int_equal(fixture_stop_daemon(&c->f, 10000), 0);
        start_daemon(c, "\n[device]\nfirmware-version = 2.0\n");
        read_text(c, "/5/0/5", text, sizeof(text));
        assert_string_equal(text, "1");
        read_text(c, "/5/0/3", text, sizeof(text));
        assert_string_equal(text, "0");
        read_text(c, "/3/0/3", text, sizeof(text));
        assert_string_equal(text, "2.0");
        assert_true(wait_text(c->calls,
                              "\"method\": \"Mark\", \"state\": \"good\", \"slot\": "
                              "\"booted\"",
                              10000));
        /* Reported once: a third start has nothing to report. */
        assert_true(fixture_log_contains(&c->f, "the update before the restart succeeded"));
}

/* The connection is cut during the download: resumed with a range, the bytes whole. */
static void test_resume(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", IMAGE_SIZE);
        const char *const opts[] = {"--cut-after", "1000000", NULL};
        start_http(c, opts);
        start_daemon(c, NULL);
        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 60000);
        assert_same_file(c->image, c->spool);
        assert_true(fixture_log_contains(&c->f, "resuming"));
        /* The second request asked for the rest only. */
        assert_true(wait_text(c->http_log, "Range=bytes=", 0));
}

/* A server that ignores ranges: the download starts over and is still whole. */
static void test_restart_without_ranges(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", IMAGE_SIZE);
        const char *const opts[] = {"--cut-after", "500000", "--no-range", NULL};
        start_http(c, opts);
        start_daemon(c, NULL);
        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 60000);
        assert_same_file(c->image, c->spool);
        assert_true(fixture_log_contains(&c->f, "does not resume"));
}

/* The daemon stops in the middle of a pull: the next start resumes it from the bytes in
 * the spool, with a range request, and the image comes out whole. */
static void test_pull_survives_restart(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", IMAGE_SIZE);
        const char *const opts[] = {"--slow", NULL};
        start_http(c, opts);
        start_daemon(c, NULL);
        write_uri(c, "image.raucb");
        struct stat st = {0};
        for (int i = 0; i < 200 && (stat(c->spool, &st) < 0 || st.st_size < 200000); i++)
                usleep(20 * 1000);
        assert_true(st.st_size >= 200000);
        assert_int_equal(fixture_stop_daemon(&c->f, 10000), 0);
        assert_int_equal(stat(c->spool, &st), 0);
        assert_true(st.st_size > 0 && st.st_size < IMAGE_SIZE);

        start_daemon(c, NULL);
        wait_state(c, "2", "0", 60000);
        assert_same_file(c->image, c->spool);
        char want[96];
        snprintf(want, sizeof(want), "Range=bytes=%lld-", (long long)st.st_size);
        assert_true(wait_text(c->http_log, want, 0));
        assert_true(fixture_log_contains(&c->f, "resuming the download of"));
}

/* RAUC refuses the bundle (Result 6), or its installation fails (Result 8). */
static void test_bad_bundles(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "BAD-INSPECT", 100000);
        start_http(c, NULL);
        start_daemon(c, NULL);
        write_uri(c, "image.raucb");
        wait_state(c, "0", "6", 30000);
        assert_int_equal(access(c->spool, F_OK), -1);

        write_image(c->image, "FAIL-INSTALL", 100000);
        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 30000);
        expect(c, POST, "/5/0/2", NULL, CHANGED);
        wait_state(c, "0", "8", 30000);
        assert_true(fixture_log_contains(&c->f, "slot write failed"));

        /* RAUC goes away between the check and the update: Result 8, the bus named. */
        write_image(c->image, "GOOD-BUNDLE", 100000);
        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 30000);
        kill(c->rauc, SIGTERM);
        waitpid(c->rauc, NULL, 0);
        c->rauc = 0;
        expect(c, POST, "/5/0/2", NULL, CHANGED);
        wait_state(c, "0", "8", 30000);
        char want[600];
        snprintf(want, sizeof(want), "RAUC on the %s bus did not start the installation",
                 c->bus.address);
        assert_true(fixture_log_contains(&c->f, want));
}

/* Results without an image, Cancel, an empty URI, and Update where it makes no sense. */
static void test_refusals_and_cancel(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", 200000);
        start_http(c, NULL);
        start_daemon(c, NULL);
        expect(c, POST, "/5/0/2", NULL, NOT_ALLOWED);
        expect(c, POST, "/5/0/10", NULL, NOT_ALLOWED);
        expect(c, PUT, "/5/0/1", "ftp://127.0.0.1/image", CHANGED);
        wait_state(c, "0", "9", 1000);
        expect(c, PUT, "/5/0/1", "no uri at all", CHANGED);
        wait_state(c, "0", "7", 1000);
        write_uri(c, "missing");
        wait_state(c, "0", "7", 30000);

        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 30000);
        expect(c, POST, "/5/0/10", NULL, CHANGED);
        wait_state(c, "0", "10", 1000);
        assert_int_equal(access(c->spool, F_OK), -1);

        write_uri(c, "image.raucb");
        wait_state(c, "2", "0", 30000);
        expect(c, PUT, "/5/0/1", "", CHANGED);
        wait_state(c, "0", "0", 1000);
        expect(c, POST, "/5/0/2", NULL, NOT_ALLOWED);
}

/* The HTTP fetcher is a module (lwm2md-http.so): without it no HTTP is offered; a file
 * that does not load makes an http:// URI Result 9, logged with the path. */
static void test_http_module_missing_or_broken(void **state)
{
        fw_ctx *c = *state;
        write_image(c->image, "GOOD-BUNDLE", 200000);
        start_http(c, NULL);
        char empty[320], broken[320], text[64];
        snprintf(empty, sizeof(empty), "%s/no-modules", c->f.dir);
        assert_int_equal(mkdir(empty, 0700), 0);
        assert_int_equal(setenv("LWM2MD_MODULE_DIR", empty, 1), 0);
        start_daemon(c, NULL);
        read_text(c, "/5/0/8/0", text, sizeof(text));
        assert_string_equal(text, "0"); /* CoAP only */
        write_uri(c, "image.raucb");
        wait_state(c, "0", "9", 5000);
        assert_int_equal(fixture_stop_daemon(&c->f, 10000), 0);

        snprintf(broken, sizeof(broken), "%s/modules", c->f.dir);
        assert_int_equal(mkdir(broken, 0700), 0);
        assert_int_equal(fixture_write_file(&c->f, "modules/lwm2md-http.so", "not ELF\n", NULL, 0),
                         0);
        assert_int_equal(setenv("LWM2MD_MODULE_DIR", broken, 1), 0);
        start_daemon(c, NULL);
        read_text(c, "/5/0/8/0", text, sizeof(text));
        assert_string_equal(text, "2");
        write_uri(c, "image.raucb");
        wait_state(c, "0", "9", 5000);
        char want[400];
        snprintf(want, sizeof(want), "cannot load %s/lwm2md-http.so", broken);
        assert_true(fixture_log_contains(&c->f, want));
        assert_int_equal(unsetenv("LWM2MD_MODULE_DIR"), 0);
}

/* The command backend, with an image pushed in one datagram: the owner's write on this
 * branch, the stream ops once streamed writes are in; the outcome either way. */
static void test_command_push(void **state)
{
        fw_ctx *c = *state;
        start_daemon(c, "reboot = no\n");
        char text[64];
        read_text(c, "/5/0/9", text, sizeof(text));
        assert_string_equal(text, "2");
        static const char image[] = "GOOD tiny image";
        assert_int_equal(
                request(c, PUT, "/5/0/0", LWM2M_FORMAT_OPAQUE, image, sizeof(image) - 1, NULL, 0),
                CHANGED);
        wait_state(c, "2", "0", 5000);
        expect(c, POST, "/5/0/2", NULL, CHANGED);
        wait_state(c, "0", "1", 10000);
        char args[400];
        snprintf(args, sizeof(args), "%s/install.args", c->f.dir);
        assert_true(wait_text(args, c->spool, 0));

        static const char bad[] = "FAIL image";
        assert_int_equal(
                request(c, PUT, "/5/0/0", LWM2M_FORMAT_OPAQUE, bad, sizeof(bad) - 1, NULL, 0),
                CHANGED);
        wait_state(c, "2", "0", 5000);
        expect(c, POST, "/5/0/2", NULL, CHANGED);
        wait_state(c, "0", "8", 10000);
        assert_true(fixture_log_contains(&c->f, "failed with exit status 3"));
}

/* The spool on a file system with too little room (a small tmpfs): Result 2. */
static void test_full_spool(void **state)
{
        fw_ctx *c = *state;
        char dir[320];
        snprintf(dir, sizeof(dir), "%s/small", c->f.dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        if (mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0) {
                fprintf(stderr,
                        "SKIP part: cannot mount a tmpfs (%s); the unit test covers a full "
                        "spool\n",
                        strerror(errno));
                skip();
        }
        snprintf(c->mounted, sizeof(c->mounted), "%s", dir);
        write_image(c->image, "GOOD-BUNDLE", IMAGE_SIZE);
        start_http(c, NULL);
        char more[400];
        snprintf(more, sizeof(more), "spool = %s/firmware.spool\n", dir);
        start_daemon(c, more);
        write_uri(c, "image.raucb");
        wait_state(c, "0", "2", 30000);
        assert_true(fixture_log_contains(&c->f, "do not fit"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_pull_install_reboot, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_resume, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_restart_without_ranges, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_pull_survives_restart, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_bad_bundles, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_refusals_and_cancel, setup_rauc, teardown),
                cmocka_unit_test_setup_teardown(test_http_module_missing_or_broken, setup_rauc,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_command_push, setup_command, teardown),
                cmocka_unit_test_setup_teardown(test_full_spool, setup_rauc, teardown),
        };
        if (getenv("TEST_FILTER"))
                cmocka_set_test_filter(getenv("TEST_FILTER"));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
