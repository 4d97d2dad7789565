/* The recording over the admin API: see routes.h. */
#include "record/routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <yaml.h>

#include "fault/units.h"
#include "record/export.h"
#include "record/timeline.h"

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The next key=value of a query, percent-decoded into k and v; false at the end. */
static bool next_param(const char **q, char *k, size_t kn, char *v, size_t vn)
{
    if (!**q)
        return false;
    const char *end = strchr(*q, '&');
    size_t len = end ? (size_t)(end - *q) : strlen(*q);
    char *out = k;
    size_t cap = kn, n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (*q)[i];
        if (c == '=' && out == k) {
            out[n] = 0;
            out = v, cap = vn, n = 0;
            continue;
        }
        if (c == '+')
            c = ' ';
        else if (c == '%' && i + 2 < len && hex((*q)[i + 1]) >= 0 && hex((*q)[i + 2]) >= 0) {
            c = (char)(hex((*q)[i + 1]) * 16 + hex((*q)[i + 2]));
            i += 2;
        }
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = 0;
    if (out == k)
        v[0] = 0;
    *q += len + (end ? 1 : 0);
    return true;
}

/* One option; false with a reason in why. */
static bool option(kc_record_opts_t *o, const char *k, const char *v, char *why, size_t n)
{
    if (!strcmp(k, "for")) {
        if (kc_fault_duration_parse(v, &o->for_ns) || !o->for_ns) {
            snprintf(why, n, "for: '%s' is not a duration such as 60s or 5m", v);
            return false;
        }
    } else if (!strcmp(k, "client")) {
        snprintf(o->client, sizeof(o->client), "%s", v);
    } else if (!strcmp(k, "topic")) {
        snprintf(o->topic, sizeof(o->topic), "%s", v);
    } else {
        snprintf(why, n, "unknown option '%s' (allowed: for, client, topic)", k);
        return false;
    }
    return true;
}

/* A flat mapping of scalars (JSON is YAML): the same options as the query. */
static bool body_options(const kc_admin_req_t *req, kc_record_opts_t *o, char *why, size_t n)
{
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)req->body, req->body_len);
    bool ok = yaml_parser_load(&p, &doc);
    yaml_node_t *root = ok ? yaml_document_get_root_node(&doc) : NULL;
    if (!ok || (root && root->type != YAML_MAPPING_NODE)) {
        snprintf(why, n, "the body is not a mapping of options (for, client, topic)");
        ok = false;
    }
    for (yaml_node_pair_t *pr = root && ok ? root->data.mapping.pairs.start : NULL;
         ok && pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
        if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
            snprintf(why, n, "the body's options are plain values");
            ok = false;
            break;
        }
        ok = option(o, (const char *)k->data.scalar.value, (const char *)v->data.scalar.value, why, n);
    }
    if (root || ok)
        yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return ok;
}

/* A window number: digits only. */
static bool window_param(const char *v, uint32_t *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || v[0] == '-' || v[0] == '+' || n > KC_REC_MAX_WINDOWS)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* The recording's state as JSON, the answer to start, stop and GET alike. */
static void reply_state(kc_recorder_t *rec, kc_admin_reply_t *r, int status)
{
    size_t len = 0;
    char *body = kc_recorder_json(rec, uv_hrtime(), &len);
    kc_admin_reply_json(r, status, body, len);
}

static void on_start(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    kc_record_opts_t o = {0};
    char k[32], v[512], why[600] = "";
    bool ok = true;
    for (const char *q = req->query; ok && next_param(&q, k, sizeof(k), v, sizeof(v));)
        ok = option(&o, k, v, why, sizeof(why));
    if (ok && req->body_len)
        ok = body_options(req, &o, why, sizeof(why));
    if (!ok) {
        strcat(why, "\n");
        kc_admin_reply_text(r, 400, why);
        return;
    }
    if (kc_recorder_start(ctx, &o, uv_hrtime()) == -EBUSY) {
        kc_admin_reply_text(r, 409, "a recording is running: stop it first (DELETE)\n");
        return;
    }
    reply_state(ctx, r, 201);
}

static void on_stop(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    if (kc_recorder_stop(ctx, uv_hrtime())) {
        kc_admin_reply_text(r, 404, "no recording is running\n");
        return;
    }
    reply_state(ctx, r, 200);
}

static void on_state(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    reply_state(ctx, r, 200);
}

