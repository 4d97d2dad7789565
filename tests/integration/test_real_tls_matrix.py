"""Every client through kchaos with TLS and SASL, against the secured Kafka 4.4 broker (the
kafka1tls fixture; certificates from certs/make-certs.sh, certs/README.md).

1. TLS both sides, verified: each client verifies kchaos's server.crt against ca.crt (host
   127.0.0.1), kchaos verifies the broker on its SSL listener; each produces COUNT records and
   reads them back through kchaos; the broker holds COUNT; the kernel guard saw no direct
   connection. One kchaos for the whole matrix (a module fixture).
2. mTLS (kchaos --tls-client-ca ca.crt): every client of the matrix presents client.crt and
   gets through; kchaos's connection summary names the certificate's subject.
3. SASL over TLS through kchaos to the SASL_SSL listener: PLAIN (alice) for Java, franz-go and
   librdkafka, SCRAM-SHA-512 (bob) for Java and franz-go (not librdkafka: Debian's 2.0.2 sends
   a wrong SCRAM nonce that Kafka 4 refuses, librdkafka#4895, pinned by test_real_tls_world);
   /metrics names each producer's principal.
4. Refusals: an upstream certificate kchaos cannot verify, a client that trusts another CA,
   kchaos serving an expired or a wrong-host certificate, an untrusted client certificate.
   Each ends its own connection with a log line; the other traffic carries on.
"""
import socket
import ssl

import pytest

import clients
import harness
import kcmetrics
import kwire

COUNT = 200
MATRIX = ["java", "franz", "sarama", "confluent", "kafka-python", "kafkajs", "librdkafka", "kcat"]


@pytest.fixture(scope="module")
def kafka():
    k = harness.KafkaCluster()
    assert k.secure, "the kafka1tls fixture must be started with --secure"
    return k


def tls_args(kafka, cert="server.crt", key="server.key", upstream_ca="ca.crt"):
    return ["--tls-cert", kafka.cert(cert), "--tls-key", kafka.cert(key),
            "--upstream-tls", "--upstream-ca", kafka.cert(upstream_ca)]


class Served:
    """One kchaos in front of one listener, its admin port and the guard on that listener."""

    def __init__(self, kafka, listener, extra, discovered=True):
        self.lst = kafka.listener(listener)
        self.admin, admin_args = kcmetrics.admin_args()
        self.guard = harness.DirectGuard(self.lst.broker_ports())
        try:
            self.kc = harness.Kchaos(self.lst, extra=admin_args + extra, log_level="info",
                                     discovered=discovered)
        except BaseException:
            self.guard.close()
            raise

    def close(self):
        try:
            self.kc.__exit__(None, None, None)
        finally:
            self.guard.close()


@pytest.fixture(scope="module")
def tls_kc(kafka):
    s = Served(kafka, "ssl", tls_args(kafka))
    yield s
    s.close()


@pytest.fixture(scope="module")
def mtls_kc(kafka):
    s = Served(kafka, "ssl", tls_args(kafka) + ["--tls-client-ca", kafka.cert("ca.crt")])
    yield s
    s.close()


@pytest.fixture(scope="module")
def sasl_kc(kafka):
    s = Served(kafka, "sasl_ssl", tls_args(kafka), discovered=False)
    yield s
    s.close()


def cmd(kc, name, topic, prefix, *extra, count=COUNT, consume=True):
    c = clients.BY_NAME[name]
    if not c.available():
        pytest.fail("%s is not installed: run ./dev.sh deps" % c.argv[0])
    args = ["--bootstrap", kc.bootstrap, "--topic", topic, "--prefix", prefix, "--count", count]
    if consume:
        args.append("--consume")
    if name == "librdkafka":
        args += ["--allowed-ports", kc.allowed_ports_arg()]
    return c.cmd(*args, *extra)


def run(kc, name, topic, prefix, *extra, **kw):
    return harness.run_client(cmd(kc, name, topic, prefix, *extra, **kw), timeout=150)


def through(kafka, served, name, prefix, *security):
    """`name` produces COUNT records and reads them back through served's kchaos; the broker
    holds them; the guard saw no direct connection. Returns (topic, summary)."""
    topic = kafka.new_topic(prefix, "1 1")
    s = run(served.kc, name, topic, prefix, *security)
    harness.assert_delivered(s, COUNT)
    assert harness.broker_count(kafka, topic)["distinct"] == COUNT
    assert served.guard.refused() == 0, "the guard refused %d direct connection(s)" % served.guard.refused()
    return topic, s


# ---- 1. TLS on both sides, verified, every client ----

