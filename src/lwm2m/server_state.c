/* server_state.c - the names of the server states, as logs and the D-Bus
 * interface spell them. */
#include "lwm2m/server_state.h"

static const char *const state_names[_LWM2M_SERVER_STATE_MAX] = {
        [LWM2M_SERVER_IDLE] = "idle",
        [LWM2M_SERVER_REGISTERING] = "registering",
        [LWM2M_SERVER_REGISTERED] = "registered",
        [LWM2M_SERVER_BACKOFF] = "waiting-to-retry",
        [LWM2M_SERVER_DISABLED] = "disabled",
        [LWM2M_SERVER_DEREGISTERING] = "deregistering",
        [LWM2M_SERVER_DEREGISTERED] = "deregistered",
};

const char *lwm2m_server_state_to_string(lwm2m_server_state s)
{
        return (unsigned)s < _LWM2M_SERVER_STATE_MAX ? state_names[s] : "invalid";
}
