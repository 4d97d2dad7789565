"""A real incident recorded and replayed (issue 16), on the real three-broker Kafka 4.4 cluster
(RF 3, min.insync.replicas 2), with Java, franz-go and confluent-kafka producers (acks=all,
100 records/s each, one topic of 3 partitions) through kchaos the whole time:

1. the recording run: `kchaos record` runs while partition 0's leader moves, a broker quota
   (producer_byte_rate) throttles the Java producer, and the leader of partition 1 stops
   (controlled) and comes back; the leader moves the recording saw in Metadata must be the
   cluster's own (its describe before and after each event); the export is checked
   (`kchaos check-scenario`), loaded and written again with the same rules
   (tests/tools/scenario_roundtrip), and fetched again through the admin API with
   `topic-map=old=new`, which must be the same rules;
2. the replay run: another three-broker cluster (KCHAOS_KAFKA_REPLAY, its own JVMs, healthy),
   a topic of another name, the same producers with the same settings, kchaos started with
   `--scenario` on the mapped export; time 0 is the scenario's start (kchaos's log) as it was
   the recording's;
3. per partition the producers meet the same kinds of answers in the same order, each episode
   within SLACK windows, seen two ways: the producers' own logs (Java's "Got error produce
   response" warnings, librdkafka's MSGSET debug lines, franz-go's debug "produced" lines, each
   timed as it arrives) and kchaos's per-client counts (/api/v1/clients, sampled twice a
   second: the brokers' errors while recording, the injected ones in the replay); and each
   producer meets errors on the same partitions as it did (the export's rules are per
   producer), by its own log and by kchaos's counts. The throttle falls on the Java
   producer alone in the same windows (kchaos's throttled responses per client; Java's own
   produce-throttle-time-max only as a whole-run figure, so it is required above 0 in both);
   the broker's stop shows as connections closed in the same windows (kchaos's closes, and the
   producers' own lost connections taken together: the rule cuts whoever asks first). The
   client leg's latency percentiles per window of both runs are printed side by side, not
   gated.

Producers: Java and confluent-kafka non-idempotent, so that an injected error leaves no gap in a
producer sequence for the healthy broker to answer with OUT_OF_ORDER_SEQUENCE_NUMBER (see
test_real_faults.py); franz-go is idempotent whatever it is told with acks=all, so in the
replay the brokers may give it that answer behind an injected error (allowed, and printed).
pytest -s (or the CTest log on failure) shows the export and every figure compared."""
import datetime
import json
import os
import re
import subprocess
import threading
import time

import pytest

import clients
import harness
import kcmetrics

RATE = 100            # records/s per producer
SECONDS = 40          # each producer's run; the incident fits inside it
COUNT = RATE * SECONDS
VALUE = 100           # bytes a value: ~4 KB/s on each broker, against a quota of 2 KB/s
QUOTA = 2000
JAVA_ID = "rr-java"
IDS = {"java": JAVA_ID, "franz": "kchaos-test-franz", "confluent": "kchaos-test-confluent"}
SLACK = 2             # windows: the recording's and the replay's times may differ by this
JAVA_OPTS = ("-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
             "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=info")
# The Java producer's log lines: an error answer for a partition, a connection lost or refused.
JAVA_ERR = re.compile(r"Got error produce response .* on topic-partition (\S+)-(\d+),.*"
                      r"Error: (\w+)")
JAVA_CONN = re.compile(r"Node (-?\d+) disconnected|Connection to node (-?\d+) .*could not be "
                       r"established")
RDK_ERR = re.compile(r"(\S+) \[(\d+)\]: MessageSet with .* encountered error: (.*?) \(actions")
FRANZ_CONN = re.compile(r"killing connection|connection refused|connection reset|broken pipe|"
                        r"unable to open connection", re.I)
FRANZ_PART = re.compile(r"(\d+)\{(?:(move):|(?:retrying|skipped|resetting|fatal)@[^(}]*\(([A-Z_]+))")


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


@pytest.fixture(scope="module")
def replay_kafka():
    """The cluster the incident is replayed on: not the one it was recorded on."""
    state = os.environ.get("KCHAOS_KAFKA_REPLAY")
    assert state, "KCHAOS_KAFKA_REPLAY is not set: run through ctest (kafka3r fixture)"
    return harness.KafkaCluster(state)


