/* fuzz_senml_cbor.c - libFuzzer target for the SenML CBOR decoder: hostile payloads,
 * with and without a resolver, and a decode-encode-decode round trip for what it accepts. */
#include <stddef.h>
#include <stdint.h>

#include "formats/senml_cbor.h"
#include "senml_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        senml_fuzz_one(data, size, senml_cbor_encode, senml_cbor_decode);
        return 0;
}
