"""Real incidents on a real three-broker Kafka 4.4 cluster, with idempotent producers (Java,
franz-go, confluent-kafka; acks=all) running through kchaos the whole time:

- every partition's leader moves twice, the way an operator moves it;
- the leader's broker stops (controlled, then uncontrolled) and comes back.

Every record must arrive exactly once and in order per partition as each client reads it back,
the brokers must hold exactly the records sent (counted by Kafka's own consumer to the end
offsets, not through kchaos), and no client may ever reach a broker directly (kernel guard).
The KIP-951 hints after a leader move are checked in the bytes a client receives:
test_real_hints.py.

"Uncontrolled" is what the launcher can do with every broker in one JVM: the broker's server is
shut down without the controlled-shutdown handshake (no leadership hand-off; the controller
fences it after broker.session.timeout.ms), its sockets closed by the JVM. It is not a process
kill: logs are flushed and closed cleanly."""
import json
import os
import threading

import pytest

import clients
import harness

PRODUCERS = os.environ.get("KCHAOS_PRODUCERS", "java,franz,confluent").split(",")
RATE = 200       # records/s per producer
COUNT = 4000     # so each producer runs ~20 s


@pytest.fixture(scope="module")
def kafka():
    return harness.KafkaCluster()


def end_offsets(kafka, topic):
    return json.loads(kafka.ctl("offsets %s" % topic))


def leaders(kafka, topic):
    return {p["partition"]: p["leader"] for p in json.loads(kafka.ctl("describe %s" % topic))["partitions"]}


class Producers:
    """The producers as background processes through kchaos; results collected at the end."""

    def __init__(self, kc, topic, names=PRODUCERS):
        self.results, self.threads = {}, []
        for name in names:
            c = clients.BY_NAME[name]
            if not c.available():
                pytest.fail("%s is not installed: run ./dev.sh deps" % name)
            args = c.cmd("--bootstrap", kc.bootstrap, "--topic", topic, "--prefix", name,
                         "--count", COUNT, "--rate", RATE, "--acks", "all", "--idempotent",
                         "--consume")
            t = threading.Thread(target=self._run, args=(name, args))
            t.start()
            self.threads.append(t)

    def _run(self, name, args):
        try:
            self.results[name] = harness.run_client(args, timeout=400)
        except Exception as e:  # reported by check()
            self.results[name] = e

    def check(self, kc, guard, kafka, topic):
        for t in self.threads:
            t.join(420)
            assert not t.is_alive(), "a producer hung"
        for name, s in sorted(self.results.items()):
            assert not isinstance(s, Exception), "%s: %s" % (name, s)
            harness.assert_delivered(s, COUNT)
            harness.assert_only_kchaos(s, kc, guard)
        # Exactly once as the brokers count it, to the end offsets: a duplicate written after
        # a partition's last original record is seen here even if no consumer reads that far.
        harness.assert_broker_holds(kafka, topic, {name: COUNT for name in self.results})


def wait_progress(kafka, topic, more=300):
    """Block until the topic holds `more` records beyond what it holds now: producers are live."""
    start = sum(end_offsets(kafka, topic).values())
    harness.wait_for(lambda: sum(end_offsets(kafka, topic).values()) >= start + more, 120,
                     "%d more records in %s" % (more, topic), interval=0.5)


def test_leader_moves_twice(kafka):
    topic = kafka.new_topic("moves")
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        p = Producers(kc, topic)
        wait_progress(kafka, topic)
        for _ in range(2):
            for part, leader in sorted(leaders(kafka, topic).items()):
                target = leader % 3 + 1
                kafka.ctl("move-leader %s %d %d" % (topic, part, target))
                wait_progress(kafka, topic, 100)
        p.check(kc, guard, kafka, topic)


@pytest.mark.parametrize("mode", ["controlled", "uncontrolled"])
def test_leader_broker_stops_and_returns(kafka, mode):
    topic = kafka.new_topic("stop-" + mode)
    with harness.Kchaos(kafka) as kc, harness.DirectGuard(kafka.broker_ports()) as guard:
        p = Producers(kc, topic)
        wait_progress(kafka, topic)
        victim = leaders(kafka, topic)[0]
        kafka.ctl("stop-broker %d %s" % (victim, mode))
        try:
            # The others keep serving: records keep arriving while the broker is away.
            wait_progress(kafka, topic, 300)
        finally:
            kafka.ctl("start-broker %d" % victim, timeout=180)
        wait_progress(kafka, topic, 100)
        p.check(kc, guard, kafka, topic)
    closed = [e for e in kc.conn_summaries() if e.get("listener") == "broker %d" % victim]
    assert any("broker" in e["reason"] for e in closed), \
        "kchaos should have closed clients' connections to the stopped broker"
