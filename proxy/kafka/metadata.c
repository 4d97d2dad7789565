/* MetadataResponse (MetadataResponse.json, v0-13, flexible 9+): brokers come second, after
 * throttle_time_ms (v3+), so the rewrite touches only the front of the message. */
#include "metadata.h"

#include <string.h>

static void broker_rest(kc_rd_t *r, int16_t v)
{
    if (v >= 1)
        kc_rd_str(r); /* rack */
    kc_rd_tags_skip(r);
}

int kc_metadata_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                 kc_pool_t *pool, kc_splice_t *sp)
{
    if (v >= 3)
        kc_rd_i32(r); /* throttle_time_ms */
    size_t from = kc_rd_off(r);
    kc_wr_t w;
    kc_wr_init(&w, pool, 1024, r->flex);
    int rc = kc_endpoint_array_copy(r, &w, v, broker_rest, map);
    return kc_endpoint_finish(r, &w, from, rc, sp);
}

int kc_metadata_request_brokers(kc_wr_t *w, int32_t correlation_id, const char *client_id)
{
    size_t at = w->len;
    kc_wr_i32(w, 0); /* size, patched below */
    kc_wr_i16(w, 3); /* Metadata */
    kc_wr_i16(w, 1);
    kc_wr_i32(w, correlation_id);
    kc_wr_str(w, (kc_str_t){client_id, (int32_t)strlen(client_id)});
    kc_wr_array(w, 0); /* v1+: an empty array asks for no topics */
    if (!w->err)
        kc_put_be32(w->buf->data + at, (uint32_t)(w->len - at - 4));
    return w->err;
}
