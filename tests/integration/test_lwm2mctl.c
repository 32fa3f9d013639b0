/* test_lwm2mctl.c - integration: lwm2mctl and the Python example provider against the real
 * daemon on a private dbus-daemon, with the test LwM2M server seeing what they change. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "daemon_fixture.h"

extern char **environ;

#define C(cls, detail) ((uint8_t)((cls)*32 + (detail)))
enum {
        CHANGED = C(2, 4),
        CONTENT = C(2, 5),
        NOT_ALLOWED = C(4, 5),
};
#define CF_TEXT 0

typedef struct ctl_ctx {
        daemon_fixture f;
        char ctl_path[512];
        char bus_address[320];
        pid_t bus_pid;
        pid_t sensor_pid;
        bool as_nobody;         /* run lwm2mctl as user nobody */
        const char *sensor_tag; /* its output goes to DIR/<tag>.out and .err */
        /* The last lwm2mctl run. */
        char *out;
        char *err;
} ctl_ctx;

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keeps the LwM2M server answering while something else runs. */
static void pump(ctl_ctx *c, int ms)
{
        if (c->f.server)
                ts_process(c->f.server, ms);
        else
                usleep((useconds_t)ms * 1000);
}

static pid_t spawn(const char *const *argv, const char *out_path, const char *err_path)
{
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        pid_t pid;
        int r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        return r == 0 ? pid : -r;
}

/* Waits for a child while the server keeps answering; its exit status, 128+signal, or -1
 * after killing it on timeout. */
static int wait_child(ctl_ctx *c, pid_t pid, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        for (;;) {
                int status;
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                if (now_ms() >= end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return -1;
                }
                pump(c, 10);
        }
}

/* Runs lwm2mctl --bus ADDRESS ARGS...; returns its exit status, output in c->out / c->err. */
static int run_ctl_on(ctl_ctx *c, const char *bus, const char *const *args)
{
        const char *argv[32];
        size_t n = 0;
        if (c->as_nobody) {
                argv[n++] = "/usr/bin/setpriv";
                argv[n++] = "--reuid=65534";
                argv[n++] = "--regid=65534";
                argv[n++] = "--clear-groups";
                argv[n++] = "--";
        }
        argv[n++] = c->ctl_path;
        argv[n++] = "--bus";
        argv[n++] = bus;
        for (size_t i = 0; args[i] && n < 31; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        char out_path[400], err_path[400];
        snprintf(out_path, sizeof(out_path), "%s/ctl.out", c->f.dir);
        snprintf(err_path, sizeof(err_path), "%s/ctl.err", c->f.dir);
        pid_t pid = spawn(argv, out_path, err_path);
        assert_true(pid > 0);
        int status = wait_child(c, pid, 20000);
        free(c->out);
        free(c->err);
        c->out = fixture_read_file(out_path);
        c->err = fixture_read_file(err_path);
        /* lwm2mctl is built with the sanitizers too. */
        if (strstr(c->err, "Sanitizer") || strstr(c->err, "runtime error:"))
                fail_msg("lwm2mctl %s: %s", args[0], c->err);
        return status;
}

#define CTL(c, ...) run_ctl_on(c, (c)->bus_address, (const char *const[]){__VA_ARGS__, NULL})

/* Fails with lwm2mctl's output unless it exited with `expected`. */
static void expect_exit(ctl_ctx *c, int status, int expected)
{
        if (status != expected)
                fail_msg("lwm2mctl exited with %d, expected %d\nstdout: %s\nstderr: %s", status,
                         expected, c->out, c->err);
}

static void expect_out(ctl_ctx *c, const char *needle)
{
        if (!strstr(c->out, needle))
                fail_msg("lwm2mctl's output lacks \"%s\":\n%s\nstderr: %s", needle, c->out, c->err);
}

static void expect_err(ctl_ctx *c, const char *needle)
{
        if (!strstr(c->err, needle))
                fail_msg("lwm2mctl's stderr lacks \"%s\":\n%s", needle, c->err);
}

/* The text after `label` on its line of lwm2mctl's output, up to the newline (copied). */
static char *line_after(ctl_ctx *c, const char *label)
{
        const char *at = strstr(c->out, label);
        if (!at)
                fail_msg("lwm2mctl's output lacks \"%s\":\n%s", label, c->out);
        at += strlen(label);
        return strndup(at, strcspn(at, "\n"));
}

static json_object *parse_out(ctl_ctx *c)
{
        json_object *o = json_tokener_parse(c->out);
        if (!o)
                fail_msg("not JSON: %s", c->out);
        return o;
}

static const char *json_str(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
        return json_object_get_string(v);
}

/* ---- the private bus ---- */

static bool bus_listening(const char *sock)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(sock) >= sizeof(sa.sun_path)) {
                close(fd);
                return false;
        }
        memcpy(sa.sun_path, sock, strlen(sock) + 1);
        bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}

