/* kchaos's settings: see config.h. */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct opt opt_t;
typedef int (*set_fn)(kc_config_t *cfg, const char *v, char *err, size_t errlen);

struct opt {
    const char *name; /* flag without dashes; the YAML key is the same with '_' or '-' */
    const char *arg;  /* for --help; NULL for flags without a value */
    set_fn set;
    const char *help;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* Errors quote the value they refuse, and a value can hold line breaks (a quoted YAML
     * scalar, a flag): keep the promised single line by showing control characters as '?'. */
    for (char *p = err; errlen && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return KC_CONFIG_ERROR;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_u32(const char *s, uint64_t max, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(s, max, &v))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_i32(const char *s, int32_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

int kc_config_hostport(const char *s, bool allow_no_host, kc_hostport_t *out)
{
    const char *colon = strrchr(s, ':');
    const char *host = s, *port = colon ? colon + 1 : s;
    size_t hlen = colon ? (size_t)(colon - s) : 0;
    if (!colon && !allow_no_host)
        return -1;
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']')
        host++, hlen -= 2;
    else if (hlen && memchr(host, ':', hlen))
        return -1; /* an IPv6 literal needs brackets */
    if (!hlen && !allow_no_host)
        return -1;
    uint32_t p;
    if (parse_u32(port, 65535, &p) || p == 0)
        return -1;
    out->host = hlen ? strndup(host, hlen) : NULL;
    out->port = (uint16_t)p;
    return 0;
}

static int set_upstream(kc_config_t *c, const char *v, char *err, size_t n)
{
    char *copy = strdup(v), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        kc_hostport_t hp;
        if (kc_config_hostport(tok, false, &hp)) {
            fail(err, n, "--upstream: '%s' is not HOST:PORT", tok);
            free(copy);
            return KC_CONFIG_ERROR;
        }
        c->upstreams = realloc(c->upstreams, (size_t)(c->nupstreams + 1) * sizeof(hp));
        c->upstreams[c->nupstreams++] = hp;
    }
    free(copy);
    return 0;
}

static int set_listen(kc_config_t *c, const char *v, char *err, size_t n)
{
    kc_hostport_t hp;
    if (kc_config_hostport(v, true, &hp))
        return fail(err, n, "--listen: '%s' is not [HOST:]PORT", v);
    free(c->listen.host);
    c->listen = hp;
    return 0;
}

static int set_advertise(kc_config_t *c, const char *v, char *err, size_t n)
{
    if (!*v || strlen(v) > 255)
        return fail(err, n, "--advertise: '%s' is not a host name", v);
    free(c->advertise);
    c->advertise = strdup(v);
    return 0;
}

static int set_broker_ports(kc_config_t *c, const char *v, char *err, size_t n)
{
    uint32_t p;
    if (parse_u32(v, 65535, &p) || p == 0)
        return fail(err, n, "--broker-ports: '%s' is not a port", v);
    c->broker_ports = (int32_t)p;
    return 0;
}

static int set_node_id_base(kc_config_t *c, const char *v, char *err, size_t n)
{
    if (parse_i32(v, &c->node_id_base) || c->node_id_base < 0)
        return fail(err, n, "--node-id-base: '%s' is not a node id", v);
    return 0;
}

static int set_broker_port(kc_config_t *c, const char *v, char *err, size_t n)
{
    const char *eq = strchr(v, '=');
    char id[16];
    uint32_t port;
    int32_t node;
    if (!eq || (size_t)(eq - v) >= sizeof(id))
        return fail(err, n, "--broker-port: '%s' is not ID=PORT", v);
    memcpy(id, v, (size_t)(eq - v));
    id[eq - v] = 0;
    if (parse_i32(id, &node) || node < 0 || parse_u32(eq + 1, 65535, &port) || port == 0)
        return fail(err, n, "--broker-port: '%s' is not ID=PORT", v);
    c->port_overrides =
        realloc(c->port_overrides, (size_t)(c->noverrides + 1) * sizeof(*c->port_overrides));
    c->port_overrides[c->noverrides++] = (kc_port_override_t){node, (uint16_t)port};
    return 0;
}

static int set_scenario(kc_config_t *c, const char *v, char *err, size_t n)
{
    char **p = realloc(c->scenarios, (size_t)(c->nscenarios + 1) * sizeof(*p));
    if (!p || !(p[c->nscenarios] = strdup(v)))
        return fail(err, n, "--scenario: out of memory");
    c->scenarios = p;
    c->nscenarios++;
    return 0;
}

static int set_upstream_bind(kc_config_t *c, const char *v, char *err, size_t n)
{
    (void)err, (void)n;
    free(c->upstream_bind);
    c->upstream_bind = strdup(v);
    return 0;
}

static int set_admin(kc_config_t *c, const char *v, char *err, size_t n)
{
    kc_hostport_t hp;
    if (kc_config_hostport(v, true, &hp))
        return fail(err, n, "--admin: '%s' is not [HOST:]PORT", v);
    free(c->admin.host);
    c->admin = hp;
    return 0;
}

/* The token is a secret: errors name the file, never what it holds. */
static int set_admin_token(kc_config_t *c, const char *v, char *err, size_t n)
{
    FILE *f = fopen(v, "rb");
    if (!f)
        return fail(err, n, "--admin-token: cannot read %s: %s", v, strerror(errno));
    char buf[KC_ADMIN_TOKEN_MAX + 2];
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (rerr)
        return fail(err, n, "--admin-token: cannot read %s: %s", v, strerror(rerr));
    if (len > KC_ADMIN_TOKEN_MAX)
        return fail(err, n, "--admin-token: %s is longer than %d bytes", v, KC_ADMIN_TOKEN_MAX);
    /* What `echo TOKEN > FILE` (or an editor) leaves at the end is not part of the token. */
    if (len && buf[len - 1] == '\n')
        len--;
    if (len && buf[len - 1] == '\r')
        len--;
    buf[len] = 0;
    if (!len)
        return fail(err, n, "--admin-token: %s is empty", v);
    /* It travels in "Authorization: Bearer TOKEN": RFC 6750's token68 characters only. */
    if (strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") != len)
        return fail(err, n, "--admin-token: %s holds a character a bearer token cannot carry "
                    "(letters, digits and -._~+/= only)", v);
    free(c->admin_token);
    c->admin_token = strdup(buf);
    memset(buf, 0, sizeof(buf));
    return 0;
}

static bool below(uint64_t x, uint64_t lo) { return x < lo; }

/* A setter for one unsigned field, with its bounds and the words its error uses. */
#define SETTER(fn, type, field, flag, lo, hi, what)                                    \
    static int fn(kc_config_t *c, const char *v, char *err, size_t n)                  \
    {                                                                                  \
        uint64_t x;                                                                    \
        if (parse_u64(v, hi, &x) || below(x, lo))                                      \
            return fail(err, n, "--" flag ": '%s' is not " what, v);                   \
        c->field = (type)x;                                                            \
        return 0;                                                                      \
    }

SETTER(set_max_frame, uint32_t, max_frame, "max-frame-bytes", 64, 1u << 30,
       "a size from 64 to 1073741824")
SETTER(set_max_buffered, uint64_t, max_buffered, "max-buffered-bytes", 1u << 20, UINT64_MAX >> 1,
       "a size of at least 1048576")
SETTER(set_connect_timeout, uint32_t, connect_timeout_ms, "connect-timeout-ms", 1, 3600000,
       "a duration in ms")
SETTER(set_drain_timeout, uint32_t, drain_timeout_ms, "drain-timeout-ms", 0, 3600000,
       "a duration in ms")
SETTER(set_idle_timeout, uint32_t, idle_timeout_ms, "idle-timeout-ms", 0, 86400000,
       "a duration in ms (0: never)")
SETTER(set_frame_timeout, uint32_t, frame_timeout_ms, "frame-timeout-ms", 0, 86400000,
       "a duration in ms (0: never)")
SETTER(set_max_connections, uint32_t, max_connections, "max-connections", 1, 10000000,
       "a count of at least 1")
SETTER(set_max_per_host, uint32_t, max_per_host, "max-connections-per-host", 0, 10000000,
       "a count (0: no limit)")
SETTER(set_max_inflight, uint32_t, max_inflight, "max-inflight", 1, 1000000,
       "a count of at least 1")
SETTER(set_metrics_clients, uint32_t, metrics_max_clients, "metrics-max-clients", 1, 10000000,
       "a count of at least 1")
SETTER(set_metrics_series, uint32_t, metrics_max_series, "metrics-max-series", 1, 100000000,
       "a count of at least 1")
SETTER(set_metrics_expire, uint32_t, metrics_expire_ms, "metrics-expire-ms", 0, 604800000,
       "a duration in ms (0: never)")

static int set_metrics(kc_config_t *c, const char *v, char *err, size_t n)
{
    if (strcmp(v, "on") && strcmp(v, "off"))
        return fail(err, n, "--metrics: '%s' is not on or off", v);
    c->metrics = strcmp(v, "on") == 0;
    return 0;
}

SETTER(set_admin_idle, uint32_t, admin_idle_ms, "admin-idle-timeout-ms", 1, 86400000,
       "a duration in ms")
SETTER(set_threads, uint32_t, threads, "threads", 0, KC_THREADS_MAX, "a count from 0 to 64")

static int set_log_level(kc_config_t *c, const char *v, char *err, size_t n)
{
    if (kc_log_parse_level(v, &c->log_level))
        return fail(err, n, "--log-level: '%s' is not error, warn, info or debug", v);
    return 0;
}

static int set_log_format(kc_config_t *c, const char *v, char *err, size_t n)
{
    if (strcmp(v, "json") && strcmp(v, "text"))
        return fail(err, n, "--log-format: '%s' is not text or json", v);
    c->log_json = strcmp(v, "json") == 0;
    return 0;
}

/* A path or an OpenSSL list, kept as given (tls_ctx.c reads and checks them at start). */
#define STR_SETTER(fn, field, flag)                                                    \
    static int fn(kc_config_t *c, const char *v, char *err, size_t n)                  \
    {                                                                                  \
        if (!*v)                                                                       \
            return fail(err, n, "--" flag ": empty value");                            \
        free(c->field);                                                                \
        c->field = strdup(v);                                                          \
        return 0;                                                                      \
    }

STR_SETTER(set_tls_cert, tls.cert, "tls-cert")
STR_SETTER(set_tls_key, tls.key, "tls-key")
STR_SETTER(set_tls_client_ca, tls.client_ca, "tls-client-ca")
STR_SETTER(set_tls_ciphers, tls.ciphers, "tls-ciphers")
STR_SETTER(set_tls_ciphersuites, tls.ciphersuites, "tls-ciphersuites")
STR_SETTER(set_tls_groups, tls.groups, "tls-groups")
STR_SETTER(set_upstream_ca, tls.upstream_ca, "upstream-ca")
STR_SETTER(set_upstream_cert, tls.upstream_cert, "upstream-cert")
STR_SETTER(set_upstream_key, tls.upstream_key, "upstream-key")

/* A switch: alone on the command line; true/false (or on/off) as a YAML value. */
static int set_switch(bool *b, const char *flag, const char *v, char *err, size_t n)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "on"))
        *b = true;
    else if (!strcmp(v, "false") || !strcmp(v, "off"))
        *b = false;
    else
        return fail(err, n, "--%s: '%s' is not true or false", flag, v);
    return 0;
}

