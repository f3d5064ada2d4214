"""The five learning metrics. Each reports its value with the counts behind it (n), so
nobody trusts a figure from three answers. All take review events (see core.events) for
any set of learners and tasks, and an optional date range [start, end).

1. **First-time accuracy** — share of items answered correctly on their first attempt.
2. **Time to independence** — days from a learner's first event on a task to the first time
   a level of 4 ("Independent") or more is recorded for it; learners not there yet are
   counted as *still running*, not dropped.
3. **Error recurrence** — of the criteria missed in an attempt (the learner then saw feedback)
   and attempted again within 14 days, the share missed again.
4. **Delayed quiz score** — accuracy on reviews answered 7 or more days after the learner
   first answered that item.
5. **Confidence calibration** — accuracy at each confidence level (1–4), and the Brier score
   of confidence read as probability (1→0.25, 2→0.5, 3→0.75, 4→0.95); lower is better.

``counts`` folds events into the sums behind the metrics (``Counts``) and ``from_counts`` turns
sums into metrics; ``compute`` is the two together. The store keeps the same sums per learner ×
task × day as events arrive (store/aggregates.py), so a cohort's metrics over any date range are
``from_counts`` of summed aggregates — the same definitions, the same n.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from drillpad.core.events import EventView

RECURRENCE_WINDOW = timedelta(days=14)
DELAY = timedelta(days=7)
CONFIDENCE_PROBABILITY = {1: 0.25, 2: 0.5, 3: 0.75, 4: 0.95}
INDEPENDENT_LEVEL = 4


@dataclass(frozen=True)
class Ratio:
    value: float | None
    n: int

    def __str__(self) -> str:
        return "–" if self.value is None else f"{self.value:.0%} (n={self.n})"


def _ratio(hits: int, n: int) -> Ratio:
    return Ratio(hits / n if n else None, n)


@dataclass(frozen=True)
class Independence:
    median_days: float | None
    reached: int
    still_running: int
    days: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Calibration:
    by_confidence: dict[int, Ratio]
    brier: float | None
    n: int


@dataclass(frozen=True)
class Metrics:
    first_time_accuracy: Ratio
    time_to_independence: Independence
    error_recurrence: Ratio
    delayed_quiz_score: Ratio
    calibration: Calibration


def _in_range(e: EventView, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or e.when >= start) and (end is None or e.when < end)


@dataclass(frozen=True)
class Counts:
    """The sums the five metrics are made of: (hits, n) pairs, and the independence days."""

    first: tuple[int, int]
    delayed: tuple[int, int]
    recurrence: tuple[int, int]
    confidence: dict[int, tuple[int, int]]
    independence_days: list[float]
    still_running: int


def counts(events: Iterable[EventView], *, start: datetime | None = None, end: datetime | None = None) -> Counts:
    events = sorted(events, key=lambda e: e.when)
    reviews = [e for e in events if e.kind == "review"]
    in_range = [e for e in reviews if _in_range(e, start, end)]

    first = [e for e in in_range if e.payload.get("attempt") == 1]
    fta = (sum(1 for e in first if e.payload.get("correct")), len(first))

    first_seen: dict[tuple, datetime] = {}
    for e in reviews:
        first_seen.setdefault((e.learner_id, e.payload.get("item")), e.when)
    delayed = [e for e in in_range if e.when - first_seen[(e.learner_id, e.payload.get("item"))] >= DELAY]
    dqs = (sum(1 for e in delayed if e.payload.get("correct")), len(delayed))

    by_item: dict[tuple, list[EventView]] = defaultdict(list)
    for e in reviews:
        by_item[(e.learner_id, e.payload.get("item"))].append(e)
    misses = recurred = 0
    for attempts in by_item.values():
        for i, e in enumerate(attempts):
            if not _in_range(e, start, end):
                continue
            later = next((a for a in attempts[i + 1:] if a.when - e.when <= RECURRENCE_WINDOW), None)
            if later is None:
                continue
            for criterion in e.payload.get("missed", []):
                misses += 1
                recurred += criterion in later.payload.get("missed", [])

    buckets: dict[int, list[int]] = {c: [0, 0] for c in CONFIDENCE_PROBABILITY}
    for e in in_range:
        conf = e.payload.get("confidence")
        if conf in buckets:
            buckets[conf][0] += bool(e.payload.get("correct"))
            buckets[conf][1] += 1

    started: dict[tuple, datetime] = {}
    reached: dict[tuple, datetime] = {}
    for e in events:
        key = (e.learner_id, e.payload.get("task"))
        if key[1] is None:
            continue
        started.setdefault(key, e.when)
        if e.kind == "level" and e.payload.get("level", 0) >= INDEPENDENT_LEVEL:
            reached.setdefault(key, e.when)
    days = sorted((reached[k] - started[k]) / timedelta(days=1) for k in reached
                  if _in_range(EventView("", "", reached[k], {}), start, end))
    running = sum(1 for k in started if k not in reached)
    return Counts(fta, dqs, (recurred, misses), {c: (v[0], v[1]) for c, v in buckets.items()}, days, running)


def from_counts(c: Counts) -> Metrics:
    brier_n = sum(n for _, n in c.confidence.values())
    brier = (sum(ok * (CONFIDENCE_PROBABILITY[conf] - 1) ** 2 + (n - ok) * CONFIDENCE_PROBABILITY[conf] ** 2
                 for conf, (ok, n) in c.confidence.items()) / brier_n if brier_n else None)
    calibration = Calibration({conf: _ratio(ok, n) for conf, (ok, n) in c.confidence.items()}, brier, brier_n)
    days = sorted(c.independence_days)
    median = None
    if days:
        mid = len(days) // 2
        median = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    return Metrics(_ratio(*c.first), Independence(median, len(days), c.still_running, days), _ratio(*c.recurrence),
                   _ratio(*c.delayed), calibration)


def compute(events: Iterable[EventView], *, start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> Metrics:
    return from_counts(counts(events, start=start, end=end))
