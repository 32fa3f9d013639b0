/* opaque.c - being written; placeholder so the tree builds meanwhile. */
#include "opaque.h"
#include <errno.h>
int opaque_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out) { return -EPROTONOSUPPORT; }
int opaque_decode(const lwm2m_path *base, const uint8_t *data, size_t len, const lwm2m_resolver *resolver, lwm2m_record_list *out) { return -EPROTONOSUPPORT; }
