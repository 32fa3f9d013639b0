/* test_fault_fuzz.c - fault suite: a seeded mutation fuzzer of server requests against
 * the real daemon. Valid requests are mutated at option and byte level and injected
 * through the relay as from the daemon's server; every confirmable request libcoap can
 * parse must get an ACK or RST, the daemon must stay alive, its log free of sanitizer
 * reports and its private memory flat after a warm-up. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "faults_common.h"
#include "raw_coap.h"

/* How long a confirmable request may wait for its ACK or RST under the sanitizers. */
#define ANSWER_TIMEOUT_MS 5000
/* Growth of private dirty memory allowed between the end of the warm-up and the end. */
#define MEMORY_BOUND_KB 1024

enum { GET = 1, POST = 2, PUT = 3, DELETE = 4, FETCH = 5, PATCH = 6, IPATCH = 7 };

typedef struct template
{
        uint8_t code;
        const char *path;
        const char *query; /* '&'-separated Uri-Query options, or NULL */
        int content_format;
        int accept;
        int observe;
        const char *payload;
}
template;

/* Valid requests a server sends: reads, observations, writes in every format, creates,
 * executes, attributes and block-wise transfers. */
static const template templates[] = {
        {GET, "3/0", NULL, -1, 110, -1, NULL},
        {GET, "3/0/0", NULL, -1, 0, -1, NULL},
        {GET, "3", NULL, -1, 112, -1, NULL},
        {GET, "3/0", NULL, -1, 11542, -1, NULL},
        {GET, "3/0", NULL, -1, 11543, -1, NULL},
        {GET, "3", NULL, -1, 40, -1, NULL},
        {GET, "1/0", NULL, -1, 110, -1, NULL},
        {GET, "3/0/9", NULL, -1, 0, 0, NULL},
        {GET, "3/0/99", NULL, -1, 0, 0, NULL},
        {GET, "77/0/1", NULL, -1, 110, 0, NULL},
        {GET, "3/0/9", NULL, -1, 0, 1, NULL},
        {FETCH, "", NULL, 110, 110, -1, "[{\"n\":\"/3/0/0\"},{\"n\":\"/3/0/9\"}]"},
        {PUT, "1/0/2", NULL, 0, -1, -1, "7"},
        {PUT, "1/0/3", NULL, 0, -1, -1, "60"},
        {PUT, "3/0/14", NULL, 0, -1, -1, "+02:00"},
        {POST, "3/0", NULL, 110, -1, -1, "[{\"bn\":\"/3/0/\",\"n\":\"14\",\"vs\":\"+01:00\"}]"},
        {PUT, "3/0", NULL, 11542, -1, -1, "\xc8\x0e\x06+02:00"},
        {POST, "3/0", NULL, 112, -1, -1,
         "\x81\xa2\x00\x66"
         "/3/0/1\x03\x64"
         "+01:"},
        {PUT, "1/0/2", NULL, 60, -1, -1, "\x05"},
        {POST, "3", NULL, 110, -1, -1, "[{\"n\":\"1/14\",\"vs\":\"x\"}]"},
        {POST, "3303", NULL, 11542, -1, -1,
         "\xc8\x00\x02"
         "12"},
        {IPATCH, "", NULL, 110, -1, -1, "[{\"n\":\"/3/0/14\",\"vs\":\"+03:00\"}]"},
        {POST, "3/0/12", NULL, 0, -1, -1, "0='a',1='bcd'"},
        {POST, "3/0/5", NULL, -1, -1, -1, NULL},
        {PUT, "3/0/9", "pmin=1&pmax=10", -1, -1, -1, NULL},
        {PUT, "3/0", "gt=5&lt=2&st=1", -1, -1, -1, NULL},
        {PUT, "1/0/2", "epmin=1&epmax=5", -1, -1, -1, NULL},
        {DELETE, "3/0", NULL, -1, -1, -1, NULL},
        {DELETE, "3303/7", NULL, -1, -1, -1, NULL},
};

typedef struct fuzz_stats {
        unsigned sent, required, answered, unparsable, skipped, non_confirmable;
        unsigned codes[8]; /* by class of the answer: 0 empty (ACK/RST), 2, 4, 5 */
        unsigned rst;
        unsigned missing;
        unsigned deleted; /* instances the mutations created, deleted again */
} fuzz_stats;

