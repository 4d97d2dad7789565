"""Label cardinality of kchaos's produce metrics (mock cluster, raw Produce v7 frames): 10,000
distinct client ids (pod names that change on every deploy) through kchaos with small caps
(--metrics-max-clients, --metrics-max-series) fold into "(other)": the series stay capped,
every fold is counted, not one record is lost from the totals, and kchaos's memory stays
bounded. With --metrics-expire-ms, idle series go and are counted, while an active one stays."""
import contextlib
import socket
import struct
import time

import harness
import kcmetrics
import kwire

TOPIC = "card"
PARTITIONS = 4
MAX_CLIENTS = 100
MAX_SERIES = 50
RECORDS_PER_REQUEST = 3


def batch(n):
    """A magic-2 batch of n records (kwire.record_batch holds one; n of them back to back are
    n batches, so build one batch of n records by hand)."""
    recs = b""
    for i in range(n):
        body = kwire.i8(0) + kwire.varint(0) + kwire.varint(i)
        key, value = b"k%d" % i, b"v%d" % i
        body += kwire.varint(len(key)) + key + kwire.varint(len(value)) + value + kwire.varint(0)
        recs += kwire.varint(len(body)) + body
    after_crc = (kwire.i16(0) + kwire.i32(n - 1) + kwire.i64(0) + kwire.i64(0) + kwire.i64(-1)
                 + kwire.i16(-1) + kwire.i32(-1) + kwire.i32(n) + recs)
    tail = kwire.i32(-1) + kwire.i8(2) + struct.pack(">I", kwire.crc32c(after_crc)) + after_crc
    return kwire.i64(0) + kwire.i32(len(tail)) + tail


BATCH = batch(RECORDS_PER_REQUEST)


def produce(corr, client_id, partition, acks=1):
    body = kwire.string(None) + kwire.i16(acks) + kwire.i32(30000) + kwire.i32(1)
    body += kwire.string(TOPIC) + kwire.i32(1) + kwire.i32(partition) + kwire.i32(len(BATCH)) + BATCH
    return kwire.request(0, 7, corr, body, client_id=client_id)


