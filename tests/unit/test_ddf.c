/* test_ddf.c - unit tests for the DDF (OMA object XML) loader: good and hostile
 * files, diagnostics with positions, directory order and overrides, the OMA registry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/ddf.h"
#include "model/definition.h"

#define DATA_DIR      SOURCE_ROOT "/tests/unit/data/ddf"
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* ---- diagnostics capture ---------------------------------------------- */

typedef struct diag_entry {
        lwm2m_diag_level level;
        char file[512];
        unsigned line;
        unsigned column;
        char message[512];
} diag_entry;

typedef struct diag_log {
        diag_entry entries[64];
        size_t n; /* all diagnostics, also those beyond the array */
        size_t counts[3];
} diag_log;

static void record_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                        unsigned column, const char *message)
{
        diag_log *log = userdata;

        assert_non_null(file);
        assert_non_null(message);
        assert_true(level <= LWM2M_DIAG_NOTICE);
        if (log->n < ELEMENTSOF(log->entries)) {
                diag_entry *e = &log->entries[log->n];
                e->level = level;
                snprintf(e->file, sizeof(e->file), "%s", file);
                e->line = line;
                e->column = column;
                snprintf(e->message, sizeof(e->message), "%s", message);
        }
        log->n++;
        log->counts[level]++;
}

static const diag_entry *find_diag(const diag_log *log, lwm2m_diag_level level, const char *needle)
{
        size_t n = log->n < ELEMENTSOF(log->entries) ? log->n : ELEMENTSOF(log->entries);
        for (size_t i = 0; i < n; i++)
                if (log->entries[i].level == level && strstr(log->entries[i].message, needle))
                        return &log->entries[i];
        return NULL;
}

static void print_log(const diag_log *log)
{
        size_t n = log->n < ELEMENTSOF(log->entries) ? log->n : ELEMENTSOF(log->entries);
        for (size_t i = 0; i < n; i++)
                print_message("  diag %d %s:%u:%u: %s\n", (int)log->entries[i].level,
                              log->entries[i].file, log->entries[i].line, log->entries[i].column,
                              log->entries[i].message);
}

/* Asserts that a diagnostic of `level` containing `needle` was given. */
static const diag_entry *expect_diag(const diag_log *log, lwm2m_diag_level level,
                                     const char *needle)
{
        const diag_entry *e = find_diag(log, level, needle);
        if (!e) {
                print_message("no diagnostic of level %d containing \"%s\"\n", (int)level, needle);
                print_log(log);
        }
        assert_non_null(e);
        return e;
}

/* ---- temporary directories -------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        chmod(path, 0700);
        return remove(path);
}

static void rm_rf(const char *dir)
{
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
        char *dir = strdup("/tmp/test_ddf.XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static char *join(const char *dir, const char *name)
{
        char *path;
        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        return path;
}

static void write_file(const char *dir, const char *name, const char *content)
{
        char *path = join(dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
        assert_int_equal(fclose(f), 0);
        free(path);
}

/* A one-object document: ObjectID `oid`, ObjectVersion `version`, Name `name`. */
static char *object_doc(unsigned oid, const char *version, const char *name)
{
        char *doc;
        assert_true(asprintf(&doc,
                             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<LWM2M><Object ObjectType=\"MODefinition\">\n"
                             "<Name>%s</Name><ObjectID>%u</ObjectID>\n"
                             "<ObjectVersion>%s</ObjectVersion>\n"
                             "<Resources><Item ID=\"1\"><Name>R</Name><Operations>R</Operations>"
                             "<Type>Integer</Type></Item></Resources>\n"
                             "</Object></LWM2M>\n",
                             name, oid, version) > 0);
        return doc;
}

static void write_object(const char *dir, const char *file, unsigned oid, const char *version,
                         const char *name)
{
        char *doc = object_doc(oid, version, name);
        write_file(dir, file, doc);
        free(doc);
}

static int load_string(lwm2m_registry *reg, const char *doc, diag_log *log)
{
        return ddf_load_buffer(reg, "test.xml", doc, strlen(doc), record_diag, log);
}

/* ---- good files ------------------------------------------------------- */

static void test_good_temperature(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(
                ddf_load_file(reg, DATA_DIR "/good/3303-temperature.xml", record_diag, &log), 1);
        assert_int_equal(log.n, 0);

        const lwm2m_object_def *obj = lwm2m_registry_find(reg, 3303);
        assert_non_null(obj);
        assert_string_equal(obj->name, "Temperature");
        assert_string_equal(obj->urn, "urn:oma:lwm2m:ext:3303:1.1");
        assert_string_equal(obj->version, "1.1");
        assert_string_equal(obj->lwm2m_version, "1.0");
        assert_true(obj->multiple);
        assert_false(obj->mandatory);
        assert_string_equal(obj->source, DATA_DIR "/good/3303-temperature.xml");

        /* Written 5700, 5601, 5605, 5701, 5750: held in ID order. */
        static const uint16_t ids[] = {5601, 5605, 5700, 5701, 5750};
        assert_int_equal(obj->n_resources, ELEMENTSOF(ids));
        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                assert_int_equal(obj->resources[i].id, ids[i]);

        const lwm2m_resource_def *r = lwm2m_object_def_find_resource(obj, 5700);
        assert_non_null(r);
        assert_string_equal(r->name, "Sensor Value");
        assert_int_equal(r->operations, LWM2M_OP_READ);
        assert_int_equal(r->type, LWM2M_TYPE_FLOAT);
        assert_true(r->mandatory);
        assert_false(r->multiple);
        assert_string_equal(r->units, "Cel");
        assert_string_equal(r->range, "-40..85");
        assert_non_null(r->constraint);

        r = lwm2m_object_def_find_resource(obj, 5601);
        assert_null(r->units);
        assert_null(r->range);
        assert_null(r->constraint);
        assert_false(r->mandatory);

        r = lwm2m_object_def_find_resource(obj, 5605);
        assert_int_equal(r->operations, LWM2M_OP_EXECUTE);
        assert_int_equal(r->type, LWM2M_TYPE_NONE);

        r = lwm2m_object_def_find_resource(obj, 5701); /* <RangeEnumeration/> */
        assert_int_equal(r->type, LWM2M_TYPE_STRING);
        assert_null(r->range);
        assert_null(r->units);

        r = lwm2m_object_def_find_resource(obj, 5750); /* no RangeEnumeration at all */
        assert_int_equal(r->operations, LWM2M_OP_READ | LWM2M_OP_WRITE);
        assert_null(r->range);
        assert_null(r->constraint);

        assert_null(lwm2m_object_def_find_resource(obj, 5702));
        lwm2m_registry_free(reg);
}

