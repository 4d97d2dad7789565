"""Coordinators through kchaos on a real Kafka 4.4 broker: a consumer group that rebalances (a
member joins, then leaves) with the classic and the KIP-848 consumer protocol, and a
transactional Java producer. FindCoordinator answers are rewritten like every other address."""
import json
import os
import random
import subprocess
import tempfile

import pytest

import clients
import harness


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


class Member:
    def __init__(self, kc, topic, group, protocol):
        self.status = tempfile.mktemp(prefix="member-", suffix=".json")
        self.proc = subprocess.Popen([clients.VENV_PY, os.path.join(clients.PY, "group_member.py"),
                                      "--bootstrap", kc.bootstrap, "--topic", topic, "--group",
                                      group, "--status", self.status, "--protocol", protocol])

    def state(self):
        try:
            with open(self.status) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"assignment": [], "keys": [], "errors": []}

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(60) == 0
        return self.state()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def produce(kc, topic, prefix, count):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic",
                            topic, "--prefix", prefix, "--count", str(count),
                            "--allowed-ports", kc.allowed_ports_arg()])
    assert s["acked"] == count, s


@pytest.fixture
def members():
    """Group members started by a test; whatever happens, none outlives it."""
    started = []
    yield started
    for m in started:
        m.kill()


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_group_rebalances_through_kchaos(kafka, members, protocol):
    topic = "group-%s-%d" % (protocol, random.randint(0, 1 << 30))
    kafka.ctl("create-topic %s 4 1" % topic)
    group = topic + "-g"
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        a = Member(kc, topic, group, protocol)
        members.append(a)
        harness.wait_for(lambda: len(a.state()["assignment"]) == 4, 60, "member A to own all 4 partitions")
        b = Member(kc, topic, group, protocol)
        members.append(b)
        harness.wait_for(lambda: a.state()["assignment"] and b.state()["assignment"]
                         and len(a.state()["assignment"]) + len(b.state()["assignment"]) == 4, 60,
                         "the group to rebalance over A and B")
        produce(kc, topic, "g1", 2000)
        seen = lambda *ms: {k for m in ms for k in m.state()["keys"]}
        harness.wait_for(lambda: len(seen(a, b)) == 2000, 60, "A and B to read every record")
        assert len(seen(b)) > 0, "the second member read nothing"
        b_final = b.stop()  # leaves the group: A takes everything back
        harness.wait_for(lambda: len(a.state()["assignment"]) == 4, 60, "A to own all 4 partitions again")
        produce(kc, topic, "g2", 1000)
        harness.wait_for(lambda: len([k for k in a.state()["keys"] if k.startswith("g2-")]) == 1000,
                         60, "A to read the records produced after B left")
        a_final = a.stop()
        assert not a_final["errors"] and not b_final["errors"], (a_final["errors"], b_final["errors"])
        assert guard.refused() == 0
    harness.assert_broker_holds(kafka, topic, {"g1": 2000, "g2": 1000})
    apis = {api for e in kc.conn_summaries() for api in e["apis"]}
    rewritten = {api for e in kc.conn_summaries() for api in e["rewrites"]}
    if protocol == "classic":
        assert {"JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup"} <= apis, apis
    else:
        assert "ConsumerGroupHeartbeat" in apis, apis
    assert "FindCoordinator" in rewritten, "the group coordinator's address was not rewritten"


def test_transactional_java_producer(kafka):
    java = clients.BY_NAME["java"]
    if not java.available():
        pytest.fail("the Java client is not built: run ./dev.sh deps")
    topic = "txn-%d" % random.randint(0, 1 << 30)
    kafka.ctl("create-topic %s 3 1" % topic)
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        s = harness.run_client(java.cmd("--bootstrap", kc.bootstrap, "--topic", topic, "--prefix",
                                        "txn", "--count", 1000, "--transactional-id",
                                        topic + "-tx", "--consume"))
        harness.assert_delivered(s, 1000)
        harness.assert_only_kchaos(s, kc, guard)
    # Counted by the broker, committed records only, transaction markers excluded.
    harness.assert_broker_holds(kafka, topic, {"txn": 1000})
    apis = {api for e in kc.conn_summaries() for api in e["apis"]}
    rewritten = {api for e in kc.conn_summaries() for api in e["rewrites"]}
    assert {"FindCoordinator", "InitProducerId", "EndTxn"} <= apis, apis
    assert "FindCoordinator" in rewritten, "the transaction coordinator's address was not rewritten"

