"""How long the data-safety checks take on a database of N events (docs/data-safety.md): opening with
the quick check, the quick check alone, the full check (integrity_check and a read of every event) and a
verified backup.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_integrity.py 100000
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from drillpad.store.backups import make_backup
from drillpad.store.db import close_database, open_database
from drillpad.store.integrity import check_database

EVENTS = 100_000
SMOKE = {"events": 500}  # the tiny size `make bench-smoke` (CI) runs


def run(events: int = EVENTS) -> dict:
    with tempfile.TemporaryDirectory(prefix="drillpad-bench-integrity-") as tmp:
        path = Path(tmp) / "drillpad.db"
        db = open_database(path)
        dev = str(uuid.uuid4())
        payload = json.dumps({"answer": "press the emergency stop, lock out the conveyor and tell the lead " * 2,
                              "item": "jam-first", "pack": "p", "item_kind": "prompt", "score": 0.5})
        with db.conn:
            db.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES (?, 'x', 1, '2026')", [dev])
            for i in range(events):
                db.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) "
                           "VALUES (?,?,?,?,?,?,?)", [str(uuid.uuid4()), dev, i + 1, None, "note", payload,
                                                     "2026-03-02T08:00:00+00:00"])
        close_database(db)
        size = path.stat().st_size
        t = time.perf_counter()
        close_database(open_database(path))
        opened = time.perf_counter() - t
        quick = check_database(path, full=False).seconds
        full = check_database(path, full=True).seconds
        t = time.perf_counter()
        make_backup(path, datetime.now(timezone.utc))
        backup = time.perf_counter() - t
    return {"events": events, "mb": size / 1e6, "open_s": opened, "quick_s": quick, "full_s": full,
            "backup_s": backup}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    n = f"{r['events']:,} events, {r['mb']:.1f} MB"
    return [("open with quick check", f"{r['open_s']:.3f} s", "", n),
            ("full check", f"{r['full_s']:.3f} s", "", n),
            ("backup + verify", f"{r['backup_s']:.3f} s", "", n)]


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS)
    for row in report(result):
        print("  ".join(row))
