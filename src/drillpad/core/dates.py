"""Dates as people write them: "Tue 3 Dec", "Tue 3 Dec, 14:05" — never 2026-12-03 or 03 12 2026, which
second-language readers and other countries read differently. English day and month names, always."""

from __future__ import annotations

from datetime import date, datetime

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _as_date(value: date | datetime | str) -> date | datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def day_text(value: date | datetime | str, *, year: bool = False) -> str:
    """"Tue 3 Dec" (with *year*: "Tue 3 Dec 2026"); ISO strings are accepted."""
    d = _as_date(value)
    text = f"{DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def moment_text(value: datetime | str) -> str:
    """"Tue 3 Dec, 14:05" (in the time zone the value carries)."""
    d = _as_date(value)
    return f"{day_text(d)}, {d:%H:%M}" if isinstance(d, datetime) else day_text(d)
