/* proxy/config.c: flags, the YAML file, and how they combine. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "kc_test.h"

#define MAXARGS 32

typedef struct run {
    int rc;
    kc_config_t cfg;
    char err[512];
    char out[8192]; /* what went to stdout */
} run_t;

/* Parse a NULL-terminated list of arguments (argv[0] added), capturing stdout. */
static run_t *parse(const char *first, ...)
{
    char *argv[MAXARGS];
    int argc = 0;
    argv[argc++] = "kchaos";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        assert_true(argc < MAXARGS - 1);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;

    run_t *r = calloc(1, sizeof(*r));
    char path[] = "/tmp/kc_test_stdout_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    r->rc = kc_config_parse(&r->cfg, argc, argv, r->err, sizeof(r->err));
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, r->out, sizeof(r->out) - 1);
    r->out[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(path);
    return r;
}

static void done(run_t *r)
{
    kc_config_free(&r->cfg);
    free(r);
}

/* An error: one non-empty line containing `want`. */
static void expect_error(run_t *r, const char *want)
{
    if (r->rc != KC_CONFIG_ERROR)
        fail_msg("expected an error containing \"%s\", got rc %d", want, r->rc);
    assert_true(r->err[0] != 0);
    assert_null(strchr(r->err, '\n'));
    if (!strstr(r->err, want)) fail_msg("error \"%s\" does not contain \"%s\"", r->err, want);
    done(r);
}

typedef struct tmpfile {
    char path[64];
} tmpfile_t;

