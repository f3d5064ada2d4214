"""Spaced retrieval with FSRS-6 (the ``fsrs`` package): ratings, card state, replay.

A card is one learner × item (retrieval prompt or drill). Its state is *derived*: replaying
the learner's review events for the item in order always gives the same card, so the
schedule can be rebuilt from the event log at any time.

Rating an answer (documented in the README):

=========================================================  ======
answer                                                     rating
=========================================================  ======
wrong (score < 0.5), or a required point missed            Again
partly right (0.5 ≤ score < 1), or right with confidence   Hard
≤ 2, or right but slower than twice the estimate
right                                                      Good
right, confidence 4 and within half the estimated time     Easy
=========================================================  ======

Clock going backwards (a workstation with a wrong clock): a review stamped before the card's
last review is scheduled as if it happened at that last review, so intervals never become
negative and the order of events, not wall-clock time, decides the state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler

__all__ = ["Rating", "Review", "rate", "make_scheduler", "replay"]


@dataclass(frozen=True)
class Review:
    when: datetime
    rating: Rating


def rate(score: float, *, confidence: int, required_missed: bool = False, seconds: float | None = None,
         expected_seconds: float | None = None) -> Rating:
    if not 1 <= confidence <= 4:
        raise ValueError("confidence is 1 (guess) to 4 (sure)")
    if score < 0.5 or required_missed:
        return Rating.Again
    slow = seconds is not None and expected_seconds is not None and seconds > 2 * expected_seconds
    if score < 1.0 or confidence <= 2 or slow:
        return Rating.Hard
    fast = seconds is not None and expected_seconds is not None and seconds <= expected_seconds / 2
    if confidence == 4 and fast:
        return Rating.Easy
    return Rating.Good


def make_scheduler(desired_retention: float = 0.9, *, fuzz: bool = False) -> Scheduler:
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)


def replay(reviews: Iterable[Review], scheduler: Scheduler, card_id: int = 1, *, start: Card | None = None) -> Card:
    """The card after *reviews*, applied in the given (event) order to *start* (a new card by default)."""
    card = Card(card_id=card_id) if start is None else start
    for review in reviews:
        when = review.when
        if card.last_review is not None and when < card.last_review:
            when = card.last_review
        card, _ = scheduler.review_card(card, review.rating, when)
    return card

