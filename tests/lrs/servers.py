"""The two real LRS servers the tests use, each started on 127.0.0.1 on a free port and stopped afterwards.

- Learning Locker's statement service (npm ``xapi-statements`` 5.0.1, in memory), installed in tools/lrs/ by
  ``make lrs-servers``; its launcher pins every listen() to the loopback.
- Ralph LRS 5.1.0 (``ralph-malph[cli,lrs]``) with its file backend in append mode, from tools/lrs/.ralph-venv.

A server that is not installed skips its tests with the reason (``make lrs-servers`` installs both).
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "lrs"
RALPH_PYTHON = TOOLS / ".ralph-venv" / "bin" / "python"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, what: str) -> str:
    """Read the child's stdout until it prints its "ready" line (or dies, or START_TIMEOUT passes)."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT
    seen = b""
    while time.monotonic() < deadline:
        if not sel.select(timeout=deadline - time.monotonic()):
            break
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
        if b"ready" in seen:
            return seen.decode(errors="replace")
    proc.kill()
    raise RuntimeError(f"{what} did not start: {seen.decode(errors='replace')[-2000:]}")


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    username: str
    password: str
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def get(self, **params) -> list[dict]:
        """Every statement matching *params*, following ``more`` links."""
        session = requests.Session()
        session.auth = (self.username, self.password)
        session.headers["X-Experience-API-Version"] = "1.0.3"
        out: list[dict] = []
        response = session.get(self.url + "statements", params=params, timeout=30)
        while True:
            if response.status_code == 404 and "statementId" in params:
                return []
            response.raise_for_status()
            data = response.json()
            if "statements" not in data:  # one statement asked for by id
                return [data]
            out += data["statements"]
            more = data.get("more")
            if not more:
                return out
            response = session.get(f"http://127.0.0.1:{self.port}{more}", timeout=30)


class XapiStatements(Server):
    @classmethod
    def start(cls, folder: Path) -> "XapiStatements":
        node = shutil.which("node")
        if node is None or not (TOOLS / "node_modules" / "xapi-statements").is_dir():
            pytest.skip("Learning Locker's xapi-statements is not installed (needs node and `make lrs-servers`)")
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        proc = subprocess.Popen([node, str(TOOLS / "serve-xapi-statements.js"), str(port)], cwd=folder,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "EXPRESS_MORGAN_DIRECTORY": str(folder / "logs")})
        _wait_ready(proc, "xapi-statements")
        return cls(proc, port, "site-leeds", "pw-leeds", folder)


class Ralph(Server):
    @classmethod
    def start(cls, folder: Path, username: str = "site-leeds", password: str = "pw-leeds",
              users: list[dict] | None = None) -> "Ralph":
        """*users*: more credentials ({username, password, scopes}); Ralph then restricts by scopes too."""
        if not (TOOLS / ".ralph-venv" / ".installed").exists():  # the stamp: pip finished
            pytest.skip("Ralph LRS is not installed (tools/lrs/.ralph-venv: run `make lrs-servers`)")
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        extra = []
        if users is not None:
            import json

            (folder / "users.json").write_text(json.dumps(users))
            extra = [str(folder / "users.json")]
        proc = subprocess.Popen([str(RALPH_PYTHON), str(TOOLS / "serve_ralph.py"), str(port), str(folder), username,
                                 password, "https://learning.example.com", *extra], cwd=folder,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _wait_ready(proc, "Ralph LRS")
        return cls(proc, port, username, password, folder)

    def stored_ids(self) -> list[str]:
        """Every statement id in Ralph's file, as written (duplicates would show here)."""
        import json

        path = self.folder / "statements" / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]
