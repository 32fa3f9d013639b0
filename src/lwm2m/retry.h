/* retry.h - the one back-off policy for every exchange the engine retries with a
 * server (Register, Update, De-register, Bootstrap-Request; later notifications). */
#pragma once

#include <stdbool.h>
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

/* How the Server object counts Register failures (LwM2M 1.1 Core TS 6.2.1.1): a
 * sequence is `attempts` tries (Communication Retry Count, /1/x/17), and the
 * registration has failed after `sequences` failed sequences (Communication Sequence
 * Retry Count, /1/x/20). Both at least 1. */
typedef struct retry_sequence {
        unsigned attempts;
        unsigned sequences;
} retry_sequence;

typedef struct retry_step {
        uint64_t delay_ms;   /* the wait before the next try */
        bool sequence_ended; /* this failure ended a sequence: the wait is the sequence delay */
        bool exhausted;      /* this failure ended the last sequence the rules allow */
} retry_step;

/* The wait after the `failures`-th consecutive failed Register (1 for the first).
 * Within a sequence the waits grow as retry_delay_ms says; the failure that ends a
 * sequence waits the Sequence Delay Timer (`p->max_ms`). The growth is not reset at a
 * new sequence, so a fleet waiting out a long outage never speeds up. `exhausted`
 * is set once, on the failure that ends sequence number `seq->sequences`. */
retry_step retry_after_failure(const retry_policy *p, const retry_sequence *seq, unsigned failures,
                               uint32_t random);
