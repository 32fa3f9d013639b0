/* config.c - the daemon's configuration: /etc/lwm2md/lwm2md.conf (INI, via inih)
 * and command-line overrides, checked with errors that name the file and line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-id128.h>

#include "../util/macro.h"
#include "build-config.h"

/* Derives the default endpoint name from the machine ID without revealing it. */
#define ENDPOINT_APP_ID                                                                            \
        SD_ID128_MAKE(6c, 77, 6d, 32, 6d, 64, 4f, 9a, 8e, 21, 4b, 53, 0d, 7a, 2c, 11)

#define CONFIG_LINE_MAX  4096
#define CONFIG_VALUE_MAX 4096

typedef struct parse_state {
        config *c;
        const char *name;
        const char *text; /* for config_load_string */
        FILE *file;
        unsigned line;
        bool line_too_long;
        int errors;
        config_error_fn error;
        void *userdata;
} parse_state;

static void report(config_error_fn error, void *userdata, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void report(config_error_fn error, void *userdata, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (error)
                error(userdata, msg);
}

void config_init(config *c)
{
        *c = (config){0};
        snprintf(c->lwm2m_version, sizeof(c->lwm2m_version), "1.1");
        c->max_value_size = CONFIG_DEFAULT_MAX_VALUE_SIZE;
        c->max_instances_per_caller = CONFIG_DEFAULT_MAX_INSTANCES_PER_CALLER;
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
        free(c->file);
        free(c->endpoint);
        for (size_t i = 0; i < c->n_objects_dirs; i++)
                free(c->objects_dirs[i]);
        free(c->objects_dirs);
        free(c->state_dir);
        free(c->bus);
        free(c->admin_group);
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
        for (size_t i = 0; i < c->n_servers; i++)
                server_free(&c->servers[i]);
        free(c->servers);
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

static const char *const security_names[] = {
        [CONFIG_SECURITY_PSK] = "psk",
        [CONFIG_SECURITY_RPK] = "rpk",
        [CONFIG_SECURITY_X509] = "x509",
        [CONFIG_SECURITY_NOSEC] = "nosec",
};

int config_set_server_key(config *c, config_server *s, const char *key, const char *value,
                          const char *origin, config_error_fn error, void *userdata)
{
        uint64_t n;
        int r = 0;

        if (strcmp(key, "uri") == 0) {
                if (strncmp(value, "coap://", 7) != 0 && strncmp(value, "coaps://", 8) != 0) {
                        report(error, userdata,
                               "%s: uri must start with coap:// or coaps://, not '%s'", origin,
                               value);
                        return -EINVAL;
                }
                r = set_string(&s->uri, value);
        } else if (strcmp(key, "short-id") == 0) {
                if (parse_uint(value, 1, 65534, &n) < 0) {
                        report(error, userdata, "%s: short-id must be 1..65534, not '%s'", origin,
                               value);
                        return -EINVAL;
                }
                s->short_id = (uint16_t)n;
        } else if (strcmp(key, "lifetime") == 0) {
                if (parse_uint(value, 1, UINT32_MAX, &n) < 0) {
                        report(error, userdata,
                               "%s: lifetime must be 1..4294967295 seconds, not '%s'", origin,
                               value);
                        return -EINVAL;
                }
                s->lifetime = (uint32_t)n;
        } else if (strcmp(key, "binding") == 0) {
                if (strcmp(value, "U") != 0 && strcmp(value, "UQ") != 0) {
                        report(error, userdata, "%s: binding must be U or UQ, not '%s'", origin,
                               value);
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
                        report(error, userdata,
                               "%s: security must be nosec, psk, rpk or x509, not '%s'", origin,
                               value);
                        return -EINVAL;
                }
        } else if (strcmp(key, "psk-identity") == 0) {
                if (!value[0]) {
                        report(error, userdata, "%s: psk-identity must not be empty", origin);
                        return -EINVAL;
                }
                r = set_string(&s->psk_identity, value);
        } else if (strcmp(key, "psk-key") == 0) {
                uint8_t *k;
                size_t len;
                if (config_parse_hex(value, &k, &len) < 0) {
                        report(error, userdata, "%s: psk-key must be hexadecimal bytes", origin);
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
                   strcmp(key, "retry-max") == 0) {
                if (parse_uint(value, 0, UINT32_MAX, &n) < 0) {
                        report(error, userdata, "%s: %s must be a number of seconds, not '%s'",
                               origin, key, value);
                        return -EINVAL;
                }
                uint32_t *field = strcmp(key, "hold-off") == 0       ? &s->hold_off
                                  : strcmp(key, "retry-timer") == 0  ? &s->retry_timer
                                  : strcmp(key, "retry-max") == 0    ? &s->retry_max
                                  : strcmp(key, "default-pmin") == 0 ? &s->default_pmin
                                                                     : &s->default_pmax;
                *field = (uint32_t)n;
        } else {
                report(error, userdata, "%s: unknown server key '%s'", origin, key);
                return -EINVAL;
        }
        return r;
}

static int set_main_key(parse_state *st, const char *key, const char *value, const char *where)
{
        config *c = st->c;
        if (strcmp(key, "endpoint") == 0) {
                if (!value[0] || strlen(value) > 255) {
                        report(st->error, st->userdata, "%s: endpoint must be 1..255 characters",
                               where);
                        return -EINVAL;
                }
                return set_string(&c->endpoint, value);
        }
        if (strcmp(key, "lwm2m-version") == 0) {
                if (strcmp(value, "1.0") != 0 && strcmp(value, "1.1") != 0 &&
                    strcmp(value, "1.2") != 0) {
                        report(st->error, st->userdata, "%s: lwm2m-version must be 1.0, 1.1 or 1.2",
                               where);
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
        report(st->error, st->userdata, "%s: unknown key '%s' in [lwm2md]", where, key);
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
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i].key) == 0)
                        return set_string((char **)((char *)d + keys[i].offset), value);
        report(st->error, st->userdata, "%s: unknown key '%s' in [device]", where, key);
        return -EINVAL;
}

static config_server *server_for_section(parse_state *st, const char *section, bool bootstrap)
{
        config *c = st->c;
        for (size_t i = 0; i < c->n_servers; i++)
                if (strcmp(c->servers[i].section, section) == 0)
                        return &c->servers[i];
        config_server *s = server_new(c, section, st->line);
        if (s)
                s->bootstrap = bootstrap;
        return s;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
        parse_state *st = user;
        char where[256];
        snprintf(where, sizeof(where), "%s:%u", st->name, st->line);
        int r;

        if (strlen(value) > CONFIG_VALUE_MAX) {
                report(st->error, st->userdata, "%s: value of '%s' is too long", where, name);
                r = -EINVAL;
        } else if (strcmp(section, "lwm2md") == 0) {
                r = set_main_key(st, name, value, where);
        } else if (strcmp(section, "device") == 0) {
                r = set_device_key(st, name, value, where);
        } else if (strcmp(section, "server") == 0 || strncmp(section, "server ", 7) == 0 ||
                   strcmp(section, "bootstrap-server") == 0) {
                config_server *s = server_for_section(st, section, section[0] == 'b');
                r = s ? config_set_server_key(st->c, s, name, value, where, st->error, st->userdata)
                      : -ENOMEM;
        } else {
                report(st->error, st->userdata,
                       "%s: unknown section [%s] (expected lwm2md, device, server NAME or "
                       "bootstrap-server)",
                       where, section);
                r = -EINVAL;
        }
        if (r < 0)
                st->errors++;
        /* Keep going (return 1) so that every problem is reported in one run. */
        return 1;
}

/* inih reads line by line through this, which is how we know the line number. */
static char *read_line(char *str, int num, void *stream)
{
        parse_state *st = stream;
        char *r;
        if (st->file) {
                r = fgets(str, num, st->file);
        } else {
                if (!*st->text)
                        return NULL;
                size_t n = strcspn(st->text, "\n");
                size_t take = n + (st->text[n] == '\n');
                if (take > (size_t)num - 1)
                        take = (size_t)num - 1;
                memcpy(str, st->text, take);
                str[take] = 0;
                st->text += take;
                r = str;
        }
        if (!r)
                return NULL;
        size_t len = strlen(r);
        if (len > 0 && r[len - 1] == '\n') {
                st->line++;
                if (st->line_too_long)
                        r[0] = '#'; /* the end of an overlong line is not a line of its own */
                st->line_too_long = false;
        } else if (len == (size_t)num - 1) {
                if (!st->line_too_long) {
                        report(st->error, st->userdata, "%s:%u: line is too long", st->name,
                               st->line + 1);
                        st->errors++;
                }
                st->line_too_long = true;
                r[0] = '#'; /* the rest of an overlong line is not parsed */
        } else {
                st->line++; /* the last line, without a newline */
        }
        return r;
}

static int parse_stream(parse_state *st)
{
        int r = ini_parse_stream(read_line, st, on_ini_entry, st);
        if (r > 0) {
                /* inih found a syntax error (no '=' or ']') on line r. */
                report(st->error, st->userdata,
                       "%s:%d: syntax error (expected [section] or key = value)", st->name, r);
                st->errors++;
        } else if (r < 0) {
                return -ENOMEM;
        }
        return st->errors ? -EINVAL : 0;
}

int config_load_file(config *c, const char *path, config_error_fn error, void *userdata)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                int r = -errno;
                report(error, userdata, "%s: cannot open: %s", path, strerror(-r));
                return r;
        }
        int r = set_string(&c->file, path);
        if (r < 0)
                return r;
        parse_state st = {.c = c, .name = path, .file = f, .error = error, .userdata = userdata};
        return parse_stream(&st);
}

