"""FSRS cards (store/cards.py): the rebuild, one person at a time, gives every card exactly what computing it alone
gives — on a generated site's history with merged profiles and a workstation whose clock ran backwards."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from benchmarks import datagen
from drillpad.store import cards as card_store
from drillpad.store import events as event_store
from drillpad.store.merges import canonical


def test_rebuild_equals_each_card_computed_alone(tmp_path):
    with datagen.open_workspace(tmp_path / "data") as ws:
        g = datagen.generate(ws, 5, 200)
        a, b = g.learners[0], g.learners[2]  # same role: b was merged into a
        ws.db.execute("INSERT INTO learner_merges (event_id, from_id, into_id, by, at) VALUES (?, ?, ?, 'm', ?)",
                      [str(uuid.uuid4()), b, a, datagen.to_iso(g.end)])
        item = ws.db.execute("SELECT item_kind, item_id, pack_id, task_id FROM cards WHERE learner_id = ? LIMIT 1",
                             [a]).fetchone()
        device = ws.db.execute("SELECT id FROM devices WHERE name = 'bench 0'").fetchone()[0]
        seq = ws.db.execute("SELECT max(seq) FROM events WHERE device_id = ?", [device]).fetchone()[0]
        early = datagen.T0 - timedelta(days=30)  # a wrong clock: before every other answer
        event_store.apply(ws.db, [event_store.Event(str(uuid.uuid4()), device, seq + 1, a, "review", {
            "pack": item[2], "task": item[3], "item_kind": item[0], "item": item[1], "rating": 1, "correct": False,
            "attempt": 1}, datagen.to_iso(early))])
        retention = {r[0]: 0.9 for r in ws.db.execute("SELECT id FROM packs")}
        report = card_store.rebuild(ws.db, retention)
        cards = ws.db.execute("SELECT learner_id, pack_id, item_kind, item_id, task_id, state, due, reviews, "
                              "last_at, last_device, last_seq FROM cards ORDER BY 1, 2, 3, 4").fetchall()
        assert report["cards"] == len(cards) and report["differed"] > 0 and report["stale"] > 0  # b's cards went
        assert {r[0] for r in cards} == {canonical(ws.db, lid) for lid in g.learners} and b not in {r[0] for r in cards}
        for lid, pack, kind, item_id, task, state, due, n, *last in cards:
            alone = card_store.compute_card(ws.db, lid, pack, kind, item_id, 0.9)
            assert (alone.state, alone.due, alone.reviews, alone.task, alone.last) == (
                json.loads(state), due, n, task, tuple(last))  # the resume point too (incremental refresh)
        assert card_store.rebuild(ws.db, retention) == {"cards": len(cards), "differed": 0, "stale": 0}