static void on_scenario(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    kc_export_opts_t o = {0};
    char names[KC_EXPORT_MAPS][512]; /* the maps point into them until the export is done */
    char k[32], v[512], why[700] = "", name[600] = "";
    int nn = 0;
    bool ok = true;
    for (const char *q = req->query; ok && next_param(&q, k, sizeof(k), v, sizeof(v));) {
        if (!strcmp(k, "topic-map") && nn < KC_EXPORT_MAPS) {
            snprintf(names[nn], sizeof(names[nn]), "%s", v);
            ok = !kc_export_topic_map(&o, names[nn++]);
        } else if (!strcmp(k, "broker-map")) {
            ok = !kc_export_broker_map(&o, v);
        } else if (!strcmp(k, "name")) {
            snprintf(name, sizeof(name), "%s", v);
            o.name = name;
        } else if (!strcmp(k, "from") || !strcmp(k, "to")) {
            ok = window_param(v, !strcmp(k, "from") ? &o.from : &o.to);
        } else {
            ok = false;
        }
        if (!ok)
            snprintf(why, sizeof(why), "bad option %s=%s (topic-map=old=new, broker-map=1=2, "
                                       "name=NAME, from=W, to=W)\n", k, v);
    }
    if (ok && o.to && o.to <= o.from) {
        snprintf(why, sizeof(why), "from=%u, to=%u: an empty range of windows\n", o.from, o.to);
        ok = false;
    }
    kc_record_data_t d;
    if (ok && kc_recorder_snapshot(ctx, uv_hrtime(), &d)) {
        kc_admin_reply_text(r, 404, "nothing was recorded: start a recording first (POST)\n");
        ok = false, why[0] = 0;
    }
    if (!ok) {
        if (why[0])
            kc_admin_reply_text(r, 400, why);
        for (int i = 0; i < o.ntopic_maps; i++)
            free((char *)o.topic_from[i]);
        return;
    }
    size_t len = 0;
    int nrules = 0;
    char *text = kc_record_export(&d, &o, &len, &nrules);
    if (text && nrules == 0) {
        free(text);
        char msg[256];
        snprintf(msg, sizeof(msg), "the recording (%u windows) holds nothing to replay: no "
                 "errors, throttling, slow windows, leaderless partitions or broker failures\n",
                 d.nwindows);
        kc_admin_reply_text(r, 422, msg);
    } else if (!text) {
        kc_admin_reply_text(r, 503, "out of memory\n");
    } else {
        kc_admin_reply_send(r, 200, "application/yaml", text, len);
    }
    kc_record_data_free(&d);
    for (int i = 0; i < o.ntopic_maps; i++)
        free((char *)o.topic_from[i]);
}

typedef struct running {
    kc_tl_bands_t *b;
    uint64_t started;
    uint32_t nwindows;
} running_t;

static void running_bands(void *ctx, const kc_scenario_t *sc)
{
    running_t *x = ctx;
    kc_tl_bands_add(x->b, sc, NULL, (int64_t)sc->started_ns - (int64_t)x->started, x->nwindows,
                    false);
}

static void on_timeline(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    const kc_record_api_t *timeline = ctx;
    uint32_t from = 0, to = 0;
    char k[32], v[64];
    for (const char *q = req->query; next_param(&q, k, sizeof(k), v, sizeof(v));) {
        bool ok = !strcmp(k, "from") ? window_param(v, &from)
                  : !strcmp(k, "to") ? window_param(v, &to) : false;
        if (!ok) {
            kc_admin_reply_text(r, 400, "bad option: from=W and to=W take window numbers\n");
            return;
        }
    }
    uint64_t now = uv_hrtime(), started = 0;
    kc_record_data_t d;
    if (kc_recorder_started(timeline->rec, &started) ||
        kc_recorder_snapshot(timeline->rec, now, &d)) { /* a failed snapshot holds nothing */
        kc_admin_reply_text(r, 404, "nothing was recorded: start a recording first (POST)\n");
        return;
    }
    kc_tl_bands_t b = {0};
    running_t x = {&b, started, d.nwindows};
    if (timeline->faults)
        kc_faults_each(timeline->faults, running_bands, &x);
    size_t len = 0;
    char *state = kc_recorder_json(timeline->rec, now, &len);
    char *body = b.oom ? NULL : kc_record_timeline_json(&d, from, to, &b, state, &len);
    free(state);
    kc_tl_bands_free(&b);
    kc_record_data_free(&d);
    kc_admin_reply_json(r, 200, body, len);
}

int kc_record_routes(kc_admin_t *a, kc_record_api_t *api)
{
    kc_recorder_t *r = api->rec;
    int rc = kc_admin_route(a, "POST", "/api/v1/recordings", on_start, r);
    if (!rc)
        rc = kc_admin_route(a, "DELETE", "/api/v1/recordings", on_stop, r);
    if (!rc)
        rc = kc_admin_route(a, "GET", "/api/v1/recordings", on_state, r);
    if (!rc)
        rc = kc_admin_route(a, "GET", "/api/v1/recordings/scenario", on_scenario, r);
    if (!rc)
        rc = kc_admin_route(a, "GET", "/api/v1/recordings/timeline", on_timeline, api);
    return rc;
}
