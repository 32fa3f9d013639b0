/* format.c - the content-format dispatch point: picks the codec for a CoAP
 * Content-Format number and converts between records and payload bytes. */
#include "formats/format.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/types.h>

#include "util/macro.h"

#include "formats/lwm2m_cbor.h"
#include "formats/lwm2m_json.h"
#include "formats/opaque.h"
#include "formats/senml_cbor.h"
#include "formats/senml_json.h"
#include "formats/text.h"
#include "formats/tlv.h"

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

/* What no format may carry: a value outside the model's domain (value.h) or a
 * SenML time that is not a number. Some codecs could spell a NaN (TLV, CBOR),
 * but a value that only some formats carry would make a Read's outcome depend
 * on the server's Accept. */
static bool record_encodable(const lwm2m_record *r)
{
        return lwm2m_value_in_domain(&r->value) && (!r->has_time || isfinite(r->time));
}

static bool same_resource(const lwm2m_path *a, const lwm2m_path *b)
{
        return a->len >= LWM2M_PATH_RESOURCE && b->len >= LWM2M_PATH_RESOURCE &&
               a->id[0] == b->id[0] && a->id[1] == b->id[1] && a->id[2] == b->id[2];
}

static bool same_instance(const lwm2m_path *a, const lwm2m_path *b)
{
        return a->len >= LWM2M_PATH_INSTANCE && b->len >= LWM2M_PATH_INSTANCE &&
               a->id[0] == b->id[0] && a->id[1] == b->id[1];
}

/* The records without every resource (all its instances) that holds a record
 * no format may carry; an instance left with nothing gets a NONE record, as
 * lwm2m_tree_read gives an empty instance, so that it still shows. Relies on
 * the sorted order encoders need anyway. The values are not copied: `kept`
 * only borrows them. Returns the count or -ENOMEM. */
static ssize_t drop_unencodable(const lwm2m_record *recs, size_t n, lwm2m_record **kept)
{
        *kept = calloc(n, sizeof(lwm2m_record));
        if (!*kept)
                return -ENOMEM;
        size_t k = 0;
        /* The instance of the last dropped resource while nothing of it was kept. */
        bool orphan = false;
        lwm2m_path orphan_path = {0};
        for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                bool ok = record_encodable(&recs[i]);
                while (j < n && same_resource(&recs[i].path, &recs[j].path)) {
                        ok = ok && record_encodable(&recs[j]);
                        j++;
                }
                if (orphan && !same_instance(&orphan_path, &recs[i].path)) {
                        (*kept)[k++] = (lwm2m_record){.path = orphan_path};
                        orphan = false;
                }
                if (ok) {
                        for (size_t m = i; m < j; m++)
                                (*kept)[k++] = recs[m];
                        orphan = false;
                } else if (recs[i].path.len >= LWM2M_PATH_RESOURCE &&
                           (k == 0 || !same_instance(&(*kept)[k - 1].path, &recs[i].path))) {
                        orphan = true;
                        orphan_path = lwm2m_path_truncate(&recs[i].path, LWM2M_PATH_INSTANCE);
                }
                i = j;
        }
        if (orphan)
                (*kept)[k++] = (lwm2m_record){.path = orphan_path};
        return (ssize_t)k;
}

int lwm2m_format_encode(uint16_t format, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                        lwm2m_buf *out)
{
        assert(base);
        assert(recs || n == 0);
        const codec *c = codec_find(format);
        if (!c)
                return -EPROTONOSUPPORT;
        size_t bad = 0;
        while (bad < n && record_encodable(&recs[bad]))
                bad++;
        if (bad == n)
                return c->encode(base, recs, n, out);

        /* The model refuses such values at every input, so this is a defence,
         * and its rule is that one bad value costs its own resource and nothing
         * more: a Read of an instance, an object, the root or a composite
         * leaves that resource out, so one faulty sensor never hides the other
         * resources and instances; a Read of the resource itself (or of one of
         * its instances) has nothing else to show and fails with -EDOM, which
         * is the client's fault (5.00), not the request's. */
        if (base->len >= LWM2M_PATH_RESOURCE)
                return -EDOM;
        _cleanup_free_ lwm2m_record *kept = NULL;
        ssize_t k = drop_unencodable(recs, n, &kept);
        if (k < 0)
                return (int)k;
        return c->encode(base, kept, (size_t)k, out);
}

int lwm2m_format_decode(uint16_t format, const lwm2m_path *base, const uint8_t *data, size_t len,
                        const lwm2m_resolver *resolver, lwm2m_record_list *out)
{
        const codec *c = codec_find(format);
        if (!c)
                return -EPROTONOSUPPORT;
        /* An empty payload may come as NULL; no decoder need care. */
        static const uint8_t nothing[1];
        return c->decode(base, len > 0 ? data : nothing, len, resolver, out);
}
