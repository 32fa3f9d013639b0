/* test_state.c - integration: persistent state. A written Lifetime and written attributes
 * survive a restart; a corrupt file is moved aside, a newer one refused; mode 0600; factory reset.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_fixture.h"
#include "formats/codec.h"
#include "state_helpers.h"

static int setup(void **state)
{
        daemon_fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        assert_int_equal(fixture_init(f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        daemon_fixture *f = *state;
        fixture_cleanup(f);
        free(f);
        return 0;
}

static void write_config_with(daemon_fixture *f, const char *server_extra)
{
        char extra[1024];
        snprintf(extra, sizeof(extra),
                 "[device]\nfactory-reset-command = touch %s/reset-done\n"
                 "[server 1]\nuri = %s\nlifetime = 30\nretry-timer = 1\n%s",
                 f->dir, ts_uri(f->server), server_extra);
        assert_int_equal(fixture_write_config(f, extra), 0);
}

static void write_config(daemon_fixture *f)
{
        write_config_with(f, "");
}

static const uint8_t psk_key[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* Starts the daemon and waits for its Register number `seen` + 1. */
static ts_registration *start(daemon_fixture *f)
{
        unsigned seen = ts_register_count(f->server);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
        ts_registration *r = ts_wait_register(f->server, seen, 15000);
        if (!r)
                fixture_print_log(f, 4000);
        assert_non_null(r);
        return r;
}

/* SIGKILL: nothing is written at exit, so what the file holds was written while running. */
static void kill_daemon(daemon_fixture *f)
{
        assert_true(f->pid > 0);
        kill(f->pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
        f->pid = 0;
}

static uint8_t request(daemon_fixture *f, coap_pdu_code_t method, const char *path,
                       const char *payload, ts_response *keep)
{
        ts_response resp;
        int r = ts_request(f->server, method, path, payload ? LWM2M_FORMAT_TEXT : -1, -1, -1,
                           payload, payload ? strlen(payload) : 0, 5000, &resp);
        assert_int_equal(r, 0);
        uint8_t code = resp.code;
        if (keep)
                *keep = resp;
        else
                ts_response_free(&resp);
        return code;
}

/* Waits until the state file holds `lifetime` for /1/0. */
static void wait_state_lifetime(daemon_fixture *f, int64_t want)
{
        char why[256] = "";
        int64_t lt = -2;
        for (int i = 0; i < 100; i++) {
                if (state_read_lifetime(f, 0, &lt, why, sizeof(why)) == 0 && lt == want)
                        return;
                usleep(50 * 1000);
        }
        fail_msg("the state file does not hold lifetime %lld (has %lld; %s)", (long long)want,
                 (long long)lt, why);
}

static void test_lifetime_survives_restart(void **state)
{
        daemon_fixture *f = *state;
        write_config(f);
        ts_registration *r = start(f);
        assert_int_equal(r->lifetime, 30);
        char path[400];
        state_path(f, path, sizeof(path));
        /* Nothing changed yet: the configuration governs, no file. */
        assert_int_equal(access(path, F_OK), -1);

        /* Three resources in one Write (the Update it triggers changes nothing
         * kept): one file write. */
        static const char senml[] = "[{\"bn\":\"/1/0/\",\"n\":\"1\",\"v\":77},"
                                    "{\"n\":\"2\",\"v\":3},{\"n\":\"3\",\"v\":900}]";
        ts_response resp;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_POST, "/1/0",
                                    LWM2M_FORMAT_SENML_JSON, -1, -1, senml, strlen(senml), 5000,
                                    &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CHANGED);
        ts_response_free(&resp);
        wait_state_lifetime(f, 77);
        assert_non_null(ts_wait_update(f->server, 0, 5000));
        assert_int_equal(request(f, COAP_REQUEST_CODE_GET, "/1/0/1", NULL, NULL),
                         COAP_RESPONSE_CODE_CONTENT); /* a turn of the loop after the Update */
        assert_int_equal(fixture_log_count(f, "state written to "), 1);
        kill_daemon(f);

        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        char dir[400];
        snprintf(dir, sizeof(dir), "%s/state", f->dir);
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);

        r = start(f);
        assert_int_equal(r->lifetime, 77);
        assert_true(fixture_wait_log(f, "state loaded from ", 2000));
        assert_true(fixture_log_contains(f, path));
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
}

