/* ctl_parse.h - the parts of lwm2mctl that need no bus: the command line, values typed by
 * their resource definition (text in, text out) and a resource list from the Object interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/path.h"
#include "model/value.h"

/* Exit statuses of lwm2mctl. */
enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_FAILED = 1, /* the daemon refused or the operation failed */
        CTL_EXIT_USAGE = 2,
        CTL_EXIT_UNREACHABLE = 3, /* no bus, or nobody owns org.lwm2md1 */
};

typedef enum ctl_command {
        CTL_CMD_HELP,
        CTL_CMD_VERSION,
        CTL_CMD_STATUS,
        CTL_CMD_SERVERS,
        CTL_CMD_LIST,
        CTL_CMD_READ,
        CTL_CMD_WRITE,
        CTL_CMD_EXEC,
        CTL_CMD_UPDATE,
        CTL_CMD_OBJECTS,
        CTL_CMD_SEND,
        CTL_CMD_BOOTSTRAP,
} ctl_command;

/* The most paths one send command takes. */
#define CTL_SEND_MAX_PATHS 32

typedef struct ctl_args {
        const char *bus; /* "system", "user" or a D-Bus address */
        bool json;
        bool all; /* objects --all */
        ctl_command command;
        lwm2m_path path;                           /* read, write, exec */
        const char *value;                         /* write */
        const char *exec_args;                     /* exec; NULL when none given */
        uint16_t short_id;                         /* update, send --server; 0: every server */
        lwm2m_path send_paths[CTL_SEND_MAX_PATHS]; /* send */
        size_t n_send_paths;
} ctl_args;

/* Parses argv (argv[0] is the program). Options may stand anywhere; an argument that
 * starts with '-' and a digit or '.' is a value, not an option ("write /3303/0/5750 -5");
 * "--" ends the options. Returns 0, or -EINVAL with a sentence in `why`. */
int ctl_parse_args(int argc, char *const *argv, ctl_args *out, char *why, size_t why_size);

/* Parses `text` as a value of `type`: Integer and Time as decimal (Time also as
 * "YYYY-MM-DDTHH:MM:SSZ"), Unsigned Integer without sign, Float (finite), Boolean
 * (true/false, 1/0, yes/no, on/off), Opaque as hex digits (optionally "0x..."), Objlnk as
 * "OID:IID", String and Corelnk as given (UTF-8). Returns 0, -EINVAL or -ERANGE with a
 * sentence in `why`; `out` is then cleared. */
int ctl_parse_value(const char *text, lwm2m_type type, lwm2m_value *out, char *why,
                    size_t why_size);

/* Formats a value as ctl_parse_value reads it back (floats with the fewest digits that
 * round-trip). `human` adds the UTC date after a Time. Returns a malloc'd string or NULL. */
char *ctl_format_value(const lwm2m_value *v, bool human);
/* A Float as a JSON number that a reader takes for one with a fraction ("21.0", "0.5",
 * "1e+300"); NULL for infinities and NaN, which JSON cannot write. */
char *ctl_format_json_float(double d);

/* "R", "W", "RW", "E", "" -> LWM2M_OP_* bits; -EINVAL for anything else. */
int ctl_parse_operations(const char *s, uint8_t *out);

/* A resource's value as read: one value, or resource instances. */
typedef struct ctl_res_item {
        uint16_t riid;
        lwm2m_value v;
} ctl_res_item;

typedef struct ctl_res_value {
        bool multiple;
        size_t n;
        ctl_res_item *items; /* one item (riid unused) when !multiple */
} ctl_res_value;

void ctl_res_value_done(ctl_res_value *rv);

/* One entry of org.lwm2md1.Object's Resources a(qssssbbs); the caller owns the strings. */
typedef struct ctl_resource {
        uint16_t id;
        const char *name;
        lwm2m_type type;
        uint8_t operations;
        const char *units;
        bool multiple;
        bool mandatory;
        const char *range;
} ctl_resource;

/* The property name lwm2md gives a resource on the typed interface org.lwm2md1.Object<oid>
 * (lwm2md.dbus(5)): the name split on anything not [A-Za-z0-9], each word with its first
 * letter upper-cased, "R" before a leading digit, "Resource" for nothing. A name two
 * resources share gets "_<id>" appended, which the caller tries second. */
void ctl_member_name(const char *resource_name, char *out, size_t size);

/* Finds a resource by ID (the array need not be sorted); NULL when absent. */
const ctl_resource *ctl_resource_find(const ctl_resource *res, size_t n, uint16_t id);
