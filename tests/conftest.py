import os
import re

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


# --- pytest-xdist (make test: -n auto) --------------------------------------------------------------
# Which tests must share a worker. A notebook's nbval cells run in order in one kernel, each on
# the state the earlier cells left: one worker runs all of them. The browser tests of one front
# end (ids "lab-..." / "voila-...") share one JupyterLab or Voila server: one worker runs them.
# Every other test is independent and goes wherever a worker is free. (xdist's own
# `--dist loadgroup` marks do not reach the scheduler under pytest 9: xdist 3.8 renames
# `item._nodeid`, which pytest 9 no longer reads.)
_E2E_ID = re.compile(r"(?P<file>tests/e2e/[^:]+)::[^\[]+\[(?P<frontend>[a-z]+)-")


def scope_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return path
    e2e = _E2E_ID.match(nodeid)
    return f"{e2e['file']}::{e2e['frontend']}" if e2e else nodeid


@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than xdist would start (one per core). The two browser workers
    spend most of their time waiting for a page to run a notebook or repaint a figure, and the
    extra worker keeps the cores busy meanwhile (README, "The browser tests").
    PYTEST_XDIST_AUTO_NUM_WORKERS still sets the number exactly."""
    workers = yield
    return workers if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") else workers + 1


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "each":        # every test on every worker: nothing to group
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        first_given = False

        def _split_scope(self, nodeid):
            return scope_of(nodeid)

        def _assign_work_unit(self, node):
            # The browser tests of a front end are the longest chain of the run (minutes, mostly
            # waiting on the page): they go out first, and the other tests fill the cores around them.
            if not self.first_given:
                for scope in [s for s in self.workqueue if s.startswith("tests/e2e/")][::-1]:
                    self.workqueue.move_to_end(scope, last=False)
                self.first_given = True
            super()._assign_work_unit(node)

    return Scheduling(config, log)


# --- the end-to-end tests' latency table -----------------------------------------------------------
# Hooked in here, not in tests/e2e/conftest.py: under xdist the controller process, which prints
# the summary, collects nothing and so loads only the conftest files of the paths it was given.
def pytest_runtest_logreport(report):
    _e2e_latency.collect(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _e2e_latency.summary(terminalreporter, config)
