/* identity.c - who the device is, found on the running system: DMI, the device tree
 * and os-release, read under a root directory that tests can point elsewhere. */
#include "objects/identity.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macro.h"
#include "util/sysfile.h"

#define MAX_FILE 4096

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
        size_t len;
        uint32_t min;
        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0)
                len = 2, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
                len = 3, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
                len = 4, min = 0x10000;
        else
                return 0;
        if (len > n)
                return 0;
        uint32_t cp = s[0] & (0x7f >> len);
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        /* C1 controls are control characters too. */
        return cp >= 0x80 && cp < 0xa0 ? 0 : len;
}

char *identity_clean(const char *bytes, size_t len)
{
        char out[IDENTITY_MAX_VALUE + 1];
        size_t n = 0;
        const uint8_t *s = (const uint8_t *)bytes;
        for (size_t i = 0; i < len && s[i] != 0 && s[i] != '\n';) {
                size_t k = utf8_sequence(s + i, len - i);
                if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
                        /* A tab is a blank; other controls and stray bytes go. */
                        if (s[i] == '\t' && n < IDENTITY_MAX_VALUE)
                                out[n++] = ' ';
                        i++;
                        continue;
                }
                if (n + k > IDENTITY_MAX_VALUE)
                        break;
                memcpy(out + n, s + i, k);
                n += k;
                i += k;
        }
        while (n > 0 && out[n - 1] == ' ')
                n--;
        out[n] = 0;
        size_t start = strspn(out, " ");
        return out[start] ? strdup(out + start) : NULL;
}

/* A small file under root, whole (device tree strings hold NULs); NULL if
 * absent or unreadable, as product_serial often is for anyone but root. */
static char *read_file(const char *root, const char *path, size_t *len)
{
        char full[PATH_MAX];
        if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
                return NULL;
        return sysfile_read(full, MAX_FILE, len);
}

/* What firmware vendors leave in DMI fields they did not fill. */
static bool is_placeholder(const char *v)
{
        static const char *const junk[] = {
                "To Be Filled By O.E.M.",
                "To be filled by O.E.M.",
                "Default string",
                "System manufacturer",
                "System Product Name",
                "System Serial Number",
                "Not Specified",
                "Not Applicable",
                "None",
                "O.E.M.",
                "OEM",
                "0123456789",
        };
        for (size_t i = 0; i < ELEMENTSOF(junk); i++)
                if (strcasecmp(v, junk[i]) == 0)
                        return true;
        return false;
}

/* The cleaned first line of the first of `paths` that has one. */
static char *first_value(const char *root, const char *const *paths, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                size_t len = 0;
                _cleanup_free_ char *raw = read_file(root, paths[i], &len);
                char *v = raw ? identity_clean(raw, len) : NULL;
                if (v && !is_placeholder(v))
                        return v;
                free(v);
        }
        return NULL;
}

/* The vendor prefix of the device tree's first compatible string
 * ("raspberrypi,4-model-b\0brcm,bcm2711\0" gives "raspberrypi"). */
static char *compatible_vendor(const char *root, const char *path)
{
        size_t len = 0;
        _cleanup_free_ char *raw = read_file(root, path, &len);
        if (!raw)
                return NULL;
        const char *comma = memchr(raw, ',', strnlen(raw, len));
        return comma ? identity_clean(raw, (size_t)(comma - raw)) : NULL;
}

char *identity_os_release_value(const char *text, const char *key)
{
        size_t klen = strlen(key);
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t)(end - line) : strlen(line);
                if (n > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        const char *v = line + klen + 1;
                        size_t vn = n - klen - 1;
                        if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
                                v++;
                                vn -= 2;
                        }
                        return identity_clean(v, vn);
                }
                line = end ? end + 1 : NULL;
        }
        return NULL;
}

static char *os_release_version(const char *root)
{
        static const char *const files[] = {"/etc/os-release", "/usr/lib/os-release"};
        static const char *const keys[] = {"IMAGE_VERSION", "VERSION", "VERSION_ID", "PRETTY_NAME"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                size_t len = 0;
                _cleanup_free_ char *text = read_file(root, files[i], &len);
                if (!text)
                        continue;
                text[strnlen(text, len)] = 0;
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        char *v = identity_os_release_value(text, keys[k]);
                        if (v)
                                return v;
                }
                return NULL; /* /usr/lib/os-release only stands in for a missing /etc one */
        }
        return NULL;
}

int identity_read(const char *root, device_identity *out)
{
        if (!root || strcmp(root, "/") == 0)
                root = "";
        *out = (device_identity){0};
        static const char *const vendor[] = {"/sys/class/dmi/id/sys_vendor",
                                             "/sys/class/dmi/id/board_vendor"};
        static const char *const model[] = {
                "/sys/class/dmi/id/product_name", "/sys/class/dmi/id/board_name",
                "/proc/device-tree/model", "/sys/firmware/devicetree/base/model"};
        static const char *const serial[] = {
                "/sys/class/dmi/id/product_serial", "/sys/class/dmi/id/board_serial",
                "/proc/device-tree/serial-number", "/sys/firmware/devicetree/base/serial-number"};
        out->manufacturer = first_value(root, vendor, ELEMENTSOF(vendor));
        if (!out->manufacturer)
                out->manufacturer = compatible_vendor(root, "/proc/device-tree/compatible");
        if (!out->manufacturer)
                out->manufacturer =
                        compatible_vendor(root, "/sys/firmware/devicetree/base/compatible");
        out->model = first_value(root, model, ELEMENTSOF(model));
        out->serial_number = first_value(root, serial, ELEMENTSOF(serial));
        out->firmware_version = os_release_version(root);
        return 0;
}

void identity_clear(device_identity *id)
{
        free(id->manufacturer);
        free(id->model);
        free(id->serial_number);
        free(id->firmware_version);
        *id = (device_identity){0};
}
