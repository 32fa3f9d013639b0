/* ddf.c - the OMA object definition (DDF XML) loader: files and directories of them into
 * the registry, a later directory's definition overriding an earlier one's. */
#include "model/ddf.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/ddf_build.h"
#include "model/ddf_parse.h"
#include "util/diag.h"
#include "util/macro.h"

/* Moves a parsed file's definitions into the registry. */
static int add_parsed(lwm2m_registry *reg, ddf_parser *parser)
{
        ddf_builder *p = ddf_parser_result(parser);
        int added = 0;

        for (size_t i = 0; i < p->n_defs; i++) {
                lwm2m_object_def *replaced = NULL;
                int r = lwm2m_registry_add(reg, p->defs[i], &replaced);
                if (r < 0)
                        return r;
                lwm2m_object_def *def = TAKE_PTR(p->defs[i]);
                if (replaced) {
                        ddf_emit(&p->rep, LWM2M_DIAG_NOTICE, p->defs_at[i].line,
                                 p->defs_at[i].column,
                                 "object %u (%s) overrides definition from %s", (unsigned)def->id,
                                 def->name, replaced->source);
                        lwm2m_object_def_free(replaced);
                }
                added++;
        }
        return added;
}

int ddf_load_buffer(lwm2m_registry *reg, const char *name, const void *data, size_t len,
                    lwm2m_diag_fn diag, void *userdata)
{
        _cleanup_(ddf_parser_freep) ddf_parser *p = NULL;

        if (!reg || !name || (!data && len > 0))
                return -EINVAL;
        int r = ddf_parse_buffer(name, data ? data : "", len, diag, userdata, &p);
        if (r < 0)
                return r;
        return add_parsed(reg, p);
}

int ddf_load_file(lwm2m_registry *reg, const char *path, lwm2m_diag_fn diag, void *userdata)
{
        _cleanup_(ddf_parser_freep) ddf_parser *p = NULL;

        if (!reg || !path)
                return -EINVAL;
        int r = ddf_parse_file(path, diag, userdata, &p);
        if (r < 0)
                return r;
        return add_parsed(reg, p);
}

/* Counts warnings on their way to the caller's callback. */
typedef struct counting_diag {
        lwm2m_diag_fn diag;
        void *userdata;
        unsigned warnings;
} counting_diag;

static void count_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                       unsigned column, const char *message)
{
        counting_diag *c = userdata;

        if (level == LWM2M_DIAG_WARNING)
                c->warnings++;
        if (c->diag)
                c->diag(c->userdata, level, file, line, column, message);
}

_printf_(5, 6) static void counted(counting_diag *c, lwm2m_diag_level level, const char *file,
                                   unsigned line, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        count_diag(c, level, file, line, 0, msg);
}

static int select_xml(const struct dirent *d)
{
        size_t len = strlen(d->d_name);

        return d->d_name[0] != '.' && len > 4 && strcmp(d->d_name + len - 4, ".xml") == 0;
}

/* Byte order, not the locale's collation: the same files load the same way
 * on every gateway. */
static int compare_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int compare_versions(const char *a, const char *b)
{
        unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;

        ddf_parse_version(a, &amaj, &amin);
        ddf_parse_version(b, &bmaj, &bmin);
        if (amaj != bmaj)
                return amaj < bmaj ? -1 : 1;
        return amin < bmin ? -1 : (amin > bmin);
}

/* One directory's definitions, sorted by ID, before they go into the registry. */
typedef struct dir_defs {
        lwm2m_object_def **defs;
        size_t n;
        size_t cap;
} dir_defs;

