/* bench_formats.c - encode and decode throughput, payload size and heap allocations per encode of
 * every value codec (text, opaque, TLV, LwM2M JSON, SenML JSON, SenML CBOR, LwM2M CBOR). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_count.h"
#include "formats/format.h"

/* How long each measurement runs. */
#define RUN_SECONDS 0.3
/* Operations between two looks at the clock. */
#define BATCH 16
/* The ratios to TLV: turns per format and seconds per turn. */
#define RATIO_ROUNDS  5
#define RATIO_SECONDS 0.1
/* Encodes over which allocations are counted. */
#define ALLOC_ROUNDS 64

typedef struct scenario {
        const char *name;
        lwm2m_path base;
        lwm2m_record_list recs;
} scenario;

static const struct {
        uint16_t format;
        const char *label;
} formats[] = {
        {LWM2M_FORMAT_TEXT, "text"},
        {LWM2M_FORMAT_OPAQUE, "opaque"},
        {LWM2M_FORMAT_TLV, "TLV"},
        {LWM2M_FORMAT_LWM2M_JSON, "LwM2M JSON"},
        {LWM2M_FORMAT_SENML_JSON, "SenML JSON"},
        {LWM2M_FORMAT_SENML_CBOR, "SenML CBOR"},
        {LWM2M_FORMAT_LWM2M_CBOR, "LwM2M CBOR"},
};
/* formats[TLV_INDEX] is TLV, the yardstick of the ratios. */
#define TLV_INDEX 2

/* The resource types the decoders are told, as a server's registry would. */
static const struct {
        uint16_t oid, rid;
        lwm2m_type type;
        bool multiple;
} registry[] = {
        {3, 0, LWM2M_TYPE_STRING, false},       {3, 1, LWM2M_TYPE_STRING, false},
        {3, 2, LWM2M_TYPE_STRING, false},       {3, 3, LWM2M_TYPE_STRING, false},
        {3, 6, LWM2M_TYPE_INTEGER, true},       {3, 9, LWM2M_TYPE_INTEGER, false},
        {3, 10, LWM2M_TYPE_INTEGER, false},     {3, 11, LWM2M_TYPE_INTEGER, true},
        {3, 13, LWM2M_TYPE_TIME, false},        {3, 14, LWM2M_TYPE_STRING, false},
        {3, 15, LWM2M_TYPE_STRING, false},      {3, 16, LWM2M_TYPE_STRING, false},
        {5, 0, LWM2M_TYPE_OPAQUE, false},       {3303, 5700, LWM2M_TYPE_FLOAT, false},
        {3303, 5701, LWM2M_TYPE_STRING, false},
};

static int resolve(void *userdata, const lwm2m_path *path, lwm2m_type *type, bool *multiple)
{
        for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
                if (registry[i].oid == path->id[0] && registry[i].rid == path->id[2]) {
                        *type = registry[i].type;
                        *multiple = registry[i].multiple;
                        return 0;
                }
        }
        return -ENOENT;
}

static const lwm2m_resolver resolver = {.resource = resolve};

static void die(const char *what, int r)
{
        fprintf(stderr, "bench_formats: %s: %s\n", what, strerror(-r));
        exit(EXIT_FAILURE);
}

static void add(scenario *s, lwm2m_path path, lwm2m_value v)
{
        int r = lwm2m_record_list_add_value(&s->recs, &path, &v);
        if (r < 0)
                die("building records", r);
}

static void add_bytes(scenario *s, lwm2m_path path, lwm2m_type type, const void *data, size_t len)
{
        lwm2m_value v = {0};
        int r = lwm2m_value_set_bytes(&v, type, data, len);
        if (r < 0)
                die("building records", r);
        add(s, path, v);
        lwm2m_value_clear(&v);
}

static void add_string(scenario *s, lwm2m_path path, const char *text)
{
        add_bytes(s, path, LWM2M_TYPE_STRING, text, strlen(text));
}

