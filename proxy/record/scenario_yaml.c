/* Writing a scenario back as YAML (export.h: kc_scenario_yaml, kc_record_export): what the
 * export builds, in the format scenarios/README.md describes, so that kc_scenario_parse reads
 * the same rules back and writing them again gives the same text. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/errors.h"
#include "record/export.h"
#include "record/export_int.h"
#include "util/sb.h"

int kc_export_utf8(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
          : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n || !s[0])
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7Fu >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* the NUL at the end too */
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000}; /* overlong forms are not UTF-8 */
    if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* A character libyaml's reader takes as it is (YAML 1.1's printable set) and its scanner not as
 * a line break (\r, \n, NEL, U+2028, U+2029) or a byte order mark: written as it is. */
static bool as_is(uint32_t c)
{
    return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
           (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* A YAML double-quoted scalar: every string is quoted, so no name reads as a number, a boolean
 * or YAML syntax. One form for each string, so that reading it back and writing it again gives
 * the same text: what YAML cannot carry as it is, escaped (\xNN up to U+00FF, else \uNNNN);
 * bytes that are not UTF-8, which YAML cannot carry at all, as U+FFFD (the export's globs have
 * '?' there instead: export.c). */
static void quoted(kc_sb_t *b, const char *s)
{
    kc_sb_printf(b, "\"");
    while (*s) {
        uint32_t c;
        int n = kc_export_utf8(s, &c);
        if (!n)
            kc_sb_printf(b, "\xef\xbf\xbd"), n = 1;
        else if (c == '"' || c == '\\')
            kc_sb_printf(b, "\\%c", (char)c);
        else if (as_is(c))
            kc_sb_printf(b, "%.*s", n, s);
        else
            kc_sb_printf(b, c <= 0xFF ? "\\x%02x" : "\\u%04x", (unsigned)c);
        s += n;
    }
    kc_sb_printf(b, "\"");
}

/* The shortest unit that says a duration exactly. */
static void duration(kc_sb_t *b, uint64_t ns)
{
    if (ns % 1000000000ull == 0)
        kc_sb_printf(b, "%" PRIu64 "s", ns / UINT64_C(1000000000));
    else if (ns % 1000000ull == 0)
        kc_sb_printf(b, "%" PRIu64 "ms", ns / UINT64_C(1000000));
    else
        kc_sb_printf(b, "%" PRIu64 "ns", ns);
}

static void ints(kc_sb_t *b, const char *key, const int32_t *v, int n)
{
    if (!v)
        return;
    kc_sb_printf(b, "      %s: [", key);
    for (int i = 0; i < n; i++)
        kc_sb_printf(b, "%s%d", i ? ", " : "", v[i]);
    kc_sb_printf(b, "]\n");
}

static const char *api_word(int16_t api)
{
    switch (api) {
    case KC_API_PRODUCE:
        return "produce";
    case KC_API_METADATA:
        return "metadata";
    case KC_API_FETCH:
        return "fetch";
    default:
        return NULL;
    }
}

static void match(kc_sb_t *b, const kc_fault_rule_t *r)
{
    const kc_fault_match_t *m = &r->match;
    const char *api = m->api == KC_ANY ? NULL : api_word(m->api);
    if (!api && !m->client_id && !m->topic && !m->partitions && !m->brokers)
        return;
    kc_sb_printf(b, "    match:\n");
    if (api)
        kc_sb_printf(b, "      api: %s\n", api);
    if (m->client_id) {
        kc_sb_printf(b, "      client_id: ");
        quoted(b, m->client_id);
        kc_sb_printf(b, "\n");
    }
    if (m->topic) {
        kc_sb_printf(b, "      topic: ");
        quoted(b, m->topic);
        kc_sb_printf(b, "\n");
    }
    ints(b, "partitions", m->partitions, m->npartitions);
    ints(b, "brokers", m->brokers, m->nbrokers);
}

static void action(kc_sb_t *b, const kc_fault_action_t *a)
{
    switch (a->kind) {
    case KC_FAULT_ERROR:
        if (a->when == KC_WHEN_BEFORE)
            kc_sb_printf(b, "    error: %s\n", kc_kafka_error_name(a->error));
        else
            kc_sb_printf(b, "    error: {code: %s, when: after}\n", kc_kafka_error_name(a->error));
        break;
    case KC_FAULT_LATENCY:
        kc_sb_printf(b, "    latency: {distribution: normal, ms: %.15g, stddev_ms: %.15g, path: %s}\n",
                     a->ms, a->stddev_ms, a->path == KC_PATH_RESPONSE ? "response" : "request");
        break;
    case KC_FAULT_THROTTLE:
        kc_sb_printf(b, "    throttle: {ms: %u, enforce: %s}\n", a->throttle_ms,
                     a->enforce ? "true" : "false");
        break;
    case KC_FAULT_LEADER:
        kc_sb_printf(b, "    leader: none\n");
        break;
    case KC_FAULT_REFUSE:
        kc_sb_printf(b, "    refuse: true\n");
        break;
    case KC_FAULT_DISCONNECT:
        kc_sb_printf(b, "    disconnect: {when: %s, reset: %s}\n", kc_fault_when_name(a->when),
                     a->reset ? "true" : "false");
        break;
    default: /* never exported */
        kc_sb_printf(b, "    # %s: not written by the export\n", kc_fault_kind_name(a->kind));
        break;
    }
}

/* A comment, one "# " line per line of it. A comment names topics and client ids as they came:
 * what would end its line early (\r, NEL, U+2028...) or make libyaml refuse the file (controls,
 * bytes that are not UTF-8) is written as \xNN, for the reader. */
static void comment(kc_sb_t *b, const char *indent, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        const char *end = nl ? nl : text + strlen(text);
        kc_sb_printf(b, "%s# ", indent);
        while (text < end) {
            uint32_t c;
            int n = kc_export_utf8(text, &c);
            if (n && as_is(c) && text + n <= end)
                kc_sb_printf(b, "%.*s", n, text);
            else
                for (int i = 0; i < (n ? n : 1); i++)
                    kc_sb_printf(b, "\\x%02x", (unsigned char)text[i]);
            text += n ? n : 1;
        }
        kc_sb_printf(b, "\n");
        text = nl ? nl + 1 : NULL;
    }
}

char *kc_scenario_yaml(const kc_scenario_t *sc, char *const *comments, const char *header,
                       size_t *len)
{
    kc_sb_t b = {0};
    comment(&b, "", header);
    kc_sb_printf(&b, "name: ");
    quoted(&b, sc->name);
    kc_sb_printf(&b, "\n");
    if (sc->description) {
        kc_sb_printf(&b, "description: ");
        quoted(&b, sc->description);
        kc_sb_printf(&b, "\n");
    }
    if (sc->max_duration_ns) {
        kc_sb_printf(&b, "max_duration: ");
        duration(&b, sc->max_duration_ns);
        kc_sb_printf(&b, "\n");
    }
    kc_sb_printf(&b, "rules:%s\n", sc->nrules ? "" : " []");
    for (int i = 0; i < sc->nrules; i++) {
        const kc_fault_rule_t *r = &sc->rules[i];
        if (comments)
            comment(&b, "  ", comments[i]);
        kc_sb_printf(&b, "  - name: ");
        quoted(&b, r->name);
        kc_sb_printf(&b, "\n");
        match(&b, r);
        kc_sb_printf(&b, "    at: ");
        duration(&b, r->window.at_ns);
        if (r->window.for_ns) {
            kc_sb_printf(&b, "\n    for: ");
            duration(&b, r->window.for_ns);
        }
        kc_sb_printf(&b, "\n");
        if (r->trigger.probability < 1)
            kc_sb_printf(&b, "    probability: %.15g\n", r->trigger.probability);
        if (r->trigger.every > 1)
            kc_sb_printf(&b, "    every: %" PRIu64 "\n", r->trigger.every);
        if (r->trigger.max)
            kc_sb_printf(&b, "    max: %" PRIu64 "\n", r->trigger.max);
        action(&b, &r->action);
    }
    return kc_sb_done(&b, len);
}

char *kc_record_export(const kc_record_data_t *d, const kc_export_opts_t *o, size_t *len,
                       int *nrules)
{
    char **comments = NULL;
    kc_scenario_t *sc = kc_record_rules(d, o, &comments);
    if (!sc)
        return NULL;
    if (nrules)
        *nrules = sc->nrules;
    kc_sb_t h = {0};
    kc_sb_printf(&h,
                 "Recorded by kchaos (kchaos record): %u windows of 1 s, %u series, %u counters.\n"
                 "Replay it with `kchaos --scenario FILE` in front of any cluster; check it with\n"
                 "`kchaos check-scenario FILE`. Each rule says which windows it came from.%s",
                 d->nwindows, d->nseries, d->ncells,
                 d->dropped_series || d->dropped_cells || d->dropped_hists
                     ? "\nThe recording reached its memory caps: some series or windows are "
                       "missing."
                     : "");
    uint32_t from, to;
    if (kc_xr_range(d, o, &from, &to))
        kc_sb_printf(&h, "\nWindows %u-%u of the recording only, moved to start at 0 (the comments "
                         "give the\nrecording's own window numbers).",
                     from, to - 1);
    char *moves = kc_record_leader_moves(d, o, 50);
    if (moves && moves[0])
        kc_sb_printf(&h, "\nLeaders that moved, as Metadata showed them (a replay moves no leader: "
                         "it gives\nthe producers what they met):\n%s", moves);
    free(moves);
    size_t hlen;
    char *header = kc_sb_done(&h, &hlen);
    char *text = header ? kc_scenario_yaml(sc, comments, header, len) : NULL;
    free(header);
    for (int i = 0; i < sc->nrules; i++)
        free(comments[i]);
    free(comments);
    kc_scenario_free(sc);
    return text;
}
