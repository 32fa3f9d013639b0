/* bench_dbus.c - what the benchmarks of the daemon's D-Bus side share: a private dbus-daemon,
 * the daemon configured to use it, and client connections to it. */
#include "bench_dbus.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "util/macro.h"

#define REQUEST_TIMEOUT_MS  5000
#define REGISTER_TIMEOUT_MS 20000
/* Each D-Bus call of ours: an answer this late is a failure, not a figure. */
#define CALL_TIMEOUT_USEC (10 * 1000000ULL)

/* The full path of a program on $PATH: the child after fork may only call execve. */
static int find_program(const char *name, char *out, size_t size)
{
        const char *path = getenv("PATH") ?: "/usr/bin:/bin";
        while (*path) {
                size_t len = strcspn(path, ":");
                snprintf(out, size, "%.*s/%s", (int)len, path, name);
                if (len > 0 && access(out, X_OK) == 0)
                        return 0;
                path += len + (path[len] == ':');
        }
        return -ENOENT;
}

void bench_kill_child(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
}

pid_t bench_start_dbus(const char *dir, char *out_address, size_t size)
{
        char program[PATH_MAX], config[PATH_MAX + 32], address[PATH_MAX + 32], log[PATH_MAX + 32];
        if (find_program("dbus-daemon", program, sizeof(program)) < 0)
                bench_die("dbus-daemon is not installed (Debian package dbus-daemon)");
        snprintf(config, sizeof(config), "--config-file=%s", DBUS_TEST_CONFIG);
        /* The socket goes in our scratch directory rather than where the configuration's
         * <listen> would put it, so that it disappears with the directory. */
        snprintf(address, sizeof(address), "--address=unix:path=%s/bus", dir);
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", dir);
        char *argv[] = {program, config, address, (char *)"--print-address", (char *)"--nofork",
                        NULL};
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                bench_die("pipe: %s", strerror(errno));
        _cleanup_close_ int out = fds[0];
        _cleanup_close_ int in = fds[1];
        _cleanup_close_ int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0)
                bench_die("%s: %s", log, strerror(errno));
        pid_t pid = bench_spawn(program, argv, in, log_fd, SIGKILL);
        if (pid < 0)
                bench_die("cannot start dbus-daemon: %s", strerror((int)-pid));
        /* Only the child writes: its exit ends our read. */
        close(in);
        in = -1;

        size_t len = 0;
        struct pollfd pfd = {.fd = out, .events = POLLIN};
        while (len < size - 1 && !memchr(out_address, '\n', len) &&
               poll(&pfd, 1, REQUEST_TIMEOUT_MS) > 0) {
                ssize_t n = read(out, out_address + len, size - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                out_address[len] = '\0';
        }
        out_address[strcspn(out_address, "\n")] = '\0';
        if (!out_address[0]) {
                bench_show_log(log, 20);
                bench_die("dbus-daemon printed no address");
        }
        return pid;
}

static void write_config(const char *path, const char *dir, const char *endpoint, const char *bus,
                         ts_server *server)
{
        _cleanup_fclose_ FILE *f = fopen(path, "we");
        if (!f)
                bench_die("%s: %s", path, strerror(errno));
        fprintf(f,
                "[lwm2md]\nendpoint = %s\nobjects-dir = %s\nstate-dir = %s/state\n"
                "bus = %s\n\n"
                "[device]\nmanufacturer = lwm2md bench\nmodel = bench-1\n"
                "serial-number = SN-BENCH-0001\nfirmware-version = 1.0.0\n"
                "reboot-command = true\n\n"
                /* A long lifetime: no periodic Update falls into a measurement. */
                "[server 1]\nuri = %s\nshort-id = 1\nlifetime = 86400\n",
                endpoint, OBJECTS_DIR, dir, bus, ts_uri(server));
        if (ferror(f) || fflush(f) != 0)
                bench_die("%s: %s", path, strerror(errno));
}

pid_t bench_start_bus_daemon(const char *daemon_path, const char *dir, const char *endpoint,
                             const char *bus, ts_server *server, char *log_path, size_t size)
{
        char config[PATH_MAX + 16], state[PATH_MAX + 16];
        snprintf(config, sizeof(config), "%s/lwm2md.conf", dir);
        snprintf(state, sizeof(state), "%s/state", dir);
        snprintf(log_path, size, "%s/lwm2md.log", dir);
        if (mkdir(state, 0700) < 0)
                bench_die("%s: %s", state, strerror(errno));
        write_config(config, dir, endpoint, bus, server);
        _cleanup_close_ int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0)
                bench_die("%s: %s", log_path, strerror(errno));
        char *argv[] = {(char *)daemon_path, (char *)"--config", config, NULL};
        pid_t pid = bench_spawn(daemon_path, argv, log, log, SIGKILL);
        if (pid < 0)
                bench_die("cannot start %s: %s", daemon_path, strerror((int)-pid));
        return pid;
}

/* Waits for the daemon's Register, and gives up at once if the daemon exits instead. */
void bench_wait_register(ts_server *server, pid_t *pid)
{
        int64_t end = bench_now_ns() + REGISTER_TIMEOUT_MS * 1000000LL;
        while (!ts_wait_register(server, 0, 100)) {
                int status;
                if (waitpid(*pid, &status, WNOHANG) == *pid) {
                        *pid = 0;
                        bench_die("lwm2md exited (%s %d) instead of registering",
                                  WIFEXITED(status) ? "status" : "signal",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                }
                if (bench_now_ns() > end)
                        bench_die("lwm2md did not register within %d ms", REGISTER_TIMEOUT_MS);
        }
}

/* ---- D-Bus connections ---- */

sd_bus *bench_connect_bus(const char *address)
{
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        /* Also the timeout of Properties.Set, which takes none of its own. */
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_USEC);
        if (r < 0) {
                sd_bus_unref(bus);
                bench_die("cannot connect to %s: %s", address, strerror(-r));
        }
        return bus;
}

/* Waits until the daemon owns its name on the private bus. */
void bench_wait_bus_name(ts_server *server, sd_bus *bus)
{
        int64_t end = bench_now_ns() + REGISTER_TIMEOUT_MS * 1000000LL;
        for (;;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int has = 0;
                int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner", &error, &reply,
                                           "s", BENCH_BUS_NAME);
                if (r < 0 || sd_bus_message_read(reply, "b", &has) < 0)
                        bench_die("NameHasOwner: %s", error.message ?: strerror(-r));
                if (has)
                        return;
                if (bench_now_ns() > end)
                        bench_die("lwm2md did not take the name " BENCH_BUS_NAME " within %d ms",
                                  REGISTER_TIMEOUT_MS);
                ts_process(server, 20);
        }
}
