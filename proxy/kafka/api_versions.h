/* ApiVersions (api key 18, v0-5): what each side supports, and where kchaos makes sure no
 * client negotiates a version it cannot read. */
#ifndef KC_KAFKA_API_VERSIONS_H
#define KC_KAFKA_API_VERSIONS_H

#include "../util/frame.h"
#include "wire.h"

#define KC_ERR_UNSUPPORTED_VERSION 35

/* v3+ requests name the client library (KIP-511). r at the body; absent fields stay null. */
int kc_api_versions_request_parse(kc_rd_t *r, int16_t version, kc_str_t *software_name,
                                  kc_str_t *software_version);

typedef struct kc_api_versions_edit {
    int nclamped;       /* max versions lowered in place */
    int nremoved;       /* api keys removed: unknown, or no version kchaos reads */
    int16_t removed[16]; /* the first of them, for the log */
} kc_api_versions_edit_t;

/* Lower max_version of every API kchaos decodes to what it decodes (a 2-byte patch in msg, so
 * the frame keeps its length and feature tags), and remove api keys kchaos does not know (they
 * might carry addresses) or of which it can read no version: that needs a splice of the
 * api_keys array. r is positioned at the
 * body of msg. Minimum versions are never touched (KAFKA-18659). Error responses pass. */
int kc_api_versions_response_rewrite(uint8_t *msg, kc_rd_t *r, kc_pool_t *pool, kc_splice_t *sp,
                                     kc_api_versions_edit_t *edit);

/* The answer a broker gives to an ApiVersions request newer than it knows (KIP-511): a v0
 * response with UNSUPPORTED_VERSION and the ApiVersions range it does support. Writes the
 * whole frame, size prefix included. */
int kc_api_versions_unsupported(kc_wr_t *w, int32_t correlation_id);

#endif
