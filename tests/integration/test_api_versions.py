"""ApiVersions through kchaos: the clamp, unknown api keys, KIP-511 local answers, and what
happens to requests newer than kchaos reads. A scripted broker advertises versions newer than
any real one so that every branch shows."""
import socket

import pytest

import harness
import kwire

NEWER = [(0, 0, 20), (1, 4, 25), (2, 1, 11), (3, 0, 20), (10, 7, 9), (18, 0, 9), (200, 0, 3),
         (300, 1, 2)]



def echo_unknown(conn, key, ver, corr, msg):
    """Answer any other request with its own body after the correlation id."""
    conn.sendall(kwire.frame(kwire.i32(corr) + b"echo:" + msg[8:]))


@pytest.fixture
def fake():
    b = kwire.FakeBroker(NEWER, on_request=echo_unknown)
    yield b
    b.close()


@pytest.fixture
def kc(fake):
    with harness.Kchaos(harness.ScriptedCluster(fake)) as k:
        yield k


def connect(kc, node=None):
    port = kc.port if node is None else kc.port_of(node)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def parse_api_versions(msg):
    r = kwire.Reader(msg)
    corr, err, n = r.i32(), r.i16(), r.i32()
    return corr, err, {r.i16(): (r.i16(), r.i16()) for _ in range(n)}


@pytest.mark.parametrize("version", [0, 1, 2])
def test_clamp_and_remove_unknown(kc, version):
    with connect(kc) as s:
        s.sendall(kwire.api_versions_request(version, 7))
        corr, err, apis = parse_api_versions(kwire.recv_frame(s))
    assert (corr, err) == (7, 0)
    assert apis[0] == (0, 13), "Produce: max lowered to what kchaos decodes, min kept at 0"
    assert apis[1] == (4, 18), "Fetch: max lowered, min kept"
    assert apis[3] == (0, 13) and apis[18] == (0, 5)
    assert apis[2] == (1, 11), "an API kchaos does not decode passes as advertised"
    assert 200 not in apis and 300 not in apis, "unknown api keys are removed"
    assert 10 not in apis, "an API offered only in versions kchaos can't read is removed"
    assert "unknown to kchaos" in kc.log_text()


def test_too_new_api_versions_is_answered_like_a_broker(kc, fake):
    with connect(kc) as s:
        s.sendall(kwire.api_versions_request(9, 42))
        msg = kwire.recv_frame(s)
    # KIP-511: header v0, body v0: UNSUPPORTED_VERSION and the ApiVersions range kchaos reads.
    assert msg == kwire.i32(42) + kwire.i16(35) + kwire.i32(1) + kwire.i16(18) + kwire.i16(0) + kwire.i16(5)
    assert (18, 9) not in fake.requests, "the broker never saw the too-new request"


def test_request_newer_than_kchaos_decodes_closes_the_connection(kc, fake):
    with connect(kc, 0) as bad, connect(kc, 0) as good:
        bad.sendall(kwire.request(0, 14, 1, b"\x00" * 16, flexible=True))
        assert kwire.closed_by_peer(bad)
        good.sendall(kwire.api_versions_request(0, 3))  # the other connection is unaffected
        assert parse_api_versions(kwire.recv_frame(good))[0] == 3
    assert "request newer than kchaos decodes" in kc.log_text()
    assert (0, 14) not in fake.requests


def test_unknown_api_key_passes_byte_for_byte_in_order(kc):
    with connect(kc) as s:
        s.sendall(kwire.api_versions_request(0, 1)
                  + kwire.request(300, 2, 2, b"\x01\x02\x03payload")
                  + kwire.metadata_request_v1(3)
                  + kwire.request(999, 0, 4, b"more"))
        answers = [kwire.recv_frame(s) for _ in range(4)]
    assert [kwire.Reader(a).i32() for a in answers] == [1, 2, 3, 4], "responses in request order"
    assert answers[1] == kwire.i32(2) + b"echo:" + kwire.string("kchaos-test") + b"\x01\x02\x03payload"
    assert answers[3] == kwire.i32(4) + b"echo:" + kwire.string("kchaos-test") + b"more"


def sasl_v0_broker(conn, key, ver, corr, msg):
    """SaslHandshake v0 accepted, then raw SASL tokens (no Kafka header) answered as they come."""
    if key != 17:
        return echo_unknown(conn, key, ver, corr, msg)
    conn.sendall(kwire.frame(kwire.i32(corr) + kwire.i16(0) + kwire.i32(1) + kwire.string("PLAIN")))
    while True:
        conn.sendall(kwire.frame(b"ok:" + kwire.recv_frame(conn)))


def test_sasl_v0_tokens_pass_opaque():
    """After a successful SaslHandshake v0 the client sends raw tokens, frames without a Kafka
    header (pre-KIP-152): kchaos must pass them instead of reading them as requests."""
    broker = kwire.FakeBroker(NEWER, on_request=sasl_v0_broker)
    try:
        with harness.Kchaos(harness.ScriptedCluster(broker)) as kc:
            with connect(kc, 0) as s:
                s.sendall(kwire.request(17, 0, 5, kwire.string("PLAIN")))
                r = kwire.Reader(kwire.recv_frame(s))
                assert (r.i32(), r.i16()) == (5, 0)
                s.sendall(kwire.frame(b"\x00tok"))  # too short to be a request header
                assert kwire.recv_frame(s) == b"ok:\x00tok"
            assert "connection passes opaque" in kc.log_text()
    finally:
        broker.close()
