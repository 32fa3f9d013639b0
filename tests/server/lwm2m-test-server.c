/* lwm2m-test-server.c - the test LwM2M server as a program: listens on 127.0.0.1
 * and runs commands from stdin (read, write, exec, ...) against the registered client. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "formats/format.h"
#include "model/ddf.h"
#include "test_server.h"

typedef struct format_name {
        const char *name;
        int number;
} format_name;

static const format_name formats[] = {
        {"text", LWM2M_FORMAT_TEXT},
        {"opaque", LWM2M_FORMAT_OPAQUE},
        {"link", LWM2M_FORMAT_LINK},
        {"tlv", LWM2M_FORMAT_TLV},
        {"json", LWM2M_FORMAT_LWM2M_JSON},
        {"senml-json", LWM2M_FORMAT_SENML_JSON},
        {"senml-cbor", LWM2M_FORMAT_SENML_CBOR},
        {"lwm2m-cbor", LWM2M_FORMAT_LWM2M_CBOR},
};

static int format_number(const char *name)
{
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
                if (strcmp(formats[i].name, name) == 0)
                        return formats[i].number;
        char *end;
        long v = strtol(name, &end, 10);
        return *end || v < 0 || v > 65535 ? -2 : (int)v;
}

static int resolve(void *userdata, const lwm2m_path *p, lwm2m_type *type, bool *multiple)
{
        const lwm2m_object_def *obj = lwm2m_registry_find(userdata, p->id[0]);
        const lwm2m_resource_def *res = obj ? lwm2m_object_def_find_resource(obj, p->id[2]) : NULL;
        if (!res)
                return -ENOENT;
        *type = res->type;
        *multiple = res->multiple;
        return 0;
}

static void print_value(const lwm2m_value *v)
{
        switch (v->type) {
        case LWM2M_TYPE_STRING:
        case LWM2M_TYPE_CORELNK:
                printf("\"%.*s\"", (int)v->buf.len, (const char *)v->buf.data);
                break;
        case LWM2M_TYPE_OPAQUE:
                printf("opaque(%zu bytes)", v->buf.len);
                break;
        case LWM2M_TYPE_INTEGER:
                printf("%lld", (long long)v->i);
                break;
        case LWM2M_TYPE_TIME:
                printf("%lld (time)", (long long)v->i);
                break;
        case LWM2M_TYPE_UNSIGNED:
                printf("%llu", (unsigned long long)v->u);
                break;
        case LWM2M_TYPE_FLOAT:
                printf("%.17g", v->f);
                break;
        case LWM2M_TYPE_BOOLEAN:
                printf("%s", v->b ? "true" : "false");
                break;
        case LWM2M_TYPE_OBJLNK:
                printf("%u:%u", v->lnk.oid, v->lnk.iid);
                break;
        default:
                printf("(no value)");
        }
}

/* Prints a response: code, format, and the payload decoded for a person. */
static void print_response(const lwm2m_registry *reg, const char *path, const ts_response *r)
{
        char cs[8];
        printf("  <- %s", ts_code_str(r->code, cs));
        const char *fname =
                r->content_format >= 0 ? lwm2m_format_name((uint16_t)r->content_format) : NULL;
        if (fname)
                printf(" %s", fname);
        printf(" (%zu bytes)\n", r->len);
        if (r->len == 0)
                return;
        if (r->content_format == LWM2M_FORMAT_LINK) {
                printf("     %.*s\n", (int)r->len, (const char *)r->payload);
                return;
        }
        lwm2m_path base;
        const char *q = strchr(path, '?');
        if (lwm2m_path_parse_n(path, q ? (size_t)(q - path) : strlen(path), &base) < 0)
                base = (lwm2m_path){0};
        lwm2m_resolver res = {.resource = resolve, .userdata = (void *)reg};
        lwm2m_record_list l = {0};
        int err = r->content_format >= 0
                          ? lwm2m_format_decode((uint16_t)r->content_format, &base, r->payload,
                                                r->len, reg ? &res : NULL, &l)
                          : -EPROTONOSUPPORT;
        if (err < 0) {
                printf("     (cannot decode: %s)\n", strerror(-err));
                return;
        }
        for (size_t i = 0; i < l.n; i++) {
                char p[LWM2M_PATH_STRLEN];
                lwm2m_path_format(&l.items[i].path, p, sizeof(p));
                const lwm2m_object_def *obj =
                        reg ? lwm2m_registry_find(reg, l.items[i].path.id[0]) : NULL;
                const lwm2m_resource_def *rd =
                        obj && l.items[i].path.len >= 3
                                ? lwm2m_object_def_find_resource(obj, l.items[i].path.id[2])
                                : NULL;
                printf("     %-16s %-28s = ", p, rd ? rd->name : "");
                print_value(&l.items[i].value);
                printf("\n");
        }
        lwm2m_record_list_free(&l);
}

