/* identity.h - who the device is, found on the running system: DMI, the device tree
 * and os-release, read under a root directory that tests can point elsewhere. */
#pragma once

#include <stddef.h>

/* The longest value kept: DMI strings are at most 64 bytes, os-release lines short. */
#define IDENTITY_MAX_VALUE 128

typedef struct device_identity {
        char *manufacturer; /* NULL: not found */
        char *model;
        char *serial_number;
        char *firmware_version; /* the operating system image's version */
} device_identity;

/* A value read from a system file, made fit for a String resource: up to the
 * first NUL or newline, control characters and bytes that are not UTF-8
 * dropped, blanks trimmed, at most IDENTITY_MAX_VALUE bytes (cut on a
 * character boundary). NULL when nothing is left or out of memory. */
char *identity_clean(const char *bytes, size_t len);

/* The value of `key` in os-release text (shell-style quoting removed), cleaned;
 * NULL when absent or empty. */
char *identity_os_release_value(const char *text, const char *key);

/* Fills what the system under `root` (NULL or "" for "/") says, each value from
 * the first source that has it: DMI (/sys/class/dmi/id), else the device tree
 * (/proc/device-tree: model, serial-number, and the vendor prefix of the first
 * compatible string), else nothing; the firmware version from os-release
 * (/etc/os-release, else /usr/lib/os-release): IMAGE_VERSION, VERSION,
 * VERSION_ID, PRETTY_NAME. Returns 0. */
int identity_read(const char *root, device_identity *out);
void identity_clear(device_identity *id);
