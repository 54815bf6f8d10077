import numpy as np
import pytest

from .e2e import latency as _e2e_latency


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --- the end-to-end tests' latency table -----------------------------------------------------------
# Hooked in here, not in tests/e2e/conftest.py: under xdist the controller process, which prints
# the summary, collects nothing and so loads only the conftest files of the paths it was given.
def pytest_runtest_logreport(report):
    _e2e_latency.collect(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _e2e_latency.summary(terminalreporter, config)
