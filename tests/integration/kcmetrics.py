"""kchaos's produce metrics as tests read them: the admin listener's GET /api/v1/clients (JSON)
and GET /metrics (Prometheus text), and the oracle they are held to on a real cluster, the
broker's own log segments.

The names and fields are kchaos's contract (proxy/metrics/expose.c); nothing here computes a
figure kchaos should have computed, it only reads both views and the broker's disk."""
import glob
import http.client
import json
import os
import re
import struct

import harness


def admin_args():
    """(port, extra kchaos arguments) for an admin listener on a free loopback port."""
    port = harness.free_port_block(1)
    return port, ["--admin", "127.0.0.1:%d" % port]


def get(port, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, "GET %s: %d %r" % (path, r.status, body[:200])
        return body.decode()
    finally:
        c.close()


def recording_windows(port):
    """The windows the recording has covered so far (GET /api/v1/recordings)."""
    return json.loads(get(port, "/api/v1/recordings"))["windows"]


def clients(port):
    """GET /api/v1/clients, parsed."""
    return json.loads(get(port, "/api/v1/clients"))


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _unescape(v):
    return v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


class Prom:
    """GET /metrics, parsed: samples (name, {label: value}, float)."""

    def __init__(self, text):
        self.text = text
        self.samples = []
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            assert m, "not a Prometheus sample line: %r" % line
            labels = {k: _unescape(v) for k, v in _LABEL.findall(m.group(2) or "")}
            self.samples.append((m.group(1), labels, float(m.group(3))))

    def find(self, name, **labels):
        return [(l, v) for n, l, v in self.samples
                if n == name and all(l.get(k) == v for k, v in labels.items())]

    def total(self, name, **labels):
        """The sum of `name` over the samples with these labels."""
        return sum(v for _, v in self.find(name, **labels))

    def value(self, name, **labels):
        """The one sample of `name` with these labels (asserts there is exactly one)."""
        got = self.find(name, **labels)
        assert len(got) == 1, "%d samples of %s%s: %s" % (len(got), name, labels, got[:5])
        return got[0][1]


def prometheus(port):
    return Prom(get(port, "/metrics"))


def producers(js, topic=None):
    """The clients of a /api/v1/clients answer, those that produced to `topic` if given."""
    return [c for c in js["clients"]
            if topic is None or any(t["topic"] == topic for t in c["topics"])]


def client(js, client_id, host="127.0.0.1"):
    got = [c for c in js["clients"] if c["client_id"] == client_id and c["host"] == host]
    assert len(got) == 1, "%d clients %r from %s: %s" % (len(got), client_id, host,
                                                       [(c["client_id"], c["host"]) for c in js["clients"]])
    return got[0]


def topic_of(c, topic):
    got = [t for t in c["topics"] if t["topic"] == topic]
    assert len(got) == 1, "client %s has no topic %r: %s" % (c["client_id"], topic,
                                                            [t["topic"] for t in c["topics"]])
    return got[0]


def flags(c):
    return sorted(r["flag"] for r in c["risks"])


def assert_prometheus_matches(prom, c, topic):
    """The Prometheus series of client `c` and `topic` carry the JSON view's figures."""
    who = {"client_id": c["client_id"], "host": c["host"]}
    t = topic_of(c, topic)
    for field in ("batches", "bytes", "records", "retries", "duplicates", "possible_duplicates"):
        got = prom.value("kchaos_produce_%s_total" % field, topic=topic, **who)
        assert got == t[field], "%s: /metrics says %s, /api/v1/clients %s" % (field, got, t[field])
    for outcome, n in c["requests"].items():
        if outcome != "unanswered":
            assert prom.value("kchaos_produce_requests_total", outcome=outcome, **who) == n, outcome
    risks = set(flags(c))
    for labels, v in prom.find("kchaos_producer_risk", **who):
        assert v == (1 if labels["flag"] in risks else 0), (labels, v, risks)


def wait_records(port, topic, want, timeout=20, idle=True, at_least=False):
    """Poll /api/v1/clients until the producers of `topic` (every topic: None) have `want`
    records (at_least: `want` or more) and (idle: the clients are gone) no request waits for
    its answer, so every answer has been counted."""
    def settled():
        js = clients(port)
        if topic is None:
            n = sum(c["records"] for c in js["clients"])
        else:
            n = sum(topic_of(c, topic)["records"] for c in producers(js, topic))
        enough = n >= want if at_least else n == want
        return js if enough and (not idle or js["inflight_requests"] == 0) else None
    return harness.wait_for(settled, timeout, "kchaos to count %d records of %s" % (want, topic))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


# ---- the oracle on a real cluster: the broker's log segments ----

def broker_data_dir(cluster):
    """The launcher's data directory, from the line it logs at start (kafka.log in the
    cluster's state directory). A launcher command would be cleaner (report: requested)."""
    d = None
    with open(os.path.join(cluster.state_dir, "kafka.log"), errors="replace") as f:
        for line in f:
            m = re.search(r"launcher: Kafka \S+ with \d+ broker\(s\), base port \d+, data in (\S+)", line)
            if m:
                d = m.group(1)
    assert d and os.path.isdir(d), "the launcher's data directory (%s) is not there" % d
    return d


def log_batches(cluster, topic):
    """What the brokers wrote to disk for `topic` (every replica holds the same batches, so
    from the first replica found of each partition):
    {partition: {"batches", "bytes", "records"}} over the data (non-control) record batches.

    A magic-2 batch is written as the producer sent it (the broker assigns offsets in place;
    with compression "producer" it neither re-batches nor recompresses), so its size on disk is
    its size on the wire: baseOffset (8) + batchLength (4) + batchLength."""
    out = {}
    for pdir in sorted(glob.glob(os.path.join(broker_data_dir(cluster), "broker-*", topic + "-*"))):
        part = pdir.rsplit("-", 1)[1]
        if not part.isdigit() or int(part) in out:
            continue
        n = {"batches": 0, "bytes": 0, "records": 0}
        for seg in sorted(glob.glob(os.path.join(pdir, "*.log"))):
            with open(seg, "rb") as f:
                data = f.read()
            pos = 0
            while pos + 61 <= len(data):
                (length,) = struct.unpack_from(">i", data, pos + 8)
                if length <= 0 or pos + 12 + length > len(data):
                    break  # the tail of a batch being written
                magic = data[pos + 16]
                assert magic == 2, "%s: magic %d batch at %d" % (seg, magic, pos)
                (attrs,) = struct.unpack_from(">h", data, pos + 21)
                (records,) = struct.unpack_from(">i", data, pos + 57)
                if not attrs & 0x20:  # control batches (transaction markers) are the broker's
                    n["batches"] += 1
                    n["bytes"] += 12 + length
                    n["records"] += records
                pos += 12 + length
        out[int(part)] = n
    assert out, "no log directory for %s under %s" % (topic, broker_data_dir(cluster))
    return out


def assert_counted(kc_port, cluster, topic, sent, threads_note="", topics=None):
    """The heart of the matrix check: the one producer of `topic` through this kchaos counted
    `sent` records (each once), no retry, no error, and exactly the batches and bytes the
    broker's log holds, per partition; its Prometheus series say the same. Returns
    (client, log) for the report. `topics`: every topic the client may have produced to
    through this kchaos (default: `topic` alone); any other name (a topic id's text) fails."""
    js = wait_records(kc_port, topic, sent)
    ps = producers(js, topic)
    assert len(ps) == 1, "%d producers of %s: %s" % (len(ps), topic, [p["client_id"] for p in ps])
    c = ps[0]
    assert sorted(t["topic"] for t in c["topics"]) == sorted(topics or [topic]), \
        "topics not named %r%s: %s" % (topics or [topic], threads_note, [t["topic"] for t in c["topics"]])
    t = topic_of(c, topic)
    log = log_batches(cluster, topic)
    want = {k: sum(p[k] for p in log.values()) for k in ("batches", "bytes", "records")}
    got = {k: t[k] for k in ("batches", "bytes", "records")}
    assert want["records"] == sent, "the broker's log holds %d records, %d sent" % (want["records"], sent)
    assert got == want, "kchaos counted %s, the broker's log holds %s" % (got, want)
    for p in t["partitions"]:
        lp = log.get(p["partition"], {})
        assert {k: p[k] for k in ("batches", "bytes", "records")} == lp, (p, lp)
    assert t["retries"] == 0 and c["retries"] == 0, "retries in a clean run: %s" % t
    assert t["duplicates"] == 0 and t["possible_duplicates"] == 0, t
    assert t["errors"] == {} and c["errors"] == 0, "errors in a clean run: %s" % t["errors"]
    assert c["requests"]["retriable"] == 0 and c["requests"]["fatal"] == 0, c["requests"]
    assert c["requests"]["ok"] >= 1, c["requests"]
    assert_prometheus_matches(prometheus(kc_port), c, topic)
    return c, want
