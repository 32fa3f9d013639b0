/* text.c - text/plain (content-format 0): one resource or resource instance as text.
 * Numbers in decimal, booleans 0/1, Time as integer seconds, Objlnk as oid:iid, opaque in base64.
 */
#include "formats/text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "formats/base64.h"
#include "formats/decimal.h"
#include "util/macro.h"

/* Opaque as text: canonical base64 only, so every value has one spelling. */
static int base64_decode_value(const uint8_t *s, size_t len, lwm2m_value *out)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n = 0;
        int r = base64_decode((const char *)s, len, BASE64_CANONICAL, LWM2M_VALUE_MAX_BYTES, &bytes,
                              &n);
        if (r < 0)
                return r;
        return lwm2m_value_set_bytes(out, LWM2M_TYPE_OPAQUE, bytes, n);
}

static int objlnk_part_parse(const char *s, size_t len, uint16_t *out)
{
        uint64_t v;
        /* Five digits hold 65535; more could only be leading zeros. */
        if (len > 5 || decimal_parse_u64(s, len, &v) < 0 || v > UINT16_MAX)
                return -EBADMSG;
        *out = (uint16_t)v;
        return 0;
}

static int objlnk_parse(const char *s, size_t len, lwm2m_objlnk *out)
{
        const char *colon = memchr(s, ':', len);
        if (!colon)
                return -EBADMSG;
        size_t head = (size_t)(colon - s);
        if (objlnk_part_parse(s, head, &out->oid) < 0 ||
            objlnk_part_parse(colon + 1, len - head - 1, &out->iid) < 0)
                return -EBADMSG;
        return 0;
}

static int text_parse_value(lwm2m_type type, const uint8_t *data, size_t len, lwm2m_value *v)
{
        const char *s = (const char *)data;
        int r;

        switch (type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                r = lwm2m_value_set_bytes(v, type, data, len);
                return r == -EILSEQ ? -EBADMSG : r;
        case LWM2M_TYPE_OPAQUE:
                return base64_decode_value(data, len, v);
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                v->type = type;
                return decimal_parse_i64(s, len, &v->i);
        case LWM2M_TYPE_UNSIGNED:
                v->type = type;
                return decimal_parse_u64(s, len, &v->u);
        case LWM2M_TYPE_FLOAT:
                v->type = type;
                return decimal_parse_double(s, len, &v->f);
        case LWM2M_TYPE_BOOLEAN:
                /* The specification says 0 or 1; "true"/"false" are refused. */
                if (len != 1 || (s[0] != '0' && s[0] != '1'))
                        return -EBADMSG;
                *v = lwm2m_value_boolean(s[0] == '1');
                return 0;
        case LWM2M_TYPE_OBJLNK:
                v->type = type;
                return objlnk_parse(s, len, &v->lnk);
        default:
                /* Executable resources hold no value to write. */
                return -EBADMSG;
        }
}

int text_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out)
{
        assert(recs || n == 0);
        int r = lwm2m_codec_check_single(base, recs, n);
        if (r < 0)
                return r;

        const lwm2m_value *v = &recs[0].value;
        char num[DECIMAL_DOUBLE_STRLEN];
        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                return lwm2m_buf_append(out, v->buf.data, v->buf.len);
        case LWM2M_TYPE_OPAQUE:
                return base64_append(out, v->buf.data, v->buf.len, false, true);
        case LWM2M_TYPE_INTEGER:
        case LWM2M_TYPE_TIME:
                return lwm2m_buf_printf(out, "%" PRId64, v->i);
        case LWM2M_TYPE_UNSIGNED:
                return lwm2m_buf_printf(out, "%" PRIu64, v->u);
        case LWM2M_TYPE_FLOAT:
                r = decimal_format_double(v->f, num);
                if (r < 0)
                        return r;
                return lwm2m_buf_append(out, num, (size_t)r);
        case LWM2M_TYPE_BOOLEAN:
                return lwm2m_buf_append_byte(out, v->b ? '1' : '0');
        case LWM2M_TYPE_OBJLNK:
                return lwm2m_buf_printf(out, "%u:%u", v->lnk.oid, v->lnk.iid);
        default:
                /* No value (an empty multiple resource, an executable one). */
                return -EMEDIUMTYPE;
        }
}

int text_decode(const lwm2m_path *base, const uint8_t *data, size_t len,
                const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        lwm2m_type type = LWM2M_TYPE_STRING;
        int r = lwm2m_codec_resolve_single(base, resolver, LWM2M_TYPE_NONE, &type);
        if (r < 0)
                return r;

        lwm2m_value v = {0};
        r = text_parse_value(type, data, len, &v);
        if (r < 0) {
                lwm2m_value_clear(&v);
                return r;
        }
        return lwm2m_codec_add_single(out, base, &v);
}
