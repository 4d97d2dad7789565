/* Record batch headers (DefaultRecordBatch.java layout, KIP-98; LegacyRecord.java for magic
 * 0/1). The magic byte sits at offset 16 in both layouts, which is how they are told apart. */
#include "records.h"

#include "wire.h"

/* Magic 2 header: offsets of the fields read here. */
enum {
    B_LENGTH = 8, B_MAGIC = 16, B_CRC = 17, B_ATTRIBUTES = 21, B_LAST_OFFSET_DELTA = 23,
    B_PRODUCER_ID = 43, LEGACY_CRC = 12,
    B_PRODUCER_EPOCH = 51, B_BASE_SEQUENCE = 53, B_RECORDS_COUNT = 57, B_HEADER = 61,
    LEGACY_HEADER = 18, /* offset, size, crc, magic, attributes */
};

static int read_batch(kc_rd_t *r, kc_batch_t *b)
{
    const uint8_t *start = r->p;
    if (kc_rd_left(r) < LEGACY_HEADER)
        return -KC_EPROTO;
    kc_rd_i64(r);                        /* base offset */
    int32_t length = kc_rd_i32(r);       /* bytes after this field */
    if (length < LEGACY_HEADER - 12 || (size_t)length > kc_rd_left(r))
        return -KC_EPROTO;
    kc_rd_t h;
    kc_rd_init(&h, start, 12 + (size_t)length, false);
    kc_rd_raw(r, (size_t)length);
    b->size = 12 + (uint32_t)length;
    kc_rd_raw(&h, B_MAGIC);
    b->magic = kc_rd_i8(&h);
    b->producer_id = -1, b->producer_epoch = -1, b->base_sequence = -1;
    b->last_offset_delta = 0;
    b->transactional = b->control = false;
    /* Only magic 0, 1 and 2 exist; a negative byte is garbage, not a legacy message (Kafka
     * throws "Invalid magic found in record" for magic < 0 too). */
    if (b->magic < 0 || b->magic > 2)
        return -KC_EPROTO;
    if (b->magic < 2) {
        h.p = start + LEGACY_CRC;
        b->crc = (uint32_t)kc_rd_i32(&h);
        h.p = start + B_MAGIC + 1;
        b->compression = (int8_t)(kc_rd_i8(&h) & 7); /* attributes follow the magic */
        b->records = 1;
        return h.err;
    }
    if (b->size < B_HEADER)
        return -KC_EPROTO;
    h.p = start + B_CRC;
    b->crc = (uint32_t)kc_rd_i32(&h);
    h.p = start + B_ATTRIBUTES;
    int16_t attr = kc_rd_i16(&h);
    b->compression = (int8_t)(attr & 7);
    b->transactional = attr & 0x10;
    b->control = attr & 0x20;
    b->last_offset_delta = kc_rd_i32(&h);
    h.p = start + B_PRODUCER_ID;
    b->producer_id = kc_rd_i64(&h);
    b->producer_epoch = kc_rd_i16(&h);
    b->base_sequence = kc_rd_i32(&h);
    b->records = kc_rd_i32(&h);
    return h.err;
}

int kc_records_walk(const uint8_t *p, int32_t len, kc_batch_fn fn, void *ctx)
{
    if (len <= 0)
        return 0;
    kc_rd_t r;
    kc_rd_init(&r, p, (size_t)len, false);
    int n = 0;
    while (kc_rd_left(&r) > 0) {
        kc_batch_t b;
        if (read_batch(&r, &b) != 0)
            return -KC_EPROTO;
        if (fn)
            fn(ctx, &b);
        n++;
    }
    return n;
}
