/* ctl_parse.c - the parts of lwm2mctl that need no bus: the command line, values typed by
 * their resource definition (text in, text out) and a resource list from the Object interface. */
#include "tools/ctl_parse.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model/definition.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/macro.h"

_printf_(3, 4) static int fail(char *why, size_t why_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        lwm2m_diagv(why, why_size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const struct {
        const char *name;
        ctl_command command;
        int min_args, max_args;
} commands[] = {
        {"help", CTL_CMD_HELP, 0, 0},           {"status", CTL_CMD_STATUS, 0, 0},
        {"servers", CTL_CMD_SERVERS, 0, 0},     {"list", CTL_CMD_LIST, 0, 0},
        {"read", CTL_CMD_READ, 1, 1},           {"write", CTL_CMD_WRITE, 2, 2},
        {"exec", CTL_CMD_EXEC, 1, 2},           {"update", CTL_CMD_UPDATE, 0, 1},
        {"objects", CTL_CMD_OBJECTS, 0, 0},     {"send", CTL_CMD_SEND, 1, CTL_SEND_MAX_PATHS},
        {"bootstrap", CTL_CMD_BOOTSTRAP, 0, 0},
};

/* A negative number is an argument ("-5", "-.5"), never an option. */
static bool looks_like_option(const char *arg)
{
        if (arg[0] != '-' || arg[1] == '\0')
                return false;
        return !(isdigit((unsigned char)arg[1]) || arg[1] == '.');
}

static int parse_path_for(const char *what, const char *text, uint8_t min_len, uint8_t max_len,
                          lwm2m_path *out, char *why, size_t why_size)
{
        if (lwm2m_path_parse(text, out) < 0)
                return fail(
                        why, why_size,
                        "%s: \"%s\" is not an LwM2M path (/object/instance/resource, IDs 0..65534)",
                        what, text);
        if (out->len < min_len || out->len > max_len) {
                static const char *const shapes[] = {
                        "",
                        "/object",
                        "/object/instance",
                        "/object/instance/resource",
                        "/object/instance/resource/resource-instance",
                };
                if (min_len == max_len)
                        return fail(why, why_size, "%s: \"%s\" must be a path %s", what, text,
                                    shapes[min_len]);
                return fail(why, why_size, "%s: \"%s\" must be a path from %s to %s", what, text,
                            shapes[min_len], shapes[max_len]);
        }
        return 0;
}

static int parse_short_id(const char *what, const char *text, uint16_t *out, char *why,
                          size_t why_size)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(text, &end, 10);
        if (!isdigit((unsigned char)text[0]) || *end || errno || v == 0 || v >= 65535)
                return fail(why, why_size, "%s: \"%s\" is not a server short ID (1..65534)", what,
                            text);
        *out = (uint16_t)v;
        return 0;
}

int ctl_parse_args(int argc, char *const *argv, ctl_args *out, char *why, size_t why_size)
{
        assert(out);
        *out = (ctl_args){.bus = "system", .command = CTL_CMD_HELP};
        const char *positional[1 + CTL_SEND_MAX_PATHS + 1];
        size_t n_pos = 0;
        bool options_done = false;
        bool want_help = false, want_version = false;
        const char *server = NULL; /* --server */

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                if (!options_done && looks_like_option(arg)) {
                        if (strcmp(arg, "--") == 0)
                                options_done = true;
                        else if (strcmp(arg, "--json") == 0)
                                out->json = true;
                        else if (strcmp(arg, "--all") == 0)
                                out->all = true;
                        else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
                                want_help = true;
                        else if (strcmp(arg, "--version") == 0)
                                want_version = true;
                        else if (strcmp(arg, "--bus") == 0) {
                                if (i + 1 >= argc)
                                        return fail(why, why_size,
                                                    "--bus needs an argument: system, user or a "
                                                    "D-Bus address");
                                out->bus = argv[++i];
                        } else if (strncmp(arg, "--bus=", 6) == 0)
                                out->bus = arg + 6;
                        else if (strcmp(arg, "--server") == 0) {
                                if (i + 1 >= argc)
                                        return fail(why, why_size,
                                                    "--server needs a server short ID");
                                server = argv[++i];
                        } else if (strncmp(arg, "--server=", 9) == 0)
                                server = arg + 9;
                        else
                                return fail(why, why_size, "unknown option \"%s\"", arg);
                        continue;
                }
                if (n_pos >= ELEMENTSOF(positional))
                        return fail(why, why_size, "too many arguments");
                positional[n_pos++] = arg;
        }
        if (out->bus[0] == '\0')
                return fail(why, why_size,
                            "--bus needs an argument: system, user or a D-Bus address");
        if (want_help) {
                out->command = CTL_CMD_HELP;
                return 0;
        }
        if (want_version) {
                out->command = CTL_CMD_VERSION;
                return 0;
        }
        if (n_pos == 0)
                return fail(why, why_size, "no command given");

        size_t c;
        for (c = 0; c < ELEMENTSOF(commands); c++)
                if (strcmp(positional[0], commands[c].name) == 0)
                        break;
        if (c == ELEMENTSOF(commands))
                return fail(why, why_size, "unknown command \"%s\"", positional[0]);
        const char *name = commands[c].name;
        int n_args = (int)n_pos - 1;
        if (n_args < commands[c].min_args)
                return fail(why, why_size, "%s: missing argument", name);
        if (n_args > commands[c].max_args)
                return fail(why, why_size, "%s: too many arguments (\"%s\")", name,
                            positional[1 + commands[c].max_args]);
        if (out->all && commands[c].command != CTL_CMD_OBJECTS)
                return fail(why, why_size, "--all only goes with the objects command");
        if (server && commands[c].command != CTL_CMD_SEND)
                return fail(why, why_size, "--server only goes with the send command");
        out->command = commands[c].command;

        switch (out->command) {
        case CTL_CMD_READ:
                return parse_path_for(name, positional[1], LWM2M_PATH_OBJECT,
                                      LWM2M_PATH_RESOURCE_INSTANCE, &out->path, why, why_size);
        case CTL_CMD_WRITE:
                out->value = positional[2];
                return parse_path_for(name, positional[1], LWM2M_PATH_RESOURCE,
                                      LWM2M_PATH_RESOURCE_INSTANCE, &out->path, why, why_size);
        case CTL_CMD_EXEC:
                out->exec_args = n_args > 1 ? positional[2] : NULL;
                return parse_path_for(name, positional[1], LWM2M_PATH_RESOURCE, LWM2M_PATH_RESOURCE,
                                      &out->path, why, why_size);
        case CTL_CMD_UPDATE:
                return n_args > 0
                               ? parse_short_id(name, positional[1], &out->short_id, why, why_size)
                               : 0;
        case CTL_CMD_SEND:
                if (server &&
                    parse_short_id("send --server", server, &out->short_id, why, why_size) < 0)
                        return -EINVAL;
                for (int i = 0; i < n_args; i++) {
                        int r = parse_path_for(name, positional[1 + i], LWM2M_PATH_OBJECT,
                                               LWM2M_PATH_RESOURCE_INSTANCE, &out->send_paths[i],
                                               why, why_size);
                        if (r < 0)
                                return r;
                        out->n_send_paths++;
                }
                return 0;
        default:
                return 0;
        }
}