class Client:
    """A test client run in the background, every stderr line stamped with the time it arrived
    (seconds after t0), so that a client's own log gives its own timeline."""

    def __init__(self, args, t0, env=None):
        e = dict(os.environ)
        e.update(env or {})
        self.t0, self.lines, self.out = t0, [], []
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=e)
        self.threads = [threading.Thread(target=self._err, daemon=True),
                        threading.Thread(target=self._out, daemon=True)]
        for t in self.threads:
            t.start()

    def _err(self):
        for line in self.p.stderr:
            self.lines.append((time.monotonic() - self.t0, line.rstrip("\n")))

    def _out(self):
        self.out.extend(self.p.stdout)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()

    def result(self, timeout=200):
        try:
            self.p.wait(timeout)
        finally:
            self.kill()
        for t in self.threads:
            t.join(10)
        js = [l for l in self.out if l.startswith("{")]
        assert self.p.returncode == 0 and js, "client failed (%s):\n%s" % (
            self.p.returncode, "\n".join(l for _, l in self.lines[-40:]))
        return json.loads(js[-1])


def start_producers(kc, topic, t0):
    out = {}
    for name in ("java", "franz", "confluent"):
        c = clients.BY_NAME[name]
        if not c.available():
            pytest.fail("%s is not installed: run ./dev.sh deps" % name)
        args = ["--bootstrap", kc.bootstrap, "--topic", topic, "--prefix", name, "--count", COUNT,
                "--rate", RATE, "--acks", "all"]
        env = None
        if name == "java":
            args += ["--client-id", JAVA_ID, "--value-size", VALUE, "--no-idempotence", "--metrics-window-ms", 3600000,
                     "--delivery-timeout-ms", 3600000]
            env = {"JAVA_CLIENT_OPTS": JAVA_OPTS}
        elif name == "franz":
            args += ["--idempotent"]  # its only way with acks=all
            env = {"FRANZ_LOG": "debug"}
        else:
            env = {"KCHAOS_RDKAFKA_DEBUG": "msg"}
        out[name] = Client(c.cmd(*args), t0, env)
    return out


class Sampler:
    """kchaos's view, sampled twice a second: per client and partition the errors it passed on
    from the brokers and the ones it injected, throttled responses per client, and the client
    leg's Produce latency histogram (cumulative buckets, all clients)."""

    def __init__(self, admin, topic, t0):
        self.admin, self.topic, self.t0 = admin, topic, t0
        self.samples, self.stop = [], threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _take(self):
        js = kcmetrics.clients(self.admin)
        prom = kcmetrics.prometheus(self.admin)
        s = {"errors": {}, "injected": {}, "throttled": {}, "buckets": {}}
        for c in js["clients"]:
            cid = c["client_id"]
            if cid not in IDS.values():
                continue
            s["throttled"][cid] = s["throttled"].get(cid, 0) + c["throttle_ms"]["throttled"]
            for t in c["topics"]:
                if t["topic"] != self.topic:
                    continue
                for p in t["partitions"]:
                    for key, src in (("errors", "errors"), ("injected", "injected_errors")):
                        for err, n in p.get(src, {}).items():
                            k = (cid, p["partition"], err)
                            s[key][k] = s[key].get(k, 0) + n
        for labels, v in prom.find("kchaos_produce_latency_seconds_bucket", leg="client"):
            le = float(labels["le"])
            s["buckets"][le] = s["buckets"].get(le, 0) + v
        return s

    def _run(self):
        while True:
            try:
                self.samples.append((time.monotonic() - self.t0, self._take()))
            except Exception:  # noqa: BLE001 - kchaos stopping; the samples so far stand
                pass
            if self.stop.wait(0.5):
                return

    def finish(self):
        self.samples.append((time.monotonic() - self.t0, self._take()))
        self.stop.set()
        self.t.join(10)
        return self

    def deltas(self, key):
        """{series: [(window, increase)]}: where each counter grew, by the 1 s window of the
        sample that saw it."""
        out = {}
        for (ta, a), (t, b) in zip(self.samples, self.samples[1:]):
            for k, v in b[key].items():
                d = v - a[key].get(k, 0)
                if d > 0:  # the middle of the span it grew in
                    out.setdefault(k, []).append((int((ta + t) / 2), d))
        return out

    def latency(self):
        """{window: (count, p50 ms, p99 ms)} of the client leg, from the bucket increases."""
        out = {}
        for (_, a), (t, b) in zip(self.samples, self.samples[1:]):
            w = int(t)
            acc = out.setdefault(w, {})
            for le, v in b["buckets"].items():
                acc[le] = acc.get(le, 0) + v - a["buckets"].get(le, 0)
        res = {}
        for w, cum in out.items():
            les = sorted(cum)
            n = cum[les[-1]] if les else 0
            if n <= 0:
                continue
            q = lambda f: next(le for le in les if cum[le] >= f * n) * 1000  # noqa: E731
            res[w] = (int(n), q(0.5), q(0.99))
        return res


