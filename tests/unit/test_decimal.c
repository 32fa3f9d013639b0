/* test_decimal.c - unit tests for the shortest decimal spelling of doubles (formats/decimal):
 * the exact integer way against printf and strtod, on chosen and on random numbers. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/decimal.h"

/* What decimal_format_double wrote before it had its own arithmetic: the precisions one
 * by one until strtod reads the same double back. */
static void reference_plain(double d, char *buf, size_t size)
{
        int digits = 17;
        for (int p = 1; p <= 17; p++) {
                snprintf(buf, size, "%.*e", p - 1, d);
                if (strtod(buf, NULL) == d) {
                        digits = p;
                        break;
                }
        }
        const char *e = strchr(buf, 'e');
        int exponent = e ? atoi(e + 1) : 0;
        if (exponent >= -5 && exponent < 17) {
                int decimals = digits - 1 - exponent;
                snprintf(buf, size, "%.*f", decimals > 0 ? decimals : 0, d);
        }
}

/* What SenML JSON wrote: printf's %g at the shortest precision, ".0" when no '.' or 'e'. */
static void reference_g(double d, char *buf, size_t size)
{
        for (int p = 1; p <= 17; p++) {
                snprintf(buf, size, "%.*g", p, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        if (!strpbrk(buf, ".e"))
                strncat(buf, ".0", size - strlen(buf) - 1);
}

static void check(double d)
{
        char want[64], got[DECIMAL_DOUBLE_STRLEN];
        reference_g(d, want, sizeof(want));
        int n = decimal_format_double_ex(d, DECIMAL_G_EXPONENT | DECIMAL_FLOAT_MARK, got);
        if (n < 0 || strcmp(want, got) != 0 || (size_t)n != strlen(got))
                fail_msg("%a: %%g spelling \"%s\", printf says \"%s\"", d, got, want);
        /* Plain notation pads with zeros where %.0f would print an integer's every digit:
         * the same number, the same only below 2^53. */
        if (fabs(d) < 9007199254740992.0 || fabs(d) >= 1e17) {
                reference_plain(d, want, sizeof(want));
                n = decimal_format_double(d, got);
                if (n < 0 || strcmp(want, got) != 0)
                        fail_msg("%a: plain spelling \"%s\", printf says \"%s\"", d, got, want);
        }
        assert_int_equal(strtod(got, NULL), d);
}

static void test_chosen(void **state)
{
        static const double chosen[] = {
                0.0,
                -0.0,
                1.0,
                -1.0,
                0.5,
                0.1,
                0.2,
                0.3,
                1.5,
                2.5,
                25.0,
                42.2,
                100.0,
                1500.0,
                1e16,
                1e17,
                1e21,
                1e22,
                1e23,
                1e-5,
                1e-6,
                1e-4,
                1.5e-7,
                0.30000000000000004,
                5e-324,
                2.2250738585072014e-308,
                1.7976931348623157e308,
                9007199254740991.0,
                9007199254740992.0,
                9007199254740993.0,
                4503599627370495.5,
                123456.789,
                18.25,
                18.387,
                3.14159,
                1732200000.5,
                -273.15,
                0.001,
                0.000123,
                65535.0,
                1e-10,
                1.2345678901234567e-10,
                9.999999999999999e15,
                99999999999999.99,
        };
        for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++)
                check(chosen[i]);
        /* The benchmark's readings: sums that need all 17 digits next to ones that do not. */
        for (int i = 0; i < 1000; i++)
                check(18.25 + i * 0.137);
}

/* Marsaglia's xorshift: the same numbers on every run. */
static uint64_t next_random(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

static void test_random_bits(void **state)
{
        uint64_t x = 0x9e3779b97f4a7c15ull;
        for (int i = 0; i < 100000; i++) {
                next_random(&x);
                double d;
                memcpy(&d, &x, sizeof(d));
                if (isfinite(d))
                        check(d);
        }
}

/* Numbers a sensor sends: few digits, every magnitude the exact way covers, and neighbours. */
static void test_random_readings(void **state)
{
        uint64_t x = 88172645463325252ull;
        for (int i = 0; i < 100000; i++) {
                next_random(&x);
                int digits = 1 + (int)(x % 17);
                int exp10 = (int)((x >> 8) % 40) - 20;
                double d = (double)((x >> 16) % (uint64_t)pow(10, digits)) * pow(10, exp10);
                if ((x >> 60) & 1)
                        d = -d;
                check(d);
                check(nextafter(d, INFINITY));
                check(nextafter(d, -INFINITY));
        }
}

static void test_not_finite(void **state)
{
        char buf[DECIMAL_DOUBLE_STRLEN];
        decimal_digits dd;
        assert_int_equal(decimal_format_double(NAN, buf), -EINVAL);
        assert_int_equal(decimal_format_double(INFINITY, buf), -EINVAL);
        assert_int_equal(decimal_shortest(-INFINITY, &dd), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_chosen),
                cmocka_unit_test(test_random_bits),
                cmocka_unit_test(test_random_readings),
                cmocka_unit_test(test_not_finite),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
