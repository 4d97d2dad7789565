"""kafkajs 2.2.4 (Node) through kchaos against the mock cluster: produce, read back in a
consumer group, transactions, and never reach a broker directly. kafkajs speaks old, classic
encodings only (ApiVersions v2, Metadata v6, Produce v7), which the mock answers.

Needs tests/clients/js/node_modules (`npm ci` in tests/clients/js, or ./dev.sh deps)."""
import os
import shutil

import pytest

import clients
import harness

SCRIPT = os.path.join(clients.JS, "kafkajs_client.js")
KAFKAJS = ["node", SCRIPT]

pytestmark = pytest.mark.skipif(
    not shutil.which("node") or not os.path.isdir(os.path.join(clients.JS, "node_modules", "kafkajs")),
    reason="node or tests/clients/js/node_modules missing (npm ci in tests/clients/js)")


def run(kc, *args):
    return harness.run_client(KAFKAJS + ["--bootstrap", kc.bootstrap] + [str(a) for a in args],
                              env={"KAFKAJS_NO_PARTITIONER_WARNING": "1"})


def test_produce_consume_defaults(kchaos, guard):
    s = run(kchaos, "--topic", "t1", "--prefix", "kjs", "--count", 2000, "--consume")
    assert s["version"] == "2.2.4", s
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)


def test_gzip_acks1(kchaos, guard):
    # No --idempotent on the mock: kafkajs asks the controller for a producer id, and the mock
    # names controller 0, a broker it does not have ("Broker 0 not found in the cached
    # metadata", directly as through kchaos). Idempotence is covered against real Kafka.
    s = run(kchaos, "--topic", "t1", "--prefix", "gz", "--count", 2000, "--acks", "1",
            "--max-in-flight", 5, "--compression", "gzip", "--consume")
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)


def test_transactions(kchaos, guard):
    s = run(kchaos, "--topic", "t2", "--prefix", "txn", "--count", 1000,
            "--transactional-id", "kjs-txn-%d" % os.getpid(), "--consume")
    harness.assert_delivered(s, 1000)
    harness.assert_only_kchaos(s, kchaos, guard)


def test_acks0(kchaos, guard):
    # The mock answers some acks=0 Produce requests (Kafka never does); kchaos passes the
    # stray answers on as a direct connection would, and loses nothing.
    s = run(kchaos, "--topic", "t2", "--prefix", "zero", "--count", 1000, "--acks", "0",
            "--consume")
    assert s["missing"] == 0 and s["duplicates"] == 0, s
    harness.assert_only_kchaos(s, kchaos, guard)
