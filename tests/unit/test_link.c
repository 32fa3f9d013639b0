/* test_link.c - unit tests for the CoRE link format (formats/link).
 * Register, Discover and Bootstrap-Discover payloads of TS Core 1.1 both ways, and malformed input.
 */
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

#include "formats/link.h"

static void assert_buf_string(const lwm2m_buf *b, const char *expected)
{
        if (b->len != strlen(expected) || memcmp(b->data, expected, b->len) != 0)
                fail_msg("got \"%.*s\"\nexpected \"%s\"", (int)b->len, (const char *)b->data,
                         expected);
}

static int decode_str(const char *s, link_list *l)
{
        return link_decode((const uint8_t *)s, strlen(s), l);
}

static void assert_decode_fails(const char *s, int expected)
{
        link_list l = {0};
        int r = decode_str(s, &l);
        if (r != expected)
                fail_msg("\"%s\": got %d, expected %d", s, r, expected);
        assert_int_equal(l.n, 0);
        assert_null(l.items);
        link_list_free(&l);
}

/* Decodes, re-encodes, and demands the same bytes back. */
static void assert_canonical(const char *s)
{
        link_list l = {0};
        int r = decode_str(s, &l);
        if (r != 0)
                fail_msg("\"%s\": decode failed with %d", s, r);
        lwm2m_buf b = {0};
        assert_int_equal(link_encode(l.items, l.n, l.alt_path, &b), 0);
        assert_buf_string(&b, s);
        lwm2m_buf_free(&b);
        link_list_free(&l);
}

static void assert_attr(const link_entry *e, const char *name, const char *value, bool quoted)
{
        const link_attr *a = link_entry_find(e, name);
        if (!a)
                fail_msg("no attribute %s", name);
        if (!value) {
                assert_null(a->value);
                return;
        }
        assert_non_null(a->value);
        assert_string_equal(a->value, value);
        assert_int_equal(a->quoted, quoted);
}

static void test_register_payload(void **state)
{
        /* Root link with rt and ct, instances of 1 and 3, object 3303 at version 1.1. */
        lwm2m_buf b = {0};
        assert_int_equal(link_append_register_root(NULL, 110, &b), 0);
        uint16_t zero = 0;
        assert_int_equal(link_append_register_object(1, "1.0", &zero, 1, NULL, &b), 0);
        assert_int_equal(link_append_register_object(3, NULL, &zero, 1, NULL, &b), 0);
        assert_int_equal(link_append_register_object(3303, "1.1", &zero, 1, NULL, &b), 0);
        assert_buf_string(&b,
                          "</>;rt=\"oma.lwm2m\";ct=110,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>");

        link_list l = {0};
        assert_int_equal(link_decode(b.data, b.len, &l), 0);
        assert_int_equal(l.n, 5);
        assert_string_equal(l.alt_path, "");
        assert_int_equal(l.items[0].path.len, 0);
        assert_attr(&l.items[0], "rt", "oma.lwm2m", true);
        uint64_t ct;
        assert_int_equal(link_entry_get_uint(&l.items[0], "ct", &ct), 0);
        assert_int_equal(ct, 110);
        lwm2m_path p33030 = lwm2m_path_instance(3303, 0);
        assert_true(lwm2m_path_equal(&l.items[4].path, &p33030));
        lwm2m_path p3303 = lwm2m_path_object(3303);
        assert_true(lwm2m_path_equal(&l.items[3].path, &p3303));
        assert_attr(&l.items[3], "ver", "1.1", false);
        assert_int_equal(l.items[1].n_attrs, 0);
        link_list_free(&l);
        lwm2m_buf_free(&b);
}

