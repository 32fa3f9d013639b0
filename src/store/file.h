/* file.h - the state file on disk: read whole, replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), moved aside or removed; mode 0600, for the secrets in it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The name of the state file in the state directory. */
#define STORE_FILE_NAME "state.cbor"

/* Creates `dir` (and missing parents) with mode 0700 when it does not exist. */
int store_dir_ensure(const char *dir);
/* Reads a whole regular file of at most `max` bytes: -ENOENT when it does not
 * exist, -EFBIG when larger, -EINVAL when not a regular file. */
int store_file_read(const char *path, size_t max, uint8_t **data, size_t *len);
/* Replaces dir/name with `data`: a temporary file in `dir` (mode 0600,
 * O_CLOEXEC), written and fsynced, renamed over dir/name, then the directory
 * fsynced. On any error the old file is left as it was. */
int store_file_replace(const char *dir, const char *name, const void *data, size_t len);
/* Removes the temporary files of store_file_replace that a crash left behind
 * (they may hold secrets); returns how many, or a negative errno. */
int store_file_remove_stale(const char *dir, const char *name);
/* Renames dir/name to dir/`new_name` and fsyncs the directory. */
int store_file_move(const char *dir, const char *name, const char *new_name);
/* Removes dir/name (a missing file is fine) and fsyncs the directory. */
int store_file_remove(const char *dir, const char *name);
