"""Profile PIN hashes and the consecutive-failure counter (survives restarts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class PinRow:
    learner_id: str
    hash: str
    failures: int
    last_failure_at: str | None


def get(db: Database, learner_id: str) -> PinRow | None:
    row = db.execute("SELECT learner_id, hash, failures, last_failure_at FROM pins WHERE learner_id = ?",
                     [learner_id]).fetchone()
    return PinRow(*row) if row else None


def set_hash(db: Database, learner_id: str, pin_hash: str, now: str) -> None:
    with db.atomic():
        db.execute("INSERT INTO pins (learner_id, hash, failures, last_failure_at, updated_at) VALUES (?, ?, 0, NULL, ?) "
                   "ON CONFLICT(learner_id) DO UPDATE SET hash = excluded.hash, failures = 0, last_failure_at = NULL, "
                   "updated_at = excluded.updated_at", [learner_id, pin_hash, now])


def failed(db: Database, learner_id: str, now: str) -> int:
    """Count one more wrong PIN; the time kept is the later of now and the previous failure."""
    with db.atomic():
        db.execute("UPDATE pins SET failures = failures + 1, last_failure_at = max(coalesce(last_failure_at, ''), ?), "
                   "updated_at = ? WHERE learner_id = ?", [now, now, learner_id])
        return db.execute("SELECT failures FROM pins WHERE learner_id = ?", [learner_id]).fetchone()[0]


def succeeded(db: Database, learner_id: str, now: str) -> None:
    with db.atomic():
        db.execute("UPDATE pins SET failures = 0, last_failure_at = NULL, updated_at = ? WHERE learner_id = ?",
                   [now, learner_id])


def clear(db: Database, learner_id: str) -> None:
    with db.atomic():
        db.execute("DELETE FROM pins WHERE learner_id = ?", [learner_id])
