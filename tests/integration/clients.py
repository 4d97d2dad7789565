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
    def __init__(self, name, argv, label, broken=None, idempotent_flag=True):
        self.name = name
        self.argv = argv            # command line before the contract's options
        self.label = label          # its row in the README's compatibility table
        self.broken = broken        # why it cannot talk to Kafka 4.x even directly, or None
        self.idempotent_flag = idempotent_flag

    def available(self):
        exe = self.argv[0]
        return os.path.exists(exe) or shutil.which(exe) is not None

    def cmd(self, *args):
        return list(self.argv) + [str(a) for a in args]


# The versions each must reach through kchaos against a 4.4 broker are the README's
# compatibility table, row `label` (test_real_clients.py asserts them exactly).
REAL = [
    Client("java", [os.path.join(ROOT, "tests", "clients", "java", "java-client")],
           "Java kafka-clients"),
    Client("franz", [os.path.join(GO, "franz")], "franz-go"),
    Client("sarama", [os.path.join(GO, "sarama")], "sarama (newest Version)"),
    Client("sarama-old", [os.path.join(GO, "sarama"), "--kafka-version", "2.1.0"],
           "sarama (Version 2.1.0)"),
    Client("confluent", [VENV_PY, os.path.join(PY, "confluent_client.py")],
           "confluent-kafka (PyPI)"),
    Client("kafka-python", [VENV_PY, os.path.join(PY, "kafka_python_client.py")],
           "kafka-python (PyPI)"),
    Client("kafkajs", ["node", os.path.join(JS, "kafkajs_client.js")], "kafkajs"),
    Client("platformatic", ["node", os.path.join(JS, "platformatic_client.js")],
           "@platformatic/kafka"),
    Client("librdkafka", [os.path.join(BUILD, "rdkafka_client")], "librdkafka (Debian)"),
    Client("kcat", [DEBIAN_PY, os.path.join(ROOT, "tests", "clients", "kcat_client.py")],
           "kcat (Debian)"),
    Client("kcat-gzip", [DEBIAN_PY, os.path.join(ROOT, "tests", "clients", "kcat_client.py"),
                         "--compression", "gzip"], "kcat -z gzip (Debian)"),
    Client("confluent-debian", [DEBIAN_PY, os.path.join(PY, "confluent_client.py")],
           "confluent-kafka (Debian)"),
    Client("kafka-python-debian", [DEBIAN_PY, os.path.join(PY, "kafka_python_client.py")],
           "kafka-python (Debian)"),
]

BY_NAME = {c.name: c for c in REAL}
