"""The pack facts statements name (titles, versions, roles, behaviours), read from the manager's store."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from drillpad.lrs.statements import StatementError


class SqliteCatalog:
    """``statements.Catalog`` over the store; cached per instance (one import, one send)."""

    def __init__(self, db: Database):
        self.db = db
        self.pack = lru_cache(maxsize=None)(self._pack)  # type: ignore[method-assign]
        self.task = lru_cache(maxsize=None)(self._task)  # type: ignore[method-assign]
        self.behaviours = lru_cache(maxsize=None)(self._behaviours)  # type: ignore[method-assign]
        self.behaviour = lru_cache(maxsize=None)(self._behaviour)  # type: ignore[method-assign]
        self.item = lru_cache(maxsize=None)(self._item)  # type: ignore[method-assign]
        self.learner = lru_cache(maxsize=None)(self._learner)  # type: ignore[method-assign]

    def _one(self, sql: str, args: list[Any], what: str) -> tuple:
        row = self.db.execute(sql, args).fetchone()
        if row is None:
            raise StatementError(f"{what} is not installed here")
        return row

    def _pack(self, pack_id: str) -> dict[str, Any]:
        version, language, title = self._one("SELECT version, language, title FROM packs WHERE id = ?", [pack_id],
                                             f"pack {pack_id}")
        return {"version": version, "language": language, "title": title}

    def _task(self, pack_id: str, task_id: str) -> dict[str, Any]:
        title, role = self._one("SELECT title, role_id FROM tasks WHERE pack_id = ? AND id = ?", [pack_id, task_id],
                                f"task {pack_id}:{task_id}")
        return {"title": title, "role": role}

    def _behaviours(self, pack_id: str, task_id: str) -> list[dict[str, Any]]:
        return [{"id": r[0], "title": r[1]} for r in self.db.execute(
            "SELECT id, title, tasks FROM behaviours WHERE pack_id = ? ORDER BY position", [pack_id])
            if task_id in json.loads(r[2])]

    def _behaviour(self, pack_id: str, behaviour_id: str) -> dict[str, Any]:
        title, role = self._one("SELECT title, role_id FROM behaviours WHERE pack_id = ? AND id = ?",
                                [pack_id, behaviour_id], f"behaviour {pack_id}:{behaviour_id}")
        return {"title": title, "role": role}

    def _item(self, pack_id: str, kind: str, item_id: str) -> dict[str, Any]:
        if kind == "drill":
            body, = self._one("SELECT body FROM drills WHERE pack_id = ? AND id = ?", [pack_id, item_id],
                              f"drill {pack_id}:{item_id}")
            from drillpad.core.pack import Drill

            drill = Drill.model_validate_json(body)
            return {"title": drill.title_text(), "source": drill.source}
        if kind == "lesson":
            title, source = self._one("SELECT title, source FROM lessons WHERE pack_id = ? AND id = ?",
                                      [pack_id, item_id], f"lesson {pack_id}:{item_id}")
            return {"title": title, "source": source}
        question, source = self._one("SELECT question, source FROM prompts WHERE pack_id = ? AND id = ?",
                                     [pack_id, item_id], f"recall prompt {pack_id}:{item_id}")
        return {"title": question, "source": source}

    def _learner(self, learner_id: str) -> dict[str, Any]:
        name, pack, role = self._one("SELECT name, pack_id, role_id FROM learners WHERE id = ?", [learner_id],
                                     f"learner {learner_id}")
        return {"name": name, "pack": pack, "role": role}

    def event(self, event_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT id, kind, learner_id, payload, created_at FROM events WHERE id = ?",
                              [event_id]).fetchone()
        if row is None:
            return None
        return {"id": row[0], "kind": row[1], "learner_id": row[2], "payload": json.loads(row[3]), "created_at": row[4]}
