"""Derived aggregates (store/aggregates.py): kept in step with each event, equal to a rebuild, and the
metrics read from them equal ``metrics.compute`` over the events — on randomised histories with
clocks that run backwards, replays and merges from several devices."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillpad.clock import to_iso
from drillpad.core import competency as competency_core
from drillpad.core import metrics as metrics_core
from drillpad.store import aggregates
from drillpad.store import events as event_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ITEMS = {"p1": "jam", "p2": "jam", "d1": "spill", "d2": "jam"}
BEHAVIOURS = ("isolation", "reporting", "accuracy")  # the minipack's: drill on jam, observed and work sample
TABLES = {"review_facts": "event_id", "review_days": "learner_id, task, day", "task_progress": "learner_id, task",
          "learner_days": "learner_id, day", "competency_tallies": "learner_id, task, behaviour, evidence",
          "competency_calls": "learner_id, behaviour, kind", "drill_decisions": "learner_id, attempt_id",
          "drill_tallies": "learner_id, item, key", "event_counts": "learner_id"}


@pytest.fixture
def ws(workspace, minipack):
    workspace.import_pack(minipack)
    return workspace


def _event(draw, learner: str, device: str) -> dict:
    kind = draw(st.sampled_from(["review"] * 6 + ["level", "lesson.read", "reflection", "checkin", "demonstration",
                                                  "demonstration", "review.decision", "review.decision", "signoff",
                                                  "competency.override"]))
    when = T0 + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))
    item = draw(st.sampled_from(sorted(ITEMS)))
    if kind == "review":
        payload = {"pack": "mini-dock", "task": ITEMS[item], "item_kind": "drill" if item == "d1" else "prompt",
                   "item": item, "correct": draw(st.booleans()), "attempt": draw(st.integers(1, 3)),
                   "confidence": draw(st.integers(0, 5)), "rating": 3, "needs_review": draw(st.booleans()),
                   "missed": draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)),
                   "flags": draw(st.lists(st.sampled_from(["keyword_run", "instruction"]), max_size=2))}
    elif kind == "review.decision":  # "event" is set to one of the history's events below
        payload = {"passed": draw(st.booleans()), "criteria": {}, "by": "m"}
    elif kind in ("signoff", "competency.override"):
        payload = {"behaviour": draw(st.sampled_from(BEHAVIOURS)), "level": draw(st.integers(1, 5)), "by": "m",
                   "note": draw(st.sampled_from(["", "seen"]))}
    elif kind == "demonstration":
        payload = {"pack": "mini-dock", "task": draw(st.sampled_from(["jam", "spill", "scan", "unload"])),
                   "note": "x", "source": draw(st.sampled_from(["self", "peer", "manager"]))}
        behaviour = draw(st.sampled_from([None, *BEHAVIOURS]))
        if behaviour is not None:
            payload["behaviour"] = behaviour
    elif kind == "level":
        payload = {"task": ITEMS[item], "level": draw(st.integers(2, 5))}
    elif kind == "lesson.read":
        payload = {"pack": "mini-dock", "task": ITEMS[item]}
    else:
        payload = {"note": "x"}
    return {"learner": learner, "device": device, "kind": kind, "payload": payload, "when": when}


@st.composite
def histories(draw):
    learners = [str(uuid.uuid4()) for _ in range(draw(st.integers(1, 3)))]
    devices = [str(uuid.uuid4()) for _ in range(draw(st.integers(1, 3)))]
    events = [_event(draw, draw(st.sampled_from(learners)), draw(st.sampled_from(devices)))
              for _ in range(draw(st.integers(0, 40)))]
    # each device numbers its events in the order it made them; their clocks need not agree with it
    seqs: dict[str, int] = {}
    for e in events:
        e["seq"] = seqs[e["device"]] = seqs.get(e["device"], 0) + 1
        e["id"] = str(uuid.uuid4())
    drills = [e for e in events if e["payload"].get("item_kind") == "drill"][:3]  # decided again and again
    for e in events:  # a manager's decision on one of the first drill attempts (or, wrongly, on another record)
        if e["kind"] == "review.decision":
            target = draw(st.sampled_from(drills)) if drills and draw(st.integers(0, 4)) else \
                events[draw(st.integers(0, len(events) - 1))]
            e["payload"]["event"], e["learner"] = target["id"], target["learner"]
    batches = draw(st.lists(st.integers(1, 8), min_size=1))  # bundle sizes; the rest in a final bundle
    order = draw(st.permutations(range(len(events))))  # bundles arrive in any order (merges, late bundles)
    replay = draw(st.booleans())
    ranges = draw(st.lists(st.tuples(st.integers(-2 * 24, 42 * 24), st.integers(1, 30 * 24)), max_size=3))
    return learners, devices, events, batches, order, replay, ranges


def _store(ws, learners, devices, events, batches, order, replay) -> None:
    with ws.db.atomic():
        for n, learner in enumerate(learners):
            ws.db["learners"].insert({"id": learner, "name": f"L {learner}", "pack_id": "mini-dock",
                                      "role_id": "dock-hand", "created_at": to_iso(T0), "active": 1})
        for device in devices:
            ws.db.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES (?, 'd', 0, ?)",
                          [device, to_iso(T0)])
    stored = [event_store.Event(e["id"], e["device"], e["seq"], e["learner"], e["kind"], e["payload"],
                                to_iso(e["when"])) for e in events]
    queue = [stored[i] for i in order]
    while queue:
        size = batches[0] if batches else len(queue)
        batches = batches[1:]
        event_store.apply(ws.db, queue[:size])
        queue = queue[size:]
    if replay and stored:
        assert event_store.apply(ws.db, stored) == 0  # the same bundles again change nothing


def _tables(ws, learners) -> dict[str, list[tuple]]:
    marks = ",".join("?" * len(learners))
    return {t: ws.db.execute(f"SELECT * FROM {t} WHERE learner_id IN ({marks}) ORDER BY {key}", learners).fetchall()
            for t, key in TABLES.items()}


def _same(a: metrics_core.Metrics, b: metrics_core.Metrics) -> None:
    for name in ("first_time_accuracy", "error_recurrence", "delayed_quiz_score"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.calibration.by_confidence == b.calibration.by_confidence and a.calibration.n == b.calibration.n
    assert (a.calibration.brier is None) == (b.calibration.brier is None)
    if a.calibration.brier is not None:
        assert math.isclose(a.calibration.brier, b.calibration.brier, rel_tol=1e-12)
    ta, tb = a.time_to_independence, b.time_to_independence
    assert (ta.reached, ta.still_running, ta.median_days) == (tb.reached, tb.still_running, tb.median_days)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_aggregates_equal_a_computation_over_the_events_and_a_rebuild(ws, history):
    learners, devices, events, batches, order, replay, ranges = history
    _store(ws, learners, devices, events, batches, order, replay)
    views = ws._events(learners)
    ranges = [(None, None)] + [(T0 + timedelta(hours=a), T0 + timedelta(hours=a + b)) for a, b in ranges]
    for start, end in ranges + [(T0 + timedelta(days=3, hours=5), None), (None, T0 + timedelta(days=9, minutes=7))]:
        for task in (None, "jam", "spill"):
            expected = metrics_core.compute([e for e in views if task is None or e.payload.get("task") == task],
                                            start=start, end=end)
            _same(ws.stats(role="dock-hand", start=start, end=end, task=task)
                  if set(learners) == {lr.id for lr in ws.profiles.learners()} else
                  metrics_core.from_counts(aggregates.counts(ws.db, learners, task=task, start=start, end=end)),
                  expected)
    _same_levels(ws, learners)
    incremental = _tables(ws, learners)
    assert aggregates.rebuild(ws.db)["differed"] == 0
    assert _tables(ws, learners) == incremental
    assert not aggregates.unfolded(ws.db)


def _same_levels(ws, learners) -> None:
    """The heat-map's levels from the competency tallies equal ``assess`` over the learner's events."""
    specs, names = ws.behaviours("mini-dock", "dock-hand")
    inputs = aggregates.competency_inputs(ws.db, learners)
    for learner in learners:
        expected = ws.competency(learner)
        got = competency_core.assess_tallies(specs, names, *inputs[learner])
        fields = ("id", "level", "source_of_level", "counted", "required", "attempts", "success_rate",
                  "ready_for_signoff", "signed_off")
        assert [[getattr(b, f) for f in fields] for b in got] == [[getattr(b, f) for f in fields] for b in expected]


def test_stats_for_a_role_read_the_aggregates_and_keep_the_definitions(ws):
    """The workspace path end to end: answers recorded here, metrics equal compute() over the events."""
    lr = ws.profiles.add_learner("Ana Silva", "dock-hand")
    ws.read_lesson(lr.id, "lesson-jam")
    for prompt, answer in [("jam-first", "press the e-stop"), ("jam-first", "no idea"), ("jam-first", "e-stop")]:
        ws.answer_prompt(lr.id, prompt, answer, confidence=3)
        ws.clock.advance(days=8)
    expected = metrics_core.compute(ws._events([lr.id]))
    got = ws.stats(role="dock-hand")
    _same(got, expected)
    assert got.delayed_quiz_score.n == 2 and got.first_time_accuracy.n == 1


def test_rebuild_counts_each_damaged_review_day_once(ws):
    """A day whose sums were changed, one that went missing and one that should not exist: three days differ."""
    lr = ws.profiles.add_learner("Ana Silva", "dock-hand")
    ws.read_lesson(lr.id, "lesson-jam")
    for answer in ("press the e-stop", "no idea", "e-stop"):
        ws.answer_prompt(lr.id, "jam-first", answer, confidence=3)
        ws.clock.advance(days=1)
    days = ws.db.execute("SELECT day FROM review_days ORDER BY day").fetchall()
    assert len(days) == 3 and aggregates.rebuild(ws.db)["differed"] == 0
    ws.db.execute("UPDATE review_days SET n = n + 5 WHERE day = ?", days[0])
    ws.db.execute("DELETE FROM review_days WHERE day = ?", days[1])
    ws.db.execute("INSERT INTO review_days (learner_id, task, day, n) VALUES (?, 'jam', '2020-01-01', 1)", [lr.id])
    assert aggregates.rebuild(ws.db) == {"review_days": 3, "differed": 3}
    assert aggregates.rebuild(ws.db)["differed"] == 0
