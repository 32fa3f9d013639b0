/* sysfile.h - reading the small files of /proc, /sys and /etc whole, in one go and
 * bounded, for the objects that report what the system says. */
#pragma once

#include <stddef.h>

/* Up to `max` bytes of the file at `path`, NUL-terminated (the file may hold
 * NULs of its own: *len says how much was read; len may be NULL). NULL when it
 * cannot be opened (absent, or not readable for us) or out of memory. */
char *sysfile_read(const char *path, size_t max, size_t *len);
