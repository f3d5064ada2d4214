"""A test LRS server never outlives the test run that started it: when pytest is killed (a CI
timeout, kill -9), the servers it started exit too instead of listening on for ever."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PARENT = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.lrs.servers import {cls}
server = {cls}.start(Path({folder!r}))
print(server.proc.pid, flush=True)
sys.stdin.read()  # until killed
"""


@pytest.mark.parametrize("cls", ["Ralph", "XapiStatements"])
def test_a_server_exits_when_the_run_that_started_it_is_killed(tmp_path, cls):
    from tests.lrs import servers

    installed = {"Ralph": (servers.TOOLS / ".ralph-venv" / ".installed").exists(),
                 "XapiStatements": (servers.TOOLS / "node_modules" / "xapi-statements").is_dir()}
    if not installed[cls]:
        pytest.skip(f"{cls} is not installed (`make lrs-servers`)")
    code = PARENT.format(repo=str(REPO), cls=cls, folder=str(tmp_path / "lrs"))
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        server = os.pidfd_open(pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    try:
        ready, _, _ = select.select([server], [], [], 15)  # readable when the process has exited
        assert ready, f"the {cls} server (pid {pid}) still runs after the test run that started it was killed"
    finally:
        if not select.select([server], [], [], 0)[0]:
            os.kill(pid, signal.SIGKILL)
        os.close(server)
