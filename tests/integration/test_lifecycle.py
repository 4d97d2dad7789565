"""kchaos's own lifecycle: the command line and config file, and SIGTERM/SIGINT draining."""
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import harness
import kwire


def run_kchaos(*args):
    return subprocess.run([harness.KCHAOS_BIN, *args], capture_output=True, text=True, timeout=10)


def test_help_and_version():
    r = run_kchaos("--help")
    assert r.returncode == 0 and "--upstream" in r.stdout and "--broker-ports" in r.stdout
    r = run_kchaos("--version")
    assert r.returncode == 0 and r.stdout.startswith("kchaos ")


@pytest.mark.parametrize("args,why", [
    ((), "--upstream is required"),
    (("--upstream", "127.0.0.1:9092"), "--listen is required"),
    (("--upstream", "nohost", "--listen", "9092"), "--upstream: 'nohost' is not HOST:PORT"),
    (("--upstream", "a:1", "--listen", "99999"), "--listen: '99999' is not [HOST:]PORT"),
    (("--upstream", "a:1", "--listen", "1", "--log-level", "loud"), "--log-level"),
    (("--upstream", "a:1", "--listen", "1", "--bogus"), "unknown option '--bogus'"),
    (("--upstream", "a:1", "--listen", "1", "--broker-port", "1=1"), "that is the --listen port"),
])
def test_bad_arguments_exit_2_with_one_line(args, why):
    r = run_kchaos(*args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and why in r.stderr, r.stderr


def test_bad_config_file_names_file_and_line():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("upstream: 127.0.0.1:9092\nlisten: 19092\nlog_levl: debug\n")
    try:
        r = run_kchaos("--config", f.name)
        assert r.returncode == 2 and "%s:3: unknown key 'log_levl'" % f.name in r.stderr, r.stderr
    finally:
        os.unlink(f.name)


def test_config_file_runs_kchaos(mock):
    port = harness.free_port_block(8)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("upstream:\n  - %s\nlisten: 127.0.0.1:%d\nbroker_ports: %d\nnode_id_base: 1\n"
                "log_format: json\n" % (mock.bootstrap.split(",")[0], port, port + 1))
    try:
        p = subprocess.Popen([harness.KCHAOS_BIN, "--config", f.name], stderr=subprocess.PIPE, text=True)
        try:
            harness.wait_for(lambda: all(harness.port_open(port + n) for n in (0, 1, 2, 3)), 10,
                             "the listeners from the config file")
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(10) == 0
        assert '"level":"info"' in p.stderr.read()  # log_format: json from the file
    finally:
        os.unlink(f.name)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_drains_in_flight_requests_and_exits_0(mock, sig):
    kc = harness.Kchaos(mock)
    try:
        mock.ctl("broker-rtt 1 1500")  # broker 1 answers after 1.5 s
        s = socket.create_connection(("127.0.0.1", kc.port_of(1)), timeout=10)
        s.sendall(kwire.metadata_request_v1(5))
        time.sleep(0.3)  # the request is now in flight at the broker
        kc.proc.send_signal(sig)
        # Draining: no new connections, but the in-flight request still gets its answer.
        harness.wait_for(lambda: not harness.port_open(kc.port), 5, "the listeners to close")
        assert kwire.Reader(kwire.recv_frame(s)).i32() == 5
        assert kwire.closed_by_peer(s)
        kc.proc.wait(30)  # it exits by itself once drained
    finally:
        rc = kc.stop()
    assert rc == 0, kc.log_text()[-3000:]
    assert "kchaos shutting down" in kc.log_text()



def test_drain_timeout_expires_on_a_request_never_answered():
    """A scripted broker swallows a Produce request. On SIGTERM kchaos waits for it up to
    --drain-timeout-ms, then closes the client's connection without an answer and exits 0:
    not before the timeout (the request is still in flight), and not long after it."""
    swallowed = []
    broker = kwire.FakeBroker([(0, 0, 7), (3, 0, 8), (18, 0, 2)],
                              on_request=lambda conn, key, ver, corr, msg: swallowed.append(corr))
    timeout_s, margin_s = 1.5, 2.0
    try:
        kc = harness.Kchaos(harness.ScriptedCluster(broker), extra=["--drain-timeout-ms", str(int(timeout_s * 1000))])
        try:
            s = socket.create_connection(("127.0.0.1", kc.port_of(0)), timeout=30)
            s.sendall(kwire.produce_request_v7(42, "t", 0, kwire.record_batch(b"k", b"v")))
            harness.wait_for(lambda: swallowed == [42], 10, "the broker to receive the request")
            t0 = time.monotonic()
            kc.proc.send_signal(signal.SIGTERM)
            # The client gets no answer, only the close, once the drain time is up.
            s.settimeout(timeout_s + margin_s + 5)
            assert s.recv(65536) == b"", "kchaos answered a request the broker never answered"
            closed = time.monotonic() - t0
            rc = kc.proc.wait(timeout_s + margin_s + 5)
            exited = time.monotonic() - t0
        finally:
            kc.stop()
    finally:
        broker.close()
    assert rc == 0, kc.log_text()[-3000:]
    assert timeout_s - 0.1 <= closed <= timeout_s + margin_s, "closed after %.2fs" % closed
    assert timeout_s - 0.1 <= exited <= timeout_s + margin_s, "exited after %.2fs" % exited


def test_a_client_that_hangs_up_is_passed_on_as_a_fin():
    """An acks=0 producer writes its last requests and hangs up at once. kchaos delivers them,
    passes the hang-up on as a FIN and closes only when the broker closes too: a broker that
    reads slowly (and answers acks=0 Produce, as librdkafka's mock does) reads every request
    and then sees EOF, never a reset. Closing the socket while the broker's answers arrive
    resets it, and the broker drops what it had not read: kafkajs's last records were lost so
    (once in a dozen runs under ASan)."""
    got = []

    def slow_answer(conn, key, ver, corr, msg):
        time.sleep(0.05)
        got.append(corr)
        conn.sendall(kwire.produce_response_v7(corr, "t", 0))

    broker = kwire.FakeBroker([(0, 0, 7), (3, 0, 8), (18, 0, 2)], on_request=slow_answer)
    try:
        with harness.Kchaos(harness.ScriptedCluster(broker)) as kc:
            s = socket.create_connection(("127.0.0.1", kc.port_of(0)), timeout=30)
            batch = kwire.record_batch(b"k", b"v" * 2000)
            s.sendall(b"".join(kwire.produce_request_v7(i, "t", 0, batch, acks=0) for i in range(20)))
            s.close()
            produce = lambda: [how for how, keys in broker.ends if 0 in keys]
            harness.wait_for(produce, 20, "the producer's connection to end at the broker")
            assert got == list(range(20)), "the broker read %s" % got
            assert produce() == ["eof"], broker.ends
            # The pair closed after the broker did, not at the client's hang-up.
            harness.wait_for(lambda: [e for e in kc.conn_summaries() if e.get("apis", {}).get("Produce")],
                             10, "the pair's close summary")
            close = [e for e in kc.conn_summaries() if e.get("apis", {}).get("Produce")][0]
            assert close["reason"] == "client closed the connection", close
            assert close["bytes_to_upstream"] == close["bytes_from_client"], close
    finally:
        broker.close()


def metadata_on_new_connection(port, corr):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        kwire.metadata_round_trip(s, corr)


def named_cluster(mock, bootstrap):
    """The mock cluster, bootstrapped through other --upstream addresses or names."""
    class Named(harness.Cluster):
        node_id_base = mock.node_id_base
        brokers = mock.brokers
    Named.bootstrap = bootstrap
    return Named()


def test_upstream_by_name_and_a_dead_first_upstream(mock):
    """--upstream names resolve (discovery and client connections alike), and a bootstrap
    connection tries the next --upstream when the first refuses."""
    dead = harness.free_port_block(1)
    port = mock.bootstrap.split(",")[0].rsplit(":", 1)[1]
    cluster = named_cluster(mock, "127.0.0.1:%d,localhost:%s" % (dead, port))
    with harness.Kchaos(cluster) as kc:  # waits for discovery to open every broker's port
        s = socket.create_connection(("127.0.0.1", kc.port), timeout=10)
        for corr in range(1, 5):  # several connections: each bootstrap one starts elsewhere
            metadata_on_new_connection(kc.port, corr)
        s.close()
    assert "trying the next --upstream" in kc.log_text()
    assert "discovery: 3 broker(s)" in kc.log_text()


def test_threads_share_every_port(mock):
    """--threads 2: two loops listen on every port (SO_REUSEPORT) and the kernel spreads
    connections over both; each loop rewrites on its own, ids stay unique, SIGTERM drains both."""
    with harness.Kchaos(mock, extra=["--threads", "2"]) as kc:
        # 32 connections land on one loop only with probability 2^-31.
        for corr in range(32):
            metadata_on_new_connection(kc.port if corr % 2 else kc.port_of(mock.node_id_base), corr)
        harness.wait_for(lambda: sum(e.get("apis", {}).get("Metadata", {}).get("1", 0)
                                     for e in kc.conn_summaries()) >= 32, 10, "32 conn_close lines")
        s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap,
                                "--topic", "t1", "--prefix", "threads", "--count", "2000",
                                "--idempotent", "--acks", "all", "--consume",
                                "--allowed-ports", kc.allowed_ports_arg()])
        harness.assert_delivered(s, 2000)
        harness.assert_only_kchaos(s, kc)
    # The 32 connections above (Metadata v1; librdkafka asks v2, and may close with one in flight).
    served = [e for e in kc.conn_summaries() if e["apis"].get("Metadata", {}).get("1")]
    assert len(served) == 32
    assert {e["loop"] for e in served} == {0, 1}, [e["loop"] for e in served]
    ids = [e["conn"] for e in kc.conn_summaries()]
    assert len(ids) == len(set(ids)), "connection ids repeat across loops"
    assert all(e["rewrites"].get("Metadata") for e in served), "a loop passed Metadata unrewritten"
    harness.assert_bound_to_brokers(kc)
    assert kc.log_text().count("(loop 2 of 2)") >= 1 + len(mock.brokers)