static int set_upstream_tls(kc_config_t *c, const char *v, char *err, size_t n)
{
    return set_switch(&c->tls.upstream, "upstream-tls", v, err, n);
}

static int set_upstream_insecure(kc_config_t *c, const char *v, char *err, size_t n)
{
    return set_switch(&c->tls.upstream_insecure, "upstream-tls-insecure", v, err, n);
}

static const opt_t opts[] = {
    {"upstream", "HOST:PORT[,...]", set_upstream, "bootstrap brokers of the cluster (required)"},
    {"listen", "[HOST:]PORT", set_listen, "bootstrap listener for clients (required)"},
    {"advertise", "HOST", set_advertise, "host clients are told to connect to (default: the listen host)"},
    {"broker-ports", "START", set_broker_ports, "port of node id BASE; node N listens on START+N-BASE (default: listen port + 1)"},
    {"node-id-base", "BASE", set_node_id_base, "lowest node id (default 0)"},
    {"broker-port", "ID=PORT", set_broker_port, "fixed port for one node id (repeatable)"},
    {"upstream-bind", "ADDR", set_upstream_bind, "source address for connections to brokers"},
    {"max-frame-bytes", "N", set_max_frame, "largest frame accepted (default 104857600, like socket.request.max.bytes)"},
    {"connect-timeout-ms", "MS", set_connect_timeout, "broker connect timeout (default 10000)"},
    {"drain-timeout-ms", "MS", set_drain_timeout, "on SIGTERM, time left for in-flight requests (default 5000)"},
    {"max-buffered-bytes", "N", set_max_buffered, "cap on bytes held in partial and queued frames, all connections together (default 4 x --max-frame-bytes, at least 256 MiB)"},
    {"idle-timeout-ms", "MS", set_idle_timeout, "close a connection idle this long (default 600000, like connections.max.idle.ms; 0: never)"},
    {"frame-timeout-ms", "MS", set_frame_timeout, "close a connection whose request takes longer to arrive (default 60000; 0: never)"},
    {"max-connections", "N", set_max_connections, "client connections at most; more are refused (default 10000)"},
    {"max-connections-per-host", "N", set_max_per_host, "client connections from one address at most (default 0: no limit)"},
    {"max-inflight", "N", set_max_inflight, "requests awaiting responses per connection before kchaos stops reading it (default 1000)"},
    {"metrics", "on|off", set_metrics, "produce metrics from the wire (default on)"},
    {"metrics-max-clients", "N", set_metrics_clients, "client series kept; more fold into \"(other)\" (default 1000)"},
    {"metrics-max-series", "N", set_metrics_series, "client x topic x partition series kept; more fold into \"(other)\" (default 20000)"},
    {"metrics-expire-ms", "MS", set_metrics_expire, "series idle this long are dropped (default 900000; 0: never)"},
    {"threads", "N", set_threads, "event loops, one thread each, sharing every port (SO_REUSEPORT); 0: one per CPU (default 1)"},
    {"admin", "[HOST:]PORT", set_admin, "admin HTTP listener: /healthz, /metrics (host default 127.0.0.1; any other than loopback needs --admin-token)"},
    {"admin-token", "FILE", set_admin_token, "file holding the bearer token every admin request must carry (Authorization: Bearer TOKEN)"},
    {"admin-idle-timeout-ms", "MS", set_admin_idle, "close an admin connection idle this long (default 60000)"},
    {"tls-cert", "FILE", set_tls_cert, "TLS to clients on every listener: certificate chain (PEM); SIGHUP reloads it"},
    {"tls-key", "FILE", set_tls_key, "private key of --tls-cert (PEM)"},
    {"tls-client-ca", "FILE", set_tls_client_ca, "require client certificates signed by these CAs (PEM): mutual TLS"},
    {"tls-ciphers", "LIST", set_tls_ciphers, "TLS 1.2 cipher list to clients (OpenSSL syntax)"},
    {"tls-ciphersuites", "LIST", set_tls_ciphersuites, "TLS 1.3 cipher suites to clients (OpenSSL syntax)"},
    {"tls-groups", "LIST", set_tls_groups, "key exchange groups to clients (e.g. X25519:P-256)"},
    {"upstream-tls", NULL, set_upstream_tls, "TLS to the brokers, verified against the host kchaos dials"},
    {"upstream-ca", "FILE", set_upstream_ca, "CAs trusted for the brokers' certificates (default: the system's store)"},
    {"upstream-cert", "FILE", set_upstream_cert, "client certificate shown to the brokers (PEM): mutual TLS"},
    {"upstream-key", "FILE", set_upstream_key, "private key of --upstream-cert (PEM)"},
    {"upstream-tls-insecure", NULL, set_upstream_insecure, "do not verify the brokers' certificates (tests only)"},
    {"scenario", "FILE", set_scenario, "fault scenario to run from the start (repeatable; SIGHUP reloads the files)"},
    {"log-level", "LEVEL", set_log_level, "error, warn, info or debug (default info)"},
    {"log-format", "FORMAT", set_log_format, "text or json lines (default text)"},
    {"config", "FILE", NULL, "YAML file with the same settings (keys as above)"},
    {"help", NULL, NULL, "this help"},
    {"version", NULL, NULL, "print the version"},
};
#define NOPTS ((int)(sizeof(opts) / sizeof(opts[0])))