/* Starts a dbus-daemon that lets everyone do everything, listening on DIR/name. */
static pid_t start_bus(ctl_ctx *c, const char *name, char *address, size_t size)
{
        char sock[300], conf[1024], conf_name[64], conf_path[400];
        snprintf(sock, sizeof(sock), "%s/%s", c->f.dir, name);
        snprintf(conf, sizeof(conf),
                 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                 "1.0//EN\"\n"
                 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                 "<busconfig>\n"
                 "  <type>session</type>\n"
                 "  <listen>unix:path=%s</listen>\n"
                 "  <auth>EXTERNAL</auth>\n"
                 "  <policy context=\"default\">\n"
                 "    <allow user=\"*\"/>\n"
                 "    <allow own=\"*\"/>\n"
                 "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                 "    <allow eavesdrop=\"true\"/>\n"
                 "  </policy>\n"
                 /* The shipped policy on top: root may do everything, others only read
                  * properties. */
                 "  <include>%s/dbus/org.lwm2md1.conf</include>\n"
                 "</busconfig>\n",
                 sock, SOURCE_ROOT);
        snprintf(conf_name, sizeof(conf_name), "%s.conf", name);
        if (fixture_write_file(&c->f, conf_name, conf, conf_path, sizeof(conf_path)) < 0)
                return -1;
        char arg[420], out_path[400];
        snprintf(arg, sizeof(arg), "--config-file=%s", conf_path);
        snprintf(out_path, sizeof(out_path), "%s/%s.log", c->f.dir, name);
        const char *argv[] = {"/usr/bin/dbus-daemon", arg, "--nofork", "--nopidfile", NULL};
        pid_t pid = spawn(argv, out_path, out_path);
        if (pid <= 0)
                return -1;
        for (int i = 0; i < 500 && !bus_listening(sock); i++)
                usleep(10000);
        if (!bus_listening(sock)) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -1;
        }
        snprintf(address, size, "unix:path=%s", sock);
        return pid;
}

static void stop_child(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        for (int i = 0; i < 300; i++) {
                if (waitpid(*pid, NULL, WNOHANG) == *pid) {
                        *pid = 0;
                        return;
                }
                usleep(10000);
        }
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
}

/* ---- set-up ---- */

static int group_setup(void **state)
{
        ctl_ctx *c = calloc(1, sizeof(*c));
        if (!c || fixture_init(&c->f) < 0)
                return -1;
        *state = c;
        /* lwm2mctl is built next to lwm2md. */
        snprintf(c->ctl_path, sizeof(c->ctl_path), "%s", LWM2MD_PATH);
        char *slash = strrchr(c->ctl_path, '/');
        if (!slash)
                return -1;
        snprintf(slash + 1, sizeof(c->ctl_path) - (size_t)(slash + 1 - c->ctl_path), "lwm2mctl");
        if (access(c->ctl_path, X_OK) != 0) {
                fprintf(stderr, "%s: %s\n", c->ctl_path, strerror(errno));
                return -1;
        }
        c->bus_pid = start_bus(c, "bus", c->bus_address, sizeof(c->bus_address));
        if (c->bus_pid <= 0) {
                fprintf(stderr, "could not start dbus-daemon\n");
                return -1;
        }
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        c->f.server = ts_new(&cfg);
        if (!c->f.server)
                return -1;
        char extra[512];
        snprintf(extra, sizeof(extra), "[server 1]\nuri = %s\nlifetime = 300\nretry-timer = 1\n",
                 ts_uri(c->f.server));
        const char *args[] = {"--bus", c->bus_address, NULL};
        if (fixture_write_config(&c->f, extra) < 0 || fixture_start_daemon(&c->f, args) < 0)
                return -1;
        if (!ts_wait_register(c->f.server, 0, 15000)) {
                fprintf(stderr, "the daemon did not register\n");
                return -1;
        }
        /* The name is taken at start-up; wait until lwm2mctl reaches the daemon. */
        int64_t end = now_ms() + 10000;
        int status;
        while ((status = CTL(c, "status")) != 0 && now_ms() < end)
                pump(c, 100);
        if (status != 0) {
                fprintf(stderr, "lwm2mctl never reached the daemon (%d): %s%s\n", status, c->out,
                        c->err);
                return -1;
        }
        return 0;
}

static int group_teardown(void **state)
{
        ctl_ctx *c = *state;
        if (!c)
                return 0;
        int rc = 0;
        stop_child(&c->sensor_pid);
        if (c->f.pid > 0) {
                int st = fixture_stop_daemon(&c->f, 10000);
                if (st != 0) {
                        fprintf(stderr, "the daemon exited with %d\n", st);
                        rc = -1;
                }
        }
        char *log = fixture_read_log(&c->f);
        if (strstr(log, "ERROR: AddressSanitizer") || strstr(log, "ERROR: LeakSanitizer") ||
            strstr(log, "runtime error:")) {
                fprintf(stderr, "---- daemon log ----\n%s\n----\n", log);
                rc = -1;
        }
        free(log);
        stop_child(&c->bus_pid);
        fixture_cleanup(&c->f);
        free(c->out);
        free(c->err);
        free(c);
        return rc;
}

/* ---- the tests ---- */

