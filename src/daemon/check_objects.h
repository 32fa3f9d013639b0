/* check_objects.h - `lwm2md --check-objects`: loads DDF directories as the daemon
 * would, prints every diagnostic and a summary, for integrators and packaging checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Loads the *.xml files of `dirs` (later directories override earlier ones),
 * prints diagnostics as "file:line:column: level: message" on `err` and a
 * summary on `out`. Returns the exit status: 0 when no file was rejected (and,
 * if `strict`, nothing was warned about), 1 otherwise. */
int check_objects_run(const char *const *dirs, size_t n_dirs, bool strict, FILE *out, FILE *err);
