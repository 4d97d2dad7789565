/* Recording what the brokers answered (issue 16), on a timeline of 1 s windows, to be exported
 * as a scenario (export.h) and replayed anywhere.
 *
 * One recording per process at a time. Every loop feeds it from its response path (the broker's
 * own answer, before any fault) and from its connections (connects that failed, resets by the
 * broker). While no recording runs a feed costs one relaxed atomic load and nothing else; while
 * one runs, a feed takes the recorder's mutex once per response (decoding happens outside it).
 * A mutex rather than per-loop shards: the windows are sparse, a feed is a few hash look-ups,
 * and with the default single loop it is never contended. Measured under load (bench/README.md,
 * path kchaos-record, mock): ~160 ns per 3-partition Produce response (bench_micro), ~2,000
 * responses per GB, so ~0.1 % of kchaos's CPU per GB; perf puts the recorder at ~0.4 % of
 * kchaos's samples. The budget is 5 % of throughput; whole-process runs here (±25 %
 * noise between runs) show no difference beyond their noise.
 *
 * Memory is bounded: at most KC_REC_MAX_WINDOWS windows (then the recording stops by itself,
 * state "full"), KC_REC_MAX_SERIES series (a broker, topic and partition; a client; a broker),
 * KC_REC_MAX_CELLS (window, series, code) counters, KC_REC_MAX_HISTS latency histograms and
 * KC_REC_MAX_NAME_BYTES of names, KC_REC_LEADERS_MAX partitions' leaders followed (leaders.h):
 * KC_REC_MAX_BYTES (15.9 MiB) in all, by the capacities of its
 * arrays (kc_recorder_bytes; test_record's 6 h run on a fake clock checks it against the heap).
 * Past a cap new series or cells are not kept and counted as dropped (the export says so in its
 * header); what is already kept goes on counting. Nothing of the records' contents is kept. */
#ifndef KC_RECORD_RECORDER_H
#define KC_RECORD_RECORDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/hist.h"
#include "record/leaders.h"
#include "route/topics.h"
#include "util/buf.h"

#define KC_REC_WINDOW_NS 1000000000ull /* the resolution: 1 s */
#define KC_REC_MAX_WINDOWS 21600u      /* 6 h */
#define KC_REC_MAX_SERIES 4096u
#define KC_REC_MAX_CELLS 262144u       /* 32 bytes each (+ 8 of index): 10 MiB at most */
#define KC_REC_MAX_HISTS 8192u         /* 544 bytes each: 4.3 MiB at most */
#define KC_REC_MAX_NAME_BYTES (1u << 20) /* all names together: a client id may be 32 KiB */

typedef enum kc_rec_kind {
    KC_REC_PRODUCE,    /* node, topic, partition. code 0: a = partition results; else a = those with
                          code */
    KC_REC_THROTTLE,   /* client id. a = responses with throttle_time_ms > 0, b = their sum (ms) */
    KC_REC_LATENCY,    /* node. a = Produce responses; hist = the broker leg's histogram */
    KC_REC_LEADERLESS, /* topic, partition. a = Metadata responses showing it leaderless */
    KC_REC_LEADER,     /* topic, partition, node = its new leader. code = the leader before
                        * (-1 when not an int16); a = moves seen (leaders.h: each once) */
    KC_REC_CLIENT_ERROR, /* name = topic KC_REC_SEP client id, partition, code: a = the
                          * client's partition results with that code (only errors: the
                          * KC_REC_PRODUCE counts stay the partition's) */
    KC_REC_CONNECT,    /* node. code 0: a = connects that failed; code 1: a = connections the broker
                        * reset or closed under a client still there */
} kc_rec_kind_t;

/* Between a topic and a client id in one series name: no topic name holds it (Kafka allows
 * [a-zA-Z0-9._-] only), so the first one splits them. */
#define KC_REC_SEP '\x1f'
#define KC_REC_CLIENT_MAX 1024 /* bytes of a client id kept in such a name */

typedef struct kc_rec_series {
    kc_rec_kind_t kind;
    int32_t node;      /* -1 when the kind has none (a bootstrap connection is -1 too) */
    int32_t partition; /* -1 when the kind has none */
    char *name;        /* topic or client id; owned; "" when the kind has none */
} kc_rec_series_t;

typedef struct kc_rec_cell {
    uint32_t window;
    uint32_t series;
    int16_t code;
    int32_t hist;      /* KC_REC_LATENCY: index into hists; else -1 */
    uint64_t a, b;
} kc_rec_cell_t;

/* A recording's figures; the recorder's own store, and what a snapshot copies out (cells then
 * sorted by series, code, window). A unit test may build one by hand. */
