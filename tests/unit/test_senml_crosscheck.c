/* test_senml_crosscheck.c - checks the SenML codecs against an independent implementation:
 * Python's json and cbor2 read what we write, and we read what they write. Skips (77) without
 * /usr/bin/python3 or its cbor2 module. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/senml_cbor.h"
#include "formats/senml_json.h"
#include "senml_fixture.h"
#include "util/macro.h"

#define PYTHON "/usr/bin/python3"

static char workdir[] = "/tmp/senml-xcheck-XXXXXX";

/* Reads what c_*.json / c_*.cbor hold and compares with what it expects, with exact types
 * (an int is not a float) and exact float widths; then writes py_* payloads for us. */
static const char script[] =
        "import base64, cbor2, json, math, os, struct, sys\n"
        "d = sys.argv[1]\n"
        "def same(a, b):\n"
        "    if type(a) is not type(b): return False\n"
        "    if isinstance(a, list): return len(a) == len(b) and all(map(same, a, b))\n"
        "    if isinstance(a, dict):\n"
        "        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)\n"
        "    if isinstance(a, float): return struct.pack('>d', a) == struct.pack('>d', b)\n"
        "    return a == b\n"
        "def check(name, got, want):\n"
        "    if not same(got, want):\n"
        "        print(name, 'got', repr(got), 'want', repr(want)); sys.exit(1)\n"
        "raw = open(os.path.join(d, 'c_all.cbor'), 'rb').read()\n"
        "OP = bytes([0, 0xff, 0x10, 0x80, 0x3e, 0x3f])\n"
        "S = 'h\\u00e9llo \"/\\\\\\n'\n"
        "LNK = '</3/0>;ver=1.1,</1/0>'\n"
        "want_json = [{'bn': '/9999/0/', 'n': '0', 'vs': S},\n"
        "    {'n': '1', 'v': -9223372036854775808}, {'n': '2', 'v': 18446744073709551615},\n"
        "    {'bt': 1700000000, 'n': '3', 'v': 0.1}, {'bt': 1700000000.5, 'n': '3', 'v': "
        "65504.0},\n"
        "    {'bt': 0, 'n': '4', 'vb': True},\n"
        "    {'n': '5', 'vd': base64.urlsafe_b64encode(OP).decode().rstrip('=')},\n"
        "    {'n': '6', 'v': 1367491215}, {'n': '7', 'vlo': '65535:65535'},\n"
        "    {'n': '8', 'vs': LNK}, {'n': '10/7', 'vs': ''}, {'bn': '/9999/1/', 'n': '3', 'v': "
        "-0.0}]\n"
        "check('json', json.loads(open(os.path.join(d, 'c_all.json'), encoding='utf-8').read()),\n"
        "      want_json)\n"
        "L = {'bn': -2, 'bt': -3, 't': 6, 'n': 0, 'v': 2, 'vs': 3, 'vb': 4, 'vd': 8, 'vlo': "
        "'vlo'}\n"
        "want_cbor = [{L[k]: (OP if k == 'vd' else v) for k, v in r.items()} for r in want_json]\n"
        "check('cbor', cbor2.loads(raw), want_cbor)\n"
        "for width in (bytes.fromhex('f97bff'), bytes.fromhex('fb3fb999999999999a'),\n"
        "              bytes.fromhex('f98000'), bytes.fromhex('221a6553f100')):\n"
        "    if width not in raw: print('cbor: missing', width.hex()); sys.exit(1)\n"
        "check('request', cbor2.loads(open(os.path.join(d, 'c_req.cbor'), 'rb').read()),\n"
        "      [{-2: '/3/0/', 0: '0'}, {-2: '/1/', 0: '0'}])\n"
        "recs = [{'bn': '/9999/0/', 'bt': 1.7e9, 'n': '0', 'vs': 'h\\u00e9llo'},\n"
        "    {'n': '1', 'v': -9223372036854775808}, {'n': '2', 'v': 18446744073709551615},\n"
        "    {'n': '3', 'v': 0.1}, {'n': '3', 't': 0.5, 'v': 1e-300}, {'n': '4', 'vb': False},\n"
        "    {'n': '5', 'vd': OP}, {'n': '6', 'v': 1367491215}, {'n': '7', 'vlo': '3:1'},\n"
        "    {'n': '8', 'vs': '</1>'}, {'n': '10/7', 'vs': 'x'}, {'n': '/9999/0/3', 'bn': ''}]\n"
        "def as_json(r):\n"
        "    return {k: (base64.urlsafe_b64encode(v).decode().rstrip('=') if k == 'vd' else v)\n"
        "            for k, v in r.items()}\n"
        "open(os.path.join(d, 'py_all.json'), 'w').write(json.dumps([as_json(r) for r in recs]))\n"
        "cb = [{L[k]: v for k, v in r.items()} for r in recs]\n"
        "open(os.path.join(d, 'py_all.cbor'), 'wb').write(cbor2.dumps(cb))\n"
        "open(os.path.join(d, 'py_canon.cbor'), 'wb').write(cbor2.dumps(cb, canonical=True))\n"
        "req = [{'n': '/3/0/0'}, {'n': '/1/0'}]\n"
        "open(os.path.join(d, 'py_req.json'), 'w').write(json.dumps(req, indent=2))\n"
        "open(os.path.join(d, 'py_req.cbor'), 'wb').write(cbor2.dumps([{0: r['n']} for r in "
        "req]))\n";

