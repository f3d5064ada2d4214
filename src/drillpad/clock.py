"""Time comes from a Clock so that tests and audits can control it.

Every datetime DrillPad stores is UTC-aware; the UI converts to local time for display.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that only moves forward at the pace of real time, whatever anyone does to the
        system clock (shared by every process until the machine restarts). PIN locks are measured on it."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class FixedClock:
    """A clock that only moves when told to (tests, reproducible runs).

    ``advance`` is time passing (a negative delta is the system clock set back: only the wall clock moves);
    ``jump`` and ``set`` are someone changing the system clock (the monotonic clock does not move)."""

    def __init__(self, start: datetime | None = None):
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        delta = delta if delta is not None else timedelta(**kwargs)
        self._now += delta
        self._mono += max(0.0, delta.total_seconds())
        return self._now

    def jump(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """The system clock is changed by *delta*; no real time passes."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = when.astimezone(timezone.utc)


def to_iso(when: datetime) -> str:
    """The one text form of a timestamp in the database: ISO 8601 in UTC."""
    if when.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass a UTC-aware one")
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"timestamp without a timezone: {text!r}")
    return when.astimezone(timezone.utc)
