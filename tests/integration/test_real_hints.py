"""KIP-951 leader hints as the client receives them, after a real leader move on a real
three-broker Kafka 4.4 cluster: a raw-protocol client (kwire) sends Produce v10 to the old
leader through kchaos and parses the response bytes it gets back. The broker answers
NOT_LEADER_OR_FOLLOWER with the new leader (current_leader) and its endpoint (node_endpoints);
the endpoint must be kchaos's port for that node. The same request sent straight to the old
leader shows the broker's real endpoint, so the test compares against what the broker said."""
import json
import random
import socket

import pytest

import harness
import kwire

NOT_LEADER_OR_FOLLOWER = 6


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def leader(kafka, topic):
    return json.loads(kafka.ctl("describe %s" % topic))["partitions"][0]["leader"]


def produce_v10(sock, corr, topic):
    sock.sendall(kwire.produce_request_v10(corr, topic, 0, kwire.record_batch(b"k", b"v")))
    out = kwire.parse_produce_v10(kwire.recv_frame(sock))
    assert out["corr"] == corr
    return out


def test_kip951_hints_reach_the_client_rewritten(kafka):
    topic = "hints-%d" % random.randint(0, 1 << 30)
    kafka.ctl("create-topic %s 1 3" % topic)
    # The new leader is the highest node id (the one a KCHAOS_BREAK=addr build leaves
    # unrewritten), so the old one is another.
    new = max(kafka.brokers)
    if leader(kafka, topic) == new:
        kafka.ctl("move-leader %s 0 %d" % (topic, min(kafka.brokers)))
    old = leader(kafka, topic)
    kafka.ctl("move-leader %s 0 %d" % (topic, new))
    assert leader(kafka, topic) == new
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        d = socket.socket()
        d.bind((harness.UPSTREAM_SOURCE, 0))  # straight to the broker, past the guard
        d.settimeout(30)
        d.connect(kafka.brokers[old])
        with d:
            real = produce_v10(d, 1, topic)
        with socket.create_connection(("127.0.0.1", kc.port_of(old)), timeout=30) as s:
            seen = produce_v10(s, 2, topic)
        assert guard.refused() == 0
    # What the broker said: not the leader, the new one is `new`, at its real address.
    assert real["partitions"] == [(topic, 0, NOT_LEADER_OR_FOLLOWER, real["partitions"][0][3])]
    assert real["partitions"][0][3][0] == new, real
    assert real["node_endpoints"] == {new: kafka.brokers[new]}, real
    # What the client read through kchaos: the same hint, the address kchaos's own.
    assert seen["partitions"] == real["partitions"], (seen, real)
    assert seen["node_endpoints"] == {new: ("127.0.0.1", kc.port_of(new))}, \
        "the client was told %s for node %d" % (seen["node_endpoints"], new)
