/* provision.h - turns the configuration into Security (0) and Server (1) object
 * instances, reading keys and certificates from PEM files into the DER the objects hold. */
#pragma once

#include "daemon/config.h"
#include "model/tree.h"

/* Creates one Security instance per configured server (and a Server instance
 * for each management server). Problems are reported through `error` with the
 * file they concern; returns 0 or a negative errno. */
int provision_from_config(lwm2m_tree *tree, const config *c, config_error_fn error, void *userdata);
