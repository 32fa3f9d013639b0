/* constraint.c - the checkable form of a DDF RangeEnumeration: numeric ranges,
 * enumerations and byte lengths, parsed from the forms the OMA registry uses.
 *
 * What the registry writes, and what this module makes of it:
 *
 *   "0..100", "1...15", "1-8", "-40 - 85"   one interval (both ends included)
 *   "0,1,2", "0;1;2", "5, 10, 15, 20", "{0,1}"   an enumeration of points
 *   "0..3, 99", "0; 3.8..20.5"               a union of intervals and points
 *   "0: disabled\n1: normal\n255: stuck"     labelled lines: the numbers are the set
 *   "-30..-120"                              written backwards (weakest to strongest
 *                                            signal): the interval between the two ends
 *   "0..255 bytes", "1..64 Bytes"            a length in bytes (String, Opaque, Corelnk)
 *   "0..255", "10,26" on String/Opaque       also a length in bytes: the registry uses bare
 *                                            numbers for the length of strings and keys
 *   "32 bytes", "64" on String/Opaque        a lone length is a maximum (0..N): "32 bytes"
 *                                            is the size of a free-text description
 *   "ON;OFF" on String                       an enumeration of strings (two words or more)
 *   "0..1" (or any set holding 0 and 1) on Boolean: nothing to check (NULL)
 *
 * Refused with -EINVAL, so that the loader warns and leaves the resource unconstrained:
 * prose ("Unix Time", "2 Instances", "8-Bits", "<7 to >12.5"), words on numeric types,
 * byte lengths on numeric types ("2 bytes" on Integer: signed or not is anybody's guess),
 * a lone number on a numeric type (the registry writes "255" for LogClass, whose default
 * is 0: a one-value set would make the resource unwritable, so it must be a maximum, but
 * of what minimum nobody says), negative or fractional lengths, ranges no value of the
 * type can meet, anything on Objlnk or executable resources, and texts over
 * MAX_TEXT bytes or MAX_ITEMS items.
 *
 * Bounds keep the exact number that was written: integers as int64 or (above INT64_MAX)
 * uint64, the rest as double. Comparisons between the three kinds are exact, so
 * 9007199254740993 is not 9007199254740992.0 and UINT64_MAX is not 2^64. */
#include "model/constraint.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macro.h"

/* The registry's longest RangeEnumeration is under 100 bytes; anything this long is prose. */
#define MAX_TEXT  512
#define MAX_ITEMS 64
/* Longest number worth reading: 20 digits of UINT64_MAX, a sign, a fraction, an exponent. */
#define MAX_NUMBER 48

#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

typedef enum num_kind {
        NUM_INT,   /* every integer that fits int64 */
        NUM_UINT,  /* integers above INT64_MAX only, so each integer has one form */
        NUM_FLOAT, /* non-integral, or beyond the 64-bit range; never NaN or infinite */
} num_kind;

typedef struct num {
        num_kind kind;
        union {
                int64_t i;
                uint64_t u;
                double f;
        };
} num;

typedef struct interval {
        num lo, hi; /* lo <= hi */
} interval;

typedef enum constraint_kind {
        CONSTRAINT_NUMBER, /* the value itself is in one of the intervals */
        CONSTRAINT_LENGTH, /* the value's length in bytes is in one of the intervals */
        CONSTRAINT_WORDS,  /* the value is one of the words */
} constraint_kind;

struct lwm2m_constraint {
        constraint_kind kind;
        size_t n;            /* intervals or words */
        interval *intervals; /* NUMBER, LENGTH: sorted, not overlapping */
        char *words;         /* WORDS: n NUL-terminated words, one after the other */
};

static num num_int(int64_t i)
{
        return (num){.kind = NUM_INT, .i = i};
}

static num num_uint(uint64_t u)
{
        if (u <= INT64_MAX)
                return num_int((int64_t)u);
        return (num){.kind = NUM_UINT, .u = u};
}

