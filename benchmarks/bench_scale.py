"""A big site's kept database (issue #20's remaining figures): Today, the calibration set, a day's bundles, and
``drillpad rebuild``'s memory, measured again on a database already generated (``datagen.py`` or
``bench_learning.py --keep``) instead of generating one each time.

    python benchmarks/datagen.py /tmp/d2m --learners 200 --events 10000      # once: 2M events, ~10 min
    cp -r /tmp/d2m /tmp/d2m.copy                                              # the import adds days to it
    python benchmarks/bench_scale.py --data /tmp/d2m.copy --days 3

- today's queue for the learner bench_learning measures (median of 50) and the slowest learner (median of 3 each);
- the manager's calibration set (this month's anonymised answers), the first time it is made;
- a day's bundles after the history (datagen.day_of_bundles), one transaction each as the import does: one bundle per
  workstation (×``days``) and one per learner: events per second, per CPU-second; with ``--pages``, one more day
  with the automatic checkpoint held back so that the database pages the day wrote are counted by b-tree (dbstat);
- ``drillpad rebuild`` in its own process: time and peak resident memory.
Without ``--data`` it generates a tiny site in a temporary directory (the SMOKE size).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import struct
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen  # noqa: E402
from bench_learning import rebuild_in_child  # noqa: E402

from drillpad.manager import ManagerDesk  # noqa: E402
from drillpad.store import events as event_store  # noqa: E402

SMOKE = {"learners": 6, "events_each": 60, "days": 1, "pages": True}


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _day(ws, day: int, per: str) -> dict:
    end = datagen.T0 + timedelta(days=datagen.SPAN_DAYS)
    bundles = datagen.day_of_bundles(ws, end + timedelta(days=day), per=per, seed=11 + day)
    n = sum(map(len, bundles))
    t, cpu = time.perf_counter(), time.process_time()
    for bundle in bundles:
        event_store.apply(ws.db, bundle)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"day": day, "per": per, "bundles": len(bundles), "events": n, "events_per_s": round(n / wall),
            "events_per_cpu_s": round(n / max(cpu, 1e-9)), "load": round(os.getloadavg()[0], 1)}


def _pages(ws, data_dir: Path, day: int) -> dict:
    """One day's bundles with the checkpoint held back: the WAL's frames are the pages the day wrote."""
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        r = _day(ws, day, "device")
        wal = (data_dir / "drillpad.db-wal").read_bytes()
        size = struct.unpack(">I", wal[8:12])[0]
        frames = [struct.unpack(">I", wal[o:o + 4])[0] for o in range(32, len(wal) - size - 23, size + 24)]
        want = set(frames)
        owner = {p: name for name, p in ws.db.execute("SELECT name, pageno FROM dbstat") if p in want}
        by = collections.Counter(owner.get(p, "(new)") for p in want)
    finally:
        ws.db.execute("PRAGMA wal_autocheckpoint = 1000")
        ws.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return {"events": r["events"], "frames": len(frames), "pages": len(want),
            "pages_per_event": round(len(want) / max(r["events"], 1), 2), "by_btree": dict(by.most_common(12))}


def measure(data_dir: Path, days: int, pages: bool) -> dict:
    out: dict = {"data": str(data_dir)}
    with datagen.open_workspace(data_dir) as ws:
        out["events"] = ws.db.execute("SELECT count(*) FROM events").fetchone()[0]
        ids = [r[0] for r in ws.db.execute("SELECT id FROM learners ORDER BY rowid")]
        learner = ids[len(ids) // 2]  # bench_learning's learner (the middle one generated)
        ws.today(learner)
        out["today_ms"] = round(_median_ms(lambda: ws.today(learner), 50), 1)
        out["today_slowest_ms"] = round(max(_median_ms(lambda: ws.today(lid), 3) for lid in ids), 1)
        t = time.perf_counter()
        ManagerDesk(ws).calibration_set()
        out["calibration_ms"] = round((time.perf_counter() - t) * 1000)
        out["days"] = [_day(ws, d, "device") for d in range(1, days + 1)]
        out["days_per_learner"] = [_day(ws, days + 1, "learner")]
        if pages:
            out["pages"] = _pages(ws, data_dir, days + 2)
    t = time.perf_counter()
    out["rebuild"], out["rebuild_peak_mb"] = rebuild_in_child(data_dir)
    out["rebuild_s"] = round(time.perf_counter() - t, 1)
    return out


def run(data: Path | None = None, days: int = 3, pages: bool = True, learners: int = 200,
        events_each: int = 1000) -> dict:
    if data is not None:
        return measure(data, days, pages)
    with tempfile.TemporaryDirectory(prefix="drillpad-bench-scale-") as tmp:
        with datagen.open_workspace(Path(tmp)) as ws:
            datagen.generate(ws, learners, events_each)
        return measure(Path(tmp), days, pages)


def report(r: dict) -> list[tuple[str, str, str, str]]:
    scale = f"[{r['events'] / 1000:,.0f}k events]"
    device = sorted(d["events_per_s"] for d in r["days"])
    cpu = sorted(d["events_per_cpu_s"] for d in r["days"])
    rows = [
        (f"{scale} today's queue, one learner", f"{r['today_ms']:.1f} ms", "< 20 ms",
         f"slowest learner {r['today_slowest_ms']:.1f} ms"),
        (f"{scale} calibration set, first made", f"{r['calibration_ms']:,} ms", "(opens fast)", "then kept"),
        (f"{scale} a day's bundles, one per workstation", f"{statistics.median(device):,.0f} events/s",
         "≥ 5,000/s", f"{len(device)} days: {device[0]:,}–{device[-1]:,}/s; {statistics.median(cpu):,.0f} per "
         f"CPU-second; load {r['days'][0]['load']}"),
        (f"{scale} a day's bundles, one per learner", f"{r['days_per_learner'][0]['events_per_s']:,} events/s",
         "≥ 5,000/s", f"{r['days_per_learner'][0]['bundles']} bundles; "
         f"{r['days_per_learner'][0]['events_per_cpu_s']:,} per CPU-second"),
        (f"{scale} drillpad rebuild", f"{r['rebuild_s']:.0f} s", "< 5 min, memory flat",
         f"peak {r['rebuild_peak_mb']:.0f} MB resident (its own process)"),
    ]
    if "pages" in r:
        p = r["pages"]
        rows.append((f"{scale} pages a day's import writes", f"{p['pages_per_event']:.1f} per event", "reported",
                     f"{p['pages']:,} pages for {p['events']:,} events: " + ", ".join(
                         f"{k} {v:,}" for k, v in list(p["by_btree"].items())[:6])))
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="a kept data dir (a copy: the import adds days to it)")
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--no-pages", action="store_true", help="skip counting the pages a day writes")
    ap.add_argument("--random-ids", action="store_true",
                    help="give the day's events random (version-4) ids, as DrillPad did before time-ordered ids")
    args = ap.parse_args()
    if args.random_ids:
        import random
        import uuid
        datagen._Writer.make_id = staticmethod(lambda at: str(uuid.UUID(int=random.getrandbits(128), version=4)))
    result = run(args.data, args.days, not args.no_pages)
    for row in report(result):
        print("   ", "  ".join(row))
    print(json.dumps(result, indent=2))
