"""Each ecosystem's own client, through kchaos, against a real Apache Kafka 4.4 broker.

For every client: produce keyed records and read them back through kchaos; the broker itself
(Kafka's consumer inside the launcher, reading to the end offsets, never through kchaos) must
hold every record sent exactly once; the kernel guard proves no connection reached the broker
directly; the versions negotiated through kchaos (from its connection summaries), the client's
own version and its software name must be the ones the README's compatibility table claims;
and kchaos's produce metrics (--admin: /api/v1/clients and /metrics) must count for that
client and topic the records it sent, no retry, and exactly the batches and bytes the broker's
log segments hold (kcmetrics.assert_counted), with Produce v13 clients labelled by topic name.
Only then is the record for the table written (build/compat/, tests/tools/compat_table.py): a
failing run leaves a "no: ..." record, never a stale "passes"."""
import contextlib
import json
import os
import random
import re

import pytest

import clients
import harness
import kcmetrics

COUNT = 2000
APIS = ["Produce", "Metadata", "ApiVersions", "Fetch"]


def negotiated(kc):
    """Highest version of each api used on any connection, and the client software seen."""
    best, software = {}, set()
    for e in kc.conn_summaries():
        if e.get("software"):
            software.add(e["software"])
        for api, versions in e.get("apis", {}).items():
            best[api] = max([best.get(api, -1)] + [int(v) for v in versions])
    return best, sorted(software)


def produce_requests(kc):
    """Produce requests carried, from kchaos's connection summaries."""
    return sum(int(n) for e in kc.conn_summaries()
               for n in e.get("apis", {}).get("Produce", {}).values())


def readme_claims():
    """{label: {"version", "Produce", ..., "software"}} from the README's compatibility table."""
    text = open(os.path.join(harness.ROOT, "README.md")).read()
    table = text.split("<!-- compat:begin -->")[1].split("<!-- compat:end -->")[0]
    out = {}
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        label, version, status = cells[:3]
        row = {"version": version, "status": status, "software": cells[-1]}
        for api, cell in zip(APIS, cells[3:3 + len(APIS)]):
            row[api] = int(cell[1:]) if re.fullmatch(r"v\d+", cell) else None
        out[label] = row
    return out


def record_path(client):
    return os.path.join(harness.BUILD, "compat", client.name + ".json")


def record(client, **fields):
    os.makedirs(os.path.dirname(record_path(client)), exist_ok=True)
    fields.update(name=client.name, label=client.label)
    with open(record_path(client), "w") as f:
        json.dump(fields, f)


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def test_guard_refuses_a_direct_connection_to_a_real_broker(kafka):
    """The control for every guard below: one deliberate direct connection to the real
    broker's client port, not from kchaos's source address, is refused and counted."""
    with harness.DirectGuard(kafka.broker_ports()) as guard:
        host, port = kafka.brokers[min(kafka.brokers)]
        harness.assert_guard_catches(guard, host, port)


def test_produce_counted_by_broker(kafka):
    """Every acknowledged record is in the broker, once, counted by the broker's side to its
    end offsets. acks=all without idempotence and no read-back, so a record kchaos
    acknowledged but never forwarded shows up here and nowhere else (and fast)."""
    topic = "count-%d" % random.randint(0, 1 << 30)
    kafka.ctl("create-topic %s 3 1" % topic)
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic",
                                topic, "--prefix", "count", "--count", "3000", "--acks", "all",
                                "--allowed-ports", kc.allowed_ports_arg()])
        assert s["acked"] == 3000, s
        harness.assert_only_kchaos(s, kc, guard)
    harness.assert_broker_holds(kafka, topic, {"count": 3000})


@pytest.mark.parametrize("name", [c.name for c in clients.REAL])
def test_client_through_kchaos(kafka, name):
    client = clients.BY_NAME[name]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(record_path(client))  # no stale "passes" from an earlier run
    try:
        run_client(kafka, client)
    except BaseException as e:
        record(client, passed=False, reason=(str(e).strip().splitlines() or ["failed"])[0][:120])
        raise


