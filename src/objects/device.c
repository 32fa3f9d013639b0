/* device.c - the Device object (/3/0): identity from the configuration or the
 * running system, memory and time read on demand, reboot and factory reset handed on. */
#include "objects/device.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "model/oma.h"
#include "objects/identity.h"
#include "util/macro.h"

/* What one request has read already (owner.h: lwm2m_ask.request): a
 * Read-Composite of /3/0/13 and /3/0/14 asks twice and reads the clock once. */
typedef struct device_reading {
        lwm2m_requests *requests;
        uint64_t request; /* 0: none (start-up) */
        uint32_t written; /* bit rid: refreshed in this request */
        bool has_now;
        time_t now;
} device_reading;

struct device_object {
        lwm2m_tree *tree;
        device_actions actions;
        lwm2m_owner owner;
        unsigned low_memory_percent;
        uint64_t errors; /* bit n: error code n is raised */
        /* /proc/meminfo, opened once: each read is one pread (seq_file regenerates
         * at offset 0); -1 until (re)opened. */
        int meminfo_fd;
        char *meminfo_path;
        char *localtime_path;
        int64_t memory_total; /* KiB, read once: it does not change; 0 unknown */
        /* The UTC offset last formatted, so that the string is made only when the
         * offset moves (a DST change, a new zone). */
        bool has_offset;
        long offset_seconds;
        char offset[16];
        /* The zone's name as last read from the link, valid while zone_fresh; kept
         * only while the caller watches the link (device_object_timezone_watched). */
        bool zone_watched, zone_fresh;
        char zone[128];
        device_reading reading;
};

/* The resources that change by themselves, by the source each is read from;
 * Memory Total is read once at start and never refreshed. */
#define DYNAMIC_RIDS                                                                               \
        ((UINT32_C(1) << LWM2M_DEV_MEMORY_FREE) | (UINT32_C(1) << LWM2M_DEV_CURRENT_TIME) |        \
         (UINT32_C(1) << LWM2M_DEV_UTC_OFFSET) | (UINT32_C(1) << LWM2M_DEV_TIMEZONE))

/* /3/0/11 as the raised codes in ascending order, or a single 0: one change. */
static int write_errors(device_object *d)
{
        lwm2m_record recs[DEVICE_ERROR_MAX + 1];
        size_t n = 0;
        for (int code = 1; code <= DEVICE_ERROR_MAX; code++) {
                if (!(d->errors & (UINT64_C(1) << code)))
                        continue;
                recs[n] = (lwm2m_record){.path = lwm2m_path_resource_instance(LWM2M_OBJ_DEVICE, 0,
                                                                              LWM2M_DEV_ERROR_CODE,
                                                                              (uint16_t)n),
                                         .value = lwm2m_value_integer(code)};
                n++;
        }
        if (n == 0)
                recs[n++] = (lwm2m_record){.path = lwm2m_path_resource_instance(
                                                   LWM2M_OBJ_DEVICE, 0, LWM2M_DEV_ERROR_CODE, 0),
                                           .value = lwm2m_value_integer(DEVICE_ERROR_NONE)};
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, LWM2M_DEV_ERROR_CODE);
        int r = lwm2m_tree_write(d->tree, &p, recs, n, LWM2M_WRITE_REPLACE, d, NULL, 0);
        return r == -ENOENT ? 0 : r; /* a definition without Error Code */
}

static int set_error(device_object *d, int code, bool raised)
{
        if (code <= DEVICE_ERROR_NONE || code > DEVICE_ERROR_MAX)
                return -EINVAL;
        uint64_t bit = UINT64_C(1) << code;
        if (!!(d->errors & bit) == raised)
                return 0;
        d->errors = raised ? d->errors | bit : d->errors & ~bit;
        return write_errors(d);
}

int device_object_raise_error(device_object *d, int code)
{
        return d ? set_error(d, code, true) : 0;
}

int device_object_clear_error(device_object *d, int code)
{
        return d ? set_error(d, code, false) : 0;
}