static void test_status_and_servers(void **state)
{
        ctl_ctx *c = *state;
        expect_exit(c, CTL(c, "status"), 0);
        expect_out(c, "Endpoint: itest\n");
        expect_out(c, "State:    registered\n");
        expect_out(c, "LwM2M:    1.1\n");
        char line[256];
        snprintf(line, sizeof(line), "Servers:  1 %s registered\n", ts_uri(c->f.server));
        expect_out(c, line);

        expect_exit(c, CTL(c, "--json", "status"), 0);
        json_object *o = parse_out(c);
        assert_string_equal(json_str(o, "endpoint"), "itest");
        assert_string_equal(json_str(o, "state"), "registered");
        assert_string_equal(json_str(o, "version"), "1.1");
        json_object *servers, *objects;
        assert_true(json_object_object_get_ex(o, "servers", &servers));
        assert_int_equal(json_object_array_length(servers), 1);
        json_object *s0 = json_object_array_get_idx(servers, 0);
        assert_string_equal(json_str(s0, "uri"), ts_uri(c->f.server));
        assert_string_equal(json_str(s0, "state"), "registered");
        assert_string_equal(json_str(s0, "short_id"), "1");
        assert_true(json_object_object_get_ex(o, "objects", &objects));
        bool has_device = false;
        for (size_t i = 0; i < json_object_array_length(objects); i++)
                has_device |= json_object_get_int(json_object_array_get_idx(objects, i)) == 3;
        assert_true(has_device);
        json_object_put(o);

        expect_exit(c, CTL(c, "servers"), 0);
        expect_out(c, "Server 1\n");
        expect_out(c, "  State:         registered\n");
        expect_out(c, "  Lifetime:      300 s\n");
        expect_out(c, "  Binding:       U\n");
        /* Observations and the stored-notification counters: numbers (0 until the engine
         * counts, and nothing here observes or stores). */
        char *text = line_after(c, "  Observations:  ");
        unsigned long long n1, n2, n3;
        int end = -1;
        if (sscanf(text, "%llu%n", &n1, &end) != 1 || text[end] != '\0')
                fail_msg("Observations: \"%s\" is not a number", text);
        free(text);
        text = line_after(c, "  Notifications: ");
        end = -1;
        if (sscanf(text, "%llu stored, %llu delivered after storing, %llu dropped%n", &n1, &n2, &n3,
                   &end) != 3 ||
            text[end] != '\0')
                fail_msg("Notifications: \"%s\" is not \"N stored, N delivered after storing, N "
                         "dropped\"",
                         text);
        assert_int_equal(n1, 0);
        free(text);
        expect_exit(c, CTL(c, "--json", "servers"), 0);
        o = parse_out(c);
        assert_true(json_object_is_type(o, json_type_array));
        json_object *srv = json_object_array_get_idx(o, 0);
        assert_string_equal(json_str(srv, "location"), ts_current(c->f.server)->location);
        static const char *const counters[] = {"observations", "notifications_queued",
                                               "notifications_delivered", "notifications_dropped"};
        for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
                json_object *v;
                if (!json_object_object_get_ex(srv, counters[i], &v) ||
                    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
                        fail_msg("\"%s\" is not a count in %s", counters[i],
                                 json_object_to_json_string(srv));
        }
        json_object *sleeping;
        assert_true(json_object_object_get_ex(srv, "sleeping", &sleeping));
        assert_true(json_object_is_type(sleeping, json_type_boolean));
        assert_false(json_object_get_boolean(sleeping)); /* binding U: never sleeps */
        json_object_put(o);
}

static void test_list_and_objects(void **state)
{
        ctl_ctx *c = *state;
        expect_exit(c, CTL(c, "list"), 0);
        expect_out(c, "/3/0");
        expect_out(c, "Device");
        expect_out(c, "/1/0");
        expect_exit(c, CTL(c, "--json", "list"), 0);
        json_object *o = parse_out(c);
        bool found = false;
        for (size_t i = 0; i < json_object_array_length(o); i++) {
                json_object *in = json_object_array_get_idx(o, i);
                if (strcmp(json_str(in, "path"), "/3/0") == 0) {
                        found = true;
                        assert_string_equal(json_str(in, "name"), "Device");
                        assert_string_equal(json_str(in, "owner"), "");
                }
        }
        assert_true(found);
        json_object_put(o);

        expect_exit(c, CTL(c, "objects"), 0);
        expect_out(c, "Device");
        if (strstr(c->out, "Temperature"))
                fail_msg("objects without --all lists an object with no instances:\n%s", c->out);
        expect_exit(c, CTL(c, "objects", "--all"), 0);
        expect_out(c, "Temperature");
        expect_out(c, "On/Off switch");
}

