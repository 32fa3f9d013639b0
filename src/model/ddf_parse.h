/* ddf_parse.h - the SAX side of the DDF loader: expat's callbacks walk LWM2M/Object/Resources/
 * Item, hand each field's text to the builder, and refuse what a DDF never needs (DTDs, UTF-16). */
#pragma once

#include <stddef.h>

#include "model/ddf_build.h"
#include "model/ddf_report.h"
#include "util/macro.h"

/* Largest DDF file accepted; the registry's largest is well under 1 MiB. */
#define DDF_FILE_MAX_BYTES ((size_t)4 * 1024 * 1024)

typedef struct ddf_parser ddf_parser;

/* Parses one document held in memory (`name` for messages) or one file. Returns 0 with the
 * parser in `out` (a file without objects gets a notice and none), -EBADMSG for a rejected
 * file (reported), -ENOMEM, or -errno when the file cannot be read. */
int ddf_parse_buffer(const char *name, const void *data, size_t len, lwm2m_diag_fn diag,
                     void *userdata, ddf_parser **out);
int ddf_parse_file(const char *path, lwm2m_diag_fn diag, void *userdata, ddf_parser **out);
/* The definitions parsed, to be taken from its `defs`. */
ddf_builder *ddf_parser_result(ddf_parser *p);
void ddf_parser_free(ddf_parser *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(ddf_parser *, ddf_parser_free)
