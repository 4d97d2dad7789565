/* The admin requests (admin_client.h) on libcurl: a timeout for the whole transfer, the token as
 * a header, and no proxy from the environment, since the admin API is local by intent and an
 * http_proxy variable would otherwise carry a loopback request (and its token) elsewhere. */
#include "admin_client.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

typedef struct body {
    char *p;
    size_t n;
    int oom;
} body_t;

/* A response body larger than this is not an admin answer. */
#define BODY_MAX (64u << 20)

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    body_t *b = arg;
    size_t k = size * nmemb;
    if (b->n + k + 1 > BODY_MAX)
        return 0;
    char *p = realloc(b->p, b->n + k + 1);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    memcpy(p + b->n, data, k);
    b->p = p;
    b->n += k;
    b->p[b->n] = 0;
    return k;
}

static int read_token(const char *file, char *tok, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the admin token file %s", file);
        return -1;
    }
    size_t k = fread(tok, 1, n - 1, f);
    fclose(f);
    tok[k] = 0;
    while (k && isspace((unsigned char)tok[k - 1])) /* the file's trailing newline */
        tok[--k] = 0;
    if (!k) {
        snprintf(err, errlen, "the admin token file %s is empty", file);
        return -1;
    }
    return 0;
}

int kc_admin_target_init(kc_admin_target_t *t, const char *addr, const char *token_file,
                         long timeout_ms, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    if (!addr || !*addr) {
        snprintf(err, errlen, "--admin ADDR is required (the address given to kchaos --admin)");
        return -1;
    }
    int has_scheme = !strncmp(addr, "http://", 7) || !strncmp(addr, "https://", 8);
    snprintf(t->base, sizeof(t->base), "%s%s", has_scheme ? "" : "http://", addr);
    size_t k = strlen(t->base);
    while (k && t->base[k - 1] == '/')
        t->base[--k] = 0;
    if (token_file) {
        char tok[1024];
        if (read_token(token_file, tok, sizeof(tok), err, errlen))
            return -1;
        snprintf(t->auth, sizeof(t->auth), "Authorization: Bearer %s", tok);
    }
    return 0;
}

int kc_admin_request(const kc_admin_target_t *t, const char *method, const char *path,
                     const char *content_type, const char *body, size_t len,
                     kc_admin_answer_t *ans, char *err, size_t errlen)
{
    static int inited;
    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        inited = 1;
    memset(ans, 0, sizeof(*ans));
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "cannot start an HTTP request");
        return -1;
    }
    char url[1024], ct[128];
    snprintf(url, sizeof(url), "%s%s", t->base, path);
    body_t b = {0};
    struct curl_slist *hdr = t->auth[0] ? curl_slist_append(NULL, t->auth) : NULL;
    if (body) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "text/plain");
        hdr = curl_slist_append(hdr, ct);
        /* No "Expect: 100-continue" for a larger body: the admin listener answers a request
         * whole, so libcurl would only wait out its one-second timer before sending. */
        hdr = curl_slist_append(hdr, "Expect:");
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "GET"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) { /* sent with a Content-Length, whatever the method */
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (hdr)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ans->status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (rc == CURLE_OK && !b.p && !(b.p = calloc(1, 1)))
        b.oom = 1;
    if (rc != CURLE_OK || b.oom) {
        snprintf(err, errlen, "%s: %s", url, b.oom ? "out of memory" : curl_easy_strerror(rc));
        free(b.p);
        return -1;
    }
    ans->body = b.p;
    ans->len = b.n;
    return 0;
}

void kc_admin_status_reason(const kc_admin_target_t *t, const char *path, long status, char *err,
                            size_t errlen)
{
    snprintf(err, errlen, "%s%s: HTTP %ld%s", t->base, path, status,
             status == 401 || status == 403 ? " (check --admin-token)" : "");
}

int kc_admin_get(const kc_admin_target_t *t, const char *path, char **out, char *err,
                 size_t errlen)
{
    kc_admin_answer_t ans;
    if (kc_admin_request(t, "GET", path, NULL, NULL, 0, &ans, err, errlen))
        return -1;
    if (ans.status != 200) {
        kc_admin_status_reason(t, path, ans.status, err, errlen);
        free(ans.body);
        return -1;
    }
    *out = ans.body;
    return 0;
}
