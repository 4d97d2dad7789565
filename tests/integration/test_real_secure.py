"""TLS and SASL through kchaos to a real Kafka 4.4 broker (the kafka1tls fixture: SSL,
SASL_PLAINTEXT and SASL_SSL listeners, users alice and bob; certs/make-certs.sh).

- TLS on both sides with verification: a librdkafka client verifies kchaos's certificate
  (certs' server.crt, host name 127.0.0.1), kchaos verifies the broker's (the dev CA, its IP
  SAN); every record reaches the broker (its own count) and is read back; no client reaches a
  broker directly (the kernel guard).
- SASL passes through kchaos untouched, over plaintext and over TLS: alice and bob log in with
  PLAIN (librdkafka) and SCRAM-SHA-256 (confluent-kafka from PyPI: Debian's librdkafka 2.0.2
  cannot do SCRAM with Kafka 4, librdkafka#4895); kchaos names each producer's principal in
  /metrics, and a scenario matching `principal: bob` hits bob's producer and not alice's.
- No secret anywhere: kchaos's log, /metrics, /api/v1/clients and /api/v1/scenarios hold
  neither password.
"""
import urllib.request

import pytest

import harness
import kcmetrics
from test_real_tls_world import confluent

COUNT = 300


@pytest.fixture(scope="module")
def kafka():
    k = harness.KafkaCluster()
    assert k.secure, "the kafka1tls fixture must be started with --secure"
    return k


def rdkafka(kc, topic, cid, *security, consume=True):
    args = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", topic, "--prefix",
            cid, "--count", str(COUNT), "--client-id", cid, "--acks", "all", "--idempotent",
            "--allowed-ports", kc.allowed_ports_arg()] + list(security)
    if consume:
        args.append("--consume")
    return harness.run_client(args, timeout=120)


def delivered(kafka, topic, s, count=COUNT):
    assert s["acked"] == count and not s["errors"], s
    assert harness.broker_count(kafka, topic)["distinct"] == count


def secrets_nowhere(kafka, kc, admin):
    texts = {"log": kc.log_text()}
    for path in ("/metrics", "/api/v1/clients", "/api/v1/scenarios"):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (admin, path), timeout=10) as r:
            texts[path] = r.read().decode()
    for user, password in kafka.sasl_users.items():
        for where, text in texts.items():
            assert password not in text, "%s's password in kchaos's %s" % (user, where)


def test_tls_both_sides_verified(kafka):
    ssl_l = kafka.listener("ssl")
    topic = kafka.new_topic("sec-tls", "1 1")
    extra = ["--tls-cert", kafka.cert("server.crt"), "--tls-key", kafka.cert("server.key"),
             "--upstream-tls", "--upstream-ca", kafka.cert("ca.crt")]
    with harness.DirectGuard(ssl_l.broker_ports()) as guard:
        with harness.Kchaos(ssl_l, extra=extra, log_level="info") as kc:
            s = rdkafka(kc, topic, "sec-tls", "--ssl-ca", kafka.cert("ca.crt"))
        assert guard.refused() == 0
    delivered(kafka, topic, s)
    assert s["consumed"] == COUNT and s["missing"] == 0, s
    summaries = [e for e in kc.conn_summaries() if e.get("tls")]
    assert summaries and all(e["tls"]["version"] in ("TLSv1.2", "TLSv1.3") for e in summaries)


PRINCIPAL_FAULT = """name: only-bob
rules:
  - name: bob-not-leader
    match: {api: produce, principal: bob}
    max: 3
    error: NOT_LEADER_OR_FOLLOWER
"""


@pytest.mark.parametrize("listener", ["sasl_plaintext", "sasl_ssl"])
def test_sasl_principals_through_kchaos(kafka, tmp_path, listener):
    lst = kafka.listener(listener)
    users = kafka.sasl_users
    scenario = tmp_path / "only-bob.yaml"
    scenario.write_text(PRINCIPAL_FAULT)
    admin, args = kcmetrics.admin_args()
    extra = args + ["--scenario", str(scenario)]
    tls = []
    if listener == "sasl_ssl":
        extra += ["--tls-cert", kafka.cert("server.crt"), "--tls-key", kafka.cert("server.key"),
                  "--upstream-tls", "--upstream-ca", kafka.cert("ca.crt")]
        tls = ["--ssl-ca", kafka.cert("ca.crt")]
    topics = {u: kafka.new_topic("sec-%s-%s" % (listener.replace("_", "-"), u), "1 1")
              for u in ("alice", "bob")}
    with harness.DirectGuard(lst.broker_ports()) as guard:
        with harness.Kchaos(lst, extra=extra, log_level="info", discovered=False) as kc:
            out = {u: rdkafka(kc, topics[u], "sec-%s" % u, *tls, "--sasl-mechanism", "PLAIN",
                              "--sasl-user", u, "--sasl-password", users[u], consume=False)
                   for u in ("alice", "bob")}
            js = kcmetrics.wait_records(admin, None, 2 * COUNT)
            prom = kcmetrics.prometheus(admin)
            secrets_nowhere(kafka, kc, admin)
        assert guard.refused() == 0
    for u in ("alice", "bob"):
        delivered(kafka, topics[u], out[u])
        c = kcmetrics.client(js, "sec-%s" % u)
        assert c["principal"] == u, c
        assert prom.total("kchaos_produce_records_total", principal=u) == COUNT
    # The scenario hit bob's producer only: its errors are bob's, and he retried them.
    assert prom.total("kchaos_faults_injected_total", rule="bob-not-leader") == 3
    assert prom.total("kchaos_produce_errors_total", principal="bob", source="kchaos") == 3
    assert prom.total("kchaos_produce_errors_total", principal="alice") == 0
    assert kcmetrics.client(js, "sec-bob")["retries"] > 0
    assert kcmetrics.client(js, "sec-alice")["retries"] == 0
    assert "authenticated by the broker as alice (PLAIN)" in kc.log_text()


def test_sasl_scram_principal_through_kchaos(kafka):
    """SCRAM-SHA-256 (two round trips, a proof in the second) through kchaos: the principal is
    named after the broker's final answer, and no secret shows."""
    lst = kafka.listener("sasl_plaintext")
    topic = kafka.new_topic("sec-scram", "1 1")
    admin, args = kcmetrics.admin_args()
    with harness.DirectGuard(lst.broker_ports()) as guard:
        with harness.Kchaos(lst, extra=args, log_level="info", discovered=False) as kc:
            s = confluent(kc, topic, "sec-scram", {
                "security.protocol": "sasl_plaintext", "sasl.mechanism": "SCRAM-SHA-256",
                "sasl.username": "alice", "sasl.password": kafka.sasl_users["alice"],
                "client.id": "sec-scram"}, count=COUNT)
            js = kcmetrics.wait_records(admin, topic, COUNT)
            secrets_nowhere(kafka, kc, admin)
        assert guard.refused() == 0
    assert s["acked"] == COUNT, s
    assert harness.broker_count(kafka, topic)["distinct"] == COUNT
    assert kcmetrics.client(js, "sec-scram")["principal"] == "alice"
    assert "authenticated by the broker as alice (SCRAM-SHA-256)" in kc.log_text()
