"""The producer risk audit from the wire (mock cluster): producers through one kchaos, each
with its own client id, each gets exactly its flags in /api/v1/clients and, in /metrics,
kchaos_producer_risk 1 for its flags and 0 for every other flag.

- risk-acks1: acks=1, one request in flight (librdkafka's default without idempotence is a
  million, and a second request in flight would rightly add reordering_retries) -> acks_1.
- risk-inflight5: no idempotence, acks=all, max.in.flight 5, with every mock broker answering
  after 150 ms so that requests pile up on each connection (the client's own statistics must
  show more than one request awaiting its response, and kchaos must have seen the same) ->
  reordering_retries.
- risk-idempotent-2.0.2: idempotent, acks=all, librdkafka 2.0.2 (Debian) -> known_bug only:
  librdkafka before 2.3.0 raises fatal idempotent-producer errors after a possibly persisted
  message (librdkafka #4438, fixed in 2.3.0); kchaos flags it by design.
- kchaos-test-confluent: idempotent, acks=all, confluent-kafka from PyPI over a current
  librdkafka (2.16): the safe producer, no flag at all.
"""
import os

import pytest

import clients
import harness
import kcmetrics

TOPIC = "risk"
FLAGS = ["acks_0", "acks_1", "reordering_retries", "idempotence_without_acks_all",
         "tiny_batches", "uncompressed_large_batches", "known_bug"]


def rdkafka(kc, client_id, count, *args):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", TOPIC,
                            "--prefix", client_id, "--count", str(count), "--client-id", client_id,
                            "--allowed-ports", kc.allowed_ports_arg(), "--stats"]
                           + [str(a) for a in args])
    assert s["acked"] == count, s
    assert s["stats"]["txmsgs"] == count and s["stats"]["txretries"] == 0, s["stats"]
    return s


def test_each_producer_gets_exactly_its_flags():
    if not os.path.exists(clients.VENV_PY):
        pytest.fail("the venv's confluent-kafka (PyPI) is missing: run ./dev.sh deps")
    with harness.MockCluster(brokers=3, topics=["%s:3" % TOPIC]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args) as kc:
            rdkafka(kc, "risk-acks1", 500, "--acks", "1", "--max-in-flight", 1)

            for node in mock.brokers:
                mock.ctl("broker-rtt %d 150" % node)
            # 3000 records over a second, a batch every 5 ms: each broker has several to send
            # while the last ones still wait out their 150 ms
            s = rdkafka(kc, "risk-inflight5", 3000, "--acks", "all", "--max-in-flight", 5,
                        "--linger-ms", 5, "--rate", 3000)
            for node in mock.brokers:
                mock.ctl("broker-rtt %d 0" % node)
            assert s["stats"]["waitresp_max"] > 1, \
                "the client never had more than one request in flight: %s" % s["stats"]

            rdkafka(kc, "risk-idempotent-2.0.2", 500, "--acks", "all", "--idempotent")

            c = harness.run_client([clients.VENV_PY, os.path.join(clients.PY, "confluent_client.py"),
                                    "--bootstrap", kc.bootstrap, "--topic", TOPIC, "--prefix",
                                    "safe", "--count", "500", "--acks", "all", "--idempotent"])
            assert c["acked"] == 500, c
            assert not c["librdkafka"].startswith(("1.", "2.0.", "2.1.", "2.2.")), c["librdkafka"]

            js = kcmetrics.wait_records(admin, TOPIC, 500 + 3000 + 500 + 500)
            prom = kcmetrics.prometheus(admin)
            want = {
                "risk-acks1": ["acks_1"],
                "risk-inflight5": ["reordering_retries"],
                "risk-idempotent-2.0.2": ["known_bug"],
                "kchaos-test-confluent": [],
            }
            got = {c["client_id"]: kcmetrics.flags(c) for c in js["clients"]}
            assert got == want, "flags by client: %s, want %s" % (got, want)
            for cid, flags in want.items():
                cl = kcmetrics.client(js, cid)
                for f in FLAGS:
                    v = prom.value("kchaos_producer_risk", client_id=cid, host="127.0.0.1", flag=f)
                    assert v == (1 if f in flags else 0), (cid, f, v)
                assert all(r["reason"] for r in cl["risks"]), cl["risks"]
                kcmetrics.assert_prometheus_matches(prom, cl, TOPIC)
            profile = {c["client_id"]: c["profile"] for c in js["clients"]}
            inflight = profile["risk-inflight5"]
            assert 2 <= inflight["max_inflight"] <= 5, inflight
            assert inflight["acks"] == ["all"] and not inflight["idempotent"], inflight
            assert profile["risk-acks1"]["acks"] == [1], profile["risk-acks1"]
            assert profile["risk-acks1"]["max_inflight"] == 1, profile["risk-acks1"]
            for cid in ("risk-idempotent-2.0.2", "kchaos-test-confluent"):
                assert profile[cid]["idempotent"] and profile[cid]["acks"] == ["all"], profile[cid]
            print("max in flight: kchaos saw %d on one connection, the client's statistics %d "
                  "awaiting a response" % (inflight["max_inflight"], s["stats"]["waitresp_max"]))
