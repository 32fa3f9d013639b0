/* link.c - CoRE Link Format (RFC 6690, content-format 40) as LwM2M uses it: the object list of
 * Register/Update, Discover and Bootstrap-Discover answers, and a strict parser for all of them. */
#include "formats/link.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/decimal.h"
#include "model/value.h"
#include "util/buf.h"
#include "util/macro.h"

/* The character classes below use strchr(), which also finds the terminating
 * NUL: every one of them rejects 0 first. */

/* RFC 5987 attr-char without '*' (RFC 6690 parmname). */
static bool is_parmname_char(uint8_t c)
{
        return c != 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          decimal_is_digit((char)c) || strchr("!#$&+-.^_`|~", c) != NULL);
}

/* RFC 6690 ptokenchar. */
static bool is_ptoken_char(uint8_t c)
{
        return c != 0 &&
               ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || decimal_is_digit((char)c) ||
                strchr("!#$%&'()*+-./:<=>?@[]^_`{|}~", c) != NULL);
}

/* The characters an alternate path may use: unreserved URI characters, '/' and
 * the sub-delimiters that cannot be confused with link-format syntax. */
static bool is_alt_path_char(uint8_t c)
{
        return c != 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          decimal_is_digit((char)c) || strchr("-._~!$&'()*+=:@/", c) != NULL);
}

static bool is_ctl(uint8_t c)
{
        return c < 0x20 || c == 0x7f;
}

static bool name_valid(const char *name)
{
        size_t len = strlen(name);
        if (len == 0 || len >= LINK_ATTR_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_parmname_char((uint8_t)name[i]))
                        return false;
        return true;
}

static bool token_valid(const char *v)
{
        if (!*v)
                return false;
        for (; *v; v++)
                if (!is_ptoken_char((uint8_t)*v))
                        return false;
        return true;
}

/* A quoted-string may hold any UTF-8 text but control characters (tabs aside). */
static bool quoted_value_valid(const char *v, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (is_ctl((uint8_t)v[i]) && v[i] != '\t')
                        return false;
        return lwm2m_utf8_valid((const uint8_t *)v, len);
}

/* "" or "/" mean none; otherwise "/segment[/segment...]" without a trailing '/'. */
static int alt_path_check(const char *alt_path, size_t *len)
{
        if (!alt_path || !*alt_path || strcmp(alt_path, "/") == 0) {
                *len = 0;
                return 0;
        }
        size_t n = strlen(alt_path);
        if (n >= LINK_ALT_PATH_MAX || alt_path[0] != '/' || alt_path[n - 1] == '/')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!is_alt_path_char((uint8_t)alt_path[i]))
                        return -EINVAL;
        *len = n;
        return 0;
}

void link_entry_clear(link_entry *e)
{
        assert(e);
        for (size_t i = 0; i < e->n_attrs; i++) {
                free(e->attrs[i].value);
                e->attrs[i].value = NULL;
        }
        e->n_attrs = 0;
}

const link_attr *link_entry_find(const link_entry *e, const char *name)
{
        assert(e);
        for (size_t i = 0; i < e->n_attrs; i++)
                if (strcmp(e->attrs[i].name, name) == 0)
                        return &e->attrs[i];
        return NULL;
}

/* Takes ownership of `value` (NULL for a flag) whatever the outcome. */
static int entry_add_owned(link_entry *e, const char *name, char *value, bool quoted)
{
        if (!name_valid(name) || link_entry_find(e, name)) {
                free(value);
                return -EINVAL;
        }
        if (e->n_attrs >= LINK_ATTRS_MAX) {
                free(value);
                return -E2BIG;
        }
        link_attr *a = &e->attrs[e->n_attrs++];
        memset(a, 0, sizeof(*a));
        strcpy(a->name, name);
        a->value = value;
        a->quoted = quoted;
        return 0;
}

static int entry_add_copy(link_entry *e, const char *name, const char *value, bool quoted)
{
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        return entry_add_owned(e, name, copy, quoted);
}

