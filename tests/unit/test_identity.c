/* test_identity.c - the Device object's identity from fake system trees (DMI, device
 * tree, os-release), the cleaning of system strings, and Error Code raise and reset. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "model/tree.h"
#include "objects/device.h"
#include "objects/identity.h"
#include "tests/unit/sysroot_fixture.h"

static void check_clean(const char *bytes, size_t len, const char *want)
{
        char *got = identity_clean(bytes, len);
        if (!want) {
                assert_null(got);
                return;
        }
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void test_clean(void **state)
{
#define CLEAN(lit, want) check_clean(lit, sizeof(lit) - 1, want)
        CLEAN("Dell Inc.\n", "Dell Inc.");
        CLEAN("  padded \t \n", "padded");
        /* Device tree strings end in NUL; what follows is another string. */
        CLEAN("Raspberry Pi 4\0junk", "Raspberry Pi 4");
        CLEAN("a\x01"
              "b\x7f"
              "c",
              "abc");
        CLEAN("caf\xc3\xa9", "caf\xc3\xa9");
        CLEAN("bad\xff\xfe utf8\xc3", "bad utf8");
        CLEAN("\xc0\xaf overlong", "overlong");
        CLEAN("\xed\xa0\x80 surrogate", "surrogate");
        CLEAN("\xc2\x85 C1", "C1");
        CLEAN("", NULL);
        CLEAN(" \n", NULL);
#undef CLEAN
        /* Bounded, and cut on a character boundary. */
        char longer[300];
        memset(longer, 'x', sizeof(longer));
        char *v = identity_clean(longer, sizeof(longer));
        assert_int_equal(strlen(v), IDENTITY_MAX_VALUE);
        free(v);
        char accents[300];
        for (size_t i = 0; i + 1 < sizeof(accents); i += 2)
                memcpy(accents + i, "\xc3\xa9", 2);
        accents[0] = 'x'; /* odd offset: the last whole character ends before the bound */
        v = identity_clean(accents, sizeof(accents));
        assert_true(strlen(v) <= IDENTITY_MAX_VALUE);
        free(v);
}

static void test_os_release(void **state)
{
        const char *text = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
                           "VERSION='12 (bookworm)'\nID=debian\nEMPTY=\nIMAGE=\n";
        char *v = identity_os_release_value(text, "VERSION");
        assert_string_equal(v, "12 (bookworm)");
        free(v);
        v = identity_os_release_value(text, "VERSION_ID");
        assert_string_equal(v, "12");
        free(v);
        v = identity_os_release_value(text, "ID");
        assert_string_equal(v, "debian");
        free(v);
        assert_null(identity_os_release_value(text, "EMPTY"));
        assert_null(identity_os_release_value(text, "IMAGE_VERSION"));
        assert_null(identity_os_release_value("VERSION", "VERSION"));
        assert_null(identity_os_release_value("", "VERSION"));
}

/* A scratch root with files; removed at the end of the test. */
typedef struct root {
        char dir[64];
} root;

static void make_root(root *r)
{
        snprintf(r->dir, sizeof(r->dir), "/tmp/lwm2md-sysroot.XXXXXX");
        assert_non_null(mkdtemp(r->dir));
}

#define PUT(r, path, lit) SYSROOT_PUT((r)->dir, path, lit)

static void remove_root(root *r)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        assert_int_equal(system(cmd), 0);
}

static void test_dmi_first(void **state)
{
        root r;
        make_root(&r);
        PUT(&r, "/sys/class/dmi/id/sys_vendor", "To Be Filled By O.E.M.\n");
        PUT(&r, "/sys/class/dmi/id/board_vendor", "Advantech\n");
        PUT(&r, "/sys/class/dmi/id/product_name", "UNO-2271G\n");
        PUT(&r, "/sys/class/dmi/id/product_serial", "ADV-123 \n");
        PUT(&r, "/proc/device-tree/model", "Not this one\0");
        PUT(&r, "/etc/os-release", "NAME=Yocto\nIMAGE_VERSION=2026.12.1\nVERSION_ID=4.0\n");
        device_identity id;
        assert_int_equal(identity_read(r.dir, &id), 0);
        assert_string_equal(id.manufacturer, "Advantech"); /* the placeholder is skipped */
        assert_string_equal(id.model, "UNO-2271G");
        assert_string_equal(id.serial_number, "ADV-123");
        assert_string_equal(id.firmware_version, "2026.12.1");
        identity_clear(&id);
        remove_root(&r);
}

static void test_device_tree_only(void **state)
{
        root r;
        make_root(&r);
        PUT(&r, "/proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\0");
        PUT(&r, "/proc/device-tree/serial-number", "10000000abcdef01\0");
        PUT(&r, "/proc/device-tree/compatible", "raspberrypi,4-model-b\0brcm,bcm2711\0");
        PUT(&r, "/usr/lib/os-release", "NAME=Debian\nVERSION=\"12 (bookworm)\"\n");
        device_identity id;
        assert_int_equal(identity_read(r.dir, &id), 0);
        assert_string_equal(id.manufacturer, "raspberrypi");
        assert_string_equal(id.model, "Raspberry Pi 4 Model B Rev 1.4");
        assert_string_equal(id.serial_number, "10000000abcdef01");
        assert_string_equal(id.firmware_version, "12 (bookworm)");
        identity_clear(&id);
        remove_root(&r);
}

