"""The weekly cadence: one prompt, one scenario, one reflection, one manager check-in.

Weeks start on a configurable weekday (0 = Monday). An item not done in its week rolls
over once into the next week (it then needs doing in addition to that week's own item);
if it is still not done by the end of the next week it counts as missed. Completions in a
week pay off the oldest item first. The check-in is completed by the manager; until then it
is pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from drillpad.core.events import EventView

ITEMS = ("prompt", "scenario", "reflection", "checkin")
REFLECTION_QUESTION = "What did you do differently this week?"


def item_of(event: EventView) -> str | None:
    if event.kind == "review":
        return "scenario" if event.payload.get("item_kind") == "drill" else "prompt"
    if event.kind in ("reflection", "checkin"):
        return event.kind
    return None


def week_start(day: date, start_weekday: int = 0) -> date:
    return day - timedelta(days=(day.weekday() - start_weekday) % 7)


@dataclass(frozen=True)
class WeekItem:
    week: date
    item: str
    status: str  # done | done late | pending | rolled over | missed


def cadence(events: Iterable[EventView], *, start: datetime, now: datetime, start_weekday: int = 0) -> list[WeekItem]:
    """Status of every cadence item from the week of *start* to the week of *now*."""
    days: dict[date, dict[str, int]] = {}
    for e in events:
        item = item_of(e)
        if item:
            day = days.setdefault(e.when.date(), {})
            day[item] = day.get(item, 0) + 1
    return cadence_from_days(days, start=start, now=now, start_weekday=start_weekday)


def cadence_from_days(days: dict[date, dict[str, int]], *, start: datetime, now: datetime,
                      start_weekday: int = 0) -> list[WeekItem]:
    """``cadence`` from the number of each item done per day (what the store keeps per learner × day)."""
    first = week_start(start.date(), start_weekday)
    current = week_start(now.date(), start_weekday)
    counts: dict[tuple[date, str], int] = {}
    for day, done in days.items():
        if day >= first:
            week = week_start(day, start_weekday)  # once per day, not per item
            for item, n in done.items():
                if n and item in ITEMS:
                    counts[(week, item)] = counts.get((week, item), 0) + n
    out: list[WeekItem] = []
    for item in ITEMS:
        carried: date | None = None  # week whose item rolled into this one
        week = first
        while week <= current:
            done = counts.get((week, item), 0)
            if carried is not None:
                if done:
                    out.append(WeekItem(carried, item, "done late"))
                    done -= 1
                elif week == current:
                    out.append(WeekItem(carried, item, "rolled over"))
                else:
                    out.append(WeekItem(carried, item, "missed"))
                carried = None
            if done:
                out.append(WeekItem(week, item, "done"))
            elif week == current:
                out.append(WeekItem(week, item, "pending"))
            else:
                carried = week
            week += timedelta(days=7)
    return sorted(out, key=lambda w: (w.week, ITEMS.index(w.item)))
