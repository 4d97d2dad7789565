"""The fault engine (proxy/fault/) seen from outside: scenario files given to a real kchaos in
front of librdkafka's mock cluster, and what each fault does judged by an independent source,
never by kchaos's own idea of it: the producer's own report and librdkafka statistics
(tests/clients/c/rdkafka_client.c), the end offsets the mock brokers hold (ListOffsets asked of
them directly), Produce and Metadata answers read here byte by byte (kwire), and wall time.
kchaos's counters (/metrics, /api/v1/clients, its log) are then held to those figures."""
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

import harness
import kcmetrics
import kwire

TOPIC = "t"  # three partitions
ONE = "one"  # one partition: every record on one connection
PARTS = [0, 1, 2]


@pytest.fixture
def mock():
    with harness.MockCluster(brokers=3, topics=[TOPIC + ":3", ONE + ":1"]) as c:
        yield c


def scenario_file(tmp_path, text, name="s.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@contextlib.contextmanager
def faulty(mock, *files, extra=()):
    """kchaos with an admin listener, the scenario files, info logs (each injection a line)."""
    admin, args = kcmetrics.admin_args()
    for f in files:
        args += ["--scenario", f]
    with harness.Kchaos(mock, extra=args + list(extra), log_level="info") as kc:
        kc.admin = admin
        yield kc


def produce(kc, prefix, count, *more, topic=TOPIC, idempotent=True, timeout=120):
    args = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", topic,
            "--prefix", prefix, "--count", str(count), "--acks", "all", "--stats",
            "--allowed-ports", kc.allowed_ports_arg()] + (["--idempotent"] if idempotent else [])
    return harness.run_client(args + [str(a) for a in more], timeout=timeout)


def messages(kc, prefix="fault"):
    """Log lines (msg, or a connection summary's close reason) that start with prefix."""
    return [e.get("msg", e.get("reason", "")) for e in kc.events()
            if e.get("msg", e.get("reason", "")).startswith(prefix)]


def injected(kc, scenario, rule):
    return kcmetrics.prometheus(kc.admin).value("kchaos_faults_injected_total", scenario=scenario,
                                                rule=rule)


def end_offsets(mock, topic=TOPIC, parts=PARTS):
    return harness.mock_end_offsets(mock, topic, parts)


def assert_exactly_once(mock, s, count, topic=TOPIC, parts=PARTS):
    """Every record acknowledged, and the brokers hold exactly `count` records (a fresh cluster:
    offsets from 0), so none was written twice."""
    assert s["acked"] == count and not s["errors"], (s["acked"], s["errors"])
    offs = end_offsets(mock, topic, parts)
    assert sum(offs.values()) == count, "brokers hold %s records, %d sent" % (offs, count)
    return offs


def partition_txmsgs(path, topic=TOPIC):
    """librdkafka's own per-partition count of messages it transmitted (retransmissions
    included), from the last statistics report."""
    with open(path) as f:
        st = json.load(f)
    return {int(p): v["txmsgs"] for p, v in st["topics"][topic]["partitions"].items()
            if int(p) >= 0}


# ---- 1. error before the broker ----

ERR_P0 = """name: p0err
seed: 7
%s
rules:
  - name: p0-not-leader
    match: {api: produce, topic: "t", partitions: [0]}
    max: 4
    error: NOT_LEADER_OR_FOLLOWER
"""


