/* observe.c - information reporting: the observations of each server (Observe and
 * Observe-Composite), when their notifications are due, and sending or storing them. */
#include "lwm2m/observe.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "formats/format.h"
#include "lwm2m/block.h"
#include "lwm2m/coap_msg.h"
#include "lwm2m/context.h"
#include "lwm2m/outbox.h"
#include "lwm2m/readout.h"
#include "lwm2m/send.h"
#include "lwm2m/stored.h"
#include "model/attributes.h"
#include "model/oma.h"
#include "model/owner.h"
#include "model/report.h"
#include "model/request.h"
#include "util/macro.h"

/* libcoap 4.3.1 reports a Reset only in reply to a confirmable message (its NACK
 * handler, COAP_NACK_RST); a Reset to a non-confirmable notification is dropped
 * inside it. So after this many non-confirmable notifications in a row the next one
 * is confirmable: a server that lost interest is noticed within eight. */
#define NON_RUN_MAX 7u
/* RFC 7641 4.5: a confirmable notification at least once a day. */
#define CON_INTERVAL_MS (24u * 3600u * 1000u)
/* Most stored values merged into one SenML notification; fewer when they do not fit
 * one datagram (a notification cannot be fetched block-wise later: its values are
 * gone by then). */
#define MERGE_MAX 64u
/* Most observations one run acts on before it lets the event loop breathe. */
#define RUN_MAX 4096u

typedef struct observation {
        server *s;
        uint8_t token[8];
        uint8_t token_len;
        bool composite;
        uint16_t format;
        lwm2m_path *paths; /* one, or the composite's list */
        size_t n_paths;
        lwm2m_attr_set own; /* given in the Observe request (LwM2M 1.2): this one only */
        lwm2m_attr_set eff; /* in force, resolved at the start and on attribute changes */
        lwm2m_report_periods periods;
        uint64_t pmin_ms; /* pmin and epmin together: no evaluation sooner */
        bool con;         /* confirmable by attribute or the server's default mode */
        uint32_t seq;     /* the last Observe number sent */
        bool changed;     /* a change the server has not been told of */
        uint64_t last_ms; /* the last notification (or the start) */
        uint64_t due_ms;  /* UINT64_MAX: only a change makes it due */
        size_t heap_at;   /* its index in the heap; SIZE_MAX when not in it */
        lwm2m_value last; /* a single value observed: the one last reported */
        bool has_last;
        unsigned non_run;
        uint64_t last_con_ms;
        /* epmax on values an owner refreshes on demand: the last time it was asked,
         * and the request while it is being asked. */
        uint64_t sampled_ms;
        lwm2m_request *sampling;
} observation;

struct observe_set {
        observation **all;
        size_t n, cap;
        /* The observations with a deadline, earliest first: the engine's wake-up is
         * the top's, so 1000 observations without pmax cost no timer at all. */
        observation **heap;
        size_t heap_n, heap_cap;
};

observe_set *observe_set_new(void)
{
        return calloc(1, sizeof(observe_set));
}

static void observation_free(observation *o)
{
        if (!o)
                return;
        if (o->sampling)
                lwm2m_request_cancel(o->sampling); /* its done clears o->sampling */
        lwm2m_value_clear(&o->last);
        free(o->paths);
        free(o);
}

void observe_set_free(observe_set *set)
{
        if (!set)
                return;
        for (size_t i = 0; i < set->n; i++)
                observation_free(set->all[i]);
        free(set->all);
        free(set->heap);
        free(set);
}

/* ---- the heap of deadlines ---- */

static void heap_place(observe_set *set, size_t i, observation *o)
{
        set->heap[i] = o;
        o->heap_at = i;
}

static void heap_up(observe_set *set, size_t i)
{
        observation *o = set->heap[i];
        while (i > 0) {
                size_t parent = (i - 1) / 2;
                if (set->heap[parent]->due_ms <= o->due_ms)
                        break;
                heap_place(set, i, set->heap[parent]);
                i = parent;
        }
        heap_place(set, i, o);
}

