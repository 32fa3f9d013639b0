/* request.c - the one ask-the-owner-then-commit lifecycle: checks, questions to
 * owners by handle, one deadline per request, commit, and exactly one completion. */
#include "model/request.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "util/macro.h"

typedef struct request_ask {
        const lwm2m_owner *owner;
        uint16_t oid, iid; /* the instance asked about */
        uint64_t id;
        bool answered;
} request_ask;

struct lwm2m_request {
        lwm2m_request *next;
        lwm2m_requests *q;
        lwm2m_request_spec spec; /* owns spec.records and spec.args */
        uint16_t iid;            /* CREATE: the ID chosen before the owner is asked */
        uint64_t serial;         /* lwm2m_ask.request of its questions */
        request_ask *asks;
        size_t n_asks;
        size_t outstanding; /* answers still to come, plus one while asking */
        int error;          /* the first refusal */
        char why[256];
        uint64_t deadline_ms;
        bool on_heap;
        /* Inside lwm2m_request_start: a request given up now (an owner that
         * removes the instance from its callback) is finished there. */
        bool planning;
};

struct lwm2m_requests {
        lwm2m_tree *tree;
        const lwm2m_registry *reg;
        lwm2m_request_timer timer;
        lwm2m_log log;
        unsigned timeout_ms;
        lwm2m_request *waiting; /* the one list of requests that wait for owners */
        size_t n_waiting;
        uint64_t next_ask_id;
        uint64_t next_serial;
        uint64_t armed_ms;
        lwm2m_access_template *templates; /* their entries follow them in the one block */
        size_t n_templates;
        lwm2m_stream *streams; /* streamed writes open */
};

struct lwm2m_stream {
        lwm2m_stream *next;
        lwm2m_requests *q;
        /* A copy: the owner record in the tree may go with its instance. */
        lwm2m_owner owner;
        lwm2m_path path;
        void *handle; /* the owner's */
        /* The instance went: the owner was told (abort), only freeing is left. */
        bool dead;
};

static const lwm2m_operation operation_of[_LWM2M_REQUEST_KIND_MAX] = {
        [LWM2M_REQUEST_READ] = LWM2M_OPERATION_READ,
        [LWM2M_REQUEST_WRITE] = LWM2M_OPERATION_WRITE,
        [LWM2M_REQUEST_CREATE] = LWM2M_OPERATION_CREATE,
        [LWM2M_REQUEST_DELETE] = LWM2M_OPERATION_DELETE,
        [LWM2M_REQUEST_EXECUTE] = LWM2M_OPERATION_EXECUTE,
};

static const char *const kind_names[_LWM2M_REQUEST_KIND_MAX] = {
        [LWM2M_REQUEST_READ] = "Read",       [LWM2M_REQUEST_WRITE] = "Write",
        [LWM2M_REQUEST_CREATE] = "Create",   [LWM2M_REQUEST_DELETE] = "Delete",
        [LWM2M_REQUEST_EXECUTE] = "Execute",
};

/* ---- the deadline ---- */

static void rearm(lwm2m_requests *q)
{
        uint64_t next = UINT64_MAX;
        for (lwm2m_request *r = q->waiting; r; r = r->next)
                if (r->deadline_ms < next)
                        next = r->deadline_ms;
        if (next != q->armed_ms && q->timer.arm) {
                q->armed_ms = next;
                lwm2m_tree_note_callout(q->tree);
                q->timer.arm(q->timer.userdata, next);
        }
}

static void unlink_request(lwm2m_request *r)
{
        lwm2m_requests *q = r->q;
        for (lwm2m_request **pp = &q->waiting; *pp; pp = &(*pp)->next)
                if (*pp == r) {
                        *pp = r->next;
                        q->n_waiting--;
                        break;
                }
}

/* ---- completion ---- */

static void refuse(lwm2m_request *r, int error)
{
        if (r->error == 0)
                r->error = error;
}

/* The instance and its Access Control instance, both or, as far as can be,
 * neither: for a server's Create one that makes the server its owner (Core TS
 * 7.3.1.2.2); for anyone else's but a bootstrap server's (which writes its own),
 * one from the object's template. */