static void test_good_odd_order_and_white_space(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(
                ddf_load_file(reg, DATA_DIR "/good/32769-odd-order.xml", record_diag, &log), 1);
        print_log(&log);
        assert_int_equal(log.n, 0);

        const lwm2m_object_def *obj = lwm2m_registry_find(reg, 32769);
        assert_non_null(obj);
        assert_string_equal(obj->name, "Odd & Ordered");
        assert_null(obj->urn);
        assert_string_equal(obj->version, "1.0");
        assert_string_equal(obj->lwm2m_version, "1.0");
        assert_false(obj->multiple);
        assert_true(obj->mandatory);
        assert_int_equal(obj->n_resources, 2);
        assert_int_equal(obj->resources[0].id, 0);
        assert_int_equal(obj->resources[1].id, 7);

        const lwm2m_resource_def *r = &obj->resources[1];
        assert_string_equal(r->name, "Interval in seconds");
        assert_int_equal(r->type, LWM2M_TYPE_UNSIGNED);
        assert_int_equal(r->operations, LWM2M_OP_READ | LWM2M_OP_WRITE);
        assert_string_equal(r->units, "s");
        assert_string_equal(r->range, "0..3600");
        assert_non_null(r->constraint);
        assert_true(r->mandatory);
        assert_true(r->multiple);

        r = &obj->resources[0];
        assert_string_equal(r->name, "Label");
        assert_int_equal(r->type, LWM2M_TYPE_STRING);
        assert_int_equal(r->operations, LWM2M_OP_WRITE);
        assert_false(r->mandatory);
        assert_false(r->multiple);
        lwm2m_registry_free(reg);
}

static void test_good_two_objects_1_0_schema(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(
                ddf_load_file(reg, DATA_DIR "/good/two-objects-1_0.xml", record_diag, &log), 2);
        assert_int_equal(log.n, 0);
        assert_int_equal(lwm2m_registry_count(reg), 2);
        assert_int_equal(lwm2m_registry_resource_count(reg), 1);

        const lwm2m_object_def *a = lwm2m_registry_find(reg, 32770);
        assert_non_null(a);
        assert_null(a->urn); /* <ObjectURN></ObjectURN> */
        assert_false(a->multiple);
        assert_int_equal(a->n_resources, 1);
        assert_int_equal(a->resources[0].type, LWM2M_TYPE_UNSIGNED);
        assert_null(a->resources[0].range);

        const lwm2m_object_def *b = lwm2m_registry_find(reg, 32771);
        assert_non_null(b);
        assert_string_equal(b->name, "Second Test Object");
        assert_true(b->multiple);
        assert_int_equal(b->n_resources, 0);
        assert_null(lwm2m_object_def_find_resource(b, 0));
        lwm2m_registry_free(reg);
}

