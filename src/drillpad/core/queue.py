"""Today's queue: what a learner practises today, within a time budget.

Due reviews come first, most overdue first; then new items, capped per day, in the pack's
order. The queue stops at the daily budget (but always offers at least one item when any is
due, so a learner back after weeks away starts with their most overdue item, not a flood).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    item_id: str
    kind: str  # "prompt" | "drill" | "lesson"
    task_id: str
    minutes: float
    due: datetime | None  # None: never reviewed (new)
    order: int = 0  # the pack's order, for new items


@dataclass(frozen=True)
class QueueItem:
    item_id: str
    kind: str
    task_id: str
    minutes: float
    reason: str  # "due", "overdue N days", "new"


def build_queue(candidates: Iterable[Candidate], now: datetime, *, budget_minutes: float,
                new_per_day: int, new_done_today: int = 0) -> list[QueueItem]:
    items = list(candidates)
    due = sorted((c for c in items if c.due is not None and c.due <= now), key=lambda c: (c.due, c.item_id))
    new = sorted((c for c in items if c.due is None), key=lambda c: (c.order, c.item_id))
    queue: list[QueueItem] = []
    spent = 0.0
    for c in due:
        if queue and spent + c.minutes > budget_minutes:
            break
        days = (now - c.due).days
        queue.append(QueueItem(c.item_id, c.kind, c.task_id, c.minutes, f"overdue {days} days" if days >= 1 else "due"))
        spent += c.minutes
    for c in new[: max(0, new_per_day - new_done_today)]:
        if spent + c.minutes > budget_minutes:
            break
        queue.append(QueueItem(c.item_id, c.kind, c.task_id, c.minutes, "new"))
        spent += c.minutes
    return queue
