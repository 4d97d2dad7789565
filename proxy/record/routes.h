/* The recording over the admin API (on loop 0's admin listener):
 *   POST   /api/v1/recordings           start one (201; 409 while one runs). Options in the
 *                                       query (for=60s&client=GLOB&topic=GLOB) or the body, a
 *                                       flat JSON or YAML mapping with the same keys
 *   DELETE /api/v1/recordings           stop it (404 when none runs)
 *   GET    /api/v1/recordings           its state (JSON: state, windows, series, caps, drops)
 *   GET    /api/v1/recordings/scenario  the export as a scenario (YAML); repeatable query keys
 *                                       topic-map=old=new, broker-map=1=2, and name=NAME,
 *                                       from=W&to=W (windows [from, to) only, moved to 0); 404
 *                                       when nothing was recorded, 422 when the recording holds
 *                                       nothing to replay
 *   GET    /api/v1/recordings/timeline  the recording as a timeline (JSON, timeline.h) for the
 *                                       admin page, with the bands of the recording's own rules
 *                                       and of the running scenarios;
 *                                       from=W&to=W: windows [from, to) only; 404 when nothing
 *                                       was recorded */
#ifndef KC_RECORD_ROUTES_H
#define KC_RECORD_ROUTES_H

#include "admin/admin.h"
#include "fault/engine.h"
#include "record/recorder.h"

/* What the routes read: the process's recorder, and its fault engine (NULL: no bands for the
 * running scenarios). The caller owns it and keeps it until the admin listener is gone. */
typedef struct kc_record_api {
    kc_recorder_t *rec;
    kc_faults_t *faults;
} kc_record_api_t;

int kc_record_routes(kc_admin_t *a, kc_record_api_t *api);

#endif
