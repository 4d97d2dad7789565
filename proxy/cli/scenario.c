/* kchaos scenario: list, apply, remove and switch off the fault scenarios of a running kchaos
 * through its admin API (/api/v1/scenarios). Exit 0 when done, 1 when kchaos refused, found
 * nothing, or could not be reached (the reason on stderr), 2 for a usage error. */
#include "scenario.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin_client.h"
#include "cli.h"

#define API "/api/v1/scenarios"
#define FILE_MAX (1024 * 1024) /* the admin listener's body limit */

/* ---- the list ---- */

void kc_scenario_duration(double s, char *out, size_t n)
{
    if (s < 0 || s != s)
        s = 0;
    if (s < 59.95) /* what would round to "60.0s" reads as a minute */
        snprintf(out, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : "-";
}

static uint64_t count(const json_t *o, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(o, key));
    return v > 0 ? (uint64_t)v : 0;
}

static void print_rule(const json_t *rule, FILE *out)
{
    fprintf(out, "  %-24s %-10s matches %-8" PRIu64 " injected %-8" PRIu64 " %s\n",
            str(rule, "name"), str(rule, "action"), count(rule, "matches"),
            count(rule, "injected"),
            json_is_true(json_object_get(rule, "active")) ? "active" : "inactive");
}

static void print_scenario(const json_t *sc, FILE *out)
{
    char elapsed[32], max[32] = "";
    kc_scenario_duration(json_number_value(json_object_get(sc, "elapsed_s")), elapsed,
                         sizeof(elapsed));
    const json_t *m = json_object_get(sc, "max_duration_s");
    if (json_is_number(m)) { /* null: runs until removed */
        max[0] = '/';
        kc_scenario_duration(json_number_value(m), max + 1, sizeof(max) - 1);
    }
    char both[64];
    snprintf(both, sizeof(both), "%s%s", elapsed, max);
    fprintf(out, "%-26s %-9s %-14s %-7s %s\n", str(sc, "name"), str(sc, "state"), both,
            json_is_true(json_object_get(sc, "dry_run")) ? "yes" : "no", str(sc, "file"));
    const json_t *rules = json_object_get(sc, "rules"), *rule;
    size_t i;
    json_array_foreach(rules, i, rule)
        print_rule(rule, out);
}

int kc_scenario_print_list(const char *json, FILE *out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(json, 0, &je);
    const json_t *list = json_object_get(root, "scenarios");
    if (!json_is_array(list)) {
        snprintf(err, errlen, "not a scenario list: %s", root ? "no \"scenarios\" array" : je.text);
        json_decref(root);
        return -1;
    }
    if (json_array_size(list) == 0) {
        fprintf(out, "no scenario\n");
    } else {
        fprintf(out, "%-26s %-9s %-14s %-7s %s\n", "NAME", "STATE", "ELAPSED", "DRY-RUN", "FILE");
        size_t i;
        const json_t *sc;
        json_array_foreach(list, i, sc)
            print_scenario(sc, out);
    }
    json_decref(root);
    return 0;
}

void kc_scenario_print_diagnostics(const char *text, const char *file, FILE *out)
{
    static const char api[] = "<api>";
    while (*text) {
        size_t n = strcspn(text, "\n");
        if (n >= sizeof(api) - 1 && !strncmp(text, api, sizeof(api) - 1)) {
            fputs(file, out);
            fwrite(text + sizeof(api) - 1, 1, n - (sizeof(api) - 1), out);
        } else {
            fwrite(text, 1, n, out);
        }
        fputc('\n', out);
        text += n + (text[n] == '\n');
    }
}

/* ---- the commands ---- */

typedef struct scen {
    const char *addr, *token;
    bool json;
    kc_admin_target_t admin;
    char err[700];
} scen_t;

static void usage(FILE *f)
{
    fprintf(f, "usage: kchaos scenario list --admin ADDR [--admin-token FILE] [--json]\n"
               "       kchaos scenario apply FILE... --admin ADDR [--admin-token FILE]\n"
               "       kchaos scenario remove NAME... --admin ADDR [--admin-token FILE]\n"
               "       kchaos scenario off --admin ADDR [--admin-token FILE]\n"
               "exit: 0 done, 1 refused, not found or unreachable, 2 usage\n");
}

/* The first line of an answer's body, for a reason. */
static void first_line(const char *body, char *out, size_t n)
{
    snprintf(out, n, "%.*s", (int)strcspn(body, "\r\n"), body);
}

/* A status nobody expected: why, on stderr. */
static int unexpected(scen_t *s, const char *path, const kc_admin_answer_t *a)
{
    kc_admin_status_reason(&s->admin, path, a->status, s->err, sizeof(s->err));
    char line[200];
    first_line(a->body, line, sizeof(line));
    fprintf(stderr, "kchaos scenario: %s%s%s%s\n", s->err, line[0] ? " (" : "", line,
            line[0] ? ")" : "");
    return 1;
}

static int list(scen_t *s)
{
    char *body;
    if (kc_admin_get(&s->admin, API, &body, s->err, sizeof(s->err))) {
        fprintf(stderr, "kchaos scenario: %s\n", s->err);
        return 1;
    }
    int rc = 0;
    json_t *j = s->json ? json_loads(body, 0, NULL) : NULL;
    if (j) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        printf("\n");
    } else if (s->json) {
        fputs(body, stdout); /* not JSON: shown as it came, for whoever reads it */
    } else if (kc_scenario_print_list(body, stdout, s->err, sizeof(s->err))) {
        fprintf(stderr, "kchaos scenario: %s\n", s->err);
        rc = 1;
    }
    json_decref(j);
    free(body);
    return rc;
}

