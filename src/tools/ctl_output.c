/* ctl_output.c - what lwm2mctl prints: messages and failures on stderr (with {"error": ...}
 * on stdout under --json), values and resources as text for people or as JSON for scripts. */
#include "tools/ctl_output.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

_printf_(1, 2) void ctl_msg(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("lwm2mctl: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

void ctl_print_json(json_object *o)
{
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE |
                                                       JSON_C_TO_STRING_SPACED));
}

/* Errors that say the daemon is not there (or not answering), as opposed to a refusal. */
static bool unreachable(int r, const sd_bus_error *e)
{
        if (sd_bus_error_is_set(e))
                return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_DISCONNECTED) ||
                       sd_bus_error_has_name(e, SD_BUS_ERROR_NO_SERVER);
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -ETIMEDOUT ||
               r == -EPIPE || r == -ESHUTDOWN || r == -ENOENT || r == -EHOSTUNREACH;
}

/* Reports a failed call on stderr (and as {"error": ...} on stdout with --json) and
 * returns the exit status it deserves. */
int ctl_report(const ctl_args *args, const char *what, int r, const sd_bus_error *e)
{
        assert(args);
        const char *name = sd_bus_error_is_set(e) ? e->name : NULL;
        const char *text = sd_bus_error_is_set(e) && e->message ? e->message : strerror(-r);
        bool gone = unreachable(r, e);
        if (gone)
                ctl_msg("%s: lwm2md is not reachable on the %s bus: %s", what, args->bus, text);
        else if (name && strncmp(name, CTL_ERROR_PREFIX, strlen(CTL_ERROR_PREFIX)) == 0)
                ctl_msg("%s: %s (%s)", what, text, name + strlen(CTL_ERROR_PREFIX));
        else if (name)
                ctl_msg("%s: %s (%s)", what, text, name);
        else
                ctl_msg("%s: %s", what, text);
        if (args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *err = json_object_new_object();
                json_object_object_add(o, "error", err);
                if (name)
                        json_object_object_add(err, "name", json_object_new_string(name));
                json_object_object_add(err, "message", json_object_new_string(text));
                ctl_print_json(o);
        }
        return gone ? CTL_EXIT_UNREACHABLE : CTL_EXIT_FAILED;
}

/* A failure found by lwm2mctl itself (not a bus error). */
_printf_(3, 4) int ctl_fail(const ctl_args *args, int status, const char *fmt, ...)
{
        assert(args);
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        ctl_msg("%s", text);
        if (args->json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *err = json_object_new_object();
                json_object_object_add(o, "error", err);
                json_object_object_add(err, "message", json_object_new_string(text));
                ctl_print_json(o);
        }
        return status;
}

json_object *ctl_value_to_json(const lwm2m_value *v)
{
        assert(v);
        switch (v->type) {
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return json_object_new_int64(v->i);
        case LWM2M_TYPE_UNSIGNED:
                return json_object_new_uint64(v->u);
        case LWM2M_TYPE_FLOAT: {
                _cleanup_free_ char *s = ctl_format_json_float(v->f);
                return s ? json_object_new_double_s(v->f, s) : json_object_new_null();
        }
        case LWM2M_TYPE_BOOLEAN:
                return json_object_new_boolean(v->b);
        default: {
                _cleanup_free_ char *s = ctl_format_value(v, false);
                return s ? json_object_new_string(s) : NULL;
        }
        }
}

json_object *ctl_res_value_to_json(const ctl_res_value *rv)
{
        if (!rv->multiple)
                return rv->n ? ctl_value_to_json(&rv->items[0].v) : NULL;
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < rv->n; i++) {
                char key[8];
                snprintf(key, sizeof(key), "%u", rv->items[i].riid);
                json_object_object_add(o, key, ctl_value_to_json(&rv->items[i].v));
        }
        return o;
}

void ctl_print_resource(const ctl_resource *res, const ctl_res_value *rv, const char *indent,
                        int only_riid)
{
        assert(res);
        for (size_t i = 0; i < rv->n; i++) {
                if (only_riid >= 0 && rv->items[i].riid != only_riid)
                        continue;
                _cleanup_free_ char *s = ctl_format_value(&rv->items[i].v, true);
                printf("%s%s", indent, res->name);
                if (rv->multiple)
                        printf("[%u]", rv->items[i].riid);
                printf(" = %s", s ? s : "?");
                if (res->units && *res->units)
                        printf(" %s", res->units);
                putchar('\n');
        }
        if (rv->multiple && rv->n == 0 && only_riid < 0)
                printf("%s%s = (no instances)\n", indent, res->name);
}

json_object *ctl_resource_json(uint16_t oid, uint16_t iid, const ctl_resource *res,
                               const ctl_res_value *rv, int riid)
{
        char path[LWM2M_PATH_STRLEN];
        assert(res && rv);
        assert(riid < 0 || riid <= UINT16_MAX);
        json_object *o = json_object_new_object();
        if (riid >= 0)
                /* A resource instance ID is 16 bits: the cast only tells the compiler so. */
                snprintf(path, sizeof(path), "/%u/%u/%u/%u", oid, iid, res->id, (uint16_t)riid);
        else
                snprintf(path, sizeof(path), "/%u/%u/%u", oid, iid, res->id);
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "id", json_object_new_int(res->id));
        json_object_object_add(o, "name", json_object_new_string(res->name));
        json_object_object_add(o, "type", json_object_new_string(lwm2m_type_to_string(res->type)));
        if (res->units && *res->units)
                json_object_object_add(o, "units", json_object_new_string(res->units));
        json_object *value = NULL;
        if (riid >= 0) {
                for (size_t i = 0; i < rv->n; i++)
                        if (rv->items[i].riid == riid)
                                value = ctl_value_to_json(&rv->items[i].v);
        } else {
                value = ctl_res_value_to_json(rv);
        }
        json_object_object_add(o, "value", value);
        return o;
}