static void heap_down(observe_set *set, size_t i)
{
        observation *o = set->heap[i];
        for (;;) {
                size_t child = 2 * i + 1;
                if (child >= set->heap_n)
                        break;
                if (child + 1 < set->heap_n &&
                    set->heap[child + 1]->due_ms < set->heap[child]->due_ms)
                        child++;
                if (o->due_ms <= set->heap[child]->due_ms)
                        break;
                heap_place(set, i, set->heap[child]);
                i = child;
        }
        heap_place(set, i, o);
}

static void heap_remove(observe_set *set, observation *o)
{
        size_t i = o->heap_at;
        if (i == SIZE_MAX)
                return;
        o->heap_at = SIZE_MAX;
        observation *last = set->heap[--set->heap_n];
        if (last == o)
                return;
        heap_place(set, i, last);
        heap_up(set, i);
        heap_down(set, last->heap_at);
}

/* Puts `o` where its due_ms says; false when it has a deadline but no room. */
static bool heap_update(observe_set *set, observation *o)
{
        if (o->due_ms == UINT64_MAX) {
                heap_remove(set, o);
                return true;
        }
        if (o->heap_at != SIZE_MAX) {
                heap_up(set, o->heap_at);
                heap_down(set, o->heap_at);
                return true;
        }
        if (set->heap_n == set->heap_cap) {
                size_t cap = set->heap_cap ? 2 * set->heap_cap : 16;
                observation **h = reallocarray(set->heap, cap, sizeof(*h));
                if (!h)
                        return false;
                set->heap = h;
                set->heap_cap = cap;
        }
        heap_place(set, set->heap_n++, o);
        heap_up(set, set->heap_n - 1);
        return true;
}

/* ---- the servers ---- */

/* ---- one observation ---- */

static uint64_t max_u64(uint64_t a, uint64_t b)
{
        return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static bool single_value(const lwm2m_engine *e, const observation *o)
{
        if (o->composite)
                return false;
        const lwm2m_path *p = &o->paths[0];
        if (p->len == 4)
                return true;
        if (p->len != 3)
                return false;
        const lwm2m_object_def *obj = lwm2m_registry_find(e->reg, p->id[0]);
        const lwm2m_resource_def *res = obj ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
        return res && !res->multiple;
}

/* The attributes in force: the request's own over those written for the path. */
static void resolve(lwm2m_engine *e, observation *o)
{
        server *s = o->s;
        lwm2m_attr_set eff = {0};
        if (!o->composite)
                lwm2m_attributes_effective(e->attrs, s->short_id, &o->paths[0], &eff);
        lwm2m_attr_overlay(&eff, &o->own);
        o->eff = eff;
        uint64_t dpmin = server_uint(e, s->server_iid, LWM2M_SRV_DEFAULT_PMIN, 0);
        uint64_t dpmax = server_uint(e, s->server_iid, LWM2M_SRV_DEFAULT_PMAX, 0);
        lwm2m_report_resolve_periods(&eff, (uint32_t)min_u64(dpmin, UINT32_MAX),
                                     (uint32_t)min_u64(dpmax, UINT32_MAX), &o->periods);
        o->pmin_ms = max_u64(o->periods.pmin_ms, o->periods.epmin_ms);
        if (eff.present & LWM2M_ATTR_CON)
                o->con = eff.con;
        else
                o->con = server_uint(e, s->server_iid, LWM2M_SRV_DEFAULT_NOTIFY_MODE, 0) == 1;
        for (size_t i = 0; i < o->n_paths && !o->con && e->confirmable; i++)
                o->con = e->confirmable(e->userdata, &o->paths[i]);
}

/* Whether `p` holds values its owner refreshes when read (owner.h). */
static bool refreshed(const lwm2m_engine *e, const lwm2m_path *p)
{
        return p->len >= LWM2M_PATH_INSTANCE &&
               lwm2m_owner_refreshes(lwm2m_tree_get_owner(e->tree, p->id[0], p->id[1]), p);
}

/* epmax matters only where values are read on demand: pushed values are evaluated
 * as they come, which is more often than any epmax. */
static bool samples(const lwm2m_engine *e, const observation *o)
{
        if (!o->periods.epmax_ms)
                return false;
        for (size_t i = 0; i < o->n_paths; i++)
                if (refreshed(e, &o->paths[i]))
                        return true;
        return false;
}

static void on_sampled(void *userdata, const lwm2m_request_result *res)
{
        observation *o = userdata;
        o->sampling = NULL; /* fresh values, if any, came as a tree change */
}

/* Asks the owners for fresh values (a Read's refresh), at most one request at a
 * time; an Observe-Composite's paths in one request, so that an owner reads each
 * of its sources once (owner.h: lwm2m_ask.request). */
static void sample(lwm2m_engine *e, observation *o, uint64_t now)
{
        o->sampled_ms = now;
        if (o->sampling)
                return;
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_READ,
                .origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = o->s->short_id, .tag = e},
                .path = o->paths[0],
                .group = o,
                .done = on_sampled,
                .userdata = o,
        };
        if (o->composite) {
                spec.path = (lwm2m_path){0};
                for (size_t i = 0; i < o->n_paths; i++)
                        if (refreshed(e, &o->paths[i]) &&
                            !lwm2m_record_list_add(&spec.records, &o->paths[i])) {
                                lwm2m_record_list_free(&spec.records);
                                return; /* out of memory: the stored values are reported */
                        }
        }
        o->sampling = lwm2m_request_start(e->requests, &spec);
}

