"""confluent-kafka through kchaos against the mock cluster: Debian's python3-confluent-kafka
1.7.0 (librdkafka 2.0.2, run by /usr/bin/python3) produces, reads back, commits transactions,
and two consumers share a group, all without reaching a broker directly.

The current confluent-kafka from PyPI (2.x, with its own current librdkafka) talks to the mock
as well (librdkafka falls back to the mock's old versions); it runs here when the project's venv
has it (./dev.sh deps), and is skipped otherwise."""
import os
import time

import pytest
from confluent_kafka import Consumer, KafkaError

import clients
import harness

SCRIPT = os.path.join(clients.PY, "confluent_client.py")
DEBIAN = [clients.DEBIAN_PY, SCRIPT]


def run(kc, cmd, *args):
    return harness.run_client(cmd + ["--bootstrap", kc.bootstrap] + [str(a) for a in args])


def test_produce_consume_idempotent(kchaos, guard):
    s = run(kchaos, DEBIAN, "--topic", "t1", "--prefix", "idem", "--count", 3000,
            "--idempotent", "--acks", "all", "--consume")
    assert s["librdkafka"].startswith("2.0."), s
    harness.assert_delivered(s, 3000)
    harness.assert_only_kchaos(s, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)


def test_defaults_and_compression(kchaos, guard):
    s = run(kchaos, DEBIAN, "--topic", "t1", "--prefix", "plain", "--count", 2000, "--consume")
    harness.assert_delivered(s, 2000)
    s = run(kchaos, DEBIAN, "--topic", "t2", "--prefix", "lz4", "--count", 2000, "--consume",
            "--compression", "lz4", "--linger-ms", 20, "--value-size", 300)
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)


def test_transactions(kchaos, guard):
    # Transactions of 100 records, each committed; the consumer reads committed records only.
    s = run(kchaos, DEBIAN, "--topic", "t1", "--prefix", "txn", "--count", 1000,
            "--transactional-id", "kchaos-txn-%d" % os.getpid(), "--consume")
    harness.assert_delivered(s, 1000)
    harness.assert_only_kchaos(s, kchaos, guard)
    apis = set()
    for e in kchaos.conn_summaries():
        apis |= set(e.get("apis", {}))
    assert {"InitProducerId", "AddPartitionsToTxn", "EndTxn"} <= apis, apis


def test_group_of_two(kchaos, guard):
    """Two consumers in one group split t1's 3 partitions between them through kchaos (the
    coordinator's address and both members' fetches go through it) and read every record once."""
    count = 3000
    conf = {"bootstrap.servers": kchaos.bootstrap, "group.id": "grp-two",
            "auto.offset.reset": "earliest", "enable.partition.eof": False,
            "client.id": "kchaos-test-group"}
    members = {"a": Consumer(dict(conf)), "b": Consumer(dict(conf))}
    assigned = {name: set() for name in members}
    got = {name: 0 for name in members}

    def on_assign(name):
        def cb(consumer, partitions):
            assigned[name] = {p.partition for p in partitions}
        return cb

    for name, c in members.items():
        c.subscribe(["t1"], on_assign=on_assign(name))
    # The group settles over both members first; only then do records arrive, so that neither
    # can read them all before the other has joined (whatever the machine's speed).
    settled = lambda: (assigned["a"] and assigned["b"] and not assigned["a"] & assigned["b"]
                       and assigned["a"] | assigned["b"] == {0, 1, 2})
    deadline = time.monotonic() + 60
    while not settled() and time.monotonic() < deadline:
        for c in members.values():
            c.consume(num_messages=1, timeout=0.2)
    assert settled(), "the group did not settle over both members: %s" % assigned
    s = run(kchaos, DEBIAN, "--topic", "t1", "--prefix", "grp", "--count", count)
    assert s["acked"] == count, s
    seen, last = {}, {}
    dups = ooo = 0
    errors = set()
    deadline = time.monotonic() + 60
    try:
        while len(seen) < count and time.monotonic() < deadline:
            for name, c in members.items():
                for m in c.consume(num_messages=200, timeout=0.2):
                    if m.error():
                        if m.error().code() != KafkaError._PARTITION_EOF:
                            errors.add(m.error().name())
                        continue
                    key = (m.key() or b"").decode()
                    if not key.startswith("grp-"):
                        continue
                    i = int(key[4:])
                    got[name] += 1
                    if i in seen:
                        dups += 1
                    seen[i] = name
                    if i < last.get(m.partition(), -1):
                        ooo += 1
                    last[m.partition()] = i
        brokers = set()
        for c in members.values():
            for b in c.list_topics(timeout=10).brokers.values():
                brokers.add("%s:%d" % (b.host, b.port))
    finally:
        for c in members.values():
            c.close()
    assert not errors, errors
    assert len(seen) == count, "%d of %d records read" % (len(seen), count)
    assert dups == 0 and ooo == 0, (dups, ooo)
    assert assigned["a"] and assigned["b"], "both members own partitions: %s" % assigned
    assert not assigned["a"] & assigned["b"] and assigned["a"] | assigned["b"] == {0, 1, 2}, assigned
    assert got["a"] and got["b"], "both members read records: %s" % got
    harness.assert_only_kchaos({"brokers_seen": sorted(brokers)}, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)
    joins = [e for e in kchaos.conn_summaries()
             if e.get("client_id") == "kchaos-test-group" and "JoinGroup" in e.get("apis", {})]
    assert len(joins) >= 2, "JoinGroup from both members through kchaos: %s" % joins


@pytest.mark.skipif(not os.path.exists(clients.VENV_PY), reason="no venv (./dev.sh deps)")
def test_pypi_version(kchaos, guard):
    s = run(kchaos, [clients.VENV_PY, SCRIPT], "--topic", "t1", "--prefix", "pypi",
            "--count", 2000, "--idempotent", "--consume")
    assert not s["librdkafka"].startswith("2.0."), s
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