static void test_read(void **state)
{
        ctl_ctx *c = *state;
        expect_exit(c, CTL(c, "read", "/3/0/0"), 0);
        assert_string_equal(c->out, "Manufacturer = lwm2md tests\n");
        expect_exit(c, CTL(c, "read", "/3/0"), 0);
        expect_out(c, "Manufacturer = lwm2md tests\n");
        expect_out(c, "Model Number = itest-1\n");
        expect_out(c, "Serial Number = SN-0001\n");
        expect_out(c, "Firmware Version = 1.2.3\n");
        expect_exit(c, CTL(c, "read", "/3"), 0);
        expect_out(c, "/3/0:\n  Manufacturer = lwm2md tests\n");

        expect_exit(c, CTL(c, "--json", "read", "/3/0/2"), 0);
        json_object *o = parse_out(c);
        assert_string_equal(json_str(o, "path"), "/3/0/2");
        assert_string_equal(json_str(o, "name"), "Serial Number");
        assert_string_equal(json_str(o, "type"), "String");
        assert_string_equal(json_str(o, "value"), "SN-0001");
        json_object_put(o);

        expect_exit(c, CTL(c, "--json", "read", "/3/0"), 0);
        o = parse_out(c);
        assert_string_equal(json_str(o, "path"), "/3/0");
        json_object *res;
        assert_true(json_object_object_get_ex(o, "resources", &res));
        assert_true(json_object_array_length(res) >= 4);
        assert_string_equal(json_str(json_object_array_get_idx(res, 0), "value"), "lwm2md tests");
        json_object_put(o);

        /* The Server object's Lifetime, an Integer, comes out as a JSON number. */
        expect_exit(c, CTL(c, "--json", "read", "/1/0/1"), 0);
        o = parse_out(c);
        json_object *v;
        assert_true(json_object_object_get_ex(o, "value", &v));
        assert_true(json_object_is_type(v, json_type_int));
        assert_int_equal(json_object_get_int(v), 300);
        json_object_put(o);
}

static void test_write(void **state)
{
        ctl_ctx *c = *state;
        expect_exit(c, CTL(c, "write", "/1/0/2", "30"), 0);
        assert_string_equal(c->out, "");
        expect_exit(c, CTL(c, "read", "/1/0/2"), 0);
        assert_string_equal(c->out, "Default Minimum Period = 30 s\n");

        /* The server sees the new value. */
        ts_response r;
        assert_int_equal(ts_request(c->f.server, COAP_REQUEST_CODE_GET, "/1/0/2", -1, CF_TEXT, -1,
                                    NULL, 0, 5000, &r),
                         0);
        assert_int_equal(r.code, CONTENT);
        assert_int_equal(r.len, 2);
        assert_memory_equal(r.payload, "30", 2);
        ts_response_free(&r);

        /* Typed from the definition: a Boolean, an Integer with --json. */
        expect_exit(c, CTL(c, "write", "/1/0/6", "on"), 0);
        expect_exit(c, CTL(c, "read", "/1/0/6"), 0);
        assert_string_equal(c->out, "Notification Storing When Disabled or Offline = true\n");
        expect_exit(c, CTL(c, "write", "/1/0/6", "false"), 0);
        expect_exit(c, CTL(c, "read", "/1/0/6"), 0);
        assert_string_equal(c->out, "Notification Storing When Disabled or Offline = false\n");
        expect_exit(c, CTL(c, "--json", "write", "/1/0/3", "120"), 0);
        json_object *o = parse_out(c);
        assert_string_equal(json_str(o, "path"), "/1/0/3");
        json_object *v;
        assert_true(json_object_object_get_ex(o, "value", &v));
        assert_int_equal(json_object_get_int(v), 120);
        json_object_put(o);
        expect_exit(c, CTL(c, "--json", "read", "/1/0/3"), 0);
        o = parse_out(c);
        assert_true(json_object_object_get_ex(o, "value", &v));
        assert_int_equal(json_object_get_int(v), 120);
        assert_string_equal(json_str(o, "units"), "s");
        json_object_put(o);

        /* A value that is not of the resource's type: a usage error, nothing sent. */
        expect_exit(c, CTL(c, "write", "/1/0/2", "soon"), 2);
        if (!strstr(c->err, "Default Minimum Period (2)") || !strstr(c->err, "Integer resource"))
                fail_msg("unclear message: %s", c->err);
        expect_exit(c, CTL(c, "write", "/1/0/6", "maybe"), 2);
        expect_exit(c, CTL(c, "read", "/1/0/2"), 0);
        assert_string_equal(c->out, "Default Minimum Period = 30 s\n");
        /* A read-only resource: the daemon refuses. */
        expect_exit(c, CTL(c, "write", "/3/0/0", "someone else"), 1);
        if (!strstr(c->err, "NotAllowed") && !strstr(c->err, "AccessDenied"))
                fail_msg("unexpected refusal: %s", c->err);
        expect_exit(c, CTL(c, "--json", "write", "/3/0/0", "someone else"), 1);
        o = parse_out(c);
        json_object *e;
        assert_true(json_object_object_get_ex(o, "error", &e));
        assert_non_null(strstr(json_str(e, "name"), "org.lwm2md1.Error."));
        json_object_put(o);
        expect_exit(c, CTL(c, "read", "/3/0/0"), 0);
        assert_string_equal(c->out, "Manufacturer = lwm2md tests\n");
        /* An executable resource holds nothing to write. */
        expect_exit(c, CTL(c, "write", "/3/0/4", "1"), 1);
        assert_non_null(strstr(c->err, "use exec"));
}

static bool wait_file(ctl_ctx *c, const char *name, int timeout_ms)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", c->f.dir, name);
        int64_t end = now_ms() + timeout_ms;
        while (now_ms() < end) {
                if (access(path, F_OK) == 0)
                        return true;
                pump(c, 20);
        }
        return access(path, F_OK) == 0;
}

