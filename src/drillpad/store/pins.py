"""Profile PIN hashes, every unlock attempt, and the lock (kept as a length on the monotonic clock).

An attempt is written as ``pending`` — already counted as a failure — in the same ``BEGIN IMMEDIATE``
transaction that checks the lock, before its PIN is compared with the hash; a second transaction then
marks it ``wrong`` or ``right``. So parallel unlock calls (threads, processes, the CLI) are serialised
by SQLite and each sees the ones before it: no more than the rule allows ever reach the hash, and an
attempt cut short (a crash, a kill) stays counted.

On a team, the PIN travels as events (``apply_events``): ``pin.set`` carries the scrypt verifier (never the PIN),
``pin.reset`` a manager's reset and ``pin.failed`` each wrong PIN. Which verifier holds is decided by the clock
rule — the last ``pin.set``/``pin.reset`` by (time stamped on its workstation, device id, sequence) — so every
workstation ends with the same one whatever order the events arrived in; wrong PINs from other workstations are
counted here like this one's, unless stamped before the last reset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from drillpad.core import pin as pin_core
from drillpad.store import events as event_store


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


def get(db: Database, learner_id: str) -> PinRow | None:
    row = db.execute("SELECT learner_id, hash, lock_seconds, lock_mono, manager_lock, last_success_at FROM pins "
                     "WHERE learner_id = ?", [learner_id]).fetchone()
    return PinRow(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None


def set_hash(db: Database, learner_id: str, pin_hash: str, now: str, event_id: str | None = None) -> None:
    with db.atomic():
        db.execute("INSERT INTO pins (learner_id, hash, failures, last_failure_at, updated_at, event_id) "
                   "VALUES (?, ?, 0, NULL, ?, ?) "
                   "ON CONFLICT(learner_id) DO UPDATE SET hash = excluded.hash, failures = 0, last_failure_at = NULL, "
                   "lock_seconds = 0, lock_mono = NULL, manager_lock = 0, updated_at = excluded.updated_at, "
                   "event_id = excluded.event_id",
                   [learner_id, pin_hash, now, event_id])


PIN_KINDS = ("pin.set", "pin.reset", "pin.failed")
_LAST = ("SELECT id, kind, payload, created_at, device_id, seq FROM events WHERE learner_id = ? AND kind IN ({}) "
         "ORDER BY created_at DESC, device_id DESC, seq DESC LIMIT 1")


def latest_stamp(db: Database, learner_id: str) -> str | None:
    """The time stamped on the last PIN event (set, reset) known here for *learner_id*."""
    row = db.execute(_LAST.format("'pin.set', 'pin.reset'"), [learner_id]).fetchone()
    return row[3] if row else None


_PRACTICE = ("review", "lesson.read", "demonstration", "reflection", "review.requested", "pin.set")


def history_without_pin(db: Database, learner_id: str, device_id: str) -> bool:
    """Whether practice made on another workstation is here for a profile whose PIN is not (it was chosen there
    and has not arrived: a sealed bundle, or a PIN set before PINs travelled) — and no manager's reset came after
    it. Then nobody chooses a first PIN here: whoever did would read that person's history."""
    last = db.execute(_LAST.format("'pin.set', 'pin.reset'"), [learner_id]).fetchone()
    if last is not None and last[1] == "pin.reset":
        return False
    marks = ", ".join("?" * len(_PRACTICE))
    return db.execute(f"SELECT 1 FROM events WHERE learner_id = ? AND device_id != ? AND kind IN ({marks}) LIMIT 1",
                      [learner_id, device_id, *_PRACTICE]).fetchone() is not None


def announce_local(db: Database, device_id: str, now: str) -> int:
    """PINs set here before PINs travelled (no ``pin.set`` event yet): record one for each, with the verifier
    stored, so they reach the team's other workstations. Returns how many."""
    rows = db.execute("SELECT learner_id, hash FROM pins WHERE event_id IS NULL").fetchall()
    with db.atomic():
        for learner_id, verifier in rows:
            e = event_store.append(db, device_id=device_id, learner_id=learner_id, kind="pin.set",
                                   payload={"verifier": verifier}, now=now)
            db.execute("UPDATE pins SET event_id = ? WHERE learner_id = ?", [e.id, learner_id])
    return len(rows)


