/* state_helpers.h - what the persistence tests read of the daemon's state file: whether it
 * decodes, and a Server instance's Lifetime in it (through the store's own decoder). */
#pragma once

#include <stdint.h>

#include "daemon_fixture.h"

/* DIR/state/state.cbor of the fixture. */
void state_path(const daemon_fixture *f, char *out, size_t size);
/* Decodes the state file: 0 with *lifetime from /1/<iid>/1 (-1 when absent),
 * -ENOENT without a file, or the decoder's error (why says what). */
int state_read_lifetime(const daemon_fixture *f, uint16_t iid, int64_t *lifetime, char *why,
                        size_t why_size);
