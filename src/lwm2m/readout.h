/* readout.h - the values a server may read at one path or at several, and the
 * content-format it gets them in: what Read, Observe and Send have in common. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/server.h"
#include "model/definition.h"
#include "model/path.h"
#include "model/record.h"

/* The values at `p` as server `short_id` may read them (what a Read answers):
 * the policy's refusal of `p` itself (-EACCES, -EPERM; model/policy.h), -ENOENT
 * when nothing is there, or a resource is defined but holds no value. */
int readout_values(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *p, lwm2m_record_list *out);
/* The values at several paths (Read-Composite, Observe-Composite, Send), sorted,
 * each once; a path that names nothing, or that the server may not read, adds
 * nothing. 0 or -ENOMEM. */
int readout_collect(lwm2m_engine *e, uint16_t short_id, const lwm2m_path *paths, size_t n,
                    lwm2m_record_list *out);
/* The content-format of a Read of `p` (resource `res`, NULL above resource level)
 * that asked for `accept` (-1: none). */
uint16_t readout_format(const server *s, const lwm2m_resource_def *res, const lwm2m_path *p,
                        int64_t accept);
/* The content-format a server gets when it names none. */
uint16_t readout_default_format(const server *s, const lwm2m_path *path, bool single_value);
