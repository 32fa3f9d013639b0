/* fuzz_request.c - libFuzzer target for the engine's request handler: a session of
 * up to 16 server requests (each a CoAP datagram) against a tree of the shipped objects. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lwm2m/block.h"
#include "lwm2m/context.h"
#include "lwm2m/dm.h"
#include "lwm2m/engine-request.h"
#include "lwm2m/engine.h"
#include "lwm2m/security.h"
#include "lwm2m/server.h"
#include "lwm2m/session.h"
#include "model/ddf.h"
#include "objects/server.h"

/* The input: records of a two-byte big-endian length and that many bytes, each one
 * datagram from the server, handled in order so that block-wise sequences, Creates
 * followed by Reads and the like can be reached. */
#define MAX_REQUESTS 16

static lwm2m_registry *reg;
static lwm2m_tree *tree;
static lwm2m_requests *requests;
static lwm2m_engine *engine;
static server_object *server_obj;

static void put(uint16_t oid, uint16_t iid, uint16_t rid, lwm2m_value v)
{
        lwm2m_path p = lwm2m_path_resource(oid, iid, rid);
        char why[200];
        if (lwm2m_tree_write(tree, &p, &(lwm2m_record){.path = p, .value = v}, 1,
                             LWM2M_WRITE_UPDATE, NULL, why, sizeof(why)) < 0) {
                fprintf(stderr, "fuzz_request: cannot set /%u/%u/%u: %s\n", oid, iid, rid, why);
                abort();
        }
}

static void put_string(uint16_t oid, uint16_t iid, uint16_t rid, const char *s)
{
        lwm2m_value v = {0};
        if (lwm2m_value_set_string(&v, s, strlen(s)) < 0)
                abort();
        put(oid, iid, rid, v);
        lwm2m_value_clear(&v);
}

static void add_instance(uint16_t oid, uint16_t iid)
{
        if (lwm2m_tree_create_instance(tree, oid, iid, NULL, NULL) < 0)
                abort();
}

static void quiet(void *userdata, int priority, const char *message)
{
}

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
        add_instance(0, 0);
        put_string(0, 0, 0, "coap://127.0.0.1:9");
        put(0, 0, 1, lwm2m_value_boolean(false));
        put(0, 0, 2, lwm2m_value_integer(3));
        put(0, 0, 10, lwm2m_value_integer(1));
        add_instance(1, 0);
        put(1, 0, 0, lwm2m_value_integer(1));
        put(1, 0, 1, lwm2m_value_integer(300));
        put(1, 0, 6, lwm2m_value_boolean(true));
        put_string(1, 0, 7, "U");
        add_instance(3, 0);
        put_string(3, 0, 0, "lwm2md fuzzing");
        put(3, 0, 9, lwm2m_value_integer(80));
        if (lwm2m_registry_find(reg, 3303)) {
                add_instance(3303, 0);
                put(3303, 0, 5700, lwm2m_value_float(21.5));
                put_string(3303, 0, 5701, "Cel");
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

/* Method codes are class 0 (COAP_PDU_IS_REQUEST is libcoap's internal). */
static bool is_request(const coap_pdu_t *pdu)
{
        coap_pdu_code_t code = coap_pdu_get_code(pdu);
        return code != 0 && COAP_RESPONSE_CLASS(code) == 0;
}

static void handle_one(const uint8_t *data, size_t len)
{
        server *s = &engine->servers[0];
        if (!s->session)
                return;
        coap_pdu_t *request = coap_pdu_init(0, 0, 0, len);
        if (!request)
                return;
        if (!coap_pdu_parse(COAP_PROTO_UDP, data, len, request) || !is_request(request)) {
                coap_delete_pdu(request);
                return;
        }
        coap_pdu_t *response = coap_pdu_init(COAP_MESSAGE_ACK, 0, coap_pdu_get_mid(request),
                                             coap_session_max_pdu_size(s->session));
        coap_string_t *query = coap_get_query(request);
        if (response) {
                coap_bin_const_t token = coap_pdu_get_token(request);
                coap_add_token(response, token.length, token.s);
                engine_handle_request(engine, s, request, query, response);
                coap_delete_pdu(response);
        }
        coap_delete_string(query);
        coap_delete_pdu(request);
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
        for (unsigned n = 0; n < MAX_REQUESTS && size >= 2; n++) {
                size_t len = (size_t)data[0] << 8 | data[1];
                data += 2;
                size -= 2;
                if (len > size)
                        len = size;
                handle_one(data, len);
                data += len;
                size -= len;
        }
        /* Transfers' timers, as the event loop would run them later (not libcoap's
         * I/O: the Register it sent must stay unanswered); owners here answer at once. */
        uint64_t later = engine_now_ms() + 2 * BLOCK_RX_IDLE_MS;
        block_run_timers(&engine->servers[0], later);
        return 0;
}