def test_threads_zero_means_one_per_cpu(mock):
    with harness.Kchaos(mock, extra=["--threads", "0"]) as kc:
        pass
    assert "%d loop" % len(os.sched_getaffinity(0)) in kc.log_text()  # what libuv counts


def kchaos_with_private_names(tmp_path, hosts):
    """A kchaos command that runs it in a mount namespace where /etc/hosts holds `hosts` and
    DNS goes to 127.0.0.1 (nothing answers there, so other names fail at once)."""
    harness.opt_out("KCHAOS_NO_NAMESPACES", "needs a mount namespace (unshare -m) for a private /etc/hosts")
    r = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True)
    assert r.returncode == 0, ("unshare -m failed (%s): these tests need a mount namespace (root); "
                               "KCHAOS_NO_NAMESPACES=1 opts out explicitly" % r.stderr.strip())
    (tmp_path / "hosts").write_text(hosts)
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    wrapper = tmp_path / "kchaos"
    wrapper.write_text(
        "#!/bin/sh\nexec unshare -m sh -c 'mount --bind \"$0/hosts\" /etc/hosts && "
        "mount --bind \"$0/resolv.conf\" /etc/resolv.conf && exec \"$@\"' %s %s \"$@\"\n"
        % (tmp_path, harness.KCHAOS_BIN))
    wrapper.chmod(0o755)
    return str(wrapper)


