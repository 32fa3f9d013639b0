/* fuzz_text.c - libFuzzer target for the text/plain and opaque decoders (content-formats 0, 42).
 * The first byte picks codec, type and target; whatever decodes must encode and decode the same. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/opaque.h"
#include "formats/text.h"

/* What the first input byte chose: bits 0-3 the type (10..15: an unknown
 * resource), bit 4 a multiple resource, bit 5 a resource-instance target,
 * bit 6 no resolver at all, bit 7 the opaque codec instead of text. */
typedef struct fuzz_choice {
        lwm2m_type type;
        bool known;
        bool multiple;
} fuzz_choice;

static int resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple)
{
        const fuzz_choice *c = userdata;
        if (!c->known)
                return -ENOENT;
        *type = c->type;
        *multiple = c->multiple;
        return 0;
}

static bool decode_error_expected(int r)
{
        return r == -EBADMSG || r == -ENOENT || r == -EMEDIUMTYPE || r == -E2BIG || r == -ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        uint8_t sel = data[0];
        data++;
        size--;

        fuzz_choice choice = {
                .type = (lwm2m_type)(sel & 0x0f),
                .known = (sel & 0x0f) < _LWM2M_TYPE_MAX,
                .multiple = sel & 0x10,
        };
        lwm2m_resolver resolver = {.resource = resolve, .userdata = &choice};
        const lwm2m_resolver *res = sel & 0x40 ? NULL : &resolver;
        bool opaque = sel & 0x80;
        lwm2m_decode_fn decode = opaque ? opaque_decode : text_decode;
        lwm2m_encode_fn encode = opaque ? opaque_encode : text_encode;
        lwm2m_path path = sel & 0x20 ? lwm2m_path_resource_instance(9000, 0, 1, 2)
                                     : lwm2m_path_resource(9000, 0, 1);

        lwm2m_record_list first = {0};
        int r = decode(&path, data, size, res, &first);
        if (r < 0) {
                if (!decode_error_expected(r) || first.n != 0)
                        abort();
                lwm2m_record_list_free(&first);
                return 0;
        }
        if (first.n != 1 || !lwm2m_path_equal(&first.items[0].path, &path))
                abort();
        const lwm2m_value *v = &first.items[0].value;
        lwm2m_type expected = res ? choice.type : opaque ? LWM2M_TYPE_OPAQUE : LWM2M_TYPE_STRING;
        if (v->type != expected)
                abort();

        lwm2m_buf b = {0};
        if (encode(&path, first.items, 1, &b) != 0)
                abort();
        /* Strings and opaque bytes come back byte for byte. */
        if ((opaque || v->type == LWM2M_TYPE_STRING || v->type == LWM2M_TYPE_CORELNK) &&
            (b.len != size || (size > 0 && memcmp(b.data, data, size) != 0)))
                abort();
        lwm2m_record_list second = {0};
        if (decode(&path, b.data, b.len, res, &second) != 0 || second.n != 1 ||
            !lwm2m_value_equal(&second.items[0].value, v))
                abort();

        lwm2m_record_list_free(&second);
        lwm2m_buf_free(&b);
        lwm2m_record_list_free(&first);
        return 0;
}
