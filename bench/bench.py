#!/usr/bin/env python3
"""kchaos benchmark: producers through kchaos and its peers, against the mock cluster and a real
Kafka broker, interleaved over rounds; prints one Markdown report (bench/README.md).

Run it through bench/run.sh (which builds and installs what it needs), not directly."""
import argparse
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from install import GO_PEERS, given_var, install_all

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.environ.get("KCHAOS_BENCH_CACHE", os.path.expanduser("~/.cache/kchaos-bench"))
TOPIC = "bench"
VALUE_SIZE = 1024
HZ = os.sysconf("SC_CLK_TCK")

# Ports: the real cluster uses base port 28925 (its listeners: 28925-28926, 28936, 28946, 28956;
# the PEER listener is advertised as 28966; started with --secure for the TLS paths, also SSL
# 28976, SASL_PLAINTEXT 28986, SASL_SSL 28996: kafka-cluster.sh's P+50+i, P+60+i, P+70+i). That
# keeps it clear of the proxies, which listen only in 28600-28699, and of dev clusters at base
# 28800 or 28850 (which reach 28921 with --secure).
REAL_BASE = 28925
PORTS = {
    "real": {"kchaos": 28640, "kchaos-admin": 28648, "toxiproxy-api": 28639, "kafka-proxy": 28651,
             "kafka-proxy-http": 28659, "kroxylicious": 28660, "haproxy-tls": 28671},
    "mock": {"l4": 28671, "kroxylicious": 28675, "toxiproxy-api": 28679, "kchaos": 28680,
             "kafka-proxy": 28685, "kafka-proxy-http": 28689, "kchaos-admin": 28690},
}
# kchaos-2t is kchaos with --threads 2: two event loops sharing every port (SO_REUSEPORT);
# kchaos-off is kchaos with --metrics off (what the produce metrics cost); kchaos-base is the
# binary named by KCHAOS_BENCH_BASE (an earlier build, for a before/after comparison);
# kchaos-faults runs bench/never-matches.yaml, a scenario that matches nothing (the matchers' cost).
# kchaos-record runs a recording (issue 16) for its whole slot: kchaos with --admin, and
# POST /api/v1/recordings as soon as it listens (what recording costs; the budget is 5 %).
# kchaos-tls serves TLS to the producer (--tls-cert/--tls-key) and speaks plaintext upstream;
# haproxy-tls terminates TLS the same way (bind ... ssl crt). The producer verifies both.
# On the real backend (its brokers' SSL listeners) TLS runs end to end instead: direct-tls is the
# producer straight to the SSL listeners; kchaos-tls2 is kchaos with TLS on both sides
# (--tls-cert/--tls-key, --upstream-tls --upstream-ca); haproxy-tls there re-encrypts to the
# brokers (server ... ssl verify required ca-file). kchaos-tls is mock only, kchaos-tls2 and
# direct-tls real only.
KCHAOS_PATHS = ["kchaos", "kchaos-2t", "kchaos-off", "kchaos-faults", "kchaos-record", "kchaos-base",
                "kchaos-tls", "kchaos-tls2"]
TLS_PATHS = ["kchaos-tls", "haproxy-tls", "direct-tls", "kchaos-tls2"]
ONLY = {"kchaos-tls": ("mock", "mock backend only (TLS to the proxy, plaintext upstream)"),
        "kchaos-tls2": ("real", "real backend only (TLS to the brokers: the mock has none)"),
        "direct-tls": ("real", "real backend only (the mock has no TLS listener)")}
PATHS = ["direct", "direct-tls", "kchaos", "kchaos-2t", "kchaos-off", "kchaos-faults", "kchaos-record",
         "kchaos-tls", "kchaos-tls2", "haproxy", "haproxy-tls", "socat", "toxiproxy", "kafka-proxy", "kroxylicious"]
PRODUCERS = {"mock": ["librdkafka"], "real": ["librdkafka", "java"]}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes ------------------------------------------------------------------------------

def tree(pid):
    """pid and its live descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid):
    """user+sys of pid's tree, including children it has reaped (cutime, cstime)."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / HZ


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Memory(threading.Thread):
    """Peak memory of a proxy: its VmHWM; for a proxy of several processes (socat forks a child
    per connection) also the largest sum of VmRSS over its tree, sampled every 0.5 s."""

    def __init__(self, pid, sampled):
        super().__init__(daemon=True)
        self.pid, self.sampled, self.peak_kib, self.stop = pid, sampled, 0, threading.Event()

    def sample(self):
        rss = sum(status_kib(p, "VmRSS") for p in tree(self.pid)) if self.sampled else 0
        self.peak_kib = max(self.peak_kib, rss, status_kib(self.pid, "VmHWM"))

    def run(self):
        while self.sampled and not self.stop.wait(0.5):
            self.sample()

    def finish(self):
        self.sample()
        self.stop.set()
        return self.peak_kib / 1024


