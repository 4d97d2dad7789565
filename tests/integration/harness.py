"""Integration test harness: clusters, kchaos, the direct-connection guard and test clients.

Every integration test runs real clients through a real kchaos process, in front of either
librdkafka's mock cluster (tests/tools/mock_cluster) or the real Apache Kafka cluster started
by tests/tools/kafka-cluster.sh. This module is the one place that knows how to start them,
how to read kchaos's JSON log, and how to prove that no client went around kchaos.

Environment (set by CTest, see tests/integration/CMakeLists.txt):
  KCHAOS_BIN       the kchaos binary under test (the sanitizer build sets its own)
  KCHAOS_BUILD     the build directory holding mock_cluster and rdkafka_client
  KCHAOS_KAFKA     state directory of a running real-Kafka cluster (real-kafka tests); one
                   started with --secure also has SSL and SASL listeners (KafkaCluster.listener)
  KCHAOS_ARGS      extra flags for every kchaos started here (./dev.sh test runs the sanitizer
                   pass with "--threads 2", so every mock test also crosses two event loops)
"""
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KCHAOS_BUILD", os.path.join(ROOT, "build"))
KCHAOS_BIN = os.environ.get("KCHAOS_BIN", os.path.join(BUILD, "kchaos"))
KCHAOS_ARGS = os.environ.get("KCHAOS_ARGS", "").split()
# kchaos opens its broker connections from this loopback address, so the guard below can tell
# them from a client that connects to a broker directly.
UPSTREAM_SOURCE = "127.0.0.2"


def wait_for(cond, timeout=30.0, what="condition", interval=0.05):
    """Poll cond() until it returns a truthy value; fail with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_handed_out = set()  # every port free_port_block has returned in this process


def free_port_block(n):
    """A random block of n consecutive ports that are free right now.

    Every fixed or random port the tests listen on stays below the kernel's ephemeral range
    (32768+ by default): a port in that range can be taken at any moment as the source port of
    some outgoing connection, and a listener started later then fails with EADDRINUSE.
    28000-28999 is left to the fixed ports of the real Kafka clusters, the demo and the bench
    (tests/integration/CMakeLists.txt), 19000-19999 to the demo's own."""
    for _ in range(200):
        base = random.randint(10000, 28000 - n)
        if base + n > 19000 and base < 20000:
            continue
        # A block handed out earlier in this process may not be bound yet (admin_args() picks
        # the admin port before Kchaos picks its listen block): never hand out one port twice.
        if any(p in _handed_out for p in range(base, base + n)):
            continue
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
                socks.append(s)
            _handed_out.update(range(base, base + n))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block of %d" % n)


def control(port, line, timeout=120.0):
    """One request line to a cluster's control port; returns the text after OK, raises on ERR."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    reply = buf.decode().strip()
    if not reply.startswith("OK"):
        raise AssertionError("control %r: %s" % (line, reply))
    return reply[2:].strip()


def parse_brokers(text):
    """'1@127.0.0.1:9092,2@...' -> {1: ('127.0.0.1', 9092), ...}"""
    out = {}
    for item in filter(None, text.split(",")):
        node, addr = item.split("@")
        host, port = addr.rsplit(":", 1)
        out[int(node)] = (host, int(port))
    return out


class Cluster:
    """What tests need of a cluster: its bootstrap list, its brokers and its control port."""

    bootstrap = ""
    brokers = {}
    control_port = 0
    node_id_base = 0
    real = False

    def ctl(self, line, timeout=120.0):
        return control(self.control_port, line, timeout)

    def broker_ports(self):
        return sorted(p for _, p in self.brokers.values())


class MockCluster(Cluster):
    """librdkafka's mock cluster in its own process (brokers 1..N on random ports)."""

    node_id_base = 1

    def __init__(self, brokers=3, topics=()):
        args = [os.path.join(BUILD, "mock_cluster"), "--brokers", str(brokers)]
        for t in topics:
            args += ["--topic", t]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.proc.kill()
            raise RuntimeError("mock_cluster did not start: %r" % line)
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        self.bootstrap = fields["bootstrap"]
        self.brokers = parse_brokers(fields["brokers"])
        self.control_port = int(fields["control"].rsplit(":", 1)[1])

    def close(self):
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.ctl("shutdown", timeout=5)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ScriptedCluster(Cluster):
    """One scripted broker (kwire.FakeBroker) as node 0: tests of kchaos's own behaviour."""

    node_id_base = 0

    def __init__(self, broker):
        self.bootstrap = "127.0.0.1:%d" % broker.port
        self.brokers = {0: ("127.0.0.1", broker.port)}


