/* rdkafka_client: the test-client contract (tests/clients/README.md) for librdkafka, in C.
 *
 * Beyond the contract it takes --allowed-ports LIST (e.g. "19092,19101-19103"): a connect
 * callback refuses every connection to any other port and counts it, so a client that learned
 * a real broker address (an unrewritten response) fails loudly instead of quietly connecting
 * around kchaos. The count is reported as "refused_connects".
 *
 * --client-id ID sets client.id (default kchaos-test-rdkafka). --stats adds "stats" to the
 * summary: the producer's own totals from librdkafka's statistics JSON (statistics.interval.ms,
 * the last report after the flush): txmsgs and txmsg_bytes (messages and their bytes sent to
 * brokers), tx (requests sent), and summed over brokers txretries (requests retried), txerrs
 * (transmission errors), plus the most requests any broker had awaiting a response in any
 * report (waitresp_max: the requests in flight the client itself saw), and over every report and
 * broker the highest rtt and throttle averages and maxima (rtt_avg_peak_us, rtt_max_us,
 * throttle_avg_peak_ms, throttle_max_ms: librdkafka resets these windows each interval, so the
 * peak over the run is kept). "elapsed_ms" is the produce phase's wall time, first record to the
 * end of the flush.
 *
 * --stats-json FILE writes the last statistics report as it came (per-partition figures such as
 * topics.T.partitions.P.txmsgs, for the test to read itself).
 *
 * --request-timeout-ms MS sets request.timeout.ms and socket.timeout.ms, so a request that gets
 * no answer (a dropped one) times out and is retried within a test's patience.
 *
 * TLS and SASL: --ssl-ca FILE (verify the broker against it, host name included), --ssl-cert
 * FILE and --ssl-key FILE (present a client certificate), --sasl-mechanism PLAIN|SCRAM-SHA-256|
 * SCRAM-SHA-512 with --sasl-user and --sasl-password. security.protocol follows from them (ssl,
 * sasl_plaintext or sasl_ssl) unless --security-protocol says otherwise. An authentication or
 * TLS failure, which librdkafka would retry until message.timeout.ms, ends the run at once:
 * its error ("_AUTHENTICATION", "_SSL", or "_SSL_ALERT" when the broker refused our
 * certificate) is in "errors" and nothing more is produced or read.
 * Note: librdkafka before 2.6.1 (Debian's 2.0.2) fails SCRAM against Kafka 4.x brokers (it
 * sends a wrong nonce in client-final-message, librdkafka#4895); PLAIN works. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ERRORS 8

static struct {
    const char *bootstrap, *topic, *prefix, *acks, *compression, *group, *allowed, *client_id,
        *stats_json;
    const char *ssl_ca, *ssl_cert, *ssl_key, *sasl_mechanism, *sasl_user, *sasl_password;
    const char *security_protocol;
    int count, max_in_flight, linger_ms, rate, value_size, request_timeout_ms;
    int idempotent, consume, stats;
} opt = {.count = 100, .max_in_flight = -1, .linger_ms = -1, /* unset: librdkafka's defaults */
         .client_id = "kchaos-test-rdkafka"};

/* The producer's own view, from its statistics callback. */
static struct {
    long long txmsgs, txmsg_bytes, tx, txretries, txerrs, waitresp_max;
    long long rtt_avg_peak, rtt_max, throttle_avg_peak, throttle_max;
    int reports;
} stats;

static long long elapsed_ms;

static struct {
    int acked, refused;
    volatile int fatal; /* authentication or TLS refused: stop at once */
    char errors[MAX_ERRORS][160];
    int nerrors;
} st;

static void add_error(const char *e)
{
    for (int i = 0; i < st.nerrors; i++)
        if (!strcmp(st.errors[i], e))
            return;
    if (st.nerrors < MAX_ERRORS)
        snprintf(st.errors[st.nerrors++], sizeof(st.errors[0]), "%s", e);
}