def wait_port(port, deadline, proc=None):
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def stop_proc(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the proxy's own process group (socat's children)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ---- backends -------------------------------------------------------------------------------

class Mock:
    name = "mock"

    def __init__(self, logdir):
        self.proc = subprocess.Popen(
            [f"{ROOT}/build/mock_cluster", "--brokers", "3", "--topic", f"{TOPIC}:3"],
            stdout=subprocess.PIPE, stderr=open(f"{logdir}/mock_cluster.err", "w"), text=True,
            start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"mock_cluster did not start: {line!r}")
        f = dict(kv.split("=", 1) for kv in line.split()[1:])
        self.brokers = {int(b.split("@")[0]): b.split("@")[1] for b in f["brokers"].split(",")}
        self.bootstrap = f["bootstrap"]
        self.desc = "librdkafka 2.0.2 mock cluster, 3 brokers, topic bench with 3 partitions"

    def close(self):
        stop_proc(self.proc)


class Real:
    name = "real"

    def __init__(self, logdir, certs=None):
        self.dir = f"{logdir}/kafka"
        self.script = f"{ROOT}/tests/tools/kafka-cluster.sh"
        # --secure CERTS (only when a TLS path runs): SSL listeners beside the plaintext ones
        subprocess.run([self.script, "start", self.dir, "--brokers", "1", "--base-port", str(REAL_BASE),
                        "--config", "log.retention.check.interval.ms=5000"] +
                       (["--secure", certs] if certs else []),
                       check=True, stdout=subprocess.DEVNULL)
        env = {}
        with open(f"{self.dir}/cluster.env") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                env[k] = v.strip('"')
        self.bootstrap = env["KAFKA_BOOTSTRAP"]
        self.brokers = {int(b.split("@")[0]): b.split("@")[1] for b in env["KAFKA_BROKERS"].split()}
        peers = {int(b.split("@")[0]): b.split("@")[1] for b in env["KAFKA_PEERS"].split()}
        backends = {int(b.split("@")[0]): b.split("@")[1] for b in env["KAFKA_PEER_BACKENDS"].split()}
        self.peer_map = {i: (peers[i], backends[i]) for i in peers}  # advertised -> bound
        self.version = env["KAFKA_VERSION"]
        self.bootstrap_ssl = env.get("KAFKA_BOOTSTRAP_SSL")
        self.brokers_ssl = {int(b.split("@")[0]): b.split("@")[1]
                            for b in env.get("KAFKA_BROKERS_SSL", "").split()}
        # Bounded on disk: each run writes ~300 MB.
        subprocess.run([self.script, "ctl", self.dir, "create-topic", TOPIC, "3", "1",
                        "retention.bytes=67108864", "segment.bytes=16777216"],
                       check=True, stdout=subprocess.DEVNULL)
        self.desc = (f"Apache Kafka {self.version}, 1 broker (KRaft, tests/tools/kafka-cluster.sh), "
                     "topic bench with 3 partitions" +
                     (", SSL listeners (--secure) for the TLS paths" if certs else ""))

    def close(self):
        subprocess.run([self.script, "stop", self.dir], check=False)


# ---- paths (proxies) ------------------------------------------------------------------------

def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


