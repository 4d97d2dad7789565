/* The scenario loader: a YAML file (scenarios/README.md) read with libyaml's document API,
 * checked as a whole, and either a kc_scenario_t or every problem as FILE:LINE:COLUMN lines.
 * Actions are read in action.c, typed values and diagnostics come from yaml_read.c. */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "fault/action.h"
#include "fault/yaml_read.h"
#include "kafka/api.h"

#define MAX_FILE (8 << 20) /* a page or two when written by hand; a long recording exported
                            * holds thousands of rules (6 h of a busy incident: ~600 KB) */

static const char *const kind_names[] = {KC_FAULT_ACTION_KEYS};

const char *kc_fault_kind_name(kc_fault_kind_t k)
{
    return k >= 0 && k < KC_FAULT_KINDS ? kind_names[k] : "?";
}

const char *kc_fault_when_name(kc_fault_when_t w)
{
    static const char *const names[] = {"before", "after", "mid"};
    return w >= KC_WHEN_BEFORE && w <= KC_WHEN_MID ? names[w] : "?";
}

/* ---- match ---- */

enum { M_API, M_VERSIONS, M_CLIENT_ID, M_HOST, M_SOFTWARE, M_PRINCIPAL, M_TOPIC, M_PARTITIONS,
       M_BROKERS, M_ACKS, M_IDEMPOTENT, M_TRANSACTIONAL };
static const char *const match_keys[] = {
    "api",        "versions", "client_id", "client_host", "client_software", "principal",
    "topic",      "partitions", "brokers", "acks",        "idempotent",      "transactional",
    NULL};

/* "ListOffsets" is list_offsets in a scenario. */
static void snake(const char *name, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; name[i] && o + 2 < len; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
            if (i)
                out[o++] = '_';
            c = (char)(c - 'A' + 'a');
        }
        out[o++] = c;
    }
    out[o] = 0;
}

static int read_api(kc_yr_t *y, const yaml_node_t *n, int16_t *api)
{
    int64_t key;
    if (kc_yr_kind(n) == KC_YR_INT) {
        if (kc_yr_int(y, n, "api", 0, KC_API_MAX_KEY, &key))
            return -1;
        if (!kc_api_get((int16_t)key)) {
            kc_yr_diag(y, n, "api: %d is not a Kafka api key", (int)key);
            return -1;
        }
        *api = (int16_t)key;
        return 0;
    }
    const char *s = kc_yr_kind(n) == KC_YR_STR ? kc_yr_text(n) : NULL;
    if (s && !strcmp(s, "any")) {
        *api = KC_ANY;
        return 0;
    }
    int count;
    const kc_api_t *t = kc_api_table(&count);
    for (int i = 0; s && i < count; i++) {
        char name[64];
        if (!t[i].name)
            continue;
        snake(t[i].name, name, sizeof(name));
        if (!strcmp(name, s)) {
            *api = t[i].key;
            return 0;
        }
    }
    if (!s)
        kc_yr_diag(y, n, "api: expected an api name or key, got %s",
                   kc_yr_kind_name(kc_yr_kind(n)));
    else
        kc_yr_diag(y, n, "api: unknown api '%s' (a name such as produce, fetch, metadata or "
                   "list_offsets, any, or a key)", s);
    return -1;
}

static int read_versions(kc_yr_t *y, const yaml_node_t *n, kc_fault_match_t *m)
{
    int64_t lo, hi;
    kc_yr_kind_t k = kc_yr_kind(n);
    if (k == KC_YR_INT) {
        if (kc_yr_int(y, n, "versions", 0, INT16_MAX, &lo))
            return -1;
        hi = lo;
    } else if (k == KC_YR_LIST && n->data.sequence.items.top - n->data.sequence.items.start == 2) {
        if (kc_yr_int(y, kc_yr_node(y, n->data.sequence.items.start[0]), "versions", 0,
                      INT16_MAX, &lo) |
            kc_yr_int(y, kc_yr_node(y, n->data.sequence.items.start[1]), "versions", 0,
                      INT16_MAX, &hi))
            return -1;
    } else {
        const char *s = k == KC_YR_STR ? kc_yr_text(n) : "";
        int a = -1, b = -1, end = 0;
        if (sscanf(s, "%5d-%5d%n", &a, &b, &end) != 2 || s[end] || s[0] < '0' || s[0] > '9' ||
            strchr(s, '+') || strchr(s, ' ') || strstr(s, "--") || a > INT16_MAX ||
            b > INT16_MAX) {
            kc_yr_diag(y, n, "versions: expected N, N-M or [min, max]");
            return -1;
        }
        lo = a, hi = b;
    }
    if (lo > hi) {
        kc_yr_diag(y, n, "versions: min %d is above max %d", (int)lo, (int)hi);
        return -1;
    }
    m->version_min = (int16_t)lo;
    m->version_max = (int16_t)hi;
    return 0;
}