static uint32_t rng_state;

static uint32_t rnd(void)
{
        uint32_t x = rng_state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return rng_state = x;
}

static uint32_t below(uint32_t n)
{
        return n ? rnd() % n : 0;
}

/* Storage the mutated options and payloads point into, per message. */
typedef struct scratch {
        uint8_t bytes[8192];
        size_t used;
} scratch;

static uint8_t *take(scratch *s, size_t n)
{
        if (s->used + n > sizeof(s->bytes))
                return NULL;
        uint8_t *p = s->bytes + s->used;
        s->used += n;
        return p;
}

static void add_bytes_option(raw_msg *m, scratch *s, uint16_t number, size_t len)
{
        uint8_t *v = take(s, len);
        if (!v)
                return;
        for (size_t i = 0; i < len; i++)
                v[i] = (uint8_t)rnd();
        raw_add_option(m, number, v, (uint16_t)len);
}

static void add_text_option(raw_msg *m, scratch *s, uint16_t number, const char *text)
{
        size_t n = strlen(text);
        uint8_t *v = take(s, n);
        if (v) {
                memcpy(v, text, n);
                raw_add_option(m, number, v, (uint16_t)n);
        }
}

static void add_uint_option(raw_msg *m, scratch *s, uint16_t number, uint32_t value)
{
        uint8_t *v = take(s, 4);
        if (v)
                raw_add_option(m, number, v, raw_uint(value, v));
}

static void build_template(raw_msg *m, scratch *s, const template *t, uint16_t mid)
{
        *m = (raw_msg){.version = 1, .type = RAW_CON, .code = t->code, .mid = mid, .token_len = 4};
        memcpy(m->token, &mid, 2);
        m->token[2] = 0xf2;
        m->token[3] = (uint8_t)rnd();
        if (t->observe >= 0)
                add_uint_option(m, s, 6, (uint32_t)t->observe);
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", t->path);
        for (char *save = NULL, *seg = strtok_r(buf, "/", &save); seg;
             seg = strtok_r(NULL, "/", &save))
                add_text_option(m, s, 11, seg);
        if (t->content_format >= 0)
                add_uint_option(m, s, 12, (uint32_t)t->content_format);
        if (t->query) {
                snprintf(buf, sizeof(buf), "%s", t->query);
                for (char *save = NULL, *q = strtok_r(buf, "&", &save); q;
                     q = strtok_r(NULL, "&", &save))
                        add_text_option(m, s, 15, q);
        }
        if (t->accept >= 0)
                add_uint_option(m, s, 17, (uint32_t)t->accept);
        if (t->payload) {
                m->payload = (const uint8_t *)t->payload;
                m->len = strlen(t->payload);
        }
}

static void garbage_payload(raw_msg *m, scratch *s, size_t max)
{
        size_t n = 1 + below((uint32_t)max);
        uint8_t *p = take(s, n);
        if (!p)
                return;
        /* Half random bytes, half a valid payload with bytes flipped. */
        if (m->len && rnd() % 2) {
                for (size_t i = 0; i < n; i++)
                        p[i] = m->payload[i % m->len];
                for (unsigned k = 0; k < 1 + below(4); k++)
                        p[below((uint32_t)n)] ^= (uint8_t)(1u << below(8));
        } else {
                for (size_t i = 0; i < n; i++)
                        p[i] = (uint8_t)rnd();
        }
        m->payload = p;
        m->len = n;
}

