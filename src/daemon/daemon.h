/* daemon.h - the running daemon: builds the parts from the configuration and
 * drives them from one sd-event loop (engine I/O and timers, signals, watchdog, notify). */
#pragma once

#include "daemon/config.h"

/* Runs until SIGTERM or SIGINT (then de-registers and returns 0), or fails to
 * start (a negative errno, after logging why). */
int daemon_run(config *c);
