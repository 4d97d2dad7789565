/* The response rewriter: one entry point that makes a broker's response safe to hand to a
 * client. Broker addresses become kchaos's (Metadata, FindCoordinator, DescribeCluster, the
 * KIP-951 node_endpoints of Produce, Fetch, ShareFetch, ShareAcknowledge) and ApiVersions is
 * clamped to what kchaos decodes. Every other response passes untouched. */
#ifndef KC_ROUTE_REWRITE_H
#define KC_ROUTE_REWRITE_H

#include "../kafka/api_versions.h"
#include "route.h"

#define KC_REWRITE_ADDRS 8

typedef struct kc_rewrite_info {
    kc_api_versions_edit_t api_versions; /* what the ApiVersions clamp did */
    int naddrs;                          /* broker addresses rewritten */
    struct {
        int32_t node_id;
        uint16_t port; /* the kchaos port handed out instead */
    } addrs[KC_REWRITE_ADDRS];           /* the first of them, for the log */
} kc_rewrite_info_t;

/* True when responses of this api/version are decoded at all. */
bool kc_rewrite_wants(int16_t api_key, int16_t api_version);

/* msg is a whole response message (after the size prefix, header included) answering a request
 * of api_key/api_version. It may be patched in place; a change of length comes back as a
 * splice. Returns 0, or a negative error: the response is malformed, or names a broker that
 * cannot be mapped (it must then not reach the client). */
int kc_rewrite_response(kc_route_t *rt, kc_pool_t *pool, int16_t api_key, int16_t api_version,
                        uint8_t *msg, size_t len, kc_splice_t *sp, kc_rewrite_info_t *info);

#endif