static void test_files_without_objects_are_skipped(void **state)
{
        static const struct {
                const char *doc;
                const char *needle;
        } cases[] = {
                {"<?xml version=\"1.0\"?>\n<DDFList><Item><ObjectID>1</ObjectID></Item></DDFList>",
                 "<DDFList>"},
                {"<units><registry id=\"senml-units\"/></units>", "<units>"},
                {"<LWM2M><Object ObjectType=\"CommonResources\"><Resources><Item ID=\"4000\">"
                 "<Name>ObjectInstanceHandle</Name><Type>Objlnk</Type></Item></Resources>"
                 "</Object></LWM2M>",
                 "CommonResources"},
                {"<LWM2M/>", "no <Object>"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_registry *reg = lwm2m_registry_new();
                diag_log log = {0};
                assert_int_equal(load_string(reg, cases[i].doc, &log), 0);
                assert_int_equal(log.n, 1);
                const diag_entry *e = expect_diag(&log, LWM2M_DIAG_NOTICE, cases[i].needle);
                assert_non_null(strstr(e->message, "skipped"));
                assert_int_equal(lwm2m_registry_count(reg), 0);
                lwm2m_registry_free(reg);
        }

        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        assert_int_equal(
                ddf_load_file(reg, DATA_DIR "/good/no-object-ddflist.xml", record_diag, &log), 0);
        expect_diag(&log, LWM2M_DIAG_NOTICE, "skipped");
        lwm2m_registry_free(reg);
}

/* ---- bad files -------------------------------------------------------- */

/* Every file in data/ddf/bad, the position and the gist of its one error. */
static const struct {
        const char *file;
        unsigned line;
        unsigned column;
        const char *needle;
} bad_files[] = {
        {"bad-operations.xml", 7, 36, "unknown <Operations> \"RE\""},
        {"doctype-billion-laughs.xml", 2, 0, "DOCTYPE declarations are not allowed"},
        {"duplicate-resource.xml", 9, 7,
         "duplicate resource ID 5 in object 32802 (first at line 7)"},
        {"latin1-declared.xml", 1, 1, "encoding \"ISO-8859-1\" is not supported"},
        {"malformed-mismatched-tag.xml", 7, 49, "mismatched tag"},
        {"missing-objectid.xml", 3, 3, "<Object> has no <ObjectID>"},
        {"not-utf8.xml", 4, 15, "not well-formed (invalid token)"},
        {"objectid-out-of-range.xml", 5, 5, "ObjectID 65535 is out of range"},
        {"unknown-multiple-instances.xml", 6, 5, "unknown <MultipleInstances> \"Many\""},
        {"unknown-type.xml", 10, 9, "unknown <Type> \"Decimal\""},
};

static void test_bad_files_rejected_with_position(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_files); i++) {
                lwm2m_registry *reg = lwm2m_registry_new();
                diag_log log = {0};
                char *path = join(DATA_DIR "/bad", bad_files[i].file);

                assert_int_equal(ddf_load_file(reg, path, record_diag, &log), -EBADMSG);
                assert_int_equal(log.counts[LWM2M_DIAG_ERROR], 1);
                const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, bad_files[i].needle);
                assert_string_equal(e->file, path);
                assert_int_equal(e->line, bad_files[i].line);
                if (bad_files[i].column) /* 0: expat's choice inside the declaration */
                        assert_int_equal(e->column, bad_files[i].column);
                else
                        assert_true(e->column > 0);
                assert_int_equal(lwm2m_registry_count(reg), 0);
                free(path);
                lwm2m_registry_free(reg);
        }
}

static void test_bad_dir_every_file_rejected(void **state)
{
        const char *dirs[] = {DATA_DIR "/bad"};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st), -EBADMSG);
        /* A new file in bad/ must also get an entry in bad_files[]. */
        assert_int_equal(st.files, ELEMENTSOF(bad_files));
        assert_int_equal(st.rejected, ELEMENTSOF(bad_files));
        assert_int_equal(st.objects, 0);
        assert_int_equal(log.counts[LWM2M_DIAG_ERROR], ELEMENTSOF(bad_files));
        lwm2m_registry_free(reg);
}

#define OBJ_HEAD "<LWM2M>\n<Object ObjectType=\"MODefinition\">\n"
#define OBJ_TAIL "</Object>\n</LWM2M>\n"
#define MINI(items)                                                                                \
        OBJ_HEAD "<Name>T</Name><ObjectID>32900</ObjectID>\n<Resources>\n" items                   \
                 "</Resources>\n" OBJ_TAIL
#define ITEM(id, rest) "<Item ID=\"" id "\"><Name>R" id "</Name>" rest "</Item>\n"

