/* config.c - the daemon's configuration: /etc/lwm2md/lwm2md.conf (INI, via inih)
 * and command-line overrides, checked with errors that name the file and line. */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "build-config.h"
#include "model/oma.h"
#include "model/value.h"
#include "util/diag.h"
#include "util/macro.h"

/* Derives the default endpoint name from the machine ID without revealing it. */
#define ENDPOINT_APP_ID                                                                            \
        SD_ID128_MAKE(6c, 77, 6d, 32, 6d, 64, 4f, 9a, 8e, 21, 4b, 53, 0d, 7a, 2c, 11)

/* Passes problems on to the caller's function until there have been CONFIG_ERRORS_MAX,
 * then says so once and drops the rest: a file of garbage must not print a line for
 * each of its lines. */
typedef struct error_limit {
        config_error_fn error;
        void *userdata;
        const char *name; /* the file, for the last message */
        unsigned n;
} error_limit;

typedef struct parse_state {
        config *c;
        const char *name;
        const char *next, *end; /* the text not yet handed to inih */
        unsigned line;
        bool stop;                      /* not text, or out of memory: read no further */
        bool out_of_memory;             /* for the return value */
        const char *held_value;         /* the value of the current line, when it was too long */
        char held[CONFIG_LINE_MAX + 1]; /* for inih's buffer (see pass_long_line) */
        error_limit limit;
} parse_state;

