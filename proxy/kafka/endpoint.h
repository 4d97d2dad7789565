/* Broker endpoints inside responses: the (node id, host, port) triples that Metadata,
 * FindCoordinator, DescribeCluster and the KIP-951 node_endpoints hand out. Decoders copy a
 * response region to a writer and call kc_endpoint_copy() at each endpoint, which asks the
 * address map for the address clients must see instead. */
#ifndef KC_KAFKA_ENDPOINT_H
#define KC_KAFKA_ENDPOINT_H

#include <stdint.h>

#include "../util/frame.h"
#include "wire.h"

/* Maps a broker's address to the one clients must use. Returns 0 with the new host and
 * port set, or a negative error when the node cannot be mapped: the response must then not reach
 * the client, or it would learn a real broker address. */
typedef struct kc_addr_map {
    int (*fn)(void *ctx, int32_t node_id, kc_str_t host, int32_t port, kc_str_t *out_host,
              int32_t *out_port);
    void *ctx;
} kc_addr_map_t;

/* Read node_id INT32, host STRING, port INT32 at r; write them to w with the mapped address.
 * Endpoints with a negative node id (no coordinator, unknown leader) are copied unchanged. */
int kc_endpoint_copy(kc_rd_t *r, kc_wr_t *w, const kc_addr_map_t *map);

/* Skips the fields an element has after its port. */
typedef void (*kc_endpoint_rest_fn)(kc_rd_t *r, int16_t version);

/* Rewrite an array whose elements start with node_id, host, port (Metadata brokers,
 * DescribeCluster brokers, node_endpoints): `rest` skips what follows the port in an element.
 * Writes the array, rewritten, to w. */
int kc_endpoint_array_copy(kc_rd_t *r, kc_wr_t *w, int16_t version, kc_endpoint_rest_fn rest,
                           const kc_addr_map_t *map);

/* The element layout of node_endpoints (KIP-951: Produce, Fetch, ShareFetch responses):
 * node_id, host, port, rack, tagged fields. Always flexible. */
void kc_endpoint_skip_rack_tags(kc_rd_t *r, int16_t version);

/* The common tail of every rewriter: turn the writer's copy of the region [from, r->p) into a
 * splice. No splice when rc (or the reader or writer) reports an error, or when the copy is
 * identical to the original. Always consumes the writer. Returns the error, or 0. */
int kc_endpoint_finish(kc_rd_t *r, kc_wr_t *w, size_t from, int rc, kc_splice_t *sp);

/* Rewrite a tagged section in which tag `tag` holds a node_endpoints array (ProduceResponse
 * v10+ and FetchResponse v16+ top level, tag 0). Other tags are copied byte for byte. Fills sp
 * only when the tag is present. */
int kc_endpoint_tags_rewrite(kc_rd_t *r, uint32_t tag, const kc_addr_map_t *map, kc_pool_t *pool,
                             kc_splice_t *sp);

#endif
