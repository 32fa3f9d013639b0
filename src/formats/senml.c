/* senml.c - what SenML JSON and SenML CBOR share (RFC 8428 as LwM2M 1.1 uses it): the fields
 * of a record, base name/time resolution into paths, value typing, and the naming of output. */
#include "formats/senml.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

static const struct {
        const char *name;
        int cbor_label;
} fields[_SENML_FIELD_MAX] = {
        [SENML_BN] = {"bn", -2},  [SENML_BT] = {"bt", -3}, [SENML_BU] = {"bu", -4},
        [SENML_BV] = {"bv", -5},  [SENML_BS] = {"bs", -6}, [SENML_BVER] = {"bver", -1},
        [SENML_N] = {"n", 0},     [SENML_U] = {"u", 1},    [SENML_V] = {"v", 2},
        [SENML_VS] = {"vs", 3},   [SENML_VB] = {"vb", 4},  [SENML_VD] = {"vd", 8},
        [SENML_VLO] = {"vlo", 0}, [SENML_S] = {"s", 5},    [SENML_T] = {"t", 6},
        [SENML_UT] = {"ut", 7},
};

/* RFC 8428 section 4.4: names ending in '_' are extensions a reader must understand. */
static senml_field unknown_label(const char *name, size_t len)
{
        return len > 0 && name[len - 1] == '_' ? SENML_MUST_UNDERSTAND : SENML_UNKNOWN;
}

senml_field senml_field_from_name(const char *name, size_t len)
{
        for (unsigned f = 0; f < _SENML_FIELD_MAX; f++)
                if (strlen(fields[f].name) == len && memcmp(fields[f].name, name, len) == 0)
                        return (senml_field)f;
        return unknown_label(name, len);
}

senml_field senml_field_from_cbor_label(int64_t label)
{
        for (unsigned f = 0; f < _SENML_FIELD_MAX; f++)
                if (f != SENML_VLO && fields[f].cbor_label == label)
                        return (senml_field)f;
        return SENML_UNKNOWN;
}

senml_field senml_field_from_cbor_text(const char *name, size_t len)
{
        /* TS Core 1.1 section 7.4.5 gives vlo no integer label; the others have one, so
         * their text spellings are unknown labels in CBOR (RFC 8428 section 6). */
        if (len == 3 && memcmp(name, "vlo", 3) == 0)
                return SENML_VLO;
        return unknown_label(name, len);
}

/* Marks `f` seen; unknown fields may repeat (nothing of them is kept). */
static int claim(senml_record *r, senml_field f)
{
        if (f == SENML_MUST_UNDERSTAND)
                return -EBADMSG;
        if (f == SENML_UNKNOWN)
                return 0;
        if (r->present & (1u << f))
                return -EBADMSG;
        r->present |= 1u << f;
        return 0;
}

static int claim_value(senml_record *r, senml_value_kind kind)
{
        if (r->kind != SENML_VALUE_NONE)
                return -EBADMSG; /* a record carries one value */
        r->kind = kind;
        return 0;
}

int senml_record_set_text(senml_record *r, senml_field f, const char *s, size_t len)
{
        assert(r);
        int k = claim(r, f);
        if (k < 0)
                return k;
        switch (f) {
        case SENML_BN:
                r->bn = s;
                r->bn_len = len;
                return 0;
        case SENML_N:
                r->n = s;
                r->n_len = len;
                return 0;
        case SENML_VS:
        case SENML_VLO:
                k = claim_value(r, f == SENML_VS ? SENML_VALUE_STRING : SENML_VALUE_OBJLNK);
                if (k < 0)
                        return k;
                r->bytes = (const uint8_t *)s;
                r->len = len;
                return 0;
        case SENML_BU:
        case SENML_U:
        case SENML_UNKNOWN:
                return 0; /* units say nothing LwM2M's types do not already say */
        default:
                return -EBADMSG;
        }
}

static bool number_is_zero(const senml_number *num)
{
        return (num->kind == SENML_NUMBER_INT && num->i == 0) ||
               (num->kind == SENML_NUMBER_FLOAT && num->f == 0);
}

