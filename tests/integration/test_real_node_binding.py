"""KIP-1242 (Kafka 4.4): a client's ApiVersions v5 names the cluster and the node it expects; a
broker that is not that node answers REBOOTSTRAP_REQUIRED. kchaos pairs every connection made
to broker N's port with broker N alone, so clients never trip it. Proven here both ways on a
real three-broker cluster: the check is live (asking broker 1's port for node 2 is refused),
and naming the right node works through every broker port."""
import socket

import pytest

import harness
import kwire

REBOOTSTRAP_REQUIRED = 129


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def api_versions_v5(corr, cluster_id, node_id):
    body = (kwire.cstring("kchaos-test") + kwire.cstring("1.0") + kwire.cstring(cluster_id)
            + kwire.i32(node_id) + b"\x00")
    return kwire.request(18, 5, corr, body, flexible=True)


def error_of(msg):
    return kwire.Reader(msg, 4).i16()  # response header v0: correlation id, then error_code


def test_each_broker_port_reaches_its_own_node(kafka):
    cluster_id = kafka.env["KAFKA_CLUSTER_ID"]
    assert kafka.version >= "4.4", "ApiVersions v5 needs Kafka 4.4"
    with harness.Kchaos(kafka) as kc:
        for node in sorted(kafka.brokers):
            with socket.create_connection(("127.0.0.1", kc.port_of(node)), timeout=10) as s:
                s.sendall(api_versions_v5(1, cluster_id, node))
                assert error_of(kwire.recv_frame(s)) == 0, "broker %d refused its own id" % node
        other = sorted(kafka.brokers)[1]
        with socket.create_connection(("127.0.0.1", kc.port_of(sorted(kafka.brokers)[0])), timeout=10) as s:
            s.sendall(api_versions_v5(2, cluster_id, other))
            assert error_of(kwire.recv_frame(s)) == REBOOTSTRAP_REQUIRED, \
                "the broker's KIP-1242 check did not fire: this test proves nothing"
