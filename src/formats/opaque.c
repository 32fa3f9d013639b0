/* opaque.c - application/octet-stream (content-format 42): one opaque resource as raw bytes.
 * Any other resource type is refused with -EMEDIUMTYPE. */
#include "formats/opaque.h"

#include <errno.h>

int opaque_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        int r = lwm2m_codec_check_single(base, recs, n);
        if (r < 0)
                return r;
        if (recs[0].value.type != LWM2M_TYPE_OPAQUE)
                return -EMEDIUMTYPE;
        return lwm2m_buf_append(out, recs[0].value.buf.data, recs[0].value.buf.len);
}

int opaque_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                  const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        lwm2m_type type = LWM2M_TYPE_NONE;
        int r = lwm2m_codec_resolve_single(base, resolver, LWM2M_TYPE_OPAQUE, &type);
        if (r < 0)
                return r;
        if (len > LWM2M_VALUE_MAX_BYTES)
                return -E2BIG;

        lwm2m_value v = {0};
        r = lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, data, len);
        if (r < 0)
                return r;
        return lwm2m_codec_add_single(out, base, &v);
}