static const opt_t *find_opt(const char *key)
{
    char norm[64];
    size_t i = 0;
    for (; key[i] && i < sizeof(norm) - 1; i++)
        norm[i] = key[i] == '_' ? '-' : key[i];
    norm[i] = 0;
    for (int k = 0; k < NOPTS; k++)
        if (opts[k].set && strcmp(opts[k].name, norm) == 0)
            return &opts[k];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "kchaos %s: a Kafka wire-protocol proxy\n\n"
                 "usage: kchaos --upstream HOST:PORT[,HOST:PORT...] --listen [HOST:]PORT [options]\n\n",
            KC_VERSION);
    for (int i = 0; i < NOPTS; i++) {
        char left[48];
        snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        fprintf(out, "  %-30s %s\n", left, opts[i].help);
    }
    fprintf(out, "\nwatching a running kchaos (its --admin listener): kchaos top --help, "
                 "kchaos health --help, kchaos scenario --help\n");
}

/* ---- YAML: a mapping of option keys to scalars (or, for repeatable ones, sequences or, for
 * broker_port, a mapping of node id to port). */

typedef struct yaml_ctx {
    const char *path;
    yaml_document_t doc;
    char *err;
    size_t errlen;
} yaml_ctx_t;

static int yfail(yaml_ctx_t *y, const yaml_node_t *node, const char *fmt, const char *a)
{
    char msg[256];
    snprintf(msg, sizeof(msg), fmt, a);
    return fail(y->err, y->errlen, "%s:%zu: %s", y->path, node->start_mark.line + 1, msg);
}