int config_load_string(config *c, const char *name, const char *text, config_error_fn error,
                       void *userdata)
{
        parse_state st = {.c = c, .name = name, .text = text, .error = error, .userdata = userdata};
        return parse_stream(&st);
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

int config_finish(config *c, config_error_fn error, void *userdata)
{
        int errors = 0;
        const char *name = c->file ? c->file : "configuration";

        if (!c->endpoint && default_endpoint(&c->endpoint) < 0) {
                report(error, userdata,
                       "%s: no endpoint name given and none can be derived "
                       "from /etc/machine-id or the host name",
                       name);
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
        if (c->n_servers == 0) {
                report(error, userdata,
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
        for (size_t i = 0; i < c->n_servers; i++) {
                config_server *s = &c->servers[i];
                char where[300];
                if (s->line)
                        snprintf(where, sizeof(where), "%s:%u: [%s]", name, s->line, s->section);
                else
                        snprintf(where, sizeof(where), "%s", s->section);
                if (!s->uri) {
                        report(error, userdata, "%s: no uri", where);
                        errors++;
                        continue;
                }
                if (s->bootstrap) {
                        /* Bootstrap (client-initiated, Bootstrap-Write/Finish) is not
                         * implemented yet: say so rather than start and never register. */
                        report(error, userdata,
                               "%s: bootstrap servers are not supported yet; "
                               "configure the management server as [server NAME]",
                               where);
                        errors++;
                } else {
                        n_management++;
                        if (s->short_id == 0) {
                                /* Number servers in order when the file leaves it to us. */
                                uint16_t id = 1;
                                while (ids[id])
                                        id++;
                                s->short_id = id;
                                ids[id] = true;
                        } else if (taken_twice[s->short_id]) {
                                report(error, userdata, "%s: short-id %u is used twice", where,
                                       s->short_id);
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
                        report(error, userdata, "%s: security %s needs a coaps:// uri", where,
                               security_names[s->security]);
                        errors++;
                }
                if (secure && s->security == CONFIG_SECURITY_NOSEC) {
                        report(error, userdata,
                               "%s: a coaps:// uri needs credentials "
                               "(psk-identity and psk-key, or private-key)",
                               where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_PSK && (!s->psk_identity || !s->psk_key)) {
                        report(error, userdata, "%s: security psk needs psk-identity and psk-key",
                               where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_X509 && (!s->certificate || !s->private_key)) {
                        report(error, userdata,
                               "%s: security x509 needs certificate and private-key", where);
                        errors++;
                }
                if (s->security == CONFIG_SECURITY_RPK && !s->private_key) {
                        report(error, userdata, "%s: security rpk needs private-key", where);
                        errors++;
                }
        }
        return errors ? -EINVAL : 0;
}