/* Over PSK: the credentials come back from the state file too. */
/* A write that fails is logged, leaves the old file, and is done at the next change. */
static void test_failed_write_retried(void **state)
{
        daemon_fixture *f = *state;
        write_config(f);
        start(f);
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "41", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        wait_state_lifetime(f, 41);
        /* The state directory becomes a file: no write can succeed. */
        char dir[400], moved[420], cmd[1000];
        snprintf(dir, sizeof(dir), "%s/state", f->dir);
        snprintf(moved, sizeof(moved), "%s/state.away", f->dir);
        assert_int_equal(rename(dir, moved), 0);
        FILE *fp = fopen(dir, "we");
        assert_non_null(fp);
        fclose(fp);
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "42", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_true(fixture_wait_log(f, "cannot write the state file ", 5000));
        char *log = fixture_read_log(f);
        char *line = strstr(log, "cannot write the state file ");
        *strchr(line, '\n') = 0;
        assert_non_null(strstr(line, dir));
        assert_non_null(strstr(line, "Not a directory"));
        free(log);
        assert_true(fixture_daemon_running(f));
        /* The old file is intact. */
        snprintf(cmd, sizeof(cmd), "%s --dump-state %s/state.cbor", LWM2MD_PATH, moved);
        FILE *p = popen(cmd, "r");
        char *out = fixture_read_stream(p);
        assert_int_equal(pclose(p), 0);
        assert_non_null(strstr(out, "/1/0/1 Integer 41\n"));
        free(out);
        /* Back in place: the back-off's retry writes what is pending, and the next
         * change is written as usual. */
        assert_int_equal(unlink(dir), 0);
        assert_int_equal(rename(moved, dir), 0);
        wait_state_lifetime(f, 42);
        assert_true(fixture_wait_log(f, "state.cbor again", 2000));
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "43", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        wait_state_lifetime(f, 43);
        snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c '^\\.state' || true", dir);
        p = popen(cmd, "r");
        char *count = fixture_read_stream(p);
        pclose(p);
        assert_string_equal(count, "0\n"); /* no temporary file left behind */
        free(count);
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
}

static void test_attributes_survive_restart(void **state)
{
        daemon_fixture *f = *state;
        ts_free(f->server);
        ts_config cfg = {.security = TS_SECURITY_PSK,
                         .psk_identity = "state-psk",
                         .psk_key = psk_key,
                         .psk_key_len = sizeof(psk_key)};
        f->server = ts_new(&cfg);
        assert_non_null(f->server);
        write_config_with(f, "security = psk\npsk-identity = state-psk\n"
                             "psk-key = 00112233445566778899aabbccddeeff\n");
        start(f);
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/3/0?pmin=7&pmax=600", NULL, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        /* A Lifetime write after it, so waiting for the file covers both. */
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "31", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        wait_state_lifetime(f, 31);
        kill_daemon(f);

        start(f);
        ts_response resp;
        assert_int_equal(ts_request(f->server, COAP_REQUEST_CODE_GET, "/3/0", -1, LWM2M_FORMAT_LINK,
                                    -1, NULL, 0, 5000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_non_null(memmem(resp.payload, resp.len, "</3/0>;pmin=7;pmax=600", 22));
        ts_response_free(&resp);

        /* --dump-state shows them, and the secrets by size only. */
        char cmd[600], path[400];
        state_path(f, path, sizeof(path));
        snprintf(cmd, sizeof(cmd), "%s --dump-state %s 2>&1", LWM2MD_PATH, path);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char *out = fixture_read_stream(p);
        assert_int_equal(pclose(p), 0);
        assert_non_null(strstr(out, "format version 1"));
        assert_non_null(strstr(out, "/1/0/1 Integer 31\n"));
        assert_non_null(strstr(out, "server 1 /3/0: pmin=7 pmax=600\n"));
        assert_non_null(strstr(out, "/0/0/5 Opaque <16 bytes>\n"));
        assert_null(strstr(out, "00112233"));
        free(out);
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
}

static bool corrupt_file_in(const char *dir, char *name, size_t size)
{
        DIR *d = opendir(dir);
        bool found = false;
        for (struct dirent *e; d && (e = readdir(d));)
                if (strncmp(e->d_name, "state.cbor.corrupt-", 19) == 0) {
                        snprintf(name, size, "%s/%s", dir, e->d_name);
                        found = true;
                }
        if (d)
                closedir(d);
        return found;
}

static void put_state_file(daemon_fixture *f, const void *data, size_t len)
{
        char dir[400], path[400];
        snprintf(dir, sizeof(dir), "%s/state", f->dir);
        mkdir(dir, 0700);
        state_path(f, path, sizeof(path));
        FILE *fp = fopen(path, "we");
        assert_non_null(fp);
        assert_int_equal(fwrite(data, 1, len, fp), len);
        assert_int_equal(fclose(fp), 0);
}

static void test_corrupt_file_moved_aside(void **state)
{
        daemon_fixture *f = *state;
        write_config(f);
        /* A good start of a state file, cut short. */
        static const char cut[] = "\xa3\x67version\x01\x69instances\x81\x83\x01\x00";
        put_state_file(f, cut, sizeof(cut) - 1);
        ts_registration *r = start(f);
        assert_int_equal(r->lifetime, 30); /* from the configuration */
        char dir[400], aside[700], path[400];
        snprintf(dir, sizeof(dir), "%s/state", f->dir);
        state_path(f, path, sizeof(path));
        assert_true(corrupt_file_in(dir, aside, sizeof(aside)));
        char *kept = fixture_read_file(aside);
        assert_memory_equal(kept, cut, sizeof(cut) - 1);
        free(kept);
        assert_int_equal(access(path, F_OK), -1);
        char *log = fixture_read_log(f);
        char *line = strstr(log, "<3>state file ");
        if (!line)
                fail_msg("no error line for the corrupt file in:\n%s", log);
        char *eol = strchr(line, '\n');
        *eol = 0;
        assert_non_null(strstr(line, path));
        assert_non_null(strstr(line, "ends early"));
        assert_non_null(strstr(line, aside));
        free(log);

        /* The next change writes a good file again. */
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "40", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        wait_state_lifetime(f, 40);
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);

        /* --dump-state of the bad one fails, saying why. */
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "%s --dump-state %s 2>&1", LWM2MD_PATH, aside);
        FILE *p = popen(cmd, "r");
        char *out = fixture_read_stream(p);
        int status = pclose(p);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        assert_non_null(strstr(out, "ends early"));
        free(out);
}

