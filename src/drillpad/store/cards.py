"""FSRS cards: derived from review events, stored for fast queues, rebuildable.

A card's state is always recomputed by replaying its review events in (time, device, seq)
order, so the stored state equals what ``rebuild`` computes by construction, and a review
stamped earlier than existing ones (a workstation with a wrong clock) is simply placed by
its time; the scheduler clamps so no interval is ever negative.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from drillpad.clock import from_iso, to_iso
from drillpad.core.scheduling import Rating, Review, make_scheduler, replay

_REVIEWS = (
    "SELECT created_at, payload FROM events WHERE learner_id IN ({ids}) AND kind = 'review' "
    "AND json_extract(payload, '$.pack') = ? AND json_extract(payload, '$.item_kind') = ? "
    "AND json_extract(payload, '$.item') = ? ORDER BY created_at, device_id, seq"
)


def compute_card(db: Database, learner_id: str, pack_id: str, item_kind: str, item_id: str,
                 retention: float) -> tuple[dict, str, int, str]:
    from drillpad.store.merges import aliases

    ids = aliases(db, learner_id)  # a profile merged into this one: one person, one history
    rows = db.execute(_REVIEWS.format(ids=",".join("?" * len(ids))), [*ids, pack_id, item_kind, item_id]).fetchall()
    reviews = [Review(from_iso(when), Rating(json.loads(p)["rating"])) for when, p in rows]
    card = replay(reviews, make_scheduler(retention))
    task = json.loads(rows[-1][1])["task"] if rows else ""
    return card.to_dict(), to_iso(card.due), len(reviews), task


def refresh_card(db: Database, learner_id: str, pack_id: str, item_kind: str, item_id: str,
                 retention: float) -> None:
    state, due, n, task = compute_card(db, learner_id, pack_id, item_kind, item_id, retention)
    db["cards"].upsert({"learner_id": learner_id, "pack_id": pack_id, "item_kind": item_kind, "item_id": item_id,
                        "task_id": task, "state": json.dumps(state, sort_keys=True), "due": due, "reviews": n},
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
                "INSERT INTO cards (learner_id, pack_id, item_kind, item_id, task_id, state, due, reviews) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [[person, *key, *row] for key, row in fresh.items()])
            cards += len(fresh)
            differed += sum(1 for key, row in fresh.items() if stored.get(key) != (row[1], row[2]))
            stale += len(set(stored) - set(fresh))
        marks = ",".join("?" * len(people))
        stale += db.execute(f"SELECT count(*) FROM cards WHERE learner_id NOT IN ({marks})", people).fetchone()[0]
        db.execute(f"DELETE FROM cards WHERE learner_id NOT IN ({marks})", people)
    return {"cards": cards, "differed": differed, "stale": stale}


def _person_cards(db: Database, person: str, ids: list[str],
                  retention_of: dict[str, float]) -> dict[tuple, tuple[str, str, str, int]]:
    """{(pack, item kind, item): (task, state, due, reviews)} for one person, as ``compute_card`` makes each."""
    reviews: dict[tuple, list[Review]] = {}
    task: dict[tuple, str] = {}
    for when, payload in db.execute(
            f"SELECT created_at, payload FROM events WHERE learner_id IN ({','.join('?' * len(ids))}) AND "
            "kind = 'review' ORDER BY created_at, device_id, seq", ids):
        p = json.loads(payload)
        key = (p.get("pack"), p.get("item_kind"), p.get("item"))
        if None in key:
            continue  # compute_card's query matches no such event
        reviews.setdefault(key, []).append(Review(from_iso(when), Rating(p["rating"])))
        task[key] = p["task"]
    out = {}
    for key, rs in reviews.items():
        card = replay(rs, make_scheduler(retention_of.get(key[0], 0.9)))
        out[key] = (task[key], json.dumps(card.to_dict(), sort_keys=True), to_iso(card.due), len(rs))
    return out