class Path:
    """One way from the producer to the backend. start() returns None or a reason it can't run."""

    def __init__(self, name, backend, logdir, tools):
        self.name, self.b, self.logdir, self.tools = name, backend, logdir, tools
        self.proc = None
        self.port_map = ""
        self.ssl_ca = f"{logdir}/certs/ca.crt" if name in TLS_PATHS else None  # the producer's

    def start(self, tag):
        b, ports = self.b, PORTS[self.b.name]
        cfg = f"{self.logdir}/{tag}.cfg"
        cmd, probe = None, []
        certs = f"{self.logdir}/certs"
        if self.name in ("direct", "direct-tls"):
            self.bootstrap = b.bootstrap_ssl if self.name == "direct-tls" else b.bootstrap
            return None
        if self.name == "haproxy-tls" and b.name == "real":
            # The SSL listeners advertise their own ports (no PEER listener for them): haproxy
            # listens on ports of its own and the producer maps the brokers' onto them (connect hook).
            pairs = [(ports["haproxy-tls"] + i - 1, b.brokers_ssl[i]) for i in sorted(b.brokers_ssl)]
            self.port_map = ",".join(f"{port_of(b.brokers_ssl[i])}={ports['haproxy-tls'] + i - 1}"
                                     for i in sorted(b.brokers_ssl))
            self.bootstrap = f"127.0.0.1:{ports['haproxy-tls']}"
            probe = [p for p, _ in pairs]
            with open(cfg, "w") as f:
                f.write("global\n    maxconn 4096\ndefaults\n    mode tcp\n    timeout connect 10s\n"
                        "    timeout client 10m\n    timeout server 10m\n")
                for p, up in pairs:
                    f.write(f"listen b{p}\n    bind 127.0.0.1:{p} ssl crt {certs}/server-bundle.pem\n"
                            f"    server s {up} ssl verify required ca-file {certs}/ca.crt\n")
            cmd = [self.tools["haproxy"], "-db", "-f", cfg]
        elif self.name in ("haproxy", "haproxy-tls", "socat", "toxiproxy"):
            if b.name == "real":  # brokers advertise the peer port: the relay listens on it
                pairs = [(port_of(adv), bound) for adv, bound in b.peer_map.values()]
                self.bootstrap = b.peer_map[min(b.peer_map)][0]
            else:  # mock: brokers advertise their own ports, the client maps them (connect hook)
                pairs = [(ports["l4"] + i - 1, b.brokers[i]) for i in sorted(b.brokers)]
                self.port_map = ",".join(f"{port_of(b.brokers[i])}={ports['l4'] + i - 1}"
                                         for i in sorted(b.brokers))
                self.bootstrap = f"127.0.0.1:{ports['l4']}"
            probe = [p for p, _ in pairs]
            if self.name.startswith("haproxy"):
                # haproxy-tls: the key and certificate in one PEM file, as haproxy wants them
                ssl = f" ssl crt {self.logdir}/certs/server-bundle.pem" if self.name == "haproxy-tls" else ""
                with open(cfg, "w") as f:
                    f.write("global\n    maxconn 4096\ndefaults\n    mode tcp\n    timeout connect 10s\n"
                            "    timeout client 10m\n    timeout server 10m\n")
                    for p, up in pairs:
                        f.write(f"listen b{p}\n    bind 127.0.0.1:{p}{ssl}\n    server s {up}\n")
                cmd = [self.tools["haproxy"], "-db", "-f", cfg]
            elif self.name == "socat":
                # one relay per broker, under one shell so one process group holds them all
                relays = " & ".join(
                    f"exec {shlex.quote(self.tools['socat'])} TCP-LISTEN:{p},bind=127.0.0.1,fork,reuseaddr "
                    f"TCP:{up}" for p, up in pairs)
                cmd = ["bash", "-c", f"{relays} & wait"] if len(pairs) > 1 else \
                    [self.tools["socat"], f"TCP-LISTEN:{pairs[0][0]},bind=127.0.0.1,fork,reuseaddr",
                     f"TCP:{pairs[0][1]}"]
            else:
                with open(cfg, "w") as f:
                    json.dump([{"name": f"broker{p}", "listen": f"127.0.0.1:{p}", "upstream": up,
                                "enabled": True} for p, up in pairs], f)
                cmd = [self.tools["toxiproxy"], "-host", "127.0.0.1", "-port", str(ports["toxiproxy-api"]),
                       "-config", cfg]
        elif self.name in KCHAOS_PATHS:
            lo = min(b.brokers)
            binary = self.tools["kchaos-base" if self.name == "kchaos-base" else "kchaos"]
            up = b.bootstrap_ssl if self.name == "kchaos-tls2" else b.bootstrap
            cmd = [binary, "--upstream", up, "--listen", f"127.0.0.1:{ports['kchaos']}",
                   "--broker-ports", str(ports["kchaos"] + 1), "--node-id-base", str(lo), "--log-level", "warn",
                   "--threads", "2" if self.name == "kchaos-2t" else "1"]
            if self.name == "kchaos-off":
                cmd += ["--metrics", "off"]
            if self.name == "kchaos-faults":
                cmd += ["--scenario", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "never-matches.yaml")]
            if self.name == "kchaos-record":
                cmd += ["--admin", f"127.0.0.1:{ports['kchaos-admin']}"]
            if self.name in ("kchaos-tls", "kchaos-tls2"):
                cmd += ["--tls-cert", f"{certs}/server.crt", "--tls-key", f"{certs}/server.key"]
            if self.name == "kchaos-tls2":
                cmd += ["--upstream-tls", "--upstream-ca", f"{certs}/ca.crt"]
            self.bootstrap = f"127.0.0.1:{ports['kchaos']}"
            probe = [ports["kchaos"]] + [ports["kchaos"] + 1 + i - lo for i in b.brokers]
        elif self.name == "kafka-proxy":
            cmd = [self.tools["kafka-proxy"], "server", "--dynamic-listeners-disable", "--log-level", "warn",
                   "--http-listen-address", f"127.0.0.1:{ports['kafka-proxy-http']}"]
            for i in sorted(b.brokers):
                cmd += ["--bootstrap-server-mapping", f"{b.brokers[i]},127.0.0.1:{ports['kafka-proxy'] + i - 1}"]
            self.bootstrap = f"127.0.0.1:{ports['kafka-proxy']}"
            probe = [ports["kafka-proxy"] + i - 1 for i in b.brokers]
        elif self.name == "kroxylicious":
            lo, hi = min(b.brokers), max(b.brokers)
            with open(cfg, "w") as f:
                f.write(f"virtualClusters:\n  - name: bench\n    targetCluster:\n"
                        f"      bootstrapServers: {b.bootstrap}\n    gateways:\n      - name: default\n"
                        f"        portIdentifiesNode:\n          bootstrapAddress: 127.0.0.1:{ports['kroxylicious']}\n"
                        f"          nodeStartPort: {ports['kroxylicious'] + 1}\n          nodeIdRanges:\n"
                        f"            - name: brokers\n              start: {lo}\n              end: {hi}\n")
            cmd = self.tools["kroxylicious"] + [cfg]
            self.bootstrap = f"127.0.0.1:{ports['kroxylicious']}"
            probe = [ports["kroxylicious"]]
        env = dict(os.environ, LOG_LEVEL="warn")  # toxiproxy's log level
        out = open(f"{self.logdir}/{tag}.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True, cwd=self.logdir)
        deadline = time.time() + 60
        for p in probe:
            if not wait_port(p, deadline, self.proc):
                rc = self.proc.poll()
                self.stop()
                return f"{self.name} did not listen on {p}" + (f" (exit {rc})" if rc is not None else "") + \
                    f", see {self.logdir}/{tag}.log"
        if self.name == "kchaos-record":
            try:
                self.recording("POST")  # no `for`: until kchaos stops (or its 6 h cap)
            except OSError as e:
                self.stop()
                return f"kchaos-record: POST /api/v1/recordings failed: {e}"
        return None

    def recording(self, method):
        """kchaos-record: the admin API's /api/v1/recordings (POST starts, GET is its state)."""
        url = f"http://127.0.0.1:{PORTS[self.b.name]['kchaos-admin']}/api/v1/recordings"
        req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def produce_requests(self):
        """kchaos-record: kchaos_produce_requests_total summed over its series (/metrics)."""
        url = f"http://127.0.0.1:{PORTS[self.b.name]['kchaos-admin']}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            return sum(float(ln.rsplit(" ", 1)[1]) for ln in r.read().decode().splitlines()
                       if ln.startswith("kchaos_produce_requests_total{"))

    def alive(self):
        return self.proc is None or self.proc.poll() is None

    def stop(self):
        stop_proc(self.proc)
        self.proc = None


