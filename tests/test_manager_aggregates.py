"""The manager's desk on a realistic history (benchmarks/datagen.py): the team heat-map, cohort gaps and
coaching prep read the aggregates, and give what reading every learner's events gives."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from benchmarks import datagen
from drillpad.manager import ManagerDesk
from drillpad.store import aggregates


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with datagen.open_workspace(tmp_path_factory.mktemp("site") / "data") as ws:
        g = datagen.generate(ws, 6, 300)
        ws.clock.set(g.end)
        yield ws, g


def _from_events(monkeypatch, ws):
    """Every learner read from its events, as when rows are stored around the aggregates."""
    monkeypatch.setattr(aggregates, "unfolded", lambda db: {lr.id for lr in ws.profiles.learners()})


def _levels(rows):
    return [(r.id, [(b.id, b.level, b.source_of_level, b.counted, b.attempts, b.ready_for_signoff, b.signed_off)
                    for b in r.levels], r.stuck, r.invalid) for r in rows]


def test_heat_map_from_the_aggregates_equals_reading_the_events(site, monkeypatch):
    ws, _ = site
    desk = ManagerDesk(ws)
    fast = desk.team_overview()
    assert any(b.level > 1 for r in fast for b in r.levels) and all(not b.evidence for r in fast for b in r.levels)
    _from_events(monkeypatch, ws)
    assert _levels(fast) == _levels(desk.team_overview())


@pytest.mark.parametrize("days_before_end", [0, 200])
def test_coaching_prep_from_the_aggregates_equals_reading_the_events(site, monkeypatch, days_before_end):
    ws, g = site
    ws.clock.set(g.end - timedelta(days=days_before_end))
    desk = ManagerDesk(ws)
    try:
        fast = {lr.id: desk.coaching_prep(lr.id) for lr in ws.profiles.learners()}
        assert any(p.friction for p in fast.values())
        _from_events(monkeypatch, ws)
        assert {lr.id: desk.coaching_prep(lr.id) for lr in ws.profiles.learners()} == fast
    finally:
        ws.clock.set(g.end)


def test_cohort_gaps_count_learners_not_attempts(site):
    ws, _ = site
    gaps = ManagerDesk(ws).cohort_gaps(limit=100)
    expected = {}
    for learner, payload in ws.db.execute("SELECT learner_id, payload FROM events WHERE kind = 'review'"):
        p = json.loads(payload)
        for c in p.get("missed", []) if p.get("item_kind") == "drill" else []:
            expected.setdefault((p["item"], c), set()).add(learner)
    assert gaps and {(g.drill_id, g.criterion_id): g.missed_by for g in gaps} == {k: len(v) for k, v in expected.items()}


def test_a_late_decision_on_a_routed_attempt_moves_the_level_once(site):  # last: it adds to the site
    """An attempt waiting for review counts once the manager's decision arrives — whichever arrives first."""
    ws, _ = site
    learner = ws.profiles.learners()[0]
    specs, _ = ws.behaviours(learner.pack_id, learner.role_id)
    drill_spec = next(s for s in specs if s.evidence == "drill")
    before = next(r for r in ManagerDesk(ws).team_overview() if r.id == learner.id).levels
    counted = next(b.counted for b in before if b.id == drill_spec.id)
    from drillpad.store import events as event_store

    device = ws.db.execute("SELECT id FROM devices WHERE is_self = 0 LIMIT 1").fetchone()[0]
    seq = ws.db.execute("SELECT max(seq) FROM events WHERE device_id = ?", [device]).fetchone()[0]
    at = datagen.to_iso(ws.clock.now() - timedelta(hours=1))
    attempt = event_store.Event("6a1d2c3e-0000-4000-8000-000000000001", device, seq + 2, learner.id, "review", {
        "pack": learner.pack_id, "task": drill_spec.tasks[0], "item_kind": "drill", "item": "x", "score": 1,
        "correct": False, "needs_review": True, "confidence": 3, "rating": 2, "attempt": 1, "missed": []}, at)
    decision = event_store.Event("6a1d2c3e-0000-4000-8000-000000000002", device, seq + 1, learner.id,
                                 "review.decision", {"event": attempt.id, "passed": True, "criteria": {}}, at)
    event_store.apply(ws.db, [decision])  # the decision's bundle arrives first
    event_store.apply(ws.db, [attempt])
    after = next(r for r in ManagerDesk(ws).team_overview() if r.id == learner.id).levels
    assert next(b.counted for b in after if b.id == drill_spec.id) == counted + 1
    assert aggregates.rebuild(ws.db)["differed"] == 0
    assert next(r for r in ManagerDesk(ws).team_overview() if r.id == learner.id).levels == after


