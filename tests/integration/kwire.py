"""Raw Kafka frames for tests that must send what no well-behaved client sends (too-new
versions, garbage, pipelines that never read) or play a broker with crafted answers. Only the
handful of classic (non-flexible) encodings those tests need; everything else is tested with
real clients and with Kafka's own codec (tests/tools/kafka-vectors)."""
import socket
import struct
import threading


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode()
    return i16(len(b)) + b


def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def cstring(s):
    """COMPACT_(NULLABLE_)STRING"""
    if s is None:
        return b"\x00"
    b = s.encode()
    return uvarint(len(b) + 1) + b


def frame(body):
    return i32(len(body)) + body


def request(api_key, version, corr, body, client_id="kchaos-test", flexible=False):
    hdr = i16(api_key) + i16(version) + i32(corr) + string(client_id)
    if flexible:
        hdr += b"\x00"
    return frame(hdr + body)


def api_versions_request(version, corr):
    if version >= 3:
        body = cstring("kchaos-test") + cstring("1.0") + b"\x00"
        return request(18, version, corr, body, flexible=True)
    return request(18, version, corr, b"")


def metadata_request_v1(corr, topics=()):
    return request(3, 1, corr, i32(len(topics)) + b"".join(string(t) for t in topics))


def metadata_round_trip(sock, corr):
    """A Metadata v1 request on sock answered with its correlation id."""
    sock.sendall(metadata_request_v1(corr))
    assert Reader(recv_frame(sock)).i32() == corr


def fetch_request_v4(corr, topic, partition, offset, max_bytes=1 << 20):
    body = (i32(-1) + i32(0) + i32(1) + i32(max_bytes) + i8(0) + i32(1) + string(topic) + i32(1)
            + i32(partition) + i64(offset) + i32(max_bytes))
    return request(1, 4, corr, body)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_frame(sock):
    """One frame's message (without the size prefix)."""
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    return recv_exact(sock, size)


def closed_by_peer(sock, timeout=10.0):
    """True when the peer closes the connection (EOF or reset) within timeout."""
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class Reader:
    """Cursor over a message for parsing answers in tests."""

    def __init__(self, data, pos=0):
        self.d, self.p = data, pos

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0]

    def i16(self):
        return self.take(">h")

    def i32(self):
        return self.take(">i")

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s


class FakeBroker:
    """A broker that answers only what a test scripts: ApiVersions with a crafted list (so that
    kchaos's clamp and unknown-key removal can be seen), Metadata v0-v8 naming itself as node
    `node_id`, and anything else with a callback (or by closing). Enough to stand in front of
    kchaos in tests about kchaos's own behaviour; real behaviour is tested with real brokers."""

    def __init__(self, api_versions, node_id=0, on_request=None):
        self.api_versions = api_versions  # [(key, min, max)]
        self.node_id = node_id
        self.on_request = on_request
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.requests = []  # (api_key, version) seen
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            while True:
                msg = recv_frame(c)
                r = Reader(msg)
                key, ver, corr = r.i16(), r.i16(), r.i32()
                r.string()  # client id
                self.requests.append((key, ver))
                if key == 18:
                    # Classic v0-v2 layout (header v0): error, [key, min, max], throttle (v1+).
                    body = i16(0) + i32(len(self.api_versions))
                    body += b"".join(i16(k) + i16(lo) + i16(hi) for k, lo, hi in self.api_versions)
                    if ver >= 1:
                        body += i32(0)
                    c.sendall(frame(i32(corr) + body))
                elif key == 3 and ver <= 8:
                    body = (i32(0) if ver >= 3 else b"") + i32(1) + i32(self.node_id)
                    body += string("127.0.0.1") + i32(self.port)
                    body += string(None) if ver >= 1 else b""
                    body += (string("fake-cluster") if ver >= 2 else b"")
                    body += (i32(self.node_id) if ver >= 1 else b"") + i32(0)
                    body += (i32(0) if ver >= 8 else b"")
                    c.sendall(frame(i32(corr) + body))
                elif self.on_request:
                    self.on_request(c, key, ver, corr, msg)
                else:
                    c.close()
                    return
        except (ConnectionError, OSError, struct.error):
            c.close()

    def close(self):
        self.running = False
        self.srv.close()
