// Fixtures: deterministic sample data shared by all vector families: original broker addresses
// (a mix of long and short hosts so the rewrite changes lengths), racks, topic ids, unknown
// tagged fields, and real record batches built with MemoryRecords (fixed timestamps, so every
// run writes the same bytes).
package kchaos.vectors;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

final class Fixtures {
    private Fixtures() {
    }

    // ---- cluster identity -------------------------------------------------------------------

    static final String CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw";

    /** 150 characters: its compact-string length needs a 2-byte uvarint, kchaos.test needs 1. */
    static final String VERY_LONG_HOST =
        "kafka-broker-3.kafka-brokers-headless.streaming-platform-production.svc.cluster.local."
            + "eu-west-1.compute.internal.corp-network.data-center7.example.com";

    static {
        if (VERY_LONG_HOST.length() != 150) {
            throw new AssertionError("VERY_LONG_HOST length " + VERY_LONG_HOST.length());
        }
    }

    /** The original (pre-rewrite) host of a broker. */
    static String host(int nodeId) {
        return switch (nodeId) {
            case 0 -> "broker-0.kafka-headless.prod-eu-west-1.svc.cluster.local";
            case 1 -> "broker-1.internal.example";
            case 2 -> "10.20.30.42"; // same length as kchaos.test
            case 3 -> VERY_LONG_HOST;
            case 7 -> "b7";
            case 3000 -> "controller-0.internal.example";
            case 3001 -> "controller-1.internal.example";
            default -> "broker-" + nodeId + ".internal.example";
        };
    }

    /** The original (pre-rewrite) port of a broker (9092 + N; controllers 3000+ listen on 9093). */
    static int port(int nodeId) {
        return nodeId >= 3000 ? 9093 : 9092 + nodeId;
    }

    static String rack(int nodeId) {
        return switch (nodeId) {
            case 0 -> "eu-west-1a";
            case 7 -> "eu-west-1c";
            case 2 -> "rack-2";
            default -> null;
        };
    }

    static final Uuid ORDERS_ID = new Uuid(0x5ca1ab1e0000c0deL, 0x0123456789abcdefL);
    static final Uuid PAYMENTS_ID = new Uuid(0x7e57da7a00000002L, 0xfedcba9876543210L);
    static final Uuid OFFSETS_ID = new Uuid(0x0ffe75e700000003L, 0x1122334455667788L);
    static final Uuid MISSING_ID = new Uuid(0xdeadbeef00000004L, 0x8877665544332211L);

    // ---- unknown tagged fields ----------------------------------------------------------------

    /** A tagged field kchaos cannot know: tag plus hex payload (empty allowed). */
    static RawTaggedField raw(int tag, String hexData) {
        return new RawTaggedField(tag, Frames.unhex(hexData));
    }

    /** A payload long enough (130 bytes) to need a 2-byte size uvarint. */
    static RawTaggedField rawLong(int tag) {
        byte[] data = new byte[130];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + tag);
        }
        return new RawTaggedField(tag, data);
    }

    /** Adds unknown tagged fields (must be given in ascending tag order) to a message. */
    static <M extends Message> M tag(M message, RawTaggedField... fields) {
        for (RawTaggedField f : fields) {
            message.unknownTaggedFields().add(f);
        }
        return message;
    }

    // ---- records ------------------------------------------------------------------------------

    static final long BASE_TS = 1_700_000_000_000L;

    static SimpleRecord[] simpleRecords(String prefix, int count, boolean withHeaders) {
        SimpleRecord[] out = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            byte[] key = i % 3 == 2 ? null : (prefix + "-key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = ("{\"" + prefix + "\":" + i + ",\"payload\":\"value-" + i + "\"}")
                .getBytes(StandardCharsets.UTF_8);
            Header[] headers = withHeaders && i % 2 == 0
                ? new Header[] {new RecordHeader("trace-id", ("t-" + i).getBytes(StandardCharsets.UTF_8))}
                : new Header[0];
            out[i] = new SimpleRecord(BASE_TS + i * 17L, key, value, headers);
        }
        return out;
    }

    /**
     * A RECORDS payload plus what was put in it (batch count, record count), so a summary can be
     * derived without re-reading the bytes.
     */
    record Recs(MemoryRecords records, int batches, int count) {
        int bytes() {
            return records == null ? 0 : records.sizeInBytes();
        }
    }

    static final Recs NULL_RECORDS = new Recs(null, 0, 0);
    static final Recs EMPTY_RECORDS = new Recs(MemoryRecords.EMPTY, 0, 0);

    /** Producer-side batch (base offset 0, no leader epoch), magic 2. */
    static Recs plain(Compression compression, String prefix, int n) {
        return new Recs(MemoryRecords.withRecords(compression, simpleRecords(prefix, n, true)), 1, n);
    }

    static Recs idempotent(Compression compression, String prefix, int n, int baseSequence) {
        return new Recs(MemoryRecords.withIdempotentRecords(compression, 4242L, (short) 3, baseSequence,
            simpleRecords(prefix, n, false)), 1, n);
    }

    static Recs transactional(Compression compression, String prefix, int n, int baseSequence) {
        return new Recs(MemoryRecords.withTransactionalRecords(compression, 9001L, (short) 1, baseSequence,
            simpleRecords(prefix, n, true)), 1, n);
    }

    /** Broker-side (fetched) batch: real offsets and partition leader epoch. */
    static Recs stored(long baseOffset, int leaderEpoch, Compression compression, String prefix, int n) {
        return new Recs(MemoryRecords.withRecords(baseOffset, compression, leaderEpoch,
            simpleRecords(prefix, n, true)), 1, n);
    }

    static Recs storedTransactional(long baseOffset, int leaderEpoch, String prefix, int n) {
        return new Recs(MemoryRecords.withTransactionalRecords(baseOffset, Compression.NONE, 9001L, (short) 1,
            0, leaderEpoch, simpleRecords(prefix, n, false)), 1, n);
    }

    /** Control batch with an ABORT marker (one control record). */
    static Recs abortMarker(long offset, int leaderEpoch) {
        return new Recs(MemoryRecords.withEndTransactionMarker(offset, BASE_TS + 5_000L, leaderEpoch, 9001L,
            (short) 1, new EndTransactionMarker(ControlRecordType.ABORT, 11)), 1, 1);
    }

    /** Concatenates several RECORDS payloads (several batches in one partition). */
    static Recs concat(Recs... parts) {
        int size = 0;
        int batches = 0;
        int count = 0;
        List<ByteBuffer> buffers = new ArrayList<>();
        for (Recs r : parts) {
            size += r.records().sizeInBytes();
            batches += r.batches();
            count += r.count();
            buffers.add(r.records().buffer().duplicate());
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : buffers) {
            all.put(b);
        }
        all.flip();
        return new Recs(MemoryRecords.readableRecords(all), batches, count);
    }

    static Compression gzip() {
        return Compression.gzip().build();
    }

    static final byte MAGIC_V2 = RecordBatch.MAGIC_VALUE_V2;

    /** 32 lowercase hex characters of a topic id (most significant half first). */
    static String uuidHex(Uuid id) {
        return String.format("%016x%016x", id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
