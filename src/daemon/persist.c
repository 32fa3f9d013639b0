/* persist.c - the daemon's persistent state at work: loaded at start-up over the configuration,
 * written once per event-loop turn after changes, cleared by Factory Reset (docs/persistence.md).
 */
#include "daemon/persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/log.h"
#include "model/access.h"
#include "model/policy.h"
#include "store/file.h"
#include "store/state.h"
#include "util/buf.h"
#include "util/macro.h"

/* After a failed write: the first retry, and the longest wait between two. */
#define RETRY_FIRST_USEC (1000 * 1000ull)
#define RETRY_MAX_USEC   (300 * 1000 * 1000ull)

struct persist {
        char *dir;
        store_state loaded;
        bool have_loaded;
        sd_event *event;
        lwm2m_tree *tree;
        lwm2m_engine *engine;
        sd_event_source *flush; /* defer source, on while dirty */
        sd_event_source *retry; /* back-off after a failed write */
        uint64_t retry_usec;    /* the next back-off; 0 after a success */
        bool dirty;
        bool cleared; /* Factory Reset: nothing more is written */
};

persist *persist_new(const char *dir)
{
        persist *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->dir = strdup(dir);
        if (!p->dir) {
                free(p);
                return NULL;
        }
        return p;
}

static int write_now(persist *p)
{
        _cleanup_(lwm2m_buf_free) lwm2m_buf buf = {0};
        int r = store_state_encode(p->tree, lwm2m_engine_attributes(p->engine), &buf);
        if (r >= 0)
                r = store_dir_ensure(p->dir);
        if (r >= 0)
                r = store_file_replace(p->dir, STORE_FILE_NAME, buf.data, buf.len);
        if (r >= 0)
                log_debug("state written to %s/%s (%zu bytes)", p->dir, STORE_FILE_NAME, buf.len);
        /* The encoding holds the secrets too. */
        if (buf.data)
                explicit_bzero(buf.data, buf.cap);
        return r;
}

static void flush(persist *p)
{
        if (!p->dirty || p->cleared)
                return;
        int r = write_now(p);
        if (r >= 0) {
                p->dirty = false;
                if (p->retry_usec)
                        log_notice("state written to %s/%s again", p->dir, STORE_FILE_NAME);
                p->retry_usec = 0;
                if (p->retry)
                        sd_event_source_set_enabled(p->retry, SD_EVENT_OFF);
                return;
        }
        /* Still dirty: the next change tries again, and so does the back-off timer. */
        p->retry_usec = p->retry_usec ? p->retry_usec * 2 : RETRY_FIRST_USEC;
        if (p->retry_usec > RETRY_MAX_USEC)
                p->retry_usec = RETRY_MAX_USEC;
        log_error("cannot write the state file %s/%s: %s; the previous one is kept, "
                  "trying again in %llu s or at the next change",
                  p->dir, STORE_FILE_NAME, strerror(-r),
                  (unsigned long long)(p->retry_usec / 1000000u));
        if (p->retry) {
                sd_event_source_set_time_relative(p->retry, p->retry_usec);
                sd_event_source_set_enabled(p->retry, SD_EVENT_ONESHOT);
        }
}

void persist_flush_now(persist *p)
{
        if (!p || !p->dirty)
                return;
        flush(p);
        if (!p->dirty && p->flush)
                sd_event_source_set_enabled(p->flush, SD_EVENT_OFF);
}

static int on_flush(sd_event_source *s, void *userdata)
{
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
        flush(userdata);
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        flush(userdata);
        return 0;
}

static void mark_dirty(persist *p)
{
        if (p->cleared)
                return;
        p->dirty = true;
        /* Runs in a later turn of the loop than the change: a burst is one write. */
        if (p->flush) {
                sd_event_source_set_enabled(p->flush, SD_EVENT_ONESHOT);
                lwm2m_tree_note_callout(p->tree);
        }
}

static void on_tree_change(void *userdata, const lwm2m_change *c)
{
        /* Access Control instances made from a template are not written. */
        if (lwm2m_policy_is_provisioned(c->instance.id[0]) && !lwm2m_access_change_from_template(c))
                mark_dirty(userdata);
}

void persist_attributes_changed(persist *p)
{
        mark_dirty(p);
}