def send_clients(port, ids, window=250, sock=None):
    """One Produce (acks=1) per client id, pipelined `window` at a time on one connection (a
    new one, or `sock`: one connection stays on one of kchaos's loops, whose caps are its share
    of the process's); every answer must be a success."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=30)
    with contextlib.nullcontext(s) if sock else s:
        for lo in range(0, len(ids), window):
            chunk = ids[lo:lo + window]
            s.sendall(b"".join(produce(lo + k, cid, (lo + k) % PARTITIONS)
                               for k, cid in enumerate(chunk)))
            for k in range(len(chunk)):
                r = kwire.Reader(kwire.recv_frame(s))
                assert r.i32() == lo + k
                assert r.i32() == 1 and r.string() == TOPIC and r.i32() == 1
                r.i32()
                err = r.i16()
                assert err == 0, "Produce for client %s: error %d" % (chunk[k], err)


def sanitized():
    with open(harness.KCHAOS_BIN, "rb") as f:
        return b"__asan_init" in f.read()


def loops_and_caps(js):
    loops = js["loops"]
    per_loop_clients = -(-MAX_CLIENTS // loops)  # kchaos splits each cap over its loops
    per_loop_series = -(-MAX_SERIES // loops)
    return loops, per_loop_clients, per_loop_series


def test_ten_thousand_client_ids_fold_and_memory_stays_bounded():
    admin, args = kcmetrics.admin_args()
    with harness.MockCluster(brokers=1, topics=["%s:%d" % (TOPIC, PARTITIONS)]) as one:
        with harness.Kchaos(one, extra=args + ["--metrics-max-clients", str(MAX_CLIENTS),
                                               "--metrics-max-series", str(MAX_SERIES)]) as kc:
            port = kc.port_of(1)
            conn = socket.create_connection(("127.0.0.1", port), timeout=30)
            send_clients(port, ["warm-%d" % i for i in range(MAX_CLIENTS)], sock=conn)
            rss0 = kcmetrics.rss_kib(kc.proc.pid)
            t0 = time.monotonic()
            ids = ["pod-%05d" % i for i in range(10000)]
            send_clients(port, ids, sock=conn)
            dt = time.monotonic() - t0
            total = (MAX_CLIENTS + len(ids)) * RECORDS_PER_REQUEST
            js = kcmetrics.wait_records(admin, None, total)
            rss1 = kcmetrics.rss_kib(kc.proc.pid)
            # 10,000 more: everything folds into series that exist already
            send_clients(port, ["pod2-%05d" % i for i in range(10000)], sock=conn)
            conn.close()
            total += 10000 * RECORDS_PER_REQUEST
            js = kcmetrics.wait_records(admin, None, total)
            rss2 = kcmetrics.rss_kib(kc.proc.pid)
            prom = kcmetrics.prometheus(admin)

            loops, cl, se = loops_and_caps(js)
            nclients = len(js["clients"])
            nparts = sum(len(t["partitions"]) for c in js["clients"] for t in c["topics"])
            series = prom.value("kchaos_metrics_series")
            print("\n%d loop(s): %d client and %d partition series kept of 20,100 client ids; "
                  "folded %d; RSS %d KiB after the first %d ids, %d KiB after 10,000 more, "
                  "%d KiB after 10,000 more again (%.1f s for 10,000 requests)"
                  % (loops, nclients, nparts, prom.value("kchaos_metrics_folded_series_total"),
                     rss0, MAX_CLIENTS, rss1, rss2, dt))
            assert series == nclients + nparts, (series, nclients, nparts)
            # Per loop: the cap's share of clients plus "(other)"; partitions: the cap's share,
            # plus one "(other)" partition per kept client (its folded partitions), plus the
            # "(other)" client's.
            assert nclients <= loops * (cl + 1), nclients
            assert nparts <= loops * (se + cl + 1), nparts
            other = kcmetrics.client(js, "(other)", "(other)")
            assert other["records"] > 0, other
            assert sum(v for _, v in prom.find("kchaos_produce_records_total", client_id="(other)",
                                               host="(other)")) == other["records"]
            assert prom.value("kchaos_produce_records_total", client_id="(other)",
                              host="(other)", topic="(other)") > 0  # its partitions folded too
            # no record lost: every client's records, kept or folded, add up to what was sent
            assert sum(c["records"] for c in js["clients"]) == total
            assert sum(v for _, v in prom.find("kchaos_produce_records_total")) == total
            assert sum(c["requests"]["ok"] for c in js["clients"]) == MAX_CLIENTS + 20000
            assert sum(c["batches"] for c in js["clients"]) == MAX_CLIENTS + 20000
            assert all(c["retries"] == 0 for c in js["clients"]), "a fold was taken for a retry"
            # every series past the caps folded, each counted once however many requests it
            # sent: the client ids kept no series of, the kept clients whose partition went
            # to their "(other)" topic, and the "(other)" client's own partitions (folded too:
            # the series cap was full before the first client folded)
            kept = [c for c in js["clients"] if c["client_id"] != "(other)"]
            with_other = [c for c in kept if any(t["topic"] == "(other)" for t in c["topics"])]
            want = (MAX_CLIENTS + 20000 - len(kept)) + len(with_other) + PARTITIONS
            folded = prom.value("kchaos_metrics_folded_series_total")
            assert js["folded_series"] == folded
            assert folded == want, "%d series folded, %d counted" % (want, folded)
            # memory: bounded once every new id folds (the second 10,000 add only the client
            # id strings kchaos interns, up to its cap of 65,536)
            bound = 64 * 1024 if sanitized() else 4 * 1024
            assert rss2 - rss1 <= bound, "RSS grew %d KiB over 10,000 folded ids" % (rss2 - rss1)
            assert rss2 <= (1024 if sanitized() else 64) * 1024, "RSS %d KiB" % rss2


def loops():
    """The event loops every kchaos here runs (KCHAOS_ARGS may say --threads N)."""
    a = harness.KCHAOS_ARGS
    return int(a[a.index("--threads") + 1]) if "--threads" in a else 1


def test_idle_series_expire():
    admin, args = kcmetrics.admin_args()
    with harness.MockCluster(brokers=1, topics=["%s:%d" % (TOPIC, PARTITIONS)]) as one:
        with harness.Kchaos(one, extra=args + ["--metrics-expire-ms", "1500"]) as kc:
            port = kc.port_of(1)
            idle = ["idle-%d" % i for i in range(20)]
            send_clients(port, idle)
            js = kcmetrics.wait_records(admin, TOPIC, 20 * RECORDS_PER_REQUEST)
            assert {c["client_id"] for c in js["clients"]} == set(idle)
            assert kcmetrics.prometheus(admin).value("kchaos_metrics_expired_series_total") == 0
            t0 = time.monotonic()

            def expired():
                send_clients(port, ["active"])  # one client keeps producing
                js = kcmetrics.clients(admin)
                return js if {c["client_id"] for c in js["clients"]} == {"active"} else None
            js = harness.wait_for(expired, 15, "the idle clients' series to expire", interval=0.3)
            dt = time.monotonic() - t0
            prom = kcmetrics.prometheus(admin)
            # Each idle client had one client series and one partition series. With more than
            # one loop (the sanitizer pass runs --threads 2) series are kept per loop, and
            # "active"'s two on a loop its connections stopped landing on expire too.
            n = prom.value("kchaos_metrics_expired_series_total")
            assert n == js["expired_series"], (n, js["expired_series"])
            assert 40 <= n <= 40 + 2 * (loops() - 1), n
            assert prom.value("kchaos_metrics_series") == 2  # "active" and its partition
            assert not prom.find("kchaos_produce_records_total", client_id="idle-0")
            assert dt >= 1.0, "expired after %.1f s, before --metrics-expire-ms 1500" % dt
            print("\nidle series expired %.1f s after their last request" % dt)
