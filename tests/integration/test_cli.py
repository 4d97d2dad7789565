"""`kchaos top` and `kchaos health` against a kchaos with producers running on the mock
cluster (label mock).

- top's live view in a real pseudo-terminal: tmux, a fixed 80x24 window, its screen read back
  with `capture-pane -p`: a row per producer with its figures (records/s near the rate the
  producer was given, its risk flag); sort keys reorder the rows; q and Ctrl-C end it with the
  shell back and exit 0.
- top with stdout a pipe prints the plain table every interval; --once prints one and exits 0;
  an admin port with nothing behind it gives exit 1 and says why.
- health: 0 for healthy producers, 1 for a warning (a latency threshold below what is measured),
  2 for a delivery failure (the mock answers every Produce with TOPIC_AUTHORIZATION_FAILED, which
  no client retries), 3 when the admin port is closed; --json for machines.
- both carry --admin-token, and say so when it is missing.
"""
import json
import os
import re
import shutil
import subprocess
import time

import pytest

import harness
import kcmetrics

TOPIC = "cli"
FAST, SLOW = "cli-fast", "cli-acks1"
FAST_RATE, SLOW_RATE = 600, 150
RUN_S = 40  # longer than this file's tests take; stopped at the end either way


@pytest.fixture(scope="module")
def world():
    """Two producers through one kchaos, running for the whole module: (admin port, kchaos)."""
    with harness.MockCluster(brokers=3, topics=["%s:3" % TOPIC]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args, log_level="info") as kc:
            base = [harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic", TOPIC,
                    "--allowed-ports", kc.allowed_ports_arg(), "--linger-ms", "5"]
            procs = [
                subprocess.Popen(base + ["--client-id", FAST, "--prefix", FAST, "--idempotent",
                                         "--rate", str(FAST_RATE), "--count",
                                         str(FAST_RATE * RUN_S)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                subprocess.Popen(base + ["--client-id", SLOW, "--prefix", SLOW, "--acks", "1",
                                         "--max-in-flight", "1", "--rate", str(SLOW_RATE),
                                         "--count", str(SLOW_RATE * RUN_S)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            ]
            try:
                harness.wait_for(lambda: {c["client_id"] for c in kcmetrics.clients(admin)[
                    "clients"] if c["records"] > 0} == {FAST, SLOW}, 20, "both producers seen")
                yield admin, kc
            finally:
                for p in procs:
                    p.terminate()
                    p.wait(10)


def kchaos(*args, timeout=20):
    return harness.kchaos_cli(*args, timeout=timeout)


def addr(port):
    return "127.0.0.1:%d" % port


# ---- top in a terminal ----

class Tmux:
    """A tmux server of its own (-L) with one 80x24 window running a plain shell."""

    def __init__(self):
        if not shutil.which("tmux"):
            pytest.fail("tmux is missing: ./dev.sh deps installs it")
        self.sock = "kchaos-cli-%d" % os.getpid()
        self.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "top",
                 "env -i PATH=/usr/bin:/bin TERM=screen LANG=C.UTF-8 PS1='$ ' sh")

    def run(self, *args):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), capture_output=True,
                              text=True, timeout=10, check=True).stdout

    def keys(self, *keys):
        self.run("send-keys", "-t", "top", *keys)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "top")

    def wait_screen(self, cond, what, timeout=15):
        last = [""]

        def check():
            last[0] = self.screen()
            return cond(last[0])
        try:
            harness.wait_for(check, timeout, what, interval=0.1)
        except AssertionError:
            raise AssertionError("%s; the screen:\n%s" % (what, last[0]))
        return last[0]

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


ROW = re.compile(r"^(\S+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\S?\s+([\d.]+)\S?\s+"
                 r"([\d.]+)\S?\s+([\d.]+)\S?\s+(\S+)\s*$")


def rows(screen):
    """{client id: (host, rec/s, MB/s, p50, p99, throttle, err/s, rty/s, risk)}, in screen order."""
    out = {}
    for line in screen.splitlines():
        m = ROW.match(line)
        if m and m.group(1) != "CLIENT":
            g = m.groups()
            out[g[0]] = (g[1],) + tuple(float(x) for x in g[2:9]) + (g[9],)
    return out


def live_rates(screen):
    r = rows(screen)
    return FAST in r and SLOW in r and r[FAST][1] > 0 and r[SLOW][1] > 0