void config_report(config_error_fn error, void *userdata, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        lwm2m_diagv(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (error)
                error(userdata, msg);
}

static void limited_error(void *userdata, const char *message)
{
        error_limit *l = userdata;
        if (l->n >= CONFIG_ERRORS_MAX)
                return;
        l->n++;
        if (l->error)
                l->error(l->userdata, message);
        if (l->n == CONFIG_ERRORS_MAX)
                config_report(l->error, l->userdata, "%s: too many errors, giving up", l->name);
}

static bool gave_up(const error_limit *l)
{
        return l->n >= CONFIG_ERRORS_MAX;
}

void config_init(config *c)
{
        assert(c);
        *c = (config){0};
        snprintf(c->lwm2m_version, sizeof(c->lwm2m_version), "1.1");
        c->max_value_size = CONFIG_DEFAULT_MAX_VALUE_SIZE;
        c->max_instances_per_caller = CONFIG_DEFAULT_MAX_INSTANCES_PER_CALLER;
        c->firmware = (config_firmware){.reboot = -1, .push = true, .pull = true};
        c->device.low_memory_percent = CONFIG_DEFAULT_LOW_MEMORY_PERCENT;
}

static void server_free(config_server *s)
{
        free(s->section);
        free(s->uri);
        free(s->psk_identity);
        if (s->psk_key)
                explicit_bzero(s->psk_key, s->psk_key_len);
        free(s->psk_key);
        free(s->certificate);
        free(s->private_key);
        free(s->server_certificate);
        free(s->ca_file);
}

void config_free(config *c)
{
        assert(c);
        free(c->file);
        free(c->endpoint);
        for (size_t i = 0; i < c->n_objects_dirs; i++)
                free(c->objects_dirs[i]);
        free(c->objects_dirs);
        free(c->state_dir);
        free(c->bus);
        free(c->admin_group);
        free(c->admin_group_where);
        config_device *d = &c->device;
        free(d->manufacturer);
        free(d->model);
        free(d->serial_number);
        free(d->firmware_version);
        free(d->hardware_version);
        free(d->software_version);
        free(d->device_type);
        free(d->reboot_command);
        free(d->factory_reset_command);
        free(d->time_bus);
        free(d->logind_bus);
        free(d->factory_reset_unit);
        free(d->systemd_bus);
        free(c->location.gpsd);
        free(c->location.where);
        free(c->firmware.command);
        free(c->firmware.rauc_bus);
        free(c->firmware.spool);
        free(c->firmware.where);
        free(c->connectivity.interface);
        free(c->connectivity.modem_bus);
        for (size_t i = 0; i < c->n_servers; i++)
                server_free(&c->servers[i]);
        free(c->servers);
        for (size_t i = 0; i < c->n_sends; i++) {
                free(c->sends[i].section);
                free(c->sends[i].paths);
                free(c->sends[i].short_id_where);
        }
        free(c->sends);
        for (size_t i = 0; i < c->n_access; i++) {
                free(c->access[i].section);
                free(c->access[i].owner_where);
                free(c->access[i].acl);
                free(c->access[i].acl_where);
        }
        free(c->access);
        *c = (config){0};
}

static int set_string(char **field, const char *value)
{
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

int config_add_objects_dir(config *c, const char *dir)
{
        assert(c);
        char **dirs = reallocarray(c->objects_dirs, c->n_objects_dirs + 1, sizeof(char *));
        if (!dirs)
                return -ENOMEM;
        c->objects_dirs = dirs;
        if (!(dirs[c->n_objects_dirs] = strdup(dir)))
                return -ENOMEM;
        c->n_objects_dirs++;
        return 0;
}

int config_parse_hex(const char *s, uint8_t **out, size_t *len)
{
        assert(len);
        if (strncasecmp(s, "0x", 2) == 0)
                s += 2;
        size_t n = strlen(s);
        _cleanup_free_ uint8_t *buf = malloc(n / 2 + 1);
        if (!buf)
                return -ENOMEM;
        size_t k = 0;
        int hi = -1;
        for (const char *p = s; *p; p++) {
                if (*p == ':' || *p == ' ')
                        continue;
                int v;
                if (*p >= '0' && *p <= '9')
                        v = *p - '0';
                else if (*p >= 'a' && *p <= 'f')
                        v = *p - 'a' + 10;
                else if (*p >= 'A' && *p <= 'F')
                        v = *p - 'A' + 10;
                else
                        return -EINVAL;
                if (hi < 0) {
                        hi = v;
                } else {
                        buf[k++] = (uint8_t)(hi << 4 | v);
                        hi = -1;
                }
        }
        if (hi >= 0 || k == 0)
                return -EINVAL;
        *out = TAKE_PTR(buf);
        *len = k;
        return 0;
}

static int parse_uint(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
        if (!isdigit((unsigned char)value[0]))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *out = v;
        return 0;
}

/* 1 or 0 for the spellings systemd's own files accept; -EINVAL otherwise. */
static int config_parse_boolean(const char *value)
{
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(value, yes[i]) == 0)
                        return 1;
                if (strcasecmp(value, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

static config_server *server_new(config *c, const char *section, unsigned line)
{
        config_server *servers = reallocarray(c->servers, c->n_servers + 1, sizeof(*servers));
        if (!servers)
                return NULL;
        c->servers = servers;
        config_server *s = &servers[c->n_servers];
        *s = (config_server){
                .line = line,
                .lifetime = 86400,
                .binding = "U",
                .security = CONFIG_SECURITY_NOSEC,
                .default_pmin = 0,
                .default_pmax = 0,
                .failure_block = -1,
                .bootstrap_on_failure = -1,
        };
        if (!(s->section = strdup(section)))
                return NULL;
        c->n_servers++;
        return s;
}

config_server *config_default_server(config *c)
{
        for (size_t i = 0; i < c->n_servers; i++)
                if (!c->servers[i].bootstrap)
                        return &c->servers[i];
        return server_new(c, "server (command line)", 0);
}

/* What text may not hold, in a file's line or an option's value: control characters
 * other than tab, and NUL. */
static bool is_control(unsigned char ch)
{
        return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

/* Command-line values reach the setters without the file's line checks. */
static bool value_is_text(const char *value)
{
        for (const char *p = value; *p; p++)
                if (is_control((unsigned char)*p))
                        return false;
        return lwm2m_utf8_valid((const uint8_t *)value, strlen(value));
}

/* A host name as DNS allows it (letters, digits, '-', and '_' which some local
 * names use), in labels of 1..63 bytes, or a dotted IPv4 address. */
static bool host_is_valid(const char *host, size_t len)
{
        if (len == 0 || len > 253)
                return false;
        bool numeric = true;
        size_t label = 0;
        for (size_t i = 0; i < len; i++) {
                char ch = host[i];
                if (ch == '.') {
                        if (label == 0)
                                return false; /* ".x", "x..y" */
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_')
                        return false;
                if (!isdigit((unsigned char)ch))
                        numeric = false;
                if (++label > 63)
                        return false;
        }
        if (numeric) {
                /* Digits and dots are an IPv4 address or nothing: "10.0.0" is no name. */
                char addr[INET_ADDRSTRLEN];
                struct in_addr in;
                if (len >= sizeof(addr))
                        return false;
                memcpy(addr, host, len);
                addr[len] = 0;
                return inet_pton(AF_INET, addr, &in) == 1;
        }
        return true;
}

/* Checks a server URI completely when it is read, so that a typo is an error naming
 * the line rather than a server retried for ever: coap:// or coaps://, a host name, an
 * IPv4 address or an IPv6 address in brackets, an optional port 1..65535, and nothing
 * after it but an optional '/'. Returns what is wrong, or NULL. */
static const char *uri_problem(const char *uri)
{
        const char *p = uri + (strncmp(uri, "coaps://", 8) == 0 ? 8 : 7);
        if (*p == '[') {
                const char *close = strchr(p, ']');
                if (!close)
                        return "the IPv6 address has no closing ']'";
                char addr[INET6_ADDRSTRLEN];
                struct in6_addr in6;
                size_t len = (size_t)(close - p - 1);
                if (len == 0 || len >= sizeof(addr))
                        return "not an IPv6 address between '[' and ']'";
                memcpy(addr, p + 1, len);
                addr[len] = 0;
                if (inet_pton(AF_INET6, addr, &in6) != 1)
                        return "not an IPv6 address between '[' and ']'";
                p = close + 1;
        } else {
                size_t len = strcspn(p, ":/?#");
                if (p[len] == ':' && strchr(p + len + 1, ':'))
                        return "an IPv6 address must be in brackets, as in "
                               "coap://[2001:db8::1]:5683";
                if (len == 0)
                        return "no host";
                if (!host_is_valid(p, len))
                        return "the host must be a name, an IPv4 address or an IPv6 address "
                               "in brackets";
                p += len;
        }
        if (*p == ':') {
                p++;
                size_t digits = strspn(p, "0123456789");
                unsigned long port = digits > 0 && digits <= 5 ? strtoul(p, NULL, 10) : 0;
                if (port < 1 || port > 65535 || (p[digits] && p[digits] != '/'))
                        return "the port must be a number 1..65535";
                p += digits;
        }
        if (*p == '/')
                p++;
        if (*p)
                return "a server URI has no path, query or fragment (Register goes to /rd)";
        return NULL;
}

static const char *const security_names[] = {
        [CONFIG_SECURITY_PSK] = "psk",
        [CONFIG_SECURITY_RPK] = "rpk",
        [CONFIG_SECURITY_X509] = "x509",
        [CONFIG_SECURITY_NOSEC] = "nosec",
};

int config_set_server_key(config *c, config_server *s, const char *key, const char *value,
                          const char *origin, config_error_fn error, void *userdata)
{
        assert(s);
        uint64_t n;
        int r = 0;

        if (!value_is_text(value)) {
                config_report(error, userdata,
                              "%s: %s must be UTF-8 text without control characters", origin, key);
                return -EINVAL;
        }
        if (strcmp(key, "uri") == 0) {
                if (strncmp(value, "coap://", 7) != 0 && strncmp(value, "coaps://", 8) != 0) {
                        config_report(error, userdata,
                                      "%s: uri must start with coap:// or coaps://, not '%s'",
                                      origin, value);
                        return -EINVAL;
                }
                const char *problem = uri_problem(value);
                if (problem) {
                        config_report(error, userdata, "%s: uri '%.300s': %s", origin, value,
                                      problem);
                        return -EINVAL;
                }
                r = set_string(&s->uri, value);
        } else if (strcmp(key, "short-id") == 0) {
                if (parse_uint(value, 1, 65534, &n) < 0) {
                        config_report(error, userdata, "%s: short-id must be 1..65534, not '%s'",
                                      origin, value);
                        return -EINVAL;
                }
                s->short_id = (uint16_t)n;
        } else if (strcmp(key, "lifetime") == 0) {
                if (parse_uint(value, 1, UINT32_MAX, &n) < 0) {
                        config_report(error, userdata,
                                      "%s: lifetime must be 1..4294967295 seconds, not '%s'",
                                      origin, value);
                        return -EINVAL;
                }
                s->lifetime = (uint32_t)n;
        } else if (strcmp(key, "binding") == 0) {
                if (strcmp(value, "U") != 0 && strcmp(value, "UQ") != 0) {
                        config_report(error, userdata, "%s: binding must be U or UQ, not '%s'",
                                      origin, value);
                        return -EINVAL;
                }
                snprintf(s->binding, sizeof(s->binding), "%s", value);
        } else if (strcmp(key, "security") == 0) {
                bool found = false;
                for (unsigned m = 0; m < ELEMENTSOF(security_names); m++)
                        if (strcasecmp(value, security_names[m]) == 0) {
                                s->security = (config_security_mode)m;
                                found = true;
                        }
                if (!found) {
                        config_report(error, userdata,
                                      "%s: security must be nosec, psk, rpk or x509, not '%s'",
                                      origin, value);
                        return -EINVAL;
                }
        } else if (strcmp(key, "psk-identity") == 0) {
                if (!value[0]) {
                        config_report(error, userdata, "%s: psk-identity must not be empty",
                                      origin);
                        return -EINVAL;
                }
                r = set_string(&s->psk_identity, value);
        } else if (strcmp(key, "psk-key") == 0) {
                uint8_t *k;
                size_t len;
                if (config_parse_hex(value, &k, &len) < 0) {
                        config_report(error, userdata, "%s: psk-key must be hexadecimal bytes",
                                      origin);
                        return -EINVAL;
                }
                if (s->psk_key)
                        explicit_bzero(s->psk_key, s->psk_key_len);
                free(s->psk_key);
                s->psk_key = k;
                s->psk_key_len = len;
        } else if (strcmp(key, "certificate") == 0) {
                r = set_string(&s->certificate, value);
        } else if (strcmp(key, "private-key") == 0) {
                r = set_string(&s->private_key, value);
        } else if (strcmp(key, "server-certificate") == 0) {
                r = set_string(&s->server_certificate, value);
        } else if (strcmp(key, "ca-file") == 0) {
                r = set_string(&s->ca_file, value);
        } else if (strcmp(key, "default-pmin") == 0 || strcmp(key, "default-pmax") == 0 ||
                   strcmp(key, "hold-off") == 0 || strcmp(key, "retry-timer") == 0 ||
                   strcmp(key, "retry-max") == 0 || strcmp(key, "bootstrap-timeout") == 0) {
                if (parse_uint(value, 0, UINT32_MAX, &n) < 0) {
                        config_report(error, userdata,
                                      "%s: %s must be a number of seconds, not '%s'", origin, key,
                                      value);
                        return -EINVAL;
                }
                uint32_t *field = strcmp(key, "bootstrap-timeout") == 0 ? &s->bootstrap_timeout
                                  : strcmp(key, "hold-off") == 0        ? &s->hold_off
                                  : strcmp(key, "retry-timer") == 0     ? &s->retry_timer
                                  : strcmp(key, "retry-max") == 0       ? &s->retry_max
                                  : strcmp(key, "default-pmin") == 0    ? &s->default_pmin
                                                                        : &s->default_pmax;
                *field = (uint32_t)n;
        } else if (strcmp(key, "priority") == 0 || strcmp(key, "initial-delay") == 0) {
                if (parse_uint(value, 0, UINT32_MAX, &n) < 0) {
                        config_report(
                                error, userdata, "%s: %s must be a number%s, not '%s'", origin, key,
                                key[0] == 'i' ? " of seconds" : " (lower registers first)", value);
                        return -EINVAL;
                }
                if (key[0] == 'p') {
                        s->priority = (uint32_t)n;
                        s->has_priority = true;
                } else {
                        s->initial_delay = (uint32_t)n;
                }
        } else if (strcmp(key, "retry-count") == 0 || strcmp(key, "sequence-retries") == 0) {
                if (parse_uint(value, 1, 255, &n) < 0) {
                        config_report(error, userdata, "%s: %s must be 1..255, not '%s'", origin,
                                      key, value);
                        return -EINVAL;
                }
                *(key[0] == 'r' ? &s->retry_count : &s->sequence_retries) = (uint32_t)n;
        } else if (strcmp(key, "failure-block") == 0 || strcmp(key, "bootstrap-on-failure") == 0) {
                int b = config_parse_boolean(value);
                if (b < 0) {
                        config_report(error, userdata, "%s: %s must be true or false, not '%s'",
                                      origin, key, value);
                        return -EINVAL;
                }
                *(key[0] == 'f' ? &s->failure_block : &s->bootstrap_on_failure) = (int8_t)b;
        } else {
                config_report(error, userdata, "%s: unknown server key '%s'", origin, key);
                return -EINVAL;
        }
        return r;
}

/* An [lwm2md] key that takes a number from 1 to `max`, stored in a config field. */
typedef struct number_key {
        const char *key;
        uint64_t max;
        const char *unit; /* after the range in messages: " bytes (16 MiB)", " seconds" */
        size_t offset, size;
} number_key;

#define NUMBER_KEY(name, max, unit, field)                                                         \
        {                                                                                          \
                name, max, unit, offsetof(config, field), sizeof(((config *)NULL)->field)          \
        }

static const number_key main_number_keys[] = {
        NUMBER_KEY("max-value-size", CONFIG_MAX_VALUE_SIZE_LIMIT, " bytes (16 MiB)",
                   max_value_size),
        NUMBER_KEY("max-instances-per-caller", CONFIG_MAX_INSTANCES_LIMIT, "",
                   max_instances_per_caller),
        NUMBER_KEY("notification-store-count", CONFIG_STORE_COUNT_LIMIT, "",
                   notification_store_count),
        NUMBER_KEY("notification-store-bytes", CONFIG_STORE_BYTES_LIMIT, " bytes (64 MiB)",
                   notification_store_bytes),
        NUMBER_KEY("queue-idle-time", CONFIG_QUEUE_IDLE_LIMIT, " seconds", queue_idle_time),
};

static int set_number_key(config *c, const number_key *k, const char *value, const char *origin,
                          config_error_fn error, void *userdata)
{
        uint64_t n;
        if (parse_uint(value, 1, k->max, &n) < 0) {
                config_report(error, userdata, "%s: %s must be 1..%" PRIu64 "%s, not '%s'", origin,
                              k->key, k->max, k->unit, value);
                return -EINVAL;
        }
        void *at = (char *)c + k->offset;
        if (k->size == sizeof(uint32_t)) {
                uint32_t v = (uint32_t)n; /* max fits: the table's limits */
                memcpy(at, &v, sizeof(v));
        } else {
                memcpy(at, &n, sizeof(n));
        }
        return 0;
}

int config_set_main_key(config *c, const char *key, const char *value, const char *origin,
                        config_error_fn error, void *userdata)
{
        assert(c);
        if (!value_is_text(value)) {
                config_report(error, userdata,
                              "%s: %s must be UTF-8 text without control characters", origin, key);
                return -EINVAL;
        }
        if (strcmp(key, "endpoint") == 0) {
                size_t len = strlen(value);
                if (len == 0 || len > CONFIG_ENDPOINT_MAX) {
                        config_report(error, userdata, "%s: endpoint must be 1..%d bytes, not %zu",
                                      origin, CONFIG_ENDPOINT_MAX, len);
                        return -EINVAL;
                }
                return set_string(&c->endpoint, value);
        }
        if (strcmp(key, "lwm2m-version") == 0) {
                if (strcmp(value, "1.0") != 0 && strcmp(value, "1.1") != 0 &&
                    strcmp(value, "1.2") != 0) {
                        config_report(error, userdata, "%s: lwm2m-version must be 1.0, 1.1 or 1.2",
                                      origin);
                        return -EINVAL;
                }
                memcpy(c->lwm2m_version, value,
                       sizeof(c->lwm2m_version)); /* "1.x" and NUL, checked above */
                return 0;
        }
        if (strcmp(key, "objects-dir") == 0)
                return config_add_objects_dir(c, value);
        if (strcmp(key, "state-dir") == 0)
                return set_string(&c->state_dir, value);
        if (strcmp(key, "bus") == 0)
                return set_string(&c->bus, value);
        for (size_t i = 0; i < ELEMENTSOF(main_number_keys); i++)
                if (strcmp(key, main_number_keys[i].key) == 0)
                        return set_number_key(c, &main_number_keys[i], value, origin, error,
                                              userdata);
        if (strcmp(key, "admin-group") == 0) {
                /* Whether the group exists is asked in config_finish, once the file is read. */
                if (!value[0]) {
                        config_report(error, userdata, "%s: admin-group must name a group", origin);
                        return -EINVAL;
                }
                int r = set_string(&c->admin_group, value);
                return r < 0 ? r : set_string(&c->admin_group_where, origin);
        }
        config_report(error, userdata, "%s: unknown key '%s' in [lwm2md]", origin, key);
        return -EINVAL;
}

static int set_device_key(parse_state *st, const char *key, const char *value, const char *where)
{
        config_device *d = &st->c->device;
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                {"manufacturer", offsetof(config_device, manufacturer)},
                {"model", offsetof(config_device, model)},
                {"serial-number", offsetof(config_device, serial_number)},
                {"firmware-version", offsetof(config_device, firmware_version)},
                {"hardware-version", offsetof(config_device, hardware_version)},
                {"software-version", offsetof(config_device, software_version)},
                {"device-type", offsetof(config_device, device_type)},
                {"reboot-command", offsetof(config_device, reboot_command)},
                {"factory-reset-command", offsetof(config_device, factory_reset_command)},
                {"time-bus", offsetof(config_device, time_bus)},
                {"logind-bus", offsetof(config_device, logind_bus)},
                {"systemd-bus", offsetof(config_device, systemd_bus)},
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i].key) == 0)
                        return set_string((char **)((char *)d + keys[i].offset), value);
        if (strcmp(key, "factory-reset-unit") == 0) {
                /* A unit name, not a path or a command: systemd gets it verbatim. */
                size_t n = strlen(value);
                if (n < 9 || n > 255 || strcmp(value + n - 8, ".service") != 0 ||
                    strchr(value, '/') || !value_is_text(value) || strchr(value, ' ')) {
                        config_report(limited_error, &st->limit,
                                      "%s: factory-reset-unit '%s' is not a service unit name",
                                      where, value);
                        return -EINVAL;
                }
                return set_string(&d->factory_reset_unit, value);
        }
        if (strcmp(key, "low-memory-percent") == 0) {
                uint64_t v;
                if (parse_uint(value, 0, 99, &v) < 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: low-memory-percent '%s': expected 0 to 99", where,
                                      value);
                        return -EINVAL;
                }
                d->low_memory_percent = (unsigned)v;
                return 0;
        }
        config_report(limited_error, &st->limit, "%s: unknown key '%s' in [device]", where, key);
        return -EINVAL;
}

static int set_connectivity_key(parse_state *st, const char *key, const char *value,
                                const char *where)
{
        config_connectivity *cc = &st->c->connectivity;
        if (strcmp(key, "interface") == 0) {
                /* IF_NAMESIZE, and no '/' since the name is a path under /sys/class/net. */
                if (!value[0] || strlen(value) >= 16 || strchr(value, '/') ||
                    !value_is_text(value) || strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: interface '%s' is not a network interface name", where,
                                      value);
                        return -EINVAL;
                }
                return set_string(&cc->interface, value);
        }
        if (strcmp(key, "modem-bus") == 0) {
                if (!value[0]) {
                        config_report(limited_error, &st->limit,
                                      "%s: modem-bus wants system, user, none or a D-Bus address",
                                      where);
                        return -EINVAL;
                }
                return set_string(&cc->modem_bus, value);
        }
        config_report(limited_error, &st->limit, "%s: unknown key '%s' in [connectivity]", where,
                      key);
        return -EINVAL;
}

/* A finite decimal number within [min, max]. */
static int parse_double(const char *value, double min, double max, double *out)
{
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v) || v < min || v > max)
                return -EINVAL;
        *out = v;
        return 0;
}