/* Applies one option-level mutation; returns its name. */
static const char *mutate(raw_msg *m, scratch *s)
{
        static const uint16_t formats[] = {0, 40, 42, 60, 110, 112, 11542, 11543, 11544, 9999};
        static const char *const attrs[] = {
                "pmin=-1", "pmax=abc", "gt=NaN", "lt=1e400", "st=",      "epmin=99999999999",
                "pmin",    "=5",       "gt=1&",  "st=-0",    "con=7",    "edge=2",
                "hqmax=1", "pmin=1.5", "",       "lt=--1",   "pmax=0x10"};
        switch (below(20)) {
        case 0:
                m->token_len = (uint8_t)below(16);
                return "token length";
        case 1: { /* unknown critical option: odd numbers are critical */
                uint16_t n =
                        (uint16_t)((below(2) ? 9 + 2 * below(30) : 2049 + 2 * below(3000)) | 1);
                add_bytes_option(m, s, n, below(8));
                return "unknown critical option";
        }
        case 2:
                add_bytes_option(m, s, (uint16_t)(2 * (1 + below(30000))), below(20));
                return "unknown elective option";
        case 3: { /* one long Uri-Path segment, or very many */
                if (below(2)) {
                        size_t n = 200 + below(1200);
                        uint8_t *v = take(s, n);
                        if (v) {
                                memset(v, '1' + (int)below(9), n);
                                raw_add_option(m, 11, v, (uint16_t)n);
                        }
                } else {
                        for (unsigned i = 0, k = 10 + below(40); i < k; i++)
                                add_text_option(m, s, 11, below(2) ? "3" : "0");
                }
                return "long Uri-Path";
        }
        case 4: /* options out of order: the deltas wrap */
                if (m->n_opts >= 2) {
                        size_t a = below((uint32_t)m->n_opts), b = below((uint32_t)m->n_opts);
                        raw_option t = m->opts[a];
                        m->opts[a] = m->opts[b];
                        m->opts[b] = t;
                }
                return "option order";
        case 5:
                m->marker = true;
                m->len = 0;
                return "empty payload after the marker";
        case 6:
        case 7: {
                bool had = false;
                for (size_t i = 0; i < m->n_opts; i++)
                        if (m->opts[i].number == 12) {
                                uint8_t *v = take(s, 4);
                                if (v)
                                        m->opts[i] = (raw_option){
                                                12, raw_uint(formats[below(10)], v), v};
                                had = true;
                        }
                if (!had)
                        add_uint_option(m, s, 12, formats[below(10)]);
                if (m->code == GET)
                        m->code = below(2) ? PUT : POST;
                garbage_payload(m, s, below(4) ? 64 : 1500);
                return "garbage payload";
        }
        case 8: { /* Block1 out of order or oversized */
                uint32_t num = below(3) ? below(8) : below(1u << 20);
                uint32_t szx = below(8), more = below(2);
                add_uint_option(m, s, 27, num << 4 | more << 3 | szx);
                if (!m->len)
                        garbage_payload(m, s, 1100);
                if (m->code == GET)
                        m->code = PUT;
                return "Block1";
        }
        case 9: { /* Block2 out of order or oversized */
                uint32_t num = below(3) ? below(8) : below(1u << 20);
                add_uint_option(m, s, 23, num << 4 | below(2) << 3 | below(8));
                return "Block2";
        }
        case 10: { /* Size1 / Size2 lies */
                add_uint_option(m, s, below(2) ? 60 : 28, rnd());
                return "size option";
        }
        case 11: { /* Observe on missing paths, odd values */
                m->code = GET;
                add_uint_option(m, s, 6, below(4) ? below(2) : rnd() & 0xffffff);
                char seg[12];
                snprintf(seg, sizeof(seg), "%u", below(2) ? 3 + below(70000) : 3);
                add_text_option(m, s, 11, seg);
                snprintf(seg, sizeof(seg), "%u", below(70000));
                add_text_option(m, s, 11, seg);
                return "Observe on a missing path";
        }
        case 12: { /* a long Execute argument list */
                m->code = POST;
                m->n_opts = 0;
                add_text_option(m, s, 11, "3");
                add_text_option(m, s, 11, "0");
                add_text_option(m, s, 11, "12");
                size_t n = 100 + below(1000);
                uint8_t *p = take(s, n);
                if (p) {
                        for (size_t i = 0; i < n; i++)
                                p[i] = below(4) ? (uint8_t) "0123456789=,'ab"[below(15)]
                                                : (uint8_t)rnd();
                        m->payload = p;
                        m->len = n;
                }
                return "long Execute argument";
        }
        case 13: /* Write-Attributes garbage */
                m->code = PUT;
                m->len = 0;
                m->marker = false;
                for (unsigned i = 0, k = 1 + below(4); i < k; i++)
                        add_text_option(m, s, 15, attrs[below(sizeof(attrs) / sizeof(attrs[0]))]);
                if (below(3) == 0)
                        add_bytes_option(m, s, 15, below(40));
                return "Write-Attributes garbage";
        case 14: /* a known option with a value too long */
                add_bytes_option(m, s, (uint16_t)(below(2) ? 12 : 17), 3 + below(6));
                return "option too long";
        case 15: /* duplicated single-valued option */
                add_uint_option(m, s, 12, formats[below(10)]);
                add_uint_option(m, s, 12, formats[below(10)]);
                return "duplicate option";
        case 16:
                m->code = (uint8_t)below(256);
                return "code";
        case 17:
                m->type = (uint8_t)below(4);
                return "type";
        case 18: /* a Uri-Path segment of random bytes */
                add_bytes_option(m, s, 11, below(30));
                return "binary Uri-Path";
        default: /* Uri-Query garbage on a read */
                add_bytes_option(m, s, 15, below(300));
                return "Uri-Query garbage";
        }
}

