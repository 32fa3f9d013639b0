/* fuzz_lwm2m_cbor.c - libFuzzer target for the LwM2M CBOR decoder (content-format 11544).
 * Decodes with and without a resolver; what decodes must re-encode to the same records. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/lwm2m_cbor.h"

/* A made-up registry, a pure function of the path, covering every type,
 * single and multiple resources, and unknown ones. */
static int resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple)
{
        uint16_t oid = path->id[0], rid = path->id[2];
        if (rid % 17 == 16)
                return -ENOENT;
        *type = (lwm2m_type)((oid + rid) % _LWM2M_TYPE_MAX);
        *multiple = rid % 3 == 0;
        return 0;
}

static const lwm2m_resolver resolver = {.resource = resolve};

static bool decode_error_expected(int r)
{
        return r == -EBADMSG || r == -ENOENT || r == -E2BIG || r == -ENOMEM;
}

/* Equal as far as the format can tell: without a resolver a Time that came
 * tagged comes back as a plain Integer, and NaN payloads are not kept. */
static bool same_value(const lwm2m_value *a, const lwm2m_value *b, bool natural)
{
        if (natural && a->type == LWM2M_TYPE_TIME && b->type == LWM2M_TYPE_INTEGER)
                return a->i == b->i;
        if (a->type == LWM2M_TYPE_FLOAT && b->type == LWM2M_TYPE_FLOAT && isnan(a->f) &&
            isnan(b->f))
                return true;
        return lwm2m_value_equal(a, b);
}

static void check(const uint8_t *data, size_t size, const lwm2m_resolver *res)
{
        lwm2m_path root = {0};
        lwm2m_record_list first = {0};
        int r = lwm2m_cbor_decode(&root, data, size, res, &first);
        if (r < 0) {
                if (!decode_error_expected(r) || first.n != 0)
                        abort();
                lwm2m_record_list_free(&first);
                return;
        }

        lwm2m_record_list_sort(&first);
        lwm2m_buf out = {0};
        if (lwm2m_cbor_encode(&root, first.items, first.n, &out) < 0)
                abort();
        lwm2m_record_list second = {0};
        if (lwm2m_cbor_decode(&root, out.data, out.len, res, &second) < 0)
                abort();
        lwm2m_record_list_sort(&second);
        if (second.n != first.n)
                abort();
        for (size_t i = 0; i < first.n; i++) {
                if (!lwm2m_path_equal(&first.items[i].path, &second.items[i].path) ||
                    !same_value(&first.items[i].value, &second.items[i].value, res == NULL))
                        abort();
        }

        /* Encoding is deterministic: a second trip gives the same bytes. */
        lwm2m_buf again = {0};
        if (lwm2m_cbor_encode(&root, second.items, second.n, &again) < 0)
                abort();
        if (res && (again.len != out.len || memcmp(again.data, out.data, out.len) != 0))
                abort();

        lwm2m_buf_free(&again);
        lwm2m_buf_free(&out);
        lwm2m_record_list_free(&second);
        lwm2m_record_list_free(&first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check(data, size, NULL);
        check(data, size, &resolver);
        return 0;
}
