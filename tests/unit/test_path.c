/* test_path.c - unit tests for LwM2M paths (model/path), written against path.h:
 * parsing, formatting, ordering, prefixes and truncation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/path.h"

static void assert_parses(const char *s, lwm2m_path want)
{
        lwm2m_path p;
        memset(&p, 0xa5, sizeof(p));
        int r = lwm2m_path_parse(s, &p);
        if (r != 0)
                fail_msg("\"%s\": %d", s, r);
        if (p.len != want.len)
                fail_msg("\"%s\": %u levels, wanted %u", s, p.len, want.len);
        for (unsigned k = 0; k < want.len; k++)
                if (p.id[k] != want.id[k])
                        fail_msg("\"%s\": level %u is %u, wanted %u", s, k, p.id[k], want.id[k]);
        assert_true(lwm2m_path_equal(&p, &want));
}

static void assert_refused(const char *s)
{
        lwm2m_path p;
        int r = lwm2m_path_parse(s, &p);
        if (r != -EINVAL)
                fail_msg("\"%s\": %d, wanted -EINVAL", s, r);
}

static const lwm2m_path root = {.len = 0};

static void test_parse_levels(void **state)
{
        assert_parses("", root);
        assert_parses("/", root);
        assert_parses("/3", lwm2m_path_object(3));
        assert_parses("3", lwm2m_path_object(3));
        assert_parses("/3/", lwm2m_path_object(3));
        assert_parses("3/", lwm2m_path_object(3));
        assert_parses("/3/0", lwm2m_path_instance(3, 0));
        assert_parses("/3/0/", lwm2m_path_instance(3, 0));
        assert_parses("/3/0/1", lwm2m_path_resource(3, 0, 1));
        assert_parses("3/0/1", lwm2m_path_resource(3, 0, 1));
        assert_parses("/3/0/1/", lwm2m_path_resource(3, 0, 1));
        assert_parses("/3/0/7/2", lwm2m_path_resource_instance(3, 0, 7, 2));
        assert_parses("/3/0/7/2/", lwm2m_path_resource_instance(3, 0, 7, 2));
        assert_parses("/0/0/0/0", lwm2m_path_resource_instance(0, 0, 0, 0));
        assert_parses("/10241/12/5700", lwm2m_path_resource(10241, 12, 5700));
}

static void test_parse_id_range(void **state)
{
        assert_parses("/65534", lwm2m_path_object(65534));
        assert_parses("/65534/65534/65534/65534",
                      lwm2m_path_resource_instance(65534, 65534, 65534, 65534));
        assert_refused("/65535");
        assert_refused("/3/65535");
        assert_refused("/3/0/65535");
        assert_refused("/3/0/1/65535");
        assert_refused("/65536");
        assert_refused("/99999");
        assert_refused("/655340");
        assert_refused("/4294967296");           /* wraps a 32-bit accumulator to 0 */
        assert_refused("/4294967299");           /* ... or to 3 */
        assert_refused("/18446744073709551619"); /* ... or a 64-bit one to 3 */
        assert_refused("/99999999999999999999");
        assert_refused("/3/0/99999999999999999999999999999999999999");
}

/* path.c refuses leading zeros so that an ID has one spelling ("/03" is not "/3"). */
static void test_parse_leading_zeros(void **state)
{
        assert_parses("/0", lwm2m_path_object(0));
        assert_parses("/3/0/0", lwm2m_path_resource(3, 0, 0));
        assert_refused("/03");
        assert_refused("/00");
        assert_refused("/3/00");
        assert_refused("/3/0/01");
        assert_refused("/3/0/1/007");
        assert_refused("065534");
}

static void test_parse_refused(void **state)
{
        static const char *const bad[] = {
                "//",         "///",          "//3",       "/3//",       "/3//0",  "/3/0//",
                "/1/2/3/4/5", "/1/2/3/4/5/",  "1/2/3/4/5", "/1/2/3/4//", "+1",     "-1",
                "/+1",        "/-1",          "/3/-0",     "/3/+0",      " /3",    "/3 ",
                "/ 3",        "/3/ 0",        "/3a",       "/a",         "/3/0x1", "/3.0",
                "/3/0/1.5",   "\\3",          "/3\\0",     "/3,0",       "/3?x",   "/1e3",
                "/３",        "/3/0/1/2/3/4", "3//",       "a",
        };
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
                assert_refused(bad[k]);
}

