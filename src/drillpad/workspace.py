"""The Workspace: the one facade the CLI and the UI use (like Anki's Collection).

It opens a data dir (its SQLite file, migrated), holds the clock and the IT policy, and
offers the use cases. Nothing above it touches SQLite or llama directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillpad.clock import Clock, SystemClock, to_iso
from drillpad.core.pack import Pack
from drillpad.paths import Paths, resources_dir
from drillpad.policy import LoadedPolicy, Policy
from drillpad.store import events as event_store
from drillpad.store import learners as learner_store
from drillpad.store import packs as pack_store
from drillpad.store.db import close_database, open_database

DEMO_LEARNERS = (("Sam Ortiz", "warehouse-associate"), ("Priya Nair", "field-technician"))


@dataclass(frozen=True)
class TaskInfo:
    id: str
    title: str
    what_good_looks_like: str
    failure_points: list[str]
    has_lesson: bool
    drills: int
    prompts: int


@dataclass(frozen=True)
class RoleInfo:
    pack_id: str
    pack_title: str
    pack_version: str
    id: str
    title: str
    summary: str
    approval: str
    tasks: list[TaskInfo]
    behaviours: list[dict[str, Any]]


def demo_packs_dir() -> Path:
    return resources_dir() / "assets" / "packs"


class Workspace:
    def __init__(self, paths: Paths, *, clock: Clock | None = None, policy: LoadedPolicy | None = None):
        self.paths = paths
        self.clock = clock or SystemClock()
        self.policy = policy or LoadedPolicy(Policy())
        paths.ensure()
        self.db = open_database(paths.db_path)
        self.device_id = event_store.this_device(self.db, now=self._now())

    @classmethod
    def open(cls, data_dir: Path | None = None, *, clock: Clock | None = None,
             policy: LoadedPolicy | None = None) -> "Workspace":
        policy = policy or LoadedPolicy(Policy())
        return cls(Paths.resolve(data_dir, policy), clock=clock, policy=policy)

    def close(self) -> None:
        if self.db is not None:
            close_database(self.db)
            self.db = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return to_iso(self.clock.now())

    # --- packs ---------------------------------------------------------------------------

    @staticmethod
    def validate_pack(folder: Path) -> Pack:
        """Validate a pack folder without importing it; raises PackInvalid with every problem."""
        return pack_store.load_pack_folder(folder)

    def import_pack(self, folder: Path) -> pack_store.ImportResult:
        pack = pack_store.load_pack_folder(folder)
        return pack_store.import_pack(self.db, pack, source_path=str(folder.absolute()), now=self._now())

    def packs(self) -> list[dict]:
        return pack_store.list_packs(self.db)

    def roles(self) -> list[RoleInfo]:
        roles = []
        for r in self.db.query(
            "SELECT r.pack_id, p.title AS pack_title, p.version, r.id, r.title, r.summary, p.approved_by, "
            "p.approved_on, p.source_document, p.source_revision FROM roles r JOIN packs p ON p.id = r.pack_id "
            "ORDER BY p.title, r.position"
        ):
            tasks = [
                TaskInfo(t["id"], t["title"], t["what_good_looks_like"], json.loads(t["failure_points"]),
                         bool(t["lessons"]), t["drills"], t["prompts"])
                for t in self.db.query(
                    "SELECT t.*, (SELECT count(*) FROM lessons l WHERE l.pack_id = t.pack_id AND l.task_id = t.id) "
                    "AS lessons, (SELECT count(*) FROM drills d WHERE d.pack_id = t.pack_id AND d.task_id = t.id) "
                    "AS drills, (SELECT count(*) FROM prompts q WHERE q.pack_id = t.pack_id AND q.task_id = t.id) "
                    "AS prompts FROM tasks t WHERE t.pack_id = ? AND t.role_id = ? ORDER BY t.position",
                    [r["pack_id"], r["id"]],
                )
            ]
            behaviours = [
                {**b, "tasks": json.loads(b["tasks"])}
                for b in self.db.query(
                    "SELECT id, title, description, evidence, tasks, demonstrations FROM behaviours "
                    "WHERE pack_id = ? AND role_id = ? ORDER BY position", [r["pack_id"], r["id"]])
            ]
            approval = (f"Approved by {r['approved_by']} on {r['approved_on']} — "
                        f"{r['source_document']}, {r['source_revision']}")
            roles.append(RoleInfo(r["pack_id"], r["pack_title"], r["version"], r["id"], r["title"], r["summary"],
                                  approval, tasks, behaviours))
        return roles

    # --- learners ------------------------------------------------------------------------

    def add_learner(self, name: str, role: str) -> learner_store.Learner:
        return learner_store.add_learner(self.db, name, role, now=self._now())

    def learners(self) -> list[learner_store.Learner]:
        return learner_store.list_learners(self.db)

    def learner(self, key: str) -> learner_store.Learner:
        return learner_store.get_learner(self.db, key)

    # --- events --------------------------------------------------------------------------

    def record(self, learner_id: str | None, kind: str, payload: dict[str, Any]) -> event_store.Event:
        return event_store.append(self.db, device_id=self.device_id, learner_id=learner_id, kind=kind,
                                  payload=payload, now=self._now())

    # --- demo ----------------------------------------------------------------------------

    def install_demo(self, packs_dir: Path | None = None) -> list[pack_store.ImportResult]:
        """Import the bundled demo packs and add the demo learners that are missing."""
        packs_dir = packs_dir or demo_packs_dir()
        results = [self.import_pack(folder) for folder in sorted(p for p in packs_dir.iterdir() if p.is_dir())]
        existing = {lr.name.lower() for lr in self.learners()}
        installed_roles = {r.id for r in self.roles()}
        for name, role in DEMO_LEARNERS:
            if name.lower() not in existing and role in installed_roles:
                self.add_learner(name, role)
        return results
