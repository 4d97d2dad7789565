/* The metrics routes of the admin listener: GET /metrics (Prometheus) and GET /api/v1/clients
 * (JSON). A scrape sums every loop's shard without a lock on the hot path: the request is
 * handed from loop to loop (uv_async), each merging its own shard into one view, then back to
 * the loop that serves the admin port, which renders and answers. */
#ifndef KC_SCRAPE_H
#define KC_SCRAPE_H

#include <stdint.h>
#include <uv.h>

struct kc_proxy;
struct kc_admin;
struct kc_gather;

/* Per loop: its end of the hand-off. */
typedef struct kc_scrape_port {
    uv_async_t async;
    uv_mutex_t lock;
    struct kc_gather *queue; /* gathers waiting for this loop; under lock */
} kc_scrape_port_t;

int kc_scrape_port_init(kc_scrape_port_t *p, uv_loop_t *loop, struct kc_proxy *px);
void kc_scrape_port_close(kc_scrape_port_t *p);

/* Add the routes to the admin listener (on loop 0). all: every loop's proxy, n of them. */
int kc_scrape_routes(struct kc_admin *a, struct kc_proxy **all, uint32_t n);

#endif