static int port_allowed(int port)
{
    if (!opt.allowed)
        return 1;
    char *copy = strdup(opt.allowed), *save = NULL;
    int ok = 0;
    for (char *t = strtok_r(copy, ",", &save); t && !ok; t = strtok_r(NULL, ",", &save)) {
        int lo, hi;
        int n = sscanf(t, "%d-%d", &lo, &hi);
        ok = n == 2 ? port >= lo && port <= hi : n == 1 && port == lo;
    }
    free(copy);
    return ok;
}

static int connect_cb(int fd, const struct sockaddr *sa, int len, const char *id, void *opaque)
{
    (void)opaque;
    int port = sa->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
                                         : ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (!port_allowed(port)) {
        st.refused++;
        fprintf(stderr, "rdkafka_client: refused a direct connection to port %d (%s)\n", port, id);
        return ECONNREFUSED;
    }
    /* Non-blocking socket: an in-progress connect is success for librdkafka. */
    return connect(fd, sa, (socklen_t)len) == -1 && errno != EINPROGRESS ? errno : 0;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    if (m->err)
        add_error(rd_kafka_err2name(m->err));
    else
        st.acked++;
}

/* The first "key": number at or after p (NULL-safe); 0 when absent. */
static long long field(const char *p, const char *key, const char **after)
{
    char k[64];
    snprintf(k, sizeof(k), "\"%s\":", key);
    const char *at = p ? strstr(p, k) : NULL;
    if (after)
        *after = at ? at + strlen(k) : NULL;
    return at ? strtoll(at + strlen(k), NULL, 10) : 0;
}

/* librdkafka's statistics JSON: "brokers" (each with its own txretries, txerrs and
 * waitresp_cnt), "topics", then the client's totals (tx, ..., txmsgs, txmsg_bytes) last; the
 * last "tx": is the totals' own. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk, (void)opaque;
    const char *brokers = strstr(json, "\"brokers\":"), *totals = NULL;
    for (const char *p = json; (p = strstr(p, "\"tx\":")); p++)
        totals = p;
    stats.tx = field(totals, "tx", NULL);
    stats.txmsgs = field(totals, "txmsgs", NULL);
    stats.txmsg_bytes = field(totals, "txmsg_bytes", NULL);
    long long retries = 0, errs = 0;
    for (const char *p = brokers; p;) {
        const char *q;
        long long w = field(p, "waitresp_cnt", &q);
        if (!q)
            break;
        if (w > stats.waitresp_max)
            stats.waitresp_max = w;
        p = q;
    }
    for (const char *p = brokers; p;) {
        const char *q;
        retries += field(p, "txretries", &q);
        p = q;
    }
    for (const char *p = brokers; p;) {
        const char *q;
        errs += field(p, "txerrs", &q);
        p = q;
    }
    stats.txretries = retries;
    stats.txerrs = errs;
    /* Each broker's "rtt":{...} and "throttle":{...} windows: min, max, avg, ... */
    struct { const char *key; long long *avg, *max; } win[] = {
        {"\"rtt\":", &stats.rtt_avg_peak, &stats.rtt_max},
        {"\"throttle\":", &stats.throttle_avg_peak, &stats.throttle_max}};
    for (size_t w = 0; w < sizeof(win) / sizeof(win[0]); w++)
        for (const char *p = brokers; p && (p = strstr(p, win[w].key)); p++) {
            long long avg = field(p, "avg", NULL), max = field(p, "max", NULL);
            if (avg > *win[w].avg)
                *win[w].avg = avg;
            if (max > *win[w].max)
                *win[w].max = max;
        }
    stats.reports++;
    FILE *f = opt.stats_json ? fopen(opt.stats_json, "w") : NULL;
    if (f) {
        fwrite(json, 1, len, f);
        fclose(f);
    }
    return 0; /* librdkafka frees json */
}