/* Byte-level damage after encoding: flips, truncation, delta nibbles of 15. */
static size_t damage(uint8_t *buf, size_t len, const char **what)
{
        switch (below(4)) {
        case 0:
                for (unsigned k = 0; k < 1 + below(4); k++)
                        buf[4 + below((uint32_t)(len > 4 ? len - 4 : 1)) % (len - 3)] ^=
                                (uint8_t)(1u << below(8));
                *what = "bit flips";
                return len;
        case 1:
                *what = "truncated";
                return 4 + below((uint32_t)(len - 3));
        case 2: { /* a reserved option delta or length nibble (15) after the token */
                size_t at = 4 + (buf[0] & 15);
                if (at < len)
                        buf[at] |= below(2) ? 0xf0 : 0x0f;
                *what = "option nibble 15";
                return len;
        }
        default:
                *what = "header bits";
                buf[0] ^= (uint8_t)(1u << below(8));
                return len;
        }
}

/* Requests that would take the daemon away from the test: disabling or de-registering
 * its server, changing lifetime or binding, reboot, firmware, bootstrap-only deletes. */
static bool destructive(const coap_pdu_t *pdu)
{
        coap_pdu_code_t code = coap_pdu_get_code(pdu);
        if (code == COAP_REQUEST_CODE_GET || code == COAP_REQUEST_CODE_FETCH ||
            COAP_RESPONSE_CLASS(code) != 0)
                return false;
        coap_string_t *p = coap_get_uri_path(pdu);
        char path[128] = "";
        if (p) {
                snprintf(path, sizeof(path), "%.*s", (int)p->length, (const char *)p->s);
                coap_delete_string(p);
        }
        if (!path[0])
                return code != COAP_REQUEST_CODE_IPATCH; /* iPATCH / carries its own paths */
        char *end;
        unsigned long obj = strtoul(path, &end, 10);
        if (end == path || (*end && *end != '/'))
                return false; /* not a number: the daemon refuses it */
        if (obj == 1)
                return !(code == COAP_REQUEST_CODE_PUT &&
                         (strcmp(path, "1/0/2") == 0 || strcmp(path, "1/0/3") == 0));
        if (obj == 3)
                return strncmp(path, "3/0/4", 5) == 0 && (path[5] == 0 || path[5] == '/');
        return obj == 0 || (obj >= 2 && obj <= 7);
}

/* Whether the daemon can take the message: libcoap parses it within its largest PDU (it
 * drops bigger datagrams and malformed ones without a word), and it is no message format
 * error by RFC 7252 (reserved code classes 1, 6 and 7, which libcoap lets through to no
 * handler: noted, not the daemon's to answer). */
static bool daemon_parses(const uint8_t *buf, size_t len, bool *confirmable, bool *harmful)
{
        raw_msg m;
        if (len > COAP_DEFAULT_MTU || !raw_parse(buf, len, &m))
                return false;
        coap_pdu_t *pdu = coap_pdu_init(0, 0, 0, COAP_DEFAULT_MTU);
        bool ok = pdu && coap_pdu_parse(COAP_PROTO_UDP, buf, len, pdu);
        if (ok) {
                *confirmable = coap_pdu_get_type(pdu) == COAP_MESSAGE_CON;
                *harmful = destructive(pdu);
                /* iPATCH and FETCH name their paths in the payload: keep those to object 3. */
                coap_pdu_code_t code = coap_pdu_get_code(pdu);
                if (code == COAP_REQUEST_CODE_IPATCH || code == COAP_REQUEST_CODE_PATCH) {
                        size_t dlen;
                        const uint8_t *data;
                        if (coap_get_data(pdu, &dlen, &data) && dlen > 0)
                                for (size_t i = 0; i + 2 < dlen; i++)
                                        if (data[i] == '/' && data[i + 1] != '3')
                                                *harmful = true;
                }
        }
        coap_delete_pdu(pdu);
        return ok;
}