static int parse_int64(const char *text, int64_t *out)
{
        if (!text[0] || isspace((unsigned char)text[0]))
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *out = v;
        return 0;
}

static int parse_time(const char *text, int64_t *out)
{
        int r = parse_int64(text, out);
        if (r != -EINVAL)
                return r;
        /* A UTC date as LwM2M servers show it. */
        struct tm tm = {0};
        const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!end || *end)
                return -EINVAL;
        *out = (int64_t)timegm(&tm);
        return 0;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static int parse_opaque(const char *text, lwm2m_value *out)
{
        if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
                text += 2;
        size_t len = strlen(text);
        if (len % 2)
                return -EINVAL;
        if (len / 2 > LWM2M_VALUE_MAX_BYTES)
                return -ERANGE;
        _cleanup_free_ uint8_t *bytes = malloc(len / 2 + 1);
        if (!bytes)
                return -ENOMEM;
        for (size_t i = 0; i < len / 2; i++) {
                int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                bytes[i] = (uint8_t)(hi << 4 | lo);
        }
        return lwm2m_value_set_bytes(out, LWM2M_TYPE_OPAQUE, bytes, len / 2);
}

static int parse_objlnk(const char *text, lwm2m_value *out)
{
        unsigned long id[2];
        const char *p = text;
        for (int k = 0; k < 2; k++) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                char *end;
                errno = 0;
                id[k] = strtoul(p, &end, 10);
                if (errno || id[k] > 65535)
                        return -ERANGE;
                p = end;
                if (k == 0 && *p++ != ':')
                        return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        *out = lwm2m_value_objlnk((uint16_t)id[0], (uint16_t)id[1]);
        return 0;
}

