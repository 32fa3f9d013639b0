/* location.c - the Location object (/6/0): a position from fixed configured values
 * or from gpsd's TPV reports, fed in as bytes by the daemon that owns the socket. */
#include "objects/location.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/oma.h"
#include "util/macro.h"

struct location_object {
        lwm2m_tree *tree;
        lwm2m_owner owner;
        char *line; /* a partial line from gpsd */
        size_t line_len, line_cap;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)

/* A finite number member, or false. */
static bool get_number(json_object *o, const char *key, double *out)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return false;
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
                return false;
        double d = json_object_get_double(v);
        if (!isfinite(d))
                return false;
        *out = d;
        return true;
}

/* gpsd's time: ISO 8601 UTC, "2026-12-06T22:55:02.000Z". */
static bool parse_time(const char *s, int64_t *out)
{
        struct tm tm = {0};
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return false;
        if (*end == '.')
                for (end++; *end >= '0' && *end <= '9'; end++)
                        ;
        if (strcmp(end, "Z") != 0)
                return false;
        time_t t = timegm(&tm);
        if (t == (time_t)-1)
                return false;
        *out = t;
        return true;
}

int location_parse_gpsd_line(const char *line, size_t len, location_fix *fix)
{
        if (len > LOCATION_MAX_LINE)
                return -EINVAL;
        _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_object *o = json_tokener_parse_ex(tok, line, (int)len);
        if (!o || json_tokener_get_parse_end(tok) != len) {
                json_object_put(o);
                return -EINVAL;
        }
        int r = -EINVAL;
        json_object *cls, *mode;
        if (!json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, "class", &cls) ||
            !json_object_is_type(cls, json_type_string))
                goto out;
        r = 0;
        if (strcmp(json_object_get_string(cls), "TPV") != 0)
                goto out;
        /* mode 0 and 1: no fix yet, nothing to report. */
        if (!json_object_object_get_ex(o, "mode", &mode) ||
            !json_object_is_type(mode, json_type_int) || json_object_get_int64(mode) < 2)
                goto out;
        location_fix f = {0};
        if (!get_number(o, "lat", &f.latitude) || !get_number(o, "lon", &f.longitude))
                goto out; /* a fix may come before its position: wait for the next */
        r = -EINVAL;
        if (fabs(f.latitude) > 90 || fabs(f.longitude) > 180)
                goto out;
        /* gpsd 3.20+ sends altHAE and altMSL; older ones alt (MSL). */
        f.has_altitude =
                json_object_get_int64(mode) >= 3 &&
                (get_number(o, "altMSL", &f.altitude) || get_number(o, "alt", &f.altitude) ||
                 get_number(o, "altHAE", &f.altitude));
        double epx, epy;
        if (get_number(o, "eph", &f.radius))
                f.has_radius = true;
        else if (get_number(o, "epx", &epx) && get_number(o, "epy", &epy)) {
                f.radius = fmax(epx, epy);
                f.has_radius = true;
        }
        f.has_radius = f.has_radius && f.radius >= 0;
        f.has_speed = get_number(o, "speed", &f.speed) && f.speed >= 0;
        f.has_track = get_number(o, "track", &f.track);
        json_object *t;
        f.has_time = json_object_object_get_ex(o, "time", &t) &&
                     json_object_is_type(t, json_type_string) &&
                     parse_time(json_object_get_string(t), &f.time);
        *fix = f;
        r = 1;
out:
        json_object_put(o);
        return r;
}

static int location_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs,
                          size_t n, lwm2m_write_mode mode, lwm2m_ask ask)
{
        return -EPERM; /* the position is measured, not set */
}

static int location_remove(void *userdata, const lwm2m_path *instance, lwm2m_ask ask)
{
        return -EPERM;
}

static const lwm2m_owner_ops location_ops = {
        .write = location_write,
        .remove = location_remove,
};

void location_encode_velocity(double speed, double track, uint8_t out[LOCATION_VELOCITY_SIZE])
{
        double kmh = floor(speed * 3.6);
        unsigned h = !(kmh > 0) ? 0 : kmh >= 65535 ? 65535 : (unsigned)kmh;
        double deg = fmod(floor(track), 360);
        unsigned bearing = deg < 0 ? (unsigned)(deg + 360) % 360 : (unsigned)deg;
        out[0] = (uint8_t)(0u << 4 | (bearing >> 8)); /* type 0: horizontal velocity */
        out[1] = (uint8_t)(bearing & 0xff);
        out[2] = (uint8_t)(h >> 8);
        out[3] = (uint8_t)(h & 0xff);
}