def episodes(events):
    """[(first window, kind)]: the answers in time order, those of one kind less than SLACK
    windows apart taken as one episode; the kinds of answers in the order they came."""
    out, last = [], {}
    for w, k in sorted(set(events)):
        if out and out[-1][1] == k and w - last[k] <= SLACK:
            last[k] = w
            continue
        out.append((w, k))
        last[k] = w
    return out


NAMES = {"NOT_LEADER_FOR_PARTITION": "NOT_LEADER_OR_FOLLOWER",
         "Broker: Not leader for partition": "NOT_LEADER_OR_FOLLOWER",
         "Broker: Not enough in-sync replicas": "NOT_ENOUGH_REPLICAS",
         "Broker: Request timed out": "REQUEST_TIMED_OUT",
         "Broker: Broker: Out of order sequence number": "OUT_OF_ORDER_SEQUENCE_NUMBER"}


def kchaos_view(sampler, key):
    """kchaos's count of what the clients received: {partition: [(window, error)]}, and the
    same per (client, partition) for the printout."""
    parts, by_client = {}, {}
    for (cid, part, err), ds in sampler.deltas(key).items():
        for w, _ in ds:
            parts.setdefault(part, []).append((w, err))
            by_client.setdefault((cid, part), []).append((w, err))
    return parts, by_client


def client_view(prods, topic):
    """The producers' own logs: {client: {partition: [(window, error)]}}. Java: its "Got error
    produce response" warnings; librdkafka: its MSGSET debug lines; franz-go: its debug
    "produced" lines (retrying@..(ERR), or move: for NOT_LEADER with a KIP-951 hint)."""
    out = {"java": {}, "confluent": {}, "franz": {}}
    for t, line in prods["java"].lines:
        m = JAVA_ERR.search(line)
        # NETWORK_EXCEPTION is the Java client's own name for a request its lost connection
        # took with it (the outage's view below), not a broker's answer.
        if m and m.group(1) == topic and m.group(3) != "NETWORK_EXCEPTION":
            out["java"].setdefault(int(m.group(2)), []).append((int(t), m.group(3)))
    for t, line in prods["confluent"].lines:
        m = RDK_ERR.search(line)
        if m and m.group(1) == topic and not m.group(3).startswith("Local:"):
            # "Local: ..." is librdkafka's own (a connection lost): not an answer
            err = NAMES.get(m.group(3), m.group(3))
            out["confluent"].setdefault(int(m.group(2)), []).append((int(t), err))
    for t, line in prods["franz"].lines:
        if "produced" not in line or topic + "[" not in line:
            continue
        body = line.split(topic + "[", 1)[1]
        for m in FRANZ_PART.finditer(body):
            err = "NOT_LEADER_OR_FOLLOWER" if m.group(2) else m.group(3)
            out["franz"].setdefault(int(m.group(1)), []).append((int(t), NAMES.get(err, err)))
    return out


def union(views, drop=()):
    parts = {}
    for v in views:
        for part, ev in v.items():
            parts.setdefault(part, []).extend(e for e in ev if e[1] not in drop)
    return parts