static void test_exec_and_update(void **state)
{
        ctl_ctx *c = *state;
        /* Reboot runs the configured command (touch DIR/rebooted) after a short delay. */
        expect_exit(c, CTL(c, "exec", "/3/0/4"), 0);
        assert_string_equal(c->out, "");
        assert_true(wait_file(c, "rebooted", 5000));
        /* Not executable. */
        expect_exit(c, CTL(c, "exec", "/3/0/0"), 1);
        expect_exit(c, CTL(c, "--json", "exec", "/3/0/0"), 1);
        json_object *o = parse_out(c);
        json_object *e;
        assert_true(json_object_object_get_ex(o, "error", &e));
        json_object_put(o);

        unsigned seen = ts_update_count(c->f.server);
        expect_exit(c, CTL(c, "update"), 0);
        assert_non_null(ts_wait_update(c->f.server, seen, 5000));
        seen = ts_update_count(c->f.server);
        expect_exit(c, CTL(c, "--json", "update", "1"), 0);
        assert_non_null(ts_wait_update(c->f.server, seen, 5000));
        expect_exit(c, CTL(c, "update", "42"), 1);
        /* No [bootstrap-server] here. */
        expect_exit(c, CTL(c, "bootstrap"), 1);
        expect_err(c, "no bootstrap server is configured");
        expect_exit(c, CTL(c, "bootstrap", "now"), 2);
}

/* send: values reach the server (POST /dp); the refusals the daemon makes before the
 * engine. Refusals only the engine makes (Mute Send, LwM2M 1.0, unreachable) are
 * tested in test_observe.c. */
static void test_send_errors(void **state)
{
        ctl_ctx *c = *state;
        unsigned seen = ts_send_count(c->f.server);
        expect_exit(c, CTL(c, "send", "/3/0/0", "/3/0/2"), 0);
        assert_non_null(ts_wait_send(c->f.server, seen, 5000));
        expect_exit(c, CTL(c, "send", "--server", "1", "/3/0"), 0);
        assert_non_null(ts_wait_send(c->f.server, seen + 1, 5000));
        expect_exit(c, CTL(c, "--json", "send", "/3"), 0);
        assert_non_null(ts_wait_send(c->f.server, seen + 2, 5000));

        /* Refused by the daemon before the engine: nothing there, never sent, no server. */
        expect_exit(c, CTL(c, "send", "/3/0/0", "/3/7"), 1);
        expect_err(c, "send: nothing at /3/7 to send (NotFound)");
        expect_exit(c, CTL(c, "send", "/3303"), 1); /* defined, no instances */
        expect_err(c, "nothing at /3303 to send");
        expect_exit(c, CTL(c, "send", "/0/0"), 1);
        expect_err(c, "the Security object (0) is never sent (InvalidValue)");
        expect_exit(c, CTL(c, "send", "--server", "42", "/3/0"), 1);
        expect_err(c, "send: there is no server 42");
        /* Usage errors. */
        expect_exit(c, CTL(c, "send"), 2);
        expect_exit(c, CTL(c, "send", "/"), 2);
        expect_exit(c, CTL(c, "send", "--server", "x", "/3/0"), 2);
}

static void test_errors_and_exit_codes(void **state)
{
        ctl_ctx *c = *state;
        /* Paths the daemon does not have: 1. */
        expect_exit(c, CTL(c, "read", "/3/0/9999"), 1);
        assert_non_null(strstr(c->err, "no resource 9999"));
        expect_exit(c, CTL(c, "read", "/9999/0"), 1);
        assert_non_null(strstr(c->err, "object 9999 is not defined"));
        expect_exit(c, CTL(c, "read", "/3/7"), 1);
        expect_exit(c, CTL(c, "read", "/3/7/0"), 1);
        expect_exit(c, CTL(c, "--json", "read", "/3/7/0"), 1);
        json_object *o = parse_out(c);
        json_object *e;
        assert_true(json_object_object_get_ex(o, "error", &e));
        json_object_put(o);
        expect_exit(c, CTL(c, "write", "/3/0/9999", "1"), 1);
        expect_exit(c, CTL(c, "exec", "/3/7/4"), 1);
        /* Usage errors: 2. */
        expect_exit(c, CTL(c, "read", "/3/x"), 2);
        expect_exit(c, CTL(c, "read"), 2);
        expect_exit(c, CTL(c, "frobnicate"), 2);
        expect_exit(c, CTL(c, "--frob", "status"), 2);
        expect_exit(c, CTL(c, "help"), 0);
        expect_out(c, "Usage: lwm2mctl");

        /* No bus at all: 3. */
        char nowhere[400];
        snprintf(nowhere, sizeof(nowhere), "unix:path=%s/no-such-bus", c->f.dir);
        expect_exit(c, run_ctl_on(c, nowhere, (const char *const[]){"status", NULL}), 3);
        assert_non_null(strstr(c->err, "cannot connect"));
        expect_exit(c,
                    run_ctl_on(c, nowhere, (const char *const[]){"--json", "read", "/3/0", NULL}),
                    3);
        o = parse_out(c);
        assert_true(json_object_object_get_ex(o, "error", &e));
        json_object_put(o);
        /* A bus where nobody owns org.lwm2md1: 3. */
        char empty[320];
        pid_t empty_pid = start_bus(c, "empty-bus", empty, sizeof(empty));
        assert_true(empty_pid > 0);
        int st = run_ctl_on(c, empty, (const char *const[]){"status", NULL});
        stop_child(&empty_pid);
        expect_exit(c, st, 3);
        assert_non_null(strstr(c->err, "not reachable"));
}

