/* ddf_parse.c - the SAX side of the DDF loader: expat's callbacks walk LWM2M/Object/Resources/
 * Item, hand each field's text to the builder, and refuse what a DDF never needs (DTDs, UTF-16). */
#include "model/ddf_parse.h"

#include <assert.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macro.h"

#define DDF_TEXT_MAX   4096 /* any element whose text is kept */
#define DDF_READ_CHUNK ((size_t)64 * 1024)

typedef struct field_name {
        const char *element;
        ddf_field field;
} field_name;

static const field_name object_fields[] = {
        {"Name", DDF_FIELD_OBJ_NAME},
        {"ObjectID", DDF_FIELD_OBJ_ID},
        {"ObjectURN", DDF_FIELD_OBJ_URN},
        {"LWM2MVersion", DDF_FIELD_OBJ_LWM2M_VERSION},
        {"ObjectVersion", DDF_FIELD_OBJ_VERSION},
        {"MultipleInstances", DDF_FIELD_OBJ_MULTIPLE},
        {"Mandatory", DDF_FIELD_OBJ_MANDATORY},
        {"Description1", DDF_FIELD_IGNORED},
        {"Description2", DDF_FIELD_IGNORED},
};

static const field_name resource_fields[] = {
        {"Name", DDF_FIELD_RES_NAME},
        {"Operations", DDF_FIELD_RES_OPERATIONS},
        {"MultipleInstances", DDF_FIELD_RES_MULTIPLE},
        {"Mandatory", DDF_FIELD_RES_MANDATORY},
        {"Type", DDF_FIELD_RES_TYPE},
        {"RangeEnumeration", DDF_FIELD_RES_RANGE},
        {"Units", DDF_FIELD_RES_UNITS},
        {"Description", DDF_FIELD_IGNORED},
};

typedef enum ddf_level {
        LEVEL_DOCUMENT,  /* before the root element */
        LEVEL_ROOT,      /* inside <LWM2M> */
        LEVEL_OBJECT,    /* inside <Object> */
        LEVEL_RESOURCES, /* inside <Resources> */
        LEVEL_ITEM,      /* inside <Item> */
        LEVEL_FIELD,     /* inside a field whose text is kept */
} ddf_level;

typedef struct ddf_parser {
        XML_Parser xml;
        ddf_builder b;
        bool stopped; /* XML_StopParser has been called for b.rep.error */
        size_t bytes;

        ddf_level level;
        unsigned depth;
        unsigned skip_depth; /* > 0: inside an element whose subtree is ignored */
        char root[32];       /* the root element, for the notice on skipped files */
        char other_type[32]; /* ObjectType of a skipped <Object>, ditto */

        ddf_field field;
        char text[DDF_TEXT_MAX + 1];
        size_t text_len;
} ddf_parser;

static ddf_position current_position(const ddf_parser *p)
{
        /* expat counts columns from 0; diagnostics count from 1, as compilers do. */
        return (ddf_position){(unsigned)XML_GetCurrentLineNumber(p->xml),
                              (unsigned)XML_GetCurrentColumnNumber(p->xml) + 1};
}

/* Trims the collected text in place and returns it. */
static char *field_text(ddf_parser *p)
{
        while (p->text_len > 0 && ddf_is_blank(p->text[p->text_len - 1]))
                p->text_len--;
        p->text[p->text_len] = '\0';
        return p->text;
}

static const char *attribute(const XML_Char **attrs, const char *name)
{
        for (size_t i = 0; attrs[i]; i += 2)
                if (strcmp(attrs[i], name) == 0)
                        return attrs[i + 1];
        return NULL;
}

static ddf_field lookup_field(const field_name *table, size_t n, const char *element)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].element, element) == 0)
                        return table[i].field;
        return DDF_FIELD_NONE;
}

static void start_object(ddf_parser *p, const XML_Char **attrs)
{
        const char *type = attribute(attrs, "ObjectType");

        /* The 1.0 and 1.1 schemas both say MODefinition; a hand-written file
         * that leaves the attribute out still means an object definition.
         * Common.xml uses the same element for "CommonResources". */
        if (type && strcmp(type, "MODefinition") != 0) {
                if (!p->other_type[0])
                        ddf_copy_cut(p->other_type, sizeof(p->other_type), type);
                p->skip_depth = p->depth;
                return;
        }
        if (ddf_build_object_start(&p->b, current_position(p)))
                p->level = LEVEL_OBJECT;
}