static void test_inline_errors(void **state)
{
        static const struct {
                const char *doc;
                unsigned line;
                const char *needle;
        } cases[] = {
                {"", 1, "no element found"},
                {"<LWM2M><Object>", 1, "no element found"},
                {MINI("<Item><Name>X</Name></Item>\n"), 5, "<Item> has no ID attribute"},
                {MINI(ITEM("abc", "")), 5, "resource ID \"abc\" is not a number"},
                {MINI(ITEM("-1", "")), 5, "resource ID \"-1\" is not a number"},
                {MINI(ITEM("65535", "")), 5, "resource ID 65535 is out of range"},
                {MINI(ITEM("99999999999999999999", "")), 5, "is not a number"},
                {OBJ_HEAD "<Name>T</Name><ObjectID>12a</ObjectID>\n" OBJ_TAIL, 3,
                 "ObjectID \"12a\" is not a number"},
                {OBJ_HEAD "<Name>T</Name><ObjectID> </ObjectID>\n" OBJ_TAIL, 3,
                 "<ObjectID> is empty"},
                {OBJ_HEAD "<Name>T</Name><ObjectID>+5</ObjectID>\n" OBJ_TAIL, 3, "is not a number"},
                {OBJ_HEAD "<ObjectID>5</ObjectID>\n" OBJ_TAIL, 2, "object 5 has no <Name>"},
                {OBJ_HEAD "<Name> </Name><ObjectID>5</ObjectID>\n" OBJ_TAIL, 3, "is empty"},
                {OBJ_HEAD "<Name>T</Name><ObjectID>5</ObjectID><ObjectID>6</ObjectID>\n" OBJ_TAIL,
                 3, "<ObjectID> appears twice"},
                {OBJ_HEAD
                 "<Name>T</Name><ObjectID>5</ObjectID><Mandatory>Yes</Mandatory>\n" OBJ_TAIL,
                 3, "unknown <Mandatory> \"Yes\""},
                {OBJ_HEAD "<Name>T</Name><ObjectID>5</ObjectID><ObjectVersion>1.x</"
                          "ObjectVersion>\n" OBJ_TAIL,
                 3, "<ObjectVersion> \"1.x\" is not a version"},
                {OBJ_HEAD "<Name>T</Name><ObjectID>5</ObjectID><LWM2MVersion>1.1.1.1.1</"
                          "LWM2MVersion>\n" OBJ_TAIL,
                 3, "<LWM2MVersion> \"1.1.1.1.1\" is not a version"},
                {OBJ_HEAD "<Name>a<b>c</b></Name><ObjectID>5</ObjectID>\n" OBJ_TAIL, 3,
                 "unexpected element <b>"},
                {MINI("<Item ID=\"1\"><Operations>R</Operations><Type>Integer</Type></Item>\n"), 5,
                 "resource 1 has no <Name>"},
                {MINI(ITEM("1", "<Type>Integer</Type><Type>Float</Type>")), 5,
                 "<Type> appears twice"},
                {MINI(ITEM("1", "<Operations>X</Operations>")), 5, "unknown <Operations> \"X\""},
                {MINI(ITEM("1", "<Operations>RR</Operations>")), 5, "unknown <Operations>"},
                {MINI(ITEM("1", "<Operations>RWE</Operations>")), 5, "unknown <Operations>"},
                {MINI(ITEM("1", "<Type>Integer</Type><MultipleInstances>2</MultipleInstances>")), 5,
                 "unknown <MultipleInstances> \"2\""},
                {MINI(ITEM("1", "<Type>Integer</Type><MultipleInstances></MultipleInstances>")), 5,
                 "unknown <MultipleInstances> \"\""},
                {MINI(ITEM("1", "<Type>String Integer</Type>")), 5, "unknown <Type>"},
                {MINI(ITEM("1", "<Type>&foo;</Type>")), 5, "undefined entity"},
                {MINI(ITEM("1", "<Type>String</Type><Units>&#xD800;</Units>")), 5,
                 "reference to invalid character number"},
                {MINI(ITEM("1", "<Type>String</Type><Units>\xc0\xaf</Units>")), 5, "invalid token"},
                {MINI(ITEM("1", "<Type>String</Type><Units>\xed\xa0\x80</Units>")), 5,
                 "invalid token"},
                {MINI(ITEM("1", "<Type>String</Type><Units>\xf4\x90\x80\x80</Units>")), 5,
                 "invalid token"},
                {"\xfe\xff\0<\0L", 1, "UTF-16"},
                {"\xff\xfe<\0L\0W\0M\0", 1, "UTF-16"},
                {"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<LWM2M/>", 1, "UTF-16"},
                {"<!DOCTYPE LWM2M>\n<LWM2M/>", 1, "DOCTYPE"},
                {"<!DOCTYPE LWM2M SYSTEM \"file:///etc/passwd\">\n<LWM2M>&xxe;</LWM2M>", 1,
                 "DOCTYPE"},
                /* One bad object rejects the whole file, the good one too. */
                {"<LWM2M>\n<Object><Name>A</Name><ObjectID>1</ObjectID></Object>\n"
                 "<Object><Name>B</Name><ObjectID>x</ObjectID></Object>\n</LWM2M>",
                 3, "ObjectID \"x\" is not a number"},
                {"<LWM2M>\n<Object><Name>A</Name><ObjectID>7</ObjectID></Object>\n"
                 "<Object><Name>B</Name><ObjectID>7</ObjectID></Object>\n</LWM2M>",
                 3, "object 7 is defined twice in this file (first at line 2)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_registry *reg = lwm2m_registry_new();
                diag_log log = {0};
                /* Some cases hold NUL bytes: the length is the array's. */
                size_t len = strlen(cases[i].doc);
                if (cases[i].doc[0] == '\xfe')
                        len = 6;
                else if (cases[i].doc[0] == '\xff')
                        len = 10;

                int r = ddf_load_buffer(reg, "inline.xml", cases[i].doc, len, record_diag, &log);
                if (r != -EBADMSG || log.counts[LWM2M_DIAG_ERROR] != 1)
                        print_message("case %zu: r=%d\n", i, r);
                assert_int_equal(r, -EBADMSG);
                assert_int_equal(log.counts[LWM2M_DIAG_ERROR], 1);
                const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, cases[i].needle);
                assert_string_equal(e->file, "inline.xml");
                if (e->line != cases[i].line)
                        print_message("case %zu: line %u\n", i, e->line);
                assert_int_equal(e->line, cases[i].line);
                assert_int_equal(lwm2m_registry_count(reg), 0);
                lwm2m_registry_free(reg);
        }
}

/* ---- sizes ------------------------------------------------------------ */

static char *items_doc(unsigned n_items)
{
        size_t cap = 256 + (size_t)n_items * 96;
        char *doc = malloc(cap);
        assert_non_null(doc);
        size_t len = (size_t)snprintf(doc, cap,
                                      OBJ_HEAD "<Name>T</Name><ObjectID>9</ObjectID>"
                                               "<Resources>\n");
        for (unsigned i = 0; i < n_items; i++)
                len += (size_t)snprintf(doc + len, cap - len,
                                        "<Item ID=\"%u\"><Name>r%u</Name><Operations>R"
                                        "</Operations><Type>Integer</Type></Item>\n",
                                        i, i);
        snprintf(doc + len, cap - len, "</Resources>" OBJ_TAIL);
        return doc;
}

static void test_resource_count_limit(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        char *doc = items_doc(4096);
        assert_int_equal(load_string(reg, doc, &log), 1);
        assert_int_equal(log.n, 0);
        assert_int_equal(lwm2m_registry_find(reg, 9)->n_resources, 4096);
        assert_int_equal(lwm2m_registry_resource_count(reg), 4096);
        free(doc);

        doc = items_doc(4097);
        assert_int_equal(load_string(reg, doc, &log), -EBADMSG);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, "more than 4096 resources");
        assert_int_equal(e->line, 4100);
        free(doc);
        /* The rejected file left the earlier definition alone. */
        assert_int_equal(lwm2m_registry_find(reg, 9)->n_resources, 4096);
        lwm2m_registry_free(reg);
}