/* When `o` next needs attention: a change once pmin has passed, pmax without one.
 * While the server cannot be sent to, only a change that will be stored counts;
 * the rest waits for observe_server_reachable. */
static void schedule(lwm2m_engine *e, observation *o)
{
        server *s = o->s;
        uint64_t due = UINT64_MAX;
        bool can_send = outbox_can_send(s);
        /* Not when it can neither be sent nor stored: reachability reschedules it. */
        if (o->changed && (can_send || outbox_stores(e, s)))
                due = o->last_ms + o->pmin_ms;
        if (can_send && o->periods.pmax_ms)
                due = min_u64(due, o->last_ms + o->periods.pmax_ms);
        if (can_send && samples(e, o))
                due = min_u64(due, o->sampled_ms + o->periods.epmax_ms);
        o->due_ms = due;
        if (!heap_update(e->observe, o))
                lwm2m_logf(&e->log, LOG_ERR, "server %u: out of memory scheduling a notification",
                           s->short_id);
}

static observation *find(const observe_set *set, const server *s, const uint8_t *token, size_t len)
{
        for (size_t i = 0; i < set->n; i++) {
                observation *o = set->all[i];
                if (o->s == s && o->token_len == len && memcmp(o->token, token, len) == 0)
                        return o;
        }
        return NULL;
}

/* `tell`: the server's D-Bus object shows the new count now (not once per
 * observation when all of a server's end together). */
static void remove_observation(lwm2m_engine *e, observation *o, bool tell)
{
        observe_set *set = e->observe;
        heap_remove(set, o);
        for (size_t i = 0; i < set->n; i++)
                if (set->all[i] == o) {
                        set->all[i] = set->all[--set->n];
                        break;
                }
        o->s->observations--;
        if (tell)
                server_changed(o->s);
        observation_free(o);
}

/* The value a single-value observation compares the next one with. */
static void remember_value(lwm2m_engine *e, observation *o)
{
        if (!single_value(e, o))
                return;
        lwm2m_value_clear(&o->last);
        o->has_last = false;
        const lwm2m_value *v = lwm2m_tree_get(e->tree, &o->paths[0]);
        if (v && lwm2m_value_copy(&o->last, v) == 0)
                o->has_last = true;
}

/* The values the server is to be told of now. */
static int current_values(lwm2m_engine *e, const observation *o, lwm2m_record_list *out)
{
        if (o->composite)
                return readout_collect(e, o->s->short_id, o->paths, o->n_paths, out);
        return readout_values(e, o->s->short_id, &o->paths[0], out);
}

static lwm2m_path encode_base(const observation *o)
{
        return o->composite ? (lwm2m_path){0} : o->paths[0];
}

/* Sends one notification on the server's session: 2.05 with the next Observe
 * number and `body`, or an error code that ends the observation. */