static int set_location_key(parse_state *st, const char *key, const char *value, const char *where)
{
        config_location *l = &st->c->location;
        if (!l->where && set_string(&l->where, where) < 0)
                return -ENOMEM;
        if (strcmp(key, "gpsd") == 0) {
                if (!value[0] || !value_is_text(value)) {
                        config_report(limited_error, &st->limit,
                                      "%s: gpsd wants HOST:PORT or a socket path", where);
                        return -EINVAL;
                }
                return set_string(&l->gpsd, value);
        }
        static const struct {
                const char *key;
                double min, max;
                size_t value, given;
                const char *range;
        } keys[] = {
                {"latitude", -90, 90, offsetof(config_location, latitude),
                 offsetof(config_location, has_latitude), "degrees from -90 to 90"},
                {"longitude", -180, 180, offsetof(config_location, longitude),
                 offsetof(config_location, has_longitude), "degrees from -180 to 180"},
                {"altitude", -1e6, 1e7, offsetof(config_location, altitude),
                 offsetof(config_location, has_altitude), "metres"},
                {"radius", 0, 1e7, offsetof(config_location, radius),
                 offsetof(config_location, has_radius), "metres, not negative"},
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (strcmp(key, keys[i].key) != 0)
                        continue;
                double *v = (double *)((char *)l + keys[i].value);
                if (parse_double(value, keys[i].min, keys[i].max, v) < 0) {
                        config_report(limited_error, &st->limit, "%s: %s '%s': expected %s", where,
                                      key, value, keys[i].range);
                        return -EINVAL;
                }
                *(bool *)((char *)l + keys[i].given) = true;
                l->has_fixed = l->has_latitude && l->has_longitude;
                return 0;
        }
        config_report(limited_error, &st->limit, "%s: unknown key '%s' in [location]", where, key);
        return -EINVAL;
}