/* Read /3/0: a gateway's Device object instance. */
static void build_device(scenario *s)
{
        *s = (scenario){.name = "Device /3/0", .base = lwm2m_path_instance(3, 0)};
        add_string(s, lwm2m_path_resource(3, 0, 0), "Acme Industrial Gateways GmbH");
        add_string(s, lwm2m_path_resource(3, 0, 1), "GW-4200-LTE");
        add_string(s, lwm2m_path_resource(3, 0, 2), "AC42-0017-3391");
        add_string(s, lwm2m_path_resource(3, 0, 3), "4.2.1+yocto-kirkstone");
        add(s, lwm2m_path_resource_instance(3, 0, 6, 0), lwm2m_value_integer(0));
        add(s, lwm2m_path_resource_instance(3, 0, 6, 1), lwm2m_value_integer(1));
        add(s, lwm2m_path_resource_instance(3, 0, 6, 2), lwm2m_value_integer(5));
        add(s, lwm2m_path_resource(3, 0, 9), lwm2m_value_integer(87));
        add(s, lwm2m_path_resource(3, 0, 10), lwm2m_value_integer(183452));
        add(s, lwm2m_path_resource_instance(3, 0, 11, 0), lwm2m_value_integer(0));
        add(s, lwm2m_path_resource_instance(3, 0, 11, 1), lwm2m_value_integer(3));
        add(s, lwm2m_path_resource(3, 0, 13), lwm2m_value_time(1732200000));
        add_string(s, lwm2m_path_resource(3, 0, 14), "+01:00");
        add_string(s, lwm2m_path_resource(3, 0, 15), "Europe/Berlin");
        add_string(s, lwm2m_path_resource(3, 0, 16), "UQ");
}

/* 100 temperature readings, one per instance of 3303: a Read of /3303, or,
 * with timestamps, what a Send carries. */
static void build_sensors(scenario *s, bool timestamps)
{
        *s = (scenario){.name = timestamps ? "100 x 3303 Send, timed" : "100 x /3303/i/5700",
                        .base = timestamps ? (lwm2m_path){.len = 0} : lwm2m_path_object(3303)};
        for (uint16_t i = 0; i < 100; i++) {
                add(s, lwm2m_path_resource(3303, i, 5700), lwm2m_value_float(18.25 + i * 0.137));
                if (timestamps) {
                        lwm2m_record *rec = &s->recs.items[s->recs.n - 1];
                        rec->has_time = true;
                        rec->time = 1732200000.0 + i * 10;
                }
        }
}

static void build_single_string(scenario *s)
{
        *s = (scenario){.name = "one String /3/0/0", .base = lwm2m_path_resource(3, 0, 0)};
        add_string(s, lwm2m_path_resource(3, 0, 0), "Acme Industrial Gateways GmbH");
}

