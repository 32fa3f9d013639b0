/* report.h - the decisions of notification reporting: which periods hold for an
 * observation, and whether a new value is worth a notification. No timers here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/attributes.h"
#include "model/value.h"

/* The periods in force for one observation, in milliseconds; 0: none.
 * Milliseconds because the engine's clock and timers count in them; attributes
 * count in seconds. */
typedef struct lwm2m_report_periods {
        uint64_t pmin_ms, pmax_ms, epmin_ms, epmax_ms;
} lwm2m_report_periods;

/* Resolves the effective attributes over the Server object's defaults
 * (default_pmin /1/x/2, default_pmax /1/x/3; 0 = not set): pmin from the attributes
 * else the default; pmax likewise; pmax is ignored (0) when pmax < pmin or pmax == 0;
 * epmax likewise ignored when epmax < epmin or 0.
 * A pmax under pmin cannot be honoured (a notification would be due before one is
 * allowed); the specification has the client ignore it rather than refuse it, as
 * the two may be set at different levels. epmin and epmax have no defaults. */
void lwm2m_report_resolve_periods(const lwm2m_attr_set *eff, uint32_t default_pmin,
                                  uint32_t default_pmax, lwm2m_report_periods *out);

/* Whether a new value of a single resource (or resource instance) meets the change
 * conditions against the value last reported: with none of gt, lt, st, edge set, any
 * difference; gt and lt: the value crossed the threshold in either direction
 * (last < gt <= now or last >= gt > now, same for lt); st: |now - last| >= st;
 * edge (booleans): edge=1 a false->true change, edge=0 true->false. When several are
 * set, any one suffices. `last` may be NULL (nothing reported yet): true. Numbers
 * compared as doubles (integers, unsigned, float, time).
 * A condition that cannot apply to the values (gt on a string, edge on a number:
 * Write-Attributes refuses them, but attributes set at another level or given with
 * an Observe may still meet such a value) is left out; when none applies, any
 * difference counts, as if none were set. A step of 0 means any difference, not
 * "always": an unchanged value is never news. */
bool lwm2m_report_condition_met(const lwm2m_attr_set *eff, const lwm2m_value *last,
                                const lwm2m_value *now);