static int set_firmware_key(parse_state *st, const char *key, const char *value, const char *where)
{
        config_firmware *fw = &st->c->firmware;
        if (!fw->where && set_string(&fw->where, where) < 0)
                return -ENOMEM;
        if (strcmp(key, "backend") == 0) {
                static const char *const names[] = {"none", "rauc", "command"};
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if (strcmp(value, names[i]) == 0) {
                                if (!HAVE_RAUC && i == CONFIG_FW_RAUC) {
                                        config_report(limited_error, &st->limit,
                                                      "%s: backend rauc: this lwm2md is built "
                                                      "without RAUC (meson -Drauc=false)",
                                                      where);
                                        return -EINVAL;
                                }
                                fw->backend = (config_fw_backend)i;
                                return 0;
                        }
                config_report(limited_error, &st->limit,
                              "%s: backend '%s': expected rauc, command or none", where, value);
                return -EINVAL;
        }
        if (strcmp(key, "command") == 0 || strcmp(key, "spool") == 0) {
                if (value[0] != '/' || !value_is_text(value)) {
                        config_report(limited_error, &st->limit, "%s: %s wants an absolute path",
                                      where, key);
                        return -EINVAL;
                }
                return set_string(key[0] == 'c' ? &fw->command : &fw->spool, value);
        }
        if (strcmp(key, "rauc-bus") == 0) {
                if (!value[0] || !value_is_text(value)) {
                        config_report(limited_error, &st->limit,
                                      "%s: rauc-bus wants system, user or a D-Bus address", where);
                        return -EINVAL;
                }
                return set_string(&fw->rauc_bus, value);
        }
        if (strcmp(key, "spool-reserve") == 0) {
                if (parse_uint(value, 0, INT64_MAX, &fw->spool_reserve) < 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: spool-reserve '%s': expected a number of bytes", where,
                                      value);
                        return -EINVAL;
                }
                return 0;
        }
        if (strcmp(key, "rauc-streaming") == 0 || strcmp(key, "reboot") == 0) {
                int b = config_parse_boolean(value);
                if (b < 0) {
                        config_report(limited_error, &st->limit, "%s: %s '%s': expected yes or no",
                                      where, key, value);
                        return -EINVAL;
                }
                if (key[0] == 'r' && key[1] == 'a')
                        fw->rauc_streaming = b;
                else
                        fw->reboot = b;
                return 0;
        }
        if (strcmp(key, "delivery") == 0) {
                bool push = strcmp(value, "push") == 0, pull = strcmp(value, "pull") == 0;
                bool both = strcmp(value, "both") == 0;
                if (!push && !pull && !both) {
                        config_report(limited_error, &st->limit,
                                      "%s: delivery '%s': expected push, pull or both", where,
                                      value);
                        return -EINVAL;
                }
                fw->push = push || both;
                fw->pull = pull || both;
                return 0;
        }
        config_report(limited_error, &st->limit, "%s: unknown key '%s' in [firmware]", where, key);
        return -EINVAL;
}

/* The [firmware] section as a whole, once the file is read. */
static int finish_firmware(config *c, error_limit *limit)
{
        config_firmware *fw = &c->firmware;
        int errors = 0;
        if (fw->backend == CONFIG_FW_COMMAND && !fw->command) {
                config_report(limited_error, limit, "%s: [firmware] backend command needs command",
                              fw->where);
                errors++;
        }
        if (fw->rauc_streaming && fw->backend != CONFIG_FW_RAUC) {
                config_report(limited_error, limit,
                              "%s: [firmware] rauc-streaming needs backend rauc", fw->where);
                errors++;
        }
        if (fw->reboot < 0)
                fw->reboot = fw->backend == CONFIG_FW_RAUC;
        if (fw->backend != CONFIG_FW_NONE && !fw->spool) {
                size_t n = strlen(c->state_dir) + sizeof("/firmware.spool");
                fw->spool = malloc(n);
                if (!fw->spool)
                        return -ENOMEM;
                snprintf(fw->spool, n, "%s/firmware.spool", c->state_dir);
        }
        return errors;
}

static config_server *server_for_section(parse_state *st, const char *section, bool bootstrap)
{
        config *c = st->c;
        for (size_t i = 0; i < c->n_servers; i++)
                if (strcmp(c->servers[i].section, section) == 0)
                        return &c->servers[i];
        if (c->n_servers >= CONFIG_SERVERS_MAX) {
                config_report(limited_error, &st->limit, "%s:%u: more than %d server sections",
                              st->name, st->line, CONFIG_SERVERS_MAX);
                return NULL;
        }
        config_server *s = server_new(c, section, st->line);
        if (!s)
                st->out_of_memory = true;
        else
                s->bootstrap = bootstrap;
        return s;
}

