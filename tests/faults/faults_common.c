/* faults_common.c - what the fault tests share: the real daemon behind the UDP relay,
 * readings of the daemon process (descriptors, private memory, CPU) and injected requests. */
#include "faults_common.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "raw_coap.h"

int faults_setup(void **state)
{
        fault_env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        *state = e;
        return 0;
}

int faults_teardown(void **state)
{
        fault_env *e = *state;
        faults_cleanup(e);
        free(e);
        return 0;
}

void faults_main_init(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (getenv("LWM2MD_FAULTS_ONLY"))
                cmocka_set_test_filter(getenv("LWM2MD_FAULTS_ONLY"));
}

bool faults_long_mode(void)
{
        const char *v = getenv("LWM2MD_FAULTS_LONG");
        return v && *v && strcmp(v, "0") != 0;
}

unsigned faults_env_uint(const char *name, unsigned fallback)
{
        const char *v = getenv(name);
        return v && *v ? (unsigned)strtoul(v, NULL, 10) : fallback;
}

int64_t faults_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void faults_small_quarantine(void)
{
        const char *old = getenv("ASAN_OPTIONS");
        char opts[1024];
        snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=1", old ? old : "",
                 old && *old ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
}

void faults_start(fault_env *e, ts_config *cfg, bool direct, uint32_t seed)
{
        unsigned lifetime = e->lifetime ? e->lifetime : 30;
        const char *more = e->extra_config;
        *e = (fault_env){.lifetime = lifetime,
                         .retry_timer = 1,
                         .retry_max = 4,
                         .next_mid = 0x4000,
                         .extra_config = more};
        assert_int_equal(fixture_init(&e->f), 0);
        e->f.server = ts_new(cfg);
        assert_non_null(e->f.server);
        e->server_port = ts_port(e->f.server);
        cfg->port = e->server_port;
        uint16_t port = e->server_port;
        if (!direct) {
                e->relay = relay_new(e->server_port, seed);
                assert_non_null(e->relay);
                port = relay_port(e->relay);
        }
        /* DTLS with a pre-shared key when the server was set up for it. */
        char psk[256] = "";
        if (cfg->security == TS_SECURITY_PSK) {
                int n = snprintf(psk, sizeof(psk), "security = psk\npsk-identity = %s\npsk-key = ",
                                 cfg->psk_identity);
                for (size_t i = 0; i < cfg->psk_key_len && n + 3 < (int)sizeof(psk); i++)
                        n += snprintf(psk + n, sizeof(psk) - (size_t)n, "%02x", cfg->psk_key[i]);
                snprintf(psk + n, sizeof(psk) - (size_t)n, "\n");
        }
        char extra[1024];
        snprintf(extra, sizeof(extra),
                 "[server 1]\nuri = %s://127.0.0.1:%u\nlifetime = %u\nretry-timer = %u\n"
                 "retry-max = %u\n%s\n%s",
                 cfg->security == TS_SECURITY_PSK ? "coaps" : "coap", port, e->lifetime,
                 e->retry_timer, e->retry_max, psk, e->extra_config ? e->extra_config : "");
        assert_int_equal(fixture_write_config(&e->f, extra), 0);
        assert_int_equal(fixture_start_daemon(&e->f, NULL), 0);
        if (!ts_wait_register(e->f.server, 0, 15000)) {
                fixture_print_log(&e->f, 4000);
                fail_msg("the daemon did not register");
        }
}

void faults_finish(fault_env *e)
{
        if (e->relay)
                relay_set_outage(e->relay, RELAY_PASS);
        int status = fixture_stop_daemon(&e->f, 15000);
        if (status != 0)
                fixture_print_log(&e->f, 4000);
        assert_int_equal(status, 0);
        fixture_assert_clean_log(&e->f);
}

void faults_cleanup(fault_env *e)
{
        if (e->f.pid > 0)
                fixture_stop_daemon(&e->f, 5000);
        relay_free(e->relay);
        e->relay = NULL;
        fixture_cleanup(&e->f);
}

proc_reading faults_read(fault_env *e)
{
        return (proc_reading){.fds = fixture_fd_count(e->f.pid),
                              .dirty_kb = fixture_private_dirty_kb(e->f.pid),
                              .cpu_s = fixture_cpu_seconds(e->f.pid),
                              .at_ms = faults_now_ms()};
}

double faults_cpu_percent(proc_reading a, proc_reading b)
{
        double wall = (double)(b.at_ms - a.at_ms) / 1000.0;
        return wall > 0 ? 100.0 * (b.cpu_s - a.cpu_s) / wall : 0;
}

void faults_serve(fault_env *e, int ms)
{
        if (e->f.server)
                ts_process(e->f.server, ms);
        else
                usleep((useconds_t)ms * 1000);
}

unsigned faults_log_count(fault_env *e, const char *needle)
{
        char *log = fixture_read_log(&e->f);
        unsigned n = 0;
        for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        free(log);
        return n;
}

size_t faults_build_request(uint8_t *buf, size_t size, uint16_t mid, uint8_t code, const char *path,
                            int content_format, const void *payload, size_t len)
{
        raw_msg m = {.version = 1, .type = RAW_CON, .code = code, .mid = mid, .token_len = 4};
        memcpy(m.token, &mid, sizeof(mid));
        m.token[2] = 0xfa;
        m.token[3] = 0x17;
        char segs[256];
        snprintf(segs, sizeof(segs), "%s", path);
        for (char *save = NULL, *s = strtok_r(segs, "/", &save); s; s = strtok_r(NULL, "/", &save))
                raw_add_option(&m, 11, path + (s - segs), (uint16_t)strlen(s));
        uint8_t cf[4];
        if (content_format >= 0)
                raw_add_option(&m, 12, cf, raw_uint((uint32_t)content_format, cf));
        m.payload = payload;
        m.len = len;
        return raw_encode(&m, buf, size);
}

int faults_trigger_update(fault_env *e, relay_outage then)
{
        uint8_t req[64], reply[256];
        size_t n = faults_build_request(req, sizeof(req), e->next_mid++, 2, "1/0/8", -1, NULL, 0);
        int r = relay_inject(e->relay, req, n, reply, sizeof(reply), 5000, then);
        return r >= 4 ? reply[1] : r < 0 ? r : -EBADMSG;
}

unsigned faults_policy_bound(const fault_env *e, double window_s, unsigned slack)
{
        double spent = 0, delay = e->retry_timer;
        unsigned n = 1;
        for (;;) {
                /* The policy's wait: never under CoAP's ACK_TIMEOUT (2 s), jitter only adds. */
                double wait = delay < e->retry_max ? delay : e->retry_max;
                if (wait < 2.0)
                        wait = 2.0;
                if (spent + wait > window_s)
                        break;
                spent += wait;
                n++;
                delay *= 2;
        }
        return n + slack;
}

bool faults_reachable(fault_env *e)
{
        ts_response resp;
        int r = ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3/0/0", -1, -1, -1, NULL, 0, 20000,
                           &resp);
        bool ok = r == 0 && resp.code == COAP_RESPONSE_CODE_CONTENT;
        if (r == 0)
                ts_response_free(&resp);
        return ok;
}

void faults_assert_reachable(fault_env *e)
{
        if (!faults_reachable(e)) {
                fixture_print_log(&e->f, 3000);
                fail_msg("the server's Read of /3/0/0 got no 2.05");
        }
}
