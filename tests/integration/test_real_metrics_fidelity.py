"""kchaos's produce metrics against independent oracles, on a real three-broker Kafka 4.4
cluster (RF 3, min.insync.replicas 2), through kchaos with --admin:

- the Java producer's own metrics (kafka-clients 4.4, idempotent, acks=all): under a real
  leader move (retries) and a real broker quota (throttling), its record counts equal
  kchaos's exactly, its throttle average and maximum equal kchaos's on the same basis, and its
  request latency average is within a stated bound of kchaos's client leg;
- the brokers' own count of what they hold (the launcher's `count`: Kafka's consumer on the
  INTERNAL listeners, never through kchaos): through an uncontrolled broker stop, the
  duplicates a non-idempotent producer wrote lie between kchaos's duplicates and duplicates +
  possible duplicates; an idempotent producer through the same incident writes none and kchaos
  reports none.

Retry and duplicate detection is exact for --threads 1 (README, Metrics): kchaos runs with it
here whatever KCHAOS_ARGS says. The mapping these tests assert is the README's "Metrics
fidelity" table; the figures each run measured are printed (pytest -s, or the CTest log on
failure)."""
import json
import os
import random
import shutil
import subprocess

import pytest

import clients
import harness
import kcmetrics

JAVA = clients.BY_NAME["java"]
LONG_MS = 3_600_000  # metrics window and delivery timeout: longer than any run here


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def end_total(kafka, topic):
    return sum(json.loads(kafka.ctl("offsets %s" % topic)).values())


def leaders(kafka, topic):
    return {p["partition"]: p["leader"] for p in json.loads(kafka.ctl("describe %s" % topic))["partitions"]}


def wait_progress(kafka, topic, more):
    """Block until the topic holds `more` records beyond what it holds now."""
    start = end_total(kafka, topic)
    harness.wait_for(lambda: end_total(kafka, topic) >= start + more, 120,
                     "%d more records in %s" % (more, topic), interval=0.2)


def start_kchaos(kafka, upstream_bind=harness.UPSTREAM_SOURCE):
    admin = harness.free_port_block(1)
    kc = harness.Kchaos(kafka, extra=["--admin", "127.0.0.1:%d" % admin, "--threads", "1"],
                        log_level="info", upstream_bind=upstream_bind)
    kc.admin = admin
    return kc


def java(kc, topic, client_id, count, rate, *extra):
    if not JAVA.available():
        pytest.fail("the Java client is not built: run ./dev.sh deps")
    return JAVA.cmd("--bootstrap", kc.bootstrap, "--topic", topic, "--prefix", client_id,
                    "--client-id", client_id, "--count", count, "--rate", rate, "--acks", "all",
                    "--metrics-window-ms", LONG_MS, "--delivery-timeout-ms", LONG_MS, *extra)


# ---------------------------------------------------------------------------------------------
# 1. The Java producer's own view equals kchaos's.

COUNT = 2000
RATE = 500          # records/s: 4 s unthrottled
VALUE = 100         # bytes a value: ~25 KB/s per broker offered, against a quota of 8 KB/s
QUOTA = 8000        # producer_byte_rate, bytes/s on each broker (measured over 10 s+)
# kchaos's client leg (request read -> response written) and the producer's request latency
# (request created, before its own socket write -> response read by its I/O thread) time the
# same exchange from two sides of one loopback socket. The producer's figure holds whole
# milliseconds (Time.milliseconds(): each sample off by less than 1 ms either way) plus its
# own time between creating a request and writing it and between the bytes arriving and its
# I/O thread reading them, on a 2-core machine shared with three brokers and kchaos: so the
# producer's mean should be the higher, by about a millisecond (+0.5 to +1.0 ms measured).
# Under a real quota, though, kchaos's mean came out higher in 2 of 7 runs, by up to 5.6 ms
# of 20-25 ms (and its max above the producer's by up to 4.8 ms of 4 s): time around the
# throttled requests that the producer does not count, not yet explained (README, Metrics).
# On a quiet machine the gap stayed within 2 ms + 40 %; on CI's, loaded with three JVMs and other
# tests beside this one, kchaos's mean came out 6.0 ms above the producer's 3.5 ms once. Timing
# is the benchmark's to judge: the figures are printed, and the gate is a sanity bound that a
# loaded machine does not cross but a kchaos adding real latency would.
LATENCY_ABS_MS = 10.0
LATENCY_REL = 1.00


