"""TLS to clients (--tls-cert/--tls-key, mutual TLS with --tls-client-ca) in front of librdkafka's
mock cluster (plaintext upstream): librdkafka and kcat produce and read back over TLS, the mock's
own end offsets hold exactly what was sent; a client without a certificate or with an untrusted
one is refused, logged and counted; a plaintext client and a truncated ClientHello close only
their own connection while another TLS client carries on. Certificates come from the openssl
CLI (tlscerts.py) in a temporary directory."""
import socket
import ssl
import subprocess

import pytest

import harness
import kcmetrics
import kwire
import tlscerts


@pytest.fixture(scope="module")
def certs():
    return tlscerts.make_default()


def tls_args(certs, mtls=False):
    args = ["--tls-cert", certs.path("server.crt"), "--tls-key", certs.path("server.key")]
    return args + (["--tls-client-ca", certs.path("ca.crt")] if mtls else [])


def tls_client(certs, port, cert=None):
    """A Python TLS connection to kchaos, verifying it as 127.0.0.1 (its IP SAN)."""
    ctx = ssl.create_default_context(cafile=certs.path("ca.crt"))
    if cert:
        ctx.load_cert_chain(certs.path(cert + ".crt"), certs.path(cert + ".key"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def api_versions_ok(sock, corr):
    sock.sendall(kwire.api_versions_request(0, corr))
    r = kwire.Reader(kwire.recv_frame(sock))
    assert r.i32() == corr
    assert r.i16() == 0


def tls_summaries(kc):
    return [e for e in kc.conn_summaries() if "tls" in e]


def failures(admin, reason):
    return kcmetrics.prometheus(admin).value("kchaos_tls_handshake_failures_total", side="client",
                                             reason=reason)


def test_rdkafka_produces_and_consumes_over_tls(mock, certs):
    with harness.Kchaos(mock, extra=tls_args(certs)) as kc:
        s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap,
                                "--topic", "t2", "--prefix", "tls", "--count", "2000",
                                "--acks", "all", "--consume", "--ssl-ca", certs.path("ca.crt"),
                                "--allowed-ports", kc.allowed_ports_arg()])
        harness.assert_delivered(s, 2000)
        harness.assert_only_kchaos(s, kc)
        assert harness.mock_end_offsets(mock, "t2", [0]) == {0: 2000}
        # Every connection that carried a request spoke TLS 1.3 (the port probes carried none).
        used = [e for e in kc.conn_summaries() if e["bytes_from_client"] > 0]
        assert used and all(e.get("tls", {}).get("version") == "TLSv1.3" for e in used), used
        assert all(e["tls"]["client_subject"] is None for e in used)


def test_kcat_over_tls(mock, certs):
    with harness.Kchaos(mock, extra=tls_args(certs)) as kc:
        x = ["-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + certs.path("ca.crt")]
        lines = "".join("kcat-%d\n" % i for i in range(500))
        subprocess.run(["kcat", "-b", kc.bootstrap, "-t", "t2", "-P"] + x, input=lines,
                       text=True, check=True, timeout=60, capture_output=True)
        out = subprocess.run(["kcat", "-b", kc.bootstrap, "-t", "t2", "-C", "-o", "beginning",
                              "-e", "-q"] + x, text=True, check=True, timeout=60,
                             capture_output=True).stdout.split()
        assert out == ["kcat-%d" % i for i in range(500)]
        assert harness.mock_end_offsets(mock, "t2", [0]) == {0: 500}


def test_mutual_tls(mock, certs):
    admin, args = kcmetrics.admin_args()
    with harness.Kchaos(mock, extra=tls_args(certs, mtls=True) + args) as kc:
        s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap,
                                "--topic", "t1", "--prefix", "mtls", "--count", "300",
                                "--acks", "all", "--consume", "--ssl-ca", certs.path("ca.crt"),
                                "--ssl-cert", certs.path("client.crt"),
                                "--ssl-key", certs.path("client.key"),
                                "--allowed-ports", kc.allowed_ports_arg()])
        harness.assert_delivered(s, 300)
        subjects = {e["tls"]["client_subject"] for e in tls_summaries(kc)}
        assert subjects == {"O=kchaos tests,CN=alice"}, subjects
        assert failures(admin, "certificate") == 0
        # No certificate, then one from a CA kchaos does not trust: each refused and counted.
        for n, cert in enumerate([None, "rogue-client"], 1):
            with tls_client(certs, kc.port, cert) as c:
                with pytest.raises((ssl.SSLError, ConnectionError)):
                    api_versions_ok(c, 1)  # TLS 1.3: the refusal arrives after the handshake
            harness.wait_for(lambda: failures(admin, "certificate") == n, 10,
                             "refusal %d to be counted" % n)
        lines = [e["reason"] for e in kc.conn_summaries() if "handshake failed" in e["reason"]]
        assert len(lines) == 2, lines
        assert "peer did not return a certificate" in lines[0], lines
        assert "certificate verify failed" in lines[1], lines
        # The trusted client still works after the refusals.
        with tls_client(certs, kc.port, "client") as c:
            api_versions_ok(c, 2)


