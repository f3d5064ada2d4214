"""Unlock the manager key on a busy PC: age's own file against DrillPad's wrap (docs/evidence.md, "A busy PC").

    .venv/bin/python tools/busy_unlock.py [BUSY_PROCESSES]   (default 16)

Makes manager keys in a temporary folder while the PC is idle, starts BUSY_PROCESSES spinning processes,
then tries age's file (pyrage) and DrillPad's unlock (the wrap), and stops the spinners.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

import pyrage

from drillpad.evidence import KEYS_DIR, MANAGER_AGE
from drillpad.evidence.keys import create_manager_keys, unlock_manager_keys

PASS = "correct horse battery"


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def _timed(what, fn) -> None:
    start = time.perf_counter()
    try:
        fn()
        said = "unlocked"
    except Exception as exc:  # noqa: BLE001 - the point is to print what happened
        said = f"refused: {str(exc).splitlines()[-1]}"
    print(f"{what:>5}: {said} ({time.perf_counter() - start:.1f} s)")


def main() -> None:
    busy = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    data = Path(tempfile.mkdtemp(prefix="busy-unlock-"))
    create_manager_keys(data, PASS)
    print("idle:")
    _timed("age", lambda: pyrage.passphrase.decrypt((data / KEYS_DIR / MANAGER_AGE).read_bytes(), PASS))
    _timed("wrap", lambda: unlock_manager_keys(data, PASS))
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(busy)]
    for p in spinners:
        p.start()
    try:
        time.sleep(2)  # let the spinners take the cores
        print(f"with {busy} busy processes on {multiprocessing.cpu_count()} cores:")
        _timed("age", lambda: pyrage.passphrase.decrypt((data / KEYS_DIR / MANAGER_AGE).read_bytes(), PASS))
        _timed("wrap", lambda: unlock_manager_keys(data, PASS))
    finally:
        stop.set()
        for p in spinners:
            p.join(5)


if __name__ == "__main__":
    main()
