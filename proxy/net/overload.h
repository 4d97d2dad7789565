/* Overload: the memory cap, shedding, idle and frame timeouts, refused-connection lines (see
 * overload.c). */
#ifndef KC_NET_OVERLOAD_H
#define KC_NET_OVERLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

struct kc_proxy;

/* Whether a side of c that is mid-frame must wait for memory before it is read again. */
bool kc_overload_wait(kc_conn_t *c, bool client);
/* What c holds now goes into its loop's total (and the loop's level may change). */
void kc_overload_account(kc_conn_t *c);
/* The loop's level against the cap, after its total changed. */
void kc_overload_memory(struct kc_proxy *px);
/* A connection refused by limit `kind` (0 --max-connections, 1 per host): logged at most
 * once a second a kind. */
void kc_overload_refused(struct kc_proxy *px, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