static void test_register_alternate_path(void **state)
{
        /* TS Core 1.1, 6.2.1: an alternate path prefixes every link. */
        lwm2m_buf b = {0};
        assert_int_equal(link_append_register_root("/lwm2m", -1, &b), 0);
        uint16_t servers[] = {101, 102};
        uint16_t acl[] = {0, 1, 2};
        uint16_t zero = 0;
        assert_int_equal(link_append_register_object(1, NULL, servers, 2, "/lwm2m", &b), 0);
        assert_int_equal(link_append_register_object(2, NULL, acl, 3, "/lwm2m", &b), 0);
        assert_int_equal(link_append_register_object(3, NULL, &zero, 1, "/lwm2m", &b), 0);
        /* An object without instances is listed by itself. */
        assert_int_equal(link_append_register_object(5, "1.0", NULL, 0, "/lwm2m", &b), 0);
        const char *expected = "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/101>,</lwm2m/1/102>,"
                               "</lwm2m/2/0>,</lwm2m/2/1>,</lwm2m/2/2>,</lwm2m/3/0>,</lwm2m/5>";
        assert_buf_string(&b, expected);

        link_list l = {0};
        assert_int_equal(link_decode(b.data, b.len, &l), 0);
        assert_string_equal(l.alt_path, "/lwm2m");
        assert_int_equal(l.n, 8);
        assert_int_equal(l.items[0].path.len, 0);
        lwm2m_path p = lwm2m_path_instance(1, 102);
        assert_true(lwm2m_path_equal(&l.items[2].path, &p));
        lwm2m_path p5 = lwm2m_path_object(5);
        assert_true(lwm2m_path_equal(&l.items[7].path, &p5));
        link_list_free(&l);
        lwm2m_buf_free(&b);
        assert_canonical(expected);

        /* A link outside the alternate path is refused. */
        assert_decode_fails("</lwm2m>;rt=\"oma.lwm2m\",</3/0>", -EBADMSG);
        assert_decode_fails("</lwm2m>;rt=\"oma.lwm2m\",</lwm2mx/3/0>", -EBADMSG);
        /* Without the root link, no alternate path is known. */
        assert_decode_fails("</lwm2m/3/0>", -EBADMSG);
        /* rt may list several resource types. */
        assert_canonical("</a/b>;rt=\"core.rd oma.lwm2m\",</a/b/3/0>");
}

static void test_register_refusals(void **state)
{
        lwm2m_buf b = {0};
        uint16_t zero = 0;
        assert_int_equal(link_append_register_object(3303, "1.x", &zero, 1, NULL, &b), -EINVAL);
        assert_int_equal(link_append_register_object(3303, "11", &zero, 1, NULL, &b), -EINVAL);
        assert_int_equal(link_append_register_object(3303, "1.1", &zero, 1, "lwm2m", &b), -EINVAL);
        assert_int_equal(link_append_register_root("/lwm2m/", 110, &b), -EINVAL);
        assert_int_equal(link_append_register_root("/a b", 110, &b), -EINVAL);
        assert_int_equal(link_append_register_root("/a>b", 110, &b), -EINVAL);
        assert_int_equal(b.len, 0);
        /* "/" is the same as no alternate path. */
        assert_int_equal(link_append_register_root("/", -1, &b), 0);
        assert_buf_string(&b, "</>;rt=\"oma.lwm2m\"");
        lwm2m_buf_free(&b);
}

/* TS Core 1.1, 5.4.2: Discover on /3/0 with attributes attached. */
static const char discover_example[] =
        "</3/0>;pmin=10,</3/0/1>,</3/0/2>,</3/0/3>,</3/0/4>,</3/0/6>;dim=8,"
        "</3/0/7>;dim=8;gt=50;lt=42.2,</3/0/8>;dim=8,</3/0/11>,</3/0/16>";

static void test_discover_encode(void **state)
{
        static const uint16_t rids[] = {1, 2, 3, 4, 6, 7, 8, 11, 16};
        lwm2m_buf b = {0};
        link_entry inst = {.path = lwm2m_path_instance(3, 0)};
        assert_int_equal(link_entry_add_uint(&inst, "pmin", 10), 0);
        assert_int_equal(link_append(&inst, NULL, &b), 0);
        link_entry_clear(&inst);
        for (size_t i = 0; i < sizeof(rids) / sizeof(rids[0]); i++) {
                link_entry e = {.path = lwm2m_path_resource(3, 0, rids[i])};
                if (rids[i] == 6 || rids[i] == 7 || rids[i] == 8)
                        assert_int_equal(link_entry_add_uint(&e, "dim", 8), 0);
                if (rids[i] == 7) {
                        assert_int_equal(link_entry_add_double(&e, "gt", 50.0), 0);
                        assert_int_equal(link_entry_add_double(&e, "lt", 42.2), 0);
                }
                assert_int_equal(link_append(&e, NULL, &b), 0);
                link_entry_clear(&e);
        }
        assert_buf_string(&b, discover_example);
        lwm2m_buf_free(&b);
}