def test_error_before_broker_is_partition_exact(mock, tmp_path):
    """NOT_LEADER_OR_FOLLOWER before the broker on partition 0 only, max 4: the idempotent
    producer delivers every record once, exactly 4 injections (metric, log lines naming t-0),
    librdkafka retransmitted partition 0's records and nothing of partitions 1-2."""
    f = scenario_file(tmp_path, ERR_P0 % "")
    stats = str(tmp_path / "stats.json")
    with faulty(mock, f) as kc:
        # One request in flight: librdkafka's mock accepts an idempotent batch past a sequence
        # gap (a real broker answers OUT_OF_ORDER_SEQUENCE_NUMBER) and then takes the earlier
        # batch's retry for a duplicate, so the gap the last injection leaves before a batch
        # already on its way would lose that batch here, and only here (README, Faults).
        s = produce(kc, "e", 600, "--stats-json", stats, "--linger-ms", 20, "--max-in-flight", 1)
        offs = assert_exactly_once(mock, s, 600)
        tx = partition_txmsgs(stats)
        assert injected(kc, "p0err", "p0-not-leader") == 4
        lines = messages(kc)
        assert len(lines) == 4, lines
        assert all(l.endswith("error NOT_LEADER_OR_FOLLOWER before the broker on Produce v7: t-0")
                   for l in lines), lines
        # The producer's own view: partition 0 sent again, 1 and 2 once.
        assert tx[0] > offs[0], "librdkafka retransmitted nothing on t-0: %s vs %s" % (tx, offs)
        assert s["stats"]["txmsgs"] > 600
        assert tx[1] == offs[1] and tx[2] == offs[2], "t-1/t-2 retransmitted: %s vs %s" % (tx, offs)
        c = kcmetrics.client(kcmetrics.wait_records(kc.admin, TOPIC, 600), "kchaos-test-rdkafka")
        per = {p["partition"]: p for p in kcmetrics.topic_of(c, TOPIC)["partitions"]}
        print("kchaos t-0: errors %s retries %d; librdkafka resent %d" %
              (per[0]["errors"], per[0]["retries"], tx[0] - offs[0]))
        assert per[1]["errors"] == {} and per[2]["errors"] == {}, per
        assert per[1]["retries"] == 0 and per[2]["retries"] == 0, per


# ---- 2. error after the broker ----

AFTER_P1 = """name: after
rules:
  - name: p1-after
    match: {api: produce, topic: "t", partitions: [1]}
    max: 3
    error: {code: NOT_ENOUGH_REPLICAS_AFTER_APPEND, when: after}
"""


def test_error_after_broker_writes_duplicates(mock, tmp_path):
    """An error after the broker: written, answer replaced. A plain producer (acks all, retries
    on) writes every faulted batch again: the brokers hold more records than were sent, exactly
    what kchaos calls duplicates. (An idempotent producer writes none: proven on a real broker,
    real_faults::test_ack_lost_duplicates[idempotent]; librdkafka's mock does not deduplicate.)"""
    f = scenario_file(tmp_path, AFTER_P1)
    with faulty(mock, f) as kc:
        s = produce(kc, "a", 600, "--linger-ms", 20, idempotent=False)
        assert s["acked"] == 600 and not s["errors"], s
        offs = end_offsets(mock)
        written = sum(offs.values()) - 600
        assert injected(kc, "after", "p1-after") == 3
        c = kcmetrics.client(kcmetrics.wait_records(kc.admin, TOPIC, 600), "kchaos-test-rdkafka")
        t = kcmetrics.topic_of(c, TOPIC)
        print("duplicates written %d; kchaos: duplicates %d possible %d" %
              (written, t["duplicates"], t["possible_duplicates"]))
        assert written > 0, "no duplicate written after 3 replaced answers: %s" % offs
        # kchaos saw each answer it replaced before the client did: it knows each write.
        assert t["duplicates"] == written and t["possible_duplicates"] == 0, (written, t)


# ---- 3. latency ----

LATENCY = """name: slow
rules:
  - name: slow-produce
    match: {api: produce, client_id: "slow-*"}
    latency: 300ms
"""


def test_latency_on_request_path_for_one_client(mock, tmp_path):
    """300 ms on the request path of client slow-1's Produce requests: librdkafka's own round
    trip time for it rises by at least that; client fast-1 through the same kchaos does not."""
    f = scenario_file(tmp_path, LATENCY)
    with faulty(mock, f) as kc:
        slow = produce(kc, "s", 100, "--client-id", "slow-1", "--linger-ms", 5)
        fast = produce(kc, "f", 100, "--client-id", "fast-1", "--linger-ms", 5)
        assert slow["acked"] == 100 and fast["acked"] == 100
        ss, fs = slow["stats"], fast["stats"]
        print("rtt max: slow %.1f ms, fast %.1f ms; elapsed slow %d ms fast %d ms" %
              (ss["rtt_max_us"] / 1e3, fs["rtt_max_us"] / 1e3, slow["elapsed_ms"], fast["elapsed_ms"]))
        assert ss["rtt_max_us"] >= 300000, ss
        assert slow["elapsed_ms"] >= 300, slow["elapsed_ms"]
        assert fs["rtt_max_us"] < 150000, fs
        assert injected(kc, "slow", "slow-produce") >= 1
        assert all("client_id" in e and e["client_id"] == "slow-1" for e in kc.events()
                   if e.get("msg", "").startswith("fault:"))


