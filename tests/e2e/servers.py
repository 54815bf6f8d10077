"""Start JupyterLab or Voila for one test and always stop it again.

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
import urllib.request
from pathlib import Path

LOOPBACK = "127.0.0.1"

# JupyterLab settings for the test browser: no news/update toast (it can cover controls), no
# autosave (the notebooks are copies, but nothing should be written behind our back), and every
# cell kept in the DOM (windowing would detach off-screen cells, and their canvases with them).
LAB_OVERRIDES = {
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
    """One running server: ``url`` (the page to open), ``log`` (its combined output file)."""

    def __init__(self, kind: str, cmd: list, cwd: Path, env: dict, log: Path, port: int, page_path: str,
                 ready_path: str | None):
        self.kind, self.cmd, self.cwd, self.env, self.log, self.port = kind, cmd, cwd, env, log, port
        self.base = f"http://{LOOPBACK}:{port}"
        self.url = self.base + page_path
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

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
        if self.ready_path is None:          # Voila: any GET of the app would start a kernel
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, self.port), timeout=1):
                return True
            return False
        try:
            with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

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
    """JupyterLab serving ``root`` (tokenless, loopback only)."""
    env = jupyter_env(base)
    port = free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           f"--ServerApp.ip={LOOPBACK}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
           "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
           f"--LabApp.app_settings_dir={env['RRNN_E2E_APP_SETTINGS_DIR']}"]
    return Server("JupyterLab", cmd, root, env, log, port, "", "/api/status")


def voila_server(notebook: Path, base: Path, log: Path) -> Server:
    """Voila serving one notebook as an app at ``/`` (loopback only), as ``make present`` does."""
    env = jupyter_env(base)
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
           f"--Voila.ip={LOOPBACK}", "--Voila.port_retries=0", "--show_tracebacks=True"]
    return Server("Voila", cmd, notebook.parent, env, log, port, "/", None)


@contextlib.contextmanager
def running(server: Server, timeout: float = 180.0):
    """``with running(lab_server(...)) as s:`` - started, and stopped whatever happens."""
    try:
        yield server.start(timeout)
    finally:
        server.stop()
