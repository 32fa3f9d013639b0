/* ddf.h - the OMA object definition (DDF XML) loader: parses files with expat
 * into registry definitions, tolerating the registry's real-world variations. */
#pragma once

#include <stddef.h>

#include "model/ddf_parse.h" /* DDF_FILE_MAX_BYTES */
#include "model/ddf_report.h"
#include "model/definition.h"

typedef struct ddf_load_stats {
        unsigned files;      /* *.xml files looked at */
        unsigned objects;    /* definitions in the registry afterwards */
        unsigned resources;  /* resources in those definitions */
        unsigned rejected;   /* files with an error */
        unsigned skipped;    /* files that define no object */
        unsigned overridden; /* definitions replaced by a later one */
        unsigned warnings;
} ddf_load_stats;

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
