"""Each ecosystem's own client, through kchaos, against a real Apache Kafka 4.4 broker.

For every client: produce keyed records and read every one back through kchaos; the kernel
guard proves no connection reached the broker directly; the versions negotiated through kchaos
(from its connection summaries) must be the newest the client speaks. Each run leaves a record
for the compatibility table (build/compat/, tests/tools/compat_table.py)."""
import json
import os
import random

import pytest

import clients
import harness

COUNT = 2000


def negotiated(kc):
    """Highest version of each api used on any connection, and the client software seen."""
    best, software = {}, set()
    for e in kc.conn_summaries():
        if e.get("software"):
            software.add(e["software"])
        for api, versions in e.get("apis", {}).items():
            best[api] = max([best.get(api, -1)] + [int(v) for v in versions])
    return best, sorted(software)


def record(client, **fields):
    out = os.path.join(harness.BUILD, "compat")
    os.makedirs(out, exist_ok=True)
    fields.update(name=client.name, label=client.label)
    with open(os.path.join(out, client.name + ".json"), "w") as f:
        json.dump(fields, f)


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


@pytest.mark.parametrize("name", [c.name for c in clients.REAL])
def test_client_through_kchaos(kafka, name):
    client = clients.BY_NAME[name]
    if not client.available():
        record(client, passed=False, reason="not installed (run ./dev.sh deps)")
        pytest.fail("%s is not installed: run ./dev.sh deps" % client.argv[0])
    topic = "real-%s-%d" % (name, random.randint(0, 1 << 30))
    kafka.ctl("create-topic %s 3 1" % topic)
    base = ["--topic", topic, "--prefix", name, "--count", COUNT, "--consume"]
    if client.broken:
        # Listed with the reason, and the reason re-checked: it must fail directly too.
        s = harness.run_client(client.cmd("--bootstrap", kafka.bootstrap, *base))
        assert s["acked"] < COUNT, "%s works directly now: remove its 'broken' note" % name
        record(client, passed=False, reason=client.broken, direct=s)
        pytest.skip(client.broken)
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        extra = ["--allowed-ports", kc.allowed_ports_arg()] if name == "librdkafka" else []
        s = harness.run_client(client.cmd("--bootstrap", kc.bootstrap, *base, *extra))
        harness.assert_delivered(s, COUNT)
        harness.assert_only_kchaos(s, kc, guard)
    versions, software = negotiated(kc)
    harness.assert_bound_to_brokers(kc)
    record(client, passed=True, version=s.get("version"), software=software, versions=versions)
    for api, want in client.expect.items():
        assert versions.get(api, -1) >= want, "%s negotiated %s v%s through kchaos, expected >= v%d" % (
            name, api, versions.get(api), want)
