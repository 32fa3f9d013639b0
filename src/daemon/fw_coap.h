/* fw_coap.h - coap:// and coaps:// firmware Package URIs fetched by the engine (Block2,
 * with the management server's credentials for coaps), as a transport of fw_update. */
#pragma once

#include "daemon/fw_update.h"
#include "lwm2m/engine.h"

/* The transport for fw_update_config.coap (daemon.c's start_firmware passes
 * fw_coap_transport(d->engine)); `engine` is its context. */
fw_transport fw_coap_transport(lwm2m_engine *engine);
