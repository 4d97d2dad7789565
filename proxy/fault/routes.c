/* The scenarios over the admin API: see routes.h. */
#include "fault/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "util/log.h"
#include "util/sb.h"

#define PREFIX "/api/v1/scenarios/"

static void on_list(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    size_t len = 0;
    char *body = kc_faults_json(ctx, uv_hrtime(), &len);
    kc_admin_reply_json(r, 200, body, len);
}

/* Parse a body; NULL after answering 400 with every problem, one FILE:LINE:COLUMN line each
 * (the file is "<api>": the client knows which file it sent). */
static kc_scenario_t *parse_body(const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse("<api>", req->body, req->body_len, &d);
    if (!sc) {
        kc_sb_t b = {0};
        for (int i = 0; i < d.n; i++)
            kc_sb_printf(&b, "%s\n", d.v[i]);
        size_t len = 0;
        char *text = kc_sb_done(&b, &len);
        if (text)
            kc_admin_reply_send(r, 400, NULL, text, len);
        else
            kc_admin_reply_text(r, 400, "invalid scenario\n");
        for (int i = 0; i < d.n; i++)
            kc_log(KC_LOG_WARN, "admin: scenario refused, the running ones stay: %s", d.v[i]);
    }
    kc_scenario_diags_free(&d);
    return sc;
}

static void start(kc_faults_t *f, kc_scenario_t *sc, kc_admin_reply_t *r)
{
    bool replaced = false;
    kc_sb_t b = {0};
    kc_sb_printf(&b, "{\"applied\":\"");
    kc_sb_str(&b, sc->name, 1);
    kc_faults_put(f, sc, uv_hrtime(), &replaced); /* sc is the engine's from here */
    kc_sb_printf(&b, "\",\"replaced\":%s}\n", replaced ? "true" : "false");
    size_t len = 0;
    char *body = kc_sb_done(&b, &len);
    kc_admin_reply_json(r, replaced ? 200 : 201, body, len);
}

static void on_post(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    kc_scenario_t *sc = parse_body(req, r);
    if (sc)
        start(ctx, sc, r);
}

static void on_put(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    const char *name = req->path + strlen(PREFIX);
    kc_scenario_t *sc = parse_body(req, r);
    if (!sc)
        return;
    if (strcmp(sc->name, name) != 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "<api>: the scenario is named %.64s, the URL says %.64s\n",
                 sc->name, name);
        kc_scenario_free(sc);
        kc_admin_reply_text(r, 400, msg);
        return;
    }
    start(ctx, sc, r);
}

static void on_delete_one(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    const char *name = req->path + strlen(PREFIX);
    if (kc_faults_remove(ctx, name)) {
        kc_admin_reply_text(r, 404, "no such scenario\n");
        return;
    }
    kc_sb_t b = {0};
    kc_sb_printf(&b, "{\"removed\":\"");
    kc_sb_str(&b, name, 1);
    kc_sb_printf(&b, "\"}\n");
    size_t len = 0;
    char *body = kc_sb_done(&b, &len);
    kc_admin_reply_json(r, 200, body, len);
}

static void on_off(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    char body[64];
    int n = snprintf(body, sizeof(body), "{\"removed\":%d}\n", kc_faults_off(ctx));
    kc_admin_reply_json(r, 200, strdup(body), (size_t)n);
}

int kc_fault_routes(kc_admin_t *a, kc_faults_t *f)
{
    int rc = kc_admin_route(a, "GET", "/api/v1/scenarios", on_list, f);
    if (!rc)
        rc = kc_admin_route(a, "POST", "/api/v1/scenarios", on_post, f);
    if (!rc)
        rc = kc_admin_route(a, "DELETE", "/api/v1/scenarios", on_off, f);
    if (!rc)
        rc = kc_admin_route_prefix(a, "PUT", PREFIX, on_put, f);
    if (!rc)
        rc = kc_admin_route_prefix(a, "DELETE", PREFIX, on_delete_one, f);
    return rc;
}