/* An instance a mutated Create made is deleted at once: what the server creates the
 * daemon must hold, and the memory check is about what it holds besides. */
static void delete_created(fault_env *e, const uint8_t *reply, size_t len, uint16_t mid,
                           fuzz_stats *st)
{
        raw_msg answer;
        if (!raw_parse(reply, len, &answer))
                return;
        raw_msg del = {.version = 1, .type = RAW_CON, .code = COAP_REQUEST_CODE_DELETE, .mid = mid};
        for (size_t i = 0; i < answer.n_opts; i++)
                if (answer.opts[i].number == COAP_OPTION_LOCATION_PATH &&
                    !raw_add_option(&del, COAP_OPTION_URI_PATH, answer.opts[i].value,
                                    answer.opts[i].len))
                        return;
        uint8_t buf[512], back[512];
        size_t n = raw_encode(&del, buf, sizeof(buf));
        if (n > 0 &&
            relay_inject(e->relay, buf, n, back, sizeof(back), ANSWER_TIMEOUT_MS, RELAY_PASS) >=
                    4 &&
            back[1] == COAP_RESPONSE_CODE_DELETED)
                st->deleted++;
}

static void print_recent(char recent[4][256], unsigned i)
{
        for (unsigned k = i + 1; k != i + 5; k++)
                if (recent[k % 4][0])
                        printf("sent %s\n", recent[k % 4]);
}

