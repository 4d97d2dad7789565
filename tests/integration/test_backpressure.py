"""Back-pressure: a client that pipelines requests and never reads the answers makes kchaos
stop reading from the broker once the client's queue is full, so kchaos's memory stays bounded
whatever the peers do; once the client reads, every answer arrives, in order."""
import socket

import harness
import kwire

RECORDS = 4000  # 1 KiB each, in large batches: within the mock's 5 MiB retention
FETCHES = 150   # ~1 MiB answer each: 150 MiB if kchaos buffered them all


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def test_slow_reader_bounds_memory(mock, kchaos):
    mock.ctl("set-leader t2 0 2")
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kchaos.bootstrap, "--topic",
                            "t2", "--prefix", "bp", "--count", str(RECORDS), "--acks", "1",
                            "--linger-ms", "200", "--value-size", "1024"],
                           env={})
    assert s["acked"] == RECORDS
    base = rss_kib(kchaos.proc.pid)
    c = socket.create_connection(("127.0.0.1", kchaos.port_of(2)), timeout=30)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.sendall(b"".join(kwire.fetch_request_v4(i, "t2", 0, 0) for i in range(FETCHES)))
    harness.wait_for(lambda: "reading from the broker paused" in kchaos.log_text(), 30,
                     "kchaos to stop reading from the broker")
    grown = rss_kib(kchaos.proc.pid) - base
    assert grown < 48 * 1024, "kchaos grew by %d KiB for one slow reader" % grown
    # Now read: every answer comes, in order, and reading from the broker resumed.
    total = 0
    for i in range(FETCHES):
        msg = kwire.recv_frame(c)
        assert kwire.Reader(msg).i32() == i
        total += len(msg)
    print("fetched %d bytes in %d answers; kchaos grew %d KiB" % (total, FETCHES, grown))
    assert total > FETCHES * 512 * 1024, "answers were not the large ones asked for"
    assert "reading from the broker resumed" in kchaos.log_text()
    c.close()