def test_top_live_view_in_tmux(world):
    admin, _ = world
    t = Tmux()
    try:
        t.keys("%s top --admin %s --interval-ms 500; echo TOP_EXIT=$?" % (harness.KCHAOS_BIN,
                                                                        addr(admin)), "Enter")
        screen = t.wait_screen(lambda s: "kchaos top" in s and live_rates(s),
                               "both producers' rows with live rates")
        lines = screen.splitlines()
        assert all(len(l) <= 80 for l in lines), screen
        assert lines[1].startswith("CLIENT") and "P99ms" in lines[1], screen
        r = rows(screen)
        for cid, rate in ((FAST, FAST_RATE), (SLOW, SLOW_RATE)):
            host, rps, mbps, p50, p99, thr, eps, rty, risk = r[cid]
            assert host == "127.0.0.1", r[cid]
            # the producer's own pace, read over top's half-second refresh
            assert rate * 0.4 <= rps <= rate * 2.0, (cid, rps, screen)
            assert 0 <= p50 <= p99 < 1000, r[cid]
            assert thr == 0 and eps == 0, r[cid]
        assert r[SLOW][8] == "A1", screen  # acks=1, abbreviated; the legend spells it out
        assert "A1 acks_1" in screen, screen
        # records/s, highest first: the fast producer on top
        assert list(rows(screen))[:2] == [FAST, SLOW], screen

        t.keys("c")  # by client id: cli-acks1 < cli-fast
        screen = t.wait_screen(lambda s: "sort client" in s and list(rows(s))[:2] == [SLOW, FAST],
                               "rows by client id after 'c'")
        t.keys("Left")  # from client, wrapping to the last column (risk): acks1 has a flag
        screen = t.wait_screen(lambda s: "sort risk" in s and list(rows(s))[:2] == [SLOW, FAST],
                               "rows by risk after Left")
        t.keys("r")
        t.wait_screen(lambda s: "sort records" in s and list(rows(s))[:2] == [FAST, SLOW],
                      "rows by records/s after 'r'")

        t.keys("/")
        t.wait_screen(lambda s: "filter (glob" in s, "the filter prompt")
        t.keys("*acks*", "Enter")
        screen = t.wait_screen(lambda s: "filter *acks*" in s and list(rows(s)) == [SLOW],
                               "only the filtered client")
        assert "1 of 2 clients" in screen, screen

        t.keys("q")
        screen = t.wait_screen(lambda s: "TOP_EXIT=0" in s, "top to exit 0 on q")
        assert "CLIENT" not in screen and "clients  sort" not in screen, \
            "the view is still on screen:\n" + screen
        assert screen.rstrip().endswith("$"), "no shell prompt after top:\n" + screen

        t.keys("clear; %s top --admin %s; echo TOP_EXIT=$?" % (harness.KCHAOS_BIN, addr(admin)),
               "Enter")
        t.wait_screen(lambda s: "kchaos top" in s and FAST in s, "top again")
        t.keys("C-c")
        screen = t.wait_screen(lambda s: "TOP_EXIT=0" in s, "top to exit 0 on Ctrl-C")
        assert "CLIENT" not in screen, screen
    finally:
        t.close()


# ---- top without a terminal ----