/* An int or a list of them, each in [0, INT32_MAX]. */
static int read_ids(kc_yr_t *y, const yaml_node_t *n, const char *key, int32_t **out, int *count)
{
    int64_t v;
    if (kc_yr_kind(n) != KC_YR_LIST) {
        if (kc_yr_int(y, n, key, 0, INT32_MAX, &v))
            return -1;
        *out = malloc(sizeof(**out));
        if (!*out)
            abort();
        (*out)[0] = (int32_t)v;
        *count = 1;
        return 0;
    }
    size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!len) {
        kc_yr_diag(y, n, "%s: an empty list never matches", key);
        return -1;
    }
    int32_t *ids = malloc(len * sizeof(*ids));
    int rc = 0;
    if (!ids)
        abort();
    for (size_t i = 0; i < len; i++) {
        rc |= kc_yr_int(y, kc_yr_node(y, n->data.sequence.items.start[i]), key, 0, INT32_MAX, &v);
        ids[i] = (int32_t)v;
    }
    if (rc) {
        free(ids);
        return -1;
    }
    *out = ids;
    *count = (int)len;
    return 0;
}

static int read_acks(kc_yr_t *y, const yaml_node_t *n, int16_t *acks)
{
    const char *s = kc_yr_text(n);
    kc_yr_kind_t k = kc_yr_kind(n);
    if (k == KC_YR_STR && !strcmp(s, "all"))
        *acks = -1;
    else if (k == KC_YR_INT && (!strcmp(s, "0") || !strcmp(s, "1") || !strcmp(s, "-1")))
        *acks = (int16_t)atoi(s);
    else {
        kc_yr_diag(y, n, "acks: expected 0, 1, -1 or all");
        return -1;
    }
    return 0;
}

static void read_match(kc_yr_t *y, const yaml_node_t *n, kc_fault_match_t *m, kc_yr_fields_t *f)
{
    if (!kc_yr_fields(y, n, "match", f))
        return;
    yaml_node_t **v = f->val;
    bool b;
    /* A wrong api is reported once: the checks that read the api then take it as left out. */
    if (v[M_API] && read_api(y, v[M_API], &m->api))
        f->key[M_API] = f->val[M_API] = NULL;
    if (v[M_VERSIONS])
        read_versions(y, v[M_VERSIONS], m);
    char **globs[] = {[M_CLIENT_ID] = &m->client_id, [M_HOST] = &m->host,
                      [M_SOFTWARE] = &m->software, [M_PRINCIPAL] = &m->principal,
                      [M_TOPIC] = &m->topic};
    for (int i = M_CLIENT_ID; i <= M_TOPIC; i++)
        if (v[i])
            kc_yr_str(y, v[i], match_keys[i], globs[i]);
    if (v[M_PARTITIONS])
        read_ids(y, v[M_PARTITIONS], "partitions", &m->partitions, &m->npartitions);
    if (v[M_BROKERS])
        read_ids(y, v[M_BROKERS], "brokers", &m->brokers, &m->nbrokers);
    if (v[M_ACKS])
        read_acks(y, v[M_ACKS], &m->acks);
    if (v[M_IDEMPOTENT] && !kc_yr_bool(y, v[M_IDEMPOTENT], "idempotent", &b))
        m->idempotent = b;
    if (v[M_TRANSACTIONAL] && !kc_yr_bool(y, v[M_TRANSACTIONAL], "transactional", &b))
        m->transactional = b;
}

