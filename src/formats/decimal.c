/* decimal.c - decimal numbers as the text-based formats write them (text/plain, link format,
 * JSON): strict, locale-independent parsing and shortest exact formatting. */
#include "formats/decimal.h"

#include <assert.h>

#include "formats/codec.h"

/*
 * The shortest digits are those of the smallest precision p for which printf's correctly
 * rounded p digits read back as the same double. Asking printf and strtod for p = 1, 2, ...
 * costs up to 17 of each per number, most of the time of a JSON payload of readings. For
 * numbers a gateway usually sends (non-integers from 1e-10 to 2^53 and integers below
 * 2^53) the same digits come from exact integer arithmetic: with d = M * 2^E, scaled by
 * 10^s so that it has 17 or 18 integer digits, d * 10^s = M * 5^s * 2^(E+s) is exact in
 * 128 bits, and so are the bounds of the interval of reals that read back as d. The
 * correctly rounded p digits are d * 10^s rounded to a multiple of 10^j (j = digits
 * dropped), and they read back as d exactly when that multiple lies in the interval. The
 * interval is symmetric unless M is a power of two, so when any multiple of 10^j lies in it,
 * the nearest one, which rounding picks, does too: the largest such j gives the fewest
 * digits. Everything else (powers of two, tiny and huge numbers) takes printf's way.
 */

typedef struct u128 {
        uint64_t hi, lo;
} u128;

/* Portable: 32-bit gateways have no 128-bit integer type. */
static u128 mul_64x64(uint64_t a, uint64_t b)
{
        uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
        uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
        uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
        return (u128){.hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32),
                      .lo = (mid << 32) | (uint32_t)ll};
}

static u128 add(u128 a, u128 b)
{
        u128 r = {.hi = a.hi + b.hi, .lo = a.lo + b.lo};
        r.hi += r.lo < a.lo;
        return r;
}

static u128 sub(u128 a, u128 b)
{
        u128 r = {.hi = a.hi - b.hi, .lo = a.lo - b.lo};
        r.hi -= a.lo < b.lo;
        return r;
}

/* a >> k for 0 < k < 128. */
static u128 shr(u128 a, unsigned k)
{
        if (k >= 64)
                return (u128){.hi = 0, .lo = a.hi >> (k - 64)};
        return (u128){.hi = a.hi >> k, .lo = (a.lo >> k) | (a.hi << (64 - k))};
}

/* Whether the low k bits of a (0 < k < 128) are all zero. */
static bool low_bits_zero(u128 a, unsigned k)
{
        if (k >= 64)
                return a.lo == 0 && (k == 64 || (a.hi << (128 - k)) == 0);
        return (a.lo << (64 - k)) == 0;
}

/* 5^27 is the largest power of five below 2^64. */
#define POW5_MAX 27
static const uint64_t pow5_u64[POW5_MAX + 1] = {
        1ull,
        5ull,
        25ull,
        125ull,
        625ull,
        3125ull,
        15625ull,
        78125ull,
        390625ull,
        1953125ull,
        9765625ull,
        48828125ull,
        244140625ull,
        1220703125ull,
        6103515625ull,
        30517578125ull,
        152587890625ull,
        762939453125ull,
        3814697265625ull,
        19073486328125ull,
        95367431640625ull,
        476837158203125ull,
        2384185791015625ull,
        11920928955078125ull,
        59604644775390625ull,
        298023223876953125ull,
        1490116119384765625ull,
        7450580596923828125ull,
};

/* d * 10^s as an exact quotient and what remains of it. */
typedef struct scaled {
        uint64_t q;    /* floor(d * 10^s) */
        u128 rem;      /* the fraction below q, in units of 2^-k */
        unsigned k;    /* 0: d * 10^s is an integer */
        uint64_t a, b; /* the integers that read back as d, scaled: [a, b] */
} scaled;

/* v / 10^j: with a constant divisor each, the compiler multiplies instead of dividing. */
static uint64_t div_pow10(uint64_t v, unsigned j)
{
        switch (j) {
        case 1:
                return v / 10ull;
        case 2:
                return v / 100ull;
        case 3:
                return v / 1000ull;
        case 4:
                return v / 10000ull;
        case 5:
                return v / 100000ull;
        case 6:
                return v / 1000000ull;
        case 7:
                return v / 10000000ull;
        case 8:
                return v / 100000000ull;
        case 9:
                return v / 1000000000ull;
        case 10:
                return v / 10000000000ull;
        case 11:
                return v / 100000000000ull;
        case 12:
                return v / 1000000000000ull;
        case 13:
                return v / 10000000000000ull;
        case 14:
                return v / 100000000000000ull;
        case 15:
                return v / 1000000000000000ull;
        case 16:
                return v / 10000000000000000ull;
        case 17:
                return v / 100000000000000000ull;
        case 18:
                return v / 1000000000000000000ull;
        case 19:
                return v / 10000000000000000000ull;
        default:
                return v;
        }
}