static void build_single_opaque(scenario *s)
{
        *s = (scenario){.name = "one Opaque 256 B /5/0/0", .base = lwm2m_path_resource(5, 0, 0)};
        uint8_t block[256];
        for (size_t i = 0; i < sizeof(block); i++)
                block[i] = (uint8_t)(i * 37 + 11);
        add_bytes(s, lwm2m_path_resource(5, 0, 0), LWM2M_TYPE_OPAQUE, block, sizeof(block));
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct measure {
        double ops_per_s;
        double mb_per_s;
} measure;

typedef struct job {
        uint16_t format;
        const scenario *s;
        const lwm2m_buf *payload; /* decode only */
        lwm2m_buf out;
        lwm2m_record_list back;
} job;

static int encode_once(job *j)
{
        lwm2m_buf_reset(&j->out);
        return lwm2m_format_encode(j->format, &j->s->base, j->s->recs.items, j->s->recs.n, &j->out);
}

static int decode_once(job *j)
{
        lwm2m_record_list_clear(&j->back);
        return lwm2m_format_decode(j->format, &j->s->base, j->payload->data, j->payload->len,
                                   &resolver, &j->back);
}

/* Runs `op` in batches for RUN_SECONDS and rates it by its fastest batch: on a machine
 * shared with other work the slow batches measure the others, not the codec. */
static measure timed(int (*op)(job *), job *j, size_t bytes, const char *what, double seconds)
{
        double start = now(), best = 0, elapsed;
        do {
                double t0 = now();
                for (int k = 0; k < BATCH; k++) {
                        int r = op(j);
                        if (r < 0)
                                die(what, r);
                }
                double t = now() - t0;
                if (best == 0 || t < best)
                        best = t;
                elapsed = now() - start;
        } while (elapsed < seconds);
        double ops = BATCH / best;
        return (measure){ops, ops * (double)bytes / 1e6};
}

static measure time_encode(uint16_t format, const scenario *s, size_t bytes, double seconds)
{
        job j = {.format = format, .s = s};
        measure m = timed(encode_once, &j, bytes, "encode", seconds);
        lwm2m_buf_free(&j.out);
        return m;
}

static measure time_decode(uint16_t format, const scenario *s, const lwm2m_buf *payload)
{
        job j = {.format = format, .s = s, .payload = payload};
        measure m = timed(decode_once, &j, payload->len, "decode", RUN_SECONDS);
        lwm2m_record_list_free(&j.back);
        return m;
}

/* Heap allocations per encode into a buffer that an earlier encode already grew, as the
 * engine reuses its own: what the codec itself costs the allocator. Negative: cannot count. */
static double allocs_per_encode(uint16_t format, const scenario *s)
{
        if (!alloc_count_available())
                return -1;
        lwm2m_buf out = {0};
        int r = lwm2m_format_encode(format, &s->base, s->recs.items, s->recs.n, &out);
        unsigned long before = alloc_count();
        for (int k = 0; k < ALLOC_ROUNDS && r >= 0; k++) {
                lwm2m_buf_reset(&out);
                r = lwm2m_format_encode(format, &s->base, s->recs.items, s->recs.n, &out);
        }
        unsigned long after = alloc_count();
        lwm2m_buf_free(&out);
        if (r < 0)
                die("encode", r);
        return (double)(after - before) / ALLOC_ROUNDS;
}

static const char *why_not(int r)
{
        switch (r) {
        case -EMEDIUMTYPE:
                return "format cannot carry it";
        case -EPROTONOSUPPORT:
                return "codec not built";
        default:
                return strerror(-r);
        }
}

/* Whether the decoded records are the ones encoded; timestamps apart, which
 * only some formats carry (`*times_kept` says). */
static bool same_records(const lwm2m_record_list *a, const lwm2m_record_list *b, bool *times_kept)
{
        *times_kept = true;
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                if (!lwm2m_path_equal(&a->items[i].path, &b->items[i].path) ||
                    !lwm2m_value_equal(&a->items[i].value, &b->items[i].value))
                        return false;
                if (a->items[i].has_time &&
                    (!b->items[i].has_time || b->items[i].time != a->items[i].time))
                        *times_kept = false;
        }
        return true;
}

