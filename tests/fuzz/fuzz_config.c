/* Fuzz the YAML config loader (proxy/config.c): the input is the file given to --config.
 * Invariants: an error is one non-empty line; a success has what kchaos needs to start, and
 * every value within the range its flag documents. */
#include "config.h"
#include "fuzz.h"

#include <unistd.h>

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/kchaos-fuzz-config-%d.yaml", (int)getpid());
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(data, 1, size, f) == size);
    fclose(f);

    char *argv[] = {"kchaos", "--config", path, NULL};
    kc_config_t cfg;
    char err[512] = "";
    int rc = kc_config_parse(&cfg, 3, argv, err, sizeof(err));
    CHECK(rc == KC_CONFIG_OK || rc == KC_CONFIG_ERROR);
    if (rc == KC_CONFIG_ERROR) {
        CHECK(err[0] != 0);
        CHECK(strchr(err, '\n') == NULL);
    } else {
        CHECK(cfg.nupstreams > 0);
        for (int i = 0; i < cfg.nupstreams; i++)
            CHECK(cfg.upstreams[i].host && cfg.upstreams[i].host[0] && cfg.upstreams[i].port);
        CHECK(cfg.listen.host && cfg.listen.port);
        CHECK(cfg.advertise && cfg.advertise[0]);
        CHECK(cfg.broker_ports >= 1 && cfg.broker_ports <= 65536); /* listen port + 1 */
        CHECK(cfg.node_id_base >= 0);
        for (int i = 0; i < cfg.noverrides; i++) {
            CHECK(cfg.port_overrides[i].node_id >= 0 && cfg.port_overrides[i].port > 0);
            CHECK(cfg.port_overrides[i].port != cfg.listen.port);
        }
        CHECK(cfg.max_frame >= 64 && cfg.max_frame <= (1u << 30));
        CHECK(cfg.connect_timeout_ms >= 1 && cfg.connect_timeout_ms <= 3600000);
        CHECK(cfg.drain_timeout_ms <= 3600000);
        CHECK(cfg.log_level >= KC_LOG_ERROR && cfg.log_level <= KC_LOG_DEBUG);
    }
    kc_config_free(&cfg);
    return 0;
}