typedef struct kc_record_data {
    uint32_t nwindows; /* windows the recording covered (the last one may be partial) */
    kc_rec_series_t *series;
    uint32_t nseries, series_cap;
    kc_rec_cell_t *cells;
    uint32_t ncells, cells_cap;
    kc_hist_t *hists;
    uint32_t nhists, hists_cap;
    size_t name_bytes; /* the series' names, strlen + 1 each */
    uint64_t dropped_series, dropped_cells, dropped_hists;
    /* Look-up indexes (open addressing, entry = position + 1, 0 empty); NULL once sealed. */
    uint32_t *sidx, sidx_cap, *cidx, cidx_cap;
} kc_record_data_t;

/* What a store may hold at most (kc_record_data_bytes): every array at its cap, each index at
 * twice its array's cap (4-byte entries), the names at theirs, and the leaders followed
 * (leaders.h). 15.9 MiB. */
#define KC_REC_MAX_BYTES                                                                           \
    ((size_t)KC_REC_MAX_SERIES * (sizeof(kc_rec_series_t) + 2 * sizeof(uint32_t)) +                \
     KC_REC_MAX_NAME_BYTES +                                                                       \
     (size_t)KC_REC_MAX_CELLS * (sizeof(kc_rec_cell_t) + 2 * sizeof(uint32_t)) +                   \
     (size_t)KC_REC_MAX_HISTS * sizeof(kc_hist_t) + KC_REC_LEADERS_BYTES)

typedef enum kc_rec_state { KC_REC_IDLE, KC_REC_RUNNING, KC_REC_DONE, KC_REC_FULL } kc_rec_state_t;

typedef struct kc_record_opts {
    uint64_t for_ns;  /* 0: until stopped (or the window cap) */
    char client[128]; /* glob over the client id; "" any */
    char topic[256];  /* glob over the topic; "" any */
} kc_record_opts_t;

typedef struct kc_recorder kc_recorder_t;

kc_recorder_t *kc_recorder_new(void);
void kc_recorder_free(kc_recorder_t *r);
/* Start a recording (the previous one, finished, is forgotten). 0, or -EBUSY while one runs. */
int kc_recorder_start(kc_recorder_t *r, const kc_record_opts_t *o, uint64_t now);
/* Stop the running one. 0, or -ENOENT when none runs. */
int kc_recorder_stop(kc_recorder_t *r, uint64_t now);
/* The state as JSON ({"state":..,"windows":..,...}), malloc'd. */
char *kc_recorder_json(kc_recorder_t *r, uint64_t now, size_t *len);
/* A copy of the figures, cells sorted (series, code, window); -ENOENT when nothing was ever
 * recorded. Free with kc_record_data_free. */
int kc_recorder_snapshot(kc_recorder_t *r, uint64_t now, kc_record_data_t *out);
void kc_record_data_free(kc_record_data_t *d);
/* When the recording (running or finished) began, on the clock its `now`s came from, so that
 * other timelines (the running scenarios') can be drawn on its windows. 0, or -ENOENT when
 * nothing was ever recorded. */
int kc_recorder_started(kc_recorder_t *r, uint64_t *started);

/* The bytes the recorder's store holds (kc_record_data_bytes), at most KC_REC_MAX_BYTES. */
size_t kc_recorder_bytes(kc_recorder_t *r);

/* Is a recording running? The hot path's only cost when none is. */
bool kc_recorder_on(const kc_recorder_t *r);

/* ---- feeds, from any loop ---- */

/* A response as the broker sent it (msg: the whole message after the size prefix). Produce:
 * partition results, throttle, latency (t_resp - t_sent); Metadata: leaderless partitions and
 * leaders that moved. */
void kc_record_response(kc_recorder_t *r, kc_pool_t *pool, uint64_t now, int32_t node,
                        const char *client_id, int16_t api, int16_t version, const uint8_t *msg,
                        uint32_t len, uint64_t t_sent, kc_topics_t *topics);
typedef enum kc_rec_conn { KC_REC_CONN_FAILED = 0, KC_REC_CONN_RESET = 1 } kc_rec_conn_t;
void kc_record_conn(kc_recorder_t *r, uint64_t now, int32_t node, kc_rec_conn_t what);

/* The store itself (recorder.c), for tests and synthetic recordings: add to one cell. Returns
 * the cell, or NULL past a cap (counted as dropped). */
kc_rec_cell_t *kc_record_data_add(kc_record_data_t *d, uint32_t window, kc_rec_kind_t kind,
                                  int32_t node, int32_t partition, const char *name, int16_t code,
                                  uint64_t a, uint64_t b);
/* The same for a latency sample (ns) of a broker. */
void kc_record_data_latency(kc_record_data_t *d, uint32_t window, int32_t node, uint64_t ns);
/* The bytes d holds: the capacities of its arrays and indexes, and its names. */
size_t kc_record_data_bytes(const kc_record_data_t *d);
/* Sort the cells (series, code, window) and drop the look-up index: a snapshot's form. */
void kc_record_data_seal(kc_record_data_t *d);

#endif