static void test_parse_n(void **state)
{
        lwm2m_path p;
        const char *s = "/3/0/1xyz";
        assert_int_equal(lwm2m_path_parse_n(s, 6, &p), 0);
        assert_true(lwm2m_path_equal(&p, &(lwm2m_path){.id = {3, 0, 1}, .len = 3}));
        assert_int_equal(lwm2m_path_parse_n(s, 5, &p), 0); /* "/3/0/" */
        assert_true(lwm2m_path_equal(&p, &(lwm2m_path){.id = {3, 0}, .len = 2}));
        assert_int_equal(lwm2m_path_parse_n(s, 2, &p), 0); /* "/3" */
        assert_int_equal(p.len, 1);
        assert_int_equal(lwm2m_path_parse_n(s, 1, &p), 0); /* "/" */
        assert_int_equal(p.len, 0);
        assert_int_equal(lwm2m_path_parse_n(s, 0, &p), 0);
        assert_int_equal(p.len, 0);
        assert_int_equal(lwm2m_path_parse_n(s, 7, &p), -EINVAL); /* "/3/0/1x" */

        /* Not NUL-terminated: reading stops at len. */
        char exact[6];
        memcpy(exact, "/65534", 6);
        assert_int_equal(lwm2m_path_parse_n(exact, 6, &p), 0);
        assert_int_equal(p.id[0], 65534);
        assert_int_equal(lwm2m_path_parse_n("/655349", 6, &p), 0);
        assert_int_equal(p.id[0], 65534);
        assert_int_equal(lwm2m_path_parse_n("/655349", 7, &p), -EINVAL);
        assert_int_equal(lwm2m_path_parse_n("12345", 3, &p), 0);
        assert_int_equal(p.id[0], 123);

        /* An embedded NUL is not the end of the path. */
        assert_int_equal(lwm2m_path_parse_n("/3/0\0/1", 7, &p), -EINVAL);
        assert_int_equal(lwm2m_path_parse_n("/3\0", 3, &p), -EINVAL);
        assert_int_equal(lwm2m_path_parse_n("\0", 1, &p), -EINVAL);
        assert_int_equal(lwm2m_path_parse_n("/3/0\0/1", 4, &p), 0);
        assert_int_equal(p.len, 2);
}

static void assert_formats(lwm2m_path p, const char *want)
{
        char buf[LWM2M_PATH_STRLEN];
        memset(buf, 'x', sizeof(buf));
        int n = lwm2m_path_format(&p, buf, sizeof(buf));
        assert_int_equal(n, (int)strlen(want));
        assert_string_equal(buf, want);
        /* Exactly enough room, then one byte too little. */
        char tight[LWM2M_PATH_STRLEN];
        assert_int_equal(lwm2m_path_format(&p, tight, strlen(want) + 1), n);
        assert_string_equal(tight, want);
        assert_int_equal(lwm2m_path_format(&p, tight, strlen(want)), -ENOBUFS);
}

static void test_format(void **state)
{
        assert_formats(root, "/");
        assert_formats(lwm2m_path_object(3), "/3");
        assert_formats(lwm2m_path_instance(3, 0), "/3/0");
        assert_formats(lwm2m_path_resource(3, 0, 1), "/3/0/1");
        assert_formats(lwm2m_path_resource_instance(3, 0, 7, 2), "/3/0/7/2");
        assert_formats(lwm2m_path_resource_instance(65534, 65534, 65534, 65534),
                       "/65534/65534/65534/65534");
        assert_int_equal(strlen("/65534/65534/65534/65534") + 1, LWM2M_PATH_STRLEN);
        char buf[4];
        lwm2m_path p = lwm2m_path_object(1);
        assert_int_equal(lwm2m_path_format(&p, buf, 0), -ENOBUFS);
        assert_int_equal(lwm2m_path_format(&root, buf, 0), -ENOBUFS);
}

static void test_format_parse_round_trip(void **state)
{
        /* A fixed pseudo-random walk over lengths and IDs, edges included. */
        static const uint16_t ids[] = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65533, 65534};
        uint32_t x = 12345;
        for (int n = 0; n < 2000; n++) {
                lwm2m_path p = {.len = (uint8_t)(n % 5)};
                for (unsigned k = 0; k < p.len; k++) {
                        x = x * 1103515245u + 12345u;
                        p.id[k] =
                                (x >> 16) % 3 ? ids[(x >> 8) % 12] : (uint16_t)((x >> 12) % 65535);
                }
                char buf[LWM2M_PATH_STRLEN];
                int len = lwm2m_path_format(&p, buf, sizeof(buf));
                assert_true(len > 0);
                lwm2m_path q;
                assert_int_equal(lwm2m_path_parse(buf, &q), 0);
                assert_true(lwm2m_path_equal(&p, &q));
                assert_int_equal(lwm2m_path_compare(&p, &q), 0);
        }
}

static int sign(int v)
{
        return (v > 0) - (v < 0);
}