static void write_file(tmpfile_t *f, const char *text)
{
    snprintf(f->path, sizeof(f->path), "/tmp/kc_test_cfg_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void test_minimal_flags(void **state)
{
    (void)state;
    run_t *r = parse("--upstream", "k1:9092,k2:9093", "--listen", "19092", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    const kc_config_t *c = &r->cfg;
    assert_int_equal(c->nupstreams, 2);
    assert_string_equal(c->upstreams[0].host, "k1");
    assert_int_equal(c->upstreams[0].port, 9092);
    assert_string_equal(c->upstreams[1].host, "k2");
    assert_int_equal(c->upstreams[1].port, 9093);
    assert_string_equal(c->listen.host, "127.0.0.1");
    assert_int_equal(c->listen.port, 19092);
    assert_string_equal(c->advertise, "127.0.0.1");
    assert_int_equal(c->broker_ports, 19093); /* listen port + 1 */
    assert_int_equal(c->node_id_base, 0);
    assert_int_equal(c->noverrides, 0);
    assert_null(c->upstream_bind);
    assert_int_equal(c->max_frame, 100 * 1024 * 1024);
    assert_int_equal(c->connect_timeout_ms, 10000);
    assert_int_equal(c->drain_timeout_ms, 5000);
    assert_int_equal(c->threads, 1);
    assert_int_equal(c->log_level, KC_LOG_INFO);
    assert_false(c->log_json);
    assert_true(c->low_watermark < c->high_watermark);
    done(r);
}

static void test_every_flag(void **state)
{
    (void)state;
    run_t *r =
        parse("--upstream=10.0.0.1:9092", "--upstream", "10.0.0.2:9092", "--listen", "0.0.0.0:9092",
              "--advertise", "proxy.example", "--broker-ports", "20000", "--node-id-base", "1",
              "--broker-port", "1=21000", "--broker-port=7=21007", "--upstream-bind", "127.0.0.2",
              "--max-frame-bytes", "1048576", "--connect-timeout-ms", "2500", "--drain-timeout-ms",
              "0", "--threads", "4", "--log-level", "debug", "--log-format", "json", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    const kc_config_t *c = &r->cfg;
    assert_int_equal(c->nupstreams, 2); /* repeated flags add up */
    assert_string_equal(c->upstreams[1].host, "10.0.0.2");
    assert_string_equal(c->listen.host, "0.0.0.0");
    assert_string_equal(c->advertise, "proxy.example");
    assert_int_equal(c->broker_ports, 20000);
    assert_int_equal(c->node_id_base, 1);
    assert_int_equal(c->noverrides, 2);
    assert_int_equal(c->port_overrides[0].node_id, 1);
    assert_int_equal(c->port_overrides[0].port, 21000);
    assert_int_equal(c->port_overrides[1].node_id, 7);
    assert_int_equal(c->port_overrides[1].port, 21007);
    assert_string_equal(c->upstream_bind, "127.0.0.2");
    assert_int_equal(c->max_frame, 1048576);
    assert_int_equal(c->connect_timeout_ms, 2500);
    assert_int_equal(c->drain_timeout_ms, 0);
    assert_int_equal(c->threads, 4);
    assert_int_equal(c->log_level, KC_LOG_DEBUG);
    assert_true(c->log_json);
    done(r);
}

static void test_help_version(void **state)
{
    (void)state;
    static const char *help[] = {"--help", "-h"};
    for (int i = 0; i < 2; i++) {
        run_t *r = parse(help[i], NULL);
        assert_int_equal(r->rc, KC_CONFIG_EXIT);
        assert_non_null(strstr(r->out, "usage: kchaos"));
        static const char *opts[] = {
            "--upstream",         "--listen",          "--advertise",
            "--broker-ports",     "--node-id-base",    "--broker-port ID=PORT",
            "--upstream-bind",    "--max-frame-bytes", "--connect-timeout-ms",
            "--drain-timeout-ms", "--log-level",       "--log-format",
            "--threads N",        "--config",          "--version"};
        for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
            if (!strstr(r->out, opts[k])) fail_msg("--help does not mention %s", opts[k]);
        done(r);
    }
    /* --help wins over missing required flags; --version prints one line. */
    run_t *r = parse("--listen", "1", "--version", NULL);
    assert_int_equal(r->rc, KC_CONFIG_EXIT);
    assert_string_equal(r->out, "kchaos " KC_VERSION "\n");
    done(r);
}

static void test_required(void **state)
{
    (void)state;
    expect_error(parse("--listen", "9092", NULL), "--upstream is required");
    expect_error(parse("--upstream", "k:1", NULL), "--listen is required");
    expect_error(parse(NULL), "--upstream is required");
}

static void test_bad_values(void **state)
{
    (void)state;
#define BAD(want, ...) expect_error(parse(__VA_ARGS__, NULL), want)
#define U "--upstream", "k:9092"
#define L "--listen", "9092"
    BAD("--upstream: 'nohost' is not HOST:PORT", "--upstream", "nohost", L);
    BAD("--upstream: ':9092' is not HOST:PORT", "--upstream", ":9092", L);
    BAD("--upstream: 'h:0'", "--upstream", "h:0", L);
    BAD("--upstream: 'h:65536'", "--upstream", "h:65536", L);
    BAD("--upstream: 'h:x'", "--upstream", "h:x", L);
    BAD("--upstream: 'h:-1'", "--upstream", "h:-1", L);
    BAD("--upstream: '::1:9092'", "--upstream", "::1:9092", L); /* IPv6 needs brackets */
    BAD("--upstream: 'b:'", "--upstream", "a:1,b:", L);
    BAD("--listen: 'abc' is not [HOST:]PORT", U, "--listen", "abc");
    BAD("--listen: 'h:'", U, "--listen", "h:");
    BAD("--listen: '99999'", U, "--listen", "99999");
    BAD("--advertise: '' is not a host name", U, L, "--advertise", "");
    BAD("--broker-ports: '0' is not a port", U, L, "--broker-ports", "0");
    BAD("--broker-ports: '70000'", U, L, "--broker-ports", "70000");
    BAD("--broker-ports: '-5'", U, L, "--broker-ports", "-5");
    BAD("--node-id-base: '-1' is not a node id", U, L, "--node-id-base", "-1");
    BAD("--node-id-base: 'x'", U, L, "--node-id-base", "x");
    BAD("--node-id-base: '99999999999'", U, L, "--node-id-base", "99999999999");
    BAD("--broker-port: '1' is not ID=PORT", U, L, "--broker-port", "1");
    BAD("--broker-port: 'x=1'", U, L, "--broker-port", "x=1");
    BAD("--broker-port: '1=0'", U, L, "--broker-port", "1=0");
    BAD("--broker-port: '-1=5'", U, L, "--broker-port", "-1=5");
    BAD("--broker-port: '12345678901234567=1'", U, L, "--broker-port", "12345678901234567=1");
    BAD("--max-frame-bytes: '10' is not a size from 64", U, L, "--max-frame-bytes", "10");
    BAD("--max-frame-bytes: '2000000000'", U, L, "--max-frame-bytes", "2000000000");
    BAD("--connect-timeout-ms: '0'", U, L, "--connect-timeout-ms", "0");
    BAD("--drain-timeout-ms: '3600001'", U, L, "--drain-timeout-ms", "3600001");
    BAD("--threads: '65' is not a count from 0 to 64", U, L, "--threads", "65");
    BAD("--threads: 'two'", U, L, "--threads", "two");
    BAD("--log-level: 'verbose' is not error, warn, info or debug", U, L, "--log-level", "verbose");
    BAD("--log-format: 'xml' is not text or json", U, L, "--log-format", "xml");
    BAD("unknown option '--nope'", U, L, "--nope");
    BAD("--listen needs a value", U, "--listen");
    BAD("unexpected argument 'stray'", U, L, "stray");
    BAD("--broker-port 3=9092: that is the --listen port", U, L, "--broker-port", "3=9092");
    BAD("--broker-port: nodes 1 and 2 both on port 9500", U, L, "--broker-port", "1=9500",
        "--broker-port", "2=9500");
#undef BAD
#undef U
#undef L
}

static void test_ipv6(void **state)
{
    (void)state;
    run_t *r = parse("--upstream", "[::1]:9093,[fe80::1%lo]:9094", "--listen", "[::1]:9092", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.upstreams[0].host, "::1");
    assert_int_equal(r->cfg.upstreams[0].port, 9093);
    assert_string_equal(r->cfg.upstreams[1].host, "fe80::1%lo");
    assert_string_equal(r->cfg.listen.host, "::1"); /* brackets removed */
    assert_int_equal(r->cfg.listen.port, 9092);
    assert_string_equal(r->cfg.advertise, "::1");
    done(r);
    /* Wildcards can't be connected to: clients are told 127.0.0.1. */
    r = parse("--upstream", "k:1", "--listen", "[::]:9092", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.listen.host, "::");
    assert_string_equal(r->cfg.advertise, "127.0.0.1");
    done(r);
    r = parse("--upstream", "k:1", "--listen", ":9092", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.listen.host, "127.0.0.1");
    done(r);
}

static void test_hostport(void **state)
{
    (void)state;
    kc_hostport_t hp;
    assert_int_equal(kc_config_hostport("h:1", false, &hp), 0);
    assert_string_equal(hp.host, "h");
    free(hp.host);
    assert_int_equal(kc_config_hostport("65535", true, &hp), 0);
    assert_null(hp.host);
    assert_int_equal(hp.port, 65535);
    assert_int_equal(kc_config_hostport("65535", false, &hp), -1);
    assert_int_equal(kc_config_hostport("[]:1", false, &hp), -1);
    assert_int_equal(kc_config_hostport("[::1]", true, &hp), -1);
    assert_int_equal(kc_config_hostport("", true, &hp), -1);
}

static const char every_key[] = "# every setting\n"
                                "upstream: [\"k1:9092\", \"k2:9092\"]\n"
                                "listen: \"[::1]:19092\"\n"
                                "advertise: proxy.example\n"
                                "broker_ports: 20000\n"
                                "node-id-base: 1\n"
                                "broker_port:\n"
                                "  1: 21000\n"
                                "  2: 21001\n"
                                "upstream_bind: 127.0.0.2\n"
                                "max_frame_bytes: 1048576\n"
                                "connect_timeout_ms: 2500\n"
                                "drain_timeout_ms: 100\n"
                                "threads: 0\n"
                                "log_level: warn\n"
                                "log_format: json\n";

static void test_yaml_every_key(void **state)
{
    (void)state;
    tmpfile_t f;
    write_file(&f, every_key);
    run_t *r = parse("--config", f.path, NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    const kc_config_t *c = &r->cfg;
    assert_int_equal(c->nupstreams, 2);
    assert_string_equal(c->upstreams[0].host, "k1");
    assert_string_equal(c->upstreams[1].host, "k2");
    assert_string_equal(c->listen.host, "::1");
    assert_int_equal(c->listen.port, 19092);
    assert_string_equal(c->advertise, "proxy.example");
    assert_int_equal(c->broker_ports, 20000);
    assert_int_equal(c->node_id_base, 1);
    assert_int_equal(c->noverrides, 2);
    assert_int_equal(c->port_overrides[0].node_id, 1);
    assert_int_equal(c->port_overrides[0].port, 21000);
    assert_int_equal(c->port_overrides[1].node_id, 2);
    assert_int_equal(c->port_overrides[1].port, 21001);
    assert_string_equal(c->upstream_bind, "127.0.0.2");
    assert_int_equal(c->max_frame, 1048576);
    assert_int_equal(c->connect_timeout_ms, 2500);
    assert_int_equal(c->drain_timeout_ms, 100);
    assert_int_equal(c->threads, 0); /* one per CPU, resolved by main.c */
    assert_int_equal(c->log_level, KC_LOG_WARN);
    assert_true(c->log_json);
    done(r);
    unlink(f.path);
}

static void test_yaml_list_forms(void **state)
{
    (void)state;
    tmpfile_t f;
    write_file(&f, "upstream:\n  - a:1\n  - b:2,c:3\n"
                   "listen: 9092\n"
                   "broker-port: [\"4=9300\", \"5=9301\"]\n");
    run_t *r = parse("--config=", NULL); /* --config= with no file: cannot open "" */
    assert_int_equal(r->rc, KC_CONFIG_ERROR);
    assert_non_null(strstr(r->err, "--config: cannot open"));
    done(r);
    char arg[96];
    snprintf(arg, sizeof(arg), "--config=%s", f.path);
    r = parse(arg, NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_int_equal(r->cfg.nupstreams, 3);
    assert_string_equal(r->cfg.upstreams[2].host, "c");
    assert_int_equal(r->cfg.noverrides, 2);
    assert_int_equal(r->cfg.port_overrides[1].port, 9301);
    done(r);
    unlink(f.path);
}

static void test_config_abbreviated(void **state)
{
    (void)state;
    /* getopt_long takes any unambiguous prefix of a long option: --conf is --config, and the
     * file it names must be read (not skipped because it isn't spelled "--config"). */
    tmpfile_t f;
    write_file(&f, every_key);
    static const char *spellings[] = {"--conf", "--confi"};
    for (int i = 0; i < 2; i++) {
        run_t *r = parse(spellings[i], f.path, NULL);
        if (r->rc != KC_CONFIG_OK) fail_msg("%s FILE: %s", spellings[i], r->err);
        assert_int_equal(r->cfg.nupstreams, 2);
        assert_string_equal(r->cfg.advertise, "proxy.example");
        done(r);
    }
    char arg[96];
    snprintf(arg, sizeof(arg), "--conf=%s", f.path);
    run_t *r = parse(arg, "--listen", "7", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_int_equal(r->cfg.broker_ports, 20000);
    assert_int_equal(r->cfg.listen.port, 7);
    done(r);
    unlink(f.path);
    write_file(&f, "nope: 1\n");
    expect_error(parse("--upstream", "k:1", "--conf", f.path, "--listen", "1", NULL),
                 "unknown key 'nope'");
    unlink(f.path);
}

static void test_flags_override_file(void **state)
{
    (void)state;
    tmpfile_t f;
    write_file(&f, every_key);
    run_t *r = parse("--upstream", "c:3", "--config", f.path, "--listen", "9000", "--broker-port",
                     "9=9999", "--log-level", "error", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    const kc_config_t *c = &r->cfg;
    /* Lists given as flags replace the file's, whatever the order on the command line. */
    assert_int_equal(c->nupstreams, 1);
    assert_string_equal(c->upstreams[0].host, "c");
    assert_int_equal(c->noverrides, 1);
    assert_int_equal(c->port_overrides[0].node_id, 9);
    assert_int_equal(c->listen.port, 9000);
    assert_string_equal(c->listen.host, "127.0.0.1"); /* a flag replaces the whole address */
    assert_int_equal(c->log_level, KC_LOG_ERROR);
    /* What the flags don't mention comes from the file. */
    assert_string_equal(c->advertise, "proxy.example");
    assert_int_equal(c->broker_ports, 20000);
    assert_int_equal(c->connect_timeout_ms, 2500);
    done(r);
    unlink(f.path);
}

/* A YAML problem is reported as FILE:LINE: and one line. */
static void yaml_error(const char *text, int line, const char *want)
{
    tmpfile_t f;
    write_file(&f, text);
    run_t *r = parse("--config", f.path, "--upstream", "k:1", "--listen", "1", NULL);
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "%s:%d: ", f.path, line);
    if (r->rc != KC_CONFIG_ERROR || strncmp(r->err, prefix, strlen(prefix)) != 0)
        fail_msg("want \"%s%s\", got rc %d \"%s\"", prefix, want, r->rc, r->err);
    expect_error(r, want);
    unlink(f.path);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    yaml_error("listen: 9092\n\nfoo: 1\n", 3, "unknown key 'foo'");
    yaml_error("listen: 9092\nconfig: other.yaml\n", 2, "unknown key 'config'");
    yaml_error("listen: [1, 2\nupstream: a:1\n", 2, "did not find expected ',' or ']'");
    yaml_error("listen: 9092\n  bad: indent\n", 2, "mapping values are not allowed");
    yaml_error("upstream: a:1\nlisten: x\n", 2, "--listen: 'x' is not [HOST:]PORT");
    yaml_error("upstream:\n  - a:1\n  - nope\n", 3, "--upstream: 'nope' is not HOST:PORT");
    yaml_error("broker_port:\n  1: 0\n", 2, "--broker-port: '1=0' is not ID=PORT");
    yaml_error("listen:\n  a: b\n", 2, "listen: expected a single value");
    yaml_error("advertise: [a, b]\n", 1, "advertise: expected a single value");
    yaml_error("upstream: [[a]]\n", 1, "upstream: expected a list of strings");
    yaml_error("- a\n- b\n", 1, "expected a mapping of settings");
    yaml_error("{a: 1}: x\n", 1, "unknown key '?'");
    /* A value with a line break in it (an empty line in a quoted scalar) still makes one line:
     * control characters are shown as '?'. */
    yaml_error("upstream: a:1\nlisten: \"x\n\n  y\"\n", 2, "--listen: 'x?y' is not");
    expect_error(parse("--upstream", "k:1", "--listen", "a\r\nb\tc", NULL), "'a??b?c'");
}

static void test_yaml_missing_and_empty(void **state)
{
    (void)state;
    expect_error(parse("--config", "/nonexistent/kchaos.yaml", NULL),
                 "--config: cannot open /nonexistent/kchaos.yaml");
    tmpfile_t f;
    write_file(&f, "");
    run_t *r = parse("--config", f.path, "--upstream", "k:1", "--listen", "1", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK); /* an empty file sets nothing */
    done(r);
    unlink(f.path);
}

/* --admin: loopback by default; anything else needs a token, read from a file whose trailing
 * newline is not part of it, and never quoted in an error. */
static void test_admin_options(void **state)
{
    (void)state;
    run_t *r = parse("--upstream", "k:1", "--listen", "9092", "--admin", "9100", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.admin.host, "127.0.0.1");
    assert_int_equal(r->cfg.admin.port, 9100);
    assert_null(r->cfg.admin_token);
    assert_int_equal(r->cfg.admin_idle_ms, 60000);
    done(r);
    r = parse("--upstream", "k:1", "--listen", "9092", NULL);
    assert_int_equal(r->cfg.admin.port, 0); /* off unless asked */
    done(r);
    r = parse("--upstream", "k:1", "--listen", "9092", "--admin", "[::1]:9100", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    done(r);
    r = parse("--upstream", "k:1", "--listen", "9092", "--admin", "127.8.9.10:9100", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    done(r);
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "0.0.0.0:9100", NULL),
                 "--admin 0.0.0.0:9100 is not a loopback address");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "[::]:9100", NULL),
                 "give --admin-token FILE");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "localhost:9100", NULL),
                 "'localhost' is not an IP address");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "9092", NULL),
                 "is the --listen port");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "x", NULL),
                 "--admin: 'x' is not [HOST:]PORT");

    tmpfile_t tok, empty, nl, spaced;
    write_file(&tok, "s3cr3t-Token_1\n");
    write_file(&empty, "");
    write_file(&nl, "\n");
    write_file(&spaced, "two words\n");
    r = parse("--upstream", "k:1", "--listen", "9092", "--admin", "0.0.0.0:9100", "--admin-token",
              tok.path, "--admin-idle-timeout-ms", "1500", NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.admin_token, "s3cr3t-Token_1");
    assert_int_equal(r->cfg.admin_idle_ms, 1500);
    done(r);
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "9100", "--admin-token",
                       empty.path, NULL), "is empty");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "9100", "--admin-token",
                       nl.path, NULL), "is empty");
    run_t *bad = parse("--upstream", "k:1", "--listen", "9092", "--admin", "9100", "--admin-token",
                       spaced.path, NULL);
    assert_null(strstr(bad->err, "two words")); /* the secret stays out of the message */
    expect_error(bad, "a bearer token cannot carry");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin", "9100", "--admin-token",
                       "/nonexistent/token", NULL), "cannot read /nonexistent/token");
    expect_error(parse("--upstream", "k:1", "--listen", "9092", "--admin-token", tok.path, NULL),
                 "--admin-token needs --admin");

    /* The same from YAML. */
    tmpfile_t y;
    char yaml[256];
    snprintf(yaml, sizeof(yaml), "upstream: k:1\nlisten: 9092\nadmin: 0.0.0.0:9100\n"
                                 "admin_token: %s\nadmin_idle_timeout_ms: 2000\n", tok.path);
    write_file(&y, yaml);
    r = parse("--config", y.path, NULL);
    assert_int_equal(r->rc, KC_CONFIG_OK);
    assert_string_equal(r->cfg.admin_token, "s3cr3t-Token_1");
    assert_int_equal(r->cfg.admin_idle_ms, 2000);
    done(r);
    unlink(tok.path), unlink(empty.path), unlink(nl.path), unlink(spaced.path), unlink(y.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_flags),
        cmocka_unit_test(test_every_flag),
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_yaml_every_key),
        cmocka_unit_test(test_yaml_list_forms),
        cmocka_unit_test(test_config_abbreviated),
        cmocka_unit_test(test_flags_override_file),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_yaml_missing_and_empty),
        cmocka_unit_test(test_admin_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