static int commit_create(lwm2m_request *r)
{
        lwm2m_requests *q = r->q;
        lwm2m_request_spec *s = &r->spec;
        uint16_t oid = s->path.id[0];
        const void *tag = s->origin.tag;
        int err = lwm2m_tree_add_instance(q->tree, oid, r->iid, s->records.items, s->records.n,
                                          s->owner, tag, r->why, sizeof(r->why), &r->iid);
        if (err < 0 || s->origin.kind == LWM2M_ORIGIN_BOOTSTRAP)
                return err;
        if (s->origin.kind == LWM2M_ORIGIN_SERVER)
                /* The daemon's doing, not the server's (no tag). */
                err = lwm2m_access_grant_creator(q->tree, s->origin.short_id, oid, r->iid, NULL,
                                                 r->why, sizeof(r->why));
        else
                err = lwm2m_access_apply_template(q->tree, q->templates, q->n_templates, oid,
                                                  r->iid, r->why, sizeof(r->why));
        if (err < 0) {
                /* An instance nobody may manage is worse than none. */
                lwm2m_logf(&q->log, LOG_WARNING, "/%u/%u: no Access Control instance for it: %s",
                           oid, r->iid, r->why);
                lwm2m_tree_delete_instance(q->tree, oid, r->iid, tag);
                return err;
        }
        return 0;
}

static int commit(lwm2m_request *r)
{
        lwm2m_requests *q = r->q;
        lwm2m_request_spec *s = &r->spec;
        const lwm2m_path *p = &s->path;
        const void *tag = s->origin.tag;
        switch (s->kind) {
        case LWM2M_REQUEST_READ:
        case LWM2M_REQUEST_EXECUTE:
                return 0;
        case LWM2M_REQUEST_WRITE:
                /* Checked again: the tree may have changed while the owner thought. */
                return lwm2m_tree_write(q->tree, p, s->records.items, s->records.n, s->mode, tag,
                                        r->why, sizeof(r->why));
        case LWM2M_REQUEST_CREATE:
                return commit_create(r);
        case LWM2M_REQUEST_DELETE: {
                int err = lwm2m_tree_delete_instance(q->tree, p->id[0], p->id[1], tag);
                /* Core TS 7.3.1.2.2: the instance's Access Control goes with it. */
                if (err == 0 && s->origin.kind == LWM2M_ORIGIN_SERVER)
                        lwm2m_access_forget(q->tree, p->id[0], p->id[1], NULL);
                return err;
        }
        default:
                return -EINVAL;
        }
}

static void release(lwm2m_request *r)
{
        lwm2m_record_list_free(&r->spec.records);
        free((void *)r->spec.args);
        free(r->asks);
        if (r->on_heap)
                free(r);
}

/* The last answer is in (or the request was given up): commit if all agreed,
 * then the one call of `done`. */
static void finish(lwm2m_request *r)
{
        lwm2m_requests *q = r->q;
        unlink_request(r);
        rearm(q);
        if (r->error == 0)
                r->error = commit(r);
        lwm2m_request_result res = {.error = r->error, .why = r->why, .iid = r->iid};
        lwm2m_request_done_fn done = r->spec.done;
        void *userdata = r->spec.userdata;
        /* Freed first: `done` may start or cancel other requests. */
        lwm2m_record_list_free(&r->spec.records);
        done(userdata, &res);
        release(r);
}

/* Tells every owner still thinking that its answer is no longer wanted. */
static void withdraw_asks(lwm2m_request *r)
{
        for (size_t i = 0; i < r->n_asks; i++) {
                request_ask *a = &r->asks[i];
                if (a->answered)
                        continue;
                a->answered = true;
                if (a->owner->ops->cancel) {
                        lwm2m_tree_note_callout(r->q->tree);
                        a->owner->ops->cancel(
                                a->owner->userdata,
                                (lwm2m_ask){.requests = r->q, .id = a->id, .request = r->serial});
                }
        }
}

static void give_up(lwm2m_request *r, int error)
{
        withdraw_asks(r);
        r->error = error;
        if (!r->planning) {
                finish(r);
                return;
        }
        /* Off the list, so that the loops that give up requests do not find it again. */
        unlink_request(r);
        r->outstanding = 1;
}

void lwm2m_request_cancel(lwm2m_request *r)
{
        assert(r);
        lwm2m_diag(r->why, sizeof(r->why), "the request was cancelled");
        give_up(r, -ECANCELED);
}

/* ---- answers ---- */

static void owner_refused(lwm2m_request *r, const request_ask *a, int error)
{
        if (r->error == 0)
                lwm2m_diag(r->why, sizeof(r->why), "%s refused the %s",
                           a->owner->name ? a->owner->name : "the owner", kind_names[r->spec.kind]);
        refuse(r, error);
}