# ---- producers ------------------------------------------------------------------------------

def producer_cmd(tools, producer, mode, bootstrap, count, port_map, ssl_ca=None):
    args = [mode, "--bootstrap", bootstrap, "--topic", TOPIC, "--count", str(count),
            "--value-size", str(VALUE_SIZE), "--acks", "1", "--linger-ms", "5"]
    if producer == "librdkafka":
        return [tools["rdkafka_bench"]] + args + (["--port-map", port_map] if port_map else []) + \
            (["--ssl-ca", ssl_ca] if ssl_ca else [])
    return tools["java_producer"] + args


def run_producer(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        err = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {p.returncode}: {err[:200]}"}
    r = json.loads(lines[-1])
    if r.get("failed"):
        r["error"] = f"{r['failed']} records failed: {r.get('error', '')}"
    elif not r.get("error"):
        r.pop("error", None)
    return r


# ---- report ---------------------------------------------------------------------------------

def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=2):
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def cell_range(xs, digits=0):
    if not xs:
        return "—"
    m = med(xs)
    if len(xs) == 1:
        return fmt(m, digits)
    return f"{fmt(m, digits)} ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, Linux {platform.release()}"


def report(a, res, skipped, versions, install, backends, started, elapsed):
    L = []
    L.append("# kchaos benchmark\n")
    L.append(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, {elapsed / 60:.1f} min. "
             f"Machine: {machine()}. Load average (1 min) at the start {a.load[0]:.2f}, at the end "
             f"{os.getloadavg()[0]:.2f} (the benchmark itself keeps about 2 busy).\n")
    given = [f"{given_var(n)}={shlex.quote(os.environ[given_var(n)])}" for n in sorted(GO_PEERS)
             if os.environ.get(given_var(n))]
    L.append("Reproduce: `" + " ".join(given + ["./dev.sh", "bench"] + [shlex.quote(x) for x in a.argv]) + "` "
             "(or `bench/run.sh` with the same options).\n")
    L.append(f"{a.rounds} round(s), paths interleaved round-robin (order rotated each round), medians "
             f"(throughput: median (min–max) over rounds). Throughput: {a.count:,} records × {VALUE_SIZE} B, "
             f"linger.ms=5, acks=1, async. Latency: {a.latency_count:,} synchronous sends (one record, wait for "
             f"its acknowledgement, next), linger.ms=0, acks=1, after 100 unrecorded ones. "
             "×direct / ×haproxy: this path's median over that path's (throughput: higher is better; "
             "latency: lower is better). Proxy CPU: user+sys seconds of the proxy's processes per GB of "
             "record values moved in the throughput run; peak RSS: the proxy's high-water mark over its "
             "slot (warm-up plus every run of every producer).\n")
    for b in backends:
        L.append(f"- **{b.name}**: {b.desc}")
    L.append("")
    hdr = ("| backend | producer | path | MB/s | records/s | tput ×direct | tput ×haproxy | p50 ms | p50 ×direct | "
           "p50 ×haproxy | p99 ms | p99 ×direct | p99 ×haproxy | proxy CPU s/GB | proxy peak RSS MiB |")
    L.append(hdr)
    L.append("|" + "|".join(["---"] * 3 + ["--:"] * 12) + "|")
    summary = {}
    for b in backends:
        for prod in PRODUCERS[b.name]:
            if prod not in a.producers:
                continue
            S = {}
            for path in a.paths:
                r = res.get((b.name, prod, path), {})
                S[path] = {
                    "mbs": [x["mb_per_s"] for x in r.get("throughput", []) if "mb_per_s" in x],
                    "rps": [x["records_per_s"] for x in r.get("throughput", []) if "records_per_s" in x],
                    "p50": [x["p50_ms"] for x in r.get("latency", []) if "p50_ms" in x],
                    "p99": [x["p99_ms"] for x in r.get("latency", []) if "p99_ms" in x],
                    "cpu": [x["cpu_per_gb"] for x in r.get("throughput", []) if "cpu_per_gb" in x],
                    "rss": r.get("rss", []),
                    "errors": r.get("errors", []),
                    "recording": r.get("recording", []),
                }
            summary[(b.name, prod)] = S
            d, h = S.get("direct", {}), S.get("haproxy", {})
            for path in a.paths:
                s = S[path]
                why = skipped.get((b.name, path))
                if why:
                    L.append(f"| {b.name} | {prod} | {path} | not run: {why} |" + " |" * 11)
                    continue
                m = {k: med(s[k]) for k in ("mbs", "rps", "p50", "p99", "cpu", "rss")}
                md = {k: med(d.get(k, [])) for k in ("mbs", "p50", "p99")}
                mh = {k: med(h.get(k, [])) for k in ("mbs", "p50", "p99")}
                L.append("| " + " | ".join([
                    b.name, prod, f"**{path}**" if path.startswith("kchaos") else path,
                    cell_range(s["mbs"], 1), fmt(m["rps"]),
                    fmt(ratio(m["mbs"], md["mbs"])), fmt(ratio(m["mbs"], mh["mbs"])),
                    fmt(m["p50"], 3), fmt(ratio(m["p50"], md["p50"])), fmt(ratio(m["p50"], mh["p50"])),
                    fmt(m["p99"], 3), fmt(ratio(m["p99"], md["p99"])), fmt(ratio(m["p99"], mh["p99"])),
                    "—" if path.startswith("direct") else fmt(m["cpu"]),
                    "—" if path.startswith("direct") else fmt(m["rss"], 1)]) + " |")
    L.append("")
    # kchaos against its own variants, then against each peer, then TLS against TLS: one table each
    def against(others, what, title, base="kchaos"):
        if base not in a.paths or not others:
            return
        L.append(title + "\n")
        L.append(f"| backend | producer | {what} | throughput | p50 | p99 | CPU per GB | peak RSS |")
        L.append("|---|---|---|--:|--:|--:|--:|--:|")
        keys = ("mbs", "p50", "p99", "cpu", "rss")
        for (bn, prod), S in summary.items():
            if skipped.get((bn, base)) or not (S[base]["mbs"] or S[base]["p50"]):
                continue  # not run on that backend, or not with that producer (TLS: librdkafka only)
            k = {x: med(S[base][x]) for x in keys}
            for p in others:
                if skipped.get((bn, p)):
                    L.append(f"| {bn} | {prod} | {p} | not run | | | | |")
                    continue
                o = {x: med(S[p][x]) for x in keys}
                L.append(f"| {bn} | {prod} | {p} | " + " | ".join(fmt(ratio(k[x], o[x])) for x in keys) + " |")
        L.append("")

    against([p for p in a.paths if p in KCHAOS_PATHS and p != "kchaos"], "variant",
            "**kchaos against its variants** (kchaos's median ÷ the variant's; kchaos-off has no "
            "metrics, kchaos-faults runs a scenario that matches nothing, kchaos-record runs a recording "
            "for its whole slot, kchaos-base is KCHAOS_BENCH_BASE, "
            "kchaos-tls serves TLS to the producer, kchaos-tls2 speaks TLS to the producer and the broker: "
            "the cost of TLS)")
    against([p for p in a.paths if p not in ["direct"] + KCHAOS_PATHS + TLS_PATHS], "peer",
            "**kchaos against each peer** (kchaos's median ÷ the peer's: throughput above 1 and "
            "latency, CPU, memory below 1 favour kchaos)")
    against([p for p in a.paths if p == "haproxy-tls"], "peer",
            "**TLS: kchaos-tls against haproxy-tls** (mock: both terminate the producer's TLS and speak "
            "plaintext upstream; kchaos-tls's median ÷ haproxy-tls's, read as above)", base="kchaos-tls")
    against([p for p in a.paths if p in ("haproxy-tls", "direct-tls")], "peer",
            "**TLS end to end: kchaos-tls2 against haproxy-tls and direct-tls** (real: TLS from the "
            "producer and TLS to the broker's SSL listener; kchaos-tls2's median ÷ the other's, read as "
            "above)", base="kchaos-tls2")
    recording_cost(L, a, summary, skipped)
    errs = [(bn, prod, path, e) for (bn, prod), S in summary.items() for path in a.paths
            for e in S[path]["errors"]]
    if errs:
        L.append("**Errors during the runs** (each once per round it happened)\n")
        for bn, prod, path, e in errs:
            L.append(f"- {bn} / {prod} / {path}: {e}")
        L.append("")
    L.append("**Versions and installs**\n")
    for name, v in versions.items():
        L.append(f"- {name}: {v}" + (f" — install: {install[name]}" if name in install else ""))
    L.append("")
    return "\n".join(L)


