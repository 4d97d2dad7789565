#!/usr/bin/env python3
"""The compatibility table, generated from the last real-Kafka test run (build/compat/*.json,
written by tests/integration/test_real_clients.py). Prints it, or with --readme rewrites the
README section between the compat markers. Never written by hand."""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = "<!-- compat:begin -->", "<!-- compat:end -->"
APIS = ["Produce", "Metadata", "ApiVersions", "Fetch"]


def table(build):
    rows = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(build, "compat", "*.json")))]
    if not rows:
        sys.exit("no records in %s/compat: run ctest -L real-kafka first" % build)
    order = {n: i for i, n in enumerate(["java", "franz", "sarama", "sarama-old", "confluent",
                                         "kafka-python", "kafkajs", "platformatic", "librdkafka",
                                         "kcat", "kcat-gzip", "confluent-debian",
                                         "kafka-python-debian"])}
    rows.sort(key=lambda r: order.get(r["name"], 99))
    out = ["| client | version | through kchaos | " + " | ".join(APIS) + " | software (ApiVersions v3+) |",
           "|---|---|---|" + "---|" * len(APIS) + "---|"]
    for r in rows:
        if r.get("passed"):
            v = r.get("versions", {})
            cells = ["v%d" % v[a] if a in v else "-" for a in APIS]
            status = "passes"
        else:
            cells = ["-"] * len(APIS)
            status = "no: " + r.get("reason", "failed")
        out.append("| %s | %s | %s | %s | %s |" % (r["label"], r.get("version") or "?", status,
                                                   " | ".join(cells),
                                                   ", ".join(r.get("software", [])) or "-"))
    return "\n".join(out)


def main():
    build = os.environ.get("KCHAOS_BUILD", os.path.join(ROOT, "build"))
    t = table(build)
    if "--readme" not in sys.argv:
        print(t)
        return
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END),
                 BEGIN + "\n" + t + "\n" + END, text, flags=re.S)
    if new == text and BEGIN not in text:
        sys.exit("README.md has no %s ... %s section" % (BEGIN, END))
    open(path, "w").write(new)
    print("README.md: compatibility table updated from %s/compat" % build)


if __name__ == "__main__":
    main()
