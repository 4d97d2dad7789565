#!/usr/bin/env python3
"""The soak (issue 18): kchaos's memory and file descriptors stay flat over a long run against a
real three-broker Kafka cluster, and every record is accounted for.

    ./dev.sh soak [--minutes N]        (default 30; not part of ./dev.sh test)

What runs, for N minutes, all through kchaos:
- producers in several languages (default the Java client and franz-go; --producers), each
  idempotent with acks=all, in rounds of --round-seconds (30): a round is one client process
  that produces to a fresh topic (3 partitions, RF 3, min.insync.replicas 2) at --rate records/s,
  then reads the topic back with a consumer group of its own, and exits. Every round is new
  connections (the churn); the topic is checked (end offsets) and deleted after its round, so
  the cluster's size stays the same however long the soak runs;
- every --move-seconds (default 180, a quarter of the run if shorter) every partition of the
  topics in use moves its leader to the next broker, as an operator does (reassignment, then a
  preferred election: the launcher's move-leader);
- once, halfway, one broker stops uncontrolled (no controlled shutdown) and comes back 20 s later.

Every 10 s it samples kchaos's VmRSS and VmHWM (/proc/PID/status) and open descriptors
(/proc/PID/fd) into samples.csv; each round's figures go to rounds.csv. It fails unless:
- after the warm-up (the first 3 minutes, or the first quarter of a shorter run) the
  least-squares slope of RSS is below --slope-bound MiB per 10 minutes (default 1): a leak of
  one 64 KiB buffer per round (two producers, 30 s rounds) would show as 2.5 MiB per 10 min;
- once the last client has gone, kchaos's descriptors return to what they were before the
  first one came (polled for up to 60 s);
- every round's records are all acknowledged, stored exactly once (the topic's end offsets sum
  to the count: idempotence, no duplicates) and read back by its consumer (none missing, none
  twice, none out of order per partition);
- kchaos never dies and exits 0 on SIGTERM.

The cluster listens on --base-port (28500: 28500-28550), apart from the CTest fixtures' 28090..
and 28190.. ranges, and is stopped at the end whatever happens."""
import argparse
import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", help="directory for samples.csv, rounds.csv, the logs "
                                 "(default BUILD/soak-TIMESTAMP)")
    p.add_argument("--base-port", type=int, default=28500)
    p.add_argument("--producers", default="java,franz",
                   help="client names (tests/integration/clients.py), comma separated")
    p.add_argument("--rate", type=int, default=100, help="records/s per producer")
    p.add_argument("--round-seconds", type=int, default=30, help="lifetime of one client")
    p.add_argument("--move-seconds", type=float, help="between leader moves (default: 180, or "
                                                      "a quarter of a shorter run)")
    p.add_argument("--warmup-minutes", type=float, help="default: 3, or a quarter of a "
                                                         "shorter run")
    p.add_argument("--slope-bound", type=float, default=1.0, help="MiB per 10 minutes")
    p.add_argument("--sample-seconds", type=float, default=10)
    p.add_argument("--kchaos-arg", action="append", default=[],
                   help="extra kchaos flag (repeatable; KCHAOS_ARGS works too)")
    return p.parse_args()


