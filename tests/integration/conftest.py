"""pytest glue: make harness importable and give tests a mock cluster, kchaos and the guard."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402


@pytest.fixture
def mock():
    with harness.MockCluster(brokers=3, topics=["t1:3", "t2:1"]) as c:
        yield c


@pytest.fixture
def kchaos(mock):
    with harness.Kchaos(mock) as kc:
        yield kc


@pytest.fixture
def guard(mock):
    with harness.DirectGuard(mock.broker_ports()) as g:
        yield g


# No silent skips: a skipped test fails the run unless it is an explicit opt-out (an
# environment variable the README names, harness.opt_out). pytest runs with -rs, so every skip
# and its reason is printed either way.
_bad_skips = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not reason.replace("Skipped: ", "").startswith(harness.OPT_OUT_PREFIX):
            _bad_skips.append("%s: %s" % (report.nodeid, reason))


def pytest_sessionfinish(session, exitstatus):
    if _bad_skips:
        sys.stderr.write("\nskipped without an explicit opt-out (README, Tests), so this run fails:\n  "
                         + "\n  ".join(_bad_skips) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
