"""contract: what the Python test clients share of the test-client contract
(tests/clients/README.md): the command line, the records, --rate pacing, the consumer's
bookkeeping (duplicates, missing, out_of_order), the errors and the summary line.

Used by confluent_client.py and kafka_python_client.py (this directory) and by
../kcat_client.py, under Debian's python3 and the venv alike: standard library only.
"""
import argparse
import json
import sys
import time

NO_COUNTS = (0, 0, 0, 0)  # consumed, duplicates, missing, out_of_order


def logger(name):
    """log(msg): one line on stderr, "name: msg"."""
    def log(msg):
        sys.stderr.write("%s: %s\n" % (name, msg))
        sys.stderr.flush()
    return log


def parse_args(doc):
    """The contract's command line; the description is doc's first line."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--acks", choices=["all", "1", "0", "-1"])
    ap.add_argument("--idempotent", action="store_true")
    ap.add_argument("--compression", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    ap.add_argument("--max-in-flight", type=int)
    ap.add_argument("--linger-ms", type=int)
    ap.add_argument("--consume", action="store_true")
    ap.add_argument("--group")
    ap.add_argument("--rate", type=float)
    ap.add_argument("--value-size", type=int)
    ap.add_argument("--transactional-id")
    # TLS and SASL (as rdkafka_client): --ssl-ca verifies the broker (host name included),
    # --ssl-cert/--ssl-key present a client certificate, --sasl-mechanism with --sasl-user and
    # --sasl-password log in; the security protocol follows from which are given.
    ap.add_argument("--ssl-ca")
    ap.add_argument("--ssl-cert")
    ap.add_argument("--ssl-key")
    ap.add_argument("--sasl-mechanism", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    ap.add_argument("--sasl-user")
    ap.add_argument("--sasl-password")
    return ap.parse_args()


def security_protocol(a):
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, from the TLS and SASL options given."""
    tls = bool(a.ssl_ca or a.ssl_cert or a.ssl_key)
    if a.sasl_mechanism:
        return "SASL_SSL" if tls else "SASL_PLAINTEXT"
    return "SSL" if tls else "PLAINTEXT"


def librdkafka_security(a):
    """The TLS and SASL options as librdkafka properties (confluent-kafka, kcat)."""
    cfg = {}
    proto = security_protocol(a)
    if proto != "PLAINTEXT":
        cfg["security.protocol"] = proto.lower()
    for opt, prop in (("ssl_ca", "ssl.ca.location"), ("ssl_cert", "ssl.certificate.location"),
                      ("ssl_key", "ssl.key.location"), ("sasl_mechanism", "sasl.mechanisms"),
                      ("sasl_user", "sasl.username"), ("sasl_password", "sasl.password")):
        if getattr(a, opt):
            cfg[prop] = getattr(a, opt)
    return cfg


def group(a):
    """The consumer group: --group, or P-group."""
    return a.group or "%s-group" % a.prefix


def record(a, i, encode=False):
    """Record i: key "P-i" and value "P-i-v", padded with x to --value-size (counted in bytes
    when encode, then both come back as bytes)."""
    key = "%s-%d" % (a.prefix, i)
    value = key + "-v"
    if encode:
        key, value = key.encode(), value.encode()
    if a.value_size and a.value_size > len(value):
        value += (b"x" if encode else "x") * (a.value_size - len(value))
    return key, value


def ahead(rate, i, t0):
    """How long record i must still wait at `rate` records/s (i/rate seconds after t0, a
    time.monotonic()); 0 or less: it is due. No rate: never waits."""
    if not rate:
        return 0
    return i / rate - (time.monotonic() - t0)


def log_produced(log, what, count, elapsed, acked, more=""):
    """The producer's line on stderr: "<what> N records in S s (R records/s), A acked<more>"."""
    log("%s %d records in %.2fs (%.0f records/s), %d acked%s" % (
        what, count, elapsed, count / elapsed if elapsed > 0 else 0, acked, more))


class State:
    """What the summary reports of the run: acked, errors (the first 8 distinct ones, each
    cut to 200 characters) and brokers_seen."""

    def __init__(self):
        self.acked = 0
        self.errors = []
        self.brokers = set()

    def describe(self, e):
        return "%s: %s" % (type(e).__name__, e) if isinstance(e, BaseException) else str(e)

    def error(self, e):
        text = self.describe(e)[:200]
        if text not in self.errors and len(self.errors) < 8:
            self.errors.append(text)


class Tally:
    """The consumer's bookkeeping over the keys P-<i> read back: bytes keys (binary) or str."""

    def __init__(self, a, binary=True):
        self.count = a.count
        self.pfx = (a.prefix + "-").encode() if binary else a.prefix + "-"
        self.seen = [0] * a.count
        self.last = {}
        self.consumed = self.dups = self.ooo = self.distinct = 0

    @property
    def complete(self):
        """Every key has been seen."""
        return self.distinct >= self.count

    def add(self, key, partition):
        """Count a record read from partition (no key: None)."""
        k = key or self.pfx[:0]
        if not k.startswith(self.pfx):
            return
        try:
            i = int(k[len(self.pfx):])
        except ValueError:
            return
        self.consumed += 1
        if 0 <= i < self.count:
            if self.seen[i]:
                self.dups += 1
            else:
                self.distinct += 1
            self.seen[i] += 1
            if i < self.last.get(partition, -1):
                self.ooo += 1
            self.last[partition] = i

    def counts(self):
        """(consumed, duplicates, missing, out_of_order)"""
        return self.consumed, self.dups, self.seen.count(0), self.ooo


def summary(a, st, counts, head, tail=None):
    """The summary line's fields: head (client, version, ...), the contract's, then tail."""
    consumed, dups, missing, ooo = counts
    out = dict(head)
    out.update([("produced", a.count), ("acked", st.acked), ("consumed", consumed),
                ("duplicates", dups), ("missing", missing), ("out_of_order", ooo),
                ("brokers_seen", sorted(st.brokers)), ("errors", st.errors)])
    out.update(tail or {})
    return out


def run(a, st, log, produce, consume, head):
    """Produce, then (--consume) read back, then print the summary; exit status 0 once it ran.
    A producer or consumer that fails is an error in the summary (its records missing)."""
    try:
        produce(a, st)
    except Exception as e:  # noqa: BLE001 - e.g. no broker answered
        log("producer failed: %r" % e)
        st.error(e)
        print(json.dumps(summary(a, st, (0, 0, a.count if a.consume else 0, 0), head)))
        return 0  # it ran: the summary says what failed, the test judges
    counts = NO_COUNTS
    if a.consume:
        try:
            counts = consume(a, st, bool(a.transactional_id))
        except Exception as e:  # noqa: BLE001
            log("consumer failed: %r" % e)
            st.error(e)
            counts = (0, 0, a.count, 0)
    print(json.dumps(summary(a, st, counts, head)))
    return 0