# ---- 4. throttle ----

THROTTLE = """name: thr
rules:
  - name: thr-produce
    match: {api: produce}
    max: 3
    throttle: {ms: 700, enforce: true}
"""


def test_throttle_enforced_on_produce(mock, tmp_path):
    """throttle_time_ms 700 on three Produce responses: librdkafka's own throttle statistics
    show 700 ms; kchaos's throttle figures for the client say the same."""
    f = scenario_file(tmp_path, THROTTLE)
    with faulty(mock, f) as kc:
        s = produce(kc, "th", 200, "--linger-ms", 5, "--max-in-flight", 1, "--rate", 400)
        assert_exactly_once(mock, s, 200)
        st = s["stats"]
        print("librdkafka throttle: max %d ms, peak avg %d ms" % (st["throttle_max_ms"],
                                                                   st["throttle_avg_peak_ms"]))
        assert st["throttle_max_ms"] == 700, st
        assert injected(kc, "thr", "thr-produce") == 3
        c = kcmetrics.client(kcmetrics.wait_records(kc.admin, TOPIC, 200), "kchaos-test-rdkafka")
        assert c["throttle_ms"]["throttled"] == 3, c["throttle_ms"]
        assert c["throttle_ms"]["max"] == 700, c["throttle_ms"]
        # Enforced: three mutes of 700 ms each on the connections that were told.
        assert s["elapsed_ms"] >= 700, s["elapsed_ms"]


# ---- 5. disconnect ----

DISCONNECT = """name: dc
rules:
  - name: dc-produce
    match: {api: produce}
    max: 3
    disconnect: {when: %s, reset: %s}
"""


def probe_close(mock, kc):
    """One Produce (acks 1) to topic one, on a socket of our own, and how kchaos closed it:
    (bytes read first, "reset" (RST) or "eof" (FIN))."""
    leader = metadata_v1(mock.brokers[1][1], [ONE], source=harness.UPSTREAM_SOURCE)[(ONE, 0)][1]
    got = b""
    with socket.create_connection(("127.0.0.1", kc.port_of(leader)), timeout=10) as s:
        s.sendall(kwire.produce_request_v7(1, ONE, 0, kwire.record_batch(b"probe", b"v")))
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return got, "eof"
                got += chunk
        except ConnectionResetError:
            return got, "reset"


@pytest.mark.parametrize("when", ["before", "after", "mid"])
@pytest.mark.parametrize("reset", ["false", "true"])
def test_disconnect_then_recover(mock, tmp_path, when, reset):
    """Two Produce requests cut off (before the broker, after it, or half way through the
    answer; FIN or RST), one request in flight: the idempotent producer reconnects and every
    record is acknowledged; before the broker nothing of the cut request was written (the
    brokers hold exactly what was sent), after it the cut request was written (the mock broker,
    which does not dedupe, holds more); kchaos logs each close as a fault's."""
    f = scenario_file(tmp_path, DISCONNECT % (when, reset))
    with faulty(mock, f) as kc:
        got, outcome = probe_close(mock, kc)
        print("probe: %d bytes, then %s" % (len(got), outcome))
        assert outcome == ("reset" if reset == "true" else "eof"), (outcome, got)
        if when == "mid" and reset == "false":
            # Half a frame: a size prefix promising more than came, then the FIN.
            assert len(got) > 4 and int.from_bytes(got[:4], "big") > len(got) - 4, got
        elif reset == "false":
            assert got == b"", got
        s = produce(kc, "d", 400, "--linger-ms", 5, "--max-in-flight", 1, "--rate", 2000)
        if when == "before":
            assert_exactly_once(mock, s, 400)
        else:
            assert s["acked"] == 400 and not s["errors"], s
            held = sum(end_offsets(mock).values())
            assert held > 400, "the cut requests were not written before the close: %d" % held
        assert injected(kc, "dc", "dc-produce") == 3
        closes = [m for m in messages(kc, "closed by a fault")]
        assert len(closes) == 3, closes
        assert all("rule dc-produce" in m for m in closes), closes
        assert s["_stderr"].count("Disconnected") >= 2, s["_stderr"][-2000:]


