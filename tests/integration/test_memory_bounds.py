"""Bounded memory whatever the peers do (issue 18): a global cap on buffered bytes, the idle and
frame timeouts, and limits on connections and on requests in flight.

Every test starts its own kchaos with the option under test: an option kchaos does not know
makes it exit 2 at start, and harness.Kchaos fails the test with that line (never a skip).
Conditions are polled (harness.wait_for); the only fixed windows are the ones in which
something must *not* happen (a refused request must not reach the broker), stated where used."""
import re
import os
import socket
import struct
import threading
import time

import harness
import kwire

MiB = 1 << 20


def proc_status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))


def wait_quiet(kc, timeout=10):
    """Every connection kchaos accepted so far (the harness's own port probes included) is
    closed, so that the next connection a test opens is counted from zero."""
    def settled():
        ev = kc.events()
        opened = {e["conn"] for e in ev if e.get("msg") == "accepted"}
        closed = {e["conn"] for e in ev if e.get("event") == "conn_close"}
        # The harness's probes may not even be accepted yet (a slow, sanitized kchaos).
        return len(opened) >= kc.probes and opened <= closed
    harness.wait_for(settled, timeout, "kchaos's earlier connections to close")


def summary_of(kc, client_addr):
    """The conn_close event of the connection whose client end is client_addr (host, port)."""
    want = "%s:%d" % client_addr
    for e in kc.conn_summaries():
        if e.get("client") == want:
            return e
    return None


# ---- (a) many clients announce huge frames and trickle them ----------------------------------

HOSTILE = 40
FRAME_LIMIT = 16 * MiB            # --max-frame-bytes (kchaos refuses a cap below it: a frame
                                  # larger than the cap could never be read whole)
ANNOUNCED = 16 * 1000 * 1000      # each one's size prefix: 16 MB, under --max-frame-bytes
PUSH_EACH = 4 * MiB               # what each tries to send of it: 160 MiB in all, 5x the cap
CAP = 32 * MiB                    # --max-buffered-bytes
# RSS may exceed the cap by this much. What kchaos holds besides the buffered frames:
# - the process itself (binary, libc, libuv, the log's stdio buffer) and the pool's cache of
#   free chunks: 2 MiB at start, 6 MiB after the 200 MB baseline run (measured here; README's
#   benchmark: 4.9-7.5 MiB peak);
# - one partly filled 64 KiB pool chunk per hostile connection: 40 x 64 KiB = 2.5 MiB;
# - the healthy producer's frames on their way through (up to the 4 MiB watermark of its
#   connection, only briefly) and per-connection state (80 connections, a few KiB each);
# - malloc's rounding and the 64 KiB granularity of chunks: ~1.5 MiB.
# The sanitizer build's own overhead (shadow memory, redzones) is measured instead: its RSS at
# start is taken as the process's floor (see test_hostile_huge_frames_stay_under_the_cap).
OVERHEAD = 16 * MiB
HEALTHY_COUNT = 200000            # 1 KiB records, ~200 MB: about a second through the mock


class Hostile:
    """HOSTILE raw connections, each announcing an ANNOUNCED-byte Produce frame (a real request
    header, so kchaos cannot reject it on sight) and then feeding it: 64 KiB a time, as fast as
    kchaos reads, up to PUSH_EACH; then a trickle of 1 KiB per connection every 100 ms so that
    the pressure lasts. Non-blocking: a connection kchaos stops reading simply stops here."""

    def __init__(self, ports):
        self.socks, self.sent = [], []
        hdr = kwire.i16(0) + kwire.i16(3) + kwire.i32(1) + kwire.string("hostile")
        for i in range(HOSTILE):
            s = socket.create_connection(("127.0.0.1", ports[i % len(ports)]), timeout=10)
            s.setblocking(False)
            s.sendall(struct.pack(">i", ANNOUNCED) + hdr)  # small: fits the socket buffer
            self.socks.append(s)
            self.sent.append(4 + len(hdr))
        self.running = True
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self):
        big, small = b"x" * 65536, b"x" * 1024
        while self.running:
            for i, s in enumerate(self.socks):
                chunk = big if self.sent[i] < PUSH_EACH else small
                try:
                    self.sent[i] += s.send(chunk)
                except BlockingIOError:
                    pass
                except OSError:
                    pass  # closed by kchaos: reported by the test through conn summaries
            if all(n >= PUSH_EACH for n in self.sent):
                time.sleep(0.1)
            else:
                time.sleep(0.002)

    def close(self):
        self.running = False
        self.thread.join(5)
        for s in self.socks:
            s.close()