static int yaml_apply(yaml_ctx_t *y, kc_config_t *cfg, const opt_t *o, yaml_node_t *v)
{
    char err[256];
    if (v->type == YAML_SCALAR_NODE) {
        if (o->set(cfg, (const char *)v->data.scalar.value, err, sizeof(err)))
            return yfail(y, v, "%s", err);
        return 0;
    }
    if (v->type == YAML_SEQUENCE_NODE && (o->set == set_upstream || o->set == set_broker_port ||
                                         o->set == set_scenario)) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(&y->doc, *it);
            if (!item || item->type != YAML_SCALAR_NODE)
                return yfail(y, v, "%s: expected a list of strings", o->name);
            if (o->set(cfg, (const char *)item->data.scalar.value, err, sizeof(err)))
                return yfail(y, item, "%s", err);
        }
        return 0;
    }
    if (v->type == YAML_MAPPING_NODE && o->set == set_broker_port) {
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
            yaml_node_t *val = yaml_document_get_node(&y->doc, p->value);
            if (k->type != YAML_SCALAR_NODE || val->type != YAML_SCALAR_NODE)
                return yfail(y, v, "%s: expected node id: port", o->name);
            char kv[64];
            snprintf(kv, sizeof(kv), "%s=%s", k->data.scalar.value, val->data.scalar.value);
            if (o->set(cfg, kv, err, sizeof(err)))
                return yfail(y, k, "%s", err);
        }
        return 0;
    }
    return yfail(y, v, "%s: expected a single value", o->name);
}

