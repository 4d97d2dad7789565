/* Request and response headers (RequestHeader.json v0-2, ResponseHeader.json v0-1). */
#ifndef KC_KAFKA_HEADER_H
#define KC_KAFKA_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct kc_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    kc_str_t client_id; /* points into the message; len -1 when null or absent */
    uint32_t body_off;  /* where the body starts; 0 when unknown (api key not in the table) */
} kc_req_header_t;

/* Parse the header of a request message (the bytes after the size prefix). The fields up to
 * client_id have a fixed encoding in every version, so routing never needs the version table;
 * only the trailing tagged section of header v2 does. Returns 0 or -KC_EPROTO. */
int kc_req_header_parse(const uint8_t *msg, size_t len, kc_req_header_t *h);

/* Parse a response header for the request it answers: correlation id and body offset. */
int kc_resp_header_parse(const uint8_t *msg, size_t len, int16_t api_key, int16_t api_version,
                         int32_t *correlation_id, uint32_t *body_off);

/* Write the response header for a request of api_key/api_version: the correlation id, then for
 * header v1 (flexible versions) an empty tagged section. */
void kc_resp_header_write(kc_wr_t *w, int16_t api_key, int16_t api_version, int32_t correlation_id);

/* Smallest valid request message: api_key, api_version, correlation_id. */
#define KC_REQ_HEADER_MIN 8

#endif
