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


def parse_metadata_v1_brokers(msg):
    """(correlation id, {node_id: (host, port)}) from a Metadata v1 response."""
    r = Reader(msg)
    corr = r.i32()
    brokers = {}
    for _ in range(r.i32()):
        node, host, port = r.i32(), r.string(), r.i32()
        r.string()  # rack
        brokers[node] = (host, port)
    return corr, brokers


def find_coordinator_request_v1(corr, key, key_type=0):
    """FindCoordinator v1 (classic): key, key_type (0 group, 1 transaction)."""
    return request(10, 1, corr, string(key) + i8(key_type))


def parse_find_coordinator_v1(msg):
    """(correlation id, error, node_id, host, port) from a FindCoordinator v1 response."""
    r = Reader(msg)
    corr, _throttle, err = r.i32(), r.i32(), r.i16()
    r.string()  # error message
    return corr, err, r.i32(), r.string(), r.i32()


# ---- record batches (magic 2) and Produce, for tests that must see a broker's own answer ----

def _crc32c_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(v):
    """Zigzag varint, as record fields use."""
    return uvarint((v << 1) ^ (v >> 63))


def record_batch(key, value, timestamp_ms=0):
    """One record in a magic-2 batch, no producer id, CRC32C as the broker checks it."""
    body = i8(0) + varint(0) + varint(0)  # attributes, timestamp delta, offset delta
    body += varint(len(key)) + key + varint(len(value)) + value + varint(0)  # no headers
    rec = varint(len(body)) + body
    after_crc = (i16(0) + i32(0) + i64(timestamp_ms) + i64(timestamp_ms) + i64(-1) + i16(-1)
                 + i32(-1) + i32(1) + rec)
    crc = struct.pack(">I", crc32c(after_crc))
    tail = i32(-1) + i8(2) + crc + after_crc  # partition leader epoch, magic, crc
    return i64(0) + i32(len(tail)) + tail


def produce_request_v7(corr, topic, partition, records, acks=1, timeout_ms=30000):
    body = string(None) + i16(acks) + i32(timeout_ms) + i32(1) + string(topic) + i32(1)
    body += i32(partition) + i32(len(records)) + records
    return request(0, 7, corr, body)


def produce_response_v7(corr, topic, partition, error=0, base_offset=0):
    body = i32(1) + string(topic) + i32(1) + i32(partition) + i16(error) + i64(base_offset)
    body += i64(-1) + i64(0) + i32(0)  # log append time, log start offset; throttle
    return frame(i32(corr) + body)


def produce_request_v10(corr, topic, partition, records, acks=1, timeout_ms=30000):
    """Produce v10 (flexible, topic names): the first version whose responses carry the
    KIP-951 leader hints (current_leader per partition, node_endpoints at the top)."""
    body = cstring(None) + i16(acks) + i32(timeout_ms)
    body += uvarint(2) + cstring(topic) + uvarint(2) + i32(partition)
    body += uvarint(len(records) + 1) + records + b"\x00"  # partition tagged fields
    body += b"\x00" + b"\x00"  # topic, request tagged fields
    return request(0, 10, corr, body, flexible=True)


def parse_produce_v10(msg):
    """What a client reads in a Produce v10 response: {"corr", "partitions": [(topic, index,
    error, current_leader (id, epoch) or None)], "node_endpoints": {node: (host, port)}}."""
    r = Reader(msg)
    out = {"corr": r.i32(), "partitions": [], "node_endpoints": {}}
    r.tagged(lambda tag, rr: None)  # response header v1
    for _ in range(r.uvarint() - 1):
        topic = r.cstring()
        for _ in range(r.uvarint() - 1):
            index, err = r.i32(), r.i16()
            r.take(">q"), r.take(">q"), r.take(">q")  # base offset, append time, log start
            for _ in range(r.uvarint() - 1):  # record errors
                r.i32()
                r.cstring()
                r.tagged(lambda tag, rr: None)
            r.cstring()  # error message
            leader = []

            def part_tag(tag, rr):
                if tag == 0:  # CurrentLeader
                    leader.append((rr.i32(), rr.i32()))
                    rr.tagged(lambda t, x: None)
            r.tagged(part_tag)
            out["partitions"].append((topic, index, err, leader[0] if leader else None))
        r.tagged(lambda tag, rr: None)
    r.i32()  # throttle

    def top_tag(tag, rr):
        if tag == 0:  # NodeEndpoints
            for _ in range(rr.uvarint() - 1):
                node, host, port = rr.i32(), rr.cstring(), rr.i32()
                rr.cstring()  # rack
                rr.tagged(lambda t, x: None)
                out["node_endpoints"][node] = (host, port)
    r.tagged(top_tag)
    assert r.p == len(msg), "%d bytes left after the Produce v10 response" % (len(msg) - r.p)
    return out


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

    def uvarint(self):
        v = shift = 0
        while True:
            b = self.d[self.p]
            self.p += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7

    def cstring(self):
        n = self.uvarint() - 1
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def tagged(self, on_tag):
        """Tagged fields: on_tag(tag, reader over its bytes) for each; unknown ones skipped."""
        for _ in range(self.uvarint()):
            tag, size = self.uvarint(), self.uvarint()
            on_tag(tag, Reader(self.d[self.p:self.p + size]))
            self.p += size

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
        self.ends = []      # (how, api keys it carried) per connection ended; how: "eof" (the
                            # peer's FIN), "reset" or "closed" (by us)
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
        keys = set()
        try:
            while True:
                msg = recv_frame(c)
                r = Reader(msg)
                key, ver, corr = r.i16(), r.i16(), r.i32()
                r.string()  # client id
                self.requests.append((key, ver))
                keys.add(key)
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
                    self.ends.append(("closed", keys))
                    c.close()
                    return
        except ConnectionResetError:
            self.ends.append(("reset", keys))
            c.close()
        except ConnectionError:  # recv_exact: the peer's FIN
            self.ends.append(("eof", keys))
            c.close()
        except (OSError, struct.error):
            self.ends.append(("closed", keys))
            c.close()

    def close(self):
        self.running = False
        self.srv.close()
