/* Connection admission for the whole process: --max-connections and
 * --max-connections-per-host count every event loop's clients together (with --threads N the
 * kernel spreads one host's connections over the loops, so per-loop counts would be neither
 * here nor there). Taken once per accept and once per close, under a mutex: never on the
 * path frames take. */
#ifndef KC_NET_LIMITS_H
#define KC_NET_LIMITS_H

#include <stdint.h>
#include <uv.h>

typedef struct kc_host_count {
    char ip[48]; /* "": never used */
    uint32_t n;  /* 0 with an ip: a free slot that lookups pass over */
} kc_host_count_t;

typedef struct kc_conn_limits {
    uv_mutex_t lock;
    uint32_t max_total, max_per_host; /* max_per_host 0: no limit, no table */
    uint32_t total;
    kc_host_count_t *hosts;           /* open addressing, under half full */
    uint32_t mask, used;              /* used: slots with an ip, free ones included */
} kc_conn_limits_t;

enum { KC_ADMIT_OK = 0, KC_ADMIT_TOTAL = 1, KC_ADMIT_HOST = 2 };

int kc_limits_init(kc_conn_limits_t *l, uint32_t max_total, uint32_t max_per_host);
void kc_limits_free(kc_conn_limits_t *l);
/* One more connection from ip: KC_ADMIT_OK (counted), or which limit refuses it, with the
 * count that stands in its way in *open. */
int kc_limits_admit(kc_conn_limits_t *l, const char *ip, uint32_t *open);
/* An admitted connection closed. */
void kc_limits_release(kc_conn_limits_t *l, const char *ip);

#endif
