"""Profiles merged into one person (recorded by the manager, kept in ``learner_merges``; see evidence/merge.py):
which learner id stands for whom, so every derived view reads one person as one history."""

from __future__ import annotations

from sqlite_utils import Database


def canonical(db: Database, learner_id: str) -> str:
    """The profile a learner id stands for now (itself unless merged into another, followed to the end)."""
    seen = {learner_id}
    current = learner_id
    while True:
        row = db.execute("SELECT into_id FROM learner_merges WHERE from_id = ? AND undone_by IS NULL "
                         "ORDER BY at DESC LIMIT 1", [current]).fetchone()
        if row is None or row[0] in seen:
            return current
        seen.add(row[0])
        current = row[0]


def aliases(db: Database, learner_id: str) -> list[str]:
    """Every learner id whose events are this person's: the profile itself and all merged into it."""
    out, todo = [learner_id], [learner_id]
    while todo:
        into = todo.pop()
        for (from_id,) in db.execute("SELECT from_id FROM learner_merges WHERE into_id = ? AND undone_by IS NULL",
                                     [into]).fetchall():
            if from_id not in out:
                out.append(from_id)
                todo.append(from_id)
    return out
