/* server_state.h - where the client stands with one LwM2M server, as the engine
 * tracks it and the D-Bus interface shows it. */
#pragma once

typedef enum lwm2m_server_state {
        LWM2M_SERVER_IDLE,        /* not started */
        LWM2M_SERVER_REGISTERING, /* handshake and Register in flight */
        LWM2M_SERVER_REGISTERED,
        LWM2M_SERVER_BACKOFF,  /* waiting before the next try */
        LWM2M_SERVER_DISABLED, /* by the server (/1/x/4), until the disable timeout */
        LWM2M_SERVER_DEREGISTERING,
        LWM2M_SERVER_DEREGISTERED, /* after shutdown */
        _LWM2M_SERVER_STATE_MAX,
} lwm2m_server_state;

const char *lwm2m_server_state_to_string(lwm2m_server_state s);
