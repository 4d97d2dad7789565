/* Fuzz the export of a recording (proxy/record/export.c, scenario_yaml.c): the input is read as
 * a synthetic recording, built with kc_record_data_add / kc_record_data_latency (windows, kinds,
 * brokers, partitions, codes, counts, and names of any bytes: a client id or a topic is what a
 * client or broker sent), sealed and exported with topic and broker maps and a range of windows
 * from the input.
 * Invariants: an export with rules parses back (kc_scenario_parse) into as many rules, and
 * writing those again gives the text the export's rules give (the round trip); one without
 * rules is refused. The scenario parser on raw text is fuzz_scenario's. */
#include "fault/scenario.h"
#include "fuzz.h"
#include "record/export.h"

typedef struct in {
    const uint8_t *p;
    size_t n;
} in_t;

static uint32_t u8(in_t *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static uint32_t u16(in_t *in)
{
    return u8(in) << 8 | u8(in);
}

static uint32_t u32(in_t *in)
{
    return u16(in) << 16 | u16(in);
}

/* A broker's node id: mostly a small one (so series meet), sometimes any int32. */
static int32_t node(in_t *in)
{
    uint32_t b = u8(in);
    return b < 240 ? (int32_t)(b % 8) - 1 : (int32_t)u32(in);
}

static int32_t partition(in_t *in)
{
    uint32_t b = u8(in);
    return b < 240 ? (int32_t)(b % 6) : (int32_t)u32(in);
}

/* An error code: mostly one a scenario can give (so that error rules come out), else any. */
static int16_t code(in_t *in)
{
    static const int16_t common[] = {6, 7, 19, 20, 3, 5, 9, 10, 15, 45, 47, 58};
    uint32_t b = u8(in);
    if (b < 200)
        return common[b % (sizeof(common) / sizeof(common[0]))];
    return (int16_t)u16(in);
}

#define NAMES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_copy(data, size);
    in_t in = {copy, size};
    /* The names: up to 23 bytes each, any byte but NUL (which ends one). */
    char names[NAMES][24];
    for (int i = 0; i < NAMES; i++) {
        uint32_t len = u8(&in) % 24, k = 0;
        for (uint32_t j = 0; j < len; j++) {
            uint32_t c = u8(&in);
            if (!c)
                break;
            names[i][k++] = (char)c;
        }
        names[i][k] = 0;
    }
    uint32_t flags = u8(&in);
    kc_export_opts_t o = {.name = flags & 1 ? names[3] : NULL};
    for (uint32_t i = 0; i < (flags >> 1) % 4; i++) { /* topic maps: a name onto another */
        o.topic_from[o.ntopic_maps] = names[u8(&in) % NAMES];
        o.topic_to[o.ntopic_maps++] = names[u8(&in) % NAMES];
    }
    for (uint32_t i = 0; i < (flags >> 3) % 4; i++) {
        o.broker_from[o.nbroker_maps] = (int32_t)(u8(&in) % 8);
        o.broker_to[o.nbroker_maps++] = (int32_t)u8(&in);
    }
    if (flags & 0x20) { /* a range of windows (to 0: the end; to <= from: nothing) */
        o.from = u8(&in);
        o.to = u8(&in);
    }
    kc_record_data_t d = {0};
    while (in.n) {
        uint32_t op = u8(&in) % 8, w = u8(&in);
        switch (op) {
        case 0: { /* Produce results of a partition, and those of them with an error */
            int32_t nd = node(&in), p = partition(&in);
            const char *t = names[u8(&in) % NAMES];
            uint64_t total = u16(&in) + 1, errs = u16(&in) % total + 1;
            kc_record_data_add(&d, w, KC_REC_PRODUCE, nd, p, t, 0, total, 0);
            kc_record_data_add(&d, w, KC_REC_PRODUCE, nd, p, t, code(&in), errs, 0);
            break;
        }
        case 1: { /* throttled responses to a client, their throttle_time_ms summed */
            const char *c = names[u8(&in) % NAMES];
            uint64_t a = u8(&in) + 1;
            kc_record_data_add(&d, w, KC_REC_THROTTLE, -1, -1, c, 0, a, a * (u32(&in) >> 1));
            break;
        }
        case 2: { /* latency samples of a broker (up to about 71 min each) */
            int32_t nd = node(&in);
            uint32_t k = u8(&in) % 16 + 1;
            for (uint32_t i = 0; i < k; i++)
                kc_record_data_latency(&d, w, nd, (uint64_t)u32(&in) * 1000);
            break;
        }
        case 3: {
            int32_t p = partition(&in);
            kc_record_data_add(&d, w, KC_REC_LEADERLESS, -1, p, names[u8(&in) % NAMES], 0,
                               u8(&in) + 1, 0);
            break;
        }
        case 4: {
            int32_t nd = node(&in);
            int16_t what = (int16_t)(u8(&in) % 2);
            kc_record_data_add(&d, w, KC_REC_CONNECT, nd, -1, "", what, u16(&in) + 1, 0);
            break;
        }
        case 6: { /* a leader move: to a broker, from one (or -1: not known) */
            int32_t to = node(&in), p = partition(&in);
            kc_record_data_add(&d, w, KC_REC_LEADER, to, p, names[u8(&in) % NAMES],
                               (int16_t)node(&in), 1, 0);
            break;
        }
        case 7: { /* a client's errors on a partition: the export's per-client detail */
            char who[2 * 64 + 2];
            snprintf(who, sizeof(who), "%.64s%c%.64s", names[u8(&in) % NAMES], KC_REC_SEP,
                     names[u8(&in) % NAMES]);
            int32_t p = partition(&in);
            kc_record_data_add(&d, w, KC_REC_CLIENT_ERROR, -1, p, who, code(&in), u8(&in) + 1, 0);
            break;
        }
        default: /* Produce results without errors */
            kc_record_data_add(&d, w, KC_REC_PRODUCE, node(&in), partition(&in),
                               names[u8(&in) % NAMES], 0, u16(&in) + 1, 0);
            break;
        }
    }
    kc_record_data_seal(&d);

    size_t len = 0;
    int nrules = -1;
    char *text = kc_record_export(&d, &o, &len, &nrules);
    CHECK(text != NULL && nrules >= 0 && strlen(text) == len);
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *back = kc_scenario_parse("rec.yaml", text, len, &diags);
    if (nrules && !back) {
        fprintf(stderr, "the export does not parse back: %s\n%s\n", diags.n ? diags.v[0] : "?",
                text);
        abort();
    }
    CHECK(nrules ? back != NULL : back == NULL); /* rules: [] is refused */
    if (back) {
        CHECK(back->nrules == nrules);
        kc_scenario_t *rules = kc_record_rules(&d, &o, NULL);
        CHECK(rules != NULL);
        size_t n1, n2;
        char *first = kc_scenario_yaml(rules, NULL, NULL, &n1);
        char *second = kc_scenario_yaml(back, NULL, NULL, &n2);
        if (n1 != n2 || strcmp(first, second)) {
            fprintf(stderr, "the round trip changed the rules:\n--- exported\n%s\n"
                            "--- read back\n%s\n", first, second);
            abort();
        }
        free(first), free(second);
        kc_scenario_free(rules);
    }
    kc_scenario_free(back);
    kc_scenario_diags_free(&diags);
    free(text);
    kc_record_data_free(&d);
    free(copy);
    return 0;
}
