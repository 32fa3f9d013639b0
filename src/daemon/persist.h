/* persist.h - the daemon's persistent state at work: loaded at start-up over the configuration,
 * written once per event-loop turn after changes, cleared by Factory Reset (docs/persistence.md).
 */
#pragma once

#include <systemd/sd-event.h>

#include "lwm2m/engine.h"
#include "model/attributes.h"
#include "model/tree.h"

typedef struct persist persist;

/* Keeps state in `dir` (created 0700 when missing). NULL: out of memory. */
persist *persist_new(const char *dir);
/* Writes what is not written yet (when started and not cleared), then frees. */
void persist_free(persist *p);

/* Loads dir/state.cbor into the tree (which has no Security, Server or Access
 * Control instances yet): 1 loaded, 0 nothing to load (no file, or a bad one,
 * which is moved aside to state.cbor.corrupt-<unix time> and logged). Negative:
 * the daemon must not start (a file of a newer format, or one it cannot read);
 * logged. */
int persist_load(persist *p, lwm2m_tree *t);
/* The attributes the loaded file held (NULL when nothing was loaded), to give to
 * lwm2m_engine_restore_attributes. */
const lwm2m_attributes *persist_loaded_attributes(const persist *p);

/* From now on, changes to the Security, Server and Access Control instances of
 * the tree and to the engine's attributes are written, batched: one write per
 * event-loop turn. */
int persist_start(persist *p, sd_event *event, lwm2m_tree *t, lwm2m_engine *e);
/* Writes now what is not written yet (lwm2m_engine_config.answering): a server's
 * request is answered only once what it changed is on disk. */
void persist_flush_now(persist *p);
/* The engine's attributes changed (lwm2m_engine_config.attributes_changed). */
void persist_attributes_changed(persist *p);
/* Factory Reset: removes the state file and writes nothing more in this run. */
int persist_clear(persist *p);