class KafkaCluster(Cluster):
    """A real Kafka cluster already started by tests/tools/kafka-cluster.sh (a CTest fixture)."""

    node_id_base = 1
    real = True

    def __init__(self, state_dir=None):
        state_dir = state_dir or os.environ.get("KCHAOS_KAFKA")
        if not state_dir:
            raise RuntimeError("KCHAOS_KAFKA is not set: run through ctest (real-kafka fixture)")
        env = {}
        with open(os.path.join(state_dir, "cluster.env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    env[k] = v.strip('"')
        self.env = env
        self.state_dir = state_dir
        self.bootstrap = env["KAFKA_BOOTSTRAP"]
        self.control_port = int(env["KAFKA_CONTROL_PORT"])
        self.brokers = parse_brokers(env["KAFKA_BROKERS"].replace(" ", ","))
        self.version = env.get("KAFKA_VERSION", "")
        # kafka-cluster.sh start --secure CERTS_DIR: the SSL and SASL listeners beside CLIENT.
        self.secure = "KAFKA_BOOTSTRAP_SSL" in env
        self.certs = env.get("KAFKA_CERTS", "")

    def new_topic(self, what, spec="3 3 min.insync.replicas=2"):
        """A fresh topic named after `what` (PARTITIONS RF [config...], the launcher's form)."""
        topic = "%s-%d" % (what, random.randint(0, 1 << 30))
        self.ctl("create-topic %s %s" % (topic, spec))
        self._settle(topic)
        return topic

    def _settle(self, topic, timeout=30.0):
        """Wait (best effort) until each partition is led by its preferred replica with every
        replica in sync. A broker an earlier test stopped and restarted on this shared cluster
        may still be catching up: its replicas out of sync (NOT_ENOUGH_REPLICAS under
        min.insync.replicas) and leaders moving back to it (NOT_LEADER_OR_FOLLOWER), which a
        test judging the broker's own answers would take for its own doing."""
        def whole():
            d = json.loads(self.ctl("describe %s" % topic))
            return all(p["leader"] == p["replicas"][0] and sorted(p["isr"]) == sorted(p["replicas"])
                       for p in d["partitions"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not whole():
            time.sleep(0.2)

    SECURE_LISTENERS = ("ssl", "sasl_plaintext", "sasl_ssl")

    def listener(self, name):
        """One of the cluster's client listeners as a cluster of its own (KafkaListener):
        "plaintext" (the CLIENT listener, the same as this object's bootstrap and brokers), or,
        on a cluster started with --secure, "ssl", "sasl_plaintext" or "sasl_ssl"."""
        name = name.lower()
        if name in ("plaintext", "client"):
            return KafkaListener(self, "plaintext", self.bootstrap, self.brokers)
        if name not in self.SECURE_LISTENERS:
            raise ValueError("no listener %r (plaintext, %s)" % (name, ", ".join(self.SECURE_LISTENERS)))
        if not self.secure:
            raise AssertionError("the cluster in %s was started without --secure: no %s listener"
                                 % (self.state_dir, name))
        key = name.upper()
        return KafkaListener(self, name, self.env["KAFKA_BOOTSTRAP_" + key],
                             parse_brokers(self.env["KAFKA_BROKERS_" + key].replace(" ", ",")))

    def _sasl_file(self):
        if not self.secure:
            raise AssertionError("the cluster in %s was started without --secure: no SASL users"
                                 % self.state_dir)
        with open(self.env["KAFKA_SASL_USERS"]) as f:
            return json.load(f)

    @property
    def sasl_users(self):
        """{"alice": "alice-secret", ...}: every user can log in with every sasl_mechanisms one."""
        return dict(self._sasl_file()["users"])

    @property
    def sasl_mechanisms(self):
        return list(self._sasl_file()["mechanisms"])

    def cert(self, name):
        """A file of the cluster's certificate directory (certs/README.md): cert("ca.crt")."""
        if not self.certs:
            raise AssertionError("the cluster in %s was started without --secure: no certificates"
                                 % self.state_dir)
        path = os.path.join(self.certs, name)
        if not os.path.exists(path):
            raise AssertionError("no %s in %s (certs/make-certs.sh makes it)" % (name, self.certs))
        return path

    def store_password(self):
        """The password of the PKCS#12 stores in the certificate directory."""
        with open(self.cert("password")) as f:
            return f.read().strip()


class KafkaListener(Cluster):
    """One client listener of a real cluster: its own bootstrap and broker addresses, the same
    brokers, control port and topics. Anything else (sasl_users, cert, new_topic...) is the
    cluster's."""

    node_id_base = 1
    real = True

    def __init__(self, cluster, name, bootstrap, brokers):
        self.cluster = cluster
        self.name = name
        self.bootstrap = bootstrap
        self.brokers = brokers
        self.control_port = cluster.control_port

    def __getattr__(self, attr):
        if attr == "cluster":  # not set yet: no recursion
            raise AttributeError(attr)
        return getattr(self.cluster, attr)


class GuardUnavailable(AssertionError):
    pass


class DirectGuard:
    """Kernel-level proof that nothing but kchaos reaches the brokers.

    An nftables rule rejects (and counts) every new connection to the brokers' client ports
    that does not come from kchaos's upstream source address. A client that learned a real
    broker address gets a refused connection (so it fails visibly) and the counter shows it.
    The guard is mandatory: a test that claims "no direct broker connection" fails when the
    rule cannot be installed (no nft, not root), instead of passing with the guard off. The
    control test (test_guard.py, test_real_clients.py) proves that the rule refuses and counts.
    """

    def __init__(self, ports):
        self.table = "kchaos_guard_%d_%d" % (os.getpid(), random.randint(0, 1 << 30))
        self.ports = sorted(set(ports))
        self.installed = False
        if not self.ports:
            raise GuardUnavailable("guard: no broker port to guard")
        if shutil.which("nft") is None or os.geteuid() != 0:
            raise GuardUnavailable("guard: needs nft and root (./dev.sh deps installs nftables);"
                                   " the tests that claim no direct connection cannot run without it")
        plist = ", ".join(str(p) for p in self.ports)
        rules = (
            "table inet %s {\n chain out {\n  type filter hook output priority 0;\n"
            "  tcp dport { %s } ip saddr != %s ct state new counter reject with tcp reset\n"
            " }\n}\n" % (self.table, plist, UPSTREAM_SOURCE)
        )
        r = subprocess.run(["nft", "-f", "-"], input=rules, text=True, capture_output=True)
        if r.returncode != 0:
            raise GuardUnavailable("guard: nft refused the rule: %s" % r.stderr.strip())
        self.installed = True
        # The table must be there and hold our rule, or every later refused() == 0 is a lie.
        assert "ip saddr != %s" % UPSTREAM_SOURCE in self._list(), "guard rule not in place"

    def _list(self):
        return subprocess.run(["nft", "list", "table", "inet", self.table], text=True,
                              capture_output=True, check=True).stdout

    def refused(self):
        """Connections the guard refused so far."""
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", self._list()))

    def close(self):
        if self.installed:
            subprocess.run(["nft", "delete", "table", "inet", self.table], capture_output=True)
            self.installed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def assert_guard_catches(guard, host, port):
    """The control for the guard: one deliberate direct connection to a guarded broker port,
    not from kchaos's source address, must be refused and counted; the same port from kchaos's
    source address must be reachable (so the refusal is the guard's, not a dead broker's)."""
    before = guard.refused()
    try:
        socket.create_connection((host, port), timeout=5).close()
        raise AssertionError("a direct connection to %s:%d was let through" % (host, port))
    except ConnectionRefusedError:
        pass
    assert guard.refused() == before + 1, "the guard did not count the refused connection"
    s = socket.socket()
    s.bind((UPSTREAM_SOURCE, 0))
    s.settimeout(5)
    s.connect((host, port))  # kchaos's source address passes
    s.close()
    assert guard.refused() == before + 1


class Kchaos:
    """A kchaos process in front of `cluster`, logging JSON lines to a file."""

    def __init__(self, cluster, extra=(), nbroker_ports=8, binary=None, log_level="debug",
                 port=None, upstream_bind=UPSTREAM_SOURCE, discovered=True):
        self.cluster = cluster
        self.port = port or free_port_block(nbroker_ports + 1)  # bootstrap
        self.broker_ports_start = self.port + 1  # node id base -> the next port
        self.node_id_base = cluster.node_id_base
        self.logdir = tempfile.mkdtemp(prefix="kchaos-test-")
        self.logfile = os.path.join(self.logdir, "kchaos.log")
        self.args = [
            binary or KCHAOS_BIN,
            "--upstream", cluster.bootstrap,
            "--listen", "127.0.0.1:%d" % self.port,
            "--broker-ports", str(self.broker_ports_start),
            "--node-id-base", str(self.node_id_base),
            "--log-format", "json",
            "--log-level", log_level,
        ] + (["--upstream-bind", upstream_bind] if upstream_bind else []) + KCHAOS_ARGS + list(extra)
        self.log = open(self.logfile, "w")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log)
        self.probes = 0  # connections made to see a port listen: kchaos accepts each of them
        wait_for(lambda: self._probe(self.port) or self.proc.poll() is not None, 10,
                 "kchaos to listen")
        if self.proc.poll() is not None:
            raise AssertionError("kchaos exited at start:\n" + self.log_text())
        # Discovery opens every broker's listener before clients are let in. Not on a listener
        # that wants SASL first (discovered=False): kchaos holds no credentials, so each
        # broker's listener opens when the first Metadata through kchaos names it.
        if discovered:
            wait_for(lambda: all(self._probe(self.port_of(n)) for n in cluster.brokers), 30,
                     "kchaos to open every broker listener")

    def _probe(self, port):
        ok = port_open(port)
        self.probes += ok
        return ok

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def port_of(self, node_id):
        return self.broker_ports_start + node_id - self.node_id_base

    def ports(self):
        """Every port a client may legitimately connect to."""
        return [self.port] + [self.port_of(n) for n in self.cluster.brokers]

    def allowed_ports_arg(self):
        return "%d,%d-%d" % (self.port, self.broker_ports_start, self.broker_ports_start + 64)

    def log_text(self):
        with open(self.logfile) as f:
            return f.read()

    def events(self):
        out = []
        for line in self.log_text().splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    def conn_summaries(self):
        return [e for e in self.events() if e.get("event") == "conn_close"]

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop kchaos and return its exit status (0 expected: a drain, no sanitizer report)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("kchaos did not stop within %ds" % timeout)
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        if exc_type is None:
            assert rc == 0, "kchaos exited with %d:\n%s" % (rc, self.log_text()[-4000:])
        else:
            sys.stderr.write("---- kchaos log (tail) ----\n" + self.log_text()[-6000:] + "\n")


def kchaos_cli(*args, timeout=60):
    """`kchaos ARGS...` (the CLI: check-scenario, record, top, scenario...), its output kept."""
    return subprocess.run([KCHAOS_BIN] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


def scenario_roundtrip(path):
    """tests/tools/scenario_roundtrip on an exported scenario: loading it and exporting it again
    gives its rules in the same words (asserted), twice; its report."""
    r = subprocess.run([os.path.join(BUILD, "scenario_roundtrip"), str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def run_client(args, timeout=180, env=None):
    """Run a test client (tests/clients/README.md contract); return its JSON summary."""
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=e)
    if r.returncode != 0:
        raise AssertionError("client %s failed (%d):\n%s\n%s" % (args[0], r.returncode,
                                                                 r.stdout[-3000:], r.stderr[-5000:]))
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise AssertionError("client %s printed no summary:\n%s\n%s" % (args[0], r.stdout,
                                                                        r.stderr[-3000:]))
    out = json.loads(lines[-1])
    out["_stderr"] = r.stderr
    return out


class Background:
    """A client run in a thread (run_client); result() joins it and returns its JSON summary,
    or raises what the run raised."""

    def __init__(self, args, timeout=240, env=None):
        self.out, self.timeout = None, timeout
        self.t = threading.Thread(target=self._run, args=(args, env))
        self.t.start()

    def _run(self, args, env):
        try:
            self.out = run_client(args, timeout=self.timeout, env=env)
        except Exception as e:  # raised again by result()
            self.out = e

    def result(self):
        self.t.join(self.timeout + 30)
        assert not self.t.is_alive(), "the client hung"
        if isinstance(self.out, Exception):
            raise self.out
        return self.out


def assert_delivered(summary, count):
    """Every record acknowledged and read back exactly once, in order per partition."""
    s = summary
    assert s["acked"] == count, "acked %d of %d: %s" % (s["acked"], count, s.get("errors"))
    assert s["missing"] == 0, "%d records never read back" % s["missing"]
    assert s["duplicates"] == 0, "%d records read twice" % s["duplicates"]
    assert s["out_of_order"] == 0, "%d records out of order" % s["out_of_order"]


def assert_only_kchaos(summary, kc, guard=None):
    """The client saw only kchaos's addresses, and (with the guard) never reached a broker."""
    allowed = {"127.0.0.1:%d" % p for p in kc.ports()}
    seen = set(summary.get("brokers_seen", []))
    assert seen, "the client reported no broker addresses"
    assert seen <= allowed, "client learned addresses kchaos did not hand out: %s" % (seen - allowed)
    assert summary.get("refused_connects", 0) == 0, "client tried to reach a broker directly"
    if guard is not None:
        assert guard.refused() == 0, "the guard refused %d direct connection(s)" % guard.refused()


def assert_bound_to_brokers(kc):
    """Every connection accepted on broker N's port was paired with broker N and no other."""
    summaries = kc.conn_summaries()
    assert summaries, "kchaos logged no connection"
    for e in summaries:
        listener = e.get("listener", "")
        if not listener.startswith("broker "):
            continue
        host, port = kc.cluster.brokers[int(listener.split()[1])]
        assert e.get("upstream") == "%s:%d" % (host, port), e


def broker_count(cluster, topic):
    """What the brokers of a real cluster hold in `topic`: every data record from the
    beginning to the end offsets (read_committed; transaction markers are control records and
    are not counted), read by Kafka's own consumer inside the launcher on the brokers' INTERNAL
    listeners, never through kchaos: {"records", "distinct", "duplicates", "by_prefix"}."""
    return json.loads(cluster.ctl("count %s" % topic))


def assert_broker_holds(cluster, topic, by_prefix):
    """The broker holds exactly the records sent: `by_prefix` {prefix: count} each once."""
    c = broker_count(cluster, topic)
    want = sum(by_prefix.values())
    assert c["duplicates"] == 0, "the broker holds %d duplicate record(s): %s" % (c["duplicates"], c)
    assert c["records"] == want and c["distinct"] == want, \
        "the broker holds %d records (%d keys), %d were sent: %s" % (c["records"], c["distinct"], want, c)
    assert c["by_prefix"] == by_prefix, c
    return c


def list_offsets_v1(host, port, topic, partitions, timestamp=-1, source=UPSTREAM_SOURCE):
    """ListOffsets v1 straight to one broker (from kchaos's source address, so the guard lets
    it by): {partition: (error, offset)}. The oracle for the mock cluster's end offsets."""
    import kwire
    body = (kwire.i32(-1) + kwire.i32(1) + kwire.string(topic) + kwire.i32(len(partitions))
            + b"".join(kwire.i32(p) + kwire.i64(timestamp) for p in partitions))
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(10)
    s.connect((host, port))
    with s:
        s.sendall(kwire.request(2, 1, 1, body))
        r = kwire.Reader(kwire.recv_frame(s))
    assert r.i32() == 1
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p, err, _ts, off = r.i32(), r.i16(), r.take(">q"), r.take(">q")
            out[p] = (err, off)
    return out


def mock_end_offsets(cluster, topic, partitions):
    """Each partition's end offset, asked of every broker directly (the leader answers)."""
    out = {}
    for host, port in cluster.brokers.values():
        for p, (err, off) in list_offsets_v1(host, port, topic, partitions).items():
            if err == 0:
                out[p] = off
    assert sorted(out) == sorted(partitions), "no leader answered for some partition: %s" % out
    return out


# Explicit opt-outs (README, "Tests"): the only skips ./dev.sh test accepts. Any other skip
# fails the run (conftest.py).
OPT_OUT_PREFIX = "opt-out "


def opt_out(var, why):
    """Skip when the environment variable `var` is 1 (an explicit choice the README names)."""
    if os.environ.get(var) == "1":
        import pytest
        pytest.skip("%s%s=1: %s" % (OPT_OUT_PREFIX, var, why))


def rdkafka_client():
    return os.path.join(BUILD, "rdkafka_client")