/* Encodes `text` as one value of the resource at `path` in `format`. */
static int encode_value(const lwm2m_registry *reg, const char *path, int format, const char *text,
                        lwm2m_buf *out)
{
        lwm2m_path p;
        if (lwm2m_path_parse(path, &p) < 0 || p.len < 3)
                return -EINVAL;
        if (format == LWM2M_FORMAT_TEXT || format < 0) {
                return lwm2m_buf_append(out, text, strlen(text));
        }
        lwm2m_resolver res = {.resource = resolve, .userdata = (void *)reg};
        lwm2m_record_list l = {0};
        lwm2m_path leaf = p;
        int r = lwm2m_format_decode(LWM2M_FORMAT_TEXT, &leaf, (const uint8_t *)text, strlen(text),
                                    &res, &l);
        if (r == 0)
                r = lwm2m_format_encode((uint16_t)format, &p, l.items, l.n, out);
        lwm2m_record_list_free(&l);
        return r;
}

static void run_commands(ts_server *s, const lwm2m_registry *reg)
{
        char line[4096];
        unsigned seen_register = 0, seen_update = 0;
        while (fgets(line, sizeof(line), stdin)) {
                line[strcspn(line, "\n")] = 0;
                char *save = NULL;
                char *cmd = strtok_r(line, " ", &save);
                if (!cmd || cmd[0] == '#')
                        continue;
                char *a1 = strtok_r(NULL, " ", &save);
                char *a2 = strtok_r(NULL, " ", &save);
                char *rest = save && *save ? save : NULL;
                ts_response r;
                int err = 0;
                if (strcmp(cmd, "wait-register") == 0) {
                        int t = a1 ? atoi(a1) : 10000;
                        ts_registration *reg_info = ts_wait_register(s, seen_register, t);
                        if (!reg_info) {
                                printf("no registration within %d ms\n", t);
                                exit(1);
                        }
                        seen_register = ts_register_count(s);
                        printf("registered: endpoint %s, lifetime %u s, LwM2M %s, binding %s%s\n"
                               "  objects: %s\n",
                               reg_info->endpoint, reg_info->lifetime, reg_info->version,
                               reg_info->binding, reg_info->queue_mode ? " (queue mode)" : "",
                               reg_info->links ? reg_info->links : "");
                        fflush(stdout);
                        continue;
                }
                if (strcmp(cmd, "wait-update") == 0) {
                        int t = a1 ? atoi(a1) : 10000;
                        ts_registration *ri = ts_wait_update(s, seen_update, t);
                        seen_update = ts_update_count(s);
                        printf(ri ? "registration update received\n" : "no update within %d ms\n",
                               t);
                        fflush(stdout);
                        continue;
                }
                if (strcmp(cmd, "wait-deregister") == 0) {
                        bool ok = ts_wait_deregister(s, 0, a1 ? atoi(a1) : 10000);
                        printf(ok ? "de-registered\n" : "no de-registration\n");
                        fflush(stdout);
                        continue;
                }
                if (strcmp(cmd, "echo") == 0) {
                        printf("%s%s%s%s%s\n", a1 ? a1 : "", a2 ? " " : "", a2 ? a2 : "",
                               rest ? " " : "", rest ? rest : "");
                        fflush(stdout);
                        continue;
                }
                if (!a1) {
                        printf("%s: needs a path\n", cmd);
                        continue;
                }
                lwm2m_buf body = {0};
                coap_pdu_code_t method = COAP_REQUEST_CODE_GET;
                int cf = -1, accept = -1;
                if (strcmp(cmd, "read") == 0) {
                        accept = a2 ? format_number(a2) : -1;
                } else if (strcmp(cmd, "discover") == 0) {
                        accept = LWM2M_FORMAT_LINK;
                } else if (strcmp(cmd, "write") == 0 || strcmp(cmd, "update") == 0) {
                        /* write PATH FORMAT VALUE... */
                        method = cmd[0] == 'w' ? COAP_REQUEST_CODE_PUT : COAP_REQUEST_CODE_POST;
                        cf = a2 ? format_number(a2) : LWM2M_FORMAT_TEXT;
                        err = encode_value(reg, a1, cf, rest ? rest : "", &body);
                } else if (strcmp(cmd, "exec") == 0) {
                        method = COAP_REQUEST_CODE_POST;
                        if (a2)
                                lwm2m_buf_append(&body, a2, strlen(a2));
                } else if (strcmp(cmd, "attributes") == 0) {
                        method = COAP_REQUEST_CODE_PUT;
                } else if (strcmp(cmd, "delete") == 0) {
                        method = COAP_REQUEST_CODE_DELETE;
                } else {
                        printf("unknown command '%s'\n", cmd);
                        continue;
                }
                if (err < 0) {
                        printf("cannot encode the value: %s\n", strerror(-err));
                        lwm2m_buf_free(&body);
                        continue;
                }
                printf("-> %s %s\n", cmd, a1);
                err = ts_request(s, method, a1, cf, accept, -1, body.data, body.len, 10000, &r);
                lwm2m_buf_free(&body);
                if (err < 0) {
                        printf("  <- no answer: %s\n", strerror(-err));
                } else {
                        print_response(reg, a1, &r);
                        ts_response_free(&r);
                }
                fflush(stdout);
        }
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                {"port", required_argument, NULL, 'p'},
                {"psk-identity", required_argument, NULL, 'i'},
                {"psk-key", required_argument, NULL, 'k'},
                {"objects-dir", required_argument, NULL, 'o'},
                {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        ts_config cfg = {0};
        const char *dirs[8];
        size_t n_dirs = 0;
        uint8_t *key = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "p:i:k:o:vh", longopts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        cfg.port = (uint16_t)atoi(optarg);
                        break;
                case 'i':
                        cfg.psk_identity = optarg;
                        cfg.security = TS_SECURITY_PSK;
                        break;
                case 'k':
                        if (config_parse_hex(optarg, &key, &cfg.psk_key_len) < 0) {
                                fprintf(stderr, "--psk-key: not hexadecimal\n");
                                return 2;
                        }
                        cfg.psk_key = key;
                        break;
                case 'o':
                        if (n_dirs < 8)
                                dirs[n_dirs++] = optarg;
                        break;
                case 'v':
                        cfg.verbose = true;
                        break;
                default:
                        fprintf(stderr,
                                "Usage: lwm2m-test-server [--port N] [--psk-identity ID --psk-key "
                                "HEX]\n"
                                "                         [--objects-dir DIR]... < commands\n"
                                "Commands: wait-register [MS], wait-update [MS], wait-deregister "
                                "[MS],\n"
                                "  read PATH [FORMAT], discover PATH, write PATH FORMAT VALUE,\n"
                                "  update PATH FORMAT VALUE, exec PATH [ARGS], attributes "
                                "PATH?pmin=N,\n"
                                "  delete PATH, echo TEXT\n"
                                "Formats: text opaque tlv json senml-json senml-cbor lwm2m-cbor\n");
                        return c == 'h' ? 0 : 2;
                }
        }
        lwm2m_registry *reg = lwm2m_registry_new();
        if (n_dirs > 0)
                ddf_load_dirs(reg, dirs, n_dirs, NULL, NULL, NULL);
        ts_server *s = ts_new(&cfg);
        if (!s) {
                fprintf(stderr, "cannot listen on 127.0.0.1\n");
                return 1;
        }
        printf("listening on %s\n", ts_uri(s));
        fflush(stdout);
        run_commands(s, reg);
        ts_free(s);
        lwm2m_registry_free(reg);
        free(key);
        return 0;
}