static int number_to_value(const senml_number *num, lwm2m_value *v)
{
        switch (num->kind) {
        case SENML_NUMBER_INT:
                *v = lwm2m_value_integer(num->i);
                return 0;
        case SENML_NUMBER_UINT:
                *v = lwm2m_value_unsigned(num->u);
                return 0;
        default:
                /* SenML CBOR can spell NaN and infinities (and json-c reads
                 * them too); a Float holds neither (value.h). */
                if (!isfinite(num->f))
                        return -EBADMSG;
                *v = lwm2m_value_float(num->f);
                return 0;
        }
}

/* A time as the seconds it counts, from any of the three number kinds. */
static int number_to_time(const senml_number *num, double *out)
{
        lwm2m_value v;
        int r = number_to_value(num, &v);
        if (r < 0)
                return r;
        *out = v.type == LWM2M_TYPE_INTEGER    ? (double)v.i
               : v.type == LWM2M_TYPE_UNSIGNED ? (double)v.u
                                               : v.f;
        return 0;
}

int senml_record_set_number(senml_record *r, senml_field f, const senml_number *num)
{
        assert(r);
        int k = claim(r, f);
        if (k < 0)
                return k;
        switch (f) {
        case SENML_V:
                k = claim_value(r, SENML_VALUE_NUMBER);
                if (k < 0)
                        return k;
                r->number = *num;
                return 0;
        case SENML_BT:
                return number_to_time(num, &r->bt);
        case SENML_T:
                return number_to_time(num, &r->t);
        case SENML_BVER:
                /* Version 10 is RFC 8428's; a later one may change what we would read. */
                if (num->kind != SENML_NUMBER_INT || num->i < 1 || num->i > 10)
                        return -EBADMSG;
                return 0;
        case SENML_BV:
        case SENML_BS:
                /* Adding a base value or sum would silently change typed values; LwM2M
                 * never sends one, so refuse rather than misread. */
                return number_is_zero(num) ? 0 : -EBADMSG;
        case SENML_S:
                return -EBADMSG; /* a sum is not a resource value */
        case SENML_UT:
        case SENML_UNKNOWN:
                return 0;
        default:
                return -EBADMSG;
        }
}

/* For the fields that carry one kind of value only (vb, vd): 1 when the value is to be
 * stored, 0 when the field is one to ignore, or -EBADMSG. */
static int claim_typed_field(senml_record *r, senml_field f, senml_field only,
                             senml_value_kind kind)
{
        int k = claim(r, f);
        if (k < 0)
                return k;
        if (f == SENML_UNKNOWN)
                return 0;
        if (f != only)
                return -EBADMSG;
        k = claim_value(r, kind);
        return k < 0 ? k : 1;
}

int senml_record_set_bool(senml_record *r, senml_field f, bool b)
{
        assert(r);
        int k = claim_typed_field(r, f, SENML_VB, SENML_VALUE_BOOLEAN);
        if (k <= 0)
                return k;
        r->boolean = b;
        return 0;
}

int senml_record_set_data(senml_record *r, senml_field f, const uint8_t *data, size_t len)
{
        assert(r);
        int k = claim_typed_field(r, f, SENML_VD, SENML_VALUE_DATA);
        if (k <= 0)
                return k;
        r->bytes = data;
        r->len = len;
        return 0;
}

int senml_record_set_other(senml_record *r, senml_field f)
{
        return f == SENML_UNKNOWN ? 0 : -EBADMSG;
}

void senml_decoder_init(senml_decoder *d, const lwm2m_path *base, const lwm2m_resolver *resolver,
                        lwm2m_record_list *out)
{
        assert(d && out);
        *d = (senml_decoder){
                .base = base ? *base : (lwm2m_path){.len = 0},
                .resolver = resolver && resolver->resource ? resolver : NULL,
                .out = out,
                .first = out->n,
        };
}

/* "oid:iid", each 0..65535 in plain decimal (65535:65535 is the null link). */
static int objlnk_parse(const uint8_t *s, size_t len, lwm2m_objlnk *out)
{
        uint32_t id[2] = {0, 0};
        size_t i = 0;
        for (unsigned k = 0; k < 2; k++) {
                size_t digits = 0;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        id[k] = id[k] * 10 + (uint32_t)(s[i] - '0');
                        if (id[k] > UINT16_MAX)
                                return -EBADMSG;
                        i++;
                        digits++;
                }
                if (digits == 0)
                        return -EBADMSG;
                if (k == 0) {
                        if (i >= len || s[i] != ':')
                                return -EBADMSG;
                        i++;
                }
        }
        if (i != len)
                return -EBADMSG;
        out->oid = (uint16_t)id[0];
        out->iid = (uint16_t)id[1];
        return 0;
}

