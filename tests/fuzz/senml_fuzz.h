/* senml_fuzz.h - the body both SenML fuzz targets share: decode with and without a resolver,
 * and for every payload we accept, check that encoding and decoding again gives it back. */
#pragma once

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/format.h"

/* Types by resource ID, so every type, single and multiple, and unknown IDs all occur. */
static int senml_fuzz_resolve(void *userdata, const lwm2m_path *p, lwm2m_type *type, bool *multiple)
{
        (void)userdata;
        uint16_t rid = p->id[2];
        if (rid >= 200)
                return -ENOENT;
        *type = (lwm2m_type)(rid % _LWM2M_TYPE_MAX);
        *multiple = (rid / _LWM2M_TYPE_MAX) % 2;
        return 0;
}

static bool senml_fuzz_same(const lwm2m_record_list *a, const lwm2m_record_list *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const lwm2m_record *x = &a->items[i], *y = &b->items[i];
                if (!lwm2m_path_equal(&x->path, &y->path) || x->has_time != y->has_time ||
                    x->time != y->time)
                        return false;
                /* NaN payloads are not kept: CBOR output writes the canonical NaN. */
                if (x->value.type == LWM2M_TYPE_FLOAT && y->value.type == LWM2M_TYPE_FLOAT &&
                    isnan(x->value.f) && isnan(y->value.f))
                        continue;
                if (!lwm2m_value_equal(&x->value, &y->value))
                        return false;
        }
        return true;
}

static void senml_fuzz_one(const uint8_t *data, size_t size, lwm2m_encode_fn encode,
                           lwm2m_decode_fn decode)
{
        static const lwm2m_resolver resolver = {.resource = senml_fuzz_resolve};
        lwm2m_path base = {.len = 0};
        if (size > 0 && (data[0] & 1))
                base = lwm2m_path_object(3);

        for (int with = 0; with < 2; with++) {
                const lwm2m_resolver *res = with ? &resolver : NULL;
                lwm2m_record_list first = {0}, second = {0};
                lwm2m_buf out = {0};
                if (decode(&base, data, size, res, &first) == 0) {
                        if (encode(&base, first.items, first.n, &out) != 0)
                                abort();
                        if (decode(&base, out.data, out.len, res, &second) != 0)
                                abort();
                        if (!senml_fuzz_same(&first, &second))
                                abort();
                } else if (first.n != 0) {
                        abort(); /* a failed decode leaves the list as it was */
                }
                lwm2m_buf_free(&out);
                lwm2m_record_list_free(&first);
                lwm2m_record_list_free(&second);
        }
}
