#!/usr/bin/env python3
"""confluent_client: the test-client contract (tests/clients/README.md) for confluent-kafka.

Runs with Debian's python3-confluent-kafka 1.7.0 over Debian's librdkafka 2.0.2
(/usr/bin/python3) and with the current confluent-kafka 2.x from PyPI, which bundles a current
librdkafka (the venv, tests/clients/python/requirements.txt). Supports --transactional-id
(transactions of 100 records, each committed; the consumer then reads committed records only).

Unset options are librdkafka's own defaults. One JSON summary line on stdout; librdkafka's
logs and everything else go to stderr. "version" is confluent-kafka's version; "librdkafka"
is the librdkafka underneath.
"""
import argparse
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, Producer

_v = confluent_kafka.version()  # (str, int) in 1.x, a str in 2.x
VERSION = _v[0] if isinstance(_v, tuple) else str(_v)
LIBRDKAFKA = confluent_kafka.libversion()[0]


def log(msg):
    sys.stderr.write("confluent_client: %s\n" % msg)
    sys.stderr.flush()


class State:
    def __init__(self):
        self.acked = 0
        self.errors = []
        self.brokers = set()

    def error(self, e):
        if isinstance(e, KafkaError):
            text = e.name()
        elif isinstance(e, BaseException):
            text = "%s: %s" % (type(e).__name__, e)
        else:
            text = str(e)
        text = text[:200]
        if text not in self.errors and len(self.errors) < 8:
            self.errors.append(text)


def record_brokers(st, handle):
    """Every broker in the client's metadata (list_topics().brokers: id -> BrokerMetadata)."""
    try:
        md = handle.list_topics(timeout=10)
        for b in md.brokers.values():
            st.brokers.add("%s:%d" % (b.host, b.port))
    except Exception as e:  # noqa: BLE001 - the summary must still be printed
        log("cannot read metadata: %r" % e)


def base_config(a):
    return {"bootstrap.servers": a.bootstrap, "client.id": "kchaos-test-confluent",
            "error_cb": lambda e: log("error: %s" % e)}


def producer_config(a):
    cfg = base_config(a)
    if a.acks is not None:
        cfg["acks"] = a.acks
    if a.compression is not None:
        cfg["compression.type"] = a.compression
    if a.max_in_flight is not None:
        cfg["max.in.flight.requests.per.connection"] = a.max_in_flight
    if a.linger_ms is not None:
        cfg["linger.ms"] = a.linger_ms
    if a.idempotent:
        cfg["enable.idempotence"] = True
    if a.transactional_id:
        cfg["transactional.id"] = a.transactional_id  # message.timeout.ms <= transaction's 60 s
    else:
        cfg["message.timeout.ms"] = 120000  # reported within flush()'s wait, as rdkafka_client
    return cfg


def produce(a, st):
    p = Producer(producer_config(a))
    tx = bool(a.transactional_id)
    if tx:
        p.init_transactions(60)

    def on_delivery(err, _msg):
        if err is not None:
            st.error(err)
        else:
            st.acked += 1

    t0 = time.monotonic()
    for i in range(a.count):
        if tx and i % 100 == 0:
            p.begin_transaction()
        if a.rate:
            ahead = i / a.rate - (time.monotonic() - t0)
            if ahead > 0:
                p.poll(ahead)
        key = "%s-%d" % (a.prefix, i)
        value = (key + "-v").encode()
        if a.value_size and a.value_size > len(value):
            value += b"x" * (a.value_size - len(value))
        while True:
            try:
                p.produce(a.topic, key=key.encode(), value=value, on_delivery=on_delivery)
                break
            except BufferError:  # local queue full: serve delivery reports, then retry
                p.poll(0.01)
            except Exception as e:  # noqa: BLE001 - counted, the test judges
                st.error(e)
                break
        p.poll(0)
        if tx and (i % 100 == 99 or i == a.count - 1):
            try:
                p.commit_transaction(60)  # flushes the transaction's records first
            except Exception as e:  # noqa: BLE001
                st.error(e)
    left = p.flush(150)
    if left:
        st.error("%d deliveries not reported within the flush timeout" % left)
    elapsed = time.monotonic() - t0
    log("produced %d records in %.2fs (%.0f records/s), %d acked" % (
        a.count, elapsed, a.count / elapsed if elapsed > 0 else 0, st.acked))
    record_brokers(st, p)


def consume(a, st, tx):
    cfg = base_config(a)
    cfg.update({"group.id": a.group or "%s-group" % a.prefix,
                "auto.offset.reset": "earliest",
                "enable.partition.eof": False})
    if tx:
        cfg["isolation.level"] = "read_committed"
    c = Consumer(cfg)
    c.subscribe([a.topic])
    seen = [0] * a.count
    last = {}
    consumed = dups = ooo = distinct = 0
    prefix = a.prefix.encode()
    plen = len(prefix)
    deadline = time.monotonic() + 60
    while distinct < a.count and time.monotonic() < deadline:
        msgs = c.consume(num_messages=500, timeout=0.5)
        for m in msgs:
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    st.error(m.error())
                continue
            k = m.key() or b""
            if not (k.startswith(prefix) and k[plen:plen + 1] == b"-"):
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
                if i < last.get(m.partition(), -1):
                    ooo += 1
                last[m.partition()] = i
    record_brokers(st, c)
    c.close()
    return consumed, dups, seen.count(0), ooo


def summary(a, st, counts):
    consumed, dups, missing, ooo = counts
    return {"client": "confluent-kafka", "version": VERSION, "librdkafka": LIBRDKAFKA,
            "produced": a.count, "acked": st.acked, "consumed": consumed, "duplicates": dups,
            "missing": missing, "out_of_order": ooo, "brokers_seen": sorted(st.brokers),
            "errors": st.errors}


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
    st = State()
    try:
        produce(a, st)
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


if __name__ == "__main__":
    sys.exit(main())
