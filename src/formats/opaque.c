/* opaque.c - application/octet-stream (content-format 42): one opaque resource as raw bytes.
 * Any other resource type is refused with -EMEDIUMTYPE. */
#include "formats/opaque.h"

#include <errno.h>

/* Opaque carries exactly one value at exactly the request path. */
static int opaque_check_target(const lwm2m_path *base)
{
        if (base->len != LWM2M_PATH_RESOURCE && base->len != LWM2M_PATH_RESOURCE_INSTANCE)
                return -EMEDIUMTYPE;
        return 0;
}

int opaque_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        int r = opaque_check_target(base);
        if (r < 0)
                return r;
        if (n != 1)
                return -EMEDIUMTYPE;
        if (!lwm2m_path_equal(&recs[0].path, base))
                /* A record below the base is an instance of a multiple resource. */
                return lwm2m_path_starts_with(&recs[0].path, base) ? -EMEDIUMTYPE : -EINVAL;
        if (recs[0].value.type != LWM2M_TYPE_OPAQUE)
                return -EMEDIUMTYPE;
        return lwm2m_buf_append(out, recs[0].value.buf.data, recs[0].value.buf.len);
}

int opaque_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                  const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        int r = opaque_check_target(base);
        if (r < 0)
                return r;
        if (resolver) {
                lwm2m_type type = LWM2M_TYPE_NONE;
                bool multiple = false;
                r = resolver->resource(resolver->userdata, base, &type, &multiple);
                if (r < 0)
                        return r;
                if (type != LWM2M_TYPE_OPAQUE)
                        return -EMEDIUMTYPE;
                if (multiple && base->len == LWM2M_PATH_RESOURCE)
                        return -EMEDIUMTYPE;
                /* A single resource has no instances to address. */
                if (!multiple && base->len == LWM2M_PATH_RESOURCE_INSTANCE)
                        return -ENOENT;
        }
        if (len > LWM2M_VALUE_MAX_BYTES)
                return -E2BIG;

        lwm2m_value v = {0};
        r = lwm2m_value_set_bytes(&v, LWM2M_TYPE_OPAQUE, data, len);
        if (r < 0)
                return r;
        lwm2m_record *rec = lwm2m_record_list_add(out, base);
        if (!rec) {
                lwm2m_value_clear(&v);
                return -errno;
        }
        rec->value = v;
        return 0;
}
