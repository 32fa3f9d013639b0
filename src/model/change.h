/* change.h - what the instance tree tells its listeners (one change per
 * instance added, removed or written) and the two ways a write can go. */
#pragma once

#include <stddef.h>

#include "model/path.h"

typedef enum lwm2m_change_kind {
        LWM2M_CHANGE_INSTANCE_ADDED,
        LWM2M_CHANGE_INSTANCE_REMOVED,
        LWM2M_CHANGE_VALUES, /* one atomic write: every path it touched */
} lwm2m_change_kind;

typedef struct lwm2m_change {
        lwm2m_change_kind kind;
        lwm2m_path instance; /* /oid/iid */
        /* VALUES: the resources (len 3) whose value or instances changed, sorted,
         * each once; a value written equal to the stored one is not listed. */
        const lwm2m_path *paths;
        size_t n_paths;
        const void *origin; /* the writer's tag, so a listener can skip its own */
} lwm2m_change;

typedef void (*lwm2m_listener_fn)(void *userdata, const lwm2m_change *change);

typedef enum lwm2m_write_mode {
        /* Partial update (CoAP POST): given resources set, multiple resources
         * gain or update the given instances, nothing else changes. */
        LWM2M_WRITE_UPDATE,
        /* Replace (CoAP PUT) of everything under the base path: at instance
         * level, writable resources absent from the records are removed, and
         * every mandatory writable resource must be given (-EINVAL otherwise,
         * see lwm2m_replace_check_complete); at resource level, a multiple
         * resource's instances become exactly those given. */
        LWM2M_WRITE_REPLACE,
} lwm2m_write_mode;
