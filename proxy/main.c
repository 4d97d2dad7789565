/* kchaos: a Kafka wire-protocol proxy. Reads the settings, runs --threads event loops (the first
 * on the main thread) until a signal drains them, exits 0; configuration errors exit 2 with one
 * line saying why. `kchaos top` and `kchaos health` (first argument) are the tools in cli/. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/ui.h"
#include "config.h"
#include "fault/engine.h"
#include "fault/routes.h"
#include "net/limits.h"
#include "net/tls_ctx.h"
#include "proxy.h"
#include "record/routes.h"
#include "util/log.h"

typedef struct {
    uv_loop_t loop;
    kc_proxy_t px;
    uv_thread_t thread;
} kc_loop_t;

static void run_loop(void *arg)
{
    kc_loop_t *l = arg;
    uv_run(&l->loop, UV_RUN_DEFAULT);
}

/* The tools live in kchaos-cli beside this binary (cli/main.c says why). Exit 3 when it
 * cannot run: "unknown" in health's monitoring-plugin convention. */
static int run_cli(char **argv)
{
    char path[4096];
    size_t n = sizeof(path) - sizeof("kchaos-cli");
    if (uv_exepath(path, &n) == 0) {
        char *slash = strrchr(path, '/');
        strcpy(slash ? slash + 1 : path, "kchaos-cli");
        argv[0] = path;
        execv(path, argv);
    }
    fprintf(stderr, "kchaos: cannot run %s: %s\n", path, strerror(errno));
    return 3;
}

/* `kchaos check-scenario FILE...`: every problem of every file, FILE:LINE:COLUMN: reason;
 * exit 0 when all are good, 1 otherwise, 2 for no file. */
static int check_scenarios(int n, char **files)
{
    if (n == 0) {
        fprintf(stderr, "usage: kchaos check-scenario FILE...\n");
        return 2;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        kc_scenario_diags_t d = {0};
        kc_scenario_t *sc = kc_scenario_load(files[i], &d);
        for (int k = 0; k < d.n; k++)
            fprintf(stderr, "%s\n", d.v[k]);
        if (sc)
            printf("%s: scenario %s, %d rule%s: ok\n", files[i], sc->name, sc->nrules,
                   sc->nrules == 1 ? "" : "s");
        else
            bad++;
        kc_scenario_free(sc);
        kc_scenario_diags_free(&d);
    }
    return bad ? 1 : 0;
}

/* The --scenario files, before anything listens: a bad one stops the start (exit 2). */
static kc_faults_t *start_faults(const kc_config_t *cfg)
{
    kc_faults_t *f = kc_faults_new();
    if (!f)
        return NULL;
    kc_scenario_diags_t d = {0};
    int rc = kc_faults_load_files(f, cfg->scenarios, cfg->nscenarios, uv_hrtime(), &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "kchaos: %s\n", d.v[i]);
    kc_scenario_diags_free(&d);
    if (rc) {
        kc_faults_free(f);
        return NULL;
    }
    return f;
}