static lwm2m_request *find_ask(lwm2m_requests *q, uint64_t id, request_ask **out)
{
        for (lwm2m_request *r = q->waiting; r; r = r->next)
                for (size_t i = 0; i < r->n_asks; i++)
                        if (r->asks[i].id == id) {
                                *out = &r->asks[i];
                                return r;
                        }
        return NULL;
}

void lwm2m_ask_reply(lwm2m_ask ask, int error)
{
        lwm2m_requests *q = ask.requests;
        assert(q);
        request_ask *a = NULL;
        lwm2m_request *r = find_ask(q, ask.id, &a);
        if (!r || a->answered) {
                lwm2m_logf(&q->log, LOG_DEBUG, "an owner answered a question no longer asked");
                return;
        }
        a->answered = true;
        if (error < 0)
                owner_refused(r, a, error);
        if (--r->outstanding == 0)
                finish(r);
}

/* Puts the question to one owner; its answer may come before this returns. */
static void ask_owner(lwm2m_request *r, const lwm2m_owner *o, const lwm2m_path *base,
                      const lwm2m_record *recs, size_t n)
{
        if (r->error < 0)
                return; /* refused or given up already: nobody else is asked */
        lwm2m_requests *q = r->q;
        request_ask *a = &r->asks[r->n_asks++];
        *a = (request_ask){
                .owner = o, .oid = base->id[0], .iid = base->id[1], .id = ++q->next_ask_id};
        lwm2m_ask ask = {.requests = q, .id = a->id, .request = r->serial};
        const lwm2m_request_spec *s = &r->spec;
        const lwm2m_owner_ops *ops = o->ops;
        r->outstanding++;
        if (s->kind != LWM2M_REQUEST_READ || !ops->refresh_stays_local)
                lwm2m_tree_note_callout(q->tree);
        int err;
        switch (s->kind) {
        case LWM2M_REQUEST_READ:
                err = ops->refresh(o->userdata, base, ask);
                break;
        case LWM2M_REQUEST_WRITE:
                err = ops->write(o->userdata, base, recs, n, s->mode, ask);
                break;
        case LWM2M_REQUEST_CREATE:
                err = ops->create(o->userdata, base, recs, n, ask);
                break;
        case LWM2M_REQUEST_DELETE:
                err = ops->remove(o->userdata, base, ask);
                break;
        case LWM2M_REQUEST_EXECUTE:
                err = ops->execute(o->userdata, base, s->args, s->args_len, ask);
                break;
        default:
                err = -EINVAL;
                break;
        }
        if (err < 0) {
                /* Refused at once: it will not answer. */
                a->answered = true;
                r->outstanding--;
                owner_refused(r, a, err);
        }
}

/* ---- checks and questions, by kind ---- */

static bool asks_owner(const lwm2m_request_spec *s)
{
        return s->origin.kind != LWM2M_ORIGIN_OWNER && s->origin.kind != LWM2M_ORIGIN_DAEMON;
}

static const lwm2m_owner *instance_owner(lwm2m_requests *q, uint16_t oid, uint16_t iid)
{
        return lwm2m_tree_get_owner(q->tree, oid, iid);
}

static bool has_write(const lwm2m_owner *o)
{
        return o && o->ops && o->ops->write;
}

/* A write's owners, one question per instance touched (Write-Composite spans several). */
static int plan_write(lwm2m_request *r, bool ask)
{
        lwm2m_request_spec *s = &r->spec;
        lwm2m_requests *q = r->q;
        for (size_t i = 0; i < s->records.n; i++) {
                const lwm2m_path *rp = &s->records.items[i].path;
                if (!lwm2m_path_starts_with(rp, &s->path)) {
                        lwm2m_diag(r->why, sizeof(r->why),
                                   "a record lies outside the written path");
                        return -EBADMSG;
                }
                int err = lwm2m_policy_check(q->tree, &s->origin, LWM2M_OPERATION_WRITE, rp, r->why,
                                             sizeof(r->why));
                if (err < 0)
                        return err;
        }
        if (!ask)
                return 0;
        int err = lwm2m_tree_check_write(q->tree, &s->path, s->records.items, s->records.n, s->mode,
                                         r->why, sizeof(r->why));
        if (err < 0)
                return err;
        if (s->path.len >= LWM2M_PATH_INSTANCE) {
                const lwm2m_owner *o = instance_owner(q, s->path.id[0], s->path.id[1]);
                if (has_write(o)) {
                        r->asks = calloc(1, sizeof(*r->asks));
                        if (!r->asks)
                                return -ENOMEM;
                        ask_owner(r, o, &s->path, s->records.items, s->records.n);
                }
                return 0;
        }
        lwm2m_record_list_sort(&s->records);
        r->asks = calloc(s->records.n, sizeof(*r->asks));
        if (s->records.n && !r->asks)
                return -ENOMEM;
        for (size_t i = 0; i < s->records.n;) {
                const lwm2m_record *first = &s->records.items[i];
                size_t j = i;
                while (j < s->records.n && s->records.items[j].path.id[0] == first->path.id[0] &&
                       s->records.items[j].path.id[1] == first->path.id[1])
                        j++;
                const lwm2m_owner *o = instance_owner(q, first->path.id[0], first->path.id[1]);
                if (has_write(o)) {
                        lwm2m_path ip = lwm2m_path_truncate(&first->path, LWM2M_PATH_INSTANCE);
                        ask_owner(r, o, &ip, first, j - i);
                }
                i = j;
        }
        return 0;
}

