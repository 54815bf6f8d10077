"""Start JupyterLab or Voila for a test session and always stop it again.

One server of each kind serves every notebook of the session (starting one per test cost ~2 s
each); between tests ``shutdown_kernels`` stops the kernels a test used, so no state leaks from
one notebook's test into another's and idle kernels do not pile up.

Everything listens on 127.0.0.1 only, on a free port, with its config, runtime, settings and
workspace directories inside a temporary directory the test owns (nothing is written to the
user's ~/.jupyter or to the virtual environment's sys.prefix).

Stopping: the server runs in its own process group (``start_new_session``). Kernels are started
by jupyter_client in *their own* sessions, so on teardown we first note every descendant of the
server, send SIGTERM to the server's group (a graceful jupyter shutdown also shuts its kernels
down), SIGKILL the group if it has not gone after a while, and finally SIGKILL any noted
descendant (a kernel) that is still alive. Only processes this module started are signalled.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

LOOPBACK = "127.0.0.1"

# JupyterLab settings for the test browser: no news/update toast (it can cover controls), no
# autosave (the notebooks are copies, but nothing should be written behind our back), and every
# cell kept in the DOM (windowing would detach off-screen cells, and their canvases with them).
# The course's own settings (jupyter/overrides.json, installed by `make venv`) come first, so the
# tests run the JupyterLab a learner gets.
LAB_OVERRIDES = {
    **json.loads((Path(__file__).resolve().parents[2] / "jupyter" / "overrides.json").read_text()),
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def jupyter_env(base: Path) -> dict:
    """Environment for a server: every Jupyter directory it could write to lives under ``base``."""
    dirs = {name: base / name for name in ("config", "runtime", "user-settings", "workspaces", "app-settings")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    (dirs["app-settings"] / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2))
    env = dict(os.environ)
    for name in ("JUPYTER_TOKEN", "JUPYTER_PASSWORD"):
        env.pop(name, None)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["user-settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        PYTHONUNBUFFERED="1",
    )
    # a cell that would train for minutes in class runs its few-seconds version under the tests
    # (notebook 08; notebooks/conftest.py sets the same for nbval, but only when pytest collects
    # notebooks/, which `make e2e` does not)
    env.setdefault("RRNN_QUICK", "1")
    env["RRNN_E2E_APP_SETTINGS_DIR"] = str(dirs["app-settings"])
    return env


def _children_map() -> dict:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...   - comm may contain spaces and parentheses
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list:
    """Every process below ``pid`` (Linux /proc; empty elsewhere)."""
    if not Path("/proc").is_dir():
        return []
    children, out, todo = _children_map(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Server:
    """One running server: ``url(notebook)`` (the page to open), ``log`` (its combined output file)."""

    def __init__(self, kind: str, cmd: list, cwd: Path, env: dict, log: Path, port: int, page_path: str,
                 ready_path: str):
        self.kind, self.cmd, self.cwd, self.env, self.log, self.port = kind, cmd, cwd, env, log, port
        self.base = f"http://{LOOPBACK}:{port}"
        self.page_path = page_path          # format string with {notebook}
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

    def url(self, notebook: str) -> str:
        return self.base + self.page_path.format(notebook=urllib.parse.quote(notebook))

    def _request(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.base + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def shutdown_kernels(self, kernel_ids) -> None:
        """Stop the kernels a test used (JupyterLab: every session, which is what a test leaves;
        Voila: the kernels the page connected to, via the shutdown call its own page makes on unload).
        Best effort: whatever is left is stopped with the server at the end of the session."""
        with contextlib.suppress(OSError, ValueError):
            self._shutdown_kernels(kernel_ids)

    def _shutdown_kernels(self, kernel_ids) -> None:
        if self.kind == "JupyterLab":
            for session in json.loads(self._request("GET", "/api/sessions")):
                self._request("DELETE", f"/api/sessions/{session['id']}")
        else:
            for kernel_id in kernel_ids:
                with contextlib.suppress(urllib.error.HTTPError):    # already gone (the page unloaded)
                    self._request("POST", f"/voila/api/shutdown/{kernel_id}")

    def start(self, timeout: float) -> "Server":
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with code {self.proc.returncode} before it was ready:\n"
                                   f"{' '.join(self.cmd)}\n{self.log_tail()}")
            if self._ready():
                return self
            time.sleep(0.2)      # polling a port that is not open yet; nothing to wait on
        raise TimeoutError(f"{self.kind} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def log_size(self) -> int:
        """A mark in the log: ``log_tail(since=mark)`` shows only what came after it."""
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def log_tail(self, lines: int = 40, since: int = 0) -> str:
        try:
            text = self.log.read_bytes()[since:].decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 15.0) -> None:
        """Stop the server, its process group and any kernel it started. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            below = descendants(proc.pid)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(grace)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
            with contextlib.suppress(ProcessLookupError):     # anything left in the group
                os.killpg(proc.pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            for pid in below:                                 # kernels live in their own sessions
                while _alive(pid) and time.monotonic() < deadline:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM if time.monotonic() < deadline - 3 else signal.SIGKILL)
                    time.sleep(0.1)
                with contextlib.suppress(ProcessLookupError):
                    if _alive(pid):
                        os.kill(pid, signal.SIGKILL)
        finally:
            self._log_file.close()


