/* The admin page: see ui.h. */
#include "admin/ui.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(KC_UI_HEADERS) - 1 <= KC_ADMIN_HEADERS_MAX, "the page's headers fit");

static void on_page(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)ctx, (void)req;
    char *body = malloc(kc_ui_page_len); /* the reply takes a body of its own */
    if (!body) {
        kc_admin_reply_text(r, 503, "out of memory\n");
        return;
    }
    memcpy(body, kc_ui_page, kc_ui_page_len);
    kc_admin_reply_headers(r, 200, KC_UI_CONTENT_TYPE, KC_UI_HEADERS, body, kc_ui_page_len);
}

int kc_admin_ui_route(kc_admin_t *a)
{
    return kc_admin_route_open(a, "/ui", on_page, NULL);
}