/* Integral doubles within the 64-bit range become integers, so "1.0" and "1" are one
 * bound and -0.0 is 0. */
static num num_float(double f)
{
        if (f == trunc(f)) {
                if (f >= -TWO_POW_63 && f < TWO_POW_63)
                        return num_int((int64_t)f);
                if (f >= 0 && f < TWO_POW_64)
                        return num_uint((uint64_t)f);
        }
        return (num){.kind = NUM_FLOAT, .f = f};
}

static int sign_of(bool less, bool greater)
{
        return less ? -1 : greater ? 1 : 0;
}

/* Exact: truncation of a double in range is exact, and so is comparing the double with
 * its truncation, so the fraction decides when the integer parts are equal. */
static int compare_float_int(double d, int64_t i)
{
        if (d < -TWO_POW_63)
                return -1;
        if (d >= TWO_POW_63)
                return 1;
        int64_t t = (int64_t)d;
        if (t != i)
                return sign_of(t<i, t> i);
        return sign_of(d<trunc(d), d> trunc(d));
}

static int compare_float_uint(double d, uint64_t u)
{
        if (d < 0)
                return -1;
        if (d >= TWO_POW_64)
                return 1;
        uint64_t t = (uint64_t)d;
        if (t != u)
                return sign_of(t<u, t> u);
        return sign_of(d<trunc(d), d> trunc(d));
}