static int load_yaml(kc_config_t *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "--config: cannot open %s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_ctx_t y = {.path = path, .err = err, .errlen = errlen};
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = 0;
    if (!yaml_parser_load(&parser, &y.doc)) {
        rc = fail(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                  parser.problem ? parser.problem : "malformed YAML");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&y.doc);
    if (root && root->type != YAML_MAPPING_NODE)
        rc = yfail(&y, root, "%s", "expected a mapping of settings");
    for (yaml_node_pair_t *p = root && !rc ? root->data.mapping.pairs.start : NULL;
         p && p < root->data.mapping.pairs.top && !rc; p++) {
        yaml_node_t *k = yaml_document_get_node(&y.doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&y.doc, p->value);
        const opt_t *o = k->type == YAML_SCALAR_NODE ? find_opt((const char *)k->data.scalar.value) : NULL;
        if (!o)
            rc = yfail(&y, k, "unknown key '%s'",
                       k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
        else
            rc = yaml_apply(&y, cfg, o, v);
    }
    yaml_document_delete(&y.doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

static void clear_upstreams(kc_config_t *c)
{
    for (int i = 0; i < c->nupstreams; i++)
        free(c->upstreams[i].host);
    free(c->upstreams);
    c->upstreams = NULL;
    c->nupstreams = 0;
}

static void defaults(kc_config_t *c)
{
    *c = (kc_config_t){
        .max_frame = 100 * 1024 * 1024,
        .connect_timeout_ms = 10000,
        .drain_timeout_ms = 5000,
        .idle_timeout_ms = 600000,
        .frame_timeout_ms = 60000,
        .max_connections = 10000,
        .max_inflight = 1000,
        .metrics = true,
        .metrics_max_clients = 1000,
        .metrics_max_series = 20000,
        .metrics_expire_ms = 900000,
        .threads = 1,
        .high_watermark = 4 * 1024 * 1024,
        .low_watermark = 1024 * 1024,
        .log_level = KC_LOG_INFO,
        .admin_idle_ms = 60000,
    };
}

/* 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z): only this host can connect. -1: not an IP. */
static int loopback(const char *host)
{
    unsigned char a[16];
    static const unsigned char v6_one[16] = {[15] = 1};
    static const unsigned char v4_mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1)
        return !memcmp(a, v6_one, 16) || (!memcmp(a, v4_mapped, 12) && a[12] == 127);
    return -1;
}

static int finish_admin(kc_config_t *c, char *err, size_t n)
{
    if (!c->admin.port) {
        if (c->admin_token)
            return fail(err, n, "--admin-token needs --admin");
        return KC_CONFIG_OK;
    }
    if (!c->admin.host)
        c->admin.host = strdup("127.0.0.1");
    int lo = loopback(c->admin.host);
    if (lo < 0)
        return fail(err, n, "--admin: '%s' is not an IP address", c->admin.host);
    if (!lo && !c->admin_token)
        return fail(err, n, "--admin %s:%u is not a loopback address: anyone who can reach it "
                    "could read the admin API; give --admin-token FILE", c->admin.host,
                    c->admin.port);
    if (c->admin.port == c->listen.port)
        return fail(err, n, "--admin port %u is the --listen port", c->admin.port);
    for (int i = 0; i < c->noverrides; i++)
        if (c->port_overrides[i].port == c->admin.port)
            return fail(err, n, "--admin port %u is --broker-port %d's", c->admin.port,
                        c->port_overrides[i].node_id);
    return KC_CONFIG_OK;
}

/* Options that mean nothing without the one they refine are refused, not ignored. */
static int finish_tls(const kc_tls_config_t *t, char *err, size_t n)
{
    const struct {
        const void *set;
        const char *flag;
        bool ok;
        const char *needs;
    } rules[] = {
        {t->cert, "--tls-cert", t->key != NULL, "--tls-key"},
        {t->key, "--tls-key", t->cert != NULL, "--tls-cert"},
        {t->client_ca, "--tls-client-ca", t->cert != NULL, "--tls-cert"},
        {t->ciphers, "--tls-ciphers", t->cert != NULL, "--tls-cert"},
        {t->ciphersuites, "--tls-ciphersuites", t->cert != NULL, "--tls-cert"},
        {t->groups, "--tls-groups", t->cert != NULL, "--tls-cert"},
        {t->upstream_ca, "--upstream-ca", t->upstream, "--upstream-tls"},
        {t->upstream_cert, "--upstream-cert", t->upstream && t->upstream_key, "--upstream-tls and --upstream-key"},
        {t->upstream_key, "--upstream-key", t->upstream_cert != NULL, "--upstream-cert"},
        {t->upstream_insecure ? t : NULL, "--upstream-tls-insecure", t->upstream, "--upstream-tls"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].set && !rules[i].ok)
            return fail(err, n, "%s needs %s", rules[i].flag, rules[i].needs);
    return KC_CONFIG_OK;
}

static int finish(kc_config_t *c, char *err, size_t n)
{
    if (finish_tls(&c->tls, err, n))
        return KC_CONFIG_ERROR;
    if (!c->nupstreams)
        return fail(err, n, "--upstream is required (try --help)");
    if (!c->listen.port)
        return fail(err, n, "--listen is required (try --help)");
    if (!c->listen.host)
        c->listen.host = strdup("127.0.0.1");
    if (!c->advertise) {
        /* A wildcard address can't be connected to: clients need a name. */
        bool wildcard = !strcmp(c->listen.host, "0.0.0.0") || !strcmp(c->listen.host, "::");
        c->advertise = strdup(wildcard ? "127.0.0.1" : c->listen.host);
    }
    if (!c->broker_ports)
        c->broker_ports = c->listen.port + 1;
    if (!c->max_buffered) {
        /* Room for a few of the largest frames at once, and for many ordinary ones. */
        uint64_t four = 4 * (uint64_t)c->max_frame;
        c->max_buffered = four > KC_MAX_BUFFERED_MIN ? four : KC_MAX_BUFFERED_MIN;
    }
    if (c->max_buffered < c->max_frame)
        return fail(err, n, "--max-buffered-bytes %llu is below --max-frame-bytes %u: one frame "
                    "could never be read", (unsigned long long)c->max_buffered, c->max_frame);
    for (int i = 0; i < c->noverrides; i++) {
        if (c->port_overrides[i].port == c->listen.port)
            return fail(err, n, "--broker-port %d=%u: that is the --listen port",
                        c->port_overrides[i].node_id, c->port_overrides[i].port);
        for (int j = 0; j < i; j++)
            if (c->port_overrides[j].port == c->port_overrides[i].port)
                return fail(err, n, "--broker-port: nodes %d and %d both on port %u",
                            c->port_overrides[j].node_id, c->port_overrides[i].node_id,
                            c->port_overrides[i].port);
    }
    return finish_admin(c, err, n);
}

int kc_config_parse(kc_config_t *cfg, int argc, char **argv, char *err, size_t errlen)
{
    defaults(cfg);
    struct option lo[NOPTS + 1];
    for (int i = 0; i < NOPTS; i++)
        lo[i] = (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument, NULL, 1000 + i};
    lo[NOPTS] = (struct option){0};

    /* The file first, so that flags override it. A first getopt pass finds --config exactly
     * as the second will: a scan for the literal "--config" missed the prefixes getopt_long
     * accepts (--conf FILE, --conf=FILE), and the file was silently ignored. optind = 0 makes
     * glibc and musl start afresh (1 would keep state from an earlier parse). */
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1)
        if (c >= 1000 && !strcmp(opts[c - 1000].name, "config") &&
            load_yaml(cfg, optarg, err, errlen))
            return KC_CONFIG_ERROR;
    optind = 0;
    bool lists_reset = false, ports_reset = false;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (c == 'h' || (c >= 1000 && !strcmp(opts[c - 1000].name, "help"))) {
            usage(stdout);
            return KC_CONFIG_EXIT;
        }
        if (c >= 1000 && !strcmp(opts[c - 1000].name, "version")) {
            printf("kchaos %s\n", KC_VERSION);
            return KC_CONFIG_EXIT;
        }
        if (c == ':')
            return fail(err, errlen, "%s needs a value (try --help)", argv[optind - 1]);
        if (c == '?')
            return fail(err, errlen, "unknown option '%s' (try --help)", argv[optind - 1]);
        const opt_t *o = &opts[c - 1000];
        /* A list given as flags replaces the file's list instead of adding to it. */
        if (o->set == set_upstream && !lists_reset) {
            clear_upstreams(cfg);
            lists_reset = true;
        }
        if (o->set == set_broker_port && !ports_reset) {
            free(cfg->port_overrides);
            cfg->port_overrides = NULL;
            cfg->noverrides = 0;
            ports_reset = true;
        }
        if (o->set && o->set(cfg, optarg, err, errlen))
            return KC_CONFIG_ERROR;
    }
    if (optind < argc)
        return fail(err, errlen, "unexpected argument '%s' (try --help)", argv[optind]);
    return finish(cfg, err, errlen);
}

void kc_config_free(kc_config_t *c)
{
    clear_upstreams(c);
    free(c->listen.host);
    free(c->advertise);
    free(c->port_overrides);
    free(c->upstream_bind);
    free(c->admin.host);
    if (c->admin_token)
        memset(c->admin_token, 0, strlen(c->admin_token));
    free(c->admin_token);
    for (int i = 0; i < c->nscenarios; i++)
        free(c->scenarios[i]);
    free(c->scenarios);
    char **tls[] = {&c->tls.cert, &c->tls.key, &c->tls.client_ca, &c->tls.ciphers,
                    &c->tls.ciphersuites, &c->tls.groups, &c->tls.upstream_ca,
                    &c->tls.upstream_cert, &c->tls.upstream_key};
    for (size_t i = 0; i < sizeof(tls) / sizeof(tls[0]); i++)
        free(*tls[i]);
    *c = (kc_config_t){0};
}