def apply_events(db: Database, events: list[dict], *, now: str) -> None:
    """PIN events made on other workstations (or the manager's PC) and new here, already stored in ``events``
    (call inside the caller's transaction): a wrong PIN counts here unless stamped before the last reset; a reset
    that is the last one clears every attempt held here and counts again only the wrong PINs stamped after it;
    then the verifier follows the last ``pin.set``/``pin.reset`` by the clock rule."""
    touched: set[str] = set()
    rebuilt: set[str] = set()
    with db.atomic():
        for e in sorted((e for e in events if e["kind"] in PIN_KINDS and e["learner_id"]),
                        key=lambda e: (e["created_at"], e["device_id"], e["seq"])):
            learner = e["learner_id"]
            if not db.execute("SELECT 1 FROM learners WHERE id = ?", [learner]).fetchone():
                continue
            touched.add(learner)
            reset = db.execute(_LAST.format("'pin.reset'"), [learner]).fetchone()
            key = (e["created_at"], e["device_id"], e["seq"])
            if e["kind"] == "pin.failed" and learner in rebuilt:
                continue  # counted when the reset before it rebuilt the count from the stored events
            if e["kind"] == "pin.failed" and (reset is None or key > tuple(reset[3:])):
                db.execute("INSERT INTO pin_attempts (learner_id, at, outcome, via) VALUES (?, ?, 'wrong', ?)",
                           [learner, e["created_at"], f"peer:{e['device_id'][:8]}"])
            elif e["kind"] == "pin.reset" and reset is not None and reset[0] == e["id"]:
                rebuilt.add(learner)
                db.execute("DELETE FROM pin_attempts WHERE learner_id = ?", [learner])
                db.execute("INSERT INTO pin_attempts (learner_id, at, outcome, via) SELECT learner_id, created_at, "
                           "'wrong', 'peer:' || substr(device_id, 1, 8) FROM events WHERE learner_id = ? AND "
                           "kind = 'pin.failed' AND (created_at, device_id, seq) > (?, ?, ?) ORDER BY created_at",
                           [learner, *key])
                db.execute("UPDATE pins SET lock_seconds = 0, lock_mono = NULL, manager_lock = 0 WHERE learner_id = ?",
                           [learner])
        for learner in sorted(touched):
            _follow_verifier(db, learner, now)


def _follow_verifier(db: Database, learner_id: str, now: str) -> None:
    last = db.execute(_LAST.format("'pin.set', 'pin.reset'"), [learner_id]).fetchone()
    if last is None:
        return
    row = db.execute("SELECT event_id FROM pins WHERE learner_id = ?", [learner_id]).fetchone()
    if last[1] == "pin.reset":
        db.execute("DELETE FROM pins WHERE learner_id = ?", [learner_id])  # the learner chooses a new PIN
        return
    if row is not None and row[0] == last[0]:
        return
    verifier = json.loads(last[2])["verifier"]
    if row is None:
        db.execute("INSERT INTO pins (learner_id, hash, failures, updated_at, event_id) VALUES (?, ?, 0, ?, ?)",
                   [learner_id, verifier, now, last[0]])
    else:  # a change made elsewhere: the lock as it stands here is kept (wrong PINs still count)
        db.execute("UPDATE pins SET hash = ?, event_id = ?, updated_at = ? WHERE learner_id = ?",
                   [verifier, last[0], now, learner_id])


def failures(db: Database, learner_id: str, since: str) -> int:
    """Wrong (and still unchecked) attempts at or after *since* — and any stamped later than now by a clock
    that was ahead: they still count."""
    return db.execute("SELECT count(*) FROM pin_attempts WHERE learner_id = ? AND outcome IN ('pending', 'wrong') "
                      "AND at >= ?", [learner_id, since]).fetchone()[0]


def claim(db: Database, learner_id: str, *, now: str, since: str, mono: float, via: str = "app") -> Claim:
    """Count one attempt before its PIN is checked, unless the profile is locked (then nothing is counted)."""
    with event_store.writing(db):
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
            mono: float, device_id: str | None = None, event_at: str | None = None) -> Outcome:
    """Mark a claimed attempt right or wrong and set the lock that follows from the window's count. With
    *device_id*, a wrong one is also recorded as a ``pin.failed`` event (same transaction), so it counts on the
    team's other workstations too, stamped *event_at* (no earlier than the last PIN set or reset known here, so
    the clock rule never puts it before them)."""
    with event_store.writing(db):
        db.execute("UPDATE pin_attempts SET outcome = ? WHERE id = ? AND learner_id = ?",
                   ["right" if right else "wrong", attempt_id, learner_id])
        if not right and device_id is not None:
            via = db.execute("SELECT via FROM pin_attempts WHERE id = ?", [attempt_id]).fetchone()
            event_store.append(db, device_id=device_id, learner_id=learner_id, kind="pin.failed",
                               payload={"via": (via[0] if via else "app")[:20]}, now=event_at or now)
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
