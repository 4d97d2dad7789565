/* kchaos top: the clients of a running kchaos, refreshed every --interval-ms. On a terminal an
 * ncurses view (sort keys, a filter, q or Ctrl-C to quit with the terminal restored); otherwise,
 * or with --once, the same table printed as plain text every interval (--once: one table, one
 * interval after the first read). Exit 0; 1 when the admin API cannot be
 * reached at start; 2 for a usage error. */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "admin_client.h"
#include "cli.h"
#include "clients.h"
#include "table.h"

typedef struct top {
    kc_admin_target_t admin;
    const char *addr;
    long interval_ms;
    kc_col_t sort;
    char filter[128];
    bool once, utf8;
    kc_cli_clients_t data; /* the last good answer */
    char err[600];         /* the last failure, empty after a good answer */
    time_t fetched;
    struct timespec at;    /* when data was read */
} top_t;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double secs_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* kchaos's rates are over its own 10 s window, so a new producer shows none for 10 s; once top
 * has read a client twice, its rates are the counters' change since the last refresh. A counter
 * that went down (the client's series expired and came back) keeps kchaos's figure. */
static void own_rates(const kc_cli_clients_t *prev, kc_cli_clients_t *cur, double secs)
{
    if (secs < 0.1)
        return;
    for (size_t i = 0; i < cur->n; i++) {
        kc_cli_client_t *c = &cur->v[i];
        for (size_t j = 0; j < prev->n; j++) {
            const kc_cli_client_t *p = &prev->v[j];
            if (strcmp(p->client_id, c->client_id) || strcmp(p->host, c->host))
                continue;
            if (c->records < p->records || c->bytes < p->bytes || c->errors < p->errors ||
                c->retries < p->retries)
                break;
            c->records_per_s = (double)(c->records - p->records) / secs;
            c->bytes_per_s = (double)(c->bytes - p->bytes) / secs;
            c->errors_per_s = (double)(c->errors - p->errors) / secs;
            c->retries_per_s = (double)(c->retries - p->retries) / secs;
            break;
        }
    }
}

static int fetch(top_t *t)
{
    char *body = NULL;
    kc_cli_clients_t fresh;
    if (kc_admin_get(&t->admin, "/api/v1/clients", &body, t->err, sizeof(t->err)))
        return -1;
    int rc = kc_cli_clients_parse(body, &fresh, t->err, sizeof(t->err));
    free(body);
    if (rc)
        return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t->data.v)
        own_rates(&t->data, &fresh, secs_between(&t->at, &now));
    t->at = now;
    kc_cli_clients_free(&t->data);
    t->data = fresh;
    t->err[0] = 0;
    t->fetched = time(NULL);
    return 0;
}

static void title(const top_t *t, size_t shown, char *out, size_t n)
{
    char when[16];
    strftime(when, sizeof(when), "%H:%M:%S", localtime(&t->fetched));
    snprintf(out, n, "kchaos top  %s  %zu of %zu clients  sort %s  filter %s  %s", t->addr, shown,
             t->data.n, kc_cols[t->sort].name, t->filter[0] ? t->filter : "*", when);
}

/* "A1 acks_1  RR reordering_retries": the flags on screen, spelled out once. */
static void legend(const top_t *t, const size_t *idx, size_t n, char *out, size_t len)
{
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const kc_cli_client_t *c = &t->data.v[idx[i]];
        for (int r = 0; r < c->nrisks; r++) {
            char item[64];
            snprintf(item, sizeof(item), "%s %s", kc_risk_abbrev(c->risks[r]), c->risks[r]);
            if (strstr(out, item))
                continue;
            size_t k = strlen(out);
            snprintf(out + k, len - k, "%s%s", k ? "  " : "risk: ", item);
        }
    }
}

/* ---- plain text ---- */

static void print_table(const top_t *t)
{
    size_t *idx = malloc((t->data.n ? t->data.n : 1) * sizeof(*idx));
    if (!idx)
        return;
    size_t n = kc_table_select(&t->data, t->filter, t->sort, idx);
    char line[KC_ROW_MAX];
    title(t, n, line, sizeof(line));
    printf("%s\n", line);
    kc_table_header(line, sizeof(line));
    printf("%s\n", line);
    for (size_t i = 0; i < n; i++) {
        kc_table_row(&t->data.v[idx[i]], t->utf8, line, sizeof(line));
        printf("%s\n", line);
    }
    char leg[512];
    legend(t, idx, n, leg, sizeof(leg));
    if (leg[0])
        printf("%s\n", leg);
    fflush(stdout);
    free(idx);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (!stop && nanosleep(&ts, &ts) == -1)
        ; /* a signal: stop is checked by the loop */
}

/* Every table comes one interval after a read, so its rates are top's own over that interval
 * (a producer younger than kchaos's 10 s window would show none otherwise); --once too. */
static int run_plain(top_t *t)
{
    for (;;) {
        sleep_ms(t->interval_ms);
        if (stop)
            return 0;
        if (fetch(t))
            fprintf(stderr, "kchaos top: %s\n", t->err);
        print_table(t);
        if (t->once)
            return 0;
        printf("\n");
    }
}

/* ---- the live view ---- */