static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static void test_text_length_limits(void **state)
{
        static const struct {
                const char *fmt; /* %s: the long text */
                size_t len;
                int expect; /* objects added or -EBADMSG */
                const char *needle;
        } cases[] = {
                {OBJ_HEAD "<Name>%s</Name><ObjectID>1</ObjectID>" OBJ_TAIL, 255, 1, NULL},
                {OBJ_HEAD "<Name>%s</Name><ObjectID>1</ObjectID>" OBJ_TAIL, 256, -EBADMSG,
                 "is 256 bytes long (at most 255)"},
                {OBJ_HEAD "<Name>T</Name><ObjectID>1</ObjectID><ObjectURN>%s</ObjectURN>" OBJ_TAIL,
                 256, -EBADMSG, "<ObjectURN> is 256 bytes long"},
                {MINI(ITEM("1", "<Type>String</Type><Units>%s</Units>")), 128, -EBADMSG,
                 "<Units> is 128 bytes long"},
                {MINI(ITEM("1", "<Type>String</Type><RangeEnumeration>%s</RangeEnumeration>")),
                 1024, -EBADMSG, "<RangeEnumeration> is 1024 bytes long"},
                {MINI(ITEM("1", "<Type>String</Type><Units>%s</Units>")), 5000, -EBADMSG,
                 "longer than 4096 bytes"},
                /* Descriptions are not kept, so their length does not matter. */
                {MINI(ITEM("1", "<Type>String</Type><Description>%s</Description>")), 100000, 1,
                 NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwm2m_registry *reg = lwm2m_registry_new();
                diag_log log = {0};
                char *text = repeat('n', cases[i].len), *doc;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                assert_true(asprintf(&doc, cases[i].fmt, text) > 0);
#pragma GCC diagnostic pop
                assert_int_equal(load_string(reg, doc, &log), cases[i].expect);
                if (cases[i].needle)
                        expect_diag(&log, LWM2M_DIAG_ERROR, cases[i].needle);
                else
                        assert_int_equal(log.n, 0);
                free(doc);
                free(text);
                lwm2m_registry_free(reg);
        }
}

static void test_file_size_limit(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        /* Refused on its length alone, before any parsing. */
        char *big = repeat(' ', DDF_FILE_MAX_BYTES + 1);
        memcpy(big, "<LWM2M>", 7);
        assert_int_equal(
                ddf_load_buffer(reg, "big.xml", big, DDF_FILE_MAX_BYTES + 1, record_diag, &log),
                -EBADMSG);
        expect_diag(&log, LWM2M_DIAG_ERROR, "larger than");
        free(big);

        char *dir = make_tmpdir();
        char *path = join(dir, "big.xml");
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t)DDF_FILE_MAX_BYTES + 1), 0);
        close(fd);
        log = (diag_log){0};
        assert_int_equal(ddf_load_file(reg, path, record_diag, &log), -EBADMSG);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, "larger than");
        assert_string_equal(e->file, path);
        free(path);
        rm_rf(dir);
        free(dir);
        lwm2m_registry_free(reg);
}

/* ---- warnings --------------------------------------------------------- */

static void test_unparseable_range_is_a_warning(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(load_string(reg,
                                     MINI(ITEM("6", "<Operations>R</Operations><Type>Integer"
                                                    "</Type><RangeEnumeration>2 Instances"
                                                    "</RangeEnumeration>")),
                                     &log),
                         1);
        assert_int_equal(log.n, 1);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_WARNING, "\"2 Instances\"");
        assert_non_null(strstr(e->message, "resource 6 (R6)"));
        assert_int_equal(e->line, 5);
        const lwm2m_resource_def *r =
                lwm2m_object_def_find_resource(lwm2m_registry_find(reg, 32900), 6);
        assert_non_null(r);
        assert_string_equal(r->range, "2 Instances");
        assert_null(r->constraint);
        lwm2m_registry_free(reg);
}

static void test_type_warnings(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(load_string(reg,
                                     MINI(ITEM("4", "<Operations>E</Operations><Type>Integer"
                                                    "</Type><RangeEnumeration>0..5"
                                                    "</RangeEnumeration>")
                                                  ITEM("5", "<Operations>R</Operations>"
                                                            "<Type></Type>")
                                                          ITEM("6", "<Operations></Operations>"
                                                                    "<Type>Opaque</Type>")),
                                     &log),
                         1);
        assert_int_equal(log.counts[LWM2M_DIAG_WARNING], 2);
        expect_diag(&log, LWM2M_DIAG_WARNING, "resource 4 (R4) is executable");
        expect_diag(&log, LWM2M_DIAG_WARNING, "resource 5 (R5) is not executable but has no");

        const lwm2m_object_def *obj = lwm2m_registry_find(reg, 32900);
        const lwm2m_resource_def *r = lwm2m_object_def_find_resource(obj, 4);
        assert_int_equal(r->type, LWM2M_TYPE_NONE);
        assert_int_equal(r->operations, LWM2M_OP_EXECUTE);
        assert_null(r->constraint);
        r = lwm2m_object_def_find_resource(obj, 6); /* the Security object's kind */
        assert_int_equal(r->operations, LWM2M_OP_NONE);
        assert_int_equal(r->type, LWM2M_TYPE_OPAQUE);
        lwm2m_registry_free(reg);
}

