/* test_device.c - unit tests for the Device object's reads (objects/device): which
 * reads refresh, what each reads from the system (counted), and what changes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/request.h"
#include "objects/device.h"
#include "sysroot_fixture.h"
#include "util/macro.h"

/* ---- the system calls the Device object makes, counted (linked with --wrap) ---- */

typedef struct sys_calls {
        unsigned open, pread, readlink, time;
} sys_calls;

static sys_calls calls;
static time_t fake_now; /* what time() says; 0: the real clock */

int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
ssize_t __wrap_pread64(int fd, void *buf, size_t size, off_t offset);
ssize_t __wrap___pread64_chk(int fd, void *buf, size_t size, off_t offset, size_t buflen);
ssize_t __wrap_readlink(const char *path, char *buf, size_t size);
ssize_t __wrap___readlink_chk(const char *path, char *buf, size_t size, size_t buflen);
time_t __wrap_time(time_t *t);
ssize_t __real_pread64(int fd, void *buf, size_t size, off_t offset);
ssize_t __real___pread64_chk(int fd, void *buf, size_t size, off_t offset, size_t buflen);
ssize_t __real_readlink(const char *path, char *buf, size_t size);
ssize_t __real___readlink_chk(const char *path, char *buf, size_t size, size_t buflen);
time_t __real_time(time_t *t);

int __wrap_open64(const char *path, int flags, ...)
{
        mode_t mode = 0;
        if (flags & O_CREAT) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        calls.open++;
        return __real_open64(path, flags, mode);
}

ssize_t __wrap_pread64(int fd, void *buf, size_t size, off_t offset)
{
        calls.pread++;
        return __real_pread64(fd, buf, size, offset);
}

ssize_t __wrap___pread64_chk(int fd, void *buf, size_t size, off_t offset, size_t buflen)
{
        calls.pread++;
        return __real___pread64_chk(fd, buf, size, offset, buflen);
}

ssize_t __wrap_readlink(const char *path, char *buf, size_t size)
{
        calls.readlink++;
        return __real_readlink(path, buf, size);
}

ssize_t __wrap___readlink_chk(const char *path, char *buf, size_t size, size_t buflen)
{
        calls.readlink++;
        return __real___readlink_chk(path, buf, size, buflen);
}

time_t __wrap_time(time_t *t)
{
        calls.time++;
        time_t now = fake_now ? fake_now : __real_time(NULL);
        if (t)
                *t = now;
        return now;
}

/* ---- a tree with the Device object over a scratch system root ---- */

#define MEMINFO(total, avail)                                                                      \
        "MemTotal:       " #total " kB\nMemFree:          1000 kB\nMemAvailable:   " #avail " kB"  \
        "\n"

typedef struct fixture {
        char root[64];
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *q;
        device_object *dev;
        size_t changes; /* VALUES changes of /3/0 */
        lwm2m_path changed[8];
        size_t n_changed; /* the last change's paths */
        size_t done;
        int error;
} fixture;

static void on_change(void *userdata, const lwm2m_change *c)
{
        fixture *f = userdata;
        if (c->kind != LWM2M_CHANGE_VALUES || c->instance.id[0] != LWM2M_OBJ_DEVICE)
                return;
        f->changes++;
        f->n_changed = 0;
        for (size_t i = 0; i < c->n_paths && i < ELEMENTSOF(f->changed); i++)
                f->changed[f->n_changed++] = c->paths[i];
}

static void put_zone(fixture *f, const char *zone)
{
        char link[128], target[128];
        snprintf(link, sizeof(link), "%s/etc/localtime", f->root);
        snprintf(target, sizeof(target), "../usr/share/zoneinfo/%s", zone);
        unlink(link);
        assert_int_equal(symlink(target, link), 0);
}

