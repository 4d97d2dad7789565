"""The TLS and SASL test world, proved without kchaos: real clients straight to the real brokers.

The kafka1tls fixture (tests/tools/kafka-cluster.sh start --secure, certificates from
certs/make-certs.sh) gives each broker an SSL, a SASL_PLAINTEXT and a SASL_SSL listener beside
the plaintext ones. Before any test trusts kchaos with TLS or SASL, this file shows that the
world itself behaves: records produced and read back on each listener, the broker's certificate
verified (CA and host name), a client certificate checked when presented, users alice and bob
logging in with PLAIN and SCRAM, and a wrong password, a wrong CA and an untrusted client
certificate refused.

This is the one place where clients connect to brokers directly ON PURPOSE: there is no kchaos
here to go through, so no DirectGuard either (every other real-kafka test keeps it on).

Clients: tests/clients/c/rdkafka_client (Debian's librdkafka 2.0.2) for SSL and PLAIN; for
SCRAM the current confluent-kafka from PyPI (.venv, a bundled librdkafka 2.16), because
librdkafka before 2.6.1 fails SCRAM against any Kafka 4.x broker (librdkafka#4895; pinned by
test_debian_librdkafka_scram_fails_against_kafka4 below).
"""
import json
import os
import socket
import ssl
import subprocess

import pytest

import clients
import harness

COUNT = 200

# A contract-style producer and consumer on confluent-kafka (PyPI), for SCRAM: the config JSON
# (security settings) in argv[1], topic, prefix and count after it; one JSON line on stdout.
SCRAM_CLIENT = r'''
import json, sys, time
import confluent_kafka
from confluent_kafka import Consumer, Producer
cfg, topic, prefix, count = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
errors, acked, fatal = set(), [0], [False]
def on_error(e):
    errors.add(e.name())
    fatal[0] = fatal[0] or e.code() == confluent_kafka.KafkaError._AUTHENTICATION
def on_delivery(err, msg):
    if err is None:
        acked[0] += 1
    else:
        errors.add(err.name())
p = Producer(dict(cfg, error_cb=on_error))
for i in range(count):
    p.produce(topic, key=("%s-%d" % (prefix, i)).encode(), value=b"v", on_delivery=on_delivery)
    p.poll(0)
deadline = time.time() + 60
while len(p) and not fatal[0] and time.time() < deadline:
    p.flush(0.1)
p.purge()
seen = set()
if not fatal[0]:
    c = Consumer(dict(cfg, error_cb=on_error, **{"group.id": prefix + "-group",
                                                 "auto.offset.reset": "earliest"}))
    c.subscribe([topic])
    deadline = time.time() + 60
    while len(seen) < count and time.time() < deadline and not fatal[0]:
        m = c.poll(0.2)
        if m is not None and m.error() is None and m.key().decode().startswith(prefix + "-"):
            seen.add(m.key().decode())
    c.close()
print(json.dumps({"client": "confluent-kafka", "librdkafka": confluent_kafka.libversion()[0],
                  "acked": acked[0], "consumed": len(seen), "errors": sorted(errors)}))
'''


@pytest.fixture(scope="module")
def kafka():
    k = harness.KafkaCluster()
    assert k.secure, "KCHAOS_KAFKA=%s was started without --secure (the kafka1tls fixture)" % k.state_dir
    return k


def rdkafka(listener, topic, prefix, *security, count=COUNT, consume=True):
    args = [harness.rdkafka_client(), "--bootstrap", listener.bootstrap, "--topic", topic,
            "--prefix", prefix, "--count", str(count)] + (["--consume"] if consume else [])
    return harness.run_client(args + [str(a) for a in security], timeout=180)


