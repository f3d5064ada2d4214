"""The append-only event log: the truth from which schedules, levels and metrics derive.

Each event has a UUID made on this device and a per-device sequence number, so events from
many devices merge without conflicts, and applying the same event twice changes nothing. The UUIDs are time-ordered
(version 7, RFC 9562): a day's events from every workstation fall next to each other in the id indexes, so an import
appends to a few pages instead of touching one random page per event (see ``new_event_id``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from drillpad.store import aggregates


@dataclass(frozen=True)
class Event:
    id: str
    device_id: str
    seq: int
    learner_id: str | None
    kind: str
    payload: dict[str, Any]
    created_at: str


def this_device(db: Database, *, now: str) -> str:
    """This workstation's device id, created on first use."""
    row = db.execute("SELECT id FROM devices WHERE is_self = 1").fetchone()
    if row:
        return row[0]
    device_id = str(uuid.uuid4())
    with db.atomic():
        db["devices"].insert({"id": device_id, "name": socket.gethostname()[:60] or "workstation", "is_self": 1,
                              "public_key": None, "created_at": now})
    return device_id


def new_event_id(now: str, *, random_bits: int | None = None) -> str:
    """A new event's id: a version-7 UUID (RFC 9562) whose first 48 bits are *now* in milliseconds since 1970 and
    whose other 74 bits are random (``secrets``), so ids stay unique whatever the clock does, while events made
    at about the same time sort together. Python 3.11's ``uuid`` has no version 7, hence the bit layout here.

    Why: the events' primary key and ``review_facts``' are these ids. Random (version-4) ids put each new event on
    its own random page of both indexes — about half of the pages a day's import writes at 2M events; time-ordered
    ids put a day's events on a few pages at the end of one range. The time comes from the injected clock (the
    event's ``created_at``); a clock that jumps only moves where an id sorts, never whether it is unique.
    *random_bits* (74 of them) stand in for ``secrets`` where the ids must repeat: generated benchmark data."""
    when = datetime.fromisoformat(now)
    ms = max(0, min(int(when.timestamp() * 1000), (1 << 48) - 1))
    rand = (int.from_bytes(secrets.token_bytes(10), "big") >> 6 if random_bits is None
            else random_bits & ((1 << 74) - 1))
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


@contextlib.contextmanager
def writing(db: Database):
    """One write transaction that takes SQLite's write lock at its start (``BEGIN IMMEDIATE``), so what it reads
    and what it writes are one step for every other connection — and a busy database is waited for (the busy
    timeout) instead of failing at once: a deferred ``BEGIN`` that reads, then writes after another connection
    has committed, gets "database is locked" with no wait at all (SQLite cannot let a stale read write). Inside
    a caller's transaction it is a savepoint of it."""
    if db.conn.in_transaction:
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


def append(db: Database, *, device_id: str, learner_id: str | None, kind: str, payload: dict[str, Any],
           now: str, event_id: str | None = None) -> Event:
    """Append one event (inside the caller's transaction if there is one)."""
    event_id = event_id or new_event_id(now)
    with writing(db):
        seq = next_seq(db, device_id)
        db.execute(
            "INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [event_id, device_id, seq, learner_id, kind, json.dumps(payload, sort_keys=True), now],
        )
        raise_floor(db, device_id, seq)
        aggregates.on_event(db, event_id, device_id, seq, learner_id, kind, payload, now)
    return Event(event_id, device_id, seq, learner_id, kind, payload, now)


def next_seq(db: Database, device_id: str) -> int:
    """Above every event of *device_id* stored here and above its floor (numbers used by events that a restore
    lost, or that the manager already holds): a number is never given to two events."""
    return db.execute("SELECT max((SELECT coalesce(max(seq), 0) FROM events WHERE device_id = :d), "
                      "(SELECT coalesce(max(seq), 0) FROM seq_floor WHERE device_id = :d)) + 1",
                      {"d": device_id}).fetchone()[0]


def raise_floor(db: Database, device_id: str, seq: int) -> None:
    """Record that *device_id* has used sequence numbers up to *seq* (the floor only goes up)."""
    db.execute("INSERT INTO seq_floor (device_id, seq) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET "
               "seq = max(seq, excluded.seq)", [device_id, seq])


IMPORT_CACHE_KIB = 64 * 1024  # SQLite's page cache while a batch is applied (the default is 2 MB)
IMPORT_CACHE_FROM = 100  # events in a batch; smaller ones keep the usual cache (and the pages it already holds)


@contextlib.contextmanager
def _import_cache(db: Database, events: int):
    """A larger page cache for the length of one batch of *events*: the random pages of the event and review-fact
    indexes a bundle touches (about five per event) stay in memory instead of spilling and being read again; the
    usual size comes back after, so the memory is only held while a bundle is applied."""
    if events < IMPORT_CACHE_FROM:
        yield
        return
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    wanted = -IMPORT_CACHE_KIB
    if (before < 0 and before <= wanted) or before * 4 >= IMPORT_CACHE_KIB:  # negative: KiB; positive: pages
        yield
        return
    db.execute(f"PRAGMA cache_size = {wanted}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(before)}")


def stored_ids(db: Database, ids: list[str]) -> set[str]:
    """Which of *ids* are stored already (looked up together, 500 at a time)."""
    seen: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        seen.update(r[0] for r in db.execute(f"SELECT id FROM events WHERE id IN ({','.join('?' * len(chunk))})",
                                             chunk))
    return seen


def apply(db: Database, incoming: list[Event]) -> int:
    """Store events made elsewhere (another device, a bundle), in one transaction.

    Idempotent by event id: an event already stored is skipped, so applying the same
    events twice changes nothing. Returns how many were new. The derived aggregates take each new
    event in the same transaction. The batch's ids are looked up together and its new events inserted with one
    ``executemany``; folding reads no event rows, so it follows the inserts.
    """
    pending = aggregates.Pending()
    with _import_cache(db, len(incoming)), db.atomic():
        seen = stored_ids(db, [e.id for e in incoming])
        new = []
        for e in incoming:
            if e.id not in seen:  # stored already, or earlier in this batch
                seen.add(e.id)
                new.append(e)
        db.conn.executemany(
            "INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
            [[e.id, e.device_id, e.seq, e.learner_id, e.kind, json.dumps(e.payload, sort_keys=True), e.created_at]
             for e in new])
        for e in new:
            aggregates.on_event(db, e.id, e.device_id, e.seq, e.learner_id, e.kind, e.payload, e.created_at, pending)
        pending.flush(db)
    return len(new)