/* librdkafka retries a refused handshake or login forever; a test wants the refusal. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk, (void)opaque;
    fprintf(stderr, "rdkafka_client: %s: %s\n", rd_kafka_err2name(err), reason);
    /* TLS 1.3: the server checks a client certificate after the client's handshake is done,
     * so its refusal arrives as an alert on the first read (a _TRANSPORT error). */
    int tls_alert = err == RD_KAFKA_RESP_ERR__TRANSPORT && strstr(reason, "SSL alert");
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL || tls_alert) {
        add_error(tls_alert ? "_SSL_ALERT" : rd_kafka_err2name(err));
        st.fatal = 1;
    }
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdkafka_client: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

static void set_security(rd_kafka_conf_t *c)
{
    int ssl = opt.ssl_ca || opt.ssl_cert || opt.ssl_key, sasl = opt.sasl_mechanism != NULL;
    const char *proto = opt.security_protocol;
    if (!proto)
        proto = sasl ? (ssl ? "sasl_ssl" : "sasl_plaintext") : (ssl ? "ssl" : NULL);
    if (proto)
        set(c, "security.protocol", proto);
    if (opt.ssl_ca)
        set(c, "ssl.ca.location", opt.ssl_ca);
    if (opt.ssl_cert)
        set(c, "ssl.certificate.location", opt.ssl_cert);
    if (opt.ssl_key)
        set(c, "ssl.key.location", opt.ssl_key);
    if (sasl) {
        set(c, "sasl.mechanisms", opt.sasl_mechanism);
        if (opt.sasl_user)
            set(c, "sasl.username", opt.sasl_user);
        if (opt.sasl_password)
            set(c, "sasl.password", opt.sasl_password);
    }
}

static rd_kafka_conf_t *base_conf(void)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", opt.bootstrap);
    set(c, "client.id", opt.client_id);
    set_security(c);
    rd_kafka_conf_set_connect_cb(c, connect_cb);
    rd_kafka_conf_set_error_cb(c, on_error);
    return c;
}

static char brokers_seen[4096] = "";

