"""librdkafka (C) through kchaos against the mock cluster: produce, consume back, and never
reach a broker directly (its connect callback refuses other ports; the kernel guard too)."""
import harness


def test_produce_consume_idempotent(kchaos, guard):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kchaos.bootstrap,
                            "--topic", "t1", "--prefix", "idem", "--count", "2000",
                            "--idempotent", "--acks", "all", "--consume",
                            "--allowed-ports", kchaos.allowed_ports_arg()])
    harness.assert_delivered(s, 2000)
    harness.assert_only_kchaos(s, kchaos, guard)
    harness.assert_bound_to_brokers(kchaos)


def test_produce_counted_by_broker(mock, kchaos, guard):
    """Every acknowledged record is in the broker, once: the broker's own end offsets (asked
    directly, not through kchaos) against the records sent. acks=all without idempotence, so a
    record that kchaos acknowledged but never forwarded shows up here and nowhere else."""
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kchaos.bootstrap,
                            "--topic", "t2", "--prefix", "count", "--count", "3000",
                            "--acks", "all", "--linger-ms", "5",
                            "--allowed-ports", kchaos.allowed_ports_arg()])
    assert s["acked"] == 3000, s
    harness.assert_only_kchaos(s, kchaos, guard)
    ends = harness.mock_end_offsets(mock, "t2", [0])
    assert ends == {0: 3000}, "the broker holds %s records, 3000 were acknowledged" % ends


def test_pipelined_acks1_max_in_flight_5(kchaos, guard):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kchaos.bootstrap,
                            "--topic", "t1", "--prefix", "pipe", "--count", "5000",
                            "--acks", "1", "--max-in-flight", "5", "--linger-ms", "0",
                            "--consume", "--allowed-ports", kchaos.allowed_ports_arg()])
    harness.assert_delivered(s, 5000)
    harness.assert_only_kchaos(s, kchaos, guard)


def test_acks0_needs_no_response(kchaos, guard):
    s = harness.run_client([harness.rdkafka_client(), "--bootstrap", kchaos.bootstrap,
                            "--topic", "t2", "--prefix", "noack", "--count", "1000",
                            "--acks", "0", "--consume",
                            "--allowed-ports", kchaos.allowed_ports_arg()])
    # acks=0: deliveries are reported as soon as sent; the consumer proves they arrived.
    assert s["missing"] == 0 and s["duplicates"] == 0, s
    harness.assert_only_kchaos(s, kchaos, guard)