def run_client(kafka, client):
    name = client.name
    claim = readme_claims().get(client.label)
    assert claim, "README's compatibility table has no row %r" % client.label
    if not client.available():
        pytest.fail("%s is not installed: run ./dev.sh deps" % client.argv[0])
    topic = "real-%s-%d" % (name, random.randint(0, 1 << 30))
    kafka.ctl("create-topic %s 3 1" % topic)
    base = ["--topic", topic, "--prefix", name, "--count", COUNT, "--consume"]
    if client.broken:
        # Listed with the reason, and the reason re-checked: it must fail directly too.
        s = harness.run_client(client.cmd("--bootstrap", kafka.bootstrap, *base))
        assert s["acked"] < COUNT, "%s works directly now: remove its 'broken' note" % name
        assert claim["status"].startswith("no"), "README claims %s passes" % name
        record(client, passed=False, reason=client.broken, direct=s)
        return
    admin, admin_args = kcmetrics.admin_args()
    with harness.Kchaos(kafka, extra=admin_args) as kc, \
            harness.DirectGuard(kafka.broker_ports()) as guard:
        extra = ["--allowed-ports", kc.allowed_ports_arg()] if name == "librdkafka" else []
        s = harness.run_client(client.cmd("--bootstrap", kc.bootstrap, *base, *extra))
        harness.assert_delivered(s, COUNT)
        harness.assert_only_kchaos(s, kc, guard)
        harness.assert_broker_holds(kafka, topic, {name: COUNT})
        measured, log = kcmetrics.assert_counted(admin, kafka, topic, COUNT)
        t = kcmetrics.topic_of(measured, topic)
        # every Produce request kchaos carried (its connection summaries, counted by the
        # pipeline, not by the metrics) was answered and counted once, as ok
        answered = sum(measured["requests"][o] for o in ("ok", "retriable", "fatal"))
        harness.wait_for(lambda: produce_requests(kc) == answered, 10,
                         "the connection summaries to show %d Produce requests" % answered)
        counted = {"client_id": measured["client_id"], "kchaos": {k: t[k] for k in (
            "records", "batches", "bytes", "retries")}, "client_acked": s["acked"], "broker_log": log}
        print("\n%s (%s): kchaos records %d batches %d bytes %d retries %d | client acked %d | "
              "broker log records %d batches %d bytes %d" % (
                  name, measured["client_id"], t["records"], t["batches"], t["bytes"],
                  t["retries"], s["acked"], log["records"], log["batches"], log["bytes"]))
    versions, software = negotiated(kc)
    harness.assert_bound_to_brokers(kc)
    assert claim["status"] == "passes", claim
    got = {api: versions.get(api) for api in APIS}
    want = {api: claim[api] for api in APIS}
    assert got == want, "%s negotiated %s through kchaos; the README claims %s" % (name, got, want)
    assert s.get("version") == claim["version"], (s.get("version"), claim["version"])
    assert (", ".join(software) or "-") == claim["software"], (software, claim["software"])
    record(client, passed=True, version=s.get("version"), software=software, versions=versions,
           metrics=counted)


def produce_connections(summaries):
    """[(loop, apis)] of every connection that carried Produce, and the loops on which some
    connection carried Metadata, from kchaos's connection summaries."""
    produce, metadata_loops = [], set()
    for e in summaries:
        apis = e.get("apis", {})
        if "Metadata" in apis:
            metadata_loops.add(e["loop"])
        if "Produce" in apis:
            produce.append((e["loop"], sorted(apis)))
    return produce, metadata_loops


def test_v13_topic_names_across_loops(kafka):
    """Produce v13 names topics by id only; with --threads 2 the Produce may reach kchaos on a
    loop that never carried the Metadata response that named the id. franz-go (Produce v13)
    produces to a topic created after kchaos started (so kchaos's discovery never saw it), once
    per round, until a round's Produce connection sat on a loop where no connection carried
    Metadata (the kernel's SO_REUSEPORT hash picks the loop, so a round crosses with chance
    about 1/2). Every round: the series is labelled with the topic's name, never the id, and
    records, batches and bytes equal the broker's log."""
    franz = clients.BY_NAME["franz"]
    if not franz.available():
        pytest.fail("franz-go client is not built: run ./dev.sh deps")
    admin, admin_args = kcmetrics.admin_args()
    crossed, rounds, made = 0, 0, []
    with harness.Kchaos(kafka, extra=admin_args + ["--threads", "2"]) as kc:
        for rounds in range(1, 9):
            topic = "v13-loops-%d-%d" % (rounds, random.randint(0, 1 << 30))
            kafka.ctl("create-topic %s 3 1" % topic)  # after kchaos's discovery: only the
            made.append(topic)
            before = len(kc.conn_summaries())          # client's own Metadata names it
            s = harness.run_client(franz.cmd("--bootstrap", kc.bootstrap, "--topic", topic,
                                             "--prefix", "v13", "--count", 500))
            assert s["acked"] == 500, s
            harness.wait_for(lambda: len(kc.conn_summaries()) > before, 10, "the summaries")
            kcmetrics.assert_counted(admin, kafka, topic, 500, " with --threads 2", made)
            js = kcmetrics.clients(admin)
            assert js["loops"] == 2, js["loops"]
            # this round's connections only: the summaries logged since the round began
            produce, md_loops = produce_connections(kc.conn_summaries()[before:])
            assert produce, "no Produce connection closed in round %d" % rounds
            print("round %d: produce connections (loop, apis) %s, Metadata on loops %s" % (
                rounds, produce, sorted(md_loops)))
            if any(loop not in md_loops for loop, _ in produce):
                crossed += 1
                break
    assert crossed, ("in %d rounds no Produce connection landed on a loop without Metadata; "
                     "the cross-loop case was not exercised" % rounds)
