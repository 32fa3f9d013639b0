/* gpsd.c - the daemon's connection to gpsd: watches TPV reports and hands them to the
 * Location object, reconnecting with back-off while gpsd is away. */
#include "daemon/gpsd.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/log.h"
#include "util/macro.h"

#define BACKOFF_MIN_USEC (1000 * 1000ull)
#define BACKOFF_MAX_USEC (60 * 1000 * 1000ull)

static const char watch_command[] = "?WATCH={\"enable\":true,\"json\":true}\n";

struct gpsd_client {
        sd_event *event;
        char *address;
        struct sockaddr_storage sa; /* the address, resolved once */
        socklen_t sa_len;
        int family;
        location_object *location;
        device_object *device; /* for Error Code 3, or NULL */
        int fd;
        bool connecting;
        sd_event_source *io;
        sd_event_source *retry;
        uint64_t backoff_usec;
        bool outage_logged; /* one message per outage, not per attempt */
};

static void schedule_retry(gpsd_client *g);

static void disconnect(gpsd_client *g)
{
        g->io = sd_event_source_disable_unref(g->io);
        if (g->fd >= 0)
                close(g->fd);
        g->fd = -1;
        g->connecting = false;
        location_object_reset_stream(g->location);
}

static void fail(gpsd_client *g, const char *what, int error)
{
        disconnect(g);
        device_object_raise_error(g->device, DEVICE_ERROR_GPS_FAILURE);
        if (!g->outage_logged) {
                log_warning("gpsd at %s: %s%s%s; retrying (Location keeps its last values)",
                            g->address, what, error ? ": " : "", error ? strerror(error) : "");
                g->outage_logged = true;
        }
        schedule_retry(g);
}

static void on_connected(gpsd_client *g)
{
        g->connecting = false;
        log_debug("gpsd at %s: connected", g->address);
        /* A few bytes on a fresh socket: the send buffer takes them whole. */
        if (send(g->fd, watch_command, sizeof(watch_command) - 1, MSG_NOSIGNAL) !=
            (ssize_t)(sizeof(watch_command) - 1)) {
                fail(g, "cannot send WATCH", errno);
                return;
        }
        sd_event_source_set_io_events(g->io, EPOLLIN);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        gpsd_client *g = userdata;
        if (g->connecting) {
                int err = 0;
                socklen_t len = sizeof(err);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err) {
                        fail(g, "cannot connect", err);
                        return 0;
                }
                on_connected(g);
                return 0;
        }
        /* A bounded number of reads per wakeup, so a chatty gpsd cannot starve the engine. */
        for (int i = 0; i < 16; i++) {
                char buf[4096];
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        fail(g, "read failed", errno);
                        return 0;
                }
                if (n == 0) {
                        fail(g, "connection closed", 0);
                        return 0;
                }
                /* Back to normal once gpsd speaks, not merely accepts: a peer that
                 * closes at once is retried with growing delays. */
                if (g->outage_logged)
                        log_info("gpsd at %s: connected again", g->address);
                g->outage_logged = false;
                g->backoff_usec = BACKOFF_MIN_USEC;
                unsigned garbage = 0;
                int r = location_object_feed(g->location, buf, (size_t)n, &garbage);
                /* A fix, or gpsd's reports without one, is gpsd at work; only lines
                 * that are not gpsd's protocol, and no fix among them, are a failure. */
                if (r > 0 || (r == 0 && garbage == 0))
                        device_object_clear_error(g->device, DEVICE_ERROR_GPS_FAILURE);
                else if (garbage > 0)
                        device_object_raise_error(g->device, DEVICE_ERROR_GPS_FAILURE);
                if (garbage > 0)
                        log_debug("gpsd at %s: %u line(s) that are not gpsd reports skipped",
                                  g->address, garbage);
                if (r == -EMSGSIZE) {
                        fail(g, "a line longer than 64 KiB: not gpsd", 0);
                        return 0;
                }
                if (r < 0)
                        log_debug("gpsd at %s: %s", g->address, strerror(-r));
        }
        return 0;
}

