/* rdkafka_bench: the librdkafka producer of the benchmark (bench/README.md).
 *
 *   rdkafka_bench throughput --bootstrap H:P --topic T [--count N] [--value-size B]
 *                            [--linger-ms MS] [--acks A] [--port-map FROM=TO,...]
 *   rdkafka_bench latency    --bootstrap H:P --topic T [--count N] [--value-size B]
 *                            [--acks A] [--warmup W] [--port-map FROM=TO,...]
 *   either mode: [--ssl-ca FILE]
 *
 * Records are keyed "bench-<i>" with values padded to --value-size bytes, as build/rdkafka_client
 * does. Both modes first send one record and wait for it, so that metadata is known and the
 * connections are up before the clock starts.
 *
 * throughput: produce N records as fast as librdkafka takes them (async, delivery reports
 *             counted), then flush; the time is from the first produce to the last report.
 * latency:    linger 0; send one record, wait for its delivery report, repeat: W unrecorded
 *             warm-up sends, then N recorded ones.
 *
 * --port-map rewrites the destination port of every connection librdkafka opens (a connect
 * callback): a client-side port map, which lets a plain L4 relay stand in front of brokers that
 * advertise their own ports (the mock cluster).
 *
 * --ssl-ca speaks TLS to the bootstrap and every broker (security.protocol=ssl) and verifies
 * their certificates against FILE, host name included (librdkafka's default since 2.0), with
 * Nagle off (below).
 *
 * Output: one JSON line on stdout. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_MAP 16

static struct {
    const char *bootstrap, *topic, *acks, *ssl_ca;
    int count, value_size, linger_ms, warmup;
    int map_from[MAX_MAP], map_to[MAX_MAP], nmap;
} opt = {.count = -1, .value_size = 1024, .linger_ms = 5, .acks = "1", .warmup = 100};

static struct {
    long acked, failed;
    char first_error[160];
    int done; /* latency mode: the report of the record in flight arrived */
} st;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int connect_cb(int fd, const struct sockaddr *sa, int len, const char *id, void *opaque)
{
    (void)id, (void)opaque;
    struct sockaddr_storage ss;
    memcpy(&ss, sa, (size_t)len);
    in_port_t *port = ss.ss_family == AF_INET6 ? &((struct sockaddr_in6 *)&ss)->sin6_port
                                              : &((struct sockaddr_in *)&ss)->sin_port;
    for (int i = 0; i < opt.nmap; i++)
        if (ntohs(*port) == opt.map_from[i]) {
            *port = htons((in_port_t)opt.map_to[i]);
            break;
        }
    /* Non-blocking socket: an in-progress connect is success for librdkafka. */
    return connect(fd, (struct sockaddr *)&ss, (socklen_t)len) == -1 && errno != EINPROGRESS ? errno : 0;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    if (m->err) {
        if (!st.failed++)
            snprintf(st.first_error, sizeof(st.first_error), "%s", rd_kafka_err2str(m->err));
    } else {
        st.acked++;
    }
    st.done = 1;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdkafka_bench: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

static char *val;

static void produce_one(rd_kafka_t *rk, long i)
{
    char key[32];
    snprintf(key, sizeof(key), "bench-%ld", i);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(opt.topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                  RD_KAFKA_V_VALUE(val, (size_t)opt.value_size),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(rk, 10);
    if (e && !st.failed++)
        snprintf(st.first_error, sizeof(st.first_error), "%s", rd_kafka_err2str(e));
}

/* Sends one record and polls until its delivery report arrives; returns seconds taken. */
static double send_sync(rd_kafka_t *rk, long i)
{
    double t0 = now_s();
    st.done = 0;
    produce_one(rk, i);
    while (!st.done)
        rd_kafka_poll(rk, 1000);
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double p)
{
    int k = (int)(p * n + 0.999999) - 1; /* nearest rank */
    return sorted[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void usage(void)
{
    fprintf(stderr, "usage: rdkafka_bench throughput|latency --bootstrap H:P --topic T [--count N]\n"
                    "       [--value-size B] [--linger-ms MS] [--acks A] [--warmup W]"
                    " [--port-map FROM=TO,...] [--ssl-ca FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    int latency = !strcmp(argv[1], "latency");
    if (!latency && strcmp(argv[1], "throughput"))
        usage();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--bootstrap"))
            opt.bootstrap = v;
        else if (!strcmp(a, "--topic"))
            opt.topic = v;
        else if (!strcmp(a, "--count"))
            opt.count = atoi(v);
        else if (!strcmp(a, "--value-size"))
            opt.value_size = atoi(v);
        else if (!strcmp(a, "--linger-ms"))
            opt.linger_ms = atoi(v);
        else if (!strcmp(a, "--acks"))
            opt.acks = v;
        else if (!strcmp(a, "--warmup"))
            opt.warmup = atoi(v);
        else if (!strcmp(a, "--ssl-ca"))
            opt.ssl_ca = v;
        else if (!strcmp(a, "--port-map")) {
            char *copy = strdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t && opt.nmap < MAX_MAP; t = strtok_r(NULL, ",", &save))
                if (sscanf(t, "%d=%d", &opt.map_from[opt.nmap], &opt.map_to[opt.nmap]) == 2)
                    opt.nmap++;
            free(copy);
        } else
            usage();
    }
    if (!opt.bootstrap || !opt.topic || opt.value_size < 1)
        usage();
    if (opt.count < 0)
        opt.count = latency ? 2000 : 300000;

    char num[32], err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", opt.bootstrap);
    set(c, "client.id", "kchaos-bench-rdkafka");
    set(c, "acks", opt.acks);
    snprintf(num, sizeof(num), "%d", latency ? 0 : opt.linger_ms);
    set(c, "linger.ms", num);
    set(c, "message.timeout.ms", "120000");
    if (opt.ssl_ca) {
        set(c, "security.protocol", "ssl");
        set(c, "ssl.ca.location", opt.ssl_ca);
        /* Over TLS librdkafka 2.0.2 writes a request as two TLS records; with Nagle on, the second
         * waits for the peer's delayed ACK: 44 ms per synchronous send whatever the proxy. */
        set(c, "socket.nagle.disable", "true");
    }
    rd_kafka_conf_set_connect_cb(c, connect_cb);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdkafka_bench: %s\n", err);
        return 1;
    }
    val = malloc((size_t)opt.value_size);
    memset(val, 'x', (size_t)opt.value_size);

    send_sync(rk, -1); /* metadata known, connection up */
    if (st.failed) {
        printf("{\"client\":\"librdkafka %s\",\"mode\":\"%s\",\"error\":\"first record: %s\"}\n",
               rd_kafka_version_str(), argv[1], st.first_error);
        rd_kafka_destroy(rk);
        return 1;
    }
    st.acked = 0;

    if (latency) {
        for (long i = 0; i < opt.warmup; i++)
            send_sync(rk, i);
        st.acked = st.failed = 0;
        double *lat = malloc(sizeof(double) * (size_t)(opt.count > 0 ? opt.count : 1));
        double t0 = now_s();
        for (long i = 0; i < opt.count; i++)
            lat[i] = send_sync(rk, i) * 1e3;
        double secs = now_s() - t0;
        qsort(lat, (size_t)opt.count, sizeof(double), cmp_double);
        printf("{\"client\":\"librdkafka %s\",\"mode\":\"latency\",\"count\":%d,\"acked\":%ld,"
               "\"failed\":%ld,\"error\":\"%s\",\"seconds\":%.4f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
               "\"max_ms\":%.4f}\n",
               rd_kafka_version_str(), opt.count, st.acked, st.failed, st.first_error, secs,
               pct(lat, opt.count, 0.50), pct(lat, opt.count, 0.99), lat[opt.count - 1]);
        free(lat);
    } else {
        double t0 = now_s();
        for (long i = 0; i < opt.count; i++) {
            produce_one(rk, i);
            rd_kafka_poll(rk, 0);
        }
        rd_kafka_flush(rk, 150000);
        double secs = now_s() - t0;
        long bytes = (long)opt.count * opt.value_size;
        printf("{\"client\":\"librdkafka %s\",\"mode\":\"throughput\",\"count\":%d,\"acked\":%ld,"
               "\"failed\":%ld,\"error\":\"%s\",\"seconds\":%.4f,\"records_per_s\":%.1f,"
               "\"mb_per_s\":%.3f}\n",
               rd_kafka_version_str(), opt.count, st.acked, st.failed, st.first_error, secs,
               opt.count / secs, bytes / secs / 1e6);
    }
    free(val);
    rd_kafka_destroy(rk);
    return st.failed ? 1 : 0;
}
