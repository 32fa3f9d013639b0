/* http_fetch.c - a firmware image fetched over http:// or https:// with libcurl, driven by
 * sd-event (never blocking the loop), from a byte offset when the server allows ranges. */
#include "daemon/http_fetch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <syslog.h>

#include "build-config.h"

/* Seconds: to connect, and without a single byte before the connection counts as lost. */
#define CONNECT_TIMEOUT_S 30
#define STALL_TIMEOUT_S   60

struct http_fetch {
        sd_event *event;
        CURLM *multi;
        CURL *easy;
        sd_event_source *timer;
        sd_event_source *defer; /* ends the fetch outside libcurl's callbacks */
        http_fetch_ops ops;
        uint64_t offset;       /* where the next byte goes */
        uint64_t total;        /* the whole size, or UINT64_MAX */
        bool started;          /* the first byte of the body came */
        int data_error;        /* what ops.data returned */
        int result;            /* the end, once known */
        struct watch *watches; /* the sockets libcurl asked to watch */
        http_fetch_log log;
        char errbuf[CURL_ERROR_SIZE];
};

/* One watched socket: libcurl's socket pointer data. */
typedef struct watch {
        http_fetch *f;
        sd_event_source *io;
        struct watch *next;
} watch;

static void unwatch(http_fetch *f, watch *w)
{
        for (watch **p = &f->watches; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        sd_event_source_disable_unref(w->io);
        free(w);
}

static void say(http_fetch_log log, int priority, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(http_fetch_log log, int priority, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log(priority, fmt, ap);
        va_end(ap);
}

static void finish(http_fetch *f, int result)
{
        f->result = result;
        sd_event_source_set_enabled(f->defer, SD_EVENT_ONESHOT);
}

static void free_fetch(http_fetch *f)
{
        if (f->multi && f->easy)
                curl_multi_remove_handle(f->multi, f->easy);
        if (f->easy)
                curl_easy_cleanup(f->easy);
        if (f->multi)
                curl_multi_cleanup(f->multi);
        while (f->watches)
                unwatch(f, f->watches);
        sd_event_source_disable_unref(f->timer);
        sd_event_source_disable_unref(f->defer);
        sd_event_unref(f->event);
        free(f);
}

static int error_of(http_fetch *f, CURLcode code)
{
        long status = 0;
        switch (code) {
        case CURLE_OK:
                if (f->total != UINT64_MAX && f->offset != f->total) {
                        say(f->log, LOG_WARNING,
                            "firmware download: %llu bytes came, %llu were announced",
                            (unsigned long long)f->offset, (unsigned long long)f->total);
                        return -EBADMSG;
                }
                return 0;
        case CURLE_WRITE_ERROR:
                return f->data_error < 0 ? f->data_error : -EIO;
        case CURLE_HTTP_RETURNED_ERROR:
                curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
                say(f->log, LOG_WARNING, "firmware download: the server answered %ld", status);
                return status == 404 || status == 410 ? -ENOENT : -EPROTO;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
                return -ECONNRESET;
        case CURLE_URL_MALFORMAT:
                return -EINVAL;
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EPROTONOSUPPORT;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -ECONNREFUSED;
        }
}

static int on_defer(sd_event_source *s, void *userdata)
{
        http_fetch *f = userdata;
        http_fetch_ops ops = f->ops;
        int result = f->result;
        free_fetch(f);
        ops.done(ops.userdata, result);
        return 0;
}

static void check_done(http_fetch *f)
{
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(f->multi, &left)))
                if (msg->msg == CURLMSG_DONE) {
                        CURLcode code = msg->data.result;
                        if (code != CURLE_OK && code != CURLE_WRITE_ERROR)
                                say(f->log, LOG_WARNING,
                                    "firmware download stopped at byte %llu: %s",
                                    (unsigned long long)f->offset,
                                    f->errbuf[0] ? f->errbuf : curl_easy_strerror(code));
                        finish(f, error_of(f, code));
                }
}