static int set_string(device_object *d, uint16_t rid, const char *s)
{
        if (!s)
                return 0;
        lwm2m_value v = {0};
        int r = lwm2m_value_set_string(&v, s, strlen(s));
        if (r == -EILSEQ)
                return 0; /* a system file with odd bytes is not worth failing over */
        if (r < 0)
                return r;
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, rid);
        r = lwm2m_tree_set(d->tree, &p, &v, d, NULL, 0);
        lwm2m_value_clear(&v);
        return r == -ENOENT ? 0 : r; /* a definition without that resource */
}

static void remove_resource(device_object *d, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, rid);
        if (lwm2m_tree_path_exists(d->tree, &p, false) == 0)
                lwm2m_tree_remove(d->tree, &p, d);
}

/* Stores a value unless the tree holds it already: an unchanged value costs a
 * lookup, not a write (whose plan and checks would find nothing to do). */
static void set_if_changed(device_object *d, uint16_t rid, const lwm2m_value *v)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, rid);
        const lwm2m_value *old = lwm2m_tree_get(d->tree, &p);
        if (old && lwm2m_value_equal(old, v))
                return;
        (void)lwm2m_tree_set(d->tree, &p, v, d, NULL, 0); /* -ENOENT: not defined */
}

static void set_string_if_changed(device_object *d, uint16_t rid, const char *s)
{
        /* Borrowed for the comparison; stored as a copy. */
        lwm2m_value v = {.type = LWM2M_TYPE_STRING,
                         .buf = {.data = (uint8_t *)(uintptr_t)s, .len = strlen(s)}};
        set_if_changed(d, rid, &v);
}

/* One pread of /proc/meminfo: the descriptor stays open, reopened after an error
 * (a file that went, as in tests). */
static ssize_t read_meminfo_text(device_object *d, char *buf, size_t size)
{
        for (int attempt = 0; attempt < 2; attempt++) {
                if (d->meminfo_fd < 0)
                        d->meminfo_fd = open(d->meminfo_path, O_RDONLY | O_CLOEXEC);
                if (d->meminfo_fd < 0)
                        return -errno;
                ssize_t n = pread(d->meminfo_fd, buf, size, 0);
                if (n > 0)
                        return n;
                close(d->meminfo_fd);
                d->meminfo_fd = -1;
        }
        return -EIO;
}

