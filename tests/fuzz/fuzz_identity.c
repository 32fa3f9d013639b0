/* fuzz_identity.c - libFuzzer target for the readers of system strings behind the
 * Device object's identity: any bytes as a DMI or device tree value and as os-release. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objects/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a String resource takes: bounded, no control characters, no blank ends. */
static void check(const char *v)
{
        if (!v)
                return;
        size_t n = strlen(v);
        if (n == 0 || n > IDENTITY_MAX_VALUE || v[0] == ' ' || v[n - 1] == ' ')
                abort();
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *v = identity_clean((const char *)data, size);
        check(v);
        free(v);
        char *text = malloc(size + 1);
        if (!text)
                abort();
        memcpy(text, data, size);
        text[size] = 0;
        static const char *const keys[] = {"VERSION", "IMAGE_VERSION", "PRETTY_NAME"};
        for (size_t i = 0; i < 3; i++) {
                v = identity_os_release_value(text, keys[i]);
                check(v);
                free(v);
        }
        free(text);
        return 0;
}
