"""The admin HTTP listener (--admin): /healthz and the index answer; bad HTTP gets its status and
closes only its own connection, and the Kafka traffic through kchaos is never affected; a
token guards every request; a non-loopback bind without one is refused at start-up; keep-alive
and pipelined requests are answered in order; idle connections close."""
import os
import socket
import subprocess
import tempfile
import time

import pytest

import harness


def admin_port():
    return harness.free_port_block(1)


def read_response(s, head=False):
    """One response from s: (status, headers with lower-case names, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed before a response head: %r" % buf)
        buf += chunk
    top, rest = buf.split(b"\r\n\r\n", 1)
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    assert lines[0].startswith("HTTP/1.1 "), lines[0]
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    n = 0 if head else int(headers["content-length"])
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed inside a body")
        rest += chunk
    s.pending = rest[n:]  # what belongs to the next response
    return status, headers, rest[:n]


class Conn:
    """A raw connection, so that tests control every byte (pipelining, bad input)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def response(self, head=False):
        sock = self

        class Feed:
            def recv(self_inner, n):
                if sock.buf:
                    out, sock.buf = sock.buf, b""
                    return out
                return sock.s.recv(n)

        f = Feed()
        r = read_response(f, head)
        self.buf = f.pending
        return r

    def closed(self, timeout=10):
        """True once the peer closes (EOF or reset) within timeout."""
        self.s.settimeout(timeout)
        try:
            while True:
                if not self.s.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def get(port, path, headers=""):
    c = Conn(port)
    c.send(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (path, headers)).encode())
    r = c.response()
    c.close()
    return r


@pytest.fixture
def admin(mock):
    port = admin_port()
    with harness.Kchaos(mock, extra=["--admin", "127.0.0.1:%d" % port,
                                     "--admin-idle-timeout-ms", "1500"]) as kc:
        kc.admin = port
        yield kc


def produce_through(kc, prefix, count=300):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", "t1",
                            "--prefix", prefix, "--count", str(count), "--acks", "all",
                            "--consume", "--allowed-ports", kc.allowed_ports_arg()])
    harness.assert_delivered(s, count)


def test_healthz_and_index(admin):
    status, h, body = get(admin.admin, "/healthz")
    assert (status, body) == (200, b"ok\n")
    assert h["content-type"].startswith("text/plain")
    assert h["content-length"] == "3" and h["connection"] == "close"
    status, _, body = get(admin.admin, "/")
    assert status == 200 and b"GET /healthz" in body
    assert "admin listening on 127.0.0.1:%d" % admin.admin in admin.log_text()


@pytest.mark.parametrize("bad", [b"GARBAGE\r\n\r\n", b"GET /healthz HTTP/1.1 extra\r\n\r\n",
                                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 32])
def test_malformed_request_400_and_kafka_unharmed(admin, bad):
    healthy = Conn(admin.admin)  # an admin connection open at the same time is not touched
    c = Conn(admin.admin)
    c.send(bad)
    status, h, _ = c.response()
    assert status == 400 and h["connection"] == "close"
    assert c.closed()
    healthy.send(b"GET /healthz HTTP/1.1\r\n\r\n")
    assert healthy.response()[0] == 200
    healthy.close()
    produce_through(admin, "after-bad-http")
    harness.wait_for(lambda: ": 400 " in admin.log_text(), 10, "the bad request's log line")


def test_huge_header_431(admin):
    c = Conn(admin.admin)
    c.send(b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 20480 + b"\r\n\r\n")
    status, h, _ = c.response()
    assert status == 431 and h["connection"] == "close"
    assert c.closed()
    assert get(admin.admin, "/healthz")[0] == 200
    assert "431 request header section too large" in admin.log_text()


