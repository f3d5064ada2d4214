"""Stage transitions from event sequences, and the weekly cadence with roll-over."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from drillpad.core.cadence import WeekItem, cadence
from drillpad.core.events import EventView
from drillpad.core.journey import RehearseRule, task_journey

MON = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
_ids = itertools.count(1)


def ev(kind, day, **payload):
    return EventView(f"e{next(_ids)}", kind, MON + timedelta(days=day), {"task": "jam", **payload})


def review(day, correct=True, kind="prompt"):
    return ev("review", day, item_kind=kind, correct=correct)


def test_nothing_done_is_learn():
    j = task_journey("jam", [])
    assert (j.stage, j.learn_met, j.reasons) == ("learn", False, [])


def test_reading_alone_does_not_pass_learn():
    assert task_journey("jam", [ev("lesson.read", 0)]).stage == "learn"


def test_recall_before_reading_does_not_count_for_learn():
    j = task_journey("jam", [review(0), ev("lesson.read", 0.1)])
    assert not j.learn_met


def test_read_then_recall_moves_to_rehearse_with_reasons():
    read, recall = ev("lesson.read", 0), review(0.01)
    j = task_journey("jam", [read, recall])
    assert j.stage == "rehearse" and j.learn_met
    assert j.evidence[:2] == [read.id, recall.id]
    assert "passed the recall check on Mon 2 Mar" in j.reasons


def test_rehearse_needs_two_days_at_least_two_days_apart():
    base = [ev("lesson.read", 0), review(0.01)]
    assert task_journey("jam", base + [review(1)]).stage == "rehearse"  # only 1 day apart
    assert task_journey("jam", base + [review(2, correct=False)]).stage == "rehearse"
    assert task_journey("jam", base + [review(2, kind="drill")]).stage == "perform"


def test_rehearse_rule_is_configurable():
    events = [ev("lesson.read", 0), review(0.01), review(1)]
    assert task_journey("jam", events, rule=RehearseRule(2, 1)).stage == "perform"
    assert task_journey("jam", events + [review(5)], rule=RehearseRule(3, 4)).stage == "perform"


def test_perform_counts_demonstrations_then_ready_for_sign_off():
    events = [ev("lesson.read", 0), review(0.01), review(3)]
    j = task_journey("jam", events + [ev("demonstration", 4)], demonstrations_needed=2)
    assert (j.stage, j.demonstrations) == ("perform", 1)
    j = task_journey("jam", events + [ev("demonstration", 4), ev("demonstration", 6)], demonstrations_needed=2)
    assert j.stage == "ready"


def test_other_tasks_events_are_ignored():
    other = EventView("x", "lesson.read", MON, {"task": "spill"})
    assert task_journey("jam", [other]).reasons == []


def c(kind, day, **payload):
    return EventView(f"c{next(_ids)}", kind, MON + timedelta(days=day), payload)


def statuses(items, item):
    return [(w.week.isoformat(), w.status) for w in items if w.item == item]


def test_current_week_is_pending_until_done():
    items = cadence([c("review", 1, item_kind="prompt")], start=MON, now=MON + timedelta(days=2))
    assert WeekItem(MON.date(), "prompt", "done") in items
    assert WeekItem(MON.date(), "scenario", "pending") in items
    assert WeekItem(MON.date(), "checkin", "pending") in items


def test_missed_item_rolls_over_once_then_is_missed():
    now = MON + timedelta(days=15)  # third week
    assert statuses(cadence([], start=MON, now=MON + timedelta(days=8)), "reflection") == [
        ("2026-03-02", "rolled over"), ("2026-03-09", "pending")]
    assert statuses(cadence([], start=MON, now=now), "reflection") == [
        ("2026-03-02", "missed"), ("2026-03-09", "rolled over"), ("2026-03-16", "pending")]


def test_catching_up_pays_the_oldest_first():
    events = [c("reflection", 8), c("reflection", 9)]
    assert statuses(cadence(events, start=MON, now=MON + timedelta(days=10)), "reflection") == [
        ("2026-03-02", "done late"), ("2026-03-09", "done")]
    events = [c("reflection", 8)]
    assert statuses(cadence(events, start=MON, now=MON + timedelta(days=10)), "reflection") == [
        ("2026-03-02", "done late"), ("2026-03-09", "pending")]


def test_week_start_day_is_configurable():
    # Week starting Wednesday (2): a Tuesday review belongs to the previous week.
    items = cadence([c("review", 1, item_kind="drill")], start=MON, now=MON + timedelta(days=3), start_weekday=2)
    assert statuses(items, "scenario") == [("2026-02-25", "done"), ("2026-03-04", "pending")]