static void act(http_fetch *f, curl_socket_t fd, int events)
{
        int running;
        curl_multi_socket_action(f->multi, fd, events, &running);
        check_done(f);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        watch *w = userdata;
        int events = (revents & EPOLLIN ? CURL_CSELECT_IN : 0) |
                     (revents & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                     (revents & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        act(w->f, fd, events);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        act(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        http_fetch *f = userp;
        watch *w = socketp;
        if (what == CURL_POLL_REMOVE) {
                if (w) {
                        unwatch(f, w);
                        curl_multi_assign(f->multi, fd, NULL);
                }
                return 0;
        }
        uint32_t events =
                (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
        if (!w) {
                w = calloc(1, sizeof(*w));
                if (!w)
                        return -1;
                w->f = f;
                if (sd_event_add_io(f->event, &w->io, fd, events, on_io, w) < 0) {
                        free(w);
                        return -1;
                }
                w->next = f->watches;
                f->watches = w;
                curl_multi_assign(f->multi, fd, w);
                return 0;
        }
        return sd_event_source_set_io_events(w->io, events) < 0 ? -1 : 0;
}

static int on_timeout_change(CURLM *multi, long timeout_ms, void *userp)
{
        http_fetch *f = userp;
        if (timeout_ms < 0)
                return sd_event_source_set_enabled(f->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        uint64_t now;
        sd_event_now(f->event, CLOCK_MONOTONIC, &now);
        if (sd_event_source_set_time(f->timer, now + (uint64_t)timeout_ms * 1000u) < 0 ||
            sd_event_source_set_enabled(f->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        http_fetch *f = userdata;
        size_t len = size * nmemb;
        if (!f->started) {
                f->started = true;
                long status = 0;
                curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
                curl_off_t length = -1;
                curl_easy_getinfo(f->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
                if (f->offset > 0 && status != 206) {
                        /* The range was ignored: the whole image comes again. */
                        say(f->log, LOG_NOTICE,
                            "firmware download: the server does not resume (HTTP %ld); "
                            "starting over",
                            status);
                        f->offset = 0;
                }
                f->total = length >= 0 ? f->offset + (uint64_t)length : UINT64_MAX;
        }
        int r = f->ops.data(f->ops.userdata, f->offset, (const uint8_t *)ptr, len, f->total);
        if (r < 0) {
                f->data_error = r;
                return 0; /* CURLE_WRITE_ERROR */
        }
        f->offset += len;
        return len;
}

static http_fetch *start(sd_event *event, const char *uri, uint64_t offset,
                         const http_fetch_ops *ops, http_fetch_log log)
{
        int r;
        static bool initialised;
        if (!initialised) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        errno = ENOMEM;
                        return NULL;
                }
                initialised = true;
        }
        http_fetch *f = calloc(1, sizeof(*f));
        if (!f) {
                errno = ENOMEM;
                return NULL;
        }
        f->event = sd_event_ref(event);
        f->ops = *ops;
        f->log = log;
        f->offset = offset;
        f->total = UINT64_MAX;
        f->multi = curl_multi_init();
        f->easy = curl_easy_init();
        r = f->multi && f->easy ? 0 : -ENOMEM;
        if (r >= 0)
                r = sd_event_add_time(event, &f->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer,
                                      f);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(event, &f->defer, on_defer, f);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->defer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        CURL *e = f->easy;
        bool ok = curl_easy_setopt(e, CURLOPT_URL, uri) == CURLE_OK;
        if (!ok) {
                r = -EINVAL;
                goto fail;
        }
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)STALL_TIMEOUT_S);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "lwm2md/" PACKAGE_VERSION);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
        /* A Range header rather than CURLOPT_RESUME_FROM_LARGE, which fails the transfer
         * when the server answers 200: that answer starts the image over (on_body). */
        char range[32];
        if (offset > 0) {
                snprintf(range, sizeof(range), "%llu-", (unsigned long long)offset);
                curl_easy_setopt(e, CURLOPT_RANGE, range);
        }
        curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
        curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timeout_change);
        curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
        if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
                r = -ENOMEM;
                goto fail;
        }
        say(f->log, LOG_INFO, "firmware download: fetching %s from byte %llu", uri,
            (unsigned long long)offset);
        return f;
fail:
        free_fetch(f);
        errno = -r;
        return NULL;
}

static void cancel(http_fetch *f)
{
        if (f)
                free_fetch(f);
}

__attribute__((visibility("default"))) const http_fetch_module lwm2md_http_fetch_module = {
        .abi = HTTP_FETCH_MODULE_ABI,
        .version = PACKAGE_VERSION,
        .start = start,
        .cancel = cancel,
};
