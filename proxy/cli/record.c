/* kchaos record: start a recording on a running kchaos (/api/v1/recordings), wait for --for
 * (or Ctrl-C), stop it and write its export, a scenario file, to --out. Exit 0 when written,
 * 1 when kchaos refused or could not be reached (the reason on stderr), 2 for a usage error. */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_client.h"
#include "cli.h"

#define API "/api/v1/recordings"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: kchaos record --admin ADDR --out FILE [--for DURATION] [--client GLOB]\n"
               "                     [--topic GLOB] [--topic-map OLD=NEW]... [--broker-map OLD=NEW]...\n"
               "                     [--name NAME] [--admin-token FILE]\n"
               "Records what the brokers answer (1 s windows) for DURATION (30s, 5m, 1h; without\n"
               "it, until Ctrl-C), then writes it as a scenario that `kchaos --scenario FILE`\n"
               "replays and `kchaos check-scenario FILE` checks.\n");
}

/* "30s", "5m", "1h", "1500ms": seconds, or -1. */
static double seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    double unit = !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
                : !strcmp(end, "ms") ? 0.001 : -1;
    return end == s || v <= 0 || unit < 0 ? -1 : v * unit;
}

/* Append &key=value, the value escaped for a URL. */
static void param(CURL *c, char *q, size_t n, const char *key, const char *value)
{
    if (!value)
        return;
    char *esc = curl_easy_escape(c, value, 0);
    size_t len = strlen(q);
    snprintf(q + len, n - len, "%s%s=%s", len ? "&" : "?", key, esc ? esc : "");
    curl_free(esc);
}

static int request(const kc_admin_target_t *t, const char *method, const char *path,
                   long want, long also, kc_admin_answer_t *ans)
{
    char err[600];
    /* A POST says its length (the admin listener wants one): an empty mapping, the options
     * being in the query. */
    bool post = !strcmp(method, "POST");
    if (kc_admin_request(t, method, path, post ? "application/json" : NULL, post ? "{}" : NULL,
                         post ? 2 : 0, ans, err, sizeof(err))) {
        fprintf(stderr, "kchaos record: %s\n", err);
        return 1;
    }
    if (ans->status == want || ans->status == also)
        return 0;
    fprintf(stderr, "kchaos record: %s %s: HTTP %ld: %s", method, path, ans->status, ans->body);
    free(ans->body);
    return 1;
}

static void wait_for(double s)
{
    struct timespec step = {0, 100000000};
    for (double waited = 0; !interrupted && (s <= 0 || waited < s); waited += 0.1)
        nanosleep(&step, NULL);
}

int kc_cli_record_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"admin", required_argument, 0, 'a'},      {"out", required_argument, 0, 'o'},
        {"for", required_argument, 0, 'f'},        {"client", required_argument, 0, 'c'},
        {"topic", required_argument, 0, 't'},      {"topic-map", required_argument, 0, 'T'},
        {"broker-map", required_argument, 0, 'B'}, {"name", required_argument, 0, 'n'},
        {"admin-token", required_argument, 0, 'k'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *addr = NULL, *out = NULL, *dur = NULL, *client = NULL, *topic = NULL;
    const char *token = NULL, *name = NULL;
    CURL *c = curl_easy_init();
    char start[1200] = "", get[4096] = "";
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a': addr = optarg; break;
        case 'o': out = optarg; break;
        case 'f': dur = optarg; break;
        case 'c': client = optarg; break;
        case 't': topic = optarg; break;
        case 'k': token = optarg; break;
        case 'n': name = optarg; break;
        case 'T': param(c, get, sizeof(get), "topic-map", optarg); break;
        case 'B': param(c, get, sizeof(get), "broker-map", optarg); break;
        case 'h': usage(stdout); curl_easy_cleanup(c); return 0;
        default: usage(stderr); curl_easy_cleanup(c); return 2;
        }
    }
    double secs = dur ? seconds(dur) : 0;
    if (!addr || !out || optind < argc || secs < 0) {
        fprintf(stderr, "kchaos record: %s\n", !addr ? "--admin ADDR is required"
                                               : !out ? "--out FILE is required"
                                               : secs < 0 ? "--for: a duration such as 30s or 5m"
                                                          : "no operands");
        usage(stderr);
        curl_easy_cleanup(c);
        return 2;
    }
    param(c, start, sizeof(start), "for", dur);
    param(c, start, sizeof(start), "client", client);
    param(c, start, sizeof(start), "topic", topic);
    param(c, get, sizeof(get), "name", name);
    curl_easy_cleanup(c);

    kc_admin_target_t t;
    char err[600], path[8192];
    if (kc_admin_target_init(&t, addr, token, 10000, err, sizeof(err))) {
        fprintf(stderr, "kchaos record: %s\n", err);
        return 1;
    }
    kc_admin_answer_t ans;
    snprintf(path, sizeof(path), API "%s", start);
    if (request(&t, "POST", path, 201, 201, &ans))
        return 1;
    free(ans.body);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "kchaos record: recording %s%s\n", dur ? "for " : "until Ctrl-C",
            dur ? dur : "");
    wait_for(secs);
    /* 404: it stopped itself at the end of --for (or its window cap). */
    if (request(&t, "DELETE", API, 200, 404, &ans))
        return 1;
    free(ans.body);
    snprintf(path, sizeof(path), API "/scenario%s", get);
    if (request(&t, "GET", path, 200, 200, &ans))
        return 1;
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(ans.body, 1, ans.len, f) != ans.len || fclose(f)) {
        fprintf(stderr, "kchaos record: cannot write %s\n", out);
        free(ans.body);
        return 1;
    }
    int rules = 0;
    for (const char *p = ans.body; (p = strstr(p, "\n  - name: ")); p++)
        rules++;
    fprintf(stderr, "kchaos record: wrote %s (%d rule%s); check it with `kchaos check-scenario "
                    "%s`\n", out, rules, rules == 1 ? "" : "s", out);
    free(ans.body);
    return 0;
}