/* ---- rules ---- */

enum { R_NAME, R_MATCH, R_AT, R_FOR, R_PERIOD, R_PROBABILITY, R_EVERY, R_SKIP, R_MAX, R_ACTION };
static const char *const rule_keys[] = {"name", "match", "at",   "for", "period",
                                        "probability", "every", "skip", "max",
                                        KC_FAULT_ACTION_KEYS, NULL};

/* Used in URLs and metric labels. */
static bool good_name(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static void read_name(kc_yr_t *y, const yaml_node_t *n, char **out)
{
    if (kc_yr_str(y, n, "name", out))
        return;
    if (!good_name(*out))
        kc_yr_diag(y, n, "name: '%s' is not 1 to 64 letters, digits, '.', '_' or '-'", *out);
}

static void read_window(kc_yr_t *y, yaml_node_t **v, kc_fault_window_t *w)
{
    if (v[R_AT])
        kc_yr_duration(y, v[R_AT], "at", &w->at_ns);
    if (v[R_FOR] && !kc_yr_duration(y, v[R_FOR], "for", &w->for_ns) && !w->for_ns)
        kc_yr_diag(y, v[R_FOR], "for: 0 is no time (leave it out for until the scenario ends)");
    if (!v[R_PERIOD] || kc_yr_duration(y, v[R_PERIOD], "period", &w->period_ns))
        return;
    if (!v[R_FOR])
        kc_yr_diag(y, v[R_PERIOD], "period needs for (how long each time)");
    else if (w->for_ns && w->period_ns <= w->for_ns)
        kc_yr_diag(y, v[R_PERIOD], "period %s is not longer than for %s", kc_yr_text(v[R_PERIOD]),
                   kc_yr_text(v[R_FOR]));
}

static void read_trigger(kc_yr_t *y, yaml_node_t **v, kc_fault_trigger_t *t)
{
    int64_t i;
    if (v[R_PROBABILITY] &&
        !kc_yr_number(y, v[R_PROBABILITY], "probability", 0, 1, &t->probability) &&
        t->probability == 0)
        kc_yr_diag(y, v[R_PROBABILITY], "probability: 0 never injects (0 < p <= 1)");
    if (v[R_EVERY] && !kc_yr_int(y, v[R_EVERY], "every", 1, INT64_MAX, &i))
        t->every = (uint64_t)i;
    if (v[R_SKIP] && !kc_yr_int(y, v[R_SKIP], "skip", 0, INT64_MAX, &i))
        t->skip = (uint64_t)i;
    if (v[R_MAX] && !kc_yr_int(y, v[R_MAX], "max", 1, INT64_MAX, &i))
        t->max = (uint64_t)i;
}

/* An action that only exists on one api's messages: that api, said or implied. */
static void need_api(kc_yr_t *y, const kc_yr_fields_t *mf, kc_fault_rule_t *r, int16_t api)
{
    const char *kind = kc_fault_kind_name(r->action.kind);
    if (!mf->val[M_API]) {
        r->match.api = api;
    } else if (r->match.api != api) {
        char name[64];
        snake(kc_api_name(api), name, sizeof(name));
        kc_yr_diag(y, mf->val[M_API], "%s acts on %s responses: match.api must be %s (or left "
                   "out), not %s", kind, kc_api_name(api), name, kc_yr_text(mf->val[M_API]));
    }
}

/* Matchers that fit the api, and (a matcher that can never match is a mistake) each other. */
static void check_match(kc_yr_t *y, const kc_yr_fields_t *mf, kc_fault_rule_t *r)
{
    kc_fault_match_t *m = &r->match;
    const char *api = m->api == KC_ANY ? "any" : kc_api_name(m->api);
    bool any = m->api == KC_ANY;
    for (int i = M_ACKS; i <= M_TRANSACTIONAL; i++)
        if (mf->key[i] && !any && m->api != KC_API_PRODUCE)
            kc_yr_diag(y, mf->key[i], "%s never matches: only Produce requests carry it (api is "
                       "%s)", match_keys[i], api);
    for (int i = M_TOPIC; i <= M_PARTITIONS; i++)
        if (mf->key[i] && !any && m->api != KC_API_PRODUCE && m->api != KC_API_FETCH &&
            m->api != KC_API_METADATA)
            kc_yr_diag(y, mf->key[i], "%s never matches: only Produce, Fetch and Metadata requests "
                       "name topics and partitions (api is %s)", match_keys[i], api);
    const kc_api_t *a = kc_api_get(m->api);
    if (a && m->version_max != KC_ANY && m->version_max > a->max_known)
        kc_yr_diag(y, mf->val[M_VERSIONS], "versions: %s's newest version is %d", a->name,
                   a->max_known);
    if (m->transactional == 1 && m->idempotent == 0)
        kc_yr_diag(y, mf->key[M_TRANSACTIONAL], "transactional: true never matches with "
                   "idempotent: false (a transactional producer is idempotent)");
    if ((m->transactional == 1 || m->idempotent == 1) && (m->acks == 0 || m->acks == 1))
        kc_yr_diag(y, mf->key[M_ACKS], "acks: %d never matches an idempotent producer (it "
                   "sends acks all)", m->acks);
}

/* refuse acts on connections before any request: only who connects, and where, can match. */
static void check_connection_action(kc_yr_t *y, const kc_yr_fields_t *rf,
                                    const kc_yr_fields_t *mf, kc_fault_rule_t *r)
{
    const char *kind = kc_fault_kind_name(r->action.kind);
    bool refuse = r->action.kind == KC_FAULT_REFUSE;
    for (int i = 0; refuse && match_keys[i]; i++)
        if (mf->key[i] && i != M_BROKERS && i != M_HOST)
            kc_yr_diag(y, mf->key[i], "refuse acts on new connections: match %s cannot apply "
                       "(only brokers and client_host)", match_keys[i]);
    for (int i = R_PROBABILITY; i <= R_MAX; i++)
        if (rf->key[i])
            kc_yr_diag(y, rf->key[i], "%s acts on %s, not on requests: %s does not apply", kind,
                       refuse ? "new connections" : "whole connections", rule_keys[i]);
}

static void check_rule(kc_yr_t *y, const kc_yr_fields_t *rf, const kc_yr_fields_t *mf,
                       kc_fault_rule_t *r)
{
    switch (r->action.kind) {
    case KC_FAULT_ERROR:
    case KC_FAULT_THROTTLE:
        need_api(y, mf, r, KC_API_PRODUCE);
        break;
    case KC_FAULT_LEADER:
        need_api(y, mf, r, KC_API_METADATA);
        break;
    case KC_FAULT_REFUSE:
    case KC_FAULT_BANDWIDTH:
        check_connection_action(y, rf, mf, r);
        break;
    case KC_FAULT_DISCONNECT:
        if (r->action.when == KC_WHEN_MID && r->match.acks == 0)
            kc_yr_diag(y, rf->val[R_ACTION + KC_FAULT_DISCONNECT], "disconnect mid needs a "
                       "response, and a Produce with acks 0 gets none");
        break;
    default:
        break;
    }
    check_match(y, mf, r);
}

static void read_rule(kc_yr_t *y, const yaml_node_t *n, int index, kc_fault_rule_t *r)
{
    kc_yr_fields_t rf = {.names = rule_keys}, mf = {.names = match_keys};
    r->line = (int)n->start_mark.line + 1;
    r->match = (kc_fault_match_t){.api = KC_ANY, .version_min = KC_ANY, .version_max = KC_ANY,
                                  .acks = KC_ANY, .idempotent = -1, .transactional = -1};
    r->trigger = (kc_fault_trigger_t){.probability = 1, .every = 1};
    if (!kc_yr_fields(y, n, "rule", &rf))
        return;
    if (rf.val[R_NAME])
        read_name(y, rf.val[R_NAME], &r->name);
    if (!r->name) {
        char name[32];
        snprintf(name, sizeof(name), "rule-%d", index + 1);
        r->name = strdup(name);
    }
    if (rf.val[R_MATCH])
        read_match(y, rf.val[R_MATCH], &r->match, &mf);
    read_window(y, rf.val, &r->window);
    read_trigger(y, rf.val, &r->trigger);
    /* The first action in the file is the rule's; any other is reported and read aside. */
    int first = -1;
    for (int k = 0; k < KC_FAULT_KINDS; k++)
        if (rf.key[R_ACTION + k] &&
            (first < 0 || rf.key[R_ACTION + k]->start_mark.index <
                              rf.key[R_ACTION + first]->start_mark.index))
            first = k;
    for (int k = 0; k < KC_FAULT_KINDS; k++) {
        kc_fault_action_t scratch = {0};
        if (k == first)
            kc_fault_action_read(y, (kc_fault_kind_t)k, rf.val[R_ACTION + k], &r->action);
        else if (rf.key[R_ACTION + k]) {
            kc_yr_diag(y, rf.key[R_ACTION + k], "a rule has one action: %s and %s both given",
                       kind_names[first], kind_names[k]);
            kc_fault_action_read(y, (kc_fault_kind_t)k, rf.val[R_ACTION + k], &scratch);
        }
    }
    if (first < 0)
        kc_yr_diag(y, n, "%s has no action (one of: error, latency, throttle, disconnect, stall, "
                   "drop, refuse, bandwidth, leader)", r->name);
    else
        check_rule(y, &rf, &mf, r);
}

static void read_rules(kc_yr_t *y, const yaml_node_t *n, kc_scenario_t *sc)
{
    if (kc_yr_kind(n) != KC_YR_LIST) {
        kc_yr_diag(y, n, "rules: expected a list of rules, got %s", kc_yr_kind_name(kc_yr_kind(n)));
        return;
    }
    yaml_node_item_t *items = n->data.sequence.items.start;
    int count = (int)(n->data.sequence.items.top - items);
    if (!count) {
        kc_yr_diag(y, n, "rules: empty (a scenario needs at least one rule)");
        return;
    }
    sc->rules = calloc((size_t)count, sizeof(*sc->rules));
    if (!sc->rules)
        abort();
    sc->nrules = count;
    for (int i = 0; i < count; i++)
        read_rule(y, kc_yr_node(y, items[i]), i, &sc->rules[i]);
    /* Rule names label metrics and admin URLs: each names one rule. */
    for (int i = 1; i < count; i++)
        for (int j = 0; j < i && sc->rules[i].name; j++)
            if (sc->rules[j].name && !strcmp(sc->rules[i].name, sc->rules[j].name)) {
                kc_yr_diag(y, kc_yr_node(y, items[i]), "rule name '%s' is already used by the "
                           "rule at line %d", sc->rules[i].name, sc->rules[j].line);
                break;
            }
}

/* ---- the scenario ---- */

enum { S_NAME, S_DESCRIPTION, S_SEED, S_DRY_RUN, S_MAX_DURATION, S_RULES };
static const char *const scenario_keys[] = {"name",    "description",  "seed",
                                            "dry_run", "max_duration", "rules", NULL};

static kc_scenario_t *read_scenario(kc_yr_t *y, const char *file, const yaml_node_t *root)
{
    kc_yr_fields_t f = {.names = scenario_keys};
    if (!root) {
        kc_yr_diag_at(y, 0, 0, "empty: a scenario is a mapping with name and rules");
        return NULL;
    }
    if (!kc_yr_fields(y, root, "scenario", &f))
        return NULL;
    kc_scenario_t *sc = calloc(1, sizeof(*sc));
    if (!sc || !(sc->file = strdup(file)))
        abort();
    yaml_node_t **v = f.val;
    if (v[S_NAME])
        read_name(y, v[S_NAME], &sc->name);
    else
        kc_yr_diag(y, root, "missing name (a scenario needs name and rules)");
    if (v[S_DESCRIPTION])
        kc_yr_str(y, v[S_DESCRIPTION], "description", &sc->description);
    if (v[S_SEED])
        kc_yr_u64(y, v[S_SEED], "seed", &sc->seed);
    if (v[S_DRY_RUN])
        kc_yr_bool(y, v[S_DRY_RUN], "dry_run", &sc->dry_run);
    if (v[S_MAX_DURATION] &&
        !kc_yr_duration(y, v[S_MAX_DURATION], "max_duration", &sc->max_duration_ns) &&
        !sc->max_duration_ns)
        kc_yr_diag(y, v[S_MAX_DURATION], "max_duration: 0 is no time (leave it out for none)");
    if (v[S_RULES])
        read_rules(y, v[S_RULES], sc);
    else
        kc_yr_diag(y, root, "missing rules (a scenario needs name and rules)");
    return sc;
}

/* libyaml's own error: the reader reports a byte offset, the scanner and parser a mark. */
static void syntax_error(kc_yr_t *y, const yaml_parser_t *p, const char *text, size_t len)
{
    size_t line = p->problem_mark.line, col = p->problem_mark.column;
    if (p->error == YAML_READER_ERROR) {
        line = col = 0;
        for (size_t i = 0; i < p->problem_offset && i < len; i++, col++)
            if (text[i] == '\n')
                line++, col = (size_t)-1;
    }
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context)
        kc_yr_diag_at(y, line, col, "%s (%s)", problem, p->context);
    else
        kc_yr_diag_at(y, line, col, "%s", problem);
}

