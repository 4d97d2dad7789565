/* kchaos health: every client of a running kchaos judged (verdict.c), one line each after a
 * summary line, or a JSON array with --json; the exit code is the worst verdict, following the
 * monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (admin API unreachable,
 * no client data, or a usage error). */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin_client.h"
#include "cli.h"
#include "clients.h"
#include "verdict.h"

typedef struct health {
    const char *addr, *token, *client;
    bool json;
    kc_health_opts_t opts;
} health_t;

static void usage(FILE *f)
{
    fprintf(f, "usage: kchaos health --admin ADDR [--admin-token FILE] [--client GLOB]\n"
               "         [--max-latency-ms N (200)] [--max-error-rate R (not checked)]\n"
               "         [--max-retry-rate R (10)] [--max-throttle-ms N (0: any throttle)]\n"
               "         [--runway SECONDS] [--json]\n"
               "exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n");
}

static int number(const char *opt, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0) {
        fprintf(stderr, "kchaos health: %s: a number >= 0, not %s\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse(health_t *h, int argc, char **argv)
{
    static const struct option opts[] = {
        {"admin", required_argument, 0, 'a'},          {"admin-token", required_argument, 0, 'T'},
        {"client", required_argument, 0, 'c'},         {"max-latency-ms", required_argument, 0, 'l'},
        {"max-error-rate", required_argument, 0, 'e'}, {"max-retry-rate", required_argument, 0, 'r'},
        {"max-throttle-ms", required_argument, 0, 't'}, {"runway", required_argument, 0, 'w'},
        {"json", no_argument, 0, 'j'},                 {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    kc_health_opts_default(&h->opts);
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (o) {
        case 'a':
            h->addr = optarg;
            break;
        case 'T':
            h->token = optarg;
            break;
        case 'c':
            h->client = optarg;
            break;
        case 'l':
            bad = number("--max-latency-ms", optarg, &h->opts.max_latency_ms);
            break;
        case 'e':
            bad = number("--max-error-rate", optarg, &h->opts.max_error_rate);
            break;
        case 'r':
            bad = number("--max-retry-rate", optarg, &h->opts.max_retry_rate);
            break;
        case 't':
            bad = number("--max-throttle-ms", optarg, &h->opts.max_throttle_ms);
            break;
        case 'w':
            bad = number("--runway", optarg, &h->opts.runway_s);
            break;
        case 'j':
            h->json = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            bad = 1;
        }
        if (bad) {
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kchaos health: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* UNKNOWN, said the way the output mode says things. */
static int unknown(const health_t *h, const char *why)
{
    if (h->json) {
        json_t *a = json_array();
        json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "verdict", "UNKNOWN", "code",
                                           KC_UNKNOWN, "reason", why));
        json_dumpf(a, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(a);
    } else {
        printf("UNKNOWN: %s\n", why);
    }
    return KC_UNKNOWN;
}

int kc_cli_health_main(int argc, char **argv)
{
    health_t h = {0};
    int rc = parse(&h, argc, argv);
    if (rc)
        return rc > 0 ? 0 : KC_UNKNOWN;
    kc_admin_target_t admin;
    char err[700], *body = NULL;
    if (kc_admin_target_init(&admin, h.addr, h.token, 5000, err, sizeof(err))) {
        fprintf(stderr, "kchaos health: %s\n", err);
        return KC_UNKNOWN;
    }
    if (kc_admin_get(&admin, "/api/v1/clients", &body, err, sizeof(err)))
        return unknown(&h, err);
    kc_cli_clients_t cl;
    rc = kc_cli_clients_parse(body, &cl, err, sizeof(err));
    free(body);
    if (rc)
        return unknown(&h, err);

    kc_verdict_t worst = KC_OK;
    int count[4] = {0};
    json_t *arr = json_array();
    char *lines = NULL;
    size_t lines_len = 0;
    FILE *out = open_memstream(&lines, &lines_len); /* the summary line comes first */
    if (!arr || !out) {
        kc_cli_clients_free(&cl);
        return unknown(&h, "out of memory");
    }
    size_t matched = 0;
    for (size_t i = 0; i < cl.n; i++) {
        const kc_cli_client_t *c = &cl.v[i];
        if (h.client && fnmatch(h.client, c->client_id, 0) != 0)
            continue;
        matched++;
        char reason[1024];
        kc_verdict_t v = kc_health_judge(c, &h.opts, reason, sizeof(reason));
        count[v]++;
        if (v > worst)
            worst = v;
        fprintf(out, "%-8s %s@%s: %s\n", kc_verdict_name(v), c->client_id, c->host, reason);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:s}", "client_id",
                                             c->client_id, "host", c->host, "verdict",
                                             kc_verdict_name(v), "code", (int)v, "reason", reason));
    }
    fclose(out);
    kc_cli_clients_free(&cl);
    if (!matched) {
        free(lines);
        json_decref(arr);
        return unknown(&h, h.client ? "no client matches --client" : "no client data yet");
    }
    if (h.json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        printf("\n");
    } else {
        printf("%s: %zu client%s: %d critical, %d warning, %d ok\n%s", kc_verdict_name(worst),
               matched, matched == 1 ? "" : "s", count[KC_CRITICAL], count[KC_WARNING],
               count[KC_OK], lines);
    }
    free(lines);
    json_decref(arr);
    return worst;
}
