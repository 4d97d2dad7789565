/* kchaos's own error space. Functions return 0 or a negative code: either a libuv error
 * (UV_E*, which are negated errno values on Unix) or one of kchaos's, negated, below. One
 * table gives each its text, so a log line never guesses what a number meant. */
#ifndef KC_UTIL_ERROR_H
#define KC_UTIL_ERROR_H

#include <errno.h>

/* Above every errno value, so that -KC_E* never collides with a UV_E* code. */
enum kc_error {
    KC_EPROTO = 7001,   /* malformed Kafka wire data */
    KC_EFRAMESIZE,      /* a size prefix is negative or over --max-frame-bytes */
    KC_ENOPORT,         /* a broker's node id maps to no port (--broker-ports, --node-id-base) */
    KC_ETOONEW,         /* a request newer than kchaos decodes */
    KC_EORDER,          /* a response does not answer the request it must */
    KC_ECLOSED,         /* the pipeline closed the connection pair */
    KC_ETLS,            /* a TLS failure (the transport says why: kc_transport_t ops->why) */
    KC_ERROR_END,
};

/* Out of memory, the one system error kchaos makes itself: -KC_ENOMEM == UV_ENOMEM. */
#define KC_ENOMEM ENOMEM

/* The text for rc (a negative code of either space, or 0). Static storage. */
const char *kc_strerror(int rc);

#endif
