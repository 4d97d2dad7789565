"""`kchaos health` against real states of a real Kafka cluster (label real-kafka, kafka1).

- Exit codes 0, 1, 2 and 3 from what the broker does, not from anything kchaos is told:
  a producer the broker serves is OK (0); one the broker throttles with a client quota
  (producer_byte_rate far under what it offers) is WARNING (1); one whose records the broker
  refuses with an error no client retries (MESSAGE_TOO_LARGE: values of 5,000 bytes to a topic
  with max.message.bytes=1000) is CRITICAL (2), and the producer's own delivery reports say the
  records failed; once kchaos has gone, the admin port is unreachable: UNKNOWN (3).
- A runway warning: a producer runs while its broker quota is lowered step by step, so the
  broker's throttle rises steadily; health --runway warns that a threshold not crossed yet will
  be, and says when. The figures it reads are kchaos's indicators (a snapshot every 10 s, a slope
  from 3 or more), so this test takes about a minute.
"""
import json
import random
import re
import subprocess
import time

import harness
import kcmetrics
from test_cli import addr, kchaos

RATE, VALUE = 200, 500  # records/s and bytes per record each producer offers (100 KB/s)


def producer(kc, topic, cid, count, value=VALUE, rate=RATE, idempotent=True):
    args = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", topic, "--prefix",
            cid, "--count", str(count), "--rate", str(rate), "--value-size", str(value),
            "--client-id", cid, "--acks", "all", "--allowed-ports", kc.allowed_ports_arg()]
    if idempotent:
        args.append("--idempotent")
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def health(admin, *args):
    r = kchaos("health", "--admin", addr(admin), *args)
    print("$ kchaos health %s\n%s(exit %d)" % (" ".join(map(str, args)), r.stdout, r.returncode))
    return r


def seen(admin, cid):
    return any(c["client_id"] == cid and c["records"] > 0
               for c in kcmetrics.clients(admin)["clients"])


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
        p.wait(15)


def test_exit_codes_from_real_states():
    kafka = harness.KafkaCluster()
    tag = random.randint(0, 1 << 30)
    ok_cid, thr_cid, bad_cid = ("health-ok-%d" % tag, "health-throttled-%d" % tag,
                                "health-toolarge-%d" % tag)
    topic = kafka.new_topic("health", "1 1")
    small = kafka.new_topic("health-small", "1 1 max.message.bytes=1000")
    kafka.ctl("quota %s producer_byte_rate=2000" % thr_cid)
    procs = []
    try:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(kafka, extra=args) as kc:
            procs = [producer(kc, topic, ok_cid, RATE * 120), producer(kc, topic, thr_cid, RATE * 120)]
            bad = producer(kc, small, bad_cid, 5, value=5000, rate=0, idempotent=False)
            out, _ = bad.communicate(timeout=60)
            report = json.loads(out.strip().splitlines()[-1])
            # The broker's answer, through the producer's own delivery reports: none delivered.
            assert report["acked"] == 0 and report["errors"], report
            assert any("too large" in e.lower() or "MSG_SIZE_TOO_LARGE" in e
                       for e in report["errors"]), report
            harness.wait_for(lambda: seen(admin, ok_cid) and seen(admin, thr_cid), 30,
                             "both running producers to be seen")
            harness.wait_for(lambda: any(c["client_id"] == thr_cid and c["throttle_ms"]["throttled"]
                                         for c in kcmetrics.clients(admin)["clients"]), 30,
                             "the broker to throttle %s" % thr_cid)

            r = health(admin, "--client", ok_cid)
            assert r.returncode == 0, r.stdout
            assert r.stdout.startswith("OK: 1 client: 0 critical, 0 warning, 1 ok"), r.stdout
            assert "no delivery failure" in r.stdout, r.stdout

            r = health(admin, "--client", thr_cid)
            assert r.returncode == 1, r.stdout
            assert r.stdout.startswith("WARNING: 1 client: 0 critical, 1 warning, 0 ok"), r.stdout
            assert re.search(r"^WARNING +%s@127\.0\.0\.1: throttled: \d+ of \d+ responses" % thr_cid,
                             r.stdout, re.M), r.stdout

            r = health(admin, "--client", bad_cid)
            assert r.returncode == 2, r.stdout
            assert r.stdout.startswith("CRITICAL: 1 client: 1 critical"), r.stdout
            assert re.search(r"^CRITICAL +%s@127\.0\.0\.1: \d+ (delivery failures?|requests? failed "
                             r"with a non-retriable error)" % bad_cid, r.stdout, re.M), r.stdout

            # All of them at once: the worst decides, and each keeps its own verdict.
            r = health(admin, "--client", "health-*-%d" % tag, "--json")
            assert r.returncode == 2, r.stdout
            verdicts = {c["client_id"]: c["verdict"] for c in json.loads(r.stdout)}
            assert verdicts == {ok_cid: "OK", thr_cid: "WARNING", bad_cid: "CRITICAL"}, verdicts
        r = health(admin, "--client", ok_cid)
        assert r.returncode == 3 and r.stdout.startswith("UNKNOWN: "), r.stdout
    finally:
        stop(procs)
        kafka.ctl("quota %s producer_byte_rate=none" % thr_cid)


