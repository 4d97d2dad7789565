/* proxy/kafka/records.c: record batch headers (DefaultRecordBatch layout, magic 0/1 messages). */
#include "kafka/records.h"

#include "kc_test.h"

/* A magic 2 batch: the 61-byte header (offsets as in DefaultRecordBatch.java), then `payload`
 * bytes standing for the records. */
static size_t batch2(tb_t *t, int attr, int32_t last_delta, int64_t pid, int epoch, int32_t seq,
                     int32_t count, size_t payload)
{
    size_t at = t->n;
    tb_i64(t, 0);                       /* 0 baseOffset */
    tb_i32(t, (int64_t)(49 + payload)); /* 8 batchLength: bytes after this field */
    tb_i32(t, -1);                      /* 12 partitionLeaderEpoch */
    tb_i8(t, 2);                        /* 16 magic */
    tb_i32(t, 0x1badcafe);              /* 17 crc (not checked) */
    tb_i16(t, attr);                    /* 21 attributes */
    tb_i32(t, last_delta);              /* 23 lastOffsetDelta */
    tb_i64(t, 1700000000000);           /* 27 baseTimestamp */
    tb_i64(t, 1700000000001);           /* 35 maxTimestamp */
    tb_i64(t, pid);                     /* 43 producerId */
    tb_i16(t, epoch);                   /* 51 producerEpoch */
    tb_i32(t, seq);                     /* 53 baseSequence */
    tb_i32(t, count);                   /* 57 recordsCount */
    assert_int_equal(t->n - at, 61);
    for (size_t i = 0; i < payload; i++)
        tb_u8(t, (unsigned)i);
    return t->n - at;
}

/* A magic 0 or 1 message (LegacyRecord.java): offset, size, crc, magic, attributes,
 * [timestamp], key, value. */
static size_t legacy(tb_t *t, int magic, int attr, const char *key, const char *value)
{
    size_t at = t->n;
    size_t klen = key ? strlen(key) : 0, vlen = value ? strlen(value) : 0;
    size_t size = 4 + 1 + 1 + (magic == 1 ? 8 : 0) + 4 + klen + 4 + vlen;
    tb_i64(t, 7);
    tb_i32(t, (int64_t)size);
    tb_i32(t, 0x01020304);
    tb_i8(t, magic);
    tb_i8(t, attr);
    if (magic == 1) tb_i64(t, 1700000000000);
    tb_bytes(t, false, key, klen);
    tb_bytes(t, false, value, vlen);
    return t->n - at;
}

typedef struct seen {
    int n;
    kc_batch_t b[8];
} seen_t;

static void on_batch(void *ctx, const kc_batch_t *b)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    s->b[s->n++] = *b;
}

static int walk(const tb_t *t, size_t len, seen_t *s)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, t->b, len);
    *s = (seen_t){0};
    int n = kc_records_walk(copy, (int32_t)len, on_batch, s);
    free(copy);
    return n;
}

static void test_magic2(void **state)
{
    (void)state;
    tb_t t = {0};
    size_t size = batch2(&t, 0x0014 /* zstd, transactional */, 9, 4242, 3, 100, 10, 33);
    seen_t s;
    assert_int_equal(walk(&t, t.n, &s), 1);
    assert_int_equal(s.n, 1);
    const kc_batch_t *b = &s.b[0];
    assert_int_equal(b->magic, 2);
    assert_int_equal(b->compression, 4);
    assert_true(b->transactional);
    assert_false(b->control);
    assert_int_equal(b->last_offset_delta, 9);
    assert_true(b->producer_id == 4242);
    assert_int_equal(b->producer_epoch, 3);
    assert_int_equal(b->base_sequence, 100);
    assert_int_equal(b->records, 10);
    assert_int_equal(b->size, size);
    assert_int_equal(b->size, 61 + 33);

    /* A control batch with nothing after the header, not idempotent. */
    tb_t c = {0};
    batch2(&c, 0x0020 | 0x0008 | 1, 0, -1, -1, -1, 1, 0);
    assert_int_equal(walk(&c, c.n, &s), 1);
    assert_true(s.b[0].control);
    assert_false(s.b[0].transactional);
    assert_int_equal(s.b[0].compression, 1);
    assert_true(s.b[0].producer_id == -1);
    assert_int_equal(s.b[0].size, 61);
}

