"""The kernel guard's own control: the rule every "no direct broker connection" claim stands
on must refuse and count a deliberate direct connection, and let kchaos's source through.
(test_real_clients.py does the same against a real Kafka broker's port.)"""
import harness


def test_guard_refuses_and_counts_a_direct_connection(mock, guard):
    host, port = mock.brokers[min(mock.brokers)]
    harness.assert_guard_catches(guard, host, port)
    assert guard.refused() == 1


def test_guard_cannot_be_silently_off(mock):
    """A guard with nothing to guard is an error, not an inactive guard."""
    try:
        harness.DirectGuard([])
    except harness.GuardUnavailable:
        return
    raise AssertionError("DirectGuard([]) returned a guard that guards nothing")