def lab_server(root: Path, base: Path, log: Path) -> Server:
    """JupyterLab serving ``root`` (tokenless, loopback only; no XSRF check, so the tests can
    delete sessions over its REST API)."""
    env = jupyter_env(base)
    port = free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           f"--ServerApp.ip={LOOPBACK}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
           "--ServerApp.disable_check_xsrf=True",
           "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
           f"--LabApp.app_settings_dir={env['RRNN_E2E_APP_SETTINGS_DIR']}"]
    return Server("JupyterLab", cmd, root, env, log, port, "/lab/tree/{notebook}?reset", "/api/status")


def voila_server(root: Path, base: Path, log: Path) -> Server:
    """Voila serving every notebook in ``root`` as an app at ``/voila/render/<notebook>`` (loopback
    only, tokenless). Each page load runs the notebook in a new kernel, with the same page and
    template as ``make present`` (one notebook, at ``/``)."""
    env = jupyter_env(base)
    # no XSRF check, so the tests can call Voila's kernel shutdown (its page does it on unload)
    (Path(env["JUPYTER_CONFIG_DIR"]) / "voila.json").write_text(
        json.dumps({"Voila": {"tornado_settings": {"disable_check_xsrf": True}}}))
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(root), "--no-browser", f"--port={port}",
           f"--Voila.ip={LOOPBACK}", "--Voila.port_retries=0", "--show_tracebacks=True"]
    # the directory listing at / starts no kernel, so it can be polled for readiness
    return Server("Voila", cmd, root, env, log, port, "/voila/render/{notebook}", "/")


SLIDE_TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "tools" / "slide_template"
SLIDES_FIGURE_SCALE = "1.25"        # what `make slides` sets (Makefile, SLIDES_FIGURE_SCALE)


def slides_server(root: Path, base: Path, log: Path) -> Server:
    """Voila serving every notebook in ``root`` as lecture slides at ``/voila/render/<notebook>``:
    the course's reveal template (tools/slide_template, found through JUPYTER_PATH) and the
    figure scale, as ``make slides`` does; otherwise like ``voila_server``."""
    server = voila_server(root, base, log)
    server.kind = "Voila slides"
    server.env["JUPYTER_PATH"] = os.pathsep.join(
        [str(SLIDE_TEMPLATE_ROOT)] + [p for p in server.env.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    server.env["RRNN_FIGURE_SCALE"] = SLIDES_FIGURE_SCALE
    server.cmd.append("--template=rrnn-slides")
    return server


@contextlib.contextmanager
def running(server: Server, timeout: float = 180.0):
    """``with running(lab_server(...)) as s:`` - started, and stopped whatever happens."""
    try:
        yield server.start(timeout)
    finally:
        server.stop()
