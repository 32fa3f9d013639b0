/* fuzz_firmware_state.c - libFuzzer target for the firmware state file decoder
 * (store/firmware_state): anything decodes or is refused with a reason, and what decodes
 * encodes into a file that decodes to the same record again. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/firmware_state.h"
#include "util/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        store_firmware f;
        char why[256] = "";
        int r = store_firmware_decode(data, size, &f, why, sizeof(why));
        if (r < 0) {
                if (r == -ENOMEM)
                        return 0;
                if ((r != -EBADMSG && r != -EPROTONOSUPPORT) || !why[0])
                        abort();
                return 0;
        }
        if (f.state > 3 || f.result > 10 || strlen(f.uri) > STORE_FIRMWARE_TEXT_MAX)
                abort();
        _cleanup_(lwm2m_buf_free) lwm2m_buf buf = {0};
        if (store_firmware_encode(&f, &buf) < 0)
                return 0;
        store_firmware again;
        if (store_firmware_decode(buf.data, buf.len, &again, why, sizeof(why)) < 0)
                abort();
        if (again.state != f.state || again.result != f.result || strcmp(again.uri, f.uri) != 0 ||
            strcmp(again.pkg_name, f.pkg_name) != 0 ||
            strcmp(again.pkg_version, f.pkg_version) != 0 || again.spool_bytes != f.spool_bytes ||
            again.update_pending != f.update_pending ||
            again.update_installed != f.update_installed)
                abort();
        return 0;
}