static int compare_num(const num *a, const num *b)
{
        switch (a->kind) {
        case NUM_INT:
                switch (b->kind) {
                case NUM_INT:
                        return sign_of(a->i<b->i, a->i> b->i);
                case NUM_UINT:
                        return -1; /* b is above INT64_MAX */
                case NUM_FLOAT:
                        return -compare_float_int(b->f, a->i);
                }
                break;
        case NUM_UINT:
                switch (b->kind) {
                case NUM_INT:
                        return 1;
                case NUM_UINT:
                        return sign_of(a->u<b->u, a->u> b->u);
                case NUM_FLOAT:
                        return -compare_float_uint(b->f, a->u);
                }
                break;
        case NUM_FLOAT:
                switch (b->kind) {
                case NUM_INT:
                        return compare_float_int(a->f, b->i);
                case NUM_UINT:
                        return compare_float_uint(a->f, b->u);
                case NUM_FLOAT:
                        return sign_of(a->f<b->f, a->f> b->f);
                }
                break;
        }
        return 0;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static const char *skip_space(const char *p, const char *end)
{
        while (p < end && is_space(*p))
                p++;
        return p;
}

static void trim(const char **p, const char **end)
{
        *p = skip_space(*p, *end);
        while (*end > *p && is_space((*end)[-1]))
                (*end)--;
}

/* The length of a number at p: [+-]digits[.digits][(e|E)[+-]digits], or 0. A '.' must be
 * followed by a digit, so "1..5" and "1...5" read as 1 followed by the separator. Spelling
 * the grammar out keeps strtod from accepting "inf", "nan" or hexadecimal. */
static size_t number_span(const char *p, const char *end, bool *is_float)
{
        const char *q = p;
        *is_float = false;
        if (q < end && (*q == '+' || *q == '-'))
                q++;
        const char *digits = q;
        while (q < end && is_digit(*q))
                q++;
        if (q == digits)
                return 0;
        if (q + 1 < end && q[0] == '.' && is_digit(q[1])) {
                *is_float = true;
                q++;
                while (q < end && is_digit(*q))
                        q++;
        }
        if (q < end && (*q == 'e' || *q == 'E')) {
                const char *e = q + 1;
                if (e < end && (*e == '+' || *e == '-'))
                        e++;
                if (e < end && is_digit(*e)) {
                        *is_float = true;
                        q = e;
                        while (q < end && is_digit(*q))
                                q++;
                }
        }
        return (size_t)(q - p);
}

/* strtod follows LC_NUMERIC; the daemon never calls setlocale, but a library user might,
 * so the conversion runs in the C locale of this thread only. */
static int strtod_c(const char *s, double *out, char **endp)
{
        locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (c == (locale_t)0)
                return -ENOMEM;
        locale_t old = uselocale(c);
        errno = 0;
        *out = strtod(s, endp);
        int r = errno == ERANGE ? -ERANGE : 0;
        uselocale(old);
        freelocale(c);
        return r;
}

/* Reads one number at *p (advancing it) or returns -EINVAL if there is none or it does not
 * fit: an integer outside the 64-bit range or a float that overflows or underflows. */
static int read_number(const char **p, const char *end, num *out)
{
        bool is_float;
        size_t len = number_span(*p, end, &is_float);
        if (len == 0 || len >= MAX_NUMBER)
                return -EINVAL;
        char tmp[MAX_NUMBER];
        memcpy(tmp, *p, len);
        tmp[len] = 0;

        char *e = NULL;
        if (is_float) {
                double f;
                int r = strtod_c(tmp, &f, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !isfinite(f))
                        return -EINVAL;
                *out = num_float(f);
        } else if (tmp[0] == '-') {
                errno = 0;
                long long v = strtoll(tmp, &e, 10);
                if (errno == ERANGE)
                        return -EINVAL;
                *out = num_int((int64_t)v);
        } else {
                errno = 0;
                unsigned long long v = strtoull(tmp, &e, 10);
                if (errno == ERANGE)
                        return -EINVAL;
                *out = num_uint((uint64_t)v);
        }
        if (!e || *e != 0)
                return -EINVAL;
        *p += len;
        return 0;
}

/* Parses one item, "a", "a..b", "a...b", "a-b" or "a - b", into an interval with lo <= hi.
 * -ENOENT if it is not a number or range at all (perhaps a word), -EINVAL if it starts
 * like one but a number does not fit. */
static int parse_range(const char *p, const char *end, interval *out)
{
        num a, b;
        bool is_float;
        if (number_span(p, end, &is_float) == 0)
                return -ENOENT;
        int r = read_number(&p, end, &a);
        if (r < 0)
                return r;
        p = skip_space(p, end);
        if (p == end) {
                *out = (interval){a, a};
                return 0;
        }
        if (end - p >= 3 && memcmp(p, "...", 3) == 0)
                p += 3;
        else if (end - p >= 2 && memcmp(p, "..", 2) == 0)
                p += 2;
        else if (*p == '-')
                p++;
        else
                return -ENOENT;
        p = skip_space(p, end);
        if (number_span(p, end, &is_float) == 0)
                return -ENOENT;
        r = read_number(&p, end, &b);
        if (r < 0)
                return r;
        if (skip_space(p, end) != end)
                return -ENOENT;
        if (compare_num(&a, &b) <= 0)
                *out = (interval){a, b};
        else
                *out = (interval){b, a};
        return 0;
}

/* A word of a string enumeration: printable ASCII without blanks, quotes, separators or
 * braces. A space means prose, not an enumeration. */
static bool is_word(const char *p, const char *end)
{
        if (p == end)
                return false;
        for (; p < end; p++) {
                unsigned char c = (unsigned char)*p;
                if (c <= ' ' || c >= 0x7f || strchr("\"',;{}[]", c))
                        return false;
        }
        return true;
}

static bool is_separator(char c)
{
        return c == ',' || c == ';';
}

/* Labelled lines, "0: disabled\n1: normal": more than one line, the first starting with a
 * number and a colon. */
static bool is_labelled(const char *p, const char *end)
{
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
                return false;
        bool is_float;
        size_t len = number_span(p, nl, &is_float);
        if (len == 0)
                return false;
        const char *q = skip_space(p + len, nl);
        return q < nl && *q == ':';
}

typedef struct items {
        interval intervals[MAX_ITEMS];
        size_t n_intervals;
        struct {
                const char *p;
                size_t len;
        } words[MAX_ITEMS];
        size_t n_words;
        bool labelled; /* "0: disabled\n1: normal" */
} items;

static int parse_labelled(const char *p, const char *end, items *it)
{
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *line_end = nl ? nl : end;
                const char *q = skip_space(p, line_end);
                if (q < line_end) {
                        if (it->n_intervals == MAX_ITEMS)
                                return -EINVAL;
                        num v;
                        int r = read_number(&q, line_end, &v);
                        if (r < 0)
                                return r == -ENOMEM ? r : -EINVAL;
                        q = skip_space(q, line_end);
                        if (q == line_end || *q != ':')
                                return -EINVAL;
                        it->intervals[it->n_intervals++] = (interval){v, v};
                }
                p = nl ? nl + 1 : end;
        }
        return 0;
}

