"""Learners on this workstation."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from sqlite_utils import Database


class LearnerError(ValueError):
    pass


@dataclass(frozen=True)
class Learner:
    id: str
    name: str
    pack_id: str
    role_id: str
    role_title: str
    created_at: str


_SELECT = (
    "SELECT l.id, l.name, l.pack_id, l.role_id, r.title AS role_title, l.created_at FROM learners l "
    "JOIN roles r ON r.pack_id = l.pack_id AND r.id = l.role_id WHERE l.active = 1"
)


def resolve_role(db: Database, role: str) -> tuple[str, str]:
    """(pack_id, role_id) for 'role-id' or 'pack-id:role-id'."""
    pack_id, _, role_id = role.rpartition(":")
    rows = db.execute(
        "SELECT pack_id, id FROM roles WHERE id = ? AND (? = '' OR pack_id = ?)", [role_id, pack_id, pack_id]
    ).fetchall()
    if not rows:
        known = ", ".join(f"{p}:{r}" for p, r in db.execute("SELECT pack_id, id FROM roles ORDER BY 1, 2"))
        raise LearnerError(f"no role {role!r}; installed roles: {known or 'none (import a pack first)'}")
    if len(rows) > 1:
        raise LearnerError(f"role {role!r} exists in several packs; say which: " +
                           ", ".join(f"{p}:{r}" for p, r in rows))
    return rows[0][0], rows[0][1]


def add_learner(db: Database, name: str, role: str, *, now: str) -> Learner:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 60:
        raise LearnerError("a learner's name is 1 to 60 characters")
    pack_id, role_id = resolve_role(db, role)
    learner_id = str(uuid.uuid4())
    try:
        with db.atomic():
            db["learners"].insert({"id": learner_id, "name": name, "pack_id": pack_id, "role_id": role_id,
                                   "created_at": now, "active": 1})
    except sqlite3.IntegrityError:
        raise LearnerError(f"a learner called {name!r} already exists on this workstation") from None
    return get_learner(db, learner_id)


def get_learner(db: Database, key: str) -> Learner:
    """A learner by id or by name (case-insensitive)."""
    row = db.execute(_SELECT + " AND (l.id = ? OR l.name = ? COLLATE NOCASE)", [key, key]).fetchone()
    if row is None:
        raise LearnerError(f"no learner {key!r} on this workstation (see `drillpad learner list`)")
    return Learner(*row)


def list_learners(db: Database) -> list[Learner]:
    return [Learner(*row) for row in db.execute(_SELECT + " ORDER BY l.name COLLATE NOCASE")]
