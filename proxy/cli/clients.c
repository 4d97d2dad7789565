/* /api/v1/clients into kc_cli_client_t (see clients.h), read with jansson: the proxy writes
 * its JSON by hand for speed, the tools read it with a library for robustness. */
#include "clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

const char *const kc_cli_ind_names[KC_CLI_INDS] = {"latency_p99_ms", "errors_per_s",
                                                    "retries_per_s", "throttle_ms"};

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0.0;
}

static uint64_t count(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return json_integer_value(v) < 0 ? 0 : (uint64_t)json_integer_value(v);
    return json_is_real(v) && json_real_value(v) > 0 ? (uint64_t)json_real_value(v) : 0;
}

static void str(json_t *o, const char *key, char *dst, size_t n)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(dst, n, "%s", s ? s : "");
}

static void trend(json_t *o, kc_cli_trend_t *t)
{
    memset(t, 0, sizeof(*t));
    if (!json_is_object(o))
        return;
    t->present = true;
    t->now = num(o, "now");
    t->slope_per_s = num(o, "slope_per_s");
    t->threshold = num(o, "threshold");
    json_t *r = json_object_get(o, "runway_s");
    t->has_runway = json_is_number(r);
    t->runway_s = t->has_runway ? json_number_value(r) : -1;
}

static void client(json_t *o, kc_cli_client_t *c)
{
    memset(c, 0, sizeof(*c));
    str(o, "client_id", c->client_id, sizeof(c->client_id));
    str(o, "host", c->host, sizeof(c->host));
    json_t *req = json_object_get(o, "requests");
    c->req_ok = count(req, "ok");
    c->req_retriable = count(req, "retriable");
    c->req_fatal = count(req, "fatal");
    c->records = count(o, "records");
    c->bytes = count(o, "bytes");
    c->retries = count(o, "retries");
    c->errors = count(o, "errors");
    json_t *r = json_object_get(o, "rates");
    c->records_per_s = num(r, "records_per_s");
    c->bytes_per_s = num(r, "bytes_per_s");
    c->requests_per_s = num(r, "requests_per_s");
    c->errors_per_s = num(r, "errors_per_s");
    c->retries_per_s = num(r, "retries_per_s");
    json_t *l = json_object_get(json_object_get(o, "latency_ms"), "client");
    c->lat_count = count(l, "count");
    c->lat_mean = num(l, "mean");
    c->lat_p50 = num(l, "p50");
    c->lat_p95 = num(l, "p95");
    c->lat_p99 = num(l, "p99");
    c->lat_max = num(l, "max");
    json_t *t = json_object_get(o, "throttle_ms");
    c->thr_responses = count(t, "responses");
    c->thr_throttled = count(t, "throttled");
    c->thr_share = num(t, "share");
    c->thr_mean = num(t, "mean");
    c->thr_max = num(t, "max");
    size_t i;
    json_t *risk;
    json_array_foreach(json_object_get(o, "risks"), i, risk)
    {
        if (c->nrisks == KC_CLI_RISKS_MAX)
            break;
        str(risk, "flag", c->risks[c->nrisks], sizeof(c->risks[0]));
        if (c->risks[c->nrisks][0])
            c->nrisks++;
    }
    json_t *df = json_object_get(o, "delivery_failures");
    if ((c->has_delivery_failures = json_is_number(df)))
        c->delivery_failures = count(o, "delivery_failures");
    json_t *ind = json_object_get(o, "indicators");
    if ((c->has_indicators = json_is_object(ind))) {
        c->ind_interval_s = num(ind, "interval_s");
        for (int k = 0; k < KC_CLI_INDS; k++)
            trend(json_object_get(ind, kc_cli_ind_names[k]), &c->ind[k]);
    }
}

int kc_cli_clients_parse(const char *text, kc_cli_clients_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root) {
        snprintf(err, errlen, "not JSON (line %d: %s)", je.line, je.text);
        return -1;
    }
    json_t *arr = json_object_get(root, "clients");
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "no \"clients\" array in the answer");
        json_decref(root);
        return -1;
    }
    size_t n = json_array_size(arr);
    out->v = calloc(n ? n : 1, sizeof(*out->v));
    if (!out->v) {
        snprintf(err, errlen, "out of memory");
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (json_is_object(json_array_get(arr, i)))
            client(json_array_get(arr, i), &out->v[out->n++]);
    json_decref(root);
    return 0;
}

void kc_cli_clients_free(kc_cli_clients_t *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

double kc_cli_runway(double now, double slope_per_s, double threshold)
{
    /* At a zero threshold ("any throttle"), zero itself is not yet over. */
    if (now > threshold || (now == threshold && threshold > 0))
        return 0;
    if (!(slope_per_s > 0))
        return -1;
    return (threshold - now) / slope_per_s;
}