static char *path_in(const char *name)
{
        char *p;
        if (asprintf(&p, "%s/%s", workdir, name) < 0)
                abort();
        return p;
}

static void write_file(const char *name, const lwm2m_buf *b)
{
        _cleanup_free_ char *p = path_in(name);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
        fclose(f);
}

static uint8_t *read_file(const char *name, size_t *len)
{
        _cleanup_free_ char *p = path_in(name);
        FILE *f = fopen(p, "rb");
        assert_non_null(f);
        uint8_t *data = malloc(1 << 16);
        *len = fread(data, 1, 1 << 16, f);
        fclose(f);
        return data;
}

static void all_types(lwm2m_record_list *l)
{
        for (unsigned t = 0; t < FIXTURE_NTYPES; t++) {
                if (fixture_types[t] == LWM2M_TYPE_NONE)
                        continue;
                lwm2m_path p = lwm2m_path_resource(FIXTURE_OID, 0, t);
                if (fixture_types[t] == LWM2M_TYPE_FLOAT) {
                        fixture_add_timed(l, p, lwm2m_value_float(0.1), 1.7e9);
                        fixture_add_timed(l, p, lwm2m_value_float(65504.0), 1.7e9 + 0.5);
                        continue;
                }
                unsigned variant = fixture_types[t] == LWM2M_TYPE_INTEGER ||
                                   fixture_types[t] == LWM2M_TYPE_UNSIGNED ||
                                   fixture_types[t] == LWM2M_TYPE_OBJLNK ||
                                   fixture_types[t] == LWM2M_TYPE_BOOLEAN;
                if (fixture_types[t] == LWM2M_TYPE_TIME)
                        variant = 0;
                fixture_add(l, p, fixture_sample(fixture_types[t], variant));
        }
        fixture_add(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10, 7),
                    fixture_string(LWM2M_TYPE_STRING, "", 0));
        fixture_add(l, lwm2m_path_resource(FIXTURE_OID, 1, 3), lwm2m_value_float(-0.0));
}

static void test_python_reads_ours(void **state)
{
        lwm2m_record_list l = {0}, req = {0};
        lwm2m_buf json = {0}, cbor = {0}, rq = {0};
        lwm2m_path base = lwm2m_path_object(FIXTURE_OID), root = {.len = 0};

        all_types(&l);
        assert_int_equal(senml_json_encode(&base, l.items, l.n, &json), 0);
        assert_int_equal(senml_cbor_encode(&base, l.items, l.n, &cbor), 0);
        fixture_add(&req, lwm2m_path_resource(3, 0, 0), (lwm2m_value){0});
        fixture_add(&req, lwm2m_path_instance(1, 0), (lwm2m_value){0});
        assert_int_equal(senml_cbor_encode(&root, req.items, req.n, &rq), 0);
        write_file("c_all.json", &json);
        write_file("c_all.cbor", &cbor);
        write_file("c_req.cbor", &rq);

        _cleanup_free_ char *py = path_in("xcheck.py");
        FILE *f = fopen(py, "w");
        assert_non_null(f);
        fputs(script, f);
        fclose(f);
        _cleanup_free_ char *cmd = NULL;
        assert_true(asprintf(&cmd, PYTHON " %s %s", py, workdir) > 0);
        assert_int_equal(system(cmd), 0);

        lwm2m_buf_free(&json);
        lwm2m_buf_free(&cbor);
        lwm2m_buf_free(&rq);
        lwm2m_record_list_free(&l);
        lwm2m_record_list_free(&req);
}