/* The address as a socket address: a UNIX path, or an IP address and port.
 * Numbers only: a name lookup would block the one loop that runs everything,
 * libsystemd has no public asynchronous resolver, and gpsd is on the gateway
 * itself; "localhost" is the loopback address. */
static int resolve(const char *address, struct sockaddr_storage *sa, socklen_t *len, int *family)
{
        if (address[0] == '/') {
                struct sockaddr_un *un = (struct sockaddr_un *)sa;
                size_t n = strlen(address);
                if (n >= sizeof(un->sun_path))
                        return -EINVAL;
                memset(un, 0, sizeof(*un));
                un->sun_family = AF_UNIX;
                memcpy(un->sun_path, address, n);
                *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
                *family = AF_UNIX;
                return 0;
        }
        const char *colon = strrchr(address, ':');
        if (!colon || colon == address || !colon[1])
                return -EINVAL;
        char host[256];
        const char *h = address;
        size_t hlen = (size_t)(colon - address);
        if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
                h++;
                hlen -= 2;
        }
        if (hlen == 0 || hlen >= sizeof(host))
                return -EINVAL;
        memcpy(host, h, hlen);
        host[hlen] = 0;
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
        struct addrinfo *ai = NULL;
        if (getaddrinfo(strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, colon + 1, &hints,
                        &ai) != 0 ||
            !ai)
                return -EINVAL;
        memcpy(sa, ai->ai_addr, ai->ai_addrlen);
        *len = ai->ai_addrlen;
        *family = ai->ai_family;
        freeaddrinfo(ai);
        return 0;
}

static void try_connect(gpsd_client *g)
{
        g->fd = socket(g->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (g->fd < 0) {
                fail(g, "cannot make a socket", errno);
                return;
        }
        g->connecting = true;
        if (connect(g->fd, (struct sockaddr *)&g->sa, g->sa_len) < 0 && errno != EINPROGRESS) {
                fail(g, "cannot connect", errno);
                return;
        }
        int r = sd_event_add_io(g->event, &g->io, g->fd, EPOLLOUT, on_io, g);
        if (r < 0)
                fail(g, "cannot watch the socket", -r);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        gpsd_client *g = userdata;
        g->retry = sd_event_source_disable_unref(g->retry);
        try_connect(g);
        return 0;
}

static void schedule_retry(gpsd_client *g)
{
        if (g->retry)
                return;
        uint64_t delay = g->backoff_usec;
        g->backoff_usec = delay * 2 > BACKOFF_MAX_USEC ? BACKOFF_MAX_USEC : delay * 2;
        int r = sd_event_add_time_relative(g->event, &g->retry, CLOCK_MONOTONIC, delay, 0, on_retry,
                                           g);
        if (r < 0)
                log_error("gpsd at %s: cannot arm the retry timer: %s", g->address, strerror(-r));
}

gpsd_client *gpsd_client_new(sd_event *event, const char *address, location_object *location,
                             device_object *device)
{
        gpsd_client *g = calloc(1, sizeof(*g));
        if (!g)
                return NULL;
        if (resolve(address, &g->sa, &g->sa_len, &g->family) < 0) {
                free(g);
                errno = EINVAL;
                return NULL;
        }
        g->address = strdup(address);
        if (!g->address) {
                free(g);
                return NULL;
        }
        g->event = sd_event_ref(event);
        g->location = location;
        g->device = device;
        g->fd = -1;
        g->backoff_usec = BACKOFF_MIN_USEC;
        try_connect(g);
        return g;
}

void gpsd_client_free(gpsd_client *g)
{
        if (!g)
                return;
        disconnect(g);
        sd_event_source_disable_unref(g->retry);
        sd_event_unref(g->event);
        free(g->address);
        free(g);
}
