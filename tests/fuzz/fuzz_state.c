/* fuzz_state.c - libFuzzer target for the state file decoder (store/state).
 * Anything decodes or is refused with a reason; what decodes applies all or nothing, and
 * what applies encodes into a file that decodes to the same bytes again. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/ddf.h"
#include "store/state.h"

static lwm2m_registry *registry(void)
{
        static lwm2m_registry *reg;
        if (!reg) {
                reg = lwm2m_registry_new();
                const char *dirs[] = {FUZZ_OBJECTS_DIR};
                if (!reg || ddf_load_dirs(reg, dirs, 1, NULL, NULL, NULL) < 0)
                        abort();
        }
        return reg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        store_state s = {0};
        char why[256] = "";
        int r = store_state_decode(data, size, &s, why, sizeof(why));
        if (r < 0) {
                if ((r != -EBADMSG && r != -EPROTONOSUPPORT && r != -ENOMEM) || !why[0] ||
                    !lwm2m_utf8_valid((const uint8_t *)why, strlen(why)) || s.n_instances ||
                    s.attrs)
                        abort();
                return 0;
        }
        lwm2m_tree *t = lwm2m_tree_new(registry());
        if (!t)
                abort();
        r = store_state_apply(&s, t, NULL, NULL, why, sizeof(why));
        if (r < 0) {
                for (uint16_t oid = 0; oid <= 2; oid++)
                        if (lwm2m_tree_instance_count(t, oid) != 0)
                                abort(); /* half applied */
        } else {
                lwm2m_buf once = {0}, twice = {0};
                store_state again = {0};
                if (store_state_encode(t, s.attrs, &once) < 0 ||
                    store_state_decode(once.data, once.len, &again, why, sizeof(why)) < 0)
                        abort();
                lwm2m_tree *t2 = lwm2m_tree_new(registry());
                if (!t2 || store_state_apply(&again, t2, NULL, NULL, why, sizeof(why)) < 0 ||
                    store_state_encode(t2, again.attrs, &twice) < 0 || once.len != twice.len ||
                    memcmp(once.data, twice.data, once.len) != 0)
                        abort();
                lwm2m_tree_free(t2);
                store_state_clear(&again);
                lwm2m_buf_free(&once);
                lwm2m_buf_free(&twice);
        }
        lwm2m_tree_free(t);
        store_state_clear(&s);
        return 0;
}