def rdkafka_transport_windows(lines):
    """librdkafka's own view of a connection lost or refused (its error_cb and debug lines)."""
    return sorted({int(t) for t, l in lines if "transport failure" in l.lower() or
                   "connection refused" in l.lower() or "disconnected" in l.lower()})


def conn_windows(kc, t0_wall, listener):
    """Windows in which kchaos closed a client's connection to `listener` because the broker
    refused, reset or closed it (recording), or a fault refused or closed it (replay):
    {window: [reasons]}."""
    out = {}
    for e in kc.conn_summaries():
        if e.get("listener") != listener:
            continue
        reason = e.get("reason", "")
        if not re.search(r"cannot connect to broker|broker connection failed|broker closed the "
                         r"connection|by a fault", reason):
            continue
        ts = datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
        out.setdefault(int(ts - t0_wall), []).append(reason[:60])
    return out


def franz_conn_windows(lines):
    """franz-go's own view (its debug log) of a connection lost or refused."""
    return sorted({int(t) for t, l in lines if FRANZ_CONN.search(l)})


def java_conn_windows(lines, node):
    """The Java producer's own view of a connection lost: the node disconnected or refused, or
    a request failed with NETWORK_EXCEPTION (its name for one a lost connection took)."""
    out = set()
    for t, line in lines:
        m = JAVA_CONN.search(line)
        if m and int(m.group(1) or m.group(2)) == node or "Error: NETWORK_EXCEPTION" in line:
            out.add(int(t))
    return out


def episodes_by(parts):
    return {p: episodes(ev) for p, ev in parts.items()}


def near(w, ws, slack=SLACK):
    return any(abs(w - x) <= slack for x in ws)


def wait_records(kafka, topic, more):
    start = sum(json.loads(kafka.ctl("offsets %s" % topic)).values())
    harness.wait_for(lambda: sum(json.loads(kafka.ctl("offsets %s" % topic)).values()) >=
                     start + more, 60, "%d more records in %s" % (more, topic), interval=0.2)


def moved(before, after, mark):
    """(partition, leader before, leader after, mark) of each partition whose leader changed."""
    return [(p, before[p], after[p], mark) for p in sorted(before) if before[p] != after.get(p)]


def leaders(kafka, topic):
    return {p["partition"]: p["leader"]
            for p in json.loads(kafka.ctl("describe %s" % topic))["partitions"]}


def throttled_windows(sampler, cid):
    return sorted({w for w, _ in sampler.deltas("throttled").get(cid, [])})


def record(kafka, tmp_path):
    """The recording run. Returns what the comparison needs."""
    topic = kafka.new_topic("rr-rec")
    out = str(tmp_path / "incident.yaml")
    admin = harness.free_port_block(1)
    marks = {}
    kafka.ctl("quota %s producer_byte_rate=none" % JAVA_ID)
    with harness.Kchaos(kafka, extra=["--admin", "127.0.0.1:%d" % admin, "--threads", "1"],
                        log_level="info") as kc:
        rec = {}
        t = threading.Thread(target=lambda: rec.setdefault("r", harness.kchaos_cli(
            "record", "--admin", "127.0.0.1:%d" % admin, "--out", out, "--for",
            "%ds" % (SECONDS + 4), "--topic", topic, timeout=SECONDS + 60)), daemon=True)
        t.start()
        harness.wait_for(lambda: '"running"' in kcmetrics.get(admin, "/api/v1/recordings"),
                         what="the recording to start")
        t0, t0_wall = time.monotonic(), time.time()
        sampler = Sampler(admin, topic, t0)
        prods = start_producers(kc, topic, t0)
        stamp = lambda what: marks.setdefault(what, round(time.monotonic() - t0, 1))  # noqa
        victim, cluster_moves = None, []
        try:
            wait_records(kafka, topic, 900)
            lead = leaders(kafka, topic)
            stamp("move-leader p0")
            kafka.ctl("move-leader %s 0 %d" % (topic, lead[0] % 3 + 1))
            wait_records(kafka, topic, 900)
            cluster_moves += moved(lead, leaders(kafka, topic), marks["move-leader p0"])
            stamp("quota on")
            kafka.ctl("quota %s producer_byte_rate=%d" % (JAVA_ID, QUOTA))
            harness.wait_for(lambda: len(throttled_windows(sampler, JAVA_ID)) >= 3, 30,
                             "the quota to throttle the Java producer in 3 windows")
            stamp("quota off")
            kafka.ctl("quota %s producer_byte_rate=none" % JAVA_ID)
            wait_records(kafka, topic, 600)
            lead = leaders(kafka, topic)
            victim = lead[1]
            stamp("stop broker %d" % victim)
            kafka.ctl("stop-broker %d controlled" % victim)
            wait_records(kafka, topic, 900)
            cluster_moves += moved(lead, leaders(kafka, topic), marks["stop broker %d" % victim])
        finally:
            kafka.ctl("quota %s producer_byte_rate=none" % JAVA_ID)
            if victim is not None:
                kafka.ctl("start-broker %d" % victim, timeout=180)
                stamp("start broker %d" % victim)
        summaries = finish(prods, sampler)
        t.join(SECONDS + 60)
        r = rec["r"]
        assert r.returncode == 0, r.stdout + r.stderr
        mapped = kcmetrics.get(admin, "/api/v1/recordings/scenario?topic-map=%s=%s" % (
            topic, "REPLAY_TOPIC"))
        timeline = json.loads(kcmetrics.get(admin, "/api/v1/recordings/timeline"))
        state = kcmetrics.get(admin, "/api/v1/recordings")
    return dict(topic=topic, out=out, mapped=mapped, state=state, kc=kc, t0_wall=t0_wall,
                sampler=sampler, prods=prods, summaries=summaries, marks=marks, victim=victim,
                timeline=timeline, cluster_moves=cluster_moves)