int persist_start(persist *p, sd_event *event, lwm2m_tree *t, lwm2m_engine *e)
{
        p->event = sd_event_ref(event);
        p->tree = t;
        p->engine = e;
        int r = sd_event_add_defer(event, &p->flush, on_flush, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->flush, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &p->retry, CLOCK_MONOTONIC, RETRY_FIRST_USEC,
                                               0, on_retry, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->retry, SD_EVENT_OFF);
        if (r >= 0)
                r = lwm2m_tree_add_quiet_listener(t, on_tree_change, p);
        if (r < 0)
                return r;
        if (p->dirty)
                mark_dirty(p);
        return 0;
}

void persist_free(persist *p)
{
        if (!p)
                return;
        if (p->tree) {
                flush(p);
                lwm2m_tree_remove_listener(p->tree, on_tree_change, p);
        }
        sd_event_source_disable_unref(p->flush);
        sd_event_source_disable_unref(p->retry);
        sd_event_unref(p->event);
        store_state_clear(&p->loaded);
        free(p->dir);
        free(p);
}

/* A file that cannot be used goes aside, for a person to look at. */
static void move_aside(persist *p, const char *problem)
{
        char aside[64];
        snprintf(aside, sizeof(aside), "%s.corrupt-%lld", STORE_FILE_NAME, (long long)time(NULL));
        int r = store_file_move(p->dir, STORE_FILE_NAME, aside);
        if (r < 0)
                log_error("state file %s/%s is unusable (%s), and cannot be moved aside: %s; "
                          "starting from the configuration",
                          p->dir, STORE_FILE_NAME, problem, strerror(-r));
        else
                log_error("state file %s/%s is unusable (%s); moved aside to %s/%s, starting "
                          "from the configuration",
                          p->dir, STORE_FILE_NAME, problem, p->dir, aside);
}

int persist_load(persist *p, lwm2m_tree *t)
{
        int r = store_dir_ensure(p->dir);
        if (r < 0)
                log_error("cannot create the state directory %s: %s; state will not be kept",
                          p->dir, strerror(-r));
        int stale = store_file_remove_stale(p->dir, STORE_FILE_NAME);
        if (stale > 0)
                log_notice("removed %d temporary state file(s) left in %s by an interrupted write",
                           stale, p->dir);
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", p->dir, STORE_FILE_NAME);
        _cleanup_free_ uint8_t *data = NULL;
        size_t len = 0;
        r = store_file_read(path, STORE_STATE_MAX_BYTES, &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG || r == -EINVAL) {
                move_aside(p, r == -EFBIG ? "too large" : "not a regular file");
                return 0;
        }
        if (r < 0) {
                log_error("not starting: cannot read the state file %s: %s", path, strerror(-r));
                return r;
        }
        char why[256] = "";
        r = store_state_decode(data, len, &p->loaded, why, sizeof(why));
        explicit_bzero(data, len);
        if (r == -EPROTONOSUPPORT) {
                log_error("not starting: state file %s: %s; it is left untouched (remove it to "
                          "start from the configuration)",
                          path, why);
                return r;
        }
        if (r == -ENOMEM)
                return r;
        size_t skipped = 0;
        if (r >= 0)
                r = store_state_apply(&p->loaded, t, NULL, &skipped, why, sizeof(why));
        if (r < 0) {
                store_state_clear(&p->loaded);
                move_aside(p, why);
                return 0;
        }
        p->have_loaded = true;
        log_notice("state loaded from %s (%zu instances, %zu attribute entries); the "
                   "configuration's servers are not provisioned",
                   path, p->loaded.n_instances - skipped, lwm2m_attributes_count(p->loaded.attrs));
        if (skipped)
                log_warning("state file %s: %zu instances of objects without a definition were "
                            "skipped",
                            path, skipped);
        return 1;
}

const lwm2m_attributes *persist_loaded_attributes(const persist *p)
{
        return p->have_loaded ? p->loaded.attrs : NULL;
}

int persist_clear(persist *p)
{
        p->cleared = true;
        p->dirty = false;
        int r = store_file_remove(p->dir, STORE_FILE_NAME);
        if (r < 0)
                log_error("factory reset: cannot remove the state file %s/%s: %s", p->dir,
                          STORE_FILE_NAME, strerror(-r));
        else
                log_notice("factory reset: state file %s/%s removed; no state is written until "
                           "the daemon starts again",
                           p->dir, STORE_FILE_NAME);
        return r;
}
