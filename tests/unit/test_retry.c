/* test_retry.c - the back-off policy: waits that grow and are capped, jitter that only
 * lengthens, and the Server object's attempt and sequence counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lwm2m/retry.h"

static const retry_policy policy = {.first_ms = 5000, .max_ms = 60000};

static void test_waits_double_up_to_the_cap(void **state)
{
        (void)state;
        assert_int_equal(retry_delay_ms(&policy, 1, 0), 5000);
        assert_int_equal(retry_delay_ms(&policy, 2, 0), 10000);
        assert_int_equal(retry_delay_ms(&policy, 4, 0), 40000);
        assert_int_equal(retry_delay_ms(&policy, 5, 0), 60000);
        assert_int_equal(retry_delay_ms(&policy, 1000, 0), 60000);
}

static void test_jitter_adds_at_most_a_quarter(void **state)
{
        (void)state;
        uint64_t most = retry_delay_ms(&policy, 1, UINT32_MAX);
        assert_true(most > 5000);
        assert_true(most < 5000 + 5000 / 4);
}

static void test_floor_and_longest(void **state)
{
        (void)state;
        retry_policy tiny = {.first_ms = 100, .max_ms = 100};
        assert_int_equal(retry_delay_ms(&tiny, 1, 0), RETRY_FLOOR_MS);
        retry_policy huge = {.first_ms = 1000, .max_ms = UINT64_MAX};
        assert_int_equal(retry_delay_ms(&huge, 200, 0), RETRY_LONGEST_MS);
}

static void test_sequences_end_and_exhaust_once(void **state)
{
        (void)state;
        retry_sequence seq = {.attempts = 3, .sequences = 2};
        unsigned ended = 0, exhausted = 0;
        for (unsigned failures = 1; failures <= 12; failures++) {
                retry_step st = retry_after_failure(&policy, &seq, failures, 0);
                if (st.sequence_ended) {
                        ended++;
                        /* The wait after a sequence is the Sequence Delay Timer. */
                        assert_int_equal(st.delay_ms, 60000);
                } else {
                        assert_int_equal(st.delay_ms, retry_delay_ms(&policy, failures, 0));
                }
                if (st.exhausted) {
                        exhausted++;
                        assert_int_equal(failures, 6);
                }
        }
        assert_int_equal(ended, 4);
        assert_int_equal(exhausted, 1);
}

static void test_growth_goes_on_across_sequences(void **state)
{
        (void)state;
        retry_sequence seq = {.attempts = 2, .sequences = 1};
        uint64_t last = 0;
        for (unsigned failures = 1; failures <= 10; failures++) {
                retry_step st = retry_after_failure(&policy, &seq, failures, 0);
                if (st.sequence_ended)
                        continue;
                /* The growth within a sequence goes on from where the last one ended. */
                assert_true(st.delay_ms >= last);
                last = st.delay_ms;
        }
}

static void test_zero_counts_mean_one(void **state)
{
        (void)state;
        retry_sequence seq = {0};
        retry_step st = retry_after_failure(&policy, &seq, 1, 0);
        assert_true(st.sequence_ended);
        assert_true(st.exhausted);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_waits_double_up_to_the_cap),
                cmocka_unit_test(test_jitter_adds_at_most_a_quarter),
                cmocka_unit_test(test_floor_and_longest),
                cmocka_unit_test(test_sequences_end_and_exhaust_once),
                cmocka_unit_test(test_growth_goes_on_across_sequences),
                cmocka_unit_test(test_zero_counts_mean_one),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
