/* test_test_server.c - checks the test server's reporting features (observations,
 * notifications, cancel, reset, Send, outages) against a scripted client of raw datagrams. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/faults/raw_coap.h"
#include "tests/server/test_server.h"

enum { OPT_OBSERVE = 6, OPT_URI_PATH = 11, OPT_CONTENT_FORMAT = 12, OPT_URI_QUERY = 15 };

/* A client of raw datagrams: its thread answers the server's requests (Observe with
 * Observe=1, cancels and reads without) and counts what comes back. */
typedef struct fake_client {
        int fd;
        pthread_t thread;
        atomic_bool stop;
        pthread_mutex_t lock;
        uint16_t next_mid;
        /* What the thread saw. */
        unsigned acks, resets, answers;
        uint8_t last_answer_code;
        unsigned observes; /* Observe=0 requests */
        uint8_t obs_token[4][8];
        size_t obs_token_len[4];
        uint8_t obs_method[4];
        unsigned cancels;
        uint8_t cancel_method;
        uint8_t cancel_token[8];
        size_t cancel_token_len;
        size_t cancel_body_len;
} fake_client;

static void reply(fake_client *c, const raw_msg *req, uint8_t code, int observe, int format,
                  const char *payload)
{
        raw_msg m = {.version = 1,
                     .type = RAW_ACK,
                     .code = code,
                     .mid = req->mid,
                     .token_len = req->token_len};
        memcpy(m.token, req->token, req->token_len);
        uint8_t ob[4], fb[4];
        if (observe >= 0)
                raw_add_option(&m, OPT_OBSERVE, ob, raw_uint((uint32_t)observe, ob));
        if (format >= 0)
                raw_add_option(&m, OPT_CONTENT_FORMAT, fb, raw_uint((uint32_t)format, fb));
        m.payload = (const uint8_t *)payload;
        m.len = payload ? strlen(payload) : 0;
        uint8_t buf[512];
        size_t n = raw_encode(&m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(send(c->fd, buf, n, 0), (ssize_t)n);
}

static void on_datagram(fake_client *c, const uint8_t *buf, size_t len)
{
        raw_msg m;
        if (!raw_parse(buf, len, &m))
                return;
        pthread_mutex_lock(&c->lock);
        if (m.type == RAW_RST) {
                c->resets++;
        } else if (m.type == RAW_ACK && m.code == 0) {
                c->acks++;
        } else if (m.code >= 64) { /* an answer to one of ours */
                c->answers++;
                c->last_answer_code = m.code;
        } else if (m.code >= 1 && m.code <= 7) {
                int observe = -1;
                for (size_t i = 0; i < m.n_opts; i++)
                        if (m.opts[i].number == OPT_OBSERVE)
                                observe = m.opts[i].len ? m.opts[i].value[0] : 0;
                if (observe == 0 && c->observes < 4) {
                        unsigned k = c->observes++;
                        memcpy(c->obs_token[k], m.token, m.token_len);
                        c->obs_token_len[k] = m.token_len;
                        c->obs_method[k] = m.code;
                        reply(c, &m, 69, 1, m.code == 5 ? 110 : 0, "20");
                } else if (observe == 1) {
                        c->cancels++;
                        c->cancel_method = m.code;
                        memcpy(c->cancel_token, m.token, m.token_len);
                        c->cancel_token_len = m.token_len;
                        c->cancel_body_len = m.len;
                        reply(c, &m, 69, -1, 0, "20");
                } else {
                        reply(c, &m, 69, -1, 0, "x");
                }
        }
        pthread_mutex_unlock(&c->lock);
}

static void *client_run(void *arg)
{
        fake_client *c = arg;
        while (!atomic_load(&c->stop)) {
                struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
                if (poll(&pfd, 1, 20) <= 0)
                        continue;
                uint8_t buf[2048];
                ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
                if (n > 0) {
                        on_datagram(c, buf, (size_t)n);
                }
        }
        return NULL;
}

static void client_start(fake_client *c, uint16_t port)
{
        *c = (fake_client){.next_mid = 100};
        pthread_mutex_init(&c->lock, NULL);
        c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(c->fd >= 0);
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        assert_int_equal(connect(c->fd, (struct sockaddr *)&to, sizeof(to)), 0);
        assert_int_equal(pthread_create(&c->thread, NULL, client_run, c), 0);
}

static void client_stop(fake_client *c)
{
        atomic_store(&c->stop, true);
        pthread_join(c->thread, NULL);
        close(c->fd);
        pthread_mutex_destroy(&c->lock);
}

static fake_client client_snapshot(fake_client *c)
{
        pthread_mutex_lock(&c->lock);
        fake_client copy = *c;
        pthread_mutex_unlock(&c->lock);
        return copy;
}

/* A message from the client: a request (code < 64, `path` with an optional query) or
 * a notification (code >= 64 on `token`, with Observe `observe`). */
static void client_send(fake_client *c, uint8_t type, uint8_t code, const uint8_t *token,
                        size_t token_len, const char *path, int observe, int format,
                        const void *payload, size_t len)
{
        pthread_mutex_lock(&c->lock);
        raw_msg m = {.version = 1,
                     .type = type,
                     .code = code,
                     .mid = c->next_mid++,
                     .token_len = (uint8_t)token_len};
        pthread_mutex_unlock(&c->lock);
        memcpy(m.token, token, token_len);
        uint8_t ob[4], fb[4];
        char segs[256];
        if (observe >= 0)
                raw_add_option(&m, OPT_OBSERVE, ob, raw_uint((uint32_t)observe, ob));
        const char *query = NULL;
        if (path) {
                snprintf(segs, sizeof(segs), "%s", path);
                char *q = strchr(segs, '?');
                if (q) {
                        *q = '\0';
                        query = path + (q - segs) + 1;
                }
                for (char *save, *seg = strtok_r(segs, "/", &save); seg;
                     seg = strtok_r(NULL, "/", &save))
                        raw_add_option(&m, OPT_URI_PATH, seg, (uint16_t)strlen(seg));
        }
        if (format >= 0)
                raw_add_option(&m, OPT_CONTENT_FORMAT, fb, raw_uint((uint32_t)format, fb));
        if (query)
                raw_add_option(&m, OPT_URI_QUERY, query, (uint16_t)strlen(query));
        m.payload = payload;
        m.len = len;
        uint8_t buf[1024];
        size_t n = raw_encode(&m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(send(c->fd, buf, n, 0), (ssize_t)n);
}

/* Runs the server until `*field` of the client exceeds `seen`. */
static bool wait_client(ts_server *s, fake_client *c, size_t offset, unsigned seen, int ms)
{
        for (int waited = 0; waited < ms; waited += 20) {
                fake_client now = client_snapshot(c);
                if (*(unsigned *)((char *)&now + offset) > seen)
                        return true;
                ts_process(s, 20);
        }
        return false;
}

#define WAIT_CLIENT(s, c, field, seen) wait_client(s, c, offsetof(fake_client, field), seen, 3000)

static void test_reporting_features(void **state)
{
        ts_config cfg = {.security = TS_SECURITY_NOSEC};
        ts_server *s = ts_new(&cfg);
        assert_non_null(s);
        fake_client c;
        client_start(&c, ts_port(s));
        const uint8_t tok0[2] = {1, 2};
        const char links[] = "</3303/0>";
        client_send(&c, RAW_CON, 2, tok0, 2, "/rd?ep=fake&lt=60&lwm2m=1.1", -1, 40, links,
                    strlen(links));
        assert_non_null(ts_wait_register(s, 0, 3000));

        /* Two observations at once; each notification goes to its own. */
        ts_response first;
        unsigned h1 = 0, h2 = 0;
        assert_int_equal(ts_observe(s, "/3303/0/5700", -1, 3000, &first, &h1), 0);
        assert_true(h1 > 0);
        assert_int_equal(first.observe, 1);
        ts_response_free(&first);
        const char body[] = "[{\"n\":\"/3303/0/5700\"},{\"n\":\"/3303/1/5700\"}]";
        assert_int_equal(ts_observe_composite(s, 110, body, strlen(body), -1, 3000, &first, &h2),
                         0);
        assert_true(h2 > 0 && h2 != h1);
        assert_int_equal(first.content_format, 110);
        ts_response_free(&first);
        fake_client seen = client_snapshot(&c);
        assert_int_equal(seen.observes, 2);
        assert_int_equal(seen.obs_method[1], COAP_REQUEST_CODE_FETCH);

        client_send(&c, RAW_CON, 69, seen.obs_token[0], seen.obs_token_len[0], NULL, 2, 0, "21", 2);
        client_send(&c, RAW_NON, 69, seen.obs_token[1], seen.obs_token_len[1], NULL, 2, 110, "[]",
                    2);
        ts_notification n;
        assert_int_equal(ts_wait_observation(s, h2, 3000, &n), 0);
        assert_false(n.confirmable);
        assert_int_equal(n.observation, h2);
        assert_int_equal(n.resp.content_format, 110);
        ts_notification_free(&n);
        assert_int_equal(ts_wait_observation(s, h1, 3000, &n), 0);
        assert_true(n.confirmable);
        assert_int_equal(n.resp.observe, 2);
        assert_string_equal((const char *)n.resp.payload, "21");
        assert_int_equal(n.token_len, seen.obs_token_len[0]);
        assert_memory_equal(n.token, seen.obs_token[0], n.token_len);
        assert_true(n.at_ms > 0);
        ts_notification_free(&n);
        assert_true(WAIT_CLIENT(s, &c, acks, seen.acks));
        assert_int_equal(ts_notification_count(s, h1), 1);
        assert_int_equal(ts_notification_count(s, h2), 1);
        assert_int_equal(ts_wait_observation(s, h1, 200, &n), -ETIMEDOUT);

        /* Reset mode: a CON notification gets RST. */
        ts_set_reset_notifications(s, true);
        seen = client_snapshot(&c);
        client_send(&c, RAW_CON, 69, seen.obs_token[0], seen.obs_token_len[0], NULL, 3, 0, "24", 2);
        assert_true(WAIT_CLIENT(s, &c, resets, seen.resets));
        assert_int_equal(ts_wait_observation(s, h1, 1000, &n), 0);
        assert_true(n.reset);
        ts_notification_free(&n);
        ts_set_reset_notifications(s, false);

        ts_response r;
        /* Cancel: the same token, GET for h1 and FETCH with the body for h2. */
        assert_int_equal(ts_cancel_observe(s, h1, 3000, &r), 0);
        assert_int_equal(r.code, 69);
        assert_int_equal(r.observe, -1);
        ts_response_free(&r);
        seen = client_snapshot(&c);
        assert_int_equal(seen.cancels, 1);
        assert_int_equal(seen.cancel_method, COAP_REQUEST_CODE_GET);
        assert_memory_equal(seen.cancel_token, seen.obs_token[0], seen.cancel_token_len);
        assert_int_equal(ts_cancel_observe(s, h2, 3000, &r), 0);
        ts_response_free(&r);
        seen = client_snapshot(&c);
        assert_int_equal(seen.cancel_method, COAP_REQUEST_CODE_FETCH);
        assert_int_equal(seen.cancel_body_len, strlen(body));
        assert_memory_equal(seen.cancel_token, seen.obs_token[1], seen.cancel_token_len);
        /* A late notification is still counted, and refused. */
        client_send(&c, RAW_CON, 69, seen.obs_token[0], seen.obs_token_len[0], NULL, 4, 0, "25", 2);
        assert_true(WAIT_CLIENT(s, &c, resets, seen.resets));
        assert_int_equal(ts_wait_observation(s, h1, 1000, &n), 0);
        assert_true(n.after_end);
        ts_notification_free(&n);
        assert_int_equal(ts_notification_count(s, h1), 3);
        assert_int_equal(ts_notification_total(s), 4);

        /* Send: POST /dp answered 2.04 and kept. */
        const uint8_t cbor[] = {0x81, 0xa2, 0x00, 0x61, 0x78, 0x02, 0x01};
        seen = client_snapshot(&c);
        client_send(&c, RAW_CON, 2, tok0, 2, "/dp", -1, 112, cbor, sizeof(cbor));
        const ts_send *sd = ts_wait_send(s, 0, 3000);
        assert_non_null(sd);
        assert_int_equal(sd->content_format, 112);
        assert_int_equal(sd->len, sizeof(cbor));
        assert_memory_equal(sd->payload, cbor, sizeof(cbor));
        assert_true(WAIT_CLIENT(s, &c, answers, seen.answers));
        assert_int_equal(client_snapshot(&c).last_answer_code, COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(ts_send_count(s), 1);
        assert_null(ts_send_get(s, 1));

        client_stop(&c);
        ts_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reporting_features),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
