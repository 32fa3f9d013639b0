/* dump_state.h - lwm2md --dump-state: a state file as readable text, secrets as their size only,
 * for tests and integrators; a bad file is an error with the decoder's reason. */
#pragma once

#include <stdio.h>

/* Prints the file at `path`; returns the exit status (0 good, 1 bad or unreadable). */
int dump_state_run(const char *path, FILE *out, FILE *err);