def test_every_address_of_an_upstream_name_is_tried(mock, tmp_path):
    """An --upstream name whose first address refuses (localhost as ::1 first, before a broker
    on 127.0.0.1 only): discovery and client connections go on to its next address, as
    Kafka's own clients do (client.dns.lookup=use_all_dns_ips), not to the next --upstream."""
    binary = kchaos_with_private_names(tmp_path, "::1 kchaos-two-addrs\n127.0.0.1 kchaos-two-addrs\n")
    port = mock.bootstrap.split(",")[0].rsplit(":", 1)[1]
    cluster = named_cluster(mock, "kchaos-two-addrs:%s" % port)
    with harness.Kchaos(cluster, binary=binary, upstream_bind=None) as kc:
        for corr in range(1, 4):  # bootstrap connections resolve the name each time
            metadata_on_new_connection(kc.port, corr)
    log = kc.log_text()
    assert "discovery: 3 broker(s)" in log
    assert "trying the upstream's next address" in log, log[-3000:]
    assert log.count("at ::1: ") >= 3 and "trying its next address" in log, log[-3000:]
    assert "trying the next --upstream" not in log


def test_an_upstream_name_that_does_not_resolve(mock, tmp_path):
    """A first --upstream that does not resolve: each bootstrap connection goes on to the next
    --upstream (this path once crashed kchaos: a retry closed a socket never made)."""
    binary = kchaos_with_private_names(tmp_path, "")
    cluster = named_cluster(mock, "kchaos-no-such-host.invalid:9092," + mock.bootstrap.split(",")[0])
    with harness.Kchaos(cluster, binary=binary) as kc:
        for corr in range(1, 5):  # boot_index rotates: some start at the bad name, some not
            metadata_on_new_connection(kc.port, corr)
    log = kc.log_text()
    assert "cannot connect to kchaos-no-such-host.invalid:9092" in log, log[-3000:]
    assert "trying the next --upstream" in log
