/* discover.h - the links a Discover answers with (LwM2M 1.1 Core TS 5.4.2):
 * object, instances and present resources, each with the attributes that apply. */
#pragma once

#include <stdint.h>

#include "model/attributes.h"
#include "model/path.h"
#include "model/tree.h"
#include "util/buf.h"

/* Appends the links for `p` (an object, instance or resource that exists) to
 * `out`, as server `ssid` sees them: `p` with the attributes in force there
 * (lwm2m_attributes_effective), the links under it with those set on them.
 * 0 or a negative errno. */
int discover_links(const lwm2m_tree *t, const lwm2m_attributes *attrs, uint16_t ssid,
                   const lwm2m_path *p, lwm2m_buf *out);