static void test_discover_decode(void **state)
{
        link_list l = {0};
        assert_int_equal(decode_str(discover_example, &l), 0);
        assert_int_equal(l.n, 10);
        uint64_t u;
        double d;
        assert_int_equal(link_entry_get_uint(&l.items[0], "pmin", &u), 0);
        assert_int_equal(u, 10);
        assert_int_equal(link_entry_get_uint(&l.items[0], "pmax", &u), -ENOENT);
        const link_entry *r7 = &l.items[6];
        lwm2m_path p = lwm2m_path_resource(3, 0, 7);
        assert_true(lwm2m_path_equal(&r7->path, &p));
        assert_int_equal(r7->n_attrs, 3);
        assert_int_equal(link_entry_get_uint(r7, "dim", &u), 0);
        assert_int_equal(u, 8);
        assert_int_equal(link_entry_get_double(r7, "gt", &d), 0);
        assert_true(d == 50.0);
        assert_int_equal(link_entry_get_double(r7, "lt", &d), 0);
        assert_true(d == 42.2);
        link_list_free(&l);
        assert_canonical(discover_example);

        /* Every notification attribute, as numbers, plus object versions. */
        assert_canonical("</3303>;ver=1.1,</3303/0>;pmin=1;pmax=60;epmin=2;epmax=120,"
                         "</3303/0/5700>;gt=-10.5;lt=1e+100;st=0.25");
}

static void test_bootstrap_discover(void **state)
{
        /* TS Core 1.1, 5.2.7.3: Bootstrap-Discover on the root. */
        const char *example = "</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example.com\","
                              "</0/1>,</0/2>;ssid=102;uri=\"coaps://server_2.example.com\","
                              "</1/0>;ssid=101,</1/1>;ssid=102,</3/0>,</3303>;ver=1.1,</3303/0>";
        link_list l = {0};
        assert_int_equal(decode_str(example, &l), 0);
        assert_int_equal(l.n, 9);
        assert_int_equal(l.items[0].path.len, 0);
        assert_attr(&l.items[0], "lwm2m", "1.1", false);
        assert_attr(&l.items[1], "uri", "coaps://server_1.example.com", true);
        uint64_t ssid;
        assert_int_equal(link_entry_get_uint(&l.items[3], "ssid", &ssid), 0);
        assert_int_equal(ssid, 102);
        link_list_free(&l);
        assert_canonical(example);

        /* Built by hand the way the client answers it. */
        lwm2m_buf b = {0};
        link_entry root = {.path = {.len = 0}};
        assert_int_equal(link_entry_add_token(&root, "lwm2m", "1.1"), 0);
        link_entry sec = {.path = lwm2m_path_instance(0, 0)};
        assert_int_equal(link_entry_add_int(&sec, "ssid", 101), 0);
        assert_int_equal(link_entry_add_string(&sec, "uri", "coaps://server_1.example.com"), 0);
        link_entry both[2] = {root, sec};
        assert_int_equal(link_encode(both, 2, NULL, &b), 0);
        assert_buf_string(&b, "</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example.com\"");
        link_entry_clear(&root);
        link_entry_clear(&sec);
        lwm2m_buf_free(&b);

        /* LwM2M 1.0 wrote the version as a bare first parameter. */
        assert_int_equal(decode_str("lwm2m=\"1.0\",</0/1>;ssid=101", &l), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].path.len, 0);
        assert_attr(&l.items[0], "lwm2m", "1.0", true);
        link_list_free(&l);
        assert_int_equal(decode_str("lwm2m=\"1.0\"", &l), 0);
        assert_int_equal(l.n, 1);
        link_list_free(&l);
        assert_decode_fails("rt=\"x\",</0/1>", -EBADMSG);
        assert_decode_fails("lwm2m=\"1.0\";ssid=1,</0/1>", -EBADMSG);
}

