"""Start the project's real processes (action server, Rasa server, web app) on free
127.0.0.1 ports for tests and benchmarks, and stop them (whole process group).

Logs go to test-artifacts/logs/<name>-<port>.log so a failing test can be read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MODEL_PATH = Path(os.environ.get("RASA_MODEL", ROOT / "models" / "assistant.tar.gz"))
LOG_DIR = ROOT / "test-artifacts" / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> List[int]:
    """Every process below `pid` (children, grandchildren, ...)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in descendants(k)]


def unreachable_redis_url() -> str:
    """A Redis URL on a port where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


class ServerProcess:
    def __init__(
        self,
        name: str,
        cmd: List[str],
        port: int,
        health_path: Optional[str],
        env: Optional[Dict[str, str]] = None,
        timeout: float = 180.0,
    ):
        self.name, self.cmd, self.port, self.health_path = name, cmd, port, health_path
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.timeout = timeout
        self.proc: Optional[subprocess.Popen] = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{name}-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}:\n"
                    + self.log_tail()
                )
            if self.healthy():
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} not healthy within {self.timeout}s; see {self.log_path}")

    def healthy(self) -> bool:
        """HTTP health check, or just an open port when there is no health path."""
        if self.health_path is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False
        try:
            return requests.get(self.url + self.health_path, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def action_server(port: Optional[int] = None, env: Optional[Dict[str, str]] = None) -> ServerProcess:
    port = port or free_port()
    return ServerProcess(
        "actions",
        [PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        port,
        "/health",
        env,
    )


def rasa_server(
    action_url: str,
    port: Optional[int] = None,
    env: Optional[Dict[str, str]] = None,
    credentials: str = "credentials.yml",
    endpoints: str = "endpoints.yml",
    model: Path = MODEL_PATH,
    cors: Optional[str] = "*",
    enable_api: bool = False,
) -> ServerProcess:
    """`cors`: Rasa's --cors, as in the Procfile (the chat page on another origin needs it);
    `enable_api`: Rasa's HTTP API (trackers, parse), off as in the Procfile unless a
    benchmark reads the trackers."""
    port = port or free_port()
    cmd = [
        PYTHON,
        "-m",
        "bot.runtime.rasa_main",
        "run",
        "--model",
        str(model),
        "--port",
        str(port),
        "--credentials",
        credentials,
        "--endpoints",
        endpoints,
    ]
    if cors is not None:
        cmd += ["--cors", cors]
    if enable_api:
        cmd.append("--enable-api")
    return ServerProcess(
        "rasa", cmd, port, "/", {"ACTION_ENDPOINT_URL": action_url, **(env or {})}, timeout=240
    )


def web_app(port: Optional[int] = None, env: Optional[Dict[str, str]] = None) -> ServerProcess:
    port = port or free_port()
    return ServerProcess(
        "web", [PYTHON, "-m", "bot.web"], port, "/healthz", {"WEB_PORT": str(port), **(env or {})}
    )
