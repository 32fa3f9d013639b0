/* provision.h - turns the configuration into Security (0), Server (1) and Access
 * Control (2) instances, reading keys and certificates from PEM files into DER. */
#pragma once

#include "daemon/config.h"
#include "model/tree.h"

/* Creates one Security instance per configured server (and a Server instance
 * for each management server), and the Access Control instances: those of the
 * [access-control] sections and, with more than one server, one per Server
 * instance that makes its server the owner. Problems are reported through
 * `error` with the file they concern; returns 0 or a negative errno. */
int provision_from_config(lwm2m_tree *tree, const config *c, config_error_fn error, void *userdata);
