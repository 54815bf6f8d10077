"""Build the course website (``make site``) for a test session and serve it on 127.0.0.1.

``build(notebooks, out)`` lays out a copy of the repository's layout that Sphinx reads - ``site/``
copied (its ``notebooks`` link kept relative), ``README.md`` and ``notebooks/`` linked, the latter to
any folder of notebooks (``RRNN_E2E_NOTEBOOKS``, e.g. freshly executed copies) - and runs the same
``sphinx-build`` command as ``make site``, with warnings as errors. ``serving(folder)`` is a static
file server for the build, in a thread of this process, stopped on exit.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sphinx_command(source: Path, out: Path, doctrees: Path) -> list:
    """The build command of ``make site`` (kept in step with the Makefile's)."""
    return [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-d", str(doctrees),
            str(source), str(out)]


def build(notebooks: Path, base: Path) -> tuple:
    """Build the site from ``notebooks`` under ``base``; returns (the html folder, seconds taken)."""
    layout = base / "src"
    layout.mkdir(parents=True)
    shutil.copytree(ROOT / "site", layout / "site", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "_build"))
    (layout / "README.md").symlink_to(ROOT / "README.md")
    (layout / "notebooks").symlink_to(Path(notebooks).resolve())
    out = base / "html"
    start = time.monotonic()
    done = subprocess.run(sphinx_command(layout / "site", out, base / "doctrees"), cwd=layout,
                          capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"the site did not build (exit {done.returncode}):\n{done.stdout[-4000:]}\n"
                           f"{done.stderr[-4000:]}")
    return out, seconds


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):        # no line per request on stderr
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """``with serving(folder) as base_url:`` - a static server on a free loopback port."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
