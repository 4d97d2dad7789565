"""kcat (Debian's kcat 1.7.1 on librdkafka 2.0.2) through kchaos against the mock cluster:
produce, read back in a consumer group, list the cluster, and never reach a broker directly.

Compression must stay on through kchaos. librdkafka 2.0.2 decides from the broker's ApiVersions
answer whether it may compress; a proxy that "corrects" Produce's advertised minimum (KAFKA-18659,
TESTWORLD.md section 2) makes it send uncompressed without a word. So the gzip test checks both
ends: what librdkafka says it sent (kcat_client.py reads librdkafka's per-batch "Produce
MessageSet ... gzip" debug line) and what the broker stored (the record batches' attributes,
fetched raw through kchaos)."""
import os
import socket

import clients
import harness
import kwire

KCAT = [clients.DEBIAN_PY, os.path.join(harness.ROOT, "tests", "clients", "kcat_client.py")]
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def kcat(kc, *args):
    return harness.run_client(KCAT + ["--bootstrap", kc.bootstrap] + [str(a) for a in args])


def fetch_batches(sock, topic, partition, offset):
    """One Fetch v4 for one partition: (error, high watermark, [(base offset, last offset,
    attributes)]) of the whole record batches in the answer."""
    sock.sendall(kwire.fetch_request_v4(1, topic, partition, offset, max_bytes=8 << 20))
    r = kwire.Reader(kwire.recv_frame(sock))
    r.i32(), r.i32(), r.i32()  # correlation id, throttle_time_ms, 1 topic
    r.string()
    r.i32()  # 1 partition
    r.i32()
    err, hw = r.i16(), r.take(">q")
    r.take(">q")  # last stable offset
    naborted = r.i32()
    r.p += max(naborted, 0) * 16  # aborted transactions
    size = r.i32()
    data = r.d[r.p:r.p + max(size, 0)]
    batches, pos = [], 0
    while pos + 61 <= len(data):  # a whole v2 batch header
        base = int.from_bytes(data[pos:pos + 8], "big")
        blen = int.from_bytes(data[pos + 8:pos + 12], "big")
        if pos + 12 + blen > len(data):
            break  # a partial batch at the end of the answer
        attrs = int.from_bytes(data[pos + 21:pos + 23], "big")
        last_delta = int.from_bytes(data[pos + 23:pos + 27], "big")
        batches.append((base, base + last_delta, attrs))
        pos += 12 + blen
    return err, hw, batches


def stored_codecs(kc, topic, partitions):
    """{codec name: batches} of every record batch of `topic`, read with Fetch v4 through
    kchaos from the broker that leads each partition (the others answer an error)."""
    out = {}
    for p in range(partitions):
        for node in kc.cluster.brokers:
            with socket.create_connection(("127.0.0.1", kc.port_of(node)), timeout=10) as s:
                offset = 0
                while True:
                    err, hw, batches = fetch_batches(s, topic, p, offset)
                    if err or not batches:
                        break
                    for _, last, attrs in batches:
                        codec = CODECS.get(attrs & 7, str(attrs & 7))
                        out[codec] = out.get(codec, 0) + 1
                        offset = last + 1
                    if offset >= hw:
                        break
            if not err:
                break
    return out


def test_produce_consume_list(kchaos, guard):
    s = kcat(kchaos, "--topic", "t1", "--prefix", "kcat", "--count", 2000, "--consume")
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)
    assert s["produce_versions"] == [7], s  # the mock's newest Produce


def test_gzip_stays_on(kchaos, guard):
    # Values padded with 'x' shrink under gzip, so librdkafka has no reason of its own to send
    # a batch uncompressed: every batch must be gzip, as sent and as stored.
    s = kcat(kchaos, "--topic", "t1", "--prefix", "gz", "--count", 2000, "--consume",
             "--compression", "gzip", "--value-size", 200)
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
    assert s["batches"] and set(s["batches"]) == {"gzip"}, (
        "librdkafka did not compress through kchaos (KAFKA-18659: is Produce's advertised "
        "minimum intact?): batches %s" % s["batches"])
    stored = stored_codecs(kchaos, "t1", 3)
    assert stored and set(stored) == {"gzip"}, "the broker stored batches %s" % stored


def test_compression_codecs(kchaos, guard):
    for codec in ("snappy", "lz4", "zstd"):
        s = kcat(kchaos, "--topic", "t2", "--prefix", codec, "--count", 500, "--consume",
                 "--compression", codec, "--value-size", 200)
        harness.assert_delivered(s, 500)
        harness.assert_only_kchaos(s, kchaos, guard)
        assert set(s["batches"]) == {codec}, (codec, s["batches"])
    assert set(stored_codecs(kchaos, "t2", 1)) == {"snappy", "lz4", "zstd"}


def test_acks_and_pipelining(kchaos, guard):
    s = kcat(kchaos, "--topic", "t1", "--prefix", "pipe", "--count", 3000, "--acks", "1",
             "--max-in-flight", 5, "--linger-ms", 0, "--consume")
    harness.assert_delivered(s, 3000)
    s = kcat(kchaos, "--topic", "t2", "--prefix", "idem", "--count", 2000, "--idempotent",
             "--acks", "all", "--consume")
    harness.assert_delivered(s, 2000)
    s = kcat(kchaos, "--topic", "t2", "--prefix", "noack", "--count", 1000, "--acks", "0",
             "--consume")
    assert s["missing"] == 0 and s["duplicates"] == 0, s
    harness.assert_only_kchaos(s, kchaos, guard)