# The quota steps, bytes/s, against the 100 KB/s offered: the first leaves it unthrottled.
STEPS = [400000, 80000, 60000, 45000, 35000, 27000, 21000, 16000]
STEP_S = 6
MAX_THROTTLE_MS = 20000  # far over the first throttling seen (hundreds of ms to a few seconds)


def test_runway_warning_from_a_quota_lowered_step_by_step():
    kafka = harness.KafkaCluster()
    cid = "health-runway-%d" % random.randint(0, 1 << 30)
    topic = kafka.new_topic("health-runway", "1 1")
    # Throttle is judged by its threshold here, not "any throttle": the warning to see is the
    # runway to it, before it is crossed. Latency is held far off for the same reason.
    flags = ["--client", cid, "--runway", "3600", "--max-throttle-ms", str(MAX_THROTTLE_MS),
             "--max-latency-ms", "600000"]
    p = None
    try:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(kafka, extra=args) as kc:
            kafka.ctl("quota %s producer_byte_rate=%d" % (cid, STEPS[0]))
            p = producer(kc, topic, cid, RATE * 600)
            harness.wait_for(lambda: seen(admin, cid), 30, "the producer to be seen")
            r = health(admin, *flags)
            assert r.returncode == 0, "healthy before the quota falls: " + r.stdout
            start, step, r = time.monotonic(), 0, None
            while time.monotonic() - start < 120:
                want = min(int((time.monotonic() - start) // STEP_S) + 1, len(STEPS) - 1)
                if want != step:
                    step = want
                    kafka.ctl("quota %s producer_byte_rate=%d" % (cid, STEPS[step]))
                r = health(admin, *flags)
                if r.returncode != 0:
                    break
                time.sleep(2)
            took = time.monotonic() - start
            c = [c for c in kcmetrics.clients(admin)["clients"] if c["client_id"] == cid][0]
            thr = c["indicators"]["throttle_ms"]
            print("runway warning after %.0f s, quota step %d (%d B/s); throttle indicator %s"
                  % (took, step, STEPS[step], thr))
            assert r.returncode == 1, "no runway warning in 120 s: " + r.stdout
            assert c["throttle_ms"]["throttled"] > 0, "the broker never throttled: proves nothing"
            # A runway, not a crossed threshold: something rising that will reach its limit.
            m = re.search(r"^WARNING +%s@.*throttle_ms (\S+) rising \+\S+/s: reaches %d in (\d+) s"
                          % (cid, MAX_THROTTLE_MS), r.stdout, re.M)
            assert m, r.stdout
            assert float(m.group(1)) < MAX_THROTTLE_MS and int(m.group(2)) > 0, r.stdout
            assert "throttle mean" not in r.stdout and "latency mean" not in r.stdout, r.stdout
            assert thr["slope_per_s"] > 0, thr
    finally:
        if p:
            stop([p])
        kafka.ctl("quota %s producer_byte_rate=none" % cid)