def _calibration_from_every_event(desk: ManagerDesk, month: str, size: int = 8) -> list[tuple[str, str]]:
    """The calibration pick as it was made before the aggregates: every review event read and checked."""
    import hashlib

    learners = {lr.id for lr in desk._learners()}
    rows = [r[0] for r in desk._rows("SELECT id, learner_id, created_at, payload, kind FROM events WHERE kind = 'review'")
            if r[1] in learners and json.loads(r[3]).get("item_kind") == "drill"
            and len(json.loads(r[3]).get("answer", "").strip()) >= 20]
    rows.sort(key=lambda i: hashlib.sha256(f"{month}:{i}".encode()).hexdigest())
    return rows[:size]


@pytest.mark.parametrize("month", ["2025-03", "2026-12", "2027-01"])
def test_calibration_set_from_the_aggregates_equals_reading_every_event(site, monkeypatch, month):
    ws, _ = site
    desk = ManagerDesk(ws)
    read = []
    ws.db.conn.set_trace_callback(read.append)
    try:
        items = desk.calibration_set(month)
    finally:
        ws.db.conn.set_trace_callback(None)
    assert [i.event_id for i in items] == _calibration_from_every_event(desk, month)
    assert len(items) == 8 and [i.key for i in items] == [f"A{n}" for n in range(1, 9)]
    # the events it reads are the picked ones (and the few it passed over), each by its id
    from_events = [s for s in read if " FROM events" in s and not s.startswith("SELECT max(rowid)")]
    assert from_events and all("WHERE id =" in s for s in from_events) and len(from_events) < 20
    assert desk.calibration_set(month) == items  # made once for the tab, the report and the ratings
    _from_events(monkeypatch, ws)  # learners whose rows the aggregates did not take are read from their events
    assert ManagerDesk(ws).calibration_set(month) == items


def test_a_new_attempt_can_enter_this_months_calibration_set(site):  # adds to the site
    """The set is kept between calls only while no attempt arrives: one that sorts first this month is in it."""
    import hashlib
    import uuid

    from drillpad.store import events as event_store

    ws, _ = site
    desk = ManagerDesk(ws)
    month = "2026-12"
    before = desk.calibration_set(month)
    first = hashlib.sha256(f"{month}:{before[0].event_id}".encode()).digest()
    new_id = next(i for i in (str(uuid.uuid4()) for _ in range(100_000))
                  if hashlib.sha256(f"{month}:{i}".encode()).digest() < first)
    old = ws.db.execute("SELECT device_id, learner_id, payload FROM events WHERE id = ?", [before[0].event_id]).fetchone()
    seq = ws.db.execute("SELECT max(seq) FROM events WHERE device_id = ?", [old[0]]).fetchone()[0]
    event_store.apply(ws.db, [event_store.Event(new_id, old[0], seq + 1, old[1], "review", json.loads(old[2]),
                                                datagen.to_iso(ws.clock.now()))])
    after = desk.calibration_set(month)
    assert after[0].event_id == new_id and [i.event_id for i in after] == _calibration_from_every_event(desk, month)
