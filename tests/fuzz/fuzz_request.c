/* fuzz_request.c - libFuzzer target for the engine's request handler: a session of
 * up to 16 server requests (each a CoAP datagram) against a tree of the shipped objects. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "fuzz_engine.h"
#include "lwm2m/block.h"
#include "lwm2m/context.h"
#include "lwm2m/dm.h"
#include "lwm2m/engine.h"
#include "lwm2m/security.h"
#include "lwm2m/server.h"
#include "lwm2m/session.h"
#include "model/ddf.h"
#include "objects/server.h"

static lwm2m_registry *reg;
static lwm2m_tree *tree;
static lwm2m_requests *requests;
static lwm2m_engine *engine;
static server_object *server_obj;

static void quiet(void *userdata, int priority, const char *message)
{
}

/* A stream owner of /5/0 that keeps nothing: Package writes take the streamed path.
 * One stream at a time, as the firmware object; the handle checks the engine's calls. */
static struct {
        bool open;
        uint64_t high;
} fw_stream;

static int fw_open(void *userdata, const lwm2m_path *resource, uint16_t origin, uint64_t size,
                   void **stream)
{
        if (fw_stream.open)
                return -EBUSY;
        if (size != UINT64_MAX && size > ((uint64_t)1 << 30))
                return -ENOSPC;
        fw_stream.open = true;
        fw_stream.high = 0;
        *stream = &fw_stream;
        return 0;
}

static int fw_write(void *userdata, void *stream, uint64_t offset, const uint8_t *bytes, size_t len)
{
        if (stream != &fw_stream || !fw_stream.open || offset > fw_stream.high)
                abort(); /* a gap the engine should have refused */
        if (offset + len > fw_stream.high)
                fw_stream.high = offset + len;
        return 0;
}

static int fw_finish(void *userdata, void *stream, uint64_t size)
{
        if (stream != &fw_stream || !fw_stream.open)
                abort();
        fw_stream.open = false;
        return 0;
}

static void fw_abort(void *userdata, void *stream)
{
        if (stream != &fw_stream || !fw_stream.open)
                abort();
        fw_stream.open = false;
}

static const lwm2m_stream_ops fw_stream_ops = {
        .open = fw_open, .write = fw_write, .finish = fw_finish, .abort = fw_abort};
static const lwm2m_owner_ops fw_ops = {.stream = &fw_stream_ops};
static const lwm2m_owner fw_owner = {.ops = &fw_ops, .name = "fuzz-firmware"};

/* The Server object's actions, wired as the daemon wires them. */
static int request_update(void *userdata, uint16_t short_id)
{
        lwm2m_engine_request_update(engine, short_id);
        return 0;
}

static int disable_server(void *userdata, uint16_t short_id, uint64_t seconds)
{
        return lwm2m_engine_disable_server(engine, short_id, seconds);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        coap_set_log_level(LOG_EMERG); /* libcoap's word on each malformed datagram */
        reg = lwm2m_registry_new();
        const char *dirs[] = {FUZZ_OBJECTS_DIR};
        if (!reg || ddf_load_dirs(reg, dirs, 1, NULL, NULL, NULL) < 0)
                abort();
        tree = lwm2m_tree_new(reg);
        if (!tree)
                abort();
        /* One NoSec server on the discard port: nothing ever answers, and the
         * harness never runs libcoap's I/O anyway. */
        fuzz_add_instance(tree, 0, 0);
        fuzz_put_string(tree, 0, 0, 0, "coap://127.0.0.1:9");
        fuzz_put(tree, 0, 0, 1, lwm2m_value_boolean(false));
        fuzz_put(tree, 0, 0, 2, lwm2m_value_integer(3));
        fuzz_put(tree, 0, 0, 10, lwm2m_value_integer(1));
        fuzz_add_instance(tree, 1, 0);
        fuzz_put(tree, 1, 0, 0, lwm2m_value_integer(1));
        fuzz_put(tree, 1, 0, 1, lwm2m_value_integer(300));
        fuzz_put(tree, 1, 0, 6, lwm2m_value_boolean(true));
        fuzz_put_string(tree, 1, 0, 7, "U");
        fuzz_add_instance(tree, 3, 0);
        fuzz_put_string(tree, 3, 0, 0, "lwm2md fuzzing");
        fuzz_put(tree, 3, 0, 9, lwm2m_value_integer(80));
        if (lwm2m_registry_find(reg, 5)) {
                fuzz_add_instance(tree, 5, 0);
                if (lwm2m_tree_set_owner(tree, 5, 0, &fw_owner) < 0)
                        abort();
        }
        if (lwm2m_registry_find(reg, 3303)) {
                fuzz_add_instance(tree, 3303, 0);
                fuzz_put(tree, 3303, 0, 5700, lwm2m_value_float(21.5));
                fuzz_put_string(tree, 3303, 0, 5701, "Cel");
        }
        /* No clock: a request waiting for an owner would never time out, but
         * the fuzzing tree has no owner that does not answer at once. */
        requests = lwm2m_requests_new(tree, NULL, NULL, 0);
        if (!requests)
                abort();
        lwm2m_engine_config cfg = {.endpoint = "fuzz",
                                   .lwm2m_version = "1.1",
                                   .log = {.fn = quiet},
                                   .requests = requests};
        engine = lwm2m_engine_new(tree, &cfg);
        if (!engine || lwm2m_engine_start(engine) < 0 || engine->n_servers != 1)
                abort();
        server_object_actions actions = {.update = request_update, .disable = disable_server};
        server_obj = server_object_new(tree, &actions);
        if (!server_obj || server_object_own(server_obj, 0) < 0)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A Disable, a Register Update trigger and the like may have given the
         * session up: release it as the event loop would and start a new one. */
        server *s = &engine->servers[0];
        engine_release_retired_sessions(engine);
        if (!s->session && security_open_session(engine, s) < 0)
                abort();
        const uint8_t *dg;
        size_t len;
        for (unsigned n = 0; n < FUZZ_MAX_REQUESTS && fuzz_next_datagram(&data, &size, &dg, &len);
             n++)
                fuzz_handle_datagram(engine, s, dg, len);
        /* Transfers' timers, as the event loop would run them later (not libcoap's
         * I/O: the Register it sent must stay unanswered); owners here answer at once. */
        uint64_t later = engine_now_ms() + 2 * BLOCK_RX_IDLE_MS;
        block_run_timers(&engine->servers[0], later);
        return 0;
}