class RssSampler:
    """kchaos's VmRSS every 20 ms in a thread; max_kib is the largest seen."""

    def __init__(self, pid):
        self.pid, self.max_kib, self.running = pid, 0, True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                self.max_kib = max(self.max_kib, proc_status_kib(self.pid, "VmRSS"))
            except (OSError, StopIteration):
                return
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join(5)
        return self.max_kib


def produce_timed(kc, prefix):
    t0 = time.monotonic()
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", "t1",
                            "--prefix", prefix, "--count", str(HEALTHY_COUNT), "--acks", "1",
                            "--linger-ms", "5", "--value-size", "1024",
                            "--allowed-ports", kc.allowed_ports_arg()], timeout=120)
    elapsed = time.monotonic() - t0
    assert s["acked"] == HEALTHY_COUNT and not s["errors"], \
        "%s: acked %d of %d: %s" % (prefix, s["acked"], HEALTHY_COUNT, s["errors"])
    return HEALTHY_COUNT / elapsed


def test_hostile_huge_frames_stay_under_the_cap(mock):
    # --frame-timeout-ms is raised so that here the cap, not the timeout, bounds memory.
    extra = ["--max-buffered-bytes", str(CAP), "--max-frame-bytes", str(FRAME_LIMIT),
             "--frame-timeout-ms", "600000"]
    # Under AddressSanitizer (./dev.sh test's second pass) freed memory sits in ASan's
    # quarantine (256 MiB by default) instead of going back to the system: RSS would measure
    # ASan, not kchaos. This kchaos alone runs without quarantine.
    asan = os.environ.get("ASAN_OPTIONS")
    if asan is not None:
        os.environ["ASAN_OPTIONS"] = asan + ":quarantine_size_mb=0"
    try:
        kc = harness.Kchaos(mock, extra=extra)
    finally:
        if asan is not None:
            os.environ["ASAN_OPTIONS"] = asan
    with kc:
        pid = kc.proc.pid
        floor_kib = proc_status_kib(pid, "VmRSS")
        baseline = produce_timed(kc, "base")
        sampler = RssSampler(pid)
        hostile = Hostile(kc.ports())
        try:
            # The hostile bytes (160 MiB offered) reach the cap, and kchaos says so.
            harness.wait_for(lambda: "buffered-bytes cap" in kc.log_text(), 30,
                             "kchaos to log that the buffered-bytes cap was reached")
            under_attack = produce_timed(kc, "attacked")
            assert kc.proc.poll() is None, "kchaos died under hostile frames"
            offered = sum(hostile.sent)
        finally:
            hostile.close()
        max_rss = sampler.stop()
        hwm = proc_status_kib(pid, "VmHWM")
        share = under_attack / baseline
        print("healthy producer: %.0f rec/s alone, %.0f rec/s beside %d hostile clients "
              "(%.0f%% of its normal throughput); hostile clients got %.1f MiB into the sockets; "
              "kchaos RSS at start %.1f MiB, max sampled %.1f MiB, VmHWM %.1f MiB "
              "(cap %d MiB + overhead %d MiB)"
              % (baseline, under_attack, HOSTILE, 100 * share, offered / MiB, floor_kib / 1024,
                 max_rss / 1024, hwm / 1024, CAP // MiB, OVERHEAD // MiB))
        # The process's floor counts as part of the overhead only beyond the plain build's
        # 8 MiB (the sanitizer build starts far higher and would otherwise fail for its own sake).
        limit_kib = (CAP + OVERHEAD) // 1024 + max(0, floor_kib - 8 * 1024)
        if asan is not None:
            limit_kib += CAP // 8 // 1024  # ASan's shadow: one byte for every 8 the cap holds
        assert hwm <= limit_kib, "kchaos's peak RSS %.1f MiB exceeds the cap + overhead %.1f MiB" \
            % (hwm / 1024, limit_kib / 1024)
        # A few hostile clients slow themselves, not everyone: the healthy producer delivered
        # every record while they held the cap (produce_timed asserts it, within its deadline).
        # How much of its throughput it kept is a timing figure on a shared machine: printed
        # above, never gated (a floor of 25% failed CI at 19% while ctest ran other tests).
        # The hostile frames were announced on every kind of listener and never completed;
        # nothing crashed (the context manager asserts kchaos exits 0 on SIGTERM).
        assert offered > CAP, "the hostile clients never got past the cap (%d bytes)" % offered


# ---- (b) slowloris, (c) idle ------------------------------------------------------------------

FRAME_TIMEOUT_MS = 1500
IDLE_TIMEOUT_MS = 1500


def test_slowloris_closed_by_frame_timeout(mock):
    with harness.Kchaos(mock, extra=["--frame-timeout-ms", str(FRAME_TIMEOUT_MS)]) as kc:
        body = kwire.request(3, 1, 7, kwire.i32(0))[4:] + b"\x00" * 100  # a Metadata request
        frame = struct.pack(">i", len(body)) + body
        s = socket.create_connection(("127.0.0.1", kc.port_of(1)), timeout=10)
        me = s.getsockname()
        t0 = time.monotonic()
        sent, closed_after = 0, None
        # One byte every 100 ms, size prefix included: 120 bytes would take 12 s.
        while time.monotonic() - t0 < FRAME_TIMEOUT_MS / 1000 + 8:
            try:
                s.send(frame[sent:sent + 1])
                sent += 1
            except OSError:
                closed_after = time.monotonic() - t0
                break
            if kwire.closed_by_peer(s, 0.1):
                closed_after = time.monotonic() - t0
                break
        s.close()
        assert closed_after is not None, "kchaos kept a frame arriving one byte per 100 ms open"
        assert closed_after >= FRAME_TIMEOUT_MS / 1000 * 0.9, \
            "closed after %.2f s, before the frame timeout" % closed_after
        ev = harness.wait_for(lambda: summary_of(kc, me), 10, "the slowloris connection's summary")
        print("slowloris closed after %.2f s having sent %d bytes: %s" % (closed_after, sent,
                                                                         ev["reason"]))
        assert "frame timeout" in ev["reason"], ev
        m = re.search(r"(\d+) of (\d+) bytes", ev["reason"])
        assert m, "the reason should say how much of the frame arrived: %r" % ev["reason"]
        got, total = int(m.group(1)), int(m.group(2))
        assert total in (len(body), len(frame)), ev["reason"]
        assert 0 < got < total and got <= sent, ev["reason"]


def test_idle_connection_closed_by_idle_timeout(mock):
    with harness.Kchaos(mock, extra=["--idle-timeout-ms", str(IDLE_TIMEOUT_MS)]) as kc:
        silent = socket.create_connection(("127.0.0.1", kc.port), timeout=10)
        used = socket.create_connection(("127.0.0.1", kc.port_of(2)), timeout=10)
        busy = socket.create_connection(("127.0.0.1", kc.port_of(3)), timeout=10)
        t0 = time.monotonic()
        kwire.metadata_round_trip(used, 1)  # a real client that then goes quiet
        # busy asks something every 300 ms: activity, not the connection's age, counts.
        corr = 1
        while time.monotonic() - t0 < IDLE_TIMEOUT_MS / 1000 * 2.5:
            corr += 1
            kwire.metadata_round_trip(busy, corr)
            time.sleep(0.3)  # pacing the busy client, not a wait for a condition
        for name, s in (("silent", silent), ("used", used)):
            assert kwire.closed_by_peer(s, 10), "%s idle connection still open" % name
            elapsed = time.monotonic() - t0
            ev = harness.wait_for(lambda: summary_of(kc, s.getsockname()), 10,
                                  "the %s connection's summary" % name)
            print("%s connection closed (%.1f s after start): %s" % (name, elapsed, ev["reason"]))
            assert "idle" in ev["reason"], ev
        kwire.metadata_round_trip(busy, corr + 1)  # still open after 2.5 idle timeouts
        early = [e for e in kc.conn_summaries() if e.get("duration_ms", 1e9) < IDLE_TIMEOUT_MS * 0.9
                 and "idle" in e.get("reason", "")]
        assert not early, "closed as idle before the idle timeout: %s" % early
        for s in (silent, used, busy):
            s.close()


# ---- (d) a healthy slow producer is never closed ----------------------------------------------
#
# Why the defaults cannot fire on a healthy producer:
# - --idle-timeout-ms 600000 is the broker's own connections.max.idle.ms (10 min). Clients close
#   their idle connections first (Java's connections.max.idle.ms is 9 min) and a producer with
#   traffic sends at least every linger.ms (seconds at most); metadata refreshes
#   (metadata.max.age.ms, 5 min) keep even a quiet client's connection under 10 min.
# - --frame-timeout-ms 60000 counts from a frame's first byte to its last, never across the
#   pauses between frames (linger), nor the time kchaos itself did not read (back-pressure).
#   A producer's request is at most max.request.size (1 MB by default), so 60 s fail only a
#   link slower than ~17 KB/s; a client that raises its request size towards the 100 MB frame
#   limit over a slow link must raise the timeout too.
# This test keeps the same relations with short values: frames of ~300 KB cross a 256 KiB/s
# link in ~1.2 s (frame timeout 3 s), linger.ms is 3 s (idle timeout 4.5 s).

SLOW_LINK = 256 * 1024  # bytes/s, client to kchaos
SLOW_HOST = "127.0.0.3"


class SlowLink:
    """A relay on SLOW_HOST:port for each of kchaos's ports (kchaos listens on 127.0.0.1 and
    advertises SLOW_HOST), passing client->kchaos bytes at SLOW_LINK bytes/s per connection."""

    def __init__(self, ports):
        self.servers = []
        for port in ports:
            srv = socket.socket()
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((SLOW_HOST, port))
            srv.listen(16)
            self.servers.append(srv)
            threading.Thread(target=self._accept, args=(srv, port), daemon=True).start()

    def _accept(self, srv, port):
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", port))
            threading.Thread(target=self._pump, args=(c, up, SLOW_LINK), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, c, 0), daemon=True).start()

    @staticmethod
    def _pump(src, dst, rate):
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                dst.sendall(data)
                if rate:
                    time.sleep(len(data) / rate)  # the link's pace
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        for s in self.servers:
            s.close()


def test_healthy_slow_producer_never_closed(mock):
    count, rate = 1000, 100  # 10 s of 1 KiB records
    extra = ["--frame-timeout-ms", "3000", "--idle-timeout-ms", "4500", "--advertise", SLOW_HOST]
    with harness.Kchaos(mock, extra=extra) as kc:
        link = SlowLink(kc.ports())
        try:
            t0 = time.monotonic()
            s = harness.run_client([harness.rdkafka_client(), "--bootstrap", "%s:%d" % (SLOW_HOST, kc.port),
                                    "--topic", "t2", "--prefix", "slow", "--count", str(count),
                                    "--rate", str(rate), "--linger-ms", "3000", "--acks", "all",
                                    "--value-size", "1024"], timeout=120)
            elapsed = time.monotonic() - t0
        finally:
            link.close()
        assert s["acked"] == count and not s["errors"], s
        harness.wait_for(lambda: any("Produce" in e.get("apis", {}) for e in kc.conn_summaries()),
                         10, "the producer's connection summary")
        produce_conns = [e for e in kc.conn_summaries() if "Produce" in e.get("apis", {})]
        requests = sum(sum(e["apis"]["Produce"].values()) for e in produce_conns)
        print("slow producer: %d records in %.1f s, %d Produce requests (linger 3 s), "
              "connections closed: %s" % (count, elapsed,
                                          requests, [e["reason"] for e in kc.conn_summaries()]))
        assert requests <= count // 100, "linger did not batch: %d Produce requests" % requests
        for e in produce_conns:
            assert "idle" not in e["reason"] and "frame timeout" not in e["reason"], \
                "kchaos closed a healthy producer's connection: %s" % e


# ---- (e) connection limits ---------------------------------------------------------------------

def open_from(kc, host, corr):
    s = socket.create_connection(("127.0.0.1", kc.port), timeout=10, source_address=(host, 0))
    kwire.metadata_round_trip(s, corr)
    return s


def refused_from(kc, host):
    s = socket.create_connection(("127.0.0.1", kc.port), timeout=10, source_address=(host, 0))
    closed = kwire.closed_by_peer(s, 5)
    s.close()
    return closed


def warn_lines(kc, text):
    return [e for e in kc.events() if e.get("level") == "warn" and text in e.get("msg", "")
            and (text != "--max-connections" or "--max-connections-per-host" not in e["msg"])]


def test_connection_limits_refuse_the_extra_one(mock):
    extra = ["--max-connections", "4", "--max-connections-per-host", "2"]
    with harness.Kchaos(mock, extra=extra) as kc:
        wait_quiet(kc)
        a = [open_from(kc, "127.0.0.1", i) for i in (1, 2)]
        assert refused_from(kc, "127.0.0.1"), "a third connection from one host was kept"
        harness.wait_for(lambda: warn_lines(kc, "--max-connections-per-host"), 10,
                         "a warning naming --max-connections-per-host")
        b = [open_from(kc, "127.0.0.7", i) for i in (3, 4)]  # another host: 4 in all
        assert refused_from(kc, "127.0.0.8"), "a fifth connection was kept"
        harness.wait_for(lambda: warn_lines(kc, "--max-connections"), 10,
                         "a warning naming --max-connections")
        for i, s in enumerate(a + b):  # the ones already in keep working
            kwire.metadata_round_trip(s, 10 + i)
        # The limits count open connections: one closes, another host gets in.
        gone = a[0].getsockname()
        a[0].close()
        harness.wait_for(lambda: summary_of(kc, gone), 10, "kchaos to see the closed connection")
        c = open_from(kc, "127.0.0.8", 20)
        for s in a[1:] + b + [c]:
            s.close()
        print("warnings:", [e["msg"] for e in warn_lines(kc, "--max-connections")] +
              [e["msg"] for e in warn_lines(kc, "--max-connections-per-host")])


# ---- (f) requests in flight ---------------------------------------------------------------------

INFLIGHT = 4
PIPELINED = 40


class HoldingBroker:
    """A scripted broker that holds every Fetch until the test releases it, and counts how many
    it holds at most: what kchaos lets through to one connection at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held, self.received, self.answered, self.max_outstanding = [], 0, 0, 0
        self.fake = kwire.FakeBroker([(1, 0, 11), (3, 0, 8), (18, 0, 3)], on_request=self._on)
        self.bootstrap = "127.0.0.1:%d" % self.fake.port
        self.brokers = {0: ("127.0.0.1", self.fake.port)}

    def _on(self, conn, key, ver, corr, msg):
        with self.lock:
            self.held.append((conn, corr))
            self.received += 1
            self.max_outstanding = max(self.max_outstanding, self.received - self.answered)

    def release_one(self):
        with self.lock:
            if not self.held:
                return False
            conn, corr = self.held.pop(0)
            self.answered += 1
        # Fetch v4 response: throttle_time_ms, no topics.
        conn.sendall(kwire.frame(kwire.i32(corr) + kwire.i32(0) + kwire.i32(0)))
        return True


class HoldingCluster(harness.Cluster):
    node_id_base = 0

    def __init__(self, broker):
        self.bootstrap, self.brokers = broker.bootstrap, broker.brokers


def test_max_inflight_is_back_pressure_not_an_error():
    broker = HoldingBroker()
    try:
        with harness.Kchaos(HoldingCluster(broker), extra=["--max-inflight", str(INFLIGHT)]) as kc:
            s = socket.create_connection(("127.0.0.1", kc.port_of(0)), timeout=30)
            s.sendall(b"".join(kwire.fetch_request_v4(i, "t", 0, 0) for i in range(PIPELINED)))
            harness.wait_for(lambda: broker.received >= INFLIGHT, 10,
                             "%d requests to reach the broker" % INFLIGHT)
            # A window in which nothing more may arrive: kchaos holds the rest back.
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                assert broker.received <= INFLIGHT, \
                    "%d requests in flight, limit %d" % (broker.received, INFLIGHT)
                time.sleep(0.02)
            # Answer one at a time: each answer lets one more request through, never more.
            for _ in range(PIPELINED):
                harness.wait_for(broker.release_one, 10, "a request held by the broker")
            for i in range(PIPELINED):
                assert kwire.Reader(kwire.recv_frame(s)).i32() == i, "answer %d out of order" % i
            s.close()
            print("max %d requests in flight at the broker (limit %d), %d answered in order"
                  % (broker.max_outstanding, INFLIGHT, PIPELINED))
            assert 2 <= broker.max_outstanding <= INFLIGHT, broker.max_outstanding
            harness.wait_for(lambda: kc.conn_summaries(), 10, "the connection's summary")
            for e in kc.conn_summaries():
                assert e["reason"].startswith("client closed"), e
    finally:
        broker.fake.close()
