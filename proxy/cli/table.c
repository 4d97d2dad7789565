/* kchaos top's table (table.h). Every cell has a fixed width so that a row fits 80 columns;
 * a number too wide for its cell loses decimals first, then shows as "+" (never wraps). */
#include "table.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const kc_col_info_t kc_cols[KC_COLS] = {
    [KC_COL_CLIENT] = {"client", "CLIENT", 'c', 13},
    [KC_COL_HOST] = {"host", "HOST", 'h', 9},
    [KC_COL_RECORDS] = {"records", "REC/S", 'r', 7},
    [KC_COL_MBPS] = {"mbps", "MB/S", 'm', 5},
    [KC_COL_P50] = {"p50", "P50ms", 'p', 6},
    [KC_COL_P99] = {"p99", "P99ms", 'l', 7},
    [KC_COL_THROTTLE] = {"throttle", "THRms", 't', 6},
    [KC_COL_ERRORS] = {"errors", "ERR/S", 'e', 6},
    [KC_COL_RETRIES] = {"retries", "RTY/S", 'y', 6},
    [KC_COL_RISK] = {"risk", "RISK", 'k', 6},
};

int kc_col_by_name(const char *name)
{
    for (int i = 0; i < KC_COLS; i++)
        if (!strcmp(name, kc_cols[i].name) || (name[0] == kc_cols[i].key && !name[1]))
            return i;
    return -1;
}

int kc_col_by_key(int key)
{
    for (int i = 0; i < KC_COLS; i++)
        if (key == kc_cols[i].key)
            return i;
    return -1;
}

static const struct {
    const char *flag, *abbrev;
} abbrevs[] = {
    {"acks_0", "A0"},
    {"acks_1", "A1"},
    {"reordering_retries", "RR"},
    {"idempotence_without_acks_all", "IA"},
    {"tiny_batches", "TB"},
    {"uncompressed_large_batches", "UC"},
    {"known_bug", "KB"},
};

const char *kc_risk_abbrev(const char *flag)
{
    for (size_t i = 0; i < sizeof(abbrevs) / sizeof(abbrevs[0]); i++)
        if (!strcmp(flag, abbrevs[i].flag))
            return abbrevs[i].abbrev;
    return "?"; /* a flag newer than this tool */
}

/* ---- cells ---- */

typedef struct row {
    char *p;
    size_t n, len;
    int cols; /* display columns so far */
} row_t;

static void put(row_t *r, const char *s, int cols)
{
    size_t k = strlen(s);
    if (r->len + k + 1 > r->n)
        return;
    memcpy(r->p + r->len, s, k + 1);
    r->len += k;
    r->cols += cols;
}

static void pad_to(row_t *r, int col)
{
    while (r->cols < col)
        put(r, " ", 1);
}

/* Text cell, left-aligned, cut with "~" when too long. */
static void text(row_t *r, const char *s, int w)
{
    char buf[128];
    int k = (int)strlen(s);
    if (k > w)
        snprintf(buf, sizeof(buf), "%.*s~", w - 1, s);
    else
        snprintf(buf, sizeof(buf), "%-*s", w, s);
    put(r, buf, w);
}

/* Number cell, right-aligned in w columns, as many of 2, 1, 0 decimals as fit. */
static void number(row_t *r, double v, int w)
{
    char buf[64];
    for (int d = v >= 100 ? 1 : 2; d >= 0; d--) {
        int k = snprintf(buf, sizeof(buf), "%*.*f", w, d, v);
        if (k <= w) {
            put(r, buf, w);
            return;
        }
    }
    snprintf(buf, sizeof(buf), "%*s", w, "+");
    put(r, buf, w);
}

/* ↑ when the indicator rises noticeably (5% of its scale a minute), ↓ when it falls. */
static const char *arrow(const kc_cli_client_t *c, int k, bool utf8)
{
    const kc_cli_trend_t *t = &c->ind[k];
    if (!c->has_indicators || !t->present)
        return " ";
    double scale = fmax(fabs(t->now), t->threshold > 0 ? t->threshold * 0.1 : 0);
    if (!(fabs(t->slope_per_s) > 0) || fabs(t->slope_per_s) * 60 < 0.05 * scale)
        return " ";
    if (t->slope_per_s > 0)
        return utf8 ? "\xe2\x86\x91" : "^";
    return utf8 ? "\xe2\x86\x93" : "v";
}

static void number_trend(row_t *r, double v, int w, const char *arr)
{
    number(r, v, w - 1);
    put(r, arr, 1);
}

