/* coap_msg.h - small helpers over libcoap PDUs for the LwM2M engine: paths and
 * queries in options, content-format numbers, and errno-to-response-code mapping. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "model/path.h"

/* The Uri-Path of a request as an LwM2M path: 0, -EINVAL for a path that is
 * not one (too deep, not numeric), -ENOENT for a non-LwM2M path ("/bs", ...). */
int coap_msg_lwm2m_path(const coap_pdu_t *pdu, lwm2m_path *out);
/* The Uri-Path as text ("rd/5"), truncated to fit. */
void coap_msg_uri_path(const coap_pdu_t *pdu, char *buf, size_t size);
/* Value of a uint option (Content-Format, Accept, Observe); -1 when absent. */
int64_t coap_msg_uint_option(const coap_pdu_t *pdu, uint16_t number);
/* Adds the segments of "rd/5" (slashes separate) as Uri-Path options. */
int coap_msg_add_uri_path(coap_optlist_t **opts, const char *path);
int coap_msg_add_uint(coap_optlist_t **opts, uint16_t number, uint32_t value);
int coap_msg_add_string(coap_optlist_t **opts, uint16_t number, const char *value);
/* The response code for a negative errno from the model, formats or an owner:
 * -ENOENT 4.04, -EACCES 4.01 (no access right), -EPERM 4.05 (the target does not
 * support the operation), -EINVAL/-EBADMSG/-ERANGE/-EILSEQ 4.00,
 * -EMEDIUMTYPE/-EPROTONOSUPPORT 4.15 or 4.06 (`encoding`), -E2BIG 4.13, -EEXIST/-ENOSPC 4.00,
 * anything else 5.00. */
coap_pdu_code_t coap_msg_code_for_errno(int error, bool encoding);
/* "2.05" for logs. */
const char *coap_msg_code_str(coap_pdu_code_t code, char buf[8]);
/* "GET", "iPATCH", ... for logs; "request" for a code that is none of LwM2M's. */
const char *coap_msg_method_str(coap_pdu_code_t code);
/* What a libcoap NACK reason means, for logs and the last error. */
const char *coap_msg_nack_reason_str(coap_nack_reason_t reason);