/* d * 10^s rounded to a multiple of 10^j (half to even), divided by 10^j. */
static uint64_t round_to(const scaled *x, unsigned j)
{
        uint64_t t = lwm2m_codec_pow10[j], q = div_pow10(x->q, j), r = x->q - q * t;
        int cmp; /* the fraction below q * 10^j against half of 10^j */
        if (j > 0) {
                uint64_t twice = 2 * r;
                cmp = twice < t ? -1 : twice > t ? 1 : (x->k > 0 && (x->rem.lo || x->rem.hi));
        } else if (x->k == 0) {
                cmp = -1;
        } else {
                u128 half = x->k > 64 ? (u128){.hi = 1ull << (x->k - 65), .lo = 0}
                                      : (u128){.hi = 0, .lo = 1ull << (x->k - 1)};
                cmp = x->rem.hi != half.hi   ? (x->rem.hi > half.hi ? 1 : -1)
                      : x->rem.lo != half.lo ? (x->rem.lo > half.lo ? 1 : -1)
                                             : 0;
        }
        if (cmp > 0 || (cmp == 0 && (q & 1)))
                q++;
        return q;
}

static void put_digits(uint64_t q, int exp10_of_last, decimal_digits *out)
{
        while (q % 10 == 0) {
                q /= 10;
                exp10_of_last++;
        }
        size_t n = lwm2m_codec_decimal(q, out->digits);
        out->digits[n] = '\0';
        out->n = (uint8_t)n;
        out->exp10 = exp10_of_last + (int)n - 1;
}

/* The exact way for the common numbers; false when `d` is not one of them. */
static bool shortest_exact(double d, decimal_digits *out)
{
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        unsigned biased = (unsigned)(bits >> 52) & 0x7ff;
        uint64_t frac = bits & ((1ull << 52) - 1);
        if (biased == 0 || biased == 0x7ff)
                return false; /* zero and subnormals are left to the caller, NaN to nobody */
        uint64_t m = frac | (1ull << 52);
        int e = (int)biased - 1075; /* |d| = m * 2^e */
        if (e >= 0)
                return false;

        /* An integer below 2^53: its own digits, as no shorter decimal is that close. */
        if (e >= -52 && (m & ((1ull << -e) - 1)) == 0) {
                put_digits(m >> -e, 0, out);
                return true;
        }
        if (frac == 0)
                return false; /* a power of two: the interval is lopsided */

        int e2 = e + 52; /* 2^e2 <= |d| < 2^(e2 + 1) */
        /* floor(e2 * log10(2)), exact for |e2| < 1650; >> of a negative is floor in gcc. */
        int x_est = (e2 * 78913) >> 18;
        int s = 17 - x_est; /* |d| * 10^s has 17 or 18 integer digits */
        if (s < 0 || s > POW5_MAX)
                return false;
        uint64_t p5 = pow5_u64[s];

        /* d * 10^s = n * 2^(e+s); the interval is (2n -+ 5^s) * 2^(e+s-1). */
        u128 n = mul_64x64(m, p5);
        u128 two_n = add(n, n), p = {.hi = 0, .lo = p5};
        u128 lo = sub(two_n, p), hi = add(two_n, p);
        bool inclusive = (m & 1) == 0; /* strtod rounds a tie to the even neighbour */
        scaled x = {0};
        int sh = e + s;
        if (sh >= 0) {
                /* Only just below 2^53 (sh <= 2, n below 2^58): shifting stays in 64 bits. */
                if (n.hi || sh > 2)
                        return false;
                x.q = n.lo << sh;
                x.a = sh > 0 ? lo.lo << (sh - 1) : (lo.lo >> 1) + 1;
                x.b = sh > 0 ? hi.lo << (sh - 1) : hi.lo >> 1;
                if (sh > 0 && !inclusive) {
                        x.a++;
                        x.b--;
                }
        } else {
                x.k = (unsigned)-sh;
                if (x.k >= 128)
                        return false;
                u128 q = shr(n, x.k);
                if (q.hi)
                        return false;
                x.q = q.lo;
                x.rem = sub(n, (u128){.hi = x.k >= 64 ? q.lo << (x.k - 64) : q.lo >> (64 - x.k),
                                      .lo = x.k >= 64 ? 0 : q.lo << x.k});
                unsigned kk = x.k + 1;
                if (kk >= 128)
                        return false;
                u128 a = shr(lo, kk), b = shr(hi, kk);
                if (a.hi || b.hi)
                        return false;
                /* a = ceil(lo), b = floor(hi), each one further in when the bound is
                 * exact and excluded. */
                x.a = a.lo + (!low_bits_zero(lo, kk) || !inclusive);
                x.b = b.lo - (low_bits_zero(hi, kk) && !inclusive);
        }
        if (x.b < x.a || x.b > lwm2m_codec_pow10[19] - lwm2m_codec_pow10[18])
                return false;

        /* The most digits that can go: the largest j with a multiple of 10^j in [a, b]. The
         * interval is symmetric about d, so the multiple nearest to d, which rounding
         * picks, is in it too. */
        unsigned good = 0;
        for (unsigned step = 16; step > 0; step /= 2) {
                unsigned j = good + step;
                if (j <= 18 && div_pow10(x.b, j) * lwm2m_codec_pow10[j] >= x.a)
                        good = j;
        }
        uint64_t q_good = round_to(&x, good);
        put_digits(q_good, (int)good - s, out);
        return true;
}