void kc_table_header(char *out, size_t n)
{
    row_t r = {out, n, 0, 0};
    out[0] = 0;
    for (int i = 0; i < KC_COLS; i++) {
        char buf[32];
        int w = kc_cols[i].width;
        if (i == KC_COL_P99 || i == KC_COL_THROTTLE || i == KC_COL_ERRORS || i == KC_COL_RETRIES)
            snprintf(buf, sizeof(buf), "%*s ", w - 1, kc_cols[i].title); /* over the numbers */
        else if (i >= KC_COL_RECORDS && i != KC_COL_RISK)
            snprintf(buf, sizeof(buf), "%*s", w, kc_cols[i].title);
        else
            snprintf(buf, sizeof(buf), "%-*s", w, kc_cols[i].title);
        if (i)
            put(&r, " ", 1);
        put(&r, buf, w);
    }
    while (r.len && r.p[r.len - 1] == ' ')
        r.p[--r.len] = 0;
}

void kc_table_row(const kc_cli_client_t *c, bool utf8, char *out, size_t n)
{
    row_t r = {out, n, 0, 0};
    out[0] = 0;
    const kc_col_info_t *k = kc_cols;
    text(&r, c->client_id[0] ? c->client_id : "(none)", k[KC_COL_CLIENT].width);
    put(&r, " ", 1);
    text(&r, c->host, k[KC_COL_HOST].width);
    put(&r, " ", 1);
    number(&r, c->records_per_s, k[KC_COL_RECORDS].width);
    put(&r, " ", 1);
    number(&r, c->bytes_per_s / 1e6, k[KC_COL_MBPS].width);
    put(&r, " ", 1);
    number(&r, c->lat_p50, k[KC_COL_P50].width);
    put(&r, " ", 1);
    number_trend(&r, c->lat_p99, k[KC_COL_P99].width, arrow(c, KC_CLI_IND_LATENCY_P99, utf8));
    put(&r, " ", 1);
    number_trend(&r, c->thr_mean, k[KC_COL_THROTTLE].width, arrow(c, KC_CLI_IND_THROTTLE, utf8));
    put(&r, " ", 1);
    number_trend(&r, c->errors_per_s, k[KC_COL_ERRORS].width, arrow(c, KC_CLI_IND_ERRORS, utf8));
    put(&r, " ", 1);
    number_trend(&r, c->retries_per_s, k[KC_COL_RETRIES].width,
                 arrow(c, KC_CLI_IND_RETRIES, utf8));
    put(&r, " ", 1);
    char risk[64] = "";
    for (int i = 0; i < c->nrisks; i++) {
        size_t len = strlen(risk);
        snprintf(risk + len, sizeof(risk) - len, "%s%s", i ? "," : "", kc_risk_abbrev(c->risks[i]));
    }
    text(&r, c->nrisks ? risk : "-", k[KC_COL_RISK].width);
    pad_to(&r, KC_ROW_WIDTH - 1);
    /* trailing blanks help no one in a pipe */
    while (r.len && r.p[r.len - 1] == ' ')
        r.p[--r.len] = 0;
}

/* ---- sort and filter ---- */

static double key_num(const kc_cli_client_t *c, kc_col_t col)
{
    switch (col) {
    case KC_COL_RECORDS:
        return c->records_per_s;
    case KC_COL_MBPS:
        return c->bytes_per_s;
    case KC_COL_P50:
        return c->lat_p50;
    case KC_COL_P99:
        return c->lat_p99;
    case KC_COL_THROTTLE:
        return c->thr_mean;
    case KC_COL_ERRORS:
        return c->errors_per_s;
    case KC_COL_RETRIES:
        return c->retries_per_s;
    case KC_COL_RISK:
        return c->nrisks;
    default:
        return 0;
    }
}

static const kc_cli_client_t *sort_base;
static kc_col_t sort_col;

static int by_col(const void *x, const void *y)
{
    const kc_cli_client_t *a = &sort_base[*(const size_t *)x], *b = &sort_base[*(const size_t *)y];
    int d = 0;
    if (sort_col == KC_COL_HOST)
        d = strcmp(a->host, b->host);
    else if (sort_col != KC_COL_CLIENT) {
        double u = key_num(a, sort_col), v = key_num(b, sort_col);
        d = u > v ? -1 : u < v;
    }
    if (!d)
        d = strcmp(a->client_id, b->client_id);
    if (!d)
        d = strcmp(a->host, b->host);
    return d;
}

size_t kc_table_select(const kc_cli_clients_t *c, const char *glob, kc_col_t col, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!glob || !*glob || fnmatch(glob, c->v[i].client_id, 0) == 0)
            idx[n++] = i;
    sort_base = c->v; /* qsort has no context argument in C11; the tools are single-threaded */
    sort_col = col;
    qsort(idx, n, sizeof(*idx), by_col);
    return n;
}
