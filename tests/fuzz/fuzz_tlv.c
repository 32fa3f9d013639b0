/* fuzz_tlv.c - libFuzzer target for the OMA TLV decoder (content-format 11542).
 * Decodes at a base path the first byte picks, with and without a resolver; whatever decodes
 * must encode and decode back to the same records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tlv.h"
#include "tests/unit/tlv_test_resolver.h"

/* Every depth TLV serves, on objects the test table defines. */
static const lwm2m_path bases[] = {
        {{3}, 1},
        {{3, 0}, 2},
        {{2}, 1},
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

/* Payloads may name one thing twice (a resource twice, an empty instance and
 * then its resources): such records have no single encoding. */
static bool has_overlaps(const lwm2m_record_list *l)
{
        for (size_t i = 1; i < l->n; i++)
                if (lwm2m_path_starts_with(&l->items[i].path, &l->items[i - 1].path))
                        return true;
        return false;
}

/* Instances the client is to number (a Create without an ID) cannot be sent back. */
static bool has_unassigned_ids(const lwm2m_record_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                for (uint8_t k = 0; k < l->items[i].path.len; k++)
                        if (l->items[i].path.id[k] == LWM2M_ID_INVALID)
                                return true;
        return false;
}

static void check(const lwm2m_path *base, const uint8_t *data, size_t size,
                  const lwm2m_resolver *res)
{
        lwm2m_record_list first = {0};
        int r = tlv_decode(base, data, size, res, &first);
        if (r < 0) {
                if (!decode_error_expected(r) || first.n != 0)
                        abort();
                lwm2m_record_list_free(&first);
                return;
        }
        for (size_t i = 0; i < first.n; i++)
                if (!lwm2m_path_starts_with(&first.items[i].path, base))
                        abort();
        if (has_unassigned_ids(&first)) {
                lwm2m_record_list_free(&first);
                return;
        }

        lwm2m_record_list_sort(&first);
        bool overlaps = has_overlaps(&first);
        lwm2m_buf out = {0};
        r = tlv_encode(base, first.items, first.n, &out);
        if (r < 0) {
                if (!(overlaps && r == -EINVAL) && r != -E2BIG)
                        abort();
                goto done;
        }

        lwm2m_record_list second = {0};
        if (tlv_decode(base, out.data, out.len, res, &second) < 0)
                abort();
        if (!overlaps) {
                if (second.n != first.n)
                        abort();
                for (size_t i = 0; i < first.n; i++)
                        if (!lwm2m_path_equal(&first.items[i].path, &second.items[i].path) ||
                            !lwm2m_value_equal(&first.items[i].value, &second.items[i].value))
                                abort();
        }

        /* Once through the encoder, records are canonical: the same bytes again. */
        lwm2m_buf again = {0};
        if (tlv_encode(base, second.items, second.n, &again) < 0)
                abort();
        if (again.len != out.len || (out.len && memcmp(again.data, out.data, out.len) != 0))
                abort();
        lwm2m_buf_free(&again);
        lwm2m_record_list_free(&second);
done:
        lwm2m_buf_free(&out);
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