int location_object_update(location_object *l, const location_fix *fix)
{
        lwm2m_record recs[7];
        size_t n = 0;
#define ADD(rid, v)                                                                                \
        recs[n++] = (lwm2m_record){.path = lwm2m_path_resource(LWM2M_OBJ_LOCATION, 0, rid),        \
                                   .value = (v)}
        ADD(LWM2M_LOC_LATITUDE, lwm2m_value_float(fix->latitude));
        ADD(LWM2M_LOC_LONGITUDE, lwm2m_value_float(fix->longitude));
        if (fix->has_altitude)
                ADD(LWM2M_LOC_ALTITUDE, lwm2m_value_float(fix->altitude));
        if (fix->has_radius)
                ADD(LWM2M_LOC_RADIUS, lwm2m_value_float(fix->radius));
        /* Timestamp is mandatory: without gpsd's time, the time of the report. */
        ADD(LWM2M_LOC_TIMESTAMP, lwm2m_value_time(fix->has_time ? fix->time : time(NULL)));
        if (fix->has_speed)
                ADD(LWM2M_LOC_SPEED, lwm2m_value_float(fix->speed));
        /* Velocity needs a direction as well; without one it is left as it was. */
        lwm2m_value velocity = {0};
        if (fix->has_speed && fix->has_track) {
                uint8_t v[LOCATION_VELOCITY_SIZE];
                location_encode_velocity(fix->speed, fix->track, v);
                int r = lwm2m_value_set_bytes(&velocity, LWM2M_TYPE_OPAQUE, v, sizeof(v));
                if (r < 0)
                        return r;
                ADD(LWM2M_LOC_VELOCITY, velocity);
        }
#undef ADD
        int r;
        if (!lwm2m_tree_has_instance(l->tree, LWM2M_OBJ_LOCATION, 0))
                r = lwm2m_tree_add_instance(l->tree, LWM2M_OBJ_LOCATION, 0, recs, n, &l->owner, l,
                                            NULL, 0, NULL);
        else {
                lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_LOCATION, 0);
                r = lwm2m_tree_write(l->tree, &base, recs, n, LWM2M_WRITE_UPDATE, l, NULL, 0);
        }
        lwm2m_value_clear(&velocity);
        return r;
}

location_object *location_object_new(lwm2m_tree *tree, const location_fix *fixed)
{
        location_object *l = calloc(1, sizeof(*l));
        if (!l)
                return NULL;
        l->tree = tree;
        l->owner = (lwm2m_owner){.ops = &location_ops, .userdata = l, .name = "location"};
        /* A stored /6/0 from an earlier run is stale: the position is measured afresh. */
        if (lwm2m_tree_has_instance(tree, LWM2M_OBJ_LOCATION, 0))
                lwm2m_tree_delete_instance(tree, LWM2M_OBJ_LOCATION, 0, l);
        if (fixed) {
                int r = location_object_update(l, fixed);
                if (r < 0) {
                        free(l);
                        errno = -r;
                        return NULL;
                }
        }
        return l;
}

void location_object_free(location_object *l)
{
        if (!l)
                return;
        if (lwm2m_tree_get_owner(l->tree, LWM2M_OBJ_LOCATION, 0) == &l->owner)
                lwm2m_tree_set_owner(l->tree, LWM2M_OBJ_LOCATION, 0, NULL);
        free(l->line);
        free(l);
}

void location_object_reset_stream(location_object *l)
{
        l->line_len = 0;
}

int location_object_feed(location_object *l, const char *bytes, size_t n, unsigned *garbage)
{
        int applied = 0;
        while (n > 0) {
                const char *nl = memchr(bytes, '\n', n);
                size_t take = nl ? (size_t)(nl - bytes) : n;
                if (l->line_len + take > LOCATION_MAX_LINE) {
                        l->line_len = 0;
                        return -EMSGSIZE;
                }
                if (l->line_len + take > l->line_cap) {
                        size_t cap = l->line_cap * 2 > l->line_len + take ? l->line_cap * 2
                                                                          : l->line_len + take;
                        char *p = realloc(l->line, cap);
                        if (!p)
                                return -ENOMEM;
                        l->line = p;
                        l->line_cap = cap;
                }
                if (take > 0) { /* an empty line may come before any buffer exists */
                        memcpy(l->line + l->line_len, bytes, take);
                        l->line_len += take;
                }
                if (!nl)
                        break;
                bytes += take + 1;
                n -= take + 1;
                size_t len = l->line_len;
                l->line_len = 0;
                if (len > 0 && l->line[len - 1] == '\r')
                        len--;
                location_fix fix;
                int r = location_parse_gpsd_line(l->line ? l->line : "", len, &fix);
                if (r == -EINVAL && garbage)
                        (*garbage)++;
                if (r == 1 && location_object_update(l, &fix) >= 0)
                        applied++;
        }
        return applied;
}