static void test_os_release_only_and_nothing(void **state)
{
        root r;
        make_root(&r);
        PUT(&r, "/etc/os-release", "PRETTY_NAME=\"Buildroot 2026.02\"\n");
        /* /etc wins: the /usr/lib file only stands in for a missing one. */
        PUT(&r, "/usr/lib/os-release", "VERSION_ID=99\n");
        device_identity id;
        assert_int_equal(identity_read(r.dir, &id), 0);
        assert_null(id.manufacturer);
        assert_null(id.model);
        assert_null(id.serial_number);
        assert_string_equal(id.firmware_version, "Buildroot 2026.02");
        identity_clear(&id);
        remove_root(&r);

        make_root(&r);
        assert_int_equal(identity_read(r.dir, &id), 0);
        assert_null(id.manufacturer);
        assert_null(id.model);
        assert_null(id.serial_number);
        assert_null(id.firmware_version);
        identity_clear(&id);
        remove_root(&r);
}

/* ---- the Device object: identity resources and Error Code ---- */

typedef struct fixture {
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        unsigned changes; /* to /3/0/11 */
} fixture;

static void on_change(void *userdata, const lwm2m_change *change)
{
        fixture *f = userdata;
        for (size_t i = 0; i < change->n_paths; i++)
                if (change->paths[i].len >= 3 && change->paths[i].id[0] == LWM2M_OBJ_DEVICE &&
                    change->paths[i].id[2] == LWM2M_DEV_ERROR_CODE) {
                        f->changes++;
                        return;
                }
}

static void open_tree(fixture *f)
{
        f->reg = lwm2m_registry_new();
        const char *dirs[] = {SOURCE_ROOT "/objects.d"};
        assert_true(ddf_load_dirs(f->reg, dirs, 1, NULL, NULL, NULL) >= 0);
        f->tree = lwm2m_tree_new(f->reg);
        assert_non_null(f->tree);
        assert_int_equal(lwm2m_tree_add_listener(f->tree, on_change, f), 0);
}

static void close_tree(fixture *f)
{
        lwm2m_tree_free(f->tree);
        lwm2m_registry_free(f->reg);
}

static const char *string_at(fixture *f, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_DEVICE, 0, rid);
        const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
        return v && v->type == LWM2M_TYPE_STRING ? (const char *)v->buf.data : NULL;
}

/* The codes of /3/0/11 as "a,b,c". */
static void errors(fixture *f, char *out, size_t size)
{
        out[0] = 0;
        for (uint16_t i = 0; i < 70; i++) {
                lwm2m_path p =
                        lwm2m_path_resource_instance(LWM2M_OBJ_DEVICE, 0, LWM2M_DEV_ERROR_CODE, i);
                const lwm2m_value *v = lwm2m_tree_get(f->tree, &p);
                if (!v)
                        break;
                size_t n = strlen(out);
                snprintf(out + n, size - n, "%s%lld", n ? "," : "", (long long)v->i);
        }
}

static void test_device_object(void **state)
{
        root r;
        make_root(&r);
        PUT(&r, "/proc/device-tree/model", "Board X\0");
        fixture f = {0};
        open_tree(&f);
        device_info info = {.manufacturer = "Configured", .sysroot = r.dir};
        device_object *d = device_object_new(f.tree, &info, NULL);
        assert_non_null(d);
        assert_string_equal(string_at(&f, LWM2M_DEV_MANUFACTURER), "Configured");
        assert_string_equal(string_at(&f, LWM2M_DEV_MODEL), "Board X");
        assert_null(string_at(&f, LWM2M_DEV_SERIAL));
        assert_null(string_at(&f, LWM2M_DEV_FIRMWARE_VERSION));

        char got[64];
        errors(&f, got, sizeof(got));
        assert_string_equal(got, "0");
        f.changes = 0;
        assert_int_equal(device_object_raise_error(d, DEVICE_ERROR_UPDATE_FAILED), 0);
        assert_int_equal(device_object_raise_error(d, DEVICE_ERROR_GPS_FAILURE), 0);
        assert_int_equal(device_object_raise_error(d, DEVICE_ERROR_GPS_FAILURE), 0);
        errors(&f, got, sizeof(got));
        assert_string_equal(got, "3,16");
        assert_int_equal(f.changes, 2); /* once per change of the set, not per call */
        assert_int_equal(device_object_clear_error(d, DEVICE_ERROR_GPS_FAILURE), 0);
        errors(&f, got, sizeof(got));
        assert_string_equal(got, "16");
        assert_int_equal(device_object_clear_error(d, DEVICE_ERROR_UPDATE_FAILED), 0);
        errors(&f, got, sizeof(got));
        assert_string_equal(got, "0");
        assert_int_equal(f.changes, 4);
        assert_int_equal(device_object_raise_error(d, 0), -EINVAL);
        assert_int_equal(device_object_raise_error(d, 33), -EINVAL);
        assert_int_equal(device_object_raise_error(NULL, 5), 0);
        device_object_free(d);

        /* Out of memory under the threshold: 10 of 1000 kB available is under 99%
         * (/proc/meminfo is read under the system root too). */
        PUT(&r, "/proc/meminfo", "MemTotal: 1000 kB\nMemFree: 5 kB\nMemAvailable: 10 kB\n");
        info.low_memory_percent = 99;
        d = device_object_new(f.tree, &info, NULL);
        assert_non_null(d);
        errors(&f, got, sizeof(got));
        assert_string_equal(got, "5");
        device_object_free(d);
        close_tree(&f);
        remove_root(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_clean),
                cmocka_unit_test(test_os_release),
                cmocka_unit_test(test_dmi_first),
                cmocka_unit_test(test_device_tree_only),
                cmocka_unit_test(test_os_release_only_and_nothing),
                cmocka_unit_test(test_device_object),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
