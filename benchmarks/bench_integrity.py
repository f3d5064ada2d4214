"""How long the data-safety checks take on a database of N events (docs/data-safety.md).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_integrity.py /tmp/bench-integrity 100000
"""
import sys, time, json, uuid, sqlite3
from pathlib import Path
from drillpad.store.db import open_database, close_database
from drillpad.store.integrity import check_database
from drillpad.store.backups import make_backup
from datetime import datetime, timezone
d = Path(sys.argv[1]); d.mkdir(parents=True, exist_ok=True)
db = open_database(d / "drillpad.db")
n = int(sys.argv[2])
dev = str(uuid.uuid4())
with db.conn:
    db.execute("BEGIN")
    db.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES (?, 'x', 1, '2026')", [dev])
    payload = json.dumps({"answer": "press the emergency stop, lock out the conveyor and tell the lead " * 2, "item": "jam-first", "pack": "p", "item_kind": "prompt", "score": 0.5})
    for i in range(n):
        db.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) VALUES (?,?,?,?,?,?,?)",
                   [str(uuid.uuid4()), dev, i + 1, None, "review", payload, "2026-03-02T08:00:00+00:00"])
close_database(db)
size = (d / "drillpad.db").stat().st_size
t = time.perf_counter(); close_database(open_database(d / "drillpad.db")); t_open = time.perf_counter() - t
q = check_database(d / "drillpad.db", full=False).seconds
f = check_database(d / "drillpad.db", full=True).seconds
t = time.perf_counter(); make_backup(d / "drillpad.db", datetime.now(timezone.utc)); b = time.perf_counter() - t
print(f"{n} events, {size/1e6:.1f} MB: open with quick check {t_open:.3f} s; quick_check {q:.3f} s; full check {f:.3f} s; backup+verify {b:.3f} s")