static int parse_items(const char *p, const char *end, items *it)
{
        if (is_labelled(p, end)) {
                it->labelled = true;
                return parse_labelled(p, end, it);
        }

        for (;;) {
                const char *sep = p;
                while (sep < end && !is_separator(*sep))
                        sep++;
                const char *s = p, *e = sep;
                trim(&s, &e);
                /* Items may be quoted one by one: "ON";"OFF". */
                if (e - s >= 2 && ((*s == '"' && e[-1] == '"') || (*s == '\'' && e[-1] == '\''))) {
                        s++;
                        e--;
                        trim(&s, &e);
                }
                if (s == e)
                        return -EINVAL; /* "1,,2", a trailing comma */
                if (it->n_intervals + it->n_words == MAX_ITEMS)
                        return -EINVAL;

                interval iv;
                int r = parse_range(s, e, &iv);
                if (r == 0)
                        it->intervals[it->n_intervals++] = iv;
                else if (r == -ENOENT && is_word(s, e)) {
                        it->words[it->n_words].p = s;
                        it->words[it->n_words].len = (size_t)(e - s);
                        it->n_words++;
                } else
                        return r == -ENOMEM ? r : -EINVAL;

                if (sep == end)
                        return 0;
                p = sep + 1;
        }
}

/* Strips one pair of surrounding characters, like the quotes or braces of "{0,1}", unless
 * they also occur inside: "ON";"OFF" is two quoted words, not one. */
static bool strip_pair(const char **p, const char **end, char open, char close)
{
        if (*end - *p >= 2 && **p == open && (*end)[-1] == close &&
            !memchr(*p + 1, open, (size_t)(*end - *p - 2)) &&
            !memchr(*p + 1, close, (size_t)(*end - *p - 2))) {
                (*p)++;
                (*end)--;
                trim(p, end);
                return true;
        }
        return false;
}

/* Strips a trailing "byte" or "bytes" (any case) that follows a number or a brace. */
static bool strip_bytes(const char *p, const char **end)
{
        static const char *const units[] = {"bytes", "byte"};
        for (size_t k = 0; k < ELEMENTSOF(units); k++) {
                size_t n = strlen(units[k]);
                if ((size_t)(*end - p) <= n)
                        continue;
                const char *u = *end - n;
                if (strncasecmp(u, units[k], n) != 0)
                        continue;
                const char *q = u;
                while (q > p && is_space(q[-1]))
                        q--;
                if (q == p || !(is_digit(q[-1]) || q[-1] == '}' || q[-1] == ']'))
                        continue;
                *end = q;
                return true;
        }
        return false;
}

/* Strips quotes around it all, then the unit if `unit` allows, then braces ("{0,1}",
 * "'0..5'", "{8,16} bytes"), and splits the rest into items. */
static int parse_body(const char *p, const char *end, bool unit, items *it, bool *bytes)
{
        if (!strip_pair(&p, &end, '"', '"'))
                strip_pair(&p, &end, '\'', '\'');
        *bytes = unit && strip_bytes(p, &end);
        if (!strip_pair(&p, &end, '{', '}'))
                strip_pair(&p, &end, '[', ']');
        if (p == end)
                return -EINVAL;
        return parse_items(p, end, it);
}

