/* kchaos's settings, from the command line and from a YAML file (--config). Both go through one
 * table of options, so a flag and its YAML key always mean the same thing; flags win. */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/tls_config.h"
#include "route/route.h"
#include "util/log.h"

typedef struct kc_hostport {
    char *host; /* owned; brackets of an IPv6 literal removed */
    uint16_t port;
} kc_hostport_t;

typedef struct kc_config {
    kc_hostport_t *upstreams; /* bootstrap brokers, owned */
    int nupstreams;
    kc_hostport_t listen;       /* bootstrap listener */
    char *advertise;            /* host clients are told; default: the listen host */
    int32_t broker_ports;       /* port of node id == node_id_base; default listen port + 1 */
    int32_t node_id_base;
    kc_port_override_t *port_overrides; /* --broker-port ID=PORT, owned */
    int noverrides;
    char *upstream_bind;        /* source address for upstream connections, or NULL */
    uint32_t max_frame;         /* largest frame accepted, bytes */
    uint32_t connect_timeout_ms;
    uint32_t drain_timeout_ms;
    uint64_t max_buffered;      /* bytes in partial and queued frames, the process; 0: default */
    uint32_t idle_timeout_ms;   /* 0: never */
    uint32_t frame_timeout_ms;  /* a request that has begun must end within; 0: never */
    uint32_t max_connections;   /* client connections, the process */
    uint32_t max_per_host;      /* client connections from one address; 0: no limit */
    uint32_t max_inflight;      /* requests per connection before reading it stops */
    bool metrics;               /* produce metrics on (default) */
    uint32_t metrics_max_clients; /* client series, the process */
    uint32_t metrics_max_series;  /* client x topic x partition series, the process */
    uint32_t metrics_expire_ms;   /* idle series go after this; 0: never */
    size_t high_watermark;      /* queued bytes at which the other side stops being read */
    size_t low_watermark;       /* ... and resumes */
    uint32_t threads;           /* event loops; 0 until main.c resolves "one per CPU" */
    kc_log_level_t log_level;
    bool log_json;
    kc_hostport_t admin;        /* --admin; port 0: no admin listener */
    char *admin_token;          /* the token read from --admin-token FILE, owned; NULL: none.
                                 * Never logged, never quoted in an error. */
    uint32_t admin_idle_ms;     /* an admin connection without progress this long is closed */
    char **scenarios;           /* --scenario FILE..., owned */
    int nscenarios;
    kc_tls_config_t tls;        /* --tls-*, --upstream-tls*: strings owned */
} kc_config_t;

enum { KC_CONFIG_OK = 0, KC_CONFIG_EXIT = 1, KC_CONFIG_ERROR = -1 };

/* Fill cfg from argv (and the file named by --config). KC_CONFIG_EXIT when --help or --version
 * printed what was asked; KC_CONFIG_ERROR with one line in err. */
int kc_config_parse(kc_config_t *cfg, int argc, char **argv, char *err, size_t errlen);
void kc_config_free(kc_config_t *cfg);

/* "HOST:PORT", "[V6]:PORT", or ":PORT"/"PORT" when allow_no_host. */
int kc_config_hostport(const char *s, bool allow_no_host, kc_hostport_t *out);

#define KC_THREADS_MAX 64
#define KC_MAX_BUFFERED_MIN (256u * 1024 * 1024) /* the default --max-buffered-bytes at least */

#define KC_ADMIN_TOKEN_MAX 4096 /* bytes of a token file */

#define KC_VERSION "0.1.0"

#endif
