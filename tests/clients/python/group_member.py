"""group_member: one member of a consumer group (confluent-kafka), for the rebalance tests.

Joins GROUP on TOPIC and consumes until SIGTERM (then closes cleanly: LeaveGroup), committing
as it goes. After every change it rewrites STATUS_FILE (atomically) with its assignment and the
keys it has read, so a test can watch the group rebalance without sleeping:

  group_member.py --bootstrap B --topic T --group G --status FILE [--protocol classic|consumer]
"""
import argparse
import json
import os
import signal
import sys

from confluent_kafka import Consumer, KafkaException


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--protocol", default="classic", choices=["classic", "consumer"])
    a = ap.parse_args()
    conf = {"bootstrap.servers": a.bootstrap, "group.id": a.group, "auto.offset.reset": "earliest",
            "enable.auto.commit": True, "auto.commit.interval.ms": 200,
            "group.protocol": a.protocol}
    if a.protocol == "classic":
        conf.update({"session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
                     "partition.assignment.strategy": "range"})
    c = Consumer(conf)
    state = {"assignment": [], "assignments": 0, "keys": [], "errors": []}
    dirty = [True]

    def write():
        tmp = a.status + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, a.status)
        dirty[0] = False

    # Eager protocols hand over the whole assignment, incremental ones (KIP-848) the changes:
    # adding and removing sets serves both.
    def on_assign(consumer, parts):
        state["assignment"] = sorted(set(state["assignment"]) | {p.partition for p in parts})
        state["assignments"] += 1
        dirty[0] = True

    def on_revoke(consumer, parts):
        state["assignment"] = sorted(set(state["assignment"]) - {p.partition for p in parts})
        dirty[0] = True

    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    c.subscribe([a.topic], on_assign=on_assign, on_revoke=on_revoke)
    try:
        while not stop[0]:
            m = c.poll(0.2)
            if m is not None:
                if m.error():
                    state["errors"].append(str(m.error()))
                else:
                    state["keys"].append(m.key().decode())
                dirty[0] = True
            if dirty[0]:
                write()
    except KafkaException as e:
        state["errors"].append(str(e))
    finally:
        c.close()  # leaves the group
        state["assignment"] = []
        write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