static int plan_create(lwm2m_request *r)
{
        lwm2m_request_spec *s = &r->spec;
        lwm2m_requests *q = r->q;
        uint16_t oid = s->path.id[0];
        if (!lwm2m_registry_find(q->reg, oid)) {
                lwm2m_diag(r->why, sizeof(r->why), "object %u is not defined", oid);
                return -ENOENT;
        }
        r->iid = s->path.len >= LWM2M_PATH_INSTANCE ? s->path.id[1]
                                                    : lwm2m_tree_free_instance_id(q->tree, oid);
        if (r->iid == LWM2M_ID_INVALID) {
                lwm2m_diag(r->why, sizeof(r->why), "object %u has no free instance ID", oid);
                return -ENOSPC;
        }
        for (size_t i = 0; i < s->records.n; i++)
                s->records.items[i].path.id[1] = r->iid;
        const lwm2m_owner *o = s->owner ? NULL : lwm2m_tree_get_object_owner(q->tree, oid);
        if (!asks_owner(s) || !o || !o->ops || !o->ops->create)
                return 0; /* the commit checks */
        /* The owner is asked only about an instance that would be made. */
        int err = lwm2m_tree_check_add_instance(q->tree, oid, r->iid, s->records.items,
                                                s->records.n, r->why, sizeof(r->why));
        if (err < 0)
                return err;
        r->asks = calloc(1, sizeof(*r->asks));
        if (!r->asks)
                return -ENOMEM;
        lwm2m_path ip = lwm2m_path_instance(oid, r->iid);
        ask_owner(r, o, &ip, s->records.items, s->records.n);
        return 0;
}

/* Read, Delete and Execute: one instance, one owner, one question at most. */
static int plan_single(lwm2m_request *r)
{
        lwm2m_request_spec *s = &r->spec;
        lwm2m_requests *q = r->q;
        if (s->path.len < LWM2M_PATH_INSTANCE)
                return 0;
        const lwm2m_owner *o = instance_owner(q, s->path.id[0], s->path.id[1]);
        const lwm2m_owner_ops *ops = o ? o->ops : NULL;
        bool wanted;
        if (s->kind == LWM2M_REQUEST_EXECUTE) {
                if (!ops || !ops->execute) {
                        lwm2m_diag(r->why, sizeof(r->why),
                                   "nobody stands behind the instance to execute it");
                        return -EPERM;
                }
                wanted = true; /* executing is the owner's business, whoever asks */
        } else if (s->kind == LWM2M_REQUEST_READ) {
                /* A value that does not change by itself is read from the tree:
                 * no question, no allocation. */
                wanted = asks_owner(s) && lwm2m_owner_refreshes(o, &s->path);
        } else {
                wanted = asks_owner(s) && ops && ops->remove;
        }
        if (!wanted)
                return 0;
        r->asks = calloc(1, sizeof(*r->asks));
        if (!r->asks)
                return -ENOMEM;
        ask_owner(r, o, &s->path, NULL, 0);
        return 0;
}

/* Whether the origin may read `p`, an existing instance, resource or resource instance. */
static bool readable(lwm2m_request *r, const lwm2m_path *p)
{
        lwm2m_requests *q = r->q;
        return p->len >= LWM2M_PATH_INSTANCE && lwm2m_tree_path_exists(q->tree, p, true) == 0 &&
               lwm2m_policy_check(q->tree, &r->spec.origin, LWM2M_OPERATION_READ, p, NULL, 0) == 0;
}

