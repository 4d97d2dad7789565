/* Request and response headers: see header.h. The header version rule lives in api.c. */
#include "header.h"

#include "api.h"

int kc_req_header_parse(const uint8_t *msg, size_t len, kc_req_header_t *h)
{
    kc_rd_t r;
    kc_rd_init(&r, msg, len, false);
    h->api_key = kc_rd_i16(&r);
    h->api_version = kc_rd_i16(&r);
    h->correlation_id = kc_rd_i32(&r);
    h->client_id = (kc_str_t){NULL, -1};
    h->body_off = 0;
    if (r.err)
        return r.err;
    int hv = kc_api_request_header_version(h->api_key, h->api_version);
    if (hv >= 1)
        h->client_id = kc_rd_str16(&r); /* never compact: flexibleVersions "none" */
    if (!kc_api_get(h->api_key))
        return r.err; /* unknown api: we can't tell whether a tagged section follows */
    if (hv >= 2) {
        r.flex = true;
        kc_rd_tags_skip(&r);
    }
    if (r.err)
        return r.err;
    h->body_off = (uint32_t)kc_rd_off(&r);
    return 0;
}

int kc_resp_header_parse(const uint8_t *msg, size_t len, int16_t api_key, int16_t api_version,
                         int32_t *correlation_id, uint32_t *body_off)
{
    kc_rd_t r;
    kc_rd_init(&r, msg, len, false);
    *correlation_id = kc_rd_i32(&r);
    if (kc_api_response_header_version(api_key, api_version) >= 1) {
        r.flex = true;
        kc_rd_tags_skip(&r);
    }
    *body_off = (uint32_t)kc_rd_off(&r);
    return r.err;
}

void kc_resp_header_write(kc_wr_t *w, int16_t api_key, int16_t api_version, int32_t correlation_id)
{
    kc_wr_i32(w, correlation_id);
    if (kc_api_response_header_version(api_key, api_version) >= 1)
        kc_wr_uvarint(w, 0); /* header tags: always compact, whatever w->flex says */
}
