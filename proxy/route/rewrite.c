/* The response rewriter: see rewrite.h. */
#include "rewrite.h"

#include "../kafka/api.h"
#include "../kafka/describe_cluster.h"
#include "../kafka/fetch.h"
#include "../kafka/find_coordinator.h"
#include "../kafka/header.h"
#include "../kafka/metadata.h"
#include "../kafka/produce.h"
#include "../kafka/share.h"

typedef int (*rewrite_fn)(kc_rd_t *r, int16_t version, const kc_addr_map_t *map, kc_pool_t *pool,
                          kc_splice_t *sp);

/* Address-carrying responses, and the first version that carries an address. */
static const struct {
    int16_t api_key, from;
    rewrite_fn fn;
} rewriters[] = {
    {KC_API_PRODUCE, 10, kc_produce_response_rewrite},
    {KC_API_FETCH, 16, kc_fetch_response_rewrite},
    {KC_API_METADATA, 0, kc_metadata_response_rewrite},
    {KC_API_FIND_COORDINATOR, 0, kc_find_coordinator_response_rewrite},
    {KC_API_DESCRIBE_CLUSTER, 0, kc_describe_cluster_response_rewrite},
    {KC_API_SHARE_FETCH, 0, kc_share_fetch_response_rewrite},
    {KC_API_SHARE_ACKNOWLEDGE, 0, kc_share_acknowledge_response_rewrite},
};

static rewrite_fn find(int16_t api_key, int16_t version)
{
    for (size_t i = 0; i < sizeof(rewriters) / sizeof(rewriters[0]); i++)
        if (rewriters[i].api_key == api_key)
            return version >= rewriters[i].from ? rewriters[i].fn : NULL;
    return NULL;
}

bool kc_rewrite_wants(int16_t api_key, int16_t api_version)
{
    return api_key == KC_API_API_VERSIONS || find(api_key, api_version) != NULL;
}

/* The route's address map, noting each address handed out. */
typedef struct noting {
    kc_addr_map_t route;
    kc_rewrite_info_t *info;
} noting_t;

static int note_addr(void *ctx, int32_t node_id, kc_str_t host, int32_t port, kc_str_t *out_host,
                     int32_t *out_port)
{
    noting_t *n = ctx;
    int rc = n->route.fn(n->route.ctx, node_id, host, port, out_host, out_port);
    if (rc == 0 && n->info->naddrs < KC_REWRITE_ADDRS) {
        n->info->addrs[n->info->naddrs].node_id = node_id;
        n->info->addrs[n->info->naddrs].port = (uint16_t)*out_port;
    }
    n->info->naddrs += rc == 0;
    return rc;
}

int kc_rewrite_response(kc_route_t *rt, kc_pool_t *pool, int16_t api_key, int16_t api_version,
                        uint8_t *msg, size_t len, kc_splice_t *sp, kc_rewrite_info_t *info)
{
    *sp = (kc_splice_t){0};
    *info = (kc_rewrite_info_t){0};
    if (!kc_rewrite_wants(api_key, api_version))
        return 0;
    const kc_api_t *api = kc_api_get(api_key);
    if (api_version > api->decode_max)
        return -KC_EPROTO; /* ApiVersions clamps this away; a client that ignores it is cut */
    int32_t corr;
    uint32_t body;
    int rc = kc_resp_header_parse(msg, len, api_key, api_version, &corr, &body);
    if (rc)
        return rc;
    kc_rd_t r;
    kc_rd_init(&r, msg, len, kc_api_flexible(api, api_version));
    r.p += body;
    if (api_key == KC_API_API_VERSIONS)
        return kc_api_versions_response_rewrite(msg, &r, pool, sp, &info->api_versions);
    noting_t noting = {kc_route_addr_map(rt), info};
    kc_addr_map_t map = {note_addr, &noting};
    return find(api_key, api_version)(&r, api_version, &map, pool, sp);
}