static config_send *send_for_section(parse_state *st, const char *section)
{
        config *c = st->c;
        for (size_t i = 0; i < c->n_sends; i++)
                if (strcmp(c->sends[i].section, section) == 0)
                        return &c->sends[i];
        if (c->n_sends >= CONFIG_SENDS_MAX) {
                config_report(limited_error, &st->limit, "%s:%u: more than %d send sections",
                              st->name, st->line, CONFIG_SENDS_MAX);
                return NULL;
        }
        config_send *sends = reallocarray(c->sends, c->n_sends + 1, sizeof(*sends));
        if (!sends) {
                st->out_of_memory = true;
                return NULL;
        }
        c->sends = sends;
        config_send *snd = &sends[c->n_sends];
        *snd = (config_send){.line = st->line, .section = strdup(section)};
        if (!snd->section) {
                st->out_of_memory = true;
                return NULL;
        }
        c->n_sends++;
        return snd;
}

/* "paths = /3303/0/5700 /3/0/9": replaces the section's paths. */
static int set_send_paths(parse_state *st, config_send *snd, const char *value, const char *where)
{
        _cleanup_free_ lwm2m_path *paths = NULL;
        size_t n = 0;
        static const char blanks[] = " \t";
        for (const char *p = value + strspn(value, blanks); *p; p += strspn(p, blanks)) {
                size_t len = strcspn(p, blanks);
                lwm2m_path path;
                if (lwm2m_path_parse_n(p, len, &path) < 0 || path.len == LWM2M_PATH_ROOT) {
                        config_report(limited_error, &st->limit,
                                      "%s: paths: '%.*s' is not an object, instance or resource "
                                      "path (/3303/0/5700)",
                                      where, (int)(len > 64 ? 64 : len), p);
                        return -EINVAL;
                }
                if (path.id[0] == LWM2M_OBJ_SECURITY) {
                        config_report(limited_error, &st->limit,
                                      "%s: paths: '%.*s': the Security object is never sent", where,
                                      (int)len, p);
                        return -EINVAL;
                }
                lwm2m_path *grown = reallocarray(paths, n + 1, sizeof(*paths));
                if (!grown)
                        return -ENOMEM;
                paths = grown;
                paths[n++] = path;
                p += len;
        }
        if (n == 0) {
                config_report(limited_error, &st->limit, "%s: paths must list at least one path",
                              where);
                return -EINVAL;
        }
        free(snd->paths);
        snd->paths = TAKE_PTR(paths);
        snd->n_paths = n;
        return 0;
}

static int set_send_key(parse_state *st, config_send *snd, const char *key, const char *value,
                        const char *where)
{
        uint64_t n;
        if (strcmp(key, "paths") == 0)
                return set_send_paths(st, snd, value, where);
        if (strcmp(key, "interval") == 0) {
                if (parse_uint(value, 1, UINT32_MAX, &n) < 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: interval must be 1..%u seconds, not '%s'", where,
                                      UINT32_MAX, value);
                        return -EINVAL;
                }
                snd->interval = (uint32_t)n;
                return 0;
        }
        if (strcmp(key, "server") == 0) {
                if (parse_uint(value, 1, LWM2M_ID_INVALID - 1, &n) < 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: server must be a short ID, 1..65534, not '%s'", where,
                                      value);
                        return -EINVAL;
                }
                snd->short_id = (uint16_t)n;
                return set_string(&snd->short_id_where, where);
        }
        config_report(limited_error, &st->limit,
                      "%s: unknown key '%s' in [%s] (expected paths, interval, server)", where, key,
                      snd->section);
        return -EINVAL;
}

/* "3303/0" (an instance), "3303" (the object), "3303/ *" or "* / *" (without the
 * spaces: templates, every_instance). 0, or -EINVAL for anything else. */
static int access_target(const char *target, uint16_t *oid, uint16_t *iid, bool *every_instance)
{
        size_t len = strlen(target);
        while (len > 0 && (target[len - 1] == ' ' || target[len - 1] == '\t'))
                len--;
        *every_instance = len >= 2 && target[len - 2] == '/' && target[len - 1] == '*';
        if (*every_instance && len == 3 && target[0] == '*') {
                *oid = LWM2M_ACL_ANY_OBJECT;
                *iid = 0;
                return 0;
        }
        char object[32];
        size_t object_len = *every_instance ? len - 2 : len;
        if (object_len >= sizeof(object))
                return -EINVAL;
        memcpy(object, target, object_len);
        object[object_len] = 0;
        lwm2m_path p;
        if (lwm2m_path_parse(object, &p) < 0 || p.len < LWM2M_PATH_OBJECT ||
            p.len > (*every_instance ? LWM2M_PATH_OBJECT : LWM2M_PATH_INSTANCE) ||
            p.id[0] == LWM2M_OBJ_SECURITY)
                return -EINVAL;
        *oid = p.id[0];
        *iid = *every_instance                ? 0
               : p.len == LWM2M_PATH_INSTANCE ? p.id[1]
                                              : LWM2M_ACL_OBJECT_ITSELF;
        return 0;
}

/* [access-control 3303/0] (an instance), [access-control 3303] (the object), or a
 * template: sections naming the same target are one. */
static config_access *access_for_section(parse_state *st, const char *section)
{
        config *c = st->c;
        const char *target = section + strlen("access-control");
        target += strspn(target, " \t");
        uint16_t oid, iid;
        bool every_instance;
        if (access_target(target, &oid, &iid, &every_instance) < 0) {
                config_report(limited_error, &st->limit,
                              "%s:%u: [%s]: name an object instance (access-control 3303/0), "
                              "every instance of an object (3303/*) or of every object (*/*), "
                              "or, for its Create rights, an object (access-control 3303); "
                              "object IDs are 1..65534",
                              st->name, st->line, section);
                return NULL;
        }
        if (every_instance && (oid == LWM2M_OBJ_SERVER || oid == LWM2M_OBJ_ACCESS_CONTROL)) {
                config_report(limited_error, &st->limit,
                              "%s:%u: [%s]: %s instances come from the configuration or a "
                              "bootstrap server: name each one (access-control %u/0)",
                              st->name, st->line, section,
                              oid == LWM2M_OBJ_SERVER ? "Server (1)" : "Access Control (2)", oid);
                return NULL;
        }
        for (size_t i = 0; i < c->n_access; i++)
                if (c->access[i].oid == oid && c->access[i].iid == iid &&
                    c->access[i].every_instance == every_instance)
                        return &c->access[i];
        if (c->n_access >= CONFIG_ACCESS_MAX) {
                config_report(limited_error, &st->limit,
                              "%s:%u: more than %d access-control sections", st->name, st->line,
                              CONFIG_ACCESS_MAX);
                return NULL;
        }
        config_access *all = reallocarray(c->access, c->n_access + 1, sizeof(*all));
        if (!all) {
                st->out_of_memory = true;
                return NULL;
        }
        c->access = all;
        config_access *a = &all[c->n_access];
        *a = (config_access){.line = st->line,
                             .section = strdup(section),
                             .oid = oid,
                             .iid = iid,
                             .every_instance = every_instance,
                             .owner = LWM2M_ACL_OWNER_BOOTSTRAP};
        if (!a->section) {
                st->out_of_memory = true;
                return NULL;
        }
        c->n_access++;
        return a;
}

/* "RW", "rwe", "C" or a number 0..31 (LWM2M_ACL_* bits). */
static int parse_rights(const char *s, size_t len, uint8_t *out)
{
        static const char letters[] = "RWEDC"; /* bit 0 first */
        if (len == 0)
                return -EINVAL;
        if (isdigit((unsigned char)s[0])) {
                char num[8];
                uint64_t n;
                if (len >= sizeof(num))
                        return -EINVAL;
                memcpy(num, s, len);
                num[len] = 0;
                if (parse_uint(num, 0, 31, &n) < 0)
                        return -EINVAL;
                *out = (uint8_t)n;
                return 0;
        }
        uint8_t rights = 0;
        for (size_t i = 0; i < len; i++) {
                const char *at = strchr(letters, toupper((unsigned char)s[i]));
                if (!at || !*at || (rights & (1u << (at - letters))))
                        return -EINVAL;
                rights |= (uint8_t)(1u << (at - letters));
        }
        *out = rights;
        return 0;
}