def test_token(mock):
    port = admin_port()
    secret = "kc-test-Secret_%d" % os.getpid()
    with tempfile.NamedTemporaryFile("w", suffix=".token", delete=False) as f:
        f.write(secret + "\n")
    try:
        with harness.Kchaos(mock, extra=["--admin", "127.0.0.1:%d" % port,
                                         "--admin-token", f.name]) as kc:
            status, h, _ = get(port, "/healthz")
            assert status == 401 and h["www-authenticate"] == "Bearer"
            status, h, _ = get(port, "/healthz", "Authorization: Bearer wrong-%s\r\n" % secret)
            assert status == 401 and h["www-authenticate"] == "Bearer"
            assert get(port, "/nope")[0] == 401  # no route is revealed without the token
            status, _, body = get(port, "/healthz", "Authorization: Bearer %s\r\n" % secret)
            assert (status, body) == (200, b"ok\n")
            assert "(bearer token required)" in kc.log_text()
            assert secret not in kc.log_text()
    finally:
        os.unlink(f.name)


def test_non_loopback_without_token_exits_2(mock):
    r = subprocess.run([harness.KCHAOS_BIN, "--upstream", mock.bootstrap, "--listen",
                        "127.0.0.1:%d" % admin_port(), "--admin", "0.0.0.0:%d" % admin_port()],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "is not a loopback address" in lines[0] and "--admin-token FILE" in lines[0], lines[0]


def test_pipelined_keepalive_in_order(admin):
    c = Conn(admin.admin)
    c.send(b"GET /healthz HTTP/1.1\r\n\r\n"
           b"GET / HTTP/1.1\r\n\r\n"
           b"GET /nope HTTP/1.1\r\n\r\n"
           b"POST /healthz HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
           b"HEAD /healthz HTTP/1.1\r\n\r\n"
           + b"GET /healthz?n=1 HTTP/1.1\r\n\r\n" * 40
           + b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    status, h, body = c.response()
    assert (status, body, h["connection"]) == (200, b"ok\n", "keep-alive")
    status, _, body = c.response()
    assert status == 200 and body.startswith(b"kchaos admin")
    assert c.response()[0] == 404
    status, h, _ = c.response()
    assert status == 405 and h["allow"] == "GET, HEAD"
    status, h, body = c.response(head=True)
    assert (status, body, h["content-length"]) == (200, b"", "3")
    for _ in range(40):
        assert c.response()[2] == b"ok\n"
    status, h, body = c.response()
    assert (status, body, h["connection"]) == (200, b"ok\n", "close")
    assert c.closed()


def test_idle_close(admin):
    silent = Conn(admin.admin)
    used = Conn(admin.admin)
    used.send(b"GET /healthz HTTP/1.1\r\n\r\n")
    assert used.response()[0] == 200
    t = time.monotonic()
    assert silent.closed(10) and used.closed(10)
    assert 1.0 < time.monotonic() - t < 8
    assert get(admin.admin, "/healthz")[0] == 200


def test_connection_cap(mock):
    port = admin_port()
    with harness.Kchaos(mock, extra=["--admin", "127.0.0.1:%d" % port]) as kc:
        conns = [Conn(port) for _ in range(64)]
        conns[-1].send(b"GET /healthz HTTP/1.1\r\n\r\n")
        assert conns[-1].response()[0] == 200  # all 64 accepted by now
        extra = Conn(port)
        status, h, _ = extra.response()
        assert status == 503 and h["connection"] == "close"
        for c in conns:
            c.close()
        harness.wait_for(lambda: get(port, "/healthz")[0] == 200, 10, "a free slot")
        assert "503 too many admin connections" in kc.log_text()


def test_shutdown_with_admin_connections_open(mock):
    port = admin_port()
    kc = harness.Kchaos(mock, extra=["--admin", "127.0.0.1:%d" % port])
    c = Conn(port)
    c.send(b"GET /healthz HTTP/1.1\r\n\r\n")
    assert c.response()[0] == 200
    t = time.monotonic()
    assert kc.stop() == 0  # the open admin connection does not hold the loop
    assert time.monotonic() - t < 5
    assert c.closed(5)
