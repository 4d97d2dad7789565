#!/usr/bin/env python3
"""The kchaos demo (./dev.sh demo): kchaos in front of an embedded Kafka-protocol cluster, a real
producer and consumer through it and, at the same time, a second producer with acks=1 and no
idempotence; `kchaos top` while they run (the live view on a terminal, its plain table
otherwise), what kchaos saw pass, each producer's figures as kchaos measured them from the wire
(its admin listener, /api/v1/clients) beside what the producer itself reports, a
`kchaos health` run, and (on the mock) an incident the brokers make, recorded and exported as a
scenario.

Default: librdkafka's mock cluster (3 brokers, no JVM). --kafka: a real Apache Kafka cluster
(3 brokers) started from Maven Central jars by tests/tools/kafka-cluster.sh. --tls: clients
speak TLS to kchaos (development certificates from certs/make-certs.sh in a temp dir; the
librdkafka producers, consumer and kcat verify kchaos against its CA; kchaos to the cluster stays
plaintext), every producer is librdkafka, and a section shows what kchaos saw of TLS. --keep
leaves kchaos running on 127.0.0.1:19092 for your own clients until Ctrl-C.
"""
import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import clients  # noqa: E402
import harness  # noqa: E402
import kcmetrics  # noqa: E402

PORT = 19092
ADMIN_PORT = 19080
RECORDS = 20000
ACKS1_RECORDS = 5000
PACE_S = 6  # the librdkafka producers spread their records over this long, for top to watch


def title(s):
    print("\n\033[1m%s\033[0m" % s, flush=True)


def start_real_kafka():
    state = "/tmp/kchaos-demo-kafka"
    script = os.path.join(ROOT, "tests", "tools", "kafka-cluster.sh")
    print("starting Apache Kafka (3 brokers, KRaft) from Maven Central jars ...", flush=True)
    subprocess.run([script, "start", state, "--brokers", "3", "--base-port", "28490"], check=True,
                   stdout=subprocess.DEVNULL)
    cluster = harness.KafkaCluster(state)
    cluster.ctl("create-topic demo 6 3")
    return cluster, lambda: subprocess.run([script, "stop", state], stdout=subprocess.DEVNULL)


def own_figures(s):
    """What the producer reports of itself: the contract's summary, librdkafka's statistics
    (rdkafka_client --stats), the Java client's producer-metrics (its hyphenated fields)."""
    out = ["sent %d" % s["produced"], "acked %d" % s["acked"]]
    st = s.get("stats")
    if st:
        out.append("librdkafka statistics: txmsgs %d, txretries %d, txerrs %d, %d requests of any API"
                   % (st["txmsgs"], st["txretries"], st["txerrs"], st["tx"]))
    java = {k: v for k, v in s.items() if "-" in k and isinstance(v, (int, float))}
    if java:
        out.append("producer-metrics: " + ", ".join("%s %g" % kv for kv in sorted(java.items())))
    return "; ".join(out)


def start_client(args):
    """A test client started in the background; finish_client() reads its summary."""
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_client(p, timeout=180):
    out, err = p.communicate(timeout=timeout)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        raise SystemExit("client %s failed (%d):\n%s\n%s" % (p.args[0], p.returncode, out[-2000:],
                                                               err[-3000:]))
    return json.loads(lines[-1])


