/* The admin page (GET /ui): the live producers and the recording's timeline in a browser.
 * The page is proxy/admin/timeline.html, embedded at build time (cmake/kc_embed.cmake); it loads
 * nothing from anywhere but this listener's own API, and its Content-Security-Policy says so. */
#ifndef KC_ADMIN_UI_H
#define KC_ADMIN_UI_H

#include <stddef.h>

#include "admin/admin.h"

/* The page's bytes (NUL after the last), generated from timeline.html. */
extern const unsigned char kc_ui_page[];
extern const size_t kc_ui_page_len;

/* What the page is served with: its type and the header lines that keep it to itself. */
#define KC_UI_CONTENT_TYPE "text/html; charset=utf-8"
#define KC_UI_HEADERS                                                                              \
    "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "                    \
    "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; "              \
    "form-action 'none'; frame-ancestors 'none'\r\n"                                               \
    "X-Content-Type-Options: nosniff\r\n"

/* GET /ui. 0, UV_EEXIST or UV_ENOMEM (kc_admin_route's). */
int kc_admin_ui_route(kc_admin_t *a);

#endif