def confluent(listener, topic, prefix, cfg, count=COUNT):
    assert os.path.exists(clients.VENV_PY), "no %s: ./dev.sh deps makes the venv" % clients.VENV_PY
    cfg = dict(cfg, **{"bootstrap.servers": listener.bootstrap})
    r = subprocess.run([clients.VENV_PY, "-c", SCRAM_CLIENT, json.dumps(cfg), topic, prefix,
                        str(count)], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, "confluent-kafka client failed:\n%s\n%s" % (r.stdout, r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def delivered(summary, count=COUNT):
    """Every record acknowledged and read back once, in order, and no error on the way."""
    harness.assert_delivered(summary, count)
    assert not summary["errors"], summary["errors"]


def test_ssl_produce_consume_verified(kafka):
    """SSL, the broker verified against the dev CA (librdkafka 2.x checks the host name too),
    once with a client certificate (mutual TLS) and once without (client auth is requested,
    not required)."""
    ssl_l = kafka.listener("ssl")
    topic = kafka.new_topic("tls-ssl", "1 1")
    s = rdkafka(ssl_l, topic, "mtls", "--ssl-ca", kafka.cert("ca.crt"),
                "--ssl-cert", kafka.cert("client.crt"), "--ssl-key", kafka.cert("client.key"))
    delivered(s)
    # Each listener advertises its own addresses: an SSL client learns only SSL ones.
    assert set(s["brokers_seen"]) <= {"%s:%d" % a for a in ssl_l.brokers.values()}, s
    delivered(rdkafka(ssl_l, topic, "tls", "--ssl-ca", kafka.cert("ca.crt")))


def test_ssl_broker_certificate_names(kafka):
    """The broker's certificate holds localhost and 127.0.0.1 and nothing else a client could
    be tricked by: Python's ssl (OpenSSL's host check) accepts those names, refuses another."""
    host, port = kafka.listener("ssl").brokers[1]
    ctx = ssl.create_default_context(cafile=kafka.cert("ca.crt"))
    for name in ("localhost", "127.0.0.1"):
        with socket.create_connection((host, port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with socket.create_connection((host, port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
            ctx.wrap_socket(raw, server_hostname="wrong.example")


def test_ssl_refuses_wrong_ca_and_untrusted_client(kafka):
    """A client trusting only an unrelated CA refuses the broker (a TLS error, nothing sent); a
    client certificate from that unrelated CA is refused by the broker (its TLS alert)."""
    ssl_l = kafka.listener("ssl")
    topic = kafka.new_topic("tls-refused", "1 1")
    s = rdkafka(ssl_l, topic, "wrongca", "--ssl-ca", kafka.cert("wrong-ca.crt"), consume=False)
    assert s["acked"] == 0 and s["errors"] == ["_SSL"], s
    s = rdkafka(ssl_l, topic, "untrusted", "--ssl-ca", kafka.cert("ca.crt"),
                "--ssl-cert", kafka.cert("untrusted-client.crt"),
                "--ssl-key", kafka.cert("untrusted-client.key"), consume=False)
    assert s["acked"] == 0 and s["errors"] == ["_SSL_ALERT"], s
    assert "Failed authentication" in open(os.path.join(kafka.state_dir, "kafka.log")).read()


def test_sasl_plaintext_plain_alice(kafka):
    users = kafka.sasl_users
    topic = kafka.new_topic("sasl-plain", "1 1")
    delivered(rdkafka(kafka.listener("sasl_plaintext"), topic, "alice-plain",
                      "--sasl-mechanism", "PLAIN", "--sasl-user", "alice",
                      "--sasl-password", users["alice"]))


def test_sasl_ssl_plain_bob(kafka):
    topic = kafka.new_topic("sasl-ssl-plain", "1 1")
    delivered(rdkafka(kafka.listener("sasl_ssl"), topic, "bob-plain", "--ssl-ca", kafka.cert("ca.crt"),
                      "--sasl-mechanism", "PLAIN", "--sasl-user", "bob",
                      "--sasl-password", kafka.sasl_users["bob"]))


def test_sasl_plaintext_scram_sha_256_alice(kafka):
    topic = kafka.new_topic("sasl-scram256", "1 1")
    s = confluent(kafka.listener("sasl_plaintext"), topic, "alice-scram256", {
        "security.protocol": "sasl_plaintext", "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "alice", "sasl.password": kafka.sasl_users["alice"]})
    assert (s["acked"], s["consumed"], s["errors"]) == (COUNT, COUNT, []), s


def test_sasl_ssl_scram_sha_512_bob(kafka):
    topic = kafka.new_topic("sasl-ssl-scram512", "1 1")
    s = confluent(kafka.listener("sasl_ssl"), topic, "bob-scram512", {
        "security.protocol": "sasl_ssl", "ssl.ca.location": kafka.cert("ca.crt"),
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "bob",
        "sasl.password": kafka.sasl_users["bob"]})
    assert (s["acked"], s["consumed"], s["errors"]) == (COUNT, COUNT, []), s


def test_wrong_password_is_refused(kafka):
    """A wrong password fails authentication, with PLAIN and with SCRAM, and nothing lands."""
    topic = kafka.new_topic("sasl-wrong", "1 1")
    s = rdkafka(kafka.listener("sasl_plaintext"), topic, "wrong-plain", "--sasl-mechanism", "PLAIN",
                "--sasl-user", "alice", "--sasl-password", "not-" + kafka.sasl_users["alice"],
                consume=False)
    assert s["acked"] == 0 and s["errors"] == ["_AUTHENTICATION"], s
    s = confluent(kafka.listener("sasl_ssl"), topic, "wrong-scram", {
        "security.protocol": "sasl_ssl", "ssl.ca.location": kafka.cert("ca.crt"),
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "bob", "sasl.password": "not-bob"},
        count=5)
    assert s["acked"] == 0 and "_AUTHENTICATION" in s["errors"], s
    assert harness.broker_count(kafka, topic)["records"] == 0


def test_debian_librdkafka_scram_fails_against_kafka4(kafka):
    """A known client bug, pinned so SASL tests pick their clients knowingly: librdkafka before
    2.6.1 (Debian's 2.0.2, kcat, python3-confluent-kafka) sends a wrong nonce in its SCRAM
    client-final-message, which Kafka 4.x refuses (librdkafka#4895). If this starts passing,
    Debian's librdkafka was fixed: use it for SCRAM and update the docstrings here."""
    topic = kafka.new_topic("sasl-scram-debian", "1 1")
    s = rdkafka(kafka.listener("sasl_plaintext"), topic, "debian-scram",
                "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "alice",
                "--sasl-password", kafka.sasl_users["alice"], consume=False)
    version = tuple(int(x) for x in s["version"].split(".")[:3])
    assert version < (2, 6, 1) and s["errors"] == ["_AUTHENTICATION"], s