def watch_top(kc_bin, procs):
    """kchaos top while the producers run: the live view on a terminal (a few seconds, then a
    --once snapshot that stays on screen), the plain table every second otherwise."""
    admin = "127.0.0.1:%d" % ADMIN_PORT
    top = [kc_bin, "top", "--admin", admin, "--interval-ms", "1000", "--sort", "risk"]
    print("  $ kchaos top --admin %s --sort risk" % admin, flush=True)
    live = sys.stdout.isatty() and sys.stdin.isatty()
    if live:
        time.sleep(1.5)  # top's own rates need two reads; let the producers get going first
    p = subprocess.Popen(top)
    t0 = time.monotonic()
    # live: 3 s of the view, then a snapshot that stays (taken while the producers still run)
    while time.monotonic() - t0 < (3 if live else PACE_S + 1) and p.poll() is None:
        if time.monotonic() - t0 > 3.5 and all(q.poll() is not None for q in procs):
            break
        time.sleep(0.1)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)  # top restores the terminal and exits 0
    p.wait()
    if live:
        print("  (the live view: q quits, letters sort, / filters) a snapshot:", flush=True)
        subprocess.run(top + ["--once", "--interval-ms", "500"])


SCENARIO = os.path.join(ROOT, "scenarios", "leader-election.yaml")


