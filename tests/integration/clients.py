"""The test clients (tests/clients/README.md), by name: how to run each, and what each must
negotiate through kchaos against Kafka 4.4. One registry for the client tests, the incident
tests, the compatibility table and the demo."""
import os
import shutil

from harness import BUILD, ROOT

VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")
DEBIAN_PY = "/usr/bin/python3"
PY = os.path.join(ROOT, "tests", "clients", "python")
JS = os.path.join(ROOT, "tests", "clients", "js")
GO = os.path.join(BUILD, "go-clients")


class Client:
    def __init__(self, name, argv, label, expect=None, broken=None, idempotent_flag=True):
        self.name = name
        self.argv = argv            # command line before the contract's options
        self.label = label          # for the compatibility table
        self.expect = expect or {}  # api name -> lowest max version it must reach via kchaos
        self.broken = broken        # why it cannot talk to Kafka 4.x even directly, or None
        self.idempotent_flag = idempotent_flag

    def available(self):
        exe = self.argv[0]
        return os.path.exists(exe) or shutil.which(exe) is not None

    def cmd(self, *args):
        return list(self.argv) + [str(a) for a in args]


# The versions each must reach through kchaos against a 4.4 broker: the newest each speaks
# (TESTWORLD.md section 3, confirmed by running them). Flexible versions end to end.
REAL = [
    Client("java", [os.path.join(ROOT, "tests", "clients", "java", "java-client")],
           "Java kafka-clients", {"Produce": 13, "Metadata": 13, "ApiVersions": 5, "Fetch": 18}),
    Client("franz", [os.path.join(GO, "franz")], "franz-go",
           {"Produce": 13, "Metadata": 13, "ApiVersions": 5, "Fetch": 18}),
    Client("sarama", [os.path.join(GO, "sarama")], "sarama (newest Version)",
           {"Produce": 10, "Metadata": 11, "ApiVersions": 4, "Fetch": 12}),
    Client("sarama-old", [os.path.join(GO, "sarama"), "--kafka-version", "2.1.0"],
           "sarama (Version 2.1.0)", {"Produce": 7, "Metadata": 7}),
    Client("confluent", [VENV_PY, os.path.join(PY, "confluent_client.py")],
           "confluent-kafka (PyPI)", {"Produce": 10, "Metadata": 12, "ApiVersions": 3}),
    Client("kafka-python", [VENV_PY, os.path.join(PY, "kafka_python_client.py")],
           "kafka-python (PyPI)", {"Produce": 9, "Metadata": 12, "ApiVersions": 3}),
    Client("kafkajs", ["node", os.path.join(JS, "kafkajs_client.js")], "kafkajs",
           {"Produce": 7, "Metadata": 6}),
    Client("platformatic", ["node", os.path.join(JS, "platformatic_client.js")],
           "@platformatic/kafka", {"Produce": 9, "Metadata": 12, "ApiVersions": 3}),
    Client("librdkafka", [os.path.join(BUILD, "rdkafka_client")], "librdkafka (Debian)",
           {"Produce": 7}),
    Client("kcat", [DEBIAN_PY, os.path.join(ROOT, "tests", "clients", "kcat_client.py")],
           "kcat (Debian)", {"Produce": 7}),
    Client("kcat-gzip", [DEBIAN_PY, os.path.join(ROOT, "tests", "clients", "kcat_client.py"),
                         "--compression", "gzip"], "kcat -z gzip (Debian)", {"Produce": 7}),
    Client("confluent-debian", [DEBIAN_PY, os.path.join(PY, "confluent_client.py")],
           "confluent-kafka (Debian)", {"Produce": 7}),
    Client("kafka-python-debian", [DEBIAN_PY, os.path.join(PY, "kafka_python_client.py")],
           "kafka-python (Debian)", {}),
]

BY_NAME = {c.name: c for c in REAL}
