/* lwm2m_json.c - being written; placeholder so the tree builds meanwhile. */
#include "lwm2m_json.h"
#include <errno.h>
int lwm2m_json_encode(const lwm2m_path *base, const lwm2m_record *recs, size_t n, lwm2m_buf *out) { return -EPROTONOSUPPORT; }
int lwm2m_json_decode(const lwm2m_path *base, const uint8_t *data, size_t len, const lwm2m_resolver *resolver, lwm2m_record_list *out) { return -EPROTONOSUPPORT; }