static void test_several_batches(void **state)
{
    (void)state;
    tb_t t = {0};
    size_t sizes[3];
    sizes[0] = batch2(&t, 0, 0, 1, 0, 0, 1, 20);
    sizes[1] = batch2(&t, 2, 4, 1, 0, 1, 5, 200);
    sizes[2] = batch2(&t, 3, 1, 1, 0, 6, 2, 0);
    seen_t s;
    assert_int_equal(walk(&t, t.n, &s), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s.b[i].size, sizes[i]);
    assert_int_equal(s.b[0].base_sequence, 0);
    assert_int_equal(s.b[1].base_sequence, 1);
    assert_int_equal(s.b[2].base_sequence, 6);
    assert_int_equal(s.b[1].records, 5);
    assert_int_equal(s.b[1].compression, 2);
    /* No callback: still counted. */
    uint8_t *copy = malloc(t.n);
    memcpy(copy, t.b, t.n);
    assert_int_equal(kc_records_walk(copy, (int32_t)t.n, NULL, NULL), 3);
    free(copy);
}

static void test_truncated(void **state)
{
    (void)state;
    tb_t t = {0};
    size_t first = batch2(&t, 0, 0, 1, 0, 0, 1, 20);
    size_t second = batch2(&t, 0, 0, 1, 0, 1, 1, 20);
    size_t full = t.n;
    seen_t s;
    for (size_t cut = 1; cut < full; cut++) {
        int n = walk(&t, cut, &s);
        if (cut == first) {
            assert_int_equal(n, 1); /* exactly one batch */
            continue;
        }
        /* The complete batches before the cut are reported, then the error. */
        assert_int_equal(n, -KC_EPROTO);
        assert_int_equal(s.n, cut < first ? 0 : 1);
    }
    assert_int_equal(walk(&t, full, &s), 2);
    assert_int_equal(first + second, full);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    seen_t s;
    /* A magic 2 batch shorter than its header. */
    tb_t t = {0};
    batch2(&t, 0, 0, 1, 0, 0, 1, 0);
    t.b[11] = 48; /* batchLength 48: 60 bytes */
    t.n = 60;
    assert_int_equal(walk(&t, t.n, &s), -KC_EPROTO);
    /* Negative and absurd lengths. */
    tb_t n = {0};
    tb_i64(&n, 0);
    tb_i32(&n, -1);
    tb_raw(&n, "0123456789", 10);
    assert_int_equal(walk(&n, n.n, &s), -KC_EPROTO);
    tb_t z = {0};
    tb_i64(&z, 0);
    tb_i32(&z, 5); /* less than crc + magic + attributes */
    tb_raw(&z, "0123456789", 10);
    assert_int_equal(walk(&z, z.n, &s), -KC_EPROTO);
    /* Unknown magic. */
    tb_t m = {0};
    batch2(&m, 0, 0, 1, 0, 0, 1, 0);
    m.b[16] = 3;
    assert_int_equal(walk(&m, m.n, &s), -KC_EPROTO);
    m.b[16] = 0x80; /* negative: not a legacy message either (Kafka: "Invalid magic") */
    assert_int_equal(walk(&m, m.n, &s), -KC_EPROTO);
    m.b[16] = 0xff;
    assert_int_equal(walk(&m, m.n, &s), -KC_EPROTO);
    assert_int_equal(s.n, 0);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    assert_int_equal(kc_records_walk(NULL, -1, on_batch, NULL), 0);
    assert_int_equal(kc_records_walk(NULL, 0, on_batch, NULL), 0);
    /* Fewer bytes than any header: malformed. */
    tb_t t = {0};
    tb_raw(&t, "0123456789abcdef0", 17);
    seen_t s;
    assert_int_equal(walk(&t, t.n, &s), -KC_EPROTO);
}

static void test_legacy(void **state)
{
    (void)state;
    tb_t t = {0};
    size_t a = legacy(&t, 0, 0, NULL, "hello");
    size_t b = legacy(&t, 1, 2 /* snappy wrapper */, "k", "compressed-inner-set");
    size_t c = legacy(&t, 1, 0, "", NULL);
    seen_t s;
    assert_int_equal(walk(&t, t.n, &s), 3);
    assert_int_equal(s.b[0].magic, 0);
    assert_int_equal(s.b[0].size, a);
    assert_int_equal(s.b[0].records, 1);
    assert_int_equal(s.b[0].compression, 0);
    assert_true(s.b[0].producer_id == -1);
    assert_int_equal(s.b[0].base_sequence, -1);
    assert_false(s.b[0].transactional);
    assert_int_equal(s.b[1].magic, 1);
    assert_int_equal(s.b[1].compression, 2);
    assert_int_equal(s.b[1].size, b);
    assert_int_equal(s.b[2].size, c);
    /* A magic 2 batch may follow legacy messages in the same walk. */
    batch2(&t, 0, 0, 5, 0, 0, 3, 4);
    assert_int_equal(walk(&t, t.n, &s), 4);
    assert_int_equal(s.b[3].magic, 2);
    assert_int_equal(s.b[3].records, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic2),         cmocka_unit_test(test_several_batches),
        cmocka_unit_test(test_truncated),      cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_empty_and_null), cmocka_unit_test(test_legacy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