/* "acl = 1:RW, 2:R, default:R": replaces the section's entries. */
static int set_access_acl(parse_state *st, config_access *a, const char *value, const char *where)
{
        _cleanup_free_ config_acl_entry *acl = NULL;
        size_t n = 0;
        static const char separators[] = " \t,";
        for (const char *p = value + strspn(value, separators); *p; p += strspn(p, separators)) {
                size_t len = strcspn(p, separators);
                const char *colon = memchr(p, ':', len);
                uint64_t id = 0;
                uint8_t rights = 0;
                char num[8];
                size_t id_len = colon ? (size_t)(colon - p) : 0;
                bool ok = colon && id_len > 0 && id_len < sizeof(num);
                if (ok) {
                        memcpy(num, p, id_len);
                        num[id_len] = 0;
                        ok = strcmp(num, "default") == 0 ||
                             parse_uint(num, 0, LWM2M_ID_INVALID - 1, &id) == 0;
                }
                ok = ok && parse_rights(colon + 1, len - id_len - 1, &rights) == 0;
                if (!ok) {
                        config_report(limited_error, &st->limit,
                                      "%s: acl: '%.*s' is not SHORT-ID:RIGHTS (1:RW, default:R; "
                                      "rights are letters of RWEDC or a number 0..31)",
                                      where, (int)(len > 64 ? 64 : len), p);
                        return -EINVAL;
                }
                for (size_t k = 0; k < n; k++)
                        if (acl[k].short_id == id) {
                                config_report(limited_error, &st->limit,
                                              "%s: acl: server %u is given twice", where,
                                              (unsigned)id);
                                return -EINVAL;
                        }
                config_acl_entry *grown = reallocarray(acl, n + 1, sizeof(*acl));
                if (!grown)
                        return -ENOMEM;
                acl = grown;
                acl[n++] = (config_acl_entry){.short_id = (uint16_t)id, .rights = rights};
                p += len;
        }
        free(a->acl);
        a->acl = TAKE_PTR(acl);
        a->n_acl = n;
        return set_string(&a->acl_where, where);
}

static int set_access_key(parse_state *st, config_access *a, const char *key, const char *value,
                          const char *where)
{
        if (strcmp(key, "acl") == 0)
                return set_access_acl(st, a, value, where);
        if (strcmp(key, "owner") == 0) {
                uint64_t n;
                if (strcmp(value, "bootstrap") == 0) {
                        n = LWM2M_ACL_OWNER_BOOTSTRAP;
                } else if (parse_uint(value, 1, LWM2M_ID_INVALID - 1, &n) < 0) {
                        config_report(limited_error, &st->limit,
                                      "%s: owner must be a short ID, 1..65534, or bootstrap, not "
                                      "'%s'",
                                      where, value);
                        return -EINVAL;
                }
                a->owner = (uint16_t)n;
                return set_string(&a->owner_where, where);
        }
        config_report(limited_error, &st->limit,
                      "%s: unknown key '%s' in [%s] (expected owner, acl)", where, key, a->section);
        return -EINVAL;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
        parse_state *st = user;
        char where[256];
        snprintf(where, sizeof(where), "%s:%u", st->name, st->line);
        int r;

        if (st->held_value)
                value = st->held_value;
        if (strcmp(section, "lwm2md") == 0) {
                r = config_set_main_key(st->c, name, value, where, limited_error, &st->limit);
        } else if (strcmp(section, "device") == 0) {
                r = set_device_key(st, name, value, where);
        } else if (strcmp(section, "location") == 0) {
                r = set_location_key(st, name, value, where);
        } else if (strcmp(section, "firmware") == 0) {
                r = set_firmware_key(st, name, value, where);
        } else if (strcmp(section, "connectivity") == 0) {
                r = set_connectivity_key(st, name, value, where);
        } else if (strcmp(section, "server") == 0 || strncmp(section, "server ", 7) == 0 ||
                   strcmp(section, "bootstrap-server") == 0) {
                config_server *s = server_for_section(st, section, section[0] == 'b');
                r = s ? config_set_server_key(st->c, s, name, value, where, limited_error,
                                              &st->limit)
                      : -EINVAL;
        } else if (strcmp(section, "send") == 0 || strncmp(section, "send ", 5) == 0) {
                config_send *snd = send_for_section(st, section);
                r = snd ? set_send_key(st, snd, name, value, where) : -EINVAL;
        } else if (strncmp(section, "access-control", 14) == 0 &&
                   (section[14] == ' ' || section[14] == '\t' || section[14] == 0)) {
                config_access *a = access_for_section(st, section);
                r = a ? set_access_key(st, a, name, value, where) : -EINVAL;
        } else {
                config_report(limited_error, &st->limit,
                              "%s: unknown section [%s] (expected lwm2md, device, location, "
                              "connectivity, firmware, server NAME, bootstrap-server, send NAME "
                              "or access-control OID/IID)",
                              where, section);
                r = -EINVAL;
        }
        if (r == -ENOMEM)
                st->out_of_memory = true;
        /* Keep going (return 1) so that every problem is reported in one run; the
         * reader stops when there are too many. */
        return 1;
}

/* A configuration file is UTF-8 text: a NUL byte, a control character or bytes that
 * are not UTF-8 mean that a binary file or a device was given, and nothing after
 * them is worth reading (nor reporting line by line). */
static bool line_is_text(parse_state *st, const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (!is_control(ch))
                        continue;
                if (ch == 0)
                        config_report(
                                limited_error, &st->limit,
                                "%s:%u: NUL byte at column %zu: not a text file, reading stopped",
                                st->name, st->line, i + 1);
                else
                        config_report(
                                limited_error, &st->limit,
                                "%s:%u: control character 0x%02x at column %zu: not a text file, "
                                "reading stopped",
                                st->name, st->line, ch, i + 1);
                return false;
        }
        if (!lwm2m_utf8_valid((const uint8_t *)s, len)) {
                config_report(limited_error, &st->limit,
                              "%s:%u: not UTF-8: not a text file, reading stopped", st->name,
                              st->line);
                return false;
        }
        return true;
}

/* Copies a value as inih takes it: up to an inline comment (a ';' after a space or
 * tab), without the spaces around it. */
static const char *hold_value(parse_state *st, const char *s, size_t len)
{
        bool was_space = false;
        size_t end = 0;
        while (end < len && !(was_space && s[end] == ';')) {
                was_space = isspace((unsigned char)s[end]);
                end++;
        }
        size_t start = 0;
        while (start < end && isspace((unsigned char)s[start]))
                start++;
        while (end > start && isspace((unsigned char)s[end - 1]))
                end--;
        memcpy(st->held, s + start, end - start);
        st->held[end - start] = 0;
        return st->held;
}

/* inih reads into a buffer of its own size (200 bytes in its default build), too small
 * for a 255-byte endpoint name, a long path or URI. Such a line reaches inih shortened
 * to what it needs to see its structure: a key line as "KEY=", a continuation line as
 * " .", with the value kept aside for on_ini_entry; a comment as "#"; a section header
 * with its name cut (inih cuts names at 49 bytes anyway). `num` is inih's buffer size. */
