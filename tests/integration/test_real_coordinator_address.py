"""FindCoordinator through kchaos on a real Kafka 4.4 broker, as the client reads it: a raw
client (kwire) parses the coordinator address in the response bytes, for a group key and a
transactional id; it must be kchaos's port for the node the broker named (asked of the broker
directly for comparison). Real clients using coordinators: test_real_coordinators.py."""
import random
import socket

import pytest

import harness
import kwire


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def find_coordinator(sock, corr, key, key_type):
    """FindCoordinator v1 until the coordinator is ready (the internal topic may be new)."""
    def ask():
        sock.sendall(kwire.find_coordinator_request_v1(corr, key, key_type))
        got = kwire.parse_find_coordinator_v1(kwire.recv_frame(sock))
        assert got[0] == corr
        return got if got[1] == 0 else None
    return harness.wait_for(ask, 60, "coordinator for %r" % key, interval=0.5)


@pytest.mark.parametrize("key_type", [0, 1], ids=["group", "transaction"])
def test_find_coordinator_as_the_client_reads_it(kafka, key_type):
    """The coordinator address in the bytes a client receives through kchaos is kchaos's port
    for the node the broker named (asked of the broker directly for comparison)."""
    key = "kchaos-coord-%d" % random.randint(0, 1 << 30)
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        d = socket.socket()
        d.bind((harness.UPSTREAM_SOURCE, 0))
        d.settimeout(30)
        d.connect(kafka.brokers[min(kafka.brokers)])
        with d:
            _, _, real_node, real_host, real_port = find_coordinator(d, 1, key, key_type)
        assert (real_host, real_port) == kafka.brokers[real_node]
        with socket.create_connection(("127.0.0.1", kc.port), timeout=30) as s:
            _, _, node, host, port = find_coordinator(s, 2, key, key_type)
        assert node == real_node
        assert (host, port) == ("127.0.0.1", kc.port_of(node)), \
            "the client was told %s:%d for coordinator %d" % (host, port, node)
        assert guard.refused() == 0