static int bytes_to_value(lwm2m_type type, const uint8_t *data, size_t len, lwm2m_value *v)
{
        int k = lwm2m_value_set_bytes(v, type, data, len);
        return k == -EILSEQ ? -EBADMSG : k;
}

/* The value as its encoding implies, or converted exactly to `want` (NONE: no resolver). */
static int record_value(const senml_record *r, lwm2m_type want, lwm2m_value *v)
{
        lwm2m_objlnk lnk;
        int k;

        switch (r->kind) {
        case SENML_VALUE_NUMBER:
                k = number_to_value(&r->number, v);
                if (k < 0)
                        return k;
                if (want == LWM2M_TYPE_NONE)
                        return 0;
                if (want != LWM2M_TYPE_INTEGER && want != LWM2M_TYPE_UNSIGNED &&
                    want != LWM2M_TYPE_FLOAT && want != LWM2M_TYPE_TIME)
                        return -EBADMSG;
                return lwm2m_value_convert(v, want) < 0 ? -EBADMSG : 0;
        case SENML_VALUE_STRING:
                if (want == LWM2M_TYPE_NONE)
                        want = LWM2M_TYPE_STRING;
                if (want != LWM2M_TYPE_STRING && want != LWM2M_TYPE_CORELNK)
                        return -EBADMSG;
                return bytes_to_value(want, r->bytes, r->len, v);
        case SENML_VALUE_BOOLEAN:
                if (want != LWM2M_TYPE_NONE && want != LWM2M_TYPE_BOOLEAN)
                        return -EBADMSG;
                *v = lwm2m_value_boolean(r->boolean);
                return 0;
        case SENML_VALUE_DATA:
                if (want != LWM2M_TYPE_NONE && want != LWM2M_TYPE_OPAQUE)
                        return -EBADMSG;
                return bytes_to_value(LWM2M_TYPE_OPAQUE, r->bytes, r->len, v);
        case SENML_VALUE_OBJLNK:
                if (want != LWM2M_TYPE_NONE && want != LWM2M_TYPE_OBJLNK)
                        return -EBADMSG;
                k = objlnk_parse(r->bytes, r->len, &lnk);
                if (k < 0)
                        return k;
                *v = lwm2m_value_objlnk(lnk.oid, lnk.iid);
                return 0;
        default:
                return -EBADMSG;
        }
}

int senml_decoder_add(senml_decoder *d, const senml_record *r)
{
        assert(d && r);
        char name[SENML_NAME_MAX];
        lwm2m_path path;
        int k;

        if (r->present & (1u << SENML_BN)) {
                if (r->bn_len > sizeof(d->bn))
                        return -EBADMSG; /* no name built on it could be a path */
                memcpy(d->bn, r->bn, r->bn_len);
                d->bn_len = r->bn_len;
        }
        if (r->present & (1u << SENML_BT))
                d->bt = r->bt;

        size_t n_len = (r->present & (1u << SENML_N)) ? r->n_len : 0;
        if (d->bn_len + n_len > sizeof(name))
                return -EBADMSG;
        memcpy(name, d->bn, d->bn_len);
        if (n_len)
                memcpy(name + d->bn_len, r->n, n_len);
        if (lwm2m_path_parse_n(name, d->bn_len + n_len, &path) < 0)
                return -EBADMSG;
        if (!lwm2m_path_starts_with(&path, &d->base))
                return -EBADMSG;

        double time = d->bt + ((r->present & (1u << SENML_T)) ? r->t : 0);
        if (!isfinite(time))
                return -EBADMSG;

        lwm2m_value v = {0};
        if (r->kind != SENML_VALUE_NONE) {
                lwm2m_type want = LWM2M_TYPE_NONE;
                if (path.len < LWM2M_PATH_RESOURCE)
                        return -EBADMSG; /* only resources and their instances hold values */
                if (d->resolver) {
                        bool multiple = false;
                        k = d->resolver->resource(d->resolver->userdata, &path, &want, &multiple);
                        if (k < 0)
                                return k;
                        if (multiple != (path.len == LWM2M_PATH_RESOURCE_INSTANCE))
                                return -EBADMSG;
                        if (want == LWM2M_TYPE_NONE)
                                return -EBADMSG; /* executable: nothing to write */
                }
                k = record_value(r, want, &v);
                if (k < 0) {
                        lwm2m_value_clear(&v);
                        return k;
                }
        }

        lwm2m_record *rec = lwm2m_record_list_add(d->out, &path);
        if (!rec) {
                k = -errno;
                lwm2m_value_clear(&v);
                return k;
        }
        rec->value = v;
        rec->time = time;
        rec->has_time = time != 0;
        return 0;
}