/* A "Key:   123 kB" line's number, or -1. */
static int64_t meminfo_field(const char *text, const char *key)
{
        const char *at = strstr(text, key);
        return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

/* MemAvailable (and, at start, MemTotal) in KiB: no stdio, since a server may
 * read /3/0 thousands of times a second. */
static int read_meminfo(device_object *d, int64_t *available, int64_t *total)
{
        char buf[512]; /* both keys are in the first lines */
        ssize_t n = read_meminfo_text(d, buf, sizeof(buf) - 1);
        if (n < 0)
                return (int)n;
        buf[n] = 0;
        *available = meminfo_field(buf, "MemAvailable:");
        if (total)
                *total = meminfo_field(buf, "MemTotal:");
        return *available < 0 || (total && *total < 0) ? -EIO : 0;
}

static void set_memory_free(device_object *d, int64_t avail)
{
        lwm2m_value v = lwm2m_value_integer(avail);
        set_if_changed(d, LWM2M_DEV_MEMORY_FREE, &v);
        /* Out of memory while what is left is under the threshold. */
        if (d->low_memory_percent > 0 && d->memory_total > 0)
                set_error(d, DEVICE_ERROR_OUT_OF_MEMORY,
                          avail * 100 < d->memory_total * (int64_t)d->low_memory_percent);
}

static void refresh_memory_free(device_object *d)
{
        int64_t avail = 0;
        if (read_meminfo(d, &avail, NULL) == 0)
                set_memory_free(d, avail); /* else the last value stays: the best there is */
}

/* The clock, read once per request. */
static time_t reading_now(device_object *d)
{
        if (!d->reading.has_now) {
                d->reading.now = time(NULL);
                d->reading.has_now = true;
        }
        return d->reading.now;
}

static void refresh_utc_offset(device_object *d)
{
        time_t now = reading_now(d);
        struct tm tm;
        if (!localtime_r(&now, &tm))
                return;
        if (!d->has_offset || tm.tm_gmtoff != d->offset_seconds) {
                /* Offsets stay within a day; the casts keep the format bounded. */
                unsigned off = (unsigned)labs(tm.tm_gmtoff) % 86400u;
                snprintf(d->offset, sizeof(d->offset), "UTC%c%02u:%02u",
                         tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, (off % 3600) / 60);
                d->offset_seconds = tm.tm_gmtoff;
                d->has_offset = true;
        }
        set_string_if_changed(d, LWM2M_DEV_UTC_OFFSET, d->offset);
}

static void refresh_timezone(device_object *d)
{
        if (!d->zone_fresh) {
                /* The IANA name: the tail of /etc/localtime's link target, as timedatectl
                 * shows. */
                char target[256];
                ssize_t n = readlink(d->localtime_path, target, sizeof(target) - 1);
                const char *zone = NULL;
                if (n > 0) {
                        target[n] = 0;
                        const char *z = strstr(target, "zoneinfo/");
                        zone = z ? z + strlen("zoneinfo/") : NULL;
                }
                snprintf(d->zone, sizeof(d->zone), "%s", zone ? zone : "Etc/UTC");
                d->zone_fresh = d->zone_watched;
        }
        set_string_if_changed(d, LWM2M_DEV_TIMEZONE, d->zone);
}

void device_object_timezone_watched(device_object *d)
{
        if (d)
                d->zone_watched = true;
}

void device_object_timezone_changed(device_object *d)
{
        if (!d)
                return;
        d->zone_fresh = false;
        d->has_offset = false;
        /* localtime_r keeps the rules it loaded; tzset looks at /etc/localtime again. */
        tzset();
}

/* Refreshes the resources in `rids` (bit rid) not yet refreshed in this reading. */
static void refresh_resources(device_object *d, uint32_t rids)
{
        rids &= ~d->reading.written;
        d->reading.written |= rids;
        if (rids & (UINT32_C(1) << LWM2M_DEV_MEMORY_FREE))
                refresh_memory_free(d);
        if (rids & (UINT32_C(1) << LWM2M_DEV_CURRENT_TIME)) {
                lwm2m_value v = lwm2m_value_time(reading_now(d));
                set_if_changed(d, LWM2M_DEV_CURRENT_TIME, &v);
        }
        if (rids & (UINT32_C(1) << LWM2M_DEV_UTC_OFFSET))
                refresh_utc_offset(d);
        if (rids & (UINT32_C(1) << LWM2M_DEV_TIMEZONE))
                refresh_timezone(d);
}

/* The resources that change by themselves under `path`: all for the instance. */
static uint32_t dynamic_under(const lwm2m_path *path)
{
        if (path->len < LWM2M_PATH_RESOURCE)
                return DYNAMIC_RIDS;
        return path->id[2] < 32 ? DYNAMIC_RIDS & (UINT32_C(1) << path->id[2]) : 0;
}

static bool device_refreshes(void *userdata, const lwm2m_path *path)
{
        return dynamic_under(path) != 0;
}

/* Values that change by themselves are read when asked, each source once per
 * request however many of the request's paths name it. */
static int device_refresh(void *userdata, const lwm2m_path *path, lwm2m_ask ask)
{
        device_object *d = userdata;
        if (d->reading.requests != ask.requests || d->reading.request != ask.request)
                d->reading = (device_reading){.requests = ask.requests, .request = ask.request};
        refresh_resources(d, dynamic_under(path));
        lwm2m_ask_reply(ask, 0);
        return 0;
}

bool device_timezone_valid(const char *zone)
{
        size_t n = strlen(zone);
        /* The longest names in the tz database are about 30 bytes. */
        if (n == 0 || n > 64 || zone[0] == '/' || zone[n - 1] == '/' || strstr(zone, "//"))
                return false;
        /* No '.', so no "..": the name is a path under /usr/share/zoneinfo. */
        return strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
               n;
}

static bool two_digits(const char *s, unsigned *out)
{
        if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
                return false;
        *out = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
        return true;
}

int device_offset_to_zone(const char *offset, char *zone, size_t size)
{
        const char *s = offset;
        if (strncmp(s, "UTC", 3) == 0 || strncmp(s, "GMT", 3) == 0)
                s += 3;
        unsigned hours = 0, minutes = 0;
        int sign = 1;
        if (strcmp(s, "Z") == 0 || s[0] == 0) {
                if (s == offset && s[0] == 0)
                        return -EINVAL;
        } else {
                if (s[0] != '+' && s[0] != '-')
                        return -EINVAL;
                sign = s[0] == '-' ? -1 : 1;
                s++;
                if (!two_digits(s, &hours))
                        return -EINVAL;
                s += 2;
                if (*s == ':')
                        s++;
                if (*s && (!two_digits(s, &minutes) || s[2] != 0 || minutes > 59))
                        return -EINVAL;
        }
        if (minutes != 0 || (sign > 0 && hours > 14) || (sign < 0 && hours > 12))
                return -ERANGE;
        if (hours == 0)
                snprintf(zone, size, "Etc/UTC");
        else /* POSIX signs: Etc/GMT-1 is one hour east of Greenwich */
                snprintf(zone, size, "Etc/GMT%c%u", sign > 0 ? '-' : '+', hours);
        return 0;
}

static int device_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                        lwm2m_write_mode mode, lwm2m_ask ask)
{
        device_object *d = userdata;
        const lwm2m_log *log = &d->actions.log;
        /* Replacing /3/0 would drop the identity with it. */
        if (mode == LWM2M_WRITE_REPLACE && base->len < 3)
                return -EPERM;
        /* Each write is one call to timedated answered by one reply: a write that
         * sets two of them at once would have no single answer when one fails. */
        if (n != 1 || recs[0].path.len < 3) {
                lwm2m_logf(log, LOG_NOTICE,
                           "Device: write time, UTC offset and time zone one "
                           "resource at a time");
                return -EINVAL;
        }
        const lwm2m_value *v = &recs[0].value;
        switch (recs[0].path.id[2]) {
        case LWM2M_DEV_CURRENT_TIME:
                if (!d->actions.set_time)
                        return -EPERM;
                return d->actions.set_time(d->actions.userdata, v->i, ask);
        case LWM2M_DEV_UTC_OFFSET: {
                if (!d->actions.set_timezone)
                        return -EPERM;
                char zone[16];
                int r = device_offset_to_zone((const char *)v->buf.data, zone, sizeof(zone));
                if (r == -ERANGE)
                        lwm2m_logf(log, LOG_NOTICE,
                                   "Device: UTC offset '%s' refused: only whole hours from -12 "
                                   "to +14 have a time zone (Etc/GMT-N); write /3/0/15 instead",
                                   (const char *)v->buf.data);
                else if (r < 0)
                        lwm2m_logf(log, LOG_NOTICE,
                                   "Device: UTC offset '%s' refused: not ISO 8601 (+HH:MM)",
                                   (const char *)v->buf.data);
                if (r < 0)
                        return -EINVAL;
                return d->actions.set_timezone(d->actions.userdata, zone, ask);
        }
        case LWM2M_DEV_TIMEZONE:
                if (!d->actions.set_timezone)
                        return -EPERM;
                if (!device_timezone_valid((const char *)v->buf.data)) {
                        lwm2m_logf(log, LOG_NOTICE,
                                   "Device: time zone '%s' refused: not an IANA zone name",
                                   (const char *)v->buf.data);
                        return -EINVAL;
                }
                return d->actions.set_timezone(d->actions.userdata, (const char *)v->buf.data, ask);
        default:
                return -EPERM;
        }
}

