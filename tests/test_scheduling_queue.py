"""FSRS rating map, replayable card state, and today's queue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from drillpad.core.queue import Candidate, build_queue
from drillpad.core.scheduling import Rating, Review, make_scheduler, rate, replay

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"score": 0.0, "confidence": 4}, Rating.Again),
    ({"score": 1.0, "confidence": 4, "required_missed": True}, Rating.Again),
    ({"score": 0.6, "confidence": 3}, Rating.Hard),
    ({"score": 1.0, "confidence": 2}, Rating.Hard),
    ({"score": 1.0, "confidence": 3, "seconds": 400, "expected_seconds": 120}, Rating.Hard),
    ({"score": 1.0, "confidence": 3}, Rating.Good),
    ({"score": 1.0, "confidence": 4, "seconds": 200, "expected_seconds": 120}, Rating.Good),
    ({"score": 1.0, "confidence": 4, "seconds": 50, "expected_seconds": 120}, Rating.Easy),
])
def test_rating_map(kwargs, expected):
    assert rate(**kwargs) == expected


def test_confidence_out_of_range():
    with pytest.raises(ValueError, match="confidence"):
        rate(1.0, confidence=5)


def test_replay_is_deterministic_and_spaces_out_good_answers():
    s = make_scheduler(0.9)
    reviews = [Review(T0, Rating.Good), Review(T0 + timedelta(days=1), Rating.Good),
               Review(T0 + timedelta(days=8), Rating.Good)]
    a, b = replay(reviews, s), replay(reviews, s)
    assert a.to_dict() == b.to_dict()
    gaps = [replay(reviews[: i + 1], s).due - reviews[i].when for i in range(3)]
    assert gaps[0] < gaps[1] < gaps[2]


def test_wrong_answer_brings_the_card_back_soon():
    s = make_scheduler(0.9)
    good = replay([Review(T0, Rating.Good), Review(T0 + timedelta(days=2), Rating.Good)], s)
    lapsed = replay([Review(T0, Rating.Good), Review(T0 + timedelta(days=2), Rating.Again)], s)
    assert lapsed.due < good.due
    assert lapsed.due - (T0 + timedelta(days=2)) < timedelta(days=1)


def test_clock_going_backwards_never_schedules_into_the_past():
    s = make_scheduler(0.9)
    card = replay([Review(T0, Rating.Good), Review(T0 - timedelta(days=30), Rating.Good)], s)
    assert card.last_review == T0
    assert card.due > T0


def cand(item, due_days=None, minutes=2.0, order=0):
    return Candidate(item, "prompt", "t", minutes, None if due_days is None else T0 + timedelta(days=due_days), order)


def test_due_first_most_overdue_first_then_capped_new():
    queue = build_queue([cand("new-b", order=2), cand("due-1", -1), cand("due-5", -5), cand("new-a", order=1),
                         cand("future", 3), cand("new-c", order=3)], T0, budget_minutes=10, new_per_day=2)
    assert [q.item_id for q in queue] == ["due-5", "due-1", "new-a", "new-b"]
    assert queue[0].reason == "overdue 5 days" and queue[2].reason == "new"


def test_back_after_three_weeks_no_flood():
    many = [cand(f"due-{i:02}", -21 + i * 0.5) for i in range(40)]
    queue = build_queue(many + [cand("new", order=1)], T0, budget_minutes=10, new_per_day=5)
    assert [q.item_id for q in queue] == ["due-00", "due-01", "due-02", "due-03", "due-04"]
    assert sum(q.minutes for q in queue) <= 10


def test_one_item_even_when_it_is_longer_than_the_budget():
    queue = build_queue([cand("long", -1, minutes=15)], T0, budget_minutes=10, new_per_day=5)
    assert [q.item_id for q in queue] == ["long"]


def test_new_items_already_started_today_count_against_the_cap():
    queue = build_queue([cand(f"n{i}", order=i) for i in range(5)], T0, budget_minutes=30, new_per_day=3,
                        new_done_today=2)
    assert [q.item_id for q in queue] == ["n0"]
