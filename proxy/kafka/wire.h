/* Bounds-checked reader and writer for Kafka wire data.
 *
 * Every byte kchaos reads from or writes to a frame goes through these. A reader records its
 * first error and turns every later read into a harmless zero, so a decoder reads its fields
 * straight through and checks `r->err` once at the end (the librdkafka rd_kafka_buf_read_*
 * idea). The `flex` flag selects the KIP-482 compact encodings and tagged sections, so no
 * decoder has to branch on them. */
#ifndef KC_KAFKA_WIRE_H
#define KC_KAFKA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/error.h"

/* A string inside a frame: not NUL-terminated. len == -1 means null. */
typedef struct kc_str {
    const char *p;
    int32_t len;
} kc_str_t;

typedef struct kc_rd {
    const uint8_t *start; /* first byte of the region (offsets are relative to it) */
    const uint8_t *p;     /* next byte to read */
    const uint8_t *end;   /* one past the last byte */
    int err;              /* 0 or -KC_EPROTO, sticky */
    bool flex;            /* compact strings/arrays/bytes and tagged sections */
    bool strict;          /* also refuse over-long varints: a decoder that re-encodes what it
                           * read must see only bytes its writer would produce again */
} kc_rd_t;

void kc_rd_init(kc_rd_t *r, const void *p, size_t n, bool flex);
static inline size_t kc_rd_off(const kc_rd_t *r) { return (size_t)(r->p - r->start); }
static inline size_t kc_rd_left(const kc_rd_t *r) { return (size_t)(r->end - r->p); }
/* Mark the reader failed (e.g. a decoder found a value it cannot accept). */
void kc_rd_fail(kc_rd_t *r);

int8_t kc_rd_i8(kc_rd_t *r);
int16_t kc_rd_i16(kc_rd_t *r);
int32_t kc_rd_i32(kc_rd_t *r);
int64_t kc_rd_i64(kc_rd_t *r);
uint32_t kc_rd_uvarint(kc_rd_t *r);
int32_t kc_rd_varint(kc_rd_t *r);  /* zigzag */
int64_t kc_rd_varlong(kc_rd_t *r); /* zigzag */
void kc_rd_uuid(kc_rd_t *r, uint8_t out[16]);
/* Returns a pointer to the next n bytes and skips them, or NULL on underflow. */
const uint8_t *kc_rd_raw(kc_rd_t *r, size_t n);

/* STRING / NULLABLE_STRING, or their COMPACT forms when flex. */
kc_str_t kc_rd_str(kc_rd_t *r);
/* Classic INT16-length string whatever `flex` says (request header client_id). */
kc_str_t kc_rd_str16(kc_rd_t *r);
/* BYTES / NULLABLE_BYTES / RECORDS (or compact): returns the length (-1 for null) and points *b
 * at the payload. */
int32_t kc_rd_bytes(kc_rd_t *r, const uint8_t **b);
/* ARRAY / COMPACT_ARRAY header: element count, -1 for null. Fails when the count could not
 * possibly fit in what is left (every element takes at least min_elem bytes), so garbage can't
 * make a decoder loop for long. */
int32_t kc_rd_array(kc_rd_t *r, size_t min_elem);

/* Tagged fields (flex only; no-ops otherwise). */
typedef int (*kc_rd_tag_fn)(void *ctx, uint32_t tag, kc_rd_t *val);
/* Skip a whole tagged section. */
void kc_rd_tags_skip(kc_rd_t *r);
/* Walk a tagged section, calling fn with a sub-reader bounded to each value. A non-zero return
 * from fn fails the reader. */
void kc_rd_tags(kc_rd_t *r, kc_rd_tag_fn fn, void *ctx);

/* Bytes inside a frame, kept as they came (not copied). */
typedef struct kc_raw {
    const uint8_t *p;
    uint32_t len;
} kc_raw_t;

/* A tagged section whose one known tag a decoder reads, the other entries kept byte for byte
 * in their order: `before` and `after` hold the unknown (tag, size, value) entries that came
 * before and after the known tag (all in `after` when it was absent: Kafka writes tags in
 * ascending order, and the known tags kchaos reads are all tag 0). */
typedef struct kc_tags_kept {
    kc_raw_t before, after;
    uint32_t count; /* unknown entries in before and after */
} kc_tags_kept_t;

/* Read a tagged section: fn gets a sub-reader bounded to the value of tag `known` (which must
 * consume it exactly and appear at most once), everything else goes to out (everything when fn
 * is NULL: the version has no known tag there). Classic versions
 * have no section: out is left empty. */
typedef int (*kc_rd_known_fn)(void *ctx, kc_rd_t *val);
void kc_rd_tags_kept(kc_rd_t *r, uint32_t known, kc_rd_known_fn fn, void *ctx, kc_tags_kept_t *out);
/* A whole tagged section with no tag the decoder reads, as raw bytes (count included; empty in
 * classic versions). */
kc_raw_t kc_rd_tags_raw(kc_rd_t *r);

/* Writer into a pooled buffer that grows on demand. */
typedef struct kc_wr {
    kc_pool_t *pool;
    kc_buf_t *buf; /* owned by the writer until kc_wr_take() */
    size_t len;
    int err; /* 0 or -KC_ENOMEM / -KC_EPROTO, sticky */
    bool flex;
} kc_wr_t;

void kc_wr_init(kc_wr_t *w, kc_pool_t *pool, size_t hint, bool flex);
/* Hand the buffer to the caller (who then owns one reference); the writer is left empty. */
kc_buf_t *kc_wr_take(kc_wr_t *w, size_t *len);
void kc_wr_release(kc_wr_t *w);

void kc_wr_raw(kc_wr_t *w, const void *p, size_t n);
void kc_wr_i8(kc_wr_t *w, int8_t v);
void kc_wr_i16(kc_wr_t *w, int16_t v);
void kc_wr_i32(kc_wr_t *w, int32_t v);
void kc_wr_i64(kc_wr_t *w, int64_t v);
void kc_wr_uvarint(kc_wr_t *w, uint32_t v);
void kc_wr_str(kc_wr_t *w, kc_str_t s);     /* nullable, compact when flex */
void kc_wr_array(kc_wr_t *w, int32_t count); /* -1 for null */
void kc_wr_tags_empty(kc_wr_t *w);           /* flex only */
/* Write back a section read by kc_rd_tags_kept. When `size` is not SIZE_MAX the known tag is
 * written between `before` and `after`, with that value size, its value written by fn. */
void kc_wr_tags_kept(kc_wr_t *w, const kc_tags_kept_t *t, uint32_t known, size_t size,
                     void (*fn)(kc_wr_t *w, const void *ctx), const void *ctx);
/* Write back a section read by kc_rd_tags_raw (an empty one in flex when it holds nothing). */
void kc_wr_tags_raw(kc_wr_t *w, kc_raw_t t);

/* Encoded sizes, for tagged values whose size goes before them. */
size_t kc_wr_str_size(bool flex, kc_str_t s);
size_t kc_wr_array_size(bool flex, int32_t count);

/* Big-endian helpers for code that patches fixed-width fields in place. */
static inline uint32_t kc_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void kc_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static inline void kc_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline uint16_t kc_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Bytes needed to encode v as an unsigned varint. */
size_t kc_uvarint_len(uint32_t v);

#endif