# ---- 6. stall and drop ----

STALL = """name: st
rules:
  - name: stall-produce
    match: {api: produce}
    for: 3s
    stall: true
"""


def test_stall_holds_then_releases(mock, tmp_path):
    """Produce stalled for the first 3 s: the requests are held, then released when the window
    closes; the producer's round trip shows the hold, every record is delivered once, and the
    run ends (nothing hangs)."""
    f = scenario_file(tmp_path, STALL)
    t0 = time.monotonic()
    with faulty(mock, f) as kc:
        s = produce(kc, "st", 300, "--linger-ms", 10, timeout=60)
        done = time.monotonic()
        assert_exactly_once(mock, s, 300)
        assert injected(kc, "st", "stall-produce") >= 1
        # kchaos started the scenario after t0, so the window closed after t0 + 3 s.
        assert done - t0 >= 3.0, done - t0
        assert s["stats"]["rtt_max_us"] >= 1000000, s["stats"]
        print("stall: run took %.1f s, longest rtt %.2f s" % (done - t0, s["stats"]["rtt_max_us"] / 1e6))


DROP = """name: dr
rules:
  - name: drop-produce
    match: {api: produce}
    max: 2
    drop: true
"""


def test_drop_times_out_and_retries(mock, tmp_path):
    """Two Produce requests dropped (never forwarded nor answered): the producer times them out
    after its 2 s request timeout, retries, and the brokers hold every record once."""
    f = scenario_file(tmp_path, DROP)
    with faulty(mock, f) as kc:
        # One request in flight: only the dropped one is lost, nothing after it is cut off.
        s = produce(kc, "dr", 300, "--linger-ms", 10, "--max-in-flight", 1, "--request-timeout-ms", 2000,
                    timeout=90)
        assert_exactly_once(mock, s, 300)
        assert injected(kc, "dr", "drop-produce") == 2
        assert s["elapsed_ms"] >= 2000, s["elapsed_ms"]
        assert "timed out" in s["_stderr"].lower() or s["stats"]["txretries"] > 0, s["_stderr"][-2000:]


# ---- 7. refuse ----

REFUSE = """name: rf
rules:
  - name: refuse-leader
    match: {brokers: [%d]}
    for: 3s
    refuse: true
"""


def test_refuse_broker_listener(mock, tmp_path):
    """New connections to the listener of the broker that leads topic one (as the broker
    itself says) reset for 3 s: kchaos logs each refusal on that listener only, the producer
    gets its records to that broker only after the window closes, each once."""
    leader = metadata_v1(mock.brokers[1][1], [ONE], source=harness.UPSTREAM_SOURCE)[(ONE, 0)][1]
    f = scenario_file(tmp_path, REFUSE % leader)
    t0 = time.monotonic()
    with faulty(mock, f) as kc:
        s = produce(kc, "rf", 300, "--linger-ms", 10, topic=ONE, timeout=60)
        done = time.monotonic()
        assert_exactly_once(mock, s, 300, topic=ONE, parts=[0])
        refused = [e for e in kc.events() if "refused by a fault" in e.get("reason", "")]
        print("refused %d connection(s) to broker %d; run %.1f s" % (len(refused), leader, done - t0))
        assert refused, "no connection refused by a fault"
        assert all(e.get("listener") == "broker %d" % leader for e in refused), refused
        # kchaos started the scenario after t0: nothing reached the leader before t0 + 3 s.
        assert done - t0 >= 3.0, done - t0
        assert injected(kc, "rf", "refuse-leader") == len(refused)


# ---- 8. bandwidth ----

BANDWIDTH = """name: bw
rules:
  - name: cap
    bandwidth: 64KiB
"""