static void test_quoting_and_flags(void **state)
{
        link_entry e = {.path = lwm2m_path_resource(3, 0, 0)};
        assert_int_equal(link_entry_add_string(&e, "title", "a \"quoted\" back\\slash, ;x"), 0);
        assert_int_equal(link_entry_add_flag(&e, "obs"), 0);
        assert_int_equal(link_entry_add_string(&e, "empty", ""), 0);
        assert_int_equal(link_entry_add_string(&e, "utf", "\xc3\xa9t\xc3\xa9\tx"), 0);
        lwm2m_buf b = {0};
        assert_int_equal(link_append(&e, NULL, &b), 0);
        const char *expected = "</3/0/0>;title=\"a \\\"quoted\\\" back\\\\slash, ;x\";obs;"
                               "empty=\"\";utf=\"\xc3\xa9t\xc3\xa9\tx\"";
        assert_buf_string(&b, expected);

        link_list l = {0};
        assert_int_equal(link_decode(b.data, b.len, &l), 0);
        assert_int_equal(l.n, 1);
        assert_attr(&l.items[0], "title", "a \"quoted\" back\\slash, ;x", true);
        assert_attr(&l.items[0], "obs", NULL, false);
        assert_attr(&l.items[0], "empty", "", true);
        /* A flag is not a number. */
        uint64_t u;
        assert_int_equal(link_entry_get_uint(&l.items[0], "obs", &u), -EBADMSG);
        link_list_free(&l);
        link_entry_clear(&e);
        lwm2m_buf_free(&b);

        /* Any escaped character stands for itself. */
        assert_int_equal(decode_str("</1>;x=\"\\a\\,\"", &l), 0);
        assert_attr(&l.items[0], "x", "a,", true);
        link_list_free(&l);

        /* Quoted numbers are still numbers; white space around commas is allowed. */
        assert_int_equal(decode_str(" </1/0>;ssid=\"101\" ,\t</1/1> ", &l), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(link_entry_get_uint(&l.items[0], "ssid", &u), 0);
        assert_int_equal(u, 101);
        link_list_free(&l);

        /* Empty payload: no links. */
        assert_int_equal(decode_str("", &l), 0);
        assert_int_equal(l.n, 0);
        link_list_free(&l);
}

static void test_entry_refusals(void **state)
{
        link_entry e = {.path = lwm2m_path_object(3)};
        assert_int_equal(link_entry_add_uint(&e, "", 1), -EINVAL);
        assert_int_equal(link_entry_add_uint(&e, "has space", 1), -EINVAL);
        assert_int_equal(link_entry_add_uint(&e, "a=b", 1), -EINVAL);
        assert_int_equal(link_entry_add_uint(&e, "sixteen-chars-xx", 1), -EINVAL);
        assert_int_equal(link_entry_add_uint(&e, "fifteen-chars-x", 1), 0);
        assert_int_equal(link_entry_add_uint(&e, "fifteen-chars-x", 2), -EINVAL); /* duplicate */
        assert_int_equal(link_entry_add_double(&e, "gt", NAN), -EINVAL);
        assert_int_equal(link_entry_add_double(&e, "gt", INFINITY), -EINVAL);
        assert_int_equal(link_entry_add_token(&e, "ver", "1 1"), -EINVAL);
        assert_int_equal(link_entry_add_token(&e, "ver", "a,b"), -EINVAL);
        assert_int_equal(link_entry_add_token(&e, "ver", "\"x\""), -EINVAL);
        assert_int_equal(link_entry_add_token(&e, "ver", ""), -EINVAL);
        assert_int_equal(link_entry_add_string(&e, "s", "line\nbreak"), -EINVAL);
        assert_int_equal(link_entry_add_string(&e, "s", "\xc3\x28"), -EINVAL);
        assert_int_equal(e.n_attrs, 1);
        for (int i = 1; i < LINK_ATTRS_MAX; i++) {
                char name[8];
                snprintf(name, sizeof(name), "a%d", i);
                assert_int_equal(link_entry_add_uint(&e, name, (uint64_t)i), 0);
        }
        assert_int_equal(link_entry_add_flag(&e, "one-more"), -E2BIG);
        assert_int_equal(e.n_attrs, LINK_ATTRS_MAX);

        /* Sixteen attributes on the wire would be refused the same way. */
        lwm2m_buf b = {0};
        assert_int_equal(link_append(&e, NULL, &b), 0);
        link_list l = {0};
        assert_int_equal(link_decode(b.data, b.len, &l), 0);
        assert_int_equal(l.items[0].n_attrs, LINK_ATTRS_MAX);
        link_list_free(&l);
        assert_int_equal(lwm2m_buf_append(&b, ";x", 2), 0);
        assert_int_equal(link_decode(b.data, b.len, &l), -E2BIG);
        link_entry_clear(&e);
        assert_int_equal(e.n_attrs, 0);

        /* A failed append leaves the buffer as it was. */
        lwm2m_buf_reset(&b);
        assert_int_equal(lwm2m_buf_append(&b, "</1>", 4), 0);
        link_entry bad = {.path = lwm2m_path_object(2), .n_attrs = 1};
        strcpy(bad.attrs[0].name, "x");
        bad.attrs[0].value = (char *)"not a token";
        assert_int_equal(link_append(&bad, NULL, &b), -EINVAL);
        assert_buf_string(&b, "</1>");
        lwm2m_path invalid = {.id = {65535}, .len = 1};
        link_entry bad_path = {.path = invalid};
        assert_int_equal(link_append(&bad_path, NULL, &b), -EINVAL);
        assert_buf_string(&b, "</1>");
        lwm2m_buf_free(&b);
}

static void test_decode_malformed(void **state)
{
        static const char *const bad[] = {
                "</3/0",                 /* unterminated angle bracket */
                "<",                     /* same */
                "</3/0>;uri=\"coap://x", /* unterminated quote */
                "</3/0>;uri=\"x\\",      /* escape at the end */
                "</3/0>,",               /* trailing comma */
                ",</3/0>",               /* leading comma */
                "</3/0>,,</4>",          /* empty link */
                "</3/0></4>",            /* missing comma */
                "</3/0>x",               /* junk after a link */
                "</3/0>;",               /* empty parameter */
                "</3/0>;=1",             /* parameter without name */
                "</3/0>;pmin=",          /* empty token */
                "</3/0>;pmin=1;pmin=2",  /* repeated name */
                "</3/0> ;pmin=1",        /* space before ';' */
                "</3/0>; pmin=1",        /* space after ';' */
                "</3/0>;pmin = 1",       /* spaces around '=' */
                "</3/0>;pmin=abc",       /* LwM2M numbers must be numbers */
                "</3/0>;pmin=-1",
                "</3/0>;pmax=1.5",
                "</3/0>;dim",
                "</3/0>;gt=nan",
                "</3/0>;lt=inf",
                "</3/0>;st=0x10",
                "</3/0>;ver=1",
                "</3/0>;ver=\"1.x\"",
                "</3/0>;x=\"a\x01\"",      /* control character in a quoted string */
                "</3/0>;x=\"\xc3\x28\"",   /* invalid UTF-8 in a quoted string */
                "</3/0>;x=\"\\\xc3\xa9\"", /* escaped non-ASCII */
                "</3/0>;x=a\"b\"",         /* quote inside a token */
                "<>",                      /* empty target */
                "<3/0>",                   /* relative target */
                "</a/b>",                  /* not an LwM2M path */
                "</3//0>",                 /* empty segment */
                "</65535>",                /* reserved ID */
                "</1/2/3/4/5>",            /* too deep */
                "</3/0 >",                 /* space in target */
                "</3/\xc3\xa9>",           /* non-ASCII in target */
                "3/0",                     /* not a link */
                "</3/0>\n",                /* only space and tab are white space */
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_decode_fails(bad[i], -EBADMSG);

        /* Whatever target the first link with rt="oma.lwm2m" has is the alternate path. */
        link_list l = {0};
        assert_int_equal(decode_str("</3/0>;rt=\"oma.lwm2m\",</3/0/1/2>", &l), 0);
        assert_string_equal(l.alt_path, "/3/0");
        assert_int_equal(l.items[1].path.len, 2);
        link_list_free(&l);
        /* An embedded NUL is junk, not an end. */
        assert_int_equal(link_decode((const uint8_t *)"</1>\0,</2>", 10, &l), -EBADMSG);
        assert_int_equal(link_decode((const uint8_t *)"</1>;a=\"\0\"", 10, &l), -EBADMSG);
        assert_int_equal(l.n, 0);
}

static void test_decode_limits(void **state)
{
        /* A name of 16 characters and a value of LINK_ATTR_VALUE_MAX are over the limit. */
        assert_decode_fails("</1>;sixteen-chars-xx=1", -E2BIG);
        static char s[LINK_ATTR_VALUE_MAX + 32];
        size_t head = strlen("</1>;a=\"");
        memcpy(s, "</1>;a=\"", head);
        memset(s + head, 'x', LINK_ATTR_VALUE_MAX);
        memcpy(s + head + LINK_ATTR_VALUE_MAX, "\"", 2);
        assert_decode_fails(s, -E2BIG);
        head = strlen("</1>;a=");
        memcpy(s, "</1>;a=", head);
        memset(s + head, 'x', LINK_ATTR_VALUE_MAX);
        s[head + LINK_ATTR_VALUE_MAX] = '\0';
        assert_decode_fails(s, -E2BIG);
        /* One byte less fits. */
        s[head + LINK_ATTR_VALUE_MAX - 1] = '\0';
        link_list l = {0};
        assert_int_equal(decode_str(s, &l), 0);
        assert_int_equal(strlen(l.items[0].attrs[0].value), LINK_ATTR_VALUE_MAX - 1);
        link_list_free(&l);

        /* An alternate path longer than the limit. */
        char alt[LINK_ALT_PATH_MAX + 40];
        alt[0] = '<';
        alt[1] = '/';
        memset(alt + 2, 'a', LINK_ALT_PATH_MAX);
        strcpy(alt + 2 + LINK_ALT_PATH_MAX, ">;rt=\"oma.lwm2m\"");
        assert_decode_fails(alt, -E2BIG);

        /* LINK_ENTRIES_MAX links decode; one more does not. */
        lwm2m_buf b = {0};
        for (int i = 0; i < LINK_ENTRIES_MAX; i++) {
                link_entry e = {.path = lwm2m_path_instance(3303, (uint16_t)i)};
                assert_int_equal(link_append(&e, NULL, &b), 0);
        }
        assert_int_equal(link_decode(b.data, b.len, &l), 0);
        assert_int_equal(l.n, LINK_ENTRIES_MAX);
        lwm2m_path last = lwm2m_path_instance(3303, LINK_ENTRIES_MAX - 1);
        assert_true(lwm2m_path_equal(&l.items[LINK_ENTRIES_MAX - 1].path, &last));
        assert_int_equal(lwm2m_buf_append(&b, ",</1>", 5), 0);
        /* The list is emptied first and left empty on error. */
        assert_int_equal(link_decode(b.data, b.len, &l), -E2BIG);
        assert_int_equal(l.n, 0);
        assert_null(l.items);
        link_list_free(&l);
        lwm2m_buf_free(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_register_payload),
                cmocka_unit_test(test_register_alternate_path),
                cmocka_unit_test(test_register_refusals),
                cmocka_unit_test(test_discover_encode),
                cmocka_unit_test(test_discover_decode),
                cmocka_unit_test(test_bootstrap_discover),
                cmocka_unit_test(test_quoting_and_flags),
                cmocka_unit_test(test_entry_refusals),
                cmocka_unit_test(test_decode_malformed),
                cmocka_unit_test(test_decode_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