ARGS = parse_args()
os.environ.setdefault("KCHAOS_BUILD", ARGS.build)
os.environ.setdefault("KCHAOS_BIN", os.path.join(ARGS.build, "kchaos"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import clients  # noqa: E402
import harness  # noqa: E402

CLUSTER_SH = os.path.join(ROOT, "tests", "tools", "kafka-cluster.sh")
MiB = 1024.0  # in KiB, the unit of /proc/PID/status


def log(msg):
    sys.stderr.write("[soak %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def proc_status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def slope_per_10min(points):
    """Least-squares slope of [(seconds, KiB)], in MiB per 10 minutes."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    sxy = sum((t - mx) * (v - my) for t, v in points)
    return (sxy / sxx) * 600 / MiB if sxx else 0.0


class Soak:
    def __init__(self, out):
        self.out = out
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.active = {}       # topic -> producer name, the topics in use
        self.rounds = []       # one dict per finished round
        self.notes = []        # (seconds, what) for samples.csv
        self.running = 0       # client processes alive
        self.restarting = threading.Event()
        self.problems = []
        self.moved = 0         # partitions whose leader moved
        self.restarts = 0      # broker restarts done

    def now(self):
        return time.monotonic() - self.t0

    def note(self, what):
        log(what)
        with self.lock:
            self.notes.append((self.now(), what))

    # ---- the cluster and kchaos ----------------------------------------------------------------

    def start(self):
        self.state = os.path.join(self.out, "kafka")
        log("starting a 3-broker Kafka cluster on ports %d.." % ARGS.base_port)
        subprocess.run([CLUSTER_SH, "start", self.state, "--brokers", "3", "--base-port",
                        str(ARGS.base_port)], check=True, stdout=subprocess.DEVNULL)
        self.kafka = harness.KafkaCluster(self.state)
        self.kc = harness.Kchaos(self.kafka, extra=ARGS.kchaos_arg, log_level="info")
        self.pid = self.kc.proc.pid
        log("kchaos %d on %s, log %s" % (self.pid, self.kc.bootstrap, self.kc.logfile))
        # The harness's port probes come and go: the baseline is the count once steady.
        last = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            n = fd_count(self.pid)
            if n == last:
                break
            last = n
            time.sleep(1)
        self.fd_baseline = last

    def shutdown(self):
        rc = None
        if getattr(self, "kc", None):
            # Where the memory is, for a run that fails its slope (heap vs mapped files).
            with contextlib.suppress(OSError):
                shutil.copy("/proc/%d/smaps_rollup" % self.pid,
                            os.path.join(self.out, "smaps_rollup.txt"))
            rc = self.kc.stop()
            shutil.copy(self.kc.logfile, os.path.join(self.out, "kchaos.log"))
            log("kchaos exited %s" % rc)
        subprocess.run([CLUSTER_SH, "stop", self.state], stdout=subprocess.DEVNULL)
        return rc

    # ---- the load ------------------------------------------------------------------------------

    def ctl(self, line, timeout=180):
        return self.kafka.ctl(line, timeout)

    def create_topic(self, topic):
        # RF 3 needs all three brokers: while one restarts, wait for it.
        while True:
            try:
                self.ctl("create-topic %s 3 3 min.insync.replicas=2" % topic)
                return
            except AssertionError as e:
                if self.stop.is_set():
                    raise
                log("create-topic %s: %s; retrying" % (topic, e))
                time.sleep(2)

    def driver(self, name):
        c = clients.BY_NAME[name]
        count = ARGS.rate * ARGS.round_seconds
        i = 0
        while not self.stop.is_set():
            topic = "soak-%s-%d" % (name, i)
            prefix = "%s-%d" % (name, i)
            r = {"client": name, "round": i, "topic": topic, "count": count,
                 "start_s": round(self.now(), 1)}
            try:
                self.create_topic(topic)
            except AssertionError:
                break  # stopping
            with self.lock:
                self.active[topic] = name
                self.running += 1
            try:
                s = harness.run_client(c.cmd("--bootstrap", self.kc.bootstrap, "--topic", topic,
                                             "--prefix", prefix, "--count", count, "--rate",
                                             ARGS.rate, "--acks", "all", "--idempotent",
                                             "--consume"),
                                       timeout=ARGS.round_seconds + 400)
                for k in ("acked", "consumed", "missing", "duplicates", "out_of_order"):
                    r[k] = s[k]
                r["errors"] = " ".join(s.get("errors", []))
            except Exception as e:  # a client that failed to run: its round is not accounted
                r["errors"] = "client failed: %s" % str(e).splitlines()[0][:200]
                r["acked"] = r["consumed"] = 0
                r["missing"] = count
                r["duplicates"] = r["out_of_order"] = 0
            finally:
                with self.lock:
                    self.running -= 1
                    self.active.pop(topic, None)
            try:
                r["stored"] = sum(json.loads(self.ctl("offsets %s" % topic)).values())
            except Exception as e:
                r["stored"] = -1
                r["errors"] += " offsets: %s" % e
            r["seconds"] = round(self.now() - r["start_s"], 1)
            r["ok"] = (r["acked"] == count and r["stored"] == count and r["missing"] == 0
                       and r["duplicates"] == 0 and r["out_of_order"] == 0)
            with self.lock:
                self.rounds.append(r)
            if not r["ok"]:
                log("round NOT accounted: %s" % r)
            try:
                self.ctl("delete-topic %s" % topic)
            except AssertionError as e:
                log("delete-topic %s: %s" % (topic, e))
            i += 1

    def move_leaders(self):
        with self.lock:
            topics = list(self.active)
        moved = 0
        for topic in topics:
            try:
                desc = json.loads(self.ctl("describe %s" % topic))
                for p in desc["partitions"]:
                    target = p["leader"] % 3 + 1
                    self.ctl("move-leader %s %d %d" % (topic, p["partition"], target))
                    moved += 1
            except AssertionError as e:
                log("move in %s: %s (topic finished?)" % (topic, e))
        with self.lock:
            self.moved += moved
        self.note("leader move: %d partition(s) of %d topic(s)" % (moved, len(topics)))

    def restart_broker(self, node=2, down_s=20):
        self.restarting.set()
        try:
            self.note("broker %d: uncontrolled stop" % node)
            self.ctl("stop-broker %d uncontrolled" % node)
            self.stop.wait(down_s)
            self.ctl("start-broker %d" % node)
            self.restarts += 1
            self.note("broker %d: started again" % node)
        except Exception as e:
            self.problems.append("broker %d restart: %s" % (node, e))
        finally:
            self.restarting.clear()

    # ---- measurement ---------------------------------------------------------------------------

    def sample(self, writer):
        rss = proc_status_kib(self.pid, "VmRSS")
        hwm = proc_status_kib(self.pid, "VmHWM")
        fds = fd_count(self.pid)
        with self.lock:
            notes = [w for _, w in self.notes]
            self.notes.clear()
            running = self.running
        row = {"seconds": round(self.now(), 1), "rss_kib": rss, "hwm_kib": hwm, "fds": fds,
               "clients": running, "note": "; ".join(notes)}
        writer.writerow(row)
        return row


def main():
    minutes = ARGS.minutes
    duration = minutes * 60
    warmup = (ARGS.warmup_minutes * 60 if ARGS.warmup_minutes is not None
              else min(180.0, duration / 4))
    move_every = ARGS.move_seconds or min(180.0, duration / 4)
    out = ARGS.out or os.path.join(ARGS.build, "soak-" + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    names = ARGS.producers.split(",")
    for n in names:
        if n not in clients.BY_NAME or not clients.BY_NAME[n].available():
            sys.exit("soak: client %s is not available: run ./dev.sh deps" % n)

    soak = Soak(out)
    signal.signal(signal.SIGTERM, lambda *a: soak.stop.set())
    samples = []
    rc = None
    try:
        soak.start()
        log("%.1f min: producers %s at %d rec/s each in %d s rounds; leader moves every %.0f s; "
            "a broker restart at %.0f s; warm-up %.0f s; fd baseline %d"
            % (minutes, ",".join(names), ARGS.rate, ARGS.round_seconds, move_every,
               duration / 2, warmup, soak.fd_baseline))
        soak.t0 = time.monotonic()
        f = open(os.path.join(out, "samples.csv"), "w", newline="")
        w = csv.DictWriter(f, ["seconds", "rss_kib", "hwm_kib", "fds", "clients", "note"])
        w.writeheader()
        samples.append(soak.sample(w))
        drivers = [threading.Thread(target=soak.driver, args=(n,), name=n) for n in names]
        for t in drivers:
            t.start()
        next_sample = ARGS.sample_seconds
        next_move = move_every / 2
        restarted = False
        while soak.now() < duration and not soak.stop.is_set():
            if soak.kc.proc.poll() is not None:
                soak.problems.append("kchaos died (status %s)" % soak.kc.proc.returncode)
                break
            if not restarted and soak.now() >= duration / 2:
                restarted = True
                threading.Thread(target=soak.restart_broker, daemon=True).start()
            if soak.now() >= next_move:
                next_move += move_every
                if not soak.restarting.is_set():
                    threading.Thread(target=soak.move_leaders, daemon=True).start()
            if soak.now() >= next_sample:
                next_sample += ARGS.sample_seconds
                samples.append(soak.sample(w))
                f.flush()
            time.sleep(0.2)
        log("time is up: waiting for the rounds under way to finish")
        soak.stop.set()
        while any(t.is_alive() for t in drivers):
            if soak.now() >= next_sample:
                next_sample += ARGS.sample_seconds
                samples.append(soak.sample(w))
                f.flush()
            time.sleep(0.2)
        # Every client is gone: kchaos's descriptors come back to where they started.
        deadline = time.monotonic() + 60
        while fd_count(soak.pid) > soak.fd_baseline and time.monotonic() < deadline:
            time.sleep(0.5)
        samples.append(soak.sample(w))
        f.close()
        fd_end = samples[-1]["fds"]
    finally:
        rc = soak.shutdown()

    # ---- the verdict ---------------------------------------------------------------------------
    with open(os.path.join(out, "rounds.csv"), "w", newline="") as f:
        cols = ["client", "round", "topic", "start_s", "seconds", "count", "acked", "stored",
                "consumed", "missing", "duplicates", "out_of_order", "ok", "errors"]
        w = csv.DictWriter(f, cols, extrasaction="ignore")
        w.writeheader()
        for r in soak.rounds:
            w.writerow(r)
    after = [(s["seconds"], s["rss_kib"]) for s in samples if s["seconds"] >= warmup]
    slope = slope_per_10min(after)
    fds = [s["fds"] for s in samples]
    rss = [s["rss_kib"] for s in samples]
    sent = sum(r["count"] for r in soak.rounds)
    acked = sum(r["acked"] for r in soak.rounds)
    stored = sum(max(r["stored"], 0) for r in soak.rounds)
    bad = [r for r in soak.rounds if not r["ok"]]
    reasons = {}
    for e in soak.kc.conn_summaries():
        reasons[e.get("reason", "?")] = reasons.get(e.get("reason", "?"), 0) + 1
    summary = {
        "minutes": minutes, "producers": names, "rounds": len(soak.rounds),
        "rss_start_mib": round(rss[0] / MiB, 1), "rss_max_mib": round(max(rss) / MiB, 1),
        "rss_end_mib": round(rss[-1] / MiB, 1), "hwm_mib": round(samples[-1]["hwm_kib"] / MiB, 1),
        "rss_slope_mib_per_10min": round(slope, 3), "slope_bound": ARGS.slope_bound,
        "warmup_s": warmup, "samples_after_warmup": len(after),
        "fd_baseline": soak.fd_baseline, "fd_min": min(fds), "fd_max": max(fds), "fd_end": fd_end,
        "records_sent": sent, "records_acked": acked, "records_stored": stored,
        "rounds_not_accounted": len(bad), "leaders_moved": soak.moved,
        "broker_restarts": soak.restarts, "kchaos_exit": rc, "connections": sum(reasons.values()),
        "close_reasons": reasons, "out": out,
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("soak: %.1f min, %d rounds of %s through kchaos (%d connections)"
          % (minutes, len(soak.rounds), ",".join(names), summary["connections"]))
    print("  RSS   start %.1f MiB, max %.1f MiB, end %.1f MiB (VmHWM %.1f); slope after %.0f s "
          "warm-up %+.3f MiB/10 min over %d samples (bound %.1f)"
          % (summary["rss_start_mib"], summary["rss_max_mib"], summary["rss_end_mib"],
             summary["hwm_mib"], warmup, slope, len(after), ARGS.slope_bound))
    print("  fds   baseline %d, min %d, max %d, end %d" % (soak.fd_baseline, min(fds), max(fds),
                                                           fd_end))
    print("  records sent %d, acked %d, stored %d; rounds not accounted: %d"
          % (sent, acked, stored, len(bad)))
    print("  incidents: %d partition leader(s) moved, %d broker restart(s)"
          % (soak.moved, soak.restarts))
    print("  connection close reasons: %s" % json.dumps(reasons))
    print("  files: %s/{samples.csv,rounds.csv,summary.json,kchaos.log}" % out)
    fails = list(soak.problems)
    if rc != 0:
        fails.append("kchaos exited %s on SIGTERM" % rc)
    if len(after) < 3:
        fails.append("only %d samples after the warm-up: run longer" % len(after))
    if slope >= ARGS.slope_bound:
        fails.append("RSS grows %.3f MiB per 10 min after warm-up (bound %.1f)%s"
                     % (slope, ARGS.slope_bound,
                        # Measured: at the default load kchaos's RSS climbs for ~6 minutes
                        # (2.0 -> 3.8 MiB, its buffer pool filling) and is flat after.
                        "; a run under 10 minutes ends inside kchaos's own warm-up"
                        if minutes < 10 else ""))
    if fd_end > soak.fd_baseline:
        fails.append("kchaos holds %d descriptors after every client left (baseline %d)"
                     % (fd_end, soak.fd_baseline))
    if not soak.rounds:
        fails.append("no round finished")
    if not soak.moved or not soak.restarts:
        fails.append("the incidents did not happen: %d leader(s) moved, %d restart(s)"
                     % (soak.moved, soak.restarts))
    for r in bad:
        fails.append("round %s/%d not accounted: acked %d stored %d of %d, missing %d, "
                     "duplicates %d, out of order %d %s"
                     % (r["client"], r["round"], r["acked"], r["stored"], r["count"],
                        r["missing"], r["duplicates"], r["out_of_order"], r["errors"]))
    for x in fails:
        print("FAIL: " + x)
    print("soak: %s" % ("FAILED" if fails else "passed"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