int senml_decoder_finish(senml_decoder *d, int r)
{
        assert(d);
        if (r >= 0)
                return r;
        for (size_t i = d->first; i < d->out->n; i++)
                lwm2m_value_clear(&d->out->items[i].value);
        d->out->n = d->first;
        return r;
}

void senml_encoder_init(senml_encoder *e, const lwm2m_path *base)
{
        assert(e);
        *e = (senml_encoder){.base = base ? *base : (lwm2m_path){.len = 0}};
}

static bool type_is_known(lwm2m_type t)
{
        return (unsigned)t < _LWM2M_TYPE_MAX;
}

int senml_encoder_next(senml_encoder *e, const lwm2m_record *r, senml_out *out)
{
        assert(r && out);
        const lwm2m_path *p = &r->path;

        if (p->len > LWM2M_PATH_RESOURCE_INSTANCE || !lwm2m_path_starts_with(p, &e->base))
                return -EINVAL;
        if (!type_is_known(r->value.type))
                return -EINVAL;
        if (r->value.type != LWM2M_TYPE_NONE && p->len < LWM2M_PATH_RESOURCE)
                return -EINVAL;
        if (r->has_time && !isfinite(r->time))
                return -EINVAL;

        /* Field by field: zeroing the name buffer too would cost more than writing it. */
        out->value = r->value.type != LWM2M_TYPE_NONE ? &r->value : NULL;
        out->bn = NULL;
        out->bn_len = 0;
        out->has_bt = false;
        out->bt = 0;
        out->has_n = false;
        out->n_len = 0;

        /* The base name is the record's instance, or the request base when that is deeper:
         * "/3/0/" then "0", "6/0"; a record at the base itself is named by bn alone. */
        uint8_t depth = p->len > 0 ? p->len - 1 : 0;
        if (depth > LWM2M_PATH_INSTANCE)
                depth = LWM2M_PATH_INSTANCE;
        if (depth < e->base.len)
                depth = e->base.len;
        bool slash = depth > 0 && depth < p->len;
        bool same = e->has_bn && e->bn_path.len == depth && e->bn_slash == slash;
        for (unsigned k = 0; same && k < depth; k++)
                same = e->bn_path.id[k] == p->id[k];
        if (!same) {
                e->bn[0] = '/';
                e->bn_len = 1 + lwm2m_codec_ids_text(p, 0, depth, e->bn + 1);
                if (slash)
                        e->bn[e->bn_len++] = '/';
                e->bn_path = *p;
                e->bn_path.len = depth;
                e->bn_slash = slash;
                e->has_bn = true;
                out->bn = e->bn;
                out->bn_len = e->bn_len;
        }
        if (depth < p->len) {
                out->n_len = lwm2m_codec_ids_text(p, depth, p->len, out->n);
                out->has_n = true;
        }

        /* Time 0 is SenML's "now", the same as no time; bt carries every time exactly. */
        double t = r->has_time ? r->time : 0;
        if (t != e->bt) {
                e->bt = t;
                out->has_bt = true;
                out->bt = t;
        }
        return 0;
}

bool senml_double_to_int64(double d, int64_t *i)
{
        assert(i);
        /* -2^63 and 2^63 are exact doubles; (int64_t)d is defined strictly between. */
        if (!isfinite(d) || d != trunc(d) || d < -9223372036854775808.0 ||
            d >= 9223372036854775808.0)
                return false;
        *i = (int64_t)d;
        return true;
}

int senml_objlnk_format(const lwm2m_objlnk *l, char *buf, size_t size)
{
        assert(l && size >= 12);
        size_t n = lwm2m_codec_decimal(l->oid, buf);
        buf[n++] = ':';
        n += lwm2m_codec_decimal(l->iid, buf + n);
        buf[n] = '\0';
        return (int)n;
}
