"""The Workspace: the one facade the CLI and the UI use (like Anki's Collection).

It opens a data dir (its SQLite file, migrated), holds the clock and the IT policy, and
offers the use cases. Nothing above it touches SQLite or llama directly.
"""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillpad.ai import AI
from drillpad.clock import Clock, SystemClock, from_iso, to_iso
from drillpad.core import cadence as cadence_core
from drillpad.core import competency as competency_core
from drillpad.core import metrics as metrics_core
from drillpad.core.cues import Synonyms
from drillpad.core.events import EventView
from drillpad.core.journey import RehearseRule, TaskJourney, task_journey
from drillpad.core.queue import Candidate, build_queue
from drillpad.core.scheduling import Rating, rate
from drillpad.drills.grading import DrillGrading, PromptGrading
from drillpad.errors import LearningError, saves
from drillpad.paths import Paths, resources_dir
from drillpad.policy import LoadedPolicy, Policy
from drillpad.profiles import Profiles
from drillpad.store import cards as card_store
from drillpad.store import events as event_store
from drillpad.store import learners as learner_store
from drillpad.store import variants as variant_store
from drillpad.store.db import DamagedDatabaseError, close_database, open_database, open_reader, save_error
from drillpad.store.db import DiskFullError, SaveError  # noqa: F401 - what a failed save raises (for the UI)

if TYPE_CHECKING:
    # Loaded on first use, after the names screen: the model runtime, the AI drill code, and the pack
    # models (pydantic) with what is built on them — the grader, the gate and pack import.
    from drillpad.core.grader import Grade
    from drillpad.core.pack import Drill, Pack, Prompt, Settings
    from drillpad.drills import judge as judge_mod
    from drillpad.store import packs as pack_store
    from drillpad.llm.engine import Engine
    from drillpad.lrs.service import LRS
    from drillpad.store.backups import Backup, RestoreReport
    from drillpad.store.integrity import CheckReport

DEMO_LEARNERS = (("Sam Ortiz", "warehouse-associate"), ("Priya Nair", "field-technician"))
REFLECTION_QUESTION = cadence_core.REFLECTION_QUESTION
DEMO_PIN = "2468"
DEMO_MANAGER_PASSPHRASE = "demo manager 2468"
"""The demo data dir is also its own manager's PC (manager mode on the name screen)."""
"""The demo learners' PIN (printed in the README); real profiles choose their own."""
PROMPT_MINUTES = 1.0
PROMPT_EXPECTED_SECONDS = 60


@dataclass(frozen=True)
class TodayItem:
    kind: str  # lesson | prompt | drill
    item_id: str
    title: str
    task_id: str
    minutes: float
    reason: str


@dataclass(frozen=True)
class Today:
    learner: str
    items: list[TodayItem]
    minutes: float
    budget_minutes: float
    cadence: list[cadence_core.WeekItem]


@dataclass(frozen=True)
class PointResult:
    text: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class RecallResult:
    prompt_id: str
    points: list[PointResult]
    score: float
    correct: bool
    rating: int
    answer: str
    source: str
    next_due: str
    event_id: str


@dataclass(frozen=True)
class DrillView:
    """A scenario drill as the trainee sees it: written, or an AI-adapted variant that passed the gate."""

    id: str
    pack_id: str
    task_id: str
    title: str
    situation: str
    question: str
    minutes: int
    source: str
    choices: list[dict[str, Any]]
    variant_id: str | None = None
    provenance: dict[str, Any] | None = None

    @property
    def note(self) -> str:
        """The one-line label shown with the scenario."""
        if self.variant_id is None:
            return f"Written scenario from {self.source}"
        return f"AI-adapted from {self.source}"


@dataclass(frozen=True)
class WeekPoint:
    week: date
    accuracy: float | None
    answered: int
    delayed: float | None
    delayed_n: int


@dataclass(frozen=True)
class Progress:
    weeks: list[WeekPoint]
    confidence: dict[int, tuple[float | None, int]]
    """confidence 1–4 → (share right, how many answers)"""
    reviews: int


@dataclass(frozen=True)
class PracticePlan:
    event_id: str
    task: str
    task_title: str
    drill: str | None
    follow_up: str
    note: str
    by: str


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