/* A file whole, NUL-terminated, up to the admin listener's body limit. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > FILE_MAX) {
        snprintf(err, errlen, bad ? "cannot read %s" : "%s: over 1 MiB, the admin API's limit",
                 path);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* POST one file: 0 applied, 1 refused, -1 unreachable (no point trying the next). */
static int apply_one(scen_t *s, const char *path)
{
    size_t len;
    char *yaml = slurp(path, &len, s->err, sizeof(s->err));
    if (!yaml) {
        fprintf(stderr, "kchaos scenario: %s\n", s->err);
        return 1;
    }
    kc_admin_answer_t a;
    int rc = kc_admin_request(&s->admin, "POST", API, "application/yaml", yaml, len, &a, s->err,
                              sizeof(s->err));
    free(yaml);
    if (rc) {
        fprintf(stderr, "kchaos scenario: %s\n", s->err);
        return -1;
    }
    if (a.status == 200 || a.status == 201) {
        json_t *j = json_loads(a.body, 0, NULL);
        const char *name = json_string_value(json_object_get(j, "applied"));
        printf("applied %s\n", name ? name : path);
        json_decref(j);
    } else if (a.status == 400) {
        kc_scenario_print_diagnostics(a.body[0] ? a.body : "<api>: refused\n", path, stderr);
        rc = 1;
    } else {
        rc = unexpected(s, API, &a);
    }
    free(a.body);
    return rc;
}

static int apply(scen_t *s, int n, char **files)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        int r = apply_one(s, files[i]);
        if (r < 0)
            return 1;
        rc |= r;
    }
    return rc;
}

/* A scenario name as one path segment: what is not unreserved (RFC 3986) percent-encoded. */
static void segment(const char *name, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            out[k++] = (char)*p;
        } else {
            out[k++] = '%';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    out[k] = 0;
}

static int remove_names(scen_t *s, int n, char **names)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[600], seg[512];
        segment(names[i], seg, sizeof(seg));
        snprintf(path, sizeof(path), "%s/%s", API, seg);
        kc_admin_answer_t a;
        if (kc_admin_request(&s->admin, "DELETE", path, NULL, NULL, 0, &a, s->err,
                             sizeof(s->err))) {
            fprintf(stderr, "kchaos scenario: %s\n", s->err);
            return 1;
        }
        if (a.status == 200) {
            printf("removed %s\n", names[i]);
        } else if (a.status == 404) {
            fprintf(stderr, "kchaos scenario: no scenario %s running\n", names[i]);
            rc = 1;
        } else {
            rc = unexpected(s, path, &a);
        }
        free(a.body);
    }
    return rc;
}

/* The kill switch: every scenario goes. */
static int off(scen_t *s)
{
    kc_admin_answer_t a;
    if (kc_admin_request(&s->admin, "DELETE", API, NULL, NULL, 0, &a, s->err, sizeof(s->err))) {
        fprintf(stderr, "kchaos scenario: %s\n", s->err);
        return 1;
    }
    int rc = 0;
    if (a.status == 200) {
        json_t *j = json_loads(a.body, 0, NULL);
        json_int_t n = json_integer_value(json_object_get(j, "removed"));
        printf("removed %" JSON_INTEGER_FORMAT " scenario(s)\n", n);
        json_decref(j);
    } else {
        rc = unexpected(s, API, &a);
    }
    free(a.body);
    return rc;
}

/* Options anywhere among the operands; 0, 1 for --help, -1 for a usage error. */
static int parse(scen_t *s, int argc, char **argv)
{
    static const struct option opts[] = {{"admin", required_argument, 0, 'a'},
                                          {"admin-token", required_argument, 0, 'T'},
                                          {"json", no_argument, 0, 'j'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a':
            s->addr = optarg;
            break;
        case 'T':
            s->token = optarg;
            break;
        case 'j':
            s->json = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

int kc_cli_scenario_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    scen_t s = {0};
    int rc = parse(&s, argc - 1, argv + 1); /* argv[1], the command, is getopt's argv[0] */
    if (rc)
        return rc > 0 ? 0 : 2;
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    bool is_list = !strcmp(cmd, "list"), is_off = !strcmp(cmd, "off");
    bool is_apply = !strcmp(cmd, "apply"), is_remove = !strcmp(cmd, "remove");
    const char *bad = NULL;
    if (!is_list && !is_off && !is_apply && !is_remove)
        bad = "list, apply, remove or off";
    else if ((is_list || is_off) && nargs)
        bad = is_list ? "list takes no operand" : "off takes no operand";
    else if ((is_apply || is_remove) && !nargs)
        bad = is_apply ? "apply needs a FILE" : "remove needs a NAME";
    else if (s.json && !is_list)
        bad = "--json goes with list only";
    else if (!s.addr)
        bad = "--admin ADDR is required (the address given to kchaos --admin)";
    if (bad) {
        fprintf(stderr, "kchaos scenario: %s\n", bad);
        usage(stderr);
        return 2;
    }
    if (kc_admin_target_init(&s.admin, s.addr, s.token, 5000, s.err, sizeof(s.err))) {
        fprintf(stderr, "kchaos scenario: %s\n", s.err);
        return 1;
    }
    if (is_list)
        return list(&s);
    if (is_off)
        return off(&s);
    return is_apply ? apply(&s, nargs, args) : remove_names(&s, nargs, args);
}
