#!/usr/bin/env python3
"""kafka_python_client: the test-client contract (tests/clients/README.md) for kafka-python.

Runs with Debian's python3-kafka 2.0.2 (/usr/bin/python3) and with the current kafka-python
3.x from PyPI (the venv, tests/clients/python/requirements.txt). What 2.0.2 cannot do
(idempotence, transactions) it says on stderr and exits 2.

Unset options are kafka-python's own defaults. One JSON summary line on stdout; kafka-python's
logging and everything else go to stderr.
"""
import argparse
import json
import logging
import sys
import threading
import time

import kafka
import kafka.codec
from kafka import KafkaConsumer, KafkaProducer

VERSION = kafka.__version__


def log(msg):
    sys.stderr.write("kafka_python_client: %s\n" % msg)
    sys.stderr.flush()


def cannot(what):
    log("kafka-python %s cannot do %s" % (VERSION, what))
    sys.exit(2)


class State:
    def __init__(self):
        self.acked = 0
        self.errors = []
        self.brokers = set()

    def error(self, e):
        text = "%s: %s" % (type(e).__name__, e) if isinstance(e, BaseException) else str(e)
        text = text[:200]
        if text not in self.errors and len(self.errors) < 8:
            self.errors.append(text)


def record_brokers(st, cluster):
    """Every broker address in the client's metadata (BrokerMetadata in 2.0.2,
    MetadataResponseBroker in 3.x: both have host and port)."""
    try:
        for b in cluster.brokers():
            st.brokers.add("%s:%d" % (b.host, b.port))
    except Exception as e:  # noqa: BLE001 - the summary must still be printed
        log("cannot read brokers from metadata: %r" % e)


def producer_config(a):
    cfg = {"bootstrap_servers": a.bootstrap, "client_id": "kchaos-test-kafka-python"}
    if a.acks is not None:
        cfg["acks"] = "all" if a.acks == "all" else int(a.acks)
    if a.compression is not None and a.compression != "none":
        if not getattr(kafka.codec, "has_" + a.compression)():
            cannot("--compression %s here (its Python codec library is not installed)" % a.compression)
        cfg["compression_type"] = a.compression
    elif a.compression == "none":
        cfg["compression_type"] = None
    if a.max_in_flight is not None:
        cfg["max_in_flight_requests_per_connection"] = a.max_in_flight
    if a.linger_ms is not None:
        cfg["linger_ms"] = a.linger_ms
    if a.idempotent:
        if "enable_idempotence" not in KafkaProducer.DEFAULT_CONFIG:
            cannot("--idempotent (no enable_idempotence before kafka-python 2.1)")
        cfg["enable_idempotence"] = True
    if a.transactional_id:
        if "transactional_id" not in KafkaProducer.DEFAULT_CONFIG:
            cannot("--transactional-id (no transactions before kafka-python 2.1)")
        cfg["transactional_id"] = a.transactional_id
    return cfg


def produce(a, st):
    p = KafkaProducer(**producer_config(a))
    tx = bool(a.transactional_id)
    if tx:
        p.init_transactions()
    t0 = time.monotonic()
    futures = []

    lock = threading.Lock()  # callbacks run on the sender thread (or here, if already done)

    def ok(_md):
        with lock:
            st.acked += 1

    def failed(e):
        with lock:
            st.error(e)

    for i in range(a.count):
        if tx and i % 100 == 0:
            p.begin_transaction()
        if a.rate:
            ahead = i / a.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        key = "%s-%d" % (a.prefix, i)
        value = (key + "-v").encode()
        if a.value_size and a.value_size > len(value):
            value += b"x" * (a.value_size - len(value))
        try:
            f = p.send(a.topic, key=key.encode(), value=value)
            f.add_callback(ok)
            f.add_errback(failed)
            futures.append(f)
        except Exception as e:  # noqa: BLE001 - counted, the test judges
            st.error(e)
        if tx and (i % 100 == 99 or i == a.count - 1):
            try:
                p.commit_transaction()
            except Exception as e:  # noqa: BLE001
                st.error(e)
    try:
        p.flush(timeout=150)
    except Exception as e:  # noqa: BLE001
        st.error(e)
    # flush() returns once every batch is done; the callbacks ran on the sender thread.
    for f in futures:
        if not f.is_done:
            st.error("delivery not reported within the flush timeout")
            break
    elapsed = time.monotonic() - t0
    log("produced %d records in %.2fs (%.0f records/s), %d acked" % (
        a.count, elapsed, a.count / elapsed if elapsed > 0 else 0, st.acked))
    record_brokers(st, p._metadata)
    p.close(timeout=10)


def consume(a, st, tx):
    group = a.group or "%s-group" % a.prefix
    cfg = {"bootstrap_servers": a.bootstrap, "client_id": "kchaos-test-kafka-python",
           "group_id": group, "auto_offset_reset": "earliest"}
    if tx:
        cfg["isolation_level"] = "read_committed"
    c = KafkaConsumer(a.topic, **cfg)
    seen = [0] * a.count
    last = {}
    consumed = dups = ooo = distinct = 0
    plen = len(a.prefix)
    deadline = time.monotonic() + 60
    while distinct < a.count and time.monotonic() < deadline:
        try:
            batches = c.poll(timeout_ms=500)
        except Exception as e:  # noqa: BLE001
            st.error(e)
            time.sleep(0.2)
            continue
        for tp, records in batches.items():
            for r in records:
                k = r.key or b""
                if not (k.startswith(a.prefix.encode()) and k[plen:plen + 1] == b"-"):
                    continue
                try:
                    i = int(k[plen + 1:])
                except ValueError:
                    continue
                consumed += 1
                if 0 <= i < a.count:
                    if seen[i]:
                        dups += 1
                    else:
                        distinct += 1
                    seen[i] += 1
                    if i < last.get(tp.partition, -1):
                        ooo += 1
                    last[tp.partition] = i
    record_brokers(st, c._client.cluster)
    c.close()
    return consumed, dups, seen.count(0), ooo


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--acks", choices=["all", "1", "0", "-1"])
    ap.add_argument("--idempotent", action="store_true")
    ap.add_argument("--compression", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    ap.add_argument("--max-in-flight", type=int)
    ap.add_argument("--linger-ms", type=int)
    ap.add_argument("--consume", action="store_true")
    ap.add_argument("--group")
    ap.add_argument("--rate", type=float)
    ap.add_argument("--value-size", type=int)
    ap.add_argument("--transactional-id")
    a = ap.parse_args()
    if a.acks == "-1":
        a.acks = "all"
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    st = State()
    try:
        produce(a, st)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - e.g. no broker answered
        log("producer failed: %r" % e)
        st.error(e)
        print(json.dumps(summary(a, st, (0, 0, a.count if a.consume else 0, 0))))
        return 0  # it ran: the summary says what failed, the test judges
    counts = (0, 0, 0, 0)
    if a.consume:
        try:
            counts = consume(a, st, bool(a.transactional_id))
        except Exception as e:  # noqa: BLE001
            log("consumer failed: %r" % e)
            st.error(e)
            counts = (0, 0, a.count, 0)
    print(json.dumps(summary(a, st, counts)))
    return 0


def summary(a, st, counts):
    consumed, dups, missing, ooo = counts
    return {"client": "kafka-python", "version": VERSION, "produced": a.count,
            "acked": st.acked, "consumed": consumed, "duplicates": dups, "missing": missing,
            "out_of_order": ooo, "brokers_seen": sorted(st.brokers), "errors": st.errors}


if __name__ == "__main__":
    sys.exit(main())
