/* sysroot_fixture.h - fake trees of system files (DMI, device tree, os-release) for
 * the tests of the Device object's identity, unit and integration alike. */
#pragma once

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

/* Writes root/path (path starts with a slash), making the directories on the way. */
static inline void sysroot_put(const char *root, const char *path, const void *data, size_t len)
{
        char full[PATH_MAX];
        snprintf(full, sizeof(full), "%s%s", root, path);
        for (char *p = full + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                mkdir(full, 0755);
                *p = '/';
        }
        FILE *f = fopen(full, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
}

/* String literals with their NULs: device tree strings end in one. */
#define SYSROOT_PUT(root, path, lit) sysroot_put(root, path, lit, sizeof(lit) - 1)
