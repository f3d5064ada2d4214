"""What a busy shared workstation looks like to DrillPad, for the benchmarks that measure under load."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys


@contextlib.contextmanager
def competing_load(n: int | None = None):
    """A CPU-bound process on every core (*n* of them if given); yields how many run, and ends them all."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n or os.cpu_count() or 1)]
    try:
        yield len(procs)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
