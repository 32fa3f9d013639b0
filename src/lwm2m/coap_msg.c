/* coap_msg.c - small helpers over libcoap PDUs for the LwM2M engine: paths and
 * queries in options, content-format numbers, and errno-to-response-code mapping. */
#include "lwm2m/coap_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int coap_msg_lwm2m_path(const coap_pdu_t *pdu, lwm2m_path *out)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        lwm2m_path p = {0};

        coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_URI_PATH)
                        continue;
                const uint8_t *v = coap_opt_value(opt);
                size_t len = coap_opt_length(opt);
                /* An empty segment (a trailing slash) adds nothing. */
                if (len == 0)
                        continue;
                if (p.len == 4)
                        return -EINVAL;
                uint32_t id = 0;
                for (size_t i = 0; i < len; i++) {
                        if (v[i] < '0' || v[i] > '9')
                                return p.len == 0 ? -ENOENT : -EINVAL;
                        id = id * 10 + (uint32_t)(v[i] - '0');
                        if (id >= LWM2M_ID_INVALID)
                                return -EINVAL;
                }
                if (len > 1 && v[0] == '0')
                        return -EINVAL;
                p.id[p.len++] = (uint16_t)id;
        }
        *out = p;
        return 0;
}

void coap_msg_uri_path(const coap_pdu_t *pdu, char *buf, size_t size)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt;
        size_t off = 0;

        buf[0] = 0;
        coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
        while ((opt = coap_option_next(&it))) {
                if (it.number != COAP_OPTION_URI_PATH)
                        continue;
                int n = snprintf(buf + off, size - off, "%s%.*s", off ? "/" : "",
                                 (int)coap_opt_length(opt), (const char *)coap_opt_value(opt));
                if (n < 0 || (size_t)n >= size - off)
                        return;
                off += (size_t)n;
        }
}

int64_t coap_msg_uint_option(const coap_pdu_t *pdu, uint16_t number)
{
        coap_opt_iterator_t it;
        coap_opt_t *opt = coap_check_option(pdu, number, &it);
        if (!opt)
                return -1;
        return coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

int coap_msg_add_uri_path(coap_optlist_t **opts, const char *path)
{
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                coap_optlist_t *o = coap_new_optlist(COAP_OPTION_URI_PATH, n, (const uint8_t *)p);
                if (!o || !coap_insert_optlist(opts, o))
                        return -ENOMEM;
                p += n;
        }
        return 0;
}

int coap_msg_add_uint(coap_optlist_t **opts, uint16_t number, uint32_t value)
{
        uint8_t buf[4];
        coap_optlist_t *o =
                coap_new_optlist(number, coap_encode_var_safe(buf, sizeof(buf), value), buf);
        return o && coap_insert_optlist(opts, o) ? 0 : -ENOMEM;
}

int coap_msg_add_string(coap_optlist_t **opts, uint16_t number, const char *value)
{
        coap_optlist_t *o = coap_new_optlist(number, strlen(value), (const uint8_t *)value);
        return o && coap_insert_optlist(opts, o) ? 0 : -ENOMEM;
}

coap_pdu_code_t coap_msg_code_for_errno(int error, bool encoding)
{
        switch (error) {
        case -ENOENT:
                return COAP_RESPONSE_CODE_NOT_FOUND;
        case -EACCES: /* Core TS 6.3 and 7.3.2: "Access Right Permission Denied" */
                return COAP_RESPONSE_CODE_UNAUTHORIZED;
        case -EPERM:
                return COAP_RESPONSE_CODE_NOT_ALLOWED;
        case -EINVAL:
        case -EBADMSG:
        case -ERANGE:
        case -EILSEQ:
        case -EEXIST:
        case -ENOSPC:
                return COAP_RESPONSE_CODE_BAD_REQUEST;
        case -EMEDIUMTYPE:
        case -EPROTONOSUPPORT:
                return encoding ? COAP_RESPONSE_CODE_NOT_ACCEPTABLE
                                : COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT;
        case -E2BIG:
                return COAP_RESPONSE_CODE_REQUEST_TOO_LARGE;
        default:
                return COAP_RESPONSE_CODE_INTERNAL_ERROR;
        }
}

const char *coap_msg_code_str(coap_pdu_code_t code, char buf[8])
{
        snprintf(buf, 8, "%u.%02u", ((unsigned)code >> 5) & 7, (unsigned)code & 31);
        return buf;
}

const char *coap_msg_method_str(coap_pdu_code_t code)
{
        switch (code) {
        case COAP_REQUEST_CODE_GET:
                return "GET";
        case COAP_REQUEST_CODE_POST:
                return "POST";
        case COAP_REQUEST_CODE_PUT:
                return "PUT";
        case COAP_REQUEST_CODE_DELETE:
                return "DELETE";
        case COAP_REQUEST_CODE_FETCH:
                return "FETCH";
        case COAP_REQUEST_CODE_IPATCH:
                return "iPATCH";
        default:
                return "request";
        }
}

const char *coap_msg_nack_reason_str(coap_nack_reason_t reason)
{
        switch (reason) {
        case COAP_NACK_RST:
                return "the server reset the exchange";
        case COAP_NACK_TLS_FAILED:
                return "the DTLS session failed";
        case COAP_NACK_TOO_MANY_RETRIES:
                return "no answer from the server";
        case COAP_NACK_ICMP_ISSUE:
                return "the server's port is unreachable (ICMP)";
        default:
                return "the request could not be delivered";
        }
}