def test_bandwidth_cap(mock, tmp_path):
    """64 KiB/s each way per connection: no connection carried more from its client than
    cap x its lifetime x 1.1 + one frame, and ~200 KB sent in small requests on one partition
    (unpaced: 0.2 s) takes the producer about 3 s."""
    cap = 64 * 1024
    f = scenario_file(tmp_path, BANDWIDTH)
    with faulty(mock, f) as kc:
        s = produce(kc, "bw", 400, "--value-size", 500, "--linger-ms", 5, "--rate", 2000,
                    "--max-in-flight", 1, topic=ONE, timeout=60)
        assert_exactly_once(mock, s, 400, topic=ONE, parts=[0])
        elapsed = s["elapsed_ms"] / 1e3
    conns = [e for e in kc.conn_summaries() if e.get("bytes_from_client")]
    big = max(conns, key=lambda e: e["bytes_from_client"])
    frame = 64 * 1024  # the largest request here: a few dozen 500-byte records
    for e in conns:
        assert e["bytes_from_client"] <= cap * e["duration_ms"] / 1e3 * 1.1 + frame, e
    rate = big["bytes_from_client"] / (big["duration_ms"] / 1e3)
    print("busiest connection: %d bytes in %.2f s = %.0f B/s (cap %d); produce phase %.2f s" %
          (big["bytes_from_client"], big["duration_ms"] / 1e3, rate, cap, elapsed))
    assert big["bytes_from_client"] >= 200000
    # The producer's own clock: its records cannot all be through before the cap allows (each
    # frame waits for its own bytes at the cap, as on a link of that rate).
    assert elapsed >= (big["bytes_from_client"] - frame) / cap / 1.1, elapsed


# ---- 9. leader none ----

LEADER = """name: ld
rules:
  - name: p0-leaderless
    match: {topic: "t", partitions: [0]}
    for: 3s
    leader: none
"""


def metadata_v1(port, topics, source=None):
    """{partition: (error, leader)} of the topic, from Metadata v1 sent to port."""
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    with s:
        s.sendall(kwire.metadata_request_v1(1, topics))
        r = kwire.Reader(kwire.recv_frame(s))
    assert r.i32() == 1
    for _ in range(r.i32()):
        r.i32(), r.string(), r.i32(), r.string()
    r.i32()  # controller
    out = {}
    for _ in range(r.i32()):
        _err, name, _internal = r.i16(), r.string(), r.take(">b")
        for _ in range(r.i32()):
            perr, p, leader = r.i16(), r.i32(), r.i32()
            for _ in range(2):
                for _ in range(r.i32()):
                    r.i32()
            out[(name, p)] = (perr, leader)
    return out


def test_leader_none_while_window_open(mock, tmp_path):
    """Metadata through kchaos shows t-0 leaderless (LEADER_NOT_AVAILABLE, -1) while the 3 s
    window is open, every other partition as the brokers say, and t-0's real leader after."""
    host, port = mock.brokers[1]
    real = metadata_v1(port, [TOPIC], source=harness.UPSTREAM_SOURCE)
    f = scenario_file(tmp_path, LEADER)
    t0 = time.monotonic()
    with faulty(mock, f) as kc:
        during = metadata_v1(kc.port, [TOPIC])
        assert time.monotonic() - t0 < 2.5, "too slow to see the window open"
        assert during[(TOPIC, 0)] == (5, -1), during
        for p in (1, 2):
            assert during[(TOPIC, p)] == real[(TOPIC, p)], (during, real)
        after = harness.wait_for(lambda: (lambda m: m if m[(TOPIC, 0)][1] >= 0 else None)(
            metadata_v1(kc.port, [TOPIC])), 10, "t-0's leader back", interval=0.1)
        back = time.monotonic()
        assert back - t0 >= 3.0, back - t0
        assert after == real, (after, real)
        assert injected(kc, "ld", "p0-leaderless") >= 1


# ---- 10. dry run ----

