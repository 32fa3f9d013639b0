/* daemon_fixture.c - runs the real lwm2md binary for integration tests: writes
 * its configuration into a scratch directory, starts it, stops it and checks its log. */
#include "daemon_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fixture_init(daemon_fixture *f)
{
        *f = (daemon_fixture){0};
        snprintf(f->dir, sizeof(f->dir), "%s/lwm2md-itest.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(f->dir))
                return -errno;
        snprintf(f->config_path, sizeof(f->config_path), "%s/lwm2md.conf", f->dir);
        snprintf(f->log_path, sizeof(f->log_path), "%s/lwm2md.log", f->dir);
        return 0;
}

void fixture_cleanup(daemon_fixture *f)
{
        if (f->pid > 0)
                fixture_stop_daemon(f, 3000);
        if (f->server) {
                ts_free(f->server);
                f->server = NULL;
        }
        if (f->dir[0] && !getenv("LWM2MD_KEEP_TEST_DIR")) {
                char cmd[400];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", f->dir);
        }
}

int fixture_write_file(daemon_fixture *f, const char *name, const char *text, char *path,
                       size_t size)
{
        char full[512];
        snprintf(full, sizeof(full), "%s/%s", f->dir, name);
        FILE *fp = fopen(full, "we");
        if (!fp)
                return -errno;
        fputs(text, fp);
        if (fclose(fp) != 0)
                return -errno;
        if (path)
                snprintf(path, size, "%s", full);
        return 0;
}

int fixture_read_text(ts_server *s, const char *path, char *buf, size_t size)
{
        ts_response r;
        buf[0] = 0;
        if (ts_request(s, COAP_REQUEST_CODE_GET, path, -1, 0 /* text/plain */, -1, NULL, 0, 5000,
                       &r) != 0)
                return -1;
        int code = r.code;
        if (code == 69 /* 2.05 */ && r.len < size) {
                memcpy(buf, r.payload, r.len);
                buf[r.len] = 0;
        }
        ts_response_free(&r);
        return code;
}

int fixture_write_config(daemon_fixture *f, const char *extra)
{
        char text[8192];
        snprintf(text, sizeof(text),
                 "[lwm2md]\n"
                 "endpoint = itest\n"
                 "objects-dir = %s/objects.d\n"
                 "state-dir = %s/state\n"
                 "bus = none\n"
                 "\n"
                 "[device]\n"
                 "%s"
                 "reboot-command = touch %s/rebooted\n"
                 "time-bus = %s%s\n"
                 "\n"
                 "[connectivity]\n"
                 "modem-bus = %s\n"
                 "\n%s",
                 SOURCE_ROOT, f->dir,
                 f->system_identity ? ""
                                    : "manufacturer = lwm2md tests\n"
                                      "model = itest-1\n"
                                      "serial-number = SN-0001\n"
                                      "firmware-version = 1.2.3\n",
                 f->dir, f->time_bus ? "" : "unix:path=",
                 f->time_bus ? f->time_bus : "/nonexistent/timedated",
                 f->modem_bus ? f->modem_bus : "none", extra ? extra : "");
        return fixture_write_file(f, "lwm2md.conf", text, NULL, 0);
}

int fixture_start_daemon(daemon_fixture *f, const char *const *args)
{
        const char *argv[32];
        size_t n = 0;
        argv[n++] = LWM2MD_PATH;
        argv[n++] = "--config";
        argv[n++] = f->config_path;
        argv[n++] = "-v";
        for (size_t i = 0; args && args[i] && n < 31; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        /* The daemon of the build tree loads lwm2md-http.so from there; a test may point
         * elsewhere first. */
        if (setenv("LWM2MD_MODULE_DIR", LWM2MD_MODULE_BUILD_DIR, 0) < 0)
                return -errno;

        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, f->log_path,
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        int r = posix_spawn(&f->pid, LWM2MD_PATH, &fa, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                f->pid = 0;
                return -r;
        }
        return 0;
}

bool fixture_daemon_running(daemon_fixture *f)
{
        if (f->pid <= 0)
                return false;
        int status;
        pid_t r = waitpid(f->pid, &status, WNOHANG);
        if (r == f->pid) {
                f->pid = 0;
                return false;
        }
        return true;
}

int fixture_stop_daemon(daemon_fixture *f, int timeout_ms)
{
        if (f->pid <= 0)
                return -ECHILD;
        kill(f->pid, SIGTERM);
        int64_t end = now_ms() + timeout_ms;
        for (;;) {
                int status;
                pid_t r = waitpid(f->pid, &status, WNOHANG);
                if (r == f->pid) {
                        f->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                if (now_ms() >= end) {
                        kill(f->pid, SIGKILL);
                        waitpid(f->pid, &status, 0);
                        f->pid = 0;
                        return -ETIMEDOUT;
                }
                /* Keep the server answering (the daemon de-registers now). */
                if (f->server)
                        ts_process(f->server, 20);
                else
                        usleep(20000);
        }
}

char *fixture_read_stream(FILE *fp)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem)
                return strdup("");
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
                fwrite(chunk, 1, n, mem);
        fclose(mem);
        return buf;
}

char *fixture_read_file(const char *path)
{
        FILE *fp = fopen(path, "re");
        if (!fp)
                return strdup("");
        char *buf = fixture_read_stream(fp);
        fclose(fp);
        return buf;
}

char *fixture_read_log(daemon_fixture *f)
{
        return fixture_read_file(f->log_path);
}

bool fixture_log_contains(daemon_fixture *f, const char *needle)
{
        char *log = fixture_read_log(f);
        bool found = log && strstr(log, needle) != NULL;
        free(log);
        return found;
}

unsigned fixture_log_count(daemon_fixture *f, const char *needle)
{
        char *log = fixture_read_log(f);
        unsigned n = 0;
        for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        free(log);
        return n;
}

bool fixture_wait_log(daemon_fixture *f, const char *needle, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        while (now_ms() < end) {
                if (fixture_log_contains(f, needle))
                        return true;
                if (f->server)
                        ts_process(f->server, 50);
                else
                        usleep(50000);
        }
        return fixture_log_contains(f, needle);
}

void fixture_print_log(daemon_fixture *f, size_t tail)
{
        char *log = fixture_read_log(f);
        size_t len = strlen(log);
        const char *from = len > tail ? log + len - tail : log;
        fprintf(stderr, "---- daemon log (%s%s) ----\n%s\n----\n", f->log_path,
                from != log ? ", its end" : "", from);
        free(log);
}

static bool log_has_sanitizer_report(daemon_fixture *f)
{
        char *log = fixture_read_log(f);
        bool dirty = strstr(log, "ERROR: AddressSanitizer") ||
                     strstr(log, "ERROR: LeakSanitizer") || strstr(log, "runtime error:");
        free(log);
        if (dirty)
                fixture_print_log(f, SIZE_MAX);
        return dirty;
}

void fixture_assert_clean_log(daemon_fixture *f)
{
        assert_false(log_has_sanitizer_report(f));
}

int fixture_stop_checked(daemon_fixture *f)
{
        int rc = 0;
        if (f->pid > 0 && fixture_stop_daemon(f, 10000) != 0)
                rc = -1;
        if (log_has_sanitizer_report(f))
                rc = -1;
        return rc;
}

int fixture_run(const char *command)
{
        int r = system(command);
        if (r == -1)
                return -errno;
        return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

int fixture_fd_count(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
        DIR *d = opendir(path);
        if (!d)
                return -1;
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

long fixture_private_dirty_kb(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
        char *text = fixture_read_file(path);
        const char *at = strstr(text, "Private_Dirty:");
        long kb = at ? strtol(at + strlen("Private_Dirty:"), NULL, 10) : -1;
        free(text);
        return kb;
}

double fixture_cpu_seconds(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        char *text = fixture_read_file(path);
        /* The command name may hold spaces and parentheses: fields count from the last ')'. */
        const char *p = strrchr(text, ')');
        unsigned long utime = 0, stime = 0;
        int got = p ? sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                             &stime)
                    : 0;
        free(text);
        if (got != 2)
                return -1;
        return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Starts dbus-daemon listening in a new directory, or in the same one again
 * after fixture_bus_kill (a restarted bus keeps its address). */
int fixture_bus_start(fixture_bus *pb, const char *config, const char *log_path)
{
        if (!pb->dir[0]) {
                snprintf(pb->dir, sizeof(pb->dir), "/tmp/lwm2md-bus.XXXXXX");
                if (!mkdtemp(pb->dir))
                        return -errno;
        }
        /* Reachable for the unprivileged user of the policy test. */
        chmod(pb->dir, 0755);
        char config_arg[512], address_arg[128];
        snprintf(config_arg, sizeof(config_arg), "--config-file=%s", config);
        snprintf(address_arg, sizeof(address_arg), "--address=unix:path=%s/bus", pb->dir);
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        char *argv[] = {(char *)"dbus-daemon",       config_arg,         address_arg,
                        (char *)"--print-address=1", (char *)"--nofork", NULL};
        pb->pid = fork();
        if (pb->pid == 0) {
                /* The bus goes with the test, even when the test crashes. */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                dup2(fds[1], STDOUT_FILENO);
                if (log_fd >= 0)
                        dup2(log_fd, STDERR_FILENO);
                execvp("dbus-daemon", argv);
                _exit(127);
        }
        int r = pb->pid < 0 ? -errno : 0;
        if (log_fd >= 0)
                close(log_fd);
        close(fds[1]);
        if (r < 0) {
                close(fds[0]);
                pb->pid = 0;
                return r;
        }
        size_t len = 0;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        while (len < sizeof(pb->address) - 1 && !memchr(pb->address, '\n', len) &&
               poll(&pfd, 1, 5000) > 0) {
                ssize_t n = read(fds[0], pb->address + len, sizeof(pb->address) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                pb->address[len] = '\0';
        }
        close(fds[0]);
        pb->address[strcspn(pb->address, "\n")] = '\0';
        return pb->address[0] ? 0 : -EIO;
}

/* Stops the bus daemon but keeps its directory (and so its address). */
void fixture_bus_kill(fixture_bus *pb)
{
        if (pb->pid > 0) {
                kill(pb->pid, SIGTERM);
                waitpid(pb->pid, NULL, 0);
                pb->pid = 0;
        }
        if (pb->dir[0]) {
                char path[128];
                snprintf(path, sizeof(path), "%s/bus", pb->dir);
                unlink(path);
        }
}

void fixture_bus_stop(fixture_bus *pb)
{
        fixture_bus_kill(pb);
        if (pb->dir[0]) {
                rmdir(pb->dir);
                pb->dir[0] = '\0';
        }
}