static void test_buffer_reload_overrides(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        char *a = object_doc(40000, "1.0", "First"), *b = object_doc(40000, "1.0", "Second");

        assert_int_equal(ddf_load_buffer(reg, "a.xml", a, strlen(a), record_diag, &log), 1);
        assert_int_equal(ddf_load_buffer(reg, "b.xml", b, strlen(b), record_diag, &log), 1);
        const diag_entry *e =
                expect_diag(&log, LWM2M_DIAG_NOTICE, "overrides definition from a.xml");
        assert_string_equal(e->file, "b.xml");
        assert_int_equal(lwm2m_registry_count(reg), 1);
        assert_string_equal(lwm2m_registry_find(reg, 40000)->name, "Second");
        assert_string_equal(lwm2m_registry_find(reg, 40000)->source, "b.xml");

        /* Without a callback nothing is reported, and nothing breaks. */
        assert_int_equal(ddf_load_buffer(reg, "c.xml", "<bad", 4, NULL, NULL), -EBADMSG);
        assert_int_equal(ddf_load_buffer(reg, "a.xml", a, strlen(a), NULL, NULL), 1);
        assert_string_equal(lwm2m_registry_find(reg, 40000)->name, "First");
        free(a);
        free(b);
        lwm2m_registry_free(reg);
}

/* Messages cut to length stay valid UTF-8, whatever the parity of the cut. */
static void test_long_messages_stay_utf8(void **state)
{
        for (int shift = 0; shift < 3; shift++) {
                lwm2m_registry *reg = lwm2m_registry_new();
                diag_log log = {0};
                char range[1024] = "", *doc;
                size_t len = 0;
                for (int i = 0; i < shift; i++)
                        range[len++] = 'x';
                while (len + 3 < 1000) {
                        memcpy(range + len, "\xe2\x82\xac", 3); /* the euro sign */
                        len += 3;
                }
                range[len] = '\0';
                assert_true(asprintf(&doc,
                                     MINI(ITEM("1", "<Operations>R</Operations><Type>Integer"
                                                    "</Type><RangeEnumeration>%s"
                                                    "</RangeEnumeration>")),
                                     range) > 0);
                assert_int_equal(load_string(reg, doc, &log), 1);
                const diag_entry *e = expect_diag(&log, LWM2M_DIAG_WARNING, "not understood");
                assert_true(lwm2m_utf8_valid((const uint8_t *)e->message, strlen(e->message)));
                assert_string_equal(lwm2m_registry_find(reg, 32900)->resources[0].range, range);
                free(doc);

                /* Element and attribute names are cut in notices too. */
                char *skipped, letters[128] = "";
                for (int i = 0; i < shift; i++)
                        strcat(letters, "x");
                for (int i = 0; i < 40; i++)
                        strcat(letters, "\xc3\xa9"); /* é, a letter for XML names */
                log = (diag_log){0};
                assert_true(asprintf(&skipped, "<%s/>", letters) > 0);
                assert_int_equal(load_string(reg, skipped, &log), 0);
                e = expect_diag(&log, LWM2M_DIAG_NOTICE, "skipped");
                assert_true(lwm2m_utf8_valid((const uint8_t *)e->message, strlen(e->message)));
                free(skipped);
                log = (diag_log){0};
                assert_true(asprintf(&skipped, "<LWM2M><Object ObjectType=\"%s\"/></LWM2M>",
                                     letters) > 0);
                assert_int_equal(load_string(reg, skipped, &log), 0);
                e = expect_diag(&log, LWM2M_DIAG_NOTICE, "skipped");
                assert_true(lwm2m_utf8_valid((const uint8_t *)e->message, strlen(e->message)));
                free(skipped);
                lwm2m_registry_free(reg);
        }
}

/* ---- directories ------------------------------------------------------ */

static void test_dirs_empty_and_missing(void **state)
{
        char *dir = make_tmpdir();
        char *missing = join(dir, "nonexistent");
        const char *dirs[] = {dir, missing};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st), 0);
        assert_int_equal(log.n, 0);
        assert_int_equal(st.files, 0);
        assert_int_equal(st.objects, 0);
        assert_int_equal(st.rejected, 0);

        assert_int_equal(ddf_load_dirs(reg, dirs, 2, record_diag, &log, &st), 0);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_WARNING, "does not exist");
        assert_string_equal(e->file, missing);
        assert_int_equal(st.warnings, 1);
        assert_int_equal(st.rejected, 0);

        assert_int_equal(ddf_load_dirs(reg, NULL, 0, NULL, NULL, NULL), 0);
        free(missing);
        rm_rf(dir);
        free(dir);
        lwm2m_registry_free(reg);
}

static void test_dirs_later_directory_overrides(void **state)
{
        char *d1 = make_tmpdir(), *d2 = make_tmpdir();
        write_object(d1, "40001.xml", 40001, "1.0", "Vendor");
        write_object(d1, "40002.xml", 40002, "1.0", "Kept");
        write_object(d2, "local.xml", 40001, "1.0", "Local");

        const char *dirs[] = {d1, d2};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 2, record_diag, &log, &st), 0);
        assert_int_equal(st.files, 3);
        assert_int_equal(st.objects, 2);
        assert_int_equal(st.resources, 2);
        assert_int_equal(st.overridden, 1);
        assert_int_equal(st.rejected, 0);
        assert_int_equal(st.warnings, 0);
        assert_string_equal(lwm2m_registry_find(reg, 40001)->name, "Local");
        assert_string_equal(lwm2m_registry_find(reg, 40002)->name, "Kept");

        char *old = join(d1, "40001.xml"), *new = join(d2, "local.xml"), *needle;
        assert_true(asprintf(&needle, "overrides definition from %s", old) > 0);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_NOTICE, needle);
        assert_string_equal(e->file, new);
        assert_string_equal(lwm2m_registry_find(reg, 40001)->source, new);
        lwm2m_registry_free(reg);

        /* The other way round, the vendor's file wins. */
        const char *reversed[] = {d2, d1};
        reg = lwm2m_registry_new();
        assert_int_equal(ddf_load_dirs(reg, reversed, 2, NULL, NULL, &st), 0);
        assert_string_equal(lwm2m_registry_find(reg, 40001)->name, "Vendor");
        assert_int_equal(st.overridden, 1);
        lwm2m_registry_free(reg);

        free(needle);
        free(old);
        free(new);
        rm_rf(d1);
        rm_rf(d2);
        free(d1);
        free(d2);
}