def test_dry_run_counts_but_injects_nothing(mock, tmp_path):
    """Test 1's rule with dry_run: true: the producer sees no error and sends nothing twice,
    yet kchaos_faults_injected_total counts the 4 it would have injected."""
    f = scenario_file(tmp_path, ERR_P0 % "dry_run: true")
    stats = str(tmp_path / "stats.json")
    with faulty(mock, f) as kc:
        # Paced: ~100 Produce requests, many more than the rule's budget of 4 touch t-0.
        s = produce(kc, "dry", 600, "--stats-json", stats, "--linger-ms", 5, "--rate", 1500)
        offs = assert_exactly_once(mock, s, 600)
        assert partition_txmsgs(stats) == offs, "librdkafka sent something twice"
        assert s["stats"]["txmsgs"] == 600, s["stats"]
        matches = kcmetrics.prometheus(kc.admin).value("kchaos_fault_matches_total", scenario="p0err")
        assert matches > 4, "too few Produce requests touched t-0 for the test: %d" % matches
        assert injected(kc, "p0err", "p0-not-leader") == 4
        lines = messages(kc)
        assert len(lines) == 4 and all("dry run, not injected" in l for l in lines), lines
        prom = kcmetrics.prometheus(kc.admin)
        assert prom.value("kchaos_scenario_running", scenario="p0err") == 1
        assert prom.find("kchaos_scenario_running", scenario="p0err")[0][0]["dry_run"] == "true"
        c = kcmetrics.client(kcmetrics.wait_records(kc.admin, TOPIC, 600), "kchaos-test-rdkafka")
        assert c["errors"] == 0 and c["retries"] == 0, c


# ---- 11. determinism ----

RANDOM = """name: rnd
seed: %d
rules:
  - name: coin
    match: {api: produce, topic: "one"}
    probability: 0.3
    error: NOT_ENOUGH_REPLICAS
"""


def produce_v7(sock, corr, topic, key):
    """One record in one Produce v7 (acks 1) on sock: the partition error of the answer."""
    sock.sendall(kwire.produce_request_v7(corr, topic, 0, kwire.record_batch(key, b"v")))
    r = kwire.Reader(kwire.recv_frame(sock))
    assert r.i32() == corr
    assert r.i32() == 1
    assert r.string() == topic
    assert r.i32() == 1
    assert r.i32() == 0
    return r.i16()


def one_run(mock, tmp_path, seed, n=60):
    f = scenario_file(tmp_path, RANDOM % seed, "rnd%d.yaml" % seed)
    leader = metadata_v1(mock.brokers[1][1], [ONE], source=harness.UPSTREAM_SOURCE)[(ONE, 0)][1]
    with faulty(mock, f, extra=["--threads", "1"]) as kc:
        with socket.create_connection(("127.0.0.1", kc.port_of(leader)), timeout=10) as s:
            seen = [produce_v7(s, i + 1, ONE, b"k%d" % i) for i in range(n)]
        lines = [re.sub(r"^\S+ ", "", m) for m in messages(kc)]
        return seen, lines, injected(kc, "rnd", "coin")


def test_same_seed_same_faults(mock, tmp_path):
    """The same seed and the same traffic (60 one-record Produce requests, one at a time on one
    connection) give the same faults in the same order, as the client reads its answers and as
    kchaos logs them; another seed gives another sequence."""
    a, la, na = one_run(mock, tmp_path, 11)
    b, lb, nb = one_run(mock, tmp_path, 11)
    c, lc, nc = one_run(mock, tmp_path, 12)
    pattern = lambda v: "".join("x" if e else "." for e in v)
    print("seed 11: %s\nseed 11: %s\nseed 12: %s" % (pattern(a), pattern(b), pattern(c)))
    assert set(a) <= {0, 19}, a  # NOT_ENOUGH_REPLICAS is 19
    assert 5 <= a.count(19) <= 35, pattern(a)
    assert a == b, "same seed, different faults"
    assert la == lb and na == nb == a.count(19)
    assert len(la) == a.count(19)
    assert a != c, "another seed, the same faults"
    assert nc == c.count(19)


# ---- 12. bad input ----

GOOD = """name: good
rules:
  - name: r1
    match: {api: produce}
    error: NOT_ENOUGH_REPLICAS
"""

