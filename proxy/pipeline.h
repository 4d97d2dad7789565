/* The pipeline: what happens to every frame, in order, in one place.
 *
 * Request path (client -> broker):
 *   frame -> header -> version check -> request decode -> in-flight entry -> forward
 * Response path (broker -> client):
 *   frame -> match the in-flight head -> rewrite (addresses, ApiVersions) -> in-order delivery
 *
 * Produce metrics and fault injection become stages here (observe after the in-flight entry
 * and after the rewrite; decide before forwarding and before delivery). Each function takes
 * ownership of the frame. On a protocol error it closes the pair, saying why, and returns a
 * negative code so the reader stops. */
#ifndef KC_PIPELINE_H
#define KC_PIPELINE_H

#include "net/conn.h"

int kc_pipeline_request(kc_conn_t *c, kc_frame_t *f);
int kc_pipeline_response(kc_conn_t *c, kc_frame_t *f);

#endif