static void record_brokers(rd_kafka_t *rk)
{
    const struct rd_kafka_metadata *md;
    if (st.fatal || rd_kafka_metadata(rk, 0, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    size_t n = strlen(brokers_seen);
    for (int i = 0; i < md->broker_cnt; i++) {
        char one[300];
        snprintf(one, sizeof(one), "\"%s:%d\"", md->brokers[i].host, md->brokers[i].port);
        if (strstr(brokers_seen, one))
            continue;
        n += (size_t)snprintf(brokers_seen + n, sizeof(brokers_seen) - n, "%s%s", n ? "," : "", one);
    }
    rd_kafka_metadata_destroy(md);
}

static int produce(void)
{
    char num[32];
    rd_kafka_conf_t *c = base_conf();
    if (opt.acks)
        set(c, "acks", opt.acks);
    if (opt.compression)
        set(c, "compression.codec", opt.compression);
    if (opt.max_in_flight >= 0) {
        snprintf(num, sizeof(num), "%d", opt.max_in_flight);
        set(c, "max.in.flight.requests.per.connection", num);
    }
    if (opt.linger_ms >= 0) {
        snprintf(num, sizeof(num), "%d", opt.linger_ms);
        set(c, "linger.ms", num);
    }
    set(c, "message.timeout.ms", "120000");
    if (opt.request_timeout_ms > 0) {
        snprintf(num, sizeof(num), "%d", opt.request_timeout_ms);
        set(c, "request.timeout.ms", num);
        set(c, "socket.timeout.ms", num);
    }
    if (opt.idempotent)
        set(c, "enable.idempotence", "true");
    if (opt.stats) {
        set(c, "statistics.interval.ms", "100");
        rd_kafka_conf_set_stats_cb(c, on_stats);
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    char err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdkafka_client: %s\n", err);
        return -1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t vcap = opt.value_size > 160 ? (size_t)opt.value_size : 160;
    char *val = malloc(vcap);
    for (int i = 0; i < opt.count && !st.fatal; i++) {
        char key[128];
        if (opt.rate > 0) { /* hold record i until i/rate seconds after the start */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double ahead = (double)i / opt.rate - ((double)(now.tv_sec - t0.tv_sec) +
                                                   (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
            if (ahead > 0)
                rd_kafka_poll(rk, (int)(ahead * 1000) + 1);
        }
        snprintf(key, sizeof(key), "%s-%d", opt.prefix, i);
        int vlen = snprintf(val, vcap, "%s-v", key);
        if (opt.value_size > vlen) { /* padded to --value-size bytes */
            memset(val + vlen, 'x', (size_t)opt.value_size - (size_t)vlen);
            vlen = opt.value_size;
        }
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(opt.topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                      RD_KAFKA_V_VALUE(val, (size_t)vlen),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
        if (e)
            add_error(rd_kafka_err2name(e));
        rd_kafka_poll(rk, 0);
    }
    free(val);
    for (time_t end = time(NULL) + 150; !st.fatal && rd_kafka_outq_len(rk) > 0 && time(NULL) < end;)
        rd_kafka_flush(rk, 100);
    if (st.fatal) /* what is still queued would only wait out message.timeout.ms */
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed_ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    /* A report made after the flush holds the final totals. */
    for (int seen = stats.reports, i = 0; opt.stats && i < 100 && stats.reports < seen + 2; i++)
        rd_kafka_poll(rk, 50);
    record_brokers(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static int consume(int *consumed, int *dups, int *missing, int *ooo)
{
    char err[256], group[160];
    rd_kafka_conf_t *c = base_conf();
    snprintf(group, sizeof(group), "%s", opt.group ? opt.group : opt.prefix);
    if (!opt.group)
        strncat(group, "-group", sizeof(group) - strlen(group) - 1);
    set(c, "group.id", group);
    set(c, "auto.offset.reset", "earliest");
    set(c, "enable.partition.eof", "false");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk)
        return -1;
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, opt.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    unsigned char *seen = calloc((size_t)opt.count, 1);
    int last[1024];
    for (int i = 0; i < 1024; i++)
        last[i] = -1;
    size_t plen = strlen(opt.prefix);
    int distinct = 0;
    time_t deadline = time(NULL) + 60;
    while (distinct < opt.count && time(NULL) < deadline && !st.fatal) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                add_error(rd_kafka_err2name(m->err));
        } else if (m->key && m->key_len > plen + 1 && !memcmp(m->key, opt.prefix, plen) &&
                   ((char *)m->key)[plen] == '-') {
            char k[64] = "";
            size_t kl = m->key_len - plen - 1 < sizeof(k) - 1 ? m->key_len - plen - 1 : sizeof(k) - 1;
            memcpy(k, (char *)m->key + plen + 1, kl);
            int i = atoi(k);
            (*consumed)++;
            if (i >= 0 && i < opt.count) {
                if (seen[i]++)
                    (*dups)++;
                else
                    distinct++;
                int p = m->partition & 1023;
                if (i < last[p])
                    (*ooo)++;
                last[p] = i;
            }
        }
        rd_kafka_message_destroy(m);
    }
    for (int i = 0; i < opt.count; i++)
        *missing += !seen[i];
    free(seen);
    record_brokers(rk);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--idempotent"))
            opt.idempotent = 1;
        else if (!strcmp(a, "--stats"))
            opt.stats = 1;
        else if (!strcmp(a, "--consume"))
            opt.consume = 1;
        else if (!v)
            goto usage;
        else if (!strcmp(a, "--bootstrap"))
            opt.bootstrap = v, i++;
        else if (!strcmp(a, "--topic"))
            opt.topic = v, i++;
        else if (!strcmp(a, "--prefix"))
            opt.prefix = v, i++;
        else if (!strcmp(a, "--count"))
            opt.count = atoi(v), i++;
        else if (!strcmp(a, "--acks"))
            opt.acks = v, i++;
        else if (!strcmp(a, "--compression"))
            opt.compression = v, i++;
        else if (!strcmp(a, "--max-in-flight"))
            opt.max_in_flight = atoi(v), i++;
        else if (!strcmp(a, "--value-size"))
            opt.value_size = atoi(v), i++;
        else if (!strcmp(a, "--rate"))
            opt.rate = atoi(v), i++;
        else if (!strcmp(a, "--linger-ms"))
            opt.linger_ms = atoi(v), i++;
        else if (!strcmp(a, "--group"))
            opt.group = v, i++;
        else if (!strcmp(a, "--allowed-ports"))
            opt.allowed = v, i++;
        else if (!strcmp(a, "--stats-json"))
            opt.stats_json = v, opt.stats = 1, i++;
        else if (!strcmp(a, "--request-timeout-ms"))
            opt.request_timeout_ms = atoi(v), i++;
        else if (!strcmp(a, "--client-id"))
            opt.client_id = v, i++;
        else if (!strcmp(a, "--ssl-ca"))
            opt.ssl_ca = v, i++;
        else if (!strcmp(a, "--ssl-cert"))
            opt.ssl_cert = v, i++;
        else if (!strcmp(a, "--ssl-key"))
            opt.ssl_key = v, i++;
        else if (!strcmp(a, "--sasl-mechanism"))
            opt.sasl_mechanism = v, i++;
        else if (!strcmp(a, "--sasl-user"))
            opt.sasl_user = v, i++;
        else if (!strcmp(a, "--sasl-password"))
            opt.sasl_password = v, i++;
        else if (!strcmp(a, "--security-protocol"))
            opt.security_protocol = v, i++;
        else
            goto usage;
    }
    if (!opt.bootstrap || !opt.topic || !opt.prefix)
        goto usage;
    if (produce() != 0)
        return 1;
    int consumed = 0, dups = 0, missing = 0, ooo = 0;
    if (opt.consume && !st.fatal && consume(&consumed, &dups, &missing, &ooo) != 0)
        return 1;
    printf("{\"client\":\"librdkafka\",\"version\":\"%s\",\"produced\":%d,\"acked\":%d,"
           "\"consumed\":%d,\"duplicates\":%d,\"missing\":%d,\"out_of_order\":%d,"
           "\"refused_connects\":%d,\"elapsed_ms\":%lld,\"brokers_seen\":[%s],\"errors\":[",
           rd_kafka_version_str(), opt.count, st.acked, consumed, dups, opt.consume ? missing : 0,
           ooo, st.refused, elapsed_ms, brokers_seen);
    for (int i = 0; i < st.nerrors; i++)
        printf("%s\"%s\"", i ? "," : "", st.errors[i]);
    printf("]");
    if (opt.stats)
        printf(",\"stats\":{\"txmsgs\":%lld,\"txmsg_bytes\":%lld,\"tx\":%lld,\"txretries\":%lld,"
               "\"txerrs\":%lld,\"waitresp_max\":%lld,\"rtt_avg_peak_us\":%lld,"
               "\"rtt_max_us\":%lld,\"throttle_avg_peak_ms\":%lld,\"throttle_max_ms\":%lld,"
               "\"reports\":%d}",
               stats.txmsgs, stats.txmsg_bytes, stats.tx, stats.txretries, stats.txerrs,
               stats.waitresp_max, stats.rtt_avg_peak, stats.rtt_max, stats.throttle_avg_peak,
               stats.throttle_max, stats.reports);
    printf("}\n");
    return 0;
usage:
    fprintf(stderr, "usage: rdkafka_client --bootstrap B --topic T --prefix P [--count N] "
                    "[--acks all|1|0] [--idempotent] [--compression C] [--max-in-flight K] "
                    "[--linger-ms MS] [--rate N] [--value-size BYTES] [--consume] [--group G] [--allowed-ports LIST] "
                    "[--client-id ID] [--stats] [--stats-json FILE] [--request-timeout-ms MS] "
                    "[--security-protocol P] [--ssl-ca FILE] [--ssl-cert FILE] [--ssl-key FILE] "
                    "[--sasl-mechanism M] [--sasl-user U] [--sasl-password PW]\n");
    return 2;
}
