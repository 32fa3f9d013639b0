/* fuzz_link.c - libFuzzer target for the CoRE link-format parser (content-format 40).
 * Whatever decodes must encode, and the encoding must decode to the same links. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/link.h"

static bool same_entry(const link_entry *a, const link_entry *b)
{
        if (!lwm2m_path_equal(&a->path, &b->path) || a->n_attrs != b->n_attrs)
                return false;
        for (size_t i = 0; i < a->n_attrs; i++) {
                const link_attr *x = &a->attrs[i], *y = &b->attrs[i];
                if (strcmp(x->name, y->name) != 0 || !x->value != !y->value)
                        return false;
                if (x->value && (strcmp(x->value, y->value) != 0 || x->quoted != y->quoted))
                        return false;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        link_list first = {0};
        int r = link_decode(data, size, &first);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || first.n != 0)
                        abort();
                link_list_free(&first);
                return 0;
        }
        if (first.n > LINK_ENTRIES_MAX)
                abort();
        for (size_t i = 0; i < first.n; i++) {
                /* Typed reads must cope with whatever the attributes hold. */
                for (size_t k = 0; k < first.items[i].n_attrs; k++) {
                        uint64_t u;
                        double d;
                        (void)link_entry_get_uint(&first.items[i], first.items[i].attrs[k].name,
                                                  &u);
                        (void)link_entry_get_double(&first.items[i], first.items[i].attrs[k].name,
                                                    &d);
                }
        }

        lwm2m_buf b = {0};
        if (link_encode(first.items, first.n, first.alt_path, &b) != 0)
                abort();
        link_list second = {0};
        if (link_decode(b.data, b.len, &second) != 0 || second.n != first.n ||
            strcmp(second.alt_path, first.alt_path) != 0)
                abort();
        for (size_t i = 0; i < first.n; i++)
                if (!same_entry(&first.items[i], &second.items[i]))
                        abort();

        link_list_free(&second);
        lwm2m_buf_free(&b);
        link_list_free(&first);
        return 0;
}
