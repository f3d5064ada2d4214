"""Learning engine and manager's desk on a big site's history (benchmarks/datagen.py).

For each scale (learners × events each; default 200 × 50 = 10k and 200 × 1,000 = 200k events,
and 2M with ``--scales 200x10000``), on a real database file written through the import path:
- today's queue for one learner — baseline: replaying the learner's review events (no cards);
- cohort metrics for all learners (all time and the last 30 days) and for one role — baseline: a query per learner
  and ``metrics.compute`` over the events;
- the team heat-map (``team_overview``) and cohort gaps — baseline: every learner's events read
  and assessed in Python, every review's JSON read for the gaps;
- coaching prep for one learner — baseline: the learner's events read and assessed;
- the calibration set (this month's anonymised answers) on the manager's desk;
- ``drillpad rebuild`` (cards and aggregates) in its own process, with that process's peak memory, and the
  database size per million events.
Medians of repeated runs; timings on shared 2-core machines are noisy: read ratios, not decimals.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen  # noqa: E402

from drillpad.core import metrics as metrics_core  # noqa: E402
from drillpad.core.scheduling import Rating, Review, make_scheduler, replay  # noqa: E402
from drillpad.manager import ManagerDesk  # noqa: E402

SCALES = ((200, 50), (200, 1000))
SMOKE = {"scales": ((6, 60),), "repeat": 1}


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def naive_queue(ws, learner_id: str) -> None:
    by_item: dict[str, list[Review]] = {}
    for e in ws._events([learner_id], ("review",)):
        by_item.setdefault(e.payload["item"], []).append(Review(e.when, Rating(e.payload["rating"])))
    scheduler = make_scheduler()
    sorted((replay(r, scheduler).due, item) for item, r in by_item.items())


def naive_metrics(ws, ids: list[str], start=None, end=None) -> metrics_core.Metrics:
    events = []
    for learner in ids:
        events += ws._events([learner])
    return metrics_core.compute(events, start=start, end=end)


def naive_overview_and_gaps(ws) -> None:
    for lr in ws.profiles.learners():
        events = ws._events([lr.id])
        ws.competency(lr.id, events)
        max((e.when for e in events if e.kind in ("review", "lesson.read", "demonstration", "reflection")),
            default=None)
    missed = Counter()
    for (payload,) in ws.db.execute("SELECT payload FROM events WHERE kind = 'review'"):
        p = json.loads(payload)
        if p.get("item_kind") == "drill":
            missed.update((p["item"], c) for c in p.get("missed", []))


def naive_coaching(ws, learner_id: str) -> None:
    events = ws._events([learner_id])
    ws.competency(learner_id, events)
    Counter((e.payload["item"], c) for e in events if e.kind == "review" for c in e.payload.get("missed", []))


def rebuild_in_child(data_dir: Path) -> tuple[dict, float]:
    """``drillpad rebuild`` as a user runs it, in its own process: its report and that process's peak resident
    memory in MB (``ru_maxrss``, read by the child at its end)."""
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1] / "src"),
                                                                      os.environ.get("PYTHONPATH")]))}
    code = ("import json, resource, sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]); import datagen; "
            "ws = datagen.open_workspace(Path(sys.argv[1])); report = ws.rebuild(); ws.close(); "
            "print(json.dumps([report, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", code, str(data_dir), str(Path(__file__).resolve().parent)],
                         env=env, check=True, capture_output=True, text=True).stdout
    report, peak_kib = json.loads(out.splitlines()[-1])  # KiB on Linux
    return report, round(peak_kib / 1024, 1)


def measure(data_dir: Path, learners: int, events_each: int, repeat: int) -> dict:
    with datagen.open_workspace(data_dir) as ws:
        t = time.perf_counter()
        g = datagen.generate(ws, learners, events_each)
        generate_s = time.perf_counter() - t
        events = ws.db.execute("SELECT count(*) FROM events").fetchone()[0]
        print(f"  generated {learners} learners × {events_each} events: {events:,} events in {generate_s:.1f} s; "
              f"imported at {g.events / g.import_seconds:,.0f} events/s (aggregates included)", flush=True)
        ws.clock.set(g.end)
        desk = ManagerDesk(ws)
        learner = g.learners[len(g.learners) // 2]
        role = ws.profiles.learner(learner)
        cohort = [lr.id for lr in ws.profiles.learners() if (lr.pack_id, lr.role_id) == (role.pack_id, role.role_id)]
        month = (g.end - timedelta(days=30), g.end)
        r = {"learners": learners, "events_each": events_each, "events": events, "generate_s": round(generate_s, 1),
             "import_events_per_s": round(g.events / g.import_seconds),
             "cohort": len(cohort)}
        r["today_ms"] = median_ms(lambda: ws.today(learner), repeat * 10)
        r["today_naive_ms"] = median_ms(lambda: naive_queue(ws, learner), repeat * 3)
        everyone = [lr.id for lr in ws.profiles.learners()]
        r["cohort"] = len(everyone)
        r["cohort_ms"] = median_ms(lambda: ws.stats(), repeat)
        r["cohort_naive_ms"] = median_ms(lambda: naive_metrics(ws, everyone), repeat)
        r["cohort_month_ms"] = median_ms(lambda: ws.stats(start=month[0], end=month[1]), repeat)
        r["cohort_month_naive_ms"] = median_ms(lambda: naive_metrics(ws, everyone, *month), repeat)
        r["role_ms"] = median_ms(lambda: ws.stats(role=f"{role.pack_id}:{role.role_id}"), repeat)
        r["role_naive_ms"] = median_ms(lambda: naive_metrics(ws, cohort), repeat)
        r["overview_gaps_ms"] = median_ms(lambda: (desk.team_overview(), desk.cohort_gaps()), repeat)
        r["overview_gaps_naive_ms"] = median_ms(lambda: naive_overview_and_gaps(ws), repeat)
        r["coaching_ms"] = median_ms(lambda: desk.coaching_prep(learner), repeat * 3)
        r["coaching_naive_ms"] = median_ms(lambda: naive_coaching(ws, learner), repeat * 3)
        day = datagen.day_of_bundles(ws, g.end + timedelta(days=1))  # a day after the history, 200 bundles
        from drillpad.store import events as event_store

        t, cpu = time.perf_counter(), time.process_time()
        for bundle in day:
            event_store.apply(ws.db, bundle)  # one transaction per bundle, as the import does
        r["day_bundles"], r["day_events"] = len(day), sum(len(b) for b in day)
        r["day_import_events_per_s"] = round(r["day_events"] / (time.perf_counter() - t))
        r["day_import_cpu_events_per_s"] = round(r["day_events"] / max(time.process_time() - cpu, 1e-9))
        day = datagen.day_of_bundles(ws, g.end + timedelta(days=2), seed=12, per="learner")  # the smallest bundles
        t = time.perf_counter()
        for bundle in day:
            event_store.apply(ws.db, bundle)
        r["day_small_bundles"] = len(day)
        r["day_small_import_events_per_s"] = round(sum(len(b) for b in day) / (time.perf_counter() - t))
        r["calibration_ms"] = median_ms(lambda: desk.calibration_set(), repeat)
        t = time.perf_counter()
        r["rebuild"], r["rebuild_peak_mb"] = rebuild_in_child(data_dir)
        r["rebuild_s"] = round(time.perf_counter() - t, 2)
    size = (data_dir / "drillpad.db").stat().st_size
    r["db_mb"] = round(size / 1e6, 1)
    r["mb_per_million_events"] = round(size / 1e6 / (events / 1e6), 0)
    return r


def run(scales=SCALES, repeat: int = 5, keep: Path | None = None) -> dict:
    out = {"scales": []}
    for learners, each in scales:
        if keep is not None:  # the database stays for a look afterwards
            r = measure(keep / f"{learners}x{each}", learners, each, repeat)
        else:
            with tempfile.TemporaryDirectory(prefix="drillpad-bench-learning-") as tmp:
                r = measure(Path(tmp), learners, each, repeat)
        out["scales"].append(r)
        for row in _rows(r):
            print("   ", "  ".join(row), flush=True)
    return out


def _rows(r: dict) -> list[tuple[str, str, str, str]]:
    scale = f"[{r['events'] / 1000:,.0f}k events]"
    ratio = lambda naive, fast: f"{r[naive] / max(r[fast], 1e-9):.2f}× naive ({r[naive]:.1f} ms)"  # noqa: E731
    return [
        (f"{scale} today's queue, one learner", f"{r['today_ms']:.1f} ms", "< 20 ms",
         ratio("today_naive_ms", "today_ms") + " — replaying events"),
        (f"{scale} cohort metrics, {r['cohort']} learners, all time", f"{r['cohort_ms']:.0f} ms", "< 1000 ms",
         ratio("cohort_naive_ms", "cohort_ms") + " — a query per learner"),
        (f"{scale} cohort metrics, last 30 days", f"{r['cohort_month_ms']:.0f} ms", "< 1000 ms",
         ratio("cohort_month_naive_ms", "cohort_month_ms")),
        (f"{scale} cohort metrics, one role (half the learners)",
         f"{r['role_ms']:.0f} ms", "< 1000 ms", ratio("role_naive_ms", "role_ms")),
        (f"{scale} team heat-map + cohort gaps", f"{r['overview_gaps_ms']:.0f} ms", "< 1000 ms",
         ratio("overview_gaps_naive_ms", "overview_gaps_ms") + " — every event read"),
        (f"{scale} coaching prep, one learner", f"{r['coaching_ms']:.0f} ms", "< 200 ms",
         ratio("coaching_naive_ms", "coaching_ms")),
        (f"{scale} drillpad rebuild", f"{r['rebuild_s']:.1f} s", "< 5 min, memory flat",
         f"peak {r['rebuild_peak_mb']:.0f} MB resident (its own process); {json.dumps(r['rebuild'])}"),
        (f"{scale} calibration set (this month's 8 answers)", f"{r['calibration_ms']:.0f} ms", "(opens fast)",
         "from the drill attempts in the aggregates"),
        (f"{scale} import of a day's bundles, one transaction each", f"{r['day_import_events_per_s']:,} events/s",
         "≥ 5,000/s", f"{r['day_bundles']} bundles (one per workstation), {r['day_events']:,} events, aggregates "
         f"included; {r['day_import_cpu_events_per_s']:,} events per CPU-second; one bundle per learner "
         f"({r['day_small_bundles']}): {r['day_small_import_events_per_s']:,} events/s"),
        (f"{scale} database size", f"{r['db_mb']:.0f} MB", "reported", f"{r['mb_per_million_events']:.0f} MB per "
         f"million events; history imported at {r['import_events_per_s']:,} events/s in bundles of 2,000"),
    ]


def report(result: dict) -> list[tuple[str, str, str, str]]:
    return [row for r in result["scales"] for row in _rows(r)]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="*", default=[f"{a}x{b}" for a, b in SCALES],
                    help="LEARNERSxEVENTS_EACH, e.g. 200x50 200x1000 200x10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep each scale's data directory under this folder")
    args = ap.parse_args()
    scales = [tuple(int(x) for x in s.split("x")) for s in args.scales]
    result = run(scales, args.repeat, args.keep)
    print(json.dumps(result, indent=2))