/* Outside root and the lwm2md group the shipped policy allows reading properties only:
 * lwm2mctl reads through the typed properties, and changes are refused. */
static void test_unprivileged_user(void **state)
{
        ctl_ctx *c = *state;
        if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
                fprintf(stdout, "skipped: needs root and setpriv to run lwm2mctl as nobody\n");
                skip();
        }
        /* nobody needs to reach the bus socket in the scratch directory. */
        assert_int_equal(chmod(c->f.dir, 0711), 0);
        c->as_nobody = true;
        int st = CTL(c, "status");
        if (st != 0)
                c->as_nobody = false;
        expect_exit(c, st, 0);
        expect_out(c, "State:    registered\n");
        expect_exit(c, CTL(c, "list"), 0);
        expect_out(c, "/3/0");
        expect_exit(c, CTL(c, "read", "/3/0/0"), 0);
        assert_string_equal(c->out, "Manufacturer = lwm2md tests\n");
        assert_non_null(strstr(c->err, "reading properties instead"));
        expect_exit(c, CTL(c, "read", "/3/0"), 0);
        expect_out(c, "Serial Number = SN-0001\n");
        expect_exit(c, CTL(c, "--json", "read", "/1/0/1"), 0);
        json_object *o = parse_out(c);
        json_object *v;
        assert_true(json_object_object_get_ex(o, "value", &v));
        assert_int_equal(json_object_get_int(v), 300);
        json_object_put(o);
        /* Credentials are not among the properties. */
        expect_exit(c, CTL(c, "read", "/0/0/5"), 1);
        expect_exit(c, CTL(c, "write", "/1/0/2", "5"), 1);
        assert_non_null(strstr(c->err, "AccessDenied"));
        expect_exit(c, CTL(c, "exec", "/3/0/4"), 1);
        expect_exit(c, CTL(c, "update"), 1);
        c->as_nobody = false;
        expect_exit(c, CTL(c, "read", "/1/0/2"), 0);
        assert_string_equal(c->out, "Default Minimum Period = 30 s\n");
}

/* ---- the Python example provider ---- */

static bool python_has_dbus(void)
{
        return fixture_run("/usr/bin/python3 -c 'import dbus, dbus.mainloop.glib; "
                           "from gi.repository import GLib' >/dev/null 2>&1") == 0;
}

static char *sensor_output(ctl_ctx *c, const char *which)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s.%s", c->f.dir, c->sensor_tag, which);
        return fixture_read_file(path);
}

/* Sends a request and checks the code; the response is the caller's to free. */
static ts_response request(ctl_ctx *c, coap_pdu_code_t method, const char *path,
                           const char *payload, uint8_t code)
{
        ts_response r;
        int err = ts_request(c->f.server, method, path, payload ? CF_TEXT : -1,
                             method == COAP_REQUEST_CODE_GET ? CF_TEXT : -1, -1, payload,
                             payload ? strlen(payload) : 0, 10000, &r);
        if (err != 0)
                fail_msg("%s: %s", path, strerror(-err));
        if (r.code != code) {
                char got[8], want[8];
                char *log = sensor_output(c, "err");
                fail_msg("%s: %s, expected %s (%.*s)\nsensor: %s", path, ts_code_str(r.code, got),
                         ts_code_str(code, want), (int)r.len, r.payload ? (char *)r.payload : "",
                         log);
        }
        return r;
}

static double read_float(ctl_ctx *c, const char *path)
{
        ts_response r = request(c, COAP_REQUEST_CODE_GET, path, NULL, CONTENT);
        char text[64];
        snprintf(text, sizeof(text), "%.*s", (int)r.len, r.payload ? (char *)r.payload : "");
        ts_response_free(&r);
        char *end;
        double d = strtod(text, &end);
        if (end == text || *end)
                fail_msg("%s: not a float: \"%s\"", path, text);
        return d;
}

/* The two temperature examples: the Python provider that owns its instance
 * (AddInstance, org.lwm2md1.Owner) and the busctl script whose instance the
 * daemon holds (CreateInstance, signals). Servers and lwm2mctl see the same. */
typedef enum sensor_kind { SENSOR_PYTHON, SENSOR_SHELL } sensor_kind;

static pid_t spawn_sensor(ctl_ctx *c, sensor_kind kind, const char *tag, bool fast)
{
        char out_path[400], err_path[400];
        c->sensor_tag = tag;
        snprintf(out_path, sizeof(out_path), "%s/%s.out", c->f.dir, tag);
        snprintf(err_path, sizeof(err_path), "%s/%s.err", c->f.dir, tag);
        const char *python[] = {"/usr/bin/python3",
                                SOURCE_ROOT "/examples/temperature-sensor.py",
                                "--bus",
                                c->bus_address,
                                "--simulate",
                                "--interval",
                                "0.5",
                                NULL};
        const char *shell[] = {"/bin/bash",  SOURCE_ROOT "/examples/temperature-sensor.sh",
                               "--bus",      c->bus_address,
                               "--simulate", "--interval",
                               "0.5",        NULL};
        const char **argv = kind == SENSOR_PYTHON ? python : shell;
        if (!fast)
                argv[5] = NULL;
        return spawn(argv, out_path, err_path);
}