static int compare_interval(const void *a, const void *b)
{
        const interval *x = a, *y = b;
        int c = compare_num(&x->lo, &y->lo);
        return c ? c : compare_num(&x->hi, &y->hi);
}

/* Sorts, merges overlapping intervals (not merely adjacent ones: 0;1 on a Float is not
 * 0..1) and cuts them to [min, max] of the type (NULL for no limit). Returns the count
 * left, 0 if no value of the type can meet any of them. */
static size_t normalize(interval *iv, size_t n, const num *min, const num *max)
{
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
                interval x = iv[j];
                if (min && compare_num(&x.lo, min) < 0)
                        x.lo = *min;
                if (max && compare_num(&x.hi, max) > 0)
                        x.hi = *max;
                if (compare_num(&x.lo, &x.hi) > 0)
                        continue;
                iv[k++] = x;
        }
        n = k;
        qsort(iv, n, sizeof(*iv), compare_interval);
        k = 0;
        for (size_t j = 0; j < n; j++) {
                if (k > 0 && compare_num(&iv[j].lo, &iv[k - 1].hi) <= 0) {
                        if (compare_num(&iv[j].hi, &iv[k - 1].hi) > 0)
                                iv[k - 1].hi = iv[j].hi;
                        continue;
                }
                iv[k++] = iv[j];
        }
        return k;
}

static bool is_point(const interval *iv)
{
        return compare_num(&iv->lo, &iv->hi) == 0;
}

static bool contains(const interval *iv, size_t n, const num *v)
{
        for (size_t k = 0; k < n; k++)
                if (compare_num(v, &iv[k].lo) >= 0 && compare_num(v, &iv[k].hi) <= 0)
                        return true;
        return false;
}

static bool is_text_type(lwm2m_type type)
{
        return type == LWM2M_TYPE_STRING || type == LWM2M_TYPE_CORELNK;
}

static bool is_length_type(lwm2m_type type)
{
        return is_text_type(type) || type == LWM2M_TYPE_OPAQUE;
}

static bool is_number_type(lwm2m_type type)
{
        return type == LWM2M_TYPE_INTEGER || type == LWM2M_TYPE_TIME ||
               type == LWM2M_TYPE_UNSIGNED || type == LWM2M_TYPE_FLOAT;
}

static bool is_integer(const num *x)
{
        return x->kind != NUM_FLOAT;
}

static int make_words(const items *it, lwm2m_constraint **out)
{
        size_t total = 0;
        for (size_t k = 0; k < it->n_words; k++)
                total += it->words[k].len + 1;
        _cleanup_free_ lwm2m_constraint *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->words = malloc(total);
        if (!c->words)
                return -ENOMEM;
        c->kind = CONSTRAINT_WORDS;
        char *w = c->words;
        for (size_t k = 0; k < it->n_words; k++) {
                /* Repeated words would only make the canonical text longer. */
                bool seen = false;
                for (const char *o = c->words; o < w && !seen; o += strlen(o) + 1)
                        seen = strlen(o) == it->words[k].len &&
                               memcmp(o, it->words[k].p, it->words[k].len) == 0;
                if (seen)
                        continue;
                memcpy(w, it->words[k].p, it->words[k].len);
                w[it->words[k].len] = 0;
                w += it->words[k].len + 1;
                c->n++;
        }
        /* Counted after removing repeats, so that "ON;ON" is refused like "ON". */
        if (c->n < 2) {
                free(c->words);
                return -EINVAL;
        }
        *out = TAKE_PTR(c);
        return 0;
}

static int make_intervals(constraint_kind kind, const interval *iv, size_t n,
                          lwm2m_constraint **out)
{
        _cleanup_free_ lwm2m_constraint *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->intervals = calloc(n, sizeof(*iv));
        if (!c->intervals)
                return -ENOMEM;
        memcpy(c->intervals, iv, n * sizeof(*iv));
        c->kind = kind;
        c->n = n;
        *out = TAKE_PTR(c);
        return 0;
}

