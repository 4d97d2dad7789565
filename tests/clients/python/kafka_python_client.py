#!/usr/bin/env python3
"""kafka_python_client: the test-client contract (tests/clients/README.md) for kafka-python.

Runs with Debian's python3-kafka 2.0.2 (/usr/bin/python3) and with the current kafka-python
3.x from PyPI (the venv, tests/clients/python/requirements.txt). What 2.0.2 cannot do
(idempotence, transactions) it says on stderr and exits 2.

--ssl-ca/--ssl-cert/--ssl-key set ssl_cafile/ssl_certfile/ssl_keyfile (kafka-python checks the
host name against the certificate by default), --sasl-mechanism/--sasl-user/--sasl-password set
sasl_mechanism/sasl_plain_username/sasl_plain_password; security_protocol follows from them.
Unset options are kafka-python's own defaults. One JSON summary line on stdout; kafka-python's
logging and everything else go to stderr.
"""
import logging
import sys
import threading
import time

import kafka
import kafka.codec
from kafka import KafkaConsumer, KafkaProducer

import contract

VERSION = kafka.__version__

log = contract.logger("kafka_python_client")


def cannot(what):
    log("kafka-python %s cannot do %s" % (VERSION, what))
    sys.exit(2)


def record_brokers(st, cluster):
    """Every broker address in the client's metadata (BrokerMetadata in 2.0.2,
    MetadataResponseBroker in 3.x: both have host and port)."""
    try:
        for b in cluster.brokers():
            st.brokers.add("%s:%d" % (b.host, b.port))
    except Exception as e:  # noqa: BLE001 - the summary must still be printed
        log("cannot read brokers from metadata: %r" % e)


def base_config(a):
    cfg = {"bootstrap_servers": a.bootstrap, "client_id": "kchaos-test-kafka-python",
           "security_protocol": contract.security_protocol(a)}
    for opt, key in (("ssl_ca", "ssl_cafile"), ("ssl_cert", "ssl_certfile"),
                     ("ssl_key", "ssl_keyfile"), ("sasl_mechanism", "sasl_mechanism"),
                     ("sasl_user", "sasl_plain_username"),
                     ("sasl_password", "sasl_plain_password")):
        if getattr(a, opt):
            cfg[key] = getattr(a, opt)
    return cfg


def producer_config(a):
    cfg = base_config(a)
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
        wait = contract.ahead(a.rate, i, t0)
        if wait > 0:
            time.sleep(wait)
        key, value = contract.record(a, i, encode=True)
        try:
            f = p.send(a.topic, key=key, value=value)
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
    contract.log_produced(log, "produced", a.count, time.monotonic() - t0, st.acked)
    record_brokers(st, p._metadata)
    p.close(timeout=10)


def consume(a, st, tx):
    cfg = dict(base_config(a), group_id=contract.group(a), auto_offset_reset="earliest")
    if tx:
        cfg["isolation_level"] = "read_committed"
    c = KafkaConsumer(a.topic, **cfg)
    tally = contract.Tally(a)
    deadline = time.monotonic() + 60
    while not tally.complete and time.monotonic() < deadline:
        try:
            batches = c.poll(timeout_ms=500)
        except Exception as e:  # noqa: BLE001
            st.error(e)
            time.sleep(0.2)
            continue
        for tp, records in batches.items():
            for r in records:
                tally.add(r.key, tp.partition)
    record_brokers(st, c._client.cluster)
    c.close()
    return tally.counts()


def main():
    a = contract.parse_args(__doc__)
    if a.acks == "-1":
        a.acks = "all"
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return contract.run(a, contract.State(), log, produce, consume,
                        {"client": "kafka-python", "version": VERSION})


if __name__ == "__main__":
    sys.exit(main())