static void check_same_dir(const char *va, const char *vb, const char *kept_file,
                           const char *kept_version)
{
        char *dir = make_tmpdir();
        write_object(dir, "a.xml", 40003, va, "A");
        write_object(dir, "b.xml", 40003, vb, "B");
        const char *dirs[] = {dir};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st), 0);
        assert_int_equal(st.objects, 1);
        assert_int_equal(st.warnings, 1);
        assert_int_equal(st.rejected, 0);
        const lwm2m_object_def *obj = lwm2m_registry_find(reg, 40003);
        assert_string_equal(obj->version, kept_version);
        char *kept = join(dir, kept_file), *a = join(dir, "a.xml"), *b = join(dir, "b.xml");
        assert_string_equal(obj->source, kept);
        /* The warning names both files. */
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_WARNING, "is also defined in");
        assert_true(strstr(e->message, a) || strcmp(e->file, a) == 0);
        assert_true(strstr(e->message, b) || strcmp(e->file, b) == 0);
        assert_non_null(strstr(e->message, kept_version));
        free(kept);
        free(a);
        free(b);
        lwm2m_registry_free(reg);
        rm_rf(dir);
        free(dir);
}

static void test_dirs_same_directory_keeps_higher_version(void **state)
{
        check_same_dir("1.1", "1.0", "a.xml", "1.1");
        check_same_dir("1.0", "2.0", "b.xml", "2.0");
        check_same_dir("1.10", "1.9", "a.xml", "1.10"); /* numbers, not text */
        check_same_dir("1.0", "1.0", "a.xml", "1.0");   /* a tie: the first in name order */
}

static void test_dirs_bad_files_do_not_stop_the_rest(void **state)
{
        char *dir = make_tmpdir();
        write_object(dir, "1-good.xml", 40004, "1.0", "Good");
        write_file(dir, "2-bad.xml", "<LWM2M><Object>");
        write_file(dir, "3-nothing.xml", "<DDFList/>");
        write_file(dir, "README.md", "not a definition");
        write_file(dir, ".hidden.xml", "<broken");
        write_file(dir, "x.xml~", "<broken");
        char *sub = join(dir, "4-dir.xml");
        assert_int_equal(mkdir(sub, 0755), 0);
        char *link = join(dir, "5-dangling.xml");
        assert_int_equal(symlink("/nonexistent/target.xml", link), 0);
        char *fifo = join(dir, "6-fifo.xml");
        assert_int_equal(mkfifo(fifo, 0644), 0);
        write_object(dir, "7-unreadable.xml", 40005, "1.0", "Secret");
        char *unreadable = join(dir, "7-unreadable.xml");
        assert_int_equal(chmod(unreadable, 0), 0);
        /* root reads it anyway (the tests run as root in CI). */
        bool root = geteuid() == 0;

        const char *dirs[] = {dir};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st), -EBADMSG);
        assert_int_equal(st.files, 7);
        assert_int_equal(st.skipped, 1);
        assert_int_equal(st.rejected, root ? 4 : 5);
        assert_int_equal(st.objects, root ? 2 : 1);
        assert_non_null(lwm2m_registry_find(reg, 40004));

        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, "directory");
        assert_string_equal(e->file, sub);
        assert_int_equal(e->line, 0);
        e = expect_diag(&log, LWM2M_DIAG_ERROR, "No such file or directory");
        assert_string_equal(e->file, link);
        e = expect_diag(&log, LWM2M_DIAG_ERROR, "not a regular file");
        assert_string_equal(e->file, fifo);
        if (!root) {
                e = expect_diag(&log, LWM2M_DIAG_ERROR, "Permission denied");
                assert_string_equal(e->file, unreadable);
        }
        expect_diag(&log, LWM2M_DIAG_ERROR, "no element found");

        /* Files are taken in byte order of their names. */
        size_t n = log.n < ELEMENTSOF(log.entries) ? log.n : ELEMENTSOF(log.entries);
        for (size_t i = 1; i < n; i++)
                assert_true(strcmp(log.entries[i - 1].file, log.entries[i].file) <= 0);

        lwm2m_registry_free(reg);
        free(sub);
        free(link);
        free(fifo);
        free(unreadable);
        rm_rf(dir);
        free(dir);
}

static void test_load_file_errors(void **state)
{
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};

        assert_int_equal(ddf_load_file(reg, "/nonexistent/x.xml", record_diag, &log), -ENOENT);
        const diag_entry *e = expect_diag(&log, LWM2M_DIAG_ERROR, "cannot open");
        assert_string_equal(e->file, "/nonexistent/x.xml");
        assert_int_equal(ddf_load_file(reg, DATA_DIR, record_diag, &log), -EISDIR);
        assert_int_equal(ddf_load_file(NULL, DATA_DIR, NULL, NULL), -EINVAL);
        assert_int_equal(ddf_load_buffer(reg, "x", NULL, 5, NULL, NULL), -EINVAL);
        lwm2m_registry_free(reg);
}