def test_top_plain_table_when_not_a_terminal(world):
    admin, _ = world
    r = kchaos("top", "--admin", addr(admin), "--once", "--sort", "client", "--interval-ms", 300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("kchaos top  %s  2 of 2 clients  sort client" % addr(admin)), r.stdout
    assert lines[1].startswith("CLIENT"), r.stdout
    assert list(rows(r.stdout)) == [SLOW, FAST], r.stdout
    # rates over the interval, even for producers younger than kchaos's own 10 s rate window
    assert all(row[1] > 0 for row in rows(r.stdout).values()), r.stdout

    # no --once: a table every interval, as long as it runs
    p = subprocess.Popen([harness.KCHAOS_BIN, "top", "--admin", addr(admin), "--interval-ms",
                          "200"], stdout=subprocess.PIPE, text=True)
    try:
        got = []
        deadline = time.monotonic() + 10
        while sum(l.startswith("CLIENT") for l in got) < 3 and time.monotonic() < deadline:
            got.append(p.stdout.readline())
        assert sum(l.startswith("CLIENT") for l in got) >= 3, "".join(got)
        assert FAST in "".join(got) and SLOW in "".join(got)
    finally:
        p.terminate()
        assert p.wait(5) == 0


def test_top_admin_unreachable():
    r = kchaos("top", "--admin", "127.0.0.1:%d" % harness.free_port_block(1), "--once")
    assert r.returncode == 1, r
    assert "cannot read the admin API" in r.stderr and "onnect" in r.stderr, r.stderr


# ---- health ----

def test_health_ok_and_warning(world):
    admin, _ = world
    r = kchaos("health", "--admin", addr(admin))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK: 2 clients: 0 critical, 0 warning, 2 ok"), r.stdout
    assert re.search(r"^OK +%s@127\.0\.0\.1: \d+ records" % FAST, r.stdout, re.M), r.stdout

    r = kchaos("health", "--admin", addr(admin), "--max-latency-ms", "0", "--client", SLOW)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.startswith("WARNING: 1 client: 0 critical, 1 warning, 0 ok"), r.stdout
    assert re.search(r"^WARNING +%s@127\.0\.0\.1: latency mean [\d.]+ ms > 0 ms" % SLOW,
                     r.stdout, re.M), r.stdout

    r = kchaos("health", "--admin", addr(admin), "--max-latency-ms", "0", "--json")
    assert r.returncode == 1
    got = {c["client_id"]: c for c in json.loads(r.stdout)}
    assert set(got) == {FAST, SLOW}
    assert all(c["verdict"] == "WARNING" and c["code"] == 1 for c in got.values()), got

    r = kchaos("health", "--admin", addr(admin), "--client", "nobody-*")
    assert r.returncode == 3 and "no client matches" in r.stdout, r.stdout


def test_health_admin_unreachable():
    r = kchaos("health", "--admin", "127.0.0.1:%d" % harness.free_port_block(1))
    assert r.returncode == 3, r
    assert r.stdout.startswith("UNKNOWN: ") and "onnect" in r.stdout, r.stdout


def test_health_delivery_failure():
    """Every Produce answered TOPIC_AUTHORIZATION_FAILED: not retriable, the records fail."""
    with harness.MockCluster(brokers=1, topics=["denied:1"]) as mock:
        admin, args = kcmetrics.admin_args()
        with harness.Kchaos(mock, extra=args, log_level="info") as kc:
            mock.ctl("push-errors 0 %s" % ",".join(["29"] * 20))
            p = subprocess.run([harness.rdkafka_client(), "--bootstrap", kc.bootstrap, "--topic",
                                "denied", "--prefix", "d", "--count", "5", "--client-id",
                                "cli-denied", "--allowed-ports", kc.allowed_ports_arg()],
                               capture_output=True, text=True, timeout=60)
            assert '"acked": 5' not in p.stdout, p.stdout
            harness.wait_for(lambda: any(c["requests"]["fatal"] or c.get("delivery_failures")
                                         for c in kcmetrics.clients(admin)["clients"]), 10,
                             "kchaos to count the failure")
            r = kchaos("health", "--admin", addr(admin))
            assert r.returncode == 2, r.stdout + r.stderr
            assert r.stdout.startswith("CRITICAL: 1 client: 1 critical"), r.stdout
            assert re.search(r"^CRITICAL cli-denied@127\.0\.0\.1: \d+ (delivery failures?|requests? "
                             r"failed with a non-retriable error)", r.stdout, re.M), r.stdout


def test_admin_token(tmp_path):
    """Both tools carry --admin-token; without it they say so. No producer yet: health UNKNOWN."""
    tok = tmp_path / "token"
    tok.write_text("s3cret-cli\n")
    with harness.MockCluster(brokers=1, topics=["t:1"]) as mock:
        admin = harness.free_port_block(1)
        with harness.Kchaos(mock, extra=["--admin", addr(admin), "--admin-token", str(tok)],
                            log_level="info"):
            r = kchaos("health", "--admin", addr(admin))
            assert r.returncode == 3 and "HTTP 401 (check --admin-token)" in r.stdout, r.stdout
            r = kchaos("health", "--admin", addr(admin), "--admin-token", tok)
            assert r.returncode == 3 and r.stdout == "UNKNOWN: no client data yet\n", r.stdout
            r = kchaos("top", "--admin", addr(admin), "--admin-token", tok, "--once",
                       "--interval-ms", 100)
            assert r.returncode == 0 and "0 of 0 clients" in r.stdout, r.stdout + r.stderr
            r = kchaos("top", "--admin", addr(admin), "--once")
            assert r.returncode == 1 and "401" in r.stderr, r.stderr
