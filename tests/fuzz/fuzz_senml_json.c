/* fuzz_senml_json.c - libFuzzer target for the SenML JSON decoder: hostile payloads,
 * with and without a resolver, and a decode-encode-decode round trip for what it accepts. */
#include <stddef.h>
#include <stdint.h>

#include "formats/senml_json.h"
#include "senml_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        senml_fuzz_one(data, size, senml_json_encode, senml_json_decode);
        return 0;
}
