/* decimal.h - decimal numbers as the text-based formats write them (text/plain, link format,
 * JSON): strict, locale-independent parsing and shortest exact formatting. */
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

/* The shortest decimal that reads back as exactly `d` (finite): `n` significant digits,
 * the first one standing for 10^`exp10`, no trailing zeros (zero is the one digit "0"). */
typedef struct decimal_digits {
        bool negative;
        uint8_t n;
        int exp10;
        char digits[20];
} decimal_digits;

/* Fills `out` without allocating; 0, or -EINVAL for NaN and infinities. The digits are those
 * of the smallest printf precision whose correctly rounded output strtod reads back. */
int decimal_shortest(double d, decimal_digits *out);

/* How decimal_format_double spells the shortest digits. */
enum {
        /* printf's %g rule for when to use an exponent (exponent below -4 or at least the
         * number of digits), rather than plain decimals for exponents -5..16. */
        DECIMAL_G_EXPONENT = 1 << 0,
        /* Always recognisably a float: ".0" after what would read as an integer. */
        DECIMAL_FLOAT_MARK = 1 << 1,
};

/* Writes the fewest significant digits that read back as exactly `d`, NUL-terminated:
 * plain decimals for exponents -5..16 ("25", "42.2", "0.30000000000000004", "-0"),
 * scientific notation beyond ("1e+100", "5e-324"); `flags` change that. Returns the
 * length, or -EINVAL for NaN and infinities. Never allocates. */
int decimal_format_double_ex(double d, unsigned flags, char buf[static DECIMAL_DOUBLE_STRLEN]);

static inline int decimal_format_double(double d, char buf[static DECIMAL_DOUBLE_STRLEN])
{
        return decimal_format_double_ex(d, 0, buf);
}