/* A Read-Composite (or an Observe-Composite's sample): one question per listed
 * path that its owner refreshes, not one per instance, since `refresh` takes
 * one path; an owner asked several times in one request sees the same
 * lwm2m_ask.request and reads each source once. Paths that do not exist or may
 * not be read ask nobody: the caller's readout leaves them out or refuses. */
static int plan_read_composite(lwm2m_request *r)
{
        lwm2m_request_spec *s = &r->spec;
        lwm2m_requests *q = r->q;
        if (!asks_owner(s))
                return 0;
        size_t wanted = 0;
        for (size_t i = 0; i < s->records.n; i++) {
                const lwm2m_path *p = &s->records.items[i].path;
                if (readable(r, p) &&
                    lwm2m_owner_refreshes(instance_owner(q, p->id[0], p->id[1]), p))
                        wanted++;
        }
        if (wanted == 0)
                return 0;
        r->asks = calloc(wanted, sizeof(*r->asks));
        if (!r->asks)
                return -ENOMEM;
        /* Asked again rather than remembered: an owner answering at once may
         * have changed the tree under the next path. At most `wanted` asks. */
        for (size_t i = 0; i < s->records.n && r->n_asks < wanted; i++) {
                const lwm2m_path *p = &s->records.items[i].path;
                const lwm2m_owner *o =
                        readable(r, p) ? instance_owner(q, p->id[0], p->id[1]) : NULL;
                if (lwm2m_owner_refreshes(o, p))
                        ask_owner(r, o, p, NULL, 0);
        }
        return 0;
}

static bool is_read_composite(const lwm2m_request_spec *s)
{
        return s->kind == LWM2M_REQUEST_READ && s->path.len == LWM2M_PATH_ROOT;
}

static int check_target(lwm2m_request *r)
{
        lwm2m_request_spec *s = &r->spec;
        lwm2m_requests *q = r->q;
        /* Write- and Read-Composite name the root: the planning checks each record's path. */
        if ((s->kind == LWM2M_REQUEST_WRITE && s->path.len == LWM2M_PATH_ROOT) ||
            is_read_composite(s))
                return 0;
        int err = lwm2m_policy_check(q->tree, &s->origin, operation_of[s->kind], &s->path, r->why,
                                     sizeof(r->why));
        if (err < 0 || s->kind == LWM2M_REQUEST_CREATE)
                return err;
        if (s->kind == LWM2M_REQUEST_DELETE && s->path.len != LWM2M_PATH_INSTANCE)
                return -EINVAL;
        err = lwm2m_tree_path_exists(q->tree, &s->path, true);
        if (err < 0) {
                char ps[LWM2M_PATH_STRLEN];
                lwm2m_path_format(&s->path, ps, sizeof(ps));
                lwm2m_diag(r->why, sizeof(r->why), "%s does not exist", ps);
        }
        return err;
}

static void link_request(lwm2m_request *r)
{
        lwm2m_requests *q = r->q;
        r->next = q->waiting;
        q->waiting = r;
        q->n_waiting++;
}

lwm2m_request *lwm2m_request_start(lwm2m_requests *q, lwm2m_request_spec *spec)
{
        assert(q && spec && spec->done);
        assert(spec->kind < _LWM2M_REQUEST_KIND_MAX);
        /* Planned on the stack (the list finds it by the handles owners answer
         * with), moved to the heap only when an answer is still to come. */
        lwm2m_request local = {.q = q, .spec = *spec, .outstanding = 1, .serial = ++q->next_serial};
        spec->records = (lwm2m_record_list){0};
        local.spec.args = NULL;
        local.deadline_ms =
                q->timer.now_ms ? q->timer.now_ms(q->timer.userdata) + q->timeout_ms : UINT64_MAX;
        if (spec->args_len > 0) {
                void *copy = malloc(spec->args_len);
                if (copy)
                        memcpy(copy, spec->args, spec->args_len);
                else
                        local.error = -ENOMEM;
                local.spec.args = copy;
        }
        local.planning = true;
        link_request(&local);
        if (local.error == 0)
                local.error = check_target(&local);
        if (local.error == 0) {
                int err;
                if (local.spec.kind == LWM2M_REQUEST_WRITE)
                        err = plan_write(&local, asks_owner(&local.spec));
                else if (local.spec.kind == LWM2M_REQUEST_CREATE)
                        err = plan_create(&local);
                else if (is_read_composite(&local.spec))
                        err = plan_read_composite(&local);
                else
                        err = plan_single(&local);
                if (err < 0) {
                        withdraw_asks(&local);
                        refuse(&local, err);
                }
        }
        local.planning = false;
        if (--local.outstanding == 0) {
                finish(&local);
                return NULL;
        }
        lwm2m_request *r = malloc(sizeof(*r));
        if (!r) {
                lwm2m_diag(local.why, sizeof(local.why), "out of memory");
                give_up(&local, -ENOMEM);
                return NULL;
        }
        unlink_request(&local);
        *r = local;
        r->on_heap = true;
        link_request(r);
        rearm(q);
        return r;
}

