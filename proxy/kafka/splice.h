/* A splice: how kchaos changes a message it forwards. One region of the original bytes is
 * replaced by new bytes; everything before and after is sent from the original buffer as it
 * is, so the records inside a Fetch or Produce message are never copied. */
#ifndef KC_KAFKA_SPLICE_H
#define KC_KAFKA_SPLICE_H

#include <stdint.h>

#include "../util/buf.h"

typedef struct kc_splice {
    uint32_t off;     /* start of the replaced region, from the message start (after size) */
    uint32_t len;     /* bytes of the original replaced */
    kc_buf_t *buf;    /* replacement bytes, one reference owned by the splice; NULL: no change */
    uint32_t buf_len; /* replacement length */
} kc_splice_t;

static inline void kc_splice_release(kc_pool_t *pool, kc_splice_t *sp)
{
    if (sp->buf)
        kc_buf_unref(pool, sp->buf);
    *sp = (kc_splice_t){0};
}

#endif
