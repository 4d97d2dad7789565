/* mock_cluster: librdkafka's mock cluster (rdkafka_mock.h) as a standalone process, for the
 * demo and the fast tests. Prints one READY line with its addresses, then takes commands on a
 * line-based control port, the same shape as the real-Kafka launcher's:
 *
 *   ping | create-topic NAME PARTITIONS RF | broker-down ID | broker-up ID
 *   set-leader TOPIC PARTITION ID | broker-rtt ID MS | push-errors API_KEY CODE[,CODE...]
 *   brokers | shutdown
 *
 * Each answer is one line: "OK ..." or "ERR reason". */
#include <arpa/inet.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 16

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static rd_kafka_mock_cluster_t *mc;
static int nbrokers;

static void usage(void)
{
    fprintf(stderr, "usage: mock_cluster [--brokers N] [--control-port P] "
                    "[--topic NAME:PARTITIONS[:RF]]...\n");
    exit(2);
}

static int create_topic(const char *name, int parts, int rf)
{
    return rd_kafka_mock_topic_create(mc, name, parts, rf) ? -1 : 0;
}

/* Runs one command line; writes the answer into out. Returns 1 for shutdown. */
static int command(char *line, char *out, size_t n)
{
    char *argv[8] = {0};
    int argc = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && argc < 8;
         t = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = t;
    if (argc == 0) {
        snprintf(out, n, "ERR empty command\n");
        return 0;
    }
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    const char *cmd = argv[0];
    if (!strcmp(cmd, "ping")) {
    } else if (!strcmp(cmd, "shutdown")) {
        snprintf(out, n, "OK\n");
        return 1;
    } else if (!strcmp(cmd, "brokers")) {
        snprintf(out, n, "OK %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        return 0;
    } else if (!strcmp(cmd, "create-topic") && argc == 4) {
        err = rd_kafka_mock_topic_create(mc, argv[1], atoi(argv[2]), atoi(argv[3]));
    } else if (!strcmp(cmd, "broker-down") && argc == 2) {
        err = rd_kafka_mock_broker_set_down(mc, atoi(argv[1]));
    } else if (!strcmp(cmd, "broker-up") && argc == 2) {
        err = rd_kafka_mock_broker_set_up(mc, atoi(argv[1]));
    } else if (!strcmp(cmd, "set-leader") && argc == 4) {
        err = rd_kafka_mock_partition_set_leader(mc, argv[1], atoi(argv[2]), atoi(argv[3]));
    } else if (!strcmp(cmd, "broker-rtt") && argc == 3) {
        err = rd_kafka_mock_broker_set_rtt(mc, atoi(argv[1]), atoi(argv[2]));
    } else if (!strcmp(cmd, "push-errors") && argc == 3) {
        rd_kafka_resp_err_t errs[64];
        size_t cnt = 0;
        for (char *save = NULL, *t = strtok_r(argv[2], ",", &save); t && cnt < 64;
             t = strtok_r(NULL, ",", &save))
            errs[cnt++] = (rd_kafka_resp_err_t)atoi(t);
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)atoi(argv[1]), cnt, errs);
    } else {
        snprintf(out, n, "ERR unknown command or wrong arguments: %s\n", cmd);
        return 0;
    }
    if (err)
        snprintf(out, n, "ERR %s\n", rd_kafka_err2str(err));
    else
        snprintf(out, n, "OK\n");
    return 0;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
        fprintf(stderr, "mock_cluster: control port %d: %s\n", port, strerror(errno));
        exit(1);
    }
    socklen_t len = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    return fd;
}

int main(int argc, char **argv)
{
    int control_port = 0;
    nbrokers = 3;
    const char *topics[32];
    int ntopics = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--brokers") && i + 1 < argc)
            nbrokers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--control-port") && i + 1 < argc)
            control_port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--topic") && i + 1 < argc && ntopics < 32)
            topics[ntopics++] = argv[++i];
        else
            usage();
    }
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "mock_cluster: %s\n", errstr);
        return 1;
    }
    mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (!mc) {
        fprintf(stderr, "mock_cluster: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 0; i < ntopics; i++) {
        char name[256];
        int parts = 1, rf = 1;
        snprintf(name, sizeof(name), "%s", topics[i]);
        char *c = strchr(name, ':');
        if (c) {
            *c = 0;
            sscanf(c + 1, "%d:%d", &parts, &rf);
        }
        if (create_topic(name, parts, rf)) {
            fprintf(stderr, "mock_cluster: cannot create topic %s\n", name);
            return 1;
        }
    }
    int lfd = listen_on(control_port);
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    getsockname(lfd, (struct sockaddr *)&sa, &salen);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    /* bootstraps: "127.0.0.1:p1,127.0.0.1:p2,..." in broker id order 1..N. */
    const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
    printf("READY bootstrap=%s control=127.0.0.1:%d brokers=", boot, ntohs(sa.sin_port));
    char *copy = strdup(boot);
    int id = 1;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        printf("%s%d@%s", id > 1 ? "," : "", id, t), id++;
    printf("\n");
    fflush(stdout);
    free(copy);

    struct pollfd pfd[MAX_CLIENTS + 1] = {{.fd = lfd, .events = POLLIN}};
    char bufs[MAX_CLIENTS + 1][1024];
    size_t fill[MAX_CLIENTS + 1] = {0};
    int nfds = 1;
    while (!stop) {
        if (poll(pfd, (nfds_t)nfds, 200) <= 0)
            continue;
        if ((pfd[0].revents & POLLIN) && nfds <= MAX_CLIENTS) {
            int fd = accept(lfd, NULL, NULL);
            if (fd >= 0) {
                pfd[nfds] = (struct pollfd){.fd = fd, .events = POLLIN};
                fill[nfds++] = 0;
            }
        }
        for (int i = 1; i < nfds; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(pfd[i].fd, bufs[i] + fill[i], sizeof(bufs[i]) - 1 - fill[i]);
            if (r <= 0) {
                close(pfd[i].fd);
                pfd[i] = pfd[--nfds];
                memcpy(bufs[i], bufs[nfds], fill[nfds]);
                fill[i] = fill[nfds];
                i--;
                continue;
            }
            fill[i] += (size_t)r;
            bufs[i][fill[i]] = 0;
            char *nl;
            while ((nl = strchr(bufs[i], '\n')) != NULL) {
                *nl = 0;
                char out[1024];
                int quit = command(bufs[i], out, sizeof(out));
                if (write(pfd[i].fd, out, strlen(out)) < 0)
                    break; /* the reader went away; poll reports the hang-up */
                size_t used = (size_t)(nl + 1 - bufs[i]);
                memmove(bufs[i], nl + 1, fill[i] - used + 1);
                fill[i] -= used;
                if (quit)
                    stop = 1;
            }
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
