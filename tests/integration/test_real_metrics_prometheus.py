"""A real Prometheus server (Debian's prometheus) scrapes kchaos's GET /metrics every second
while a Java producer sends a known set through kchaos to a real Kafka 4.4 broker; a PromQL
query over its HTTP API must return exactly the records the producer sent, per topic, for its
client id (one with a quote and a backslash, so label escaping is proven end to end), and
promtool must find a scrape clean. Loopback only; every file in a temporary directory."""
import json
import os
import random
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request

import pytest

import clients
import harness
import kcmetrics

COUNT = 2000
RATE = 250  # records/s: the run spans about eight scrapes (fewer fail on a loaded machine)


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


class Prometheus:
    """prometheus scraping one target every second, storage and config in a temp dir."""

    def __init__(self, target_port):
        for exe in ("prometheus", "promtool"):
            if shutil.which(exe) is None:
                pytest.fail("%s is not installed: run ./dev.sh deps (apt prometheus)" % exe)
        self.dir = tempfile.mkdtemp(prefix="kchaos-prom-")
        self.port = harness.free_port_block(1)
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: kchaos\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % target_port)
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + cfg,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=self.log)
        harness.wait_for(lambda: self.proc.poll() is not None or self._ready(), 60,
                         "prometheus to be ready")
        assert self.proc.poll() is None, "prometheus exited:\n" + self.log_text()

    def _ready(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def log_text(self):
        with open(os.path.join(self.dir, "prometheus.log")) as f:
            return f.read()[-3000:]

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.port, path, urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.loads(r.read())
        assert body["status"] == "success", body
        return body["data"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def promql_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_prometheus_scrapes_the_records_a_client_sent(kafka):
    java = clients.BY_NAME["java"]
    if not java.available():
        pytest.fail("the Java client is not built: run ./dev.sh deps")
    topic = "fid-prom-%d" % random.randint(0, 1 << 30)
    kafka.ctl("create-topic %s 3 1" % topic)
    cid = 'fid-prom-%d "q" \\b' % random.randint(0, 1 << 30)
    admin = harness.free_port_block(1)
    with harness.Kchaos(kafka, extra=["--admin", "127.0.0.1:%d" % admin], log_level="info") as kc, \
            Prometheus(admin) as prom:
        harness.wait_for(lambda: any(t["health"] == "up" for t in prom.api("targets")["activeTargets"]),
                         30, "prometheus to scrape kchaos")
        s = harness.run_client(java.cmd("--bootstrap", kc.bootstrap, "--topic", topic, "--prefix",
                                        "fid-prom", "--client-id", cid, "--count", COUNT,
                                        "--rate", RATE, "--acks", "all"))
        assert s["acked"] == COUNT, s
        query = "sum by (topic) (kchaos_produce_records_total{client_id=%s})" % promql_string(cid)

        def answer():
            r = prom.api("query", query=query)["result"]
            return r if r and float(r[0]["value"][1]) == COUNT else None

        result = harness.wait_for(answer, 30, "PromQL %s to return %d" % (query, COUNT), interval=0.5)
        assert [x["metric"] for x in result] == [{"topic": topic}], result
        # It scraped during the run, not only after: more than one sample, the first below COUNT.
        series = prom.api("query", query="kchaos_produce_records_total{client_id=%s}[10m]"
                          % promql_string(cid))["result"]
        values = [float(v) for _, v in series[0]["values"]]
        print("\nprometheus samples of %s: %s" % (query, values))
        assert len(values) >= 2 and values[0] < COUNT and values[-1] == COUNT, values
        # The same figure straight from kchaos, and a scrape promtool finds clean.
        text = kcmetrics.get(admin, "/metrics")
        assert kcmetrics.Prom(text).total("kchaos_produce_records_total",
                              client_id=cid, topic=topic) == COUNT
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                              text=True)
        assert lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(), \
            "promtool check metrics: rc %d\n%s%s" % (lint.returncode, lint.stdout, lint.stderr)