static char *pass_long_line(parse_state *st, char *str, size_t num, const char *s, size_t len)
{
        size_t indent = 0;
        while (indent < len && (s[indent] == ' ' || s[indent] == '\t'))
                indent++;
        const char *rest = s + indent;
        size_t rest_len = len - indent;
        size_t room = num - 4; /* for "=", "]", the newline and the NUL */

        if (rest_len == 0 || rest[0] == '#' || rest[0] == ';') {
                snprintf(str, num, "#\n");
        } else if (indent > 0) {
                /* inih continues the key above with the whole line. */
                st->held_value = hold_value(st, rest, rest_len);
                snprintf(str, num, " .\n");
        } else if (rest[0] == '[') {
                const char *close = memchr(rest, ']', rest_len);
                size_t name_len = (size_t)((close ? close : rest + rest_len) - (rest + 1));
                snprintf(str, num, "[%.*s%s\n", (int)(name_len < room ? name_len : room), rest + 1,
                         close ? "]" : "");
        } else {
                /* The key ends at the first '=' or ':', as inih has it; a line without
                 * one is passed cut, still without one, for inih's syntax error. */
                size_t key_len = 0;
                while (key_len < rest_len && rest[key_len] != '=' && rest[key_len] != ':')
                        key_len++;
                if (key_len == rest_len) {
                        snprintf(str, num, "%.*s\n", (int)room, rest);
                } else {
                        st->held_value = hold_value(st, rest + key_len + 1, rest_len - key_len - 1);
                        snprintf(str, num, "%.*s=\n", (int)(key_len < room ? key_len : room), rest);
                }
        }
        return str;
}

/* inih reads line by line through this, which is how we know the line number, check
 * that the file is text and allow lines longer than inih's own limit. */
static char *read_line(char *str, int num, void *stream)
{
        parse_state *st = stream;
        st->held_value = NULL;
        if (st->stop || st->out_of_memory || gave_up(&st->limit) || st->next >= st->end)
                return NULL;
        if (num < 8) {
                /* No inih build is that small; say so rather than read nothing. */
                config_report(limited_error, &st->limit,
                              "%s: inih's line buffer is too small (%d bytes)", st->name, num);
                st->stop = true;
                return NULL;
        }

        const char *s = st->next;
        const char *newline = memchr(s, '\n', (size_t)(st->end - s));
        size_t len = (size_t)((newline ? newline : st->end) - s);
        st->next = newline ? newline + 1 : st->end;
        st->line++;
        if (len > 0 && s[len - 1] == '\r')
                len--; /* a CRLF file */

        if (!line_is_text(st, s, len)) {
                st->stop = true;
                return NULL;
        }
        if (len > CONFIG_LINE_MAX) {
                config_report(limited_error, &st->limit,
                              "%s:%u: line is too long (more than %d bytes)", st->name, st->line,
                              CONFIG_LINE_MAX);
                snprintf(str, (size_t)num, "#\n"); /* ignored as a whole */
                return str;
        }
        if (len + 2 > (size_t)num)
                return pass_long_line(st, str, (size_t)num, s, len);
        memcpy(str, s, len);
        str[len] = '\n';
        str[len + 1] = 0;
        return str;
}

int config_load_data(config *c, const char *name, const char *data, size_t len,
                     config_error_fn error, void *userdata)
{
        _cleanup_free_ parse_state *st = malloc(sizeof(*st));
        if (!st)
                return -ENOMEM;
        *st = (parse_state){
                .c = c,
                .name = name,
                .next = data,
                .end = data + len,
                .limit = {.error = error, .userdata = userdata, .name = name},
        };
        int r = ini_parse_stream(read_line, st, on_ini_entry, st);
        if (st->out_of_memory || r == -2)
                return -ENOMEM;
        /* inih found a syntax error (no '=' or ']') on line r; after a line that is not
         * text, the one message about that says enough. */
        if (r > 0 && !st->stop)
                config_report(limited_error, &st->limit,
                              "%s:%d: syntax error (expected [section] or key = value)", name, r);
        return st->limit.n ? -EINVAL : 0;
}

int config_load_string(config *c, const char *name, const char *text, config_error_fn error,
                       void *userdata)
{
        return config_load_data(c, name, text, strlen(text), error, userdata);
}

static const char *file_kind(mode_t mode)
{
        return S_ISDIR(mode)    ? "a directory"
               : S_ISCHR(mode)  ? "a character device"
               : S_ISBLK(mode)  ? "a block device"
               : S_ISFIFO(mode) ? "a FIFO"
               : S_ISSOCK(mode) ? "a socket"
                                : "not a regular file";
}