def apply_scenario(kc_bin):
    """The injected fault: leader-election.yaml through the admin API, so its story (partition
    0 of every topic loses its leader 2 s in, for 3 s) starts with the producers."""
    admin = "127.0.0.1:%d" % ADMIN_PORT
    print("  $ kchaos scenario apply scenarios/leader-election.yaml --admin %s" % admin)
    r = subprocess.run([kc_bin, "scenario", "apply", SCENARIO, "--admin", admin],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("the scenario was refused:\n" + r.stdout + r.stderr)
    print("  " + r.stdout.strip())


def show_faults(kc_bin, port):
    """What the scenario injected, and the errors as the producers were told them: injected by
    kchaos (source="kchaos") or the broker's own."""
    admin = "127.0.0.1:%d" % port
    print("  $ kchaos scenario list --admin %s" % admin)
    r = subprocess.run([kc_bin, "scenario", "list", "--admin", admin], capture_output=True,
                       text=True)
    for line in r.stdout.splitlines():
        print("  " + line)
    prom = kcmetrics.prometheus(port)
    print("  errors the producers were told (kchaos_produce_errors_total):")
    for labels, v in prom.find("kchaos_produce_errors_total"):
        print("    %-18s %-26s source=%-6s %d" % (labels.get("client_id"), labels.get("error"),
                                                 labels.get("source"), v))


def record_incident(kc, cluster, rdkafka):
    """The mock brokers themselves make an incident (NOT_LEADER_OR_FOLLOWER on Produce, a leader
    move, then every broker slow) while a producer runs; `kchaos record` captures what they
    answered and writes it as a scenario, which `check-scenario` accepts and any kchaos
    replays."""
    admin = "127.0.0.1:%d" % ADMIN_PORT
    cluster.ctl("set-leader demo 0 1")  # where it starts, before the recording
    out = os.path.join(tempfile.mkdtemp(prefix="kchaos-demo-"), "incident.yaml")
    print("  $ kchaos record --admin %s --for 6s --topic demo --out incident.yaml" % admin,
          flush=True)
    rec = subprocess.Popen([harness.KCHAOS_BIN, "record", "--admin", admin, "--for", "6s",
                            "--topic", "demo", "--out", out], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    harness.wait_for(lambda: '"running"' in kcmetrics.get(ADMIN_PORT, "/api/v1/recordings"),
                     what="the recording to start")
    p = start_client(rdkafka + ["--bootstrap", kc.bootstrap, "--topic", "demo", "--prefix",
                                "incident-%d" % os.getpid(), "--count", "3000", "--rate", "500",
                                "--idempotent", "--max-in-flight", "1",
                                "--client-id", "demo-incident"])
    time.sleep(1.5)
    print("  (the mock brokers answer 8 Produce requests with NOT_LEADER_OR_FOLLOWER, demo[0]'s "
          "leader moves from broker 1 to 2; then every broker is slow for 2 s)", flush=True)
    cluster.ctl("push-errors 0 " + ",".join(["6"] * 8))
    cluster.ctl("set-leader demo 0 2")
    time.sleep(1.5)
    for node in cluster.brokers:
        cluster.ctl("broker-rtt %d 150" % node)
    time.sleep(2)
    for node in cluster.brokers:
        cluster.ctl("broker-rtt %d 0" % node)
    rec.wait(60)
    s = finish_client(p)
    print("  producer: produced %d, acknowledged %d" % (s["produced"], s["acked"]))
    text = open(out).read()
    for line in rec.stdout.read().strip().splitlines():
        print("  " + line)
    print("  the leaders it saw move (listed in its header: a replay moves no leader):")
    for line in text.splitlines():
        if line.startswith("# window "):
            print("    " + line)
    print("  its rules, each with the comment that says where it came from:")
    for line in text.splitlines():
        if line.startswith("  # "):
            print("  " + line)
    chk = subprocess.run([harness.KCHAOS_BIN, "check-scenario", out], capture_output=True,
                         text=True)
    print("  $ kchaos check-scenario %s\n  %s" % (out, (chk.stdout + chk.stderr).strip()))
    print("  replay it in front of any cluster:  kchaos --upstream HOST:9092 --scenario %s" % out)


def make_certs():
    """Development certificates (certs/README.md) in a temp dir, made once for this demo."""
    d = tempfile.mkdtemp(prefix="kchaos-demo-certs-")
    r = subprocess.run([os.path.join(ROOT, "certs", "make-certs.sh"), d], capture_output=True,
                       text=True)
    if r.returncode:
        raise SystemExit("certs/make-certs.sh failed:\n" + r.stdout + r.stderr)
    return d


def show_tls(conns, certs):
    """What kchaos saw of TLS: each connection's summary carries "tls" (version, cipher, the
    client certificate's subject) when the client spoke it."""
    seen = collections.Counter((e["tls"]["version"], e["tls"]["cipher"]) for e in conns
                               if e.get("tls"))
    plain = sum(1 for e in conns if not e.get("tls"))
    print("  kchaos --tls-cert %s/server.crt --tls-key %s/server.key" % (certs, certs))
    print("  clients: --ssl-ca %s/ca.crt (security.protocol=ssl, host name verified)" % certs)
    for (version, cipher), n in seen.most_common():
        print("  %3d connections  %-8s %s" % (n, version, cipher))
    subjects = sorted({e["tls"]["client_subject"] for e in conns
                       if e.get("tls") and e["tls"]["client_subject"]})
    print("  client certificates: %s" % (", ".join(subjects) or "none (no --tls-client-ca)"))
    if plain:
        print("  %d without TLS: the demo's own probes that a port listens (connect, close)" % plain)


def show_health(kc_bin):
    admin = "127.0.0.1:%d" % ADMIN_PORT
    print("  $ kchaos health --admin %s" % admin, flush=True)
    r = subprocess.run([kc_bin, "health", "--admin", admin], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        print("  " + line)
    print("  exit %d (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN: the monitoring-plugin convention)"
          % r.returncode)


def show_metrics(kc, own_by_id, records):
    port = ADMIN_PORT
    # At least: a producer without idempotence that re-batches what it retries (librdkafka
    # does) sends records again in batches kchaos cannot tell from new ones; its own txmsgs
    # counts them the same way.
    js = kcmetrics.wait_records(port, "demo", records, at_least=True)
    for c in js["clients"]:
        lat, thr, req = c["latency_ms"]["client"], c["throttle_ms"], c["requests"]
        print("  \033[1m%s\033[0m from %s (%s)" % (c["client_id"], c["host"], c["software"] or "?"))
        print("    kchaos:   records %d, batches %d, bytes %d, retries %d; requests ok %d, "
              "retriable %d, fatal %d" % (c["records"], c["batches"], c["bytes"], c["retries"],
                                          req["ok"], req["retriable"], req["fatal"]))
        print("              latency p50 %.2f ms, p99 %.2f ms (broker leg p50 %.2f ms); "
              "throttle mean %.1f ms, max %.1f ms"
              % (lat["p50"], lat["p99"], c["latency_ms"]["broker"]["p50"], thr["mean"], thr["max"]))
        print("              risk flags: %s" % (", ".join(
            "%s (%s)" % (r["flag"], r["reason"]) for r in c["risks"]) or "none"))
        s = own_by_id.get(c["client_id"])
        print("    producer: %s" % (own_figures(s) if s else "(no summary)"))
    print("\n  all of it, for Prometheus:  curl -s http://127.0.0.1:%d/metrics" % port)
    print("  as JSON:                    curl -s http://127.0.0.1:%d/api/v1/clients" % port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--kafka", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    os.environ["KCHAOS_BUILD"] = args.build
    harness.BUILD = args.build
    harness.KCHAOS_BIN = os.path.join(args.build, "kchaos")

    title("1. The cluster")
    if args.kafka:
        cluster, stop_cluster = start_real_kafka()
        kind = "Apache Kafka %s" % cluster.version
    else:
        cluster = harness.MockCluster(brokers=3, topics=["demo:6"])
        stop_cluster = cluster.close
        kind = "librdkafka mock cluster"
    for node, (h, p) in sorted(cluster.brokers.items()):
        print("  broker %d  %s:%d   (%s)" % (node, h, p, kind))

    certs = make_certs() if args.tls else None
    tls_args = ["--tls-cert", certs + "/server.crt", "--tls-key", certs + "/server.key"] \
        if certs else []
    ssl_client = ["--ssl-ca", certs + "/ca.crt"] if certs else []
    kc = harness.Kchaos(cluster, port=PORT, log_level="info", upstream_bind=None,
                        extra=["--admin", "127.0.0.1:%d" % ADMIN_PORT] + tls_args)
    try:
        title("2. kchaos in front of it: one port per broker, addresses rewritten" +
              (", TLS to the clients" if certs else ""))
        print("  bootstrap   127.0.0.1:%d%s" % (PORT, " (TLS)" if certs else ""))
        for node in sorted(cluster.brokers):
            print("  broker %d -> 127.0.0.1:%d" % (node, kc.port_of(node)))
        kcat_ssl = ["-X", "security.protocol=ssl", "-X", "ssl.ca.location=%s/ca.crt" % certs] \
            if certs else []
        md = subprocess.run(["kcat", "-b", kc.bootstrap, "-L", "-t", "demo"] + kcat_ssl,
                            capture_output=True, text=True, timeout=30)
        print("  what a client is told (kcat -L through kchaos):")
        for line in md.stdout.splitlines():
            if "broker" in line and " at " in line:
                print("   " + line.strip())

        # The real cluster speaks today's protocol: show it with today's Java client (Produce
        # v13, topic ids); the mock speaks only old versions, as does Debian's librdkafka.
        # (--tls: librdkafka throughout, the test clients' Java one has no TLS options.)
        rdkafka = [harness.rdkafka_client(), "--allowed-ports", kc.allowed_ports_arg(), "--stats"] \
            + ssl_client
        java = args.kafka and not certs
        if java:
            name, argv = "Java kafka-clients", clients.BY_NAME["java"].cmd()
        else:
            # One request in flight on the mock: it accepts an idempotent batch past a sequence
            # gap (Kafka answers OUT_OF_ORDER_SEQUENCE_NUMBER) and then takes the earlier
            # batch's retry for a duplicate, so the gap the election's last injected error can
            # leave would lose a batch on the mock, never on Kafka (README, Faults).
            name, argv = "librdkafka", rdkafka + ["--client-id", "demo-idempotent",
                                                  "--max-in-flight", "1"]
        title("3. Two producers through kchaos at once: %s (acks=all, idempotent, and a "
              "consumer), librdkafka with acks=1 and no idempotence; and a leader election "
              "injected into them" % name)
        apply_scenario(harness.KCHAOS_BIN)
        t0 = time.monotonic()
        pace = [] if java else ["--rate", str(RECORDS // PACE_S)]
        p = start_client(argv + pace + ["--bootstrap", kc.bootstrap, "--topic", "demo", "--prefix",
                                        "demo%d" % os.getpid(), "--count", str(RECORDS),
                                        "--idempotent", "--consume"])
        p1 = start_client(rdkafka + ["--bootstrap", kc.bootstrap, "--topic", "demo", "--prefix",
                                     "acks1-%d" % os.getpid(), "--count", str(ACKS1_RECORDS),
                                     "--rate", str(ACKS1_RECORDS // PACE_S), "--acks", "1",
                                     "--client-id", "demo-acks1"])
        title("4. kchaos top while they run: the acks=1 producer carries its risk flags; "
              "the election shows as errors and retries (ERR/S, RTY/S), then recovery")
        watch_top(harness.KCHAOS_BIN, [p, p1])
        s, s1 = finish_client(p), finish_client(p1)
        dt = time.monotonic() - t0
        print("\n  idempotent producer: produced %d, acknowledged %d, read back %d (missing %d, "
              "duplicates %d) in %.1f s"
              % (s["produced"], s["acked"], s["consumed"], s["missing"], s["duplicates"], dt))
        if "refused_connects" in s:
            print("  direct broker connections attempted: %d" % s["refused_connects"])
        print("  acks=1 producer: produced %d, acknowledged %d" % (s1["produced"], s1["acked"]))
        own_by_id = {"demo-idempotent" if not java else "kchaos-test-java": s,
                     "demo-acks1": s1}

        title("5. What passed through kchaos")
        time.sleep(0.3)  # the clients' connections close; their summaries follow
        per_api, rewrites = collections.Counter(), collections.Counter()
        nbytes = 0
        conns = kc.conn_summaries()
        for e in conns:
            nbytes += e["bytes_from_client"] + e["bytes_to_client"]
            for api, versions in e["apis"].items():
                for v, n in versions.items():
                    per_api["%s v%s" % (api, v)] += n
            for api, versions in e["rewrites"].items():
                for v, n in versions.items():
                    rewrites["%s v%s" % (api, v)] += n
        software = sorted({e["software"] for e in conns if e["software"]})
        print("  %d connections, %.1f MB, client software %s" % (len(conns), nbytes / 1e6,
                                                                ", ".join(software) or "?"))
        for api, n in per_api.most_common():
            print("  %-28s %7d requests" % (api, n))
        print("  broker addresses handed out as kchaos's: " + ", ".join(
            "%d in %s" % (n, api) for api, n in rewrites.most_common()))
        if certs:
            title("5b. What kchaos saw of TLS (each connection summary's \"tls\" field)")
            show_tls(conns, certs)
        title("6. Each producer as kchaos measured it from the wire, beside its own figures")
        show_metrics(kc, own_by_id, RECORDS + ACKS1_RECORDS)
        title("7. The injected leader election: what kchaos did, and what the producers did "
              "about it (retried, delivered everything)")
        show_faults(harness.KCHAOS_BIN, ADMIN_PORT)
        title("8. kchaos health: a verdict per producer, an exit code for monitoring")
        show_health(harness.KCHAOS_BIN)
        if not args.kafka:
            title("9. An incident the brokers made, recorded from the wire and exported as a "
                  "scenario")
            record_incident(kc, cluster, rdkafka)
        if args.keep:
            title("kchaos is running: try  kcat -b 127.0.0.1:%d %s-L   (Ctrl-C to stop)"
                  % (PORT, "".join(x + " " for x in kcat_ssl)))
            try:
                while kc.proc.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
    finally:
        rc = kc.stop()
        stop_cluster()
        if certs:
            shutil.rmtree(certs, ignore_errors=True)
    title("kchaos stopped (exit %d). Log: %s" % (rc, kc.logfile))
    return rc


if __name__ == "__main__":
    sys.exit(main())
