/* ddf.h - the OMA object definition (DDF XML) loader: parses files with expat
 * into registry definitions, tolerating the registry's real-world variations. */
#pragma once

#include <stddef.h>

#include "model/definition.h"

typedef enum lwm2m_diag_level {
        LWM2M_DIAG_ERROR,   /* the file (or object) was rejected */
        LWM2M_DIAG_WARNING, /* loaded, but something was ignored or overridden */
        LWM2M_DIAG_NOTICE,  /* informational: skipped non-object files, overrides */
} lwm2m_diag_level;

/* Receives every diagnostic; `line` and `column` are 0 when not applicable. */
typedef void (*lwm2m_diag_fn)(void *userdata, lwm2m_diag_level level, const char *file,
                              unsigned line, unsigned column, const char *message);

typedef struct ddf_load_stats {
        unsigned files;      /* *.xml files looked at */
        unsigned objects;    /* definitions in the registry afterwards */
        unsigned resources;  /* resources in those definitions */
        unsigned rejected;   /* files with an error */
        unsigned skipped;    /* files that define no object */
        unsigned overridden; /* definitions replaced by a later one */
        unsigned warnings;
} ddf_load_stats;

/* Largest DDF file accepted; the registry's largest is well under 1 MiB. */
#define DDF_FILE_MAX_BYTES ((size_t)4 * 1024 * 1024)

/* Loads one DDF document held in memory; `name` is used in diagnostics.
 * Returns the number of objects added (0 for a file that defines none),
 * -EBADMSG for a rejected file, -ENOMEM. */
int ddf_load_buffer(lwm2m_registry *reg, const char *name, const void *data, size_t len,
                    lwm2m_diag_fn diag, void *userdata);
/* Loads one file (same returns, plus -errno when it cannot be read). */
int ddf_load_file(lwm2m_registry *reg, const char *path, lwm2m_diag_fn diag, void *userdata);
/* Loads every *.xml of each directory, in name order, directory after
 * directory: a later directory's definition of an object ID overrides an
 * earlier one's (a notice says so). A missing directory is a warning.
 * Returns 0 when every file loaded, -EBADMSG when any was rejected (the others
 * still load), -ENOMEM. `stats` may be NULL. */
int ddf_load_dirs(lwm2m_registry *reg, const char *const *dirs, size_t n_dirs, lwm2m_diag_fn diag,
                  void *userdata, ddf_load_stats *stats);
