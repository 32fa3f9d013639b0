/* fuzz_location.c - libFuzzer target for the gpsd line reader of the Location object:
 * any byte stream, cut into reads, leaves /6/0 absent or holding an in-range position. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/ddf.h"
#include "model/oma.h"
#include "objects/location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double float_at(lwm2m_tree *tree, uint16_t rid)
{
        lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_LOCATION, 0, rid);
        const lwm2m_value *v = lwm2m_tree_get(tree, &p);
        assert(v && v->type == LWM2M_TYPE_FLOAT);
        return v->f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The definitions are read once: loading them per input would be all the fuzzer did. */
        static lwm2m_registry *reg;
        if (!reg) {
                reg = lwm2m_registry_new();
                const char *dirs[] = {FUZZ_OBJECTS_DIR};
                if (!reg || ddf_load_dirs(reg, dirs, 1, NULL, NULL, NULL) < 0)
                        abort();
        }
        lwm2m_tree *tree = lwm2m_tree_new(reg);
        location_object *loc = tree ? location_object_new(tree, NULL) : NULL;
        if (!loc)
                abort();
        /* The first byte cuts the rest into reads of 1..256 bytes, as a socket might. */
        size_t chunk = size > 0 ? (size_t)data[0] + 1 : 1;
        for (size_t off = size > 0 ? 1 : 0; off < size;) {
                size_t n = size - off < chunk ? size - off : chunk;
                if (location_object_feed(loc, (const char *)data + off, n, NULL) < 0)
                        location_object_reset_stream(loc);
                off += n;
        }
        if (lwm2m_tree_has_instance(tree, LWM2M_OBJ_LOCATION, 0)) {
                double lat = float_at(tree, LWM2M_LOC_LATITUDE);
                double lon = float_at(tree, LWM2M_LOC_LONGITUDE);
                if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
                        abort();
        }
        /* The parser alone, on the whole input as one line. */
        location_fix fix;
        if (location_parse_gpsd_line((const char *)data, size, &fix) == 1 &&
            !(fix.latitude >= -90 && fix.latitude <= 90))
                abort();
        location_object_free(loc);
        lwm2m_tree_free(tree);
        return 0;
}
