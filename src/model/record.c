/* record.c - a list of (path, value) pairs: what decoders produce and encoders
 * consume, and what a multi-resource write hands to the instance tree. */
#include "model/record.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lwm2m_record_list_clear(lwm2m_record_list *l)
{
        assert(l);
        for (size_t i = 0; i < l->n; i++)
                lwm2m_value_clear(&l->items[i].value);
        l->n = 0;
}

void lwm2m_record_list_free(lwm2m_record_list *l)
{
        assert(l);
        lwm2m_record_list_clear(l);
        free(l->items);
        *l = (lwm2m_record_list){0};
}

lwm2m_record *lwm2m_record_list_add(lwm2m_record_list *l, const lwm2m_path *path)
{
        assert(l && path);
        assert(l->n <= l->cap);
        if (l->n >= LWM2M_RECORDS_MAX) {
                errno = E2BIG;
                return NULL;
        }
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 8;
                lwm2m_record *items = reallocarray(l->items, cap, sizeof(*items));
                if (!items) {
                        errno = ENOMEM;
                        return NULL;
                }
                l->items = items;
                l->cap = cap;
        }
        lwm2m_record *r = &l->items[l->n++];
        *r = (lwm2m_record){.path = *path};
        return r;
}

int lwm2m_record_list_add_value(lwm2m_record_list *l, const lwm2m_path *path, const lwm2m_value *v)
{
        lwm2m_value copy = {0};
        int r = lwm2m_value_copy(&copy, v);
        if (r < 0)
                return r;
        lwm2m_record *rec = lwm2m_record_list_add(l, path);
        if (!rec) {
                r = -errno;
                lwm2m_value_clear(&copy);
                return r;
        }
        rec->value = copy;
        return 0;
}

static bool record_before(const lwm2m_record *a, const lwm2m_record *b)
{
        return lwm2m_path_compare(&a->path, &b->path) < 0;
}

/* Insertion sort: linear on the already-sorted lists encoders usually get. */
static void sort_by_insertion(lwm2m_record *items, size_t n)
{
        for (size_t i = 1; i < n; i++) {
                if (!record_before(&items[i], &items[i - 1]))
                        continue;
                lwm2m_record r = items[i];
                size_t j = i;
                while (j > 0 && record_before(&r, &items[j - 1])) {
                        items[j] = items[j - 1];
                        j--;
                }
                items[j] = r;
        }
}

static bool is_sorted(const lwm2m_record *items, size_t n)
{
        for (size_t i = 1; i < n; i++)
                if (record_before(&items[i], &items[i - 1]))
                        return false;
        return true;
}

/* Stable: records of one path (timestamped Send values) keep their order. */
void lwm2m_record_list_sort(lwm2m_record_list *l)
{
        assert(l);
        size_t n = l->n;
        if (n < 2 || is_sorted(l->items, n))
                return;
        lwm2m_record *tmp = n > 32 ? malloc(n * sizeof(*tmp)) : NULL;
        if (!tmp) {
                sort_by_insertion(l->items, n);
                return;
        }
        /* Bottom-up merge sort, ping-ponging between the list and tmp. */
        lwm2m_record *src = l->items, *dst = tmp;
        for (size_t width = 1; width < n; width *= 2) {
                for (size_t lo = 0; lo < n; lo += 2 * width) {
                        size_t mid = lo + width < n ? lo + width : n;
                        size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
                        size_t i = lo, j = mid, k = lo;
                        while (i < mid && j < hi)
                                dst[k++] = record_before(&src[j], &src[i]) ? src[j++] : src[i++];
                        while (i < mid)
                                dst[k++] = src[i++];
                        while (j < hi)
                                dst[k++] = src[j++];
                }
                lwm2m_record *t = src;
                src = dst;
                dst = t;
        }
        if (src != l->items)
                memcpy(l->items, src, n * sizeof(*src));
        free(tmp);
}
