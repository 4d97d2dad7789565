/* FindCoordinatorResponse (FindCoordinatorResponse.json, v0-6, flexible 3+). v0-3 answer one
 * key with one node; v4+ (KIP-699) batch keys into a coordinators array. */
#include "find_coordinator.h"

int kc_find_coordinator_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                         kc_pool_t *pool, kc_splice_t *sp)
{
    if (v >= 1)
        kc_rd_i32(r); /* throttle_time_ms */
    if (v < 4) {
        kc_rd_i16(r); /* error_code */
        if (v >= 1)
            kc_rd_str(r); /* error_message */
    }
    size_t from = kc_rd_off(r);
    kc_wr_t w;
    kc_wr_init(&w, pool, 512, r->flex);
    int rc = 0;
    if (v < 4) {
        rc = kc_endpoint_copy(r, &w, map);
    } else {
        /* Smallest element: key, node_id, host, port, error_code, error_message, tags:
         * 1 + 4 + 1 + 4 + 2 + 1 + 1 = 14 (v4+ is always compact). It said 15, which refused
         * valid arrays of minimal elements (empty key and host, null message). */
        int32_t n = kc_rd_array(r, 14);
        kc_wr_array(&w, n);
        for (int32_t i = 0; i < n && !r->err && !rc; i++) {
            const uint8_t *p = r->p;
            kc_rd_str(r); /* key */
            kc_wr_raw(&w, p, (size_t)(r->p - p));
            rc = kc_endpoint_copy(r, &w, map);
            p = r->p;
            kc_rd_i16(r); /* error_code */
            kc_rd_str(r); /* error_message */
            kc_rd_tags_skip(r);
            kc_wr_raw(&w, p, (size_t)(r->p - p));
        }
    }
    return kc_endpoint_finish(r, &w, from, rc, sp);
}