def _exportable(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A payload for the learner's own copy: a PIN verifier stays out (a file kept anywhere could be tried offline)."""
    if kind == "pin.set":
        return {**payload, "verifier": "(kept on the team's DrillPads only)"}
    return payload


def demo_packs_dir() -> Path:
    return resources_dir() / "assets" / "packs"


def is_damage(exc: BaseException) -> bool:
    """Whether *exc* says the database file itself is damaged (a page that no longer reads)."""
    error = save_error(exc)
    return error is not None and error.reason == "damaged"


CLOSE_BUSY_TIMEOUT_MS = 60_000
"""How long closing the workspace waits for another connection's write to end before its last writes."""


def _check_graded(graded, of: tuple, wanted: tuple) -> None:
    """A grading made in a worker may be recorded only for the answer it graded, by the same person."""
    if of != wanted:
        raise LearningError("that grading is of another answer: grade this one")
    if graded.grade is None:
        raise LearningError("the answer was not graded yet")


class Workspace:
    def __init__(self, paths: Paths, *, clock: Clock | None = None, policy: LoadedPolicy | None = None,
                 repair: bool = False, defer_full_check: bool = False):
        """Open the data dir. A damaged database raises DamagedDatabaseError, unless *repair* (the app): then the
        newest good backup is restored with everything the damaged file still reads, and ``self.restored`` says
        what happened (the window shows it). *defer_full_check* (the window): after an unclean exit only the quick
        check runs at open and ``full_check_due`` is set; the caller runs ``full_check`` in a worker and, when it
        finds damage, ``repair`` on the main thread."""
        self.paths = paths
        self.clock = clock or SystemClock()
        self.policy = policy or LoadedPolicy(Policy())
        paths.ensure()
        self.restored: RestoreReport | None = None
        from drillpad.store.db import was_unclean

        self.full_check_due = defer_full_check and was_unclean(paths.db_path)
        """After an unclean exit with *defer_full_check*: the full check has yet to run (in the background)."""
        try:
            self.db = open_database(paths.db_path, defer_full_check=defer_full_check)
        except DamagedDatabaseError:
            if not repair:
                raise
            from drillpad.store import backups

            self.restored = backups.restore(paths.db_path, self.clock.now())
            self.db = open_database(paths.db_path)
        self.device_id = event_store.this_device(self.db, now=self._now())
        self.ai = AI(self)
        """The local model: discovery, the engine in use, generations, variants and the judge (see ai.py)."""
        self._profiles: Profiles | None = None
        self._evidence = None
        self._lrs: LRS | None = None
        self._prompt_models: dict[tuple, Prompt] = {}
        self._pack_synonyms: dict[str, tuple[str, Synonyms]] = {}
        self._drill_titles: dict[tuple[str, str, str], str] = {}  # (pack, drill, body) → title (Today's list)
        self.startup_problems: list[str] = [f"IT policy: {p}" for p in self.policy.problems]
        """What went wrong at start that did not stop DrillPad (shown in the status bar)."""
        if self.policy.policy.team_file is not None:
            self._pin_policy_team(self.policy.policy.team_file)
        if self.restored is not None:
            self._take_back_evidence(self.restored)
            self.rebuild()  # schedules follow the restored and salvaged events

    @classmethod
    def open(cls, data_dir: Path | None = None, *, clock: Clock | None = None,
             policy: LoadedPolicy | None = None, repair: bool = False, defer_full_check: bool = False) -> "Workspace":
        policy = policy or LoadedPolicy(Policy())
        return cls(Paths.resolve(data_dir, policy), clock=clock, policy=policy, repair=repair,
                   defer_full_check=defer_full_check)

    def full_check(self) -> CheckReport:
        """The full integrity check of this workspace's database, with its own read-only connection: a worker
        thread may run it while the window is in use (the app does, after an unclean exit)."""
        from drillpad.store.integrity import check_database

        report = check_database(self.paths.db_path, full=True)
        self.full_check_due = False
        return report

    def repair(self) -> RestoreReport:
        """The full check found damage after the database was opened: close it, restore the newest good backup with
        everything the damaged file still reads (and what the team's bundles still hold), reopen and rebuild.
        Main thread only; screens must drop what they show first (the window locks)."""
        from drillpad.store import backups

        close_database(self.db)
        self.db = None
        self._evidence = None
        self.restored = backups.restore(self.paths.db_path, self.clock.now())
        self.db = open_database(self.paths.db_path)
        if self._profiles is not None:
            self._profiles = self._profiles.on(self.db)  # the session is kept as it was
        self._take_back_evidence(self.restored)
        self.rebuild()
        return self.restored

    # --- data safety: check, backup, restore (no open database needed: they work on a damaged one) --------

    @staticmethod
    def check(paths: Paths, *, full: bool = False) -> CheckReport:
        """SQLite's quick check, or (*full*) its integrity check and a read of every event; read-only."""
        from drillpad.store.integrity import check_database

        if not paths.db_path.exists():
            from drillpad.store.db import StoreError

            raise StoreError(f"there is no database at {paths.db_path} yet (nothing to check)")
        return check_database(paths.db_path, full=full)

    @classmethod
    def restore(cls, paths: Paths, backup: Path | None = None, *, clock: Clock | None = None,
                policy: LoadedPolicy | None = None, salvage: bool = True) -> RestoreReport:
        """Put a backup back (the newest good one unless named), keep the current file aside, salvage what it still
        reads, and rebuild the schedules."""
        from drillpad.store import backups

        clock = clock or SystemClock()
        paths.ensure()
        report = backups.restore(paths.db_path, clock.now(), backup, salvage=salvage)
        with cls(paths, clock=clock, policy=policy) as ws:
            ws._take_back_evidence(report)
            ws.rebuild()
        return report

    def _take_back_evidence(self, report: RestoreReport) -> None:
        """After a restore: events still in the team's bundles (this PC's outbox, the shared folder) come back by
        id; the device's sequence numbers continue above every one it used (evidence/recover.py)."""
        from drillpad.evidence.recover import recover

        ev = self.evidence
        if ev.team() is None:
            return
        folders = [ev.outbox_dir]
        if (target := self.sync_target()) is not None and target[0] == "folder":
            folders.append(Path(target[1]))
        got = recover(ev, folders)
        report.from_bundles, report.sealed_bundles = got.events, got.sealed
        if got.events and report.missing:
            back = {r[0] for r in self.db.execute("SELECT id FROM events")}
            report.missing = [e for e in report.missing if e.get("id") not in back]
        self.startup_problems.extend(ev.problems)

    def backup(self, *, if_due: bool = False) -> Backup | None:
        """Take a verified online backup and rotate the old ones; with *if_due*, only when none was taken today.
        Uses its own connections, so a worker thread may call it while this workspace is in use."""
        from drillpad.store import backups

        now = self.clock.now()
        if if_due and not backups.backup_due(self.paths.db_path, now):
            return None
        return backups.make_backup(self.paths.db_path, now)

    def backups(self) -> list[Backup]:
        from drillpad.store.backups import list_backups

        return list_backups(self.paths.db_path)

    def close(self) -> None:
        if getattr(self, "_reader", False):  # a view from reading(): its connection ends with the block
            return
        if self.db is not None and self.ai.queued_here():
            # closing waits for nobody: a worker's write on a starved PC may hold the database longer than
            # the usual busy timeout, and the generations queued for this write must not be lost to it
            self.db.execute(f"PRAGMA busy_timeout = {CLOSE_BUSY_TIMEOUT_MS}")
            self.ai.flush_generations()
        if self.db is not None:
            close_database(self.db)
            self.db = None

    @contextlib.contextmanager
    def reading(self):
        """This workspace for reading in a worker thread: the same data dir, clock and policy on a read-only
        connection of its own, opened in the calling thread and closed on leaving (SQLite connections stay in the
        thread that opened them). Any write through it fails; screens use it to gather what they show."""
        view = copy.copy(self)
        view.db = open_reader(self.paths.db_path)
        view.ai = self.ai.on(view)  # generations queued for this thread
        view._evidence, view._prompt_models, view._reader = None, {}, True
        view._profiles = None if self._profiles is None else self._profiles.on(view.db)
        view._lrs = None if self._lrs is None else self._lrs.on(view)  # the settings as read so far
        try:
            yield view
        finally:
            view.db.conn.close()
            view.db = None

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
        from drillpad.store import packs as pack_store

        return pack_store.load_pack_folder(folder)

    def import_pack(self, folder: Path) -> pack_store.ImportResult:
        from drillpad.store import packs as pack_store

        pack = pack_store.load_pack_folder(folder)
        return pack_store.import_pack(self.db, pack, source_path=str(folder.absolute()), now=self._now())

    def packs(self) -> list[dict]:
        from drillpad.store import packs as pack_store

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

    # --- the services it hands out --------------------------------------------------------

    @property
    def profiles(self) -> Profiles:
        """The learners, their PINs and lock-outs, and the unlocked session (see profiles.py)."""
        if self._profiles is None:
            self._profiles = Profiles(self.db, self.clock, self.device_id)
        return self._profiles

    @property
    def evidence(self):
        """Enrolment, outbox, delivery and the manager's import (see evidence/sync.py)."""
        if self._evidence is None:
            from drillpad.evidence.sync import Evidence

            self._evidence = Evidence(self.db, self.paths.data_dir, self._now, self.device_id)
            # no-ops unless the policy names an LRS (and, for a workstation's own facts, lrs_from_workstation); the
            # LRS code loads when a hook first runs, not with the evidence code
            self._evidence.after_verified_import = lambda events: self.lrs.queue(events)
            self._evidence.after_bundle_built = lambda events: self.lrs.queue_own(events)
        return self._evidence

    @property
    def lrs(self) -> LRS:
        """The organisation's LRS: its settings, outbox, sending and queuing (see lrs/service.py)."""
        if self._lrs is None:
            from drillpad.lrs.service import LRS

            self._lrs = LRS(self)
        return self._lrs

    def _pin_policy_team(self, team_file: Path) -> None:
        """IT's policy names the manager's team file: pin it on first start (never replaces another team)."""
        from drillpad.evidence.keys import KeyError_
        from drillpad.evidence.sync import SyncError

        if self.evidence.team() is not None:
            return
        from drillpad.paths import _expand

        path = _expand(team_file, self.policy.source.parent if self.policy.source else None)
        try:
            self.evidence.import_team_file(path)
        except (SyncError, KeyError_) as exc:
            self.startup_problems.append(f"IT policy team_file: {exc}")

    def sync_target(self) -> tuple[str, str] | None:
        """Where this workstation's evidence goes (team file, then IT policy), or None."""
        pol = self.policy.policy
        return self.evidence.target(pol.sync_folder, pol.sync_url)

    def sync_status(self) -> dict[str, Any]:
        """When this workstation last sent evidence, and how many records wait to be sent."""
        status = self.evidence.status()
        return {"last_sync": status["last_sync"], "pending": status["pending"],
                "unacked_bundles": status["unacked_bundles"], "target": self.sync_target()}

    # --- events --------------------------------------------------------------------------

    def record(self, learner_id: str | None, kind: str, payload: dict[str, Any]) -> event_store.Event:
        if self.ai.queued_here():
            self.ai.flush_generations()
        session = self.profiles.session
        if session is not None and learner_id is not None:
            if learner_id != session["learner"]:
                raise LearningError("another profile is unlocked on this workstation; lock it first")
            payload = {**payload, "session": session["id"]}
        return event_store.append(self.db, device_id=self.device_id, learner_id=learner_id, kind=kind,
                                  payload=payload, now=self._now())

    # --- learning ------------------------------------------------------------------------

    def _settings(self, pack_id: str) -> Settings:
        from drillpad.core.pack import Settings

        row = self.db.execute("SELECT settings FROM packs WHERE id = ?", [pack_id]).fetchone()
        return Settings.model_validate_json(row[0])

    def _events(self, learner_ids: list[str], kinds: tuple[str, ...] | None = None) -> list[EventView]:
        from drillpad.store.merges import aliases

        learner_ids = list(dict.fromkeys(i for lid in learner_ids for i in aliases(self.db, lid)))  # merged profiles
        if not learner_ids:
            return []
        marks = ",".join("?" * len(learner_ids))
        sql = f"SELECT id, kind, created_at, payload, learner_id FROM events WHERE learner_id IN ({marks})"
        args: list[Any] = list(learner_ids)
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            args += list(kinds)
        rows = self.db.execute(sql + " ORDER BY created_at, device_id, seq", args).fetchall()
        return [EventView(r[0], r[1], from_iso(r[2]), json.loads(r[3]), r[4]) for r in rows]

    def synonyms(self, pack_id: str) -> Synonyms:
        """The pack's synonyms and the lexicon, built once per pack version (~13 ms each; the grader's
        per-drill cache is keyed by this object, so a fresh one per answer rebuilt both every time)."""
        text = self.db.execute("SELECT synonyms FROM packs WHERE id = ?", [pack_id]).fetchone()[0]
        hit = self._pack_synonyms.get(pack_id)
        if hit is None or hit[0] != text:
            hit = self._pack_synonyms[pack_id] = (text, Synonyms(json.loads(text)))
        return hit[1]

    def _attempt_no(self, learner_id: str, pack_id: str, item_id: str) -> int:
        """1 for the learner's first ever attempt at the item, then 2, 3, ..."""
        from drillpad.store.merges import aliases

        ids = aliases(self.db, learner_id)
        return 1 + self.db.execute(
            f"SELECT count(*) FROM events WHERE learner_id IN ({','.join('?' * len(ids))}) AND kind = 'review' AND "
            "json_extract(payload, '$.item') = ? AND json_extract(payload, '$.pack') = ?",
            [*ids, item_id, pack_id]).fetchone()[0]

    def today(self, learner_key: str) -> Today:
        """Today's queue (due reviews, then capped new items, within the daily budget) and the cadence."""
        lr = self.profiles.learner(learner_key)
        settings = self._settings(lr.pack_id)
        now = self.clock.now()
        budget = self.policy.policy.daily_budget_minutes or settings.daily_budget_minutes
        from drillpad.store import aggregates

        read = {e.payload.get("task") for e in self._events([lr.id], ("lesson.read",))}
        created = from_iso(self.db["learners"].get(lr.id)["created_at"])
        first_week = cadence_core.week_start(created.date(), settings.week_start_weekday)
        days = aggregates.cadence_counts(self.db, lr.id, min(first_week, now.date()).isoformat())
        # lessons read and first attempts from the start of today (UTC) on, as kept per learner × day
        new_today = sum(d["new_items"] for day, d in days.items() if day >= now.date().isoformat())
        cards = {(r[0], r[1]): from_iso(r[2]) for r in self.db.execute(
            "SELECT item_kind, item_id, due FROM cards WHERE learner_id = ? AND pack_id = ?", [lr.id, lr.pack_id])}
        titles: dict[tuple[str, str], str] = {}
        candidates: list[Candidate] = []
        tasks = list(self.db.query("SELECT id, position FROM tasks WHERE pack_id = ? AND role_id = ? ORDER BY position",
                                   [lr.pack_id, lr.role_id]))
        position = {t["id"]: t["position"] for t in tasks}
        for row in self.db.query(
            "SELECT 'lesson' AS kind, id, task_id, title, reading_minutes AS minutes FROM lessons WHERE pack_id = ? "
            "UNION ALL SELECT 'prompt', id, task_id, question, ? FROM prompts WHERE pack_id = ? "
            "UNION ALL SELECT 'drill', id, task_id, body, minutes FROM drills WHERE pack_id = ?",  # title: its body
            [lr.pack_id, PROMPT_MINUTES, lr.pack_id, lr.pack_id],
        ):
            task = row["task_id"]
            if task not in position:
                continue
            kind = row["kind"]
            if kind == "lesson":
                if task in read:
                    continue
                due = None
            else:
                if task not in read and (kind, row["id"]) not in cards:
                    continue  # learn first: practice opens once the lesson is read
                due = cards.get((kind, row["id"]))
            order = position[task] * 3 + ("lesson", "prompt", "drill").index(kind)
            minutes = max(0.5, round(row["minutes"] * 2) / 2)
            candidates.append(Candidate(row["id"], kind, task, minutes, due, order))
            titles[(kind, row["id"])] = self._drill_title(lr.pack_id, row["id"], row["title"]) if kind == "drill" \
                else row["title"]
        queue = build_queue(candidates, now, budget_minutes=budget, new_per_day=settings.new_items_per_day,
                            new_done_today=new_today)
        items = [TodayItem(q.kind, q.item_id, titles[(q.kind, q.item_id)], q.task_id, q.minutes, q.reason)
                 for q in queue]
        weekday = settings.week_start_weekday
        week = cadence_core.cadence_from_days({date.fromisoformat(day): d for day, d in days.items()}, start=created,
                                              now=now, start_weekday=weekday)
        current = [w for w in week if w.week == cadence_core.week_start(now.date(), weekday)
                   or w.status == "rolled over"]
        return Today(lr.name, items, sum(i.minutes for i in items), budget, current)

    def _drill_title(self, pack_id: str, drill_id: str, body: str) -> str:
        """The title people read (slots filled), parsed once per stored body: Today lists every open drill."""
        key = (pack_id, drill_id, body)
        title = self._drill_titles.get(key)
        if title is None:
            from drillpad.core.pack import Drill

            if len(self._drill_titles) > 256:
                self._drill_titles.clear()
            title = self._drill_titles[key] = Drill.model_validate_json(body).title_text()
        return title

    def lesson(self, lesson_id: str, pack_id: str | None = None) -> dict[str, Any]:
        row = self.db.execute("SELECT pack_id, id, task_id, title, source, body, tree, reading_minutes FROM lessons "
                              "WHERE id = ? AND (? IS NULL OR pack_id = ?)", [lesson_id, pack_id, pack_id]).fetchone()
        if row is None:
            raise LearningError(f"no lesson {lesson_id!r}")
        keys = ("pack_id", "id", "task_id", "title", "source", "body", "tree", "reading_minutes")
        out = dict(zip(keys, row))
        out["tree"] = json.loads(out["tree"]) if out["tree"] else None
        return out

    def prompt(self, prompt_id: str, pack_id: str | None = None) -> dict[str, Any]:
        row = self.db.execute("SELECT pack_id, id, task_id, question, answer, source, points FROM prompts "
                              "WHERE id = ? AND (? IS NULL OR pack_id = ?)", [prompt_id, pack_id, pack_id]).fetchone()
        if row is None:
            raise LearningError(f"no retrieval prompt {prompt_id!r}")
        out = dict(zip(("pack_id", "id", "task_id", "question", "answer", "source", "points"), row))
        out["points"] = json.loads(out["points"])
        return out

    def _prompt_model(self, prompt: dict[str, Any]) -> Prompt:
        """The stored prompt as the pack model (points stored before point ids existed get p1, p2, …)."""
        from drillpad.core.pack import Prompt

        key = (prompt["pack_id"], prompt["id"], json.dumps(prompt["points"], sort_keys=True))
        cached = self._prompt_models.get(key)
        if cached is None:
            if len(self._prompt_models) > 256:
                self._prompt_models.clear()
            cached = self._prompt_models[key] = Prompt.model_validate(
                {"id": prompt["id"], "task": prompt["task_id"], "question": prompt["question"],
                 "answer": prompt["answer"], "source": prompt["source"], "point": prompt["points"]})
        return cached

    @saves
    def read_lesson(self, learner_key: str, lesson_id: str, seconds: float | None = None) -> event_store.Event:
        lr = self.profiles.learner(learner_key)
        lesson = self.lesson(lesson_id, lr.pack_id)
        return self.record(lr.id, "lesson.read", {"pack": lr.pack_id, "task": lesson["task_id"], "lesson": lesson_id,
                                                  "seconds": seconds})

    def prepare_prompt(self, learner_key: str, prompt_id: str, answer: str) -> PromptGrading:
        """What grading this recall answer needs, read now; its ``run()`` may then go to a worker."""
        lr = self.profiles.learner(learner_key)
        prompt = self.prompt(prompt_id, lr.pack_id)
        return PromptGrading(lr.id, prompt, self._prompt_model(prompt), answer, self.synonyms(lr.pack_id))

    @saves
    def answer_prompt(self, learner_key: str, prompt_id: str, answer: str, confidence: int,
                      seconds: float | None = None, graded: PromptGrading | None = None) -> RecallResult:
        """Grade a recall answer by its key points' cues, record the review and reschedule, in one transaction.
        With *graded* (a ``prepare_prompt`` run in a worker), its grade is recorded: it must be this answer to this
        prompt, by this person."""
        lr = self.profiles.learner(learner_key)
        from drillpad.core.grader import GRADER_VERSION

        if graded is None:  # the drill grader reads recall answers too: negation, the lexicon, spelling, stuffing
            graded = self.prepare_prompt(lr.id, prompt_id, answer)
            graded.run()
        else:
            _check_graded(graded, (graded.learner_id, graded.prompt["id"], graded.prompt["pack_id"], graded.answer),
                          (lr.id, prompt_id, lr.pack_id, answer))
        prompt, g = graded.prompt, graded.grade
        ids = list(g.criteria)
        points = [PointResult(point["text"], g.criteria[pid].met, g.criteria[pid].evidence)
                  for pid, point in zip(ids, prompt["points"])]
        score = sum(p.met for p in points) / len(points)
        rating = rate(score, confidence=confidence, seconds=seconds, expected_seconds=PROMPT_EXPECTED_SECONDS)
        settings = self._settings(lr.pack_id)
        with self.db.atomic():
            attempt = self._attempt_no(lr.id, lr.pack_id, prompt_id)
            event = self.record(lr.id, "review", {
                "pack": lr.pack_id, "task": prompt["task_id"], "item_kind": "prompt", "item": prompt_id,
                "score": score, "correct": score == 1.0, "confidence": confidence, "rating": int(rating),
                "seconds": seconds, "attempt": attempt, "missed": [p.text for p in points if not p.met],
                "answer": answer,
                "points": {pid: g.criteria[pid].met for pid in ids}, "flags": g.flags, "grader": GRADER_VERSION,
            })
            card_store.refresh_card(self.db, lr.id, lr.pack_id, "prompt", prompt_id, settings.desired_retention)
        due = self.db.execute("SELECT due FROM cards WHERE learner_id = ? AND pack_id = ? AND item_kind = 'prompt' "
                              "AND item_id = ?", [lr.id, lr.pack_id, prompt_id]).fetchone()[0]
        return RecallResult(prompt_id, points, score, score == 1.0, int(rating), prompt["answer"], prompt["source"], due,
                            event.id)

    def drill(self, drill_id: str, pack_id: str | None = None) -> Drill:
        from drillpad.core.pack import Drill

        row = self.db.execute("SELECT body FROM drills WHERE id = ? AND (? IS NULL OR pack_id = ?)",
                              [drill_id, pack_id, pack_id]).fetchone()
        if row is None:
            raise LearningError(f"no scenario drill {drill_id!r}")
        return Drill.model_validate_json(row[0])

    def first_drill(self, learner_key: str) -> str:
        """The first drill of the learner's skills map (for practice outside today's queue)."""
        lr = self.profiles.learner(learner_key)
        row = self.db.execute("SELECT d.id FROM drills d JOIN tasks t ON t.pack_id = d.pack_id AND t.id = d.task_id "
                              "WHERE d.pack_id = ? AND t.role_id = ? ORDER BY t.position, d.id LIMIT 1",
                              [lr.pack_id, lr.role_id]).fetchone()
        if row is None:
            raise LearningError(f"{lr.role_title} has no scenario drills")
        return row[0]

    # --- scenario drills (written, or a cached AI-adapted variant) ---------------------------

    def start_drill(self, learner_key: str, drill_id: str) -> DrillView:
        """The scenario to show: a cached variant of this drill the learner has not seen (made by the
        model in use and passed by the gate), else the written scenario. Never calls the model."""
        from drillpad.core.gate import TEMPLATE_VERSION

        lr = self.profiles.learner(learner_key)
        drill = self.drill(drill_id, lr.pack_id)
        choices = [c.model_dump() for c in drill.choice]
        model = self.ai.variant_model()
        if model:
            unseen = variant_store.unseen(self.db, lr.pack_id, drill_id, model, TEMPLATE_VERSION, lr.id)
            if unseen:
                v = unseen[0]
                variant_store.mark_used(self.db, v.id, lr.id, self._now())
                return DrillView(drill.id, lr.pack_id, drill.task, drill.title_text(v.slots),
                                 v.situation, v.question, drill.minutes, drill.source, choices, v.id,
                                 {**v.provenance, "variant_id": v.id, "created_at": v.created_at})
        return DrillView(drill.id, lr.pack_id, drill.task, drill.title_text(),
                         drill.situation_text(), drill.question, drill.minutes, drill.source, choices)

    def prepare_drill(self, learner_key: str, drill_id: str, answer: str,
                      first_answer: str | None = None) -> DrillGrading:
        """What grading this answer needs, read now; its ``run()`` may then go to a worker (see DrillGrading)."""
        lr = self.profiles.learner(learner_key)
        return DrillGrading(lr.id, self.drill(drill_id, lr.pack_id), answer, first_answer, self.synonyms(lr.pack_id))

    @saves
    def submit_drill(self, learner_key: str, drill_id: str, answer: str, confidence: int,
                     seconds: float | None = None, variant_id: str | None = None,
                     judge: Engine | None = None, opinion: judge_mod.Opinion | None = None,
                     first_answer: str | None = None, graded: DrillGrading | None = None) -> tuple[Grade, str]:
        """Grade a drill answer with the deterministic grader; record the review and reschedule in one
        transaction. An attempt the grader is unsure of is stored as needs_review and scheduled as Hard
        (it comes back soon) until a manager decides. A retry (*first_answer* given) is graded together
        with the first attempt: what was right then stays right. Returns the grade and the event id."""
        from drillpad.drills import judge as judge_mod

        lr = self.profiles.learner(learner_key)
        if graded is None:
            graded = self.prepare_drill(lr.id, drill_id, answer, first_answer)
            graded.run()
        else:  # graded already (in a worker): it must be this answer to this drill, by this person
            _check_graded(graded, (graded.learner_id, graded.drill.id, graded.answer, graded.first_answer),
                          (lr.id, drill_id, answer, first_answer))
        drill, g = graded.drill, graded.grade
        if judge is not None and opinion is None and not g.needs_review and self.ai.judge_enabled(judge, lr.pack_id)[0]:
            opinion = judge_mod.opinion(judge, drill, answer, pack_id=lr.pack_id)
        if opinion is not None and not g.needs_review:
            g = judge_mod.second_opinion(g, opinion.verdicts, opinion.error)
        scenario: dict[str, Any] = {"variant": None, "situation": drill.situation_text(), "source": drill.source}
        if variant_id is not None:
            v = variant_store.get(self.db, variant_id)
            if v is None or v.drill_id != drill_id:
                raise LearningError(f"no scenario variant {variant_id!r} for drill {drill_id!r}")
            scenario = {"variant": v.id, "situation": v.situation, "question": v.question, "source": drill.source,
                        "provenance": v.provenance}
        expected = drill.minutes * 60
        if g.needs_review:
            rating = Rating.Hard
        else:
            rating = rate(g.score, confidence=confidence, seconds=seconds, expected_seconds=expected,
                          required_missed=not g.passed)
        settings = self._settings(lr.pack_id)
        with self.db.atomic():
            attempt = self._attempt_no(lr.id, lr.pack_id, drill_id)
            event = self.record(lr.id, "review", {
                "pack": lr.pack_id, "task": drill.task, "item_kind": "drill", "item": drill_id,
                "score": g.score, "correct": g.passed and not g.needs_review, "confidence": confidence,
                "rating": int(rating), "seconds": seconds, "attempt": attempt,
                "missed": [cid for cid, c in g.criteria.items() if not c.met],
                "needs_review": g.needs_review, "flags": g.flags, "violations": [v.id for v in g.violations],
                "grade": g.to_contract(), "answer": answer, "scenario": scenario,
                **({"retry_of_answer": first_answer} if first_answer is not None else {}),
                "judge": opinion.to_payload() if opinion is not None else None,
            })
            card_store.refresh_card(self.db, lr.id, lr.pack_id, "drill", drill_id, settings.desired_retention)
        return g, event.id

    @saves
    def log_demonstration(self, learner_key: str, task_id: str, note: str, source: str = "self") -> event_store.Event:
        lr = self.profiles.learner(learner_key)
        if not self.db.execute("SELECT 1 FROM tasks WHERE pack_id = ? AND id = ? AND role_id = ?",
                               [lr.pack_id, task_id, lr.role_id]).fetchone():
            raise LearningError(f"no task {task_id!r} in {lr.name}'s role ({lr.role_title})")
        if not note.strip():
            raise LearningError("say briefly what you did (a note is the evidence)")
        return self.record(lr.id, "demonstration", {"pack": lr.pack_id, "task": task_id, "note": note.strip(),
                                                    "source": source})

    @saves
    def reflect(self, learner_key: str, text: str) -> event_store.Event:
        lr = self.profiles.learner(learner_key)
        if not text.strip():
            raise LearningError("a reflection needs a few words")
        return self.record(lr.id, "reflection", {"question": cadence_core.REFLECTION_QUESTION, "text": text.strip()})

    def journeys(self, learner_key: str) -> list[tuple[str, TaskJourney]]:
        """(task title, journey) for each task of the learner's role, in skills-map order."""
        lr = self.profiles.learner(learner_key)
        settings = self._settings(lr.pack_id)
        rule = RehearseRule(settings.rehearse_success_days, settings.rehearse_min_span_days)
        events = self._events([lr.id])
        needed: dict[str, int] = {}
        for b in self.db.query("SELECT tasks, demonstrations FROM behaviours WHERE pack_id = ? AND role_id = ? AND "
                               "evidence != 'drill'", [lr.pack_id, lr.role_id]):
            for t in json.loads(b["tasks"]):
                needed[t] = max(needed.get(t, 0), b["demonstrations"])
        return [(t["title"], task_journey(t["id"], events, rule=rule, demonstrations_needed=needed.get(t["id"], 1)))
                for t in self.db.query("SELECT id, title FROM tasks WHERE pack_id = ? AND role_id = ? ORDER BY position",
                                       [lr.pack_id, lr.role_id])]

    def competency(self, learner_key: str, events: list[EventView] | None = None) -> list[competency_core.BehaviourLevel]:
        """The learner's rubric level on each behaviour of their role, with the evidence behind it (*events*: the
        learner's events when the caller has already read them)."""
        lr = self.profiles.learner(learner_key)
        specs, names = self.behaviours(lr.pack_id, lr.role_id)
        return competency_core.assess(specs, names, self._events([lr.id]) if events is None else events,
                                      self.drill_titles(lr.pack_id))

    def behaviours(self, pack_id: str, role_id: str) -> tuple[list[competency_core.BehaviourSpec], dict[int, str]]:
        """The role's behaviours (in the pack's order) and the pack's rubric level names."""
        specs = [competency_core.BehaviourSpec(b["id"], b["title"], b["evidence"], tuple(json.loads(b["tasks"])),
                                               b["demonstrations"])
                 for b in self.db.query("SELECT id, title, evidence, tasks, demonstrations FROM behaviours "
                                        "WHERE pack_id = ? AND role_id = ? ORDER BY position", [pack_id, role_id])]
        names = dict(self.db.execute("SELECT level, name FROM rubric_levels WHERE pack_id = ?", [pack_id]).fetchall())
        return specs, names

    def drill_titles(self, pack_id: str) -> dict[str, str]:
        """Drill id → the title people read (its slots filled with the pack's defaults)."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM drills WHERE pack_id = ?", [pack_id])]
        return {d: self.drill(d, pack_id).title_text() for d in ids}

    def progress(self, learner_key: str, weeks: int = 8) -> Progress:
        """Week by week: share of answers right and delayed recall; and accuracy at each confidence level."""
        lr = self.profiles.learner(learner_key)
        reviews = [e for e in self._events([lr.id], ("review",))]
        settings = self._settings(lr.pack_id)
        this_week = cadence_core.week_start(self.clock.now().date(), settings.week_start_weekday)
        points = []
        for n in range(weeks - 1, -1, -1):
            start = this_week - timedelta(days=7 * n)
            begin = datetime.combine(start, datetime.min.time(), tzinfo=self.clock.now().tzinfo)
            end = begin + timedelta(days=7)
            week = [e for e in reviews if begin <= e.when < end]
            right = sum(1 for e in week if e.payload.get("correct"))
            delayed = metrics_core.compute(reviews, start=begin, end=end, now=self.clock.now()).delayed_quiz_score
            points.append(WeekPoint(start, right / len(week) if week else None, len(week), delayed.value, delayed.n))
        while points and points[0].answered == 0 and len(points) > 1:
            points.pop(0)  # start the chart at the learner's first active week
        calibration = metrics_core.compute(reviews, now=self.clock.now()).calibration.by_confidence
        return Progress(points, {c: (r.value, r.n) for c, r in sorted(calibration.items())}, len(reviews))

    def plans(self, learner_key: str) -> list[PracticePlan]:
        """Practice plans a manager sent (one skill, one scenario, one follow-up date), newest first."""
        lr = self.profiles.learner(learner_key)
        titles = {r[0]: r[1] for r in self.db.execute("SELECT id, title FROM tasks WHERE pack_id = ?", [lr.pack_id])}
        plans = [PracticePlan(e.id, e.payload["task"], titles.get(e.payload["task"], e.payload["task"]),
                              e.payload.get("drill"), e.payload["follow_up"], e.payload.get("note", ""),
                              e.payload.get("by", "your manager"))
                 for e in self._events([lr.id], ("coaching.plan",))]
        return plans[::-1]

    @saves
    def request_review(self, learner_key: str, event_id: str, note: str = "") -> event_store.Event:
        """The learner asks their manager to look at one of their drill attempts."""
        lr = self.profiles.learner(learner_key)
        row = self.db.execute("SELECT learner_id, kind FROM events WHERE id = ?", [event_id]).fetchone()
        if row is None or row[0] != lr.id or row[1] != "review":
            raise LearningError("that attempt is not one of yours")
        return self.record(lr.id, "review.requested", {"event": event_id, "note": note.strip()})

    def my_data(self, learner_key: str) -> dict[str, Any]:
        """What DrillPad keeps about a learner, in plain terms, with counts, and the machines that hold a copy."""
        lr = self.profiles.learner(learner_key)
        counts = dict(self.db.execute("SELECT kind, count(*) FROM events WHERE learner_id = ? GROUP BY kind",
                                      [lr.id]).fetchall())
        return {"name": lr.name, "role": lr.role_title, "since": lr.created_at, "counts": counts,
                "total": sum(counts.values()), "copies": self.evidence.holders()}

    def export_my_data(self, learner_key: str) -> dict[str, Any]:
        """Everything recorded about a learner, as JSON-ready data (the learner's own copy)."""
        lr = self.profiles.learner(learner_key)
        events = [{"id": r[0], "kind": r[1], "created_at": r[2], "payload": _exportable(r[1], json.loads(r[3]))}
                  for r in self.db.execute("SELECT id, kind, created_at, payload FROM events WHERE learner_id = ? "
                                           "ORDER BY created_at, device_id, seq", [lr.id])]
        cards = [{"item_kind": r[0], "item": r[1], "due": r[2], "reviews": r[3]} for r in self.db.execute(
            "SELECT item_kind, item_id, due, reviews FROM cards WHERE learner_id = ? ORDER BY due", [lr.id])]
        return {"format": "drillpad-my-data/1", "exported_at": self._now(),
                "learner": {"id": lr.id, "name": lr.name, "role": lr.role_title, "pack": lr.pack_id,
                            "created_at": lr.created_at},
                "events": events, "schedule": cards}

    def stats_scope(self, learner_key: str | None = None, role: str | None = None) -> list[str]:
        """The learner ids the metrics cover: one learner, a role's cohort, or everyone."""
        if learner_key:
            return [self.profiles.learner(learner_key).id]
        if role:
            pack_id, role_id = learner_store.resolve_role(self.db, role)
            return [r[0] for r in self.db.execute("SELECT id FROM learners WHERE pack_id = ? AND role_id = ?",
                                                  [pack_id, role_id])]
        return [r[0] for r in self.db.execute("SELECT id FROM learners")]

    def stats(self, learner_key: str | None = None, role: str | None = None, start=None, end=None,
              task: str | None = None):
        """The five metrics for one learner, a role's cohort, or everyone; optionally for one task."""
        ids = self.stats_scope(learner_key, role)
        from drillpad.store import aggregates

        # the same sums metrics_core.compute makes of the events, kept per learner × task × day
        return metrics_core.from_counts(aggregates.counts(self.db, ids, task=task, start=start, end=end))

    def rebuild(self) -> dict[str, int]:
        """Recompute all derived schedules and aggregates from events and report differences."""
        from drillpad.core.pack import Settings

        retention = {r[0]: Settings.model_validate_json(r[1]).desired_retention
                     for r in self.db.execute("SELECT id, settings FROM packs")}
        from drillpad.store import aggregates

        report = card_store.rebuild(self.db, retention)
        report["aggregates_differed"] = aggregates.rebuild(self.db)["differed"]
        return report

    # --- demo ----------------------------------------------------------------------------

    def install_demo(self, packs_dir: Path | None = None, *, manager: bool = False) -> list[pack_store.ImportResult]:
        """Import the bundled demo packs and add the demo learners that are missing; with *manager*, make this
        data dir a demo manager's too (passphrase ``DEMO_MANAGER_PASSPHRASE``)."""
        packs_dir = packs_dir or demo_packs_dir()
        results = [self.import_pack(folder) for folder in sorted(p for p in packs_dir.iterdir() if p.is_dir())]
        existing = {lr.name.lower() for lr in self.profiles.learners()}
        installed_roles = {r.id for r in self.roles()}
        for name, role in DEMO_LEARNERS:
            if name.lower() not in existing and role in installed_roles:
                self.profiles.add_demo_learner(name, role, DEMO_PIN)
        if manager and self.evidence.team() is None:
            self.evidence.manager_init("Demo team", DEMO_MANAGER_PASSPHRASE)
        return results
