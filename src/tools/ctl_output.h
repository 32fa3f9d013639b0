/* ctl_output.h - what lwm2mctl prints: messages and failures on stderr (with {"error": ...}
 * on stdout under --json), values and resources as text for people or as JSON for scripts. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "tools/ctl_parse.h"
#include "util/macro.h"

/* The daemon's own errors, org.lwm2md1.Error.NAME, are shown by NAME. */
#define CTL_ERROR_PREFIX "org.lwm2md1.Error."

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

/* "lwm2mctl: " and the sentence, on stderr. */
_printf_(1, 2) void ctl_msg(const char *fmt, ...);
/* A JSON document on stdout, pretty-printed. */
void ctl_print_json(json_object *o);
/* Reports a failed call `what` on stderr (and as {"error": ...} on stdout with --json) and
 * returns the exit status it deserves: CTL_EXIT_UNREACHABLE when the daemon is not there,
 * CTL_EXIT_FAILED when it refused. */
int ctl_report(const ctl_args *args, const char *what, int r, const sd_bus_error *e);
/* A failure found by lwm2mctl itself (not a bus error), reported as ctl_report does;
 * returns `status`. */
_printf_(3, 4) int ctl_fail(const ctl_args *args, int status, const char *fmt, ...);

/* A value as JSON: numbers and booleans as such, everything else as ctl_format_value's text. */
json_object *ctl_value_to_json(const lwm2m_value *v);
/* One value, or an object of resource instances keyed by their ID. */
json_object *ctl_res_value_to_json(const ctl_res_value *rv);
/* "NAME[RI] = VALUE UNITS" lines for people; `only_riid` >= 0 prints that instance only. */
void ctl_print_resource(const ctl_resource *res, const ctl_res_value *rv, const char *indent,
                        int only_riid);
/* {"path", "id", "name", "type", "units", "value"} of a resource, or of instance `riid` >= 0. */
json_object *ctl_resource_json(uint16_t oid, uint16_t iid, const ctl_resource *res,
                               const ctl_res_value *rv, int riid);