/* ---- the set ---- */

/* Whether the request waits on the instance /oid/iid: it names it, or asked
 * its owner (a Write-Composite spans several instances). */
static bool waits_on(const lwm2m_request *r, uint16_t oid, uint16_t iid)
{
        const lwm2m_path *p = &r->spec.path;
        if (r->spec.kind == LWM2M_REQUEST_CREATE)
                return false;
        if (p->len >= LWM2M_PATH_INSTANCE && p->id[0] == oid && p->id[1] == iid)
                return true;
        for (size_t i = 0; i < r->n_asks; i++)
                if (r->asks[i].oid == oid && r->asks[i].iid == iid)
                        return true;
        return false;
}

static void streams_instance_removed(lwm2m_requests *q, uint16_t oid, uint16_t iid);

static void on_tree_change(void *userdata, const lwm2m_change *c)
{
        lwm2m_requests *q = userdata;
        lwm2m_access_follow_change(q->tree, c);
        if (c->kind != LWM2M_CHANGE_INSTANCE_REMOVED)
                return;
        /* From the start after each: ending one may end or start others. */
        uint16_t oid = c->instance.id[0], iid = c->instance.id[1];
        streams_instance_removed(q, oid, iid);
        for (lwm2m_request *r = q->waiting; r;) {
                if (waits_on(r, oid, iid)) {
                        lwm2m_diag(r->why, sizeof(r->why),
                                   "/%u/%u was removed while its owner was asked", oid, iid);
                        give_up(r, -ENOENT);
                        r = q->waiting;
                } else {
                        r = r->next;
                }
        }
}

lwm2m_requests *lwm2m_requests_new(lwm2m_tree *tree, const lwm2m_request_timer *timer,
                                   const lwm2m_log *log, unsigned timeout_ms)
{
        assert(tree);
        lwm2m_requests *q = calloc(1, sizeof(*q));
        if (!q)
                return NULL;
        q->tree = tree;
        q->reg = lwm2m_tree_registry(tree);
        if (timer)
                q->timer = *timer;
        if (log)
                q->log = *log;
        q->timeout_ms = timeout_ms ? timeout_ms : LWM2M_REQUEST_TIMEOUT_MS;
        q->armed_ms = UINT64_MAX;
        if (lwm2m_tree_add_quiet_listener(tree, on_tree_change, q) < 0) {
                free(q);
                return NULL;
        }
        return q;
}

void lwm2m_requests_cancel_group(lwm2m_requests *q, const void *group)
{
        assert(q);
        for (lwm2m_request *r = q->waiting; r;) {
                if (r->spec.group == group) {
                        lwm2m_request_cancel(r);
                        r = q->waiting;
                } else {
                        r = r->next;
                }
        }
}

void lwm2m_requests_free(lwm2m_requests *q)
{
        if (!q)
                return;
        while (q->waiting)
                lwm2m_request_cancel(q->waiting);
        while (q->streams)
                lwm2m_stream_abort(q->streams);
        lwm2m_tree_remove_listener(q->tree, on_tree_change, q);
        free(q->templates);
        free(q);
}

int lwm2m_requests_set_access_templates(lwm2m_requests *q, const lwm2m_access_template *tpl,
                                        size_t n)
{
        assert(q && (tpl || n == 0));
        size_t entries = 0;
        for (size_t i = 0; i < n; i++)
                entries += tpl[i].n_acl;
        lwm2m_access_template *copy = NULL;
        if (n > 0) {
                copy = malloc(n * sizeof(*copy) + entries * sizeof(lwm2m_acl_entry));
                if (!copy)
                        return -ENOMEM;
                lwm2m_acl_entry *acl = (lwm2m_acl_entry *)(copy + n);
                for (size_t i = 0; i < n; i++) {
                        copy[i] = tpl[i];
                        copy[i].acl = acl;
                        if (tpl[i].n_acl)
                                memcpy(acl, tpl[i].acl, tpl[i].n_acl * sizeof(*acl));
                        acl += tpl[i].n_acl;
                }
        }
        free(q->templates);
        q->templates = copy;
        q->n_templates = n;
        return 0;
}

