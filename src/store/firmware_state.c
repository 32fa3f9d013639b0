/* firmware_state.c - what the Firmware Update object keeps across restarts (its state, result,
 * package, the pull to resume, the update outcome to report), as one small CBOR file. */
#include "store/firmware_state.h"

#include <cbor.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cbor_token.h"
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

/* A short definite text, copied with its NUL; no NUL inside. */
static bool copy_text(const cbor_token *t, char *out, size_t size)
{
        if (t->kind != CBOR_TOK_TEXT || t->len >= size || (t->len && memchr(t->data, 0, t->len)))
                return false;
        if (t->len)
                memcpy(out, t->data, t->len);
        out[t->len] = 0;
        return true;
}

int store_firmware_decode(const uint8_t *data, size_t len, store_firmware *out, char *why,
                          size_t why_size)
{
        memset(out, 0, sizeof(*out));
        if (len > STORE_FIRMWARE_MAX_BYTES)
                return bad(why, why_size, "%zu bytes, more than a firmware state holds", len);
        /* Walked a head at a time: nothing is allocated from a declared size. */
        const uint8_t *p = data;
        size_t left = len;
        cbor_token t;
        if (cbor_token_next(&p, &left, &t) < 0 || t.kind != CBOR_TOK_MAP)
                return bad(why, why_size, "not a definite CBOR map");
        static const char *const keys[] = {"version",     "state",          "result",
                                           "name",        "pkg-version",    "uri",
                                           "spool-bytes", "update-pending", "update-installed"};
        if (t.u > ELEMENTSOF(keys))
                return bad(why, why_size, "%llu entries, more than there are keys",
                           (unsigned long long)t.u);
        uint64_t n = t.u;
        unsigned seen = 0;
        uint64_t version = 0;
        store_firmware f = {0};
        for (uint64_t i = 0; i < n; i++) {
                char key[32];
                if (cbor_token_next(&p, &left, &t) < 0 || !copy_text(&t, key, sizeof(key)))
                        return bad(why, why_size, "entry %llu: the key is not a short text",
                                   (unsigned long long)i);
                size_t which = ELEMENTSOF(keys);
                for (size_t j = 0; j < ELEMENTSOF(keys); j++)
                        if (strcmp(key, keys[j]) == 0)
                                which = j;
                if (which == ELEMENTSOF(keys))
                        return bad(why, why_size, "unknown key '%s'", key);
                if (seen & (1u << which))
                        return bad(why, why_size, "key '%s' twice", key);
                seen |= 1u << which;
                bool ok = cbor_token_next(&p, &left, &t) >= 0;
                bool is_uint = ok && t.kind == CBOR_TOK_UINT;
                bool is_bool = ok && t.kind == CBOR_TOK_BOOL;
                switch (which) {
                case 0:
                        ok = is_uint && t.u <= UINT32_MAX;
                        version = t.u;
                        break;
                case 1:
                        ok = is_uint && t.u <= 3;
                        f.state = (uint8_t)t.u;
                        break;
                case 2:
                        ok = is_uint && t.u <= 10;
                        f.result = (uint8_t)t.u;
                        break;
                case 3:
                        ok = ok && copy_text(&t, f.pkg_name, sizeof(f.pkg_name));
                        break;
                case 4:
                        ok = ok && copy_text(&t, f.pkg_version, sizeof(f.pkg_version));
                        break;
                case 5:
                        ok = ok && copy_text(&t, f.uri, sizeof(f.uri));
                        break;
                case 6:
                        ok = is_uint && t.u <= INT64_MAX;
                        f.spool_bytes = t.u;
                        break;
                case 7:
                        ok = is_bool;
                        f.update_pending = is_bool && t.b;
                        break;
                default:
                        ok = is_bool;
                        f.update_installed = is_bool && t.b;
                        break;
                }
                if (!ok)
                        return bad(why, why_size,
                                   "'%s' has a value out of range or of the wrong type", key);
        }
        if (left != 0)
                return bad(why, why_size, "trailing bytes after byte %zu", len - left);
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
