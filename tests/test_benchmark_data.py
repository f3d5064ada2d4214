"""The benchmark data generator (benchmarks/datagen.py) and the learning benchmark at its smoke size."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks import datagen

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def ws(tmp_path):
    with datagen.open_workspace(tmp_path / "data") as ws:
        yield ws


def test_generated_history_coexists_with_this_workstations_own_events(ws):
    ws.install_demo()  # the demo learners' own events on this device come first
    g = datagen.generate(ws, 6, 120)
    sam = ws.profiles.learner("Sam Ortiz")
    ws.read_lesson(sam.id, ws.today(sam.id).items[0].item_id)  # a new local event after the import: no seq clash
    ws.profiles.add_learner("After Import", "warehouse-associate")
    assert len(g.learners) == 6 and g.events >= 6 * 120


def test_generated_history_is_realistic(ws):
    g = datagen.generate(ws, 8, 400)
    kinds = dict(ws.db.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    for kind in ("learner.added", "lesson.read", "review", "demonstration", "reflection", "checkin", "signoff",
                 "review.decision", "coaching.plan"):
        assert kinds.get(kind), f"no {kind} events"
    items = ws.db.execute("SELECT count(DISTINCT json_extract(payload, '$.item')), "
                          "sum(json_extract(payload, '$.needs_review') = 1), "
                          "count(DISTINCT json_extract(payload, '$.confidence')), avg(json_extract(payload, '$.correct')) "
                          "FROM events WHERE kind = 'review'").fetchone()
    assert items[0] >= 10 and items[1] > 0 and items[2] == 4 and 0.4 < items[3] < 0.9
    first, last = ws.db.execute("SELECT min(created_at), max(created_at) FROM events").fetchone()
    assert datagen.from_iso(last) - datagen.from_iso(first) > timedelta(days=365)
    assert {lr.role_id for lr in ws.profiles.learners()} == {"warehouse-associate", "field-technician"}
    assert ws.db.execute("SELECT count(*) FROM cards").fetchone()[0] > 0  # Today has its schedule
    assert ws.rebuild()["differed"] == 0


def test_learning_benchmark_runs_at_its_smoke_size():
    spec = importlib.util.spec_from_file_location("bench_learning", BENCHMARKS / "bench_learning.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.run(**bench.SMOKE)
    rows = bench.report(result)
    assert [r for r in rows if "today's queue" in r[0]] and result["scales"][0]["events"] > 0


def test_every_benchmark_has_a_smoke_size():
    for path in sorted(BENCHMARKS.glob("bench_*.py")):
        text = path.read_text()
        assert "\nSMOKE = {" in text, f"{path.name} has no SMOKE size: `make bench-smoke` (CI) cannot run it"