int link_entry_add_uint(link_entry *e, const char *name, uint64_t v)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return entry_add_copy(e, name, buf, false);
}

int link_entry_add_int(link_entry *e, const char *name, int64_t v)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return entry_add_copy(e, name, buf, false);
}

int link_entry_add_double(link_entry *e, const char *name, double v)
{
        char buf[DECIMAL_DOUBLE_STRLEN];
        int r = decimal_format_double(v, buf);
        if (r < 0)
                return r;
        return entry_add_copy(e, name, buf, false);
}

int link_entry_add_token(link_entry *e, const char *name, const char *v)
{
        if (!v || !token_valid(v) || strlen(v) >= LINK_ATTR_VALUE_MAX)
                return -EINVAL;
        return entry_add_copy(e, name, v, false);
}

int link_entry_add_string(link_entry *e, const char *name, const char *v)
{
        if (!v || strlen(v) >= LINK_ATTR_VALUE_MAX || !quoted_value_valid(v, strlen(v)))
                return -EINVAL;
        return entry_add_copy(e, name, v, true);
}

int link_entry_add_flag(link_entry *e, const char *name)
{
        return entry_add_owned(e, name, NULL, false);
}

int link_entry_get_uint(const link_entry *e, const char *name, uint64_t *out)
{
        const link_attr *a = link_entry_find(e, name);
        if (!a)
                return -ENOENT;
        if (!a->value)
                return -EBADMSG;
        return decimal_parse_u64(a->value, strlen(a->value), out);
}

int link_entry_get_double(const link_entry *e, const char *name, double *out)
{
        const link_attr *a = link_entry_find(e, name);
        if (!a)
                return -ENOENT;
        if (!a->value)
                return -EBADMSG;
        return decimal_parse_double(a->value, strlen(a->value), out);
}

static int append_attr(const link_attr *a, lwm2m_buf *out)
{
        if (!name_valid(a->name))
                return -EINVAL;
        int r = lwm2m_buf_printf(out, ";%s", a->name);
        if (r < 0 || !a->value)
                return r;
        size_t len = strlen(a->value);
        if (!a->quoted) {
                if (!token_valid(a->value))
                        return -EINVAL;
                r = lwm2m_buf_append_byte(out, '=');
                return r < 0 ? r : lwm2m_buf_append(out, a->value, len);
        }
        if (!quoted_value_valid(a->value, len))
                return -EINVAL;
        r = lwm2m_buf_append(out, "=\"", 2);
        for (size_t i = 0; r >= 0 && i < len; i++) {
                char c = a->value[i];
                if (c == '"' || c == '\\')
                        r = lwm2m_buf_append_byte(out, '\\');
                if (r >= 0)
                        r = lwm2m_buf_append_byte(out, (uint8_t)c);
        }
        return r < 0 ? r : lwm2m_buf_append_byte(out, '"');
}

/* Writes whole links or nothing, so a failed append leaves `out` as it was. */
int link_append(const link_entry *e, const char *alt_path, lwm2m_buf *out)
{
        assert(out);
        size_t alt_len;
        int r = alt_path_check(alt_path, &alt_len);
        if (r < 0)
                return r;
        if (e->n_attrs > LINK_ATTRS_MAX || e->path.len > LWM2M_PATH_RESOURCE_INSTANCE)
                return -EINVAL;
        for (size_t i = 0; i < e->path.len; i++)
                if (e->path.id[i] == LWM2M_ID_INVALID)
                        return -EINVAL;
        char path[LWM2M_PATH_STRLEN] = "";
        if (e->path.len > 0 && lwm2m_path_format(&e->path, path, sizeof(path)) < 0)
                return -EINVAL;

        size_t start = out->len;
        if (start > 0)
                r = lwm2m_buf_append_byte(out, ',');
        if (r >= 0)
                r = lwm2m_buf_printf(out, "<%.*s%s>", (int)alt_len, alt_path ? alt_path : "",
                                     e->path.len > 0 ? path
                                     : alt_len > 0   ? ""
                                                     : "/");
        for (size_t i = 0; r >= 0 && i < e->n_attrs; i++)
                r = append_attr(&e->attrs[i], out);
        if (r < 0)
                out->len = start;
        return r;
}