static void start_item(ddf_parser *p, const XML_Char **attrs)
{
        if (ddf_build_item_start(&p->b, current_position(p), attribute(attrs, "ID")))
                p->level = LEVEL_ITEM;
}

/* The builder reports a rejected file; expat is told to stop here, in the callback. */
static void stop_if_failed(ddf_parser *p)
{
        if (p->b.rep.error && !p->stopped) {
                p->stopped = true;
                XML_StopParser(p->xml, XML_FALSE);
        }
}

static void start_field(ddf_parser *p, ddf_field field, const char *element, unsigned *seen)
{
        ddf_position at = current_position(p);

        if (field == DDF_FIELD_IGNORED) {
                p->skip_depth = p->depth;
                return;
        }
        if (*seen & (1u << field)) {
                ddf_fail_at(&p->b.rep, at, "<%s> appears twice", element);
                return;
        }
        *seen |= 1u << field;
        p->field = field;
        p->b.field_at = at;
        p->text_len = 0;
        p->level = LEVEL_FIELD;
}

static void XMLCALL on_start(void *userdata, const XML_Char *element, const XML_Char **attrs)
{
        ddf_parser *p = userdata;
        ddf_field field;

        if (p->b.rep.error)
                return;
        p->depth++;
        if (p->skip_depth)
                return;

        switch (p->level) {
        case LEVEL_DOCUMENT:
                ddf_copy_cut(p->root, sizeof(p->root), element);
                if (strcmp(element, "LWM2M") == 0)
                        p->level = LEVEL_ROOT;
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_ROOT:
                if (strcmp(element, "Object") == 0)
                        start_object(p, attrs);
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_OBJECT:
                if (strcmp(element, "Resources") == 0) {
                        p->level = LEVEL_RESOURCES;
                        break;
                }
                field = lookup_field(object_fields, ELEMENTSOF(object_fields), element);
                if (field == DDF_FIELD_NONE)
                        p->skip_depth = p->depth; /* a later schema's addition */
                else
                        start_field(p, field, element, &p->b.obj.seen);
                break;
        case LEVEL_RESOURCES:
                if (strcmp(element, "Item") == 0)
                        start_item(p, attrs);
                else
                        p->skip_depth = p->depth;
                break;
        case LEVEL_ITEM:
                field = lookup_field(resource_fields, ELEMENTSOF(resource_fields), element);
                if (field == DDF_FIELD_NONE)
                        p->skip_depth = p->depth;
                else
                        start_field(p, field, element, &ddf_build_current_resource(&p->b)->seen);
                break;
        case LEVEL_FIELD:
                ddf_fail_at(&p->b.rep, current_position(p),
                            "unexpected element <%s> inside a text field", element);
                break;
        }
        stop_if_failed(p);
}

static void XMLCALL on_end(void *userdata, const XML_Char *element)
{
        ddf_parser *p = userdata;

        if (p->b.rep.error)
                return;
        if (p->skip_depth) {
                if (p->depth == p->skip_depth)
                        p->skip_depth = 0;
                p->depth--;
                return;
        }
        p->depth--;

        switch (p->level) {
        case LEVEL_FIELD:
                ddf_build_field(&p->b, p->field, field_text(p));
                p->level = p->field < DDF_FIELD_RES_NAME ? LEVEL_OBJECT : LEVEL_ITEM;
                p->field = DDF_FIELD_NONE;
                break;
        case LEVEL_ITEM:
                ddf_build_item_end(&p->b);
                p->level = LEVEL_RESOURCES;
                break;
        case LEVEL_RESOURCES:
                p->level = LEVEL_OBJECT;
                break;
        case LEVEL_OBJECT:
                ddf_build_object_end(&p->b);
                p->level = LEVEL_ROOT;
                break;
        case LEVEL_ROOT:
        case LEVEL_DOCUMENT:
                p->level = LEVEL_DOCUMENT;
                break;
        }
        stop_if_failed(p);
}

static void XMLCALL on_text(void *userdata, const XML_Char *s, int len)
{
        ddf_parser *p = userdata;

        if (p->b.rep.error || p->skip_depth || p->level != LEVEL_FIELD || len <= 0)
                return;
        /* Leading white space is dropped here so that indentation never counts
         * against the limit; trailing white space is trimmed at the end. */
        if (p->text_len == 0)
                while (len > 0 && ddf_is_blank(*s)) {
                        s++;
                        len--;
                }
        if ((size_t)len > DDF_TEXT_MAX - p->text_len) {
                ddf_fail_at(&p->b.rep, p->b.field_at, "element text is longer than %d bytes",
                            DDF_TEXT_MAX);
                stop_if_failed(p);
                return;
        }
        memcpy(p->text + p->text_len, s, (size_t)len);
        p->text_len += (size_t)len;
}