def test_java_producer_metrics_equal_kchaos(kafka):
    topic = kafka.new_topic("fid-java")
    cid = "fid-java-%d" % random.randint(0, 1 << 30)
    kafka.ctl("quota %s producer_byte_rate=%d" % (cid, QUOTA))
    try:
        with start_kchaos(kafka) as kc:
            run = harness.Background(java(kc, topic, cid, COUNT, RATE, "--idempotent",
                                          "--value-size", VALUE), timeout=300)
            wait_progress(kafka, topic, 300)
            for part, leader in sorted(leaders(kafka, topic).items()):
                kafka.ctl("move-leader %s %d %d" % (topic, part, leader % 3 + 1))
            s = run.result()
            prom = kcmetrics.prometheus(kc.admin)
            cj = kcmetrics.client(kcmetrics.clients(kc.admin), cid)
    finally:
        kafka.ctl("quota %s producer_byte_rate=none" % cid)
    assert s["acked"] == COUNT, s
    harness.assert_broker_holds(kafka, topic, {cid: COUNT})
    jm = s["metrics"]
    m = lambda name, **kw: prom.total(name, client_id=cid, **kw)  # noqa: E731

    # Counts: exact.
    records, retries = m("kchaos_produce_records_total"), m("kchaos_produce_retries_total")
    batches, nbytes = m("kchaos_produce_batches_total"), m("kchaos_produce_bytes_total")
    requests = m("kchaos_produce_requests_total")
    print("\ncounts   kchaos records %d retries %d batches %d bytes %d requests %d errors %d"
          % (records, retries, batches, nbytes, requests, cj["errors"]))
    print("         java   record-send-total %d record-retry-total %d record-error-total %d"
          % (jm["record-send-total"], jm["record-retry-total"], jm["record-error-total"]))
    assert records == COUNT, "kchaos counted %d records, %d were sent" % (records, COUNT)
    assert retries > 0, "the leader move forced no retry: the test proves nothing about retries"
    assert records + retries == jm["record-send-total"], (records, retries, jm["record-send-total"])
    assert retries == jm["record-retry-total"], (retries, jm["record-retry-total"])
    assert jm["record-error-total"] == 0 and cj["duplicates"] == 0 and cj["possible_duplicates"] == 0
    # Batch size: both average the bytes of every batch sent, retries included. (The producer's
    # records-per-request-avg is printed, not compared: kafka-clients 4.4 records into it once
    # per ready node per sender loop, empty drains included, so it mostly averages zeros.)
    assert requests > 0
    print("         batch bytes kchaos %.4f java batch-size-avg %.4f; records/request kchaos %.4f "
          "(java records-per-request-avg %.4f, not comparable)"
          % (nbytes / batches, jm["batch-size-avg"], (records + retries) / requests,
             jm["records-per-request-avg"]))
    assert abs(nbytes / batches - jm["batch-size-avg"]) < 1e-9

    # Throttle: the producer averages over every response it reads (Metadata, ApiVersions and
    # InitProducerId included, all unthrottled by a producer_byte_rate quota); kchaos over
    # Produce responses. Same basis: kchaos's sum over the producer's response count.
    t_count = m("kchaos_produce_throttle_seconds_count")
    t_sum_ms = m("kchaos_produce_throttle_seconds_sum") * 1000
    t_max_ms = cj["throttle_ms"]["max"]
    responses = jm["response-total"]
    print("throttle kchaos: %d Produce responses, %d throttled, mean %.4f ms, max %.0f ms; "
          "over the producer's %d responses %.6f ms"
          % (t_count, cj["throttle_ms"]["throttled"], t_sum_ms / t_count, t_max_ms, responses,
             t_sum_ms / responses))
    print("         java:   produce-throttle-time-avg %.6f ms, max %.0f ms"
          % (jm["produce-throttle-time-avg"], jm["produce-throttle-time-max"]))
    assert cj["throttle_ms"]["throttled"] > 0, "the quota throttled nothing"
    assert t_count == requests and responses > t_count
    assert abs(t_sum_ms / responses - jm["produce-throttle-time-avg"]) < 1e-6
    assert t_max_ms == jm["produce-throttle-time-max"]

    # Latency: kchaos's client leg against the producer's request-latency-avg.
    l_mean = m("kchaos_produce_latency_seconds_sum", leg="client") * 1000 / \
        m("kchaos_produce_latency_seconds_count", leg="client")
    l_java = jm["request-latency-avg"]
    gap = l_java - l_mean
    bound = LATENCY_ABS_MS + LATENCY_REL * l_java
    print("latency  kchaos client leg mean %.3f ms (broker leg %.3f ms), java request-latency-avg "
          "%.3f ms (max %.0f): gap %+.3f ms, bound %.3f ms"
          % (l_mean, cj["latency_ms"]["broker"]["mean"], l_java, jm["request-latency-max"], gap,
             bound))
    print("         kchaos client leg p50 %.3f p99 %.3f max %.3f ms; java per node %s"
          % (cj["latency_ms"]["client"]["p50"], cj["latency_ms"]["client"]["p99"],
             cj["latency_ms"]["client"]["max"],
             {n: (v.get("request-latency-avg"), v.get("request-latency-max"))
              for n, v in s["node_metrics"].items()}))
    assert abs(gap) <= bound, "latency gap %.3f ms exceeds %.3f ms" % (gap, bound)


# ---------------------------------------------------------------------------------------------
# 2. Retries and duplicates through connection resets, against the brokers' count.

