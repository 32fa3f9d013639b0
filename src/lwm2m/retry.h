/* retry.h - the one back-off policy for every exchange the engine retries with a
 * server (Register, Update, De-register, Bootstrap-Request; later notifications). */
#pragma once

#include <stdint.h>

/* No retry comes sooner than CoAP's ACK_TIMEOUT after a failure: a server that is
 * down answers with ICMP at once, and must not see us more often than CoAP itself
 * would retransmit. */
#define RETRY_FLOOR_MS 2000u

/* The longest wait whatever the Server object says (a week): a gateway must come
 * back some day after a long outage. */
#define RETRY_LONGEST_MS (7ull * 24 * 3600 * 1000)

/* The policy where the Server object leaves it out (and for the bootstrap server,
 * which has none): quicker than the specification's 60 s, since a gateway should
 * come back soon after an outage. */
#define RETRY_DEFAULT_FIRST_MS 5000u
#define RETRY_DEFAULT_MAX_MS   (10u * 60 * 1000)

typedef struct retry_policy {
        uint64_t first_ms; /* the first wait: Communication Retry Timer (/1/x/18) */
        uint64_t max_ms;   /* the longest: Communication Sequence Delay Timer (/1/x/19) */
} retry_policy;

/* The wait after `failures` consecutive failures (1 for the first): first_ms,
 * doubled for each further failure, capped at max_ms, then lengthened at random by
 * up to a quarter (`random` uniform over uint32_t) so that a fleet that lost its
 * server does not come back in lockstep. Never shorter than the policy nor
 * RETRY_FLOOR_MS. */
uint64_t retry_delay_ms(const retry_policy *p, unsigned failures, uint32_t random);
