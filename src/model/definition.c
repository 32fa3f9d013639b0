/* definition.c - object and resource definitions and the registry that holds one
 * active definition per object ID (a sorted array), plus validation of values. */
#include "model/definition.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "util/macro.h"

struct lwm2m_registry {
        lwm2m_object_def **defs; /* ascending id, ids unique */
        size_t n;
        size_t cap;
        size_t n_resources;
};

/* A definition is one heap block (the struct, its resource array and its strings,
 * as the DDF loader lays them out); only the constraints are separate allocations.
 * So a definition built by hand with static strings frees correctly too. */
void lwm2m_object_def_free(lwm2m_object_def *def)
{
        if (!def)
                return;
        for (size_t i = 0; i < def->n_resources; i++)
                lwm2m_constraint_free((lwm2m_constraint *)def->resources[i].constraint);
        free(def);
}

const lwm2m_resource_def *lwm2m_object_def_find_resource(const lwm2m_object_def *def, uint16_t rid)
{
        if (!def)
                return NULL;
        size_t lo = 0, hi = def->n_resources;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint16_t id = def->resources[mid].id;
                if (id == rid)
                        return &def->resources[mid];
                if (id < rid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* "Temperature (3303) resource Sensor Value (5700)" */
static void describe_resource(const lwm2m_object_def *obj, const lwm2m_resource_def *res, char *out,
                              size_t size)
{
        const char *rname = res->name ? res->name : "?";
        if (obj)
                snprintf(out, size, "%s (%u) resource %s (%u)", obj->name ? obj->name : "?",
                         (unsigned)obj->id, rname, (unsigned)res->id);
        else
                snprintf(out, size, "resource %s (%u)", rname, (unsigned)res->id);
        lwm2m_trim_partial_utf8(out);
}

static const char *type_name(lwm2m_type t)
{
        return t == LWM2M_TYPE_NONE ? "no value" : lwm2m_type_to_string(t);
}

/* The offending value in a few words: numbers as written, text quoted and cut. */
static void describe_value(const lwm2m_value *v, char *out, size_t size)
{
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                snprintf(out, size, "%" PRId64, v->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                snprintf(out, size, "%" PRIu64, v->u);
                break;
        case LWM2M_TYPE_FLOAT:
                /* The shortest of %.15g and %.17g that reads back as the same number. */
                snprintf(out, size, "%.15g", v->f);
                if (strtod(out, NULL) != v->f)
                        snprintf(out, size, "%.17g", v->f);
                break;
        case LWM2M_TYPE_BOOLEAN:
                snprintf(out, size, "%s", v->b ? "true" : "false");
                break;
        case LWM2M_TYPE_OBJLNK:
                snprintf(out, size, "%u:%u", (unsigned)v->lnk.oid, (unsigned)v->lnk.iid);
                break;
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK: {
                /* Cut at a character boundary so the message stays valid UTF-8. */
                size_t shown = v->buf.len;
                if (shown > 32) {
                        shown = 32;
                        while (shown > 0 && (v->buf.data[shown] & 0xc0) == 0x80)
                                shown--;
                }
                snprintf(out, size, "\"%.*s%s\" (%zu bytes)", (int)shown, (const char *)v->buf.data,
                         shown < v->buf.len ? "..." : "", v->buf.len);
                break;
        }
        case LWM2M_TYPE_OPAQUE:
                snprintf(out, size, "%zu bytes of opaque data", v->buf.len);
                break;
        default:
                snprintf(out, size, "a value");
                break;
        }
}

int lwm2m_resource_validate(const lwm2m_object_def *obj, const lwm2m_resource_def *res,
                            const lwm2m_value *v, char *why, size_t why_size)
{
        char who[256];

        if (!res || !v)
                return -EINVAL;
        describe_resource(obj, res, who, sizeof(who));

        if (res->type == LWM2M_TYPE_NONE) {
                lwm2m_diag(why, why_size, "%s is %s and holds no value", who,
                           (res->operations & LWM2M_OP_EXECUTE) ? "executable"
                                                                : "defined without a type");
                return -EINVAL;
        }
        if (v->type != res->type) {
                lwm2m_diag(why, why_size, "%s expects %s, got %s", who,
                           lwm2m_type_to_string(res->type), type_name(v->type));
                return -EINVAL;
        }
        if ((v->type == LWM2M_TYPE_STRING || v->type == LWM2M_TYPE_CORELNK) &&
            !lwm2m_utf8_valid(v->buf.data, v->buf.len)) {
                lwm2m_diag(why, why_size, "%s: the text is not valid UTF-8", who);
                return -EILSEQ;
        }
        if (!lwm2m_value_in_domain(v)) {
                /* Refused here rather than at encoding time: see value.h. */
                lwm2m_diag(why, why_size,
                           "%s: %s is not a value a Float may hold (finite numbers only)", who,
                           isnan(v->f)     ? "NaN"
                           : signbit(v->f) ? "-Infinity"
                                           : "Infinity");
                return -EINVAL;
        }
        if (res->constraint && lwm2m_constraint_check(res->constraint, v) < 0) {
                char value[96], allowed[128];
                describe_value(v, value, sizeof(value));
                if (lwm2m_constraint_format(res->constraint, allowed, sizeof(allowed)) < 0)
                        snprintf(allowed, sizeof(allowed), "%s",
                                 res->range ? res->range : "the allowed values");
                lwm2m_diag(why, why_size, "%s: %s is outside %s", who, value, allowed);
                return -ERANGE;
        }
        return 0;
}

lwm2m_registry *lwm2m_registry_new(void)
{
        return calloc(1, sizeof(lwm2m_registry));
}

void lwm2m_registry_free(lwm2m_registry *reg)
{
        if (!reg)
                return;
        for (size_t i = 0; i < reg->n; i++)
                lwm2m_object_def_free(reg->defs[i]);
        free(reg->defs);
        free(reg);
}

/* Index of `oid`, or where it would be inserted; *found says which. */
static size_t registry_search(const lwm2m_registry *reg, uint16_t oid, bool *found)
{
        size_t lo = 0, hi = reg->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint16_t id = reg->defs[mid]->id;
                if (id == oid) {
                        *found = true;
                        return mid;
                }
                if (id < oid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

int lwm2m_registry_add(lwm2m_registry *reg, lwm2m_object_def *def, lwm2m_object_def **replaced)
{
        bool found;

        if (replaced)
                *replaced = NULL;
        if (!reg || !def)
                return -EINVAL;

        size_t at = registry_search(reg, def->id, &found);
        if (found) {
                lwm2m_object_def *old = reg->defs[at];
                reg->n_resources -= old->n_resources;
                reg->defs[at] = def;
                reg->n_resources += def->n_resources;
                if (replaced)
                        *replaced = old;
                else
                        lwm2m_object_def_free(old);
                return 0;
        }

        if (reg->n == reg->cap) {
                /* Object IDs are 16-bit, so the array never needs more than 65536. */
                size_t cap = reg->cap ? reg->cap * 2 : 64;
                lwm2m_object_def **defs = realloc(reg->defs, cap * sizeof(*defs));
                if (!defs)
                        return -ENOMEM;
                reg->defs = defs;
                reg->cap = cap;
        }
        memmove(reg->defs + at + 1, reg->defs + at, (reg->n - at) * sizeof(*reg->defs));
        reg->defs[at] = def;
        reg->n++;
        /* The binary search needs ascending, unique IDs. */
        assert(at == 0 || reg->defs[at - 1]->id < def->id);
        assert(at + 1 == reg->n || def->id < reg->defs[at + 1]->id);
        reg->n_resources += def->n_resources;
        return 0;
}

const lwm2m_object_def *lwm2m_registry_find(const lwm2m_registry *reg, uint16_t oid)
{
        bool found;

        if (!reg)
                return NULL;
        size_t at = registry_search(reg, oid, &found);
        return found ? reg->defs[at] : NULL;
}

size_t lwm2m_registry_count(const lwm2m_registry *reg)
{
        return reg ? reg->n : 0;
}

const lwm2m_object_def *lwm2m_registry_at(const lwm2m_registry *reg, size_t index)
{
        if (!reg || index >= reg->n)
                return NULL;
        return reg->defs[index];
}

size_t lwm2m_registry_resource_count(const lwm2m_registry *reg)
{
        return reg ? reg->n_resources : 0;
}

lwm2m_object_def *lwm2m_registry_take(lwm2m_registry *reg, uint16_t oid)
{
        bool found;
        if (!reg)
                return NULL;
        size_t at = registry_search(reg, oid, &found);
        if (!found)
                return NULL;
        lwm2m_object_def *def = reg->defs[at];
        memmove(&reg->defs[at], &reg->defs[at + 1], (reg->n - at - 1) * sizeof(reg->defs[0]));
        reg->n--;
        reg->n_resources -= def->n_resources;
        return def;
}

static bool replace_names_resource(const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                                   uint16_t rid)
{
        for (size_t i = 0; i < n; i++)
                if (recs[i].path.len >= LWM2M_PATH_RESOURCE && recs[i].path.id[2] == rid &&
                    lwm2m_path_starts_with(&recs[i].path, base))
                        return true;
        return false;
}

int lwm2m_replace_check_complete(const lwm2m_object_def *obj, const lwm2m_path *base,
                                 const lwm2m_record *recs, size_t n, char *why, size_t why_size)
{
        if (!obj || !base || (n > 0 && !recs))
                return -EINVAL;
        if (base->len != LWM2M_PATH_INSTANCE)
                return 0;

        char missing[256] = "";
        size_t used = 0, n_missing = 0;
        for (size_t k = 0; k < obj->n_resources; k++) {
                const lwm2m_resource_def *res = &obj->resources[k];
                if (!res->mandatory || !(res->operations & LWM2M_OP_WRITE) ||
                    (res->operations & LWM2M_OP_EXECUTE) || res->type == LWM2M_TYPE_NONE)
                        continue;
                if (replace_names_resource(base, recs, n, res->id))
                        continue;
                n_missing++;
                if (used < sizeof(missing)) {
                        int w = snprintf(missing + used, sizeof(missing) - used, "%s%s (%u)",
                                         used > 0 ? ", " : "", res->name ? res->name : "?",
                                         (unsigned)res->id);
                        used = w < 0 ? sizeof(missing) : used + (size_t)w;
                }
        }
        if (n_missing == 0)
                return 0;
        lwm2m_trim_partial_utf8(missing);
        lwm2m_diag(why, why_size,
                   "/%u/%u: a replace must give every mandatory writable resource; missing: %s",
                   (unsigned)base->id[0], (unsigned)base->id[1], missing);
        return -EINVAL;
}
