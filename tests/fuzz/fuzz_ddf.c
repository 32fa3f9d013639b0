/* fuzz_ddf.c - libFuzzer target for the DDF (OMA object XML) loader.
 * Any input either loads into a consistent registry or is rejected with one error. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/ddf.h"
#include "model/definition.h"

typedef struct diag_count {
        unsigned errors;
} diag_count;

static void count_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                       unsigned column, const char *message)
{
        diag_count *c = userdata;

        if (!file || !message || !*message ||
            !lwm2m_utf8_valid((const uint8_t *)message, strlen(message)))
                abort();
        if (level == LWM2M_DIAG_ERROR)
                c->errors++;
}

static void check_string(const char *s, bool may_be_null)
{
        if (!s) {
                if (!may_be_null)
                        abort();
                return;
        }
        if (!lwm2m_utf8_valid((const uint8_t *)s, strlen(s)))
                abort();
}

static void check_registry(const lwm2m_registry *reg)
{
        size_t resources = 0;

        for (size_t i = 0; i < lwm2m_registry_count(reg); i++) {
                const lwm2m_object_def *obj = lwm2m_registry_at(reg, i);
                if (i > 0 && lwm2m_registry_at(reg, i - 1)->id >= obj->id)
                        abort();
                if (obj->id == 65535 || lwm2m_registry_find(reg, obj->id) != obj)
                        abort();
                check_string(obj->name, false);
                check_string(obj->urn, true);
                if (!*obj->name || strnlen(obj->version, 8) > 7 ||
                    strnlen(obj->lwm2m_version, 8) > 7)
                        abort();
                for (size_t k = 0; k < obj->n_resources; k++) {
                        const lwm2m_resource_def *r = &obj->resources[k];
                        if (k > 0 && obj->resources[k - 1].id >= r->id)
                                abort();
                        if (lwm2m_object_def_find_resource(obj, r->id) != r)
                                abort();
                        if ((unsigned)r->type >= _LWM2M_TYPE_MAX || r->operations > 7)
                                abort();
                        check_string(r->name, false);
                        check_string(r->units, true);
                        check_string(r->range, true);
                        /* Exercise the constraint with a value of the right type. */
                        lwm2m_value v = {.type = r->type};
                        char why[256];
                        int e = lwm2m_resource_validate(obj, r, &v, why, sizeof(why));
                        if (e != 0 && e != -ERANGE && e != -EINVAL)
                                abort();
                }
                resources += obj->n_resources;
        }
        if (resources != lwm2m_registry_resource_count(reg))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_count c = {0};

        if (!reg)
                return 0;
        int r = ddf_load_buffer(reg, "fuzz.xml", data, size, count_diag, &c);
        if (r >= 0) {
                if (c.errors != 0 || lwm2m_registry_count(reg) > (size_t)r)
                        abort();
                check_registry(reg);
        } else if (r == -EBADMSG) {
                if (c.errors != 1 || lwm2m_registry_count(reg) != 0)
                        abort();
        } else if (r != -ENOMEM) {
                abort();
        }
        lwm2m_registry_free(reg);
        return 0;
}
