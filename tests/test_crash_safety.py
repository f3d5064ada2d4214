"""SIGKILL a process that records reviews, 200 times at random moments: nothing committed is lost.

The child is forked from the test process (so it starts in milliseconds with everything
imported), opens its own connection, records reviews in a loop and reports each event id
after its transaction commits. The parent kills it with SIGKILL after a random number of
reports, i.e. at a random point of the next write.
"""

from __future__ import annotations

import os
import random
import signal
import sys

import pytest

from drillpad.paths import Paths
from drillpad.workspace import Workspace

KILLS = 200
ANSWERS = ["press the e-stop", "no idea", "emergency stop", "stop the belt"]


def _child(data, write_fd: int) -> None:  # pragma: no cover - runs in the forked process
    try:
        ws = Workspace(Paths.resolve(data, env={}))
        os.write(write_fd, b"ready\n")
        n = 0
        while True:
            result = ws.answer_prompt("Alex", "jam-first", ANSWERS[n % 4], 1 + n % 4)
            os.write(write_fd, result.event_id.encode() + b"\n")
            n += 1
    finally:
        os._exit(1)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork()")
def test_kill_minus_nine_loses_nothing_committed(tmp_path, minipack):
    data = tmp_path / "data"
    with Workspace(Paths.resolve(data, env={})) as ws:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Alex", "dock-hand")
    rng = random.Random(20261125)
    reported: list[str] = []
    for _ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(data, write_fd)
        os.close(write_fd)
        stream = os.fdopen(read_fd)
        assert stream.readline().strip() == "ready"
        for _ in range(rng.randint(0, 3)):
            reported.append(stream.readline().strip())
        os.kill(pid, signal.SIGKILL)
        reported.extend(line.strip() for line in stream.read().splitlines())  # written before the kill landed
        stream.close()
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    with Workspace(Paths.resolve(data, env={})) as ws:
        assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in ws.db.execute("SELECT id FROM events")}
        assert set(reported) <= stored
        # every stored review has its schedule: no half-written pair of event and card
        assert ws.rebuild()["differed"] == 0
        seqs = [row[0] for row in ws.db.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
    assert len(reported) > KILLS / 2