static int device_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                          size_t args_len, lwm2m_ask ask)
{
        device_object *d = userdata;
        int r;
        switch (resource->id[2]) {
        case LWM2M_DEV_REBOOT:
                if (!d->actions.reboot)
                        return -EPERM;
                r = d->actions.reboot(d->actions.userdata);
                break;
        case LWM2M_DEV_FACTORY_RESET:
                if (!d->actions.factory_reset)
                        return -EPERM;
                r = d->actions.factory_reset(d->actions.userdata);
                break;
        case LWM2M_DEV_RESET_ERROR_CODE:
                /* Conditions that last are raised again when next seen. */
                d->errors = 0;
                r = write_errors(d);
                break;
        default:
                return -EPERM;
        }
        if (r < 0)
                return r;
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static const lwm2m_owner_ops device_ops = {
        .refresh = device_refresh,
        .refreshes = device_refreshes,
        .refresh_stays_local = true,
        .write = device_write,
        .execute = device_execute,
};

device_object *device_object_new(lwm2m_tree *tree, const device_info *info,
                                 const device_actions *actions)
{
        assert(info);
        device_object *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->tree = tree;
        d->low_memory_percent = info->low_memory_percent;
        d->meminfo_fd = -1;
        if (actions)
                d->actions = *actions;
        d->owner = (lwm2m_owner){.ops = &device_ops, .userdata = d, .name = "device"};
        const char *root = info->sysroot ?: "";
        int r = -ENOMEM;
        if (asprintf(&d->meminfo_path, "%s/proc/meminfo", root) < 0 ||
            asprintf(&d->localtime_path, "%s/etc/localtime", root) < 0) {
                d->meminfo_path = d->localtime_path = NULL; /* undefined after a failure */
                goto fail;
        }

        r = lwm2m_tree_create_instance(tree, LWM2M_OBJ_DEVICE, 0, d, NULL);
        if (r < 0 && r != -EEXIST)
                goto fail;
        r = lwm2m_tree_set_owner(tree, LWM2M_OBJ_DEVICE, 0, &d->owner);
        if (r < 0)
                goto fail;

        device_identity found = {0};
        if (!info->manufacturer || !info->model || !info->serial_number || !info->firmware_version)
                identity_read(info->sysroot, &found);
        struct utsname uts;
        const char *kernel = uname(&uts) == 0 ? uts.release : NULL;

        struct {
                uint16_t rid;
                const char *value;
        } ids[] = {
                {LWM2M_DEV_MANUFACTURER, info->manufacturer ?: found.manufacturer},
                {LWM2M_DEV_MODEL, info->model ?: found.model},
                {LWM2M_DEV_SERIAL, info->serial_number ?: found.serial_number},
                {LWM2M_DEV_FIRMWARE_VERSION, info->firmware_version ?: found.firmware_version},
                {LWM2M_DEV_HARDWARE_VERSION, info->hardware_version},
                {LWM2M_DEV_SOFTWARE_VERSION, info->software_version ?: kernel},
                {LWM2M_DEV_DEVICE_TYPE, info->device_type ?: "Gateway"},
                {LWM2M_DEV_SUPPORTED_BINDING, info->supported_binding ?: "UQ"},
        };
        r = 0;
        for (size_t i = 0; i < ELEMENTSOF(ids) && r >= 0; i++) {
                if (ids[i].value)
                        r = set_string(d, ids[i].rid, ids[i].value);
                else /* a stored value from an earlier run no longer holds */
                        remove_resource(d, ids[i].rid);
        }
        identity_clear(&found);
        if (r >= 0)
                r = write_errors(d);
        if (r < 0)
                goto fail;
        /* One reading at start for both memory figures; the rest as a Read would. */
        int64_t avail = 0;
        if (read_meminfo(d, &avail, &d->memory_total) == 0) {
                lwm2m_value v = lwm2m_value_integer(d->memory_total);
                set_if_changed(d, LWM2M_DEV_MEMORY_TOTAL, &v);
                set_memory_free(d, avail);
                d->reading.written = UINT32_C(1) << LWM2M_DEV_MEMORY_FREE;
        }
        refresh_resources(d, DYNAMIC_RIDS);
        d->reading = (device_reading){0};
        return d;
fail:
        lwm2m_tree_set_owner(tree, LWM2M_OBJ_DEVICE, 0, NULL);
        device_object_free(d);
        errno = -r;
        return NULL;
}

void device_object_free(device_object *d)
{
        if (!d)
                return;
        if (lwm2m_tree_get_owner(d->tree, LWM2M_OBJ_DEVICE, 0) == &d->owner)
                lwm2m_tree_set_owner(d->tree, LWM2M_OBJ_DEVICE, 0, NULL);
        if (d->meminfo_fd >= 0)
                close(d->meminfo_fd);
        free(d->meminfo_path);
        free(d->localtime_path);
        free(d);
}
