/* main.c - the lwm2md command line: parses options and runs the chosen mode,
 * the daemon (configuration file plus overrides) or a check of object definitions. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "daemon/check_objects.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/dump_state.h"
#include "daemon/log.h"
#include "store/file.h"

#define EXIT_USAGE 2

#define DEFAULT_CONFIG_FILE LWM2MD_SYSCONF_DIR "/lwm2md.conf"

typedef enum run_mode {
        MODE_DAEMON,
        MODE_CHECK_OBJECTS,
        MODE_DUMP_STATE,
} run_mode;

/* A daemon option that overrides the configuration file: applied after it is read. */
typedef struct override {
        const char *key; /* "endpoint", "objects-dir", or a server key */
        const char *value;
        const char *option; /* "--psk-key", for messages */
} override;

typedef struct options {
        run_mode mode;
        bool strict;
        const char *config_file;
        bool config_given;
        override overrides[64];
        size_t n_overrides;
        int log_level;
        const char *const *args; /* the operands after the options */
        size_t n_args;
} options;

static void print_usage(FILE *f)
{
        fprintf(f, "Usage: lwm2md [OPTIONS]\n"
                   "       lwm2md --check-objects [--strict] DIR...\n"
                   "       lwm2md --dump-state [FILE]\n"
                   "       lwm2md --help | --version\n"
                   "\n"
                   "OMA LwM2M client daemon for Linux gateways.\n"
                   "\n"
                   "Daemon options (override the configuration file):\n"
                   "  -c, --config FILE     configuration file (default " DEFAULT_CONFIG_FILE ";\n"
                   "                        without this option a missing default file is fine)\n"
                   "  -e, --endpoint NAME   endpoint client name\n"
                   "  -s, --server URI      LwM2M server, coap://HOST[:PORT] or coaps://...\n"
                   "      --psk-identity ID PSK identity for the server\n"
                   "      --psk-key HEX     PSK key for the server, in hexadecimal\n"
                   "      --lifetime S      registration lifetime in seconds\n"
                   "      --binding U|UQ    binding (UQ: queue mode)\n"
                   "      --lwm2m-version V LwM2M version to register with (1.0, 1.1, 1.2)\n"
                   "      --objects-dir DIR object definition directory (repeatable; replaces\n"
                   "                        the default list)\n"
                   "      --state-dir DIR   where provisioned state is kept\n"
                   "      --bus system|user|ADDRESS  D-Bus to serve on\n"
                   "  -v, --verbose         log debug messages too\n"
                   "\n"
                   "Other modes:\n"
                   "  --check-objects  load the object definitions (*.xml DDF files) in each DIR,\n"
                   "                   later directories overriding earlier ones, print every\n"
                   "                   problem as FILE:LINE:COLUMN: LEVEL: MESSAGE and a summary,\n"
                   "                   then exit: 0 if every file loaded, 1 if any was rejected\n"
                   "  --strict         with --check-objects, fail on warnings too\n"
                   "  --dump-state     print the state file (FILE, or state.cbor in the\n"
                   "                   configuration's state-dir) as text, secrets by size only;\n"
                   "                   exit 1 if it is bad, saying why\n"
                   "  -h, --help       show this help and exit\n"
                   "  -V, --version    show the version and exit\n");
}

static int add_override(options *o, const char *key, const char *value, const char *option)
{
        if (o->n_overrides >= sizeof(o->overrides) / sizeof(o->overrides[0])) {
                fprintf(stderr, "lwm2md: too many options\n");
                return -EXIT_USAGE;
        }
        o->overrides[o->n_overrides++] = (override){key, value, option};
        return 0;
}