static void test_compare_order(void **state)
{
        /* Depth-first, numeric (not textual) order: /9 < /10. */
        const lwm2m_path ordered[] = {
                root,
                lwm2m_path_object(0),
                lwm2m_path_object(3),
                lwm2m_path_instance(3, 0),
                lwm2m_path_resource(3, 0, 1),
                lwm2m_path_resource_instance(3, 0, 1, 0),
                lwm2m_path_resource_instance(3, 0, 1, 65534),
                lwm2m_path_resource(3, 0, 2),
                lwm2m_path_resource(3, 0, 65534),
                lwm2m_path_instance(3, 1),
                lwm2m_path_object(4),
                lwm2m_path_object(9),
                lwm2m_path_object(10),
                lwm2m_path_resource(10, 0, 0),
                lwm2m_path_object(65534),
        };
        const size_t n = sizeof(ordered) / sizeof(ordered[0]);
        for (size_t a = 0; a < n; a++)
                for (size_t b = 0; b < n; b++) {
                        int want = sign((int)a - (int)b);
                        int got = sign(lwm2m_path_compare(&ordered[a], &ordered[b]));
                        if (got != want) {
                                char sa[LWM2M_PATH_STRLEN], sb[LWM2M_PATH_STRLEN];
                                lwm2m_path_format(&ordered[a], sa, sizeof(sa));
                                lwm2m_path_format(&ordered[b], sb, sizeof(sb));
                                fail_msg("compare(%s, %s) = %d, wanted %d", sa, sb, got, want);
                        }
                        assert_int_equal(lwm2m_path_equal(&ordered[a], &ordered[b]), a == b);
                }
}

static void test_ids_beyond_len_ignored(void **state)
{
        /* A path is its first len IDs; what lies beyond is not part of it. */
        lwm2m_path a = {.id = {3, 0, 0, 0}, .len = 2};
        lwm2m_path b = {.id = {3, 0, 7, 9}, .len = 2};
        assert_true(lwm2m_path_equal(&a, &b));
        assert_int_equal(lwm2m_path_compare(&a, &b), 0);
        assert_true(lwm2m_path_starts_with(&a, &b));
        char buf[LWM2M_PATH_STRLEN];
        assert_int_equal(lwm2m_path_format(&b, buf, sizeof(buf)), 4);
        assert_string_equal(buf, "/3/0");
}

static void test_starts_with(void **state)
{
        lwm2m_path p = lwm2m_path_resource(3, 0, 1);
        lwm2m_path yes[] = {root, lwm2m_path_object(3), lwm2m_path_instance(3, 0),
                            lwm2m_path_resource(3, 0, 1)};
        lwm2m_path no[] = {lwm2m_path_object(4),          lwm2m_path_object(0),
                           lwm2m_path_instance(3, 1),     lwm2m_path_resource(3, 0, 2),
                           lwm2m_path_resource(3, 0, 10), lwm2m_path_resource_instance(3, 0, 1, 0),
                           lwm2m_path_instance(0, 3)};
        for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++)
                assert_true(lwm2m_path_starts_with(&p, &yes[k]));
        for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++)
                assert_false(lwm2m_path_starts_with(&p, &no[k]));

        assert_true(lwm2m_path_starts_with(&root, &root));
        lwm2m_path o = lwm2m_path_object(3);
        assert_false(lwm2m_path_starts_with(&root, &o));
        lwm2m_path ri = lwm2m_path_resource_instance(3, 0, 1, 2);
        assert_true(lwm2m_path_starts_with(&ri, &p));
        assert_true(lwm2m_path_starts_with(&ri, &ri));
}

static void test_truncate(void **state)
{
        lwm2m_path p = lwm2m_path_resource_instance(3, 0, 7, 2);
        for (uint8_t len = 0; len <= 4; len++) {
                lwm2m_path t = lwm2m_path_truncate(&p, len);
                assert_int_equal(t.len, len);
                for (unsigned k = 0; k < len; k++)
                        assert_int_equal(t.id[k], p.id[k]);
                assert_true(lwm2m_path_starts_with(&p, &t));
                assert_true(lwm2m_path_compare(&t, &p) <= 0);
        }
        lwm2m_path t = lwm2m_path_truncate(&p, 2);
        lwm2m_path want = lwm2m_path_instance(3, 0);
        assert_true(lwm2m_path_equal(&t, &want));
        char buf[LWM2M_PATH_STRLEN];
        assert_int_equal(lwm2m_path_format(&t, buf, sizeof(buf)), 4);
        assert_string_equal(buf, "/3/0");
        t = lwm2m_path_truncate(&p, 0);
        assert_true(lwm2m_path_equal(&t, &root));
        /* The original is untouched. */
        assert_int_equal(p.len, 4);
        assert_int_equal(p.id[3], 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_levels),
                cmocka_unit_test(test_parse_id_range),
                cmocka_unit_test(test_parse_leading_zeros),
                cmocka_unit_test(test_parse_refused),
                cmocka_unit_test(test_parse_n),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_format_parse_round_trip),
                cmocka_unit_test(test_compare_order),
                cmocka_unit_test(test_ids_beyond_len_ignored),
                cmocka_unit_test(test_starts_with),
                cmocka_unit_test(test_truncate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
