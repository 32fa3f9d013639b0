/* retry.c - the one back-off policy for every exchange the engine retries with a
 * server (Register, Update, De-register; later Bootstrap-Request and notifications). */
#include "lwm2m/retry.h"

uint64_t retry_delay_ms(const retry_policy *p, unsigned failures, uint32_t random)
{
        uint64_t first = p->first_ms > RETRY_FLOOR_MS ? p->first_ms : RETRY_FLOOR_MS;
        uint64_t cap = p->max_ms > first ? p->max_ms : first;
        if (cap > RETRY_LONGEST_MS)
                cap = RETRY_LONGEST_MS;
        if (first > cap)
                first = cap;
        uint64_t delay = first;
        for (unsigned i = 1; i < failures && delay < cap; i++)
                delay *= 2;
        if (delay > cap)
                delay = cap;
        /* random / 2^32 of a quarter: delay / 4 < 2^32 by RETRY_LONGEST_MS, no overflow. */
        return delay + (((delay / 4) * (uint64_t)random) >> 32);
}

retry_step retry_after_failure(const retry_policy *p, const retry_sequence *seq, unsigned failures,
                               uint32_t random)
{
        unsigned attempts = seq->attempts ? seq->attempts : 1;
        unsigned sequences = seq->sequences ? seq->sequences : 1;
        retry_step step = {.sequence_ended = failures > 0 && failures % attempts == 0};
        if (step.sequence_ended) {
                /* The wait at the cap: the Sequence Delay Timer, with its jitter. */
                step.delay_ms = retry_delay_ms(p, UINT32_MAX, random);
                step.exhausted = failures / attempts == sequences;
        } else {
                step.delay_ms = retry_delay_ms(p, failures, random);
        }
        return step;
}
