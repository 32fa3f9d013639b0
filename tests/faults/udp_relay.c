/* udp_relay.c - a user-space UDP relay on 127.0.0.1 between the daemon and the test
 * server (the kernel here has no netem): loss, outages, rebinding, garbage, injection. */
#include "udp_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "raw_coap.h"

#define RECENT_MIDS 32

struct udp_relay {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int wake;      /* eventfd: a command for the thread, or stop */
        int front;     /* the daemon's side; -1 while closed */
        int back;      /* toward the server */
        uint16_t port; /* of front */
        struct sockaddr_in server, daemon;
        bool daemon_known;
        bool stop;
        uint32_t rng;
        double loss_to_server, loss_to_daemon;
        relay_outage outage;
        bool garble;
        /* commands the thread applies (it owns the sockets it polls) */
        bool want_outage, want_rebind;
        relay_outage wanted_outage;
        int cmd_result;
        unsigned cmd_done;
        /* one injected message at a time */
        bool inject_pending, inject_captured;
        uint16_t inject_mid;
        relay_outage inject_then;
        uint8_t capture[1500];
        size_t capture_len;
        relay_stats stats;
        uint16_t recent[RECENT_MIDS];
        unsigned n_recent;
};

static uint32_t next_random(udp_relay *r)
{
        uint32_t x = r->rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return r->rng = x;
}

static bool chance(udp_relay *r, double p)
{
        return p > 0 && (double)next_random(r) / 4294967296.0 < p;
}

static int bind_loopback(uint16_t port, uint16_t *bound)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof(a);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
                int e = -errno;
                close(fd);
                return e;
        }
        if (bound)
                *bound = ntohs(a.sin_port);
        return fd;
}

/* Called with the lock held, on the relay thread. */
static int apply_outage(udp_relay *r, relay_outage mode)
{
        if (mode == RELAY_CLOSED && r->front >= 0) {
                close(r->front);
                r->front = -1;
        } else if (mode != RELAY_CLOSED && r->front < 0) {
                int fd = bind_loopback(r->port, NULL);
                if (fd < 0)
                        return fd;
                r->front = fd;
        }
        r->outage = mode;
        return 0;
}

/* Counts Register and Update requests: distinct message IDs are exchanges. */
static void note_registration(udp_relay *r, const uint8_t *buf, size_t len)
{
        raw_msg m;
        char path[64];
        if (!raw_parse(buf, len, &m) || m.type != RAW_CON || m.code != 2)
                return;
        raw_uri_path(&m, path, sizeof(path));
        bool reg = strcmp(path, "rd") == 0, upd = strncmp(path, "rd/", 3) == 0;
        if (!reg && !upd)
                return;
        r->stats.reg_datagrams++;
        unsigned n = r->n_recent < RECENT_MIDS ? r->n_recent : RECENT_MIDS;
        for (unsigned i = 0; i < n; i++)
                if (r->recent[i] == m.mid)
                        return;
        r->recent[r->n_recent++ % RECENT_MIDS] = m.mid;
        if (reg)
                r->stats.registers++;
        else
                r->stats.updates++;
}

static size_t garble(udp_relay *r, uint8_t *buf, size_t len, size_t size)
{
        static const uint8_t wrong[] = {0x20, 0x41, 0x44, 0x45, 0x80, 0x84, 0x8c, 0xa0, 0xe0, 0xff};
        r->stats.garbled++;
        switch (next_random(r) % 3) {
        case 0: /* random bytes */
                len = 1 + next_random(r) % (size < 64 ? size : 64);
                for (size_t i = 0; i < len; i++)
                        buf[i] = (uint8_t)next_random(r);
                return len;
        case 1: /* the same message with a wrong code */
                if (len >= 2)
                        buf[1] = wrong[next_random(r) % sizeof(wrong)];
                return len;
        default: /* truncated */
                return len > 1 ? 1 + next_random(r) % (len - 1) : len;
        }
}

