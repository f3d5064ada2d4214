"""Profile PIN hashes, every unlock attempt, and the lock (kept as a length on the monotonic clock).

An attempt is written as ``pending`` — already counted as a failure — in the same ``BEGIN IMMEDIATE``
transaction that checks the lock, before its PIN is compared with the hash; a second transaction then
marks it ``wrong`` or ``right``. So parallel unlock calls (threads, processes, the CLI) are serialised
by SQLite and each sees the ones before it: no more than the rule allows ever reach the hash, and an
attempt cut short (a crash, a kill) stays counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlite_utils import Database

from drillpad.core import pin as pin_core


@dataclass(frozen=True)
class PinRow:
    learner_id: str
    hash: str
    lock_seconds: float
    lock_mono: float | None
    manager_lock: bool
    last_success_at: str | None


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming an attempt: ``check`` (counted; compare the PIN now), ``locked`` (wait
    *seconds_left*), ``manager`` (locked until a manager resets), or ``no_pin``."""

    state: str
    failures: int = 0
    seconds_left: float = 0.0
    attempt_id: int | None = None
    hash: str = ""


@dataclass(frozen=True)
class Outcome:
    failures: int
    seconds_left: float
    manager_lock: bool
    wrong_since_last_visit: int = 0


@contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A write transaction taken at its start, so the read that decides and the write that counts are one."""
    if db.conn.in_transaction:  # inside a caller's transaction: already serialised by it
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def get(db: Database, learner_id: str) -> PinRow | None:
    row = db.execute("SELECT learner_id, hash, lock_seconds, lock_mono, manager_lock, last_success_at FROM pins "
                     "WHERE learner_id = ?", [learner_id]).fetchone()
    return PinRow(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None


def set_hash(db: Database, learner_id: str, pin_hash: str, now: str) -> None:
    with db.atomic():
        db.execute("INSERT INTO pins (learner_id, hash, failures, last_failure_at, updated_at) VALUES (?, ?, 0, NULL, ?) "
                   "ON CONFLICT(learner_id) DO UPDATE SET hash = excluded.hash, failures = 0, last_failure_at = NULL, "
                   "lock_seconds = 0, lock_mono = NULL, manager_lock = 0, updated_at = excluded.updated_at",
                   [learner_id, pin_hash, now])


def failures(db: Database, learner_id: str, since: str) -> int:
    """Wrong (and still unchecked) attempts at or after *since* — and any stamped later than now by a clock
    that was ahead: they still count."""
    return db.execute("SELECT count(*) FROM pin_attempts WHERE learner_id = ? AND outcome IN ('pending', 'wrong') "
                      "AND at >= ?", [learner_id, since]).fetchone()[0]


def claim(db: Database, learner_id: str, *, now: str, since: str, mono: float, via: str = "app") -> Claim:
    """Count one attempt before its PIN is checked, unless the profile is locked (then nothing is counted)."""
    with _immediate(db):
        row = get(db, learner_id)
        if row is None:
            return Claim("no_pin")
        counted = failures(db, learner_id, since)
        if row.manager_lock or pin_core.needs_manager(counted):  # made lasting by ``resolve`` once known wrong
            return Claim("manager", counted)
        left = pin_core.lock_left(row.lock_seconds, row.lock_mono, mono)
        if left > 0:
            if mono < (row.lock_mono or 0):  # the machine restarted: the lock counts again from here, once
                db.execute("UPDATE pins SET lock_mono = ? WHERE learner_id = ?", [mono, learner_id])
            return Claim("locked", counted, left)
        attempt = db.execute("INSERT INTO pin_attempts (learner_id, at, outcome, via) VALUES (?, ?, 'pending', ?)",
                             [learner_id, now, via]).lastrowid
        duration = pin_core.lock_duration(counted + 1)
        if duration:  # as if this one is wrong: parallel tries wait until it is known
            db.execute("UPDATE pins SET lock_seconds = ?, lock_mono = ? WHERE learner_id = ?",
                       [duration.total_seconds(), mono, learner_id])
        return Claim("check", counted + 1, attempt_id=attempt, hash=row.hash)


def resolve(db: Database, learner_id: str, attempt_id: int, right: bool, *, now: str, since: str,
            mono: float) -> Outcome:
    """Mark a claimed attempt right or wrong and set the lock that follows from the window's count."""
    with _immediate(db):
        db.execute("UPDATE pin_attempts SET outcome = ? WHERE id = ? AND learner_id = ?",
                   ["right" if right else "wrong", attempt_id, learner_id])
        if right:
            previous = db.execute("SELECT coalesce(max(id), 0) FROM pin_attempts WHERE learner_id = ? AND "
                                  "outcome = 'right' AND id < ?", [learner_id, attempt_id]).fetchone()[0]
            wrong = db.execute("SELECT count(*) FROM pin_attempts WHERE learner_id = ? AND outcome = 'wrong' AND "
                               "id > ? AND id < ?", [learner_id, previous, attempt_id]).fetchone()[0]
            db.execute("UPDATE pins SET lock_seconds = 0, lock_mono = NULL, last_success_at = ?, updated_at = ? "
                       "WHERE learner_id = ?", [now, now, learner_id])
            return Outcome(failures(db, learner_id, since), 0.0, False, wrong)
        counted = failures(db, learner_id, since)
        if pin_core.needs_manager(counted):
            db.execute("UPDATE pins SET manager_lock = 1, updated_at = ? WHERE learner_id = ?", [now, learner_id])
            return Outcome(counted, 0.0, True)
        duration = pin_core.lock_duration(counted)
        if duration:  # the lock after the nth failure runs from that failure, for its nominal length
            db.execute("UPDATE pins SET lock_seconds = ?, lock_mono = ?, updated_at = ? WHERE learner_id = ?",
                       [duration.total_seconds(), mono, now, learner_id])
            return Outcome(counted, duration.total_seconds(), False)
        return Outcome(counted, 0.0, False)


def clear(db: Database, learner_id: str) -> None:
    """A manager's reset: the PIN, its attempts and its lock are gone; the learner chooses a new PIN."""
    with db.atomic():
        db.execute("DELETE FROM pin_attempts WHERE learner_id = ?", [learner_id])
        db.execute("DELETE FROM pins WHERE learner_id = ?", [learner_id])