def finish(prods, sampler):
    """Each producer's summary once it is done (killed if it is not), then the sampler's end."""
    try:
        return {n: c.result() for n, c in prods.items()}
    finally:
        for c in prods.values():
            c.kill()
        sampler.finish()


def replay(kafka, tmp_path, mapped):
    topic = kafka.new_topic("rr-rep")
    path = str(tmp_path / "replay.yaml")
    with open(path, "w") as f:
        f.write(mapped.replace("REPLAY_TOPIC", topic))
    admin = harness.free_port_block(1)
    with harness.Kchaos(kafka, extra=["--admin", "127.0.0.1:%d" % admin, "--threads", "1",
                                      "--scenario", path], log_level="info") as kc:
        # The scenario's timeline began when kchaos loaded it (its log says when): time 0 of
        # the replay, as the recording's start was of the recording.
        started = [e for e in kc.events() if re.match(r"scenario \S+ started", e.get("msg", ""))]
        assert started, kc.log_text()[-2000:]
        # Loaded whole: every rule of the export (kchaos says how many it started).
        nrules = mapped.count("\n  - name: ")
        assert nrules and "(%d rules" % nrules in started[0]["msg"], (nrules, started[0]["msg"])
        t0_wall = datetime.datetime.fromisoformat(
            started[0]["ts"].replace("Z", "+00:00")).timestamp()
        t0 = time.monotonic() - (time.time() - t0_wall)
        sampler = Sampler(admin, topic, t0)
        prods = start_producers(kc, topic, t0)
        summaries = finish(prods, sampler)
    return dict(topic=topic, path=path, kc=kc, t0_wall=t0_wall, sampler=sampler, prods=prods,
                summaries=summaries, started=started)