int lwm2m_constraint_parse(const char *text, lwm2m_type type, lwm2m_constraint **out)
{
        assert(out);
        *out = NULL;
        if (!text)
                return 0;
        size_t len = strnlen(text, MAX_TEXT + 1);
        if (len > MAX_TEXT)
                return -EINVAL;
        const char *p = text, *end = text + len;
        trim(&p, &end);
        if (p == end)
                return 0;
        if ((unsigned)type >= _LWM2M_TYPE_MAX || type == LWM2M_TYPE_NONE ||
            type == LWM2M_TYPE_OBJLNK)
                return -EINVAL;

        _cleanup_free_ items *it = calloc(1, sizeof(*it));
        if (!it)
                return -ENOMEM;
        bool bytes;
        int r = parse_body(p, end, true, it, &bytes);
        if (r == 0 && bytes && it->n_words > 0) {
                /* "A;5bytes" is two words, not a length. */
                *it = (items){0};
                r = parse_body(p, end, false, it, &bytes);
        }
        if (r < 0)
                return r;

        if (it->n_words > 0) {
                /* Words only make sense as the values of a string, and one word alone is more
                 * likely a note ("Hex") than a set that would refuse everything else. */
                if (bytes || !is_text_type(type) || it->n_intervals > 0)
                        return -EINVAL;
                return make_words(it, out);
        }

        if (is_length_type(type)) {
                num zero = num_int(0);
                /* Labels name values, so the numbers are not lengths; what a String's value
                 * would then be ("0"? "disabled"?) is anybody's guess. */
                if (it->labelled)
                        return -EINVAL;
                for (size_t k = 0; k < it->n_intervals; k++)
                        if (!is_integer(&it->intervals[k].lo) ||
                            !is_integer(&it->intervals[k].hi) ||
                            compare_num(&it->intervals[k].lo, &zero) < 0)
                                return -EINVAL;
                size_t n = normalize(it->intervals, it->n_intervals, NULL, NULL);
                /* A lone length is a maximum (see the top of this file). Deciding after the
                 * merge keeps "12;12" and its canonical text "0..12 bytes" one constraint. */
                if (n == 1 && is_point(&it->intervals[0]))
                        it->intervals[0].lo = zero;
                return make_intervals(CONSTRAINT_LENGTH, it->intervals, n, out);
        }

        if (bytes)
                return -EINVAL;

        if (type == LWM2M_TYPE_BOOLEAN) {
                num zero = num_int(0), one = num_int(1);
                if (contains(it->intervals, it->n_intervals, &zero) &&
                    contains(it->intervals, it->n_intervals, &one))
                        return 0;
                return -EINVAL;
        }
        if (!is_number_type(type))
                return -EINVAL;

        num min, max;
        const num *pmin = NULL, *pmax = NULL;
        if (type == LWM2M_TYPE_INTEGER || type == LWM2M_TYPE_TIME) {
                /* "0..18446744073709551615" on an Integer means "not negative". */
                min = num_int(INT64_MIN);
                max = num_int(INT64_MAX);
                pmin = &min;
                pmax = &max;
        } else if (type == LWM2M_TYPE_UNSIGNED) {
                min = num_int(0);
                max = num_uint(UINT64_MAX);
                pmin = &min;
                pmax = &max;
        }
        size_t n = normalize(it->intervals, it->n_intervals, pmin, pmax);
        if (n == 0)
                return -EINVAL; /* nothing of this type could ever be written */
        /* A lone number (see the top of this file), also when "1;1" merges into one. */
        if (n == 1 && is_point(&it->intervals[0]))
                return -EINVAL;
        return make_intervals(CONSTRAINT_NUMBER, it->intervals, n, out);
}

void lwm2m_constraint_free(lwm2m_constraint *c)
{
        if (!c)
                return;
        free(c->intervals);
        free(c->words);
        free(c);
}

