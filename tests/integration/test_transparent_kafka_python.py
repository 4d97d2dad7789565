"""kafka-python (Debian's python3-kafka 2.0.2, run by /usr/bin/python3) through kchaos against
the mock cluster: produce, read back in a consumer group, never reach a broker directly.

The current kafka-python from PyPI (3.x) cannot talk to the mock at all, with or without kchaos:
it opens with ApiVersions v4, the mock (librdkafka 2.0.2, ApiVersions <= 2) answers
UNSUPPORTED_VERSION, and kafka-python 3 fails to decode that answer ("Unable to decode 17-byte
buffer") and never falls back. It is tested against the real Kafka cluster instead
(test_real_clients.py)."""
import os
import subprocess

import clients
import harness

KAFKA_PYTHON = [clients.DEBIAN_PY, os.path.join(clients.PY, "kafka_python_client.py")]


def run(kc, *args):
    return harness.run_client(KAFKA_PYTHON + ["--bootstrap", kc.bootstrap] + [str(a) for a in args])


def test_produce_consume_defaults(kchaos, guard):
    s = run(kchaos, "--topic", "t1", "--prefix", "kp", "--count", 2000, "--consume")
    assert s["version"].startswith("2.0."), s["version"]
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)


def test_pipelined_acks1_gzip(kchaos, guard):
    s = run(kchaos, "--topic", "t1", "--prefix", "pipe", "--count", 3000, "--acks", "1",
            "--max-in-flight", 5, "--linger-ms", 5, "--compression", "gzip", "--consume")
    harness.assert_delivered(s, 3000)
    harness.assert_only_kchaos(s, kchaos, guard)


def test_acks0(kchaos, guard):
    # The mock answers some acks=0 Produce requests (Kafka never does); kchaos passes the
    # stray answers on as a direct connection would, and loses nothing.
    s = run(kchaos, "--topic", "t2", "--prefix", "noack", "--count", 1000, "--acks", "0",
            "--consume")
    assert s["missing"] == 0 and s["duplicates"] == 0, s
    harness.assert_only_kchaos(s, kchaos, guard)


def test_says_what_it_cannot_do(kchaos):
    # python3-kafka 2.0.2 has neither idempotence nor transactions: the contract's exit 2.
    for opt in (["--idempotent"], ["--transactional-id", "tx"]):
        r = subprocess.run(KAFKA_PYTHON + ["--bootstrap", kchaos.bootstrap, "--topic", "t1",
                                           "--prefix", "x"] + opt, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 2 and "cannot do" in r.stderr, (opt, r.returncode, r.stderr)