BAD = [
    # (what, file text, the exact line check-scenario prints; FILE stands for the path)
    ("unknown key", "name: x\nrules:\n  - name: r\n    mach: {api: produce}\n    drop: true\n",
     "FILE:4:5: unknown key 'mach' in rule (allowed: name, match, at, for, period, probability, "
     "every, skip, max, error, latency, throttle, disconnect, stall, drop, refuse, bandwidth, "
     "leader)"),
    ("unknown error", "name: x\nrules:\n  - error: NOT_A_LEADER\n",
     "FILE:3:12: error: unknown error 'NOT_A_LEADER' (a name such as NOT_LEADER_OR_FOLLOWER, "
     "or a code)"),
    ("quota error on produce", "name: x\nrules:\n  - error: THROTTLING_QUOTA_EXCEEDED\n",
     "FILE:3:12: error THROTTLING_QUOTA_EXCEEDED is never returned by Produce"),
    ("bad duration", "name: x\nrules:\n  - for: 3 parsecs\n    stall: true\n",
     "FILE:3:10: for: expected a duration (a number and ns, us, ms, s, m or h: 250ms, 1.5s), "
     "got '3 parsecs'"),
    ("period not above for", "name: x\nrules:\n  - for: 2s\n    period: 2s\n    stall: true\n",
     "FILE:4:13: period 2s is not longer than for 2s"),
    ("two actions", "name: x\nrules:\n  - stall: true\n    drop: true\n",
     "FILE:4:5: a rule has one action: stall and drop both given"),
    ("versions out of range", "name: x\nrules:\n  - match: {api: produce, versions: 3-99}\n"
                              "    drop: true\n",
     "FILE:3:37: versions: Produce's newest version is 13"),
    ("bad name", "name: bad name!\nrules:\n  - drop: true\n",
     "FILE:1:7: name: 'bad name!' is not 1 to 64 letters, digits, '.', '_' or '-'"),
    ("no rules", "name: x\n", "FILE:1:1: missing rules (a scenario needs name and rules)"),
    ("probability zero", "name: x\nrules:\n  - probability: 0\n    drop: true\n",
     "FILE:3:18: probability: 0 never injects (0 < p <= 1)"),
]


def check_scenario(path):
    r = subprocess.run([harness.KCHAOS_BIN, "check-scenario", path], capture_output=True,
                       text=True, timeout=30)
    return r.returncode, r.stderr


@pytest.mark.parametrize("what,text,want", BAD, ids=[b[0] for b in BAD])
def test_check_scenario_rejects(tmp_path, what, text, want):
    """Each broken file: check-scenario exits 1 with one FILE:LINE:COLUMN: reason line, and
    kchaos --scenario refuses to start (exit 2) with the same line."""
    f = scenario_file(tmp_path, text, "bad.yaml")
    rc, err = check_scenario(f)
    print(err)
    assert rc == 1, (rc, err)
    assert err.strip() == want.replace("FILE", f), err
    r = subprocess.run([harness.KCHAOS_BIN, "--upstream", "127.0.0.1:1", "--listen",
                        "127.0.0.1:%d" % harness.free_port_block(1), "--scenario", f], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "kchaos: " + err.strip() in r.stderr, r.stderr


def test_check_scenario_accepts_good(tmp_path):
    f = scenario_file(tmp_path, GOOD)
    rc, err = check_scenario(f)
    assert rc == 0, err


SLOW = """name: good
rules:
  - name: r1
    match: {api: produce}
    latency: 200ms
"""


def test_sighup_keeps_running_scenario_on_a_broken_file(mock, tmp_path):
    """SIGHUP with the --scenario file rewritten broken: the running scenario stays (a new
    producer still sees its 200 ms, its count goes on) and the log says not reloaded with the
    file's problem; SIGHUP after fixing the file loads the new rule (its name in /metrics, the
    old one gone, and it injects)."""
    f = scenario_file(tmp_path, SLOW)
    with faulty(mock, f) as kc:
        s = produce(kc, "h1", 50, "--linger-ms", 5)
        assert s["acked"] == 50 and s["stats"]["rtt_max_us"] >= 200000, s["stats"]
        n1 = injected(kc, "good", "r1")
        assert n1 >= 1
        with open(f, "w") as fh:
            fh.write(SLOW.replace("latency: 200ms", "error: NOT_A_CODE"))
        kc.proc.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: messages(kc, "SIGHUP: scenario files not reloaded"), 10,
                         "the failed reload's log line")
        errs = messages(kc, "SIGHUP: " + f)
        assert errs == ["SIGHUP: %s:5:12: error: unknown error 'NOT_A_CODE' (a name such as "
                        "NOT_LEADER_OR_FOLLOWER, or a code)" % f], errs
        s = produce(kc, "h2", 50, "--linger-ms", 5)
        assert s["acked"] == 50 and s["stats"]["rtt_max_us"] >= 200000, s["stats"]
        assert injected(kc, "good", "r1") > n1, "the running scenario stopped injecting"
        with open(f, "w") as fh:
            fh.write(GOOD.replace("r1", "r2").replace("error:", "max: 1\n    error:"))
        kc.proc.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: messages(kc, "SIGHUP: 1 scenario file reloaded"), 10, "the reload")
        prom = kcmetrics.prometheus(kc.admin)
        assert prom.find("kchaos_faults_injected_total", scenario="good", rule="r2")
        assert not prom.find("kchaos_faults_injected_total", rule="r1")
        s = produce(kc, "h3", 50)
        assert s["acked"] == 50 and not s["errors"]
        assert injected(kc, "good", "r2") == 1
        assert sum(end_offsets(mock).values()) == 150


