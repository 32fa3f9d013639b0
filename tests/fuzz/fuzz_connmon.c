/* fuzz_connmon.c - libFuzzer target for the route table readers of Connectivity
 * Monitoring: any text as /proc/net/route and /proc/net/ipv6_route. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objects/connmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* One text, NUL-terminated as the reader's files are, serves as both tables. */
        char *text = malloc(size + 1);
        if (!text)
                abort();
        memcpy(text, data, size);
        text[size] = 0;
        connmon_network net = {.bearer = CONNMON_BEARER_UNKNOWN};
        if (connmon_default_interface(text, net.interface, sizeof(net.interface)) < 0)
                strcpy(net.interface, "eth0");
        if (strlen(net.interface) >= sizeof(net.interface))
                abort();
        connmon_parse_routers(text, text, &net);
        if (net.n_routers > CONNMON_MAX_ADDRESSES)
                abort();
        for (size_t i = 0; i < net.n_routers; i++)
                if (!memchr(net.routers[i], 0, CONNMON_ADDRESS_SIZE))
                        abort();
        free(text);
        return 0;
}