static bool sensor_unavailable(sensor_kind kind)
{
        if (kind == SENSOR_PYTHON && !python_has_dbus()) {
                fprintf(stdout, "skipped: /usr/bin/python3 lacks the dbus or gi module "
                                "(Debian: python3-dbus, python3-gi)\n");
                return true;
        }
        if (kind == SENSOR_SHELL && system("command -v busctl >/dev/null 2>&1") != 0) {
                fprintf(stdout, "skipped: no busctl (Debian: systemd)\n");
                return true;
        }
        return false;
}

/* After an Execute of Reset Min and Max: are both the same, within a second? */
static bool min_max_equal_soon(ctl_ctx *c)
{
        int64_t end = now_ms() + 1000;
        do {
                if (read_float(c, "/3303/0/5601") == read_float(c, "/3303/0/5602"))
                        return true;
                pump(c, 20);
        } while (now_ms() < end);
        return false;
}

static void run_temperature_sensor(ctl_ctx *c, sensor_kind kind)
{
        if (sensor_unavailable(kind))
                skip();
        unsigned seen = ts_update_count(c->f.server);
        c->sensor_pid = spawn_sensor(c, kind, kind == SENSOR_PYTHON ? "sensor" : "shsensor", true);
        assert_true(c->sensor_pid > 0);

        /* It prints its instance path once AddInstance returned. */
        int64_t end = now_ms() + 15000;
        char *out = NULL;
        while (now_ms() < end) {
                free(out);
                out = sensor_output(c, "out");
                if (strchr(out, '\n'))
                        break;
                pump(c, 50);
        }
        if (!strstr(out, "/org/lwm2md1/object/3303/0\n")) {
                char *err = sensor_output(c, "err");
                fail_msg("the sensor did not start: %s%s", out, err);
        }
        free(out);

        /* The server hears of /3303/0 in a Registration Update. */
        const ts_registration *reg = NULL;
        end = now_ms() + 10000;
        while (now_ms() < end) {
                reg = ts_wait_update(c->f.server, seen, 1000);
                if (reg && strstr(reg->links, "</3303/0>"))
                        break;
                seen = ts_update_count(c->f.server);
        }
        assert_non_null(reg);
        assert_non_null(strstr(reg->links, "</3303/0>"));

        ts_response r = request(c, COAP_REQUEST_CODE_GET, "/3303/0/5701", NULL, CONTENT);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.payload, "Cel", 3);
        ts_response_free(&r);
        double value = read_float(c, "/3303/0/5700");
        assert_true(value > 10 && value < 40);

        /* lwm2mctl sees the same instance and its owner (the script's: the daemon). */
        expect_exit(c, CTL(c, "list"), 0);
        expect_out(c, "/3303/0");
        expect_out(c, "Temperature");
        if (kind == SENSOR_PYTHON)
                expect_out(c, "(pid ");
        expect_exit(c, CTL(c, "read", "/3303/0/5701"), 0);
        assert_string_equal(c->out, "Sensor Units = Cel\n");
        expect_exit(c, CTL(c, "read", "/3303"), 0);
        expect_out(c, "/3303/0:\n");
        expect_out(c, "  Sensor Value = ");

        /* Readings arrive every half second. */
        double first = read_float(c, "/3303/0/5518");
        end = now_ms() + 5000;
        while (read_float(c, "/3303/0/5518") == first && now_ms() < end)
                pump(c, 200);
        assert_true(read_float(c, "/3303/0/5518") > first);

        /* Writes it understands are taken; others refused by the provider or the daemon. */
        r = request(c, COAP_REQUEST_CODE_PUT, "/3303/0/5750", "Kitchen", CHANGED);
        ts_response_free(&r);
        r = request(c, COAP_REQUEST_CODE_GET, "/3303/0/5750", NULL, CONTENT);
        assert_int_equal(r.len, 7);
        assert_memory_equal(r.payload, "Kitchen", 7);
        ts_response_free(&r);
        expect_exit(c, CTL(c, "write", "/3303/0/5750", "Cellar"), 0);
        expect_exit(c, CTL(c, "read", "/3303/0/5750"), 0);
        assert_string_equal(c->out, "Application Type = Cellar\n");
        r = request(c, COAP_REQUEST_CODE_PUT, "/3303/0/5701", "K", NOT_ALLOWED);
        ts_response_free(&r);

        /* Reset Min and Max: both become the current value. Once they differ, an Execute
         * makes them equal until the next reading moves one; a reading can land between
         * the Execute and the two GETs, so a few attempts are allowed. */
        end = now_ms() + 10000;
        while (read_float(c, "/3303/0/5601") == read_float(c, "/3303/0/5602") && now_ms() < end)
                pump(c, 200);
        assert_true(read_float(c, "/3303/0/5601") < read_float(c, "/3303/0/5602"));
        bool reset = false;
        for (int attempt = 0; attempt < 5 && !reset; attempt++) {
                r = request(c, COAP_REQUEST_CODE_POST, "/3303/0/5605", NULL, CHANGED);
                ts_response_free(&r);
                reset = min_max_equal_soon(c);
        }
        assert_true(reset);
        expect_exit(c, CTL(c, "exec", "/3303/0/5605"), 0);
        expect_exit(c, CTL(c, "--json", "read", "/3303/0"), 0);
        json_object *o = parse_out(c);
        json_object *res;
        assert_true(json_object_object_get_ex(o, "resources", &res));
        bool has_value = false;
        for (size_t i = 0; i < json_object_array_length(res); i++) {
                json_object *one = json_object_array_get_idx(res, i), *v;
                if (strcmp(json_str(one, "path"), "/3303/0/5700") == 0) {
                        assert_true(json_object_object_get_ex(one, "value", &v));
                        assert_true(json_object_is_type(v, json_type_double));
                        has_value = true;
                }
        }
        assert_true(has_value);
        json_object_put(o);
        char *err = sensor_output(c, "err");
        assert_non_null(strstr(err, "min and max reset"));
        assert_non_null(strstr(err, "application type is now 'Kitchen'"));
        free(err);
        /* Executing anything else is refused by the provider. */
        expect_exit(c, CTL(c, "exec", "/3303/0/5700"), 1);

        /* SIGTERM: it removes its instance and exits cleanly; the server hears of it. */
        seen = ts_update_count(c->f.server);
        kill(c->sensor_pid, SIGTERM);
        int st = wait_child(c, c->sensor_pid, 10000);
        c->sensor_pid = 0;
        assert_int_equal(st, 0);
        end = now_ms() + 10000;
        reg = NULL;
        while (now_ms() < end) {
                reg = ts_wait_update(c->f.server, seen, 1000);
                if (reg && !strstr(reg->links, "</3303/0>"))
                        break;
                seen = ts_update_count(c->f.server);
                reg = NULL;
        }
        assert_non_null(reg);
        expect_exit(c, CTL(c, "read", "/3303/0"), 1);
        assert_string_equal(c->err, "lwm2mctl: read /3303/0: no such instance\n");
}

