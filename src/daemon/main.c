/* main.c - the lwm2md command line: parses options and runs the chosen mode
 * (today: checking object definitions; the daemon's own run loop joins here). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_objects.h"
/* The build's config.h (PACKAGE_VERSION), not daemon/config.h beside this file. */
#include "build-config.h"

#define EXIT_USAGE 2

typedef enum run_mode {
        MODE_NONE,
        MODE_CHECK_OBJECTS,
} run_mode;

typedef struct options {
        run_mode mode;
        bool strict;
        const char *const *args; /* the operands after the options */
        size_t n_args;
} options;

static void print_usage(FILE *f)
{
        fprintf(f, "Usage: lwm2md --check-objects [--strict] DIR...\n"
                   "       lwm2md --help | --version\n"
                   "\n"
                   "OMA LwM2M client daemon for Linux gateways.\n"
                   "\n"
                   "  --check-objects  load the object definitions (*.xml DDF files) in each DIR,\n"
                   "                   later directories overriding earlier ones, print every\n"
                   "                   problem as FILE:LINE:COLUMN: LEVEL: MESSAGE and a summary,\n"
                   "                   then exit: 0 if every file loaded, 1 if any was rejected\n"
                   "  --strict         with --check-objects, fail on warnings too\n"
                   "  -h, --help       show this help and exit\n"
                   "  -V, --version    show the version and exit\n");
}

/* Returns 0 to run, 1 when --help or --version has been answered, or -EXIT_USAGE. */
static int parse_options(int argc, char **argv, options *o)
{
        enum {
                OPT_CHECK_OBJECTS = 0x100,
                OPT_STRICT,
        };
        static const struct option longopts[] = {
                {"check-objects", no_argument, NULL, OPT_CHECK_OBJECTS},
                {"strict", no_argument, NULL, OPT_STRICT},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {0},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_CHECK_OBJECTS:
                        o->mode = MODE_CHECK_OBJECTS;
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
        }
        o->args = (const char *const *)argv + optind;
        o->n_args = (size_t)(argc - optind);

        switch (o->mode) {
        case MODE_NONE:
                print_usage(stderr);
                return -EXIT_USAGE;
        case MODE_CHECK_OBJECTS:
                if (o->n_args == 0) {
                        fprintf(stderr, "lwm2md: --check-objects needs at least one DIR\n");
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

int main(int argc, char **argv)
{
        options o = {0};

        int r = parse_options(argc, argv, &o);
        if (r < 0)
                return -r;
        if (r > 0)
                return EXIT_SUCCESS;

        switch (o.mode) {
        case MODE_CHECK_OBJECTS:
                return check_objects_run(o.args, o.n_args, o.strict, stdout, stderr);
        case MODE_NONE:
                break;
        }
        return EXIT_USAGE;
}