static void test_mutated_requests(void **state)
{
        fault_env *e = *state;
        unsigned iterations =
                faults_env_uint("LWM2MD_FAULTS_MUTATIONS", faults_long_mode() ? 200000 : 10000);
        unsigned seed = faults_env_uint("LWM2MD_FAULTS_SEED", 20261206);
        /* The sanitizer's allocator and libcoap's caches grow for the first few thousand
         * requests (measured: flat from about 9000 on). */
        unsigned warmup = faults_env_uint("LWM2MD_FAULTS_WARMUP", 10000);
        rng_state = seed ? seed : 1;
        printf("mutation fuzzer: %u requests, seed %u (LWM2MD_FAULTS_SEED repeats a run)\n",
               iterations, seed);
        faults_small_quarantine();
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        faults_start(e, &cfg, false, seed);
        faults_assert_reachable(e);

        fuzz_stats st = {0};
        proc_reading warm = {0}, half = {0}, start = faults_read(e);
        uint16_t mid = 0x1000;
        unsigned run_missing = 0;    /* unanswered in a row */
        char recent[4][256] = {{0}}; /* what was sent last, for a failure */
        for (unsigned i = 0; i < iterations + warmup; i++) {
                if (i == warmup) {
                        faults_serve(e, 200);
                        warm = faults_read(e);
                }
                if (i == warmup + iterations / 2)
                        half = faults_read(e);
                scratch s = {0};
                raw_msg m;
                const template *t = &templates[below(sizeof(templates) / sizeof(templates[0]))];
                build_template(&m, &s, t, ++mid);
                const char *what[4] = {"none", "", "", ""};
                unsigned k = below(4); /* 0: the valid request as is */
                for (unsigned j = 0; j < k && j < 3; j++)
                        what[j] = mutate(&m, &s);
                uint8_t buf[4096];
                size_t len = raw_encode(&m, buf, sizeof(buf));
                if (len < 4)
                        continue;
                if (below(6) == 0)
                        len = damage(buf, len, &what[3]);
                buf[2] = (uint8_t)(mid >> 8); /* the message ID matches the answer */
                buf[3] = (uint8_t)mid;
                bool con = false, harmful = false;
                bool parses = daemon_parses(buf, len, &con, &harmful);
                if (parses && harmful) {
                        st.skipped++;
                        continue;
                }
                st.sent++;
                snprintf(recent[i % 4], sizeof(recent[0]),
                         "request %u: %zu bytes, code %u.%02u, from %u.%02u %s, mutations %s, %s, "
                         "%s, %s",
                         i, len, buf[1] >> 5, buf[1] & 31, t->code >> 5, t->code & 31, t->path,
                         what[0], what[1], what[2], what[3]);
                if (!parses)
                        st.unparsable++;
                else if (!con)
                        st.non_confirmable++;
                bool required = parses && con;
                uint8_t reply[1500];
                int r = relay_inject(e->relay, buf, len, reply, sizeof(reply),
                                     required ? ANSWER_TIMEOUT_MS : 2, RELAY_PASS);
                if (required) {
                        st.required++;
                        if (r >= 4) {
                                st.answered++;
                                run_missing = 0;
                                if ((reply[0] >> 4 & 3) == RAW_RST)
                                        st.rst++;
                                st.codes[reply[1] >> 5]++;
                                if (reply[1] == COAP_RESPONSE_CODE_CREATED)
                                        delete_created(e, reply, (size_t)r, ++mid, &st);
                        } else if (++run_missing >= 5) {
                                fixture_print_log(&e->f, 6000);
                                print_recent(recent, i);
                                fail_msg("the daemon stopped answering at request %u", i);
                        } else if (st.missing++ < 10) {
                                printf("unanswered: request %u, code %u.%02u, %zu bytes "
                                       "(template %u.%02u %s; mutations %s, %s, %s, %s)\n",
                                       i, buf[1] >> 5, buf[1] & 31, len, t->code >> 5, t->code & 31,
                                       t->path, what[0], what[1], what[2], what[3]);
                        }
                }
                if (i > warmup && (i - warmup) % (iterations / 10 + 1) == 0)
                        printf("after %u requests: private dirty %ld KiB, %d fds\n", i,
                               fixture_private_dirty_kb(e->f.pid), fixture_fd_count(e->f.pid));
                if (i % 200 == 0) {
                        if (!fixture_daemon_running(&e->f)) {
                                fixture_print_log(&e->f, 8000);
                                print_recent(recent, i);
                                fail_msg("the daemon died after request %u", i);
                        }
                        faults_serve(e, 5); /* the server answers notifications */
                }
        }
        faults_serve(e, 200);
        proc_reading end = faults_read(e);
        printf("FIGURES fuzz: %u sent (%u unparsable, %u not confirmable, %u skipped as "
               "destructive); %u confirmable needing an answer, %u answered (%u RST; classes "
               "2.xx %u, 4.xx %u, 5.xx %u, empty %u), %u unanswered; fds %d -> %d -> %d; private "
               "dirty %ld -> %ld -> %ld -> %ld KiB (start, after %u warm-up, half-way, end); CPU "
               "%.1f s; "
               "%u created "
               "instances deleted again\n",
               st.sent, st.unparsable, st.non_confirmable, st.skipped, st.required, st.answered,
               st.rst, st.codes[2], st.codes[4], st.codes[5], st.codes[0], st.missing, start.fds,
               warm.fds, end.fds, start.dirty_kb, warm.dirty_kb, half.dirty_kb, end.dirty_kb,
               warmup, end.cpu_s - start.cpu_s, st.deleted);
        fflush(stdout);
        assert_true(fixture_daemon_running(&e->f));
        assert_int_equal(st.missing, 0);
        assert_int_equal(end.fds, warm.fds);
        /* Flat: what the server's requests made it keep (resource instances, attributes,
         * bounded by the ID space) and the sanitizer allocator's noise level off, so the
         * second half may add no more than the bound, and the whole run twice that. */
        assert_true(end.dirty_kb - half.dirty_kb <= MEMORY_BOUND_KB);
        assert_true(end.dirty_kb - warm.dirty_kb <= 2 * MEMORY_BOUND_KB);
        /* Still a working client: the server reads it and it de-registers cleanly. */
        faults_assert_reachable(e);
        faults_finish(e);
}

int main(void)
{
        faults_main_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_mutated_requests, faults_setup,
                                                faults_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
