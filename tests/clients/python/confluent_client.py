#!/usr/bin/env python3
"""confluent_client: the test-client contract (tests/clients/README.md) for confluent-kafka.

Runs with Debian's python3-confluent-kafka 1.7.0 over Debian's librdkafka 2.0.2
(/usr/bin/python3) and with the current confluent-kafka 2.x from PyPI, which bundles a current
librdkafka (the venv, tests/clients/python/requirements.txt). Supports --transactional-id
(transactions of 100 records, each committed; the consumer then reads committed records only).

--ssl-ca/--ssl-cert/--ssl-key and --sasl-mechanism/--sasl-user/--sasl-password set librdkafka's
ssl.* and sasl.* properties (contract.librdkafka_security). Unset options are librdkafka's own
defaults. One JSON summary line on stdout; librdkafka's
logs and everything else go to stderr. "version" is confluent-kafka's version; "librdkafka"
is the librdkafka underneath.
"""
import os
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, Producer

import contract

_v = confluent_kafka.version()  # (str, int) in 1.x, a str in 2.x
VERSION = _v[0] if isinstance(_v, tuple) else str(_v)
LIBRDKAFKA = confluent_kafka.libversion()[0]

log = contract.logger("confluent_client")


class State(contract.State):
    def describe(self, e):
        if isinstance(e, KafkaError):
            return e.name()
        return super().describe(e)


def record_brokers(st, handle):
    """Every broker in the client's metadata (list_topics().brokers: id -> BrokerMetadata)."""
    try:
        md = handle.list_topics(timeout=10)
        for b in md.brokers.values():
            st.brokers.add("%s:%d" % (b.host, b.port))
    except Exception as e:  # noqa: BLE001 - the summary must still be printed
        log("cannot read metadata: %r" % e)


def base_config(a):
    cfg = dict(contract.librdkafka_security(a), **{
        "bootstrap.servers": a.bootstrap, "client.id": "kchaos-test-confluent",
        "error_cb": lambda e: log("error: %s" % e)})
    # KCHAOS_RDKAFKA_DEBUG=msg,...: librdkafka's own debug log on stderr (test_real_record reads
    # the errors each partition's message sets met from it).
    if os.environ.get("KCHAOS_RDKAFKA_DEBUG"):
        cfg["debug"] = os.environ["KCHAOS_RDKAFKA_DEBUG"]
    return cfg


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
        wait = contract.ahead(a.rate, i, t0)
        if wait > 0:
            p.poll(wait)
        key, value = contract.record(a, i, encode=True)
        while True:
            try:
                p.produce(a.topic, key=key, value=value, on_delivery=on_delivery)
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
    contract.log_produced(log, "produced", a.count, time.monotonic() - t0, st.acked)
    record_brokers(st, p)


def consume(a, st, tx):
    cfg = base_config(a)
    cfg.update({"group.id": contract.group(a),
                "auto.offset.reset": "earliest",
                "enable.partition.eof": False})
    if tx:
        cfg["isolation.level"] = "read_committed"
    c = Consumer(cfg)
    c.subscribe([a.topic])
    tally = contract.Tally(a)
    deadline = time.monotonic() + 60
    while not tally.complete and time.monotonic() < deadline:
        msgs = c.consume(num_messages=500, timeout=0.5)
        for m in msgs:
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    st.error(m.error())
                continue
            tally.add(m.key(), m.partition())
    record_brokers(st, c)
    c.close()
    return tally.counts()


def main():
    a = contract.parse_args(__doc__)
    return contract.run(a, State(), log, produce, consume, {
        "client": "confluent-kafka", "version": VERSION, "librdkafka": LIBRDKAFKA})


if __name__ == "__main__":
    sys.exit(main())