/* printf's way: the precisions one by one, as strtod reads them. */
static int shortest_printf(double d, decimal_digits *out)
{
        locale_t c = decimal_c_locale();
        if (c == (locale_t)0)
                return -ENOMEM;
        locale_t previous = uselocale(c);
        char buf[DECIMAL_DOUBLE_STRLEN];
        for (int p = 1; p <= 17; p++) {
                snprintf(buf, sizeof(buf), "%.*e", p - 1, fabs(d));
                if (strtod_l(buf, NULL, c) == fabs(d))
                        break;
        }
        uselocale(previous);
        freelocale(c);

        /* "d.ddde+XX" */
        const char *e = strchr(buf, 'e');
        unsigned n = 0;
        for (const char *q = buf; q < e; q++)
                if (*q != '.')
                        out->digits[n++] = *q;
        while (n > 1 && out->digits[n - 1] == '0')
                n--;
        out->digits[n] = '\0';
        out->n = (uint8_t)n;
        out->exp10 = atoi(e + 1);
        return 0;
}

int decimal_shortest(double d, decimal_digits *out)
{
        assert(out);
        if (!isfinite(d))
                return -EINVAL;
        out->negative = signbit(d);
        if (d == 0) {
                *out = (decimal_digits){.negative = out->negative, .n = 1, .digits = "0"};
                return 0;
        }
        if (shortest_exact(d, out))
                return 0;
        return shortest_printf(d, out);
}

int decimal_format_double_ex(double d, unsigned flags, char buf[static DECIMAL_DOUBLE_STRLEN])
{
        decimal_digits dd;
        int r = decimal_shortest(d, &dd);
        if (r < 0)
                return r;

        int x = dd.exp10, n = dd.n;
        bool exponent = (flags & DECIMAL_G_EXPONENT) ? x < -4 || x >= n : x < -5 || x >= 17;
        char *p = buf;
        if (dd.negative)
                *p++ = '-';
        if (exponent) {
                *p++ = dd.digits[0];
                if (n > 1) {
                        *p++ = '.';
                        memcpy(p, dd.digits + 1, (size_t)n - 1);
                        p += n - 1;
                }
                /* printf's way: a sign and at least two digits. */
                p += snprintf(p, (size_t)(buf + DECIMAL_DOUBLE_STRLEN - p), "e%c%02d",
                              x < 0 ? '-' : '+', x < 0 ? -x : x);
        } else if (x < 0) {
                *p++ = '0';
                *p++ = '.';
                for (int i = -1; i > x; i--)
                        *p++ = '0';
                memcpy(p, dd.digits, (size_t)n);
                p += n;
        } else {
                for (int i = 0; i <= x; i++)
                        *p++ = i < n ? dd.digits[i] : '0';
                if (n > x + 1) {
                        *p++ = '.';
                        memcpy(p, dd.digits + x + 1, (size_t)(n - x - 1));
                        p += n - x - 1;
                } else if (flags & DECIMAL_FLOAT_MARK) {
                        *p++ = '.';
                        *p++ = '0';
                }
        }
        *p = '\0';
        return (int)(p - buf);
}