static int parse_boolean(const char *text, bool *out)
{
        static const char *const yes[] = {"true", "1", "yes", "on"};
        static const char *const no[] = {"false", "0", "no", "off"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(text, yes[i]) == 0) {
                        *out = true;
                        return 0;
                }
                if (strcasecmp(text, no[i]) == 0) {
                        *out = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static const char *type_hint(lwm2m_type type)
{
        switch (type) {
        case LWM2M_TYPE_INTEGER:
                return "a whole number";
        case LWM2M_TYPE_UNSIGNED:
                return "a whole number without sign";
        case LWM2M_TYPE_FLOAT:
                return "a finite number";
        case LWM2M_TYPE_BOOLEAN:
                return "true or false";
        case LWM2M_TYPE_OPAQUE:
                return "an even number of hex digits";
        case LWM2M_TYPE_TIME:
                return "seconds since 1970 or YYYY-MM-DDTHH:MM:SSZ";
        case LWM2M_TYPE_OBJLNK:
                return "OBJECT:INSTANCE";
        default:
                return "UTF-8 text";
        }
}

int ctl_parse_value(const char *text, lwm2m_type type, lwm2m_value *out, char *why, size_t why_size)
{
        assert(out);
        *out = (lwm2m_value){0};
        int r;
        switch (type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                r = lwm2m_value_set_bytes(out, type, text, strlen(text));
                if (r == -EILSEQ)
                        r = -EINVAL;
                break;
        case LWM2M_TYPE_INTEGER:
                *out = lwm2m_value_integer(0);
                r = parse_int64(text, &out->i);
                break;
        case LWM2M_TYPE_TIME:
                *out = lwm2m_value_time(0);
                r = parse_time(text, &out->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                *out = lwm2m_value_unsigned(0);
                r = -EINVAL;
                if (isdigit((unsigned char)text[0]) ||
                    (text[0] == '+' && isdigit((unsigned char)text[1]))) {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(text, &end, 10);
                        r = *end ? -EINVAL : errno == ERANGE ? -ERANGE : 0;
                        out->u = v;
                }
                break;
        case LWM2M_TYPE_FLOAT: {
                *out = lwm2m_value_float(0);
                r = -EINVAL;
                if (text[0] && !isspace((unsigned char)text[0])) {
                        char *end;
                        errno = 0;
                        double d = strtod(text, &end);
                        if (*end == '\0')
                                r = (isfinite(d) && errno != ERANGE) ? 0 : -ERANGE;
                        if (isnan(d))
                                r = -EINVAL;
                        out->f = d;
                }
                break;
        }
        case LWM2M_TYPE_BOOLEAN:
                *out = lwm2m_value_boolean(false);
                r = parse_boolean(text, &out->b);
                break;
        case LWM2M_TYPE_OPAQUE:
                r = parse_opaque(text, out);
                break;
        case LWM2M_TYPE_OBJLNK:
                r = parse_objlnk(text, out);
                break;
        default:
                r = fail(why, why_size, "this resource holds no value (it can only be executed)");
                *out = (lwm2m_value){0};
                return r;
        }
        if (r < 0) {
                lwm2m_value_clear(out);
                *out = (lwm2m_value){0};
                if (r == -ENOMEM) {
                        fail(why, why_size, "out of memory");
                        return r;
                }
                fail(why, why_size, "\"%s\" is %s for a %s resource: expected %s", text,
                     r == -ERANGE ? "out of range" : "not valid", lwm2m_type_to_string(type),
                     type_hint(type));
                return r == -ERANGE ? -ERANGE : -EINVAL;
        }
        return 0;
}

static char *format_double(double d)
{
        char buf[40];
        /* The fewest digits that read back as the same double. */
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*g", prec, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        return strdup(buf);
}

char *ctl_format_json_float(double d)
{
        if (!isfinite(d))
                return NULL;
        char *s = format_double(d);
        /* A fraction or an exponent keeps 21.0 a number with a fraction for a JSON
         * reader: "21" would reach a script as an integer. */
        if (!s || strpbrk(s, ".eE"))
                return s;
        char *with_fraction = NULL;
        if (asprintf(&with_fraction, "%s.0", s) < 0)
                with_fraction = NULL;
        free(s);
        return with_fraction;
}

char *ctl_format_value(const lwm2m_value *v, bool human)
{
        assert(v);
        char *s = NULL;
        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return lwm2m_bytes_to_string(v->buf.data, v->buf.len);
        case LWM2M_TYPE_INTEGER:
                return asprintf(&s, "%" PRId64, v->i) < 0 ? NULL : s;
        case LWM2M_TYPE_UNSIGNED:
                return asprintf(&s, "%" PRIu64, v->u) < 0 ? NULL : s;
        case LWM2M_TYPE_FLOAT:
                return format_double(v->f);
        case LWM2M_TYPE_BOOLEAN:
                return strdup(v->b ? "true" : "false");
        case LWM2M_TYPE_TIME: {
                struct tm tm;
                time_t t = (time_t)v->i;
                char date[64];
                if (human && gmtime_r(&t, &tm) &&
                    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
                        return asprintf(&s, "%" PRId64 " (%s)", v->i, date) < 0 ? NULL : s;
                return asprintf(&s, "%" PRId64, v->i) < 0 ? NULL : s;
        }
        case LWM2M_TYPE_OBJLNK:
                return asprintf(&s, "%u:%u", v->lnk.oid, v->lnk.iid) < 0 ? NULL : s;
        case LWM2M_TYPE_OPAQUE: {
                if (v->buf.len > (SIZE_MAX - 1) / 2)
                        return NULL;
                s = malloc(v->buf.len * 2 + 1);
                if (!s)
                        return NULL;
                static const char digits[] = "0123456789abcdef";
                for (size_t i = 0; i < v->buf.len; i++) {
                        s[2 * i] = digits[v->buf.data[i] >> 4];
                        s[2 * i + 1] = digits[v->buf.data[i] & 0xf];
                }
                s[v->buf.len * 2] = '\0';
                return s;
        }
        default:
                return strdup("");
        }
}

int ctl_parse_operations(const char *s, uint8_t *out)
{
        static const struct {
                const char *text;
                uint8_t ops;
        } table[] = {
                {"", LWM2M_OP_NONE},     {"R", LWM2M_OP_READ},
                {"W", LWM2M_OP_WRITE},   {"RW", LWM2M_OP_READ | LWM2M_OP_WRITE},
                {"E", LWM2M_OP_EXECUTE},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcmp(s, table[i].text) == 0) {
                        *out = table[i].ops;
                        return 0;
                }
        return -EINVAL;
}

const ctl_resource *ctl_resource_find(const ctl_resource *res, size_t n, uint16_t id)
{
        for (size_t i = 0; i < n; i++)
                if (res[i].id == id)
                        return &res[i];
        return NULL;
}

void ctl_member_name(const char *resource_name, char *out, size_t size)
{
        assert(out || size == 0);
        if (size == 0)
                return;
        size_t k = 0;
        bool word_start = true;
        for (const char *p = resource_name ? resource_name : ""; *p && k + 2 < size; p++) {
                if (!isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80) {
                        word_start = true;
                        continue;
                }
                char c = *p;
                if (word_start)
                        c = (char)toupper((unsigned char)c);
                if (k == 0 && isdigit((unsigned char)c))
                        out[k++] = 'R';
                out[k++] = c;
                word_start = false;
        }
        out[k] = '\0';
        if (k == 0)
                snprintf(out, size, "Resource");
}

void ctl_res_value_done(ctl_res_value *rv)
{
        assert(rv);
        for (size_t i = 0; i < rv->n; i++)
                lwm2m_value_clear(&rv->items[i].v);
        free(rv->items);
        *rv = (ctl_res_value){0};
}