static void run_sensor_deleted_by_server(ctl_ctx *c, sensor_kind kind)
{
        if (sensor_unavailable(kind))
                skip();
        c->sensor_pid =
                spawn_sensor(c, kind, kind == SENSOR_PYTHON ? "sensor2" : "shsensor2", false);
        assert_true(c->sensor_pid > 0);
        int64_t end = now_ms() + 15000;
        char *out = NULL;
        while (now_ms() < end) {
                free(out);
                out = sensor_output(c, "out");
                if (strchr(out, '\n'))
                        break;
                pump(c, 50);
        }
        char path[64] = "";
        const char *p = strstr(out, "/object/");
        if (p)
                snprintf(path, sizeof(path), "/%.*s", (int)strcspn(p + 8, "\n"), p + 8);
        free(out);
        if (!path[0]) {
                char *err = sensor_output(c, "err");
                fail_msg("the sensor did not start: %s", err);
        }
        /* A server Delete reaches the owner, which exits. */
        ts_response r = request(c, COAP_REQUEST_CODE_DELETE, path, NULL, C(2, 2));
        ts_response_free(&r);
        int st = wait_child(c, c->sensor_pid, 10000);
        c->sensor_pid = 0;
        assert_int_equal(st, 0);
        char *err = sensor_output(c, "err");
        assert_non_null(strstr(err, "the server deleted"));
        free(err);
        expect_exit(c, CTL(c, "read", path), 1);
}

/* A sensor test that failed half-way leaves its sensor and its instance behind: stop it
 * and wait until the instance is gone, so that the next test starts from /3303/0 again. */
static int stop_sensor(void **state)
{
        ctl_ctx *c = *state;
        if (c->sensor_pid <= 0)
                return 0;
        stop_child(&c->sensor_pid);
        for (int64_t end = now_ms() + 10000; now_ms() < end; pump(c, 100))
                if (CTL(c, "read", "/3303/0") != 0)
                        return 0;
        fprintf(stderr, "a stopped sensor's /3303/0 is still there\n");
        return -1;
}

static void test_python_temperature_sensor(void **state)
{
        run_temperature_sensor(*state, SENSOR_PYTHON);
}

static void test_python_sensor_deleted_by_server(void **state)
{
        run_sensor_deleted_by_server(*state, SENSOR_PYTHON);
}

static void test_shell_temperature_sensor(void **state)
{
        run_temperature_sensor(*state, SENSOR_SHELL);
}

static void test_shell_sensor_deleted_by_server(void **state)
{
        run_sensor_deleted_by_server(*state, SENSOR_SHELL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_and_servers),
                cmocka_unit_test(test_list_and_objects),
                cmocka_unit_test(test_read),
                cmocka_unit_test(test_write),
                cmocka_unit_test(test_exec_and_update),
                cmocka_unit_test(test_send_errors),
                cmocka_unit_test(test_errors_and_exit_codes),
                cmocka_unit_test(test_unprivileged_user),
                cmocka_unit_test_teardown(test_python_temperature_sensor, stop_sensor),
                cmocka_unit_test_teardown(test_python_sensor_deleted_by_server, stop_sensor),
                cmocka_unit_test_teardown(test_shell_temperature_sensor, stop_sensor),
                cmocka_unit_test_teardown(test_shell_sensor_deleted_by_server, stop_sensor),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
