"""FSRS cards are refreshed incrementally (store/cards.py): a new review that sorts after the card's last one is
applied to the stored state; one stamped earlier (a workstation whose clock is behind) makes the card replay its
whole history. Either way the card equals what a full rebuild computes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from drillpad.store import cards as card_store
from drillpad.store import events as event_store

ANSWERS = ["I hit the emergency stop straight away.", "press the e-stop and lock out", "I call someone"]


def _card(ws, learner_id):
    return ws.db.execute("SELECT state, due, reviews FROM cards WHERE learner_id = ? AND item_id = 'jam-first'",
                         [learner_id]).fetchone()


def _late_review(ws, learner_id, when, rating):
    """A review from another workstation, stamped *when*, applied as sync applies it."""
    device = str(uuid.uuid4())
    ws.db.execute("INSERT INTO devices (id, name, is_self, public_key, created_at) VALUES (?, 'b', 0, NULL, ?)",
                  [device, when])
    with ws.db.atomic():
        event_store.apply(ws.db, [event_store.Event(
            id=str(uuid.uuid4()), device_id=device, seq=1, learner_id=learner_id, kind="review",
            payload={"pack": "mini-dock", "task": "jam", "item_kind": "prompt", "item": "jam-first", "score": 1.0,
                     "correct": True, "confidence": 3, "rating": rating, "seconds": None, "attempt": 1, "missed": [],
                     "answer": "x", "points": {}, "flags": [], "grader": "t"},
            created_at=when)])
        card_store.refresh_card(ws.db, learner_id, "mini-dock", "prompt", "jam-first", 0.9)


def test_incremental_refresh_equals_a_full_replay_even_when_a_review_arrives_stamped_earlier(workspace, minipack,
                                                                                           clock):
    ws = workspace
    ws.import_pack(minipack)
    sam = ws.profiles.add_learner("Sam Ortiz", "dock-hand")
    stamps = []
    for i in range(12):
        stamps.append(clock.now())
        ws.answer_prompt(sam.id, "jam-first", ANSWERS[i % 3], confidence=1 + i % 4)
        clock.advance(hours=7)
    assert _card(ws, sam.id)[2] == 12
    assert ws.rebuild()["differed"] == 0  # the incremental state equals a full replay
    before = _card(ws, sam.id)
    _late_review(ws, sam.id, (stamps[3] + timedelta(minutes=5)).isoformat(), 1)  # Again, placed between reviews
    after = _card(ws, sam.id)
    assert after[2] == 13 and after != before
    assert ws.rebuild()["differed"] == 0
    ws.answer_prompt(sam.id, "jam-first", ANSWERS[0], confidence=4)  # and incremental again from there
    assert _card(ws, sam.id)[2] == 14
    assert ws.rebuild()["differed"] == 0
