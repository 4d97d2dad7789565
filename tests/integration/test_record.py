"""Recording an incident and replaying it (proxy/record/, issue 16), against librdkafka's mock
cluster. The incident is made by the mock brokers themselves (push-errors: the broker answers
NOT_LEADER_OR_FOLLOWER; broker-rtt: one broker slow), so what kchaos records is the brokers'
own answer. `kchaos record` writes the export; `kchaos check-scenario` accepts it, and loaded
and exported again it gives the same rules (tests/tools/scenario_roundtrip); kchaos
replaying it in front of a fresh, healthy mock cluster gives the same producer the same error on
the same partition within the window resolution, judged by kchaos's /api/v1/clients
(injected_errors by partition in the replay against the broker's errors in the recording)."""
import re
import threading
import time

import harness
import kcmetrics

TOPIC = "one"  # one partition: the incident's errors all land on partition 0
NOT_LEADER = 6


class producer:
    """One librdkafka producer sending RATE records a second for `seconds`, so that it has
    requests in flight in every window and meets whatever each window holds (a run of short
    producers, each a new process, could leave a window empty between two of them); every
    record must be acknowledged."""

    RATE = 100

    def __init__(self, kc, prefix, seconds=8.0):
        self.count = int(seconds * self.RATE)
        args = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", TOPIC,
                "--prefix", prefix, "--count", str(self.count), "--rate", str(self.RATE),
                "--acks", "all", "--idempotent", "--client-id", "rec-producer",
                "--allowed-ports", kc.allowed_ports_arg()]
        self.run = {}
        self.t = threading.Thread(target=self._run, args=(args,))
        self.t.start()

    def _run(self, args):
        try:
            self.run = harness.run_client(args, timeout=60)
        except Exception as e:  # judged by result()
            self.run = {"acked": 0, "error": repr(e)}

    def result(self):
        self.t.join(120)
        assert not self.t.is_alive(), "the producer hung"
        assert self.run.get("acked") == self.count, self.run
        return self.run


def partition_errors(admin, key):
    """{error name: count} on TOPIC partition 0 for the test's producer ("errors" or
    "injected_errors"), or {} before it produced."""
    for c in kcmetrics.clients(admin)["clients"]:
        if c["client_id"] != "rec-producer":
            continue
        for t in c["topics"]:
            if t["topic"] == TOPIC:
                for p in t["partitions"]:
                    if p["partition"] == 0:
                        return p.get(key, {})
    return {}


def error_rules(text):
    """(at_s, for_s, error) of every error rule on TOPIC partition 0 in an export."""
    out = []
    for block in text.split("\n  - name: ")[1:]:
        m = re.search(r'topic: "one"\n      partitions: \[0\]\n    at: (\d+)s\n    for: (\d+)s\n'
                      r'(?:    (?:every|max): \d+\n)?    error: (\w+)', block)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return out


def test_record_export_replay(tmp_path):
    out = str(tmp_path / "incident.yaml")
    # ---- the incident, recorded ----
    with harness.MockCluster(brokers=3, topics=[TOPIC + ":1"]) as mock:
        mock.ctl("set-leader %s 0 1" % TOPIC)
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args, log_level="info") as kc:
            rec = {}
            t = threading.Thread(target=lambda: rec.setdefault("r", harness.kchaos_cli(
                "record", "--admin", "127.0.0.1:%d" % admin, "--out", out, "--for", "8s",
                "--topic", TOPIC)))
            t.start()
            harness.wait_for(lambda: '"running"' in kcmetrics.get(admin, "/api/v1/recordings"),
                             what="the recording to start")
            p = producer(kc, "rec")
            # The incident on the recording's own clock: its windows, polled.
            windows = lambda: kcmetrics.recording_windows(admin)  # noqa: E731
            harness.wait_for(lambda: windows() >= 3, 10, "window 2")
            mock.ctl("push-errors 0 %s" % ",".join([str(NOT_LEADER)] * 4))  # the broker says it
            w = windows()
            harness.wait_for(lambda: windows() >= w + 2, 10, "two windows more")
            mock.ctl("broker-rtt 1 120")  # broker 1, the leader, slow for 2 windows
            w = windows()
            harness.wait_for(lambda: windows() >= w + 2, 10, "two slow windows")
            mock.ctl("broker-rtt 1 0")
            t.join(60)
            p.result()
            r = rec["r"]
            assert r.returncode == 0, r.stderr + kcmetrics.get(admin, "/api/v1/recordings")
            broker_errors = partition_errors(admin, "errors")
            assert broker_errors.get("NOT_LEADER_OR_FOLLOWER", 0) >= 1, broker_errors
            state = kcmetrics.get(admin, "/api/v1/recordings")
            assert '"state":"done"' in state, state
    text = open(out).read()
    print(text)
    rules = error_rules(text)
    assert rules and all(e == "NOT_LEADER_OR_FOLLOWER" for _, _, e in rules), text
    at, span = rules[0][0], rules[-1][0] + rules[-1][1] - rules[0][0]
    assert 1 <= at <= 6, "the errors came about 2.5 s in, the export says %d s" % at
    # The producer that met them is named, with as many as the mock was told to answer.
    met = [int(m) for m in re.findall(r'client_id: "rec-producer"\n      topic: "one"\n'
                                      r'      partitions: \[0\]\n    at: \d+s\n    for: \d+s\n'
                                      r'    max: (\d+)\n    error: NOT_LEADER_OR_FOLLOWER', text)]
    assert sum(met) == 4, (met, text)
    assert re.search(r"brokers: \[1\]\n    at: \d+s\n    for: \d+s\n    latency: "
                     r"\{distribution: normal, ms: \d+", text), "no latency rule for broker 1"
    chk = harness.kchaos_cli("check-scenario", out)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    print(harness.scenario_roundtrip(out))  # record -> export -> load -> export: the same rules

    # ---- replayed in front of a healthy cluster ----
    with harness.MockCluster(brokers=3, topics=[TOPIC + ":1"]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args + ["--scenario", out], log_level="info") as kc:
            start = time.monotonic()  # the scenario's timeline began at most this late
            p = producer(kc, "rep", seconds=8.0)
            first = None
            while p.t.is_alive():
                if first is None and partition_errors(admin, "injected_errors"):
                    first = time.monotonic() - start
                time.sleep(0.1)
            p.result()
            injected = partition_errors(admin, "injected_errors")
            assert injected.get("NOT_LEADER_OR_FOLLOWER", 0) >= 1, injected
            assert set(injected) == {"NOT_LEADER_OR_FOLLOWER"}, injected
            assert not partition_errors(admin, "errors"), "the healthy brokers answered errors"
            # Within the window resolution (1 s) plus start-up slack either side.
            assert first is not None and at - 1.5 <= first <= at + span + 1.5, (first, at, span)

    # ---- an export cut short or edited is refused with FILE:LINE ----
    bad = tmp_path / "bad.yaml"
    bad.write_text(text[: text.index("error: NOT_LEADER") + 9])
    chk = harness.kchaos_cli("check-scenario", str(bad))
    assert chk.returncode != 0 and re.search(r"bad\.yaml:\d+", chk.stdout + chk.stderr), chk
    bad.write_text(text.replace("error: NOT_LEADER_OR_FOLLOWER", "error: NOT_A_LEADER_AT_ALL", 1))
    chk = harness.kchaos_cli("check-scenario", str(bad))
    assert chk.returncode != 0 and re.search(r"bad\.yaml:\d+:\d+", chk.stdout + chk.stderr), chk