static int setup(void **state)
{
        fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/lwm2md-device.XXXXXX");
        assert_non_null(mkdtemp(f->root));
        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(2000000, 1500000));
        SYSROOT_PUT(f->root, "/etc/os-release", "NAME=Test\nVERSION_ID=1\n");
        put_zone(f, "Europe/Berlin");
        setenv("TZ", "UTC", 1);
        tzset();
        fake_now = 1800000000;

        f->reg = lwm2m_registry_new();
        assert_non_null(f->reg);
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_int_equal(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL), 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        f->q = lwm2m_requests_new(f->tree, NULL, NULL, 0);
        assert_non_null(f->q);
        device_info info = {.manufacturer = "Acme", .sysroot = f->root};
        f->dev = device_object_new(f->tree, &info, NULL);
        assert_non_null(f->dev);
        assert_int_equal(lwm2m_tree_add_listener(f->tree, on_change, f), 0);
        calls = (sys_calls){0};
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture *f = *state;
        lwm2m_tree_remove_listener(f->tree, on_change, f);
        device_object_free(f->dev);
        lwm2m_requests_free(f->q);
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
        assert_int_equal(system(cmd), 0);
        fake_now = 0;
        free(f);
        return 0;
}

static void on_done(void *userdata, const lwm2m_request_result *res)
{
        fixture *f = userdata;
        f->done++;
        f->error = res->error;
}

/* A server's Read of `paths` (one: a Read; several: a Read-Composite) through the
 * request lifecycle, as the engine puts it: done at once (the Device object answers
 * before returning). */
static void server_read(fixture *f, const lwm2m_path *paths, size_t n)
{
        lwm2m_request_spec spec = {
                .kind = LWM2M_REQUEST_READ,
                .origin = {.kind = LWM2M_ORIGIN_SERVER, .short_id = 1},
                .path = n == 1 ? paths[0] : (lwm2m_path){.len = LWM2M_PATH_ROOT},
                .done = on_done,
                .userdata = f,
        };
        for (size_t i = 0; n > 1 && i < n; i++)
                assert_non_null(lwm2m_record_list_add(&spec.records, &paths[i]));
        size_t before = f->done;
        assert_null(lwm2m_request_start(f->q, &spec));
        assert_int_equal(f->done, before + 1);
        assert_int_equal(f->error, 0);
}

static void read1(fixture *f, lwm2m_path p)
{
        server_read(f, &p, 1);
}

static lwm2m_path dev_res(uint16_t rid)
{
        return lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, rid);
}

static int64_t int_of(fixture *f, uint16_t rid)
{
        lwm2m_path p = dev_res(rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        return v->i;
}

static const char *string_of(fixture *f, uint16_t rid)
{
        lwm2m_path p = dev_res(rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        assert_non_null(v);
        return (const char *)v->buf.data;
}

static void assert_calls(unsigned open, unsigned pread, unsigned readlink, unsigned time)
{
        assert_int_equal(calls.open, open);
        assert_int_equal(calls.pread, pread);
        assert_int_equal(calls.readlink, readlink);
        assert_int_equal(calls.time, time);
        calls = (sys_calls){0};
}

/* ---- cases ---- */

static void test_start_values(void **state)
{
        fixture *f = *state;
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_TOTAL), 2000000);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1500000);
        assert_int_equal(int_of(f, LWM2M_DEV_CURRENT_TIME), 1800000000);
        assert_string_equal(string_of(f, LWM2M_DEV_UTC_OFFSET), "UTC+00:00");
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "Europe/Berlin");
}