# ---- 13. the admin API and `kchaos scenario` ----

API_GOOD = """name: api-one
rules:
  - name: slow-metadata
    match: {api: metadata}
    latency: 1ms
"""
API_BAD = """name: api-bad
rules:
  - name: nope
    error: NOT_A_KAFKA_ERROR
"""


def http(admin, method, path, body=None):
    import urllib.error
    import urllib.request
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (admin, path), method=method,
                                 data=body.encode() if body is not None else None,
                                 headers={"Content-Type": "application/yaml"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_scenarios_over_the_admin_api(mock, tmp_path):
    """Start, refuse, list, replace, remove and switch off scenarios while kchaos runs: a bad
    one is refused with its FILE:LINE:COLUMN lines and the running set stays as it was; the
    kill switch removes every one; `kchaos scenario` says the same with its exit codes."""
    with faulty(mock) as kc:
        a = kc.admin
        st, body = http(a, "POST", "/api/v1/scenarios", API_GOOD)
        assert st == 201 and json.loads(body) == {"applied": "api-one", "replaced": False}, body
        st, body = http(a, "POST", "/api/v1/scenarios", API_BAD)
        assert st == 400 and body.startswith("<api>:4:12: error: unknown error"), body
        names = [s["name"] for s in json.loads(http(a, "GET", "/api/v1/scenarios")[1])["scenarios"]]
        assert names == ["api-one"], names  # the bad one changed nothing
        st, body = http(a, "PUT", "/api/v1/scenarios/other-name", API_GOOD)
        assert st == 400 and "the URL says other-name" in body, body
        st, body = http(a, "PUT", "/api/v1/scenarios/api-one", API_GOOD)
        assert st == 200 and json.loads(body)["replaced"] is True, body
        # The CLI on the same API: apply names the local file in a refusal, exit 1.
        bad = scenario_file(tmp_path, API_BAD, "bad.yaml")
        good = scenario_file(tmp_path, API_GOOD.replace("api-one", "api-two"), "good.yaml")
        cli = [harness.KCHAOS_BIN, "scenario"]
        where = ["--admin", "127.0.0.1:%d" % a]
        r = subprocess.run(cli + ["apply", bad] + where, capture_output=True, text=True)
        assert r.returncode == 1 and "%s:4:12: error: unknown error" % bad in r.stderr, r
        r = subprocess.run(cli + ["apply", good] + where, capture_output=True, text=True)
        assert r.returncode == 0 and "applied api-two" in r.stdout, r
        r = subprocess.run(cli + ["list"] + where, capture_output=True, text=True)
        assert r.returncode == 0 and "api-one" in r.stdout and "api-two" in r.stdout, r
        assert "slow-metadata" in r.stdout, r.stdout
        st, body = http(a, "DELETE", "/api/v1/scenarios/api-one")
        assert st == 200 and json.loads(body) == {"removed": "api-one"}, body
        st, _ = http(a, "DELETE", "/api/v1/scenarios/api-one")
        assert st == 404
        r = subprocess.run(cli + ["remove", "api-one"] + where, capture_output=True, text=True)
        assert r.returncode == 1 and "no scenario api-one" in r.stderr, r
        r = subprocess.run(cli + ["off"] + where, capture_output=True, text=True)
        assert r.returncode == 0 and "removed 1 scenario" in r.stdout, r
        assert json.loads(http(a, "GET", "/api/v1/scenarios")[1])["scenarios"] == []
        assert "every fault off: 1 scenario removed" in kc.log_text()
