"""Merging two profiles of one person (a manager's act, recorded as an event, reversible until signed off).

A ``learner.merged`` event (payload: ``from``, ``into``, ``by``) on the manager's device says that learner
*from* is the same person as *into*; a ``learner.unmerged`` event (payload: ``merge``, the merge event's id,
``by``) takes it back. Events are never rewritten: each keeps the learner id it was made with, and every
derived view (FSRS cards, Today, journeys, rubric levels, progress, the aggregates) reads a person as *into*
plus every profile merged into it (``aliases``). The merges travel on the manager-signed roster, so the merged
history is one history on every workstation; a merge is refused once either profile has a sign-off newer than
nothing (a signed-off record is evidence a manager vouched for under one name — undo the sign-off first).
"""

from __future__ import annotations

from sqlite_utils import Database

from drillpad.store.merges import aliases, canonical  # noqa: F401 - the readers live in the store


class MergeError(ValueError):
    pass


def apply_merges(ev, merges: list[tuple[str, str, str, str, str]]) -> bool:
    """Make this PC's merges exactly the roster's (event id, from, into, by, at): new ones are added, ones the
    manager took back are marked undone. Rebuilds the derived state when anything changed. True if it did."""
    db = ev.db
    wanted = {m[0]: m for m in merges}
    current = {r[0] for r in db.execute("SELECT event_id FROM learner_merges WHERE undone_by IS NULL")}
    changed = False
    for event_id in current - set(wanted):
        db.execute("UPDATE learner_merges SET undone_by = 'roster' WHERE event_id = ?", [event_id])
        changed = True
    for event_id, (_, from_id, into_id, by, at) in wanted.items():
        if event_id not in current:
            db.execute("INSERT INTO learner_merges (event_id, from_id, into_id, by, at, undone_by) VALUES "
                       "(?, ?, ?, ?, ?, NULL) ON CONFLICT(event_id) DO UPDATE SET undone_by = NULL",
                       [event_id, from_id, into_id, by, at])
            changed = True
    if changed:
        rebuild_derived(db)
    return changed


def rebuild_derived(db: Database) -> None:
    from drillpad.core.pack import Settings
    from drillpad.store import aggregates
    from drillpad.store import cards as card_store

    retention = {r[0]: Settings.model_validate_json(r[1]).desired_retention
                 for r in db.execute("SELECT id, settings FROM packs")}
    db.execute("UPDATE learners SET active = CASE WHEN id IN (SELECT from_id FROM learner_merges WHERE undone_by "
               "IS NULL) THEN 0 ELSE 1 END")
    card_store.rebuild(db, retention)
    aggregates.rebuild(db)
