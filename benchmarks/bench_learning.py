"""Learning-engine benchmark: today's queue and cohort metrics on a populated SQLite file.

Default scale: 200 learners and 10,000 review events (50 each) spread over 90 days, on a
real database file with the demo-like test pack. Figures are medians of repeated runs, with
the ratio to a naive baseline measured in the same run:
- queue baseline: recompute every card of the learner by replaying its events (no cards table);
- metrics baseline: one query per learner instead of one query for the cohort.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from drillpad.clock import FixedClock, to_iso
from drillpad.core import metrics as metrics_core
from drillpad.core.scheduling import Rating, Review, make_scheduler, replay
from drillpad.paths import Paths
from drillpad.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "tests" / "data" / "minipack"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def populate(ws: Workspace, learners: int, events: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    ws.import_pack(PACK)
    ids = []
    with ws.db.atomic():
        for i in range(learners):
            ids.append(ws.add_learner(f"Learner {i:03}", "dock-hand").id)
        rows = []
        for n in range(events):
            learner = ids[n % learners]
            when = T0 + timedelta(minutes=rng.randint(0, 90 * 24 * 60))
            correct = rng.random() < 0.7
            rows.append((str(uuid.uuid4()), ws.device_id, n + 100, learner, "review", json.dumps({
                "pack": "mini-dock", "task": "jam", "item_kind": "prompt", "item": "jam-first",
                "score": 1.0 if correct else 0.0, "correct": correct, "confidence": rng.randint(1, 4),
                "rating": int(Rating.Good if correct else Rating.Again), "attempt": 1 + n // learners,
                "missed": [] if correct else ["Press the e-stop"]}), to_iso(when)))
        ws.db.conn.executemany("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    ws.rebuild()
    return ids


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def naive_queue(ws: Workspace, learner_id: str) -> None:
    rows = ws.db.execute("SELECT created_at, payload FROM events WHERE learner_id = ? AND kind = 'review' "
                         "ORDER BY created_at", [learner_id]).fetchall()
    by_item: dict[str, list[Review]] = {}
    for when, payload in rows:
        p = json.loads(payload)
        by_item.setdefault(p["item"], []).append(Review(datetime.fromisoformat(when), Rating(p["rating"])))
    scheduler = make_scheduler()
    sorted((replay(r, scheduler).due, item) for item, r in by_item.items())


def naive_metrics(ws: Workspace, ids: list[str]) -> None:
    events = []
    for learner in ids:
        events += ws._events([learner])
    metrics_core.compute(events)


def run(learners: int = 200, events: int = 10_000, repeat: int = 20) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(T0 + timedelta(days=91))
        with Workspace(Paths.resolve(Path(tmp), env={}), clock=clock) as ws:
            t = time.perf_counter()
            ids = populate(ws, learners, events)
            setup_s = time.perf_counter() - t
            learner = "Learner 007"
            queue_ms = median_ms(lambda: ws.today(learner), repeat)
            naive_queue_ms = median_ms(lambda: naive_queue(ws, ws.learner(learner).id), repeat)
            cohort_ms = median_ms(lambda: ws.stats(role="dock-hand"), max(3, repeat // 4))
            naive_cohort_ms = median_ms(lambda: naive_metrics(ws, ids), max(3, repeat // 4))
    return {"learners": learners, "review_events": events, "setup_seconds": round(setup_s, 2),
            "today_queue_ms": round(queue_ms, 2), "today_queue_naive_ms": round(naive_queue_ms, 2),
            "cohort_metrics_ms": round(cohort_ms, 1), "cohort_metrics_naive_ms": round(naive_cohort_ms, 1)}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    return [
        ("today's queue, one learner", f"{r['today_queue_ms']:.2f} ms", "< 20 ms",
         f"{r['today_queue_naive_ms'] / r['today_queue_ms']:.2f}× vs replaying events"),
        ("cohort metrics, 200 learners", f"{r['cohort_metrics_ms']:.0f} ms", "< 1000 ms",
         f"{r['cohort_metrics_naive_ms'] / r['cohort_metrics_ms']:.2f}× vs a query per learner"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--events", type=int, default=10_000)
    args = ap.parse_args()
    result = run(args.learners, args.events)
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
