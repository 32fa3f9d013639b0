/* fuzz_engine.c - what the engine's fuzz targets share: a tree filled by hand, and
 * input cut into CoAP datagrams handed to the engine as one server's requests. */
#include "fuzz_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/engine-request.h"

void fuzz_put(lwm2m_tree *tree, uint16_t oid, uint16_t iid, uint16_t rid, lwm2m_value v)
{
        lwm2m_path p = lwm2m_path_resource(oid, iid, rid);
        char why[200];
        if (lwm2m_tree_write(tree, &p, &(lwm2m_record){.path = p, .value = v}, 1,
                             LWM2M_WRITE_UPDATE, NULL, why, sizeof(why)) < 0) {
                fprintf(stderr, "fuzz: cannot set /%u/%u/%u: %s\n", oid, iid, rid, why);
                abort();
        }
}

void fuzz_put_string(lwm2m_tree *tree, uint16_t oid, uint16_t iid, uint16_t rid, const char *s)
{
        lwm2m_value v = {0};
        if (lwm2m_value_set_string(&v, s, strlen(s)) < 0)
                abort();
        fuzz_put(tree, oid, iid, rid, v);
        lwm2m_value_clear(&v);
}

void fuzz_add_instance(lwm2m_tree *tree, uint16_t oid, uint16_t iid)
{
        if (lwm2m_tree_create_instance(tree, oid, iid, NULL, NULL) < 0)
                abort();
}

bool fuzz_next_datagram(const uint8_t **data, size_t *size, const uint8_t **dg, size_t *len)
{
        if (*size < 2)
                return false;
        size_t n = (size_t)(*data)[0] << 8 | (*data)[1];
        *data += 2;
        *size -= 2;
        if (n > *size)
                n = *size;
        *dg = *data;
        *len = n;
        *data += n;
        *size -= n;
        return true;
}

/* Method codes are class 0 (COAP_PDU_IS_REQUEST is libcoap's internal). */
static bool is_request(const coap_pdu_t *pdu)
{
        coap_pdu_code_t code = coap_pdu_get_code(pdu);
        return code != 0 && COAP_RESPONSE_CLASS(code) == 0;
}

void fuzz_handle_datagram(lwm2m_engine *e, server *s, const uint8_t *data, size_t len)
{
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
                engine_handle_request(e, s, request, query, response);
                coap_delete_pdu(response);
        }
        coap_delete_string(query);
        coap_delete_pdu(request);
}