static size_t dir_defs_search(const dir_defs *d, uint16_t id, bool *found)
{
        size_t lo = 0, hi = d->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (d->defs[mid]->id == id) {
                        *found = true;
                        return mid;
                }
                if (d->defs[mid]->id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void dir_defs_clear(dir_defs *d)
{
        for (size_t i = 0; i < d->n; i++)
                lwm2m_object_def_free(d->defs[i]);
        free(d->defs);
        *d = (dir_defs){0};
}

/* Adds a definition to one directory's set; within one directory the higher
 * ObjectVersion wins (the first file in name order on a tie). Takes `def`. */
static int dir_defs_add(dir_defs *d, lwm2m_object_def *def, counting_diag *c, ddf_load_stats *st)
{
        bool found;
        size_t at = dir_defs_search(d, def->id, &found);

        if (found) {
                lwm2m_object_def *old = d->defs[at];
                bool newer = compare_versions(def->version, old->version) > 0;
                lwm2m_object_def *kept = newer ? def : old, *dropped = newer ? old : def;
                counted(c, LWM2M_DIAG_WARNING, def->source, 0,
                        "object %u is also defined in %s (version %s); keeping version %s "
                        "from %s",
                        (unsigned)def->id, old->source, old->version, kept->version, kept->source);
                d->defs[at] = kept;
                lwm2m_object_def_free(dropped);
                st->overridden++;
                return 0;
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 64;
                lwm2m_object_def **defs = reallocarray(d->defs, cap, sizeof(*defs));
                if (!defs) {
                        lwm2m_object_def_free(def);
                        return -ENOMEM;
                }
                d->defs = defs;
                d->cap = cap;
        }
        memmove(d->defs + at + 1, d->defs + at, (d->n - at) * sizeof(*d->defs));
        d->defs[at] = def;
        d->n++;
        return 0;
}

static int load_dir(lwm2m_registry *reg, const char *dir, counting_diag *c, ddf_load_stats *st,
                    bool *bad)
{
        struct dirent **names = NULL;
        dir_defs d = {0};
        int r = 0;

        int n = scandir(dir, &names, select_xml, compare_names);
        if (n < 0) {
                if (errno == ENOENT) {
                        counted(c, LWM2M_DIAG_WARNING, dir, 0, "directory does not exist");
                        return 0;
                }
                if (errno == ENOMEM)
                        return -ENOMEM;
                counted(c, LWM2M_DIAG_ERROR, dir, 0, "cannot read directory: %s", strerror(errno));
                st->rejected++;
                *bad = true;
                return 0;
        }

        size_t dir_len = strlen(dir);
        bool slash = dir_len > 0 && dir[dir_len - 1] == '/';
        int i;
        for (i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(ddf_parser_freep) ddf_parser *p = NULL;

                if (asprintf(&path, "%s%s%s", dir, slash ? "" : "/", names[i]->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                st->files++;
                r = ddf_parse_file(path, count_diag, c, &p);
                if (r == -ENOMEM)
                        break;
                r = 0;
                if (!p) {
                        st->rejected++;
                        *bad = true;
                        continue;
                }
                ddf_builder *b = ddf_parser_result(p);
                if (b->n_defs == 0)
                        st->skipped++;
                for (size_t k = 0; k < b->n_defs && r == 0; k++)
                        r = dir_defs_add(&d, TAKE_PTR(b->defs[k]), c, st);
                if (r < 0)
                        break;
        }
        for (int k = 0; k < n; k++)
                free(names[k]);
        free(names);

        /* Later directories override earlier ones. */
        for (size_t k = 0; k < d.n && r == 0; k++) {
                lwm2m_object_def *replaced = NULL;
                r = lwm2m_registry_add(reg, d.defs[k], &replaced);
                if (r < 0)
                        break;
                lwm2m_object_def *def = TAKE_PTR(d.defs[k]);
                if (replaced) {
                        counted(c, LWM2M_DIAG_NOTICE, def->source, 0,
                                "object %u (%s) overrides definition from %s", (unsigned)def->id,
                                def->name, replaced->source);
                        lwm2m_object_def_free(replaced);
                        st->overridden++;
                }
        }
        dir_defs_clear(&d);
        return r;
}

int ddf_load_dirs(lwm2m_registry *reg, const char *const *dirs, size_t n_dirs, lwm2m_diag_fn diag,
                  void *userdata, ddf_load_stats *stats)
{
        counting_diag c = {diag, userdata, 0};
        ddf_load_stats st = {0};
        bool bad = false;
        int r = 0;

        if (!reg || (!dirs && n_dirs > 0))
                return -EINVAL;
        for (size_t i = 0; i < n_dirs && r == 0; i++)
                r = load_dir(reg, dirs[i], &c, &st, &bad);

        st.objects = (unsigned)lwm2m_registry_count(reg);
        st.resources = (unsigned)lwm2m_registry_resource_count(reg);
        st.warnings = c.warnings;
        if (stats)
                *stats = st;
        if (r < 0)
                return r;
        return bad ? -EBADMSG : 0;
}
