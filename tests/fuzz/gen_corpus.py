#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/<name>.

A few valid inputs per target, built with a small Kafka encoder of its own (the field order of
each message follows its JSON schema in apache/kafka common/message). Deterministic: run it
again after changing it and commit what changes.

    tests/fuzz/gen_corpus.py            # writes next to this script
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- encoder ----

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def uv(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def s(flex, text):
    """STRING / NULLABLE_STRING, compact when flex; None is null."""
    if text is None:
        return uv(0) if flex else i16(-1)
    b = text.encode()
    return (uv(len(b) + 1) if flex else i16(len(b))) + b


def byts(flex, b):
    if b is None:
        return uv(0) if flex else i32(-1)
    return (uv(len(b) + 1) if flex else i32(len(b))) + b


def arr(flex, items):
    if items is None:
        return uv(0) if flex else i32(-1)
    return (uv(len(items) + 1) if flex else i32(len(items))) + b"".join(items)


def tags(flex, fields=()):
    """A tagged section: fields is [(tag, bytes)]."""
    if not flex:
        return b""
    return uv(len(fields)) + b"".join(uv(t) + uv(len(v)) + v for t, v in fields)


def uuid(fill):
    return bytes((fill + i) & 0xFF for i in range(16))


def batch(count, payload=b"", attr=0, pid=-1):
    """A magic 2 record batch: the 61-byte header, then payload."""
    body = (i32(-1) + i8(2) + i32(0) + i16(attr) + i32(count - 1) + i64(1700000000000) +
            i64(1700000000000) + i64(pid) + i16(-1 if pid < 0 else 0) + i32(-1 if pid < 0 else 0) +
            i32(count) + payload)
    return i64(0) + i32(len(body)) + body


def legacy(magic, key, value, attr=0):
    msg = i32(0) + i8(magic) + i8(attr) + (i64(1700000000000) if magic == 1 else b"")
    msg += byts(False, key) + byts(False, value)
    return i64(0) + i32(len(msg)) + msg


def endpoint(flex, node, host, port):
    return i32(node) + s(flex, host) + i32(port)


def node_endpoints(n):
    return arr(True, [endpoint(True, i, "broker-%d.internal" % i, 9092 + i) + s(True, "r") +
                      tags(True) for i in range(n)])


# ---- messages ----

def req_header(key, ver, corr, client, flex):
    h = i16(key) + i16(ver) + i32(corr)
    if key == 7 and ver == 0:
        return h
    h += s(False, client)
    return h + tags(flex, [(0, b"\x01")] if flex and corr % 2 else [])


def produce_request(v, txn="txn"):
    flex = v >= 9
    out = s(flex, txn) if v >= 3 else b""
    out += i16(-1) + i32(30000)
    records = (batch(3, b"\x00" * 20, pid=77) + batch(1)) if v >= 3 else legacy(1, b"k", b"v")
    parts = [i32(0) + byts(flex, records) + tags(flex), i32(1) + byts(flex, None) + tags(flex)]
    topic = (uuid(0x10) if v >= 13 else s(flex, "orders")) + arr(flex, parts) + tags(flex)
    return out + arr(flex, [topic]) + tags(flex)


def split_request(v):
    """Topics "orders" (partitions 0, 1) and "audit" (partition 2), for the split target."""
    flex = v >= 9
    out = (s(flex, "txn") if v >= 3 else b"") + i16(-1) + i32(30000)
    records = batch(2, b"\x01" * 8) if v >= 3 else legacy(1, b"k", b"v")
    def topic(name, fill, parts):
        ps = [i32(p) + byts(flex, records if p != 1 else None) + tags(flex) for p in parts]
        return (uuid(fill) if v >= 13 else s(flex, name)) + arr(flex, ps) + tags(flex)
    return out + arr(flex, [topic("orders", 0x10, [0, 1]), topic("audit", 0x20, [2])]) + tags(flex)


def split_response(v, kept):
    """The broker's answer to split_request(v) cut down to the partitions in kept."""
    flex = v >= 9
    def part(p):
        out = i32(p) + i16(0) + i64(40 + p)
        out += (i64(-1) if v >= 2 else b"") + (i64(0) if v >= 5 else b"")
        if v >= 8:
            out += arr(flex, []) + s(flex, None)
        return out + tags(flex)
    topics = []
    for name, fill, parts in (("orders", 0x10, [0, 1]), ("audit", 0x20, [2])):
        mine = [p for p in parts if p in kept]
        if mine:
            key = uuid(fill) if v >= 13 else s(flex, name)
            topics.append(key + arr(flex, [part(p) for p in mine]) + tags(flex))
    out = arr(flex, topics) + (i32(0) if v >= 1 else b"")
    return out + tags(flex, [(0, node_endpoints(1))] if v >= 10 else [])


def split_seed(v, mask, kept):
    req = split_request(v)
    return bytes([v, mask]) + i16(len(req)) + req + split_response(v, kept)


def metadata_response(v):
    flex = v >= 9
    out = i32(0) if v >= 3 else b""
    brokers = []
    for n in (1, 2, 3):
        b = endpoint(flex, n, "broker-%d.kafka.internal" % n, 9092)
        if v >= 1:
            b += s(flex, "rack-%d" % n if n != 2 else None)
        brokers.append(b + tags(flex, [(7, b"abc")] if n == 2 else []))
    out += arr(flex, brokers)
    if v >= 2:
        out += s(flex, "cluster")
    if v >= 1:
        out += i32(1)
    part = i16(0) + i32(0) + i32(1) + (i32(0) if v >= 7 else b"") + arr(flex, [i32(1)]) + \
        arr(flex, [i32(1)]) + (arr(flex, []) if v >= 5 else b"") + tags(flex)
    topic = i16(0) + s(flex, "t") + (uuid(1) if v >= 10 else b"") + (i8(0) if v >= 1 else b"") + \
        arr(flex, [part]) + (i32(0) if v >= 8 else b"") + tags(flex)
    out += arr(flex, [topic])
    if 8 <= v <= 10:
        out += i32(0)
    if v >= 13:
        out += i16(0)
    return out + tags(flex)


def find_coordinator_response(v):
    flex = v >= 3
    out = i32(0) if v >= 1 else b""
    if v < 4:
        out += i16(0) + (s(flex, None) if v >= 1 else b"") + endpoint(flex, 2, "coord.internal", 9092)
    else:
        out += arr(flex, [
            s(flex, "group") + endpoint(flex, 2, "coord.internal", 9092) + i16(0) + s(flex, None) +
            tags(flex),
            s(flex, "") + endpoint(flex, -1, "", -1) + i16(15) + s(flex, None) + tags(flex)])
    return out + tags(flex)


def describe_cluster_response(v):
    out = i32(0) + i16(0) + s(True, None) + (i8(1) if v >= 1 else b"") + s(True, "cluster") + i32(1)
    out += arr(True, [endpoint(True, n, "b%d.internal" % n, 9092) + s(True, None) +
                      (i8(0) if v >= 2 else b"") + tags(True) for n in (1, 2)])
    return out + i32(-2147483648) + tags(True)


def produce_response(v):
    flex = v >= 9
    part = i32(0) + i16(6) + i64(-1) + i64(-1) + i64(0) + arr(flex, []) + s(flex, None)
    part += tags(flex, [(0, i32(2) + i32(5) + tags(True))])
    topic = (uuid(3) if v >= 13 else s(flex, "t")) + arr(flex, [part]) + tags(flex)
    return arr(flex, [topic]) + i32(0) + tags(flex, [(0, node_endpoints(2)), (9, b"x")])


def produce_response_rich(v):
    """Every field of version v, with unknown tags where flexible."""
    flex = v >= 9
    def part(i, err, leader):
        out = i32(i) + i16(err) + i64(-1 if err else 100 + i)
        if v >= 2:
            out += i64(-1)
        if v >= 5:
            out += i64(0)
        if v >= 8:
            errs = [i32(0) + s(flex, "bad") + tags(flex), i32(1) + s(flex, None) + tags(flex, [(5, b"z")])]
            out += arr(flex, errs if err else []) + s(flex, "rejected" if err else None)
        fields = [(0, i32(2) + i32(9) + tags(True))] if leader and v >= 10 else []
        return out + tags(flex, fields + ([(3, b"")] if flex else []))
    topic = (uuid(3) if v >= 13 else s(flex, "orders")) + \
        arr(flex, [part(0, 0, False), part(1, 6, True)]) + tags(flex, [(9, b"t")] if flex else [])
    out = arr(flex, [topic])
    if v >= 1:
        out += i32(50)
    top = [(0, node_endpoints(2))] if v >= 10 else []
    return out + tags(flex, top + ([(9, b"x")] if flex else []))


def fetch_response(v):
    part = i32(0) + i16(6) + i64(10) + i64(10) + i64(0) + arr(True, None) + i32(-1) + \
        byts(True, batch(2, b"\x01" * 8)) + tags(True, [(1, i32(2) + i32(3) + tags(True))])
    topic = uuid(5) + arr(True, [part]) + tags(True)
    return i32(0) + i16(0) + i32(0) + arr(True, [topic]) + tags(True, [(0, node_endpoints(2))])


def share_fetch_response(v):
    part = i32(0) + i16(0) + s(True, None) + i16(0) + s(True, None) + i32(1) + i32(2) + \
        tags(True) + byts(True, batch(1)) + arr(True, [i64(0) + i64(0) + i16(1) + tags(True)]) + \
        tags(True)
    topic = uuid(7) + arr(True, [part]) + tags(True)
    return i32(0) + i16(0) + s(True, None) + (i32(30000) if v >= 1 else b"") + \
        arr(True, [topic]) + node_endpoints(2) + tags(True)


def share_ack_response(v):
    part = i32(0) + i16(6) + s(True, "moved") + i32(1) + i32(2) + tags(True) + tags(True)
    topic = uuid(8) + arr(True, [part]) + tags(True)
    return i32(0) + i16(0) + s(True, None) + (i32(30000) if v >= 2 else b"") + \
        arr(True, [topic]) + node_endpoints(1) + tags(True)


def api_versions_response(v, keys):
    flex = v >= 3
    out = i16(0) + arr(flex, [i16(k) + i16(lo) + i16(hi) + tags(flex) for k, lo, hi in keys])
    if v >= 1:
        out += i32(0)
    if flex:
        feature = s(True, "transaction.version") + i16(0) + i16(2) + tags(True)
        out += tags(True, [(0, arr(True, [feature])), (1, i64(42))])
    return out


KAFKA_4_4 = [(0, 0, 13), (1, 4, 18), (2, 1, 11), (3, 0, 13), (10, 0, 6), (18, 0, 5), (60, 0, 2)]
NEWER = [(0, 0, 14), (1, 4, 19), (3, 0, 14), (18, 0, 6), (95, 0, 0), (32000, 0, 1)]


def response(corr, body, hv):
    return i32(corr) + (tags(True) if hv else b"") + body


# ---- seeds per target ----

# Selector bytes of fuzz_rewrite_response.c: index in its apis[] table, version - first.
REWRITE_APIS = [(0, 10), (1, 16), (3, 0), (10, 0), (18, 0), (60, 0), (78, 0), (79, 0)]


def rewrite_seed(key, ver, msg):
    idx = [k for k, _ in REWRITE_APIS].index(key)
    return bytes([idx, ver - REWRITE_APIS[idx][1]]) + msg


def seeds():
    out = {}
    out["req_header"] = {
        "produce_v3": req_header(0, 3, 1, "rdkafka", False) + produce_request(3),
        "metadata_v12_tags": req_header(3, 12, 3, "java-client", True) + b"\x01\x00",
        "controlled_shutdown_v0": req_header(7, 0, 4, None, False) + i32(1),
        "api_versions_v3": req_header(18, 3, 5, "", True) + s(True, "x") + s(True, "1") + tags(True),
        "unknown_api": req_header(200, 1, 6, "c", False) + b"\x00\x01",
    }
    out["produce_request"] = {"v%d" % v: bytes([v]) + produce_request(v) for v in (0, 3, 8, 9, 13)}
    out["records"] = {
        "one_batch": batch(5, b"\x10" * 40, attr=4, pid=9),
        "two_batches": batch(1) + batch(2, b"\x00" * 5),
        "legacy": legacy(0, None, b"hello") + legacy(1, b"k", b"v", attr=1),
    }
    rw = {}
    for v in (0, 1, 9, 13):
        rw["metadata_v%d" % v] = rewrite_seed(3, v, response(1, metadata_response(v), v >= 9))
    for v in (0, 3, 4, 6):
        rw["find_coordinator_v%d" % v] = rewrite_seed(10, v, response(2, find_coordinator_response(v), v >= 3))
    for v in (0, 2):
        rw["describe_cluster_v%d" % v] = rewrite_seed(60, v, response(3, describe_cluster_response(v), True))
    for v in (10, 13):
        rw["produce_v%d" % v] = rewrite_seed(0, v, response(4, produce_response(v), True))
    for v in (16, 18):
        rw["fetch_v%d" % v] = rewrite_seed(1, v, response(5, fetch_response(v), True))
    rw["share_fetch_v1"] = rewrite_seed(78, 1, response(6, share_fetch_response(1), True))
    rw["share_ack_v2"] = rewrite_seed(79, 2, response(7, share_ack_response(2), True))
    rw["api_versions_v0"] = rewrite_seed(18, 0, response(8, api_versions_response(0, NEWER), False))
    rw["api_versions_v3"] = rewrite_seed(18, 3, response(9, api_versions_response(3, KAFKA_4_4 + NEWER), False))
    out["rewrite_response"] = rw
    out["produce_response"] = {"v%d" % v: bytes([v]) + produce_response_rich(v)
                                for v in (0, 1, 2, 5, 8, 9, 10, 13)}
    for v in (0, 3, 9, 13):
        # bit 7: a request's topic_data to answer locally (produce_request() without its head)
        head = len(s(v >= 9, "txn") if v >= 3 else b"") + 6
        out["produce_response"]["local_v%d" % v] = bytes([0x80 | v]) + produce_request(v)[head:]
    # byte 0 version, byte 1 picks (bit k: the k-th partition), INT16 request length, request
    # body, then the broker's answer to what is left
    out["produce_split"] = {}
    for v in (0, 2, 3, 8, 9, 10, 13):
        out["produce_split"]["one_v%d" % v] = split_seed(v, 0x02, [0, 2])
        out["produce_split"]["topic_v%d" % v] = split_seed(v, 0x04, [0, 1])
        out["produce_split"]["all_but_one_v%d" % v] = split_seed(v, 0x03, [2])
    out["produce_split"]["none_v9"] = split_seed(9, 0x00, [0, 1, 2])
    out["produce_split"]["all_v9"] = split_seed(9, 0x07, [])
    out["metadata_topics"] = {"v%d" % v: bytes([v]) + metadata_response(v) for v in (0, 1, 7, 9, 10, 12, 13)}
    out["api_versions"] = {
        "request_v0": bytes([0, 0]),
        "request_v3": bytes([0, 3]) + s(True, "librdkafka") + s(True, "2.0.2") + tags(True),
        "response_v0": bytes([1, 0]) + response(1, api_versions_response(0, KAFKA_4_4), False),
        "response_v3": bytes([1, 3]) + response(1, api_versions_response(3, NEWER), False),
        "response_error": bytes([1, 4]) + i32(1) + i16(35) + arr(False, [i16(18) + i16(0) + i16(3)]),
    }
    frames = b"".join(i32(len(m)) + m for m in (b"", b"abc", produce_request(3), b"\x00" * 300))
    out["framer"] = {
        # byte 0 bit 0: raw (0) / synthetic (1); bits 1-2: max_frame 16, 1000, 70000, 4 MiB
        "raw_small": bytes([0 | 3 << 1]) + b"seedseed" + frames,
        "raw_bad_size": bytes([0 | 1 << 1]) + b"12345678" + i32(5) + b"hello" + i32(-1) + b"xx",
        # synthetic: size16, flags (0x80: x3, 0x7f: invalid)
        "synth_big": bytes([1 | 3 << 1]) + b"abcdefgh" + bytes([0, 10, 0, 0x7f, 0xd0, 0x80, 0, 1, 0]),
        "synth_invalid": bytes([1 | 1 << 1]) + b"zzzzzzzz" + bytes([0, 5, 0, 0, 1, 0x7f]),
    }
    # Session: commands (0 client bytes, 1 broker bytes, 2 tick, 3 verdicts) then their bytes.
    def cmd_bytes(client, b):
        return bytes([(0 if client else 1) | (len(b) >> 8) << 2, len(b) & 0xff]) + b
    def req(key, ver, corr, body, flex=False):
        m = req_header(key, ver, corr, "fuzz", flex) + body
        return i32(len(m)) + m
    def resp(corr, body):
        return i32(len(body) + 4) + i32(corr) + body
    p7 = req(0, 7, 1, produce_request(7))
    lo = req(2, 1, 2, i32(-1) + arr(False, []))
    out["session"] = {
        "pipelined": cmd_bytes(True, p7 + lo) + cmd_bytes(False, resp(1, b"x" * 20) + resp(2, b"y")),
        "held": bytes([3 | 2 << 2, 0x09, 0x10 | 5]) + cmd_bytes(True, lo) +
                cmd_bytes(False, resp(2, b"z")) + bytes([2 | 63 << 2]),
        "answered": bytes([3 | 1 << 2, 0x02 | 6 << 3]) + cmd_bytes(True, p7),
        "sasl_v0": cmd_bytes(True, req(17, 0, 3, s(False, "PLAIN"))) +
                   cmd_bytes(False, resp(3, i16(0) + arr(False, [s(False, "PLAIN")]))) +
                   cmd_bytes(True, i32(3) + b"abc"),
    }
    # The fault engine in a session: the same commands (3: restart the scenario's clock).
    def produce_seed(v, corr):
        flex = v >= 9
        return req(0, v, corr, split_request(v), flex)
    def produce_answer(v, corr, kept):
        body = split_response(v, kept)
        hdr = i32(corr) + (tags(True) if v >= 9 else b"")
        return i32(len(hdr) + len(body)) + hdr + body
    tick = bytes([2 | 8 << 2])
    out["faults"] = {}
    for v in (3, 7, 9, 13):
        frames = produce_seed(v, 1) + produce_seed(v, 2) + lo
        answers = (produce_answer(v, 1, [0, 2]) + produce_answer(v, 2, [0, 1, 2]) +
                   resp(2, b"y"))
        out["faults"]["produce_v%d" % v] = (cmd_bytes(True, frames) + tick +
                                            cmd_bytes(False, answers) + tick + tick)
    out["faults"]["metadata_v9"] = cmd_bytes(True, req(3, 9, 5, arr(True, []) + b"\x00\x00" +
                                                       tags(True), True)) + \
        cmd_bytes(False, i32(len(metadata_response(9)) + 5) + i32(5) + tags(True) +
                  metadata_response(9)) + tick
    out["config"] = {
        "minimal.yaml": b"upstream: k1:9092\nlisten: 9092\n",
        "every_key.yaml": b"""upstream: [k1:9092, "[::1]:9093"]
listen: "[::1]:19092"
advertise: proxy.example
broker_ports: 20000
node_id_base: 1
broker_port:
  1: 21000
  2: 21001
upstream_bind: 127.0.0.2
max_frame_bytes: 1048576
connect_timeout_ms: 2500
drain_timeout_ms: 100
log_level: warn
log_format: json
""",
        "lists.yaml": b"upstream:\n  - a:1\n  - b:2,c:3\nlisten: 0.0.0.0:9000\nbroker-port: [\"4=9300\"]\n",
        "bad_key.yaml": b"listen: 9092\nnope: 1\n",
    }
    # The admin request reader: two bytes that seed the read sizes and pauses, then HTTP.
    out["admin"] = {
        "get": b"\x01\x07GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "pipelined": b"\x02\x09GET /metrics?name=x HTTP/1.1\r\nAccept: text/plain\r\n"
                     b"Authorization: Bearer abc\r\n\r\nHEAD / HTTP/1.1\r\n\r\n"
                     b"GET /api/v1/clients HTTP/1.1\r\nConnection: close\r\n\r\n",
        "body": b"\x03\x11POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.0\r\n\r\n",
        "chunked": b"\x04\x13GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"4\r\nbody\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
        "absolute": b"\x05\x17GET http://h:1/p?q#f HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n",
        "upgrade": b"\x06\x1dGET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nxx",
        "garbage": b"\x07\x1fGARBAGE\r\n\r\n",
        "big_header": b"\x08\x25GET / HTTP/1.1\r\nX: " + b"a" * 17000 + b"\r\n\r\n",
        # The scenario API's requests: YAML bodies on PUT and POST, DELETE without one, and the
        # refusals a body can earn (411 unframed, 413 declared too large).
        "put_yaml": b"\x09\x2bPUT /api/v1/scenarios/leader-election HTTP/1.1\r\n"
                    b"Content-Type: application/yaml\r\nContent-Length: 47\r\n\r\n"
                    b"name: leader-election\nrules:\n  - action: error\n"
                    b"DELETE /api/v1/scenarios/leader-election HTTP/1.1\r\n\r\n",
        "post_chunked": b"\x0a\x31POST /api/v1/scenarios HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                        b"Authorization: Bearer t\r\n\r\n"
                        b"b\r\nname: a\nx: \r\n2\r\n1\n\r\n0\r\n\r\n"
                        b"DELETE /api/v1/scenarios HTTP/1.1\r\nConnection: close\r\n\r\n",
        "put_nul_body": b"\x0b\x35PUT /api/v1/scenarios/x HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
                        b"a\x00b\x00c",
        "put_unframed": b"\x0c\x3bPUT /api/v1/scenarios/x HTTP/1.1\r\n\r\nname: x\n",
        "post_too_large": b"\x0d\x3dPOST /api/v1/scenarios HTTP/1.1\r\n"
                          b"Content-Length: 1048577\r\n\r\nname",
    }
    # The scenario loader: scenario files, good and broken (scenarios/README.md).
    out["scenario"] = {
        "full.yaml": b"""name: leader-election
description: partition 0 loses its leader
seed: 42
dry_run: false
max_duration: 10m
rules:
  - name: orders-p0-not-leader
    match:
      api: produce
      versions: 3-13
      client_id: "orders-*"
      client_host: "10.0.*"
      client_software: "librdkafka/*"
      topic: orders
      partitions: [0, 1]
      brokers: [2]
      acks: all
      idempotent: true
      transactional: false
    at: 5s
    for: 3s
    period: 30s
    probability: 0.5
    every: 3
    skip: 10
    max: 100
    error: NOT_LEADER_OR_FOLLOWER
""",
        "actions.yaml": b"""name: every-action
rules:
  - error: {code: NOT_ENOUGH_REPLICAS_AFTER_APPEND, when: after}
  - latency: {distribution: uniform, min_ms: 10, max_ms: 500, path: response}
  - latency: {distribution: normal, ms: 100, stddev_ms: 20}
  - latency: {ms: 200, jitter_ms: 50}
  - latency: 1.5s
  - throttle: {ms: 500, enforce: true}
  - disconnect: {when: mid, reset: true}
  - stall: true
  - drop: true
  - refuse: true
    match: {brokers: [1, 2], client_host: "10.*"}
  - bandwidth: 64KiB
  - leader: none
    match: {api: metadata, topic: "orders-*"}
""",
        "broken.yaml": b"""name: bad name
seed: -1
rules:
  - match: {api: fetch, acks: 1, versions: 19, bogus: 1}
    error: THROTTLING_QUOTA_EXCEEDED
    latency: 5
  - refuse: true
    every: 3
---
x: 1
""",
        "anchors.yaml": b"name: a\nrules:\n  - &r {drop: true, match: &m {partitions: [1, 2]}}\n"
                        b"  - {stall: true, match: *m}\n",
    }
    # The export of a recording (fuzz_record.c reads the input as one): 4 names (a length, then
    # bytes), flags (bit 0: the scenario named after name 3; bits 1-2: topic maps, 3-4: broker
    # maps), the maps, then ops of a window each: 0 Produce results with an error, 1 throttle,
    # 2 latency samples, 3 leaderless, 4 connects, 5 Produce results.
    def names(*ns):
        return b"".join(bytes([len(n)]) + n for n in ns)

    def produce_err(w, node, part, name, total, errs, code):
        return bytes([0, w, node + 1, part, name]) + struct.pack(">HH", total - 1, errs - 1) + \
            bytes([code])

    def ok(w, node, part, name, total):
        return bytes([5, w, node + 1, part, name]) + struct.pack(">H", total - 1)

    def latency(w, node, us):
        return bytes([2, w, node + 1, len(us) - 1]) + b"".join(struct.pack(">I", u) for u in us)

    # orders[3]: NOT_LEADER_OR_FOLLOWER (code index 0) half the time in windows 2-4, leaderless
    # in 2; broker 1 slow in 5-6; app-1 throttled in 7; broker 2 refusing in 8-9, resetting in 9
    incident = names(b"orders", b"app-1", b"orders-replay", b"incident") + \
        bytes([1 | 1 << 1 | 1 << 3]) + bytes([0, 2]) + bytes([2, 5])
    for w in range(10):
        incident += ok(w, 1 if w < 3 else 2, 3, 0, 10)
        incident += latency(w, 1, [102000 if w in (5, 6) else 2000] * 4)
    for w in (2, 3, 4):
        incident += produce_err(w, 1 if w < 3 else 2, 3, 0, 10, 5, 0)
    incident += bytes([3, 2, 3, 0, 1]) + bytes([1, 7, 1, 1]) + struct.pack(">I", 2000)
    incident += bytes([4, 8, 3, 0, 0, 2]) + bytes([4, 9, 3, 0, 0, 0]) + bytes([4, 9, 3, 1, 0, 3])
    # names a YAML writer has to take care of: quotes, a backslash, glob characters, a newline,
    # a carriage return, DEL, a line separator (U+2028), bytes that are not UTF-8
    odd = names(b'or"de\\rs*[1]', b"app\n# x: 1\r- y", "caf\u00e9\u2028\x7f".encode(),
                b"\xff\xfe ") + bytes([2 | 1 << 1]) + bytes([0, 2])
    for w in range(3):
        odd += produce_err(w, 0, 1, w % 4, 4, 1, w + 1) + produce_err(w, 0, 1, 2, 4, 3, 4)
        odd += bytes([1, w, 1 + w, 9]) + struct.pack(">I", 700) + bytes([3, w, 2, 3, 1])
    out["record"] = {
        "incident": incident,
        "odd_names": odd,
        "empty": b"",
        "big_values": names(b"t", b"c", b"", b"") + bytes([0]) +
        bytes([0, 0, 250]) + struct.pack(">i", 2**31 - 1) + bytes([250]) + struct.pack(">i", -7) +
        bytes([0, 0xff, 0xff, 0xff, 0xff, 0xfe]) + struct.pack(">h", 6) +
        bytes([1, 0, 1, 0]) + struct.pack(">I", 0xffffffff) +
        latency(0, 0, [0xffffffff] * 3) + latency(1, 0, [1] * 3) + latency(2, 0, [1] * 3),
    }
    return out


def main():
    root = os.path.join(HERE, "corpus")
    for target, files in seeds().items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print("wrote", sum(len(f) for f in seeds().values()), "seeds under", root, file=sys.stderr)


if __name__ == "__main__":
    main()
