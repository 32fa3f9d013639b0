/* fuzz_config.c - libFuzzer target for the configuration reader (daemon/config): any bytes
 * as a file's contents; every message names the file, and no more than the limit are given. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

typedef struct messages {
        unsigned n;
} messages;

static void check_message(void *userdata, const char *message)
{
        messages *m = userdata;
        m->n++;
        if (strncmp(message, "fuzz.conf", 9) != 0)
                abort(); /* a message that does not name the file */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > CONFIG_FILE_MAX)
                return 0;
        /* A copy of exactly `size` bytes, not NUL-terminated: reading past it is caught. */
        char *copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        config c;
        config_init(&c);
        messages m = {0};
        int r = config_load_data(&c, "fuzz.conf", copy, size, check_message, &m);
        if (!(r == 0 || r == -EINVAL || r == -ENOMEM))
                abort();
        if ((r == 0) != (m.n == 0) && r != -ENOMEM)
                abort(); /* failed without a message, or a message without failing */
        if (m.n > CONFIG_ERRORS_MAX + 1)
                abort(); /* the limit and its "giving up" line */
        if (c.endpoint && (strlen(c.endpoint) == 0 || strlen(c.endpoint) > CONFIG_ENDPOINT_MAX))
                abort();
        if (c.n_servers > CONFIG_SERVERS_MAX)
                abort();
        config_free(&c);
        free(copy);
        return 0;
}
