"""Every broker address, as the client reads it: a raw-protocol client (kwire) parses the bytes
kchaos hands back (Metadata, FindCoordinator) and every address must be one of kchaos's ports
for that very node; the same requests sent straight to the broker show the real addresses, so
the comparison is against what the broker said, not what kchaos meant to write."""
import socket

import harness
import kwire


def direct(cluster, node):
    """A socket straight to a broker, from kchaos's source address (the guard lets it by)."""
    s = socket.socket()
    s.bind((harness.UPSTREAM_SOURCE, 0))
    s.settimeout(10)
    s.connect(cluster.brokers[node])
    return s


def test_metadata_addresses_as_the_client_reads_them(mock, kchaos, guard):
    with direct(mock, min(mock.brokers)) as s:
        s.sendall(kwire.metadata_request_v1(1))
        _, real = kwire.parse_metadata_v1_brokers(kwire.recv_frame(s))
    assert {n: (h, p) for n, (h, p) in real.items()} == mock.brokers, real
    for port in kchaos.ports():
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(kwire.metadata_request_v1(7))
            corr, seen = kwire.parse_metadata_v1_brokers(kwire.recv_frame(s))
        assert corr == 7
        assert sorted(seen) == sorted(real), (seen, real)  # the same nodes, as the broker said
        for node, addr in seen.items():
            assert addr == ("127.0.0.1", kchaos.port_of(node)), \
                "via port %d, node %d is at %s:%d, not kchaos's port" % (port, node, *addr)
    assert guard.refused() == 0


def test_find_coordinator_as_the_client_reads_it(mock, kchaos, guard):
    """Group keys until every broker has been named coordinator at least once."""
    seen = {}
    with socket.create_connection(("127.0.0.1", kchaos.port), timeout=10) as s:
        for corr in range(1, 200):
            s.sendall(kwire.find_coordinator_request_v1(corr, "kchaos-group-%d" % corr))
            got_corr, err, node, host, port = kwire.parse_find_coordinator_v1(kwire.recv_frame(s))
            assert got_corr == corr
            if err == 0:
                seen[node] = (host, port)
            if len(seen) == len(mock.brokers):
                break
    assert sorted(seen) == sorted(mock.brokers), "coordinators named: %s" % seen
    for node, addr in seen.items():
        assert addr == ("127.0.0.1", kchaos.port_of(node)), (node, addr)
    assert guard.refused() == 0