static void XMLCALL on_xml_decl(void *userdata, const XML_Char *version, const XML_Char *encoding,
                                int standalone)
{
        ddf_parser *p = userdata;

        if (p->b.rep.error || !encoding)
                return;
        /* expat would transcode Latin-1 and friends; the registry is UTF-8 only,
         * and a wrong declaration is more likely a mistake than intent. */
        if (strcasecmp(encoding, "UTF-8") != 0 && strcasecmp(encoding, "US-ASCII") != 0)
                ddf_fail_at(&p->b.rep, current_position(p),
                            "encoding \"%s\" is not supported (DDF files must be UTF-8)", encoding);
        stop_if_failed(p);
}

/* Entities are how "billion laughs" documents explode; a DDF never needs them. */
static void XMLCALL on_doctype(void *userdata, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
        ddf_parser *p = userdata;

        ddf_fail_at(&p->b.rep, current_position(p),
                    "DOCTYPE declarations are not allowed in DDF files");
        stop_if_failed(p);
}

static void XMLCALL on_entity_decl(void *userdata, const XML_Char *name, int is_parameter,
                                   const XML_Char *value, int value_length, const XML_Char *base,
                                   const XML_Char *system_id, const XML_Char *public_id,
                                   const XML_Char *notation)
{
        ddf_parser *p = userdata;

        ddf_fail_at(&p->b.rep, current_position(p),
                    "entity declarations are not allowed in DDF files");
        stop_if_failed(p);
}

void ddf_parser_free(ddf_parser *p)
{
        if (!p)
                return;
        ddf_builder_done(&p->b);
        if (p->xml)
                XML_ParserFree(p->xml);
        free(p);
}

static ddf_parser *parser_new(const char *name, lwm2m_diag_fn diag, void *userdata)
{
        ddf_parser *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        ddf_builder_init(&p->b, name, diag, userdata);
        /* Forcing UTF-8 makes expat reject bytes that are not UTF-8 instead of
         * guessing another encoding from the declaration. */
        p->xml = XML_ParserCreate("UTF-8");
        if (!p->xml) {
                free(p);
                return NULL;
        }
        XML_SetUserData(p->xml, p);
        XML_SetElementHandler(p->xml, on_start, on_end);
        XML_SetCharacterDataHandler(p->xml, on_text);
        XML_SetXmlDeclHandler(p->xml, on_xml_decl);
        XML_SetStartDoctypeDeclHandler(p->xml, on_doctype);
        XML_SetEntityDeclHandler(p->xml, on_entity_decl);
        XML_SetParamEntityParsing(p->xml, XML_PARAM_ENTITY_PARSING_NEVER);
        return p;
}

/* The first bytes tell UTF-16 and UTF-32 apart from UTF-8: a byte-order mark
 * or a NUL byte, which UTF-8 XML never contains. expat honours such a BOM even
 * when told the document is UTF-8. */
static bool looks_wide(const uint8_t *s, size_t len)
{
        if (len >= 2 && ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe)))
                return true;
        for (size_t i = 0; i < len && i < 4; i++)
                if (s[i] == 0)
                        return true;
        return false;
}

static void report_xml_error(ddf_parser *p)
{
        if (p->b.rep.error)
                return; /* ours, already reported; expat says "parsing aborted" */
        ddf_fail_at(&p->b.rep, current_position(p), "%s",
                    XML_ErrorString(XML_GetErrorCode(p->xml)));
}

static int parser_feed_first(ddf_parser *p, const void *data, size_t len)
{
        if (p->bytes == 0 && looks_wide(data, len)) {
                ddf_fail_at(&p->b.rep, (ddf_position){1, 1},
                            "the file is UTF-16 or UTF-32 (DDF files must be UTF-8)");
                return p->b.rep.error;
        }
        return 0;
}

static int parser_feed(ddf_parser *p, const void *data, size_t len, bool final)
{
        if (parser_feed_first(p, data, len) < 0)
                return p->b.rep.error;
        p->bytes += len;
        if (p->bytes > DDF_FILE_MAX_BYTES) {
                ddf_fail_at(&p->b.rep, (ddf_position){0, 0}, "the file is larger than %zu bytes",
                            DDF_FILE_MAX_BYTES);
                return p->b.rep.error;
        }
        /* Chunks are at most DDF_FILE_MAX_BYTES, well inside int. */
        if (XML_Parse(p->xml, data, (int)len, final) == XML_STATUS_ERROR)
                report_xml_error(p);
        return p->b.rep.error;
}

