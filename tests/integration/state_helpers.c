/* state_helpers.c - what the persistence tests read of the daemon's state file: whether it
 * decodes, and a Server instance's Lifetime in it (through the store's own decoder). */
#include "state_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/oma.h"
#include "store/file.h"
#include "store/state.h"

void state_path(const daemon_fixture *f, char *out, size_t size)
{
        snprintf(out, size, "%s/state/%s", f->dir, STORE_FILE_NAME);
}

int state_read_lifetime(const daemon_fixture *f, uint16_t iid, int64_t *lifetime, char *why,
                        size_t why_size)
{
        char path[400];
        state_path(f, path, sizeof(path));
        uint8_t *data = NULL;
        size_t len = 0;
        int r = store_file_read(path, STORE_STATE_MAX_BYTES, &data, &len);
        if (r < 0) {
                snprintf(why, why_size, "%s: cannot read (%d)", path, r);
                return r;
        }
        store_state s = {0};
        r = store_state_decode(data, len, &s, why, why_size);
        free(data);
        if (r < 0)
                return r;
        *lifetime = -1;
        lwm2m_path want = lwm2m_path_resource(LWM2M_OBJ_SERVER, iid, LWM2M_SRV_LIFETIME);
        for (size_t i = 0; i < s.n_instances; i++)
                for (size_t k = 0; k < s.instances[i].values.n; k++) {
                        const lwm2m_record *rec = &s.instances[i].values.items[k];
                        if (lwm2m_path_equal(&rec->path, &want))
                                *lifetime = rec->value.i;
                }
        store_state_clear(&s);
        return 0;
}
