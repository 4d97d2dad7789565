/* Fuzz kc_req_header_parse (proxy/kafka/header.c): any bytes as a request message. */
#include "kafka/api.h"
#include "kafka/header.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *m = fuzz_copy(data, size);
    kc_req_header_t h;
    int rc = kc_req_header_parse(m, size, &h);
    if (rc) {
        CHECK(rc == -KC_EPROTO);
        CHECK(h.body_off == 0);
        free(m);
        return 0;
    }
    CHECK(size >= KC_REQ_HEADER_MIN);
    /* The fixed fields are what the bytes say, in every version. */
    CHECK(h.api_key == (int16_t)kc_be16(m));
    CHECK(h.api_version == (int16_t)kc_be16(m + 2));
    CHECK(h.correlation_id == (int32_t)kc_be32(m + 4));
    CHECK(h.client_id.len >= -1);
    if (h.client_id.len >= 0) CHECK(in_range(h.client_id.p, (size_t)h.client_id.len, m, size));
    CHECK(h.body_off <= size);
    int hv = kc_api_request_header_version(h.api_key, h.api_version);
    if (!kc_api_get(h.api_key)) {
        CHECK(h.body_off == 0); /* unknown api: the body offset is unknown */
    } else if (hv == 0) {
        CHECK(h.client_id.len == -1 && h.body_off == 8);
    } else if (hv == 1) {
        CHECK(h.body_off == 10 + (uint32_t)(h.client_id.len > 0 ? h.client_id.len : 0));
    } else {
        CHECK(h.body_off >= 11 + (uint32_t)(h.client_id.len > 0 ? h.client_id.len : 0));
    }
    free(m);
    return 0;
}