/* Which reads the Device object says need a refresh (owner.h: refreshes). */
static void test_refreshes(void **state)
{
        fixture *f = *state;
        const lwm2m_owner *o = lwm2m_tree_get_owner(f->tree, LWM2M_OBJ_DEVICE, 0);
        assert_non_null(o);
        assert_non_null(o->ops->refreshes);
        static const uint16_t dynamic[] = {LWM2M_DEV_MEMORY_FREE, LWM2M_DEV_CURRENT_TIME,
                                           LWM2M_DEV_UTC_OFFSET, LWM2M_DEV_TIMEZONE};
        static const uint16_t fixed[] = {LWM2M_DEV_MANUFACTURER, LWM2M_DEV_ERROR_CODE,
                                         LWM2M_DEV_MEMORY_TOTAL, LWM2M_DEV_SUPPORTED_BINDING};
        lwm2m_path instance = lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0);
        assert_true(lwm2m_owner_refreshes(o, &instance));
        for (size_t i = 0; i < ELEMENTSOF(dynamic); i++) {
                lwm2m_path p = dev_res(dynamic[i]);
                assert_true(lwm2m_owner_refreshes(o, &p));
        }
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                lwm2m_path p = dev_res(fixed[i]);
                assert_false(lwm2m_owner_refreshes(o, &p));
        }
        lwm2m_path ri = lwm2m_path_resource_instance(LWM2M_OBJ_DEVICE, 0, LWM2M_DEV_ERROR_CODE, 0);
        assert_false(lwm2m_owner_refreshes(o, &ri));
        assert_calls(0, 0, 0, 0); /* a predicate: nothing read */
}

/* (b) /3/0/0 reads nothing; /3/0/13 the clock only; /3/0 each source once. */
static void test_reads_what_the_path_includes(void **state)
{
        fixture *f = *state;
        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(2000000, 1400000));
        put_zone(f, "America/New_York");
        fake_now += 5;

        read1(f, dev_res(LWM2M_DEV_MANUFACTURER));
        assert_calls(0, 0, 0, 0);
        assert_int_equal(f->changes, 0);

        read1(f, dev_res(LWM2M_DEV_CURRENT_TIME));
        assert_calls(0, 0, 0, 1);
        assert_int_equal(int_of(f, LWM2M_DEV_CURRENT_TIME), 1800000005);
        /* Neither file was read: the tree holds what start-up saw. */
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1500000);
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "Europe/Berlin");

        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        assert_calls(0, 0, 1, 0);
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "America/New_York");

        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(2000000, 1300000));
        calls = (sys_calls){0};
        read1(f, lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0));
        /* One pread on the descriptor kept open, no open; one clock, one readlink. */
        assert_calls(0, 1, 1, 1);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1300000);
}

/* While the caller watches /etc/localtime, the zone's name is read from the link at
 * the first read and after each change it reports, not at every read. */
static void test_watched_timezone_read_on_change(void **state)
{
        fixture *f = *state;
        device_object_timezone_watched(f->dev);
        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        assert_calls(0, 0, 1, 0);
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "Europe/Berlin");
        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        read1(f, lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0));
        assert_calls(0, 1, 0, 1);

        put_zone(f, "Asia/Tokyo");
        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        assert_calls(0, 0, 0, 0);
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "Europe/Berlin");
        device_object_timezone_changed(f->dev);
        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        assert_calls(0, 0, 1, 0);
        assert_string_equal(string_of(f, LWM2M_DEV_TIMEZONE), "Asia/Tokyo");
        read1(f, dev_res(LWM2M_DEV_TIMEZONE));
        assert_calls(0, 0, 0, 0);
}

/* Memory Total does not change: read at start, never again. */
static void test_memory_total_read_once(void **state)
{
        fixture *f = *state;
        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(4000000, 1500000));
        calls = (sys_calls){0};
        read1(f, dev_res(LWM2M_DEV_MEMORY_TOTAL));
        assert_calls(0, 0, 0, 0);
        read1(f, lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0));
        assert_int_equal(calls.pread, 1);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_TOTAL), 2000000);
}

/* (c) Values that did not change are not written again: no change for listeners;
 * a moved clock changes Current Time alone. */