def recording_cost(L, a, summary, skipped):
    """kchaos-record against kchaos in the issue's terms (a throughput budget of 5 %), and what
    the recording held at the end of each slot (kchaos's own GET /api/v1/recordings)."""
    if "kchaos" not in a.paths or "kchaos-record" not in a.paths:
        return
    lines = []
    for (bn, prod), S in summary.items():
        if skipped.get((bn, "kchaos-record")) or not S["kchaos-record"]["mbs"]:
            continue
        k, r = S["kchaos"], S["kchaos-record"]
        pct = {}
        for x in ("mbs", "cpu", "p50", "p99"):
            q = ratio(med(r[x]), med(k[x]))
            pct[x] = "—" if q is None else f"{100 * (q - 1):+.1f} %"
        held = r.get("recording", [])
        last = held[-1] if held else {}
        lines.append(f"- {bn} / {prod}: throughput {pct['mbs']}, CPU per GB {pct['cpu']}, "
                     f"p50 {pct['p50']}, p99 {pct['p99']} (kchaos-record's median against kchaos's; "
                     f"throughput below 0 and the others above 0 are a cost); the recording at the end of "
                     f"the last slot: {last.get('state', '?')}, {last.get('windows', '?')} windows, "
                     f"{last.get('series', '?')} series, {last.get('cells', '?')} cells, "
                     f"{last.get('bytes', '?')} bytes, dropped {last.get('dropped_series', '?')} series / "
                     f"{last.get('dropped_cells', '?')} cells; Produce responses fed to it: "
                     f"{fmt(med([x['responses_per_gb'] for x in held if 'responses_per_gb' in x]), 0)} "
                     "per GB (median over slots; times bench_micro's kc_record_response: the feed's "
                     "own cost)")
    if lines:
        L.append("**What recording costs** (issue 16's budget: at most 5 % of throughput)\n")
        L.extend(lines)
        L.append("")


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 round, 50k records, 500 sync sends")
    ap.add_argument("--count", type=int, help="records per throughput run (300000)")
    ap.add_argument("--latency-count", type=int, help="synchronous sends per latency run (2000)")
    ap.add_argument("--backends", default="mock,real")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--producers", default="librdkafka,java")
    ap.add_argument("--out", default=f"{HERE}/results/latest.md")
    a = ap.parse_args()
    a.argv = sys.argv[1:]
    if a.quick:
        a.rounds = 1
    a.count = a.count or (50000 if a.quick else 300000)
    a.latency_count = a.latency_count or (500 if a.quick else 2000)
    a.paths = a.paths.split(",")
    a.producers = a.producers.split(",")
    tools, install, versions = install_all(log)
    if "java" in a.producers and "java_producer" not in tools:
        log(f"the Java producer is not available: {install.get('java producer')}")
        a.producers.remove("java")

    logdir = f"{HERE}/results/logs"
    os.makedirs(logdir, exist_ok=True)
    for f in os.listdir(logdir):
        if os.path.isfile(f"{logdir}/{f}"):
            os.remove(f"{logdir}/{f}")
    if any(p in TLS_PATHS for p in a.paths):
        # fresh for each run: the TLS paths' server certificate and the CA the producer trusts
        subprocess.run(["rm", "-rf", f"{logdir}/certs"], check=True)
        subprocess.run([f"{ROOT}/certs/make-certs.sh", f"{logdir}/certs"], check=True,
                       stdout=subprocess.DEVNULL)
    started = time.time()
    a.load = os.getloadavg()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop every proxy and cluster
    backends = []
    try:
        for name in a.backends.split(","):
            log(f"starting backend {name}")
            backends.append(Mock(logdir) if name == "mock" else Real(
                logdir, f"{logdir}/certs" if any(p in TLS_PATHS and ONLY.get(p, ("real",))[0] == "real"
                                                 for p in a.paths) else None))
        # what cannot run at all, and why
        skipped = {}
        for b in backends:
            for path in a.paths:
                need = {"haproxy": "haproxy", "socat": "socat", "toxiproxy": "toxiproxy",
                        "kafka-proxy": "kafka-proxy", "kroxylicious": "kroxylicious", "kchaos": "kchaos", "kchaos-2t": "kchaos",
                        "kchaos-off": "kchaos", "kchaos-faults": "kchaos", "kchaos-record": "kchaos",
                        "kchaos-base": "kchaos-base",
                        "kchaos-tls": "kchaos", "kchaos-tls2": "kchaos", "haproxy-tls": "haproxy"}.get(path)
                if need and not tools.get(need):
                    skipped[(b.name, path)] = "not installed (the reason is under Versions and installs)"
                elif path in ONLY and b.name != ONLY[path][0]:
                    skipped[(b.name, path)] = ONLY[path][1]
        # A fresh broker (a JVM) runs cold: one unmeasured run of each kind, direct, first.
        for b in backends:
            for prod in PRODUCERS[b.name]:
                if prod in a.producers:
                    for mode, count in (("throughput", a.count), ("latency", a.latency_count)):
                        log(f"[{b.name}] warming the backend up: {prod} {mode}, direct")
                        w = run_producer(producer_cmd(tools, prod, mode, b.bootstrap, count, ""), 300)
                        if "error" in w:
                            log(f"[{b.name}] warm-up failed: {w['error']}")
            # and the broker's TLS code too, when its SSL listeners are up
            if getattr(b, "bootstrap_ssl", None) and "librdkafka" in a.producers:
                log(f"[{b.name}] warming the backend up: librdkafka throughput, direct-tls")
                w = run_producer(producer_cmd(tools, "librdkafka", "throughput", b.bootstrap_ssl, a.count, "",
                                              f"{logdir}/certs/ca.crt"), 300)
                if "error" in w:
                    log(f"[{b.name}] TLS warm-up failed: {w['error']}")
        res = {}
        for rnd in range(a.rounds):
            for b in backends:
                order = a.paths[rnd % len(a.paths):] + a.paths[:rnd % len(a.paths)]
                for path in order:
                    if (b.name, path) in skipped:
                        continue
                    slot(a, b, path, rnd, tools, logdir, res, skipped)
        elapsed = time.time() - started
        text = report(a, res, skipped, versions, install, backends, started, elapsed)
    finally:
        for b in backends:
            b.close()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print(text)
    log(f"saved {a.out}; logs in {logdir}")


