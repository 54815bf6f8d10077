import os

# One BLAS thread per process under pytest-xdist: the workers (and the kernels and servers they
# start, which inherit this) already keep every core busy, and OpenBLAS threads that find no free
# core spin-wait - a notebook cell that takes 4 s alone took 79 s in a parallel run. Set before
# numpy is first imported, which is when OpenBLAS reads it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from .e2e import latency as _e2e_latency  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --- pytest-xdist (make test: -n auto --dist loadscope) --------------------------------------------
# loadscope keeps a module's tests in one worker (a notebook's nbval cells run in order in one
# kernel, each on the state the earlier cells left) and a class's (tests/e2e: TestLab, TestVoila,
# one server each); tests/e2e/conftest.py hands the browser tests out first.
@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than xdist would start (one per core). The two browser workers
    spend most of their time waiting for a page to run a notebook or repaint a figure, and the
    extra worker keeps the cores busy meanwhile (README, "The browser tests").
    PYTEST_XDIST_AUTO_NUM_WORKERS still sets the number exactly."""
    workers = yield
    return workers if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") else workers + 1


# --- the end-to-end tests' latency table -----------------------------------------------------------
# Hooked in here, not in tests/e2e/conftest.py: under xdist the controller process, which prints
# the summary, collects nothing and so loads only the conftest files of the paths it was given.
def pytest_runtest_logreport(report):
    _e2e_latency.collect(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _e2e_latency.summary(terminalreporter, config)