static void from_daemon(udp_relay *r)
{
        uint8_t buf[2048];
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(r->front, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
                return;
        pthread_mutex_lock(&r->lock);
        r->daemon = from;
        r->daemon_known = true;
        if (r->inject_pending && n >= 4 && (buf[0] >> 4 & 3) >= RAW_ACK &&
            (uint16_t)(buf[2] << 8 | buf[3]) == r->inject_mid) {
                memcpy(r->capture, buf, (size_t)n < sizeof(r->capture) ? (size_t)n : 0);
                r->capture_len = (size_t)n < sizeof(r->capture) ? (size_t)n : 0;
                r->inject_pending = false;
                r->inject_captured = true;
                apply_outage(r, r->inject_then);
                pthread_cond_broadcast(&r->cond);
                pthread_mutex_unlock(&r->lock);
                return;
        }
        note_registration(r, buf, (size_t)n);
        bool drop = r->outage != RELAY_PASS || chance(r, r->loss_to_server);
        if (drop)
                r->stats.dropped_to_server++;
        else
                r->stats.to_server++;
        pthread_mutex_unlock(&r->lock);
        if (!drop)
                sendto(r->back, buf, (size_t)n, 0, (struct sockaddr *)&r->server,
                       sizeof(r->server));
}

static void from_server(udp_relay *r)
{
        uint8_t buf[2048];
        ssize_t n = recv(r->back, buf, sizeof(buf), 0);
        if (n < 0)
                return;
        pthread_mutex_lock(&r->lock);
        size_t len = (size_t)n;
        bool drop = r->outage != RELAY_PASS || !r->daemon_known || r->front < 0 ||
                    chance(r, r->loss_to_daemon);
        if (drop) {
                r->stats.dropped_to_daemon++;
        } else {
                r->stats.to_daemon++;
                if (r->garble)
                        len = garble(r, buf, len, sizeof(buf));
                sendto(r->front, buf, len, 0, (struct sockaddr *)&r->daemon, sizeof(r->daemon));
        }
        pthread_mutex_unlock(&r->lock);
}

static void *run(void *arg)
{
        udp_relay *r = arg;
        for (;;) {
                pthread_mutex_lock(&r->lock);
                if (r->stop) {
                        pthread_mutex_unlock(&r->lock);
                        return NULL;
                }
                if (r->want_outage || r->want_rebind) {
                        int res = 0;
                        if (r->want_outage)
                                res = apply_outage(r, r->wanted_outage);
                        if (r->want_rebind && res == 0) {
                                int fd = bind_loopback(0, NULL);
                                if (fd >= 0) {
                                        close(r->back);
                                        r->back = fd;
                                } else {
                                        res = fd;
                                }
                        }
                        r->want_outage = r->want_rebind = false;
                        r->cmd_result = res;
                        r->cmd_done++;
                        pthread_cond_broadcast(&r->cond);
                }
                struct pollfd p[3] = {{.fd = r->wake, .events = POLLIN},
                                      {.fd = r->back, .events = POLLIN},
                                      {.fd = r->front, .events = POLLIN}};
                pthread_mutex_unlock(&r->lock);
                if (poll(p, p[2].fd >= 0 ? 3 : 2, 200) <= 0)
                        continue;
                if (p[0].revents & POLLIN) {
                        uint64_t v;
                        if (read(r->wake, &v, sizeof(v)) < 0)
                                continue;
                        continue; /* commands first: the sockets may change */
                }
                if (p[1].revents & POLLIN)
                        from_server(r);
                if (p[2].fd >= 0 && (p[2].revents & POLLIN))
                        from_daemon(r);
        }
}

static void wake(udp_relay *r)
{
        uint64_t one = 1;
        if (write(r->wake, &one, sizeof(one)) < 0)
                return;
}

udp_relay *relay_new(uint16_t server_port, uint32_t seed)
{
        udp_relay *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        pthread_mutex_init(&r->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&r->cond, &ca);
        pthread_condattr_destroy(&ca);
        r->rng = seed ? seed : 0x9e3779b9u;
        r->server = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(server_port)};
        r->server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r->front = bind_loopback(0, &r->port);
        r->back = bind_loopback(0, NULL);
        if (r->wake < 0 || r->front < 0 || r->back < 0 ||
            pthread_create(&r->thread, NULL, run, r) != 0) {
                if (r->wake >= 0)
                        close(r->wake);
                if (r->front >= 0)
                        close(r->front);
                if (r->back >= 0)
                        close(r->back);
                free(r);
                return NULL;
        }
        return r;
}

void relay_free(udp_relay *r)
{
        if (!r)
                return;
        pthread_mutex_lock(&r->lock);
        r->stop = true;
        pthread_mutex_unlock(&r->lock);
        wake(r);
        pthread_join(r->thread, NULL);
        if (r->front >= 0)
                close(r->front);
        close(r->back);
        close(r->wake);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        free(r);
}

uint16_t relay_port(const udp_relay *r)
{
        return r->port;
}

void relay_set_loss(udp_relay *r, double to_server, double to_daemon)
{
        pthread_mutex_lock(&r->lock);
        r->loss_to_server = to_server;
        r->loss_to_daemon = to_daemon;
        pthread_mutex_unlock(&r->lock);
}

static int command(udp_relay *r, bool outage, relay_outage mode, bool rebind)
{
        pthread_mutex_lock(&r->lock);
        unsigned seen = r->cmd_done;
        r->want_outage = outage;
        r->wanted_outage = mode;
        r->want_rebind = rebind;
        wake(r);
        while (r->cmd_done == seen)
                pthread_cond_wait(&r->cond, &r->lock);
        int res = r->cmd_result;
        pthread_mutex_unlock(&r->lock);
        return res;
}

int relay_set_outage(udp_relay *r, relay_outage mode)
{
        return command(r, true, mode, false);
}

int relay_rebind_server_side(udp_relay *r)
{
        return command(r, false, RELAY_PASS, true);
}

void relay_set_garble(udp_relay *r, bool on)
{
        pthread_mutex_lock(&r->lock);
        r->garble = on;
        pthread_mutex_unlock(&r->lock);
}

int relay_inject(udp_relay *r, const uint8_t *msg, size_t len, uint8_t *reply, size_t size,
                 int timeout_ms, relay_outage then)
{
        pthread_mutex_lock(&r->lock);
        if (!r->daemon_known || r->front < 0) {
                pthread_mutex_unlock(&r->lock);
                return -ENOTCONN;
        }
        r->inject_pending = len >= 4;
        r->inject_captured = false;
        r->inject_mid = len >= 4 ? (uint16_t)(msg[2] << 8 | msg[3]) : 0;
        r->inject_then = then;
        sendto(r->front, msg, len, 0, (struct sockaddr *)&r->daemon, sizeof(r->daemon));
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        while (!r->inject_captured && r->inject_pending)
                if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
                        break;
        int res;
        if (r->inject_captured) {
                res = (int)r->capture_len;
                if (reply)
                        memcpy(reply, r->capture, r->capture_len < size ? r->capture_len : size);
        } else {
                res = -ETIMEDOUT;
        }
        r->inject_pending = false;
        r->inject_captured = false;
        pthread_mutex_unlock(&r->lock);
        return res;
}

void relay_get_stats(udp_relay *r, relay_stats *out)
{
        pthread_mutex_lock(&r->lock);
        *out = r->stats;
        pthread_mutex_unlock(&r->lock);
}
