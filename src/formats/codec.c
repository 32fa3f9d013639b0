/* codec.c - checks and steps the codecs share: where a single-value format (text, opaque)
 * may carry its one value, adding that value to the decoded records, and writing names. */
#include "formats/codec.h"

#include <assert.h>
#include <errno.h>

static int check_single_target(const lwm2m_path *base)
{
        if (base->len != LWM2M_PATH_RESOURCE && base->len != LWM2M_PATH_RESOURCE_INSTANCE)
                return -EMEDIUMTYPE;
        return 0;
}

int lwm2m_codec_check_single(const lwm2m_path *base, const lwm2m_record *recs, size_t n)
{
        assert(base);
        assert(recs || n == 0);
        int r = check_single_target(base);
        if (r < 0)
                return r;
        if (n != 1)
                return -EMEDIUMTYPE;
        if (!lwm2m_path_equal(&recs[0].path, base))
                /* A record below the base is an instance of a multiple resource. */
                return lwm2m_path_starts_with(&recs[0].path, base) ? -EMEDIUMTYPE : -EINVAL;
        return 0;
}

int lwm2m_codec_resolve_single(const lwm2m_path *base, const lwm2m_resolver *resolver,
                               lwm2m_type required, lwm2m_type *type)
{
        assert(type);
        assert(base);
        assert(type);
        int r = check_single_target(base);
        if (r < 0 || !resolver)
                return r;
        bool multiple = false;
        r = resolver->resource(resolver->userdata, base, type, &multiple);
        if (r < 0)
                return r;
        if (required != LWM2M_TYPE_NONE && *type != required)
                return -EMEDIUMTYPE;
        /* One value cannot replace all instances of a multiple resource at once. */
        if (multiple && base->len == LWM2M_PATH_RESOURCE)
                return -EMEDIUMTYPE;
        /* A single resource has no instances to address. */
        if (!multiple && base->len == LWM2M_PATH_RESOURCE_INSTANCE)
                return -ENOENT;
        return 0;
}

int lwm2m_codec_add_single(lwm2m_record_list *out, const lwm2m_path *base, lwm2m_value *v)
{
        assert(out && base && v);
        lwm2m_record *rec = lwm2m_record_list_add(out, base);
        if (!rec) {
                int r = -errno;
                lwm2m_value_clear(v);
                return r;
        }
        rec->value = *v;
        return 0;
}

size_t lwm2m_codec_decimal(uint64_t v, char *p)
{
        char tmp[20];
        size_t n = 0;
        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        for (size_t i = 0; i < n; i++)
                p[i] = tmp[n - 1 - i];
        return n;
}

size_t lwm2m_codec_ids_text(const lwm2m_path *path, unsigned from, unsigned to, char *p)
{
        assert(path && to <= path->len);
        size_t n = 0;
        for (unsigned k = from; k < to; k++) {
                if (k > from)
                        p[n++] = '/';
                n += lwm2m_codec_decimal(path->id[k], p + n);
        }
        return n;
}