@pytest.mark.parametrize("name", MATRIX)
def test_tls_client_matrix(kafka, tls_kc, name):
    through(kafka, tls_kc, name, "tlsm-" + name, "--ssl-ca", kafka.cert("ca.crt"))
    tls = [e["tls"] for e in tls_kc.kc.conn_summaries() if e.get("tls")]
    assert tls and all(t["version"] in ("TLSv1.2", "TLSv1.3") for t in tls), tls[:3]


# ---- 2. mTLS: a client certificate checked by kchaos ----

@pytest.mark.parametrize("name", MATRIX)
def test_mtls_client_certificate(kafka, mtls_kc, name):
    before = len(mtls_kc.kc.conn_summaries())
    through(kafka, mtls_kc, name, "mtls-" + name, "--ssl-ca", kafka.cert("ca.crt"),
            "--ssl-cert", kafka.cert("client.crt"), "--ssl-key", kafka.cert("client.key"))
    # the connections that carried requests (not the harness's listen probes, which close
    # before any handshake and may be logged late)
    mine = harness.wait_for(lambda: [e for e in mtls_kc.kc.conn_summaries()[before:]
                                     if e.get("apis")], 10, "summaries")
    subjects = [(e.get("tls") or {}).get("client_subject") for e in mine]
    assert subjects and all(s and "kchaos-test-client" in s for s in subjects), mine[:3]


# ---- 3. SASL over TLS through kchaos ----

SASL_CASES = [("java", "PLAIN", "alice"), ("franz", "PLAIN", "alice"),
              ("librdkafka", "PLAIN", "alice"),
              # librdkafka 2.0.2 (Debian) cannot do SCRAM with Kafka 4 (librdkafka#4895):
              # Java and franz-go carry SCRAM-SHA-512 here.
              ("java", "SCRAM-SHA-512", "bob"), ("franz", "SCRAM-SHA-512", "bob")]


@pytest.mark.parametrize("name,mechanism,user", SASL_CASES,
                         ids=["%s-%s" % (n, m) for n, m, _ in SASL_CASES])
def test_sasl_ssl_principal(kafka, sasl_kc, name, mechanism, user):
    topic, _ = through(kafka, sasl_kc, name, "sasl-%s-%s" % (name, mechanism.lower()),
                       "--ssl-ca", kafka.cert("ca.crt"), "--sasl-mechanism", mechanism,
                       "--sasl-user", user, "--sasl-password", kafka.sasl_users[user])
    kcmetrics.wait_records(sasl_kc.admin, topic, COUNT)
    prom = kcmetrics.prometheus(sasl_kc.admin)
    assert prom.total("kchaos_produce_records_total", principal=user, topic=topic) == COUNT
    assert "authenticated by the broker as %s (%s)" % (user, mechanism) in sasl_kc.kc.log_text()


# ---- 4. Refusals, each ending only its own connection ----

def failures(admin, side, reason=None):
    labels = {"side": side}
    if reason:
        labels["reason"] = reason
    return kcmetrics.prometheus(admin).total("kchaos_tls_handshake_failures_total", **labels)


def refused(s):
    """A client run that got nowhere: nothing acknowledged, an error said."""
    assert s["acked"] == 0 and s["errors"], s


def handshake_closes(kc, what):
    """kchaos's summary lines of the client connections whose handshake failed: `what` in the
    reason (the clear log line each refusal must leave)."""
    return harness.wait_for(lambda: [e for e in kc.conn_summaries()
                                     if "handshake failed" in e.get("reason", "")
                                     and what in e["reason"]], 10,
                            "a summary line saying the handshake failed (%s)" % what)


def with_bystander(kafka, served, name, refused_run):
    """refused_run() while a good client (`name`, verified TLS) produces through the same
    kchaos: the bystander delivers every record."""
    topic = kafka.new_topic("bystander-" + name, "1 1")
    sec = ["--ssl-ca", kafka.cert("ca.crt")]
    if "--tls-client-ca" in served.kc.args:
        sec += ["--ssl-cert", kafka.cert("client.crt"), "--ssl-key", kafka.cert("client.key")]
    bg = harness.Background(cmd(served.kc, name, topic, "bystander", *sec, "--rate", 100,
                                consume=False), timeout=150)
    try:
        out = refused_run()
    finally:
        s = bg.result()
    assert s["acked"] == COUNT and not s["errors"], s
    assert harness.broker_count(kafka, topic)["distinct"] == COUNT
    return out