def test_bad_clients_close_only_their_own(mock, certs):
    admin, args = kcmetrics.admin_args()
    with harness.Kchaos(mock, extra=tls_args(certs) + args) as kc:
        good = tls_client(certs, kc.port)
        api_versions_ok(good, 1)
        # A plaintext Kafka client on the TLS port.
        with socket.create_connection(("127.0.0.1", kc.port), timeout=10) as plain:
            plain.sendall(kwire.api_versions_request(0, 7))
            assert kwire.closed_by_peer(plain)
        # A ClientHello cut short: the start of a real one, then the client goes away.
        hello = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ssl.create_default_context().wrap_bio(hello[0], hello[1], server_hostname="x")
        with pytest.raises(ssl.SSLWantReadError):
            obj.do_handshake()
        first = hello[1].read()
        with socket.create_connection(("127.0.0.1", kc.port), timeout=10) as cut:
            cut.sendall(first[:len(first) // 2])
        harness.wait_for(lambda: failures(admin, "truncated") == 1, 10, "the cut hello counted")
        assert failures(admin, "protocol") == 1
        reasons = [e["reason"] for e in kc.conn_summaries()]
        assert any("wrong version number" in r for r in reasons), reasons
        assert any("closed the connection in the middle" in r for r in reasons), reasons
        # The good client carries on, on the same connection.
        api_versions_ok(good, 2)
        good.close()


class ThroughKchaos(harness.Cluster):
    """Another kchaos seen as a cluster: its bootstrap and its broker ports."""

    node_id_base = 1

    def __init__(self, kc):
        self.bootstrap = kc.bootstrap
        self.brokers = {n: ("127.0.0.1", kc.port_of(n)) for n in kc.cluster.brokers}


def test_upstream_tls_through_a_tls_kchaos(mock, certs):
    """kchaos A (plaintext to clients, --upstream-tls) in front of kchaos B (TLS to clients) in
    front of the mock: discovery and every pair speak TLS to B, verified against 127.0.0.1
    (B's IP SAN). A's wrong CA fails discovery with the reason, counted as upstream."""
    with harness.Kchaos(mock, extra=tls_args(certs)) as b:
        up = ThroughKchaos(b)
        with harness.Kchaos(up, extra=["--upstream-tls", "--upstream-ca", certs.path("ca.crt")],
                            upstream_bind=None) as a:
            s = harness.run_client([harness.rdkafka_client(), "--bootstrap", a.bootstrap,
                                    "--topic", "t2", "--prefix", "chain", "--count", "500",
                                    "--acks", "all", "--consume",
                                    "--allowed-ports", a.allowed_ports_arg()])
            harness.assert_delivered(s, 500)
            assert "broker TLS: TLSv1.3" in a.log_text()
        assert harness.mock_end_offsets(mock, "t2", [0]) == {0: 500}
        used = [e for e in b.conn_summaries() if e["bytes_from_client"] > 0]
        assert used and all(e.get("tls", {}).get("version") == "TLSv1.3" for e in used)
        admin, args = kcmetrics.admin_args()
        bad = subprocess.Popen([harness.KCHAOS_BIN, "--upstream", b.bootstrap, "--listen",
                                "127.0.0.1:%d" % harness.free_port_block(9), "--upstream-tls",
                                "--upstream-ca", certs.path("rogue-ca.crt")] + args,
                               stderr=subprocess.PIPE, text=True)
        try:
            line = harness.wait_for(lambda: bad.stderr.readline() if bad.poll() is None else "x",
                                    10, "a discovery line")
            while "discovery" not in line and bad.poll() is None:
                line = bad.stderr.readline()
            assert "TLS handshake failed: certificate verify failed" in line, line
            prom = kcmetrics.prometheus(admin)
            assert prom.value("kchaos_tls_handshake_failures_total", side="upstream",
                              reason="certificate") >= 1
        finally:
            bad.terminate()
            bad.wait(10)


def test_sighup_reloads_the_certificate(mock, certs):
    """New connections get the new certificate; an open one carries on; a broken file on the
    next SIGHUP leaves the running certificate in place."""
    import os
    import shutil
    import signal
    live = tlscerts.Certs()
    for f in ("server.crt", "server.key"):
        shutil.copy(certs.path(f), live.path(f))
    certs.leaf("server2", "/CN=kchaos-reloaded", "ca", san="DNS:localhost,IP:127.0.0.1")
    with harness.Kchaos(mock, extra=["--tls-cert", live.path("server.crt"),
                                     "--tls-key", live.path("server.key")]) as kc:
        old = tls_client(certs, kc.port)
        api_versions_ok(old, 1)
        shutil.copy(certs.path("server2.crt"), live.path("server.crt"))
        shutil.copy(certs.path("server2.key"), live.path("server.key"))
        kc.proc.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: "TLS certificates and keys reloaded" in kc.log_text(), 10,
                         "the reload")
        cn = lambda: dict(x[0] for x in tls_client(certs, kc.port).getpeercert()["subject"])
        assert cn()["commonName"] == "kchaos-reloaded"
        api_versions_ok(old, 2)  # the open connection keeps its session
        with open(live.path("server.crt"), "w") as f:
            f.write("not a certificate\n")
        kc.proc.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: "TLS not reloaded" in kc.log_text(), 10, "the refused reload")
        assert cn()["commonName"] == "kchaos-reloaded"
        old.close()
        os.remove(live.path("server.crt"))