def test_record_a_real_incident_and_replay_it(kafka, replay_kafka, tmp_path):
    t_start = time.monotonic()
    a = record(kafka, tmp_path)
    text = open(a["out"]).read()
    print("\n---- export (%s) ----\n%s" % (a["state"], text))
    print("recording marks (s after t0): %s" % a["marks"])
    # The leaders that moved, as the recording saw them in Metadata, against the cluster's own
    # answer (describe) before and after each event: the same partition, from and to, within
    # SLACK windows of the event (the recording began just before t0).
    seen = {q["partition"]: q.get("leaders", []) for q in a["timeline"]["partitions"]
            if q["topic"] == a["topic"]}
    print("leader moves: cluster %s | recorded %s" % (a["cluster_moves"], seen))
    assert {p for p, *_ in a["cluster_moves"]} >= {0, 1}, a["cluster_moves"]
    for part, before, after, mark in a["cluster_moves"]:
        assert any((f, t) == (before, after) and near(w, [int(mark)]) for w, f, t in
                   seen.get(part, [])), (part, before, after, mark, seen)
        assert "led by broker %d, then %d" % (before, after) in text, text[:3000]
    chk = harness.kchaos_cli("check-scenario", a["out"])
    assert chk.returncode == 0, chk.stdout + chk.stderr
    print(harness.scenario_roundtrip(a["out"]))  # load -> export gives the same rules
    # The admin API's export with topic-map is the CLI's with the topic renamed, rule for rule.
    assert a["mapped"].replace("REPLAY_TOPIC", a["topic"]) == text, a["mapped"]

    assert replay_kafka.bootstrap != kafka.bootstrap
    b = replay(replay_kafka, tmp_path, a["mapped"])
    chk = harness.kchaos_cli("check-scenario", b["path"])
    assert chk.returncode == 0, chk.stdout + chk.stderr
    wall = time.monotonic() - t_start

    for r in (a, b):
        for name, s in r["summaries"].items():
            assert s["acked"] == COUNT, (name, s)

    # ---- latency per window, side by side (printed, not gated) ----
    la, lb = a["sampler"].latency(), b["sampler"].latency()
    print("client-leg Produce latency per window (n, p50 ms, p99 ms): recording | replay")
    for w in sorted(set(la) | set(lb)):
        x, y = la.get(w), lb.get(w)
        print("  %3d  %-28s | %s" % (w, "%5d %8.1f %8.1f" % x if x else "-",
                                     "%5d %8.1f %8.1f" % y if y else "-"))
    # ---- per partition, the kinds of answers in order ----
    # In order and in time the producers are compared together, per partition: a producer's
    # own first request to a partition in a window may go out a window or two later in the
    # replay (its linger, its requests in flight); who met what is compared per producer below.
    own = {r: client_view(x["prods"], x["topic"]) for r, x in (("recording", a), ("replay", b))}
    kc_rec, kc_rec_by = kchaos_view(a["sampler"], "errors")
    kc_rep, kc_rep_by = kchaos_view(b["sampler"], "injected")
    _, kc_rep_broker = kchaos_view(b["sampler"], "errors")
    # franz-go's OUT_OF_ORDER_SEQUENCE_NUMBER in the replay is the healthy broker's answer to
    # the gap an injected error left in its sequence (allowed below, from kchaos's count).
    rep_own = dict(own["replay"])
    rep_own["franz"] = union([rep_own["franz"]], drop={"OUT_OF_ORDER_SEQUENCE_NUMBER"})
    views = {"clients' own logs": (episodes_by(union(own["recording"].values())),
                                   episodes_by(union(rep_own.values()))),
             "kchaos's per-client counts": (episodes_by(kc_rec), episodes_by(kc_rep))}
    print("\nanswers per partition, (first window, error) episodes: recording | replay")
    for what, (x, y) in views.items():
        for part in sorted(set(x) | set(y)):
            print("  %-27s p%d  %-50s | %s" % (what, part, x.get(part, []), y.get(part, [])))
    for r in ("recording", "replay"):
        for name, v in own[r].items():
            print("  %s, %s's own log: %s" % (r, name, {p: episodes(e) for p, e in v.items()}))
    print("  replay, kchaos per client: injected %s; the brokers' own %s" % (
        {k: episodes(v) for k, v in kc_rep_by.items()},
        {k: episodes(v) for k, v in kc_rep_broker.items()}))
    # Each producer meets the errors on the partitions it met them on, and no other: the
    # export gives each its own rules (by its own log, and by kchaos's per-client counts).
    for name in own["recording"]:
        met = lambda v: {(p, e) for p, ev in v.items() for _, e in ev}  # noqa: E731
        assert met(own["recording"][name]) == met(rep_own[name]), \
            (name, own["recording"][name], rep_own[name])
    kinds = lambda by: {(c, p, e) for (c, p), ev in by.items() for _, e in ev}  # noqa: E731
    assert kinds(kc_rec_by) == kinds(kc_rep_by), (kc_rec_by, kc_rep_by)
    for what, (x, y) in views.items():
        assert x, "%s: the incident gave no producer an error; the run proves nothing" % what
        for part in set(x) | set(y):
            rec, rep = x.get(part, []), y.get(part, [])
            assert [e for _, e in rep] == [e for _, e in rec] and all(
                abs(w1 - w2) <= SLACK for (w1, _), (w2, _) in zip(rec, rep)), \
                "%s, partition %d: recorded %s, replayed %s" % (what, part, rec, rep)
    # Only franz-go (idempotent) may meet the healthy brokers' OUT_OF_ORDER_SEQUENCE_NUMBER
    # behind an injected error (a gap in its sequence the real incident did not leave).
    for (cid, part), ev in kc_rep_broker.items():
        assert cid == IDS["franz"] and {e for _, e in ev} <= {"OUT_OF_ORDER_SEQUENCE_NUMBER"}, \
            "the healthy brokers answered %s to %s partition %d" % (ev, cid, part)

    # ---- throttle: the same client, the same windows ----
    thr = {r: {cid: throttled_windows(x["sampler"], cid) for cid in IDS.values()}
           for r, x in (("recording", a), ("replay", b))}
    jm = {r: x["summaries"]["java"]["metrics"] for r, x in (("recording", a), ("replay", b))}
    print("throttled windows per client: %s" % thr)
    print("java's own produce-throttle-time avg/max: recording %.1f/%.0f ms, replay %.1f/%.0f ms"
          % (jm["recording"]["produce-throttle-time-avg"] or 0,
             jm["recording"]["produce-throttle-time-max"] or 0,
             jm["replay"]["produce-throttle-time-avg"] or 0,
             jm["replay"]["produce-throttle-time-max"] or 0))
    assert thr["recording"][JAVA_ID], "the quota throttled nothing"
    for cid in IDS.values():
        rw, pw = thr["recording"][cid], thr["replay"][cid]
        assert all(near(w, pw) for w in rw) and all(near(w, rw) for w in pw), (cid, rw, pw)
    for r in ("recording", "replay"):
        assert (jm[r]["produce-throttle-time-max"] or 0) > 0, (r, jm[r])

    # ---- the broker's outage: refused or reset connections in the same windows ----
    listener = "broker %d" % a["victim"]
    crec = conn_windows(a["kc"], a["t0_wall"], listener)
    crep = conn_windows(b["kc"], b["t0_wall"], listener)
    jcrec = java_conn_windows(a["prods"]["java"].lines, a["victim"])
    jcrep = java_conn_windows(b["prods"]["java"].lines, a["victim"])
    print("broker %d outage, kchaos's closes by window: recording %s\n  replay %s" % (
        a["victim"], crec, crep))
    print("  java's own (disconnected/refused) windows: recording %s | replay %s" % (
        sorted(jcrec), sorted(jcrep)))
    rrec = rdkafka_transport_windows(a["prods"]["confluent"].lines)
    rrep = rdkafka_transport_windows(b["prods"]["confluent"].lines)
    print("  librdkafka's own (transport failure/refused) windows: recording %s | replay %s" % (
        rrec, rrep))
    frec = franz_conn_windows(a["prods"]["franz"].lines)
    frep = franz_conn_windows(b["prods"]["franz"].lines)
    print("  franz-go's own (connection killed/refused) windows: recording %s | replay %s" % (
        frec, frep))
    assert crec, "the broker's stop closed no connection through kchaos"
    assert all(near(w, crep) for w in crec), (crec, crep)
    assert all(near(w, crec) for w in crep), (crec, crep)
    # The producers' own view of it, together (the export's rule cuts the first connections to
    # that broker, whoever holds them, as it records no client): lost connections, same windows.
    x, y = set(jcrec) | set(rrec) | set(frec), set(jcrep) | set(rrep) | set(frep)
    assert x, "no producer saw a connection lost while broker %d stopped" % a["victim"]
    assert all(near(w, y) for w in x) and all(near(w, x) for w in y), (x, y)

    print("wall time of the two runs: %.1f s" % wall)
