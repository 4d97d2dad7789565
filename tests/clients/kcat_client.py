#!/usr/bin/python3
"""kcat_client: the test-client contract (tests/clients/README.md) carried out by the kcat CLI.

Drives Debian's kcat 1.7.1 (librdkafka 2.0.2) as a user would: `kcat -P -K:` fed key:value
lines on stdin, `kcat -G GROUP -e -f ...` to read them back in a fresh group, `kcat -L -J` for
the broker list. Standard library only.

What kcat tells on stderr is what this reads:
  * `-vvv`: a "Message delivered ..." or "Delivery failed ..." line per record (acked, errors);
  * `-d metadata`: every broker in every Metadata response the producer and consumer got
    (brokers_seen, together with `kcat -L -J`);
  * `-d msg`: one "Produce MessageSet ... (N bytes, ApiVersion V, MsgVersion M, ..., CODEC)" line
    per batch, so the summary says which codec librdkafka really used ("batches": codec -> count)
    and which Produce versions: librdkafka quietly sends uncompressed when it thinks the broker
    cannot take compression (or when a batch does not shrink), which the tests must see.

Options kcat has no switch for are set with -X (librdkafka properties), the TLS and SASL ones
(--ssl-ca, --ssl-cert, --ssl-key, --sasl-mechanism, --sasl-user, --sasl-password) among them; --compression maps to
-z. Unset options are librdkafka's defaults. kcat cannot commit a transaction every 100
records (it wraps all of its input in one), so --transactional-id exits 2.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import contract  # noqa: E402 - tests/clients/python/contract.py

KCAT = os.environ.get("KCAT", "kcat")

DELIVERED = re.compile(r"^% Message delivered to partition (-?\d+)")
FAILED = re.compile(r"^% Delivery failed for message: (.*)$")
BROKER = re.compile(r"Broker #\d+/\d+: (\S+):(\d+) NodeId (-?\d+)")
PRODUCE = re.compile(r"Produce MessageSet with (\d+) message\(s\) \((\d+) bytes, ApiVersion (\d+), "
                     r"MsgVersion (\d+),.*, (\w+)\)\s*$")
ERROR = re.compile(r"^% ERROR: (.*)$")


log = contract.logger("kcat_client")


class State(contract.State):
    def __init__(self):
        super().__init__()
        self.batches = {}          # codec -> batches
        self.produce_versions = set()

    def scan(self, text):
        """What a kcat run said on stderr (also copied to ours, for the test's log)."""
        for line in text.splitlines():
            m = BROKER.search(line)
            if m:
                self.brokers.add("%s:%s" % (m.group(1), m.group(2)))
                continue
            m = PRODUCE.search(line)
            if m:
                self.batches[m.group(5)] = self.batches.get(m.group(5), 0) + 1
                self.produce_versions.add(int(m.group(3)))
                continue
            if DELIVERED.match(line):
                self.acked += 1
                continue
            m = FAILED.match(line) or ERROR.match(line)
            if m:
                self.error(m.group(1))


def version():
    try:
        out = subprocess.run([KCAT, "-V"], capture_output=True, text=True, timeout=10)
    except OSError as e:
        log("cannot run %s: %s" % (KCAT, e))
        sys.exit(1)
    m = re.search(r"Version (\S+)(?: \(.*librdkafka (\S+))?", out.stdout + out.stderr)
    return (m.group(1), m.group(2)) if m else ("unknown", None)


def common(a):
    out = ["-b", a.bootstrap, "-X", "client.id=kchaos-test-kcat"]
    for prop, value in contract.librdkafka_security(a).items():
        out += ["-X", "%s=%s" % (prop, value)]
    return out


def run_logged(args, stdin_lines=None, rate=None, timeout=300):
    """Run kcat with stderr to a file (no pipe to fill); feed stdin lines, at `rate` lines/s
    when given. Returns (returncode, stdout, stderr)."""
    with tempfile.TemporaryFile("w+") as err, tempfile.TemporaryFile("w+") as out:
        p = subprocess.Popen([KCAT] + args, stdin=subprocess.PIPE if stdin_lines is not None
                             else subprocess.DEVNULL, stdout=out, stderr=err, text=True)
        try:
            if stdin_lines is not None:
                t0 = time.monotonic()
                for i, line in enumerate(stdin_lines):
                    wait = contract.ahead(rate, i, t0)
                    if wait > 0:
                        time.sleep(wait)
                    p.stdin.write(line)
                    if rate:
                        p.stdin.flush()
                p.stdin.close()
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = -9
        except BrokenPipeError:  # kcat died early; its stderr says why
            rc = p.wait(timeout)
        err.seek(0)
        out.seek(0)
        return rc, out.read(), err.read()


def produce(a, st):
    args = ["-P", "-t", a.topic, "-K", ":", "-vvv", "-d", "msg,metadata"] + common(a)
    if a.compression is not None:
        args += ["-z", a.compression]
    if a.acks is not None:
        args += ["-X", "acks=%s" % a.acks]
    if a.idempotent:
        args += ["-X", "enable.idempotence=true"]
    if a.max_in_flight is not None:
        args += ["-X", "max.in.flight=%d" % a.max_in_flight]
    if a.linger_ms is not None:
        args += ["-X", "linger.ms=%d" % a.linger_ms]

    def lines():
        for i in range(a.count):
            yield "%s:%s\n" % contract.record(a, i)

    t0 = time.monotonic()
    rc, _, err = run_logged(args, lines(), a.rate)
    elapsed = time.monotonic() - t0
    st.scan(err)
    sys.stderr.write("".join(l + "\n" for l in err.splitlines()
                             if not DELIVERED.match(l) and "MessageSet" not in l))
    if rc != 0:
        st.error("kcat -P exited with %d" % rc)
    contract.log_produced(log, "kcat -P:", a.count, elapsed, st.acked, ", batches %s, Produce v%s" % (
        st.batches, sorted(st.produce_versions)))


def list_brokers(a, st):
    rc, out, err = run_logged(["-L", "-J"] + common(a), timeout=60)
    if rc != 0:
        log("kcat -L -J exited with %d: %s" % (rc, err.strip()))
        return
    try:
        md = json.loads(out)
    except ValueError:
        log("kcat -L -J printed no JSON: %r" % out[:300])
        return
    for b in md.get("brokers", []):
        st.brokers.add(b["name"])


def consume(a, st):
    group = contract.group(a)
    fmt = "%p\\t%k\\n"
    tally = contract.Tally(a, binary=False)
    deadline = time.monotonic() + 60
    passes = 0
    # -e ends a pass once every assigned partition is at its end; a pass that ends early (or a
    # rebalance) leaves keys unseen, so run again in the same group until all are, or 60 s.
    while not tally.complete and time.monotonic() < deadline:
        passes += 1
        args = ["-G", group, "-e", "-q", "-d", "metadata", "-f", fmt,
                "-X", "auto.offset.reset=earliest"] + common(a) + [a.topic]
        rc, out, err = run_logged(args, timeout=max(5, deadline - time.monotonic() + 5))
        st.scan(err)
        sys.stderr.write("".join(l + "\n" for l in err.splitlines() if "Broker #" not in l))
        if rc != 0:
            st.error("kcat -G exited with %d" % rc)
            time.sleep(0.5)
        for line in out.splitlines():
            part, _, key = line.partition("\t")
            tally.add(key, part)
    log("kcat -G: %d records in %d pass(es)" % (tally.consumed, passes))
    return tally.counts()


def main():
    a = contract.parse_args(__doc__)
    if a.transactional_id:
        log("kcat cannot commit every 100 records: it wraps all of its input in one transaction")
        return 2
    if ":" in a.prefix:
        log("the prefix must not hold ':', kcat's key delimiter here")
        return 2
    if not shutil.which(KCAT):
        log("%s is not installed" % KCAT)
        return 1
    kcat_version, librdkafka = version()
    st = State()
    produce(a, st)
    counts = consume(a, st) if a.consume else contract.NO_COUNTS
    list_brokers(a, st)
    print(json.dumps(contract.summary(
        a, st, counts, {"client": "kcat", "version": kcat_version, "librdkafka": librdkafka},
        {"batches": st.batches, "produce_versions": sorted(st.produce_versions)})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
