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