static int send_notification(lwm2m_engine *e, observation *o, coap_pdu_code_t code,
                             const lwm2m_buf *body, uint64_t now, bool may_confirm)
{
        server *s = o->s;
        coap_session_t *session = s->session;
        bool con = may_confirm &&
                   (o->con || o->non_run >= NON_RUN_MAX || now - o->last_con_ms >= CON_INTERVAL_MS);
        coap_pdu_t *pdu =
                coap_pdu_init(con ? COAP_MESSAGE_CON : COAP_MESSAGE_NON, code,
                              coap_new_message_id(session), coap_session_max_pdu_size(session));
        if (!pdu || !coap_add_token(pdu, o->token_len, o->token)) {
                coap_delete_pdu(pdu);
                return -ENOMEM;
        }
        if (COAP_RESPONSE_CLASS(code) == 2) {
                o->seq = (o->seq + 1) & 0xFFFFFFu;
                uint8_t b[4];
                if (!coap_add_option(pdu, COAP_OPTION_OBSERVE,
                                     coap_encode_var_safe(b, sizeof(b), o->seq), b)) {
                        coap_delete_pdu(pdu);
                        return -ENOMEM;
                }
                int r = block_respond(session, NULL, pdu, o->format, body->data, body->len);
                if (r < 0) {
                        coap_delete_pdu(pdu);
                        return r;
                }
        }
        if (coap_send(session, pdu) == COAP_INVALID_MID)
                return -EIO;
        if (con) {
                o->non_run = 0;
                o->last_con_ms = now;
        } else {
                o->non_run++;
        }
        s->last_exchange_ms = now;
        return 0;
}

static void log_path(const observation *o, char *buf, size_t size)
{
        if (o->composite)
                snprintf(buf, size, "a composite of %zu path(s)", o->n_paths);
        else
                lwm2m_path_format(&o->paths[0], buf, size);
}

/* Tells the server the current values (or that they are gone: then the
 * observation ends). Returns false when `o` was freed. */
static bool notify_now(lwm2m_engine *e, observation *o, uint64_t now)
{
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        _cleanup_(lwm2m_buf_free) lwm2m_buf body = {0};
        lwm2m_path base = encode_base(o);
        int err = current_values(e, o, &l);
        err = err ?: lwm2m_format_encode(o->format, &base, l.items, l.n, &body);
        if (err < 0) {
                /* RFC 7641 3.2: an error response ends the observation. */
                char path[LWM2M_PATH_STRLEN + 32];
                log_path(o, path, sizeof(path));
                coap_pdu_code_t code = coap_msg_code_for_errno(err, err != -ENOENT);
                lwm2m_logf(&e->log, LOG_INFO, "server %u: observation of %s ends: %s",
                           o->s->short_id, path, strerror(-err));
                send_notification(e, o, code, &body, now, true);
                remove_observation(e, o, true);
                return false;
        }
        err = send_notification(e, o, COAP_RESPONSE_CODE_CONTENT, &body, now, true);
        if (err < 0)
                lwm2m_logf(&e->log, LOG_WARNING, "server %u: cannot send a notification: %s",
                           o->s->short_id, strerror(-err));
        o->changed = false;
        o->last_ms = now;
        remember_value(e, o);
        return true;
}

static double wall_clock_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keeps the current values, with their time, for when the server is back. */
static void store_now(lwm2m_engine *e, observation *o, uint64_t now)
{
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        int err = current_values(e, o, &l);
        if (err < 0 && err != -ENOENT)
                return;
        double t = wall_clock_now();
        for (size_t i = 0; i < l.n; i++)
                if (!l.items[i].has_time) {
                        l.items[i].time = t;
                        l.items[i].has_time = true;
                }
        stored_entry *en = stored_entry_new(STORED_NOTIFICATION, o->token, o->token_len, &l);
        if (!en)
                return;
        outbox_store(e, o->s, en);
        /* LwM2M 1.2 hqmax: how many stored values of this observation are kept. */
        if (o->eff.present & LWM2M_ATTR_HQMAX)
                stored_trim_token(&o->s->stored, o->token, o->token_len, o->eff.hqmax);
        o->changed = false;
        o->last_ms = now;
        remember_value(e, o);
}