static void draw(const top_t *t)
{
    erase();
    size_t *idx = malloc((t->data.n ? t->data.n : 1) * sizeof(*idx));
    if (!idx)
        return;
    size_t n = kc_table_select(&t->data, t->filter, t->sort, idx);
    char line[KC_ROW_MAX];
    title(t, n, line, sizeof(line));
    mvaddnstr(0, 0, line, COLS);
    if (t->err[0]) {
        char eline[700];
        attron(A_BOLD);
        snprintf(eline, sizeof(eline), "admin API: %s (figures as of the last answer)", t->err);
        mvaddnstr(LINES - 3 > 2 ? LINES - 3 : 2, 0, eline, COLS);
        attroff(A_BOLD);
    }
    kc_table_header(line, sizeof(line));
    attron(A_REVERSE);
    mvaddnstr(1, 0, line, COLS);
    attroff(A_REVERSE);
    int rows = LINES - 5; /* title, header, error, legend, keys */
    for (size_t i = 0; i < n && (int)i < rows; i++) {
        const kc_cli_client_t *c = &t->data.v[idx[i]];
        /* a producer with something to look at stands out: a risk flag, a failure, retries */
        int loud = c->nrisks || c->req_fatal || c->delivery_failures || c->errors_per_s > 0;
        kc_table_row(c, t->utf8, line, sizeof(line));
        if (loud)
            attron(A_BOLD);
        mvaddstr(2 + (int)i, 0, line);
        if (loud)
            attroff(A_BOLD);
    }
    if (n == 0)
        mvaddstr(2, 0, t->data.n ? "(no client matches the filter)" : "(no producer seen yet)");
    char leg[512];
    legend(t, idx, n, leg, sizeof(leg));
    mvaddnstr(LINES - 2, 0, leg, COLS);
    mvaddnstr(LINES - 1, 0,
              "q quit  / filter  sort: arrows, or c h r m p l t e y k (the columns in order)",
              COLS);
    refresh();
    free(idx);
}

static void ask_filter(top_t *t)
{
    char buf[sizeof(t->filter)] = "";
    move(LINES - 1, 0);
    clrtoeol();
    addstr("filter (glob on client id, empty for all): ");
    echo();
    curs_set(1);
    timeout(-1);
    if (getnstr(buf, sizeof(buf) - 1) == OK && !stop)
        snprintf(t->filter, sizeof(t->filter), "%s", buf);
    noecho();
    curs_set(0);
}

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static int run_live(top_t *t)
{
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    struct timespec last;
    clock_gettime(CLOCK_MONOTONIC, &last);
    while (!stop) {
        long wait = t->interval_ms - ms_since(&last);
        if (wait <= 0) {
            fetch(t);
            clock_gettime(CLOCK_MONOTONIC, &last);
            wait = t->interval_ms;
        }
        draw(t);
        timeout((int)wait);
        int ch = getch();
        if (ch == ERR || ch == KEY_RESIZE)
            continue;
        if (ch == 'q' || ch == 'Q' || ch == 3 /* Ctrl-C read as a key */)
            break;
        if (ch == '/')
            ask_filter(t);
        else if (ch == KEY_RIGHT)
            t->sort = (kc_col_t)((t->sort + 1) % KC_COLS);
        else if (ch == KEY_LEFT)
            t->sort = (kc_col_t)((t->sort + KC_COLS - 1) % KC_COLS);
        else if (kc_col_by_key(ch) >= 0)
            t->sort = (kc_col_t)kc_col_by_key(ch);
    }
    endwin();
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: kchaos top --admin ADDR [--admin-token FILE] [--interval-ms N (1000)]\n"
               "                  [--sort COLUMN] [--filter GLOB] [--once]\n"
               "--once, or stdout not a terminal: plain tables, each one interval after a read\n"
               "columns: client host records mbps p50 p99 throttle errors retries risk\n");
}

int kc_cli_top_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"admin", required_argument, 0, 'a'},  {"admin-token", required_argument, 0, 'T'},
        {"interval-ms", required_argument, 0, 'i'}, {"sort", required_argument, 0, 's'},
        {"filter", required_argument, 0, 'f'}, {"once", no_argument, 0, '1'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    top_t t = {.interval_ms = 1000, .sort = KC_COL_RECORDS};
    const char *token = NULL;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a':
            t.addr = optarg;
            break;
        case 'T':
            token = optarg;
            break;
        case 'i':
            t.interval_ms = strtol(optarg, NULL, 10);
            if (t.interval_ms < 100 || t.interval_ms > 3600000) {
                fprintf(stderr, "kchaos top: --interval-ms: 100 to 3600000\n");
                return 2;
            }
            break;
        case 's':
            if (kc_col_by_name(optarg) < 0) {
                fprintf(stderr, "kchaos top: --sort: no column %s\n", optarg);
                usage(stderr);
                return 2;
            }
            t.sort = (kc_col_t)kc_col_by_name(optarg);
            break;
        case 'f':
            snprintf(t.filter, sizeof(t.filter), "%s", optarg);
            break;
        case '1':
            t.once = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kchaos top: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    if (kc_admin_target_init(&t.admin, t.addr, token, 3000, t.err, sizeof(t.err))) {
        fprintf(stderr, "kchaos top: %s\n", t.err);
        return 2;
    }
    setlocale(LC_ALL, "");
    t.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
    /* Ours before initscr: ncurses then leaves SIGINT and SIGTERM to us, and the loop ends
     * through endwin(), so the terminal is restored. No SA_RESTART: a wait ends early. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (fetch(&t)) {
        fprintf(stderr, "kchaos top: cannot read the admin API: %s\n", t.err);
        return 1;
    }
    int rc = (!t.once && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) ? run_live(&t)
                                                                         : run_plain(&t);
    kc_cli_clients_free(&t.data);
    return rc;
}
