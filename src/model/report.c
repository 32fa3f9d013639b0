/* report.c - the decisions of notification reporting: which periods hold for an
 * observation, and whether a new value is worth a notification. No timers here. */
#include "model/report.h"

#include <assert.h>
#include <math.h>

static uint64_t ms(uint32_t seconds)
{
        return (uint64_t)seconds * 1000;
}

void lwm2m_report_resolve_periods(const lwm2m_attr_set *eff, uint32_t default_pmin,
                                  uint32_t default_pmax, lwm2m_report_periods *out)
{
        assert(eff && out);
        uint32_t pmin = (eff->present & LWM2M_ATTR_PMIN) ? eff->pmin : default_pmin;
        uint32_t pmax = (eff->present & LWM2M_ATTR_PMAX) ? eff->pmax : default_pmax;
        uint32_t epmin = (eff->present & LWM2M_ATTR_EPMIN) ? eff->epmin : 0;
        uint32_t epmax = (eff->present & LWM2M_ATTR_EPMAX) ? eff->epmax : 0;
        if (pmax < pmin)
                pmax = 0;
        if (epmax < epmin)
                epmax = 0;
        *out = (lwm2m_report_periods){.pmin_ms = ms(pmin),
                                      .pmax_ms = ms(pmax),
                                      .epmin_ms = ms(epmin),
                                      .epmax_ms = ms(epmax)};
}

/* A crossing of `threshold`, upwards (last < t <= now) or downwards (last >= t > now):
 * the two halves of the number line are [t, +inf) and (-inf, t), so a value that
 * lands exactly on t has crossed upwards and not yet downwards. */
static bool crossed(double last, double now, double threshold)
{
        return (last < threshold) != (now < threshold);
}

static bool numeric_condition_met(const lwm2m_attr_set *eff, double last, double now)
{
        unsigned p = eff->present;
        if ((p & LWM2M_ATTR_GT) && crossed(last, now, eff->gt))
                return true;
        if ((p & LWM2M_ATTR_LT) && crossed(last, now, eff->lt))
                return true;
        return (p & LWM2M_ATTR_ST) && last != now && fabs(now - last) >= eff->st;
}

bool lwm2m_report_condition_met(const lwm2m_attr_set *eff, const lwm2m_value *last,
                                const lwm2m_value *now)
{
        assert(eff && now);
        if (!last)
                return true;
        double l, n;
        if ((eff->present & LWM2M_ATTR_NUMERIC) && lwm2m_value_to_double(last, &l) &&
            lwm2m_value_to_double(now, &n))
                return numeric_condition_met(eff, l, n);
        if ((eff->present & LWM2M_ATTR_EDGE) && last->type == LWM2M_TYPE_BOOLEAN &&
            now->type == LWM2M_TYPE_BOOLEAN)
                return last->b != eff->edge && now->b == eff->edge;
        return !lwm2m_value_equal(last, now);
}