/* `o` is due. Returns false when it was freed. */
static bool fire(lwm2m_engine *e, observation *o, uint64_t now)
{
        server *s = o->s;
        bool pmax_due = o->periods.pmax_ms && now >= o->last_ms + o->periods.pmax_ms;
        if (samples(e, o) && now >= o->sampled_ms + o->periods.epmax_ms)
                sample(e, o, now);
        if (outbox_can_send(s)) {
                if ((o->changed || pmax_due) && !notify_now(e, o, now))
                        return false;
        } else if (o->changed) {
                if (outbox_stores(e, s))
                        store_now(e, o, now);
                outbox_wake(s);
        }
        schedule(e, o);
        return true;
}

/* ---- starting and ending ---- */

/* Attributes in the Observe request's query apply to this observation only. */
static int parse_own_attributes(const coap_pdu_t *request, lwm2m_attr_set *own)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        unsigned clear = 0;
        *own = (lwm2m_attr_set){0};
        coap_option_iterator_init(request, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_URI_QUERY)
                        continue;
                int r = lwm2m_attr_parse_item((const char *)coap_opt_value(opt),
                                              coap_opt_length(opt), own, &clear);
                if (r < 0)
                        return r;
        }
        if (clear || !lwm2m_attr_set_consistent(own))
                return -EINVAL;
        return 0;
}

int observe_start(lwm2m_engine *e, server *s, const coap_pdu_t *request, const lwm2m_path *paths,
                  size_t n_paths, bool composite, uint16_t format, coap_pdu_t *response)
{
        assert(e && s && request && response && (paths || n_paths == 0));
        coap_bin_const_t token = coap_pdu_get_token(request);
        if (token.length > 8)
                return -EINVAL;
        lwm2m_attr_set own;
        int r = parse_own_attributes(request, &own);
        if (r < 0)
                return r;
        observe_set *set = e->observe;
        observation *old = find(set, s, token.s, token.length);
        if (old)
                remove_observation(e, old, false);
        if (set->n == set->cap) {
                size_t cap = set->cap ? 2 * set->cap : 16;
                observation **all = reallocarray(set->all, cap, sizeof(*all));
                if (!all)
                        return -ENOMEM;
                set->all = all;
                set->cap = cap;
        }
        observation *o = calloc(1, sizeof(*o));
        lwm2m_path *copy = calloc(n_paths ?: 1, sizeof(*copy));
        if (!o || !copy) {
                free(o);
                free(copy);
                return -ENOMEM;
        }
        memcpy(copy, paths, n_paths * sizeof(*copy));
        uint64_t now = engine_now_ms();
        *o = (observation){.s = s,
                           .token_len = (uint8_t)token.length,
                           .composite = composite,
                           .format = format,
                           .paths = copy,
                           .n_paths = n_paths,
                           .own = own,
                           .last_ms = now,
                           .last_con_ms = now, /* the request was confirmable */
                           .sampled_ms = now,  /* the Read just refreshed */
                           .heap_at = SIZE_MAX};
        memcpy(o->token, token.s, token.length);
        uint8_t b[4];
        if (!coap_add_option(response, COAP_OPTION_OBSERVE, coap_encode_var_safe(b, sizeof(b), 0),
                             b)) {
                observation_free(o);
                return -ENOMEM;
        }
        set->all[set->n++] = o;
        s->observations++;
        resolve(e, o);
        remember_value(e, o);
        schedule(e, o);
        server_changed(s);
        return 0;
}

void observe_cancel(lwm2m_engine *e, server *s, coap_bin_const_t token, const char *why)
{
        assert(e && s);
        observation *o = find(e->observe, s, token.s, token.length);
        if (!o)
                return;
        char path[LWM2M_PATH_STRLEN + 32];
        log_path(o, path, sizeof(path));
        lwm2m_logf(&e->log, LOG_DEBUG, "server %u: observation of %s %s", s->short_id, path, why);
        remove_observation(e, o, true);
}