/* Returns 0 to run, 1 when --help or --version has been answered, or -EXIT_USAGE. */
static int parse_options(int argc, char **argv, options *o)
{
        enum {
                OPT_CHECK_OBJECTS = 0x100,
                OPT_DUMP_STATE,
                OPT_STRICT,
                OPT_PSK_IDENTITY,
                OPT_PSK_KEY,
                OPT_LIFETIME,
                OPT_BINDING,
                OPT_VERSION,
                OPT_OBJECTS_DIR,
                OPT_STATE_DIR,
                OPT_BUS,
        };
        static const struct option longopts[] = {
                {"check-objects", no_argument, NULL, OPT_CHECK_OBJECTS},
                {"dump-state", no_argument, NULL, OPT_DUMP_STATE},
                {"strict", no_argument, NULL, OPT_STRICT},
                {"config", required_argument, NULL, 'c'},
                {"endpoint", required_argument, NULL, 'e'},
                {"server", required_argument, NULL, 's'},
                {"psk-identity", required_argument, NULL, OPT_PSK_IDENTITY},
                {"psk-key", required_argument, NULL, OPT_PSK_KEY},
                {"lifetime", required_argument, NULL, OPT_LIFETIME},
                {"binding", required_argument, NULL, OPT_BINDING},
                {"lwm2m-version", required_argument, NULL, OPT_VERSION},
                {"objects-dir", required_argument, NULL, OPT_OBJECTS_DIR},
                {"state-dir", required_argument, NULL, OPT_STATE_DIR},
                {"bus", required_argument, NULL, OPT_BUS},
                {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {0},
        };
        /* The options that set a configuration key: --server is the key "uri". */
        static const struct {
                int opt;
                const char *key, *option;
        } override_opts[] = {
                {'e', "endpoint", "--endpoint"},
                {'s', "uri", "--server"},
                {OPT_PSK_IDENTITY, "psk-identity", "--psk-identity"},
                {OPT_PSK_KEY, "psk-key", "--psk-key"},
                {OPT_LIFETIME, "lifetime", "--lifetime"},
                {OPT_BINDING, "binding", "--binding"},
                {OPT_VERSION, "lwm2m-version", "--lwm2m-version"},
                {OPT_OBJECTS_DIR, "objects-dir", "--objects-dir"},
                {OPT_STATE_DIR, "state-dir", "--state-dir"},
                {OPT_BUS, "bus", "--bus"},
        };
        int c, r = 0;

        o->config_file = DEFAULT_CONFIG_FILE;
        o->log_level = LOG_INFO;
        while ((c = getopt_long(argc, argv, "c:e:s:vhV", longopts, NULL)) >= 0) {
                size_t k = 0;
                while (k < ELEMENTSOF(override_opts) && override_opts[k].opt != c)
                        k++;
                if (k < ELEMENTSOF(override_opts)) {
                        r = add_override(o, override_opts[k].key, optarg, override_opts[k].option);
                        if (r < 0)
                                return r;
                        continue;
                }
                switch (c) {
                case 'c':
                        o->config_file = optarg;
                        o->config_given = true;
                        break;
                case 'v':
                        o->log_level = LOG_DEBUG;
                        break;
                case OPT_CHECK_OBJECTS:
                        o->mode = MODE_CHECK_OBJECTS;
                        break;
                case OPT_DUMP_STATE:
                        o->mode = MODE_DUMP_STATE;
                        break;
                case OPT_STRICT:
                        o->strict = true;
                        break;
                case 'h':
                        print_usage(stdout);
                        return 1;
                case 'V':
                        printf("lwm2md %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        /* getopt_long has already said what was wrong. */
                        fprintf(stderr, "Try 'lwm2md --help'.\n");
                        return -EXIT_USAGE;
                }
                if (r < 0)
                        return r;
        }
        o->args = (const char *const *)argv + optind;
        o->n_args = (size_t)(argc - optind);

        switch (o->mode) {
        case MODE_DAEMON:
                if (o->n_args > 0) {
                        fprintf(stderr, "lwm2md: unexpected argument '%s'\n", o->args[0]);
                        return -EXIT_USAGE;
                }
                break;
        case MODE_CHECK_OBJECTS:
                if (o->n_args == 0) {
                        fprintf(stderr, "lwm2md: --check-objects needs at least one DIR\n");
                        return -EXIT_USAGE;
                }
                break;
        case MODE_DUMP_STATE:
                if (o->n_args > 1) {
                        fprintf(stderr, "lwm2md: --dump-state takes at most one FILE\n");
                        return -EXIT_USAGE;
                }
                break;
        }
        if (o->strict && o->mode != MODE_CHECK_OBJECTS) {
                fprintf(stderr, "lwm2md: --strict only applies to --check-objects\n");
                return -EXIT_USAGE;
        }
        return 0;
}

static void print_config_error(void *userdata, const char *message)
{
        log_error("%s", message);
}

static int apply_overrides(config *c, const options *o)
{
        int errors = 0;
        bool dirs_replaced = false;
        for (size_t i = 0; i < o->n_overrides; i++) {
                const override *ov = &o->overrides[i];
                int r = 0;
                if (strcmp(ov->key, "objects-dir") == 0) {
                        /* The command line's list replaces the file's and the defaults. */
                        if (!dirs_replaced) {
                                for (size_t k = 0; k < c->n_objects_dirs; k++)
                                        free(c->objects_dirs[k]);
                                c->n_objects_dirs = 0;
                                dirs_replaced = true;
                        }
                        r = config_add_objects_dir(c, ov->value);
                } else if (strcmp(ov->key, "endpoint") == 0 || strcmp(ov->key, "state-dir") == 0 ||
                           strcmp(ov->key, "bus") == 0 || strcmp(ov->key, "lwm2m-version") == 0) {
                        r = config_set_main_key(c, ov->key, ov->value, ov->option,
                                                print_config_error, NULL);
                } else {
                        config_server *s = config_default_server(c);
                        r = s ? config_set_server_key(c, s, ov->key, ov->value, ov->option,
                                                      print_config_error, NULL)
                              : -ENOMEM;
                }
                if (r < 0)
                        errors++;
        }
        return errors ? -EINVAL : 0;
}

/* The configuration file with the command line's overrides, checked. */
static int load_config(const options *o, config *c)
{
        config_init(c);
        int r = 0;
        if (o->config_given || access(o->config_file, F_OK) == 0)
                r = config_load_file(c, o->config_file, print_config_error, NULL);
        if (r >= 0)
                r = apply_overrides(c, o);
        if (r >= 0)
                r = config_finish(c, print_config_error, NULL);
        return r;
}

static int run_daemon(const options *o)
{
        config c;
        int r = load_config(o, &c);
        if (r < 0) {
                log_error("not starting: fix the configuration above");
                config_free(&c);
                return EXIT_FAILURE;
        }
        r = daemon_run(&c);
        config_free(&c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int dump_state(const options *o)
{
        if (o->n_args == 1)
                return dump_state_run(o->args[0], stdout, stderr);
        config c;
        int r = load_config(o, &c);
        if (r < 0) {
                config_free(&c);
                return EXIT_FAILURE;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", c.state_dir, STORE_FILE_NAME);
        config_free(&c);
        return dump_state_run(path, stdout, stderr);
}

int main(int argc, char **argv)
{
        options o = {0};

        int r = parse_options(argc, argv, &o);
        if (r < 0)
                return -r;
        if (r > 0)
                return EXIT_SUCCESS;

        log_set_max_level(o.log_level);
        switch (o.mode) {
        case MODE_CHECK_OBJECTS:
                return check_objects_run(o.args, o.n_args, o.strict, stdout, stderr);
        case MODE_DAEMON:
                return run_daemon(&o);
        case MODE_DUMP_STATE:
                return dump_state(&o);
        }
        return EXIT_USAGE;
}
