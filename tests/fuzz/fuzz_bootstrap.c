/* fuzz_bootstrap.c - libFuzzer target for the bootstrap interface: up to 16 requests of
 * the bootstrap server (Write, Read, Discover, Delete, Finish) against the shipped objects. */
#include <stdint.h>
#include <stdlib.h>
#include <syslog.h>

#include "fuzz_engine.h"
#include "lwm2m/block.h"
#include "lwm2m/bootstrap.h"
#include "lwm2m/context.h"
#include "lwm2m/engine.h"
#include "lwm2m/security.h"
#include "lwm2m/session.h"
#include "model/ddf.h"

static lwm2m_registry *reg;
static lwm2m_tree *tree;
static lwm2m_requests *requests;
static lwm2m_engine *engine;

static void quiet(void *userdata, int priority, const char *message)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        coap_set_log_level(LOG_EMERG);
        reg = lwm2m_registry_new();
        const char *dirs[] = {FUZZ_OBJECTS_DIR};
        if (!reg || ddf_load_dirs(reg, dirs, 1, NULL, NULL, NULL) < 0)
                abort();
        tree = lwm2m_tree_new(reg);
        if (!tree)
                abort();
        /* Only a bootstrap server (NoSec, the discard port): the engine bootstraps. */
        fuzz_add_instance(tree, 0, 0);
        fuzz_put_string(tree, 0, 0, 0, "coap://127.0.0.1:9");
        fuzz_put(tree, 0, 0, 1, lwm2m_value_boolean(true));
        fuzz_put(tree, 0, 0, 2, lwm2m_value_integer(3));
        fuzz_add_instance(tree, 3, 0);
        fuzz_put_string(tree, 3, 0, 0, "lwm2md fuzzing");
        requests = lwm2m_requests_new(tree, NULL, NULL, 0);
        if (!requests)
                abort();
        lwm2m_engine_config cfg = {.endpoint = "fuzz",
                                   .lwm2m_version = "1.1",
                                   .log = {.fn = quiet},
                                   .requests = requests};
        engine = lwm2m_engine_new(tree, &cfg);
        if (!engine || lwm2m_engine_start(engine) < 0 || !lwm2m_engine_bootstrapping(engine))
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A Finish of an earlier input has given the session up (and registered with
         * what was written): back to bootstrapping, on a new session, as after a trigger. */
        server *s = engine->bs_server;
        if (!s || lwm2m_engine_bootstrap(engine) < 0)
                abort();
        engine_release_retired_sessions(engine);
        if (!s->session && security_open_session(engine, s) < 0)
                abort();
        const uint8_t *dg;
        size_t len;
        for (unsigned n = 0; n < FUZZ_MAX_REQUESTS && fuzz_next_datagram(&data, &size, &dg, &len);
             n++) {
                fuzz_handle_datagram(engine, s, dg, len);
                /* An accepted Finish: the engine takes the servers as its loop would
                 * (not libcoap's I/O: Registers stay unanswered). */
                if (engine->bs->phase == BOOTSTRAP_FINISHED) {
                        bootstrap_run(engine, engine_now_ms());
                        engine_release_retired_sessions(engine);
                        if (!s->session && security_open_session(engine, s) < 0)
                                abort();
                }
        }
        block_run_timers(s, engine_now_ms() + 2 * BLOCK_RX_IDLE_MS);
        return 0;
}