static int check_number(const lwm2m_constraint *c, const lwm2m_value *v)
{
        num x;
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                x = num_int(v->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                x = num_uint(v->u);
                break;
        case LWM2M_TYPE_FLOAT:
                /* NaN is in no range; infinities stay floats and lie beyond every bound. */
                if (isnan(v->f))
                        return -ERANGE;
                x = num_float(v->f);
                break;
        default:
                return -EINVAL;
        }
        return contains(c->intervals, c->n, &x) ? 0 : -ERANGE;
}

int lwm2m_constraint_check(const lwm2m_constraint *c, const lwm2m_value *v)
{
        if (!c)
                return 0;
        if (!v)
                return -EINVAL;
        switch (c->kind) {
        case CONSTRAINT_NUMBER:
                return check_number(c, v);
        case CONSTRAINT_LENGTH: {
                if (!is_length_type(v->type))
                        return -EINVAL;
                num x = num_uint(v->buf.len);
                return contains(c->intervals, c->n, &x) ? 0 : -ERANGE;
        }
        case CONSTRAINT_WORDS: {
                if (!is_text_type(v->type))
                        return -EINVAL;
                const char *w = c->words;
                for (size_t k = 0; k < c->n; k++, w += strlen(w) + 1)
                        if (strlen(w) == v->buf.len &&
                            (v->buf.len == 0 || memcmp(w, v->buf.data, v->buf.len) == 0))
                                return 0;
                return -ERANGE;
        }
        }
        return -EINVAL;
}

/* Appends to buf[*off..size), counting what did not fit so the caller can tell. */
static void append(char *buf, size_t size, size_t *off, const char *s)
{
        size_t n = strlen(s);
        if (*off < size) {
                size_t room = size - *off;
                memcpy(buf + *off, s, n < room ? n : room);
        }
        *off += n;
}

/* The shortest text that reads back as the same double, in the C locale. */
static int format_float(double f, char *out, size_t size)
{
        locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (c == (locale_t)0)
                return -ENOMEM;
        locale_t old = uselocale(c);
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(out, size, "%.*g", prec, f);
                if (strtod(out, NULL) == f)
                        break;
        }
        uselocale(old);
        freelocale(c);
        return 0;
}

static int format_num(const num *x, char *out, size_t size)
{
        switch (x->kind) {
        case NUM_INT:
                snprintf(out, size, "%" PRId64, x->i);
                return 0;
        case NUM_UINT:
                snprintf(out, size, "%" PRIu64, x->u);
                return 0;
        case NUM_FLOAT:
                return format_float(x->f, out, size);
        }
        return -EINVAL;
}

int lwm2m_constraint_format(const lwm2m_constraint *c, char *buf, size_t size)
{
        if (!c)
                return -EINVAL;
        size_t off = 0;
        char tmp[64];
        for (size_t k = 0; k < c->n; k++) {
                if (k > 0)
                        append(buf, size, &off, ";");
                if (c->kind == CONSTRAINT_WORDS) {
                        const char *w = c->words;
                        for (size_t j = 0; j < k; j++)
                                w += strlen(w) + 1;
                        append(buf, size, &off, w);
                        continue;
                }
                const interval *iv = &c->intervals[k];
                int r = format_num(&iv->lo, tmp, sizeof(tmp));
                if (r < 0)
                        return r;
                append(buf, size, &off, tmp);
                if (compare_num(&iv->lo, &iv->hi) != 0) {
                        append(buf, size, &off, "..");
                        r = format_num(&iv->hi, tmp, sizeof(tmp));
                        if (r < 0)
                                return r;
                        append(buf, size, &off, tmp);
                }
        }
        if (c->kind == CONSTRAINT_LENGTH)
                append(buf, size, &off, " bytes");
        if (off >= size || off > INT32_MAX)
                return -ENOBUFS;
        buf[off] = 0;
        return (int)off;
}
