"""Bad input closes only its own connection, with a log line saying why; a healthy connection
open at the same time keeps working, and so does kchaos."""
import socket
import struct

import pytest

import harness
import kwire


@pytest.fixture
def kc(mock):
    with harness.Kchaos(mock, extra=["--max-frame-bytes", "65536"]) as k:
        yield k


def healthy(kc):
    s = socket.create_connection(("127.0.0.1", kc.port), timeout=10)
    s.sendall(kwire.api_versions_request(0, 1))
    assert kwire.Reader(kwire.recv_frame(s)).i32() == 1
    return s


CASES = {
    "http": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "looks like HTTP"),
    "tls": (bytes.fromhex("160301020001") + b"\x00" * 40, "looks like a TLS handshake"),
    "oversized": (struct.pack(">i", 65537) + b"\x00" * 100, "exceeds --max-frame-bytes"),
    "negative": (struct.pack(">i", -5), "is negative"),
    "short header": (kwire.frame(b"\x00\x12\x00"), "malformed request header"),
    "bad client id": (kwire.frame(kwire.i16(3) + kwire.i16(1) + kwire.i32(9) + kwire.i16(500)),
                      "malformed request header"),
    "bad produce body": (kwire.request(0, 3, 5, kwire.string(None) + b"\x00"),
                         "malformed request body"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_closes_only_its_connection(kc, case):
    data, why = CASES[case]
    good = healthy(kc)
    for port in (kc.port, kc.port_of(1)):  # bootstrap and a broker listener alike
        with socket.create_connection(("127.0.0.1", port), timeout=10) as bad:
            bad.sendall(data)
            assert kwire.closed_by_peer(bad), "kchaos kept a connection that sent %s" % case
    kwire.metadata_round_trip(good, 2)
    good.close()
    harness.wait_for(lambda: kc.log_text().count(why) >= 2, 10, "the log line: " + why)
    lines = [e for e in kc.conn_summaries() if why in e.get("reason", "")]
    assert all(e["level"] == "warn" for e in lines), lines


def test_response_to_nothing_closes_the_pair(mock):
    """A broker that answers a request never sent (or out of order) is a protocol error."""
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def rogue():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            c.sendall(kwire.frame(kwire.i32(77) + b"\x00\x00"))

    threading.Thread(target=rogue, daemon=True).start()

    class Rogue(harness.Cluster):
        node_id_base = 0
        bootstrap = "127.0.0.1:%d" % srv.getsockname()[1]
        brokers = {}

    with harness.Kchaos(Rogue()) as kc:
        with socket.create_connection(("127.0.0.1", kc.port), timeout=10) as s:
            assert kwire.closed_by_peer(s)
        harness.wait_for(lambda: "response (correlation id 77) to no request" in kc.log_text(), 10,
                         "the protocol error in the log")
    srv.close()
