/* fuzz_lwm2m_json.c - libFuzzer target for the LwM2M 1.0 JSON decoder (content-format 11543).
 * Decodes at a base path the first byte picks, with and without a resolver; whatever decodes
 * must encode and decode back to the same records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/lwm2m_json.h"
#include "tests/unit/tlv_test_resolver.h"

static const lwm2m_path bases[] = {
        {{0}, 0},
        {{3}, 1},
        {{3, 0}, 2},
        {{TEST_OBJECT}, 1},
        {{TEST_OBJECT, 0}, 2},
        {{TEST_OBJECT, 0, 11}, 3},
        {{TEST_OBJECT, 0, 11, 1}, 4},
        {{TEST_OBJECT, 0, 1}, 3},
};

static bool decode_error_expected(int r)
{
        return r == -EBADMSG || r == -ENOENT || r == -E2BIG || r == -ENOMEM;
}

static void check(const lwm2m_path *base, const uint8_t *data, size_t size,
                  const lwm2m_resolver *res)
{
        lwm2m_record_list first = {0};
        int r = lwm2m_json_decode(base, data, size, res, &first);
        if (r < 0) {
                if (!decode_error_expected(r) || first.n != 0)
                        abort();
                lwm2m_record_list_free(&first);
                return;
        }

        lwm2m_record_list_sort(&first);
        lwm2m_buf out = {0};
        if (lwm2m_json_encode(base, first.items, first.n, &out) < 0)
                abort();
        lwm2m_record_list second = {0};
        if (lwm2m_json_decode(base, out.data, out.len, res, &second) < 0)
                abort();
        if (second.n != first.n)
                abort();
        for (size_t i = 0; i < first.n; i++) {
                const lwm2m_record *a = &first.items[i], *b = &second.items[i];
                if (!lwm2m_path_equal(&a->path, &b->path) ||
                    !lwm2m_value_equal(&a->value, &b->value) || a->has_time != b->has_time ||
                    (a->has_time && a->time != b->time))
                        abort();
        }

        lwm2m_buf again = {0};
        if (lwm2m_json_encode(base, second.items, second.n, &again) < 0)
                abort();
        if (again.len != out.len || memcmp(again.data, out.data, out.len) != 0)
                abort();

        lwm2m_buf_free(&again);
        lwm2m_buf_free(&out);
        lwm2m_record_list_free(&second);
        lwm2m_record_list_free(&first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        const lwm2m_path *base = &bases[data[0] % (sizeof(bases) / sizeof(bases[0]))];
        check(base, data + 1, size - 1, &test_resolver);
        check(base, data + 1, size - 1, NULL);
        return 0;
}