int lwm2m_requests_apply_access_templates(lwm2m_requests *q)
{
        assert(q);
        char why[256] = "";
        int r = lwm2m_access_apply_templates(q->tree, q->templates, q->n_templates, why,
                                             sizeof(why));
        if (r < 0)
                lwm2m_logf(&q->log, LOG_WARNING,
                           "cannot make the Access Control instances of the templates: %s",
                           why[0] ? why : strerror(-r));
        return r;
}

void lwm2m_requests_expire(lwm2m_requests *q)
{
        assert(q);
        uint64_t now = q->timer.now_ms ? q->timer.now_ms(q->timer.userdata) : 0;
        for (lwm2m_request *r = q->waiting; r;) {
                if (r->deadline_ms <= now) {
                        lwm2m_logf(&q->log, LOG_WARNING,
                                   "an owner did not answer a %s within %u ms",
                                   kind_names[r->spec.kind], q->timeout_ms);
                        lwm2m_diag(r->why, sizeof(r->why), "the owner did not answer within %u ms",
                                   q->timeout_ms);
                        give_up(r, -ETIMEDOUT);
                        r = q->waiting;
                } else {
                        r = r->next;
                }
        }
        q->armed_ms = 0; /* the timer fired: arm it again whatever comes next */
        rearm(q);
}

size_t lwm2m_requests_waiting(const lwm2m_requests *q)
{
        assert(q);
        return q->n_waiting;
}

typedef struct run_result {
        int error;
        char *why;
        size_t why_size;
} run_result;

static void on_run_done(void *userdata, const lwm2m_request_result *res)
{
        run_result *rr = userdata;
        rr->error = res->error;
        if (rr->why)
                lwm2m_diag(rr->why, rr->why_size, "%s", res->why ? res->why : "");
}

int lwm2m_request_run(lwm2m_requests *q, lwm2m_request_spec *spec, char *why, size_t why_size)
{
        assert(q && spec);
        run_result rr = {.why = why, .why_size = why_size};
        spec->done = on_run_done;
        spec->userdata = &rr;
        lwm2m_request *waiting = lwm2m_request_start(q, spec);
        if (waiting) {
                lwm2m_request_cancel(waiting);
                lwm2m_diag(why, why_size, "the owner cannot answer at once");
                return -EWOULDBLOCK;
        }
        return rr.error;
}

/* ---- streamed writes ---- */

static const lwm2m_resource_def *stream_resource(const lwm2m_requests *q, const lwm2m_path *path)
{
        if (path->len != LWM2M_PATH_RESOURCE)
                return NULL;
        const lwm2m_object_def *obj = lwm2m_registry_find(q->reg, path->id[0]);
        return obj ? lwm2m_object_def_find_resource(obj, path->id[2]) : NULL;
}

static const lwm2m_stream_ops *stream_ops_of(const lwm2m_owner *o)
{
        return o && o->ops ? o->ops->stream : NULL;
}

bool lwm2m_stream_supported(const lwm2m_requests *q, const lwm2m_path *path)
{
        assert(q && path);
        const lwm2m_resource_def *res = stream_resource(q, path);
        if (!res || res->type != LWM2M_TYPE_OPAQUE || res->multiple)
                return false;
        return stream_ops_of(lwm2m_tree_get_owner(q->tree, path->id[0], path->id[1])) != NULL;
}

