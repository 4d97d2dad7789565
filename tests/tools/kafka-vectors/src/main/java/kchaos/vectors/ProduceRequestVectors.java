// ProduceRequestVectors: ProduceRequest (api_key 0) vectors for every version kafka-clients
// can encode, each with the summary kchaos's request decoder must produce:
//   acks=<n>;timeout=<ms>;txn=<id|->;<topic>:<partition>:<batches>:<records>:<bytes>,...
// topic = name (v0-v12) or the topic id as 32 lowercase hex chars (v13+); partitions in wire
// order; batches/records counted from what was put into each RECORDS field; bytes = its length.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

import kchaos.vectors.Fixtures.Recs;

final class ProduceRequestVectors {
    static final ApiKeys API = ApiKeys.PRODUCE;

    private ProduceRequestVectors() {
    }

    /** One partition as planned: index and what its RECORDS field holds. */
    private record Part(int index, Recs recs) {
    }

    /** One topic as planned. */
    private record Topic(String name, Uuid id, List<Part> parts, boolean tagged) {
        Topic(String name, Uuid id, Part... parts) {
            this(name, id, List.of(parts), false);
        }
    }

    /** Builds the request body and its expected summary from the same plan. */
    private static void emit(VectorSet out, short v, String name, String txn, int acks, int timeout,
                             boolean tagged, Topic... topics) {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) acks).setTimeoutMs(timeout);
        if (txn != null) {
            d.setTransactionalId(txn);
        }
        TopicProduceDataCollection tc = new TopicProduceDataCollection();
        StringBuilder parts = new StringBuilder();
        for (Topic t : topics) {
            TopicProduceData td = new TopicProduceData();
            // v13+ identifies topics by id (KIP-516); earlier versions by name
            String label = v >= 13 ? Fixtures.uuidHex(t.id()) : t.name();
            if (v >= 13) {
                td.setTopicId(t.id());
            } else {
                td.setName(t.name());
            }
            List<PartitionProduceData> pds = new ArrayList<>();
            for (Part p : t.parts()) {
                PartitionProduceData pd = new PartitionProduceData().setIndex(p.index()).setRecords(p.recs().records());
                if (tagged && p.index() == 1) {
                    tag(pd, raw(1000, "aabb"), Fixtures.rawLong(1001));
                }
                pds.add(pd);
                if (parts.length() > 0) {
                    parts.append(',');
                }
                parts.append(label).append(':').append(p.index()).append(':').append(p.recs().batches())
                    .append(':').append(p.recs().count()).append(':').append(p.recs().bytes());
            }
            td.setPartitionData(pds);
            if (tagged) {
                tag(td, raw(1002, ""));
            }
            tc.add(td);
        }
        d.setTopicData(tc);
        if (tagged) {
            tag(d, raw(1003, "0c"));
        }
        String summary = "acks=" + acks + ";timeout=" + timeout + ";txn=" + (txn == null ? "-" : txn) + ";" + parts;
        out.request(API, v, name, d, summary);
    }

    static void generate(VectorSet out) {
        out.comment("ProduceRequest (api_key 0) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": summary acks=<n>;timeout=<ms>;txn=<id|->;<topic>:<partition>:<batches>:<records>:<bytes>,...");
        if (API.oldestVersion() > 0) {
            out.comment("ProduceRequest v0-v" + (API.oldestVersion() - 1) + " skipped: kafka-clients "
                + Main.kafkaVersion() + " has no schema for them (ProduceRequestData.SCHEMAS[0.."
                + (API.oldestVersion() - 1) + "] are null, ApiKeys.PRODUCE.oldestVersion()=" + API.oldestVersion()
                + "), so no legacy magic " + RecordBatch.MAGIC_VALUE_V0 + "/" + RecordBatch.MAGIC_VALUE_V1
                + " request can be encoded by Kafka's codec");
        }
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "producereq_v" + v;
            Compression none = Compression.NONE;

            emit(out, v, p + "_acks1_plain", null, 1, 30000, false,
                new Topic("orders", Fixtures.ORDERS_ID, new Part(0, Fixtures.plain(none, "orders", 3))));

            emit(out, v, p + "_acksall_idempotent_gzip", null, -1, 30000, false,
                new Topic("orders", Fixtures.ORDERS_ID,
                    new Part(0, Fixtures.idempotent(none, "orders", 2, 17)),
                    new Part(1, Fixtures.idempotent(Fixtures.gzip(), "orders-gz", 5, 40)),
                    new Part(2, Fixtures.NULL_RECORDS)),
                new Topic("payments", Fixtures.PAYMENTS_ID, new Part(4, Fixtures.plain(none, "payments", 1))));

            emit(out, v, p + "_txn", "txn-app-1", -1, 1500, false,
                new Topic("payments", Fixtures.PAYMENTS_ID,
                    new Part(0, Fixtures.transactional(Fixtures.gzip(), "pay-gz", 4, 0)),
                    new Part(1, Fixtures.transactional(none, "pay", 2, 9))),
                new Topic("orders", Fixtures.ORDERS_ID, new Part(3, Fixtures.transactional(none, "ord", 1, 100))));

            // two batches in one partition: a broker rejects that for magic 2, the wire allows it
            emit(out, v, p + "_acks0_2batches", null, 0, 0, false,
                new Topic("metrics", Fixtures.OFFSETS_ID,
                    new Part(0, Fixtures.concat(Fixtures.plain(none, "m1", 2), Fixtures.plain(Fixtures.gzip(), "m2", 3))),
                    new Part(1, Fixtures.plain(none, "m3", 1))));

            emit(out, v, p + "_empty_records", "txn-app-2", 1, 30000, false,
                new Topic("orders", Fixtures.ORDERS_ID, new Part(0, new Recs(MemoryRecords.EMPTY, 0, 0))));

            if (flex) {
                emit(out, v, p + "_tagged", "txn-app-3", -1, 30000, true,
                    new Topic("orders", Fixtures.ORDERS_ID,
                        new Part(0, Fixtures.transactional(none, "t0", 2, 5)),
                        new Part(1, Fixtures.transactional(Fixtures.gzip(), "t1", 3, 7))));
            }
        }
    }
}