int link_encode(const link_entry *entries, size_t n, const char *alt_path, lwm2m_buf *out)
{
        assert(entries || n == 0);
        for (size_t i = 0; i < n; i++) {
                int r = link_append(&entries[i], alt_path, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

int link_append_register_root(const char *alt_path, int content_format, lwm2m_buf *out)
{
        _cleanup_(link_entry_clear) link_entry root = {.path = {.len = LWM2M_PATH_ROOT}};
        int r = link_entry_add_string(&root, "rt", "oma.lwm2m");
        if (r >= 0 && content_format >= 0)
                r = link_entry_add_uint(&root, "ct", (uint64_t)content_format);
        if (r < 0)
                return r;
        return link_append(&root, alt_path, out);
}

/* "major.minor", each a short run of digits. */
static bool version_valid(const char *v)
{
        const char *dot = strchr(v, '.');
        if (!dot)
                return false;
        size_t major = (size_t)(dot - v), minor = strlen(dot + 1);
        if (major == 0 || major > 5 || minor == 0 || minor > 5)
                return false;
        for (const char *p = v; *p; p++)
                if (p != dot && !decimal_is_digit(*p))
                        return false;
        return true;
}

int link_append_register_object(uint16_t oid, const char *version, const uint16_t *iids,
                                size_t n_iids, const char *alt_path, lwm2m_buf *out)
{
        assert(iids || n_iids == 0);
        assert(out);
        bool versioned = version && *version && strcmp(version, "1.0") != 0;
        if (versioned && !version_valid(version))
                return -EINVAL;

        size_t start = out->len;
        int r = 0;
        if (versioned || n_iids == 0) {
                _cleanup_(link_entry_clear) link_entry obj = {.path = lwm2m_path_object(oid)};
                if (versioned)
                        r = link_entry_add_token(&obj, "ver", version);
                if (r >= 0)
                        r = link_append(&obj, alt_path, out);
        }
        for (size_t i = 0; r >= 0 && i < n_iids; i++) {
                link_entry inst = {.path = lwm2m_path_instance(oid, iids[i])};
                r = link_append(&inst, alt_path, out);
        }
        if (r < 0)
                out->len = start;
        return r;
}

void link_list_free(link_list *l)
{
        assert(l);
        for (size_t i = 0; i < l->n; i++)
                link_entry_clear(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = l->cap = 0;
        l->alt_path[0] = '\0';
}

typedef struct link_parser {
        const uint8_t *data;
        size_t len;
        size_t pos;
} link_parser;

static bool parser_peek(const link_parser *p, uint8_t c)
{
        return p->pos < p->len && p->data[p->pos] == c;
}

static void parser_skip_space(link_parser *p)
{
        while (p->pos < p->len && (p->data[p->pos] == ' ' || p->data[p->pos] == '\t'))
                p->pos++;
}

/* quoted-string (RFC 2616): '"' *(qdtext | '\\' CHAR) '"', unescaped into a new string.
 * Measured first, so that the copy is exactly as long as the value. */
static int parse_quoted(link_parser *p, char **out)
{
        size_t start = ++p->pos; /* past the opening quote */
        size_t n = 0;
        for (;;) {
                if (p->pos >= p->len)
                        return -EBADMSG;
                uint8_t c = p->data[p->pos++];
                if (c == '"')
                        break;
                if (c == '\\') {
                        if (p->pos >= p->len)
                                return -EBADMSG;
                        c = p->data[p->pos++];
                        if (c > 0x7f)
                                return -EBADMSG;
                }
                if (is_ctl(c) && c != '\t')
                        return -EBADMSG;
                if (++n >= LINK_ATTR_VALUE_MAX)
                        return -E2BIG;
        }

        _cleanup_free_ char *v = malloc(n + 1);
        if (!v)
                return -ENOMEM;
        size_t o = 0;
        for (size_t i = start; o < n; i++) {
                if (p->data[i] == '\\')
                        i++;
                v[o++] = (char)p->data[i];
        }
        v[n] = '\0';
        if (!lwm2m_utf8_valid((const uint8_t *)v, n))
                return -EBADMSG;
        *out = TAKE_PTR(v);
        return 0;
}

static int parse_token(link_parser *p, char **out)
{
        size_t start = p->pos;
        while (p->pos < p->len && is_ptoken_char(p->data[p->pos]))
                p->pos++;
        size_t n = p->pos - start;
        if (n == 0)
                return -EBADMSG;
        if (n >= LINK_ATTR_VALUE_MAX)
                return -E2BIG;
        *out = lwm2m_bytes_to_string(p->data + start, n);
        return *out ? 0 : -ENOMEM;
}

/* Attributes LwM2M defines as numbers must be numbers, so that a server's typo
 * is reported rather than silently ignored. */
static int attr_check_lwm2m(const link_entry *e, const link_attr *a)
{
        static const char *const integers[] = {"pmin", "pmax", "epmin", "epmax", "dim", "ssid"};
        static const char *const decimals[] = {"gt", "lt", "st"};
        uint64_t u;
        double d;
        for (size_t i = 0; i < ELEMENTSOF(integers); i++)
                if (strcmp(a->name, integers[i]) == 0)
                        return link_entry_get_uint(e, a->name, &u);
        for (size_t i = 0; i < ELEMENTSOF(decimals); i++)
                if (strcmp(a->name, decimals[i]) == 0)
                        return link_entry_get_double(e, a->name, &d);
        if (strcmp(a->name, "ver") == 0 || strcmp(a->name, "lwm2m") == 0)
                return a->value && version_valid(a->value) ? 0 : -EBADMSG;
        return 0;
}

/* link-extension: parmname [ "=" ( ptoken / quoted-string ) ] */
static int parse_param(link_parser *p, link_entry *e)
{
        size_t start = p->pos;
        while (p->pos < p->len && is_parmname_char(p->data[p->pos]))
                p->pos++;
        size_t n = p->pos - start;
        if (n == 0)
                return -EBADMSG;
        if (n >= LINK_ATTR_NAME_MAX)
                return -E2BIG;
        char name[LINK_ATTR_NAME_MAX];
        memcpy(name, p->data + start, n);
        name[n] = '\0';
        if (link_entry_find(e, name))
                return -EBADMSG;
        if (e->n_attrs >= LINK_ATTRS_MAX)
                return -E2BIG;

        char *value = NULL;
        bool quoted = false;
        if (parser_peek(p, '=')) {
                p->pos++;
                quoted = parser_peek(p, '"');
                int r = quoted ? parse_quoted(p, &value) : parse_token(p, &value);
                if (r < 0)
                        return r;
        }
        int r = entry_add_owned(e, name, value, quoted);
        if (r < 0)
                return r;
        return attr_check_lwm2m(e, &e->attrs[e->n_attrs - 1]);
}

static bool rt_has_lwm2m(const link_entry *e)
{
        const link_attr *rt = link_entry_find(e, "rt");
        if (!rt || !rt->value)
                return false;
        /* rt is a space-separated list of resource types. */
        for (const char *s = rt->value; *s;) {
                size_t n = strcspn(s, " ");
                if (n == strlen("oma.lwm2m") && strncmp(s, "oma.lwm2m", n) == 0)
                        return true;
                s += n;
                s += strspn(s, " ");
        }
        return false;
}

static int target_to_path(const char *target, size_t len, const char *alt_path, lwm2m_path *out)
{
        size_t alt_len = strlen(alt_path);
        if (alt_len > 0) {
                if (len < alt_len || memcmp(target, alt_path, alt_len) != 0)
                        return -EBADMSG;
                target += alt_len;
                len -= alt_len;
                if (len == 0) {
                        *out = (lwm2m_path){.len = LWM2M_PATH_ROOT};
                        return 0;
                }
        }
        if (len == 0 || target[0] != '/')
                return -EBADMSG;
        return lwm2m_path_parse_n(target, len, out) < 0 ? -EBADMSG : 0;
}

static int list_add(link_list *l, link_entry **out)
{
        if (l->n >= LINK_ENTRIES_MAX)
                return -E2BIG;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 8;
                if (cap > LINK_ENTRIES_MAX)
                        cap = LINK_ENTRIES_MAX;
                link_entry *items = realloc(l->items, cap * sizeof(*items));
                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->cap = cap;
        }
        *out = &l->items[l->n++];
        memset(*out, 0, sizeof(**out));
        return 0;
}

/* "<" target ">" *( ";" link-param ) */
static int parse_link(link_parser *p, link_list *l)
{
        p->pos++; /* '<' */
        size_t start = p->pos;
        while (p->pos < p->len && p->data[p->pos] != '>') {
                uint8_t c = p->data[p->pos];
                if (is_ctl(c) || c == ' ' || c == '<' || c == '"' || c > 0x7f)
                        return -EBADMSG;
                p->pos++;
        }
        if (p->pos >= p->len)
                return -EBADMSG;
        const char *target = (const char *)p->data + start;
        size_t target_len = p->pos - start;
        p->pos++; /* '>' */

        link_entry *e;
        int r = list_add(l, &e);
        if (r < 0)
                return r;
        while (parser_peek(p, ';')) {
                p->pos++;
                r = parse_param(p, e);
                if (r < 0)
                        return r;
        }

        /* The first link may name the LwM2M root at an alternate path. */
        if (l->n == 1 && rt_has_lwm2m(e) && !(target_len == 1 && target[0] == '/')) {
                if (target_len >= LINK_ALT_PATH_MAX)
                        return -E2BIG;
                memcpy(l->alt_path, target, target_len);
                l->alt_path[target_len] = '\0';
                size_t alt_len;
                if (alt_path_check(l->alt_path, &alt_len) < 0 || alt_len != target_len)
                        return -EBADMSG;
        }
        return target_to_path(target, target_len, l->alt_path, &e->path);
}

static int parse_payload(link_parser *p, link_list *l)
{
        parser_skip_space(p);
        if (p->pos == p->len)
                return 0;

        /* LwM2M 1.0 Bootstrap-Discover starts with a bare `lwm2m="1.0"`. */
        if (!parser_peek(p, '<')) {
                link_entry *e;
                int r = list_add(l, &e);
                if (r < 0)
                        return r;
                r = parse_param(p, e);
                if (r < 0)
                        return r;
                if (strcmp(e->attrs[0].name, "lwm2m") != 0)
                        return -EBADMSG;
                parser_skip_space(p);
                if (p->pos == p->len)
                        return 0;
                if (!parser_peek(p, ','))
                        return -EBADMSG;
                p->pos++;
                parser_skip_space(p);
        }

        for (;;) {
                if (!parser_peek(p, '<'))
                        return -EBADMSG;
                int r = parse_link(p, l);
                if (r < 0)
                        return r;
                parser_skip_space(p);
                if (p->pos == p->len)
                        return 0;
                if (!parser_peek(p, ','))
                        return -EBADMSG;
                p->pos++;
                parser_skip_space(p);
        }
}

int link_decode(const uint8_t *data, size_t len, link_list *out)
{
        link_list_free(out);
        link_parser p = {.data = data, .len = len};
        int r = parse_payload(&p, out);
        if (r < 0)
                link_list_free(out);
        return r;
}
