/* fuzz_fetch.c - libFuzzer target for the answers a fetch takes (lwm2m/fetch.c): a fetch
 * from a resume offset, then up to 16 datagrams handed to it as answers to its blocks. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <syslog.h>

#include "fuzz_engine.h"
#include "lwm2m/context.h"
#include "lwm2m/engine.h"
#include "lwm2m/fetch.h"
#include "lwm2m/session.h"
#include "model/ddf.h"

static lwm2m_registry *reg;
static lwm2m_tree *tree;
static lwm2m_requests *requests;
static lwm2m_engine *engine;

typedef struct outcome {
        uint64_t resume;
        bool done;
        uint64_t next; /* where the next bytes must start */
        bool started;
} outcome;

static void quiet(void *userdata, int priority, const char *message)
{
}

static int on_data(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                   uint64_t total)
{
        outcome *o = userdata;
        /* The bytes come in order, without a gap or an overlap, within what was announced. */
        if (offset != (o->started ? o->next : o->resume) ||
            (total != UINT64_MAX && offset + len > total))
                abort();
        o->started = true;
        o->next = offset + len;
        return len > 0 && bytes[0] == 0xee ? -ENOSPC : 0; /* a consumer that may refuse */
}

static void on_done(void *userdata, int error)
{
        outcome *o = userdata;
        if (o->done)
                abort(); /* exactly once */
        o->done = true;
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
        requests = tree ? lwm2m_requests_new(tree, NULL, NULL, 0) : NULL;
        if (!requests)
                abort();
        lwm2m_engine_config cfg = {.endpoint = "fuzz",
                                   .lwm2m_version = "1.1",
                                   .log = {.fn = quiet},
                                   .requests = requests};
        engine = lwm2m_engine_new(tree, &cfg);
        if (!engine)
                abort();
        return 0;
}

/* The datagram as an answer on the fetch's session carrying the token of its request. */
static void answer(lwm2m_fetch *f, const uint8_t *dg, size_t len)
{
        coap_pdu_t *in = coap_pdu_init(0, 0, 0, len);
        if (!in)
                return;
        if (!coap_pdu_parse(COAP_PROTO_UDP, dg, len, in) || coap_pdu_get_code(in) < 64) {
                coap_delete_pdu(in);
                return;
        }
        coap_bin_const_t token;
        coap_session_t *session = fetch_session(f, &token);
        coap_pdu_t *out = coap_pdu_init(COAP_MESSAGE_ACK, coap_pdu_get_code(in),
                                        coap_pdu_get_mid(in), len + 16);
        if (out && coap_add_token(out, token.length, token.s)) {
                coap_opt_iterator_t it;
                coap_opt_t *opt;
                coap_option_iterator_init(in, &it, COAP_OPT_ALL);
                while ((opt = coap_option_next(&it)))
                        coap_add_option(out, it.number, coap_opt_length(opt), coap_opt_value(opt));
                size_t dlen = 0;
                const uint8_t *data = NULL;
                if (coap_get_data(in, &dlen, &data) && dlen > 0)
                        coap_add_data(out, dlen, data);
                fetch_on_response(engine, session, out);
        }
        coap_delete_pdu(out);
        coap_delete_pdu(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 2)
                return 0;
        /* The resume offset: anywhere in the first 64 KiB. */
        uint64_t offset = (uint64_t)data[0] << 8 | data[1];
        data += 2;
        size -= 2;
        outcome o = {.resume = offset};
        lwm2m_fetch_ops ops = {.data = on_data, .done = on_done, .userdata = &o};
        lwm2m_fetch *f =
                lwm2m_engine_fetch(engine, "coap://127.0.0.1:9/fw/image?v=1", offset, 0, &ops);
        if (!f)
                abort();
        const uint8_t *dg;
        size_t len;
        for (unsigned n = 0;
             n < FUZZ_MAX_REQUESTS && !o.done && fuzz_next_datagram(&data, &size, &dg, &len); n++) {
                if (len == 1) { /* a failure instead of an answer */
                        coap_bin_const_t token;
                        fetch_on_nack(engine, fetch_session(f, &token), NULL,
                                      (coap_nack_reason_t)(dg[0] % 5));
                        continue;
                }
                answer(f, dg, len);
        }
        if (!o.done)
                lwm2m_fetch_cancel(f);
        engine_release_retired_sessions(engine);
        return 0;
}
