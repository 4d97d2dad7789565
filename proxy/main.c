/* kchaos: a Kafka wire-protocol proxy. Reads the settings, runs one event loop until a signal
 * drains it, exits 0; configuration errors exit 2 with one line saying why. */
#include <signal.h>
#include <stdio.h>

#include "config.h"
#include "proxy.h"
#include "util/log.h"

int main(int argc, char **argv)
{
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

    uv_loop_t *loop = uv_default_loop();
    kc_proxy_t px;
    if (kc_proxy_start(&px, loop, &cfg) != 0)
        return 1; /* said why; the process exit frees what start made */
    kc_log(KC_LOG_INFO, "kchaos %s: bootstrap %s:%u, brokers on port %d + node id - %d, advertised as %s",
           KC_VERSION, cfg.listen.host, cfg.listen.port, cfg.broker_ports, cfg.node_id_base,
           cfg.advertise);
    uv_run(loop, UV_RUN_DEFAULT);
    kc_proxy_free(&px);
    uv_loop_close(loop);
    kc_log(KC_LOG_INFO, "kchaos: stopped");
    kc_config_free(&cfg);
    return 0;
}