static void test_newer_version_refuses_start(void **state)
{
        daemon_fixture *f = *state;
        write_config(f);
        static const char newer[] = "\xa3\x67version\x02\x69instances\x80";
        put_state_file(f, newer, sizeof(newer) - 1);
        assert_int_equal(fixture_start_daemon(f, NULL), 0);
        /* It exits by itself, with a failure. */
        int status = 0;
        pid_t done = 0;
        for (int i = 0; i < 200 && done == 0; i++) {
                done = waitpid(f->pid, &status, WNOHANG);
                if (done == 0)
                        usleep(50 * 1000);
        }
        assert_int_equal(done, f->pid);
        f->pid = 0;
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        assert_int_equal(ts_register_count(f->server), 0);
        assert_true(fixture_log_contains(f, "not starting: state file"));
        assert_true(fixture_log_contains(f, "newer than this lwm2md understands"));
        char path[400];
        state_path(f, path, sizeof(path));
        char *kept = fixture_read_file(path);
        assert_memory_equal(kept, newer, sizeof(newer) - 1);
        free(kept);
}

static void test_factory_reset_clears_state(void **state)
{
        daemon_fixture *f = *state;
        write_config(f);
        start(f);
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "50", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        wait_state_lifetime(f, 50);
        assert_int_equal(request(f, COAP_REQUEST_CODE_POST, "/3/0/5", NULL, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        char done[400], path[400];
        snprintf(done, sizeof(done), "%s/reset-done", f->dir);
        state_path(f, path, sizeof(path));
        for (int i = 0; i < 100 && access(done, F_OK) != 0; i++)
                usleep(50 * 1000);
        assert_int_equal(access(done, F_OK), 0);
        assert_int_equal(access(path, F_OK), -1);
        assert_true(fixture_log_contains(f, "factory reset: state file"));
        /* Nothing is written again in this run, not even at exit. */
        assert_int_equal(request(f, COAP_REQUEST_CODE_PUT, "/1/0/1", "51", NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        assert_int_equal(access(path, F_OK), -1);
        ts_registration *r = start(f);
        assert_int_equal(r->lifetime, 30);
        assert_int_equal(fixture_stop_daemon(f, 10000), 0);
        fixture_assert_clean_log(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_lifetime_survives_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_write_retried, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attributes_survive_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_file_moved_aside, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_version_refuses_start, setup, teardown),
                cmocka_unit_test_setup_teardown(test_factory_reset_clears_state, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