void observe_end_server(lwm2m_engine *e, server *s, const char *why)
{
        assert(e && s);
        observe_set *set = e->observe;
        size_t ended = 0;
        for (size_t i = set->n; i-- > 0;) {
                if (set->all[i]->s != s)
                        continue;
                remove_observation(e, set->all[i], false);
                ended++;
        }
        uint64_t dropped = s->stored.dropped;
        stored_drop(&s->stored, false);
        if (ended || s->stored.dropped != dropped)
                lwm2m_logf(&e->log, LOG_INFO,
                           "server %u: %zu observation(s) end (%s); %llu stored notification(s) "
                           "dropped",
                           s->short_id, ended, why,
                           (unsigned long long)(s->stored.dropped - dropped));
        server_changed(s);
}

/* ---- changes ---- */

static bool overlaps(const lwm2m_path *a, const lwm2m_path *b)
{
        if (a->len && b->len && a->id[0] != b->id[0])
                return false;
        return lwm2m_path_starts_with(a, b) || lwm2m_path_starts_with(b, a);
}

static bool concerns(const observation *o, const lwm2m_change *c)
{
        for (size_t i = 0; i < o->n_paths; i++) {
                const lwm2m_path *p = &o->paths[i];
                if (c->kind != LWM2M_CHANGE_VALUES) {
                        if (overlaps(p, &c->instance))
                                return true;
                        continue;
                }
                if (!overlaps(p, &c->instance))
                        continue;
                if (p->len <= 2)
                        return true;
                for (size_t k = 0; k < c->n_paths; k++)
                        if (overlaps(p, &c->paths[k]))
                                return true;
        }
        return false;
}

void observe_tree_changed(lwm2m_engine *e, const lwm2m_change *c)
{
        assert(e && c);
        observe_set *set = e->observe;
        for (size_t i = 0; i < set->n; i++) {
                observation *o = set->all[i];
                if (!concerns(o, c))
                        continue;
                if (c->kind == LWM2M_CHANGE_VALUES && single_value(e, o)) {
                        const lwm2m_value *now = lwm2m_tree_get(e->tree, &o->paths[0]);
                        if (now && !lwm2m_report_condition_met(&o->eff,
                                                               o->has_last ? &o->last : NULL, now))
                                continue;
                }
                if (o->changed)
                        continue; /* already due as soon as pmin allows */
                o->changed = true;
                schedule(e, o);
                outbox_wake(o->s);
        }
}

void observe_attributes_changed(lwm2m_engine *e, uint16_t short_id)
{
        assert(e);
        observe_set *set = e->observe;
        for (size_t i = 0; i < set->n; i++) {
                observation *o = set->all[i];
                if (o->s->short_id != short_id)
                        continue;
                resolve(e, o);
                schedule(e, o);
        }
}

uint64_t observe_run(lwm2m_engine *e, uint64_t now)
{
        assert(e);
        observe_set *set = e->observe;
        for (unsigned n = 0; set->heap_n && set->heap[0]->due_ms <= now; n++) {
                if (n == RUN_MAX)
                        return now; /* more are due: the next run, after other events */
                observation *o = set->heap[0];
                heap_remove(set, o);
                o->due_ms = UINT64_MAX;
                fire(e, o, now);
        }
        return set->heap_n ? set->heap[0]->due_ms : UINT64_MAX;
}

/* ---- delivery of what was stored ---- */

static bool time_capable(uint16_t format)
{
        return format == LWM2M_FORMAT_SENML_JSON || format == LWM2M_FORMAT_SENML_CBOR ||
               format == LWM2M_FORMAT_LWM2M_JSON;
}

/* Moves the records of `n` entries from `list` into `out`, in order. */
static int gather(stored_entry *list, size_t n, lwm2m_record_list *out)
{
        lwm2m_record_list_clear(out);
        for (stored_entry *en = list; en && n; en = en->next, n--)
                for (size_t i = 0; i < en->records.n; i++) {
                        lwm2m_record *rec = &en->records.items[i];
                        lwm2m_record *dst = lwm2m_record_list_add(out, &rec->path);
                        if (!dst)
                                return -errno;
                        if (lwm2m_value_copy(&dst->value, &rec->value) < 0)
                                return -ENOMEM;
                        dst->time = rec->time;
                        dst->has_time = rec->has_time;
                }
        return 0;
}

