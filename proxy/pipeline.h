/* The pipeline: what happens to every frame, in order, in one place.
 *
 * Request path (client -> broker):
 *   frame -> header -> version check -> request decode -> in-flight entry -> decide -> forward
 * Response path (broker -> client):
 *   frame -> match the in-flight entry -> rewrite (addresses, ApiVersions) -> merge local
 *   results -> decide -> in-order delivery
 *
 * "Decide" is the fault stage (kc_pipe_env_t.decide_*; nothing yet decides but tests), and
 * produce metrics will observe after the in-flight entry and after the rewrite. Each function
 * takes ownership of the frame; the session then forwards and delivers what may go
 * (kc_session_pump). On a protocol error the pair is closed, saying why, and a negative code
 * comes back so the reader stops. */
#ifndef KC_PIPELINE_H
#define KC_PIPELINE_H

#include "session.h"

int kc_pipeline_request(kc_session_t *s, kc_frame_t *f);
int kc_pipeline_response(kc_session_t *s, kc_frame_t *f);

#endif