static void expected_from_python(lwm2m_record_list *l)
{
        static const uint8_t op[] = {0, 0xff, 0x10, 0x80, 0x3e, 0x3f};
        double t = 1.7e9;
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 0),
                          fixture_string(LWM2M_TYPE_STRING, "h\xc3\xa9llo", 6), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 1), lwm2m_value_integer(INT64_MIN),
                          t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 2),
                          lwm2m_value_unsigned(UINT64_MAX), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 3), lwm2m_value_float(0.1), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 3), lwm2m_value_float(1e-300),
                          t + 0.5);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 4), lwm2m_value_boolean(false), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 5),
                          fixture_string(LWM2M_TYPE_OPAQUE, (const char *)op, sizeof(op)), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 6), lwm2m_value_time(1367491215),
                          t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 7), lwm2m_value_objlnk(3, 1), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 8),
                          fixture_string(LWM2M_TYPE_CORELNK, "</1>", 4), t);
        fixture_add_timed(l, lwm2m_path_resource_instance(FIXTURE_OID, 0, 10, 7),
                          fixture_string(LWM2M_TYPE_STRING, "x", 1), t);
        fixture_add_timed(l, lwm2m_path_resource(FIXTURE_OID, 0, 3), (lwm2m_value){0}, t);
}

static void test_we_read_python(void **state)
{
        static const struct {
                const char *file;
                lwm2m_decode_fn decode;
        } cases[] = {
                {"py_all.json", senml_json_decode},
                {"py_all.cbor", senml_cbor_decode},
                {"py_canon.cbor", senml_cbor_decode},
        };
        lwm2m_record_list want = {0};
        expected_from_python(&want);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t len;
                _cleanup_free_ uint8_t *data = read_file(cases[i].file, &len);
                lwm2m_record_list got = {0};
                lwm2m_path root = {.len = 0};
                assert_int_equal(cases[i].decode(&root, data, len, &fixture_resolver, &got), 0);
                if (!fixture_lists_equal(&got, &want))
                        fail_msg("%s differs", cases[i].file);
                lwm2m_record_list_free(&got);
        }
        lwm2m_record_list_free(&want);

        const char *reqs[] = {"py_req.json", "py_req.cbor"};
        for (size_t i = 0; i < ELEMENTSOF(reqs); i++) {
                size_t len;
                _cleanup_free_ uint8_t *data = read_file(reqs[i], &len);
                lwm2m_record_list got = {0};
                assert_int_equal((i ? senml_cbor_decode
                                    : senml_json_decode)(NULL, data, len, &fixture_resolver, &got),
                                 0);
                assert_int_equal(got.n, 2);
                assert_true(lwm2m_path_equal(&got.items[0].path, &(lwm2m_path){{3, 0, 0}, 3}));
                assert_true(lwm2m_path_equal(&got.items[1].path, &(lwm2m_path){{1, 0}, 2}));
                assert_int_equal(got.items[1].value.type, LWM2M_TYPE_NONE);
                lwm2m_record_list_free(&got);
        }
}

static int remove_workdir(void **state)
{
        static const char *files[] = {"c_all.json",    "c_all.cbor",  "c_req.cbor",
                                      "xcheck.py",     "py_all.json", "py_all.cbor",
                                      "py_canon.cbor", "py_req.json", "py_req.cbor"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = path_in(files[i]);
                unlink(p);
        }
        rmdir(workdir);
        return 0;
}

int main(void)
{
        if (access(PYTHON, X_OK) != 0 || system(PYTHON " -c 'import cbor2' >/dev/null 2>&1") != 0) {
                printf("skipped: needs " PYTHON " with the cbor2 module\n");
                return 77;
        }
        if (!mkdtemp(workdir)) {
                perror("mkdtemp");
                return 1;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_python_reads_ours),
                cmocka_unit_test(test_we_read_python),
        };
        return cmocka_run_group_tests(tests, NULL, remove_workdir);
}