kc_scenario_t *kc_scenario_parse(const char *file, const char *text, size_t len,
                                 kc_scenario_diags_t *diags)
{
    yaml_parser_t p;
    yaml_document_t doc;
    kc_yr_t y = {.file = file, .doc = &doc};
    kc_scenario_t *sc = NULL;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        syntax_error(&y, &p, text, len);
    } else {
        sc = read_scenario(&y, file, yaml_document_get_root_node(&doc));
        yaml_document_delete(&doc);
        /* One scenario per file: a second document is an error, not a second scenario. */
        if (!yaml_parser_load(&p, &doc)) {
            syntax_error(&y, &p, text, len);
        } else {
            if (yaml_document_get_root_node(&doc))
                kc_yr_diag_at(&y, doc.start_mark.line, doc.start_mark.column,
                              "a second document: a file holds one scenario");
            yaml_document_delete(&doc);
        }
    }
    yaml_parser_delete(&p);
    if (kc_yr_flush(&y, diags)) {
        kc_scenario_free(sc);
        return NULL;
    }
    return sc;
}

kc_scenario_t *kc_scenario_load(const char *path, kc_scenario_diags_t *diags)
{
    kc_yr_t y = {.file = path};
    FILE *f = fopen(path, "rb");
    char *text = malloc(MAX_FILE + 1);
    size_t len = 0;
    if (!text)
        abort();
    if (!f) {
        kc_yr_diag_at(&y, 0, 0, "cannot open: %s", strerror(errno));
    } else {
        len = fread(text, 1, MAX_FILE + 1, f);
        if (ferror(f))
            kc_yr_diag_at(&y, 0, 0, "cannot read: %s", strerror(errno));
        else if (len > MAX_FILE)
            kc_yr_diag_at(&y, 0, 0, "larger than %d bytes: not a scenario", MAX_FILE);
        fclose(f);
    }
    kc_scenario_t *sc = NULL;
    if (!kc_yr_flush(&y, diags))
        sc = kc_scenario_parse(path, text, len, diags);
    free(text);
    return sc;
}

void kc_scenario_match_free(kc_fault_match_t *m)
{
    free(m->client_id);
    free(m->host);
    free(m->software);
    free(m->principal);
    free(m->topic);
    free(m->partitions);
    free(m->brokers);
}

void kc_scenario_free(kc_scenario_t *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->nrules; i++) {
        free(sc->rules[i].name);
        kc_scenario_match_free(&sc->rules[i].match);
    }
    free(sc->rules);
    free(sc->name);
    free(sc->description);
    free(sc->file);
    free(sc);
}

void kc_scenario_diags_free(kc_scenario_diags_t *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->v[i]);
    free(d->v);
    *d = (kc_scenario_diags_t){0};
}