/* Checks as a Write of the one resource would: refuses with a sentence in `why`. */
static int stream_check(lwm2m_requests *q, const lwm2m_origin *origin, const lwm2m_path *path,
                        const lwm2m_owner **owner, char *why, size_t why_size)
{
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(path, ps, sizeof(ps));
        if (path->len != LWM2M_PATH_RESOURCE) {
                lwm2m_diag(why, why_size, "%s is not a resource: only one can be streamed", ps);
                return -EINVAL;
        }
        int err = lwm2m_policy_check(q->tree, origin, LWM2M_OPERATION_WRITE, path, why, why_size);
        if (err < 0)
                return err;
        const lwm2m_resource_def *res = stream_resource(q, path);
        if (!res) {
                lwm2m_diag(why, why_size, "%s is not defined", ps);
                return -ENOENT;
        }
        if (!(res->operations & LWM2M_OP_WRITE)) {
                lwm2m_diag(why, why_size, "%s is not writable", ps);
                return -EPERM;
        }
        if (res->type != LWM2M_TYPE_OPAQUE || res->multiple) {
                lwm2m_diag(why, why_size,
                           "%s is not a single opaque resource: it cannot be streamed", ps);
                return -EINVAL;
        }
        if (!lwm2m_tree_has_instance(q->tree, path->id[0], path->id[1])) {
                lwm2m_diag(why, why_size, "/%u/%u does not exist", path->id[0], path->id[1]);
                return -ENOENT;
        }
        *owner = lwm2m_tree_get_owner(q->tree, path->id[0], path->id[1]);
        const lwm2m_stream_ops *ops = stream_ops_of(*owner);
        if (!ops || !ops->open || !ops->write || !ops->finish || !ops->abort) {
                lwm2m_diag(why, why_size, "nobody takes %s piece by piece", ps);
                return -EOPNOTSUPP;
        }
        return 0;
}

lwm2m_stream *lwm2m_stream_open(lwm2m_requests *q, const lwm2m_origin *origin,
                                const lwm2m_path *path, uint64_t size, int *error, char *why,
                                size_t why_size)
{
        assert(q && origin && path && error);
        const lwm2m_owner *owner = NULL;
        *error = stream_check(q, origin, path, &owner, why, why_size);
        if (*error < 0)
                return NULL;
        lwm2m_stream *s = calloc(1, sizeof(*s));
        if (!s) {
                lwm2m_diag(why, why_size, "out of memory");
                *error = -ENOMEM;
                return NULL;
        }
        *s = (lwm2m_stream){.q = q, .owner = *owner, .path = *path};
        uint16_t short_id = origin->kind == LWM2M_ORIGIN_SERVER ? origin->short_id : 0;
        lwm2m_tree_note_callout(q->tree);
        int r = s->owner.ops->stream->open(s->owner.userdata, path, short_id, size, &s->handle);
        if (r < 0) {
                char ps[LWM2M_PATH_STRLEN];
                lwm2m_path_format(path, ps, sizeof(ps));
                lwm2m_diag(why, why_size, "the owner of %s refused the write: %s", ps,
                           strerror(-r));
                free(s);
                *error = r;
                return NULL;
        }
        s->next = q->streams;
        q->streams = s;
        *error = 0;
        return s;
}

int lwm2m_stream_write(lwm2m_stream *s, uint64_t offset, const uint8_t *bytes, size_t len)
{
        assert(s && (bytes || len == 0));
        if (s->dead)
                return -ENOENT;
        lwm2m_tree_note_callout(s->q->tree);
        return s->owner.ops->stream->write(s->owner.userdata, s->handle, offset, bytes, len);
}

static void stream_unlink_free(lwm2m_stream *s)
{
        for (lwm2m_stream **pp = &s->q->streams; *pp; pp = &(*pp)->next)
                if (*pp == s) {
                        *pp = s->next;
                        break;
                }
        free(s);
}

int lwm2m_stream_finish(lwm2m_stream *s, uint64_t size)
{
        assert(s);
        lwm2m_tree_note_callout(s->q->tree);
        int r = s->dead ? -ENOENT
                        : s->owner.ops->stream->finish(s->owner.userdata, s->handle, size);
        stream_unlink_free(s);
        return r;
}

void lwm2m_stream_abort(lwm2m_stream *s)
{
        if (!s)
                return;
        lwm2m_tree_note_callout(s->q->tree);
        if (!s->dead)
                s->owner.ops->stream->abort(s->owner.userdata, s->handle);
        stream_unlink_free(s);
}

static void streams_instance_removed(lwm2m_requests *q, uint16_t oid, uint16_t iid)
{
        for (lwm2m_stream *s = q->streams; s; s = s->next)
                if (!s->dead && s->path.id[0] == oid && s->path.id[1] == iid) {
                        s->dead = true;
                        lwm2m_tree_note_callout(q->tree);
                        s->owner.ops->stream->abort(s->owner.userdata, s->handle);
                        lwm2m_logf(&q->log, LOG_WARNING,
                                   "/%u/%u was removed during a streamed write of it", oid, iid);
                }
}
