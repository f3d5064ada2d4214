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
    """Recompute every card from events; report how many differed from the stored state."""
    keys = db.execute(
        "SELECT DISTINCT learner_id, json_extract(payload, '$.pack'), json_extract(payload, '$.item_kind'), "
        "json_extract(payload, '$.item') FROM events WHERE kind = 'review' AND learner_id IS NOT NULL"
    ).fetchall()
    stored = {tuple(r[:4]): (r[4], r[5]) for r in db.execute(
        "SELECT learner_id, pack_id, item_kind, item_id, state, due FROM cards")}
    differed = 0
    with db.atomic():
        db.execute("DELETE FROM cards")
        from drillpad.store.merges import canonical

        keys = sorted({(canonical(db, k[0]), *k[1:]) for k in keys})
        for learner_id, pack_id, kind, item in keys:
            refresh_card(db, learner_id, pack_id, kind, item, retention_of.get(pack_id, 0.9))
            new = db.execute("SELECT state, due FROM cards WHERE learner_id = ? AND pack_id = ? AND item_kind = ? "
                             "AND item_id = ?", [learner_id, pack_id, kind, item]).fetchone()
            differed += stored.get((learner_id, pack_id, kind, item)) != tuple(new)
    return {"cards": len(keys), "differed": differed, "stale": len(set(stored) - {tuple(k) for k in keys})}