def api_versions_over_tls(kc, cafile):
    """One verified TLS connection to kchaos and an ApiVersions v0 request on it: "answered",
    "closed" (kchaos ended the connection after the handshake) or "reset in handshake"
    (kchaos dials the broker as it accepts, so a broker handshake that fails first ends the
    client's connection while its own handshake is still under way)."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", kc.port), timeout=10) as raw:
        try:
            tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        except (ConnectionResetError, ssl.SSLEOFError):  # not a certificate error: kchaos's is good
            return "reset in handshake"
        with tls:
            try:
                tls.sendall(kwire.api_versions_request(0, 7))
                return "answered" if kwire.recv_frame(tls) else "closed"
            except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
                return "closed"


def test_upstream_wrong_ca_refused(kafka):
    """kchaos trusting only wrong-ca.crt refuses the broker's certificate: each client
    connection that needs the broker is closed with the reason in its summary line, the
    failure is counted (side=upstream, reason=certificate), and kchaos keeps running.
    (A raw ApiVersions over verified TLS, not a Kafka client: librdkafka would retry the
    closed connections until its 120 s message timeout.)"""
    served = Served(kafka, "ssl", tls_args(kafka, upstream_ca="wrong-ca.crt"), discovered=False)
    try:
        for _ in range(2):  # each connection ends alone; the next one is served the same way
            assert api_versions_over_tls(served.kc, kafka.cert("ca.crt")) != "answered"
        harness.wait_for(lambda: failures(served.admin, "upstream", "certificate") >= 2, 10,
                         "kchaos to count the upstream certificate failures")
        assert served.kc.proc.poll() is None, "kchaos exited"
        closes = harness.wait_for(lambda: [e for e in served.kc.conn_summaries()
                                           if "broker TLS handshake failed" in e.get("reason", "")],
                                  10, "the connection summaries")
        assert "certificate verify failed" in closes[0]["reason"], closes[0]
        assert served.guard.refused() == 0
    finally:
        served.close()


def test_client_trusting_another_ca_refuses_kchaos(kafka, tls_kc):
    before = failures(tls_kc.admin, "client", "certificate")
    topic = kafka.new_topic("tlsm-wrongca", "1 1")
    s = with_bystander(kafka, tls_kc, "franz", lambda: run(
        tls_kc.kc, "librdkafka", topic, "wrongca", "--ssl-ca", kafka.cert("wrong-ca.crt"),
        count=5, consume=False))
    refused(s)
    assert s["errors"] == ["_SSL"], s
    harness.wait_for(lambda: failures(tls_kc.admin, "client", "certificate") > before, 10,
                     "kchaos to count the refused handshake")
    handshake_closes(tls_kc.kc, "alert unknown ca")
    assert harness.broker_count(kafka, topic)["records"] == 0


@pytest.mark.parametrize("cert,alert", [("expired", "alert certificate expired"),
                                        ("wrong-host", "alert bad certificate")])
def test_client_refuses_bad_kchaos_certificate(kafka, cert, alert):
    """kchaos serving an expired certificate, or one for wrong.example only: a client verifying
    127.0.0.1 against ca.crt refuses it; kchaos keeps running."""
    served = Served(kafka, "ssl", tls_args(kafka, cert=cert + ".crt", key=cert + ".key"))
    try:
        topic = kafka.new_topic("tlsm-" + cert, "1 1")
        s = run(served.kc, "librdkafka", topic, cert, "--ssl-ca", kafka.cert("ca.crt"),
                count=5, consume=False)
        refused(s)
        assert s["errors"] == ["_SSL"], s
        harness.wait_for(lambda: failures(served.admin, "client", "certificate") > 0, 10,
                         "kchaos to count the refused handshake")
        handshake_closes(served.kc, alert)
        assert served.kc.proc.poll() is None, "kchaos exited"
        assert served.guard.refused() == 0
    finally:
        served.close()
    assert harness.broker_count(kafka, topic)["records"] == 0


def test_untrusted_client_certificate_refused(kafka, mtls_kc):
    before = failures(mtls_kc.admin, "client", "certificate")
    topic = kafka.new_topic("tlsm-untrusted", "1 1")
    s = with_bystander(kafka, mtls_kc, "franz", lambda: run(
        mtls_kc.kc, "librdkafka", topic, "untrusted", "--ssl-ca", kafka.cert("ca.crt"),
        "--ssl-cert", kafka.cert("untrusted-client.crt"),
        "--ssl-key", kafka.cert("untrusted-client.key"), count=5, consume=False))
    refused(s)
    assert s["errors"] == ["_SSL_ALERT"], s
    harness.wait_for(lambda: failures(mtls_kc.admin, "client", "certificate") > before, 10,
                     "kchaos to count the untrusted client certificate")
    handshake_closes(mtls_kc.kc, "certificate verify failed")
    assert harness.broker_count(kafka, topic)["records"] == 0
