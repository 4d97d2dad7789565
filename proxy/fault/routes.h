/* The scenarios over the admin API (on loop 0's admin listener):
 *   GET    /api/v1/scenarios        every scenario, its state and each rule's counts (JSON)
 *   POST   /api/v1/scenarios        start the YAML body (named by its `name`); 201, or 200 when
 *                                   it replaced one of that name
 *   PUT    /api/v1/scenarios/NAME   the same, the body's name must be NAME
 *   DELETE /api/v1/scenarios/NAME   remove one (404 when none has that name)
 *   DELETE /api/v1/scenarios        the kill switch: every fault off at once
 * A scenario that does not check is refused with 400 and its problems, one
 * "<api>:LINE:COLUMN: reason" per line; what runs stays as it was. */
#ifndef KC_FAULT_ROUTES_H
#define KC_FAULT_ROUTES_H

#include "admin/admin.h"
#include "fault/engine.h"

int kc_fault_routes(kc_admin_t *a, kc_faults_t *f);

#endif
