/* dump_state.c - lwm2md --dump-state: a state file as readable text, secrets as their size only,
 * for tests and integrators; a bad file is an error with the decoder's reason. */
#include "daemon/dump_state.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "formats/text.h"
#include "model/policy.h"
#include "store/file.h"
#include "store/state.h"
#include "util/macro.h"

/* Quoted, with control characters escaped: a state file is not trusted to be kind
 * to a terminal. */
static void print_string(const uint8_t *s, size_t len, FILE *out)
{
        fputc('"', out);
        for (size_t i = 0; i < len; i++) {
                if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' || s[i] == '\\')
                        fprintf(out, "\\x%02x", s[i]);
                else
                        fputc(s[i], out);
        }
        fputs("\"\n", out);
}

static void print_value(const lwm2m_record *rec, FILE *out)
{
        const lwm2m_value *v = &rec->value;
        fprintf(out, "%s ", lwm2m_type_to_string(v->type));
        /* Keys and credentials are shown by size only; so is any opaque value. */
        if (v->type == LWM2M_TYPE_OPAQUE ||
            lwm2m_policy_is_secret(rec->path.id[0], rec->path.id[2])) {
                fprintf(out, "<%zu bytes>\n", v->buf.len);
                return;
        }
        if (v->type == LWM2M_TYPE_STRING || v->type == LWM2M_TYPE_CORELNK) {
                print_string(v->buf.data, v->buf.len, out);
                return;
        }
        _cleanup_(lwm2m_buf_free) lwm2m_buf text = {0};
        if (text_encode(&rec->path, rec, 1, &text) < 0)
                fprintf(out, "?\n");
        else
                fprintf(out, "%.*s\n", (int)text.len, (const char *)text.data);
}

static int print_attributes(void *userdata, uint16_t ssid, const lwm2m_path *path,
                            const lwm2m_attr_set *set)
{
        FILE *out = userdata;
        char ps[LWM2M_PATH_STRLEN];
        lwm2m_path_format(path, ps, sizeof(ps));
        fprintf(out, "server %u %s:", ssid, ps);
        for (unsigned bit = 1; bit & LWM2M_ATTR_ALL; bit <<= 1)
                if (set->present & bit)
                        fprintf(out, " %s=%.17g", lwm2m_attr_name(bit), lwm2m_attr_value(set, bit));
        fprintf(out, "\n");
        return 0;
}

int dump_state_run(const char *path, FILE *out, FILE *err)
{
        _cleanup_free_ uint8_t *data = NULL;
        size_t len = 0;
        int r = store_file_read(path, STORE_STATE_MAX_BYTES, &data, &len);
        if (r < 0) {
                fprintf(err, "lwm2md: %s: %s\n", path,
                        r == -EFBIG    ? "too large for a state file"
                        : r == -EINVAL ? "not a regular file"
                                       : strerror(-r));
                return 1;
        }
        store_state s = {0};
        char why[256] = "";
        r = store_state_decode(data, len, &s, why, sizeof(why));
        if (r < 0) {
                fprintf(err, "lwm2md: %s: %s\n", path, why);
                return 1;
        }
        fprintf(out, "# %s: lwm2md state, format version %" PRIu32 "\n", path, s.version);
        for (size_t i = 0; i < s.n_instances; i++) {
                const store_instance *inst = &s.instances[i];
                fprintf(out, "/%u/%u\n", inst->oid, inst->iid);
                for (size_t k = 0; k < inst->values.n; k++) {
                        const lwm2m_record *rec = &inst->values.items[k];
                        char ps[LWM2M_PATH_STRLEN];
                        lwm2m_path_format(&rec->path, ps, sizeof(ps));
                        fprintf(out, "  %s ", ps);
                        if (rec->value.type == LWM2M_TYPE_NONE)
                                fprintf(out, "(no instances)\n");
                        else
                                print_value(rec, out);
                }
        }
        fprintf(out, "# attributes: %zu\n", lwm2m_attributes_count(s.attrs));
        lwm2m_attributes_foreach(s.attrs, print_attributes, out);
        store_state_clear(&s);
        return 0;
}
