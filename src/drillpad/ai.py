"""The local model: which model this workstation uses, its engine, what it generated, and what it may do.

Model discovery (``models``), the engine for the model in use (``open_engine``; the caller keeps the one it
loaded as ``engine``), the provenance of every generation as an append-only event (``record_generation``,
``trace``), scenario variants made ahead of time and gated (``pregenerate``), and the model as an extra judge
once it passed a pack's calibration (``calibrate_judge``, ``judge_enabled``). The workspace hands it out as
``Workspace.ai``. The model code is imported on first use, never here.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from drillpad.clock import to_iso
from drillpad.llm.provenance import GENERATION_EVENT, Generation, sha256_text
from drillpad.store import events as event_store
from drillpad.store import variants as variant_store

if TYPE_CHECKING:
    from sqlite_utils import Database

    from drillpad.clock import Clock
    from drillpad.core.cues import Synonyms
    from drillpad.core.pack import Context, Drill, Pack
    from drillpad.drills import judge as judge_mod
    from drillpad.llm.engine import CancelToken, Engine
    from drillpad.llm.models import ModelCatalog
    from drillpad.paths import Paths
    from drillpad.policy import LoadedPolicy
    from drillpad.profiles import Profiles


class Facade(Protocol):
    """What the local model uses of the workspace that hands it out (the workspace is never imported here): its
    data dir, database, clock and policy; ``record``, which binds an event to the unlocked session; and the
    learners, today's queue, drills and pack synonyms that ``pregenerate`` works from."""

    db: Database
    paths: Paths
    policy: LoadedPolicy
    clock: Clock
    device_id: str

    @property
    def profiles(self) -> Profiles: ...

    def record(self, learner_id: str | None, kind: str, payload: dict[str, Any]) -> event_store.Event: ...

    def today(self, learner_key: str) -> Any: ...

    def drill(self, drill_id: str, pack_id: str | None = None) -> Drill: ...

    def synonyms(self, pack_id: str) -> Synonyms: ...


@dataclass(frozen=True)
class PregenerateReport:
    model: str
    attempts: int
    kept: int
    rejected: int
    reasons: dict[str, int]
    drills: int
    cancelled: bool = False