def slot(a, b, path, rnd, tools, logdir, res, skipped):
    """One path in one round: start the proxy, warm it up, run every producer, stop it."""
    tag = f"{b.name}-{path}-r{rnd + 1}"
    P = Path(path, b, logdir, tools)
    for attempt in range(3):  # a peer still shutting down from the last slot may hold its port
        why = P.start(tag)
        if not why:
            break
        log(f"[{tag}] {why}; retrying")
        time.sleep(3)
    if why:
        log(f"[{tag}] {why}")
        for prod in PRODUCERS[b.name]:
            res.setdefault((b.name, prod, path), {}).setdefault("errors", []).append(f"round {rnd + 1}: {why}")
        return
    mem = None
    if P.proc:
        mem = Memory(P.proc.pid, sampled=path == "socat")
        mem.start()
    try:
        warm = run_producer(producer_cmd(tools, "librdkafka", "throughput", P.bootstrap,
                                         max(a.count // 10, 1000), P.port_map, P.ssl_ca), 180)
        if "error" in warm:
            log(f"[{tag}] warm-up failed: {warm['error']}")
            for prod in PRODUCERS[b.name]:
                res.setdefault((b.name, prod, path), {}).setdefault("errors", []).append(
                    f"round {rnd + 1}, warm-up (librdkafka): {warm['error']}")
        for prod in PRODUCERS[b.name]:
            if prod not in a.producers or (path in TLS_PATHS and prod != "librdkafka"):
                continue
            r = res.setdefault((b.name, prod, path), {})
            for mode in ("throughput", "latency"):
                count = a.count if mode == "throughput" else a.latency_count
                c0 = cpu_seconds(P.proc.pid) if P.proc else 0
                out = run_producer(producer_cmd(tools, prod, mode, P.bootstrap, count, P.port_map, P.ssl_ca), 300)
                time.sleep(0.3)  # let relays reap the connections' children (socat) before reading CPU
                if P.proc:
                    out["cpu_per_gb"] = (cpu_seconds(P.proc.pid) - c0) / (count * VALUE_SIZE / 1e9)
                if not P.alive():
                    out["error"] = f"{path} exited ({P.proc.returncode}) during the run, see {logdir}/{tag}.log"
                if "error" in out:
                    r.setdefault("errors", []).append(f"round {rnd + 1}, {mode}: {out['error']}")
                    log(f"[{tag}] {prod} {mode}: ERROR {out['error']}")
                    if not P.alive():
                        return
                    continue
                r.setdefault(mode, []).append(out)
                log(f"[{tag}] {prod} {mode}: " + (
                    f"{out['mb_per_s']:.1f} MB/s" if mode == "throughput" else
                    f"p50 {out['p50_ms']:.3f} ms p99 {out['p99_ms']:.3f} ms") +
                    (f", proxy CPU {out['cpu_per_gb']:.2f} s/GB" if P.proc and mode == "throughput" else ""))
        if path == "kchaos-record" and P.alive():
            try:
                st = P.recording("GET")
                # every Produce response of the slot was fed to the recording: how many, per GB
                st["produce_requests"] = P.produce_requests()
                moved = (max(a.count // 10, 1000) + a.count + a.latency_count + 101) * VALUE_SIZE / 1e9
                st["responses_per_gb"] = st["produce_requests"] / moved
                log(f"[{tag}] recording: {st.get('state')}, {st.get('windows')} windows, "
                    f"{st.get('series')} series, {st.get('cells')} cells, {st.get('bytes')} bytes; "
                    f"{st['produce_requests']:.0f} Produce requests ({st['responses_per_gb']:.0f} per GB)")
                for prod in PRODUCERS[b.name]:
                    res.setdefault((b.name, prod, path), {}).setdefault("recording", []).append(st)
            except OSError as e:
                log(f"[{tag}] GET /api/v1/recordings failed: {e}")
        if mem:
            rss = mem.finish()
            for prod in PRODUCERS[b.name]:
                res.setdefault((b.name, prod, path), {}).setdefault("rss", []).append(rss)
    finally:
        if mem:
            mem.stop.set()
        P.stop()


if __name__ == "__main__":
    main()