/* Sends the stored values of one observation: merged, with their times, when the
 * format carries times, as few notifications as fit one datagram each; else one
 * notification per stored value set. Returns how many entries went. */
static size_t deliver_observation(lwm2m_engine *e, observation *o, stored_entry *list, uint64_t now)
{
        size_t delivered = 0;
        lwm2m_path base = encode_base(o);
        /* One block: a larger body would go block-wise, and its later blocks be
         * fetched with a GET that reads the values of now, not the stored ones. */
        size_t room = (size_t)1 << (block_szx_for_session(o->s->session, 64) + 4);
        _cleanup_(lwm2m_record_list_free) lwm2m_record_list l = {0};
        _cleanup_(lwm2m_buf_free) lwm2m_buf body = {0};
        while (list) {
                size_t avail = 0;
                for (stored_entry *en = list; en; en = en->next)
                        avail++;
                size_t take = time_capable(o->format) ? min_u64(avail, MERGE_MAX) : 1;
                int err;
                for (;;) {
                        lwm2m_buf_free(&body);
                        err = gather(list, take, &l);
                        err = err ?: lwm2m_format_encode(o->format, &base, l.items, l.n, &body);
                        if (err < 0 || body.len <= room || take == 1)
                                break;
                        take /= 2;
                }
                /* Non-confirmable: libcoap holds a confirmable one back while another is
                 * unacknowledged (NSTART 1), which would put it behind later values. The
                 * next live notification is confirmable, as the run of NONs says. */
                if (err == 0)
                        err = send_notification(e, o, COAP_RESPONSE_CODE_CONTENT, &body, now,
                                                false);
                for (size_t i = 0; i < take && list; i++) {
                        stored_entry *next = list->next;
                        stored_entry_free(list);
                        list = next;
                        if (err == 0)
                                delivered++;
                        else
                                o->s->stored.dropped++;
                }
        }
        return delivered;
}

void observe_server_reachable(lwm2m_engine *e, server *s)
{
        assert(e && s);
        uint64_t now = engine_now_ms();
        size_t delivered = 0, dropped = 0;
        stored_entry *en;
        while (outbox_can_send(s) && (en = stored_pop(&s->stored))) {
                if (en->kind == STORED_SEND) {
                        if (send_post(e, s, &en->records) == 0)
                                delivered++;
                        else
                                dropped++;
                        stored_entry_free(en);
                        continue;
                }
                observation *o = find(e->observe, s, en->token, en->token_len);
                if (!o) {
                        stored_entry_free(en);
                        dropped++;
                        continue;
                }
                /* Later values of the same observation go with this one. */
                en->next = time_capable(o->format)
                                   ? stored_take_token(&s->stored, NULL, en->token, en->token_len)
                                   : NULL;
                delivered += deliver_observation(e, o, en, now);
                o->last_ms = now;
        }
        s->stored.delivered += delivered;
        s->stored.dropped += dropped;
        if (delivered || dropped)
                lwm2m_logf(&e->log, LOG_INFO,
                           "server %u: delivered %zu stored notification(s) and Send(s)%s",
                           s->short_id, delivered, dropped ? ", dropped some" : "");
        observe_set *set = e->observe;
        for (size_t i = 0; i < set->n; i++)
                if (set->all[i]->s == s)
                        schedule(e, set->all[i]);
        server_changed(s);
}

bool observe_on_nack(lwm2m_engine *e, server *s, const coap_pdu_t *sent, coap_nack_reason_t reason,
                     bool *unreachable)
{
        assert(e && s && sent && unreachable);
        *unreachable = false;
        if (COAP_RESPONSE_CLASS(coap_pdu_get_code(sent)) < 2)
                return false; /* a request of ours, not a notification */
        coap_bin_const_t token = coap_pdu_get_token(sent);
        observation *o = find(e->observe, s, token.s, token.length);
        if (reason == COAP_NACK_RST) {
                if (o)
                        observe_cancel(e, s, token, "reset by the server");
                return true;
        }
        if (o) {
                o->changed = true; /* its values are told again once the server is back */
                schedule(e, o);
        }
        *unreachable = true;
        return true;
}