static void bench_one(const scenario *s, uint16_t format, const char *label)
{
        printf("  %-11s", label);
        fflush(stdout);

        lwm2m_buf payload = {0};
        int r = lwm2m_format_encode(format, &s->base, s->recs.items, s->recs.n, &payload);
        if (r < 0) {
                printf(" %8s %11s %9s %7s %11s %9s  %s\n", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a",
                       why_not(r));
                lwm2m_buf_free(&payload);
                return;
        }
        measure enc = time_encode(format, s, payload.len, RUN_SECONDS);
        double allocs = allocs_per_encode(format, s);
        printf(" %8zu %11.0f %9.1f", payload.len, enc.ops_per_s, enc.mb_per_s);
        if (allocs < 0)
                printf(" %7s", "n/a");
        else
                printf(" %7.1f", allocs);
        fflush(stdout);

        lwm2m_record_list back = {0};
        r = lwm2m_format_decode(format, &s->base, payload.data, payload.len, &resolver, &back);
        if (r < 0) {
                printf(" %11s %9s  decode: %s\n", "n/a", "n/a", why_not(r));
        } else {
                lwm2m_record_list_sort(&back);
                bool times_kept;
                bool same = same_records(&s->recs, &back, &times_kept);
                measure dec = time_decode(format, s, &payload);
                printf(" %11.0f %9.1f  %s\n", dec.ops_per_s, dec.mb_per_s,
                       !same        ? "decoded records differ!"
                       : times_kept ? ""
                                    : "timestamps not carried");
        }
        lwm2m_record_list_free(&back);
        lwm2m_buf_free(&payload);
}

/* Each format's encode time on `s` relative to TLV's. The formats take turns, RATIO_ROUNDS
 * times, and each keeps its best: load from elsewhere on the machine then slows them all
 * alike instead of whichever ran at the wrong moment. */
static void print_ratios(const scenario *s)
{
        enum { N = sizeof(formats) / sizeof(formats[0]) };
        double best[N] = {0};
        for (int round = 0; round < RATIO_ROUNDS; round++) {
                for (size_t f = 0; f < N; f++) {
                        lwm2m_buf probe = {0};
                        int r = lwm2m_format_encode(formats[f].format, &s->base, s->recs.items,
                                                    s->recs.n, &probe);
                        lwm2m_buf_free(&probe);
                        if (r < 0)
                                continue;
                        measure m = time_encode(formats[f].format, s, 0, RATIO_SECONDS);
                        if (m.ops_per_s > best[f])
                                best[f] = m.ops_per_s;
                }
        }
        printf("\nEncode time of %s, best of %d turns, relative to TLV:\n", s->name, RATIO_ROUNDS);
        for (size_t f = 0; f < N; f++)
                if (best[f] > 0 && best[TLV_INDEX] > 0)
                        printf("  %-11s %8.2f us %6.2fx\n", formats[f].label, 1e6 / best[f],
                               best[TLV_INDEX] / best[f]);
}

int main(int argc, char **argv)
{
        if (argc > 1) {
                fprintf(stderr, "Usage: bench_formats\n"
                                "Prints encode/decode throughput and payload size per format.\n");
                return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
        }

        /* scenarios[HUNDRED_VALUES] is the 100-value read the ratios are taken on. */
        enum { HUNDRED_VALUES = 1 };
        scenario scenarios[5];
        build_device(&scenarios[0]);
        build_sensors(&scenarios[1], false);
        build_sensors(&scenarios[2], true);
        build_single_string(&scenarios[3]);
        build_single_opaque(&scenarios[4]);

        printf("LwM2M content formats: encode and decode (with a resolver), %.1f s each\n\n",
               RUN_SECONDS);
        printf("  %-11s %8s %11s %9s %7s %11s %9s\n", "format", "bytes", "enc op/s", "enc MB/s",
               "alloc", "dec op/s", "dec MB/s");
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
                char base[LWM2M_PATH_STRLEN];
                lwm2m_path_format(&scenarios[i].base, base, sizeof(base));
                printf("%s (%zu records, request %s)\n", scenarios[i].name, scenarios[i].recs.n,
                       base);
                for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
                        bench_one(&scenarios[i], formats[f].format, formats[f].label);
        }
        printf("\nop/s is whole payloads per second in the fastest batch of %d; MB/s counts "
               "payload\n"
               "bytes; alloc is heap allocations per encode into an already grown buffer (n/a: "
               "not\n"
               "countable here).\n",
               BATCH);
        print_ratios(&scenarios[HUNDRED_VALUES]);
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
                lwm2m_record_list_free(&scenarios[i].recs);
        return 0;
}
