/* The command-line tools' requests to kchaos's admin listener: an address as given to --admin
 * (host:port, [v6]:port, or a full http:// URL), an optional bearer token file, a timeout; a
 * GET that wants 200, or any method with a body whose answer the caller judges. */
#ifndef KC_CLI_ADMIN_CLIENT_H
#define KC_CLI_ADMIN_CLIENT_H

#include <stddef.h>

typedef struct kc_admin_target {
    char base[512];   /* http://host:port, no trailing slash */
    char auth[1100];  /* "Authorization: Bearer ..." or empty */
    long timeout_ms;
} kc_admin_target_t;

/* Fills t from --admin and --admin-token (NULL: none). 0, or -1 with a reason in err (an
 * unreadable or empty token file). */
int kc_admin_target_init(kc_admin_target_t *t, const char *addr, const char *token_file,
                         long timeout_ms, char *err, size_t errlen);

/* GET base+path. 0 with a NUL-terminated body the caller frees, or -1 with a reason in err:
 * cannot connect, timeout, or an HTTP status other than 200. */
int kc_admin_get(const kc_admin_target_t *t, const char *path, char **body, char *err,
                 size_t errlen);

/* An answer, whatever its status. */
typedef struct kc_admin_answer {
    long status;
    char *body; /* NUL-terminated, owned: free() (never NULL after a 0 from kc_admin_request) */
    size_t len;
} kc_admin_answer_t;

/* method ("PUT", "DELETE", ...) on base+path, with len bytes of body sent as content_type (body
 * NULL: none). 0 once an answer came, any status, or -1 with a reason in err when none did
 * (cannot connect, timeout, out of memory). */
int kc_admin_request(const kc_admin_target_t *t, const char *method, const char *path,
                     const char *content_type, const char *body, size_t len,
                     kc_admin_answer_t *ans, char *err, size_t errlen);

/* "URL: HTTP 401 (check --admin-token)": a status no caller expected, as a reason. */
void kc_admin_status_reason(const kc_admin_target_t *t, const char *path, long status, char *err,
                            size_t errlen);

#endif
