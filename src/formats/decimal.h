/* decimal.h - decimal numbers as the text-based formats write them (text/plain, link format):
 * strict, locale-independent parsing and shortest exact formatting. Header-only helpers. */
#pragma once

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough for any double printed with "%.17g" ("-2.2250738585072014e-308"). */
#define DECIMAL_DOUBLE_STRLEN 32
/* Longest decimal float text accepted: bounds the stack copy strtod needs. */
#define DECIMAL_FLOAT_TEXT_MAX 512

static inline bool decimal_is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* "0".."18446744073709551615": digits only, no sign, no white space. */
static inline int decimal_parse_u64(const char *s, size_t len, uint64_t *out)
{
        if (len == 0)
                return -EBADMSG;
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++) {
                if (!decimal_is_digit(s[i]))
                        return -EBADMSG;
                unsigned d = (unsigned)(s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *out = v;
        return 0;
}

/* An optional '-' and digits, over the whole int64 range. */
static inline int decimal_parse_i64(const char *s, size_t len, int64_t *out)
{
        if (len == 0)
                return -EBADMSG; /* and s may be NULL, which s + 0 must not touch */
        bool negative = s[0] == '-';
        uint64_t magnitude;
        int r = decimal_parse_u64(s + negative, len - negative, &magnitude);
        if (r < 0)
                return r;
        if (negative) {
                if (magnitude > (uint64_t)INT64_MAX + 1)
                        return -EBADMSG;
                /* -(2^63) is representable although +(2^63) is not. */
                *out = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
        } else {
                if (magnitude > (uint64_t)INT64_MAX)
                        return -EBADMSG;
                *out = (int64_t)magnitude;
        }
        return 0;
}

/* strtod and printf follow LC_NUMERIC; the formats always use '.'. Asking for the
 * whole "C" locale yields glibc's static C locale object, so this does not allocate. */
static inline locale_t decimal_c_locale(void)
{
        return newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* -?digits(.digits)?([eE][+-]?digits)? and a finite result. No "nan", "inf", hex
 * floats, leading '+' or '.', or surrounding white space. */
static inline int decimal_parse_double(const char *s, size_t len, double *out)
{
        size_t i = 0;
        if (i < len && s[i] == '-')
                i++;
        size_t start = i;
        while (i < len && decimal_is_digit(s[i]))
                i++;
        if (i == start)
                return -EBADMSG;
        if (i < len && s[i] == '.') {
                start = ++i;
                while (i < len && decimal_is_digit(s[i]))
                        i++;
                if (i == start)
                        return -EBADMSG;
        }
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < len && (s[i] == '+' || s[i] == '-'))
                        i++;
                start = i;
                while (i < len && decimal_is_digit(s[i]))
                        i++;
                if (i == start)
                        return -EBADMSG;
        }
        if (i != len || len > DECIMAL_FLOAT_TEXT_MAX)
                return -EBADMSG;

        char copy[DECIMAL_FLOAT_TEXT_MAX + 1];
        memcpy(copy, s, len);
        copy[len] = '\0';
        locale_t c = decimal_c_locale();
        if (c == (locale_t)0)
                return -ENOMEM;
        char *end = NULL;
        double d = strtod_l(copy, &end, c);
        freelocale(c);
        /* Underflow to a subnormal or zero is the nearest double, which is fine;
         * overflow is a number no double holds. */
        if (end != copy + len || !isfinite(d))
                return -EBADMSG;
        *out = d;
        return 0;
}

/* Writes the fewest significant digits that read back as exactly `d`: plain
 * decimals for exponents -5..16 ("25", "42.2", "0.30000000000000004", "-0"),
 * scientific notation beyond ("1e+100", "5e-324"). Returns the length, or
 * -EINVAL for NaN and infinities. */
static inline int decimal_format_double(double d, char buf[static DECIMAL_DOUBLE_STRLEN])
{
        if (!isfinite(d))
                return -EINVAL;
        locale_t c = decimal_c_locale();
        if (c == (locale_t)0)
                return -ENOMEM;
        locale_t previous = uselocale(c);
        int digits = 17, n = 0;
        for (int p = 1; p <= 17; p++) {
                n = snprintf(buf, DECIMAL_DOUBLE_STRLEN, "%.*e", p - 1, d);
                if (strtod_l(buf, NULL, c) == d) {
                        digits = p;
                        break;
                }
        }
        /* The same digits without an exponent where that reads more naturally. */
        const char *e = strchr(buf, 'e');
        int exponent = e ? atoi(e + 1) : 0;
        if (exponent >= -5 && exponent < 17) {
                int decimals = digits - 1 - exponent;
                n = snprintf(buf, DECIMAL_DOUBLE_STRLEN, "%.*f", decimals > 0 ? decimals : 0, d);
        }
        uselocale(previous);
        freelocale(c);
        return n;
}
