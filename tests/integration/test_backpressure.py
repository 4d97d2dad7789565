"""Back-pressure, both ways: a slow reader on one side makes kchaos stop reading the other, so
kchaos's memory stays near its watermarks (4 MiB high / 1 MiB low per direction) plus one
frame, whatever the peers do; once the slow side reads, everything arrives, in order.

kchaos runs with --max-frame-bytes 1.5 MiB. The memory oracle is the kernel's: kchaos's peak
resident set (VmHWM) above its resident set right after start-up. The bound is the high
watermark + the frame limit + 2 MiB of overhead (allocator slack, the framer's partial frame
chunks, libuv and the log), far below what buffering would take (150 MiB and 64 MiB here)."""
import socket
import threading

import harness
import kwire

MIB = 1 << 20
FRAME = 3 * MIB // 2
HIGH = 4 * MIB
OVERHEAD = 2 * MIB
BOUND = HIGH + FRAME + OVERHEAD
RECORDS = 4000  # 1 KiB each: within the mock's 5 MiB retention
FETCHES = 150   # ~1 MiB answer each: 150 MiB if kchaos buffered them all


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))


def test_slow_client_bounds_memory(mock):
    with harness.Kchaos(mock, extra=["--max-frame-bytes", str(FRAME)]) as kc:
        base = status_kib(kc.proc.pid, "VmRSS")
        mock.ctl("set-leader t2 0 2")
        s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic",
                                "t2", "--prefix", "bp", "--count", str(RECORDS), "--acks", "1",
                                "--linger-ms", "50", "--value-size", "1024"])
        assert s["acked"] == RECORDS
        c = socket.create_connection(("127.0.0.1", kc.port_of(2)), timeout=30)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        c.sendall(b"".join(kwire.fetch_request_v4(i, "t2", 0, 0) for i in range(FETCHES)))
        harness.wait_for(lambda: "reading from the broker paused" in kc.log_text(), 30,
                         "kchaos to stop reading from the broker")
        # Now read: every answer comes, in order.
        total = 0
        for i in range(FETCHES):
            msg = kwire.recv_frame(c)
            assert kwire.Reader(msg).i32() == i
            total += len(msg)
        c.close()
        peak = (status_kib(kc.proc.pid, "VmHWM") - base) * 1024
    print("fetched %d bytes in %d answers; kchaos peaked %.1f MiB above start (bound %.1f MiB)"
          % (total, FETCHES, peak / MIB, BOUND / MIB))
    assert total > FETCHES * 768 * 1024, "answers were not the large ones asked for"
    assert peak < BOUND, "kchaos peaked %.1f MiB above start for one slow reader" % (peak / MIB)



def test_slow_broker_bounds_memory():
    """A scripted broker that stops reading (it blocks on the first Produce until let go): kchaos
    queues up to its high watermark for the broker, then stops reading the client, whose sends
    then block; once the broker reads again every request reaches it in order and every answer
    reaches the client."""
    gate = threading.Event()
    seen = []

    def slow(conn, key, ver, corr, msg):
        if key != 0:
            conn.close()
            return
        gate.wait(60)  # not reading: the socket's buffers, then kchaos's queue, fill up
        seen.append(corr)
        conn.sendall(kwire.produce_response_v7(corr, "slow", 0, base_offset=corr))

    broker = kwire.FakeBroker([(0, 0, 7), (3, 0, 8), (18, 0, 2)], on_request=slow)
    value = b"x" * (512 * 1024)
    n = 128  # 64 MiB of requests
    try:
        with harness.Kchaos(harness.ScriptedCluster(broker), extra=["--max-frame-bytes", str(FRAME)]) as kc:
            base = status_kib(kc.proc.pid, "VmRSS")
            c = socket.create_connection(("127.0.0.1", kc.port_of(0)), timeout=60)
            sent = [0]

            def send():
                for i in range(n):
                    c.sendall(kwire.produce_request_v7(i, "slow", 0, kwire.record_batch(b"k", value)))
                    sent[0] = i + 1
            t = threading.Thread(target=send, daemon=True)
            t.start()
            harness.wait_for(lambda: "reading from the client paused" in kc.log_text(), 30,
                             "kchaos to stop reading from the client")
            stuck = sent[0]
            assert stuck < n, "the client sent everything while the broker read nothing"
            peak = (status_kib(kc.proc.pid, "VmHWM") - base) * 1024
            gate.set()
            for i in range(n):
                r = kwire.Reader(kwire.recv_frame(c))
                assert r.i32() == i
            t.join(30)
            c.close()
    finally:
        gate.set()
        broker.close()
    assert seen == list(range(n)), "the broker got the requests out of order or not all"
    print("client blocked after %d of %d requests; kchaos peaked %.1f MiB above start (bound %.1f)"
          % (stuck, n, peak / MIB, BOUND / MIB))
    assert peak < BOUND, "kchaos peaked %.1f MiB above start for one slow broker" % (peak / MIB)