int main(int argc, char **argv)
{
    /* `kchaos top|health|scenario ...`: the tools that read a running kchaos's admin API. */
    if (argc > 1 && (!strcmp(argv[1], "top") || !strcmp(argv[1], "health") ||
                     !strcmp(argv[1], "scenario") || !strcmp(argv[1], "record")))
        return run_cli(argv);
    if (argc > 1 && !strcmp(argv[1], "check-scenario"))
        return check_scenarios(argc - 2, argv + 2);

    kc_config_t cfg;
    char err[512];
    int rc = kc_config_parse(&cfg, argc, argv, err, sizeof(err));
    if (rc == KC_CONFIG_EXIT) {
        kc_config_free(&cfg);
        return 0;
    }
    if (rc != KC_CONFIG_OK) {
        fprintf(stderr, "kchaos: %s\n", err);
        kc_config_free(&cfg);
        return 2;
    }
    kc_log_init(cfg.log_level, cfg.log_json, stderr);
    signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is a write error, not a signal */
    if (cfg.threads == 0) {
        unsigned cpus = uv_available_parallelism();
        cfg.threads = cpus < 1 ? 1 : cpus > KC_THREADS_MAX ? KC_THREADS_MAX : cpus;
    }

    /* Every loop is set up here, before any runs, so that a port that cannot be bound stops
     * the start-up with one error instead of leaving some loops serving. */
    kc_faults_t *faults = start_faults(&cfg);
    if (!faults) {
        kc_config_free(&cfg);
        return 2;
    }
    /* The certificates and keys are read now: a file that does not load stops the start. */
    kc_tls_ctx_t tls;
    if (kc_tls_ctx_init(&tls, &cfg.tls, err, sizeof(err))) {
        fprintf(stderr, "kchaos: %s\n", err);
        kc_config_free(&cfg);
        return 2;
    }
    if (cfg.tls.upstream_insecure)
        kc_log(KC_LOG_WARN, "--upstream-tls-insecure: the brokers' certificates are NOT verified; "
                            "anyone on the path can pose as a broker");
    kc_loop_t *loops = calloc(cfg.threads, sizeof(*loops));
    kc_topics_shared_t topics;
    kc_conn_limits_t limits;
    if (!loops || kc_topics_shared_init(&topics) ||
        kc_limits_init(&limits, cfg.max_connections, cfg.max_per_host))
        return 1;
    for (uint32_t i = 0; i < cfg.threads; i++) {
        if ((rc = uv_loop_init(&loops[i].loop)) == 0)
            rc = kc_proxy_start(&loops[i].px, &loops[i].loop, &cfg, i, &topics, &limits, faults,
                                &tls);
        if (rc)
            return 1; /* said why; the process exit frees what start made */
    }
    /* The admin port (loop 0) serves the metrics of every loop. */
    kc_proxy_t **all = calloc(cfg.threads, sizeof(*all));
    if (!all)
        return 1;
    for (uint32_t i = 0; i < cfg.threads; i++)
        all[i] = &loops[i].px;
    /* One recording for the process (issue 16): every loop feeds it. */
    kc_recorder_t *recorder = kc_recorder_new();
    if (!recorder)
        return 1;
    for (uint32_t i = 0; i < cfg.threads; i++)
        loops[i].px.env.recorder = recorder;
    kc_record_api_t record_api = {recorder, faults}; /* lives as long as the loops */
    if (loops[0].px.admin && (kc_scrape_routes(loops[0].px.admin, all, cfg.threads) ||
                              kc_fault_routes(loops[0].px.admin, faults) ||
                              kc_record_routes(loops[0].px.admin, &record_api) ||
                              kc_admin_ui_route(loops[0].px.admin)))
        return 1;
    kc_log(KC_LOG_INFO,
           "kchaos %s: bootstrap %s:%u, brokers on port %d + node id - %d, advertised as %s, "
           "%u loop%s%s%s",
           KC_VERSION, cfg.listen.host, cfg.listen.port, cfg.broker_ports, cfg.node_id_base,
           cfg.advertise, cfg.threads, cfg.threads == 1 ? "" : "s",
           cfg.tls.cert ? (cfg.tls.client_ca ? ", TLS to clients (client certificates required)"
                                             : ", TLS to clients")
                        : "",
           cfg.tls.upstream ? ", TLS to brokers" : "");
    for (uint32_t i = 1; i < cfg.threads; i++) {
        if ((rc = uv_thread_create(&loops[i].thread, run_loop, &loops[i]))) {
            kc_log(KC_LOG_ERROR, "cannot start thread %u: %s", i + 1, uv_strerror(rc));
            _exit(1); /* loops already running on other threads: no exit() cleanup under them */
        }
    }
    run_loop(&loops[0]);
    for (uint32_t i = 1; i < cfg.threads; i++)
        uv_thread_join(&loops[i].thread);
    for (uint32_t i = 0; i < cfg.threads; i++) {
        kc_proxy_free(&loops[i].px);
        uv_loop_close(&loops[i].loop);
    }
    free(loops);
    free(all);
    kc_topics_shared_free(&topics);
    kc_limits_free(&limits);
    kc_faults_free(faults);
    kc_recorder_free(recorder);
    kc_tls_ctx_free(&tls);
    kc_log(KC_LOG_INFO, "kchaos: stopped");
    kc_config_free(&cfg);
    return 0;
}
