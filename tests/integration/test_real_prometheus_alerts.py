"""A real Prometheus server, with deploy/prometheus/kchaos-rules.yml loaded, scrapes kchaos
while a producer is throttled by a real broker quota: KchaosProducerThrottled goes pending for
that client id (seen in /api/v1/alerts and as the ALERTS series), and no alert is active for
it that the situation does not call for (delivery failures, retry storm).

The rules are the shipped file; only the scrape and evaluation intervals are shortened (1 s)
in this test's own Prometheus configuration, so the alert's 1-minute rate sees the throttled
responses within seconds. The alert has `for: 5m`, so pending is the state to reach here."""
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import harness
import kcmetrics

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(ROOT, "deploy", "prometheus", "kchaos-rules.yml")
QUOTA = 2000  # producer_byte_rate, bytes/s: far under what the producer offers


def prom_get(port, path, **params):
    url = "http://127.0.0.1:%d%s" % (port, path)
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.loads(r.read().decode())
    assert body["status"] == "success", body
    return body["data"]


def start_prometheus(workdir, admin_port):
    port = harness.free_port_block(1)
    cfg = os.path.join(workdir, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "rule_files:\n  - %s\n"
                "scrape_configs:\n  - job_name: kchaos\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % (RULES, admin_port))
    log = open(os.path.join(workdir, "prometheus.log"), "w")
    proc = subprocess.Popen(["prometheus", "--config.file=" + cfg,
                             "--storage.tsdb.path=" + os.path.join(workdir, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=log, stderr=log)
    harness.wait_for(lambda: harness.port_open(port) or proc.poll() is not None, 20,
                     "prometheus to listen")
    assert proc.poll() is None, open(log.name).read()[-3000:]
    harness.wait_for(lambda: ready(port) or proc.poll() is not None, 20, "prometheus to be ready")
    assert proc.poll() is None, open(log.name).read()[-3000:]
    return proc, port


def ready(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_throttled_producer_alert_goes_pending():
    kafka = harness.KafkaCluster()
    topic = kafka.new_topic("prom-alert", "1 1")
    cid = "prom-throttled-%d" % random.randint(0, 1 << 30)
    kafka.ctl("quota %s producer_byte_rate=%d" % (cid, QUOTA))
    workdir = tempfile.mkdtemp(prefix="kchaos-prom-")
    producer = prom = None
    try:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(kafka, extra=args) as kc:
            prom, pport = start_prometheus(workdir, admin)
            producer = subprocess.Popen(
                [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", topic,
                 "--prefix", cid, "--count", "1000000", "--rate", "200", "--value-size", "500",
                 "--client-id", cid, "--acks", "all", "--allowed-ports", kc.allowed_ports_arg()],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            start = time.monotonic()
            state = None
            while time.monotonic() - start < 40:
                alerts = prom_get(pport, "/api/v1/alerts")["alerts"]
                mine = [a for a in alerts if a["labels"].get("client_id") == cid]
                hit = [a for a in mine if a["labels"]["alertname"] == "KchaosProducerThrottled"]
                if hit:
                    state = hit[0]["state"]
                    break
                time.sleep(1)
            took = time.monotonic() - start
            series = prom_get(pport, "/api/v1/query",
                              query='ALERTS{alertname="KchaosProducerThrottled",client_id="%s"}'
                              % cid)["result"]
            throttled = kcmetrics.prometheus(admin).total(
                "kchaos_produce_throttled_responses_total", client_id=cid)
            print("\nKchaosProducerThrottled %s after %.1f s; ALERTS: %s; throttled responses %d"
                  % (state, took, [s["metric"].get("alertstate") for s in series], throttled))
            assert throttled > 0, "the broker never throttled the producer: the test proves nothing"
            assert state == "pending", "no pending KchaosProducerThrottled for %s in 40 s: %s" % (
                cid, mine)
            assert [s["metric"]["alertstate"] for s in series] == ["pending"], series
            assert series[0]["metric"]["severity"] == "warning"
            # A throttled producer's requests wait out the broker's muted channel, so latency and
            # SLO-burn alerts may rightly join; nothing was lost and nothing retried.
            others = {a["labels"]["alertname"] for a in mine} - {"KchaosProducerThrottled"}
            print("other alerts for this client: %s" % sorted(others))
            assert not others & {"KchaosProducerDeliveryFailures", "KchaosProducerRetryStorm"}, mine
    finally:
        for p in (producer, prom):
            if p and p.poll() is None:
                p.terminate()
                p.wait(10)
        kafka.ctl("quota %s producer_byte_rate=none" % cid)
        shutil.rmtree(workdir, ignore_errors=True)