static void test_good_dir_stats(void **state)
{
        const char *dirs[] = {DATA_DIR "/good"};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        assert_int_equal(ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st), 0);
        assert_int_equal(st.files, 4);
        assert_int_equal(st.objects, 4);
        assert_int_equal(st.resources, 8);
        assert_int_equal(st.skipped, 1);
        assert_int_equal(st.rejected, 0);
        assert_int_equal(st.warnings, 0);
        assert_int_equal(log.counts[LWM2M_DIAG_NOTICE], 1);
        lwm2m_registry_free(reg);
}

/* ---- the OMA registry ------------------------------------------------- */

static void test_oma_registry_loads(void **state)
{
        struct stat sb;
        if (stat(REGISTRY_DIR, &sb) < 0) {
                print_message("OMA registry copy not found at %s; skipping\n", REGISTRY_DIR);
                skip();
        }

        /* The object files are the ones named after their ID. */
        regex_t re;
        assert_int_equal(regcomp(&re, "^[0-9]+\\.xml$", REG_EXTENDED | REG_NOSUB), 0);
        struct dirent **names;
        int n = scandir(REGISTRY_DIR, &names, NULL, alphasort);
        assert_true(n > 0);
        unsigned object_files = 0, xml_files = 0;
        for (int i = 0; i < n; i++) {
                size_t len = strlen(names[i]->d_name);
                if (names[i]->d_name[0] != '.' && len > 4 &&
                    strcmp(names[i]->d_name + len - 4, ".xml") == 0)
                        xml_files++;
                if (regexec(&re, names[i]->d_name, 0, NULL, 0) == 0)
                        object_files++;
                free(names[i]);
        }
        free(names);
        regfree(&re);

        const char *dirs[] = {REGISTRY_DIR};
        lwm2m_registry *reg = lwm2m_registry_new();
        diag_log log = {0};
        ddf_load_stats st;

        int r = ddf_load_dirs(reg, dirs, 1, record_diag, &log, &st);
        if (r != 0)
                print_log(&log);
        assert_int_equal(r, 0);
        assert_int_equal(log.counts[LWM2M_DIAG_ERROR], 0);
        assert_int_equal(st.rejected, 0);
        assert_int_equal(st.files, xml_files);
        assert_int_equal(st.objects, object_files);
        assert_int_equal(st.skipped, xml_files - object_files);
        assert_int_equal(st.overridden, 0);
        assert_true(object_files >= 327);
        print_message("OMA registry: %u files, %u objects, %u resources, %u warnings\n", st.files,
                      st.objects, st.resources, st.warnings);

        size_t resources = 0;
        for (size_t i = 0; i < lwm2m_registry_count(reg); i++) {
                const lwm2m_object_def *obj = lwm2m_registry_at(reg, i);
                char expect[32];
                snprintf(expect, sizeof(expect), "/%u.xml", (unsigned)obj->id);
                assert_non_null(strstr(obj->source, expect));
                assert_true(strlen(obj->name) > 0);
                if (i > 0)
                        assert_true(lwm2m_registry_at(reg, i - 1)->id < obj->id);
                for (size_t k = 0; k < obj->n_resources; k++) {
                        const lwm2m_resource_def *res = &obj->resources[k];
                        assert_true(strlen(res->name) > 0);
                        if (k > 0)
                                assert_true(obj->resources[k - 1].id < res->id);
                        assert_ptr_equal(lwm2m_object_def_find_resource(obj, res->id), res);
                        if (res->operations == LWM2M_OP_EXECUTE)
                                assert_int_equal(res->type, LWM2M_TYPE_NONE);
                }
                resources += obj->n_resources;
        }
        assert_int_equal(resources, st.resources);

        /* Spot checks against the registry's text. */
        const lwm2m_object_def *dev = lwm2m_registry_find(reg, 3);
        assert_non_null(dev);
        assert_string_equal(dev->name, "Device");
        const lwm2m_resource_def *reboot = lwm2m_object_def_find_resource(dev, 4);
        assert_non_null(reboot);
        assert_int_equal(reboot->operations, LWM2M_OP_EXECUTE);
        const lwm2m_object_def *temp = lwm2m_registry_find(reg, 3303);
        assert_non_null(temp);
        assert_int_equal(lwm2m_object_def_find_resource(temp, 5700)->type, LWM2M_TYPE_FLOAT);
        lwm2m_registry_free(reg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_temperature),
                cmocka_unit_test(test_good_odd_order_and_white_space),
                cmocka_unit_test(test_good_two_objects_1_0_schema),
                cmocka_unit_test(test_files_without_objects_are_skipped),
                cmocka_unit_test(test_bad_files_rejected_with_position),
                cmocka_unit_test(test_bad_dir_every_file_rejected),
                cmocka_unit_test(test_inline_errors),
                cmocka_unit_test(test_resource_count_limit),
                cmocka_unit_test(test_text_length_limits),
                cmocka_unit_test(test_file_size_limit),
                cmocka_unit_test(test_unparseable_range_is_a_warning),
                cmocka_unit_test(test_type_warnings),
                cmocka_unit_test(test_buffer_reload_overrides),
                cmocka_unit_test(test_long_messages_stay_utf8),
                cmocka_unit_test(test_dirs_empty_and_missing),
                cmocka_unit_test(test_dirs_later_directory_overrides),
                cmocka_unit_test(test_dirs_same_directory_keeps_higher_version),
                cmocka_unit_test(test_dirs_bad_files_do_not_stop_the_rest),
                cmocka_unit_test(test_load_file_errors),
                cmocka_unit_test(test_good_dir_stats),
                cmocka_unit_test(test_oma_registry_loads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
