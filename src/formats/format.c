/* format.c - the content-format dispatch point: picks the codec for a CoAP
 * Content-Format number and converts between records and payload bytes. */
#include "format.h"

#include <errno.h>

#include "lwm2m_cbor.h"
#include "lwm2m_json.h"
#include "opaque.h"
#include "senml_cbor.h"
#include "senml_json.h"
#include "text.h"
#include "tlv.h"

typedef struct codec {
        uint16_t format;
        const char *name;
        lwm2m_encode_fn encode;
        lwm2m_decode_fn decode;
} codec;

/* CoRE link format (40) is not a value codec: see link.h. */
static const codec codecs[] = {
        {LWM2M_FORMAT_TEXT, "text/plain", text_encode, text_decode},
        {LWM2M_FORMAT_OPAQUE, "application/octet-stream", opaque_encode, opaque_decode},
        {LWM2M_FORMAT_SENML_JSON, "application/senml+json", senml_json_encode, senml_json_decode},
        {LWM2M_FORMAT_SENML_CBOR, "application/senml+cbor", senml_cbor_encode, senml_cbor_decode},
        {LWM2M_FORMAT_TLV, "application/vnd.oma.lwm2m+tlv", tlv_encode, tlv_decode},
        {LWM2M_FORMAT_LWM2M_JSON, "application/vnd.oma.lwm2m+json", lwm2m_json_encode,
         lwm2m_json_decode},
        {LWM2M_FORMAT_LWM2M_CBOR, "application/vnd.oma.lwm2m+cbor", lwm2m_cbor_encode,
         lwm2m_cbor_decode},
};

static const codec *codec_find(uint16_t format)
{
        for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
                if (codecs[i].format == format)
                        return &codecs[i];
        return NULL;
}

bool lwm2m_format_supported(uint16_t format)
{
        return codec_find(format) != NULL;
}

const char *lwm2m_format_name(uint16_t format)
{
        if (format == LWM2M_FORMAT_LINK)
                return "application/link-format";
        const codec *c = codec_find(format);
        return c ? c->name : NULL;
}

int lwm2m_format_encode(uint16_t format, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                        lwm2m_buf *out)
{
        const codec *c = codec_find(format);
        if (!c)
                return -EPROTONOSUPPORT;
        return c->encode(base, recs, n, out);
}

int lwm2m_format_decode(uint16_t format, const lwm2m_path *base, const uint8_t *data, size_t len,
                        const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        const codec *c = codec_find(format);
        if (!c)
                return -EPROTONOSUPPORT;
        return c->decode(base, data, len, resolver, out);
}