static void test_unchanged_values_not_rewritten(void **state)
{
        fixture *f = *state;
        lwm2m_path instance = lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0);
        read1(f, instance);
        read1(f, instance);
        assert_int_equal(f->changes, 0);

        fake_now++;
        read1(f, instance);
        assert_int_equal(f->changes, 1);
        assert_int_equal(f->n_changed, 1);
        lwm2m_path clock = dev_res(LWM2M_DEV_CURRENT_TIME);
        assert_true(lwm2m_path_equal(&f->changed[0], &clock));

        /* A new offset is a change of UTC Offset (and of nothing else here). */
        setenv("TZ", "EST5", 1);
        tzset();
        read1(f, dev_res(LWM2M_DEV_UTC_OFFSET));
        assert_int_equal(f->changes, 2);
        assert_int_equal(f->n_changed, 1);
        assert_string_equal(string_of(f, LWM2M_DEV_UTC_OFFSET), "UTC-05:00");
        read1(f, dev_res(LWM2M_DEV_UTC_OFFSET));
        assert_int_equal(f->changes, 2);
        setenv("TZ", "UTC", 1);
        tzset();
}

/* (d) A Read-Composite asks once per path, in one request: each source is read once. */
static void test_composite_reads_each_source_once(void **state)
{
        fixture *f = *state;
        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(2000000, 1200000));
        fake_now += 60;
        calls = (sys_calls){0};
        lwm2m_path two[] = {dev_res(LWM2M_DEV_MEMORY_FREE), dev_res(LWM2M_DEV_CURRENT_TIME)};
        server_read(f, two, ELEMENTSOF(two));
        assert_calls(0, 1, 0, 1);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1200000);
        assert_int_equal(int_of(f, LWM2M_DEV_CURRENT_TIME), 1800000060);

        /* Overlapping paths: the instance and two of its resources, still once each. */
        lwm2m_path overlap[] = {dev_res(LWM2M_DEV_CURRENT_TIME), dev_res(LWM2M_DEV_UTC_OFFSET),
                                lwm2m_path_instance(LWM2M_OBJ_DEVICE, 0),
                                dev_res(LWM2M_DEV_MEMORY_FREE), dev_res(LWM2M_DEV_MANUFACTURER)};
        server_read(f, overlap, ELEMENTSOF(overlap));
        assert_calls(0, 1, 1, 1);

        /* Static paths only: nothing read at all. */
        lwm2m_path fixed[] = {dev_res(LWM2M_DEV_MANUFACTURER), dev_res(LWM2M_DEV_MEMORY_TOTAL)};
        server_read(f, fixed, ELEMENTSOF(fixed));
        assert_calls(0, 0, 0, 0);

        /* The next request reads afresh. */
        server_read(f, two, ELEMENTSOF(two));
        assert_calls(0, 1, 0, 1);
}

/* A meminfo that cannot be read keeps the last value; the descriptor is opened again. */
static void test_meminfo_reopened_after_error(void **state)
{
        fixture *f = *state;
        char path[128];
        snprintf(path, sizeof(path), "%s/proc/meminfo", f->root);
        assert_int_equal(truncate(path, 0), 0);
        calls = (sys_calls){0};
        read1(f, dev_res(LWM2M_DEV_MEMORY_FREE));
        assert_int_equal(calls.open, 1); /* an empty read: closed, opened, read again */
        assert_int_equal(calls.pread, 2);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1500000);
        assert_int_equal(unlink(path), 0);
        SYSROOT_PUT(f->root, "/proc/meminfo", MEMINFO(2000000, 1100000));
        calls = (sys_calls){0};
        read1(f, dev_res(LWM2M_DEV_MEMORY_FREE));
        assert_int_equal(calls.open, 1);
        assert_int_equal(int_of(f, LWM2M_DEV_MEMORY_FREE), 1100000);
        calls = (sys_calls){0};
        read1(f, dev_res(LWM2M_DEV_MEMORY_FREE));
        assert_calls(0, 1, 0, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_start_values),
                T(test_refreshes),
                T(test_reads_what_the_path_includes),
                T(test_watched_timezone_read_on_change),
                T(test_memory_total_read_once),
                T(test_unchanged_values_not_rewritten),
                T(test_composite_reads_each_source_once),
                T(test_meminfo_reopened_after_error),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