/* After the whole document: the file's definitions, or a notice that it has none. */
static int parser_finish(ddf_parser *p)
{
        if (p->b.rep.error)
                return p->b.rep.error;
        if (p->b.n_defs == 0) {
                if (strcmp(p->root, "LWM2M") != 0)
                        ddf_emit(&p->b.rep, LWM2M_DIAG_NOTICE, 0, 0,
                                 "no LwM2M object definition (the document is <%s>); skipped",
                                 p->root);
                else if (p->other_type[0])
                        ddf_emit(&p->b.rep, LWM2M_DIAG_NOTICE, 0, 0,
                                 "no LwM2M object definition (ObjectType \"%s\"); skipped",
                                 p->other_type);
                else
                        ddf_emit(&p->b.rep, LWM2M_DIAG_NOTICE, 0, 0,
                                 "no <Object> element; skipped");
        }
        return 0;
}

int ddf_parse_buffer(const char *name, const void *data, size_t len, lwm2m_diag_fn diag,
                     void *userdata, ddf_parser **out)
{
        assert(out);
        _cleanup_(ddf_parser_freep) ddf_parser *p = parser_new(name, diag, userdata);
        if (!p)
                return -ENOMEM;
        if (len > DDF_FILE_MAX_BYTES) {
                ddf_fail_at(&p->b.rep, (ddf_position){0, 0}, "the file is larger than %zu bytes",
                            DDF_FILE_MAX_BYTES);
                return p->b.rep.error;
        }
        int r = parser_feed(p, data, len, true);
        if (r < 0)
                return r;
        r = parser_finish(p);
        if (r < 0)
                return r;
        *out = TAKE_PTR(p);
        return 0;
}

int ddf_parse_file(const char *path, lwm2m_diag_fn diag, void *userdata, ddf_parser **out)
{
        assert(out);
        _cleanup_(ddf_parser_freep) ddf_parser *p = parser_new(path, diag, userdata);
        if (!p)
                return -ENOMEM;

        /* O_NONBLOCK: a FIFO named *.xml must not hang the daemon's start. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                ddf_emit(&p->b.rep, LWM2M_DIAG_ERROR, 0, 0, "cannot open: %s", strerror(e));
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                ddf_emit(&p->b.rep, LWM2M_DIAG_ERROR, 0, 0, "cannot stat: %s", strerror(e));
                return -e;
        }
        if (S_ISDIR(st.st_mode)) {
                ddf_emit(&p->b.rep, LWM2M_DIAG_ERROR, 0, 0, "cannot read: it is a directory");
                return -EISDIR;
        }
        if (!S_ISREG(st.st_mode)) {
                ddf_emit(&p->b.rep, LWM2M_DIAG_ERROR, 0, 0, "cannot read: not a regular file");
                return -EINVAL;
        }
        if ((uint64_t)st.st_size > DDF_FILE_MAX_BYTES) {
                ddf_fail_at(&p->b.rep, (ddf_position){0, 0}, "the file is larger than %zu bytes",
                            DDF_FILE_MAX_BYTES);
                return p->b.rep.error;
        }

        for (;;) {
                void *buf = XML_GetBuffer(p->xml, (int)DDF_READ_CHUNK);
                if (!buf)
                        return -ENOMEM;
                ssize_t n = read(fd, buf, DDF_READ_CHUNK);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        ddf_emit(&p->b.rep, LWM2M_DIAG_ERROR, 0, 0, "cannot read: %s", strerror(e));
                        return -e;
                }
                if (parser_feed_first(p, buf, (size_t)n) < 0)
                        return p->b.rep.error;
                p->bytes += (size_t)n;
                if (p->bytes > DDF_FILE_MAX_BYTES) {
                        ddf_fail_at(&p->b.rep, (ddf_position){0, 0},
                                    "the file is larger than %zu bytes", DDF_FILE_MAX_BYTES);
                        return p->b.rep.error;
                }
                if (XML_ParseBuffer(p->xml, (int)n, n == 0) == XML_STATUS_ERROR) {
                        report_xml_error(p);
                        return p->b.rep.error;
                }
                if (n == 0)
                        break;
        }
        int r = parser_finish(p);
        if (r < 0)
                return r;
        *out = TAKE_PTR(p);
        return 0;
}

ddf_builder *ddf_parser_result(ddf_parser *p)
{
        assert(p);
        assert(p);
        return &p->b;
}
