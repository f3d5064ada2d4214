"""Each metric on a small hand-computed example."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from drillpad.core.events import EventView
from drillpad.core.metrics import compute

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count()


def r(learner, item, day, correct, attempt=2, confidence=3, missed=(), task="jam"):
    return EventView(f"e{next(_ids)}", "review", T0 + timedelta(days=day),
                     {"item": item, "task": task, "correct": correct, "attempt": attempt, "confidence": confidence,
                      "missed": list(missed)}, learner)


def test_first_time_accuracy():
    m = compute([r("a", "p1", 0, True, 1), r("a", "p2", 0, False, 1), r("b", "p1", 0, True, 1),
                 r("a", "p2", 1, True, 2)])
    assert (round(m.first_time_accuracy.value, 3), m.first_time_accuracy.n) == (0.667, 3)


def test_delayed_quiz_score_counts_reviews_seven_days_after_first_answer():
    m = compute([r("a", "p1", 0, True), r("a", "p1", 6, False), r("a", "p1", 7, True), r("a", "p1", 20, False),
                 r("b", "p1", 8, True)])
    assert (m.delayed_quiz_score.value, m.delayed_quiz_score.n) == (0.5, 2)


def test_error_recurrence_within_fourteen_days():
    events = [
        r("a", "d1", 0, False, missed=["lockout", "test"]),
        r("a", "d1", 3, False, missed=["test"]),     # lockout fixed, test recurred
        r("a", "d1", 30, True),                      # too late to count for day-3's miss
        r("b", "d1", 0, False, missed=["lockout"]),  # never re-attempted: not counted
    ]
    m = compute(events)
    assert (m.error_recurrence.value, m.error_recurrence.n) == (0.5, 2)


def test_confidence_calibration_and_brier():
    m = compute([r("a", "p", 0, True, confidence=4), r("a", "q", 0, False, confidence=4),
                 r("a", "s", 0, True, confidence=1)])
    assert m.calibration.by_confidence[4].value == 0.5 and m.calibration.by_confidence[4].n == 2
    assert m.calibration.by_confidence[2].value is None
    expected = ((0.95 - 1) ** 2 + (0.95 - 0) ** 2 + (0.25 - 1) ** 2) / 3
    assert abs(m.calibration.brier - expected) < 1e-9


def test_time_to_independence_keeps_learners_still_running():
    events = [r("a", "p", 0, True), EventView("l1", "level", T0 + timedelta(days=10), {"task": "jam", "level": 4}, "a"),
              r("b", "p", 2, True), EventView("l2", "level", T0 + timedelta(days=5), {"task": "jam", "level": 3}, "b")]
    m = compute(events)
    t = m.time_to_independence
    assert (t.median_days, t.reached, t.still_running) == (10.0, 1, 1)


def test_date_range_filters_and_empty_is_not_a_number():
    events = [r("a", "p1", 0, True, 1), r("a", "p2", 10, False, 1)]
    m = compute(events, start=T0 + timedelta(days=5))
    assert (m.first_time_accuracy.value, m.first_time_accuracy.n) == (0.0, 1)
    empty = compute([])
    assert empty.first_time_accuracy.value is None and str(empty.first_time_accuracy) == "–"
