/* One GET against kchaos's admin listener for the command-line tools: an address as given to
 * --admin (host:port, [v6]:port, or a full http:// URL), an optional bearer token file, a
 * timeout. */
#ifndef KC_CLI_ADMIN_GET_H
#define KC_CLI_ADMIN_GET_H

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

#endif
