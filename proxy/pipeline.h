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
/* Stage: observe a request's outcome as it leaves (its response, or none for acks=0), just
 * before it is popped (the session's pump calls this). */
void kc_pipeline_delivered(kc_session_t *s, kc_inflight_t *e);
/* From a decide stage: answer the Produce request of entry e (still HELD, its frame the
 * request) here, every partition with `error`, encoded for its exact version. The request goes
 * no further. 0, or a negative code (the request could not be read, or memory ran out). */
int kc_pipeline_answer_produce(kc_session_t *s, kc_inflight_t *e, int16_t error);
/* From a decide stage: entry e (still HELD) is never forwarded; it is never answered either
 * (acks=0: simply gone), like a request a broker lost. */
void kc_pipeline_drop(kc_session_t *s, kc_inflight_t *e);

#endif