class AI:
    def __init__(self, workspace: Facade):
        self._ws = workspace
        self._thread = threading.get_ident()
        self._queued: deque[tuple[Generation, str | None]] = deque()
        self.engine: Engine | None = None
        """The engine in use, when the caller opened one (its variants are the ones shown)."""
        self._variant_model: str | None = None
        self.model_noted_in_background = False
        """The caller (the window) notes the model in a worker (``note_variant_model``, ``open_engine``): until it has,
        ``variant_model()`` says none (the written scenario is shown) instead of reading the model folders and
        importing the model code on the calling thread."""

    def on(self, workspace: Facade) -> "AI":
        """This service for a reading view of the workspace, made in the calling thread: the same engine and model,
        with generations queued for that thread."""
        other = copy.copy(self)
        other._ws, other._thread, other._queued = workspace, threading.get_ident(), deque()
        return other

    def _now(self) -> str:
        return to_iso(self._ws.clock.now())

    # --- the model and its engine ------------------------------------------------------------

    @property
    def models(self) -> ModelCatalog:
        """The GGUF models this workstation may use (install, user and policy folders)."""
        from drillpad.llm.models import ModelCatalog

        return ModelCatalog.for_paths(self._ws.paths, self._ws.policy)

    def open_engine(self, *, reproducible: bool = False) -> Engine:
        """The engine for the model in use, not loaded yet: ``load(progress)`` starts it in the
        background, in the model's own process (this process never loads the runtime). Without a
        usable model it is an engine that says why, so callers fall back."""
        from drillpad.llm.engine import UnavailableEngine
        from drillpad.llm.process import ProcessEngine

        catalog = self.models
        selection = catalog.select()
        # what variant_model() would find, found here (the app opens the engine in a worker): showing a drill before
        # the model is ready then reads no model folder on the main thread
        self._variant_model = (selection.entry.sha256 if selection.entry is not None else None) or ""
        if selection.entry is None or selection.reason:
            return UnavailableEngine(selection.reason or "no usable model")
        return ProcessEngine.llama(selection.entry, hash_cache_path=catalog.hash_cache.path,
                                   threads=self._ws.policy.policy.model_threads, clock=self._ws.clock,
                                   recorder=self.record_generation, reproducible=reproducible)

    # --- what it generated (provenance) ------------------------------------------------------

    def record_generation(self, generation: Generation, learner_id: str | None = None) -> event_store.Event | None:
        """Keep the provenance of one generation as an append-only event. Called from another thread
        (a UI worker using the engine), it is queued and stored by this workspace's thread at its next
        write (SQLite connections stay in the thread that opened them)."""
        if threading.get_ident() != self._thread:
            self._queued.append((generation, learner_id))
            return None
        return self._ws.record(learner_id, GENERATION_EVENT, generation.to_payload())

    def queued_here(self) -> bool:
        """Whether generations wait to be stored and this is the thread that stores them."""
        return bool(self._queued) and threading.get_ident() == self._thread

    def flush_generations(self) -> None:
        """Store the generations queued by other threads (the workspace does, before its next write and at close)."""
        while self._queued:
            generation, learner_id = self._queued[0]
            event_store.append(self._ws.db, device_id=self._ws.device_id, learner_id=learner_id,
                               kind=GENERATION_EVENT, payload=generation.to_payload(), now=self._now())
            self._queued.popleft()  # only once it is stored: a write that failed (a locked database) is tried again

    def trace(self, text: str) -> list[Generation]:
        """The recorded generations whose output was exactly *text*."""
        rows = self._ws.db.execute(
            "SELECT payload FROM events WHERE kind = ? AND json_extract(payload, '$.output_sha256') = ? "
            "ORDER BY created_at, device_id, seq", [GENERATION_EVENT, sha256_text(text)]).fetchall()
        return [Generation.from_payload(json.loads(r[0])) for r in rows]

    # --- scenario variants (AI-adapted, gated, cached) --------------------------------------

    def variant_model(self) -> str | None:
        """The sha256 of the model whose variants may be shown (the engine in use, else the selected model)."""
        if self.engine is not None:
            return self.engine.info().sha256
        if self._variant_model is None:
            if self.model_noted_in_background:
                return None
            self.note_variant_model()
        return self._variant_model or None

    def note_variant_model(self) -> None:
        """Find the model whose variants may be shown (reads the model folders; the window does it in a worker)."""
        entry = self.models.select().entry
        self._variant_model = (entry.sha256 if entry is not None else None) or ""

    def _context(self, pack_id: str) -> Context:
        from drillpad.core.pack import Context

        return Context.model_validate_json(self._ws.db.execute("SELECT context FROM packs WHERE id = ?",
                                                               [pack_id]).fetchone()[0])

    def pregenerate(self, engine: Engine, *, learner_key: str | None = None, per_drill: int = 2,
                    max_attempts: int = 3, cancel: CancelToken | None = None,
                    progress: Callable[[int, int, str], object] | None = None,
                    rng: random.Random | None = None) -> PregenerateReport:
        """Make variants ahead of time for learners' upcoming drills (today's queue first, then the
        rest of their role's drills) until each learner has *per_drill* unseen ones. Output that fails
        the gate is discarded and logged (``drill.variant_rejected``) with its reasons."""
        from drillpad.core.gate import TEMPLATE_VERSION

        from drillpad.drills import variants as variant_gen
        from drillpad.llm.engine import GenerationCancelled

        ws = self._ws
        learners = [ws.profiles.learner(learner_key)] if learner_key else ws.profiles.learners()
        model = engine.info().sha256 or ""
        rng = rng or random.Random()
        names = [lr.name for lr in ws.profiles.learners()]
        work: list[tuple[Any, str]] = []
        for lr in learners:
            queued = [i.item_id for i in ws.today(lr.id).items if i.kind == "drill"]
            role = [r[0] for r in ws.db.execute(
                "SELECT d.id FROM drills d JOIN tasks t ON t.pack_id = d.pack_id AND t.id = d.task_id "
                "WHERE d.pack_id = ? AND t.role_id = ? ORDER BY t.position, d.id", [lr.pack_id, lr.role_id])]
            work += [(lr, d) for d in dict.fromkeys(queued + role)]
        attempts = kept = rejected = 0
        reasons: dict[str, int] = {}
        for n, (lr, drill_id) in enumerate(work):
            if progress is not None:
                progress(n, len(work), drill_id)
            drill = ws.drill(drill_id, lr.pack_id)
            if not drill.fact:
                continue
            context, synonyms = self._context(lr.pack_id), ws.synonyms(lr.pack_id)
            for _ in range(max_attempts):
                if cancel is not None and cancel.cancelled:
                    return PregenerateReport(engine.info().name, attempts, kept, rejected, reasons, len(work), True)
                have = len(variant_store.unseen(ws.db, lr.pack_id, drill_id, model, TEMPLATE_VERSION, lr.id))
                if have >= per_drill:
                    break
                recent = variant_store.recent(ws.db, lr.pack_id, drill_id, model, TEMPLATE_VERSION)
                try:
                    attempt = variant_gen.generate(engine, drill, pack_id=lr.pack_id, role_title=lr.role_title,
                                                   context=context, synonyms=synonyms, recent=recent,
                                                   personal_names=names, rng=rng, cancel=cancel)
                except GenerationCancelled:
                    return PregenerateReport(engine.info().name, attempts, kept, rejected, reasons, len(work), True)
                attempts += 1
                gate = attempt.gate.to_payload() if attempt.gate else {"passed": False, "error": attempt.error}
                if attempt.passed:
                    assert attempt.candidate is not None
                    variant_store.add(ws.db, pack_id=lr.pack_id, drill_id=drill_id, model_sha256=model,
                                      template=TEMPLATE_VERSION, situation=attempt.candidate.situation,
                                      question=attempt.candidate.question, slots=attempt.slots,
                                      provenance={**attempt.generation, "gate": gate}, now=self._now())
                    kept += 1
                else:
                    rejected += 1
                    for r in attempt.reasons:
                        key = r.split(":")[0]
                        reasons[key] = reasons.get(key, 0) + 1
                    ws.record(None, "drill.variant_rejected", {
                        "pack": lr.pack_id, "drill": drill_id, "reasons": attempt.reasons, "gate": gate,
                        "generation": attempt.generation})
        if progress is not None:
            progress(len(work), len(work), "")
        return PregenerateReport(engine.info().name, attempts, kept, rejected, reasons, len(work))

    # --- the optional LLM judge (calibrated per pack) --------------------------------------

    def _manifest_path(self, model_sha256: str | None) -> Path | None:
        for entry in self.models.entries():
            if model_sha256 and entry.sha256 == model_sha256:
                return entry.manifest_path
        return None

    def calibrate_judge(self, engine: Engine, pack: Pack, *, cancel: CancelToken | None = None,
                        progress: Callable[[int, int], object] | None = None) -> tuple[judge_mod.Calibration, Path]:
        """Measure *engine* as a judge on the pack's labelled answers and record the result in its manifest."""
        from drillpad.drills import judge as judge_mod

        calibration = judge_mod.calibrate(engine, pack, now=self._now(), cancel=cancel, progress=progress)
        where = judge_mod.record(calibration, self._manifest_path(calibration.model_sha256),
                                 self._ws.paths.user_models_dir)
        return calibration, where

    def judge_enabled(self, engine: Engine | None, pack_id: str) -> tuple[bool, str]:
        """Whether *engine* may give second opinions on this pack's drills, and why (not)."""
        from drillpad.drills import judge as judge_mod

        if engine is None:
            return False, "no model in use"
        sha = engine.info().sha256 or ""
        row = self._ws.db.execute("SELECT content_hash FROM packs WHERE id = ?", [pack_id]).fetchone()
        if row is None:
            return False, f"pack {pack_id} is not installed"
        calibs = judge_mod.calibrations(self._manifest_path(sha), self._ws.paths.user_models_dir, sha)
        if judge_mod.enabled_for(calibs, pack_id, row[0]):
            return True, "passed calibration on this pack"
        mine = [c for c in calibs if c.get("pack") == pack_id]
        if not mine:
            return False, "not calibrated on this pack (drillpad eval grading --pack PATH --judge)"
        last = mine[-1]
        return False, (f"failed calibration: accuracy {last['accuracy']:.2f} (needs ≥ {judge_mod.MIN_ACCURACY}), "
                       f"false-pass {last['false_pass_rate']:.0%} (needs ≤ {judge_mod.MAX_FALSE_PASS:.0%})")