int config_load_file(config *c, const char *path, config_error_fn error, void *userdata)
{
        assert(c);
        /* O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int r = -errno;
                config_report(error, userdata, "%s: cannot open: %s", path, strerror(-r));
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                config_report(error, userdata, "%s: cannot stat: %s", path, strerror(-r));
                return r;
        }
        /* /dev/null is the usual way to say "no file": an empty configuration. */
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return set_string(&c->file, path);
        if (!S_ISREG(st.st_mode)) {
                config_report(error, userdata, "%s: is %s, not a configuration file", path,
                              file_kind(st.st_mode));
                return -EINVAL;
        }
        /* One byte more than allowed tells a file at the limit from a longer one (the
         * size given by fstat may change, or be 0 in /proc). */
        _cleanup_free_ char *data = malloc(CONFIG_FILE_MAX + 1);
        if (!data)
                return -ENOMEM;
        size_t len = 0;
        while (len <= CONFIG_FILE_MAX) {
                ssize_t n = read(fd, data + len, CONFIG_FILE_MAX + 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;
                        config_report(error, userdata, "%s: cannot read: %s", path, strerror(-r));
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len > CONFIG_FILE_MAX) {
                config_report(error, userdata,
                              "%s: too large for a configuration file (more than %d bytes)", path,
                              CONFIG_FILE_MAX);
                return -EFBIG;
        }
        int r = set_string(&c->file, path);
        if (r < 0)
                return r;
        return config_load_data(c, path, data, len, error, userdata);
}

static int default_endpoint(char **out)
{
        sd_id128_t id;
        if (sd_id128_get_machine_app_specific(ENDPOINT_APP_ID, &id) >= 0) {
                char *s;
                if (asprintf(&s, "urn:uuid:" SD_ID128_UUID_FORMAT_STR, SD_ID128_FORMAT_VAL(id)) < 0)
                        return -ENOMEM;
                *out = s;
                return 0;
        }
        char host[256] = "";
        if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
                return -ENXIO;
        return (*out = strdup(host)) ? 0 : -ENOMEM;
}

static bool scheme_is_secure(const char *uri)
{
        return strncmp(uri, "coaps://", 8) == 0;
}

static bool is_management_server(const config *c, uint16_t short_id)
{
        for (size_t k = 0; k < c->n_servers; k++)
                if (!c->servers[k].bootstrap && c->servers[k].short_id == short_id)
                        return true;
        return false;
}

/* Each [access-control] section names configured servers, and gives an object
 * the Create right only, an instance every right but Create (Core TS 7.3.1.2). */
static int check_access(const config *c, const char *name, error_limit *limit)
{
        int errors = 0;
        for (size_t i = 0; i < c->n_access && !gave_up(limit); i++) {
                const config_access *a = &c->access[i];
                char where[300];
                snprintf(where, sizeof(where), "%s:%u: [%s]", name, a->line, a->section);
                bool object = !a->every_instance && a->iid == LWM2M_ACL_OBJECT_ITSELF;
                if (object && a->owner != LWM2M_ACL_OWNER_BOOTSTRAP) {
                        config_report(limited_error, limit,
                                      "%s: owner: an object's Create rights are the bootstrap "
                                      "server's (or the configuration's) to change; leave owner "
                                      "out",
                                      a->owner_where ?: where);
                        errors++;
                } else if (a->owner != LWM2M_ACL_OWNER_BOOTSTRAP &&
                           !is_management_server(c, a->owner)) {
                        config_report(limited_error, limit,
                                      "%s: owner %u: no [server] section has that short-id",
                                      a->owner_where ?: where, a->owner);
                        errors++;
                }
                for (size_t k = 0; k < a->n_acl; k++) {
                        const config_acl_entry *e = &a->acl[k];
                        if (object && e->short_id == LWM2M_ACL_DEFAULT_ENTRY) {
                                config_report(limited_error, limit,
                                              "%s: acl: the default entry gives no Create right "
                                              "(Core TS 7.3.2.1): name each server",
                                              a->acl_where ?: where);
                                errors++;
                        } else if (e->short_id != LWM2M_ACL_DEFAULT_ENTRY &&
                                   !is_management_server(c, e->short_id)) {
                                config_report(limited_error, limit,
                                              "%s: acl: server %u: no [server] section has that "
                                              "short-id",
                                              a->acl_where ?: where, e->short_id);
                                errors++;
                        }
                        unsigned allowed = object ? LWM2M_ACL_CREATE : LWM2M_ACL_INSTANCE_RIGHTS;
                        if ((e->rights & ~allowed) && a->every_instance) {
                                char oid[8] = "OID";
                                if (a->oid != LWM2M_ACL_ANY_OBJECT)
                                        snprintf(oid, sizeof(oid), "%u", a->oid);
                                config_report(limited_error, limit,
                                              "%s: acl: a template's rights are of R, W, E, D "
                                              "(Create is the object's: [access-control %s])",
                                              a->acl_where ?: where, oid);
                                errors++;
                        } else if (e->rights & ~allowed) {
                                config_report(limited_error, limit, "%s: acl: %s rights are %s",
                                              a->acl_where ?: where,
                                              object ? "an object's" : "an instance's",
                                              object ? "C (Create) only" : "of R, W, E, D");
                                errors++;
                        }
                }
        }
        return errors;
}

int config_finish(config *c, config_error_fn error, void *userdata)
{
        int errors = 0;
        const char *name = c->file ? c->file : "configuration";
        error_limit limit = {.error = error, .userdata = userdata, .name = name};

        if (!c->endpoint && default_endpoint(&c->endpoint) < 0) {
                config_report(limited_error, &limit,
                              "%s: no endpoint name given and none can be derived "
                              "from /etc/machine-id or the host name",
                              name);
                errors++;
        }
        const config_location *loc = &c->location;
        if (loc->has_latitude != loc->has_longitude ||
            (!loc->has_fixed && (loc->has_altitude || loc->has_radius))) {
                config_report(limited_error, &limit,
                              "%s: [location] fixed values need both latitude and longitude",
                              loc->where);
                errors++;
        }
        if (c->n_objects_dirs == 0) {
                if (config_add_objects_dir(c, LWM2MD_OBJECTS_DIR) < 0 ||
                    config_add_objects_dir(c, LWM2MD_SYSCONF_DIR "/objects.d") < 0)
                        return -ENOMEM;
        }
        if (!c->state_dir && set_string(&c->state_dir, LWM2MD_STATE_DIR) < 0)
                return -ENOMEM;
        if (!c->bus && set_string(&c->bus, "system") < 0)
                return -ENOMEM;
        int fw_errors = finish_firmware(c, &limit);
        if (fw_errors < 0)
                return fw_errors;
        errors += fw_errors;
        if (c->admin_group) {
                /* Asked now rather than per request: a group that does not exist is a typo
                 * that would otherwise leave only root able to administer the daemon. */
                errno = 0;
                const struct group *g = getgrnam(c->admin_group);
                if (!g) {
                        if (errno == 0 || errno == ENOENT || errno == ESRCH)
                                config_report(limited_error, &limit,
                                              "%s: admin-group '%s': no such group",
                                              c->admin_group_where ?: name, c->admin_group);
                        else
                                config_report(limited_error, &limit,
                                              "%s: admin-group '%s': cannot look the group up: %s",
                                              c->admin_group_where ?: name, c->admin_group,
                                              strerror(errno));
                        errors++;
                }
        }
        if (c->n_servers == 0) {
                config_report(limited_error, &limit,
                              "%s: no server configured: give [server NAME] or "
                              "[bootstrap-server] with a uri, or --server URI",
                              name);
                errors++;
        }

        /* Explicit short IDs first, so that numbering the others cannot collide with them. */
        _cleanup_free_ bool *ids = calloc(65535, sizeof(bool));
        _cleanup_free_ bool *taken_twice = calloc(65535, sizeof(bool));
        if (!ids || !taken_twice)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_servers; i++) {
                uint16_t id = c->servers[i].short_id;
                if (!c->servers[i].bootstrap && id != 0) {
                        if (ids[id])
                                taken_twice[id] = true;
                        ids[id] = true;
                }
        }
        unsigned n_management = 0;
        for (size_t i = 0; i < c->n_servers && !gave_up(&limit); i++) {
                config_server *s = &c->servers[i];
                char where[300];
                if (s->line)
                        snprintf(where, sizeof(where), "%s:%u: [%s]", name, s->line, s->section);
                else
                        snprintf(where, sizeof(where), "%s", s->section);
                if (!s->uri) {
                        config_report(limited_error, &limit, "%s: no uri", where);
                        errors++;
                        continue;
                }
                if (!s->bootstrap) {
                        n_management++;
                        if (s->short_id == 0) {
                                /* Number servers in order when the file leaves it to us. */
                                uint16_t id = 1;
                                while (ids[id])
                                        id++;
                                s->short_id = id;
                                ids[id] = true;
                        } else if (taken_twice[s->short_id]) {
                                config_report(limited_error, &limit,
                                              "%s: short-id %u is used twice", where, s->short_id);
                                taken_twice[s->short_id] = false; /* say it once */
                                errors++;
                        }
                }
                bool secure = scheme_is_secure(s->uri);
                if (secure && s->security == CONFIG_SECURITY_NOSEC) {
                        /* Infer the mode from the credentials given, as an integrator would expect.
                         */
                        if (s->psk_identity || s->psk_key)
                                s->security = CONFIG_SECURITY_PSK;
                        else if (s->certificate && s->private_key)
                                s->security = CONFIG_SECURITY_X509;
                        else if (s->private_key)
                                s->security = CONFIG_SECURITY_RPK;
                }
                if (!secure && s->security != CONFIG_SECURITY_NOSEC) {
                        config_report(limited_error, &limit, "%s: security %s needs a coaps:// uri",
                                      where, security_names[s->security]);
                        errors++;
                }
                if (secure && s->security == CONFIG_SECURITY_NOSEC) {
                        config_report(limited_error, &limit,
                                      "%s: a coaps:// uri needs credentials "
                                      "(psk-identity and psk-key, or private-key)",
                                      where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_PSK && (!s->psk_identity || !s->psk_key)) {
                        config_report(limited_error, &limit,
                                      "%s: security psk needs psk-identity and psk-key", where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_X509 && (!s->certificate || !s->private_key)) {
                        config_report(limited_error, &limit,
                                      "%s: security x509 needs certificate and private-key", where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_RPK && !s->private_key) {
                        config_report(limited_error, &limit, "%s: security rpk needs private-key",
                                      where);
                        errors++;
                }
        }
        for (size_t i = 0; i < c->n_sends && !gave_up(&limit); i++) {
                const config_send *snd = &c->sends[i];
                char where[300];
                snprintf(where, sizeof(where), "%s:%u: [%s]", name, snd->line, snd->section);
                if (snd->n_paths == 0) {
                        config_report(limited_error, &limit, "%s: no paths", where);
                        errors++;
                }
                if (snd->interval == 0) {
                        config_report(limited_error, &limit, "%s: no interval", where);
                        errors++;
                }
                bool known = snd->short_id == 0;
                for (size_t k = 0; k < c->n_servers && !known; k++)
                        known = !c->servers[k].bootstrap && c->servers[k].short_id == snd->short_id;
                if (!known) {
                        config_report(limited_error, &limit,
                                      "%s: server %u: no [server] section has that short-id",
                                      snd->short_id_where ? snd->short_id_where : where,
                                      snd->short_id);
                        errors++;
                }
        }
        errors += check_access(c, name, &limit);
        return errors ? -EINVAL : 0;
}