RESET_COUNT = 4000
RESET_RATE = 600    # records/s: ~7 s, so that Produce requests are in flight at each reset
MAX_RESETS = 10     # reset until both producers have resent through kchaos, at most this often
# kchaos opens its broker connections from this loopback address in this test alone, so that a
# reset hits this kchaos and no other test's (the others use harness.UPSTREAM_SOURCE).
RESET_SOURCE = "127.0.0.3"


def reset(*match):
    """Reset every TCP connection ss's filter `match` selects, the way a failing network does:
    the kernel aborts the local socket and sends its peer a RST. Returns how many it reset."""
    if os.geteuid() != 0 or shutil.which("ss") is None:
        pytest.fail("resetting connections needs root and ss (iproute2, ./dev.sh deps)")
    r = subprocess.run(["ss", "-K", "-t", "-n", *match], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return sum(1 for line in r.stdout.splitlines()[1:] if line.strip())


def reset_broker_side(source):
    """kchaos's connections to the brokers (from `source`): requests the brokers had read are
    still appended and replicated, their answers lost before kchaos sees them; kchaos then
    closes the producers' connections. Their resends are possible duplicates."""
    return reset("src", source)


def test_duplicates_bracketed_by_broker_count_through_resets(kafka):
    """A non-idempotent producer (acks=all, retries on, 5 in flight) and an idempotent one run
    side by side, each on its own topic, while every connection kchaos holds to the brokers is
    reset mid-stream, three times. A request in flight at a reset may have been written without
    its answer reaching the producer, which sends it again: kchaos counts those records as
    retries and, for the non-idempotent producer, as possible duplicates (the first send got no
    answer). The brokers' own count (the launcher's `count`) says how many records were written
    twice: it must lie between kchaos's duplicates and duplicates + possible duplicates.

    The producer's record-retry-total is an upper bound here, not an equal: it counts records
    as sent when it builds a request, and a request built for a connection the reset closed
    never reaches the wire (kchaos cannot count it; it counts the resend that does)."""
    plain_t, idem_t = kafka.new_topic("fid-plain"), kafka.new_topic("fid-idem")
    plain, idem = ("fid-%s-%d" % (k, random.randint(0, 1 << 30)) for k in ("plain", "idem"))
    with start_kchaos(kafka, upstream_bind=RESET_SOURCE) as kc:
        runs = {
            plain: harness.Background(java(kc, plain_t, plain, RESET_COUNT, RESET_RATE,
                                           "--no-idempotence", "--max-in-flight", 5), timeout=300),
            idem: harness.Background(java(kc, idem_t, idem, RESET_COUNT, RESET_RATE,
                                          "--idempotent"), timeout=300),
        }
        resets = rounds = 0
        while rounds < MAX_RESETS and not all(
                kcmetrics.prometheus(kc.admin).total("kchaos_produce_retries_total",
                               client_id=cid) for cid in runs):
            wait_progress(kafka, plain_t, 200)
            resets += reset_broker_side(RESET_SOURCE)
            rounds += 1
        out = {cid: r.result() for cid, r in runs.items()}
        prom = kcmetrics.prometheus(kc.admin)
    assert resets >= rounds > 0, "%d connections reset in %d rounds" % (resets, rounds)
    held = {plain: harness.broker_count(kafka, plain_t), idem: harness.broker_count(kafka, idem_t)}
    k = {}
    for cid, s in out.items():
        k[cid] = {f: prom.total("kchaos_produce_%s_total" % f, client_id=cid)
                  for f in ("records", "retries", "duplicates", "possible_duplicates")}
        jm, h = s["metrics"], held[cid]
        print("\n%s: kchaos %s; java record-send-total %d record-retry-total %d "
              "record-error-total %d; brokers hold %d records, %d keys, %d duplicates (%d connections reset)"
              % (cid, {f: int(v) for f, v in k[cid].items()}, jm["record-send-total"],
                 jm["record-retry-total"], jm["record-error-total"], h["records"], h["distinct"],
                 h["duplicates"], resets))
        assert s["acked"] == RESET_COUNT, s
        assert h["distinct"] == RESET_COUNT and h["by_prefix"] == {cid: h["records"]}, h
        assert k[cid]["records"] == RESET_COUNT, k[cid]
        assert k[cid]["retries"] > 0, "the resets forced no retry through kchaos: %s" % k[cid]
        # Each record once in records; every resend that reached kchaos once in retries. The
        # producer counts a record sent when it builds the request, before writing it: requests
        # built for (or written into) a connection that the reset closed never reach kchaos, so
        # its figure can only be higher (equal when no connection fails: test 1).
        assert 0 < k[cid]["retries"] <= jm["record-retry-total"], (k[cid], jm["record-retry-total"])
        assert k[cid]["duplicates"] + k[cid]["possible_duplicates"] <= k[cid]["retries"], k[cid]
    kp, found = k[plain], held[plain]["duplicates"]
    assert kp["duplicates"] <= found <= kp["duplicates"] + kp["possible_duplicates"], (found, kp)
    assert k[idem]["duplicates"] == 0 and k[idem]["possible_duplicates"] == 0, k[idem]
    assert held[idem]["duplicates"] == 0 and held[idem]["records"] == RESET_COUNT, held[idem]
