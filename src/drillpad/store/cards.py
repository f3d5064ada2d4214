"""FSRS cards: derived from review events, stored for fast queues, rebuildable.

A card's state is always recomputed by replaying its review events in (time, device, seq)
order, so the stored state equals what ``rebuild`` computes by construction, and a review
stamped earlier than existing ones (a workstation with a wrong clock) is simply placed by
its time; the scheduler clamps so no interval is ever negative.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fsrs import Card
from sqlite_utils import Database

from drillpad.clock import from_iso, to_iso
from drillpad.core.scheduling import Rating, Review, make_scheduler, replay

_REVIEWS = (
    "SELECT created_at, device_id, seq, payload FROM events WHERE learner_id IN ({ids}) AND kind = 'review' "
    "AND json_extract(payload, '$.pack') = ? AND json_extract(payload, '$.item_kind') = ? "
    "AND json_extract(payload, '$.item') = ? {after}ORDER BY created_at, device_id, seq"
)
_UP_TO = (
    "SELECT count(*) FROM events WHERE learner_id IN ({ids}) AND kind = 'review' "
    "AND json_extract(payload, '$.pack') = ? AND json_extract(payload, '$.item_kind') = ? "
    "AND json_extract(payload, '$.item') = ? AND (created_at, device_id, seq) <= (?, ?, ?)"
)


@dataclass(frozen=True)
class CardRow:
    state: dict
    due: str
    reviews: int
    task: str
    last: tuple[str, str, int] | None
    """The (time stamped, device, sequence) of the last review replayed: where an incremental refresh resumes."""


def compute_card(db: Database, learner_id: str, pack_id: str, item_kind: str, item_id: str,
                 retention: float, *, resume: CardRow | None = None) -> CardRow:
    """The card after every review of the item by the person (a profile merged into this one counts: one person,
    one history), in (time, device, seq) order. With *resume* (the stored card), only the reviews after its last
    one are applied to its state — when exactly its count of reviews sort up to that key (a review stamped earlier
    than it, from a workstation whose clock is behind, arrived since: then everything is replayed)."""
    from drillpad.store.merges import aliases

    ids = aliases(db, learner_id)
    marks = ",".join("?" * len(ids))
    base = [*ids, pack_id, item_kind, item_id]
    start, done = None, 0
    if resume is not None and resume.last is not None:
        if db.execute(_UP_TO.format(ids=marks), [*base, *resume.last]).fetchone()[0] == resume.reviews:
            start, done = Card.from_dict(resume.state), resume.reviews  # type: ignore[arg-type]
    if start is None:
        rows = db.execute(_REVIEWS.format(ids=marks, after=""), base).fetchall()
    else:
        rows = db.execute(_REVIEWS.format(ids=marks, after="AND (created_at, device_id, seq) > (?, ?, ?) "),
                          [*base, *resume.last]).fetchall()  # type: ignore[union-attr]
    if start is not None and not rows:
        return resume  # type: ignore[return-value]
    reviews = [Review(from_iso(when), Rating(json.loads(p)["rating"])) for when, _, _, p in rows]
    card = replay(reviews, make_scheduler(retention), start=start)
    task = json.loads(rows[-1][3])["task"] if rows else ""
    last = (rows[-1][0], rows[-1][1], rows[-1][2]) if rows else None
    return CardRow(card.to_dict(), to_iso(card.due), done + len(reviews), task, last)


def _stored(db: Database, learner_id: str, pack_id: str, item_kind: str, item_id: str) -> CardRow | None:
    row = db.execute("SELECT state, due, reviews, task_id, last_at, last_device, last_seq FROM cards WHERE "
                     "learner_id = ? AND pack_id = ? AND item_kind = ? AND item_id = ?",
                     [learner_id, pack_id, item_kind, item_id]).fetchone()
    if row is None:
        return None
    return CardRow(json.loads(row[0]), row[1], row[2], row[3], None if row[4] is None else (row[4], row[5], row[6]))


def refresh_card(db: Database, learner_id: str, pack_id: str, item_kind: str, item_id: str,
                 retention: float, *, full: bool = False) -> None:
    """Bring the stored card up to date with the item's reviews: incrementally from the stored state when the new
    reviews sort after it (the usual case), else (or with *full*) by replaying them all. Both give the same state
    (``rebuild`` checks: its ``differed`` is 0)."""
    resume = None if full else _stored(db, learner_id, pack_id, item_kind, item_id)
    card = compute_card(db, learner_id, pack_id, item_kind, item_id, retention, resume=resume)
    if card is resume:
        return
    last = card.last or (None, None, None)
    db["cards"].upsert({"learner_id": learner_id, "pack_id": pack_id, "item_kind": item_kind, "item_id": item_id,
                        "task_id": card.task, "state": json.dumps(card.state, sort_keys=True), "due": card.due,
                        "reviews": card.reviews, "last_at": last[0], "last_device": last[1], "last_seq": last[2]},
                       pk=("learner_id", "pack_id", "item_kind", "item_id"))


def rebuild(db: Database, retention_of: dict[str, float]) -> dict[str, int]:
    """Recompute every card from events; report how many differed from the stored state.

    One person at a time (a profile and those merged into it): their review events are read once, in the order
    ``compute_card`` replays them, and only each card's (time, rating) pairs are kept, so memory stays flat
    however long the history."""
    from drillpad.store.merges import aliases, canonical

    stored_as = [r[0] for r in db.execute("SELECT DISTINCT learner_id FROM events WHERE kind = 'review' AND "
                                          "learner_id IS NOT NULL")]
    people = sorted({canonical(db, learner_id) for learner_id in stored_as})
    cards = differed = stale = 0
    with db.atomic():
        for person in people:
            stored = {tuple(r[:3]): (r[3], r[4]) for r in db.execute(
                "SELECT pack_id, item_kind, item_id, state, due FROM cards WHERE learner_id = ?", [person])}
            fresh = _person_cards(db, person, aliases(db, person), retention_of)
            db.execute("DELETE FROM cards WHERE learner_id = ?", [person])
            db.conn.executemany(
                "INSERT INTO cards (learner_id, pack_id, item_kind, item_id, task_id, state, due, reviews, last_at, "
                "last_device, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[person, *key, *row] for key, row in fresh.items()])
            cards += len(fresh)
            differed += sum(1 for key, row in fresh.items() if stored.get(key) != (row[1], row[2]))
            stale += len(set(stored) - set(fresh))
        marks = ",".join("?" * len(people))
        stale += db.execute(f"SELECT count(*) FROM cards WHERE learner_id NOT IN ({marks})", people).fetchone()[0]
        db.execute(f"DELETE FROM cards WHERE learner_id NOT IN ({marks})", people)
    return {"cards": cards, "differed": differed, "stale": stale}


def _person_cards(db: Database, person: str, ids: list[str],
                  retention_of: dict[str, float]) -> dict[tuple, tuple]:
    """{(pack, item kind, item): (task, state, due, reviews, last time, last device, last seq)} for one person,
    as ``compute_card`` makes each (the last review's key is where an incremental refresh resumes)."""
    reviews: dict[tuple, list[Review]] = {}
    task: dict[tuple, str] = {}
    last: dict[tuple, tuple[str, str, int]] = {}
    for when, device, seq, payload in db.execute(
            f"SELECT created_at, device_id, seq, payload FROM events WHERE learner_id IN ({','.join('?' * len(ids))}) "
            "AND kind = 'review' ORDER BY created_at, device_id, seq", ids):
        p = json.loads(payload)
        key = (p.get("pack"), p.get("item_kind"), p.get("item"))
        if None in key:
            continue  # compute_card's query matches no such event
        reviews.setdefault(key, []).append(Review(from_iso(when), Rating(p["rating"])))
        task[key] = p["task"]
        last[key] = (when, device, seq)
    out = {}
    for key, rs in reviews.items():
        card = replay(rs, make_scheduler(retention_of.get(key[0], 0.9)))
        out[key] = (task[key], json.dumps(card.to_dict(), sort_keys=True), to_iso(card.due), len(rs), *last[key])
    return out
