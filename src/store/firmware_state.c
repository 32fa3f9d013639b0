/* firmware_state.c - what the Firmware Update object keeps across restarts (its state, result,
 * package, the pull to resume, the update outcome to report), as one small CBOR file. */
#include "store/firmware_state.h"

#include <cbor.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

static void item_decrefp(cbor_item_t **item)
{
        if (*item)
                cbor_decref(item);
}

static bool put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
        cbor_item_t *k = cbor_build_string(key);
        bool ok = k && value && cbor_map_add(map, (struct cbor_pair){k, value});
        if (k)
                cbor_decref(&k);
        if (value)
                cbor_decref(&value);
        return ok;
}

int store_firmware_encode(const store_firmware *f, lwm2m_buf *out)
{
        _cleanup_(item_decrefp) cbor_item_t *map = cbor_new_definite_map(9);
        if (!map)
                return -ENOMEM;
        if (!put(map, "version", cbor_build_uint8(STORE_FIRMWARE_VERSION)) ||
            !put(map, "state", cbor_build_uint8(f->state)) ||
            !put(map, "result", cbor_build_uint8(f->result)) ||
            !put(map, "name", cbor_build_string(f->pkg_name)) ||
            !put(map, "pkg-version", cbor_build_string(f->pkg_version)) ||
            !put(map, "uri", cbor_build_string(f->uri)) ||
            !put(map, "spool-bytes", cbor_build_uint64(f->spool_bytes)) ||
            !put(map, "update-pending", cbor_build_bool(f->update_pending)) ||
            !put(map, "update-installed", cbor_build_bool(f->update_installed)))
                return -ENOMEM;
        unsigned char *data = NULL;
        size_t cap = 0;
        size_t len = cbor_serialize_alloc(map, &data, &cap);
        if (len == 0) {
                free(data);
                return -ENOMEM;
        }
        lwm2m_buf_reset(out);
        int r = lwm2m_buf_append(out, data, len);
        free(data);
        return r;
}

_printf_(3, 4) static int bad(char *why, size_t why_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (why && why_size)
                vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

static bool get_uint(const cbor_item_t *v, uint64_t max, uint64_t *out)
{
        if (!cbor_isa_uint(v))
                return false;
        uint64_t u = cbor_get_int(v);
        if (u > max)
                return false;
        *out = u;
        return true;
}

static bool get_text(const cbor_item_t *v, char *out, size_t size)
{
        if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
                return false;
        size_t n = cbor_string_length(v);
        if (n >= size)
                return false;
        const unsigned char *s = cbor_string_handle(v);
        if (n && memchr(s, 0, n))
                return false;
        if (n)
                memcpy(out, s, n);
        out[n] = 0;
        return true;
}

int store_firmware_decode(const uint8_t *data, size_t len, store_firmware *out, char *why,
                          size_t why_size)
{
        memset(out, 0, sizeof(*out));
        if (len > STORE_FIRMWARE_MAX_BYTES)
                return bad(why, why_size, "%zu bytes, more than a firmware state holds", len);
        struct cbor_load_result res;
        _cleanup_(item_decrefp) cbor_item_t *map = cbor_load(data, len, &res);
        if (!map) {
                if (res.error.code == CBOR_ERR_MEMERROR)
                        return -ENOMEM;
                return bad(why, why_size, "not CBOR (at byte %zu)", res.error.position);
        }
        if (res.read != len)
                return bad(why, why_size, "trailing bytes after byte %zu", res.read);
        if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
                return bad(why, why_size, "not a map");
        struct cbor_pair *pairs = cbor_map_handle(map);
        size_t n = cbor_map_size(map);
        unsigned seen = 0;
        uint64_t version = 0;
        store_firmware f = {0};
        static const char *const keys[] = {"version",     "state",          "result",
                                           "name",        "pkg-version",    "uri",
                                           "spool-bytes", "update-pending", "update-installed"};
        for (size_t i = 0; i < n; i++) {
                const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
                char key[32];
                if (!get_text(k, key, sizeof(key)))
                        return bad(why, why_size, "entry %zu: the key is not a short text", i);
                size_t which = ELEMENTSOF(keys);
                for (size_t j = 0; j < ELEMENTSOF(keys); j++)
                        if (strcmp(key, keys[j]) == 0)
                                which = j;
                if (which == ELEMENTSOF(keys))
                        return bad(why, why_size, "unknown key '%s'", key);
                if (seen & (1u << which))
                        return bad(why, why_size, "key '%s' twice", key);
                seen |= 1u << which;
                uint64_t u = 0;
                bool ok;
                switch (which) {
                case 0:
                        ok = get_uint(v, UINT32_MAX, &version);
                        break;
                case 1:
                        ok = get_uint(v, 3, &u);
                        f.state = (uint8_t)u;
                        break;
                case 2:
                        ok = get_uint(v, 10, &u);
                        f.result = (uint8_t)u;
                        break;
                case 3:
                        ok = get_text(v, f.pkg_name, sizeof(f.pkg_name));
                        break;
                case 4:
                        ok = get_text(v, f.pkg_version, sizeof(f.pkg_version));
                        break;
                case 5:
                        ok = get_text(v, f.uri, sizeof(f.uri));
                        break;
                case 6:
                        ok = get_uint(v, INT64_MAX, &f.spool_bytes);
                        break;
                case 7:
                        ok = cbor_is_bool(v);
                        f.update_pending = ok && cbor_get_bool(v);
                        break;
                default:
                        ok = cbor_is_bool(v);
                        f.update_installed = ok && cbor_get_bool(v);
                        break;
                }
                if (!ok)
                        return bad(why, why_size,
                                   "'%s' has a value out of range or of the wrong "
                                   "type",
                                   key);
        }
        if (!(seen & 1u))
                return bad(why, why_size, "no version");
        if (version > STORE_FIRMWARE_VERSION) {
                if (why && why_size)
                        snprintf(why, why_size, "format version %llu is newer than this daemon's",
                                 (unsigned long long)version);
                return -EPROTONOSUPPORT;
        }
        if (version == 0)
                return bad(why, why_size, "version 0");
        if ((seen & 0x6u) != 0x6u)
                return bad(why, why_size, "no state or result");
        *out = f;
        return 0;
}
