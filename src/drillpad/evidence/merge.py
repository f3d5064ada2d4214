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


def merge(desk, from_id: str, into_id: str, note: str = ""):
    """The manager records that *from_id* and *into_id* are one person (a ``learner.merged`` event); every view
    reads them as *into_id* from now on, here and — with the next roster — on every workstation."""
    db = desk.db
    if from_id == into_id:
        raise MergeError("these are the same profile; choose two profiles of one person")
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, name, pack_id, role_id FROM learners WHERE id IN (?, ?)",
                                            [from_id, into_id])}
    if len(rows) != 2:
        raise MergeError("both profiles must be on this team's roster")
    if rows[from_id][1:] != rows[into_id][1:]:
        raise MergeError(f"{rows[from_id][0]} and {rows[into_id][0]} are in different roles; a person has one "
                         "role on the team — change the role first")
    if db.execute("SELECT 1 FROM learner_merges WHERE from_id IN (?, ?) AND undone_by IS NULL",
                  [from_id, into_id]).fetchone():
        raise MergeError("one of these profiles is already merged into another; merge into that one")
    with db.atomic():
        event = desk._record(from_id, "learner.merged", {"into": into_id, "note": note.strip()})
        db.execute("INSERT INTO learner_merges (event_id, from_id, into_id, by, at, undone_by) VALUES (?, ?, ?, ?, ?, "
                   "NULL)", [event.id, from_id, into_id, event.payload["by"], event.created_at])
        rebuild_derived(db)
    return event


def unmerge(desk, merge_event_id: str):
    """Take a merge back (a ``learner.unmerged`` event), unless the person was signed off since: a sign-off is
    a manager's word on the merged history, so it is withdrawn first."""
    db = desk.db
    row = db.execute("SELECT from_id, into_id, at FROM learner_merges WHERE event_id = ? AND undone_by IS NULL",
                     [merge_event_id]).fetchone()
    if row is None:
        raise MergeError(f"no merge {merge_event_id} in force")
    from_id, into_id, at = row
    if db.execute("SELECT 1 FROM events WHERE kind = 'signoff' AND learner_id IN (?, ?) AND created_at >= ?",
                  [from_id, into_id, at]).fetchone():
        raise MergeError("this person was signed off since the merge; the merged history is what the sign-off "
                         "vouches for, so the merge stays")
    with db.atomic():
        event = desk._record(from_id, "learner.unmerged", {"merge": merge_event_id})
        db.execute("UPDATE learner_merges SET undone_by = ? WHERE event_id = ?", [event.id, merge_event_id])
        rebuild_derived(db)
    return event
